"""The seventh blind question file is sound: it loads, covers the kinds it is written for,
meets its size, every reference SQL runs on a freshly generated database and returns rows,
ordered cases have an ORDER BY without a tie at their cut, case ids are unique across every
question set, and the railway database is deterministic, consistent and declares its
foreign keys."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections import Counter
from pathlib import Path

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
    sql_params,
)
from harness import Case, SQLiteReference, Turn, load_cases  # noqa: E402
from railway_dataset import create_railway_database  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "railway.yaml"
MINIMUM_CASES = 85
#: single questions only, in the style of a text-to-SQL benchmark: the kinds it asks
KINDS = frozenset({
    "count", "distinct_count", "value_filter", "numeric_condition", "average", "min_max",
    "time_range", "by_dimension", "two_dimensions", "over_time", "join", "top_n", "bottom_n",
    "list_detail", "ambiguous",
})
CASES = load_cases(BLIND, today=TODAY)

SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blind7") / "railway.db"
    create_railway_database(path)
    return path


@pytest.fixture(scope="module")
def reference(database: Path) -> SQLiteReference:
    return SQLiteReference(database)


def test_set_meets_minimums() -> None:
    assert len(CASES) >= MINIMUM_CASES
    assert not any(case.is_conversation for case in CASES)
    # Every case has reference SQL: the ambiguous ones carry the likeliest reading.
    assert all(turn.sql for case in CASES for turn in case.turns)


def test_set_covers_its_kinds() -> None:
    covered = Counter(turn.kind for case in CASES for turn in case.turns)
    assert set(covered) == KINDS, sorted(KINDS ^ set(covered))
    assert covered["ambiguous"] >= 8


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


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: SQLiteReference
) -> None:
    # The data does not depend on the day: a tie would be there every day.
    assert_no_tie_at_the_cut(case, index, turn, reference, "sqlite", numbers_as_text=True)


SUMMARY = (
    "SELECT COUNT(*), SUM(capacity), MAX(train_no || model || COALESCE(last_overhaul, '')) "
    "FROM train "
    "UNION ALL SELECT COUNT(*), SUM(distance_km * route_id), MAX(route_no || introduced) "
    "FROM route "
    "UNION ALL SELECT COUNT(*), SUM(arr_min * stop_seq), MAX(route_id * 100 + station_id) "
    "FROM route_stop "
    "UNION ALL SELECT COUNT(*), SUM(COALESCE(passengers, 0) + COALESCE(delay_min, 0) * 7), "
    "MAX(dep_date || dep_time || status || COALESCE(cause_code, '') || train_id) "
    "FROM departure"
)


def test_railway_database_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    create_railway_database(first)
    create_railway_database(second)
    assert SQLiteReference(first).query(SUMMARY) == SQLiteReference(second).query(SUMMARY)


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        ("the departures cover 2023 and 2024",
         "SELECT MIN(dep_date) < '2023-01-08' AND MAX(dep_date) > '2024-12-24' "
         "AND MAX(dep_date) <= '2024-12-31' FROM departure"),
        ("a route starts at its first stop and ends at its last, with no gap in between",
         "SELECT COUNT(*) = 0 FROM route r WHERE NOT EXISTS (SELECT 1 FROM route_stop s "
         "WHERE s.route_id = r.route_id AND s.station_id = r.origin_id AND s.stop_seq = 1 "
         "AND s.arr_min = 0) OR NOT EXISTS (SELECT 1 FROM route_stop s WHERE s.route_id = "
         "r.route_id AND s.station_id = r.dest_id AND s.stop_seq = (SELECT COUNT(*) FROM "
         "route_stop t WHERE t.route_id = r.route_id) AND s.stop_seq = (SELECT MAX(stop_seq) "
         "FROM route_stop t WHERE t.route_id = r.route_id)) OR r.origin_id = r.dest_id"),
        ("a route's stops come later the further along they are",
         "SELECT COUNT(*) = 0 FROM route_stop a JOIN route_stop b ON b.route_id = a.route_id "
         "AND b.stop_seq = a.stop_seq + 1 WHERE b.arr_min <= a.arr_min"),
        ("a route is run by trains of its own operator and class, none before it began",
         "SELECT COUNT(*) = 0 FROM departure d JOIN route r ON r.route_id = d.route_id "
         "JOIN train t ON t.train_id = d.train_id WHERE t.operator_id <> r.operator_id "
         "OR t.class_code <> r.class_code OR d.dep_date < r.introduced"),
        ("a departure's status, delay, cause and passengers agree",
         "SELECT COUNT(*) = 0 FROM departure WHERE status NOT IN ('On time', 'Delayed', "
         "'Cancelled') OR (status = 'On time' AND (delay_min NOT BETWEEN 0 AND 4 OR "
         "cause_code IS NOT NULL)) OR (status = 'Delayed' AND delay_min < 5) OR "
         "(status = 'Cancelled' AND (delay_min IS NOT NULL OR passengers IS NOT NULL OR "
         "cause_code IS NULL))"),
        ("passengers never exceed the train's capacity",
         "SELECT COUNT(*) = 0 FROM departure d JOIN train t ON t.train_id = d.train_id "
         "WHERE d.passengers > t.capacity"),
        ("some departures that ran have no passenger count, some delays no cause",
         "SELECT (SELECT COUNT(*) FROM departure WHERE status <> 'Cancelled' AND passengers "
         "IS NULL) > 0 AND (SELECT COUNT(*) FROM departure WHERE status = 'Delayed' AND "
         "cause_code IS NULL) > 0"),
        ("one station has no route, two countries no station, one operator nothing at all",
         "SELECT (SELECT COUNT(*) FROM station WHERE station_id NOT IN (SELECT station_id "
         "FROM route_stop)) = 1 AND (SELECT COUNT(*) FROM country WHERE country_code NOT IN "
         "(SELECT country_code FROM station)) = 2 AND (SELECT COUNT(*) FROM operator WHERE "
         "operator_id NOT IN (SELECT operator_id FROM train) AND operator_id NOT IN "
         "(SELECT operator_id FROM route)) = 1"),
        ("one class has no train, three trains never ran, and all of them were built in 2024",
         "SELECT (SELECT COUNT(*) FROM train_class WHERE class_code NOT IN (SELECT class_code "
         "FROM train)) = 1 AND (SELECT COUNT(*) FROM train WHERE train_id NOT IN (SELECT "
         "train_id FROM departure) AND built_yr = 2024) = 3 AND (SELECT COUNT(*) FROM train "
         "WHERE train_id NOT IN (SELECT train_id FROM departure)) = 3"),
        ("an overhaul comes after the train was built",
         "SELECT COUNT(*) = 0 FROM train WHERE CAST(substr(last_overhaul, 1, 4) AS INTEGER) "
         "< built_yr"),
        ("names and numbers that label rows are unique",
         "SELECT (SELECT COUNT(*) = COUNT(DISTINCT station_name) FROM station) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT route_no) FROM route) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT operator_name) FROM operator) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT class_name) FROM train_class) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT description) FROM delay_cause) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT country_name) FROM country)"),
    ],
)
def test_railway_database_shape(description: str, sql: str, database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        (holds,) = connection.execute(sql).fetchone()
    finally:
        connection.close()
    assert holds == 1, description


def test_relationships_are_declared_and_hold(database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        declared = {
            (table, row[3], row[2])
            for table in tables
            for row in connection.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        }
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    assert len(tables) == 9
    assert {("route", "origin_id", "station"), ("route", "dest_id", "station"),
            ("route_stop", "route_id", "route"), ("route_stop", "station_id", "station"),
            ("departure", "route_id", "route"), ("departure", "train_id", "train"),
            ("departure", "cause_code", "delay_cause"), ("train", "class_code", "train_class"),
            ("train", "operator_id", "operator"), ("station", "country_code", "country"),
            ("operator", "country_code", "country"), ("route", "operator_id", "operator"),
            ("route", "class_code", "train_class")} == declared
    assert broken == []
