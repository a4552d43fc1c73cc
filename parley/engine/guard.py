"""The guard every SQL statement passes before it reaches a source, whoever wrote it.

Allow, don't deny: a statement must be exactly one read-only query that reads only the
source's own tables (``table_columns``, the schema Parley introspected: ``_guard_relations``)
and calls only functions on the dialect's allow-list (``_guard_functions``). The space's row
filters are then put around every reference to a real table (CTE bodies, subqueries, joins
and set operations included) and the statement is capped with a LIMIT. The SQL is only ever
changed through sqlglot's syntax tree, and every refusal is a ``GuardRejected`` saying what
was refused: statements too long or too deeply nested are refused before they are parsed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from parley.engine._guard_filters import FilterPlan, TableScope, apply_row_filters
from parley.engine._guard_limit import enforce_limit
from parley.engine._guard_policy import check_read_only, check_root, check_table_sources
from parley.engine._guard_relations import Relations
from parley.engine.row_filters import FilterOp, RowFilter
from parley.errors import GuardRejected

__all__ = ["FilterOp", "GuardedStatement", "RowFilter", "guard_sql"]

#: The longest statement the guard reads (a compiled question is a few hundred characters).
MAX_SQL_CHARS = 65_536
#: The deepest nesting of parentheses it reads.
MAX_NESTING = 32


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
    table_columns: Mapping[str, Collection[str]],
    row_filters: Sequence[RowFilter] = (),
    views: Collection[str] = (),
) -> GuardedStatement:
    """Check, filter and cap one statement; raise GuardRejected saying what was refused.

    ``dialect`` is a sqlglot dialect name ("duckdb", "postgres", "mysql", "sqlite",
    "redshift", ...); an unknown name is a programming error (ValueError).
    ``table_columns`` is the source's schema: its tables (``schema.table`` outside the
    default schema) and their columns; ``views`` names those that are views.

    >>> schema = {"users": ["name"], "orders": ["id", "tenant"]}
    >>> guard_sql("SELECT name FROM users", "duckdb", max_rows=10, table_columns=schema).sql
    'SELECT name FROM users LIMIT 10'
    >>> guard_sql("SELECT * FROM orders o", "postgres", max_rows=10, table_columns=schema,
    ...           row_filters=[RowFilter("tenant", "eq", "acme", table="orders")]).sql
    'SELECT * FROM (SELECT * FROM orders WHERE orders."tenant" = \\'acme\\') AS o LIMIT 10'
    >>> catalog = "SELECT * FROM pg_catalog.pg_authid"
    >>> guard_sql(catalog, "postgres", max_rows=10, table_columns=schema)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    parley.errors.GuardRejected: table pg_catalog.pg_authid is not allowed: ...
    """
    _check_size(sql)
    try:
        root = _parse_one(sql, dialect)
    except RecursionError:
        raise _too_deep() from None
    guarded = guard_tree(
        root,
        dialect,
        max_rows=max_rows,
        row_filters=row_filters,
        table_columns=table_columns,
        views=views,
    )
    _check_round_trip(guarded.sql, dialect)
    return guarded


def guard_tree(
    root: exp.Expr,
    dialect: str,
    *,
    max_rows: int,
    table_columns: Mapping[str, Collection[str]],
    row_filters: Sequence[RowFilter] = (),
    views: Collection[str] = (),
    pretty: bool = False,
) -> GuardedStatement:
    """:func:`guard_sql` on a statement already parsed (or built) with sqlglot.

    The same checks apply; the tree is changed in place (filters, LIMIT), so pass a
    tree nobody else uses. Parley's compiler hands its trees here, saving a parse.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    try:
        check_root(root)
        check_read_only(root, dialect)
        check_table_sources(root, dialect)
        scope = TableScope(dialect)
        relations = Relations(dialect, table_columns, views)
        relations.check(root, scope)
        plan = FilterPlan(row_filters, table_columns)
        if row_filters:
            relations.check_views(root, scope, plan)
        root, tables = apply_row_filters(root, scope, plan)
        root, limit = enforce_limit(root, max_rows)
        sql = root.sql(dialect=dialect, pretty=pretty)
    except RecursionError:
        raise _too_deep() from None
    return GuardedStatement(sql=sql, tables=tables, limit=limit)


def _check_round_trip(sql: str, dialect: str) -> None:
    # What runs is the SQL written back from the tree: it must read back as one statement,
    # or the database could see something other than what was checked.
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except Exception:  # any failure of the parser means the text cannot be trusted
        statements = []
    if len(statements) != 1:
        raise GuardRejected("the statement could not be written back safely, so it cannot run")


def _check_size(sql: str) -> None:
    if len(sql) > MAX_SQL_CHARS:
        raise GuardRejected(
            f"the statement is {len(sql):,} characters long; at most {MAX_SQL_CHARS:,} can run"
        )
    if nesting_depth(sql) > MAX_NESTING:
        raise _too_deep()


def _too_deep() -> GuardRejected:
    return GuardRejected(
        f"the statement is nested too deeply: at most {MAX_NESTING} levels of parentheses "
        "or subqueries can run"
    )


def nesting_depth(sql: str) -> int:
    """The deepest nesting of parentheses outside quoted strings and names.

    >>> nesting_depth("SELECT ((1)), '((((' FROM t")
    2
    """
    depth = deepest = 0
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _parse_one(sql: str, dialect: str) -> exp.Expr:
    Dialect.get_or_raise(dialect)  # an unknown dialect is the caller's mistake: ValueError
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as error:
        raise _parse_rejection(error) from None
    except TokenError as error:
        raise _token_rejection(sql, error) from None
    except RecursionError:
        raise
    except Exception as error:  # the parser's own failures are refusals too
        raise GuardRejected(
            f"could not parse the SQL: the {dialect} parser failed on it ({type(error).__name__})"
        ) from None
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
