"""The fifth blind question file is sound: it loads, covers every kind, meets its size,
every reference SQL runs on a freshly generated demo database and returns rows, ordered cases
have an ORDER BY without a tie at their cut, case ids are unique across every question set,
and the demo data still has what the questions take for granted."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
QUESTIONS = HERE.parent
# The shared harness lives one folder up, next to the tuned sets.
sys.path.insert(0, str(QUESTIONS))

from file_checks import (  # noqa: E402
    assert_ids_unique,
    assert_no_tie_at_the_cut,
    assert_ordered_have_order_by,
    assert_placeholders_filled,
    assert_returns_rows,
    made_on_first_use,
    sql_params,
)
from harness import KINDS, Case, DuckDBReference, Turn, load_cases  # noqa: E402

from parley.sources.demo import generate_demo  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "demo_business.yaml"
MINIMUM_TURNS = 70
MINIMUM_FOLLOWUPS = 12
CASES = load_cases(BLIND, today=TODAY)

SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBReference]:
    path = tmp_path_factory.mktemp("blind5") / "demo.duckdb"
    generate_demo(path, today=TODAY)
    opened = DuckDBReference(path)
    yield opened
    opened.close()


def test_set_meets_minimums() -> None:
    turns = [turn for case in CASES for turn in case.turns]
    assert len(turns) >= MINIMUM_TURNS
    assert sum(turn.kind == "followup" for turn in turns) >= MINIMUM_FOLLOWUPS
    assert all(2 <= len(case.turns) <= 4 for case in CASES if case.is_conversation)


def test_set_covers_every_kind() -> None:
    covered = {turn.kind for case in CASES for turn in case.turns}
    assert covered == KINDS, sorted(KINDS - covered)


def test_case_ids_carry_the_set_prefix() -> None:
    assert all(case.id.startswith("biz-") for case in CASES)


def test_ids_are_unique_across_all_sets() -> None:
    assert_ids_unique(TODAY)


def test_placeholders_are_all_filled() -> None:
    assert_placeholders_filled(CASES)


def test_ordered_turns_have_an_order_by() -> None:
    assert_ordered_have_order_by(CASES, "duckdb")


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, reference: DuckDBReference
) -> None:
    assert_returns_rows(case, index, turn, reference)


@pytest.fixture(scope="module")
def the_day_before(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], DuckDBReference]:
    """The data drawn for yesterday, made only when today's ties at a cut."""

    def make() -> DuckDBReference:
        path = tmp_path_factory.mktemp("blind5-eve") / "demo.duckdb"
        generate_demo(path, today=TODAY - dt.timedelta(days=1))
        return DuckDBReference(path)

    return made_on_first_use(make)


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: DuckDBReference,
    the_day_before: Callable[[], DuckDBReference],
) -> None:
    assert_no_tie_at_the_cut(case, index, turn, reference, "duckdb", another_day=the_day_before)


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        # biz-ambiguous-acme asks for a clarification because "Acme" names several customers.
        ("more than one customer is called Acme something",
         "SELECT COUNT(*) > 1 FROM customers WHERE customer_name LIKE 'Acme %'"),
        # biz-fuzzy-amsterdam-customers counts the customers of a city by its name.
        ("Amsterdam has customers",
         "SELECT COUNT(*) > 0 FROM customers WHERE city = 'Amsterdam'"),
        # The orders of the two whole years before this one are all there, and the latest
        # are recent (questions say "this year", "last 30 days").
        ("orders cover the two years before this one and run up to about today",
         "SELECT MIN(order_date) < make_date(year(current_date) - 2, 1, 1) "
         "AND MAX(order_date) BETWEEN current_date - 7 AND current_date FROM orders"),
    ],
)
def test_the_data_has_what_the_questions_assume(
    description: str, sql: str, reference: DuckDBReference
) -> None:
    _, [(holds,)] = reference.query(sql)
    assert holds, description
