"""What the guard refuses: statements that are not read-only queries, variables, functions
off the allow-list (``_guard_functions``) and table functions that read anything but their
arguments.

Every check works on sqlglot's syntax tree; the SQL text is never inspected.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from parley.engine._guard_functions import check_function
from parley.errors import GuardRejected

# The statement kinds a guarded statement may be: read-only queries only.
QUERY_ROOTS: tuple[type[exp.Expr], ...] = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)


def _classes(*names: str) -> tuple[type[exp.Expr], ...]:
    # Looked up by name so an older sqlglot that lacks one of them still imports.
    return tuple(getattr(exp, name) for name in names if hasattr(exp, name))


# Nodes that write, change the session or the server, or run something that is not a
# query. They are refused anywhere in the tree: a DELETE ... RETURNING hidden in a CTE
# writes as surely as a top-level DELETE.
WRITING_NODES: tuple[type[exp.Expr], ...] = _classes(
    "DML",  # INSERT, UPDATE, DELETE, MERGE, COPY
    "DDL",  # CREATE and friends
    "Insert", "Update", "Delete", "Merge", "Copy", "Create", "Drop", "Alter",
    "TruncateTable", "Grant", "Revoke", "Attach", "Detach", "Pragma", "Set", "Install",
    "Use", "Transaction", "Commit", "Rollback", "Describe", "Show", "Summarize", "Kill",
    "Analyze", "Cache", "Uncache", "Refresh", "LoadData", "Export", "Declare", "Comment",
    "Execute", "Command",
)  # fmt: skip

# Session and server variables (`@@datadir`, `@x`) and bind parameters.
_VARIABLES: tuple[type[exp.Expr], ...] = _classes("SessionParameter", "Parameter", "Placeholder")

_STATEMENT_NAMES: dict[str, str] = {
    "TruncateTable": "TRUNCATE",
    "LoadData": "LOAD DATA",
    "Transaction": "BEGIN",
}

# Table functions that only compute rows from their arguments.
ALLOWED_TABLE_FUNCTIONS: frozenset[str] = frozenset(
    {"generate_series", "range", "unnest", "generate_subscripts"}
)

# DuckDB reads a table name that looks like a path or URL ('data.csv', 's3://b/x') as a
# file, so in DuckDB such a name is refused rather than looked up.
_PATH_CHARACTERS = frozenset("./\\:*?")


def function_names(node: exp.Func) -> set[str]:
    """The lower-case names a function call may be known by.

    >>> import sqlglot
    >>> sorted(function_names(sqlglot.parse_one("SELECT PG_Sleep(1)").expressions[0]))
    ['pg_sleep']
    >>> sorted(function_names(sqlglot.parse_one("SELECT read_csv('x')").expressions[0]))
    ['read_csv']
    """
    if isinstance(node, exp.Anonymous):
        return {node.name.lower()}
    return {name.lower() for name in type(node).sql_names()}


def statement_name(node: exp.Expr) -> str:
    """A statement's kind as a person would write it.

    >>> import sqlglot
    >>> statement_name(sqlglot.parse_one("DROP TABLE x"))
    'DROP'
    >>> statement_name(sqlglot.parse_one("TRUNCATE TABLE x", read="postgres"))
    'TRUNCATE'
    """
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    cls = type(node).__name__
    return _STATEMENT_NAMES.get(cls, cls.upper())


def check_root(root: exp.Expr) -> None:
    """Refuse a statement that is not a query."""
    if not isinstance(root, QUERY_ROOTS):
        raise GuardRejected(
            f"{statement_name(root)} statements are not allowed: only a read-only query "
            "(SELECT, WITH ... SELECT, UNION, INTERSECT, EXCEPT or VALUES) can run"
        )


def check_read_only(root: exp.Expr, dialect: str) -> None:
    """Refuse anything in the tree that writes, locks, or reaches outside the data."""
    for node in root.walk():
        if isinstance(node, exp.Select) and not node.expressions:
            raise GuardRejected("a SELECT needs at least one column or expression to return")
        if isinstance(node, WRITING_NODES):
            raise GuardRejected(
                f"{statement_name(node)} statements are not allowed, even inside a query: "
                "only a read-only query can run"
            )
        if isinstance(node, exp.Into):
            raise GuardRejected("SELECT ... INTO is not allowed: it writes a table")
        if isinstance(node, exp.Lock):
            kind = "UPDATE" if node.args.get("update") else "SHARE"
            raise GuardRejected(
                f"the locking clause FOR {kind} is not allowed: a read-only query takes no "
                "row locks"
            )
        if isinstance(node, _VARIABLES):
            raise GuardRejected(
                f"{node.sql(dialect=dialect)} is not allowed: a statement reads no session "
                "or server variables and takes no parameters"
            )
        if isinstance(node, exp.Func) and not _is_table_source(node):
            check_function(node, dialect)


def _is_table_source(node: exp.Func) -> bool:
    # A function in FROM is judged by the table-function allow-list below.
    return isinstance(node.parent, exp.Table | exp.Lateral) and node.arg_key == "this"


def check_table_sources(root: exp.Expr, dialect: str) -> None:
    """Refuse table functions and, in DuckDB, table names that read files."""
    for node in root.find_all(exp.Table, exp.Lateral):
        source = node.this
        if isinstance(node, exp.Lateral) and not isinstance(source, exp.Func):
            continue
        if isinstance(source, exp.Func):
            names = function_names(source)
            if names.isdisjoint(ALLOWED_TABLE_FUNCTIONS) and not isinstance(
                source, (exp.GenerateSeries, exp.Unnest)
            ):
                name = sorted(names)[0]
                raise GuardRejected(
                    f"table function {name} is not allowed in FROM: only tables, subqueries, "
                    "VALUES, UNNEST and GENERATE_SERIES can be read"
                )
        elif isinstance(node, exp.Table) and dialect == "duckdb":
            _check_duckdb_table_name(node)


def _check_duckdb_table_name(table: exp.Table) -> None:
    for part in iter_name_parts(table):
        if not _PATH_CHARACTERS.isdisjoint(part):
            raise GuardRejected(
                f"table name '{part}' is not allowed: DuckDB would read it as a file or URL"
            )


def iter_name_parts(table: exp.Table) -> Iterator[str]:
    """The catalog, schema and table names of a table reference, as written."""
    for key in ("catalog", "db", "this"):
        part = table.args.get(key)
        if isinstance(part, exp.Identifier):
            yield part.name
