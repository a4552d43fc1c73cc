"""What the guard refuses: statements that are not read-only queries, and functions or
table sources that reach outside the source's tables.

Every check works on sqlglot's syntax tree; the SQL text is never inspected.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

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

_STATEMENT_NAMES: dict[str, str] = {
    "TruncateTable": "TRUNCATE",
    "LoadData": "LOAD DATA",
    "Transaction": "BEGIN",
}

# Functions refused by name, whatever the dialect, because they reach outside the data a
# query is meant to read: the server's files, the network, other databases, the server's
# settings and processes, or time itself (sleeping holds a connection and is the classic
# blind-injection probe). Functions that run SQL given as a string (DuckDB query(),
# PostgreSQL query_to_xml()) are refused too: that SQL would escape this guard.
DENIED_FUNCTIONS: frozenset[str] = frozenset(
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

# Whole families refused by the start of their name.
DENIED_PREFIXES: tuple[str, ...] = (
    "dblink",  # dblink, dblink_exec, dblink_connect, ...: other databases
    "read_", "parquet_", "iceberg_", "delta_",  # DuckDB file and lake readers
    "lo_",  # PostgreSQL large objects live outside the tables
    "pg_ls_", "pg_read_", "pg_file_",  # PostgreSQL server files
    "pg_advisory", "pg_try_advisory",  # session locks outlive the query
    "pg_create_", "pg_drop_",  # replication slots
    "http_",  # DuckDB's http client extension
)  # fmt: skip

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


def is_denied_function(name: str) -> bool:
    """Whether a function name (lower case) is on the deny-list.

    >>> is_denied_function("pg_sleep"), is_denied_function("dblink_exec")
    (True, True)
    >>> is_denied_function("sum"), is_denied_function("date_trunc")
    (False, False)
    """
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES)


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


def check_read_only(root: exp.Expr) -> None:
    """Refuse anything in the tree that writes, locks, or reaches outside the data."""
    for node in root.walk():
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
        if isinstance(node, exp.Func):
            _check_function(node)


def _check_function(node: exp.Func) -> None:
    for name in sorted(function_names(node)):
        if is_denied_function(name):
            raise GuardRejected(
                f"function {name} is not allowed: it reaches outside the query's data "
                "(files, network, other databases, server settings or processes, or time)"
            )


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
