"""Rows named through other tables, coordinated column words and age words, on a small
club database: the rules are about grammar and the join graph, so the schema here is
named unlike any question set's."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.engine.nl.coordination import expand_coordination
from parley.engine.nl.parser import Parser
from parley.engine.orchestrator import Workspace, statement_for
from parley.engine.semantic.derive import derive_ontology
from parley.naming import humanize
from parley.sources.base import Source
from parley.sources.connect import connect

SCHEMA = """
CREATE TABLE guild (guild_id INTEGER PRIMARY KEY, guild_title TEXT, city TEXT);
CREATE TABLE rower (rower_id INTEGER PRIMARY KEY, fname TEXT, lname TEXT, birth_date TEXT,
                    joined_on TEXT, weight INTEGER,
                    guild_id INTEGER REFERENCES guild(guild_id));
CREATE TABLE regatta (regatta_id INTEGER PRIMARY KEY, regatta_title TEXT, venue TEXT);
CREATE TABLE entry (rower_id INTEGER REFERENCES rower(rower_id),
                    regatta_id INTEGER REFERENCES regatta(regatta_id),
                    PRIMARY KEY (rower_id, regatta_id));
INSERT INTO guild VALUES (1, 'Blue Oars', 'Leeds'), (2, 'Red Hulls', 'York');
INSERT INTO rower VALUES
    (1, 'Ada', 'Moss', '1990-04-01', '2015-01-01', 70, 1),
    (2, 'Ben', 'Hale', '1985-02-11', '2019-03-01', 82, 1),
    (3, 'Cleo', 'Ng', '2001-09-30', '2012-06-01', 64, 2),
    (4, 'Dev', 'Rao', '1979-12-24', '2021-05-01', 90, 1);
INSERT INTO regatta VALUES (1, 'Spring Cup', 'Harbour Lake'), (2, 'Autumn Dash', 'Mill Pond');
INSERT INTO entry VALUES (1, 1), (2, 1), (3, 2), (4, 1);
"""


@pytest.fixture(scope="module")
def club(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    path = Path(tmp_path_factory.mktemp("club")) / "club.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    source = connect(f"sqlite:///{path}", name="club")
    ontology = derive_ontology(source.introspect(), source="club")
    yield Parser(ontology), source
    source.close()


def answer(club: tuple[Parser, Source], question: str) -> tuple[list[str], list[list[Any]]]:
    parser, source = club
    understanding = parser.understand(question)
    assert understanding.query is not None, (question, understanding.problem)
    workspace = Workspace(name="club", ontology=parser.ontology, parser=parser, source=source)
    guarded, _ = statement_for(workspace, understanding.query)
    result = source.execute(guarded.sql, max_rows=100, timeout_s=5)
    return list(result.columns), result.rows


@pytest.mark.parametrize(
    ("identifier", "label"),
    [("fname", "first name"), ("emp_lname", "employee last name"), ("stu_id", "student id"),
     ("crs_code", "course code"), ("prof_office", "professor office")],
)
def test_common_schema_abbreviations_are_spelled_out(identifier: str, label: str) -> None:
    assert humanize(identifier) == label


@pytest.mark.parametrize(
    ("question", "expanded"),
    [
        ("the first and last name of rowers", "the first name and last name of rowers"),
        ("first, last name of rowers", "first name and last name of rowers"),
        # "guild" names something alone: "guild and last name" is two things, not one head.
        ("the guild and last name of rowers", "the guild and last name of rowers"),
        ("ups and downs of rowers", "ups and downs of rowers"),
    ],
)
def test_a_shared_head_is_given_to_each_modifier(
    club: tuple[Parser, Source], question: str, expanded: str
) -> None:
    assert expand_coordination(question, club[0].lexicon) == expanded


def test_coordinated_names_show_both_columns(club: tuple[Parser, Source]) -> None:
    _, rows = answer(club, "What are the first and last names of all rowers?")
    assert sorted(map(tuple, rows)) == sorted(
        {("Ada", "Moss"), ("Ben", "Hale"), ("Cleo", "Ng"), ("Dev", "Rao")}
    )


@pytest.mark.parametrize(
    ("question", "first_name"),
    [
        ("What is the first name of the oldest rower?", "Dev"),  # born first, not joined first
        ("What is the first name of the youngest rower?", "Cleo"),
    ],
)
def test_age_words_rank_by_birth_date(
    club: tuple[Parser, Source], question: str, first_name: str
) -> None:
    columns, rows = answer(club, question)
    assert len(rows) == 1
    assert rows[0][columns.index("fname")] == first_name


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Through the table linking rowers and regattas.
        ("How many rowers participated in Spring Cup?", [[3]]),
        ("What are the first names of rowers in Autumn Dash?", [["Cleo"]]),
    ],
)
def test_a_value_of_linked_rows_filters_by_existence(
    club: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    assert answer(club, question)[1] == expected


def test_a_shared_parent_does_not_relate_siblings(club: tuple[Parser, Source]) -> None:
    # Rowers and regattas share no parent here; guilds and regattas are related only
    # through rowers' entries, which a guild's value must not be read through.
    parser, _ = club
    reading = parser.reader
    assert reading.reaches_down("guild", "rower")
    assert reading.reaches_down("rower", "regatta")  # through the entries
    assert not reading.reaches_down("rower", "guild")  # many-to-one: no fan-out needed


def test_a_negation_after_a_value_does_not_negate_it(club: tuple[Parser, Source]) -> None:
    parser, _ = club
    understanding = parser.understand("first names of rowers in Leeds who did not enter a race")
    query = understanding.query
    assert query is None or all(f.op != "ne" for f in query.filters), query


@pytest.mark.parametrize(
    "question",
    [
        "Which guild title is used most often among rowers?",
        "What is the most frequently used guild title of rowers?",
        "Which guild title is the most common among rowers?",
    ],
)
def test_how_often_a_value_is_used_is_a_count_per_value(
    club: tuple[Parser, Source], question: str
) -> None:
    columns, rows = answer(club, question)
    assert len(rows) == 1 and rows[0][columns.index("guild_title")] == "Blue Oars"


def test_across_all_rows_is_not_a_group(club: tuple[Parser, Source]) -> None:
    _, rows = answer(club, "Return the minimum and maximum weight across all rowers.")
    assert rows == [[64, 90]]
