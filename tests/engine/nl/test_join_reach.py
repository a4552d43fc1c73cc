"""Words the readings once declined as "not reachable from" the subject, on a small
park-ranger database: rows counted by their own name where another table has a column
called so. The rules are about grammar and the join graph, so the schema here is named
unlike any question set's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.readings import Declined
from parley.sources.base import Source
from tests.engine.nl.schemas import answer, parser_over

SCHEMA = """
CREATE TABLE warden (warden_id INTEGER PRIMARY KEY, warden_name TEXT, city TEXT,
                     rank_title TEXT, acc_type TEXT, year_hired INTEGER);
CREATE TABLE trail (trail_code TEXT PRIMARY KEY, trail_title TEXT, length_km REAL);
CREATE TABLE patrol (patrol_id INTEGER PRIMARY KEY,
                     warden_id INTEGER REFERENCES warden(warden_id),
                     trail TEXT REFERENCES trail(trail_code), walked_on TEXT,
                     patrol_type TEXT, year INTEGER);
CREATE TABLE patrol_report (report_id INTEGER PRIMARY KEY,
                            patrol_id INTEGER REFERENCES patrol(patrol_id), year INTEGER);
INSERT INTO patrol_report VALUES (1, 1, 2025), (2, 3, 2025);
CREATE TABLE hut (hut_id INTEGER PRIMARY KEY, hut_name TEXT, altitude INTEGER);
CREATE TABLE hiker (hiker_id INTEGER PRIMARY KEY, hiker_name TEXT, points INTEGER,
                    hut_id INTEGER REFERENCES hut(hut_id));
CREATE TABLE booking (booking_id INTEGER PRIMARY KEY, guest TEXT,
                      hut_id INTEGER REFERENCES hut(hut_id));
CREATE TABLE shelter (shelter_id INTEGER PRIMARY KEY, shelter_name TEXT, valley TEXT);
CREATE TABLE ranger (ranger_id INTEGER PRIMARY KEY, ranger_name TEXT);
CREATE TABLE posting (ranger_id INTEGER REFERENCES ranger(ranger_id),
                      shelter_id INTEGER REFERENCES shelter(shelter_id),
                      PRIMARY KEY (ranger_id, shelter_id));
INSERT INTO shelter VALUES (1, 'Low Fold', 'Langdale'), (2, 'High Fold', 'Langdale'),
    (3, 'Crag End', 'Borrowdale');
INSERT INTO ranger VALUES (1, 'Ash'), (2, 'Bea'), (3, 'Cal');
INSERT INTO posting VALUES (1, 1), (1, 2), (2, 2), (3, 3);
CREATE TABLE crew (crew_id INTEGER PRIMARY KEY, crew_name TEXT);
CREATE TABLE volunteer (volunteer_id INTEGER PRIMARY KEY, volunteer_name TEXT, age INTEGER);
CREATE TABLE member_of_crew (volunteer_id INTEGER REFERENCES volunteer(volunteer_id),
                             crew_id INTEGER REFERENCES crew(crew_id), role TEXT);
INSERT INTO crew VALUES (1, 'Fell Team'), (2, 'Beck Team');
INSERT INTO volunteer VALUES (1, 'Dot', 25), (2, 'Eli', 41), (3, 'Fay', 37), (4, 'Gus', 52);
INSERT INTO member_of_crew VALUES (1, 1, 'lead'), (2, 1, 'hand'), (3, 1, 'hand'),
    (4, 2, 'lead'), (1, 2, 'hand');
INSERT INTO hut VALUES (1, 'Gable Bothy', 850), (2, 'Moor Lodge', 420), (3, 'Pike Shelter', 910);
INSERT INTO hiker VALUES (1, 'Rosa', 12, 2), (2, 'Sami', 40, 1), (3, 'Tove', 25, 3),
    (4, 'Uma', 55, NULL);
INSERT INTO booking VALUES (1, 'Vale', 1), (2, 'Wren', 1), (3, 'Xan', 2), (4, 'Yara', 1);
INSERT INTO warden VALUES (1, 'Ines Fox', 'Kendal', 'Senior', 'staff', 2011),
    (2, 'Olu Hart', 'Keswick', 'Junior', 'guest', 2019),
    (3, 'Pia Lund', 'Kendal', 'Junior', 'staff', 2015);
INSERT INTO trail VALUES ('T1', 'Ridge Way', 12.5), ('T2', 'Tarn Loop', 4.0),
    ('T3', 'Scree Path', 7.5), ('T4', 'Beck Walk', 3.0);
INSERT INTO patrol VALUES (1, 1, 'T1', '2024-01-02', 'day', 2024),
    (2, 1, 'T2', '2024-02-02', 'night', 2024), (3, 2, 'T1', '2024-03-02', 'dawn', 2023),
    (4, 3, 'T1', '2024-04-02', 'day', 2022);
