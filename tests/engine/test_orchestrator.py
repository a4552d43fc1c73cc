"""One turn as a stream of events, on a real DuckDB source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.engine.events import Done, Event
from parley.engine.guard import RowFilter
from parley.engine.knowledge import KnowledgeIndex
from parley.engine.nl.parser import Parser
from parley.engine.orchestrator import TurnContext, Workspace, run_turn
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.query import SemanticQuery
from parley.errors import SourceError
from parley.sources.base import QueryResult, Source
from parley.sources.connect import connect
from parley.sources.demo import generate_demo

TODAY = dt.date(2026, 11, 23)


class CountingSource:
    """A real source that counts the statements it runs, and can be made to fail."""

    def __init__(self, inner: Source) -> None:
        self.inner = inner
        self.name, self.dialect = inner.name, inner.dialect
        self.executed: list[str] = []
        self.fail = False

    def execute(self, sql: str, *, max_rows: int, timeout_s: float) -> QueryResult:
        self.executed.append(sql)
        if self.fail:
            raise SourceError("the database is unreachable")
        return self.inner.execute(sql, max_rows=max_rows, timeout_s=timeout_s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountingSource]:
    path: Path = tmp_path_factory.mktemp("orchestrator") / "demo.duckdb"
    generate_demo(path, today=TODAY, scale=0.05)
    inner = connect(f"duckdb:///{path}", name="demo")
    yield CountingSource(inner)
    inner.close()


@pytest.fixture()
def workspace(source: CountingSource) -> Workspace:
    source.executed.clear()
    source.fail = False
    ontology = derive_ontology(source.introspect(), source="demo")
    return Workspace("demo", ontology, Parser(ontology), source)  # type: ignore[arg-type]


def turn(workspace: Workspace, question: str, context: TurnContext | None = None) -> list[Event]:
    return list(run_turn(workspace, question, context or TurnContext(today=TODAY)))


def test_a_data_question_emits_every_stage_in_order(workspace: Workspace) -> None:
    events = turn(workspace, "revenue by segment in 2025")
    kinds = [e.type for e in events]
    assert kinds[0] == "agent_started" and kinds[-1] == "done"
    order = ["intent", "sql", "data", "chart", "insights", "text_delta", "done"]
    assert [k for k in kinds if k in order] == order
    answer = events[-1].answer  # type: ignore[union-attr]
    assert answer.intent == "sql_query" and answer.columns == ["segment", "revenue"]
    assert answer.agents_visited == ["router", "sql_agent", "viz_agent", "insight_agent"]
    assert len(answer.rows) == 3 and answer.chart is not None and answer.succeeded


def test_a_chart_change_does_not_query_the_source_again(
    workspace: Workspace, source: CountingSource
) -> None:
    first = turn(workspace, "revenue by segment in 2025")[-1]
    assert isinstance(first, Done) and len(source.executed) == 1
    previous = SemanticQuery.model_validate(first.answer.semantic_query)
    context = TurnContext(previous_query=previous, previous_answer=first.answer, today=TODAY)
    second = turn(workspace, "as a pie chart", context)[-1]
    assert isinstance(second, Done)
    assert second.answer.intent == "visualization_change"
    assert second.answer.chart is not None and second.answer.chart.type == "pie"
    assert second.answer.rows == first.answer.rows
    assert len(source.executed) == 1


def test_a_failing_source_gives_an_error_and_a_clear_answer(
    workspace: Workspace, source: CountingSource
) -> None:
    source.fail = True
    events = turn(workspace, "revenue by segment")
    errors = [e for e in events if e.type == "error"]
    assert len(errors) == 1 and "unreachable" in errors[0].message  # type: ignore[union-attr]
    answer = events[-1].answer  # type: ignore[union-attr]
    assert answer.error_code == "source_error" and "unreachable" in answer.text


def test_row_filters_reach_the_statement(workspace: Workspace, source: CountingSource) -> None:
    workspace.row_filters = (RowFilter("segment", "eq", "Enterprise", table="customers"),)
    answer = turn(workspace, "revenue by segment")[-1].answer  # type: ignore[union-attr]
    assert [row[0] for row in answer.rows] == ["Enterprise"]
    assert "Enterprise" in source.executed[-1]


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("hi!", "greeting"),
        ("what tables are there", "schema_help"),
        ("tell me a joke", "out_of_scope"),
    ],
)
def test_conversation_intents_answer_without_sql(
    workspace: Workspace, source: CountingSource, question: str, intent: str
) -> None:
    answer = turn(workspace, question)[-1].answer  # type: ignore[union-attr]
    assert answer.intent == intent and answer.sql is None and answer.text
    assert source.executed == []


def test_knowledge_rows_answer_what_the_data_cannot(workspace: Workspace) -> None:
    workspace.knowledge = KnowledgeIndex.from_markdown({
        "returns.md": "# Refund policy\nCustomers can return any product within 30 days.",
        "shipping.md": "# Shipping\nOrders ship within two business days.",
    })
    answer = turn(workspace, "what is the refund policy?")[-1].answer  # type: ignore[union-attr]
    assert answer.intent == "knowledge" and "30 days" in answer.text
    assert '"returns.md"' in answer.text
