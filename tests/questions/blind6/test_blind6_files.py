"""The sixth blind question file is sound: it loads, covers every kind, meets its size,
every reference SQL runs on a freshly generated database and returns rows, ordered cases
have an ORDER BY without a tie at their cut, case ids are unique across every question set,
and the dealership database is deterministic, consistent and declares no foreign key."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).parent
QUESTIONS = HERE.parent
# The shared harness lives one folder up, next to the tuned sets.
sys.path[:0] = [str(QUESTIONS), str(HERE)]

from dealership_dataset import create_dealership_database  # noqa: E402
from file_checks import (  # noqa: E402
    assert_ids_unique,
    assert_no_tie_at_the_cut,
    assert_ordered_have_order_by,
    assert_placeholders_filled,
    assert_returns_rows,
    made_on_first_use,
    sql_params,
)
from harness import KINDS, Case, SQLiteReference, Turn, load_cases  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "dealership.yaml"
MINIMUM_TURNS = 70
MINIMUM_FOLLOWUPS = 12
CASES = load_cases(BLIND, today=TODAY)

SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blind6") / "dealership.db"
    create_dealership_database(path, today=TODAY)
    return path


@pytest.fixture(scope="module")
def reference(database: Path) -> SQLiteReference:
    return SQLiteReference(database)


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
    assert_ordered_have_order_by(CASES, "sqlite")


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, reference: SQLiteReference
) -> None:
    if _early_january(turn):
        pytest.skip("in the first days of January little is sold yet this year")
    assert_returns_rows(case, index, turn, reference)


@pytest.fixture(scope="module")
def the_day_before(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], SQLiteReference]:
    """The data drawn for yesterday, made only when today's ties at a cut."""

    def make() -> SQLiteReference:
        path = tmp_path_factory.mktemp("blind6-eve") / "dealership.db"
        create_dealership_database(path, today=TODAY - dt.timedelta(days=1))
        return SQLiteReference(path)

    return made_on_first_use(make)


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: SQLiteReference,
    the_day_before: Callable[[], SQLiteReference],
) -> None:
    if _early_january(turn):
        pytest.skip("in the first days of January this year's rankings are mostly ties")
    assert_no_tie_at_the_cut(case, index, turn, reference, "sqlite", numbers_as_text=True,
                             another_day=the_day_before)


def _early_january(turn: Turn) -> bool:
    """Whether ``turn`` is about this year and this year is only days old."""
    return (TODAY.month, TODAY.day) <= (1, 10) and "start of year" in (turn.sql or "")


SUMMARY = (
    "SELECT COUNT(*), SUM(msrp), MAX(vin) FROM cars "
    "UNION ALL SELECT COUNT(*), SUM(sale_price * customer_id), MAX(sale_date) FROM sales "
    "UNION ALL SELECT COUNT(*), SUM(payment_amount), MAX(payment_date || payment_method) "
    "FROM payments_received "
    "UNION ALL SELECT COUNT(*), SUM(car_id * is_in_inventory), MAX(snapshot_date) "
    "FROM inventory_snapshots "
    "UNION ALL SELECT COUNT(*), SUM(labor_cost + parts_cost), MAX(appointment_date || status) "
    "FROM service_appointments "
    "UNION ALL SELECT COUNT(*), SUM(customer_id), MAX(last_name || first_name || signup_date) "
    "FROM customers"
)


