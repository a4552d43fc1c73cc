"""Namesakes: a question that names one row by a name several rows share.

"Show me Bella's appointments" where forty pets are called Bella asks about one pet, and
answering with every Bella's appointments would be a confident wrong answer. Before a
query runs, each condition on the name of a row the question speaks of in the singular
is counted; when the name is shared, the turn asks which one was meant, offering each
candidate (with what tells it apart) as the same question pinned to that row's key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parley.engine.events import Option
from parley.engine.semantic.joins import JoinTree
from parley.engine.semantic.ontology import Object, Ontology
from parley.engine.semantic.query import MetricRef, QueryFilter, SemanticQuery
from parley.errors import InvalidInput

#: Runs a query (guarded, as every statement) and gives back its rows.
Run = Callable[[SemanticQuery], Sequence[Sequence[object]]]
#: Whether a question, so pinned, reads as a query holding the key.
Reads = Callable[[str, object], bool]

#: Candidates offered at most; more are said as a number.
OFFERED = 5


@dataclass(frozen=True, slots=True)
class Namesakes:
    """The shared name, how many rows have it, and the choices offered."""

    obj: Object
    name: str
    count: int
    options: list[Option]

    @property
    def problem(self) -> str:
        return f"{self.count} {self.obj.plural} are called {self.name}"


def find_namesakes(
    ontology: Ontology, query: SemanticQuery, question: str, run: Run, reads: Reads
) -> Namesakes | None:
    """The first name the question uses for one row that several rows have, or None."""
    for item in query.filters:
        obj = _named_row(ontology, query, item, question)
        if obj is None:
            continue
        # "Linda Smith": a first and a last name pick one row together.
        own = [f for f in query.filters if f.field.startswith(f"{obj.name}.")]
        count_query = SemanticQuery(
            metrics=[MetricRef(aggregation="count", field=obj.name, alias="count")],
            filters=own,
        )
        count = int(str(run(count_query)[0][0] or 0))
        if count < 2:
            continue
        named = " ".join(str(f.values[0]) for f in own if f is item or (
            f.op == "eq" and len(f.values) == 1 and "name" in ontology.resolve(f.field)[1].label
        ))
        options = _options(ontology, obj, own, named, question, run, reads)
        return Namesakes(obj, named, count, options)
    return None


def _named_row(
    ontology: Ontology, query: SemanticQuery, item: QueryFilter, question: str
) -> Object | None:
    """The object whose one row ``item`` names, when the question speaks of one row of it
    and nothing else in the query picks that row out."""
    if item.op != "eq" or len(item.values) != 1 or item.any_of is not None:
        return None
    owner, _, attribute = item.field.partition(".")
    obj = ontology.object(owner)
    if obj is None or obj.display_attribute != attribute or len(obj.primary_key) != 1:
        return None
    asked = {query.list_object, *(m.field for m in query.metrics if m.field)}
    if owner in asked or any(d.field.startswith(f"{owner}.") for d in query.dimensions):
        return None  # the rows of that name are what is asked about: all of them
    if re.search(rf"\b{re.escape(obj.plural.lower())}\b", question.lower()):
        return None  # "pets called Bella": every one of them
    keys = {f"{owner}.{obj.primary_key[0]}", *_references_to(ontology, owner)}
    if any(f.field in keys for f in query.filters):
        return None  # already pinned to one row by its key
    if not _each_belongs_to_one(ontology, query, owner):
        return None  # "products with the characteristic 'hot'": a kind, through a link
    return obj


def _each_belongs_to_one(ontology: Ontology, query: SemanticQuery, owner: str) -> bool:
    """Whether each row asked about belongs to one row of ``owner`` (an appointment to
    one pet), so that a name of it names one row, not a kind reached through a link."""
    base = query.list_object
    for metric in query.metrics:
        if base is None and metric.field:
            base = metric.field.split(".")[0]
        elif base is None and metric.metric:
            defined = ontology.metric(metric.metric)
            base = defined.object if defined else None
    if base is None:
        return False
    try:
        steps = JoinTree(ontology, base).path(owner)
    except InvalidInput:
        return False
    return not any(step.fans_out for step in steps)


def _references_to(ontology: Ontology, owner: str) -> set[str]:
    return {
        f"{r.from_object}.{r.from_columns[0]}"
        for r in ontology.relationships
        if r.to_object == owner and len(r.from_columns) == 1
    }


def _options(
    ontology: Ontology, obj: Object, own: list[QueryFilter], name: str, question: str,
    run: Run, reads: Reads,
) -> list[Option]:
    """Each candidate as the question pinned to its key, described by what tells it
    apart (the names of the rows it refers to); none unless every pinned question reads."""
    key = obj.primary_key[0]
    told = [
        (f"{r.to_object}.{other.display_attribute}", other.label)
        for r in ontology.relationships
        if r.from_object == obj.name
        and (other := ontology.object(r.to_object)) is not None
        and other.display_attribute
    ]
    rows = run(SemanticQuery(
        list_object=obj.name,
        list_fields=[f"{obj.name}.{key}", *(field for field, _ in told)],
        filters=own,
        limit=OFFERED,
    ))
    key_label = next((a.label for a in obj.attributes if a.name == key), key)
    key_words = f"{obj.label} {_without(key_label, obj.label)}"
    options: list[Option] = []
    for row in rows:
        pinned = f"{question.rstrip(' ?.!')} for {key_words} {row[0]}"
        if not reads(pinned, row[0]):
            return []
        told_apart = [f"{label} {value}"
                      for (_, label), value in zip(told, row[1:], strict=True)
                      if value is not None]
        said = "; ".join([f"{key_label} {row[0]}", *told_apart])
        options.append(Option(label=f"{name} ({said})", question=pinned))
    return options


def _without(label: str, prefix: str) -> str:
    """ "pet id" of pets said after "pet": "id"."""
    return label[len(prefix):].strip() if label.startswith(f"{prefix} ") else label
