"""Checks that a SemanticQuery does what the question's operator words say.

A reading can explain every word and still answer another question: "the maximum age"
read as a list, "how many" read as a sum, "which X has the most Y" read as a top 10.
These checks compare the question's operator words with the query's shape; any
contradiction means the reading is not trusted and the engine asks instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from parley.engine.nl.operators import GRAMMAR, RELATION_VERBS
from parley.engine.nl.text import Token, fold
from parley.engine.semantic.query import SemanticQuery

_COUNT = frozenset({"many", "number", "count", "counts"})
_AVERAGE = frozenset({"average", "avg", "mean"})
_EXTREME = frozenset({"maximum", "minimum", "max", "min", "highest", "lowest", "largest",
                      "smallest", "biggest", "greatest", "most", "least", "fewest", "top",
                      "bottom", "best", "worst", "oldest", "youngest", "latest", "earliest",
                      "newest", "longest", "shortest", "cheapest",
                      "expensive", "heaviest", "lightest", "tallest"})
_AGGREGATE_WORDS = {
    "avg": frozenset({"average", "avg", "mean"}),
    "max": frozenset({"maximum", "max"}),
    "min": frozenset({"minimum", "min"}),
}
_GRAMMAR_VALUES = GRAMMAR | RELATION_VERBS
_FREQUENCY = frozenset({"often", "frequently", "common", "popular", "times", "frequent"})


def contradictions(tokens: Sequence[Token], query: SemanticQuery) -> list[str]:
    """What the question says that the query does not do, in words (empty when none).

    >>> from parley.engine.nl.text import tokenize
    >>> from parley.engine.semantic.query import MetricRef
    >>> list_query = SemanticQuery(list_object="student", list_fields=["student.age"])
    >>> contradictions(tokenize("What is the average age?"), list_query)
    ['the question asks for an average']
    >>> counted = SemanticQuery(metrics=[MetricRef(aggregation="count", field="student")])
    >>> contradictions(tokenize("How many students are there?"), counted)
    []
    """
    words = {t.norm for t in tokens}
    aggregations = {m.aggregation for m in query.metrics if m.metric is None}
    named = any(m.metric for m in query.metrics)
    found: list[str] = []
    if ("how" in words and "many" in words) or words & {"number", "count"}:
        if not aggregations & {"count", "count_distinct"} and not named and not query.share_of:
            found.append("the question asks for a count")
    elif aggregations & {"count", "count_distinct"} and not (
        words & (_EXTREME | _FREQUENCY | {"each", "per", "by", "every"})
    ):
        found.append("the question does not ask for a count")
    if words & _AVERAGE and "avg" not in aggregations and not named:
        found.append("the question asks for an average")
    if words & _EXTREME and not (aggregations & {"min", "max"} or query.order or named):
        found.append("the question asks for a highest or lowest value")
    if query.limit is not None and not (
        words & (_EXTREME | _FREQUENCY) or any(t.norm[:1].isdigit() for t in tokens)
    ):
        found.append("the question asks for no ranking")
    singular = (
        bool(tokens)
        and tokens[0].norm in {"which", "who", "what"}
        and bool(words & {"has", "is", "was"})
        and not words & {"have", "are", "were"}
        and not any(t.norm[:1].isdigit() for t in tokens)
    )
    if "sum" in aggregations and not named and not (
        words & {"total", "sum", "combined", "altogether", "overall"} or ("how" in words
        and "much" in words)
    ):
        found.append("the question does not ask for a total")
    if "avg" in aggregations and not words & _AVERAGE and not named:
        found.append("the question does not ask for an average")
    kinds = {kind for kind, group in _AGGREGATE_WORDS.items() if words & group}
    if len(kinds) >= 2 and len([m for m in query.metrics if m.metric is None]) < len(kinds):
        found.append("the question asks for several figures")
    objects = {(m.field or "").split(".")[0] for m in query.metrics if m.metric is None}
    if len(objects) > 1 and not query.dimensions:
        found.append("the figures asked for are of different things")
    for item in query.filters:
        for value in item.values:
            if isinstance(value, str) and fold(value) in _GRAMMAR_VALUES:
                found.append(f"{value!r} reads a common word as a value")
    tops = [t for t in tokens if t.norm[:1].isdigit()]
    if query.limit is not None and "top" in words and tops and str(query.limit) not in {
        t.norm for t in tops
    }:
        found.append("the ranking is not as long as asked")
    if singular and query.limit is not None and query.limit > 1 and words & _EXTREME:
        found.append("the question asks for one answer, not a top list")
    return found
