"""Conditions on money and on size.

"employees who earn more than 150k" compares the rows' own money column; "invoices over
10k" the object's money, or else the revenue it brings ("orders over 500"); "products
that cost more than 500" their price. A size of a thing with no money of its own
("inventory value by site") is not guessed.
"""

from __future__ import annotations

import re

from parley.engine.nl.evidence import Match
from parley.engine.nl.lexicon import SIZE_WORDS, Concept
from parley.engine.nl.query_building.graph import UNREACHABLE, Graph
from parley.engine.nl.query_building.metrics import money_column, summed_column
from parley.engine.nl.query_building.spending import fits_money, money_kind
from parley.engine.nl.query_building.unclear import Unclear
from parley.engine.nl.roles.reading import FilterPart, MetricPart, Reading
from parley.engine.nl.vocabulary import MONEY_NOUNS
from parley.engine.semantic.ontology import Object, Ontology
from parley.naming import singular


def row_money_condition(ontology: Ontology, reading: Reading) -> None:
    """ "employees who earn more than 150k": a money column of the rows themselves."""
    money = reading.money_condition
    if money is None:
        return
    objects = [c.object for c in reading.mentioned + reading.group_objects]
    objects += [p.target.object for p in reading.metrics if p.target and p.target.kind == "object"]
    if reading.list_object:
        objects.append(reading.list_object.object)
    kind = money_kind(reading)
    for metric in ontology.metrics:
        column = summed_column(metric.expression)
        if (
            metric.format == "currency"
            and metric.object in objects
            and column
            and fits_money(column, kind)
        ):
            _, attribute = ontology.resolve(f"{metric.object}.{column}")
            concept = Concept("attribute", metric.object, column, role=attribute.role)
            reading.conditions.append(FilterPart(concept, money.op, money.values))
            reading.money_condition = None
            return


def sized_objects(graph: Graph, reading: Reading) -> Unclear | None:
    """ "invoices over 10k": a condition on the object's own money column; "orders over
    500", where the money lives on their lines, is a condition on the orders' totals."""
    ontology = graph.ontology
    for sized in reading.sized:
        money = money_column(ontology, sized.concept)
        if money is not None and fits_money(money.name, "income"):
            reading.conditions.append(FilterPart(money, sized.op, sized.values))
            continue
        revenue = ontology.metric("revenue")
        if revenue is None or graph.distance(revenue.object, sized.concept.object) >= UNREACHABLE:
            return Unclear(
                f"I could not tell what about {sized.concept.object} should be "
                f"{' '.join(map(str, sized.values))}"
            )
        # "show orders over 500": each order with its revenue, those above the line;
        # "how many orders over 500": then those orders counted.
        reading.money_condition = FilterPart(
            Concept("metric", revenue.object, revenue.name), sized.op, sized.values
        )
        if sized.concept not in reading.group_objects:
            reading.group_objects.append(sized.concept)
        if reading.list_object == sized.concept:
            reading.list_object = None
        if sized.concept in reading.mentioned:
            reading.mentioned.remove(sized.concept)
    return None


def cost_as_price(ontology: Ontology, reading: Reading) -> None:
    """ "products that cost more than 500": what they cost a buyer, their price column."""
    for condition in reading.conditions:
        obj = ontology.object(condition.concept.object)
        price = price_attribute(obj) if obj else None
        if obj is not None and price and "cost" in condition.concept.name:
            condition.concept = Concept("attribute", obj.name, price, role="measure")


def price_attribute(obj: Object) -> str | None:
    """The column "expensive" and "cheap" rank by: a price, else a cost."""
    for word in ("price", "cost"):
        for attribute in obj.attributes:
            if attribute.role == "measure" and word in attribute.name.lower():
                return attribute.name
    return None


def unclear_size(ontology: Ontology, reading: Reading) -> Unclear | None:
    """ "inventory value by site": the worth of a thing with no money column of its own
    (the lexicon reads "deal size" as a deal's amount) is not a count of the things."""
    words = [t.norm for t in reading.tokens]
    covered = {j for m in reading.matches for j in range(m.start, m.end)}
    for m in reading.matches:
        if m.kinds != {"object"} or m.end >= len(words) or m.end in covered:
            continue
        if words[m.end] in SIZE_WORDS or words[m.end] in {"values", "sizes"}:
            obj = ontology.object(m.concepts[0].object)
            label = obj.label if obj else m.text
            return Unclear(
                f"I could not tell what the {words[m.end]} of a {label} is",
            )
    return None


