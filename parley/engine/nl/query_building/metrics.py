"""Metric picking: the MetricRef each part of a reading means.

A metric the question names is used as it is, or its column aggregated another way
("average revenue"); a counted object becomes a count of its rows, or of the distinct
rows among the facts that refer to it ("customers who ordered"); a question that names
no metric gets the money metric it most likely means ("top customers": revenue).
"""

from __future__ import annotations

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.spending import fits_money
from parley.engine.nl.roles.reading import MetricPart, Reading
from parley.engine.semantic.joins import nearest_time_field
from parley.engine.semantic.ontology import Object, Ontology
from parley.engine.semantic.query import MetricRef


def primary_metric(
    graph: Graph, anchors: list[str] | None = None, kind: str = "income"
) -> MetricRef | None:
    """The money metric a question means when it names none ("top customers").

    Revenue when the ontology has it; otherwise the additive money metric nearest to
    the objects the question is about ("highest paid employees": their salary).
    """
    ontology = graph.ontology
    revenue = ontology.metric("revenue")
    if kind == "cost":
        costs = [
            m
            for m in ontology.metrics
            if m.format == "currency" and m.additive and fits_money(m.name, "cost")
        ]
        if costs:
            near = anchors or []
            best = min(costs, key=lambda m: sum(graph.distance(m.object, a) for a in near))
            return MetricRef(metric=best.name)
    if revenue is not None:
        return MetricRef(metric=revenue.name)
    money = [m for m in ontology.metrics if m.format == "currency" and m.additive]
    if not money:
        money = [
            m
            for m in ontology.metrics
            if m.additive and not m.expression.upper().startswith("COUNT")
        ]
    if not money:
        return None
    anchors = anchors or []
    best = min(money, key=lambda m: sum(graph.distance(m.object, a) for a in anchors))
    return MetricRef(metric=best.name)


def metric_of(ontology: Ontology, part: MetricPart, reading: Reading) -> MetricRef:
    """The metric a part of the reading names: a metric, an aggregate of a column, or a
    count of an object.
    """
    if part.concept is not None:
        metric = ontology.metric(part.concept.name)
        if metric and part.aggregation and part.aggregation != "sum":
            column = summed_column(metric.expression)
            if column:
                return MetricRef(aggregation=part.aggregation, field=f"{metric.object}.{column}")
        return MetricRef(metric=part.concept.name)
    target = part.target
    assert target is not None
    if target.kind == "object":
        return count_of(ontology, target, reading)
    return MetricRef(aggregation=part.aggregation or "sum", field=target.field)


def count_of(ontology: Ontology, concept: Concept, reading: Reading) -> MetricRef:
    """How many of ``concept``'s object: distinct ones among the facts the question names
    when it counts those ("customers who ordered"), else all its rows.
    """
    obj = ontology.object(concept.object)
    assert obj is not None
    return _counting_fact(ontology, obj, reading) or _count_metric(ontology, obj)


def _count_metric(ontology: Ontology, obj: Object) -> MetricRef:
    """The object's own COUNT(*) metric, else a count of its distinct keys."""
    for metric in ontology.metrics:
        if metric.object == obj.name and metric.expression.replace(" ", "").upper() == "COUNT(*)":
            return MetricRef(metric=metric.name)
    key = obj.primary_key[0] if obj.primary_key else obj.attributes[0].name
    return MetricRef(
        aggregation="count_distinct", field=f"{obj.name}.{key}", alias=f"{obj.name}_count"
    )


def _counting_fact(ontology: Ontology, obj: Object, reading: Reading) -> MetricRef | None:
    """Counting customers "who ordered": distinct customers among the orders.

    Also when the question dates the count ("products sold this year") and the object
    has no date of its own: then the facts that refer to it carry the date.
    """
    candidates = [c.object for c in reading.mentioned if c.object != obj.name]
    # "articles we ordered": the event a date names ("ordered on") is a fact too.
    candidates += [c.object for c in reading.events if c.object not in {obj.name, *candidates}]
    dated = reading.period or reading.time.compare or reading.grain or reading.time.series
    if dated and reading.time_field is None and nearest_time_field(ontology, obj.name) is None:
        candidates += [
            r.from_object
            for r in ontology.relationships
            if r.to_object == obj.name and nearest_time_field(ontology, r.from_object)
        ]
    relationships = ontology.relationships
    for other in candidates:
        for rel in relationships:
            if rel.from_object == other and rel.to_object == obj.name:
                return MetricRef(
                    aggregation="count_distinct",
                    field=f"{other}.{rel.from_columns[0]}",
                    alias=f"{obj.name}_count",
                )
        if not reading.count_words:
            continue
        # "how many parts did we order": orders name no part, their lines name both;
        # the distinct parts among the lines of those orders.
        bridges = {
            (rel.from_object, rel.from_columns[0])
            for rel in relationships
            if rel.to_object == obj.name
            and len(rel.from_columns) == 1
            and rel.from_object not in {obj.name, other}
            and any(
                r.from_object == rel.from_object and r.to_object == other for r in relationships
            )
        }
        if len(bridges) == 1:
            bridge, column = bridges.pop()
            return MetricRef(
                aggregation="count_distinct",
                field=f"{bridge}.{column}",
                alias=f"{obj.name}_count",
            )
    return None


