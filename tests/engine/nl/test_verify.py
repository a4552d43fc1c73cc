"""The checks that doubt a query its question contradicts, one rule per table of cases.

Each case is a question, the query some reading made of it, and the doubt expected (a
piece of its wording) or None when the query does what the question says. The schema is
small and named unlike any question set: the rules are about words and shapes only.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

from parley.engine.nl.lexicon import build_lexicon
from parley.engine.nl.text import tokenize
from parley.engine.nl.verify import SHAPE_CHECKS, contradictions
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import (
    DimensionRef,
    MetricRef,
    QueryFilter,
    SemanticQuery,
    TimeRange,
)
from parley.sources.connect import connect

_SCHEMA = """
CREATE TABLE branches (branch_id INTEGER PRIMARY KEY, branch_name TEXT NOT NULL);
CREATE TABLE clients (
    client_id INTEGER PRIMARY KEY,
    client_name TEXT NOT NULL,
    region TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    branch_id INTEGER NOT NULL REFERENCES branches (branch_id)
);
CREATE TABLE loans (
    loan_id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (client_id),
    amount NUMERIC(10, 2) NOT NULL,
    kind TEXT NOT NULL,
    granted_on DATE NOT NULL
);
"""


@pytest.fixture(scope="module")
def ontology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ontology]:
    path: Path = tmp_path_factory.mktemp("verify") / "lending.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(_SCHEMA)
    connection.executemany("INSERT INTO branches VALUES (?, ?)", [(1, "North"), (2, "South")])
    connection.executemany(
        "INSERT INTO clients VALUES (?, ?, ?, ?, ?)",
        [(i, f"Client {i}", ["East", "West"][i % 2], f"555-{i:04}", 1 + i % 2)
         for i in range(1, 9)],
    )
    connection.executemany(
        "INSERT INTO loans VALUES (?, ?, ?, ?, ?)",
        [(i, 1 + i % 8, 100.0 * i, ["Fund", "Car", "Home"][i % 3], f"2025-0{1 + i % 9}-01")
         for i in range(1, 30)],
    )
    connection.commit()
    connection.close()
    source = connect(f"sqlite:///{path}", name="lending")
    yield derive_ontology(source.introspect(), source="lending")
    source.close()


def _doubts(
    ontology: Ontology,
    question: str,
    query: SemanticQuery,
    *,
    named_objects: Collection[str] = (),
    named_columns: list[set[str]] | None = None,
) -> list[str]:
    return contradictions(
        tokenize(question), query, ontology=ontology, named_objects=named_objects,
        named_columns=named_columns or [],
    )


def _expect(doubts: list[str], expected: str | None) -> None:
    if expected is None:
        assert doubts == []
    else:
        assert any(expected in doubt for doubt in doubts), doubts


_COUNT_LOANS = MetricRef(aggregation="count", field="loans")
_BY_CLIENT = DimensionRef(field="clients.client_name")


@pytest.mark.parametrize(
    ("question", "query", "expected"),
    [
        ("How many loans does each client have?", SemanticQuery(metrics=[_COUNT_LOANS]),
         "for each"),
        ("How many loans does each client have?",
         SemanticQuery(metrics=[_COUNT_LOANS], dimensions=[_BY_CLIENT]), None),
        ("What is the amount of each loan?",
         SemanticQuery(list_object="loans", list_fields=["loans.amount"]), None),
    ],
)
def test_a_figure_for_each_is_not_one_figure(
    ontology: Ontology, question: str, query: SemanticQuery, expected: str | None
) -> None:
    _expect(_doubts(ontology, question, query), expected)


@pytest.mark.parametrize(
    ("question", "query", "expected"),
    [
        # The number was dropped: every client listed.
        ("Show the regions with more than 2 clients",
         SemanticQuery(list_object="clients", list_fields=["clients.region"]), "'2'"),
        ("Show the number of clients of the regions with more than 2 clients",
         SemanticQuery(metrics=[MetricRef(aggregation="count", field="clients")],
                       dimensions=[DimensionRef(field="clients.region")],
                       filters=[QueryFilter(field="count", op="gt", values=[2])]), None),
        # "one" is a pronoun unless compared.
        ("Which one has the largest amount?",
         SemanticQuery(metrics=[MetricRef(aggregation="max", field="loans.amount")]), None),
        ("Show the regions with more than one client",
         SemanticQuery(list_object="clients", list_fields=["clients.region"]), "'one'"),
        # The numbers of a time phrase became dates.
        ("How many loans in the last 90 days?",
         SemanticQuery(metrics=[_COUNT_LOANS],
                       time_range=TimeRange(field="loans.granted_on")), None),
        ("How many loans were granted in 2025?",
         SemanticQuery(metrics=[_COUNT_LOANS], time_range=TimeRange(
             field="loans.granted_on", start="2025-01-01", end="2026-01-01")), None),
    ],
)
def test_a_number_given_is_used(
    ontology: Ontology, question: str, query: SemanticQuery, expected: str | None
) -> None:
    _expect(_doubts(ontology, question, query), expected)


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    [
        ("How many loans were funded?", "Fund", "longer word"),
        ("How many Fund loans are there?", "Fund", None),
        ("How many loans are of kind Car?", "Car", None),
    ],
)
def test_a_value_is_not_read_from_a_longer_word(
    ontology: Ontology, question: str, value: str, expected: str | None
) -> None:
    query = SemanticQuery(metrics=[_COUNT_LOANS],
                          filters=[QueryFilter(field="loans.kind", op="eq", values=[value])])
    _expect(_doubts(ontology, question, query), expected)


_AVG_AMOUNT = MetricRef(aggregation="avg", field="loans.amount")


@pytest.mark.parametrize(
    ("question", "query", "named", "expected"),
    [
        # Rows that refer to the subject restrict it: "clients who have a loan".
        ("How many clients have a loan?",
         SemanticQuery(metrics=[MetricRef(aggregation="count", field="clients")]),
         {"clients", "loans"}, "names loans"),
        ("How many clients have a Car loan?",
         SemanticQuery(metrics=[MetricRef(aggregation="count", field="clients")],
                       filters=[QueryFilter(field="loans.kind", op="eq", values=["Car"])]),
         {"clients", "loans"}, None),
        # The row the measured rows refer to is theirs already.
        ("What is the average amount of the loans of clients?",
         SemanticQuery(metrics=[_AVG_AMOUNT]), {"loans", "clients"}, None),
    ],
)
def test_rows_the_question_names_take_part(
    ontology: Ontology, question: str, query: SemanticQuery, named: set[str],
    expected: str | None,
) -> None:
    _expect(_doubts(ontology, question, query, named_objects=named), expected)


@pytest.mark.parametrize(
    ("question", "fields", "named", "expected"),
    [
        ("Show the name and region of every client", ["clients.client_name"],
         [{"clients.region"}], "'region'"),
        ("Show the name and region of every client",
         ["clients.client_name", "clients.region"], [{"clients.region"}], None),
        # A phrase that may name either of two columns is explained by either.
        ("Show the name of every client", ["clients.client_name"],
         [{"clients.client_name", "branches.branch_name"}], None),
    ],
)
def test_columns_the_question_asks_for_are_shown(
    ontology: Ontology, question: str, fields: list[str], named: list[set[str]],
    expected: str | None,
) -> None:
    query = SemanticQuery(list_object="clients", list_fields=fields)
    _expect(_doubts(ontology, question, query, named_columns=named), expected)


@pytest.mark.parametrize(
    ("question", "filters", "expected"),
    [
        ("How many loans are over 500 or of kind Car?",
         [QueryFilter(field="loans.amount", op="gt", values=[500]),
          QueryFilter(field="loans.kind", op="eq", values=["Car"])], "'or'"),
        ("How many loans are of kind Car or Home?",
         [QueryFilter(field="loans.kind", op="in", values=["Car", "Home"])], None),
    ],
)
def test_conditions_joined_by_or_are_not_an_and(
    ontology: Ontology, question: str, filters: list[QueryFilter], expected: str | None
) -> None:
    _expect(_doubts(ontology, question, SemanticQuery(metrics=[_COUNT_LOANS],
                                                      filters=filters)), expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the number of clients?", "asks for a count"),
        ("How many clients are there?", "asks for a count"),
        # A column named "... number" is not a count.
        ("What is the name and phone number of the clients?", None),
    ],
)
def test_a_count_is_asked_by_its_words_not_by_a_column_name(
    ontology: Ontology, question: str, expected: str | None
) -> None:
    query = SemanticQuery(list_object="clients",
                          list_fields=["clients.client_name", "clients.phone_number"])
    _expect(_doubts(ontology, question, query), expected)


@pytest.mark.parametrize(
    ("dimension", "limit", "expected"),
    [
        # Counted per their own key, rows count 1 each, whatever the limit.
        ("loans.loan_id", 1, "count each"),
        ("loans.loan_id", None, "count each"),
        ("loans.kind", 1, None),
    ],
)
def test_rows_are_not_counted_per_their_own_key(
    ontology: Ontology, dimension: str, limit: int | None, expected: str | None
) -> None:
    query = SemanticQuery(metrics=[_COUNT_LOANS], dimensions=[DimensionRef(field=dimension)],
                          limit=limit)
    doubts = contradictions(tokenize("Which kind has the most loans?"), query,
                            ontology=ontology, checks=SHAPE_CHECKS)
    _expect(doubts, expected)


@pytest.mark.parametrize(
    ("question", "limit", "expected"),
    [
        # The first thing named after "the" is one thing: one answer.
        ("Find the branch that has the most clients.", 10, "one answer"),
        ("Find the branch that has the most clients.", 1, None),
        # A plural or a number asks for a list.
        ("Show the branches with the most clients.", 10, None),
        ("Find the three branches with the most clients.", 3, None),
        ("Show the top branches by clients.", 10, None),
    ],
)
def test_a_singular_superlative_is_one_answer(
    ontology: Ontology, question: str, limit: int, expected: str | None
) -> None:
    query = SemanticQuery(
        metrics=[MetricRef(aggregation="count", field="clients")],
        dimensions=[DimensionRef(field="branches.branch_name")], limit=limit,
    )
    _expect([d for d in _doubts(ontology, question, query) if "one answer" in d], expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Grammar and the words naming things: the things, not a value.
        ("the loan", "name of a thing"),
        ("the client", "name of a thing"),
        # A real value, or one word that happens to be a thing's name, stays a value.
        ("Client 3", None),
        ("loan", None),
    ],
)
def test_a_thing_named_is_not_a_value(
    ontology: Ontology, value: str, expected: str | None
) -> None:
    query = SemanticQuery(metrics=[_COUNT_LOANS], filters=[
        QueryFilter(field="clients.client_name", op="eq", values=[value])])
    doubts = contradictions(tokenize(f"How many loans of {value} are there?"), query,
                            ontology=ontology, checks=SHAPE_CHECKS,
                            object_words={"loans": {"loan"}, "clients": {"client"}})
    _expect(doubts, expected)


def test_rows_without_a_declared_key_are_counted_per_their_id(tmp_path: Path) -> None:
    path = tmp_path / "tickets.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE tickets (ticket_id INTEGER, status TEXT);"
        "INSERT INTO tickets VALUES (1, 'open'), (2, 'open'), (3, 'closed');"
    )
    connection.close()
    source = connect(f"sqlite:///{path}", name="tickets")
    try:
        ontology = derive_ontology(source.introspect(), source="tickets")
    finally:
        source.close()
    counted = MetricRef(aggregation="count", field="tickets")
    per_id = SemanticQuery(metrics=[counted],
                           dimensions=[DimensionRef(field="tickets.ticket_id")])
    per_status = SemanticQuery(metrics=[counted],
                               dimensions=[DimensionRef(field="tickets.status")])
    question = tokenize("How many tickets are there for each status?")
    assert contradictions(question, per_id, ontology=ontology, checks=SHAPE_CHECKS)
    assert not contradictions(question, per_status, ontology=ontology, checks=SHAPE_CHECKS)


@pytest.mark.parametrize(
    ("question", "aggregations", "expected"),
    [
        ("What are the greatest and average amount of loans?", ["avg"], "several figures"),
        ("What are the greatest and average amount of loans?", ["max", "avg"], None),
        # One superlative of one figure is one figure.
        ("Which client has the highest average amount?", ["avg"], None),
    ],
)
def test_figures_joined_by_and_are_each_given(
    ontology: Ontology, question: str, aggregations: list[str], expected: str | None
) -> None:
    query = SemanticQuery(metrics=[MetricRef(aggregation=a, field="loans.amount")  # type: ignore[arg-type]
                                   for a in aggregations])
    _expect([d for d in _doubts(ontology, question, query) if "several" in d], expected)


_CLIENTS_THROUGH_LOANS = MetricRef(aggregation="count_distinct", field="loans.client_id")


@pytest.mark.parametrize(
    ("question", "query", "expected"),
    [
        # Grouped by a column of the loans, which the question never names.
        ("How many clients are there for each kind?",
         SemanticQuery(metrics=[_CLIENTS_THROUGH_LOANS],
                       dimensions=[DimensionRef(field="loans.kind")]),
         "counted through loans"),
        ("How many clients have loans of each kind?",
         SemanticQuery(metrics=[_CLIENTS_THROUGH_LOANS],
                       dimensions=[DimensionRef(field="loans.kind")]),
         None),
        # A loan that is not a car loan is not the absence of a car loan.
        ("How many clients are not in Car?",
         SemanticQuery(metrics=[_CLIENTS_THROUGH_LOANS],
                       filters=[QueryFilter(field="loans.kind", op="ne", values=["Car"])]),
         "counted through loans"),
    ],
)
def test_rows_counted_through_a_table_the_question_does_not_name(
    ontology: Ontology, question: str, query: SemanticQuery, expected: str | None
) -> None:
    doubts = contradictions(tokenize(question), query, ontology=ontology,
                            object_words=build_lexicon(ontology).object_words)
    _expect(doubts, expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the total loan amount of all loans?", "asks for a total"),
        ("What is the total loans of all clients?", None),  # the loans counted
    ],
)
def test_a_total_of_an_amount_is_not_a_count(
    ontology: Ontology, question: str, expected: str | None
) -> None:
    query = SemanticQuery(metrics=[_COUNT_LOANS])
    doubts = contradictions(tokenize(question), query, ontology=ontology,
                            object_words=build_lexicon(ontology).object_words)
    _expect([d for d in doubts if "total" in d], expected)


_AVERAGE_AMOUNT = MetricRef(aggregation="avg", field="loans.amount")


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # The branch is neither measured nor grouped: "clients not at North" may deny
        # the clients, or only the loans of another branch.
        ("branches.branch_name", "may deny the groups"),
        ("clients.region", None),  # of the groups themselves
    ],
)
def test_a_negation_of_a_third_object_under_groups(
    ontology: Ontology, field: str, expected: str | None
) -> None:
    query = SemanticQuery(metrics=[_AVERAGE_AMOUNT], dimensions=[_BY_CLIENT],
                          filters=[QueryFilter(field=field, op="ne", values=["North"])])
    doubts = _doubts(ontology, "What is the average amount for each client not at North?", query)
    _expect([d for d in doubts if "negation" in d], expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the average amount for Car and Home loans?", "each want their own figure"),
        ("What is the average amount for Car or Home loans?", None),
    ],
)
def test_values_joined_by_and_may_each_want_a_figure(
    ontology: Ontology, question: str, expected: str | None
) -> None:
    kinds = QueryFilter(field="loans.kind", op="in", values=["Car", "Home"])
    query = SemanticQuery(metrics=[_AVERAGE_AMOUNT], filters=[kinds])
    _expect([d for d in _doubts(ontology, question, query) if "and" in d], expected)


@pytest.mark.parametrize(
    ("question", "query", "expected"),
    [
        ("Which regions have both loans over 500 and loans under 100?",
         SemanticQuery(list_object="clients", list_fields=["clients.region"], filters=[
             QueryFilter(field="loans.amount", op="gt", values=[500]),
             QueryFilter(field="loans.amount", op="lt", values=[100])]),
         "'both' asks for groups"),
        ("Which regions have both Car and Home loans?",
         SemanticQuery(list_object="clients", list_fields=["clients.region"], filters=[
             QueryFilter(field="loans.kind", op="in", values=["Car", "Home"])]),
         "'both' asks for groups"),
        ("Where is the client Client 1?",
         SemanticQuery(metrics=[MetricRef(aggregation="count", field="clients")], filters=[
             QueryFilter(field="clients.client_name", op="eq", values=["Client 1"])]),
         "not how many"),
    ],
)
def test_questions_a_filter_or_a_count_does_not_answer(
    ontology: Ontology, question: str, query: SemanticQuery, expected: str
) -> None:
    _expect(_doubts(ontology, question, query), expected)


def test_a_distinct_count_of_a_count_column_is_doubted(tmp_path: Path) -> None:
    path = tmp_path / "flats.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE flats (flat_id INTEGER PRIMARY KEY, room_count INTEGER);"
            "INSERT INTO flats VALUES (1, 3), (2, 4);")
    source = connect(f"sqlite:///{path}", name="flats")
    flats = derive_ontology(source.introspect(), source="flats")
    source.close()
    query = SemanticQuery(metrics=[MetricRef(aggregation="count_distinct",
                                             field="flats.room_count")])
    _expect(_doubts(flats, "How many rooms are there?", query), "already counts")


_LOAN_COUNT = MetricRef(metric="loan_count")


@pytest.mark.parametrize(
    ("question", "query", "expected"),
    [
        # Rows asked for, read as a count per client the question never groups by.
        ("What are the amounts of the loans made by clients in region East?",
         SemanticQuery(metrics=[_LOAN_COUNT], dimensions=[_BY_CLIENT]), "count of each group"),
        ("Show the amounts of all the loans made by clients in region East.",
         SemanticQuery(metrics=[_LOAN_COUNT], dimensions=[_BY_CLIENT]), "count of each group"),
        ("Which kind has been taken by the client named 'Client 3'?",
         SemanticQuery(metrics=[_LOAN_COUNT], dimensions=[_BY_CLIENT]), "count of each group"),
        # A grouping said: "by", "each", a period, a comparison.
        ("loans by client", SemanticQuery(metrics=[_LOAN_COUNT], dimensions=[_BY_CLIENT]), None),
        ("How many loans does each client have?",
         SemanticQuery(metrics=[_LOAN_COUNT], dimensions=[_BY_CLIENT]), None),
        ("monthly loans in 2025",
         SemanticQuery(metrics=[_LOAN_COUNT],
                       dimensions=[DimensionRef(field="loans.granted_on", grain="month")]), None),
    ],
)
def test_a_count_per_group_needs_a_group_asked_for(
    ontology: Ontology, question: str, query: SemanticQuery, expected: str | None
) -> None:
    _expect(_doubts(ontology, question, query), expected)


@pytest.mark.parametrize(
    ("question", "query", "expected"),
    [
        # "3 loans" counts loans; 3 is not a kind of loan.
        ("Which clients have a kind of Fund, or 3 amount?",
         SemanticQuery(list_object="loans", list_fields=["loans.loan_id"],
                       filters=[QueryFilter(field="loans.kind", op="in", values=["Fund", "3"])]),
         "said of amount"),
        ("Which loans are of kind 3?",
         SemanticQuery(list_object="loans", list_fields=["loans.loan_id"],
                       filters=[QueryFilter(field="loans.kind", op="eq", values=["3"])]), None),
    ],
)
def test_a_number_said_of_another_column_is_not_a_value(
    ontology: Ontology, question: str, query: SemanticQuery, expected: str | None
) -> None:
    _expect(_doubts(ontology, question, query), expected)


_TOTAL_AMOUNT = MetricRef(metric="total_amount")


@pytest.mark.parametrize(
    ("question", "query", "expected"),
    [
        # the values asked for in the plural, summed with nothing asking for a total
        ("What are the amounts of all loans?", SemanticQuery(metrics=[_TOTAL_AMOUNT]),
         "each value, not their total"),
        # a total, a group or a period asked for: the sum is meant
        ("What is the total amount of all loans?", SemanticQuery(metrics=[_TOTAL_AMOUNT]),
         None),
        ("How much are the amounts of all loans?", SemanticQuery(metrics=[_TOTAL_AMOUNT]),
         None),
        ("amounts by client", SemanticQuery(metrics=[_TOTAL_AMOUNT], dimensions=[_BY_CLIENT]),
         None),
        # said alone, not asked for as a list: their total
        ("amounts of fund loans", SemanticQuery(metrics=[_TOTAL_AMOUNT]), None),
        ("loan amounts in 2025", SemanticQuery(
            metrics=[_TOTAL_AMOUNT],
            time_range=TimeRange(start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))), None),
    ],
)
def test_values_in_the_plural_are_not_their_total(
    ontology: Ontology, question: str, query: SemanticQuery, expected: str | None
) -> None:
    _expect(_doubts(ontology, question, query), expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the values of a measure grouped and ranked: the measure was to rank by
        ("Which client has the most amount?", "rank the values of loan amount"),
        # grouped by it on purpose
        ("number of loans by amount", None),
    ],
)
def test_a_measure_is_ranked_by_not_grouped(
    ontology: Ontology, question: str, expected: str | None
) -> None:
    query = SemanticQuery(metrics=[_COUNT_LOANS], dimensions=[DimensionRef(field="loans.amount")],
                          order=[{"key": "count", "descending": True}])
    _expect(_doubts(ontology, question, query), expected)
