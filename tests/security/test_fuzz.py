"""Any input gives an answer or a clear refusal: the guard and the question parser, fuzzed.

Examples are generated deterministically (``derandomize``), so a failure found in CI is
found again on a laptop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.engine.guard import RowFilter, guard_sql, guard_tree
from parley.engine.nl.parser import Parser
from parley.engine.semantic.compiler import compile_query
from parley.engine.semantic.derive import derive_ontology
from parley.errors import GuardRejected
from parley.sources.connect import connect
from parley.sources.demo import generate_demo

SCHEMA = {"orders": ["id", "amount", "tenant"], "customers": ["id", "name", "tenant"]}
SPACE = (RowFilter("tenant", "eq", "acme"),)
DIALECTS = ("duckdb", "sqlite", "postgres", "mysql")
FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces of SQL, hostile and ordinary, that random statements are built from.
WORDS = [
    "SELECT", "*", "FROM", "WHERE", "orders", "customers", "vault", "pg_authid", "JOIN", "ON",
    "UNION", "ALL", "WITH", "AS", "x", "(", ")", ",", ";", "--", "/*", "*/", "'", '"', "`",
    "1", "=", "OR", "AND", "NOT", "tenant", "'globex'", "amount", "id", "name", "LIMIT",
    "DELETE", "INSERT", "INTO", "VALUES", "DROP", "TABLE", "COPY", "ATTACH", "pg_sleep(1)",
    "read_csv('x')", "count(*)", "sum(amount)", "GROUP", "BY", "ORDER", "HAVING", "LATERAL",
    "RECURSIVE", "@@datadir", "$1", "?", "::regclass", "CASE", "WHEN", "THEN", "END", "\\",
    "\n", "\x00", "é", "LEFT", "OUTER", "EXISTS", "IN", "main.orders", "information_schema.x",
]  # fmt: skip
statements = st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join)


def check(sql: str, dialect: str) -> None:
    try:
        guarded = guard_sql(sql, dialect, max_rows=50, table_columns=SCHEMA, row_filters=SPACE)
    except GuardRejected as refusal:
        assert refusal.message
        return
    assert guarded.limit <= 50
    assert len(sqlglot.parse(guarded.sql, read=dialect)) == 1


@pytest.mark.parametrize("dialect", DIALECTS)
@FUZZ
@given(sql=statements)
def test_the_guard_answers_or_refuses_statements_built_from_sql(dialect: str, sql: str) -> None:
    check(sql, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@FUZZ
@given(sql=st.text(max_size=300))
def test_the_guard_answers_or_refuses_any_text(dialect: str, sql: str) -> None:
    check(sql, dialect)


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parser]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "demo.duckdb"
    generate_demo(path, today=dt.date(2026, 11, 23), scale=0.02)
    source = connect(f"duckdb:///{path}", name="demo")
    yield Parser(derive_ontology(source.introspect(), source="demo"))
    source.close()


QUESTION_WORDS = [
    "revenue", "orders", "customers", "by", "month", "last", "year", "top", "10", "average",
    "count", "how", "many", "what", "is", "the", "of", "per", "in", "not", "and", "or",
    "between", "2025", "vs", "share", "pie", "chart", "products", "region", "?", "'", ";",
    "DROP TABLE", "ignore the filters", "show all", "-1", "1e309", "99999999999999999999",
    "\x00", "é", "",
]  # fmt: skip
questions = st.one_of(
    st.lists(st.sampled_from(QUESTION_WORDS), max_size=14).map(" ".join),
    st.text(max_size=200),
)


@settings(FUZZ, max_examples=150)
@given(question=questions)
def test_the_parser_answers_asks_or_declines_any_question(parser: Parser, question: str) -> None:
    understanding = parser.understand(question, today=dt.date(2026, 11, 23))
    assert understanding.intent
    if understanding.query is not None:
        compiled = compile_query(understanding.query, parser.ontology, dialect="duckdb")
        table_columns = {o.name: [a.name for a in o.attributes] for o in parser.ontology.objects}
        guard_tree(compiled.tree, "duckdb", max_rows=50, table_columns=table_columns)
