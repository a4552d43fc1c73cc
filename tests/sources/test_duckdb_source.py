from __future__ import annotations

import datetime as dt
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from parley.errors import SourceError
from parley.sources.connect import connect
from parley.sources.demo import DEMO_TABLES
from parley.sources.duckdb_source import DuckDBSource


@pytest.fixture
def demo_source(demo_small: Path) -> DuckDBSource:
    source = connect(f"duckdb:///{demo_small}", name="demo")
    assert isinstance(source, DuckDBSource)
    return source


def test_introspect_demo(demo_source: DuckDBSource) -> None:
    seen: list[tuple[int, int, str]] = []
    schema = demo_source.introspect(progress=lambda d, t, w: seen.append((d, t, w)))
    assert schema.dialect == "duckdb"
    assert sorted(table.name for table in schema.tables) == sorted(DEMO_TABLES)
    assert [s[0] for s in seen] == [1, 2, 3, 4, 5] and {s[1] for s in seen} == {5}
    customers = schema.table("customers")
    items = schema.table("order_items")
    products = schema.table("products")
    assert customers is not None and items is not None and products is not None
    assert customers.primary_key == ("customer_id",) and customers.row_count == 800
    assert {(fk.columns, fk.referred_table, fk.referred_columns) for fk in items.foreign_keys} == {
        (("order_id",), "orders", ("order_id",)),
        (("product_id",), "products", ("product_id",)),
    }
    price = products.column("unit_price")
    assert price is not None and price.type == "decimal" and price.native_type == "DECIMAL(10,2)"
    signup = customers.column("signup_date")
    assert signup is not None and signup.type == "date"
    country = customers.column("country")
    assert country is not None and country.distinct_count == 12
    assert country.distinct_values is not None and "United States" in country.distinct_values
    assert list(country.distinct_values) == sorted(country.distinct_values)
    category = products.column("category")
    assert category is not None and category.distinct_values == (
        "Electronics",
        "Furniture",
        "Office Supplies",
        "Services",
        "Software",
    )
    # 800 distinct names: collected, since the limit is DISTINCT_VALUES_LIMIT (5000).
    names = customers.column("customer_name")
    assert names is not None and names.distinct_values is not None
    assert "Acme Corp" in names.distinct_values and names.distinct_count == 800


def test_high_cardinality_and_long_values_are_not_collected(tmp_path: Path) -> None:
    path = tmp_path / "wide.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "CREATE TABLE t AS SELECT 'id-' || range AS code, "
            "CASE WHEN range % 2 = 0 THEN repeat('y', 300) ELSE 'short' END AS note "
            "FROM range(12000)"
        )
    info = connect(f"duckdb:///{path}", name="wide").introspect().table("t")
    assert info is not None and info.row_count == 12000
    code, note = info.columns
    assert code.distinct_values is None and code.distinct_count is not None
    assert code.distinct_count > 5000
    assert note.distinct_values == ("short",) and note.distinct_count == 2


def test_execute_converts_values_and_caps_rows(demo_source: DuckDBSource) -> None:
    result = demo_source.execute(
        "SELECT product_id, product_name, unit_price, DATE '2024-01-02' AS d "
        "FROM products ORDER BY product_id",
        max_rows=3,
        timeout_s=5,
    )
    assert result.columns == ["product_id", "product_name", "unit_price", "d"]
    assert result.column_types == ["integer", "text", "decimal", "date"]
    assert len(result.rows) == 3 and result.truncated
    assert isinstance(result.rows[0][2], float)
    assert result.rows[0][3] == dt.date(2024, 1, 2)
    exact = demo_source.execute("SELECT 1 AS one", max_rows=1, timeout_s=5)
    assert exact.rows == [[1]] and not exact.truncated


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("INSERT INTO sales_reps VALUES (99, 'x', 'y', 'z', DATE '2020-01-01')", "read-only"),
        ("CREATE TABLE intruder (a INTEGER)", "read-only"),
        ("SELECT * FROM read_csv('/etc/passwd')", "disabled"),
        ("COPY sales_reps TO '/tmp/parley-leak.csv'", ""),
        ("SET enable_external_access = true", "locked"),
        ("ATTACH '/tmp/parley-other.duckdb' AS other", ""),
    ],
)
def test_writes_and_external_access_are_refused(
    demo_source: DuckDBSource, sql: str, fragment: str
) -> None:
    with pytest.raises(SourceError) as caught:
        demo_source.execute(sql, max_rows=1, timeout_s=5)
    assert fragment in caught.value.message
    assert not Path("/tmp/parley-leak.csv").exists()


def test_slow_query_is_interrupted(demo_source: DuckDBSource) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"timed out after 0\.5 s"):
        demo_source.execute(
            "SELECT count(*) FROM range(100000000) a, range(100000000) b "
            "WHERE a.range + b.range = 3",
            max_rows=1,
            timeout_s=0.5,
        )
    assert time.monotonic() - started < 3
    assert demo_source.execute("SELECT 2", max_rows=1, timeout_s=5).rows == [[2]]


def test_concurrent_queries_from_threads(demo_source: DuckDBSource) -> None:
    def count(table: str) -> int:
        result = demo_source.execute(f"SELECT count(*) FROM {table}", max_rows=1, timeout_s=10)
        return int(result.rows[0][0])

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(count, ["customers", "products", "sales_reps"] * 10))
    assert counts == [800, 200, 40] * 10


def test_errors_and_missing_files(demo_source: DuckDBSource, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no_such_table"):
        demo_source.execute("SELECT * FROM no_such_table", max_rows=1, timeout_s=5)
    demo_source.test_connection()
    with pytest.raises(SourceError, match="does not exist"):
        connect(f"duckdb:///{tmp_path}/absent.duckdb", name="absent")
    demo_source.close()
    with pytest.raises(SourceError):
        demo_source.test_connection()


def test_in_memory_database() -> None:
    source = connect("duckdb:///:memory:", name="scratch")
    assert source.execute("SELECT 40 + 2 AS n", max_rows=5, timeout_s=5).rows == [[42]]
    assert source.introspect().tables == ()
    source.close()


def test_results_are_cut_by_bytes_as_well_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "wide.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "CREATE TABLE notes AS SELECT i, repeat('x', 1000000) AS body FROM range(100) t(i)"
        )
    source = DuckDBSource(path, name="wide")
    result = source.execute("SELECT body FROM notes", max_rows=100, timeout_s=10)
    # 32 MiB of 1 MB values: the 34th value would pass the cap.
    assert result.truncated
    assert len(result.rows) == 33


def _threads(source: DuckDBSource) -> int:
    result = source.execute("SELECT current_setting('threads')", max_rows=1, timeout_s=10)
    return int(result.rows[0][0])


def test_a_source_runs_its_statements_on_the_threads_it_is_given(
    demo_small: Path, tmp_path: Path
) -> None:
    default = connect(f"duckdb:///{demo_small}", name="demo")  # DuckDB's own default
    with duckdb.connect() as bare:
        assert isinstance(default, DuckDBSource)
        assert (_threads(default),) == bare.execute("SELECT current_setting('threads')").fetchone()
    # DuckDB opens a file once per process, with one configuration: another file here.
    copy = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_small, copy)
    told = connect(f"duckdb:///{copy}", name="demo", duckdb_threads=3)
    assert isinstance(told, DuckDBSource) and _threads(told) == 3
    with pytest.raises(SourceError):  # and a statement cannot change it
        told.execute("SET threads = 8", max_rows=1, timeout_s=10)
    assert _threads(told) == 3
    default.close()
    told.close()
