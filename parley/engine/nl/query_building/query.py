"""Build: a reading becomes a SemanticQuery.

First what the reading leaves to the ontology is settled (the date an event names, money
conditions, sizes); then what is measured (a named metric, a count, the money metric the
question implies) or listed; then dimensions, filters, time and order. A reading that
cannot honestly become a query becomes ``Unclear`` instead.
"""

from __future__ import annotations

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.query_building.dates import apply_time, dated_by, event_date
from parley.engine.nl.query_building.filters import apply_filters
from parley.engine.nl.query_building.graph import UNREACHABLE, Graph
from parley.engine.nl.query_building.listing import age_order, list_query
from parley.engine.nl.query_building.metrics import (
    averaged_column,
    column_metric,
    column_named,
    count_of,
    is_average,
    metric_of,
    money_column,
    primary_metric,
    quantity_of,
    time_extreme,
)
from parley.engine.nl.query_building.money import (
    cost_as_price,
    money_nouns,
    owned_amounts,
    row_money_condition,
    sized_objects,
    unclear_size,
)
from parley.engine.nl.query_building.order import apply_order
from parley.engine.nl.query_building.spending import money_kind
from parley.engine.nl.query_building.subjects import display_fields, query_base
from parley.engine.nl.query_building.unclear import Unclear
from parley.engine.nl.roles.reading import FilterPart, Reading
from parley.engine.nl.timephrases import default_grain
from parley.engine.nl.vocabulary import HAPPENED_AFTER
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import DimensionRef, MetricRef, SemanticQuery
from parley.errors import InvalidInput


def build(graph: Graph, reading: Reading) -> SemanticQuery | Unclear:
    """The query ``reading`` asks for: what is measured (or listed), then the rest.

    The reading is edited on the way (a column chosen to rank by, a limit of one for
    "the biggest order"), and the caller's explanation of it is written afterwards.
    """
    ontology = graph.ontology
    owned_amounts(ontology, reading)
    money_nouns(ontology, reading)
    _event_happened(reading)
    unclear = _settle(graph, reading)
    if unclear is not None:
        return unclear
    list_object = reading.list_object
    series = bool(reading.grain or reading.time.series)
    counted = _counted_by_a_total(reading)
    if counted is not None:
        return _counted_by_totals(graph, reading, counted, series)
    metrics = [metric_of(ontology, part, reading) for part in reading.metrics]
    groups = list(reading.group_objects)
    if list_object and not metrics and (
        reading.dimensions or groups or series or reading.share or reading.growth
    ):
        # "orders by status", "the growth in orders": count the listed object.
        metrics.append(count_of(ontology, list_object, reading))
        list_object = None
    if list_object and (reading.money_condition or (reading.money_words and reading.ranking)):
        # "which customers spent more than 5000": customers grouped, not listed.
        groups.insert(0, list_object)
        list_object = None
    extreme = time_extreme(ontology, reading, list_object)
    if extreme is not None and not metrics:
        metrics.append(extreme)
        list_object = None
    if reading.adjective_rank and not metrics and reading.rank_attribute is None:
        target = list_object or (reading.mentioned[0] if reading.mentioned else None)
        column = column_named(ontology, target, reading.adjective_rank[0]) if target else None
        target_object = ontology.object(target.object) if target else None
        if (
            column is None
            and target_object is not None
            and age_order(target_object, [t.norm for t in reading.tokens])
        ):
            # Ranked by a birth date when there is no age: the list query orders it.
            reading.adjective_rank = None
        elif target is None or column is None:
            return Unclear(f"I could not tell which column ranks by {reading.adjective_rank[0]}")
        else:
            reading.rank_attribute = column
            list_object = target
            if target in reading.mentioned:
                reading.mentioned.remove(target)
    revenue = ontology.metric("revenue")
    if (
        reading.money_rank
        and not metrics
        and list_object is not None
        and revenue
        and revenue.object != list_object.object
        and graph.distance(revenue.object, list_object.object) < UNREACHABLE
    ):
        # "the 5 largest orders": orders ranked by the revenue they bring.
        groups.insert(0, list_object)
        metrics.append(MetricRef(metric=revenue.name))
        if reading.limit is None and _named_singular(ontology, reading, list_object):
            reading.limit = 1  # "the biggest purchase order"
        list_object = None
        reading.money_rank = False
    if reading.money_rank and not metrics and list_object is not None:
        money = money_column(ontology, list_object)
        if money is None:
            return Unclear(f"I could not tell what makes one {list_object.name} big")
        reading.rank_attribute = money
    if reading.rank_attribute is not None and not metrics and list_object is not None:
        return list_query(graph, reading, list_object)
    if reading.price_order is not None and not metrics:
        target = list_object or (reading.mentioned[0] if reading.mentioned else None)
        if target is None and groups:
            target = groups.pop(0)
        if target is not None:
            return list_query(graph, reading, target)
    measures = [c for c in reading.fields if c.role == "measure"]
    if not metrics and measures and not reading.list_words:
        # "shipping spend per carrier": a money column named in a question that groups
        # or dates it is its total (or its average when totals mean nothing).
        metrics.append(column_metric(ontology, measures[0]))
        reading.fields = [c for c in reading.fields if c != measures[0]]
    if not metrics and reading.money_words and not reading.money_verbs and reading.mentioned:
        held = quantity_of(ontology, reading.mentioned[0])
        if held is not None:
            metrics.append(held)
            reading.mentioned.pop(0)
    if not metrics and list_object is None:
        primary = primary_metric(
            graph, [c.object for c in groups + reading.mentioned], money_kind(reading)
        )
        if (
            reading.events
            and not reading.money_verbs
            and (
                reading.count_words
                or series
                or reading.growth
                or groups
                or reading.dimensions
                or reading.period
            )
        ):
            # "hires per year": count the employees by their hire date.
            metrics.append(count_of(ontology, reading.events[0], reading))
        elif (
            (groups or reading.money_condition or reading.money_words)
            and primary
            and (reading.ranking or reading.money_words or reading.money_condition)
        ):
            metrics.append(primary)
        elif (reading.dimensions or groups or series) and reading.mentioned:
            metrics.append(count_of(ontology, reading.mentioned[0], reading))
        elif reading.count_words and reading.filters and not reading.mentioned:
            # "how many contractors": count the rows that have that value.
            metrics.append(count_of(ontology, reading.filters[0].concept, reading))
        elif reading.mentioned and not reading.list_words:
            # "online orders last month": how many of them.
            metrics.append(count_of(ontology, reading.mentioned[0], reading))
        elif reading.mentioned:
            list_object = reading.mentioned[0]
        elif groups and not reading.dimensions:
            list_object = groups.pop(0)
    if list_object is not None and not metrics:
        return list_query(graph, reading, list_object)
    if not metrics:
        return Unclear("I could not tell what to measure")
    if reading.ranking and (reading.limit or 0) > 1 and not (groups or reading.dimensions):
        return Unclear(f"I could not tell what to rank: top {reading.limit} of what")
    if reading.money_condition and reading.count_words and not (groups or reading.dimensions):
        # (a count of things by their totals is read before; what is left is unclear)
        return Unclear("I cannot yet count things by a condition on their totals")
    over = _averaged_per(ontology, reading, metrics, groups)
    if isinstance(over, Unclear):
        return over
    if over is not None:
        groups = [g for g in groups if g.object != over.field.split(".")[0]]
    query = _assemble(graph, reading, metrics, groups, series)
    if query.share and query.limit and query.dimensions and _one_share_asked(reading):
        query.together = True  # "what share came from our top 10 customers": one figure
    if over is not None:
        query.average_over = over
        query.order = [o for o in query.order if o.key != over.field.split(".")[-1]]
    return query