def test_dealership_database_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    create_dealership_database(first, today=TODAY)
    create_dealership_database(second, today=TODAY)
    assert SQLiteReference(first).query(SUMMARY) == SQLiteReference(second).query(SUMMARY)


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        ("the sales cover two whole past years and run up to today",
         "SELECT MIN(sale_date) < date('now', 'start of year', '-2 years', '+7 days') "
         "AND MAX(sale_date) <= date('now') AND MAX(sale_date) > date('now', '-7 days') "
         "FROM sales"),
        ("every reference by name resolves",
         "SELECT (SELECT COUNT(*) FROM salespersons WHERE dealership_id NOT IN "
         "(SELECT dealership_id FROM dealerships)) + (SELECT COUNT(*) FROM cars WHERE "
         "dealership_id NOT IN (SELECT dealership_id FROM dealerships)) + (SELECT COUNT(*) "
         "FROM sales WHERE car_id NOT IN (SELECT car_id FROM cars) OR salesperson_id NOT IN "
         "(SELECT salesperson_id FROM salespersons) OR customer_id NOT IN "
         "(SELECT customer_id FROM customers)) + (SELECT COUNT(*) FROM payments_received "
         "WHERE sale_id NOT IN (SELECT sale_id FROM sales)) + (SELECT COUNT(*) FROM "
         "inventory_snapshots WHERE car_id NOT IN (SELECT car_id FROM cars)) + "
         "(SELECT COUNT(*) FROM service_appointments WHERE car_id NOT IN (SELECT car_id FROM "
         "cars) OR customer_id NOT IN (SELECT customer_id FROM customers) OR dealership_id "
         "NOT IN (SELECT dealership_id FROM dealerships)) = 0"),
        ("a car is sold once at most, after it arrived and its dealership opened",
         "SELECT COUNT(*) = COUNT(DISTINCT s.car_id) AND SUM(s.sale_date < c.date_received "
         "OR s.sale_date < d.opened_on) = 0 FROM sales s JOIN cars c ON c.car_id = s.car_id "
         "JOIN dealerships d ON d.dealership_id = c.dealership_id"),
        ("a car is sold by a salesperson of its dealership, employed that day",
         "SELECT COUNT(*) = 0 FROM sales s JOIN cars c ON c.car_id = s.car_id "
         "JOIN salespersons p ON p.salesperson_id = s.salesperson_id "
         "WHERE p.dealership_id <> c.dealership_id OR s.sale_date < p.hire_date "
         "OR s.sale_date > COALESCE(p.termination_date, '9999-12-31')"),
        ("the showrooms are closed on Sundays",
         "SELECT COUNT(*) = 0 FROM sales WHERE strftime('%w', sale_date) = '0'"),
        ("a buyer had signed up by the day of the sale",
         "SELECT COUNT(*) = 0 FROM sales s JOIN customers c ON c.customer_id = s.customer_id "
         "WHERE c.signup_date > s.sale_date"),
        ("payments come on or after the sale and never exceed its price",
         "SELECT COUNT(*) = 0 FROM sales s WHERE EXISTS (SELECT 1 FROM payments_received r "
         "WHERE r.sale_id = s.sale_id AND r.payment_date < s.sale_date) OR "
         "(SELECT SUM(payment_amount) FROM payments_received r WHERE r.sale_id = s.sale_id) "
         "> s.sale_price + 0.005"),
        ("every sale older than three weeks is paid in full",
         "SELECT COUNT(*) = 0 FROM sales s WHERE s.sale_date < date('now', '-21 days') AND "
         "ABS(s.sale_price - COALESCE((SELECT SUM(payment_amount) FROM payments_received r "
         "WHERE r.sale_id = s.sale_id), 0)) > 0.005"),
        ("a snapshot on the first of a month holds the cars on the lot then, and those sold "
         "the month before",
         "SELECT COUNT(*) = 0 FROM inventory_snapshots i JOIN cars c ON c.car_id = i.car_id "
         "LEFT JOIN sales s ON s.car_id = c.car_id WHERE strftime('%d', i.snapshot_date) "
         "<> '01' OR c.date_received >= i.snapshot_date OR i.is_in_inventory <> "
         "(s.sale_date IS NULL OR s.sale_date >= i.snapshot_date) OR (i.is_in_inventory = 0 "
         "AND s.sale_date < date(i.snapshot_date, '-1 month'))"),
        ("every car on the lot on the first of a month is in that month's snapshot, once",
         "SELECT (SELECT COUNT(*) FROM cars c CROSS JOIN (SELECT DISTINCT snapshot_date AS day"
         " FROM inventory_snapshots) m LEFT JOIN sales s ON s.car_id = c.car_id "
         "WHERE c.date_received < m.day AND (s.sale_date IS NULL OR s.sale_date >= m.day)) = "
         "(SELECT COUNT(*) FROM inventory_snapshots WHERE is_in_inventory = 1) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT car_id || '/' || snapshot_date) "
         "FROM inventory_snapshots)"),
        ("service is for a car the group sold, booked by its buyer at the selling dealership",
         "SELECT COUNT(*) = 0 FROM service_appointments a LEFT JOIN sales s "
         "ON s.car_id = a.car_id LEFT JOIN cars c ON c.car_id = a.car_id "
         "WHERE s.sale_id IS NULL OR s.customer_id <> a.customer_id OR "
         "c.dealership_id <> a.dealership_id OR a.appointment_date <= s.sale_date"),
        ("past appointments are settled, later ones scheduled; only completed ones cost",
         "SELECT COUNT(*) = 0 FROM service_appointments WHERE (appointment_date < date('now'))"
         " <> (status IN ('Completed', 'Cancelled', 'No-show')) OR status NOT IN "
         "('Completed', 'Cancelled', 'No-show', 'Scheduled') OR (status = 'Completed') <> "
         "(labor_cost IS NOT NULL AND parts_cost IS NOT NULL)"),
        ("nothing but scheduled service is dated after today",
         "SELECT (SELECT MAX(signup_date) FROM customers) <= date('now') "
         "AND (SELECT MAX(date_received) FROM cars) <= date('now') "
         "AND (SELECT MAX(payment_date) FROM payments_received) <= date('now') "
         "AND (SELECT MAX(snapshot_date) FROM inventory_snapshots) <= date('now') "
         "AND (SELECT MAX(hire_date) FROM salespersons) <= date('now') "
         "AND (SELECT MAX(appointment_date) FROM service_appointments "
         "WHERE status <> 'Scheduled') < date('now')"),
        ("a new hire has no sale yet, three salespeople left, the earliest hire stayed",
         "SELECT (SELECT COUNT(*) FROM salespersons p WHERE hire_date > date('now', '-7 days') "
         "AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.salesperson_id = p.salesperson_id)) = 1"
         " AND (SELECT COUNT(*) FROM salespersons WHERE termination_date IS NOT NULL) = 3 "
         "AND (SELECT termination_date IS NULL FROM salespersons ORDER BY hire_date LIMIT 1)"),
        ("a car has waited more than a year, and some customers never bought",
         "SELECT EXISTS (SELECT 1 FROM cars c WHERE c.date_received < date('now', '-365 days')"
         " AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.car_id = c.car_id)) AND "
         "(SELECT COUNT(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM sales s "
         "WHERE s.customer_id = c.customer_id)) > 100"),
        ("Teslas are sold only used",
         "SELECT COUNT(*) = 0 FROM cars WHERE make = 'Tesla' AND condition <> 'Used'"),
        ("salespeople's names are unique",
         "SELECT COUNT(*) = COUNT(DISTINCT first_name || ' ' || last_name) FROM salespersons"),
        ("customers' names are unique",
         "SELECT COUNT(*) = COUNT(DISTINCT first_name || ' ' || last_name) FROM customers"),
        ("model names are unique across makes",
         "SELECT COUNT(DISTINCT model) = COUNT(DISTINCT make || '/' || model) FROM cars"),
    ],
)
def test_dealership_database_shape(description: str, sql: str, database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        (holds,) = connection.execute(sql).fetchone()
    finally:
        connection.close()
    assert holds == 1, description


def test_no_relationship_is_declared(database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        declared = [
            (table, row)
            for table in tables
            for row in connection.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        ]
    finally:
        connection.close()
    assert len(tables) == 8
    assert declared == []
