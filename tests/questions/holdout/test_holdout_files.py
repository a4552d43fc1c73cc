"""The held-out question files are sound: they load, cover the kinds, meet their sizes, every
reference SQL runs on a freshly generated database and returns rows, ordered cases have an
ORDER BY without a tie at their cut, and case ids are unique across every set."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# The shared harness lives one folder up, next to the tuned sets.
sys.path.insert(0, str(HERE.parent))

from file_checks import (  # noqa: E402
    assert_ids_unique,
    assert_no_tie_at_the_cut,
    assert_ordered_have_order_by,
    assert_placeholders_filled,
    assert_returns_rows,
)
from harness import (  # noqa: E402
    KINDS,
    Case,
    DuckDBReference,
    Turn,
    load_cases,
)
from logistics_dataset import create_logistics_database  # noqa: E402

from parley.sources.demo import generate_demo  # noqa: E402

TODAY = dt.date.today()
HOLDOUT = {"logistics": HERE / "logistics.yaml", "demo_holdout": HERE / "demo_holdout.yaml"}
TUNED = {"demo": HERE.parent / "demo.yaml", "hr": HERE.parent / "hr.yaml"}
#: Kinds a held-out set must include (chart changes and follow-ups live in conversations).
MINIMUM_TURNS = 60
MINIMUM_FOLLOWUPS = 10
CASES = {name: load_cases(path, today=TODAY) for name, path in HOLDOUT.items()}


def _sql_turns(name: str) -> Iterator[tuple[Case, int, Turn]]:
    for case in CASES[name]:
        for index, turn in enumerate(case.turns):
            if turn.sql is not None:
                yield case, index, turn


SQL_TURNS = [
    pytest.param(name, case, index, turn, id=f"{name}:{case.id}:{index + 1}")
    for name in HOLDOUT
    for case, index, turn in _sql_turns(name)
]
ORDERED_SQL_TURNS = [p for p in SQL_TURNS if p.values[3].ordered]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DuckDBReference]]:
    folder = tmp_path_factory.mktemp("holdout")
    demo, logistics = folder / "demo.duckdb", folder / "logistics.duckdb"
    generate_demo(demo, today=TODAY)
    create_logistics_database(logistics, today=TODAY)
    opened = {"demo_holdout": DuckDBReference(demo), "logistics": DuckDBReference(logistics)}
    yield opened
    for reference in opened.values():
        reference.close()


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_set_meets_minimums(name: str) -> None:
    turns = [turn for case in CASES[name] for turn in case.turns]
    assert len(turns) >= MINIMUM_TURNS
    assert sum(turn.kind == "followup" for turn in turns) >= MINIMUM_FOLLOWUPS
    assert all(2 <= len(case.turns) <= 4 for case in CASES[name] if case.is_conversation)


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_set_covers_every_kind(name: str) -> None:
    covered = {turn.kind for case in CASES[name] for turn in case.turns}
    assert covered == KINDS, sorted(KINDS - covered)


def test_ids_are_unique_across_all_sets() -> None:
    assert_ids_unique(TODAY)


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_placeholders_are_all_filled(name: str) -> None:
    assert_placeholders_filled(CASES[name])


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_ordered_turns_have_an_order_by(name: str) -> None:
    assert_ordered_have_order_by(CASES[name], "duckdb")


@pytest.mark.parametrize(("name", "case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    name: str, case: Case, index: int, turn: Turn, references: dict[str, DuckDBReference]
) -> None:
    assert_returns_rows(case, index, turn, references[name])


@pytest.mark.parametrize(("name", "case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    name: str, case: Case, index: int, turn: Turn, references: dict[str, DuckDBReference]
) -> None:
    assert_no_tie_at_the_cut(case, index, turn, references[name], "duckdb")


def test_logistics_database_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    create_logistics_database(first, today=TODAY)
    create_logistics_database(second, today=TODAY)
    summary = (
        "SELECT COUNT(*), SUM(cost_usd), SUM(weight_kg), MAX(shipped_at) FROM shipments "
        "UNION ALL SELECT COUNT(*), SUM(declared_value), SUM(length_cm), NULL FROM packages"
    )
    readers = [DuckDBReference(first), DuckDBReference(second)]
    try:
        assert readers[0].query(summary) == readers[1].query(summary)
    finally:
        for reader in readers:
            reader.close()


def test_logistics_shape(references: dict[str, DuckDBReference]) -> None:
    """Dates span the two years up to today and the relationships hold."""
    reference = references["logistics"]
    _, [(earliest, latest)] = reference.query(
        "SELECT MIN(shipped_at), MAX(shipped_at) FROM shipments"
    )
    assert latest.date() == TODAY
    assert (TODAY - earliest.date()).days >= 700
    _, [(orphans,)] = reference.query(
        "SELECT COUNT(*) FROM shipments s LEFT JOIN carriers c USING (carrier_id) "
        "WHERE c.carrier_id IS NULL"
    )
    assert orphans == 0
    _, [(undelivered,)] = reference.query(
        "SELECT COUNT(*) FROM shipments WHERE (delivered_at IS NULL) "
        "<> (status IN ('in_transit', 'lost'))"
    )
    assert undelivered == 0
