"""The third blind question file is sound: it loads, covers every kind, meets its size,
every reference SQL runs on a freshly generated MariaDB database and returns rows, ordered
cases have an ORDER BY without a tie at their cut, case ids are unique across every question
set, and the marketing database is deterministic and consistent.

Needs MariaDB (or MySQL) at 127.0.0.1:3306 (user root, empty password); skips without it."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import pymysql
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
from marketing_dataset import create_marketing_database  # noqa: E402
from mysql_reference import MySQLReference  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "marketing.yaml"
DATABASE = "parley_marketing_test"
URL = f"mysql://root@127.0.0.1:3306/{DATABASE}"
MINIMUM_TURNS = 70
MINIMUM_FOLLOWUPS = 12
CASES = load_cases(BLIND, today=TODAY)

SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def reference() -> MySQLReference:
    try:
        pymysql.connect(host="127.0.0.1", port=3306, user="root", password="",
                        connect_timeout=3).close()
    except pymysql.err.OperationalError as error:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 is unreachable: {error}")
    create_marketing_database(URL, today=TODAY)
    return MySQLReference(URL)


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
    assert_ordered_have_order_by(CASES, "mysql")


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, reference: MySQLReference
) -> None:
    assert_returns_rows(case, index, turn, reference)


@pytest.fixture(scope="module")
def the_day_before(reference: MySQLReference) -> Callable[[], MySQLReference]:
    """The data drawn for yesterday, in a database of its own, made only when today's
    ties at a cut."""

    def make() -> MySQLReference:
        url = URL.replace(DATABASE, f"{DATABASE}_eve")
        create_marketing_database(url, today=TODAY - dt.timedelta(days=1))
        return MySQLReference(url)

    return made_on_first_use(make)


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: MySQLReference,
    the_day_before: Callable[[], MySQLReference],
) -> None:
    assert_no_tie_at_the_cut(case, index, turn, reference, "mysql",
                             another_day=the_day_before)


SUMMARY = (
    "SELECT COUNT(*), SUM(spend), MAX(stat_date) FROM daily_stats "
    "UNION ALL SELECT COUNT(*), SUM(budget), MAX(campaign_name) FROM campaigns "
    "UNION ALL SELECT COUNT(*), SUM(campaign_id), MAX(created_at) FROM leads "
    "UNION ALL SELECT COUNT(*), SUM(amount), MAX(closed_at) FROM deals "
    "UNION ALL SELECT COUNT(*), SUM(campaignId), MAX(createdAt) FROM ad_creatives"
)


def test_marketing_database_is_deterministic(reference: MySQLReference) -> None:
    first = reference.query(SUMMARY)
    create_marketing_database(URL, today=TODAY)
    assert reference.query(SUMMARY) == first


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        ("the stats span more than two years up to today",
         "SELECT MIN(stat_date) <= CURDATE() - INTERVAL 730 DAY AND MAX(stat_date) = CURDATE() "
         "FROM daily_stats"),
        ("stats fall within their campaign's run",
         "SELECT COUNT(*) = 0 FROM daily_stats d JOIN campaigns c USING (campaign_id) "
         "WHERE d.stat_date < c.start_date OR d.stat_date > COALESCE(c.end_date, CURDATE())"),
        ("clicks never exceed impressions, nor conversions clicks",
         "SELECT COUNT(*) = 0 FROM daily_stats "
         "WHERE clicks > impressions OR conversions > clicks"),
        ("every lead was created while its campaign ran",
         "SELECT COUNT(*) = 0 FROM leads l LEFT JOIN campaigns c USING (campaign_id) "
         "WHERE c.campaign_id IS NULL OR DATE(l.created_at) < c.start_date "
         "OR DATE(l.created_at) > COALESCE(c.end_date, CURDATE())"),
        ("every reference by name resolves",
         "SELECT (SELECT COUNT(*) FROM deals WHERE rep_id NOT IN "
         "(SELECT rep_id FROM sales_reps)) + (SELECT COUNT(*) FROM ad_creatives WHERE "
         "campaignId NOT IN (SELECT campaign_id FROM campaigns)) = 0"),
        ("a lead has a deal exactly when it is converted",
         "SELECT COUNT(*) = 0 FROM leads l LEFT JOIN deals d USING (lead_id) "
         "WHERE (d.deal_id IS NOT NULL) <> (l.lead_status = 'Converted')"),
        ("only closed deals have a close date, after the deal was created",
         "SELECT COUNT(*) = 0 FROM deals WHERE (closed_at IS NOT NULL) <> "
         "(stage IN ('Closed Won', 'Closed Lost')) OR closed_at < created_on "
         "OR created_on < (SELECT DATE(created_at) FROM leads l WHERE l.lead_id = deals.lead_id)"),
        ("a deal's rep works in its lead's region",
         "SELECT COUNT(*) = 0 FROM deals d JOIN leads l USING (lead_id) "
         "JOIN sales_reps r USING (rep_id) JOIN campaigns c ON c.campaign_id = l.campaign_id "
         "WHERE c.geo <> 'Global' AND c.geo <> r.region"),
        ("nothing is dated after today",
         "SELECT (SELECT MAX(created_at) FROM leads) < CURDATE() + INTERVAL 1 DAY "
         "AND (SELECT MAX(created_on) FROM deals) <= CURDATE() "
         "AND (SELECT MAX(closed_at) FROM deals) <= CURDATE() "
         "AND (SELECT MAX(createdAt) FROM ad_creatives) < CURDATE() + INTERVAL 1 DAY"),
        ("every named company has a won deal",
         "SELECT COUNT(DISTINCT l.company_name) = 5 FROM deals d JOIN leads l USING (lead_id) "
         "WHERE d.stage = 'Closed Won' AND l.company_name IN ('Bluefin Analytics', "
         "'Northwind Traders', 'Kowalski Logistics', 'Sakura Robotics', 'Pampas Foods')"),
    ],
)
def test_marketing_database_shape(
    description: str, sql: str, reference: MySQLReference
) -> None:
    _, rows = reference.query(sql)
    assert rows == [(1,)], description


def test_only_some_relationships_are_declared(reference: MySQLReference) -> None:
    _, rows = reference.query(
        "SELECT table_name, column_name, referenced_table_name "
        "FROM information_schema.key_column_usage "
        f"WHERE table_schema = '{DATABASE}' AND referenced_table_name IS NOT NULL"
    )
    assert set(rows) == {
        ("daily_stats", "campaign_id", "campaigns"),
        ("deals", "lead_id", "leads"),
    }
