from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import pytest

from parley.sources.demo import DEMO_TABLES, generate_demo

TODAY = dt.date(2025, 6, 15)


def _checksum(path: Path) -> tuple[str, ...]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return tuple(
            str(
                conn.execute(
                    f"SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t)) FROM {table} t"
                ).fetchone()
            )
            for table in DEMO_TABLES
        )


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    path = tmp_path_factory.mktemp("full") / "demo.duckdb"
    started = time.perf_counter()
    generate_demo(path, today=TODAY, seed=7)
    return path, time.perf_counter() - started


def _one(conn: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_full_demo_sizes_and_integrity(full_demo: tuple[Path, float]) -> None:
    path, seconds = full_demo
    assert seconds < 30, f"generation took {seconds:.1f} s"
    with duckdb.connect(str(path), read_only=True) as conn:
        counts = {t: _one(conn, f"SELECT count(*) FROM {t}") for t in DEMO_TABLES}
        assert counts["sales_reps"] == 40 and counts["customers"] == 800
        assert counts["products"] == 200
        assert 44_000 <= counts["orders"] <= 47_000  # type: ignore[operator]
        assert counts["order_items"] >= 100_000  # type: ignore[operator]
        orphans = _one(
            conn,
            "SELECT (SELECT count(*) FROM order_items i ANTI JOIN orders o USING (order_id))"
            " + (SELECT count(*) FROM order_items i ANTI JOIN products p USING (product_id))"
            " + (SELECT count(*) FROM orders o ANTI JOIN customers c USING (customer_id))"
            " + (SELECT count(*) FROM orders o ANTI JOIN sales_reps r USING (rep_id))"
            " + (SELECT count(*) FROM customers c ANTI JOIN sales_reps r USING (rep_id))",
        )
        assert orphans == 0
        assert (
            _one(
                conn,
                "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'",
            )
            == 5
        )
        first, last = conn.execute("SELECT min(order_date), max(order_date) FROM orders").fetchone()  # type: ignore[misc]
        assert first == dt.date(2022, 6, 16) and last == TODAY
        # Orders come before nothing: no order precedes its customer's signup.
        assert (
            _one(
                conn,
                "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) "
                "WHERE o.order_date < c.signup_date",
            )
            == 0
        )


def test_full_demo_shapes(full_demo: tuple[Path, float]) -> None:
    path, _ = full_demo
    with duckdb.connect(str(path), read_only=True) as conn:
        names = {r[0] for r in conn.execute("SELECT customer_name FROM customers").fetchall()}
        assert "Acme Corp" in names and len(names) == 800
        assert _one(conn, "SELECT count(DISTINCT product_name) FROM products") == 200
        values = {
            column: {
                r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()
            }
            for table, column in [
                ("customers", "country"),
                ("customers", "region"),
                ("customers", "segment"),
                ("products", "category"),
                ("orders", "status"),
                ("orders", "channel"),
            ]
        }
        assert {"United States", "United Kingdom", "Germany", "Netherlands", "Mexico"} <= values[
            "country"
        ]
        assert len(values["country"]) == 12
        assert values["region"] == {"North America", "Europe", "Asia Pacific", "Latin America"}
        assert values["segment"] == {"Enterprise", "Mid-Market", "Small Business"}
        assert "Electronics" in values["category"] and len(values["category"]) == 5
        assert values["status"] == {"delivered", "shipped", "pending", "cancelled", "returned"}
        assert values["channel"] == {"Online", "Direct", "Partner"}
        revenue = (
            "FROM orders o JOIN order_items i USING (order_id) "
            "JOIN customers c USING (customer_id) JOIN products p USING (product_id)"
        )
        # Every country, category, segment and channel has orders in every month.
        cells = _one(
            conn,
            "SELECT count(*) FROM (SELECT DISTINCT country, category, segment, channel, "
            f"date_trunc('month', order_date) {revenue})",
        )
        months = _one(conn, "SELECT count(DISTINCT date_trunc('month', order_date)) FROM orders")
        assert cells == 12 * 5 * 3 * 3 * months  # type: ignore[operator]
        by_year = dict(
            conn.execute(
                f"SELECT year(order_date), sum(quantity * i.unit_price) {revenue} "
                "WHERE order_date BETWEEN DATE '2022-07-01' AND DATE '2025-06-30' "
                "GROUP BY ALL"
            ).fetchall()
        )
        growth = by_year[2024] / by_year[2023]
        assert 1.10 <= growth <= 1.35, f"2024 over 2023: {growth:.2f}"
        quarters = dict(
            conn.execute(
                f"SELECT quarter(order_date), sum(quantity * i.unit_price) {revenue} "
                "WHERE year(order_date) = 2024 GROUP BY ALL"
            ).fetchall()
        )
        assert quarters[4] == max(quarters.values())
        delivered = _one(conn, "SELECT avg((status = 'delivered')::INTEGER) FROM orders")
        assert 0.8 <= delivered <= 0.97  # type: ignore[operator]
        top_share = _one(
            conn,
            f"SELECT sum(rev) / (SELECT sum(quantity * i.unit_price) {revenue}) FROM ("
            f"SELECT sum(quantity * i.unit_price) AS rev {revenue} "
            "GROUP BY customer_id ORDER BY rev DESC LIMIT 10)",
        )
        assert top_share >= 0.2  # type: ignore[operator]
        biggest_segment = _one(
            conn,
            f"SELECT segment {revenue} GROUP BY segment "
            "ORDER BY sum(quantity * i.unit_price) / count(DISTINCT customer_id) DESC LIMIT 1",
        )
        assert biggest_segment == "Enterprise"
        bad_prices = _one(
            conn,
            "SELECT count(*) FROM order_items i JOIN products p USING (product_id) "
            "WHERE i.unit_price > p.unit_price OR i.unit_price < p.unit_price * 0.79",
        )
        assert bad_prices == 0


@pytest.mark.slow
def test_same_seed_and_day_give_the_same_data(tmp_path: Path) -> None:
    generate_demo(tmp_path / "a.duckdb", today=TODAY, seed=3, scale=0.05)
    generate_demo(tmp_path / "b.duckdb", today=TODAY, seed=3, scale=0.05)
    generate_demo(tmp_path / "c.duckdb", today=TODAY, seed=4, scale=0.05)
    assert _checksum(tmp_path / "a.duckdb") == _checksum(tmp_path / "b.duckdb")
    assert _checksum(tmp_path / "a.duckdb") != _checksum(tmp_path / "c.duckdb")


@pytest.mark.slow
def test_full_demo_is_deterministic(full_demo: tuple[Path, float], tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    generate_demo(again, today=TODAY, seed=7)
    assert _checksum(full_demo[0]) == _checksum(again)


def test_generation_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "demo.duckdb"
    target.write_text("an old, broken file")
    seen: list[tuple[int, int, str]] = []
    generate_demo(
        target,
        today=dt.date(2024, 2, 29),
        scale=0.02,
        progress=lambda done, total, what: seen.append((done, total, what)),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb"]
    with duckdb.connect(str(target), read_only=True) as conn:
        assert _one(conn, "SELECT max(order_date) FROM orders") == dt.date(2024, 2, 29)
        assert _one(conn, "SELECT min(order_date) FROM orders") == dt.date(2021, 3, 1)
    assert [done for done, _, _ in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][0] == seen[-1][1]
