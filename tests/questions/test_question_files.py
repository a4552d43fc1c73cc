"""The question files are sound: they load, cover every kind, and every reference SQL runs on
its database and returns rows (and an ordered top-N has no tie at its cut)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from harness import (
    KINDS,
    Case,
    DuckDBReference,
    Reference,
    SQLiteReference,
    Turn,
    load_cases,
    normalize,
)
from hr_dataset import create_hr_database
from sqlglot import exp

from parley.sources.demo import generate_demo

HERE = Path(__file__).parent
TODAY = dt.date.today()
DIALECTS = {"demo": "duckdb", "hr": "sqlite"}
#: set -> (minimum questions, minimum conversations)
MINIMUMS = {"demo": (150, 30), "hr": (40, 6)}
CASES = {name: load_cases(HERE / f"{name}.yaml", today=TODAY) for name in DIALECTS}


def _sql_turns(name: str) -> Iterator[tuple[str, Case, int, Turn]]:
    for case in CASES[name]:
        for index, turn in enumerate(case.turns):
            if turn.sql is not None:
                yield name, case, index, turn


SQL_TURNS = [
    pytest.param(case, index, turn, id=f"{name}:{case.id}:{index + 1}")
    for set_name in DIALECTS
    for name, case, index, turn in _sql_turns(set_name)
]
ORDERED_SQL_TURNS = [param for param in SQL_TURNS if param.values[2].ordered]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def demo_reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    generate_demo(path, today=TODAY)
    reference = DuckDBReference(path)
    yield reference
    reference.close()


@pytest.fixture(scope="module")
def hr_reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    path = tmp_path_factory.mktemp("hr") / "hr.db"
    create_hr_database(path, today=TODAY)
    return SQLiteReference(path)


@pytest.fixture
def references(request: pytest.FixtureRequest) -> dict[str, Reference]:
    return {
        "demo": request.getfixturevalue("demo_reference"),
        "hr": request.getfixturevalue("hr_reference"),
    }


def _set_of(case: Case) -> str:
    return next(name for name, cases in CASES.items() if case in cases)


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_set_meets_minimums(name: str) -> None:
    questions = sum(len(case.turns) for case in CASES[name])
    conversations = [case for case in CASES[name] if case.is_conversation]
    minimum_questions, minimum_conversations = MINIMUMS[name]
    assert questions >= minimum_questions
    assert len(conversations) >= minimum_conversations
    assert all(2 <= len(case.turns) <= 4 for case in conversations)


def test_demo_set_covers_every_kind() -> None:
    covered = {turn.kind for case in CASES["demo"] for turn in case.turns}
    assert covered == KINDS


def test_ids_are_unique_across_sets() -> None:
    ids = [case.id for cases in CASES.values() for case in cases]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_placeholders_are_all_filled(name: str) -> None:
    for case in CASES[name]:
        for turn in case.turns:
            assert "{" not in turn.question, case.id
            assert "_year}" not in (turn.sql or ""), case.id


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_ordered_turns_have_an_order_by(name: str) -> None:
    for _, case, _, turn in _sql_turns(name):
        tree = sqlglot.parse_one(turn.sql or "", read=DIALECTS[name])
        if turn.ordered:
            assert tree.args.get("order") is not None, f"{case.id}: ordered without ORDER BY"


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, references: dict[str, Reference]
) -> None:
    reference = references[_set_of(case)]
    columns, rows = reference.query(turn.sql or "")
    assert columns
    assert rows, f"{case.id} turn {index + 1} returns no rows"
    assert any(value is not None for value in rows[0]), f"{case.id}: first row is all NULL"


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, references: dict[str, Reference]
) -> None:
    """A top-N whose N-th and next row tie on every value but the label has no single answer."""
    name = _set_of(case)
    tree = sqlglot.parse_one(turn.sql or "", read=DIALECTS[name])
    assert isinstance(tree, exp.Select), f"{case.id}: an ordered top-N should be a SELECT"
    limit = tree.args.get("limit")
    if limit is None:
        return
    size = int(limit.expression.name)
    longer = tree.limit(size + 1, copy=True)
    _, rows = references[name].query(longer.sql(dialect=DIALECTS[name]))
    if len(rows) <= size:
        return
    cut, after = rows[size - 1], rows[size]
    metrics = [i for i, value in enumerate(cut) if not isinstance(normalize(value), str)]
    assert any(normalize(cut[i]) != normalize(after[i]) for i in metrics), (
        f"{case.id} turn {index + 1}: rows {size} and {size + 1} tie: {cut} / {after}"
    )
