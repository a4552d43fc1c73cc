"""Readings of analytics questions on a small school database: the shapes they claim, the
SQL results they give, and the questions they decline rather than guess."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.readings import Declined, Reader
from parley.engine.nl.text import tokenize
from parley.engine.nl.verify import contradictions
from parley.engine.orchestrator import Workspace, statement_for
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.query import DimensionRef, MetricRef, QueryFilter, SemanticQuery
from parley.sources.base import Source
from parley.sources.connect import connect

SCHEMA = """
CREATE TABLE department (dept_id INTEGER PRIMARY KEY, dept_name TEXT, building TEXT,
                         budget REAL);
CREATE TABLE teacher (teacher_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, salary REAL,
                      dept_id INTEGER REFERENCES department(dept_id));
INSERT INTO department VALUES (1, 'Physics', 'Watson', 90000), (2, 'History', 'Painter', 50000),
                              (3, 'Music', 'Packard', 80000);
INSERT INTO teacher VALUES (1, 'Ada', 61, 95000, 1), (2, 'Ben', 34, 72000, 1),
    (3, 'Cleo', 45, 65000, 2), (4, 'Dan', 29, 58000, 1), (5, 'Eve', 52, 81000, 3);
"""


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parser, Source]]:
    path = Path(tmp_path_factory.mktemp("school")) / "school.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    source = connect(f"sqlite:///{path}", name="school")
    ontology = derive_ontology(source.introspect(), source="school")
    yield Parser(ontology), source
    source.close()


def rows_of(school: tuple[Parser, Source], question: str) -> list[list[Any]]:
    parser, source = school
    understanding = parser.understand(question)
    assert understanding.query is not None, (question, understanding.problem)
    workspace = Workspace(name="school", ontology=parser.ontology, parser=parser, source=source)
    guarded, _ = statement_for(workspace, understanding.query)
    return source.execute(guarded.sql, max_rows=100, timeout_s=5).rows


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many teachers are there?", [[5]]),
        ("How many teachers are older than 50?", [[2]]),
        ("How many teachers are not in Physics?", [[2]]),
        ("Count the number of teachers whose age is between 30 and 50.", [[2]]),
        ("What are the maximum and minimum salary of teachers?", [[95000.0, 58000.0]]),
        ("What is the average age of teachers in the Physics department?", [[41.333333]]),
        ("How many different buildings are there?", [[3]]),
        ("Which department has the most teachers?", [[1, "Physics", 3]]),
        ("What is the name of the youngest teacher?", [["Dan", 29]]),
        ("Show the name of the teacher with the highest salary.", [["Ada", 95000.0]]),
        ("List the names of teachers ordered by age in descending order.",
         [["Ada", 61], ["Eve", 52], ["Cleo", 45], ["Ben", 34], ["Dan", 29]]),
        ("Show the departments with more than 2 teachers.", [[1, "Physics", 3]]),
        # "one" compared is a number, not a pronoun.
        ("Show the departments with more than one teacher.", [[1, "Physics", 3]]),
        # The number may come before its comparison.
        ("Show the departments with 2 or more teachers.", [[1, "Physics", 3]]),
        ("Show the departments with 1 or fewer teachers.",
         [[2, "History", 1], [3, "Music", 1]]),
        ("Show the departments with at least one teacher.",
         [[1, "Physics", 3], [2, "History", 1], [3, "Music", 1]]),
    ],
)
def test_readings_answer_analytics_questions(
    school: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    rows = rows_of(school, question)
    assert len(rows) == len(expected), rows
    for row, want in zip(rows, expected, strict=True):
        for value, wanted in zip(row, want, strict=False):
            if isinstance(wanted, float):
                assert value == pytest.approx(wanted, rel=1e-4)
            else:
                assert value == wanted


@pytest.mark.parametrize(
    ("question", "why"),
    [
        ("How many teachers have no department?", "negation"),
        ("Which teachers teach in Watson or earn over 60000?", "or"),
        ("What is the flux capacitance of teachers?", "unexplained"),
        ("Show teachers in Physics and in History", "values"),
    ],
)
def test_readings_decline_what_they_cannot_be_sure_of(
    school: tuple[Parser, Source], question: str, why: str
) -> None:
    parser, _ = school
    with pytest.raises(Declined):
        Reader(parser.ontology, parser.lexicon).read(question)


def test_a_reading_says_how_it_read_the_question(school: tuple[Parser, Source]) -> None:
    parser, _ = school
    candidate = Reader(parser.ontology, parser.lexicon).read("How many teachers are older than 50?")
    assert candidate.description == "number of teachers; age over 50"
    assert candidate.confidence >= 0.8


def test_short_words_are_not_values(school: tuple[Parser, Source]) -> None:
    """"in" is not a value even where a column holds a short code."""
    parser, _ = school
    query = Reader(parser.ontology, parser.lexicon).read("How many teachers are in Physics?").query
    assert [f.values for f in query.filters] == [["Physics"]]


@pytest.mark.parametrize(
    ("question", "query", "doubt"),
    [
        ("What is the maximum age of teachers?",
         SemanticQuery(list_object="teacher", list_fields=["teacher.age"]),
         "the question asks for a highest or lowest value"),
        ("List the ages of teachers.",
         SemanticQuery(metrics=[MetricRef(aggregation="sum", field="teacher.age")]),
         "the question does not ask for a total"),
        ("How many teachers are there?",
         SemanticQuery(metrics=[MetricRef(aggregation="avg", field="teacher.age")]),
         "the question asks for a count"),
        ("What are the average and maximum salary?",
         SemanticQuery(metrics=[MetricRef(aggregation="avg", field="teacher.salary")]),
         "the question asks for several figures"),
    ],
)
def test_a_query_that_contradicts_the_question_is_doubted(
    question: str, query: SemanticQuery, doubt: str
) -> None:
    assert doubt in contradictions(tokenize(question), query)


@pytest.mark.parametrize(
    ("question", "query", "doubt"),
    [
        ("How many departments are in Watson?",
         SemanticQuery(metrics=[MetricRef(aggregation="count", field="teacher")]),
         "the question does not name the teacher it would count or list"),
        ("Show the salary for each teacher.",
         SemanticQuery(metrics=[MetricRef(aggregation="count", field="teacher")],
                       dimensions=[DimensionRef(field="teacher.teacher_id")]),
         "it would count each of the teacher rows once"),
        ("What are the distinct ages of teachers?",
         SemanticQuery(metrics=[MetricRef(metric="avg_age")]),
         "the question does not ask for an average"),
        ("Give the name of the highest paid teacher.",
         SemanticQuery(metrics=[MetricRef(metric="teacher_count")],
                       dimensions=[DimensionRef(field="teacher.name")], limit=10),
         "the question does not ask for a count"),
        ("Find the number of teachers for different buildings.",
         SemanticQuery(metrics=[MetricRef(aggregation="count", field="teacher"),
                                MetricRef(aggregation="count_distinct",
                                          field="department.building")]),
         "a count per value was asked, not two figures"),
        ("Who is the youngest teacher?",
         SemanticQuery(list_object="teacher", list_fields=["teacher.name"]),
         "the question asks for one answer, not every row"),
        ("Find the total salary of all teachers.",
         SemanticQuery(metrics=[MetricRef(metric="teacher_count")]),
         "the question asks for a total"),
        ("Show the salary and average age of teachers.",
         SemanticQuery(metrics=[MetricRef(aggregation="avg", field="teacher.salary")],
                       filters=[QueryFilter(field="teacher.name", op="eq", values=["Ande"])]),
         "'Ande' reads a common word as a value"),
        ("Return the average age across all teachers.",
         SemanticQuery(metrics=[MetricRef(aggregation="avg", field="teacher.age")],
                       dimensions=[DimensionRef(field="teacher.name")]),
         "it would aggregate each of the teacher rows alone"),
    ],
)
def test_the_ontology_sharpens_the_doubts(
    school: tuple[Parser, Source], question: str, query: SemanticQuery, doubt: str
) -> None:
    parser, _ = school
    found = contradictions(tokenize(question), query, ontology=parser.ontology,
                           object_words=parser.lexicon.object_words)
    assert doubt in found


def test_a_total_column_named_in_the_question_is_not_a_sum() -> None:
    summed = SemanticQuery(metrics=[MetricRef(aggregation="sum", field="station.total_passengers")])
    assert "the question does not ask for a total" in contradictions(
        tokenize("Show the total passengers of stations not in London"), summed)
    assert contradictions(tokenize("What is the sum of total passengers?"), summed) == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Show the number of teachers by department.",
         [[1, "Physics", 3], [2, "History", 1], [3, "Music", 1]]),
        ("What are the average, minimum and maximum age of teachers?", [[44.2, 29, 61]]),
        ("How many teachers work in Physics?", [[3]]),
    ],
)
def test_groups_by_chains_and_verbs(
    school: tuple[Parser, Source], question: str, expected: list[list[Any]]
) -> None:
    rows = rows_of(school, question)
    assert sorted(map(list, rows)) == sorted(expected)
