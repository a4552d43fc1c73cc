"""The ontology as a filtered reader sees it: only the values and row counts of its rows.

An ontology derived from the whole source knows every text value of every tenant (to read
"orders of Acme Osaka" as a filter) and every table's row count (for schema help). A reader
restricted by row filters must not learn them: a question would be read as a filter on a
value it cannot see, and the answer would name it. So its ontology keeps only the values its
filters let it read, and the row counts it would count, each asked of the source through
the guard, like any statement it runs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlglot import exp

from parley.engine.guard import guard_tree
from parley.engine.row_filters import RowFilter
from parley.engine.semantic.ontology import Attribute, Object, Ontology
from parley.errors import GuardRejected, SourceError
from parley.sources.base import Source


def restricted_ontology(
    ontology: Ontology, source: Source, row_filters: Sequence[RowFilter], *, timeout_s: float
) -> Ontology:
    """``ontology`` with each attribute's values and each object's row count limited to
    what ``row_filters`` let a reader of ``source`` see. Without filters, ``ontology``.

    What cannot be checked (the source fails, the guard refuses) is dropped: a value
    unknown to the parser is only a word it does not recognise.
    """
    if not row_filters:
        return ontology
    # The guard's allow-list, as a workspace gives it (``Workspace.table_columns``).
    columns = {
        f"{o.schema_name}.{o.name}" if o.schema_name else o.name: [a.name for a in o.attributes]
        for o in ontology.objects
    }
    reader = _Reader(source, row_filters, columns, timeout_s)
    objects = [
        obj.model_copy(
            update={
                "row_count": reader.count(obj),
                "attributes": [reader.attribute(obj, a) for a in obj.attributes],
            }
        )
        for obj in ontology.objects
    ]
    return ontology.model_copy(update={"objects": objects})


class _Reader:
    def __init__(
        self,
        source: Source,
        row_filters: Sequence[RowFilter],
        columns: Mapping[str, Collection[str]],
        timeout_s: float,
    ) -> None:
        self._source = source
        self._filters = row_filters
        self._columns = columns
        self._timeout_s = timeout_s

    def count(self, obj: Object) -> int | None:
        rows = self._run(exp.select(exp.Count(this=exp.Star())).from_(_table(obj)), 1)
        counted = rows[0][0] if rows else None
        return counted if isinstance(counted, int) else None

    def attribute(self, obj: Object, attribute: Attribute) -> Attribute:
        if not attribute.values:
            return attribute
        column = exp.column(exp.to_identifier(attribute.name, quoted=True))
        wanted = [exp.convert(value) for value in attribute.values]
        query = (
            exp.select(column.copy())
            .distinct()
            .from_(_table(obj))
            .where(exp.In(this=column.copy(), expressions=wanted))
        )
        seen = {str(row[0]) for row in self._run(query, len(wanted)) or []}
        return attribute.model_copy(
            update={"values": [value for value in attribute.values if value in seen]}
        )

    def _run(self, query: exp.Select, most: int) -> list[list[object]] | None:
        # Through the guard like any statement of the reader: its filters, its tables.
        try:
            guarded = guard_tree(
                query,
                self._source.dialect,
                max_rows=most,
                row_filters=self._filters,
                table_columns=self._columns,
            )
            return self._source.execute(guarded.sql, max_rows=most, timeout_s=self._timeout_s).rows
        except (GuardRejected, SourceError):
            return None


def _table(obj: Object) -> exp.Table:
    schema = exp.to_identifier(obj.schema_name, quoted=True) if obj.schema_name else None
    return exp.Table(this=exp.to_identifier(obj.name, quoted=True), db=schema)
