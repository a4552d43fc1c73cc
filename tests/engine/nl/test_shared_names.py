"""A word that names two objects' rows is asked about, never guessed.

A table of pairs (members and their badges) and the table of the badges themselves both
answer to "badges": counting either could be meant, so Parley asks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.text import tokenize
from parley.engine.semantic.derive import derive_ontology
from parley.sources.connect import connect
from tests.engine.nl.schemas import answer, parser_over

_SCHEMA = """
CREATE TABLE Badge_Kind (Badge TEXT PRIMARY KEY, BadgeKind TEXT NOT NULL);
CREATE TABLE Member (MemberID INTEGER PRIMARY KEY, FullName TEXT NOT NULL);
CREATE TABLE Has_Badge (
    MemberID INTEGER REFERENCES Member (MemberID),
    Badge TEXT REFERENCES Badge_Kind (Badge)
);
"""


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parser]:
    path: Path = tmp_path_factory.mktemp("shared") / "badges.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(_SCHEMA)
    connection.executemany("INSERT INTO Badge_Kind VALUES (?, ?)",
                           [(f"B{i}", ["gold", "silver"][i % 2]) for i in range(6)])
    connection.executemany("INSERT INTO Member VALUES (?, ?)", [(i, f"M {i}") for i in range(5)])
    connection.executemany("INSERT INTO Has_Badge VALUES (?, ?)",
                           [(i % 5, f"B{i % 6}") for i in range(14)])
    connection.commit()
    connection.close()
    source = connect(f"sqlite:///{path}", name="badges")
    yield Parser(derive_ontology(source.introspect(), source="badges"))
    source.close()


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("How many badges are there?", "clarification"),
        ("How many distinct badges are there?", "clarification"),
        ("How many members are there?", "sql_query"),
    ],
)
def test_a_count_of_a_shared_name_is_asked(parser: Parser, question: str, intent: str) -> None:
    understanding = parser.understand(question)
    assert understanding.intent == intent, understanding.problem
    if intent == "clarification":
        # Both readings are offered: the kinds of badge, or the badges members have.
        problem = (understanding.problem or "").lower()
        assert "badge kind" in problem and "has badge" in problem, problem


def test_each_before_a_word_naming_rows_and_a_value_groups_the_rows(tmp_path: Path) -> None:
    # "carrier" names the carriers and a delay category 'Carrier': "each carrier" is each
    # of the carriers, not the trips delayed by one.
    schema = """
    CREATE TABLE carrier (carrier_id INTEGER PRIMARY KEY, carrier_name TEXT);
    CREATE TABLE delay_cause (cause_code TEXT PRIMARY KEY, category TEXT);
    CREATE TABLE trip (trip_id INTEGER PRIMARY KEY,
                       carrier_id INTEGER REFERENCES carrier(carrier_id),
                       cause_code TEXT REFERENCES delay_cause(cause_code),
                       riders INTEGER, trip_date DATE);
    INSERT INTO carrier VALUES (1, 'Northline'), (2, 'Coastal');
    INSERT INTO delay_cause VALUES ('C1', 'Carrier'), ('W1', 'Weather');
    INSERT INTO trip VALUES (1, 1, 'C1', 10, '2023-02-01'), (2, 1, NULL, 5, '2023-03-01'),
        (3, 2, 'W1', 7, '2023-04-01'), (4, 2, 'C1', 100, '2022-04-01');
    """
    with parser_over(tmp_path, schema, "transit") as opened:
        columns, rows = answer(opened, "Give me the number of riders each carrier carried in 2023.")
    assert sorted((row[columns.index("carrier_name")], row[-1]) for row in rows) == [
        ("Coastal", 7), ("Northline", 15)]


@pytest.mark.parametrize(
    ("word", "valued"),
    [
        # A word that alone picks out one value names it as written, or in the plural...
        ("header", True),
        ("headers", True),
        # ... but a verb made of it is no sign of it ("played" of "Open play").
        ("played", False),
    ],
)
def test_a_word_picking_out_one_value_names_it_as_written(
    tmp_path: Path, word: str, valued: bool
) -> None:
    schema = """
    CREATE TABLE fixture (fixture_id INTEGER PRIMARY KEY, kickoff DATE);
    CREATE TABLE score (score_id INTEGER PRIMARY KEY,
                        fixture_id INTEGER REFERENCES fixture(fixture_id), score_kind TEXT);
    INSERT INTO fixture VALUES (1, '2024-01-01');
    INSERT INTO score VALUES (1, 1, 'Open play'), (2, 1, 'Diving header'), (3, 1, 'Penalty'),
        (4, 1, 'Open play');
    """
    with parser_over(tmp_path, schema, "pitch") as (parser, _):
        tokens = tokenize(word)
        concepts = parser.lexicon.lookup(tuple(t.stem for t in tokens),
                                         tuple(t.norm for t in tokens))
    assert any(c.kind == "value" for c in concepts) is valued
