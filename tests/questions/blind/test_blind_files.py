"""The blind question file is sound: it loads, covers every kind, meets its size, every
reference SQL runs on a freshly generated database and returns rows, ordered cases have an
ORDER BY without a tie at their cut, case ids are unique across every question set, and the
subscription database is deterministic and consistent."""

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
from harness import KINDS, Case, SQLiteReference, Turn, load_cases  # noqa: E402
from saas_dataset import create_saas_database  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "saas.yaml"
MINIMUM_TURNS = 70
MINIMUM_FOLLOWUPS = 12
CASES = load_cases(BLIND, today=TODAY)




SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blind") / "saas.db"
    create_saas_database(path, today=TODAY)
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
    assert_returns_rows(case, index, turn, reference)


@pytest.fixture(scope="module")
def the_day_before(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], SQLiteReference]:
    """The data drawn for yesterday, made only when today's ties at a cut."""

    def make() -> SQLiteReference:
        path = tmp_path_factory.mktemp("blind-eve") / "saas.db"
        create_saas_database(path, today=TODAY - dt.timedelta(days=1))
        return SQLiteReference(path)

    return made_on_first_use(make)


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: SQLiteReference,
    the_day_before: Callable[[], SQLiteReference],
) -> None:
    assert_no_tie_at_the_cut(case, index, turn, reference, "sqlite", numbers_as_text=True,
                             another_day=the_day_before)


SUMMARY = (
    "SELECT COUNT(*), SUM(mrr_usd), MAX(start_date) FROM subscriptions "
    "UNION ALL SELECT COUNT(*), SUM(amount), MAX(issued_on) FROM invoices "
    "UNION ALL SELECT COUNT(*), SUM(resolution_hours), MAX(opened_at) FROM support_tickets "
    "UNION ALL SELECT COUNT(*), SUM(userId), MAX(lastLoginAt) FROM users"
)


def test_saas_database_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    create_saas_database(first, today=TODAY)
    create_saas_database(second, today=TODAY)
    assert SQLiteReference(first).query(SUMMARY) == SQLiteReference(second).query(SUMMARY)


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        ("accounts span more than two years up to today",
         "SELECT MIN(created_date) <= date('now', '-730 days') "
         "AND MAX(created_date) <= date('now') FROM accounts"),
        ("every account reference resolves",
         "SELECT (SELECT COUNT(*) FROM subscriptions WHERE acct_id NOT IN "
         "(SELECT account_id FROM accounts)) + (SELECT COUNT(*) FROM invoices WHERE "
         "account_id NOT IN (SELECT account_id FROM accounts)) + (SELECT COUNT(*) FROM users "
         "WHERE accountId NOT IN (SELECT account_id FROM accounts)) + (SELECT COUNT(*) FROM "
         "support_tickets WHERE acct_id NOT IN (SELECT account_id FROM accounts)) = 0"),
        ("only cancelled subscriptions have an end date",
         "SELECT COUNT(*) = 0 FROM subscriptions "
         "WHERE (end_date IS NOT NULL) <> (status = 'cancelled')"),
        ("an account has at most one live subscription",
         "SELECT COUNT(*) = 0 FROM (SELECT acct_id FROM subscriptions "
         "WHERE status <> 'cancelled' GROUP BY acct_id HAVING COUNT(*) > 1)"),
        ("trialing subscriptions bring no MRR",
         "SELECT COALESCE(SUM(mrr_usd), 0) = 0 FROM subscriptions WHERE status = 'trialing'"),
        ("nothing is dated after today",
         "SELECT (SELECT MAX(issued_on) FROM invoices) <= date('now') "
         "AND (SELECT MAX(date(opened_at)) FROM support_tickets) <= date('now') "
         "AND (SELECT MAX(date(lastLoginAt)) FROM users) <= date('now')"),
        ("the plan tier is the plan of the latest subscription",
         "SELECT COUNT(*) = 0 FROM accounts a JOIN subscriptions s ON s.acct_id = a.account_id "
         "JOIN plans p ON p.plan_id = s.plan_id WHERE s.sub_id = (SELECT MAX(sub_id) FROM "
         "subscriptions WHERE acct_id = a.account_id) AND p.name <> a.plan_tier"),
    ],
)
def test_saas_database_shape(description: str, sql: str, database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        (holds,) = connection.execute(sql).fetchone()
    finally:
        connection.close()
    assert holds == 1, description


def test_only_the_plan_relationship_is_declared(database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        declared = {
            (table, row[3], row[2])
            for (table,) in connection.execute("SELECT name FROM sqlite_master "
                                               "WHERE type = 'table'").fetchall()
            for row in connection.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        }
    finally:
        connection.close()
    assert declared == {("subscriptions", "plan_id", "plans")}
