"""The question files are sound: they load, cover every kind, and every reference SQL runs on
its database and returns rows (and an ordered top-N has no tie at its cut)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from file_checks import (
    assert_ids_unique,
    assert_no_tie_at_the_cut,
    assert_ordered_have_order_by,
    assert_placeholders_filled,
    assert_returns_rows,
)
from harness import (
    KINDS,
    Case,
    DuckDBReference,
    Reference,
    SQLiteReference,
    Turn,
    load_cases,
)
from hr_dataset import create_hr_database

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
    assert_ids_unique(TODAY)


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_placeholders_are_all_filled(name: str) -> None:
    assert_placeholders_filled(CASES[name])


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_ordered_turns_have_an_order_by(name: str) -> None:
    assert_ordered_have_order_by(CASES[name], DIALECTS[name])


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, references: dict[str, Reference]
) -> None:
    assert_returns_rows(case, index, turn, references[_set_of(case)])


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, references: dict[str, Reference]
) -> None:
    name = _set_of(case)
    assert_no_tie_at_the_cut(case, index, turn, references[name], DIALECTS[name])
