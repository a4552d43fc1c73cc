"""The object a reading or a query is about: the rows measured or listed.

It anchors the rest: the distance that decides between readings, the date that dates
the rows, the objects a follow-up's words most likely refer to.
"""

from __future__ import annotations

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.metrics import primary_metric
from parley.engine.nl.roles.reading import Reading
from parley.engine.nl.vocabulary import FIRST_NAMES, LAST_NAMES
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import SemanticQuery


def base_object(graph: Graph, reading: Reading) -> str | None:
    """The object whose rows the reading measures: its first metric's, or its first
    measure column's, or the primary metric's when it names neither.
    """
    ontology = graph.ontology
    for part in reading.metrics:
        if part.concept:
            return part.concept.object
        if part.target:
            return part.target.object
    for concept in reading.fields:
        if concept.role == "measure":
            return concept.object
    primary = primary_metric(
        graph,
    )
    found = ontology.metric(primary.metric or "") if primary else None
    return found.object if found else None


def query_base(ontology: Ontology, query: SemanticQuery) -> str | None:
    """The object whose rows a query measures or lists."""
    if query.list_object:
        return query.list_object
    for metric in query.metrics:
        if metric.metric:
            found = ontology.metric(metric.metric)
            if found:
                return found.object
        if metric.field:
            return metric.field.split(".")[0]
    return None


def query_objects(ontology: Ontology, query: SemanticQuery) -> set[str]:
    """The objects a query is about, which a follow-up's words most likely refer to."""
    names = {
        f.split(".")[0]
        for f in [d.field for d in query.dimensions]
        + [f.field for f in query.filters]
        + query.list_fields
        if "." in f
    }
    base = query_base(ontology, query)
    if base:
        names.add(base)
    return names


def display_field(ontology: Ontology, concept: Concept) -> str:
    """The column that names an object's rows in a result: its display column, else its key."""
    obj = ontology.object(concept.object)
    assert obj is not None
    name = obj.display_attribute or (
        obj.primary_key[0] if obj.primary_key else obj.attributes[0].name
    )
    return f"{obj.name}.{name}"


def display_fields(ontology: Ontology, concept: Concept) -> list[str]:
    """The columns that name an object's rows: its display column, or for people both
    their first and last name ("Robert Kim", not "Robert")."""
    shown = display_field(ontology, concept)
    obj = ontology.object(concept.object)
    assert obj is not None
    _, column = shown.split(".", 1)
    named = obj.attribute(column)
    if named is None or not named.label.endswith(FIRST_NAMES + LAST_NAMES):
        return [shown]
    first = [a for a in obj.attributes if a.label.endswith(FIRST_NAMES)]
    last = [a for a in obj.attributes if a.label.endswith(LAST_NAMES)]
    if len(first) != 1 or len(last) != 1:
        return [shown]
    return [f"{obj.name}.{first[0].name}", f"{obj.name}.{last[0].name}"]
