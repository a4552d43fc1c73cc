"""A query read back through its ontology, and the ontology that best matches a question.

Faces never see the ontology or the parser; what they show of them (the Ana face's
OntologyBlock, the choice of an application when the caller names none) is built here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from parley.conversations.views import AttributeView, ObjectView, QueryTrace
from parley.engine.nl.evidence import find_matches
from parley.engine.nl.parser import Parser
from parley.engine.nl.text import tokenize
from parley.engine.semantic.joins import nearest_time_field
from parley.engine.semantic.ontology import Object, Ontology
from parley.engine.semantic.query import SemanticQuery

#: The intents that mean a question was read as a question about the data.
DATA_INTENTS = frozenset({"sql_query", "refinement"})


def match_score(parser: Parser, question: str) -> tuple[bool, int]:
    """How well an ontology explains a question: whether it reads as a data question, then
    how many of its words name the ontology's objects, attributes, metrics or values.

    Scores compare (a tuple, larger is better) across the applications of a caller.
    """
    understanding = parser.understand(question)
    tokens = tokenize(question)
    explained = sum(m.end - m.start for m in find_matches(tokens, parser.lexicon, set()))
    return (understanding.intent in DATA_INTENTS and understanding.query is not None, explained)


def best_match(scores: Iterable[tuple[str, tuple[bool, int]]]) -> str | None:
    """The name with the highest score; the first one listed wins a tie.

    >>> best_match([("a", (False, 2)), ("b", (True, 1)), ("c", (True, 1))])
    'b'
    >>> best_match([]) is None
    True
    """
    best: tuple[str, tuple[bool, int]] | None = None
    for name, score in scores:
        if best is None or score > best[1]:
            best = (name, score)
    return best[0] if best else None


def query_trace(
    ontology: Ontology, query: SemanticQuery, *, connector: int, source: str
) -> QueryTrace:
    """``query`` with every reference resolved to the ontology's objects and attributes."""
    objects = {o.name: o for o in ontology.objects}
    metrics = {m.name: m for m in ontology.metrics}
    references = _references(query)
    main = query.list_object
    if main is None:
        for ref in query.metrics:
            if ref.metric and ref.metric in metrics:
                main = metrics[ref.metric].object
            elif ref.field:
                main = ref.field.split(".")[0]
            if main:
                break
    if main is None and references:
        main = references[0].split(".")[0]
    chosen = objects.get(main or "") or (ontology.objects[0] if ontology.objects else None)
    attributes: list[AttributeView] = []
    for reference in references:
        table, _, column = reference.partition(".")
        view = _attribute(objects.get(table), column)
        if view is not None and view not in attributes:
            attributes.append(view)
    return QueryTrace(
        connector=connector,
        source=source,
        classification="object" if query.is_list or not query.metrics else "metric",
        object=_object(chosen) if chosen else ObjectView(main or "", "", None, [], None, []),
        attributes=attributes,
        groupings=[f"{d.field}:{d.grain}" if d.grain else d.field for d in query.dimensions],
        metrics=[m.key for m in query.metrics],
        filters=[_filter_words(f.field, f.op, f.values) for f in query.filters]
        + _time_words(query, ontology, chosen),
        period=query.time_range.label if query.time_range else "",
        order=[(o.key, "desc" if o.descending else "asc") for o in query.order],
        limit=query.limit,
    )


def _references(query: SemanticQuery) -> list[str]:
    """Every ``object.attribute`` the query reads, in the order it names them."""
    refs: list[str] = [d.field for d in query.dimensions]
    refs += [f for f in query.list_fields]
    refs += [f.field for f in (*query.filters, *query.share_of)]
    refs += [m.field for m in query.metrics if m.field]
    refs += [r.field for r in (query.time_range, *query.compare) if r is not None and r.field]
    seen: list[str] = []
    for ref in refs:
        if "." in ref and ref not in seen:
            seen.append(ref)
    return seen


def _attribute(obj: Object | None, column: str) -> AttributeView | None:
    attribute = obj.attribute(column) if obj else None
    if obj is None or attribute is None:
        return None
    return AttributeView(obj.name, attribute.name, attribute.label, attribute.type, attribute.role)


def _object(obj: Object) -> ObjectView:
    return ObjectView(
        name=obj.name,
        label=obj.label,
        schema=obj.schema_name,
        primary_key=list(obj.primary_key),
        display_attribute=obj.display_attribute,
        attributes=[
            AttributeView(obj.name, a.name, a.label, a.type, a.role)
            for a in obj.attributes
            if not a.hidden
        ],
    )


_OPERATORS = {
    "eq": "=", "ne": "!=", "in": "in", "not_in": "not in", "gt": ">", "gte": ">=",
    "lt": "<", "lte": "<=", "between": "between", "contains": "contains",
}  # fmt: skip


def _filter_words(field: str, op: str, values: Sequence[object]) -> str:
    """A filter in words.

    >>> _filter_words("customers.country", "in", ["US", "CA"])
    "customers.country in ('US', 'CA')"
    >>> _filter_words("orders.amount", "between", [1, 5])
    'orders.amount between 1 and 5'
    >>> _filter_words("albums", "none", [])
    'no related albums'
    """
    if op in ("none", "some"):
        return f"{'no' if op == 'none' else 'some'} related {field}"
    shown = [repr(v) for v in values]
    if op == "between" and len(shown) == 2:
        return f"{field} between {shown[0]} and {shown[1]}"
    if op in ("in", "not_in"):
        return f"{field} {_OPERATORS[op]} ({', '.join(shown)})"
    return f"{field} {_OPERATORS.get(op, op)} {', '.join(shown)}"


def _time_words(query: SemanticQuery, ontology: Ontology, main: Object | None) -> list[str]:
    window = query.time_range
    if window is None:
        return []
    # No field: the date nearest the object measured, as the compiler dates it.
    implied = nearest_time_field(ontology, main.name) if main else None
    field = window.field or implied or "date"
    bounds = [
        f"{field} >= {window.start.isoformat()}" if window.start else "",
        f"{field} < {window.end.isoformat()}" if window.end else "",
    ]
    words = " and ".join(b for b in bounds if b)
    return [f"{words} ({window.label})" if window.label and words else words or window.label]
