from __future__ import annotations

import datetime as dt
import time
import uuid

import psycopg
import pytest
from source_backends import Backend

from parley.errors import SourceError
from parley.sources.connect import connect


def test_introspect_finds_tables_columns_keys_counts_and_values(backend: Backend) -> None:
    seen: list[tuple[int, int, str]] = []
    source = backend.source()
    try:
        schema = source.introspect(
            progress=lambda done, total, what: seen.append((done, total, what))
        )
    finally:
        source.close()
    customers = next(
        t for t in schema.tables if t.name == backend.customers and t.schema == backend.schema
    )
    orders = next(
        t for t in schema.tables if t.name == backend.orders and t.schema == backend.schema
    )
    assert (
        schema.dialect
        == {"sqlite": "sqlite", "postgres": "postgres", "mariadb": "mysql"}[backend.kind]
    )
    assert [c.name for c in customers.columns] == ["id", "name", "country", "notes", "signup"]
    assert customers.primary_key == ("id",)
    assert customers.row_count == 3 and orders.row_count == 5
    types = {c.name: c.type for c in orders.columns}
    assert types["id"] == "integer" and types["amount"] == "decimal"
    assert types["ordered_at"] == "timestamp"
    # MySQL and MariaDB store BOOLEAN as TINYINT(1).
    assert types["paid"] == "boolean"
    assert {c.name: c.type for c in customers.columns}["signup"] == "date"
    [fk] = orders.foreign_keys
    assert (fk.columns, fk.referred_table, fk.referred_columns) == (
        ("customer_id",),
        backend.customers,
        ("id",),
    )
    country = customers.column("country")
    assert country is not None and country.type == "text"
    assert country.distinct_values == ("Germany", "United States")
    assert country.distinct_count == 2
    notes = customers.column("notes")
    assert notes is not None and notes.distinct_count == 2
    assert notes.distinct_values == ("short",)  # the 250-character note is left out
    assert customers.column("id") is not None and customers.column("id").primary_key  # type: ignore[union-attr]
    assert seen and seen[-1][0] == seen[-1][1] == len(schema.tables)


def test_execute_returns_json_friendly_rows(backend: Backend) -> None:
    source = backend.source()
    try:
        result = source.execute(
            f"SELECT o.id, c.name, o.amount, o.ordered_at, c.signup "
            f"FROM {backend.qualified(backend.orders)} o "
            f"JOIN {backend.qualified(backend.customers)} c ON c.id = o.customer_id "
            "ORDER BY o.id",
            max_rows=100,
            timeout_s=10,
        )
    finally:
        source.close()
    assert result.columns == ["id", "name", "amount", "ordered_at", "signup"]
    assert not result.truncated
    assert len(result.rows) == 5
    first = result.rows[0]
    assert first[:3] == [1, "Acme Corp", 10.5]
    assert isinstance(first[2], float)
    if backend.kind != "sqlite":  # SQLite keeps dates as text
        assert first[3] == dt.datetime(2024, 3, 1, 10, 0)
        assert first[4] == dt.date(2024, 1, 2)
        assert result.column_types == ["integer", "text", "decimal", "timestamp", "date"]
    assert result.elapsed_ms > 0


def test_row_cap_sets_truncated(backend: Backend) -> None:
    source = backend.source()
    try:
        capped = source.execute(
            f"SELECT id FROM {backend.qualified(backend.orders)} ORDER BY id",
            max_rows=2,
            timeout_s=10,
        )
        exact = source.execute(
            f"SELECT id FROM {backend.qualified(backend.orders)} ORDER BY id",
            max_rows=5,
            timeout_s=10,
        )
    finally:
        source.close()
    assert capped.rows == [[1], [2]] and capped.truncated
    assert len(exact.rows) == 5 and not exact.truncated


