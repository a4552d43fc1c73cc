"""Order and limit: a ranking by the first metric, or time order along a series.

"which region sold most" is one row, "the top regions" ten, "top 5 regions" five.
"""

from __future__ import annotations

from parley.engine.nl.roles.reading import Reading
from parley.engine.semantic.ontology import Object, Ontology
from parley.engine.semantic.query import OrderItem, SemanticQuery
from parley.naming import plural, singular


def apply_order(ontology: Ontology, query: SemanticQuery, reading: Reading) -> None:
    """The order and limit the reading asks for: a ranking by the first metric (one row
    when the question asks "which region", ten when it asks for the top ones), else
    in time order along a series.
    """
    time_dimension = next((d for d in query.dimensions if d.grain), None)
    if reading.ranking and query.metrics and (query.dimensions or reading.limit):
        descending = reading.descending if reading.descending is not None else True
        query.order = [OrderItem(key=query.metrics[0].key, descending=descending)]
        limit = reading.limit
        if limit is None:
            grouped = {d.field.split(".")[0] for d in query.dimensions}
            singular = any(
                m.text == (ontology.object(c.object) or Object(name="", label="", plural="")).label
                or _singular_noun(m.text)
                for m in reading.matches
                for c in m.concepts
                if c in reading.group_objects or (
                    c.kind == "object" and c.object in grouped
                )
            )
            words = [t.norm for t in reading.tokens]
            singular = singular or any(
                words[m.start - 1 : m.start] in (["which"], ["what"])
                and m.text == m.text.rstrip("s")
                for m in reading.matches
                if any(c in reading.dimensions for c in m.concepts)
            )
            limit = 1 if singular else 10
        query.limit = limit
    elif time_dimension is not None:
        query.order = [OrderItem(key=time_dimension.key, descending=False)]
        query.limit = reading.limit
    elif reading.limit:
        query.limit = reading.limit


def _singular_noun(text: str) -> bool:
    """ "rep" or "sales rep", not "reps": one of them is asked for.

    >>> _singular_noun("sales rep"), _singular_noun("sales reps"), _singular_noun("sheep")
    (True, False, False)
    """
    last = text.split()[-1] if text.split() else ""
    return bool(last) and singular(last) == last and plural(last) != last
