"""The second blind question file is sound: it loads, covers every kind, meets its size,
every reference SQL runs on a freshly generated PostgreSQL database and returns rows,
ordered cases have an ORDER BY without a tie at their cut, case ids are unique across every
question set, and the inventory database is deterministic and consistent.

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); skips without it."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

HERE = Path(__file__).parent
QUESTIONS = HERE.parent
# The shared harness lives one folder up, next to the tuned sets.
sys.path[:0] = [str(QUESTIONS), str(HERE)]

from file_checks import (  # noqa: E402
    assert_ids_unique,
    assert_no_tie_at_the_cut,
    assert_ordered_have_order_by,
    assert_placeholders_filled,
    assert_returns_rows,
    made_on_first_use,
    sql_params,
)
from harness import KINDS, Case, Turn, load_cases  # noqa: E402
from inventory_dataset import create_inventory_database  # noqa: E402
from pg_reference import PostgresReference  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "inventory.yaml"
SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "parley_inventory_test"
URL = f"{SERVER}/{DATABASE}"
MINIMUM_TURNS = 70
MINIMUM_FOLLOWUPS = 12
CASES = load_cases(BLIND, today=TODAY)




SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def reference() -> PostgresReference:
    try:
        psycopg.connect(f"{SERVER}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {error}")
    create_inventory_database(URL, today=TODAY)
    return PostgresReference(URL)


def test_set_meets_minimums() -> None:
    turns = [turn for case in CASES for turn in case.turns]
    assert len(turns) >= MINIMUM_TURNS
    assert sum(turn.kind == "followup" for turn in turns) >= MINIMUM_FOLLOWUPS
    assert all(2 <= len(case.turns) <= 4 for case in CASES if case.is_conversation)


def test_set_covers_every_kind() -> None:
    covered = {turn.kind for case in CASES for turn in case.turns}
    assert covered == KINDS, sorted(KINDS - covered)


def test_ids_are_unique_across_all_sets() -> None:
    assert_ids_unique(TODAY)


def test_placeholders_are_all_filled() -> None:
    assert_placeholders_filled(CASES)


def test_ordered_turns_have_an_order_by() -> None:
    assert_ordered_have_order_by(CASES, "postgres")


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, reference: PostgresReference
) -> None:
    assert_returns_rows(case, index, turn, reference)


@pytest.fixture(scope="module")
def the_day_before(reference: PostgresReference) -> Callable[[], PostgresReference]:
    """The data drawn for yesterday, in a database of its own, made only when today's
    ties at a cut."""

    def make() -> PostgresReference:
        url = URL.replace(DATABASE, f"{DATABASE}_eve")
        create_inventory_database(url, today=TODAY - dt.timedelta(days=1))
        return PostgresReference(url)

    return made_on_first_use(make)


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: PostgresReference,
    the_day_before: Callable[[], PostgresReference],
) -> None:
    assert_no_tie_at_the_cut(case, index, turn, reference, "postgres", numbers_as_text=True,
                             another_day=the_day_before)


SUMMARY = (
    "SELECT COUNT(*)::numeric, SUM(total), MAX(ordered_on)::text FROM purchase_orders "
    "UNION ALL SELECT COUNT(*), SUM(qty * unit_price), MAX(po_id)::text FROM po_lines "
    "UNION ALL SELECT COUNT(*), SUM(on_hand), MAX(counted_at)::text FROM stock_levels "
    'UNION ALL SELECT COUNT(*), SUM("unitsMade"), MAX("startedAt")::text FROM production_runs '
    "UNION ALL SELECT COUNT(*), SUM(unit_cost), MAX(sku) FROM parts"
)


def test_inventory_database_is_deterministic(reference: PostgresReference) -> None:
    first = reference.query(SUMMARY)
    create_inventory_database(URL, today=TODAY)
    assert reference.query(SUMMARY) == first


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        ("purchasing spans more than two years up to today",
         "SELECT MIN(ordered_on) <= CURRENT_DATE - 730 AND MAX(ordered_on) <= CURRENT_DATE "
         "FROM purchase_orders"),
        ("an order's total is the sum of its lines",
         "SELECT COUNT(*) = 0 FROM purchase_orders po WHERE po.total <> "
         "(SELECT SUM(qty * unit_price) FROM po_lines l WHERE l.po_id = po.po_id)"),
        ("an order buys parts of its own supplier only",
         "SELECT COUNT(*) = 0 FROM po_lines l JOIN purchase_orders po ON po.po_id = l.po_id "
         "JOIN parts p ON p.part_id = l.part_id WHERE p.supplier_id <> po.supplier_id"),
        ("only received orders have a received date",
         "SELECT COUNT(*) = 0 FROM purchase_orders "
         "WHERE (received_on IS NOT NULL) <> (status = 'received')"),
        ("every reference by name resolves",
         "SELECT (SELECT COUNT(*) FROM stock_levels WHERE site_code NOT IN "
         "(SELECT site_code FROM sites)) + (SELECT COUNT(*) FROM purchase_orders WHERE "
         "supplier_id NOT IN (SELECT supplier_id FROM suppliers)) + (SELECT COUNT(*) FROM "
         "po_lines WHERE part_id NOT IN (SELECT part_id FROM parts)) + (SELECT COUNT(*) FROM "
         "production_runs WHERE \"siteCode\" NOT IN (SELECT site_code FROM sites)) = 0"),
        ("production happens at plants only",
         "SELECT COUNT(*) = 0 FROM production_runs pr JOIN sites si "
         "ON si.site_code = pr.\"siteCode\" WHERE si.site_type <> 'plant'"),
        ("only runs started today are unfinished",
         "SELECT COUNT(*) = 0 FROM production_runs "
         "WHERE (\"finishedAt\" IS NULL) <> (\"startedAt\"::date = CURRENT_DATE)"),
        ("nothing is dated after today",
         "SELECT (SELECT MAX(ordered_on) FROM purchase_orders) <= CURRENT_DATE "
         "AND (SELECT MAX(received_on) FROM purchase_orders) <= CURRENT_DATE "
         "AND (SELECT MAX(counted_at) FROM stock_levels) <= CURRENT_DATE "
         "AND (SELECT MAX(\"startedAt\"::date) FROM production_runs) <= CURRENT_DATE"),
        ("every named supplier has open orders",
         "SELECT COUNT(DISTINCT supplier_id) = 6 FROM purchase_orders "
         "WHERE status = 'open' AND supplier_id <= 6"),
    ],
)
def test_inventory_database_shape(
    description: str, sql: str, reference: PostgresReference
) -> None:
    _, rows = reference.query(sql)
    assert rows == [(True,)], description


def test_only_some_relationships_are_declared(reference: PostgresReference) -> None:
    _, rows = reference.query(
        "SELECT tc.table_name, kcu.column_name, ccu.table_name "
        "FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu "
        "ON kcu.constraint_name = tc.constraint_name "
        "JOIN information_schema.constraint_column_usage ccu "
        "ON ccu.constraint_name = tc.constraint_name "
        "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'"
    )
    assert set(rows) == {
        ("parts", "supplier_id", "suppliers"),
        ("stock_levels", "part_id", "parts"),
        ("purchase_orders", "site_code", "sites"),
        ("po_lines", "po_id", "purchase_orders"),
    }
