"""Row filters: every reference to a real table becomes a filtered subquery.

``orders AS o`` becomes ``(SELECT * FROM orders WHERE orders.tenant = 'acme') AS o``, so
whatever the rest of the query does with ``o`` it only ever sees the allowed rows. The
alias is kept (or the table's own name is used as the alias) so outer column references
still resolve.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from parley.errors import GuardRejected

if TYPE_CHECKING:
    from parley.engine.row_filters import RowFilter


class TableScope:
    """Tells real tables from references to common table expressions (CTEs).

    Only a reference a CTE certainly shadows, in every dialect, counts as a CTE: one in the
    main query of its WITH, or in a later CTE of the same WITH. A CTE naming itself or a
    later CTE means the real table in some engines (DuckDB) and the CTE in others
    (PostgreSQL's WITH RECURSIVE), so such a reference is treated as the real table: it is
    then filtered, which can only make the query stricter, never leak rows.
    """

    def __init__(self, dialect: str) -> None:
        self._dialect = Dialect.get_or_raise(dialect)

    def normalized(self, identifier: exp.Identifier) -> str:
        """The name the database resolves an identifier to (case folding, quoting)."""
        folded = self._dialect.normalize_identifier(identifier.copy())
        return folded.name

    def is_cte_reference(self, table: exp.Table) -> bool:
        if table.args.get("db") or table.args.get("catalog"):
            return False
        ident = table.this
        if not isinstance(ident, exp.Identifier):
            return False
        name = self.normalized(ident)
        path: list[exp.Expr] = [table]
        node = table.parent
        while node is not None:
            with_ = node.args.get("with_") or node.args.get("with")
            if isinstance(with_, exp.With) and name in self._visible(with_, path):
                return True
            path.append(node)
            node = node.parent
        return False

    def _visible(self, with_: exp.With, path: list[exp.Expr]) -> set[str]:
        ctes = [cte for cte in with_.expressions if isinstance(cte, exp.CTE)]
        position = next((i for i, node in enumerate(path) if node is with_), None)
        if position is not None:
            # Inside a CTE body: the CTEs defined before it are certainly in scope, and so
            # is the CTE itself from the recursive term of a WITH RECURSIVE.
            came_from = path[position - 1]
            index = next((i for i, cte in enumerate(ctes) if cte is came_from), 0)
            visible = ctes[:index]
            if with_.args.get("recursive") and _in_recursive_term(came_from, path):
                visible.append(ctes[index])
            ctes = visible
        names: set[str] = set()
        for cte in ctes:
            alias = cte.args.get("alias")
            if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Identifier):
                names.add(self.normalized(alias.this))
        return names


def _in_recursive_term(cte: exp.Expr, path: list[exp.Expr]) -> bool:
    # `anchor UNION [ALL] recursive term`: only the right-hand branch is the recursive term.
    body = cte.this
    if not isinstance(body, exp.SetOperation):
        return False
    right = body.args.get("expression")
    return any(node is right for node in path)


def bare_name(name: str) -> str:
    """The last part of a possibly qualified table name, lower case.

    >>> bare_name("Main.Orders"), bare_name("orders")
    ('orders', 'orders')
    """
    return name.rsplit(".", 1)[-1].lower()


class FilterPlan:
    """Decides which row filters apply to a table reference, and builds the conditions.

    Tables are matched by their bare name, whatever schema qualifies the filter or the
    reference: an unqualified ``orders`` may well be ``main.orders``, and filtering a
    same-named table of another schema too only ever hides rows.
    """

    def __init__(
        self,
        row_filters: Sequence[RowFilter],
        table_columns: Mapping[str, Collection[str]] | None,
    ) -> None:
        self._filters = tuple(row_filters)
        self._columns: dict[str, dict[str, str]] | None = None
        if table_columns is not None:
            self._columns = {}
            for key, columns in table_columns.items():
                known = self._columns.setdefault(bare_name(key), {})
                known.update({column.lower(): column for column in columns})

    def conditions(self, table: exp.Table, qualifier: exp.Identifier) -> list[exp.Expr]:
        """The conditions that must hold for rows of ``table`` to be visible."""
        name = exp.table_name(table)
        bare = table.name.lower()
        known = None if self._columns is None else self._columns.get(bare)
        result: list[exp.Expr] = []
        for row_filter in self._filters:
            column = row_filter.column
            if row_filter.table is not None:
                if bare_name(row_filter.table) != bare:
                    continue
                if known is not None:
                    if column.lower() not in known:
                        raise GuardRejected(
                            f"row filter column {column} is not a column of table {name}, so "
                            "the table cannot be read"
                        )
                    column = known[column.lower()]
            else:
                if self._columns is None:
                    raise GuardRejected(
                        f"row filter on column {column} applies to every table that has it, "
                        f"but the source's columns are unknown, so table {name} cannot be read"
                    )
                if known is None:
                    raise GuardRejected(
                        f"table {name} is not in the source's schema, so its row filters "
                        "cannot be checked"
                    )
                if column.lower() not in known:
                    continue
                column = known[column.lower()]
            result.append(condition(row_filter, column, qualifier))
        return result


def condition(row_filter: RowFilter, column: str, qualifier: exp.Identifier) -> exp.Expr:
    """One filter as a condition; values become literals in the tree, never text.

    >>> from parley.engine.row_filters import RowFilter
    >>> t = exp.to_identifier("orders")
    >>> condition(RowFilter("tenant", "eq", "x' OR '1'='1"), "tenant", t).sql()
    'orders."tenant" = \\'x\\'\\' OR \\'\\'1\\'\\'=\\'\\'1\\''
    >>> condition(RowFilter("region", "in", ["EU", "US"]), "region", t).sql()
    'orders."region" IN (\\'EU\\', \\'US\\')'
    >>> condition(RowFilter("region", "in", []), "region", t).sql()
    'FALSE'
    >>> condition(RowFilter("name", "contains", "50%_x"), "name", t).sql("postgres")
    'POSITION(\\'50%_x\\' IN CAST(orders."name" AS TEXT)) > 0'
    >>> condition(RowFilter("closed_at", "is_null", False), "closed_at", t).sql()
    'NOT orders."closed_at" IS NULL'
    """
    col = exp.column(exp.to_identifier(column, quoted=True), table=qualifier.copy())
    op, value = row_filter.op, row_filter.value
    if op in ("in", "not_in"):
        values = [exp.convert(item) for item in value]
        if not values:
            return exp.false() if op == "in" else exp.true()
        member = exp.In(this=col, expressions=values)
        return member if op == "in" else exp.Not(this=member)
    if op == "is_null":
        null_test = exp.Is(this=col, expression=exp.Null())
        return null_test if value else exp.Not(this=null_test)
    if op == "contains":
        # A position test, not LIKE: the value's % and _ are text, and no escape syntax
        # differs between dialects. The cast lets it read a number or a date as text.
        found = exp.StrPosition(this=exp.cast(col, "text"), substr=exp.convert(value))
        return exp.GT(this=found, expression=exp.Literal.number(0))
    if value is None:
        null_test = exp.Is(this=col, expression=exp.Null())
        return null_test if op == "eq" else exp.Not(this=null_test)
    literal = exp.convert(value)
    builders: dict[str, type[exp.Binary]] = {
        "eq": exp.EQ,
        "ne": exp.NEQ,
        "gt": exp.GT,
        "gte": exp.GTE,
        "lt": exp.LT,
        "lte": exp.LTE,
    }
    return builders[op](this=col, expression=literal)


def apply_row_filters(
    root: exp.Expr,
    scope: TableScope,
    plan: FilterPlan,
) -> tuple[exp.Expr, tuple[str, ...]]:
    """Wrap every filtered real-table reference; return the new root and the base tables."""
    names: set[str] = set()
    made: set[int] = set()
    for table in list(root.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier) or scope.is_cte_reference(table):
            continue
        names.add(exp.table_name(table))
        inner = _wrap(table, plan)
        if inner is not None:
            made.add(id(inner))
    _verify_all_filtered(root, scope, plan, made)
    return root, tuple(sorted(names))


def _wrap(table: exp.Table, plan: FilterPlan) -> exp.Table | None:
    qualifier = table.this.copy()
    conds = plan.conditions(table, qualifier)
    if not conds:
        return None
    # A table sits in FROM or JOIN, or first in a parenthesised join `(a JOIN b ON ...)`.
    parent = table.parent
    if table.arg_key != "this" or not isinstance(parent, (exp.From, exp.Join, exp.Subquery)):
        raise GuardRejected(
            f"table {exp.table_name(table)} is referenced where its row filters cannot be "
            "applied, so the query is refused"
        )
    if table.args.get("laterals"):
        raise GuardRejected(
            f"table {exp.table_name(table)} carries laterals that its row filters cannot "
            "wrap, so the query is refused"
        )
    alias = table.args.get("alias") or exp.TableAlias(this=table.this.copy())
    # These belong to the reference, not to the table read inside the filter.
    moved = {key: table.args.get(key) for key in ("pivots", "joins")}
    inner = table.copy()
    for key in ("alias", *moved):
        inner.set(key, None)
    select = exp.Select(expressions=[exp.Star()]).from_(inner, copy=False)
    select = select.where(exp.and_(*conds, copy=False), copy=False)
    subquery = exp.Subquery(this=select, alias=alias.copy())
    for key, value in moved.items():
        if value:
            subquery.set(key, value)
    table.replace(subquery)
    if isinstance(parent, exp.Join) and parent.side in {"LEFT", "FULL"}:
        # Rows the filter hides do not exist for this reader: an outer join would keep
        # the facts that refer to them (as NULLs), showing what the space must not.
        parent.set("side", None)
        parent.set("kind", None)
    return inner


def _verify_all_filtered(
    root: exp.Expr, scope: TableScope, plan: FilterPlan, made: set[int]
) -> None:
    # A last look over the finished tree: a real table that should be filtered and is not
    # inside a filter subquery made above means a shape this module does not know.
    for table in root.find_all(exp.Table):
        if id(table) in made or not isinstance(table.this, exp.Identifier):
            continue
        if scope.is_cte_reference(table):
            continue
        if plan.conditions(table, table.this):
            raise GuardRejected(
                f"table {exp.table_name(table)} could not be wrapped in its row filters, so "
                "the query is refused"
            )
