"""A DuckDB file as a source, through DuckDB's own Python API.

The file is opened read-only with external access disabled and the configuration locked,
so a statement can neither write nor reach files or the network. Each call works on its
own cursor, which makes one source safe to share between threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from parley.errors import SourceError
from parley.sources._common import (
    DISTINCT_VALUES_LIMIT,
    HUGE_TABLE_ROWS,
    INTROSPECT_TIMEOUT_S,
    MAX_VALUE_LENGTH,
    PROFILE_SAMPLE_ROWS,
    capped_rows,
    timed_out,
)
from parley.sources._deadlines import DEADLINES
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

MEMORY = ":memory:"


def quote(name: str) -> str:
    """Quote an identifier for DuckDB (also valid for PostgreSQL and SQLite).

    >>> quote('a"b')
    '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


class DuckDBSource:
    """Read-only, bounded access to one DuckDB database file."""

    dialect = "duckdb"

    def __init__(self, path: str | Path, *, name: str, threads: int | None = None) -> None:
        """``threads``: how many threads a statement may be split across; DuckDB's default
        (one per core) when None."""
        self.name = name
        self.path = str(path)
        config: dict[str, Any] = {
            "enable_external_access": False,
            "python_enable_replacements": False,
            **({} if threads is None else {"threads": threads}),
            "lock_configuration": True,
        }
        in_memory = self.path == MEMORY
        if not in_memory and not Path(self.path).is_file():
            raise SourceError(f"The DuckDB file {self.path!r} of source {name!r} does not exist")
        try:
            # An in-memory database cannot be opened read-only; it is empty and private to
            # this process, so there is nothing to protect.
            self._conn = duckdb.connect(self.path, read_only=not in_memory, config=config)
        except duckdb.Error as exc:
            raise SourceError(f"Could not open the DuckDB file {self.path!r}: {exc}") from exc
        self._lock = threading.Lock()

    # -- execution -----------------------------------------------------------------------

    def execute(self, sql: str, *, max_rows: int, timeout_s: float) -> QueryResult:
        start = time.perf_counter()
        description, rows = self._run(sql, (), timeout_s=timeout_s, max_rows=max_rows)
        columns = [column[0] for column in description]
        families = [normalise_type(str(column[1])) for column in description]
        kept, truncated = capped_rows(rows, max_rows)
        return QueryResult(
            columns=columns,
            rows=kept,
            truncated=truncated,
            elapsed_ms=(time.perf_counter() - start) * 1000,
            column_types=families,
        )

    def test_connection(self) -> None:
        try:
            self._run("SELECT 1", (), timeout_s=10.0, max_rows=1)
        except SourceError as exc:
            raise SourceError(
                f"Source {self.name!r} (DuckDB file {self.path!r}) is not usable: {exc.message}"
            ) from exc

    def write_access(self) -> list[str]:
        # A file is opened read-only; an in-memory database is private to this process.
        return []

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            try:
                return self._conn.cursor()
            except duckdb.Error as exc:
                raise SourceError(f"Source {self.name!r} is closed or unusable: {exc}") from exc

    def _run(
        self,
        sql: str,
        params: Sequence[Any],
        *,
        timeout_s: float,
        max_rows: int | None = None,
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Run one statement; return (description, rows), at most ``max_rows + 1`` rows."""
        cursor = self._cursor()
        try:
            with DEADLINES.guard(timeout_s, cursor.interrupt):
                cursor.execute(sql, list(params))
                description = list(cursor.description or [])
                if not description:
                    return [], []
                rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows + 1)
            return description, rows
        except duckdb.InterruptException as exc:
            raise timed_out(timeout_s) from exc
        except duckdb.Error as exc:
            raise SourceError(str(exc).strip(), detail={"reason": "database_error"}) from exc
        finally:
            cursor.close()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._run(sql, params, timeout_s=INTROSPECT_TIMEOUT_S)[1]

    # -- introspection -------------------------------------------------------------------

    def introspect(self, *, progress: ProgressCallback | None = None) -> SchemaInfo:
        scope = "table_catalog = current_database() AND table_schema = current_schema()"
        listed = self._all(
            f"SELECT table_name, table_type = 'VIEW' FROM information_schema.tables WHERE {scope} "
            "ORDER BY table_name"
        )
        tables = [(name,) for name, _ in listed]
        views = {name for name, is_view in listed if is_view}
        columns: dict[str, list[tuple[str, str, bool]]] = {}
        for table, column, data_type, nullable in self._all(
            "SELECT table_name, column_name, data_type, is_nullable = 'YES' "
            f"FROM information_schema.columns WHERE {scope} "
            "ORDER BY table_name, ordinal_position"
        ):
            columns.setdefault(table, []).append((column, data_type, bool(nullable)))
        primary: dict[str, tuple[str, ...]] = {}
        unique: set[tuple[str, str]] = set()
        foreign: dict[str, list[ForeignKey]] = {}
        for table, kind, names, referred, referred_names in self._all(
            "SELECT table_name, constraint_type, constraint_column_names, referenced_table, "
            "referenced_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND schema_name = current_schema() "
            "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE') "
            "ORDER BY table_name, constraint_index"
        ):
            if kind == "PRIMARY KEY":
                primary[table] = tuple(names)
            elif kind == "UNIQUE":
                if len(names) == 1:
                    unique.add((table, names[0]))
            else:
                foreign.setdefault(table, []).append(
                    ForeignKey(tuple(names), referred, tuple(referred_names))
                )
        sizes = dict(
            self._all(
                "SELECT table_name, estimated_size FROM duckdb_tables() "
                "WHERE database_name = current_database() AND schema_name = current_schema()"
            )
        )
        infos: list[TableInfo] = []
        for done, (table,) in enumerate(tables, start=1):
            pk = primary.get(table, ())
            try:
                row_count, profiles = self._profile(
                    table, columns.get(table, []), huge=(sizes.get(table) or 0) > HUGE_TABLE_ROWS
                )
            except SourceError:
                # A view that fails or a table too slow to count still belongs in the schema.
                row_count, profiles = None, {}
            infos.append(
                TableInfo(
                    name=table,
                    columns=tuple(
                        ColumnInfo(
                            name=name,
                            type=normalise_type(native),
                            native_type=native,
                            nullable=nullable,
                            primary_key=name in pk,
                            distinct_values=profiles.get(name, (None, None))[0],
                            distinct_count=profiles.get(name, (None, None))[1],
                            unique=(table, name) in unique,
                        )
                        for name, native, nullable in columns.get(table, [])
                    ),
                    primary_key=pk,
                    foreign_keys=tuple(foreign.get(table, [])),
                    row_count=row_count,
                    is_view=table in views,
                )
            )
            if progress is not None:
                progress(done, len(tables), f"table {table}")
        found = tuple(infos)
        return SchemaInfo(
            dialect=self.dialect, tables=found, key_overlaps=self._key_overlaps(found)
        )

    def _key_overlaps(self, tables: tuple[TableInfo, ...]) -> tuple[KeyOverlap, ...]:
        """Candidate keys between the tables, measured on the data (see ``keys.py``)."""

        def run(sql: str, timeout_s: float) -> Sequence[Any] | None:
            try:
                rows = self._run(sql, (), timeout_s=timeout_s, max_rows=1)[1]
            except SourceError:
                return None
            return rows[0] if rows else None

        return key_overlaps(
            tables, self.dialect, run, table_sql=lambda _s, t: quote(t), quote=quote
        )

    def _profile(
        self, table: str, columns: list[tuple[str, str, bool]], *, huge: bool
    ) -> tuple[int | None, dict[str, tuple[tuple[str, ...] | None, int | None]]]:
        """Count the rows of a table and profile its text columns, in two statements."""
        texts = [name for name, native, _ in columns if normalise_type(native) == "text"]
        source = quote(table)
        if huge:
            inner = ", ".join(quote(name) for name in texts) or "1"
            source = f"(SELECT {inner} FROM {source} LIMIT {PROFILE_SAMPLE_ROWS}) AS sample"
        estimates = self._all(
            f"SELECT count(*) FROM {quote(table)}"
            if not texts
            else f"SELECT (SELECT count(*) FROM {quote(table)}), "
            + ", ".join(f"approx_count_distinct({quote(name)})" for name in texts)
            + f" FROM {source}"
        )[0]
        row_count = int(estimates[0])
        profiles: dict[str, tuple[tuple[str, ...] | None, int | None]] = {
            name: (None, int(estimate)) for name, estimate in zip(texts, estimates[1:], strict=True)
        }
        # The estimate has an error of a few percent: check candidates near the limit exactly.
        near_limit = DISTINCT_VALUES_LIMIT * 1.1
        candidates = [name for name in texts if (profiles[name][1] or 0) <= near_limit]
        if not candidates:
            return row_count, profiles
        parts = []
        for name in candidates:
            text = f"CAST({quote(name)} AS VARCHAR)"
            parts.append(f"count(DISTINCT {text})")
            short = f"length({text}) <= {MAX_VALUE_LENGTH}"
            parts.append(f"list(DISTINCT {text}) FILTER (WHERE {short})")
        exact = self._all(f"SELECT {', '.join(parts)} FROM {source}")[0]
        for index, name in enumerate(candidates):
            count, values = int(exact[2 * index]), exact[2 * index + 1] or []
            if count <= DISTINCT_VALUES_LIMIT:
                profiles[name] = (tuple(sorted(values)), count)
            else:
                profiles[name] = (None, count)
        return row_count, profiles
