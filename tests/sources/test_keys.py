"""Relationships found when no foreign key is declared: names propose, the data decides.

Every database here is real (SQLite files, DuckDB files, PostgreSQL and MariaDB on the
local servers) and declares no foreign key: links come from key names and value overlap.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
import pymysql
import pytest

from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.ontology import Ontology
from parley.sources.base import SchemaInfo
from parley.sources.connect import connect
from parley.sources.keys import KeyCandidate, overlap_sql


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _links(ontology: Ontology) -> set[tuple[str, str, str, str]]:
    return {
        (r.from_object, r.from_columns[0], r.to_object, r.to_columns[0])
        for r in ontology.relationships
    }


def _read(url: str, name: str = "keys") -> tuple[SchemaInfo, Ontology]:
    source = connect(url, name=name)
    try:
        schema = source.introspect()
    finally:
        source.close()
    return schema, derive_ontology(schema, source=name)


# --- pairs that must and must not link --------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A referenced table (its key, whether declared) and a referencing one, with data."""

    target: str
    key: str
    source: str
    column: str
    key_values: Sequence[object] = (1, 2, 3, 4, 5)
    column_values: Sequence[object] = (1, 1, 2, 3, 5)
    key_declared: bool = True
    key_type: str = "INTEGER"
    column_type: str = "INTEGER"

    def build(self, path: Path) -> None:
        conn = sqlite3.connect(path)
        pk = f", PRIMARY KEY ({_quote(self.key)})" if self.key_declared else ""
        conn.execute(
            f"CREATE TABLE {_quote(self.target)} ({_quote(self.key)} {self.key_type}, "
            f"label TEXT{pk})"
        )
        conn.execute(
            f"CREATE TABLE {_quote(self.source)} (pos INTEGER PRIMARY KEY, "
            f"{_quote(self.column)} {self.column_type}, amount REAL)"
        )
        conn.executemany(
            f"INSERT INTO {_quote(self.target)} VALUES (?, ?)",
            [(value, f"row {value}") for value in self.key_values],
        )
        conn.executemany(
            f"INSERT INTO {_quote(self.source)} VALUES (?, ?, 1.5)",
            list(enumerate(self.column_values)),
        )
        conn.commit()
        conn.close()


MUST_LINK = {
    "name plus id names the table": Pair("customers", "id", "orders", "customer_id"),
    "same key name": Pair("customers", "customer_id", "orders", "customer_id"),
    "table-name prefix, any case": Pair("Customers", "Customer_ID", "Orders", "Customer_ID"),
    "camel case": Pair("categories", "category_id", "products", "CategoryID"),
    "abbreviation": Pair("customers", "id", "orders", "cust_id"),
    "singular table": Pair("customer", "id", "orders", "customer_id"),
    "glued id": Pair("student", "StuID", "lives_in", "stuid"),
    "same distinctive key, other table name": Pair("bank", "branch_id", "loan", "branch_id"),
    "role before the table name": Pair("addresses", "address_id", "shops", "billing_address_id"),
    "role before the key name": Pair("airports", "apid", "routes", "src_apid"),
    "numbered role": Pair("club", "club_id", "results", "club_id_2"),
    "bare table name": Pair("patient", "ssn", "stay", "patient"),
    "text codes": Pair(
        "countries",
        "country_code",
        "cities",
        "country_code",
        key_values=("DE", "FR", "US"),
        column_values=("DE", "US", "US"),
        key_type="TEXT",
        column_type="TEXT",
    ),
    "undeclared key unique in the data": Pair(
        "doctors", "doc_id", "treatments", "doc_id", key_declared=False
    ),
    "abbreviated undeclared key": Pair(
        "doctors", "doc_id", "treatments", "doctor_id", key_declared=False
    ),
    "key stored as text (SQLite compares by affinity)": Pair(
        "track", "track_id", "race", "track_id", column_type="TEXT"
    ),
    "one orphan of ten (overlap 0.9)": Pair(
        "customers",
        "id",
        "orders",
        "customer_id",
        key_values=range(1, 10),
        column_values=range(1, 11),
    ),
}