def test_percent_signs_reach_the_database_untouched(backend: Backend) -> None:
    source = backend.source()
    try:
        result = source.execute(
            f"SELECT name FROM {backend.qualified(backend.customers)} "
            "WHERE name LIKE '%corp%' OR name LIKE 'Acme%'",
            max_rows=10,
            timeout_s=10,
        )
    finally:
        source.close()
    assert result.rows == [["Acme Corp"]]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO {c} (id, name) VALUES (99, 'Intruder')",
        "UPDATE {c} SET name = 'Changed'",
        "CREATE TABLE {c}_copy (a INTEGER)",
        "DROP TABLE {o}",
    ],
)
def test_writes_are_refused(backend: Backend, statement: str) -> None:
    source = backend.source()
    sql = statement.format(
        c=backend.qualified(backend.customers), o=backend.qualified(backend.orders)
    )
    try:
        with pytest.raises(SourceError) as caught:
            source.execute(sql, max_rows=10, timeout_s=10)
        assert "read" in caught.value.message.lower()  # read-only transaction / database
        after = source.execute(
            f"SELECT COUNT(*) FROM {backend.qualified(backend.customers)}",
            max_rows=1,
            timeout_s=10,
        )
    finally:
        source.close()
    assert after.rows == [[3]]


def test_slow_query_times_out(backend: Backend) -> None:
    source = backend.source()
    started = time.monotonic()
    try:
        with pytest.raises(SourceError, match=r"timed out after 0\.5 s"):
            source.execute(backend.slow_query, max_rows=10, timeout_s=0.5)
        # The pooled connection is usable again afterwards.
        assert source.execute("SELECT 1", max_rows=1, timeout_s=5).rows == [[1]]
    finally:
        source.close()
    assert time.monotonic() - started < 4


def test_database_error_is_a_source_error(backend: Backend) -> None:
    source = backend.source()
    try:
        with pytest.raises(SourceError, match="no_such_table"):
            source.execute("SELECT * FROM no_such_table", max_rows=1, timeout_s=5)
        source.test_connection()
    finally:
        source.close()


@pytest.mark.parametrize(
    ("url", "marker"),
    [
        pytest.param("postgresql://postgres:pw-S3cret@127.0.0.1:1/test", None, id="pg-port-closed"),
        pytest.param("mariadb://root:pw-S3cret@127.0.0.1:1/test", None, id="mariadb-port-closed"),
        pytest.param(
            "mysql+pymysql://root:pw-S3cret@127.0.0.1:3306/test",
            "Access denied",
            id="mariadb-wrong-password",
        ),
        pytest.param(
            "postgres://no_such_role:pw-S3cret@127.0.0.1:5432/test",
            "no_such_role",
            id="pg-unknown-role",
        ),
    ],
)
def test_connection_failures_never_show_the_password(url: str, marker: str | None) -> None:
    source = connect(url, name="broken")
    try:
        with pytest.raises(SourceError) as caught:
            source.test_connection()
    finally:
        source.close()
    message = caught.value.message
    if marker is not None and "refused" in message.lower():
        pytest.skip("the database server is not running")
    assert "pw-S3cret" not in message and "pw-S3cret" not in str(caught.value.detail)
    assert "broken" in message and "***" in message
    assert marker is None or marker in message


def test_missing_sqlite_file_is_a_source_error(tmp_path: object) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        connect(f"sqlite:///{tmp_path}/absent.db", name="missing")


def test_a_login_that_can_write_is_reported(backend: Backend) -> None:
    found = backend.source().write_access()
    if backend.kind == "sqlite":
        assert found == []  # opened read-only
    elif backend.kind == "postgres":
        assert "the login is a superuser" in found  # the tests connect as postgres
    else:
        assert found and "all privileges" in found[0]  # root


@pytest.mark.postgres
def test_a_read_only_postgres_login_is_not_reported() -> None:
    role = f"parley_ro_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
        )
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    try:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        source = connect(f"postgresql://{role}@127.0.0.1:5432/test", name="ro")
        try:
            assert source.write_access() == []
        finally:
            source.close()
    finally:
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.close()
