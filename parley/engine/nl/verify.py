"""Checks that a SemanticQuery does what the question's operator words say.

A reading can explain every word and still answer another question: "the maximum age"
read as a list, "how many" read as a sum, "which X has the most Y" read as a top 10,
"how many rooms" read as a count of students. Each check compares the question's words
with the query's shape; any contradiction means the reading is not trusted and the
engine asks instead. The checks are a tuple of small functions, applied in order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from parley.engine.nl.operators import GRAMMAR, RELATION_VERBS
from parley.engine.nl.text import Token, fold
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import Aggregation, SemanticQuery

_AVERAGE = frozenset({"average", "avg", "mean"})
_EXTREME = frozenset(
    {
        "maximum",
        "minimum",
        "max",
        "min",
        "highest",
        "lowest",
        "largest",
        "smallest",
        "biggest",
        "greatest",
        "most",
        "least",
        "fewest",
        "top",
        "bottom",
        "best",
        "worst",
        "oldest",
        "youngest",
        "latest",
        "earliest",
        "newest",
        "longest",
        "shortest",
        "cheapest",
        "expensive",
        "heaviest",
        "lightest",
        "tallest",
    }
)
_AGGREGATE_WORDS = {
    "avg": frozenset({"average", "avg", "mean"}),
    "max": frozenset({"maximum", "max"}),
    "min": frozenset({"minimum", "min"}),
}
_GRAMMAR_VALUES = GRAMMAR | RELATION_VERBS
_FREQUENCY = frozenset({"often", "frequently", "common", "popular", "times", "frequent"})
_COUNT_WORDS = frozenset({"number", "count", "counts", "most", "least", "fewest"}) | _FREQUENCY
_TOTAL_WORDS = frozenset({"total", "sum", "combined", "altogether", "overall"})
#: Names the engine gives the metrics it derives: an aggregation of one column. A derived
#: total stays a business metric: "units sold" is rightly the total of a quantity.
_DERIVED_PREFIXES: tuple[tuple[str, Aggregation], ...] = (("avg_", "avg"),)


@dataclass(frozen=True, slots=True)
class _Facts:
    tokens: Sequence[Token]
    words: frozenset[str]
    stems: frozenset[str]
    query: SemanticQuery
    #: The aggregations the query computes, derived metrics ("avg_age") and counts
    #: ("order_count") included.
    aggregations: frozenset[str]
    #: The aggregations the query computes ad hoc, without a metric of the ontology.
    adhoc: frozenset[str]
    #: A business metric ("revenue") is named: its meaning is its own.
    named: bool
    #: A metric that is more than one plain aggregation of one column is named (derived
    #: totals such as "total_quantity" are plain).
    business: bool
    #: The columns aggregated by a sum ("station.total_passengers").
    summed: tuple[str, ...]
    ontology: Ontology | None
    #: The objects whose rows each metric aggregates, in order ("" when unknown).
    metric_objects: tuple[str, ...] = ()
    #: Objects whose rows a metric counts, named metrics that count included.
    counted: tuple[str, ...] = ()
    object_words: Mapping[str, Collection[str]] = field(default_factory=dict)

    @property
    def asks_count(self) -> bool:
        return ("how" in self.words and "many" in self.words) or bool(
            self.words & {"number", "count"}
        )


Check = Callable[[_Facts], str | None]


def _count_asked(facts: _Facts) -> str | None:
    if (
        facts.asks_count
        and not facts.aggregations & {"count", "count_distinct"}
        and not (facts.named or facts.query.share_of)
    ):
        return "the question asks for a count"
    return None


def _count_not_asked(facts: _Facts) -> str | None:
    if facts.asks_count or facts.words & (_COUNT_WORDS | {"per", "by", "every"}):
        return None
    if facts.adhoc & {"count", "count_distinct"}:
        return "the question does not ask for a count"
    # A metric that counts may be asked by its name alone ("orders last month"), but
    # not as the measure of a superlative ("the youngest", "the highest amount").
    if "count" in facts.aggregations and facts.words & _EXTREME:
        return "the question does not ask for a count"
    return None


def _average_asked(facts: _Facts) -> str | None:
    if facts.words & _AVERAGE and "avg" not in facts.aggregations and not facts.business:
        return "the question asks for an average"
    return None


def _average_not_asked(facts: _Facts) -> str | None:
    if "avg" in facts.aggregations and not facts.words & _AVERAGE:
        return "the question does not ask for an average"
    return None


def _extreme_asked(facts: _Facts) -> str | None:
    if facts.words & _EXTREME and not (
        facts.aggregations & {"min", "max"} or facts.query.order or facts.named
    ):
        return "the question asks for a highest or lowest value"
    return None


def _ranking_not_asked(facts: _Facts) -> str | None:
    if facts.query.limit is not None and not (
        facts.words & (_EXTREME | _FREQUENCY) or any(t.norm[:1].isdigit() for t in facts.tokens)
    ):
        return "the question asks for no ranking"
    return None


def _total_not_asked(facts: _Facts) -> str | None:
    if "sum" not in facts.aggregations:
        return None
    if "how" in facts.words and "much" in facts.words:
        return None
    # "total passengers" of a total_passengers column names the column, not a sum.
    own = {w for ref in facts.summed for w in ref.rpartition(".")[2].lower().split("_")}
    if (facts.words & _TOTAL_WORDS) - own:
        return None
    return "the question does not ask for a total"


def _total_asked(facts: _Facts) -> str | None:
    """ "the total claimed amount" answered with a count of claims."""
    if facts.asks_count or "sum" in facts.aggregations or facts.named:
        return None
    if not facts.words & {"total", "sum"} or not facts.aggregations & {"count", "count_distinct"}:
        return None
    after_total = {
        facts.tokens[i + 1].stem
        for i, t in enumerate(facts.tokens[:-1])
        if t.norm in {"total", "sum"}
    }
    for name in facts.counted:
        if after_total & set(facts.object_words.get(name, ())):
            return None  # "total orders": the orders counted
    return "the question asks for a total"


def _several_figures(facts: _Facts) -> str | None:
    kinds = {kind for kind, group in _AGGREGATE_WORDS.items() if facts.words & group}
    if len(kinds) >= 2 and len([m for m in facts.query.metrics if m.metric is None]) < len(kinds):
        return "the question asks for several figures"
    return None


def _different_things(facts: _Facts) -> str | None:
    objects = {o for o in facts.metric_objects if o}
    if len(objects) > 1 and not facts.query.dimensions:
        return "the figures asked for are of different things"
    return None


def _count_per_value(facts: _Facts) -> str | None:
    """ "the number of rooms for different block codes" read as two figures: a count and a
    count of distinct codes, where a count per code was asked."""
    if facts.query.dimensions or not {"count", "count_distinct"} <= facts.aggregations:
        return None
    return "a count per value was asked, not two figures"


def _common_word_values(facts: _Facts) -> str | None:
    short = {w for w in facts.words if len(w) <= 4 and w in GRAMMAR}
    for item in facts.query.filters:
        for value in item.values:
            if not isinstance(value, str):
                continue
            folded = fold(value)
            if folded in _GRAMMAR_VALUES:
                return f"{value!r} reads a common word as a value"
            if (
                folded not in facts.words
                and folded.isalpha()
                and any(folded.startswith(w) and len(folded) <= len(w) + 2 for w in short)
            ):
                # "title and average" is not the name "Ande": a short word read fuzzily.
                return f"{value!r} reads a common word as a value"
    return None


def _ranking_length(facts: _Facts) -> str | None:
    tops = {t.norm for t in facts.tokens if t.norm[:1].isdigit()}
    limit = facts.query.limit
    if limit is not None and "top" in facts.words and tops and str(limit) not in tops:
        return "the ranking is not as long as asked"
    return None


def _one_answer(facts: _Facts) -> str | None:
    tokens, words, limit = facts.tokens, facts.words, facts.query.limit
    singular = (
        bool(tokens)
        and tokens[0].norm in {"which", "who", "what"}
        and bool(words & {"has", "is", "was"})
        and not words & {"have", "are", "were"}
        and not any(t.norm[:1].isdigit() for t in tokens)
    )
    if singular and limit is not None and limit > 1 and words & _EXTREME:
        return "the question asks for one answer, not a top list"
    if (
        tokens
        and tokens[0].norm == "who"
        and words & _EXTREME
        and limit is None
        and not (facts.query.dimensions)
    ):
        return "the question asks for one answer, not every row"
    return None


def _counted_per_itself(facts: _Facts) -> str | None:
    """A figure of rows grouped by their own key or name is one row per group: not a
    question ("the average age across all artists" is not each artist's age)."""
    ontology = facts.ontology
    if ontology is None or facts.query.limit is not None:
        return None  # "top 5 highest paid employees": a ranking of rows, each its own group
    for name in {*facts.counted, *(o for o in facts.metric_objects if o)}:
        obj = ontology.object(name)
        if obj is None or len(obj.primary_key) != 1:
            continue
        own = {f"{name}.{obj.primary_key[0]}"}
        if obj.display_attribute and name not in facts.counted:
            own.add(f"{name}.{obj.display_attribute}")
        if any(d.field in own and d.grain is None for d in facts.query.dimensions):
            return (
                f"it would count each of the {name} rows once"
                if name in facts.counted
                else f"it would aggregate each of the {name} rows alone"
            )
    return None


def _unnamed_rows(facts: _Facts) -> str | None:
    """Rows counted or listed must be the ones the question names ("how many rooms" is
    not a count of students)."""
    if facts.ontology is None or not facts.object_words:
        return None
    counted = [
        m.field
        for m in facts.query.metrics
        if m.metric is None and m.aggregation == "count" and m.field and "." not in m.field
    ]
    for name in [*counted, *([facts.query.list_object] if facts.query.list_object else [])]:
        words = facts.object_words.get(name)
        if words and not facts.stems & set(words):
            return f"the question does not name the {name} it would count or list"
    return None


CHECKS: tuple[Check, ...] = (
    _count_asked, _count_not_asked, _average_asked, _average_not_asked, _extreme_asked,
    _ranking_not_asked, _total_not_asked, _several_figures, _different_things,
    _common_word_values, _ranking_length, _one_answer, _counted_per_itself, _unnamed_rows,
    _count_per_value, _total_asked,
)  # fmt: skip


def contradictions(
    tokens: Sequence[Token],
    query: SemanticQuery,
    *,
    ontology: Ontology | None = None,
    object_words: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """What the question says that the query does not do, in words (empty when none).

    With the ``ontology`` (and the stems naming each object, ``object_words``), the
    engine's derived metrics count as the aggregations they are, and a query that counts
    or lists rows the question never names is doubted.

    >>> from parley.engine.nl.text import tokenize
    >>> from parley.engine.semantic.query import MetricRef
    >>> list_query = SemanticQuery(list_object="student", list_fields=["student.age"])
    >>> contradictions(tokenize("What is the average age?"), list_query)
    ['the question asks for an average']
    >>> counted = SemanticQuery(metrics=[MetricRef(aggregation="count", field="student")])
    >>> contradictions(tokenize("How many students are there?"), counted)
    []
    """
    adhoc = {m.aggregation for m in query.metrics if m.metric is None and m.aggregation}
    aggregations: set[str] = set(adhoc)
    summed = [m.field for m in query.metrics if m.aggregation == "sum" and m.field]
    named = False
    business = False
    metric_objects: list[str] = []
    counted = [
        m.field
        for m in query.metrics
        if m.metric is None and m.aggregation == "count" and m.field and "." not in m.field
    ]
    for metric in query.metrics:
        if metric.metric is None:
            metric_objects.append((metric.field or "").split(".")[0])
            continue
        defined = ontology.metric(metric.metric) if ontology else None
        metric_objects.append(defined.object if defined else "")
        derived = _derived(metric.metric, ontology)
        defined_expression = (defined.expression if defined else "").replace(" ", "").upper()
        if not (
            metric.metric.startswith("total_")
            and defined_expression.startswith("SUM(")
            and defined_expression.count("(") == 1
        ):
            business = business or derived is None
        if derived is None:
            named = True
        else:
            aggregations.add(derived[0])
            summed += [derived[1]] if derived[0] == "sum" else []
            counted += [derived[1]] if derived[0] == "count" else []
    facts = _Facts(
        tokens=tokens,
        words=frozenset(t.norm for t in tokens),
        stems=frozenset(t.stem for t in tokens),
        query=query,
        aggregations=frozenset(aggregations),
        adhoc=frozenset(adhoc),
        named=named,
        business=business,
        summed=tuple(summed),
        ontology=ontology,
        metric_objects=tuple(metric_objects),
        counted=tuple(counted),
        object_words=object_words or {},
    )
    return [doubt for check in CHECKS if (doubt := check(facts)) is not None]


def _derived(name: str, ontology: Ontology | None) -> tuple[Aggregation, str] | None:
    """The aggregation and column (or object) of a metric that is one plain aggregation:
    a derived average ("avg_age") or a count of rows; None for a business metric
    ("revenue")."""
    if ontology is None:
        return None
    metric = ontology.metric(name)
    if metric is None:
        return None
    expression = metric.expression.replace(" ", "").upper()
    if expression == "COUNT(*)":
        # A count by any name is a count: an "average deal size" is not a deal count.
        return "count", metric.object
    for prefix, aggregation in _DERIVED_PREFIXES:
        if name.startswith(prefix) and expression.startswith(aggregation.upper()):
            return aggregation, f"{metric.object}.{name[len(prefix) :]}"
    return None
