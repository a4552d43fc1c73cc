"""Question sets with expected results: loading, running against the engine, scoring.

A question file is a YAML list of cases. A case is one question (``question`` plus ``sql``
or ``expect``) or a conversation (``turns``, each with the same keys). ``sql`` is reference
SQL whose result on the engine's own database is the expected answer; ``expect`` names the
expected intent (and optionally chart type and words the answer must mention). Questions
and SQL may use ``{this_year}``, ``{last_year}`` and ``{prev_year}`` so a set stays valid as
the calendar moves. See docs/accuracy.md.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml

Outcome = Literal["correct", "wrong", "declined"]

KINDS = frozenset({
    "top_n", "bottom_n", "by_dimension", "two_dimensions", "over_time", "time_range",
    "value_filter", "fuzzy_value", "numeric_condition", "count", "distinct_count", "average",
    "min_max", "share", "growth", "comparison", "list_detail", "join", "followup",
    "chart_change", "schema_help", "greeting", "out_of_scope", "ambiguous", "gibberish",
})
INTENTS = frozenset({
    "sql_query", "refinement", "visualization_change", "knowledge", "schema_help", "greeting",
    "clarification", "out_of_scope",
})
#: Intents with which the engine declines to answer (asks, or says it cannot).
DECLINING = frozenset({"clarification", "out_of_scope"})
CHART_TYPES = frozenset({"kpi", "bar", "line", "area", "pie", "donut", "scatter", "table"})

RELATIVE_TOLERANCE = 0.005
ABSOLUTE_TOLERANCE = 0.01

_CASE_KEYS = {"id", "kind", "first_kind", "question", "sql", "expect", "ordered", "turns", "note"}
_TURN_KEYS = {"question", "sql", "expect", "ordered", "kind"}
_EXPECT_KEYS = {"intent", "chart", "mentions"}


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class Expect:
    intents: tuple[str, ...]
    chart: str | None = None
    #: Words the answer text must contain (case-insensitive).
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Turn:
    question: str
    #: The kind this turn is scored under.
    kind: str
    sql: str | None = None
    expect: Expect | None = None
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    kind: str
    turns: tuple[Turn, ...]

    @property
    def is_conversation(self) -> bool:
        return len(self.turns) > 1


def year_placeholders(today: dt.date) -> dict[str, str]:
    """The values of the calendar placeholders a question file may use."""
    return {
        "{this_year}": str(today.year),
        "{last_year}": str(today.year - 1),
        "{prev_year}": str(today.year - 2),
    }


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def load_cases(path: Path, *, today: dt.date | None = None) -> list[Case]:
    """Read a question file; raise ValueError naming the case and key for any mistake."""
    values = year_placeholders(today or dt.date.today())
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path.name}: expected a YAML list of cases, got {type(raw).__name__}")
    cases: list[Case] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{path.name} case #{index + 1}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a mapping, got {type(item).__name__}")
        case = _parse_case(item, where, values)
        if case.id in seen:
            raise ValueError(f"{path.name}: duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    return cases


def _parse_case(item: dict[str, Any], where: str, values: dict[str, str]) -> Case:
    unknown = set(item) - _CASE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    case_id = item.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise ValueError(f"{where}: missing 'id'")
    where = f"case {case_id!r}"
    kind = item.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}; known kinds: {sorted(KINDS)}")
    if "turns" in item:
        if "question" in item:
            raise ValueError(f"{where}: give either 'question' or 'turns', not both")
        raw_turns = item["turns"]
        if not isinstance(raw_turns, list) or not raw_turns:
            raise ValueError(f"{where}: 'turns' must be a non-empty list")
        first_kind = item.get("first_kind", kind)
        if first_kind not in KINDS:
            raise ValueError(f"{where}: unknown first_kind {first_kind!r}")
        turns = tuple(
            _parse_turn(turn, f"{where} turn {n + 1}", first_kind if n == 0 else "followup",
                        values)
            for n, turn in enumerate(raw_turns)
        )
    else:
        if "first_kind" in item:
            raise ValueError(f"{where}: 'first_kind' only applies to cases with 'turns'")
        single = {key: item[key] for key in ("question", "sql", "expect", "ordered") if key in item}
        turns = (_parse_turn(single, where, kind, values),)
    return Case(id=case_id, kind=kind, turns=turns)


def _parse_turn(item: Any, where: str, kind: str, values: dict[str, str]) -> Turn:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping")
    unknown = set(item) - _TURN_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    question = item.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"{where}: missing 'question'")
    kind = item.get("kind", kind)
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}")
    sql = item.get("sql")
    if sql is not None and not isinstance(sql, str):
        raise ValueError(f"{where}: 'sql' must be a string")
    expect = _parse_expect(item["expect"], where) if "expect" in item else None
    if sql is None and expect is None:
        raise ValueError(f"{where}: give 'sql' (expected rows) or 'expect' (expected intent)")
    ordered = item.get("ordered", False)
    if not isinstance(ordered, bool):
        raise ValueError(f"{where}: 'ordered' must be true or false")
    return Turn(
        question=_fill(question, values), kind=kind,
        sql=_fill(sql, values) if sql else None, expect=expect, ordered=ordered,
    )


def _parse_expect(raw: Any, where: str) -> Expect:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: 'expect' must be a mapping")
    unknown = set(raw) - _EXPECT_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys in 'expect': {sorted(unknown)}")
    intents = raw.get("intent")
    intents = [intents] if isinstance(intents, str) else intents
    if not intents or not all(isinstance(i, str) and i in INTENTS for i in intents):
        raise ValueError(f"{where}: 'expect.intent' must name known intents, got {intents!r}")
    chart = raw.get("chart")
    if chart is not None and chart not in CHART_TYPES:
        raise ValueError(f"{where}: unknown chart type {chart!r}")
    mentions = raw.get("mentions", [])
    if not isinstance(mentions, list) or not all(isinstance(m, str) for m in mentions):
        raise ValueError(f"{where}: 'expect.mentions' must be a list of strings")
    return Expect(intents=tuple(intents), chart=chart, mentions=tuple(mentions))


# --------------------------------------------------------------------------- references


class Reference(Protocol):
    """Runs reference SQL on the database the engine answers from."""

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]: ...


class SQLiteReference:
    def __init__(self, path: Path) -> None:
        self._path = path

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        connection = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)
        try:
            cursor = connection.execute(sql)
            columns = [d[0] for d in cursor.description or ()]
            return columns, [tuple(row) for row in cursor.fetchall()]
        finally:
            connection.close()


class DuckDBReference:
    """Queries a copy of a DuckDB file: the engine may hold the original open for writing,
    and DuckDB refuses a second connection with a different configuration."""

    def __init__(self, path: Path) -> None:
        import duckdb

        self._dir = tempfile.TemporaryDirectory(prefix="parley-reference-")
        copy = Path(self._dir.name) / path.name
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        self._connection = duckdb.connect(str(copy))

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self._connection.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        return columns, [tuple(row) for row in cursor.fetchall()]

    def close(self) -> None:
        self._connection.close()
        self._dir.cleanup()


# --------------------------------------------------------------------------- matching


_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?(?:[+-]00(?::?00)?|Z)?)?$")


def normalize(value: Any) -> Any:
    """A comparable form: numbers as float, dates and midnight timestamps as ISO dates."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        match = _ISO_DATE.match(text)
        return match.group(1) if match else text
    return str(value).strip()