_ONE_COLUMN = re.compile(r"(?:SUM|AVG)\((\w+)\)", re.IGNORECASE)
#: Words that name a money column only by what it is ("the sales amount").
_AMOUNT_WORDS = frozenset({"amount", "amounts", "value", "values", "total", "totals"})


def _money_of(ontology: Ontology, owner: Concept) -> Concept | None:
    """The one money column of ``owner``'s object: the column its currency metrics add up
    or average (a price); None when it has none or several."""
    monies = {found.group(1) for m in ontology.metrics
              if m.object == owner.object and m.format == "currency"
              and (found := _ONE_COLUMN.fullmatch(m.expression.replace('"', "")))}
    if len(monies) != 1:
        return None
    return Concept("attribute", owner.object, monies.pop(), role="measure")


def owned_amounts(ontology: Ontology, reading: Reading) -> None:
    """ "the total sales amount": the amount of the things named right before it (the
    sales' one money column), not whichever table has a column or a metric called
    amount. The match is read so too, so that every check sees the sales' column."""
    for part in reading.metrics:
        named = part.target if part.target is not None else part.concept
        column = _owned_amount(ontology, reading, named)
        if column is not None:
            part.concept, part.target = None, column
            part.aggregation = part.aggregation or "sum"
    for index, field in enumerate(reading.fields):
        column = _owned_amount(ontology, reading, field)
        if column is not None:
            reading.fields[index] = column


def _owned_amount(ontology: Ontology, reading: Reading, named: Concept | None) -> Concept | None:
    """The money column of the things named right before an amount word that names
    another table's column or metric; None when there is no such thing or several."""
    if named is None or named.kind not in {"attribute", "metric"}:
        return None
    match = next((m for m in reading.matches if named in m.concepts), None)
    if match is None or match.text.split()[-1] not in _AMOUNT_WORDS:
        return None
    before = next((m for m in reading.matches
                   if m.end == match.start and m.kinds == {"object"}), None)
    if before is None or before.concepts[0].object == named.object:
        return None
    owner = before.concepts[0]
    column = _money_of(ontology, owner)
    if column is None:
        return None
    match.concepts = [column]
    if owner in reading.mentioned:
        reading.mentioned.remove(owner)
    return column


def money_nouns(ontology: Ontology, reading: Reading) -> None:
    """ "Show total payments received per quarter", "What were the Phoenix dealership's
    sales last month?": the rows' one money column added up, where nothing counts them
    and nothing else is measured."""
    if reading.metrics or reading.count_words or reading.fields or reading.share or (
        reading.money_rank or reading.ranking or reading.superlative or reading.adjective_rank
        or reading.limit
    ):
        return  # "what percentage of invoices", "the biggest invoice": the rows themselves
    words = [t.norm for t in reading.tokens]
    listing = bool(words) and words[0] in {"list", "show", "display", "give", "return"}
    asked = [c for c in (*reading.mentioned, reading.list_object) if c is not None]
    for match in reading.matches:
        if match.kinds != {"object"}:
            continue
        owner = match.concepts[0]
        obj = ontology.object(owner.object)
        if obj is None or not {singular(w) for w in obj.label.split()} & MONEY_NOUNS:
            continue
        totalled = _totalled(reading, match)
        if not totalled and (listing or owner not in asked):
            continue  # "list the payments received last month": the payments themselves
        column = _money_of(ontology, owner)
        if column is None:
            return
        reading.metrics.append(MetricPart(aggregation="sum", target=column))
        if owner in reading.mentioned:
            reading.mentioned.remove(owner)
        if reading.list_object == owner:
            reading.list_object = None
        return


def _totalled(reading: Reading, match: Match) -> bool:
    """Whether "total" stands right before the thing named ("total payments")."""
    words = [t.norm for t in reading.tokens]
    return match.start > 0 and words[match.start - 1] in {"total", "totals"}
