"""The figures a reading asks for (aggregations of columns, counts of rows), as query
metrics, and how a reading names them and its conditions in plain words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parley.engine.nl.operators import Operator
from parley.engine.nl.readings.pieces import Frame
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import Aggregation, FilterOp, MetricRef


@dataclass(slots=True)
class Metric:
    aggregation: Aggregation
    #: "object.attribute", or an object name for a count of rows.
    field: str
    #: Where the question asks for it: figures come out in the order they were asked.
    position: int = 0


OP_WORDS: dict[FilterOp, str] = {
    "eq": "is", "ne": "is not", "in": "in", "not_in": "not in", "gt": "over",
    "gte": "at least", "lt": "under", "lte": "at most", "between": "between",
    "contains": "contains", "none": "with no", "some": "with some",
}  # fmt: skip


def field_label(ontology: Ontology, ref: str) -> str:
    if ref == "count":
        return "the count"
    try:
        _obj, attribute = ontology.resolve(ref)
    except KeyError:
        return ref
    return attribute.label


def describe_metric(ontology: Ontology, metric: MetricRef) -> str:
    named = ontology.metric(metric.metric) if metric.metric else None
    if named is not None:
        return named.label
    if metric.aggregation == "count" and metric.field and "." not in metric.field:
        obj = ontology.object(metric.field)
        return f"number of {obj.plural if obj else metric.field}"
    words = {"sum": "total", "avg": "average", "min": "lowest", "max": "highest",
             "count_distinct": "number of distinct", "count": "number of"}
    return f"{words.get(metric.aggregation or '', '')} {field_label(ontology, metric.field or '')}"


def metric_ref(metric: Metric, ontology: Ontology) -> MetricRef:
    """The figure as a query metric: the ontology's own metric when one is exactly this
    aggregation of this column ("total_points"), so every reader names it alike."""
    if metric.aggregation == "count" and "." not in metric.field:
        return MetricRef(aggregation="count", field=metric.field, alias="count")
    obj, _, column = metric.field.rpartition(".")
    function = {"sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX"}.get(metric.aggregation)
    if function is not None:
        wanted = f"{function}({column})".upper()
        for defined in ontology.metrics:
            written = re.sub(r'[\s"`]', "", defined.expression).upper()
            if defined.object == obj and written == wanted:
                return MetricRef(metric=defined.name)
    return MetricRef(aggregation=metric.aggregation, field=metric.field)


def metric_field(ref: MetricRef, ontology: Ontology) -> str | None:
    """The column a query metric aggregates ("Lessons.lesson_time" of the ontology's own
    `total_lesson_time`, SUM(lesson_time)); None for a count of rows or an expression."""
    if ref.field:
        return ref.field if "." in ref.field else None
    defined = ontology.metric(ref.metric) if ref.metric else None
    if defined is None:
        return None
    written = re.sub(r'[\s"`]', "", defined.expression)
    plain = re.fullmatch(r"(?i:SUM|AVG|MIN|MAX)\((\w+)\)", written)
    return f"{defined.object}.{plain.group(1)}" if plain else None


def unique_metrics(metrics: list[Metric]) -> list[Metric]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for metric in metrics:
        if (metric.aggregation, metric.field) not in seen:
            seen.add((metric.aggregation, metric.field))
            kept.append(metric)
    return kept


def aggregate_after(frame: Frame, op: Operator, metrics: list[Metric]) -> Metric | None:
    """The metric an aggregation word right after ``op`` made ("highest *average* x")."""
    following = [o for o in frame.operators if o.start == op.end and o.kind == "aggregate"]
    if not following:
        return None
    wanted = following[0].arg
    found = [m for m in metrics if m.aggregation == wanted]
    return found[0] if len(found) == 1 else None


def metric_object(metric: Metric) -> str:
    return metric.field.split(".")[0]
