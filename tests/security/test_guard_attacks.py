"""Every hostile statement of ``guard_attacks`` against the real databases, after the guard.

Each statement is guarded as a space that sees only tenant ``acme`` would be, and whatever
passes runs on the database through Parley's own source connector, as a privileged user.
The test then checks what came back: a refusal, a database error, or rows that hold no
other tenant's value, nothing from the table outside the schema, no oversized value; and
that no table changed and no file appeared.
"""

from __future__ import annotations

import collections
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pymysql
import pytest
from guard_attacks import corpus

from parley.engine.guard import RowFilter, guard_sql
from parley.errors import GuardRejected, SourceError
from parley.sources.base import Source
from parley.sources.connect import connect

SPACE = (RowFilter("tenant", "eq", "acme"),)
SCHEMA: dict[str, list[str]] = {
    "customers": ["id", "name", "region", "tenant"],
    "orders": ["order_id", "customer_id", "amount", "note", "tenant"],
    "products": ["product_id", "name"],
    "big_orders": ["order_id", "amount", "note"],
    "acme_orders": ["order_id", "customer_id", "amount", "note", "tenant"],
}
VIEWS = ("big_orders", "acme_orders")
MARKERS = ("GLOBEX", "VAULT", "LEAK")
LEAKED_AMOUNT = 7_000_000
DDL = [
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(40), region VARCHAR(10), "
    "tenant VARCHAR(10))",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, amount INTEGER, "
    "note VARCHAR(40), tenant VARCHAR(10))",
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, name VARCHAR(40))",
    "CREATE TABLE vault (secret VARCHAR(40))",
    "INSERT INTO customers VALUES (1, 'Acme One', 'EU', 'acme'), (2, 'Acme Two', 'US', 'acme'), "
    "(3, 'GLOBEX one', 'EU', 'globex')",
    "INSERT INTO orders VALUES (10, 1, 100, 'fine', 'acme'), (11, 2, 50, 'good', 'acme'), "
    "(12, 3, 7777777, 'GLOBEX order', 'globex')",
    "INSERT INTO products VALUES (1, 'Widget'), (2, 'Gadget')",
    "INSERT INTO vault VALUES ('VAULT secret')",
    "CREATE VIEW big_orders AS SELECT order_id, amount, note FROM orders",
    "CREATE VIEW acme_orders AS SELECT * FROM orders",
]
FINGERPRINT = (
    "SELECT (SELECT count(*) FROM customers) + 10 * (SELECT count(*) FROM orders) "
    "+ 100 * (SELECT count(*) FROM products) + 1000 * (SELECT count(*) FROM vault) "
    "+ 10000 * (SELECT sum(amount) FROM orders) + 100000 * ({relations})"
)
RELATIONS = {
    "sqlite": "SELECT count(*) FROM sqlite_master",
    "duckdb": "SELECT count(*) FROM information_schema.tables",
    "postgres": "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace",
    "mysql": "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
}
ATTACKS = corpus()


@dataclass
class Target:
    dialect: str
    source: Source
    files: Path

    def fingerprint(self) -> Any:
        sql = FINGERPRINT.format(relations=RELATIONS[self.dialect])
        return self.source.execute(sql, max_rows=1, timeout_s=10).rows[0][0]


def _sqlite(tmp: Path) -> Iterator[str]:
    path = tmp / "space.db"
    conn = sqlite3.connect(path)
    for statement in DDL:
        conn.execute(statement)
    conn.commit()
    conn.close()
    yield f"sqlite:///{path}"


def _duckdb(tmp: Path) -> Iterator[str]:
    path = tmp / "space.duckdb"
    conn = duckdb.connect(str(path))
    for statement in DDL:
        conn.execute(statement)
    conn.close()
    yield f"duckdb:///{path}"


