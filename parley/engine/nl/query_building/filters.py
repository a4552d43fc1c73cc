"""Filters: the values a question names, and its conditions on columns and on totals."""

from __future__ import annotations

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.metrics import primary_metric
from parley.engine.nl.query_building.spending import money_kind
from parley.engine.nl.query_building.subjects import display_field
from parley.engine.nl.roles.reading import FilterPart, Reading
from parley.engine.semantic.query import DimensionRef, MetricRef, QueryFilter, SemanticQuery


def merge_filters(parts: list[FilterPart]) -> list[QueryFilter]:
    """The values a question names, one filter per column: "Berlin or Paris" is one
    filter with two values, and so is "not Berlin, not Paris".
    """
    merged: dict[tuple[str, bool], QueryFilter] = {}
    for part in parts:
        negated = part.op == "ne"
        key = (part.concept.field, negated)
        if key in merged:
            existing = merged[key]
            existing.values.extend(v for v in part.values if v not in existing.values)
            existing.op = "not_in" if negated else "in"
        else:
            merged[key] = QueryFilter(
                field=part.concept.field, op=part.op, values=list(part.values)
            )
    return list(merged.values())


def apply_filters(graph: Graph, query: SemanticQuery, reading: Reading) -> None:
    """Add the reading's filters and conditions to ``query``.

    A condition on a total adds that total as a metric ("customers who spent more than
    5000" needs their spend), grouped by the object the question names when nothing
    else groups it; values compared ("Berlin vs Paris") become a dimension as well.
    """
    ontology = graph.ontology
    filters = merge_filters(reading.filters)
    if reading.compare_words:
        for f in filters:
            if f.op == "in" and not any(d.field == f.field for d in query.dimensions):
                query.dimensions.append(DimensionRef(field=f.field))
    query.filters.extend(filters)
    conditions = list(reading.conditions)
    primary = primary_metric(
        graph, [c.object for c in reading.group_objects + reading.mentioned], money_kind(reading)
    )
    if reading.money_condition and primary and primary.metric:
        money = reading.money_condition
        conditions.append(FilterPart(Concept("metric", "", primary.metric), money.op, money.values))
    for condition in conditions:
        concept = condition.concept
        if concept.kind == "metric":
            key = next((m.key for m in query.metrics if m.metric == concept.name), None)
            if key is None:
                query.metrics.append(MetricRef(metric=concept.name))
                key = concept.name
            query.filters.append(QueryFilter(field=key, op=condition.op, values=condition.values))
            if not query.dimensions and reading.mentioned:
                query.dimensions.append(
                    DimensionRef(field=display_field(ontology, reading.mentioned[0]))
                )
        else:
            query.filters.append(
                QueryFilter(field=concept.field, op=condition.op, values=condition.values)
            )
