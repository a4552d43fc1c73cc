"""Verbs of relations and events beside what a reading counts, on a small park-ranger
database: a verb between the rows grouped and the rows counted ("advisors that advise
more than 1 ranger"), "in charge of", a participle and "by" before the rows counted, a
verb of happening with a count. Verbs that name something the reading does not take
still leave the reading unsure. The schema is named unlike any question set's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.readings import Declined
from parley.sources.base import Source
from tests.engine.nl.schemas import answer, parser_over

SCHEMA = """
CREATE TABLE keeper (keeper_id INTEGER PRIMARY KEY, keeper_name TEXT);
CREATE TABLE lodge (lodge_id INTEGER PRIMARY KEY, lodge_name TEXT, style TEXT,
                    keeper_id INTEGER REFERENCES keeper(keeper_id), bed_capacity INTEGER,
                    year INTEGER);
CREATE TABLE ranger (ranger_id INTEGER PRIMARY KEY, ranger_name TEXT, advisor INTEGER,
                     grade TEXT, lodge_id INTEGER REFERENCES lodge(lodge_id), base TEXT);
CREATE TABLE sighting (sighting_id INTEGER PRIMARY KEY, species TEXT,
                       ranger_id INTEGER REFERENCES ranger(ranger_id),
                       lodge_id INTEGER REFERENCES lodge(lodge_id));
CREATE TABLE inspection (inspection_id INTEGER PRIMARY KEY,
                         lodge_id INTEGER REFERENCES lodge(lodge_id), outcome TEXT);
INSERT INTO inspection VALUES (1, 1, 'Pass'), (2, 1, 'Fail'), (3, 2, 'Pass');
CREATE TABLE course (course_id INTEGER PRIMARY KEY, course_title TEXT);
CREATE TABLE enrolled_in (ranger_id INTEGER REFERENCES ranger(ranger_id),
                          course_id INTEGER REFERENCES course(course_id),
                          PRIMARY KEY (ranger_id, course_id));
INSERT INTO course VALUES (1, 'Tracking'), (2, 'First Aid');
INSERT INTO enrolled_in VALUES (1, 1), (2, 1), (3, 1), (3, 2);
INSERT INTO keeper VALUES (1, 'Ines'), (2, 'Otto'), (3, 'Pia');
INSERT INTO lodge VALUES (1, 'Fern Hut', 'Cabin', 1, 10, 1980),
    (2, 'Oak Hut', 'Cabin', 1, 4, 1995), (3, 'Pine Hut', 'Tent', 2, 6, 2005);
INSERT INTO ranger VALUES (1, 'Ada', 7, 'Senior', 1, 'North'), (2, 'Ben', 7, 'Senior', 1, 'North'),
    (3, 'Cleo', 8, 'Junior', 2, 'South'), (4, 'Dev', 7, 'Senior', 3, 'North'),
    (5, 'Eli', 9, 'Junior', 3, 'South');
INSERT INTO sighting VALUES (1, 'Lynx', 1, 1), (2, 'Wolf', 1, 1), (3, 'Bear', 1, 1),
    (4, 'Wolf', 2, 2), (5, 'Lynx', 3, 3), (6, 'Elk', 3, 3), (7, 'Owl', 4, 1),
    (8, 'Wolf', 1, 1);