def _event_happened(reading: Reading) -> None:
    """ "How many salespersons have left?": the rows whose date of that event is set. A
    period said with it ("left last year") dates them instead."""
    dated = reading.time_field
    time = reading.time
    if dated is None or reading.period or time.compare or time.grain or time.series or (
        reading.recency is not None or reading.ranking or reading.superlative or reading.limit
    ):
        return  # "who joined most recently": ranked by the date, not filtered on it
    words = [t.norm for t in reading.tokens]
    for match in reading.matches:
        if dated in match.concepts and match.start > 0 and (
            words[match.start - 1] in HAPPENED_AFTER
        ):
            reading.conditions.append(FilterPart(dated, "ne", [None]))
            return


def _counted_by_a_total(reading: Reading) -> Concept | None:
    """The things "how many customers spent more than 100k" or "how many orders over
    $50,000" counts by a condition on their totals: the one thing counted, else the one
    thing sized or named. None for any other question."""
    if not (reading.money_condition and reading.count_words) or reading.dimensions or (
        reading.list_words or reading.grain
    ):
        return None
    counts = [p.target for p in reading.metrics
              if p.aggregation == "count" and p.target is not None and p.target.kind == "object"]
    if len(reading.metrics) == 1 and len(counts) == 1:
        return counts[0]
    if reading.metrics:
        return None
    named = [*reading.group_objects, *reading.mentioned]
    return named[0] if len(named) == 1 else None


def _counted_by_totals(
    graph: Graph, reading: Reading, counted: Concept, series: bool
) -> SemanticQuery | Unclear:
    """Each thing's total, kept over the line, then the things counted (``count_over``)."""
    money = primary_metric(graph, [counted.object], money_kind(reading))
    if money is None or money.metric is None:
        return Unclear(f"I could not tell what the total of a {counted.object} is")
    reading.metrics, reading.mentioned, reading.group_objects = [], [], [counted]
    query = _assemble(graph, reading, [money], [counted], series)
    over = next((d for d in query.dimensions
                 if d.field.split(".")[0] == counted.object and d.grain is None), None)
    if over is None:
        return Unclear("I could not tell whose totals the condition is on")
    query.dimensions.remove(over)
    query.count_over = over
    query.order, query.limit = [], None
    return query


