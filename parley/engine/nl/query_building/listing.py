"""Lists of rows ("show the orders", "the oldest employee", "the 3 most expensive
products"): which rows, in what order, how many.
"""

from __future__ import annotations

import re

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.query_building.dates import dated_by, time_range
from parley.engine.nl.query_building.filters import apply_filters
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.money import price_attribute
from parley.engine.nl.roles.reading import Reading
from parley.engine.semantic.ontology import Object
from parley.engine.semantic.query import OrderItem, SemanticQuery
from parley.errors import InvalidInput
from parley.naming import names_a_year


def list_query(graph: Graph, reading: Reading, concept: Concept) -> SemanticQuery:
    """The rows of ``concept``'s object the reading lists, in the order its words ask
    for: a ranked column, age, price, or else newest first by the rows' own date.
    "the oldest employee", named in the singular, is one row.
    """
    ontology = graph.ontology
    obj = ontology.object(concept.object)
    assert obj is not None
    query = SemanticQuery(list_object=obj.name)
    if reading.fields:
        shown = [f"{obj.name}.{obj.display_attribute}"] if obj.display_attribute else []
        query.list_fields = shown + [c.field for c in reading.fields if c.field not in shown]
    apply_filters(graph, query, reading)
    if any(f.field in {m.key for m in query.metrics} for f in query.filters) or query.metrics:
        raise InvalidInput(f"a list of {obj.plural} cannot be filtered on a total")
    time_field = dated_by(ontology, reading, obj.name)
    if reading.period:
        query.time_range = time_range(
            reading.period, reading.time_field.field if reading.time_field else None
        )
    singular = any(m.text == obj.label for m in reading.matches if concept in m.concepts)
    if reading.rank_attribute is not None:
        descending = reading.descending if reading.descending is not None else True
        query.order = [OrderItem(key=reading.rank_attribute.name, descending=descending)]
        query.limit = reading.limit or (1 if singular else 10)
        return query
    aged = age_order(obj, [t.norm for t in reading.tokens])
    if aged is not None:
        # "the oldest employee" is the one born first, not the one hired first.
        query.order = [aged]
        if query.list_fields and aged.key not in query.list_fields:
            query.list_fields.append(f"{obj.name}.{aged.key}")
        query.limit = reading.limit or (1 if singular else 10)
        return query
    if reading.price_order is not None:
        price = price_attribute(obj)
        if price is None:
            raise InvalidInput(f"{obj.plural} have no price to rank them by")
        query.order = [OrderItem(key=price, descending=reading.price_order)]
        query.limit = reading.limit or (1 if singular else 10)
        return query
    if "newest" in {t.norm for t in reading.tokens} and reading.time_field is None and any(
        names_a_year(a.name) and a.role != "time" for a in obj.attributes
    ):
        # "which trains are the newest", of trains with a build year and an overhaul
        # date: by which of the two is a guess ("the latest" is by the rows' own date).
        raise InvalidInput(f"{obj.plural} have a year and a date; say which one to rank by")
    if time_field and time_field.startswith(f"{obj.name}."):
        descending = reading.recency is not False
        query.order = [OrderItem(key=time_field.split(".")[-1], descending=descending)]
        if query.list_fields and time_field not in query.list_fields:
            # Rows are ordered by their date, so the date is shown with them.
            query.list_fields.append(time_field)
    query.limit = reading.limit
    if query.limit is None and reading.recency is not None and singular:
        query.limit = 1  # "which customer signed up first"
    return query


_AGE_WORDS = {"oldest": True, "youngest": False, "eldest": True}


def age_order(obj: Object, words: list[str]) -> OrderItem | None:
    """ "oldest" / "youngest" rows of an object with an age or a birth date: by that column
    (the oldest has the highest age, or the earliest birth date)."""
    said = [_AGE_WORDS[w] for w in words if w in _AGE_WORDS]
    if len(said) != 1:
        return None
    oldest = said[0]
    for attribute in obj.attributes:
        parts = set(re.split(r"[_\W]+", f"{attribute.name} {attribute.label}".lower()))
        if "age" in parts and attribute.type in {"integer", "decimal", "float"}:
            return OrderItem(key=attribute.name, descending=oldest)
    for attribute in obj.attributes:
        parts = set(re.split(r"[_\W]+", f"{attribute.name} {attribute.label}".lower()))
        if parts & {"birth", "dob", "birthday", "born"}:
            return OrderItem(key=attribute.name, descending=not oldest)
    return None
