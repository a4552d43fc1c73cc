"""The guard every SQL statement passes before it reaches a source, whoever wrote it.

A statement is parsed in the source's dialect and must be exactly one read-only query
that calls no function reaching outside the data; the space's row filters are then put
around every reference to a real table (CTE bodies, subqueries, joins and set operations
included) and the statement is capped with a LIMIT. The SQL is only ever changed through
sqlglot's syntax tree.

Callers that apply row filters should pass ``table_columns`` (the source's known tables
and their columns): with it, a filter that names no table reaches every table having the
column, and a table outside the known schema (a view created later, a system catalog) is
refused rather than read unfiltered.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from parley.engine._guard_filters import FilterPlan, TableScope, apply_row_filters
from parley.engine._guard_limit import enforce_limit
from parley.engine._guard_policy import check_read_only, check_root, check_table_sources
from parley.engine.row_filters import FilterOp, RowFilter
from parley.errors import GuardRejected

__all__ = ["FilterOp", "GuardedStatement", "RowFilter", "guard_sql"]

@dataclass(frozen=True)
class GuardedStatement:
    sql: str
    """The statement to run, in the source's dialect."""
    tables: tuple[str, ...]
    """The real tables referenced (CTE names excluded), each once, sorted."""
    limit: int
    """The LIMIT now in force."""


def guard_sql(
    sql: str,
    dialect: str,
    *,
    max_rows: int,
    row_filters: Sequence[RowFilter] = (),
    table_columns: Mapping[str, Collection[str]] | None = None,
) -> GuardedStatement:
    """Check, filter and cap one statement; raise GuardRejected saying what was refused.

    ``dialect`` is a sqlglot dialect name ("duckdb", "postgres", "mysql", "sqlite",
    "redshift", ...); an unknown name is a programming error (ValueError).

    >>> guard_sql("SELECT name FROM users", "duckdb", max_rows=10).sql
    'SELECT name FROM users LIMIT 10'
    >>> guard_sql("SELECT * FROM orders o", "postgres", max_rows=10,
    ...           row_filters=[RowFilter("tenant", "eq", "acme", table="orders")]).sql
    'SELECT * FROM (SELECT * FROM orders WHERE orders."tenant" = \\'acme\\') AS o LIMIT 10'
    """
    return guard_tree(
        _parse_one(sql, dialect),
        dialect,
        max_rows=max_rows,
        row_filters=row_filters,
        table_columns=table_columns,
    )


def guard_tree(
    root: exp.Expr,
    dialect: str,
    *,
    max_rows: int,
    row_filters: Sequence[RowFilter] = (),
    table_columns: Mapping[str, Collection[str]] | None = None,
    pretty: bool = False,
) -> GuardedStatement:
    """:func:`guard_sql` on a statement already parsed (or built) with sqlglot.

    The same checks apply; the tree is changed in place (filters, LIMIT), so pass a
    tree nobody else uses. Parley's compiler hands its trees here, saving a parse.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    check_root(root)
    check_read_only(root)
    check_table_sources(root, dialect)
    scope = TableScope(dialect)
    root, tables = apply_row_filters(root, scope, FilterPlan(row_filters, table_columns))
    root, limit = enforce_limit(root, max_rows)
    return GuardedStatement(
        sql=root.sql(dialect=dialect, pretty=pretty), tables=tables, limit=limit
    )


def _parse_one(sql: str, dialect: str) -> exp.Expr:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as error:
        raise _parse_rejection(error) from None
    except TokenError as error:
        raise _token_rejection(sql, error) from None
    if not statements:
        raise GuardRejected("no SQL statement was given")
    if len(statements) > 1:
        raise GuardRejected(f"only one statement is allowed, found {len(statements)}")
    return statements[0]


def _parse_rejection(error: ParseError) -> GuardRejected:
    first: dict[str, Any] = error.errors[0] if error.errors else {}
    line, col = first.get("line"), first.get("col")
    highlight = first.get("highlight") or ""
    description = first.get("description") or "invalid SQL"
    return GuardRejected(
        f"could not parse the SQL at line {line}, column {col} near {highlight!r}: {description}",
        detail={"line": line, "col": col, "highlight": highlight},
    )


def _token_rejection(sql: str, error: TokenError) -> GuardRejected:
    # The tokenizer reports where the unreadable snippet starts as an offset.
    start = getattr(error, "start", None) or 0
    line = sql.count("\n", 0, start) + 1
    col = start - (sql.rfind("\n", 0, start) + 1) + 1
    end = getattr(error, "end", None)
    snippet = sql[start:end] if end is not None else sql[start:]
    return GuardRejected(
        f"could not read the SQL at line {line}, column {col} near {snippet!r}: "
        "look for an unterminated string, quoted name or comment",
        detail={"line": line, "col": col, "highlight": snippet},
    )
