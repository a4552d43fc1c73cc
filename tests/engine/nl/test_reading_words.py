"""Words the readings once left unexplained, and so declined, on a small beekeeping
database: each rule reads a word by English grammar or by the schema's shape, never by
one question's text. The schema is named unlike any question set's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.readings import Declined
from parley.sources.base import Source
from tests.engine.nl.schemas import answer, parser_over

SCHEMA = """
CREATE TABLE keeper (keeper_id INTEGER PRIMARY KEY, keeper_name TEXT, grade TEXT);
CREATE TABLE apiary (apiary_id INTEGER PRIMARY KEY, apiary_name TEXT, region TEXT,
                     county_district TEXT);
CREATE TABLE hive (hive_id INTEGER PRIMARY KEY,
                   apiary_id INTEGER REFERENCES apiary(apiary_id),
                   keeper_id INTEGER REFERENCES keeper(keeper_id),
                   colour TEXT, frame_count INTEGER, num_of_crew INTEGER,
                   box_type_code TEXT, inspection_time INTEGER, max_weight INTEGER);
CREATE TABLE helper_of_apiary (keeper_id INTEGER REFERENCES keeper(keeper_id),
                               apiary_id INTEGER REFERENCES apiary(apiary_id), task TEXT);
INSERT INTO helper_of_apiary VALUES (1, 1, 'feed'), (2, 1, 'lift'), (3, 1, 'feed'),
    (5, 2, 'lift'), (6, 3, 'feed'), (4, 3, 'lift');
CREATE TABLE harvest (harvest_id INTEGER PRIMARY KEY,
                      hive_id INTEGER REFERENCES hive(hive_id),
                      amount_harvest REAL, amount_sold REAL);
INSERT INTO harvest VALUES (1, 1, 10, 8), (2, 3, 20, 12), (3, 4, 15, 10), (4, 5, 5, 5);
CREATE TABLE inspector (inspector_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                        apiary_id INTEGER REFERENCES apiary(apiary_id));
INSERT INTO inspector VALUES (1, 'Jo', 'Marsh', 1), (2, 'Kit', 'Stone', 1), (3, 'Lu', 'Reed', 2);
INSERT INTO keeper VALUES (1, 'Ada', 'master'), (2, 'Bo', 'novice'), (3, 'Cy', 'novice'),
    (4, 'Di', 'novice'), (5, 'Ed', 'master'), (6, 'Flo', 'expert');
INSERT INTO apiary VALUES (1, 'Heath Yard', 'north', 'Kent'),
    (2, 'Lime Walk', 'south', 'Devon'), (3, 'Orchard End', 'north', 'Kent');
INSERT INTO hive VALUES (1, 1, 1, 'blue', 10, 4, 'L', 30, 30),
    (2, 1, 2, 'white', 8, 2, 'N', 20, 42), (3, 1, 1, 'blue', 12, 3, 'L', 25, 38),
    (4, 2, 3, 'green', 9, 5, 'N', 40, 25), (5, 3, 4, 'white', 11, 1, 'W', 15, 50),
    (6, 3, 4, 'blue', 7, 3, 'L', 35, 33);
