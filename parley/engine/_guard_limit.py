"""The row cap: every guarded statement ends with a LIMIT no larger than ``max_rows``."""

from __future__ import annotations

from sqlglot import exp

_WRAP_ALIAS = "_guarded"


def literal_limit(node: exp.Expr | None) -> int | None:
    """The row count of a LIMIT or FETCH written as a plain whole number, else None.

    >>> import sqlglot
    >>> literal_limit(sqlglot.parse_one("SELECT 1 LIMIT 7").args["limit"])
    7
    >>> literal_limit(sqlglot.parse_one("SELECT 1 LIMIT ALL", read="postgres").args["limit"])
    """
    if isinstance(node, exp.Limit):
        count = node.expression
    elif isinstance(node, exp.Fetch):
        count = node.args.get("count")
    else:
        return None
    if isinstance(count, exp.Literal) and count.is_int:
        return int(count.this)
    return None


def _has_options(node: exp.Expr) -> bool:
    # PERCENT and WITH TIES change what the number means; such a limit is kept as written
    # and the cap is put around the whole query instead.
    options = node.args.get("limit_options")
    return isinstance(options, exp.LimitOptions) and bool(
        options.args.get("percent") or options.args.get("with_ties")
    )


def wrap(query: exp.Expr) -> exp.Select:
    """``SELECT * FROM (query) AS _guarded``: a query that takes a LIMIT of its own."""
    subquery = exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(_WRAP_ALIAS)))
    return exp.Select(expressions=[exp.Star()]).from_(subquery, copy=False)


def enforce_limit(root: exp.Expr, max_rows: int) -> tuple[exp.Expr, int]:
    """Cap the statement at ``max_rows``; return the new root and the LIMIT in force.

    >>> import sqlglot
    >>> def cap(sql, n=100):
    ...     root, limit = enforce_limit(sqlglot.parse_one(sql), n)
    ...     return root.sql(), limit
    >>> cap("SELECT a FROM t")
    ('SELECT a FROM t LIMIT 100', 100)
    >>> cap("SELECT a FROM t LIMIT 5 OFFSET 10")
    ('SELECT a FROM t LIMIT 5 OFFSET 10', 5)
    >>> cap("SELECT a FROM t LIMIT 500")
    ('SELECT a FROM t LIMIT 100', 100)
    """
    while isinstance(root, exp.Subquery) and {k for k, v in root.args.items() if v} == {"this"}:
        root = root.this.pop()  # plain parentheses around the whole query
    if not isinstance(root, (exp.Select, exp.SetOperation)):
        root = wrap(root)
    current = root.args.get("limit")
    if current is not None and _has_options(current):
        root = wrap(root)
        current = None
    count = literal_limit(current)
    limit = max_rows if count is None else min(count, max_rows)
    if isinstance(current, exp.Limit):
        current.set("expression", exp.Literal.number(limit))
    else:
        # No LIMIT, or a FETCH FIRST: a plain LIMIT replaces it; OFFSET is a separate
        # clause and stays as written.
        root.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    return root, limit