_YEAR_START = re.compile(r"^(\d{4})-01-01$")


def values_equal(expected: Any, actual: Any) -> bool:
    """Tolerant equality of two normalized values (see ``normalize``).

    A year bucket (the first of January) also equals the bare year, as number or text:
    "2024" labels the same year as 2024-01-01.
    """
    if isinstance(expected, str) and not isinstance(actual, str | type(None)):
        year = _YEAR_START.match(expected)
        return year is not None and isinstance(actual, float) and actual == float(year.group(1))
    if isinstance(expected, str) and isinstance(actual, str) and expected != actual:
        year = _YEAR_START.match(expected)
        return year is not None and actual == year.group(1)
    if isinstance(expected, float):
        if isinstance(actual, str):
            try:
                actual = float(actual)
            except ValueError:
                return False
        if not isinstance(actual, float):
            return False
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual)
        difference = abs(expected - actual)
        return difference <= ABSOLUTE_TOLERANCE or difference <= RELATIVE_TOLERANCE * abs(expected)
    return bool(expected == actual)


@dataclass(frozen=True, slots=True)
class Match:
    ok: bool
    detail: str = ""


def match_rows(
    expected_columns: Sequence[str],
    expected_rows: Sequence[Sequence[Any]],
    actual_columns: Sequence[str],
    actual_rows: Sequence[Sequence[Any]],
    *,
    ordered: bool,
    truncated: bool = False,
) -> Match:
    """Whether the actual result holds the expected one (matched by values, not names).

    Every expected column must be matched by a distinct actual column; extra actual
    columns are allowed. Unordered results compare as multisets of rows. Ordered results
    must also list rows in the same order, except that rows tied on every non-text column
    may come in either order (a ranking with ties has no single right order).

    A ``truncated`` answer (the engine said it shows only the first rows) may hold fewer
    rows: they must then be the first expected rows when ordered, or some of them when not.
    """
    if truncated and 0 < len(actual_rows) < len(expected_rows):
        if ordered:
            expected_rows = expected_rows[: len(actual_rows)]
        else:
            return _match_part(expected_columns, expected_rows, actual_columns, actual_rows)
    if len(expected_rows) != len(actual_rows):
        return Match(False, f"expected {len(expected_rows)} rows, got {len(actual_rows)}")
    width = len(expected_columns)
    if width > len(actual_columns):
        return Match(False, f"expected {width} columns, got {len(actual_columns)}")
    expected = [[normalize(v) for v in row] for row in expected_rows]
    actual = [[normalize(v) for v in row] for row in actual_rows]
    if not expected:
        return Match(True)
    candidates = [
        [a for a in range(len(actual_columns)) if _same_values(expected, e, actual, a)]
        for e in range(width)
    ]
    for e, options in enumerate(candidates):
        if not options:
            return Match(False, f"no column holds the values of {expected_columns[e]!r}")
    # Columns full of repeated values admit many mappings; a few hundred is plenty.
    for attempt, mapping in enumerate(_mappings(candidates)):
        if attempt >= 500:
            break
        projected = [[row[a] for a in mapping] for row in actual]
        if _rows_match(expected, projected, ordered=ordered):
            return Match(True)
    what = "rows in that order" if ordered else "rows"
    return Match(False, f"columns hold the expected values but not the same {what}")


