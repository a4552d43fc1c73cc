"""The relations a guarded statement may read: the source's own tables, and nothing else.

A table reference must name a relation of the schema Parley introspected for the source
(``table_columns``), unqualified or qualified by that relation's own schema (or, in
SQLite and DuckDB, by ``main``). System catalogs, ``information_schema``, other schemas and
databases, and relations created after the schema was read are refused: they are not in
the list, whatever their name.

When row filters are in force, a view is read only if a filter applies to the view
itself: a view over a filtered table would otherwise show the rows the filter hides.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlglot import exp

from parley.engine._guard_filters import FilterPlan, TableScope
from parley.errors import GuardRejected

# The schema an unqualified name lives in, where it is the same for every connection and
# a reference may spell it out. PostgreSQL's and MySQL's depend on the connection
# (search_path, the current database): there a qualified name must be the table's own.
DEFAULT_SCHEMAS: dict[str, frozenset[str]] = {
    "duckdb": frozenset({"main"}),
    "sqlite": frozenset({"main"}),
}


class Relations:
    """The allow-list of relations, built from the source's schema.

    ``table_columns`` keys are table names, qualified by their schema when it is not the
    default one (``"sales.orders"``); ``views`` names the keys that are views.
    """

    def __init__(
        self,
        dialect: str,
        table_columns: Mapping[str, Collection[str]],
        views: Collection[str] = (),
    ) -> None:
        self._dialect = dialect
        self._schemas: dict[str, set[str | None]] = {}
        for key in table_columns:
            schema, _, name = key.rpartition(".")
            self._schemas.setdefault(name.lower(), set()).add(schema.lower() or None)
        self._views = {view.rpartition(".")[2].lower() for view in views}

    def is_view(self, table: exp.Table) -> bool:
        return table.name.lower() in self._views

    def check(self, root: exp.Expr, scope: TableScope) -> None:
        """Refuse every reference to a relation outside the allow-list."""
        for table in root.find_all(exp.Table):
            if isinstance(table.this, exp.Func):
                continue  # a table function: the policy's allow-list of those decides
            if not isinstance(table.this, exp.Identifier):
                raise GuardRejected(f"{table.sql(dialect=self._dialect)} cannot be read as a table")
            if scope.is_cte_reference(table):
                continue
            self._check(table)

    def check_views(self, root: exp.Expr, scope: TableScope, plan: FilterPlan) -> None:
        """Refuse a view that no row filter applies to, while row filters are in force."""
        for table in root.find_all(exp.Table):
            if not isinstance(table.this, exp.Identifier) or not self.is_view(table):
                continue
            if scope.is_cte_reference(table) or plan.conditions(table, table.this):
                continue
            raise GuardRejected(
                f"view {table.sql(dialect=self._dialect)} is not allowed here: it may show "
                "rows of a table that row filters restrict, and no filter applies to it",
                detail={"table": table.sql(dialect=self._dialect)},
            )

    def _check(self, table: exp.Table) -> None:
        written = table.sql(dialect=self._dialect)
        if table.args.get("catalog"):
            raise GuardRejected(
                f"table {written} is not allowed: a statement reads only the source's own "
                "tables, named without a database or catalog",
                detail={"table": written},
            )
        schemas = self._schemas.get(table.name.lower())
        if schemas is None:
            raise GuardRejected(
                f"table {written} is not allowed: it is not one of the source's tables "
                "(system catalogs and relations outside the source's schema cannot be read)",
                detail={"table": written},
            )
        qualifier = table.args.get("db")
        if not isinstance(qualifier, exp.Identifier):
            return
        schema = qualifier.name.lower()
        default = DEFAULT_SCHEMAS.get(self._dialect, frozenset())
        if schema in schemas or (None in schemas and schema in default):
            return
        raise GuardRejected(
            f"table {written} is not allowed: schema {qualifier.name} is not the schema of "
            f"the source's table {table.name}",
            detail={"table": written},
        )