def _averaged_per(
    ontology: Ontology, reading: Reading, metrics: list[MetricRef], groups: list[Concept]
) -> DimensionRef | Unclear | None:
    """"average revenue per customer": a business metric that is no plain sum, averaged,
    is averaged over the one thing it is said per (each customer's revenue, then their
    mean); said per nothing, or per several things, it is unclear."""
    # The first metrics are the reading's own, in its order; counts added after are not.
    own = list(zip(reading.metrics, metrics[: len(reading.metrics)], strict=True))
    averaged = [
        ref for part, ref in own
        if part.concept is not None and part.aggregation == "avg" and ref.metric is not None
        and not is_average(ontology, ref)
    ]
    # "average number of units per order": a number averaged per a thing its rows belong
    # to (order lines per order) is each order's total, then their mean.
    words = [t.norm for t in reading.tokens]
    numbered = any(words[i:i + 3] in (["average", "number", "of"], ["avg", "number", "of"],
                                      ["mean", "number", "of"]) for i in range(len(words)))
    for index, (_, ref) in enumerate(own):
        column = averaged_column(ontology, ref)
        if numbered and column is not None and len(groups) == 1 and (
            groups[0].object != column.split(".")[0]
        ):
            metrics[index] = MetricRef(aggregation="sum", field=column)
            averaged.append(metrics[index])
    if not averaged:
        return None
    if len(groups) != 1:
        return Unclear(f"I could not tell what the average {averaged[0].metric} is per")
    obj = ontology.object(groups[0].object)
    if obj is None or len(obj.primary_key) != 1:
        return Unclear(f"I could not tell one {groups[0].object} from another")
    return DimensionRef(field=f"{obj.name}.{obj.primary_key[0]}")


def _one_share_asked(reading: Reading) -> bool:
    """ "What share of revenue came from ...", "what percentage comes from ...": one
    figure, not a share for each row."""
    words = [t.norm for t in reading.tokens]
    return words[:2] in (["what", "share"], ["what", "percentage"], ["what", "proportion"],
                         ["what", "percent"], ["what", "%"]) or words[:3] == ["how", "much", "of"]


def _settle(graph: Graph, reading: Reading) -> Unclear | None:
    """Settle what the reading's words leave to the ontology (the date an event names, a
    money condition on the rows' own column, the price "cost" means, what "over 500"
    compares), or say why it cannot be."""
    ontology = graph.ontology
    event_date(ontology, reading)
    unsized = unclear_size(ontology, reading)
    if unsized is not None:
        return unsized
    if reading.per_period_average:
        # The average of daily (monthly...) totals needs a query in two steps.
        return Unclear(
            "I cannot yet average per-day or per-month totals; ask for the totals "
            "by day or by month instead"
        )
    row_money_condition(ontology, reading)
    if reading.cost_as_price:
        cost_as_price(ontology, reading)
    return sized_objects(graph, reading)


def _assemble(
    graph: Graph,
    reading: Reading,
    metrics: list[MetricRef],
    groups: list[Concept],
    series: bool,
) -> SemanticQuery:
    """The query around its metrics: dimensions, filters, time, share and order."""
    ontology = graph.ontology
    query = SemanticQuery(metrics=metrics)
    base = query_base(ontology, query)
    if groups and base and all(m.aggregation == "avg" or is_average(ontology, m) for m in metrics):
        # "average quantity per order line": the line is what is averaged over.
        groups = [g for g in groups if g.object != base]
        if not groups and reading.ranking and reading.mentioned:
            groups = [reading.mentioned[0]]
    time_field = dated_by(ontology, reading, base)
    for concept in reading.dimensions:
        _, attribute = ontology.resolve(concept.field)
        grain = (
            (reading.grain or default_grain(reading.period)) if attribute.role == "time" else None
        )
        query.dimensions.append(DimensionRef(field=concept.field, grain=grain))
    for concept in groups:
        query.dimensions += [DimensionRef(field=f) for f in display_fields(ontology, concept)]
    if series and not any(d.grain for d in query.dimensions):
        if time_field is None:
            raise InvalidInput("there is no date to follow this over time")
        grain = reading.grain or default_grain(reading.period)
        query.dimensions.insert(0, DimensionRef(field=time_field, grain=grain))
    apply_filters(graph, query, reading)
    apply_time(query, reading, time_field)
    if reading.share:
        query.share = True
        if not query.dimensions and not query.compare:
            # "what percentage of orders were cancelled": the matching part of all.
            query.share_of = [
                f for f in query.filters if f.field not in {m.key for m in query.metrics}
            ]
            query.filters = [f for f in query.filters if f not in query.share_of]
            query.share = False
    apply_order(ontology, query, reading)
    return query


def _named_singular(ontology: Ontology, reading: Reading, concept: Concept) -> bool:
    """Whether the question names the object in the singular ("the biggest purchase order")."""
    obj = ontology.object(concept.object)
    return obj is not None and any(
        m.text == obj.label for m in reading.matches if concept in m.concepts
    )