def _match_part(
    expected_columns: Sequence[str],
    expected_rows: Sequence[Sequence[Any]],
    actual_columns: Sequence[str],
    actual_rows: Sequence[Sequence[Any]],
) -> Match:
    """Whether every actual row is a distinct expected row, under some column mapping."""
    width = len(expected_columns)
    if width > len(actual_columns):
        return Match(False, f"expected {width} columns, got {len(actual_columns)}")
    expected = [[normalize(v) for v in row] for row in expected_rows]
    actual = [[normalize(v) for v in row] for row in actual_rows]
    candidates = [
        [a for a in range(len(actual_columns))
         if _greedy_pairing([[row[a]] for row in actual], [[row[e]] for row in expected],
                            expected_first=False)]
        for e in range(width)
    ]
    for attempt, mapping in enumerate(_mappings(candidates)):
        if attempt >= 500:
            break
        projected = [[row[a] for a in mapping] for row in actual]
        if _greedy_pairing(projected, expected, expected_first=False):
            return Match(True)
    return Match(False, "the truncated rows are not among the expected rows")


def _same_values(expected: list[list[Any]], e: int, actual: list[list[Any]], a: int) -> bool:
    """Whether column ``a`` holds the same multiset of values as expected column ``e``."""
    left = sorted((row[e] for row in expected), key=_sort_key)
    right = sorted((row[a] for row in actual), key=_sort_key)
    if all(values_equal(x, y) for x, y in zip(left, right, strict=True)):
        return True
    # Near-equal numbers can sort differently; fall back to pairing them greedily.
    return _greedy_pairing(
        [[v] for v in left], [[v] for v in right]
    )


def _mappings(candidates: list[list[int]]) -> Iterable[list[int]]:
    def extend(prefix: list[int]) -> Iterable[list[int]]:
        if len(prefix) == len(candidates):
            yield list(prefix)
            return
        for option in candidates[len(prefix)]:
            if option not in prefix:
                yield from extend([*prefix, option])

    yield from extend([])


def _rows_equal(left: Sequence[Any], right: Sequence[Any]) -> bool:
    return all(values_equal(x, y) for x, y in zip(left, right, strict=True))


def _rows_match(expected: list[list[Any]], actual: list[list[Any]], *, ordered: bool) -> bool:
    if ordered:
        if all(_rows_equal(x, y) for x, y in zip(expected, actual, strict=True)):
            return True
        # Tolerate reordering only among rows tied on every non-text column.
        if not _greedy_pairing(expected, actual):
            return False
        ranked = [i for i, v in enumerate(expected[0]) if not isinstance(v, str) or
                  _ISO_DATE.match(v)]
        if not ranked:
            return False
        return all(
            all(values_equal(x[i], y[i]) for i in ranked)
            for x, y in zip(expected, actual, strict=True)
        )
    key_expected = sorted(expected, key=lambda row: [_sort_key(v) for v in row])
    key_actual = sorted(actual, key=lambda row: [_sort_key(v) for v in row])
    if all(_rows_equal(x, y) for x, y in zip(key_expected, key_actual, strict=True)):
        return True
    return _greedy_pairing(expected, actual)


def _greedy_pairing(
    expected: list[list[Any]], actual: list[list[Any]], *, expected_first: bool = True
) -> bool:
    """Pair every row of the first list with a distinct equal row of the second.

    Equality is tolerant and not symmetric (the expected value decides the tolerance), so
    ``expected_first=False`` says the first list holds the actual rows.
    """
    if len(expected) > 3000:
        return False
    unused = list(range(len(actual)))
    for row in expected:
        for position, index in enumerate(unused):
            pair = (row, actual[index]) if expected_first else (actual[index], row)
            if _rows_equal(*pair):
                del unused[position]
                break
        else:
            return False
    return True


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, float):
        return (2, value)
    return (3, str(value))