def summed_column(expression: str) -> str | None:
    """The column a SUM metric adds up, when it is a bare column.

    >>> summed_column("SUM(amount)"), summed_column("SUM(quantity * unit_price)")
    ('amount', None)
    """
    text = expression.replace(" ", "")
    if text.upper().startswith("SUM(") and text.endswith(")"):
        inner = text[4:-1]
        if inner.replace("_", "").isalnum():
            return inner
    return None


def column_metric(ontology: Ontology, concept: Concept) -> MetricRef:
    """A measure column as a metric: the ontology's total (or average) of it when there is
    one, so the query names it as people do, else its sum.
    """
    column = concept.name
    for metric in ontology.metrics:
        if metric.object == concept.object and summed_column(metric.expression) == column:
            return MetricRef(metric=metric.name)
    for metric in ontology.metrics:
        expression = metric.expression.replace(" ", "")
        if metric.object == concept.object and expression == f"AVG({column})":
            return MetricRef(metric=metric.name)
    return MetricRef(aggregation="sum", field=concept.field)


def quantity_of(ontology: Ontology, concept: Concept) -> MetricRef | None:
    """ "how much stock": the amount an object holds, its main quantity column."""
    obj = ontology.object(concept.object)
    measures = [a for a in obj.attributes if a.role == "measure"] if obj else []
    if not measures:
        return None
    preferred = ("hand", "qty", "quantity", "units", "amount", "stock", "balance", "count")
    measures.sort(key=lambda a: not any(p in a.name.lower() for p in preferred))
    chosen = Concept("attribute", concept.object, measures[0].name, role="measure")
    return column_metric(ontology, chosen)


def money_column(ontology: Ontology, concept: Concept) -> Concept | None:
    """The money column of an object ("the biggest invoice": its amount)."""
    for metric in ontology.metrics:
        column = summed_column(metric.expression)
        if metric.object == concept.object and metric.format == "currency" and column:
            return Concept("attribute", concept.object, column, role="measure")
    return None


def column_named(ontology: Ontology, concept: Concept, word: str) -> Concept | None:
    """The measure column of ``concept``'s object whose name holds ``word`` ("heaviest":
    its weight).
    """
    obj = ontology.object(concept.object)
    for attribute in obj.attributes if obj else []:
        if attribute.role == "measure" and word in attribute.name.lower():
            return Concept("attribute", concept.object, attribute.name, role="measure")
    return None


def time_extreme(ontology: Ontology, reading: Reading, listed: Concept | None) -> MetricRef | None:
    """ "When was the earliest order?": the first or last date of an object."""
    words = [t.norm for t in reading.tokens]
    target = listed or (reading.mentioned[0] if reading.mentioned else None)
    if not words or words[0] != "when" or target is None or reading.recency is None:
        return None
    obj = ontology.object(target.object)
    if obj is None or not obj.default_time:
        return None
    return MetricRef(
        aggregation="max" if reading.recency else "min", field=f"{obj.name}.{obj.default_time}"
    )


def is_average(ontology: Ontology, ref: MetricRef) -> bool:
    """Whether ``ref`` names an averaging metric (averaging over a group is not a total)."""
    metric = ontology.metric(ref.metric or "")
    return bool(metric and metric.expression.upper().startswith("AVG("))


def averaged_column(ontology: Ontology, ref: MetricRef) -> str | None:
    """The column an average averages: ad hoc (``avg`` of a field) or a derived metric
    that is ``AVG`` of one column."""
    if ref.aggregation == "avg" and ref.field:
        return ref.field
    metric = ontology.metric(ref.metric or "")
    expression = metric.expression.replace(" ", "") if metric else ""
    if metric is None or not expression.upper().startswith("AVG(") or expression.count("(") != 1:
        return None
    return f"{metric.object}.{expression[4:-1].strip(chr(34))}"