MUST_NOT_LINK = {
    "low overlap": Pair("customers", "id", "orders", "customer_id", column_values=(7, 8, 9, 1)),
    "disjoint values": Pair("patient", "ssn", "physician", "ssn", column_values=(100, 200)),
    "generic name": Pair("manufacturers", "code", "products", "code"),
    "plain id": Pair("people", "id", "orders", "id"),
    "key with duplicates in the data": Pair(
        "doctors",
        "doc_id",
        "treatments",
        "doc_id",
        key_values=(1, 1, 2, 3, 5),
        key_declared=False,
    ),
    "bare name, a single value": Pair("patient", "ssn", "stay", "patient", column_values=(1, 1, 1)),
    "bare name, below 0.9": Pair(
        "patient",
        "ssn",
        "stay",
        "patient",
        key_values=range(1, 9),
        column_values=range(1, 11),
    ),
    "unrelated names": Pair("customers", "id", "orders", "amount_due"),
    "dates are not keys": Pair(
        "calendar",
        "calendar_date",
        "events",
        "calendar_date",
        key_values=("2024-01-01",),
        column_values=("2024-01-01",),
        key_type="DATE",
        column_type="DATE",
    ),
}


@pytest.mark.parametrize("pair", list(MUST_LINK.values()), ids=list(MUST_LINK))
def test_pairs_that_link(pair: Pair, tmp_path: Path) -> None:
    pair.build(tmp_path / "db.sqlite")
    _, ontology = _read(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert _links(ontology) == {(pair.source, pair.column, pair.target, pair.key)}
    (relationship,) = ontology.relationships
    assert relationship.origin == "name_match"
    assert relationship.overlap is not None and relationship.overlap >= 0.8


@pytest.mark.parametrize("pair", list(MUST_NOT_LINK.values()), ids=list(MUST_NOT_LINK))
def test_pairs_that_do_not_link(pair: Pair, tmp_path: Path) -> None:
    pair.build(tmp_path / "db.sqlite")
    _, ontology = _read(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert _links(ontology) == set()


def test_low_overlap_rejects_what_the_names_alone_would_link(tmp_path: Path) -> None:
    pair = MUST_NOT_LINK["low overlap"]
    pair.build(tmp_path / "db.sqlite")
    schema, ontology = _read(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert schema.key_overlaps is not None
    (measured,) = schema.key_overlaps
    assert (measured.from_column, measured.to_table, measured.sampled, measured.found) == (
        "customer_id",
        "customers",
        4,
        1,
    )
    assert measured.overlap == 0.25
    assert ontology.relationships == []
    # The same schema read without its data links on the names alone.
    blind = derive_ontology(
        SchemaInfo(dialect=schema.dialect, tables=schema.tables), source="blind"
    )
    assert _links(blind) == {("orders", "customer_id", "customers", "id")}
    assert blind.relationships[0].overlap is None


def test_overlap_query_is_bounded() -> None:
    candidate = KeyCandidate("orders", "customer_id", "customers", "id", 0, True, True)
    sql = overlap_sql(candidate, table_sql=lambda _s, t: _quote(t), quote=_quote)
    assert "LIMIT 100000" in sql and "LIMIT 1000" in sql
    undeclared = KeyCandidate("orders", "customer_id", "customers", "id", 0, False, True)
    assert "COUNT(DISTINCT" in overlap_sql(
        undeclared, table_sql=lambda _s, t: _quote(t), quote=_quote
    )


# --- a whole database without declared keys ---------------------------------------------

_SHOP = (
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country_code TEXT)",
    "CREATE TABLE countries (country_code TEXT PRIMARY KEY, country TEXT)",
    "CREATE TABLE products (sku TEXT PRIMARY KEY, title TEXT, price DECIMAL(10,2))",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, "
    "ordered_at TIMESTAMP, sales_rep_id INTEGER)",
    "CREATE TABLE order_items (order_id INTEGER, line INTEGER, sku TEXT, quantity INTEGER, "
    "PRIMARY KEY (order_id, line))",
    "CREATE TABLE payments (payment_id INTEGER PRIMARY KEY, order_id INTEGER, "
    "customer_id INTEGER, amount DECIMAL(10,2))",
    "CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, manager_id INTEGER)",
    "CREATE TABLE customer_details (customer_id INTEGER PRIMARY KEY, vip BOOLEAN)",
    "INSERT INTO countries VALUES ('DE', 'Germany'), ('FR', 'France'), ('US', 'United States')",
    "INSERT INTO customers VALUES (1, 'Acme', 'US'), (2, 'Globex', 'DE'), (3, 'Initech', 'US'), "
    "(4, 'Umbrella', 'FR')",
    "INSERT INTO products VALUES ('A-1', 'Anvil', 10), ('B-2', 'Bolt', 1), ('C-3', 'Cog', 2)",
    "INSERT INTO employees VALUES (10, 'Ann', NULL), (11, 'Bob', 10), (12, 'Cid', 10)",
    "INSERT INTO orders VALUES (100, 1, '2024-01-01 10:00:00', 11), "
    "(101, 2, '2024-01-02 10:00:00', 12), (102, 1, '2024-01-03 10:00:00', 11), "
    "(103, 3, '2024-01-04 10:00:00', 12)",
    "INSERT INTO order_items VALUES (100, 1, 'A-1', 2), (100, 2, 'B-2', 10), "
    "(101, 1, 'C-3', 1), (102, 1, 'A-1', 1), (103, 1, 'B-2', 5)",
    "INSERT INTO payments VALUES (1, 100, 1, 30), (2, 101, 2, 2), (3, 103, 3, 5)",
    "INSERT INTO customer_details VALUES (1, TRUE), (3, FALSE)",
)

SHOP_LINKS = {
    ("customers", "country_code", "countries", "country_code"),
    ("orders", "customer_id", "customers", "id"),
    ("orders", "sales_rep_id", "employees", "id"),
    ("order_items", "order_id", "orders", "order_id"),
    ("order_items", "sku", "products", "sku"),
    ("payments", "order_id", "orders", "order_id"),
    ("payments", "customer_id", "customers", "id"),
    ("employees", "manager_id", "employees", "id"),
    ("customer_details", "customer_id", "customers", "id"),
}


def test_a_sqlite_database_without_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    conn = sqlite3.connect(path)
    for statement in _SHOP:
        conn.execute(statement)
    conn.commit()
    conn.close()
    _, ontology = _read(f"sqlite:///{path}")
    assert _links(ontology) == SHOP_LINKS
    assert {r.origin for r in ontology.relationships} == {"name_match"}
    assert all(r.overlap == 1.0 for r in ontology.relationships)
    labels = {(r.from_object, r.from_columns[0]): r.label for r in ontology.relationships}
    assert labels[("employees", "manager_id")] == "manager"
    assert labels[("orders", "sales_rep_id")] == "sales rep"
    # A key column found to refer to another table is an identifier, never summed.
    assert ontology.resolve("orders.sales_rep_id")[1].role == "identifier"


def test_declared_foreign_keys_win(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, customer_id INTEGER)")
    conn.execute(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, "
        "customer_id INTEGER REFERENCES customers (id), invoice_id INTEGER)"
    )
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, order_id INTEGER)")
    conn.execute("INSERT INTO customers VALUES (1, 1), (2, 2)")
    conn.execute("INSERT INTO orders VALUES (1, 1, 1), (2, 2, 2)")
    conn.execute("INSERT INTO invoices VALUES (1, 1), (2, 2)")
    conn.commit()
    conn.close()
    _, ontology = _read(f"sqlite:///{path}")
    found = {
        (r.from_object, r.from_columns[0], r.to_object, r.to_columns[0], r.origin)
        for r in ontology.relationships
    }
    assert found == {
        ("orders", "customer_id", "customers", "id", "foreign_key"),
        # One to one: the names say which refers to which, the reverse is not added.
        ("orders", "invoice_id", "invoices", "id", "name_match"),
        ("invoices", "order_id", "orders", "id", "name_match"),
    }


# --- DuckDB -----------------------------------------------------------------------------


def test_a_duckdb_database_without_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "shop.duckdb"
    conn = duckdb.connect(str(path))
    for statement in _SHOP:
        conn.execute(statement)
    # Types DuckDB cannot compare without a cast are never linked.
    conn.execute("CREATE TABLE shipments (shipment_id INTEGER PRIMARY KEY, order_id VARCHAR)")
    conn.execute("INSERT INTO shipments VALUES (1, '100'), (2, '101')")
    conn.close()
    _, ontology = _read(f"duckdb:///{path}")
    assert _links(ontology) == SHOP_LINKS
    assert all(r.overlap == 1.0 for r in ontology.relationships)


def test_duckdb_unique_constraints_are_keys(tmp_path: Path) -> None:
    path = tmp_path / "u.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, sku VARCHAR UNIQUE)")
    conn.execute("CREATE TABLE stock (pos INTEGER PRIMARY KEY, sku VARCHAR, units INTEGER)")
    conn.execute("INSERT INTO products VALUES (1, 'A'), (2, 'B')")
    conn.execute("INSERT INTO stock VALUES (1, 'A', 3), (2, 'B', 4), (3, 'A', 1)")
    conn.close()
    schema, ontology = _read(f"duckdb:///{path}")
    products = schema.table("products")
    assert products is not None and products.column("sku") is not None
    assert products.column("sku").unique  # type: ignore[union-attr]
    assert _links(ontology) == {("stock", "sku", "products", "sku")}


