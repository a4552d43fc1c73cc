"""General reading rules, checked on a small schema none of the question sets uses.

Each rule is about words, operators or the shape of a schema, never about one question or
one database: the tables and columns here are named unlike those of any question set.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.nl.understanding import Context
from parley.engine.semantic.derive import derive_ontology
from parley.sources.connect import connect

TODAY = dt.date(2026, 11, 23)

_SCHEMA = """
CREATE TABLE sellers (seller_id INTEGER PRIMARY KEY, seller_name TEXT NOT NULL UNIQUE);
CREATE TABLE opportunities (
    opp_id INTEGER PRIMARY KEY,
    seller_id INTEGER NOT NULL REFERENCES sellers (seller_id),
    amount NUMERIC(12, 2) NOT NULL,
    stage TEXT NOT NULL,
    created_on DATE NOT NULL,
    closed_on DATE
);
CREATE TABLE ad_stats (
    stat_day DATE PRIMARY KEY,
    clicks INTEGER NOT NULL,
    conversions INTEGER NOT NULL,
    revenue NUMERIC(12, 2) NOT NULL
);
CREATE TABLE depots (depot_id INTEGER PRIMARY KEY, depot_name TEXT NOT NULL UNIQUE);
CREATE TABLE articles (
    article_id INTEGER PRIMARY KEY,
    article_name TEXT NOT NULL UNIQUE,
    unit_cost NUMERIC(10, 2) NOT NULL
);
CREATE TABLE holdings (
    article_id INTEGER NOT NULL REFERENCES articles (article_id),
    depot_id INTEGER NOT NULL REFERENCES depots (depot_id),
    on_hand INTEGER NOT NULL,
    PRIMARY KEY (article_id, depot_id)
);
CREATE TABLE requisitions (
    req_id INTEGER PRIMARY KEY,
    depot_id INTEGER NOT NULL REFERENCES depots (depot_id),
    ordered_on DATE NOT NULL
);
CREATE TABLE requisition_lines (
    line_id INTEGER PRIMARY KEY,
    req_id INTEGER NOT NULL REFERENCES requisitions (req_id),
    article_id INTEGER NOT NULL REFERENCES articles (article_id),
    qty INTEGER NOT NULL
);
CREATE TABLE memberships (
    membership_id INTEGER PRIMARY KEY,
    cadence TEXT NOT NULL,
    fee NUMERIC(10, 2) NOT NULL,
    started_on DATE NOT NULL
);
CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY,
    depot_id INTEGER NOT NULL REFERENCES depots (depot_id),
    begun_at TIMESTAMP NOT NULL,
    units_made INTEGER NOT NULL
);
"""


def _fill(connection: sqlite3.Connection) -> None:
    connection.executescript(_SCHEMA)
    connection.executemany(
        "INSERT INTO sellers VALUES (?, ?)", [(i, f"Seller {i}") for i in range(1, 6)]
    )
    stages = ["Prospecting", "Negotiation", "Closed Won", "Closed Lost"]
    for i in range(1, 201):
        created = TODAY - dt.timedelta(days=3 * i)
        closed = created + dt.timedelta(days=20) if i % 4 >= 2 else None
        connection.execute(
            "INSERT INTO opportunities VALUES (?, ?, ?, ?, ?, ?)",
            (i, 1 + i % 5, 1000 + 7 * i, stages[i % 4], created.isoformat(),
             closed.isoformat() if closed else None),
        )
    for i in range(300):
        day = TODAY - dt.timedelta(days=i)
        connection.execute(
            "INSERT INTO ad_stats VALUES (?, ?, ?, ?)", (day.isoformat(), 50 + i, i % 7, 10.5 * i)
        )
    connection.executemany(
        "INSERT INTO depots VALUES (?, ?)", [(i, f"Depot {i}") for i in range(1, 5)]
    )
    connection.executemany(
        "INSERT INTO articles VALUES (?, ?, ?)",
        [(i, f"Article {i}", 2.5 + i) for i in range(1, 31)],
    )
    connection.executemany(
        "INSERT INTO holdings VALUES (?, ?, ?)",
        [(a, d, a * d) for a in range(1, 31) for d in range(1, 5)],
    )
    for i in range(1, 101):
        day = TODAY - dt.timedelta(days=4 * i)
        connection.execute(
            "INSERT INTO requisitions VALUES (?, ?, ?)", (i, 1 + i % 4, day.isoformat())
        )
        connection.execute(
            "INSERT INTO requisition_lines VALUES (?, ?, ?, ?)", (i, i, 1 + i % 30, i)
        )
        connection.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?)",
            (i, 1 + i % 4, f"{day.isoformat()} 08:00:00", 10 * i),
        )
    for i in range(1, 41):
        connection.execute(
            "INSERT INTO memberships VALUES (?, ?, ?, ?)",
            (i, "monthly" if i % 2 else "annual", 10 * i,
             (TODAY - dt.timedelta(days=9 * i)).isoformat()),
        )
    connection.commit()


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parser]:
    path: Path = tmp_path_factory.mktemp("rules") / "rules.db"
    with sqlite3.connect(path) as connection:
        _fill(connection)
    source = connect(f"sqlite:///{path}", name="rules")
    try:
        yield Parser(derive_ontology(source.introspect(), source="rules"))
    finally:
        source.close()


def _query(parser: Parser, question: str, previous: Any = None) -> dict[str, Any]:
    context = Context(previous=previous, has_result=previous is not None)
    understanding = parser.understand(question, context=context, today=TODAY)
    assert understanding.query is not None, (understanding.intent, understanding.problem)
    return understanding.query.model_dump(exclude_defaults=True)


def _measured(query: dict[str, Any]) -> list[str]:
    return [m.get("metric") or f"{m['aggregation']}:{m['field']}" for m in query["metrics"]]


@pytest.mark.parametrize(
    ("question", "measured"),
    [
        # Two measure names side by side name one measure: the compound's head, the last.
        ("conversion revenue by month this year", ["revenue"]),
        # A mere unit of count defers to the measure it counts, on either side.
        ("bottom 2 depots by units on hand", ["total_on_hand"]),
        ("on hand units by depot", ["total_on_hand"]),
    ],
)
def test_side_by_side_measures_name_one_measure(
    parser: Parser, question: str, measured: list[str]
) -> None:
    assert _measured(_query(parser, question)) == measured


@pytest.mark.parametrize(
    "question", ["clicks and conversions by month this year", "clicks, conversions by month"]
)
def test_listed_measures_stay_apart(parser: Parser, question: str) -> None:
    assert _measured(_query(parser, question)) == ["total_clicks", "total_conversions"]


def test_a_value_naming_an_event_dates_rows_by_that_event(parser: Parser) -> None:
    query = _query(parser, "won amount by month this year")
    assert query["filters"][0]["values"] == ["Closed Won"]
    assert query["dimensions"][0]["field"] == "opportunities.closed_on"
    assert query["time_range"]["field"] == "opportunities.closed_on"
    # A value that names no dated event keeps the rows' own date.
    query = _query(parser, "negotiation amount by month this year")
    assert query["dimensions"][0]["field"] == "opportunities.created_on"


def test_a_follow_up_period_keeps_the_date_the_answer_was_dated_by(parser: Parser) -> None:
    first = parser.understand("top 3 sellers by won amount this year", today=TODAY).query
    assert first is not None and first.time_range is not None
    assert first.time_range.field == "opportunities.closed_on"
    query = _query(parser, "and last year?", previous=first)
    assert query["time_range"]["field"] == "opportunities.closed_on"
    assert query["time_range"]["start"] == dt.date(2025, 1, 1)


def test_counting_things_through_the_lines_that_name_them(parser: Parser) -> None:
    query = _query(parser, "how many distinct articles did we order last month?")
    assert query["metrics"][0]["field"] == "requisition_lines.article_id"


def test_a_participle_means_what_its_synonyms_mean(parser: Parser) -> None:
    query = _query(parser, "units produced in the last 30 days")
    assert _measured(query) == ["total_units_made"]


def test_the_size_of_a_thing_is_its_money_column(parser: Parser) -> None:
    query = _query(parser, "average opportunity size of closed won opportunities")
    # The average of the amount, ad hoc or as the ontology's own metric of it.
    assert query["metrics"] in (
        [{"aggregation": "avg", "field": "opportunities.amount"}],
        [{"metric": "avg_amount"}],
    )
    metric = parser.ontology.metric("avg_amount")
    assert metric is not None and metric.object == "opportunities"
    assert metric.expression.replace(" ", "").upper() == "AVG(AMOUNT)"


def test_the_worth_of_a_thing_without_money_is_asked_not_counted(parser: Parser) -> None:
    understanding = parser.understand("holding value by depot", today=TODAY)
    assert understanding.intent == "clarification"
    assert "value" in understanding.problem


def test_what_about_a_value_that_is_also_a_grain_swaps_the_value(parser: Parser) -> None:
    """"what about monthly?" after a figure: the monthly memberships, not a monthly series."""
    first = parser.understand("total fee of annual memberships", today=TODAY)
    assert first.query is not None
    follow_up = parser.understand(
        "what about monthly?", context=Context(previous=first.query, has_result=True),
        today=TODAY,
    )
    assert follow_up.query is not None, follow_up.problem
    assert [f.values for f in follow_up.query.filters] == [["monthly"]]
    assert not any(d.grain for d in follow_up.query.dimensions)


@pytest.fixture(scope="module")
def shipments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parser]:
    """One table whose only measure also answers to the table's name ("shipments")."""
    path = tmp_path_factory.mktemp("shipments") / "shipments.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE shipments (id INTEGER PRIMARY KEY, region TEXT, kg INTEGER)")
        conn.executemany(
            "INSERT INTO shipments VALUES (?, ?, ?)",
            [(i, "north" if i % 2 else "south", i % 40) for i in range(1, 201)],
        )
    source = connect(f"sqlite:///{path}", name="shipments")
    yield Parser(derive_ontology(source.introspect(), source="shipments"))
    source.close()


@pytest.mark.parametrize(
    "question", ["how many shipments are there", "how many shipments", "number of shipments"]
)
def test_how_many_rows_is_a_count_in_a_conversation_too(shipments: Parser, question: str) -> None:
    first = shipments.understand(question).query
    assert first is not None
    again = shipments.understand(question, context=Context(previous=first, has_result=True))
    assert again.query is not None
    (metric,) = again.query.metrics
    assert metric.aggregation == "count" or metric.metric == "shipment_count", metric
