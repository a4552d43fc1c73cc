"""The guard: one read-only query, row filters around every real table, a LIMIT."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from parley.engine.guard import GuardedStatement, RowFilter, guard_sql
from parley.errors import GuardRejected

DIALECTS = ("duckdb", "postgres", "mysql", "sqlite", "redshift")

COLUMNS: dict[str, list[str]] = {
    "customers": ["id", "name", "region", "tenant"],
    "orders": ["order_id", "customer_id", "amount", "ordered_on", "tenant"],
    "products": ["product_id", "name"],
}
CUSTOMERS = [(1, "A1", "EU", "acme"), (2, "A2", "US", "acme"), (3, "G1", "EU", "globex")]
ORDERS = [
    (10, 1, 100, dt.date(2024, 1, 5), "acme"),
    (11, 2, 50, dt.date(2024, 2, 5), "acme"),
    (12, 3, 999, dt.date(2024, 3, 5), "globex"),
    (13, 1, 20, dt.date(2024, 4, 5), "acme"),
]
PRODUCTS = [(1, "Widget"), (2, "Gadget")]
ACME = (RowFilter("tenant", "eq", "acme"),)
#: The schema most tests read: the tables above and a few plain ones.
SCHEMA: dict[str, list[str]] = {
    **COLUMNS,
    "t": ["a", "b", "n", "x", "d", "id", "name"],
    "users": ["id", "name"],
    "u": ["id", "name"],
}


#: Functions that reach outside the data (files, network, other databases, settings,
#: processes, time), in one dialect or another: none is on any allow-list.
DANGEROUS_FUNCTIONS: frozenset[str] = frozenset(
    {
        # sleeping and busy work
        "pg_sleep", "pg_sleep_for", "pg_sleep_until", "sleep", "benchmark",
        # server files
        "pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_ls_dir", "pg_ls_logdir",
        "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_file_write",
        "pg_file_rename", "pg_file_unlink", "pg_logdir_ls", "lo_import", "lo_export",
        "load_file", "readfile", "writefile", "edit", "read_text", "read_blob", "glob",
        "parquet_scan", "parquet_metadata", "parquet_schema", "parquet_file_metadata",
        "parquet_kv_metadata", "sniff_csv", "st_read", "read_xlsx", "fts3_tokenizer",
        "zipfile", "fsdir", "csv_scan", "json_scan",
        # network and other databases
        "http_get", "http_post", "http_head", "sqlite_scan", "sqlite_attach",
        "postgres_scan", "postgres_attach", "postgres_query", "postgres_execute",
        "mysql_query", "mysql_execute", "iceberg_scan", "delta_scan",
        # SQL given as a string
        "query", "query_table", "query_to_xml", "query_to_xml_and_xmlschema",
        "cursor_to_xml", "table_to_xml", "table_to_xml_and_xmlschema", "schema_to_xml",
        "database_to_xml", "ts_stat", "ts_rewrite",
        # settings, environment and extensions (reading them may leak configuration)
        "set_config", "current_setting", "getenv", "getvariable", "set_variable",
        "duckdb_settings", "duckdb_secrets", "which_secret", "load_aws_credentials",
        "load_extension", "system", "sys_exec", "sys_eval",
        # server processes, locks, replication and state changes
        "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
        "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_start_backup",
        "pg_stop_backup", "pg_backup_start", "pg_backup_stop", "pg_notify",
        "pg_logical_emit_message", "get_lock", "release_lock", "release_all_locks",
        "master_pos_wait", "source_pos_wait", "nextval", "setval", "txid_current",
        "pg_current_xact_id", "checkpoint", "force_checkpoint",
    }
)  # fmt: skip


def guard(sql: str, dialect: str, **kwargs: Any) -> GuardedStatement:
    kwargs.setdefault("table_columns", SCHEMA)
    return guard_sql(sql, dialect, **kwargs)


def rejected(sql: str, dialect: str = "duckdb", **kwargs: Any) -> GuardRejected:
    kwargs.setdefault("max_rows", 100)
    with pytest.raises(GuardRejected) as info:
        guard(sql, dialect, **kwargs)
    return info.value


def acme(sql: str, dialect: str = "duckdb", max_rows: int = 100) -> GuardedStatement:
    return guard(sql, dialect, max_rows=max_rows, row_filters=ACME, table_columns=COLUMNS)


# ---------------------------------------------------------------- accepted queries


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "SELECT name FROM customers WHERE region = 'EU' ORDER BY name",
        "SELECT region, COUNT(*) AS n FROM customers GROUP BY region HAVING COUNT(*) > 1",
        "WITH big AS (SELECT * FROM orders WHERE amount > 10) SELECT COUNT(*) FROM big",
        "SELECT name FROM customers UNION SELECT name FROM products",
        "SELECT name FROM customers INTERSECT SELECT name FROM products",
        "SELECT name FROM customers EXCEPT SELECT name FROM products",
        "SELECT c.name, SUM(o.amount) FROM customers c JOIN orders o ON o.customer_id = c.id "
        "GROUP BY c.name",
        "SELECT * FROM orders WHERE customer_id IN (SELECT id FROM customers)",
        "SELECT 1;",
    ],
)
def test_read_only_queries_are_accepted_in_every_dialect(dialect: str, sql: str) -> None:
    guarded = guard(sql, dialect, max_rows=50)
    assert guarded.limit == 50
    reparsed = sqlglot.parse(guarded.sql, read=dialect)
    assert len(reparsed) == 1
    assert reparsed[0] is not None
    assert reparsed[0].args.get("limit") is not None


def test_values_is_accepted_and_runs() -> None:
    guarded = guard("VALUES (1), (2), (3)", "duckdb", max_rows=2)
    assert duckdb.connect().execute(guarded.sql).fetchall() == [(1,), (2,)]


def test_tables_lists_real_tables_once_and_not_cte_names() -> None:
    guarded = guard(
        "WITH big AS (SELECT * FROM orders) SELECT * FROM big JOIN customers c "
        "ON c.id = big.customer_id JOIN orders o2 ON o2.order_id = big.order_id",
        "duckdb",
        max_rows=10,
    )
    assert guarded.tables == ("customers", "orders")


# ---------------------------------------------------------------- refused statements

NOT_A_QUERY = "statements are not allowed: only a read-only query (SELECT, WITH ... SELECT, UNION, INTERSECT, EXCEPT or VALUES) can run"  # noqa: E501


@pytest.mark.parametrize(
    ("dialect", "sql", "kind"),
    [
        ("postgres", "INSERT INTO t VALUES (1)", "INSERT"),
        ("postgres", "UPDATE t SET a = 1", "UPDATE"),
        ("postgres", "DELETE FROM t", "DELETE"),
        ("postgres", "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "MERGE"),
        ("duckdb", "CREATE TABLE x AS SELECT 1", "CREATE"),
        ("postgres", "DROP TABLE t", "DROP"),
        ("postgres", "ALTER TABLE t ADD COLUMN c INT", "ALTER"),
        ("postgres", "TRUNCATE TABLE t", "TRUNCATE"),
        ("postgres", "GRANT SELECT ON t TO u", "GRANT"),
        ("postgres", "COPY t TO '/tmp/x'", "COPY"),
        ("duckdb", "ATTACH 'other.db'", "ATTACH"),
        ("duckdb", "DETACH other", "DETACH"),
        ("sqlite", "PRAGMA table_info(t)", "PRAGMA"),
        ("postgres", "SET search_path = x", "SET"),
        ("duckdb", "CALL some_procedure()", "CALL"),
        ("duckdb", "INSTALL httpfs", "INSTALL"),
        ("duckdb", "LOAD httpfs", "LOAD"),
        ("duckdb", "DESCRIBE t", "DESCRIBE"),
        ("mysql", "SHOW TABLES", "SHOW"),
        ("postgres", "BEGIN", "BEGIN"),
        ("postgres", "VACUUM", "VACUUM"),
        ("postgres", "EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN"),
        ("mysql", "REPLACE INTO t VALUES (1)", "REPLACE"),
    ],
)
def test_statements_other_than_queries_are_refused(dialect: str, sql: str, kind: str) -> None:
    assert rejected(sql, dialect).message == f"{kind} {NOT_A_QUERY}"


@pytest.mark.parametrize(
    ("dialect", "sql", "message"),
    [
        ("duckdb", "SELECT 1; DROP TABLE x", "only one statement is allowed, found 2"),
        ("postgres", "SELECT 1; SELECT 2; SELECT 3;", "only one statement is allowed, found 3"),
        ("duckdb", "", "no SQL statement was given"),
        ("duckdb", " ; ", "no SQL statement was given"),
        (
            "postgres",
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
            "DELETE statements are not allowed, even inside a query: only a read-only query "
            "can run",
        ),
        (
            "postgres",
            "WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM x",
            "UPDATE statements are not allowed, even inside a query: only a read-only query "
            "can run",
        ),
        ("postgres", "SELECT * INTO y FROM t", "SELECT ... INTO is not allowed: it writes a table"),
        (
            "postgres",
            "SELECT * FROM t FOR UPDATE",
            "the locking clause FOR UPDATE is not allowed: a read-only query takes no row locks",
        ),
        (
            "postgres",
            "SELECT * FROM (SELECT * FROM t FOR SHARE) s",
            "the locking clause FOR SHARE is not allowed: a read-only query takes no row locks",
        ),
        (
            "mysql",
            "SELECT * FROM t LOCK IN SHARE MODE",
            "the locking clause FOR SHARE is not allowed: a read-only query takes no row locks",
        ),
        (
            "duckdb",
            "FROM 'secrets.csv'",
            "table name 'secrets.csv' is not allowed: DuckDB would read it as a file or URL",
        ),
        (
            "duckdb",
            'SELECT * FROM "s3://bucket/data"',
            "table name 's3://bucket/data' is not allowed: DuckDB would read it as a file or URL",
        ),
        (
            "duckdb",
            "SELECT * FROM pragma_table_info('t')",
            "table function pragma_table_info is not allowed in FROM: only tables, subqueries, "
            "VALUES, UNNEST and GENERATE_SERIES can be read",
        ),
    ],
)
def test_refusals_say_what_and_why(dialect: str, sql: str, message: str) -> None:
    assert rejected(sql, dialect).message == message


def test_mysql_into_outfile_is_refused() -> None:
    error = rejected("SELECT * FROM t INTO OUTFILE '/tmp/x'", "mysql")
    assert error.detail["highlight"] == "INTO"


def refuses_function(error: GuardRejected, name: str) -> bool:
    """Whether the refusal names the function, called in a select list or read in FROM."""
    return error.message.startswith((f"function {name} is not allowed", f"table function {name}"))


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT pg_sleep(5)", "pg_sleep"),
        ("SELECT PG_SLEEP(5)", "pg_sleep"),
        ("SELECT pg_catalog.pg_sleep(5)", "pg_sleep"),
        ("SELECT sleep(5)", "sleep"),
        ("SELECT benchmark(1000000, md5('a'))", "benchmark"),
        ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
        ("SELECT pg_read_binary_file('/etc/passwd')", "pg_read_binary_file"),
        ("SELECT * FROM pg_ls_dir('.') AS d", "pg_ls_dir"),
        ("SELECT lo_import('/etc/passwd')", "lo_import"),
        ("SELECT lo_export(1, '/tmp/x')", "lo_export"),
        ("SELECT dblink_exec('host=x', 'DROP TABLE t')", "dblink_exec"),
        ("SELECT set_config('work_mem', '1GB', false)", "set_config"),
        ("SELECT current_setting('data_directory')", "current_setting"),
        ("SELECT pg_terminate_backend(1)", "pg_terminate_backend"),
        ("SELECT pg_cancel_backend(1)", "pg_cancel_backend"),
        ("SELECT load_file('/etc/passwd')", "load_file"),
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("SELECT * FROM read_csv_auto('x.csv')", "read_csv_auto"),
        ("SELECT * FROM read_parquet('x.parquet')", "read_parquet"),
        ("SELECT * FROM read_json_auto('x.json')", "read_json_auto"),
        ("SELECT content FROM read_text('/etc/passwd')", "read_text"),
        ("SELECT * FROM read_blob('/etc/passwd')", "read_blob"),
        ("SELECT * FROM parquet_scan('x.parquet')", "parquet_scan"),
        ("SELECT http_get('http://example.com')", "http_get"),
        ("SELECT load_extension('evil.so')", "load_extension"),
        ("SELECT readfile('/etc/passwd')", "readfile"),
        ("SELECT writefile('/tmp/x', 'y')", "writefile"),
        ("SELECT * FROM query('SELECT * FROM secrets')", "query"),
        ("SELECT query_to_xml('SELECT * FROM secrets', true, false, '')", "query_to_xml"),
        ("SELECT * FROM ts_stat('SELECT doc FROM secrets')", "ts_stat"),
        ("SELECT getenv('HOME')", "getenv"),
        ("SELECT system('id')", "system"),
        ("SELECT nextval('s')", "nextval"),
        ("SELECT name FROM customers WHERE id = (SELECT pg_sleep(1))", "pg_sleep"),
        ("SELECT * FROM t CROSS JOIN LATERAL pg_ls_dir(t.a) AS d", "pg_ls_dir"),
    ],
)
def test_dangerous_functions_are_refused_in_every_dialect(
    dialect: str, sql: str, name: str
) -> None:
    assert refuses_function(rejected(sql, dialect), name)


def test_duckdb_glob_table_function_is_refused() -> None:
    assert refuses_function(rejected("SELECT * FROM glob('/*')"), "glob")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(DANGEROUS_FUNCTIONS))
def test_every_dangerous_function_is_refused_where_it_parses(name: str, dialect: str) -> None:
    sql = f"SELECT {name}('x')"
    try:
        sqlglot.parse_one(sql, read=dialect)
    except sqlglot.ParseError:
        pytest.skip(f"{name} is not parsed as a function call in {dialect}")
    assert rejected(sql, dialect).message.startswith("function ")


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("duckdb", "SELECT * FROM generate_series(1, 3)"),
        ("duckdb", "SELECT * FROM range(3)"),
        ("duckdb", "SELECT * FROM unnest([1, 2])"),
        ("postgres", "SELECT * FROM t CROSS JOIN LATERAL generate_series(1, t.n) AS g"),
        ("sqlite", "SELECT 'a' GLOB 'b'"),
        ("duckdb", "SELECT sum(x), date_trunc('month', d) FROM t GROUP BY 2"),
    ],
)
def test_harmless_functions_are_accepted(dialect: str, sql: str) -> None:
    guard(sql, dialect, max_rows=10)


# ---------------------------------------------------------------- parse errors


@pytest.mark.parametrize(
    ("sql", "line", "col", "highlight"),
    [
        ("SELECT * FROM t WHERE a =", 1, 25, "="),
        ("SELECT a,\n  b +\nFROM t", 3, 4, "FROM"),
        ("SELECT *\nFROM t\nWHERE ((a = 1)", 3, 14, ")"),
    ],
)
def test_parse_errors_carry_line_column_and_token(
    sql: str, line: int, col: int, highlight: str
) -> None:
    error = rejected(sql)
    assert error.detail == {"line": line, "col": col, "highlight": highlight}
    assert error.message.startswith(
        f"could not parse the SQL at line {line}, column {col} near {highlight!r}: "
    )


def test_unterminated_string_reports_where_it_starts() -> None:
    error = rejected("SELECT 1,\n  'abc", "postgres")
    assert error.message.startswith("could not read the SQL at line 1, column 1 near ")
    assert error.detail["line"] == 1


# ---------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("dialect", "sql", "expected", "limit"),
    [
        ("duckdb", "SELECT a FROM t", "SELECT a FROM t LIMIT 100", 100),
        ("duckdb", "SELECT a FROM t LIMIT 5", "SELECT a FROM t LIMIT 5", 5),
        ("duckdb", "SELECT a FROM t LIMIT 5000", "SELECT a FROM t LIMIT 100", 100),
        ("duckdb", "SELECT a FROM t LIMIT 5 OFFSET 20", "SELECT a FROM t LIMIT 5 OFFSET 20", 5),
        ("postgres", "SELECT a FROM t LIMIT ALL", "SELECT a FROM t LIMIT 100", 100),
        ("duckdb", "SELECT a FROM t LIMIT (SELECT 3)", "SELECT a FROM t LIMIT 100", 100),
        ("sqlite", "SELECT a FROM t LIMIT -1", "SELECT a FROM t LIMIT 100", 100),
        ("mysql", "SELECT a FROM t LIMIT 3, 500", "SELECT a FROM t LIMIT 100 OFFSET 3", 100),
        ("postgres", "SELECT a FROM t FETCH FIRST 7 ROWS ONLY", "SELECT a FROM t LIMIT 7", 7),
        (
            "postgres",
            "SELECT a FROM t OFFSET 2 FETCH FIRST 500 ROWS ONLY",
            "SELECT a FROM t LIMIT 100 OFFSET 2",
            100,
        ),
        ("redshift", "SELECT TOP 5 a FROM t", "SELECT a FROM t LIMIT 5", 5),
        (
            "duckdb",
            "SELECT a FROM t UNION ALL SELECT b FROM u",
            "SELECT a FROM t UNION ALL SELECT b FROM u LIMIT 100",
            100,
        ),
        (
            "duckdb",
            "SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 500 OFFSET 2",
            "SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 100 OFFSET 2",
            100,
        ),
        (
            "duckdb",
            "(SELECT a FROM t LIMIT 1000) UNION ALL (SELECT b FROM u)",
            "(SELECT a FROM t LIMIT 1000) UNION ALL (SELECT b FROM u) LIMIT 100",
            100,
        ),
        ("duckdb", "((SELECT a FROM t))", "SELECT a FROM t LIMIT 100", 100),
        (
            "duckdb",
            "VALUES (1), (2)",
            "SELECT * FROM (VALUES (1), (2)) AS _guarded LIMIT 100",
            100,
        ),
        (
            "duckdb",
            "SELECT a FROM t LIMIT 10%",
            "SELECT * FROM (SELECT a FROM t LIMIT 10 PERCENT) AS _guarded LIMIT 100",
            100,
        ),
    ],
)
def test_limit_rules(dialect: str, sql: str, expected: str, limit: int) -> None:
    guarded = guard(sql, dialect, max_rows=100)
    assert (guarded.sql, guarded.limit) == (expected, limit)


def test_union_limit_applies_to_the_whole_statement_when_run() -> None:
    con = duckdb.connect()
    guarded = guard(
        "SELECT * FROM range(5) UNION ALL SELECT * FROM range(5)", "duckdb", max_rows=7
    )
    assert len(con.execute(guarded.sql).fetchall()) == 7


def test_max_rows_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_rows must be at least 1, got 0"):
        guard("SELECT 1", "duckdb", max_rows=0)


# ---------------------------------------------------------------- row filters on DuckDB


@pytest.fixture
def shop() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (id INT, name VARCHAR, region VARCHAR, tenant VARCHAR)")
    con.execute(
        "CREATE TABLE orders (order_id INT, customer_id INT, amount INT, ordered_on DATE, "
        "tenant VARCHAR)"
    )
    con.execute("CREATE TABLE products (product_id INT, name VARCHAR)")
    con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", CUSTOMERS)
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", ORDERS)
    con.executemany("INSERT INTO products VALUES (?, ?)", PRODUCTS)
    yield con
    con.close()


# Written once in SQL every engine here reads; run as guarded for tenant 'acme'.
PORTABLE_CASES: list[tuple[str, list[tuple[Any, ...]]]] = [
    ("SELECT order_id FROM orders ORDER BY order_id", [(10,), (11,), (13,)]),
    (
        "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id "
        "ORDER BY o.order_id",
        [("A1", 100), ("A2", 50), ("A1", 20)],
    ),
    (
        "SELECT customers.name FROM customers LEFT JOIN orders "
        "ON orders.customer_id = customers.id WHERE orders.order_id IS NULL",
        [],
    ),
    (
        "WITH big AS (SELECT * FROM orders WHERE amount > 30) "
        "SELECT order_id FROM big ORDER BY order_id",
        [(10,), (11,)],
    ),
    ("SELECT COUNT(*) FROM (SELECT * FROM orders) x", [(3,)]),
    ("SELECT (SELECT MAX(amount) FROM orders) AS top", [(100,)]),
    (
        "SELECT name FROM customers c WHERE EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.amount > 500)",
        [],
    ),
    (
        "SELECT name, (SELECT SUM(amount) FROM orders WHERE orders.customer_id = customers.id) "
        "FROM customers ORDER BY name",
        [("A1", 120), ("A2", 50)],
    ),
    ("SELECT COUNT(*) FROM customers WHERE id IN (SELECT customer_id FROM orders)", [(2,)]),
    (
        "SELECT name FROM customers UNION ALL SELECT name FROM products ORDER BY name",
        [("A1",), ("A2",), ("Gadget",), ("Widget",)],
    ),
    (
        "SELECT region FROM customers WHERE region = 'EU' "
        "UNION SELECT region FROM customers WHERE region = 'US' ORDER BY region",
        [("EU",), ("US",)],
    ),
    (
        "WITH totals AS (SELECT customer_id, SUM(amount) AS total FROM orders "
        "GROUP BY customer_id), named AS (SELECT c.name, t.total FROM totals t "
        "JOIN customers c ON c.id = t.customer_id) SELECT name, total FROM named ORDER BY name",
        [("A1", 120), ("A2", 50)],
    ),
    (
        "SELECT x.name FROM (SELECT name FROM customers WHERE id IN "
        "(SELECT customer_id FROM orders WHERE amount >= 50)) x ORDER BY x.name",
        [("A1",), ("A2",)],
    ),
    (
        "SELECT o.amount FROM (customers c JOIN orders o ON o.customer_id = c.id) "
        "WHERE c.region = 'EU' ORDER BY o.amount",
        [(20,), (100,)],
    ),
]


@pytest.mark.parametrize(("sql", "rows"), PORTABLE_CASES)
def test_filtered_queries_return_only_allowed_rows_on_duckdb(
    shop: duckdb.DuckDBPyConnection, sql: str, rows: list[tuple[Any, ...]]
) -> None:
    guarded = acme(sql)
    assert sorted(shop.execute(guarded.sql).fetchall(), key=repr) == sorted(rows, key=repr)


def test_portable_cases_would_see_the_other_tenant_unguarded(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    # Without the guard most cases return other rows, so the cases above test the filter.
    leaking = [
        sql
        for sql, rows in PORTABLE_CASES
        if sorted(shop.execute(sql).fetchall(), key=repr) != sorted(rows, key=repr)
    ]
    assert len(leaking) >= len(PORTABLE_CASES) - 2


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT o.amount FROM orders AS o",
            "SELECT o.amount FROM (SELECT * FROM orders WHERE orders.\"tenant\" = 'acme') AS o "
            "LIMIT 100",
        ),
        (
            "SELECT orders.amount FROM orders",
            "SELECT orders.amount FROM (SELECT * FROM orders WHERE orders.\"tenant\" = 'acme') "
            "AS orders LIMIT 100",
        ),
        (
            "SELECT t.name FROM main.customers AS t",
            'SELECT t.name FROM (SELECT * FROM main.customers WHERE customers."tenant" = '
            "'acme') AS t LIMIT 100",
        ),
        (
            "SELECT * FROM products",
            "SELECT * FROM products LIMIT 100",
        ),
    ],
)
def test_aliases_are_kept_and_unfiltered_tables_untouched(sql: str, expected: str) -> None:
    assert acme(sql).sql == expected


def test_duckdb_specific_shapes_are_filtered(shop: duckdb.DuckDBPyConnection) -> None:
    guarded = acme("FROM orders SELECT SUM(amount)")
    assert shop.execute(guarded.sql).fetchall() == [(170,)]
    guarded = acme("SELECT o.* FROM orders o POSITIONAL JOIN products p")
    assert {row[-1] for row in shop.execute(guarded.sql).fetchall()} == {"acme"}


def test_cte_named_like_a_table_filters_the_table_not_the_cte(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    sql = (
        "WITH orders AS (SELECT order_id, amount, tenant FROM orders WHERE amount < 500) "
        "SELECT order_id FROM orders ORDER BY order_id"
    )
    guarded = acme(sql)
    tree = sqlglot.parse_one(guarded.sql, read="duckdb")
    # The CTE body reads the real table through the filter; the main query reads the CTE.
    assert len(list(tree.find_all(exp.Subquery))) == 1
    assert guarded.tables == ("orders",)
    assert shop.execute(guarded.sql).fetchall() == [(10,), (11,), (13,)]


def test_cte_referring_to_a_later_cte_of_the_same_name_as_a_table_is_filtered(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    # DuckDB reads `orders` in `a` as the real table (the CTE named orders comes later).
    sql = (
        "WITH RECURSIVE a AS (SELECT * FROM orders), orders AS (SELECT 1 AS x) "
        "SELECT order_id FROM a ORDER BY order_id"
    )
    assert shop.execute(sql).fetchall() == [(10,), (11,), (12,), (13,)]
    assert shop.execute(acme(sql).sql).fetchall() == [(10,), (11,), (13,)]


def test_recursive_cte_reading_a_filtered_table_runs(shop: duckdb.DuckDBPyConnection) -> None:
    sql = (
        "WITH RECURSIVE chain(n, id) AS (SELECT 1, MIN(order_id) FROM orders "
        "UNION ALL SELECT n + 1, (SELECT MIN(order_id) FROM orders WHERE order_id > chain.id) "
        "FROM chain WHERE n < 3) SELECT id FROM chain ORDER BY n"
    )
    assert shop.execute(acme(sql).sql).fetchall() == [(10,), (11,), (13,)]


@pytest.mark.parametrize(
    "value",
    [
        "acme' OR '1'='1",
        "acme'; DROP TABLE orders; --",
        "acme\\' OR 1=1 --",
        'acme" OR "1"="1',
        "acme/* */' OR ''='",
    ],
)
def test_filter_values_stay_one_literal(shop: duckdb.DuckDBPyConnection, value: str) -> None:
    guarded = guard(
        "SELECT * FROM orders",
        "duckdb",
        max_rows=100,
        row_filters=[RowFilter("tenant", "eq", value, table="orders")],
    )
    assert shop.execute(guarded.sql).fetchall() == []
    tree = sqlglot.parse_one(guarded.sql, read="duckdb")
    (condition,) = [node for node in tree.find_all(exp.EQ)]
    assert isinstance(condition.expression, exp.Literal)
    assert condition.expression.this == value
    assert shop.execute("SELECT COUNT(*) FROM orders").fetchall() == [(4,)]


def test_in_list_values_stay_literals(shop: duckdb.DuckDBPyConnection) -> None:
    guarded = guard(
        "SELECT tenant FROM orders",
        "duckdb",
        max_rows=100,
        row_filters=[RowFilter("tenant", "in", ["acme') OR (1=1", "globex"], table="orders")],
    )
    assert shop.execute(guarded.sql).fetchall() == [("globex",)]


@pytest.mark.parametrize(
    ("row_filter", "order_ids"),
    [
        (RowFilter("amount", "gt", 50, table="orders"), [10, 12]),
        (RowFilter("amount", "gte", 50, table="orders"), [10, 11, 12]),
        (RowFilter("amount", "lt", 50, table="orders"), [13]),
        (RowFilter("amount", "lte", 50, table="orders"), [11, 13]),
        (RowFilter("tenant", "ne", "acme", table="orders"), [12]),
        (RowFilter("customer_id", "in", [1, 3], table="orders"), [10, 12, 13]),
        (RowFilter("customer_id", "not_in", [1, 3], table="orders"), [11]),
        (RowFilter("customer_id", "in", [], table="orders"), []),
        (RowFilter("customer_id", "not_in", [], table="orders"), [10, 11, 12, 13]),
        (RowFilter("ordered_on", "gte", dt.date(2024, 3, 1), table="orders"), [12, 13]),
        (RowFilter("tenant", "eq", None, table="orders"), []),
        (RowFilter("tenant", "ne", None, table="orders"), [10, 11, 12, 13]),
        (RowFilter("tenant", "eq", "acme", table="ORDERS"), [10, 11, 13]),
        # Tables match by bare name: unqualified `orders` may well be `main.orders`.
        (RowFilter("tenant", "eq", "acme", table="main.orders"), [10, 11, 13]),
        (RowFilter("tenant", "eq", "acme", table="Other.Orders"), [10, 11, 13]),
        (RowFilter("tenant", "eq", "acme", table="customers"), [10, 11, 12, 13]),
    ],
)
def test_each_filter_operator(
    shop: duckdb.DuckDBPyConnection, row_filter: RowFilter, order_ids: list[int]
) -> None:
    guarded = guard(
        "SELECT order_id FROM orders ORDER BY 1", "duckdb", max_rows=100, row_filters=[row_filter]
    )
    assert [row[0] for row in shop.execute(guarded.sql).fetchall()] == order_ids


def test_qualified_filter_names_the_qualified_reference(shop: duckdb.DuckDBPyConnection) -> None:
    guarded = guard(
        "SELECT order_id FROM main.orders ORDER BY 1",
        "duckdb",
        max_rows=100,
        row_filters=[RowFilter("tenant", "eq", "globex", table="main.orders")],
    )
    assert shop.execute(guarded.sql).fetchall() == [(12,)]


def test_several_filters_combine(shop: duckdb.DuckDBPyConnection) -> None:
    guarded = guard(
        "SELECT c.name, o.order_id FROM customers c JOIN orders o ON o.customer_id = c.id",
        "duckdb",
        max_rows=100,
        row_filters=[
            RowFilter("tenant", "eq", "acme"),
            RowFilter("region", "eq", "EU", table="customers"),
        ],
        table_columns=COLUMNS,
    )
    assert sorted(shop.execute(guarded.sql).fetchall()) == [("A1", 10), ("A1", 13)]


def test_filter_on_a_column_a_table_lacks_leaves_it_untouched() -> None:
    guarded = acme("SELECT p.name FROM products p JOIN customers c ON c.name = p.name")
    tree = sqlglot.parse_one(guarded.sql, read="duckdb")
    (wrapped,) = list(tree.find_all(exp.Subquery))
    assert wrapped.alias == "c"
    assert any(t.name == "products" and t.alias == "p" for t in tree.find_all(exp.Table))


@pytest.mark.parametrize(
    ("dialect", "sql", "message"),
    [
        ("postgres", "SELECT a FROM t LIMIT $1", "$1 is not allowed"),
        ("mysql", "SELECT @@datadir", "@@datadir is not allowed"),
        ("mysql", "SELECT @@global.secure_file_priv", "@@global.secure_file_priv is not allowed"),
        ("mysql", "SELECT name FROM users WHERE id = @x", "@x is not allowed"),
        ("postgres", "SELECT 'pg_authid'::regclass", "a cast to REGCLASS is not allowed"),
        ("postgres", "SELECT repeat('x', 300000000)", "function repeat may only build"),
        ("postgres", "SELECT lpad(name, 100000000, 'x') FROM users", "function lpad may only"),
        ("duckdb", "SELECT repeat('x', (SELECT count(*) FROM t))", "function repeat may only"),
        ("sqlite", "SELECT randomblob(100000000)", "function randomblob is not allowed"),
        ("postgres", "SELECT * FROM information_schema.tables", "table information_schema.tables"),
        ("postgres", "SELECT * FROM other.customers", "table other.customers is not allowed"),
        ("postgres", "SELECT * FROM public.customers", "table public.customers is not allowed"),
        ("duckdb", "SELECT * FROM db2.main.customers", "table db2.main.customers is not allowed"),
        ("sqlite", "SELECT * FROM sqlite_master", "table sqlite_master is not allowed"),
        ("postgres", "SELECT * FROM pg_settings", "table pg_settings is not allowed"),
    ],
)
def test_variables_catalogs_and_oversized_values_are_refused(
    dialect: str, sql: str, message: str
) -> None:
    assert rejected(sql, dialect, table_columns=SCHEMA).message.startswith(message)


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("duckdb", "SELECT * FROM main.customers"),
        ("sqlite", "SELECT * FROM main.customers"),
        ("postgres", "SELECT repeat('-', 20), lpad(name, 12, ' ') FROM customers"),
    ],
)
def test_the_default_schema_and_small_generated_strings_are_accepted(
    dialect: str, sql: str
) -> None:
    guard(sql, dialect, max_rows=10)


@pytest.mark.parametrize("depth", [33, 50, 1000])
def test_deep_nesting_is_refused_before_parsing(depth: int) -> None:
    sql = "SELECT " + "(" * depth + "1" + ")" * depth
    assert rejected(sql, table_columns=SCHEMA).message.startswith("the statement is nested")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT " + " + ".join(["1"] * 6000),
        "SELECT " + "NOT " * 3000 + "TRUE",
        "SELECT " + "-" * 3000 + "1",
        "SELECT " + "CASE WHEN 1 = 1 THEN " * 400 + "1" + " END" * 400,
    ],
)
def test_long_chains_are_answered_or_refused_never_crashed(sql: str) -> None:
    try:
        guarded = guard(sql, "duckdb", max_rows=5)
    except GuardRejected as error:
        assert error.message
    else:
        assert guarded.limit == 5


def test_oversized_statements_are_refused_before_parsing() -> None:
    sql = "SELECT id FROM users WHERE id IN (" + ",".join(map(str, range(100_000))) + ")"
    assert "characters long" in rejected(sql, table_columns=SCHEMA).message


@pytest.mark.parametrize(
    ("kwargs", "sql", "message"),
    [
        (
            {"row_filters": ACME, "table_columns": COLUMNS},
            "SELECT * FROM secrets",
            "table secrets is not allowed: it is not one of the source's tables (system catalogs "
            "and relations outside the source's schema cannot be read)",
        ),
        (
            {"row_filters": ACME, "table_columns": COLUMNS},
            "SELECT * FROM customers WHERE id IN (SELECT id FROM pg_catalog.pg_stats)",
            "table pg_catalog.pg_stats is not allowed: it is not one of the source's tables "
            "(system catalogs and relations outside the source's schema cannot be read)",
        ),
        (
            {
                "row_filters": [RowFilter("tenant", "eq", "acme", table="orders")],
                "table_columns": {**COLUMNS, "big_orders": ["order_id", "amount"]},
                "views": ["big_orders"],
            },
            "SELECT * FROM big_orders",
            "view big_orders is not allowed here: it may show rows of a table that row filters "
            "restrict, and no filter applies to it",
        ),
        (
            {
                "row_filters": [RowFilter("tenant", "eq", "a", table="products")],
                "table_columns": COLUMNS,
            },
            "SELECT * FROM products",
            "row filter column tenant is not a column of table products, so the table cannot "
            "be read",
        ),
    ],
)
def test_filters_that_cannot_be_applied_refuse_the_query(
    kwargs: dict[str, Any], sql: str, message: str
) -> None:
    assert rejected(sql, **kwargs).message == message


def test_a_table_in_a_position_that_cannot_be_wrapped_is_refused() -> None:
    # DuckDB's PIVOT statement used as a subquery reads `orders` outside any FROM or JOIN.
    error = rejected(
        "SELECT * FROM (PIVOT orders ON tenant USING SUM(amount))",
        row_filters=[RowFilter("tenant", "eq", "acme", table="orders")],
    )
    assert error.message == (
        "table orders is referenced where its row filters cannot be applied, so the query is "
        "refused"
    )


def test_unknown_dialect_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"Unknown dialect 'duckbd'\. Did you mean duckdb"):
        guard("SELECT 1", "duckbd", max_rows=1)


def test_queries_without_tables_need_no_schema() -> None:
    assert guard("SELECT 1", "duckdb", max_rows=5, row_filters=ACME).sql == "SELECT 1 LIMIT 5"


def test_filter_columns_use_the_schema_spelling() -> None:
    guarded = guard(
        "SELECT * FROM Accounts",
        "postgres",
        max_rows=5,
        row_filters=[RowFilter("TENANT", "eq", "a")],
        table_columns={"accounts": ["Tenant"]},
    )
    assert guarded.sql == (
        "SELECT * FROM (SELECT * FROM Accounts WHERE Accounts.\"Tenant\" = 'a') AS Accounts LIMIT 5"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tenant", "like", "a"), "unknown row filter operator 'like'"),
        (("tenant", "in", "a"), "row filter in on tenant needs a list of values"),
        (("tenant", "gt", None), "row filter gt on tenant cannot compare NULL"),
        (("", "eq", "a"), "a row filter needs a column"),
        (
            ("tenant", "eq", {"a": 1}),
            "row filter on tenant: value of type dict is not a string, number, boolean or date",
        ),
    ],
)
def test_row_filters_validate_themselves(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError) as info:
        RowFilter(*args)
    assert str(info.value) == message


# ---------------------------------------------------------------- the same on real servers


Execute = Callable[[str, Sequence[Any]], object]
Runner = Callable[[str], list[tuple[Any, ...]]]


def _seed(execute: Execute, placeholder: str) -> None:
    tables: dict[str, tuple[str, Sequence[tuple[Any, ...]]]] = {
        "customers": (
            "id INT, name VARCHAR(20), region VARCHAR(10), tenant VARCHAR(60)",
            CUSTOMERS,
        ),
        "orders": (
            "order_id INT, customer_id INT, amount INT, ordered_on DATE, tenant VARCHAR(60)",
            ORDERS,
        ),
        "products": ("product_id INT, name VARCHAR(20)", PRODUCTS),
    }
    for name, (columns, rows) in tables.items():
        execute(f"CREATE TABLE {name} ({columns})", ())
        for row in rows:
            marks = ", ".join([placeholder] * len(row))
            execute(f"INSERT INTO {name} VALUES ({marks})", row)


@pytest.fixture
def sqlite_shop() -> Iterator[Runner]:
    con = sqlite3.connect(":memory:")

    def execute(sql: str, row: Sequence[Any]) -> object:
        return con.execute(sql, tuple(str(v) if isinstance(v, dt.date) else v for v in row))

    _seed(execute, "?")
    yield lambda sql: [tuple(row) for row in con.execute(sql).fetchall()]
    con.close()


@pytest.fixture
def postgres_shop() -> Iterator[Runner]:
    psycopg = pytest.importorskip("psycopg")
    try:
        con = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {error}")
    schema = f"guard_{uuid.uuid4().hex[:12]}"
    con.autocommit = True
    con.execute(f"CREATE SCHEMA {schema}")
    con.execute(f"SET search_path TO {schema}")
    _seed(lambda sql, row: con.execute(sql, tuple(row)), "%s")
    try:
        yield lambda sql: [tuple(row) for row in con.execute(sql).fetchall()]
    finally:
        con.execute(f"DROP SCHEMA {schema} CASCADE")
        con.close()


@pytest.fixture
def mariadb_shop() -> Iterator[Runner]:
    pymysql = pytest.importorskip("pymysql")
    try:
        con = pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", connect_timeout=3,
            autocommit=True,
        )  # fmt: skip
    except pymysql.err.OperationalError as error:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 is unreachable: {error}")
    database = f"guard_{uuid.uuid4().hex[:12]}"
    cursor = con.cursor()
    cursor.execute(f"CREATE DATABASE {database}")
    cursor.execute(f"USE {database}")

    def run(sql: str) -> list[tuple[Any, ...]]:
        cursor.execute(sql)
        # MariaDB sums integers into DECIMAL; the expected rows are written as int.
        return [
            tuple(int(v) if isinstance(v, Decimal) else v for v in row) for row in cursor.fetchall()
        ]

    _seed(lambda sql, row: cursor.execute(sql, tuple(row) or None), "%s")
    try:
        yield run
    finally:
        cursor.execute(f"DROP DATABASE {database}")
        con.close()


SERVERS = [("sqlite", "sqlite_shop"), ("postgres", "postgres_shop"), ("mysql", "mariadb_shop")]


@pytest.mark.parametrize(("dialect", "fixture"), SERVERS)
@pytest.mark.parametrize(("sql", "rows"), PORTABLE_CASES)
def test_filtered_queries_return_only_allowed_rows_on_each_engine(
    request: pytest.FixtureRequest,
    dialect: str,
    fixture: str,
    sql: str,
    rows: Sequence[tuple[Any, ...]],
) -> None:
    run: Runner = request.getfixturevalue(fixture)
    guarded = acme(sql, dialect)
    assert sorted(run(guarded.sql), key=repr) == sorted(rows, key=repr)


@pytest.mark.parametrize(("dialect", "fixture"), SERVERS)
@pytest.mark.parametrize("value", ["acme' OR '1'='1", "acme\\' OR 1=1 -- ", "x\\", "it''s"])
def test_filter_values_stay_one_literal_on_each_engine(
    request: pytest.FixtureRequest, dialect: str, fixture: str, value: str
) -> None:
    run: Runner = request.getfixturevalue(fixture)
    guarded = guard(
        "SELECT COUNT(*) FROM orders",
        dialect,
        max_rows=10,
        row_filters=[RowFilter("tenant", "eq", value, table="orders")],
    )
    assert run(guarded.sql) == [(0,)]


@pytest.mark.parametrize(
    ("sql", "rows", "wrapped"),
    [
        # The recursive term's reference to its own CTE is the CTE in every engine.
        (
            "WITH RECURSIVE orders(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM orders "
            "WHERE n < 3) SELECT n FROM orders ORDER BY n",
            [(1,), (2,), (3,)],
            0,
        ),
        # A CTE naming itself outside a recursive term reads the real table in DuckDB.
        (
            "WITH RECURSIVE orders AS (SELECT * FROM orders) SELECT order_id FROM orders "
            "ORDER BY order_id",
            [(10,), (11,), (13,)],
            1,
        ),
        (
            "WITH orders AS (SELECT * FROM orders) SELECT order_id FROM orders ORDER BY order_id",
            [(10,), (11,), (13,)],
            1,
        ),
        # A CTE of an enclosing query is seen from a nested WITH.
        (
            "WITH o AS (SELECT * FROM orders) SELECT * FROM "
            "(WITH p AS (SELECT order_id FROM o) SELECT order_id FROM p) x ORDER BY order_id",
            [(10,), (11,), (13,)],
            1,
        ),
    ],
)
def test_cte_scoping(
    shop: duckdb.DuckDBPyConnection, sql: str, rows: list[tuple[Any, ...]], wrapped: int
) -> None:
    guarded = acme(sql)
    tree = sqlglot.parse_one(guarded.sql, read="duckdb")
    filters = [s for s in tree.find_all(exp.Subquery) if s.find(exp.EQ)]
    assert len(filters) == wrapped
    assert shop.execute(guarded.sql).fetchall() == rows


@pytest.mark.parametrize(
    "module",
    ["parley.engine.guard", "parley.engine._guard_policy", "parley.engine._guard_filters",
     "parley.engine._guard_limit"],
)  # fmt: skip
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0


def test_a_figure_over_every_row_is_filtered_too(shop: duckdb.DuckDBPyConnection) -> None:
    # "orders above the average amount": the average a tenant sees is over its own rows
    # (acme: 100, 50, 20), never over every tenant's (the average would be 292.25).
    sql = ("SELECT order_id FROM orders WHERE amount > "
           "(SELECT AVG(every_orders.amount) FROM orders AS every_orders)")
    guarded = guard(sql, "duckdb", max_rows=100, row_filters=list(ACME))
    assert shop.execute(guarded.sql).fetchall() == [(10,)]