# --- PostgreSQL and MariaDB -------------------------------------------------------------

_SERVER_DDL = (
    "CREATE TABLE {s}customers (id INTEGER PRIMARY KEY, name VARCHAR(40))",
    "CREATE TABLE {s}orders (id INTEGER PRIMARY KEY, customer_id INTEGER, amount DECIMAL(8,2))",
    "CREATE TABLE {s}payments (id INTEGER PRIMARY KEY, order_id INTEGER, customer_id VARCHAR(10))",
    "CREATE TABLE {s}tickets (id INTEGER PRIMARY KEY, customer_id INTEGER)",
    "INSERT INTO {s}customers VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech')",
    "INSERT INTO {s}orders VALUES (1, 1, 10), (2, 2, 20), (3, 3, 30), (4, 1, 5)",
    "INSERT INTO {s}payments VALUES (1, 1, '1'), (2, 4, '1')",
    # Customers 7 to 9 do not exist: the name says customer, the data does not.
    "INSERT INTO {s}tickets VALUES (1, 7), (2, 8), (3, 9), (4, 1)",
)


def _postgres() -> Iterator[str]:
    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3, autocommit=True
        )
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    # A database of its own: the tables of other tests live in schemas of "test".
    database = f"parley_keys_{uuid.uuid4().hex[:10]}"
    try:
        admin.execute(f"CREATE DATABASE {database}")
        with psycopg.connect(
            f"host=127.0.0.1 port=5432 user=postgres dbname={database}", autocommit=True
        ) as conn:
            for statement in _SERVER_DDL:
                conn.execute(statement.format(s=""))
        yield f"postgresql://postgres@127.0.0.1:5432/{database}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()


