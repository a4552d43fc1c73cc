"""The harness's matcher and scoring, on constructed answers."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import sqlite3
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from file_checks import assert_no_tie_at_the_cut, made_on_first_use
from harness import (
    Case,
    Expect,
    Expected,
    SQLiteReference,
    Turn,
    load_cases,
    match_rows,
    normalize,
    run_case,
    score_turn,
    tally,
)

D = decimal.Decimal


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        (3, 3.0),
        (D("12.50"), 12.5),
        (dt.date(2025, 3, 1), "2025-03-01"),
        (dt.datetime(2025, 3, 1), "2025-03-01"),
        (dt.datetime(2025, 3, 1, 14, 5), "2025-03-01 14:05:00"),
        ("2025-03-01 00:00:00", "2025-03-01"),
        ("2025-03-01T00:00:00Z", "2025-03-01"),
        ("  Acme Corp ", "Acme Corp"),
        (None, None),
        (True, True),
    ],
)
def test_normalize(value: Any, normal: Any) -> None:
    assert normalize(value) == normal


EXPECTED_COLUMNS = ["category", "revenue"]
EXPECTED_ROWS = [("Electronics", D("1000.00")), ("Furniture", D("500.00")), ("Software", 250)]


@pytest.mark.parametrize(
    ("columns", "rows", "ordered", "ok"),
    [
        # identical
        (["category", "revenue"], [["Electronics", 1000], ["Furniture", 500], ["Software", 250]],
         True, True),
        # other names, other column order, an extra column
        (["sales", "id", "cat"],
         [[1000.0, 1, "Electronics"], [500.0, 2, "Furniture"], [250.0, 3, "Software"]], True,
         True),
        # within 0.5% relative
        (["c", "r"], [["Electronics", 1004.9], ["Furniture", 500], ["Software", 250]], True, True),
        # beyond tolerance
        (["c", "r"], [["Electronics", 1006], ["Furniture", 500], ["Software", 250]], True, False),
        # numbers as strings still compare as numbers
        (["c", "r"], [["Electronics", "1000.00"], ["Furniture", "500"], ["Software", "250"]],
         True, True),
        # shuffled rows: fine unordered, wrong ordered
        (["c", "r"], [["Software", 250], ["Electronics", 1000], ["Furniture", 500]], False, True),
        (["c", "r"], [["Software", 250], ["Electronics", 1000], ["Furniture", 500]], True, False),
        # a missing row, an extra row
        (["c", "r"], [["Electronics", 1000], ["Furniture", 500]], False, False),
        (["c", "r"], [["Electronics", 1000], ["Furniture", 500], ["Software", 250], ["X", 1]],
         False, False),
        # values swapped between labels: columns hold the values but rows differ
        (["c", "r"], [["Electronics", 500], ["Furniture", 1000], ["Software", 250]], False,
         False),
        # a label column missing
        (["r"], [[1000], [500], [250]], False, False),
        # string case matters
        (["c", "r"], [["electronics", 1000], ["Furniture", 500], ["Software", 250]], False,
         False),
    ],
)
def test_match_rows(columns: list[str], rows: list[list[Any]], ordered: bool, ok: bool) -> None:
    assert match_rows(EXPECTED_COLUMNS, EXPECTED_ROWS, columns, rows, ordered=ordered).ok is ok


@pytest.mark.parametrize(
    ("actual", "ok"),
    [
        ([[dt.date(2025, 1, 1), 10], [dt.date(2025, 2, 1), 20]], True),
        ([["2025-01-01", 10], ["2025-02-01", 20]], True),
        ([[dt.datetime(2025, 1, 1), 10], [dt.datetime(2025, 2, 1), 20]], True),
        ([["2025-01", 10], ["2025-02", 20]], False),
        ([[dt.date(2025, 2, 1), 20], [dt.date(2025, 1, 1), 10]], False),
    ],
)
def test_match_dates_in_order(actual: list[list[Any]], ok: bool) -> None:
    expected = [("2025-01-01 00:00:00", 10), ("2025-02-01 00:00:00", 20)]
    assert match_rows(["month", "n"], expected, ["m", "n"], actual, ordered=True).ok is ok


@pytest.mark.parametrize(
    ("actual", "ok"),
    [
        ([[2024, 10], [2025, 20]], True),
        ([["2024", 10], ["2025", 20]], True),
        ([[dt.date(2024, 1, 1), 10], [dt.date(2025, 1, 1), 20]], True),
        ([[2025, 10], [2024, 20]], False),
        ([[2024.5, 10], [2025, 20]], False),
        ([["FY2024", 10], ["2025", 20]], False),
    ],
)
def test_year_buckets_match_bare_years(actual: list[list[Any]], ok: bool) -> None:
    expected = [(dt.date(2024, 1, 1), 10), (dt.date(2025, 1, 1), 20)]
    assert match_rows(["year", "n"], expected, ["y", "n"], actual, ordered=False).ok is ok


def test_month_buckets_do_not_match_other_dates() -> None:
    expected = [(dt.date(2024, 3, 1), 10)]
    assert not match_rows(["m", "n"], expected, ["m", "n"], [[2024, 10]], ordered=False).ok
    assert not match_rows(["m", "n"], expected, ["m", "n"], [["2024-03", 10]],
                          ordered=False).ok


def test_ordered_match_tolerates_reordering_among_ties() -> None:
    expected = [("A", 10), ("B", 7), ("C", 7), ("D", 3)]
    tied = [["A", 10], ["C", 7], ["B", 7], ["D", 3]]
    assert match_rows(["x", "n"], expected, ["x", "n"], tied, ordered=True).ok
    misranked = [["A", 10], ["D", 3], ["B", 7], ["C", 7]]
    assert not match_rows(["x", "n"], expected, ["x", "n"], misranked, ordered=True).ok


def test_repeated_values_pick_the_right_column() -> None:
    # Two numeric columns hold overlapping values; only one mapping lines rows up.
    expected = [("a", 1, 2), ("b", 2, 1)]
    actual = [["b", 1, 2], ["a", 2, 1]]
    assert match_rows(["k", "x", "y"], expected, ["k", "y", "x"], actual, ordered=False).ok
    assert not match_rows(["k", "x", "y"], expected, ["k", "x", "y"], [["a", 1, 1], ["b", 2, 2]],
                          ordered=False).ok


@pytest.mark.parametrize(
    ("actual", "ordered", "truncated", "ok"),
    [
        ([["c", 3], ["a", 1]], False, True, True),
        ([["c", 3], ["a", 1]], False, False, False),
        ([["c", 3], ["x", 1]], False, True, False),
        ([["a", 1], ["a", 1]], False, True, False),
        ([["a", 1], ["b", 2]], True, True, True),
        ([["b", 2], ["a", 1]], True, True, False),
        ([], False, True, False),
    ],
)
def test_truncated_answers_may_hold_fewer_rows(
    actual: list[list[Any]], ordered: bool, truncated: bool, ok: bool
) -> None:
    expected = [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
    result = match_rows(["k", "v"], expected, ["k", "v"], actual, ordered=ordered,
                        truncated=truncated)
    assert result.ok is ok


def test_empty_expected_matches_only_empty() -> None:
    assert match_rows(["n"], [], ["n"], [], ordered=False).ok
    assert not match_rows(["n"], [], ["n"], [[1]], ordered=False).ok


@dataclass
class FakeChart:
    type: str


@dataclass
class FakeAnswer:
    intent: str
    text: str = ""
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    chart: FakeChart | None = None
    error_code: str | None = None


DATA = Turn(question="revenue", kind="count", sql="SELECT 1")
EXPECTED = Expected(["revenue"], [(D("10.00"),)])
PIE = Turn(question="as a pie", kind="chart_change",
           expect=Expect(intents=("visualization_change",), chart="pie"))
TABLES = Turn(question="what tables?", kind="schema_help",
              expect=Expect(intents=("schema_help",), mentions=("orders", "customers")))
DECLINE = Turn(question="weather?", kind="out_of_scope",
               expect=Expect(intents=("out_of_scope", "clarification")))


@pytest.mark.parametrize(
    ("turn", "answer", "expected", "outcome"),
    [
        (DATA, FakeAnswer("sql_query", columns=["x"], rows=[[10]]), EXPECTED, "correct"),
        (DATA, FakeAnswer("sql_query", columns=["x"], rows=[[11]]), EXPECTED, "wrong"),
        (DATA, FakeAnswer("sql_query", columns=["x"], rows=[]), EXPECTED, "wrong"),
        (DATA, FakeAnswer("clarification", text="Which revenue?"), EXPECTED, "declined"),
        (DATA, FakeAnswer("out_of_scope"), EXPECTED, "declined"),
        (DATA, FakeAnswer("sql_query", error_code="query_failed"), EXPECTED, "declined"),
        (DATA, FakeAnswer("greeting", text="Hello!"), EXPECTED, "wrong"),
        (PIE, FakeAnswer("visualization_change", chart=FakeChart("pie")), None, "correct"),
        (PIE, FakeAnswer("visualization_change", chart=FakeChart("bar")), None, "wrong"),
        (PIE, FakeAnswer("sql_query", columns=["x"], rows=[[1]]), None, "wrong"),
        (PIE, FakeAnswer("clarification"), None, "declined"),
        (TABLES, FakeAnswer("schema_help", text="Tables: Orders, customers."), None, "correct"),
        (TABLES, FakeAnswer("schema_help", text="Tables: orders."), None, "wrong"),
        (Turn(question="columns?", kind="schema_help",
              expect=Expect(intents=("schema_help",), mentions=("order_date",))),
         FakeAnswer("schema_help", text="orders: order date, status"), None, "correct"),
        (DECLINE, FakeAnswer("clarification"), None, "correct"),
        (DECLINE, FakeAnswer("out_of_scope"), None, "correct"),
        (DECLINE, FakeAnswer("sql_query", columns=["x"], rows=[[1]]), None, "wrong"),
    ],
)
def test_score_turn(turn: Turn, answer: FakeAnswer, expected: Expected | None,
                    outcome: str) -> None:
    assert score_turn(turn, answer, expected)[0] == outcome


@dataclass
class FakeTurn:
    conversation_id: str
    answer: FakeAnswer


class ScriptedEngine:
    """Answers from a script and records the conversation each question was asked in."""

    def __init__(self, answers: list[FakeAnswer | Exception]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str | None]] = []

    def ask(self, question: str, *, app: str = "demo",
            conversation_id: str | None = None) -> FakeTurn:
        self.asked.append((question, conversation_id))
        answer = self.answers[len(self.asked) - 1]
        if isinstance(answer, Exception):
            raise answer
        return FakeTurn("c1", answer)


@pytest.fixture
def reference(tmp_path: Path) -> SQLiteReference:
    path = tmp_path / "t.db"
    connection = sqlite3.connect(path)
    connection.executescript("CREATE TABLE t (k TEXT, v REAL); INSERT INTO t VALUES ('a', 1.5);")
    connection.commit()
    connection.close()
    return SQLiteReference(path)


CONVERSATION = Case(
    id="conv", kind="followup",
    turns=(
        Turn("total", "count", sql="SELECT SUM(v) FROM t"),
        Turn("by k", "followup", sql="SELECT k, SUM(v) FROM t GROUP BY k"),
        Turn("pie", "chart_change", expect=Expect(("visualization_change",), chart="pie")),
    ),
)


def test_run_case_continues_the_conversation(reference: SQLiteReference) -> None:
    engine = ScriptedEngine([
        FakeAnswer("sql_query", columns=["v"], rows=[[1.5]]),
        FakeAnswer("refinement", columns=["k", "v"], rows=[["a", 1.5]]),
        FakeAnswer("visualization_change", chart=FakeChart("bar")),
    ])
    result = run_case(engine, CONVERSATION, "app", reference)
    assert engine.asked == [("total", None), ("by k", "c1"), ("pie", "c1")]
    assert [t.outcome for t in result.turns] == ["correct", "correct", "wrong"]
    assert result.outcome == "wrong"
    assert "chart 'bar'" in result.detail
    counts = tally(result.turns)
    assert counts["count"]["correct"] == 1
    assert counts["chart_change"]["wrong"] == 1


def test_run_case_scores_a_crash_and_the_turns_never_asked(reference: SQLiteReference) -> None:
    engine = ScriptedEngine([RuntimeError("boom")])
    result = run_case(engine, CONVERSATION, "app", reference)
    assert [t.outcome for t in result.turns] == ["wrong", "wrong", "wrong"]
    assert "RuntimeError: boom" in result.turns[0].detail
    assert len(engine.asked) == 1


def test_run_case_declined_when_every_miss_is_a_decline(reference: SQLiteReference) -> None:
    engine = ScriptedEngine([
        FakeAnswer("clarification", text="Sum of what?"),
        FakeAnswer("refinement", columns=["k", "v"], rows=[["a", 1.5]]),
        FakeAnswer("visualization_change", chart=FakeChart("pie")),
    ])
    assert run_case(engine, CONVERSATION, "app", reference).outcome == "declined"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_load_cases_fills_years_and_kinds(tmp_path: Path) -> None:
    path = _write(tmp_path, """
        - id: a
          kind: time_range
          question: revenue in {last_year}
          sql: SELECT {last_year}, {prev_year}, {this_year}
          ordered: true
        - id: b
          kind: followup
          first_kind: top_n
          turns:
            - question: top 5
              sql: SELECT 1
            - question: pie
              kind: chart_change
              expect: {intent: visualization_change, chart: pie}
            - question: only US
              sql: SELECT 2
    """)
    a, b = load_cases(path, today=dt.date(2026, 5, 2))
    assert a.turns[0].question == "revenue in 2025"
    assert a.turns[0].sql == "SELECT 2025, 2024, 2026"
    assert a.turns[0].ordered
    assert [t.kind for t in b.turns] == ["top_n", "chart_change", "followup"]
    assert b.turns[1].expect == Expect(("visualization_change",), chart="pie")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {id: a, kind: nope, question: q, sql: s}", "unknown kind 'nope'"),
        ("- {id: a, kind: count, question: q}", "give 'sql'"),
        ("- {id: a, kind: count, question: q, sql: s}\n- {id: a, kind: count, question: r, "
         "sql: s}", "duplicate case id 'a'"),
        ("- {id: a, kind: count, question: q, sql: s, extra: 1}", "unknown keys ['extra']"),
        ("- {id: a, kind: greeting, question: q, expect: {intent: hello}}", "known intents"),
        ("- {id: a, kind: chart_change, question: q, expect: {intent: visualization_change, "
         "chart: radar}}", "unknown chart type 'radar'"),
        ("- {id: a, kind: followup, turns: []}", "non-empty list"),
        ("{id: a}", "expected a YAML list"),
    ],
)
def test_load_cases_rejects_mistakes(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load_cases(_write(tmp_path, text))


def _scores(folder: Path, name: str, rows: list[tuple[str, int]]) -> SQLiteReference:
    path = folder / f"{name}.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE scores (name TEXT, points INTEGER)")
        connection.executemany("INSERT INTO scores VALUES (?, ?)", rows)
    return SQLiteReference(path)


@pytest.mark.parametrize(
    ("yesterday", "fails"),
    [
        # A tie in today's data only: chance, not an ill-posed question.
        ([("Ann", 9), ("Bo", 7), ("Cy", 5)], False),
        # A tie on both days: the top 2 has no single answer.
        ([("Ann", 9), ("Bo", 7), ("Cy", 7)], True),
    ],
)
def test_a_tie_at_the_cut_fails_only_when_the_day_before_ties_too(
    tmp_path: Path, yesterday: list[tuple[str, int]], fails: bool
) -> None:
    today = _scores(tmp_path, "today", [("Ann", 9), ("Bo", 7), ("Cy", 7)])
    turn = Turn("the top 2 by points", "top_n",
                sql="SELECT name, points FROM scores ORDER BY points DESC LIMIT 2", ordered=True)
    case = Case("scores-top2", "top_n", (turn,))
    day_before = made_on_first_use(lambda: _scores(tmp_path, "yesterday", yesterday))
    if fails:
        with pytest.raises(AssertionError, match="tie"):
            assert_no_tie_at_the_cut(case, 0, turn, today, "sqlite", another_day=day_before)
    else:
        assert_no_tie_at_the_cut(case, 0, turn, today, "sqlite", another_day=day_before)