"""


@pytest.fixture(scope="module")
def park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("park"), SCHEMA, "park") as opened:
        yield opened




@pytest.mark.parametrize(
    ("question", "column", "expected"),
    [
        # A verb between the rows grouped and the rows counted for each, past "are",
        # "that", "who have", "can", and a comparison said before or after its number.
        ("Which advisors are advising more than 1 ranger?", "advisor", {7}),
        ("Report all advisors that advise more than 2 rangers.", "advisor", {7}),
        ("Find the names of rangers who have contributed two or more sightings.",
         "ranger_name", {"Ada", "Cleo"}),
        # "in charge of" relates as a verb does.
        ("Find the names of keepers who are in charge of more than one lodge.",
         "keeper_name", {"Ines"}),
        ("What is the name of the keeper who is in charge of the most lodges?",
         "keeper_name", {"Ines"}),
        # A participle and "by" before the rows counted, grouped by their own column.
        ("Show the style shared by more than one lodge.", "style", {"Cabin"}),
        ("Find the grade held by the largest number of rangers.", "grade", {"Senior"}),
        # A value of the rows counted between the count and their name.
        ("What is the name of the ranger who contributed the most Wolf sightings?",
         "ranger_name", {"Ada"}),
        # A verb of appearing: how often each value is there.
        ("Which grade appears the most often?", "grade", {"Senior"}),
        # The rows counted right before the verb that closes the question.
        ("Which lodge has the most rangers assigned to it?", "lodge_name", {"Fern Hut"}),
        # The table the rows are counted in, named as the relation ("enrolled in").
        ("What is the title of the course with the most rangers enrolled in it?",
         "course_title", {"Tracking"}),
        # A verb of happening says only that the rows are there.
        ("Find the name of the lodge where the largest number of sightings occurred.",
         "lodge_name", {"Fern Hut"}),
    ],
)
def test_a_verb_beside_the_rows_counted_is_the_join_counted(
    park: tuple[Parser, Source], question: str, column: str, expected: set[Any]
) -> None:
    park[0].reader.read(question)  # read by the readings, not only by the business parser
    columns, rows = answer(park, question)
    assert {row[columns.index(column)] for row in rows} == expected


def test_a_verb_of_happening_with_a_count_per_group(park: tuple[Parser, Source]) -> None:
    question = "How many sightings occurred in each lodge?"
    park[0].reader.read(question)
    columns, rows = answer(park, question)
    counts = {row[columns.index("lodge_name")]: row[columns.index("count")] for row in rows}
    assert counts == {"Fern Hut": 5, "Oak Hut": 1, "Pine Hut": 2}


@pytest.mark.parametrize(
    ("question", "count"),
    [
        # A participle of coming to be before a year compared: the rows' one year.
        ("How many lodges were built before 1990?", 1),
        ("How many lodges were opened after 1990?", 2),
    ],
)
def test_a_participle_of_coming_to_be_before_a_year_is_that_year(
    park: tuple[Parser, Source], question: str, count: int
) -> None:
    park[0].reader.read(question)
    _, rows = answer(park, question)
    assert rows == [[count]]


def test_a_verb_with_out_of_before_a_group(park: tuple[Parser, Source]) -> None:
    question = "How many rangers operate out of each base?"
    park[0].reader.read(question)
    columns, rows = answer(park, question)
    counts = {row[columns.index("base")]: row[columns.index("count")] for row in rows}
    assert counts == {"North": 3, "South": 2}


@pytest.mark.parametrize(
    ("question", "names"),
    [
        # How many times the verb says, counted in the table it names (inspections).
        ("Which lodges were inspected at least twice?", {"Fern Hut"}),
        ("Show the names of lodges that were inspected at least two times.", {"Fern Hut"}),
        ("Which lodges were inspected more than once?", {"Fern Hut"}),
    ],
)
def test_times_count_the_rows_of_the_table_the_verb_names(
    park: tuple[Parser, Source], question: str, names: set[str]
) -> None:
    park[0].reader.read(question)
    columns, rows = answer(park, question)
    assert {row[columns.index("lodge_name")] for row in rows} == names


@pytest.mark.parametrize(
    "question",
    [
        # No table records a renovation: how many times is not known.
        "Which lodges were renovated at least twice?",
        # Not a date of coming to be: the lodges have no date of renovation.
        "How many lodges were renovated before 1990?",
        # A capacity, not rows counted: the beds of a lodge are no rangers.
        "Which lodges can accommodate more than 2 rangers?",
        "Which lodges can hold more than 2 rangers?",
        # A verb naming what the data does not hold: not every sighting was cancelled.
        "Which rangers cancelled more than 1 sighting?",
        "Find the name of the lodge where the largest number of sightings were disputed.",
    ],
)
def test_a_verb_the_reading_does_not_take_leaves_it_unsure(
    park: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        park[0].reader.read(question)
