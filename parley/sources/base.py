"""What every source connector provides: introspection and bounded, read-only execution."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    name: str
    #: Normalised type family: "integer", "decimal", "float", "text", "boolean",
    #: "date", "timestamp", "time", "json", "other".
    type: str
    #: The database's own type name, for display.
    native_type: str = ""
    nullable: bool = True
    primary_key: bool = False
    #: Distinct values of a low-cardinality text column (None when not collected).
    distinct_values: tuple[str, ...] | None = None
    #: Number of distinct values when known (may be an estimate).
    distinct_count: int | None = None
    #: True when a unique constraint or index covers this column alone.
    unique: bool = False


@dataclass(frozen=True, slots=True)
class ForeignKey:
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    row_count: int | None = None
    #: Schema (namespace) the table lives in, when not the default one.
    schema: str | None = None
    #: A view rather than a table: under row filters it is read only if a filter applies
    #: to it (it may show rows of a filtered table).
    is_view: bool = False

    def column(self, name: str) -> ColumnInfo | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None


@dataclass(frozen=True, slots=True)
class KeyOverlap:
    """How far the values of a column are found in another table's key (see ``keys.py``)."""

    from_table: str
    from_column: str
    to_table: str
    to_column: str
    #: Distinct non-null values of the referencing column checked (a bounded sample).
    sampled: int
    #: How many of them the referenced column holds.
    found: int
    #: False when the referenced column has duplicates (in a bounded sample): not a key.
    target_unique: bool = True

    @property
    def overlap(self) -> float | None:
        """The share of sampled values found, None when there was nothing to sample."""
        return self.found / self.sampled if self.sampled else None


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    #: sqlglot dialect name of the source ("duckdb", "postgres", "mysql", "sqlite", "redshift").
    dialect: str
    tables: tuple[TableInfo, ...] = ()
    #: Candidate keys between tables measured on the data during introspection; None when
    #: nothing was measured (the names alone then decide). See ``parley.sources.keys``.
    key_overlaps: tuple[KeyOverlap, ...] | None = None

    def table(self, name: str) -> TableInfo | None:
        for table in self.tables:
            if table.name == name:
                return table
        return None


@dataclass(slots=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    #: True when the source had more rows than the cap and the result was cut.
    truncated: bool = False
    elapsed_ms: float = 0.0
    #: Normalised type family per column (same names as ColumnInfo.type), when known.
    column_types: list[str] = field(default_factory=list)


class Source(Protocol):
    """A connected database. Implementations never write to it."""

    name: str
    dialect: str

    def introspect(self, *, progress: ProgressCallback | None = None) -> SchemaInfo: ...

    def execute(self, sql: str, *, max_rows: int, timeout_s: float) -> QueryResult: ...

    def test_connection(self) -> None: ...

    def write_access(self) -> list[str]:
        """What the login could do beyond reading, in words (empty when it only reads).

        Parley never writes, and every statement is guarded and run read-only; a login
        that can write is still one wall fewer, so adding such a source warns.
        """
        ...

    def close(self) -> None: ...


class ProgressCallback(Protocol):
    def __call__(self, done: int, total: int, what: str) -> None: ...
