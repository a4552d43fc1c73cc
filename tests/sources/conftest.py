"""Fixtures for the source connector tests: a small demo DuckDB file and one small
sales schema in SQLite, PostgreSQL and MariaDB (the servers are skipped when down)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest
from source_backends import Backend

from parley.sources.demo import generate_demo

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB_URL = "mariadb://root@127.0.0.1:3306/test"
DEMO_TODAY = dt.date(2025, 6, 15)
LONG_NOTE = "x" * 250

# Three customers and five orders; {c} and {o} are the (qualified) table names.
_DDL = (
    "CREATE TABLE {c} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, "
    "country VARCHAR(40), notes TEXT, signup DATE)",
    "CREATE TABLE {o} (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL "
    "REFERENCES {c} (id), amount DECIMAL(10,2), ordered_at TIMESTAMP, paid BOOLEAN)",
    "INSERT INTO {c} VALUES (1, 'Acme Corp', 'United States', 'short', '2024-01-02'), "
    "(2, 'Globex', 'Germany', '" + LONG_NOTE + "', '2024-02-03'), "
    "(3, 'Initech', 'United States', NULL, NULL)",
    "INSERT INTO {o} VALUES (1, 1, 10.50, '2024-03-01 10:00:00', TRUE), "
    "(2, 1, 20.25, '2024-03-02 11:00:00', FALSE), (3, 2, 5.00, '2024-03-03 12:00:00', TRUE), "
    "(4, 3, 7.75, '2024-03-04 13:00:00', TRUE), (5, 3, 1.00, '2024-03-05 14:00:00', NULL)",
)


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    generate_demo(path, today=DEMO_TODAY, scale=0.05)
    return path


def _sqlite_backend(tmp: Path) -> Iterator[Backend]:
    path = tmp / "sales.db"
    conn = sqlite3.connect(path)
    for statement in _DDL:
        conn.execute(statement.format(c="customers", o="orders"))
    conn.commit()
    conn.close()
    yield Backend(
        "sqlite",
        f"sqlite:///{path}",
        "customers",
        "orders",
        None,
        # An endless recursive query: only the progress handler can stop it.
        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT max(i) FROM r",
    )


def _postgres_backend() -> Iterator[Backend]:
    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3, autocommit=True
        )
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 (database test) is not reachable: {exc}")
    schema = f"parley_test_{uuid.uuid4().hex[:10]}"
    try:
        admin.execute(f"CREATE SCHEMA {schema}")
        for statement in _DDL:
            admin.execute(statement.format(c=f"{schema}.customers", o=f"{schema}.orders"))
        yield Backend("postgres", PG_URL, "customers", "orders", schema, "SELECT pg_sleep(5)")
    finally:
        admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.close()


def _mariadb_backend() -> Iterator[Backend]:
    try:
        admin = pymysql.connect(
            host="127.0.0.1",
            port=3306,
            user="root",
            password="",
            database="test",
            connect_timeout=3,
            autocommit=True,
        )
    except pymysql.MySQLError as exc:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 (database test) is not reachable: {exc}")
    prefix = f"pt_{uuid.uuid4().hex[:10]}_"
    customers, orders = f"{prefix}customers", f"{prefix}orders"
    try:
        with admin.cursor() as cursor:
            for statement in _DDL:
                cursor.execute(statement.format(c=customers, o=orders))
        yield Backend("mariadb", MARIADB_URL, customers, orders, None, "SELECT SLEEP(5)")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {orders}, {customers}")
        admin.close()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    makers: dict[str, Callable[[], Iterator[Backend]]] = {
        "sqlite": lambda: _sqlite_backend(tmp_path),
        "postgres": _postgres_backend,
        "mariadb": _mariadb_backend,
    }
    yield from makers[request.param]()
