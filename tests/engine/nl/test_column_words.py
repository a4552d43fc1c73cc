"""Words that name a column are not operators: "the phone number of clients" is a column,
"the number of clients" a count."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.engine.nl.lexicon import build_lexicon
from parley.engine.nl.readings import Reader
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.query import SemanticQuery
from parley.sources.connect import connect

_SCHEMA = """
CREATE TABLE clients (client_id INTEGER PRIMARY KEY, client_name TEXT NOT NULL,
                      phone_number TEXT NOT NULL);
CREATE TABLE loans (loan_id INTEGER PRIMARY KEY,
                    client_id INTEGER NOT NULL REFERENCES clients (client_id),
                    amount NUMERIC(10, 2) NOT NULL);
"""


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    path: Path = tmp_path_factory.mktemp("words") / "lending.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(_SCHEMA)
    connection.executemany("INSERT INTO clients VALUES (?, ?, ?)",
                           [(i, f"Client {i}", f"555-{i:04}") for i in range(1, 9)])
    connection.executemany("INSERT INTO loans VALUES (?, ?, ?)",
                           [(i, 1 + i % 5, 100.0 * i) for i in range(1, 30)])
    connection.commit()
    connection.close()
    source = connect(f"sqlite:///{path}", name="lending")
    ontology = derive_ontology(source.introspect(), source="lending")
    source.close()
    yield Reader(ontology, build_lexicon(ontology))


def _read(reader: Reader, question: str) -> SemanticQuery:
    return reader.read(question).query


@pytest.mark.parametrize(
    ("question", "counted", "shown"),
    [
        # A column whose name ends in "number" is shown, and the loans are counted.
        ("Show the name and phone number of clients with more than 2 loans", "loans",
         "clients.phone_number"),
        # "the number of" still counts.
        ("What is the number of clients?", "clients", None),
        ("How many loans does each client have?", "loans", None),
    ],
)
def test_a_column_word_before_number_is_a_column(
    reader: Reader, question: str, counted: str, shown: str | None
) -> None:
    query = _read(reader, question)
    assert [m.field for m in query.metrics if m.aggregation == "count"] == [counted]
    if shown is not None:
        assert shown in [d.field for d in query.dimensions]
