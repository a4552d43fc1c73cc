"""SQLite, PostgreSQL, Redshift, MySQL and MariaDB sources through a pooled SQLAlchemy engine.

Every statement runs in its own read-only transaction with a statement timeout, and the
transaction is always rolled back:

- PostgreSQL/Redshift: ``BEGIN READ ONLY`` (the driver's read-only mode) and
  ``SET LOCAL statement_timeout``.
- MariaDB: ``SET SESSION max_statement_time`` (seconds) and ``START TRANSACTION READ ONLY``;
  MySQL: ``SET SESSION max_execution_time`` (milliseconds) and the same transaction.
- SQLite: the file is opened with ``mode=ro`` and ``query_only``; a progress handler aborts a
  statement that runs past its deadline.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, Inspector
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Time,
    TypeEngine,
    Uuid,
)

from parley.errors import SourceError
from parley.sources._common import (
    DISTINCT_VALUES_LIMIT,
    HUGE_TABLE_ROWS,
    INTROSPECT_TIMEOUT_S,
    MAX_VALUE_LENGTH,
    PROFILE_SAMPLE_ROWS,
    capped_rows,
    infer_column_types,
    scrub,
    timed_out,
)
from parley.sources.base import (
    ColumnInfo,
    ForeignKey,
    KeyOverlap,
    ProgressCallback,
    QueryResult,
    SchemaInfo,
    TableInfo,
)
from parley.sources.keys import key_overlaps
from parley.sources.types import normalise_type
from parley.sources.urls import SourceURL

CONNECT_TIMEOUT_S = 10
# PostgreSQL's own schemas; user tables anywhere else are introspected.
_PG_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast"})
# Server error codes that mean "stopped by the statement timeout".
_MYSQL_TIMEOUT_CODES = frozenset({1317, 1969, 3024})
_PG_QUERY_CANCELED = "57014"


_log = logging.getLogger("parley.sources")


class SQLAlchemySource:
    """Read-only, bounded access to a database reached through SQLAlchemy."""

    def __init__(self, url: SourceURL, *, name: str) -> None:
        self.name = name
        self.dialect = url.dialect
        self._url = url
        password = url.driver_url.password
        self._secrets: tuple[str, ...] = (
            (str(password), urllib.parse.quote(str(password), safe="")) if password else ()
        )
        self._engine = self._create_engine()
        self._driver_error: type[Exception] = self._engine.dialect.loaded_dbapi.Error

    # -- engine --------------------------------------------------------------------------

    def _create_engine(self) -> Engine:
        url = self._url
        try:
            if url.dialect == "sqlite":
                return self._create_sqlite_engine()
            connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S}
            # Sessions default to read-only too, so a statement that ends the read-only
            # transaction (COMMIT; ...) still cannot write in the next one.
            if url.dialect == "postgres":
                connect_args["application_name"] = "parley"
                connect_args["options"] = "-c default_transaction_read_only=on"
            elif url.dialect == "mysql":
                connect_args["init_command"] = "SET SESSION TRANSACTION READ ONLY"
            return create_engine(
                url.driver_url,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=5,
                pool_recycle=1800,
                connect_args=connect_args,
            )
        except (SQLAlchemyError, ValueError) as exc:
            raise SourceError(
                f"Source {self.name!r} ({url.redacted}) cannot be set up: "
                f"{scrub(str(exc), self._secrets)}"
            ) from exc

    def _create_sqlite_engine(self) -> Engine:
        database = self._url.database
        if not database or database == ":memory:":
            # A private, empty in-memory database: one shared connection, nothing to protect.
            engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            path = Path(database).expanduser().resolve()
            if not path.is_file():
                raise SourceError(
                    f"The SQLite file {str(path)!r} of source {self.name!r} does not exist"
                )
            uri = f"{path.as_uri()}?mode=ro"
            engine = create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
                pool_pre_ping=True,
            )

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.execute("PRAGMA query_only = ON")

        return engine

    @contextmanager
    def _read_only(self, timeout_s: float) -> Iterator[Connection]:
        """A connection inside a read-only, time-bounded transaction, rolled back at exit."""
        try:
            conn = self._engine.connect()
        except DBAPIError as exc:
            failure = connection_failure(exc.orig)
            # Users see why, never where: host, port and user go to the log only.
            _log.warning(
                "source %r (%s) unreachable: %s", self.name, self._url.redacted,
                self._message(exc.orig),
            )  # fmt: skip
            raise SourceError(
                f"Could not connect to source {self.name!r}: {_FAILURE_WORDS[failure]}",
                detail={
                    "reason": "connection_failed",
                    "failure": failure,
                    "driver_message": self._message(exc.orig),
                },
            ) from exc
        sqlite_conn: sqlite3.Connection | None = None
        try:
            if self.dialect in ("postgres", "redshift"):
                conn = conn.execution_options(postgresql_readonly=True)
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {_ms(timeout_s)}")
            elif self.dialect == "mysql":
                if getattr(conn.dialect, "is_mariadb", False):
                    conn.exec_driver_sql(f"SET SESSION max_statement_time = {timeout_s:.3f}")
                else:
                    conn.exec_driver_sql(f"SET SESSION max_execution_time = {_ms(timeout_s)}")
                conn.exec_driver_sql("START TRANSACTION READ ONLY")
            else:
                raw = conn.connection.dbapi_connection
                assert isinstance(raw, sqlite3.Connection)
                sqlite_conn = raw
                deadline = time.monotonic() + timeout_s
                sqlite_conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            yield conn
        except DBAPIError as exc:
            raise self._error(exc.orig, timeout_s) from exc
        except self._driver_error as exc:
            raise self._error(exc, timeout_s) from exc
        finally:
            if sqlite_conn is not None:
                sqlite_conn.set_progress_handler(None, 0)
            try:
                conn.rollback()
            except (SQLAlchemyError, self._driver_error):
                # A connection that cannot even roll back is broken: drop it from the pool.
                conn.invalidate()
            finally:
                conn.close()

    def _error(self, orig: BaseException | None, timeout_s: float) -> SourceError:
        if getattr(orig, "sqlstate", None) == _PG_QUERY_CANCELED:
            return timed_out(timeout_s)
        if (
            self.dialect == "mysql"
            and orig is not None
            and orig.args[:1]
            and (orig.args[0] in _MYSQL_TIMEOUT_CODES)
        ):
            return timed_out(timeout_s)
        if isinstance(orig, sqlite3.OperationalError) and str(orig) == "interrupted":
            return timed_out(timeout_s)
        return SourceError(
            without_location(self._message(orig)), detail={"reason": "database_error"}
        )

    def _message(self, orig: BaseException | None) -> str:
        if orig is not None and self.dialect == "mysql" and len(orig.args) >= 2:
            text = f"({orig.args[0]}) {orig.args[1]}"
        else:
            text = str(orig)
        return scrub(text, self._secrets)

    # -- execution -----------------------------------------------------------------------

    def execute(self, sql: str, *, max_rows: int, timeout_s: float) -> QueryResult:
        start = time.perf_counter()
        columns, rows = self._fetch(sql, timeout_s=timeout_s, max_rows=max_rows)
        converted, truncated = capped_rows(rows, max_rows)
        return QueryResult(
            columns=columns,
            rows=converted,
            truncated=truncated,
            elapsed_ms=(time.perf_counter() - start) * 1000,
            column_types=infer_column_types(rows[: len(converted)], len(columns)),
        )

    def _fetch(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        *,
        timeout_s: float,
        max_rows: int | None = None,
    ) -> tuple[list[str], list[Sequence[Any]]]:
        with self._read_only(timeout_s) as conn:
            # The driver's own cursor, given no parameters unless there are some: through
            # SQLAlchemy an empty parameter list still makes the driver read every "%" of
            # the statement (even inside string literals) as a placeholder.
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                if params:
                    cursor.execute(sql, params)
                else:
                    cursor.execute(sql)
                if not cursor.description:
                    return [], []
                columns = [str(column[0]) for column in cursor.description]
                fetched = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows + 1)
                return columns, [tuple(row) for row in fetched]
            finally:
                cursor.close()

    def test_connection(self) -> None:
        try:
            self._fetch("SELECT 1", timeout_s=float(CONNECT_TIMEOUT_S), max_rows=1)
        except SourceError as exc:
            # Whoever tests a connection is connecting it: they may see where it failed.
            said = exc.message
            if "driver_message" in exc.detail:
                said = (
                    f"Could not connect to source {self.name!r} ({self._url.redacted}): "
                    f"{exc.detail['driver_message']}"
                )
            raise SourceError(
                f"Source {self.name!r} is not reachable: {said}",
                detail={**exc.detail, "reason": "connection_failed"},
            ) from exc

    def write_access(self) -> list[str]:
        if self.dialect in ("postgres", "redshift"):
            return self._postgres_write_access()
        if self.dialect == "mysql":
            return self._mysql_write_access()
        return []  # SQLite files are opened read-only (mode=ro, query_only)

    def _postgres_write_access(self) -> list[str]:
        found: list[str] = []
        _, rows = self._fetch(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            timeout_s=INTROSPECT_TIMEOUT_S,
        )
        if rows and rows[0][0]:
            found.append("the login is a superuser")
        _, rows = self._fetch(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND (has_table_privilege(quote_ident(table_schema) || '.' || "
            "quote_ident(table_name), 'INSERT, UPDATE, DELETE, TRUNCATE'))",
            timeout_s=INTROSPECT_TIMEOUT_S,
        )
        if rows and rows[0][0]:
            found.append(f"the login may change {rows[0][0]} table(s)")
        return found

    def _mysql_write_access(self) -> list[str]:
        _, rows = self._fetch("SHOW GRANTS FOR CURRENT_USER()", timeout_s=INTROSPECT_TIMEOUT_S)
        grants = " ".join(str(row[0]).upper() for row in rows)
        words = ("ALL PRIVILEGES", "SUPER", "INSERT", "UPDATE", "DELETE", "DROP", "FILE")
        granted = [word.lower() for word in words if word in grants]
        return [f"the login is granted {', '.join(granted)}"] if granted else []

    def close(self) -> None:
        self._engine.dispose()

    # -- introspection -------------------------------------------------------------------

    def introspect(self, *, progress: ProgressCallback | None = None) -> SchemaInfo:
        with self._read_only(INTROSPECT_TIMEOUT_S) as conn:
            inspector = inspect(conn)
            default = inspector.default_schema_name
            found: list[tuple[str | None, str]] = []
            views: set[tuple[str | None, str]] = set()
            for schema in self._schemas(inspector, default):
                known = None if schema == default else schema
                view_names = set(inspector.get_view_names(schema))
                names = sorted({*inspector.get_table_names(schema), *view_names})
                found.extend((known, name) for name in names)
                views.update((known, name) for name in view_names)
            described = [
                (schema, name, *self._describe(inspector, schema or default, name))
                for schema, name in found
            ]
        infos: list[TableInfo] = []
        for done, (schema, name, columns, pk, fks) in enumerate(described, start=1):
            row_count, profiles = self._profile(schema, name, columns)
            infos.append(
                TableInfo(
                    name=name,
                    columns=tuple(
                        ColumnInfo(
                            name=column.name,
                            type=column.type,
                            native_type=column.native_type,
                            nullable=column.nullable,
                            primary_key=column.name in pk,
                            distinct_values=profiles.get(column.name, (None, None))[0],
                            distinct_count=profiles.get(column.name, (None, None))[1],
                            unique=column.unique,
                        )
                        for column in columns
                    ),
                    primary_key=pk,
                    foreign_keys=fks,
                    row_count=row_count,
                    schema=schema,
                    is_view=(schema, name) in views,
                )
            )
            if progress is not None:
                progress(done, len(described), f"table {_dotted(schema, name)}")
        tables = tuple(infos)
        return SchemaInfo(
            dialect=self.dialect, tables=tables, key_overlaps=self._key_overlaps(tables)
        )

    def _key_overlaps(self, tables: tuple[TableInfo, ...]) -> tuple[KeyOverlap, ...]:
        """Candidate keys between the tables, measured on the data (see ``keys.py``)."""

        def run(sql: str, timeout_s: float) -> Sequence[Any] | None:
            try:
                rows = self._fetch(sql, timeout_s=timeout_s, max_rows=1)[1]
            except SourceError:
                return None
            return rows[0] if rows else None

        prep = self._engine.dialect.identifier_preparer
        return key_overlaps(tables, self.dialect, run, table_sql=self._target, quote=prep.quote)

    def _schemas(self, inspector: Inspector, default: str | None) -> list[str | None]:
        if self.dialect not in ("postgres", "redshift"):
            return [default]
        others = sorted(
            schema
            for schema in inspector.get_schema_names()
            if schema != default
            and schema not in _PG_SYSTEM_SCHEMAS
            and not schema.startswith(("pg_temp_", "pg_toast_temp_"))
        )
        return [default, *others]

    def _describe(
        self, inspector: Inspector, schema: str | None, table: str
    ) -> tuple[list[ColumnInfo], tuple[str, ...], tuple[ForeignKey, ...]]:
        columns = [
            ColumnInfo(
                name=column["name"],
                type=_family(column["type"], native := self._native(column["type"])),
                native_type=native,
                nullable=bool(column.get("nullable", True)),
            )
            for column in inspector.get_columns(table, schema)
        ]
        pk = tuple(inspector.get_pk_constraint(table, schema).get("constrained_columns") or ())
        unique = self._unique_columns(inspector, schema, table)
        columns = [replace(column, unique=column.name in unique) for column in columns]
        fks = tuple(
            ForeignKey(
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
            )
            for fk in inspector.get_foreign_keys(table, schema)
            if fk.get("referred_table")
        )
        return columns, pk, fks

    @staticmethod
    def _unique_columns(inspector: Inspector, schema: str | None, table: str) -> set[str]:
        """Columns that a unique constraint or unique index covers alone."""
        sets: list[list[str | None]] = []
        with suppress(NotImplementedError, SQLAlchemyError):
            sets += [
                list(u["column_names"]) for u in inspector.get_unique_constraints(table, schema)
            ]
        with suppress(NotImplementedError, SQLAlchemyError):
            sets += [
                list(index["column_names"])
                for index in inspector.get_indexes(table, schema)
                if index.get("unique")
            ]
        return {names[0] for names in sets if len(names) == 1 and names[0] is not None}

    def _native(self, type_: TypeEngine[Any]) -> str:
        try:
            return str(type_.compile(dialect=self._engine.dialect))
        except SQLAlchemyError:
            return type(type_).__name__.upper()

    def _profile(
        self, schema: str | None, table: str, columns: list[ColumnInfo]
    ) -> tuple[int | None, dict[str, tuple[tuple[str, ...] | None, int | None]]]:
        """Row count and text-column profiles; None where the database would not tell."""
        prep = self._engine.dialect.identifier_preparer
        target = self._target(schema, table)
        texts = [column.name for column in columns if column.type == "text"]
        estimate = self._estimate_rows(schema, table)
        huge = estimate is not None and estimate > HUGE_TABLE_ROWS
        source = target
        if huge:
            inner = ", ".join(prep.quote(name) for name in texts) or "1 AS one"
            source = f"(SELECT {inner} FROM {target} LIMIT {PROFILE_SAMPLE_ROWS}) sample"
        counts = [f"COUNT(DISTINCT {prep.quote(name)})" for name in texts]
        try:
            first = self._fetch(
                f"SELECT {', '.join(['COUNT(*)', *counts])} FROM {source}",
                timeout_s=INTROSPECT_TIMEOUT_S,
            )[1][0]
        except SourceError:
            # A view that fails or a table too slow to count still belongs in the schema.
            return estimate, {}
        row_count = estimate if huge else int(first[0])
        profiles: dict[str, tuple[tuple[str, ...] | None, int | None]] = {}
        for name, count in zip(texts, first[1:], strict=True):
            values = None
            if int(count) <= DISTINCT_VALUES_LIMIT:
                values = self._distinct_values(source, prep.quote(name))
            profiles[name] = (values, int(count))
        return row_count, profiles

    def _distinct_values(self, source: str, column: str) -> tuple[str, ...] | None:
        if self.dialect == "mysql":
            text, length = column, f"CHAR_LENGTH({column})"
        elif self.dialect == "sqlite":
            text, length = column, f"LENGTH({column})"
        else:
            text = f"CAST({column} AS TEXT)"
            length = f"LENGTH({text})"
        try:
            rows = self._fetch(
                f"SELECT DISTINCT {text} FROM {source} "
                f"WHERE {column} IS NOT NULL AND {length} <= {MAX_VALUE_LENGTH}",
                timeout_s=INTROSPECT_TIMEOUT_S,
                max_rows=DISTINCT_VALUES_LIMIT,
            )[1]
        except SourceError:
            return None
        return tuple(sorted(str(row[0]) for row in rows[:DISTINCT_VALUES_LIMIT]))

    def _target(self, schema: str | None, table: str) -> str:
        prep = self._engine.dialect.identifier_preparer
        if schema is None:
            return str(prep.quote(table))
        return f"{prep.quote_schema(schema)}.{prep.quote(table)}"

    def _estimate_rows(self, schema: str | None, table: str) -> int | None:
        """The catalog's row estimate, to avoid counting huge tables exactly."""
        if self.dialect in ("postgres", "redshift"):
            sql = "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%(name)s)"
            params: dict[str, Any] = {"name": self._target(schema, table)}
        elif self.dialect == "mysql":
            sql = (
                "SELECT table_rows FROM information_schema.tables "
                "WHERE table_schema = COALESCE(%(schema)s, DATABASE()) AND table_name = %(name)s"
            )
            params = {"schema": schema, "name": table}
        else:
            return None
        try:
            rows = self._fetch(sql, params, timeout_s=INTROSPECT_TIMEOUT_S)[1]
        except SourceError:
            return None
        if not rows or rows[0][0] is None or int(rows[0][0]) < 0:
            return None
        return int(rows[0][0])