# --------------------------------------------------------------------------- running


class AnswerLike(Protocol):
    @property
    def intent(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def sql(self) -> str | None: ...
    @property
    def columns(self) -> list[str]: ...
    @property
    def rows(self) -> list[list[Any]]: ...
    @property
    def chart(self) -> Any: ...
    @property
    def error_code(self) -> str | None: ...


class TurnLike(Protocol):
    @property
    def conversation_id(self) -> str: ...
    @property
    def answer(self) -> Any: ...


class Engine(Protocol):
    """The part of ``parley.conversations.installation.Parley`` the harness uses."""

    def ask(
        self, question: str, *, app: str = "demo", conversation_id: str | None = None
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class Expected:
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(slots=True)
class TurnResult:
    case_id: str
    kind: str
    question: str
    outcome: Outcome
    detail: str
    expected: Expected | None = None
    expect: Expect | None = None
    answer: Any = None


@dataclass(slots=True)
class CaseResult:
    #: ``correct`` when every turn is; else ``wrong`` when any turn is; else ``declined``.
    outcome: Outcome
    detail: str
    turns: list[TurnResult] = field(default_factory=list)


def score_turn(turn: Turn, answer: AnswerLike, expected: Expected | None) -> tuple[Outcome, str]:
    """Classify one answer against what was expected."""
    rows = list(answer.rows or [])
    declining = answer.intent in DECLINING or answer.error_code is not None
    if turn.expect is not None:
        if answer.intent not in turn.expect.intents:
            if declining and not rows and not set(turn.expect.intents) & DECLINING:
                return "declined", _declined_detail(answer)
            return "wrong", f"intent {answer.intent!r}, expected {list(turn.expect.intents)}"
        if turn.expect.chart is not None:
            chart = getattr(answer.chart, "type", None)
            if chart != turn.expect.chart:
                return "wrong", f"chart {chart!r}, expected {turn.expect.chart!r}"
        # "order_date" may be written "order date" in a sentence; both count.
        text = (answer.text or "").lower().replace("_", " ")
        missing = [word for word in turn.expect.mentions
                   if word.lower().replace("_", " ") not in text]
        if missing:
            return "wrong", f"answer does not mention {missing}"
    if expected is not None:
        if not rows and declining:
            return "declined", _declined_detail(answer)
        match = match_rows(expected.columns, expected.rows, list(answer.columns or []), rows,
                           ordered=turn.ordered, truncated=bool(getattr(answer, "truncated",
                                                                        False)))
        if not match.ok:
            return "wrong", match.detail
    return "correct", ""


def _declined_detail(answer: AnswerLike) -> str:
    code = f" [{answer.error_code}]" if answer.error_code else ""
    return f"{answer.intent}{code}: {(answer.text or '').strip()[:160]}"


def run_case(parley: Engine, case: Case, app: str, reference: Reference) -> CaseResult:
    """Ask every turn of ``case`` in one conversation and score each turn."""
    conversation_id: str | None = None
    results: list[TurnResult] = []
    for turn in case.turns:
        expected = None
        if turn.sql is not None:
            columns, rows = reference.query(turn.sql)
            expected = Expected(columns, rows)
        try:
            asked = parley.ask(turn.question, app=app, conversation_id=conversation_id)
        except Exception as error:  # an engine crash is scored, not fatal to the run
            results.append(TurnResult(case.id, turn.kind, turn.question, "wrong",
                                      f"raised {type(error).__name__}: {error}", expected,
                                      turn.expect))
            break
        conversation_id = asked.conversation_id
        outcome, detail = score_turn(turn, asked.answer, expected)
        results.append(TurnResult(case.id, turn.kind, turn.question, outcome, detail, expected,
                                  turn.expect, asked.answer))
    outcomes = {r.outcome for r in results}
    if len(results) < len(case.turns):
        # The turns after a crash were never asked: they count as wrong too.
        for turn in case.turns[len(results):]:
            results.append(TurnResult(case.id, turn.kind, turn.question, "wrong",
                                      "not asked: an earlier turn raised"))
        outcomes.add("wrong")
    overall: Outcome = (
        "correct" if outcomes == {"correct"} else "wrong" if "wrong" in outcomes else "declined"
    )
    detail = "; ".join(f"{r.question!r}: {r.detail}" for r in results if r.outcome != "correct")
    return CaseResult(overall, detail, results)


def tally(results: Iterable[TurnResult]) -> dict[str, Counter[str]]:
    """Outcome counts per kind (every turn is one scored item)."""
    by_kind: dict[str, Counter[str]] = {}
    for result in results:
        by_kind.setdefault(result.kind, Counter())[result.outcome] += 1
    return by_kind