def _postgres(tmp: Path) -> Iterator[str]:
    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3, autocommit=True
        )
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    name = f"parley_security_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(
            f"host=127.0.0.1 port=5432 user=postgres dbname={name}", autocommit=True
        ) as conn:
            for statement in DDL:
                conn.execute(statement)
            conn.execute("CREATE INDEX i ON orders USING brin (amount)")
            conn.execute("CREATE SEQUENCE s")
            conn.execute("ANALYZE")
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _mysql(tmp: Path) -> Iterator[str]:
    try:
        admin = pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", connect_timeout=3,
            autocommit=True,
        )  # fmt: skip
    except pymysql.MySQLError as exc:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 is not reachable: {exc}")
    name = f"parley_security_{uuid.uuid4().hex[:8]}"
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
            cursor.execute(f"USE {name}")
            for statement in DDL:
                cursor.execute(statement)
        yield f"mariadb://root@127.0.0.1:3306/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


MAKERS: dict[str, Callable[[Path], Iterator[str]]] = {
    "sqlite": _sqlite,
    "duckdb": _duckdb,
    "postgres": _postgres,
    "mysql": _mysql,
}


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mariadb),
    ],
)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp(f"space-{request.param}")
    files = tmp_path_factory.mktemp(f"files-{request.param}")
    for url in MAKERS[request.param](tmp):
        source = connect(url, name=f"security-{request.param}")
        try:
            yield Target(request.param, source, files)
        finally:
            source.close()


def leak_in(rows: list[list[Any]]) -> str | None:
    """What in the rows shows something the space must not see, if anything."""
    for row in rows:
        for value in row:
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float | Decimal) and value >= LEAKED_AMOUNT:
                return f"the number {value}"
            text = str(value).upper() if value is not None else ""
            for marker in MARKERS:
                if marker in text:
                    return f"a value holding {marker}: {str(value)[:60]!r}"
            if len(text) > 100_000:
                return f"a value of {len(text):,} characters"
    return None


OUTCOMES: collections.Counter[tuple[str, str, str]] = collections.Counter()


def outcome(target: Target, sql: str) -> str:
    """Refused, failed (the database said no) or ran; raise AssertionError on any harm."""
    sql = sql.format(dir=target.files)
    try:
        guarded = guard_sql(
            sql, target.dialect, max_rows=200, table_columns=SCHEMA, row_filters=SPACE,
            views=VIEWS,
        )  # fmt: skip
    except GuardRejected:
        return "refused"
    try:
        result = target.source.execute(guarded.sql, max_rows=200, timeout_s=2)
    except SourceError:
        return "failed"
    leak = leak_in(result.rows)
    assert leak is None, f"{target.dialect} returned {leak} for: {guarded.sql}"
    return "ran"


@pytest.mark.parametrize(("kind", "sql"), ATTACKS, ids=[f"{i:03}" for i in range(len(ATTACKS))])
def test_attack_is_refused_or_harmless(target: Target, kind: str, sql: str) -> None:
    before = target.fingerprint()
    result = outcome(target, sql)
    OUTCOMES[(target.dialect, kind, result)] += 1
    assert target.fingerprint() == before, f"{sql!r} changed the data"
    assert not any(target.files.iterdir()), f"{sql!r} wrote a file"


def test_the_corpus_is_large_enough() -> None:
    assert len(ATTACKS) >= 300
    kinds = collections.Counter(kind for kind, _ in ATTACKS)
    assert kinds["row filter"] >= 100 and len(kinds) == 8


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT name FROM customers ORDER BY name",
        "SELECT c.name, sum(o.amount) FROM customers c JOIN orders o ON o.customer_id = c.id "
        "GROUP BY c.name",
        "SELECT * FROM acme_orders",
        "SELECT name FROM products",
    ],
)
def test_the_space_still_reads_its_own_rows(target: Target, sql: str) -> None:
    guarded = guard_sql(
        sql, target.dialect, max_rows=50, table_columns=SCHEMA, row_filters=SPACE, views=VIEWS
    )
    result = target.source.execute(guarded.sql, max_rows=50, timeout_s=5)
    assert result.rows
    assert leak_in(result.rows) is None