#: What a failed connection says, by driver: the server's error code or its words.
_MYSQL_FAILURES = {1044: "auth_failed", 1045: "auth_failed", 1049: "database_missing"}
_PG_AUTH_WORDS = ("password authentication failed", "role ", "no pg_hba.conf entry")


_FAILURE_WORDS = {
    "host_unreachable": "the database server did not answer",
    "auth_failed": "the database refused Parley's credentials",
    "database_missing": "the database does not exist on the server",
}

# Where a driver says it was connecting: servers, ports and users, in libpq's and MySQL's words.
_LOCATIONS = (
    (re.compile(r'connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed: '), ""),
    (re.compile(r'connection to server on socket "[^"]*" failed: '), ""),
    (re.compile(r" for user \"[^\"]*\""), ""),
    (re.compile(r"for user '[^']*'@'[^']*'"), "for this user"),
    (re.compile(r"(MySQL|MariaDB) server on '[^']*'"), r"\1 server"),
)


def without_location(message: str) -> str:
    """A driver's message without the host, port or user it names.

    >>> without_location('connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
    ...                  'password authentication failed for user "bob"')
    'FATAL:  password authentication failed'
    >>> without_location("(1045, Access denied for user 'bob'@'10.0.0.9' (using password: YES))")
    '(1045, Access denied for this user (using password: YES))'
    """
    for pattern, replacement in _LOCATIONS:
        message = pattern.sub(replacement, message)
    return message