def _mariadb() -> Iterator[str]:
    try:
        admin = pymysql.connect(
            host="127.0.0.1",
            port=3306,
            user="root",
            password="",
            connect_timeout=3,
            autocommit=True,
        )
    except pymysql.MySQLError as exc:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 is not reachable: {exc}")
    database = f"parley_keys_{uuid.uuid4().hex[:10]}"
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {database}")
            for statement in _SERVER_DDL:
                cursor.execute(statement.format(s=f"{database}."))
        yield f"mariadb://root@127.0.0.1:3306/{database}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()


@pytest.mark.parametrize(
    "server",
    [
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
)
def test_servers_without_foreign_keys(server: str) -> None:
    makers = {"postgres": _postgres, "mariadb": _mariadb}
    for url in makers[server]():
        schema, ontology = _read(url, name=f"keys-{server}")
        links = _links(ontology)
        assert ("orders", "customer_id", "customers", "id") in links
        assert ("payments", "order_id", "orders", "id") in links
        # Low overlap: 1 of 4 ticket customers exists.
        assert not any(link[0] == "tickets" for link in links)
        assert schema.key_overlaps is not None
        tickets = next(o for o in schema.key_overlaps if o.from_table == "tickets")
        assert (tickets.sampled, tickets.found) == (4, 1)
        # A text column and an integer key: MariaDB compares them, PostgreSQL cannot.
        text_link = ("payments", "customer_id", "customers", "id")
        assert (text_link in links) == (server == "mariadb")
