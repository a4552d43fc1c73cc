"""A question that names one row by a name several rows share is asked back, with each
candidate offered as the same question pinned to its key; picking one answers about that
row alone. Run on a real SQLite database."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.engine.events import Answer, Done
from parley.engine.guard import RowFilter
from parley.engine.nl.parser import Parser
from parley.engine.orchestrator import TurnContext, Workspace, run_turn
from parley.engine.semantic.derive import derive_ontology
from parley.sources.connect import connect

#: Two pets are called Bella (of two owners), one is called Rex.
SCHEMA = """
CREATE TABLE owners (owner_id INTEGER PRIMARY KEY, full_name TEXT, city TEXT);
CREATE TABLE pets (pet_id INTEGER PRIMARY KEY, pet_name TEXT, species TEXT,
                   owner_id INTEGER REFERENCES owners(owner_id));
CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, visit_date DATE, fee REAL,
                     pet_id INTEGER REFERENCES pets(pet_id));
INSERT INTO owners VALUES (1, 'Ann Lee', 'Leeds'), (2, 'Bo Ray', 'York');
INSERT INTO pets VALUES (10, 'Bella', 'Dog', 1), (11, 'Bella', 'Cat', 2), (12, 'Rex', 'Dog', 1);
INSERT INTO visits VALUES (100, '2026-01-05', 40, 10), (101, '2026-02-07', 55, 10),
                          (102, '2026-03-09', 30, 11), (103, '2026-03-10', 70, 12);
CREATE TABLE tags (tag_id INTEGER PRIMARY KEY, tag_name TEXT, tag_group TEXT);
CREATE TABLE pet_tags (pet_id INTEGER REFERENCES pets(pet_id),
                       tag_id INTEGER REFERENCES tags(tag_id), PRIMARY KEY (pet_id, tag_id));
INSERT INTO tags VALUES (1, 'calm', 'temper'), (2, 'calm', 'handling'), (3, 'noisy', 'temper');
INSERT INTO pet_tags VALUES (10, 1), (11, 2), (12, 3);
"""


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = Path(tmp_path_factory.mktemp("namesakes")) / "clinic.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    source = connect(f"sqlite:///{path}", name="clinic")
    ontology = derive_ontology(source.introspect(), source="clinic")
    yield Workspace(name="clinic", ontology=ontology, parser=Parser(ontology), source=source)
    source.close()


def ask(workspace: Workspace, question: str) -> Answer:
    events = list(run_turn(workspace, question, TurnContext(today=dt.date(2026, 12, 1))))
    done = events[-1]
    assert isinstance(done, Done)
    return done.answer


def test_a_shared_name_is_asked_back_with_each_row_to_pick(clinic: Workspace) -> None:
    answer = ask(clinic, "How many visits did Bella have?")
    assert answer.intent == "clarification"
    assert answer.sql is None
    assert "2 pets are called Bella" in answer.text
    labels = sorted(option.label for option in answer.options)
    assert labels == ["Bella (pet id 10; owner Ann Lee)",
                      "Bella (pet id 11; owner Bo Ray)"]
    picked = next(o for o in answer.options if "Bo Ray" in o.label)
    pinned = ask(clinic, picked.question)
    assert pinned.intent == "sql_query"
    assert pinned.rows == [[1]]


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        # one pet has the name: answered
        ("How many visits did Rex have?", [[1]]),
        # another condition on the pets picks one of them
        ("How many visits did the cat Bella have?", [[1]]),
        # every pet of the name is asked about
        ("How many visits did pets called Bella have?", [[3]]),
        ("How many pets are called Bella?", [[2]]),
        # a name reached through a link table is a kind: both tags called calm
        ("How many pets have the tag calm?", [[2]]),
    ],
)
def test_a_name_of_one_row_or_of_every_row_is_answered(
    clinic: Workspace, question: str, rows: list[list[int]]
) -> None:
    answer = ask(clinic, question)
    assert answer.intent == "sql_query", answer.text
    assert answer.rows == rows


def test_the_names_counted_are_those_the_caller_may_see(clinic: Workspace) -> None:
    # Seeing only Ann Lee's pets, one Bella is left: nothing to ask.
    filtered = Workspace(name="clinic", ontology=clinic.ontology, parser=clinic.parser,
                         source=clinic.source,
                         row_filters=[RowFilter(column="owner_id", op="eq", value=1, table="pets")])
    answer = ask(filtered, "How many visits did Bella have?")
    assert answer.intent == "sql_query", answer.text
    assert answer.rows == [[2]]
