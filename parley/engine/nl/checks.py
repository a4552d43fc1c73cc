"""The checks a business-parser answer passes before it is given.

The business parser reads roles from the words around each match; the scored readings'
role check and the verifier (``verify.py``) look at the query it built from the other
side: a role the question never names ("the manager" when employees have two), or an
operator word the query does not honour ("per", "not", "average"), turns the answer
into a question back. Neither needs the reading's internals beyond what phrases named.
"""

from __future__ import annotations

from parley.engine.nl.lexicon import Concept, Lexicon
from parley.engine.nl.query_building.subjects import query_base
from parley.engine.nl.readings import Declined, Reader
from parley.engine.nl.roles.reading import Reading
from parley.engine.nl.text import Token
from parley.engine.nl.understanding import Understanding
from parley.engine.nl.verify import contradictions
from parley.engine.semantic.ontology import Ontology


def checked(
    understanding: Understanding,
    reading: Reading,
    tokens: list[Token],
    *,
    reader: Reader,
    ontology: Ontology,
    lexicon: Lexicon,
) -> Understanding:
    """``understanding``, or a question back when its query guesses a role the question
    does not name, or contradicts one of the question's words."""
    if understanding.intent != "sql_query" or understanding.query is None:
        return understanding
    base = query_base(ontology, understanding.query)
    if base is not None:
        try:
            reader.check_roles(base, understanding.query, {t.stem for t in tokens})
        except Declined as guessed:
            return Understanding("clarification", problem=f"I would have to guess: {guessed}")
    doubts = contradictions(
        tokens,
        understanding.query,
        ontology=ontology,
        object_words=lexicon.object_words,
        named_objects=_named_objects(reading, ontology),
        named_columns=_named_columns(reading),
    )
    if doubts:
        return Understanding(
            "clarification",
            problem=f"I am not sure I read it right: {doubts[0]}",
            reason=understanding.reason,
        )
    return understanding


def _named_objects(reading: Reading, ontology: Ontology) -> set[str]:
    """Objects a phrase names and nothing else can ("customers", not "customer name"),
    beside the columns that refer to them ("appointment", an appointment's key held by
    prescriptions, still names appointments)."""
    named: set[str] = set()
    for match in reading.matches:
        objects = {c.object for c in match.concepts if c.kind == "object"}
        if match.fuzzy or len(objects) != 1:
            continue
        target = next(iter(objects))
        others = [c for c in match.concepts if c.kind != "object"]
        if all(c.kind == "attribute" and _refers_to(ontology, c, target) for c in others):
            named.add(target)
    return named


def _refers_to(ontology: Ontology, column: Concept, target: str) -> bool:
    return any(
        r.from_object == column.object and r.from_columns == [column.name] and r.to_object == target
        for r in ontology.relationships
    )


def _named_columns(reading: Reading) -> list[set[str]]:
    """For each phrase that can only name columns, the columns it may name."""
    return [
        {c.field for c in match.concepts}
        for match in reading.matches
        if not match.fuzzy
        and match.kinds == {"attribute"}
        # A time column is named by its event ("shipped", "issued"), which says when.
        and all(c.role != "time" for c in match.concepts)
    ]
