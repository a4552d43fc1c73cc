"""Checks every question file must pass, shared by the test modules of each set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import sqlglot
from harness import Case, Reference, Turn, load_cases, normalize
from sqlglot import exp

QUESTIONS = Path(__file__).parent
R = TypeVar("R", bound=Reference)


def sql_turns(cases: Iterable[Case]) -> Iterator[tuple[Case, int, Turn]]:
    """Every turn that has reference SQL, with its case and position."""
    for case in cases:
        for index, turn in enumerate(case.turns):
            if turn.sql is not None:
                yield case, index, turn


def sql_params(cases: Iterable[Case], *, ordered_only: bool = False) -> list[object]:
    """pytest parameters (case, index, turn) for the turns with reference SQL."""
    return [
        pytest.param(case, index, turn, id=f"{case.id}:{index + 1}")
        for case, index, turn in sql_turns(cases)
        if turn.ordered or not ordered_only
    ]


def all_case_ids(today: dt.date) -> list[str]:
    """The ids of every case in every question file under tests/questions."""
    return [
        case.id
        for path in sorted(QUESTIONS.rglob("*.yaml"))
        for case in load_cases(path, today=today)
    ]


def assert_ids_unique(today: dt.date) -> None:
    ids = all_case_ids(today)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates


def assert_placeholders_filled(cases: Iterable[Case]) -> None:
    for case in cases:
        for turn in case.turns:
            assert "{" not in turn.question, case.id
            assert "_year}" not in (turn.sql or ""), case.id


def assert_ordered_have_order_by(cases: Iterable[Case], dialect: str) -> None:
    for case, _, turn in sql_turns(cases):
        tree = sqlglot.parse_one(turn.sql or "", read=dialect)
        if turn.ordered:
            assert tree.args.get("order") is not None, f"{case.id}: ordered without ORDER BY"


def assert_returns_rows(case: Case, index: int, turn: Turn, reference: Reference) -> None:
    columns, rows = reference.query(turn.sql or "")
    assert columns
    assert rows, f"{case.id} turn {index + 1} returns no rows"
    assert any(value is not None for value in rows[0]), f"{case.id}: first row is all NULL"


def made_on_first_use(make: Callable[[], R]) -> Callable[[], R]:
    """``make``, called the first time the result is asked for and kept: the day before's
    data for ``assert_no_tie_at_the_cut`` is built only when today's data ties."""
    made: list[R] = []

    def get() -> R:
        if not made:
            made.append(make())
        return made[0]

    return get


def assert_no_tie_at_the_cut(
    case: Case,
    index: int,
    turn: Turn,
    reference: Reference,
    dialect: str,
    *,
    numbers_as_text: bool = False,
    another_day: Callable[[], Reference] | None = None,
) -> None:
    """A top-N whose N-th and next row tie on every value but the label has no single answer.

    ``numbers_as_text``: the database returns numbers as text (SQLite dates and sums).
    ``another_day``: the same data generated for another day. Data drawn afresh each day
    can tie by chance ("the 2 reps with the fewest deals won" on one day in many); a case
    fails only when its cut ties on that day's data too, as an ill-posed question does.
    """
    tree = sqlglot.parse_one(turn.sql or "", read=dialect)
    assert isinstance(tree, exp.Select), f"{case.id}: an ordered top-N should be a SELECT"
    limit = tree.args.get("limit")
    if limit is None:
        return
    size = int(limit.expression.name)
    longer = tree.limit(size + 1, copy=True)
    _, rows = reference.query(longer.sql(dialect=dialect))
    if len(rows) <= size:
        return
    cut, after = rows[size - 1], rows[size]
    metrics = [
        i
        for i, value in enumerate(cut)
        if not isinstance(normalize(value), str)
        or (numbers_as_text and isinstance(value, str) and value[:1].isdigit())
    ]
    if another_day is not None and not any(
        normalize(cut[i]) != normalize(after[i]) for i in metrics
    ):
        assert_no_tie_at_the_cut(case, index, turn, another_day(), dialect,
                                 numbers_as_text=numbers_as_text)
        return
    assert any(normalize(cut[i]) != normalize(after[i]) for i in metrics), (
        f"{case.id} turn {index + 1}: rows {size} and {size + 1} tie: {cut} / {after}"
    )