"""




@pytest.fixture(scope="module")
def park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    with parser_over(tmp_path_factory.mktemp("park"), SCHEMA, "park") as opened:
        yield opened




@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # The trails themselves (4), not the 2 trails patrols name in their `trail` column.
        ("How many different trails are there?", [[4]]),
        ("Find the number of distinct trails.", [[4]]),
        ("Count the number of unique trails.", [[4]]),
    ],
)
def test_different_rows_are_the_rows_themselves(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(park, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # The bookings counted per hut, where the question names them by their guests.
        ("Show the name of each hut along with the corresponding number of guests in "
         "that hut.", [[1, "Gable Bothy", 3], [2, "Moor Lodge", 1]]),
        ("For each hut, find the name of the hut and the number of guests in that hut.",
         [[1, "Gable Bothy", 3], [2, "Moor Lodge", 1]]),
        ("How many guests does each hut have?", [[1, "Gable Bothy", 3], [2, "Moor Lodge", 1]]),
        ("How many guests are in the hut named Gable Bothy?", [[3]]),
    ],
)
def test_a_figure_over_the_rows_holding_the_column(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(park, question)[1] == rows


@pytest.mark.parametrize(
    "question",
    [
        # A ranking of the hikers would keep one of several tied ones: asked about.
        "Show the altitude of the hut used by the hiker with the maximum points.",
        # "the most points" of a hut may be their total: not the hiker with the most.
        "What is the altitude of the hut of the hiker who had the most points?",
        # A list over the bookings would repeat each hut: not read over them.
        "What are the names of huts ordered by guest?",
    ],
)
def test_not_read_over_the_rows_holding_the_column(
    park: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        park[0].reader.read(question)


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "year" matches the patrols' year, out of the wardens' reach; their own
        # `year_hired` is the one column of theirs holding the word.
        ("Return the name of the warden who has the latest hired year.",
         [["Olu Hart", 2019]]),
        ("What are the names of wardens sorted by the year they were hired?",
         [["Ines Fox", 2011], ["Pia Lund", 2015], ["Olu Hart", 2019]]),
        # "types": the wardens' `acc_type`, not the patrols' `patrol_type`.
        ("Count the distinct types of the wardens.", [[2]]),
    ],
)
def test_the_subjects_own_column_called_so(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(park, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "valley" is a column of shelters, paired with rangers by postings: each
        # valley's rangers, counted once though Ash is posted to two of its shelters.
        ("Find the number of rangers in each valley.", [["Langdale", 2], ["Borrowdale", 1]]),
        ("Which valley has the most rangers?", [["Langdale", 2]]),
        ("Show the valley with the greatest number of rangers.", [["Langdale", 2]]),
    ],
)
def test_a_group_on_a_column_of_paired_rows(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(park, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # The rows named after "across" are counted per ranked row, as in "the most
        # common hut in all bookings".
        ("Find the name of the shelter that is most frequent across all postings.",
         [["High Fold", 2]]),
        ("What is the name of the hut that is least common across all bookings?",
         [["Moor Lodge", 1]]),
    ],
)
def test_most_frequent_after_the_rows_ranked(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(park, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "age" is the volunteers', paired with crews by their memberships: the
        # volunteers of the Fell Team over 30 are counted (Eli and Fay).
        ("Count the number of members in crew \"Fell Team\" whose age is above 30.", [[2]]),
        ("Count the number of members in crew \"Beck Team\" whose age is below 30.", [[1]]),
    ],
)
def test_a_figure_over_rows_paired_with_the_subject(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(park, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # Trails have no type of their own: "types of trails" are the trails (4), not
        # the patrols' `patrol_type`.
        ("How many types of trails are there?", [[4]]),
        ("How many kinds of huts are there?", [[3]]),
        # Wardens have an account type: the types are its values.
        ("How many types of wardens are there?", [[2]]),
    ],
)
def test_kinds_of_the_rows(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    assert answer(park, question)[1] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # "year" is a column of patrols (each of one trail) and of their reports (each
        # of one patrol): the trails are counted through the patrols, the nearer rows,
        # each trail once a year though T1 was patrolled twice in 2024.
        ("How many trails are patrolled in each year?", [[2022, 1], [2023, 1], [2024, 2]]),
        ("Which year had the most trails?", [[2024, 2]]),
    ],
)
def test_a_group_on_a_column_of_the_nearest_rows_referring_to_the_subject(
    park: tuple[Parser, Source], question: str, rows: list[list[Any]]
) -> None:
    columns, found = answer(park, question)
    assert sorted(found) == rows
    assert columns == ["year", "trail_count"]



@pytest.mark.parametrize(
    "question",
    [
        # The first trail of each warden, not the first of all (warden, trail) pairs.
        "For each warden, which trail has the most patrols?",
        "Show the trail with the most patrols per warden.",
    ],
)
def test_a_ranking_within_each_group_is_declined(
    park: tuple[Parser, Source], question: str
) -> None:
    with pytest.raises(Declined):
        park[0].reader.read(question)
