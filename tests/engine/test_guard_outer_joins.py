"""Outer joins onto a filtered table must not bring back what the filter hides."""

from __future__ import annotations

import duckdb
import pytest

from parley.engine.guard import RowFilter, guard_sql


@pytest.fixture()
def database() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE customers (id INT, segment TEXT)")
    connection.execute("INSERT INTO customers VALUES (1, 'Enterprise'), (2, 'Small Business')")
    connection.execute("CREATE TABLE orders (id INT, customer_id INT, amount INT)")
    connection.execute("INSERT INTO orders VALUES (1, 1, 100), (2, 2, 7), (3, 2, 8)")
    return connection


@pytest.mark.parametrize("join", ["LEFT JOIN", "LEFT OUTER JOIN", "FULL OUTER JOIN"])
def test_facts_of_hidden_rows_are_not_counted(
    database: duckdb.DuckDBPyConnection, join: str
) -> None:
    sql = (
        f"SELECT c.segment, SUM(o.amount) FROM orders o {join} customers c "
        "ON o.customer_id = c.id GROUP BY c.segment"
    )
    unguarded = database.execute(sql).fetchall()
    assert (None, 15) in unguarded or ("Small Business", 15) in unguarded
    guarded = guard_sql(
        sql,
        "duckdb",
        max_rows=10,
        row_filters=[RowFilter("segment", "eq", "Enterprise")],
        table_columns={"customers": ["id", "segment"], "orders": ["id", "customer_id", "amount"]},
    )
    assert database.execute(guarded.sql).fetchall() == [("Enterprise", 100)]