"""


@pytest.fixture(scope="module")
def bees(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("bees"), SCHEMA, "bees") as opened:
        yield opened


@pytest.mark.parametrize(
    ("question", "names"),
    [
        # "fewest" and "least" of a plural noun say how many there are: the rows counted.
        ("Return the region for which there are the fewest apiaries.", ["south"]),
        ("Show the colour with the fewest hives.", ["green"]),
        ("Show the grade with the least keepers.", ["expert"]),
        # "the maximum number of" rows is "the largest number of" them.
        ("What is the name of the apiary with the maximum number of hives?", ["Heath Yard"]),
        ("Which apiary has the minimum number of hives? Give its name.", ["Lime Walk"]),
    ],
)
def test_a_superlative_of_how_many(
    bees: tuple[Parser, Source], question: str, names: list[str]
) -> None:
    _, rows = answer(bees, question)
    assert [v for row in rows for v in row if v in names] == names
    assert len(rows) == 1


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # A column called a "number of" things stays that column's maximum.
        ("What is the maximum number of frames of the hives?", [[12]]),
        ("What is the minimum frame count of all hives?", [[7]]),
        ("What is the least frame count?", [[7]]),
    ],
)
def test_a_superlative_of_a_count_column(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "county" is a word of `county_district`, whose value follows it.
        ("How many apiaries are there in county \"Kent\"?", [[2]]),
        ("How many apiaries are in county Devon?", [[1]]),
        ("Count the hives in the county of Kent.", [[5]]),
    ],
)
def test_a_word_of_the_values_column(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "crew number" of `num_of_crew`: the column named by "crew", in other words.
        ("What is the average crew number of all hives?", [[3.0]]),
        ("What is the maximum crew number of the blue hives?", [[4]]),
        # "the code of the box type": the `box_type_code` the groups are read by.
        ("What is the code of the box type with the most hives?", [["L", 3]]),
        ("Return the code of the box type that has the fewest hives.", [["W", 1]]),
        # "the number" again, after the count was asked: that count.
        ("How many hives does each apiary have? List the apiary name and the number in "
         "descending order.", [[1, "Heath Yard", 3], [3, "Orchard End", 2],
                               [2, "Lime Walk", 1]]),
        ("Find the number of hives each keeper keeps. Show the number together with the "
         "keeper name.", [[1, "Ada", 2], [2, "Bo", 1], [3, "Cy", 1], [4, "Di", 2]]),
    ],
)
def test_a_word_of_the_column_beside_it(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert sorted(answer(bees, question)[1]) == sorted(rows)


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "helper of apiary" holds helpers: in "X of Y" the head noun comes first.
        ("How many helpers does the apiary \"Heath Yard\" have?", [[3]]),
        ("Count the helpers of the apiary \"Orchard End\".", [[2]]),
        ("What is the name of the apiary with the fewest helpers?", [[2, "Lime Walk", 1]]),
    ],
)
def test_rows_called_by_the_head_before_of(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "each type" after the box type codes are grouped: those groups again.
        ("Show each box type code, and the maximum and minimum frame count for each type.",
         [["L", 12, 7], ["N", 9, 8], ["W", 11, 11]]),
        ("Return each box type code along with the average crew number among each type.",
         [["L", 10 / 3], ["N", 3.5], ["W", 1.0]]),
    ],
)
def test_a_group_said_again(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert sorted(answer(bees, question)[1]) == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "how long" asks the size of a time: the inspection time summed says it.
        ("How long is the total inspection time of the blue hives?", [[90]]),
        ("How long is the total inspection time of hives of the apiary Heath Yard?", [[75]]),
        ("How long is the average inspection time of hives with box type code L?", [[30.0]]),
    ],
)
def test_how_long_of_a_time(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "in total" after a count of different values says no more than the count.
        ("How many box type codes exist in total?", [[3]]),
        ("How many different colours are there in total?", [[3]]),
        ("How many regions exist in total?", [[2]]),
    ],
)
def test_in_total_after_a_count_of_values(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "a max weight" is one row's column called so, not the largest weight.
        ("How many hives have a max weight greater than the average?", [[3]]),
        ("What is the total inspection time of hives with a max weight below the average?",
         [[105]]),
    ],
)
def test_a_column_called_max_after_an_article(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # `amount_sold` is "the sold amount": the modifier before the head noun.
        ("What is the total sold amount of all harvests?", [[35.0]]),
        # "the amount of harvest" is the harvest amount, though harvests are rows too.
        ("What is the total amount of harvest?", [[50.0]]),
        ("What is the maximum, minimum and average amount of harvest?",
         [[20.0, 5.0, 12.5]]),
    ],
)
def test_an_amount_named_the_english_way(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "by decreasing number of hives": the count asked, named around its direction.
        ("How many hives are there per colour? Order the colours by decreasing number of "
         "hives.", [["blue", 3], ["white", 2], ["green", 1]]),
        ("How many hives are there per colour? Order the colours by increasing count.",
         [["green", 1], ["white", 2], ["blue", 3]]),
    ],
)
def test_the_count_named_around_its_direction(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "id, first and last name": the coordination is "first and last name", found
        # though "id, first and" is tried first.
        ("What is the inspector id, first and last name of all inspectors?",
         [[1, "Jo", "Marsh"], [2, "Kit", "Stone"], [3, "Lu", "Reed"]]),
        ("List the apiary name, first and last name of each inspector.",
         [["Heath Yard", "Jo", "Marsh"], ["Heath Yard", "Kit", "Stone"],
          ["Lime Walk", "Lu", "Reed"]]),
    ],
)
def test_a_coordination_after_a_list(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert sorted(answer(bees, question)[1]) == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # A comparison said after the number makes the number a bound.
        ("How many hives have frame count 11 or more?", [[2]]),
        ("How many hives are there with frame count 8 or less?", [[2]]),
    ],
)
def test_a_bound_said_after_the_number(
    bees: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(bees, question)[1] == rows


@pytest.mark.parametrize(
    "question",
    [
        # A word naming no column of the value's: not read as its column.
        "How many apiaries are in shire \"Kent\"?",
        # "how tall" of a time: no height is asked.
        "How tall is the total inspection time of the blue hives?",
        # "by decreasing number of frames": another figure than the count asked.
        "How many hives are there per colour? Order the colours by decreasing number of "
        "frames.",
        # Nothing named after "the fewest": no rows to count.
        "Which apiary has the fewest?",
        # One keeper ranked, then the apiaries of their hives: a ranking of (apiary,
        # keeper) pairs would keep another row.
        "Show the names of apiaries with hives of the keeper who has the fewest hives.",
        "Show the names of apiaries with hives of the keeper who has the most hives.",
    ],
)
def test_stays_declined(
    bees: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        bees[0].reader.read(question)
