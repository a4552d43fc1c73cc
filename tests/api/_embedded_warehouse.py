"""A customer's warehouse on the real PostgreSQL: a database of several tenants' accounts,
orders and order items, and beside it a *truth* database holding only the rows a space's
filters allow, built here in Python, independently of the guard. A statement a space runs
on the warehouse must see exactly what the same statement sees on the truth database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
#: The password sent with every connector: the server trusts local users, so it is only
#: checked for never coming back.
PASSWORD = "s3cret-Hunter2-never-echoed"

Row = tuple[Any, ...]

DDL = (
    "CREATE TABLE accounts (account_id TEXT PRIMARY KEY, account_name TEXT NOT NULL, "
    "tenant TEXT NOT NULL, region TEXT NOT NULL, plan TEXT NOT NULL, closed_at DATE)",
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, product_name TEXT NOT NULL, "
    "category TEXT NOT NULL)",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, account_id TEXT NOT NULL "
    "REFERENCES accounts (account_id), tenant TEXT NOT NULL, region TEXT NOT NULL, "
    "order_date DATE NOT NULL, amount NUMERIC(12,2) NOT NULL, status TEXT NOT NULL, note TEXT)",
    "CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders (order_id), "
    "product_id INTEGER NOT NULL REFERENCES products (product_id), tenant TEXT NOT NULL, "
    "quantity INTEGER NOT NULL, unit_price NUMERIC(10,2) NOT NULL, "
    "PRIMARY KEY (order_id, product_id))",
)

# (account_id, account_name, tenant, region, plan, closed_at)
ACCOUNTS: list[Row] = [
    ("A1", "Acme Berlin", "acme", "EU", "pro", None),
    ("A2", "Acme Boston", "acme", "US", "basic", None),
    ("A3", "Acme Osaka", "acme", "APAC", "pro", None),
    ("A4", "Acme Lyon", "acme", "EU", "basic", dt.date(2025, 11, 30)),
    ("G1", "Globex Paris", "globex", "EU", "enterprise", None),
    ("G2", "Globex Denver", "globex", "US", "pro", None),
    ("I1", "Initech Austin", "initech", "US", "enterprise", None),
]
PRODUCTS: list[Row] = [
    (1, "Widget", "hardware"),
    (2, "Gadget", "hardware"),
    (3, "Support plan", "services"),
]
_STATUSES = ("paid", "open", "refunded")


def _orders() -> list[Row]:
    rows: list[Row] = []
    order_id = 100
    for index, (account, name, tenant, region, _plan, _closed) in enumerate(ACCOUNTS):
        # Other tenants' amounts are large, so a leaked row moves any total visibly.
        base = 100 if tenant == "acme" and region != "APAC" else 90_000
        for n in range(4):
            order_id += 1
            day = dt.date(2026, 1 + (n * 3 + index) % 12, 1 + (index * 7 + n) % 27)
            amount = base + index * 37 + n * 11 + 0.25
            note = f"note for {name} #{n}" if n % 2 == 0 else None
            rows.append(
                (order_id, account, tenant, region, day, amount, _STATUSES[n % 3], note)
            )
    return rows


ORDERS = _orders()
ORDER_ITEMS: list[Row] = [
    (order[0], product[0], order[2], 1 + (order[0] + product[0]) % 4, 10 + product[0] * 5)
    for order in ORDERS
    for product in PRODUCTS
    if (order[0] + product[0]) % 2 == 0 or product[0] == 1
]
TABLES: dict[str, list[Row]] = {
    "accounts": ACCOUNTS,
    "products": PRODUCTS,
    "orders": ORDERS,
    "order_items": ORDER_ITEMS,
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id", "account_name", "tenant", "region", "plan", "closed_at"),
    "products": ("product_id", "product_name", "category"),
    "orders": (
        "order_id", "account_id", "tenant", "region", "order_date", "amount", "status", "note"
    ),
    "order_items": ("order_id", "product_id", "tenant", "quantity", "unit_price"),
}  # fmt: skip


@dataclass(frozen=True)
class Warehouse:
    database: str
    truth_database: str
    #: The filters of the space the truth database was built for.
    filters: dict[str, dict[str, Any]]
    #: The account names the space must never show.
    hidden_names: frozenset[str]

    def query(self, sql: str, *, truth: bool = False) -> list[Row]:
        name = self.truth_database if truth else self.database
        with psycopg.connect(f"host={HOST} port={PORT} user={USER} dbname={name}") as conn:
            return [tuple(r) for r in conn.execute(sql.encode()).fetchall()]


def visible(table: str, row: Row, filters: dict[str, dict[str, Any]]) -> bool:
    """Whether a space with ``filters`` may see ``row`` of ``table``: every filter on a
    column the table has holds (the documented rule), computed without SQL."""
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "equals": lambda v, x: v == x,
        "not_equals": lambda v, x: v is not None and v != x,
        "in": lambda v, x: v in x,
        "not_in": lambda v, x: v is not None and v not in x,
        "greater_than": lambda v, x: v is not None and v > x,
        "less_than": lambda v, x: v is not None and v < x,
        "contains": lambda v, x: v is not None and str(x) in str(v),
        "is_null": lambda v, x: (v is None) == bool(x),
    }
    columns = COLUMNS[table]
    for column, spec in filters.items():
        if column in columns and not tests[spec["operator"]](
            row[columns.index(column)], spec["value"]
        ):
            return False
    return True


def _create(
    admin: psycopg.Connection[Any], name: str, rows_of: Callable[[str], Sequence[Row]],
    *, keys: bool = True,
) -> None:  # fmt: skip
    admin.execute(f'CREATE DATABASE "{name}"'.encode())
    with psycopg.connect(f"host={HOST} port={PORT} user={USER} dbname={name}") as conn:
        for statement in DDL:
            conn.execute(statement.encode())
        if not keys:
            # The truth holds the items of hidden orders when the items' own columns
            # allow them (the rule is per table), so no foreign key can hold there.
            found = conn.execute(
                b"SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'"
            ).fetchall()
            for table, constraint in found:
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"'.encode())
        for table in TABLES:
            marks = ", ".join(["%s"] * len(COLUMNS[table]))
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} VALUES ({marks})".encode(), list(rows_of(table))
                )
        conn.execute(b"ANALYZE")


@contextmanager
def warehouse(filters: dict[str, dict[str, Any]]) -> Iterator[Warehouse]:
    """The warehouse and its truth database for ``filters``, dropped afterwards."""
    try:
        admin = psycopg.connect(ADMIN, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    name = f"parley_embed_{uuid.uuid4().hex[:10]}"
    truth = f"{name}_truth"
    try:
        _create(admin, name, lambda table: TABLES[table])
        _create(
            admin,
            truth,
            lambda table: [row for row in TABLES[table] if visible(table, row, filters)],
            keys=False,
        )
        hidden = frozenset(
            row[1] for row in ACCOUNTS if not visible("accounts", row, filters)
        )
        yield Warehouse(name, truth, filters, hidden)
    finally:
        for database in (name, truth):
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'.encode())
        admin.close()