def connection_failure(orig: BaseException | None) -> str:
    """Why a connection failed: ``auth_failed``, ``database_missing`` or ``host_unreachable``.

    libpq reports failures at connection time as text only (no SQLSTATE), so PostgreSQL's
    are read from its message; MySQL's carry the server's error number.

    >>> connection_failure(Exception('FATAL:  database "x" does not exist'))
    'database_missing'
    >>> connection_failure(Exception('FATAL:  role "bob" does not exist'))
    'auth_failed'
    >>> connection_failure(Exception("Connection refused"))
    'host_unreachable'
    """
    if orig is None:
        return "host_unreachable"
    code = orig.args[0] if orig.args and isinstance(orig.args[0], int) else None
    if code in _MYSQL_FAILURES:
        return _MYSQL_FAILURES[code]
    text = str(orig)
    if "database " in text and "does not exist" in text:
        return "database_missing"
    if any(words in text for words in _PG_AUTH_WORDS) and (
        "does not exist" in text or "failed" in text or "entry" in text
    ):
        return "auth_failed"
    return "host_unreachable"


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _dotted(schema: str | None, name: str) -> str:
    return name if schema is None else f"{schema}.{name}"


def _family(type_: TypeEngine[Any], native: str) -> str:
    """Type family from the reflected type, falling back on its class for custom names."""
    family = normalise_type(native)
    if family != "other":
        return family
    for cls, name in (
        (Boolean, "boolean"),
        (Integer, "integer"),
        (Float, "float"),
        (Numeric, "decimal"),
        (DateTime, "timestamp"),
        (Date, "date"),
        (Time, "time"),
        (JSON, "json"),
        (String, "text"),
        (Uuid, "text"),
    ):
        if isinstance(type_, cls):
            return name
    return "other"
