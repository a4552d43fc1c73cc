"""Ambiguity: a phrase that names several concepts ("region": the customer's or the
warehouse's), and the choice between them.

The most compact reading wins: the option the question (or the conversation) names, the
column of the rows being measured, the option nearest the rest of the question in the
relationship graph. When no option is nearer than the others, nothing is chosen and the
parser asks which one was meant: a wrong answer costs more than a question.
"""

from __future__ import annotations

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.subjects import base_object
from parley.engine.nl.roles.reading import Ambiguity, Reading
from parley.engine.semantic.ontology import Ontology


def unresolved(graph: Graph, reading: Reading, context_objects: set[str]) -> Ambiguity | None:
    """Choose between the concepts each ambiguous phrase names, and put the chosen one in
    the reading; the first phrase whose choice is a coin toss is returned, to ask about.

    ``context_objects`` are the objects the conversation is about: a follow-up's words
    most likely mean those.
    """
    for ambiguity in reading.ambiguities:
        chosen = _choose(graph, ambiguity, reading, context_objects)
        if chosen is None:
            return ambiguity
        _replace_concept(reading, ambiguity.options, chosen)
    return None


def option_labels(ontology: Ontology, ambiguity: Ambiguity) -> list[str]:
    """The readings of an ambiguous phrase, as a clarification lists them."""
    return [describe(ontology, c) for c in _unique_fields(ambiguity.options)]


def _choose(
    graph: Graph, ambiguity: Ambiguity, reading: Reading, context_objects: set[str]
) -> Concept | None:
    """The most compact reading: the option nearest the rest of the question."""
    options = _unique_fields(ambiguity.options)
    if len(options) == 1:
        return options[0]
    mentioned = {c.object for c in reading.mentioned + reading.group_objects}
    if reading.list_object:
        mentioned.add(reading.list_object.object)
    for part in reading.metrics:
        if part.target is not None and part.target.kind == "object":
            mentioned.add(part.target.object)
    mentioned |= context_objects
    # An event the ambiguous word itself suggested is no evidence for one of its readings.
    mentioned |= {c.object for c in reading.events} - {c.object for c in ambiguity.options}
    named = [c for c in options if c.object in mentioned]
    if len(named) == 1:
        return named[0]
    candidates = named or options
    kind = "metric" if ambiguity.aggregate else candidates[0].kind
    base = base_object(graph, reading)
    own = [c for c in candidates if c.object == base]
    measured = reading.metrics or any(c.role == "measure" for c in reading.fields)
    if kind == "attribute" and len(own) == 1 and measured:
        # "leave days by type": the type of the rows being measured.
        return own[0]
    if kind == "attribute":
        # Two columns with the same name: no distance makes one of them the meant one.
        return None
    if kind == "metric":
        undecided = {c for a in reading.ambiguities if a is not ambiguity for c in a.options}
        others = {
            c.object
            for c in reading.dimensions + reading.group_objects + reading.fields
            if c not in undecided
        }
        others |= {f.concept.object for f in reading.filters if f.concept not in undecided}
        others |= {c.object for c in reading.events + reading.mentioned}
        if not others:
            return None
        scores = {c.field: sum(graph.distance(c.object, o) for o in others) for c in candidates}
    else:
        if len({c.object for c in candidates}) == 1 and candidates[0].kind == "value":
            # The same value in two columns of one object ("Singapore": city and
            # country): the coarser column, whose rows include the finer one's.
            return min(candidates, key=lambda c: _distinct_values(graph.ontology, c))
        base = base_object(graph, reading)
        scores = {c.field: graph.distance(base, c.object) for c in candidates}
    ranked = sorted(candidates, key=lambda c: scores[c.field])
    if scores[ranked[0].field] < scores[ranked[1].field]:
        return ranked[0]
    return None


def _distinct_values(ontology: Ontology, concept: Concept) -> int:
    """How many values a column holds (unknown counts as very many)."""
    _, attribute = ontology.resolve(concept.field)
    return len(attribute.values) or 10**9


def describe(ontology: Ontology, concept: Concept) -> str:
    """How a clarification names one option: "customer region", "order status Shipped",
    a metric by its label."""
    obj = ontology.object(concept.object)
    label = obj.label if obj else concept.object
    if concept.kind == "metric":
        metric = ontology.metric(concept.name)
        return metric.label if metric else concept.name
    if concept.kind == "value":
        attribute = obj.attribute(concept.name) if obj else None
        return f"{label} {attribute.label if attribute else concept.name} {concept.value}"
    attribute = obj.attribute(concept.name) if obj else None
    name = attribute.label if attribute else concept.name
    if name.startswith(label):
        return name
    if name.split()[0] == label.split()[-1]:
        # "sales rep" + "rep name" is the "sales rep name"
        return " ".join([*label.split(), *name.split()[1:]])
    return f"{label} {name}"


def _unique_fields(options: list[Concept]) -> list[Concept]:
    """The options, one per column: a value found in one column twice is one reading."""
    seen: dict[str, Concept] = {}
    for concept in options:
        seen.setdefault(concept.field, concept)
    return list(seen.values())


def _replace_concept(reading: Reading, options: list[Concept], chosen: Concept) -> None:
    """Put ``chosen`` wherever the reading holds one of ``options``."""

    def pick(concept: Concept) -> Concept:
        if concept in options:
            return Concept(
                chosen.kind,
                chosen.object,
                chosen.name,
                concept.value if concept.kind == "value" else chosen.value,
                role=chosen.role,
            )
        return concept

    reading.dimensions = [pick(c) for c in reading.dimensions]
    for part in reading.metrics:
        if part.concept is not None:
            part.concept = pick(part.concept)
        if part.target is not None:
            part.target = pick(part.target)
    reading.fields = [pick(c) for c in reading.fields]
    for f in reading.filters + reading.conditions:
        f.concept = pick(f.concept)
    if reading.time_field is not None and reading.time_field in options:
        reading.time_field = pick(reading.time_field)
        # The event counted is the chosen column's object.
        reading.events = [
            Concept("object", chosen.object, chosen.object)
            if e.object in {o.object for o in options}
            else e
            for e in reading.events
        ]
