"""A hand-built ontology of the demo schema and a few rows of it in real databases.

The rows are small enough to check answers by hand, and shaped to catch mistakes: two
customers share the name "Acme Corp", one order has no items, one customer has no orders,
order 2 was taken by a rep who is not the customer's rep, and one name holds a ``%``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from parley.engine.semantic.ontology import (
    Attribute,
    Metric,
    Object,
    Ontology,
    Relationship,
)

Row = tuple[Any, ...]
Execute = Callable[[str], list[dict[str, Any]]]

D = dt.date
TABLES: dict[str, tuple[list[tuple[str, str]], list[Row]]] = {
    "sales_reps": (
        [("rep_id", "INTEGER PRIMARY KEY"), ("rep_name", "VARCHAR(100)"),
         ("region", "VARCHAR(100)"), ("email", "VARCHAR(100)"), ("hire_date", "DATE")],
        [
            (1, "Alice Smith", "East", "alice@example.com", D(2020, 1, 6)),
            (2, "Bob Jones", "West", "bob@example.com", D(2021, 3, 1)),
            (3, "Cara Diaz", "West", "cara@example.com", D(2022, 9, 12)),
        ],
    ),
    "customers": (
        [("customer_id", "INTEGER PRIMARY KEY"), ("customer_name", "VARCHAR(100)"),
         ("country", "VARCHAR(100)"), ("region", "VARCHAR(100)"), ("segment", "VARCHAR(100)"),
         ("industry", "VARCHAR(100)"), ("city", "VARCHAR(100)"), ("signup_date", "DATE"),
         ("rep_id", "INTEGER REFERENCES sales_reps (rep_id)")],
        [
            (1, "Acme Corp", "United States", "North America", "Enterprise", "Retail",
             "Boston", D(2023, 1, 10), 1),
            (2, "Globex", "Germany", "Europe", "Mid-Market", "Finance", "Berlin",
             D(2023, 5, 1), 2),
            (3, "Initech", "Japan", "Asia Pacific", "Small Business", "Technology", "Tokyo",
             D(2024, 2, 1), 3),
            (4, "Acme Corp", "France", "Europe", "Small Business", "Retail", "Paris",
             D(2024, 6, 1), 2),
            (5, "Umbrella 100% Co", "Canada", "North America", "Enterprise", "Healthcare",
             "Toronto", D(2024, 7, 1), 1),
        ],
    ),
    "products": (
        [("product_id", "INTEGER PRIMARY KEY"), ("product_name", "VARCHAR(100)"),
         ("category", "VARCHAR(100)"), ("unit_price", "DECIMAL(10,2)"),
         ("unit_cost", "DECIMAL(10,2)")],
        [
            (1, "Laptop", "Electronics", Decimal("1000.00"), Decimal("700.00")),
            (2, "Desk", "Furniture", Decimal("300.00"), Decimal("150.00")),
            (3, "Pens", "Office Supplies", Decimal("5.00"), Decimal("1.00")),
            (4, "CRM Suite", "Software", Decimal("500.00"), Decimal("50.00")),
        ],
    ),
    "orders": (
        [("order_id", "INTEGER PRIMARY KEY"),
         ("customer_id", "INTEGER REFERENCES customers (customer_id)"),
         ("rep_id", "INTEGER REFERENCES sales_reps (rep_id)"), ("order_date", "DATE"),
         ("status", "VARCHAR(100)"), ("channel", "VARCHAR(100)"),
         ("shipping_cost", "DECIMAL(10,2)")],
        [
            (1, 1, 1, D(2024, 1, 15), "delivered", "Online", Decimal("10.00")),
            (2, 1, 2, D(2024, 3, 20), "delivered", "Direct", Decimal("20.00")),
            (3, 2, 2, D(2024, 7, 4), "returned", "Partner", Decimal("5.00")),
            (4, 3, 3, D(2024, 12, 31), "delivered", "Online", Decimal("0.00")),
            (5, 4, 2, D(2025, 1, 1), "shipped", "Online", Decimal("15.00")),
            (6, 1, 1, D(2025, 2, 10), "delivered", "Direct", Decimal("10.00")),
            (7, 2, 2, D(2025, 6, 30), "pending", "Online", Decimal("8.00")),
            (8, 3, 3, D(2025, 11, 3), "cancelled", "Partner", Decimal("0.00")),
        ],
    ),
    "order_items": (
        [("order_item_id", "INTEGER PRIMARY KEY"),
         ("order_id", "INTEGER REFERENCES orders (order_id)"),
         ("product_id", "INTEGER REFERENCES products (product_id)"), ("quantity", "INTEGER"),
         ("unit_price", "DECIMAL(10,2)")],
        [
            (1, 1, 1, 2, Decimal("950.00")),
            (2, 1, 3, 10, Decimal("5.00")),
            (3, 2, 2, 1, Decimal("300.00")),
            (4, 3, 4, 3, Decimal("500.00")),
            (5, 3, 3, 20, Decimal("4.50")),
            (6, 4, 1, 1, Decimal("1000.00")),
            (7, 5, 2, 2, Decimal("280.00")),
            (8, 5, 4, 1, Decimal("500.00")),
            (9, 6, 1, 3, Decimal("900.00")),
            (10, 6, 2, 1, Decimal("300.00")),
            (11, 6, 3, 5, Decimal("5.00")),
            (12, 7, 4, 2, Decimal("450.00")),
        ],
    ),
}


def records(table: str) -> list[dict[str, Any]]:
    """The fixture rows of ``table`` as dicts, for computing expected answers in Python."""
    columns, rows = TABLES[table]
    names = [name for name, _ in columns]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _attribute(name: str, label: str, role: str, type_: str) -> Attribute:
    return Attribute(name=name, label=label, role=role, type=type_)  # type: ignore[arg-type]


def build_ontology() -> Ontology:
    a = _attribute
    objects = [
        Object(
            name="sales_reps", label="sales rep", plural="sales reps",
            attributes=[
                a("rep_id", "rep id", "identifier", "integer"),
                a("rep_name", "rep name", "dimension", "text"),
                a("region", "rep region", "dimension", "text"),
                a("email", "email", "dimension", "text"),
                a("hire_date", "hire date", "time", "date"),
            ],
            primary_key=["rep_id"], display_attribute="rep_name", default_time="hire_date",
        ),
        Object(
            name="customers", label="customer", plural="customers",
            attributes=[
                a("customer_id", "customer id", "identifier", "integer"),
                a("customer_name", "customer name", "dimension", "text"),
                a("country", "country", "dimension", "text"),
                a("region", "region", "dimension", "text"),
                a("segment", "segment", "dimension", "text"),
                a("industry", "industry", "dimension", "text"),
                a("city", "city", "dimension", "text"),
                a("signup_date", "signup date", "time", "date"),
                a("rep_id", "rep id", "identifier", "integer"),
            ],
            primary_key=["customer_id"], display_attribute="customer_name",
            default_time="signup_date",
        ),
        Object(
            name="products", label="product", plural="products",
            attributes=[
                a("product_id", "product id", "identifier", "integer"),
                a("product_name", "product name", "dimension", "text"),
                a("category", "category", "dimension", "text"),
                a("unit_price", "list price", "measure", "decimal"),
                a("unit_cost", "unit cost", "measure", "decimal"),
            ],
            primary_key=["product_id"], display_attribute="product_name",
        ),
        Object(
            name="orders", label="order", plural="orders",
            attributes=[
                a("order_id", "order id", "identifier", "integer"),
                a("customer_id", "customer id", "identifier", "integer"),
                a("rep_id", "rep id", "identifier", "integer"),
                a("order_date", "order date", "time", "date"),
                a("status", "status", "dimension", "text"),
                a("channel", "channel", "dimension", "text"),
                a("shipping_cost", "shipping cost", "measure", "decimal"),
            ],
            primary_key=["order_id"], default_time="order_date",
        ),
        Object(
            name="order_items", label="order item", plural="order items",
            attributes=[
                a("order_item_id", "order item id", "identifier", "integer"),
                a("order_id", "order id", "identifier", "integer"),
                a("product_id", "product id", "identifier", "integer"),
                a("quantity", "quantity", "measure", "integer"),
                a("unit_price", "unit price", "measure", "decimal"),
            ],
            primary_key=["order_item_id"],
        ),
    ]
    metrics = [
        Metric(name="revenue", label="revenue", object="order_items",
               expression="SUM(quantity * unit_price)", format="currency"),
        Metric(name="units", label="units sold", object="order_items",
               expression="SUM(quantity)"),
        Metric(name="order_count", label="number of orders", object="orders",
               expression="COUNT(*)"),
        Metric(name="buyers", label="buying customers", object="orders",
               expression="COUNT(DISTINCT customer_id)", additive=False),
        Metric(name="shipping", label="shipping cost", object="orders",
               expression="SUM(shipping_cost)", format="currency"),
        Metric(name="customer_count", label="number of customers", object="customers",
               expression="COUNT(*)"),
    ]

    def rel(source: str, column: str, target: str, key: str) -> Relationship:
        return Relationship(from_object=source, from_columns=[column], to_object=target,
                            to_columns=[key])

    relationships = [
        rel("customers", "rep_id", "sales_reps", "rep_id"),
        rel("orders", "customer_id", "customers", "customer_id"),
        rel("orders", "rep_id", "sales_reps", "rep_id"),
        rel("order_items", "order_id", "orders", "order_id"),
        rel("order_items", "product_id", "products", "product_id"),
    ]
    return Ontology(source="demo", dialect="duckdb", objects=objects, metrics=metrics,
                    relationships=relationships)


@pytest.fixture
def ontology() -> Ontology:
    return build_ontology()


def _create_sql(table: str) -> str:
    columns, _ = TABLES[table]
    return f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in columns)})"


def _insert_sql(table: str, marker: str) -> str:
    columns, _ = TABLES[table]
    return f"INSERT INTO {table} VALUES ({', '.join(marker for _ in columns)})"


def _dicts(names: list[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in rows]


@pytest.fixture(scope="session")
def duckdb_execute() -> Iterator[Execute]:
    connection = duckdb.connect(":memory:")
    for table, (_, rows) in TABLES.items():
        connection.execute(_create_sql(table))
        connection.executemany(_insert_sql(table, "?"), rows)

    def execute(sql: str) -> list[dict[str, Any]]:
        cursor = connection.execute(sql)
        names = [d[0] for d in cursor.description or []]
        return _dicts(names, cursor.fetchall())

    yield execute
    connection.close()


@pytest.fixture(scope="session")
def sqlite_execute(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Execute]:
    path: Path = tmp_path_factory.mktemp("sqlite") / "demo.sqlite"
    connection = sqlite3.connect(path)
    for table, (_, rows) in TABLES.items():
        connection.execute(_create_sql(table))
        plain = [
            tuple(v.isoformat() if isinstance(v, dt.date) else
                  float(v) if isinstance(v, Decimal) else v for v in row)
            for row in rows
        ]
        connection.executemany(_insert_sql(table, "?"), plain)
    connection.commit()

    def execute(sql: str) -> list[dict[str, Any]]:
        cursor = connection.execute(sql)
        names = [d[0] for d in cursor.description or []]
        return _dicts(names, cursor.fetchall())

    yield execute
    connection.close()


@pytest.fixture(scope="session")
def postgres_execute() -> Iterator[Execute]:
    psycopg = pytest.importorskip("psycopg")
    try:
        connection = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3,
            autocommit=True,
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {error}")
    schema = f"parley_semantic_{uuid.uuid4().hex[:8]}"
    connection.execute(f"CREATE SCHEMA {schema}")
    connection.execute(f"SET search_path TO {schema}")
    for table, (_, rows) in TABLES.items():
        connection.execute(_create_sql(table))
        with connection.cursor() as cursor:
            cursor.executemany(_insert_sql(table, "%s"), rows)

    def execute(sql: str) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            names = [d.name for d in cursor.description or []]
            return _dicts(names, cursor.fetchall())

    yield execute
    connection.execute(f"DROP SCHEMA {schema} CASCADE")
    connection.close()


@pytest.fixture(scope="session")
def mariadb_execute() -> Iterator[Execute]:
    pymysql = pytest.importorskip("pymysql")
    try:
        connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="",
                                     autocommit=True, connect_timeout=3)
    except pymysql.err.OperationalError as error:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 is unreachable: {error}")
    database = f"parley_semantic_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
        cursor.execute(f"USE {database}")
        for table, (_, rows) in TABLES.items():
            cursor.execute(_create_sql(table))
            cursor.executemany(_insert_sql(table, "%s"), rows)

    def execute(sql: str) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            names = [d[0] for d in cursor.description or []]
            return _dicts(names, list(cursor.fetchall()))

    yield execute
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {database}")
    connection.close()


#: The databases every execution test runs on, with their sqlglot dialect.
BACKENDS = {
    "duckdb": "duckdb_execute",
    "sqlite": "sqlite_execute",
    "postgres": "postgres_execute",
    "mysql": "mariadb_execute",
}


@pytest.fixture(
    params=[
        "duckdb",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mariadb),
    ]
)
def backend(request: pytest.FixtureRequest) -> tuple[str, Execute]:
    """``(dialect, execute)`` for each database the tests run on."""
    dialect: str = request.param
    execute: Execute = request.getfixturevalue(BACKENDS[dialect])
    return dialect, execute


@pytest.fixture(scope="session")
def demo_records() -> dict[str, list[dict[str, Any]]]:
    """Every fixture table as a list of row dicts, to compute expected answers in Python."""
    return {table: records(table) for table in TABLES}
