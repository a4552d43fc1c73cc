"""Checks that a SemanticQuery does what the question's operator words say.

A reading can explain every word and still answer another question: "the maximum age"
read as a list, "how many" read as a sum, "which X has the most Y" read as a top 10,
"how many rooms" read as a count of students. Each check compares the question's words
with the query's shape; any contradiction means the reading is not trusted and the
engine asks instead. The checks are a tuple of small functions, applied in order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from parley.engine.nl.lexicon import counted_noun
from parley.engine.nl.operators import GRAMMAR, RELATION_VERBS
from parley.engine.nl.text import Token, fold, parse_number
from parley.engine.nl.timephrases import find_time
from parley.engine.nl.vocabulary import MONEY_NOUNS
from parley.engine.semantic.joins import JoinTree
from parley.engine.semantic.ontology import Metric, Object, Ontology
from parley.engine.semantic.query import Aggregation, SemanticQuery
from parley.errors import InvalidInput
from parley.naming import singular, stem

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
_COUNT_WORDS = frozenset({"number", "count", "counts", "most", "least", "fewest"}) | _FREQUENCY
_TOTAL_WORDS = frozenset({"total", "sum", "combined", "altogether", "overall"})
_AMOUNT_WORDS = frozenset({"amount", "amounts", "value", "values", "cost", "costs", "price",
                           "prices", "quantity", "quantities", "sum", "sums"})
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

    #: Objects a phrase of the question names as objects, nothing else (when known).
    named_objects: frozenset[str] = frozenset()
    #: For each phrase that names columns only, the columns it may name.
    named_columns: tuple[frozenset[str], ...] = ()
    #: Token positions a time phrase used ("last 90 days": 90 is a span, not a value).
    time_positions: frozenset[int] = frozenset()

    @property
    def asks_count(self) -> bool:
        if "how" in self.words and "many" in self.words:
            return True
        # "the number of" counts; "phone number" names a column.
        return any(
            t.norm in {"number", "numbers", "count"}
            and (i == 0 or self.tokens[i - 1].norm in GRAMMAR | {"total"})
            for i, t in enumerate(self.tokens)
        )


Check = Callable[[_Facts], str | None]


def _count_asked(facts: _Facts) -> str | None:
    if facts.asks_count and not facts.aggregations & {"count", "count_distinct"} and not (
        facts.named or facts.query.share_of
    ):
        return "the question asks for a count"
    return None


def _count_not_asked(facts: _Facts) -> str | None:
    grouping = {"every"} | ({"per"} - _column_words(facts))  # not "pages per minute"
    if facts.asks_count or facts.words & (_COUNT_WORDS | grouping) or _grouping_by(facts):
        return None
    if facts.tokens and facts.tokens[0].norm in {"where", "who", "when"} and (
        facts.aggregations & {"count", "count_distinct"} and not facts.query.dimensions
    ):
        return "the question asks where, who or when, not how many"
    if facts.adhoc & {"count", "count_distinct"}:
        return "the question does not ask for a count"
    # A metric that counts may be asked by its name alone ("orders last month"), but
    # not as the measure of a superlative ("the youngest", "the highest amount").
    if "count" in facts.aggregations and facts.words & _EXTREME:
        return "the question does not ask for a count"
    if facts.aggregations & {"count", "count_distinct"} and facts.query.dimensions and not (
        facts.words & {"each", "different", "distinct", "across", "among", "versus",
                       "vs", "compared", *_PERIODIC}
        or any(d.grain for d in facts.query.dimensions)
    ):
        # "the dates of the bookings made by guests": rows were asked, not a count of
        # them per something the question never groups by.
        return "the question does not ask for a count of each group"
    return None


_PERIODIC = frozenset({"monthly", "weekly", "daily", "yearly", "quarterly", "annual", "hourly"})
def _column_words(facts: _Facts) -> set[str]:
    """The words of the columns the query filters on ("pages per minute color")."""
    if facts.ontology is None:
        return set()
    words: set[str] = set()
    for item in facts.query.filters:
        try:
            words |= set(facts.ontology.resolve(item.field)[1].label.split())
        except KeyError:
            continue
    return words


#: Participles whose "by" names who did it ("made by guests"), not a grouping.
_AGENT_PARTICIPLES = frozenset({"made", "written", "taken", "given", "held", "chosen", "done",
                                "taught", "led", "run", "won", "seen", "shown", "paid"})


def _grouping_by(facts: _Facts) -> bool:
    """"orders by country" groups; "bookings made by guests" names an agent."""
    tokens = facts.tokens
    return any(
        t.norm == "by" and not (i and (tokens[i - 1].norm in _AGENT_PARTICIPLES or (
            tokens[i - 1].norm.endswith("ed") and tokens[i - 1].norm not in {"need", "speed"})))
        for i, t in enumerate(tokens)
    )


def _average_asked(facts: _Facts) -> str | None:
    if not facts.words & _AVERAGE or "avg" in facts.aggregations:
        return None
    if facts.query.average_over is not None:
        return None  # "average revenue per customer": each one's revenue, averaged
    if facts.business and _averages_by_name(facts):
        return None  # "average order value": the business metric is the average
    return "the question asks for an average"


def _averages_by_name(facts: _Facts) -> bool:
    """Whether a business metric of the query says "average" in its own name or label."""
    for metric in facts.query.metrics:
        defined = facts.ontology.metric(metric.metric) if facts.ontology and metric.metric else None
        words = {*(metric.metric or "").lower().split("_"),
                 *(defined.label.lower().split() if defined else ())}
        if defined is None or words & _AVERAGE or "AVG(" in defined.expression.upper():
            return True
    return False


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
    if "sum" not in facts.aggregations or facts.query.average_over is not None:
        return None  # averaged per thing, each thing's total is the figure averaged
    if "how" in facts.words and "much" in facts.words:
        return None
    # "total passengers" of a total_passengers column names the column, not a sum.
    own = {w for ref in facts.summed for w in ref.rpartition(".")[2].lower().split("_")}
    if (facts.words & _TOTAL_WORDS) - own:
        return None
    if {singular(w) for w in facts.words} & MONEY_NOUNS:
        return None  # "the dealership's sales last month": sales are a sum of money
    return "the question does not ask for a total"


def _plural_values_summed(facts: _Facts) -> str | None:
    """"the low and high estimates for all film markets": the values, listed, not the
    totals a column's derived metric would give, where nothing asks for a total, a
    group or a period."""
    query = facts.query
    if query.dimensions or query.time_range or query.compare or facts.ontology is None:
        return None
    if not query.metrics or (facts.words & _TOTAL_WORDS) or {"how", "much"} <= facts.words:
        return None
    heads: set[str] = set()
    for metric in query.metrics:
        if not metric.metric or not _plain_total(metric.metric, facts.ontology):
            return None
        heads.add(stem(metric.metric.rsplit("_", 1)[-1].lower()))
    words = [t.norm for t in facts.tokens]
    # "What are the estimates", "Return the estimates" ask for them; "fees of regular
    # patients" said alone is their total.
    if words[:2] not in (["what", "are"], ["what", "were"]) and words[:1] not in (
        ["return"], ["list"], ["show"], ["give"], ["display"], ["find"]
    ):
        return None
    plural = {t.stem for t in facts.tokens if t.norm != t.stem and t.norm.endswith("s")}
    if heads & plural:
        return "the question asks for each value, not their total"
    return None


def _total_asked(facts: _Facts) -> str | None:
    """"the total claimed amount" answered with a count of claims."""
    if facts.asks_count or "sum" in facts.aggregations or facts.named:
        return None
    if not facts.words & {"total", "sum"} or not facts.aggregations & {"count", "count_distinct"}:
        return None
    tokens = facts.tokens
    # "the total claimed amount": the word after "total" qualifies an amount, not rows.
    after_total = {tokens[i + 1].stem for i, t in enumerate(tokens[:-1])
                   if t.norm in {"total", "sum"}
                   and not (i + 2 < len(tokens) and tokens[i + 2].norm in _AMOUNT_WORDS)}
    for name in facts.counted:
        if after_total & set(facts.object_words.get(name, ())):
            return None  # "total orders": the orders counted
    return "the question asks for a total"


def _several_figures(facts: _Facts) -> str | None:
    kinds = {kind for kind, group in _AGGREGATE_WORDS.items() if facts.words & group}
    if len(kinds) >= 2 and len([m for m in facts.query.metrics if m.metric is None]) < len(kinds):
        return "the question asks for several figures"
    return None


_FIGURE_KIND = {
    **{w: "avg" for w in ("average", "avg", "mean")},
    **{w: "max" for w in ("maximum", "max", "highest", "largest", "greatest", "biggest")},
    **{w: "min" for w in ("minimum", "min", "lowest", "smallest", "least", "fewest")},
    **{w: "sum" for w in ("total", "sum")},
}


def _coordinated_figures(facts: _Facts) -> str | None:
    """"the greatest and average capacity": two figures joined by "and" are two."""
    tokens = facts.tokens
    for i in range(1, len(tokens) - 1):
        if tokens[i].norm not in {"and", ","}:
            continue
        first, second = _FIGURE_KIND.get(tokens[i - 1].norm), _FIGURE_KIND.get(tokens[i + 1].norm)
        if first and second and first != second and len(facts.query.metrics) < 2:
            return "the question asks for several figures"
    return None


def _different_things(facts: _Facts) -> str | None:
    objects = {o for o in facts.metric_objects if o}
    if len(objects) > 1 and not facts.query.dimensions:
        return "the figures asked for are of different things"
    return None


def _event_words(ontology: Ontology, name: str) -> set[str]:
    obj = ontology.object(name)
    if obj is None:
        return set()
    return {stem(part) for a in obj.attributes if a.role == "time"
            for part in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", a.name) if len(part) > 2}


def _words_of(metric: Metric) -> set[str]:
    words = set(re.findall(r"[a-z]+", metric.label.lower()))
    for synonym in metric.synonyms:
        words.update(re.findall(r"[a-z]+", synonym.lower()))
    return words - GRAMMAR - {"count", "counts", "number", "how", "many"}


def _count_per_value(facts: _Facts) -> str | None:
    """"the number of rooms for different block codes" read as two figures: a count and a
    count of distinct codes, where a count per code was asked."""
    if facts.query.dimensions or not {"count", "count_distinct"} <= facts.aggregations:
        return None
    return "a count per value was asked, not two figures"


def _ranked_by_a_measures_values(facts: _Facts) -> str | None:
    """"which product sold the most units" read as products counted per quantity: the
    values of a measure grouped and ranked, where the measure was what to rank by."""
    query, ontology = facts.query, facts.ontology
    if ontology is None or not query.order or "by" in facts.words:
        return None
    for dimension in query.dimensions:
        try:
            _, attribute = ontology.resolve(dimension.field)
        except KeyError:
            continue
        if attribute.role == "measure" and not dimension.grain:
            return f"it would rank the values of {attribute.label}, which the question measures"
    return None


def _common_word_values(facts: _Facts) -> str | None:
    short = {w for w in facts.words if len(w) <= 4 and w in GRAMMAR}
    for item in facts.query.filters:
        for value in item.values:
            if not isinstance(value, str):
                continue
            folded = fold(value)
            if folded in _GRAMMAR_VALUES and not _written(value, facts):
                return f"{value!r} reads a common word as a value"
            if folded not in facts.words and folded.isalpha() and any(
                folded.startswith(w) and len(folded) <= len(w) + 2 for w in short
            ):
                # "title and average" is not the name "Ande": a short word read fuzzily.
                return f"{value!r} reads a common word as a value"
    return None


def _written(value: str, facts: _Facts) -> bool:
    """A code the question writes in capitals as stored ("the division AS")."""
    return value.isupper() and any(t.written == value for t in facts.tokens)


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
    if not singular and limit is not None and limit > 1 and "top" not in words:
        singular = _singular_subject(tokens)
    if singular and limit is not None and limit > 1 and words & _EXTREME:
        return "the question asks for one answer, not a top list"
    if tokens and tokens[0].norm == "who" and words & _EXTREME and limit is None and not (
        facts.query.dimensions
    ):
        return "the question asks for one answer, not every row"
    return None


def _singular_subject(tokens: Sequence[Token]) -> bool:
    """"Find the format that is used by the most files": the first thing named after
    "the" is one thing, so one answer (a plural, "the customers with ...", is a list)."""
    if any(parse_number(t.norm) is not None for t in tokens):
        return False
    for before, token in itertools.pairwise(tokens):
        if token.norm in GRAMMAR or token.norm in _EXTREME | _AVERAGE:
            continue
        plural = token.norm.endswith("s") and not token.norm.endswith(("ss", "us", "is"))
        return before.norm == "the" and not plural
    return False


def _counted_per_itself(facts: _Facts) -> str | None:
    """A figure of rows grouped by their own key or name is one row per group: not a
    question ("the average age across all artists" is not each artist's age)."""
    ontology = facts.ontology
    if ontology is None:
        return None
    # "top 5 highest paid employees": a ranking of rows, each its own group; but a count
    # per row's own key is 1 whatever the limit.
    names = set(facts.counted) if facts.query.limit is not None else {
        *facts.counted, *(o for o in facts.metric_objects if o)}
    for name in names:
        obj = ontology.object(name)
        key = _own_key(obj) if obj is not None else None
        if obj is None or key is None:
            continue
        own = {f"{name}.{key}"}
        if obj.display_attribute:
            own.add(f"{name}.{obj.display_attribute}")
        if any(d.field in own and d.grain is None for d in facts.query.dimensions):
            return f"it would count each of the {name} rows once" if name in facts.counted \
                else f"it would aggregate each of the {name} rows alone"
    return None


def _own_key(obj: Object) -> str | None:
    """The column naming each row: the primary key, or when none is declared the
    column named as the table's own id ("complaint_id" of complaints)."""
    if obj.primary_key:
        return obj.primary_key[0] if len(obj.primary_key) == 1 else None
    own = {"id", f"{obj.label.replace(' ', '_')}_id".lower()}
    found = [a.name for a in obj.attributes if a.name.lower() in own]
    return found[0] if len(found) == 1 else None


def _unnamed_rows(facts: _Facts) -> str | None:
    """Rows counted or listed must be the ones the question names ("how many rooms" is
    not a count of students)."""
    if facts.ontology is None or not facts.object_words:
        return None
    counted = [m.field for m in facts.query.metrics
               if m.metric is None and m.aggregation == "count" and m.field and "." not in m.field]
    for metric in facts.query.metrics:
        # A count the engine derived ("student_count"), not one with a business name
        # ("headcount", "hires") that names its rows itself.
        defined = facts.ontology.metric(metric.metric) if metric.metric else None
        if defined is not None and defined.name.endswith("_count") and \
                defined.expression.replace(" ", "").upper() == "COUNT(*)" and not (
                    facts.stems & {stem(w) for w in _words_of(defined)}):
            counted.append(defined.object)
    derived = set(counted) - {m.field for m in facts.query.metrics if m.metric is None}
    for name in [*counted, *([facts.query.list_object] if facts.query.list_object else [])]:
        words = set(facts.object_words.get(name, ()))
        if words and name in derived:
            # Rows are also named by the event that dates them ("hires": hire_date).
            words |= _event_words(facts.ontology, name)
        if words and not facts.stems & set(words):
            return f"the question does not name the {name} it would count or list"
    return None


def _each_without_groups(facts: _Facts) -> str | None:
    """"how many races has each track had" answered with one figure."""
    query = facts.query
    if "each" in facts.words and query.metrics and not query.dimensions and not (
        query.list_object or query.share_of or query.compare
    ):
        return "the question asks for a figure for each, not one figure"
    return None


_NUMBER_SPELLED = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d])")


def _numbers_unused(facts: _Facts) -> str | None:
    """A number the question gives must be in the query: "locations with only 1 station"
    is not a list of every location. Numbers of a time phrase ("last 90 days") became
    dates and are not asked for."""
    written = _query_numbers(facts.query)
    for token in facts.tokens:
        if token.index in facts.time_positions or token.norm == "first":
            continue
        if token.norm == "one" and (token.index == 0 or facts.tokens[token.index - 1].norm
                                    not in {"than", "least", "most", "only", "exactly"}):
            continue  # "one" is a pronoun unless it is compared ("more than one")
        number = parse_number(token.norm)
        if number is None:
            continue
        if number not in written:
            return f"the number {token.text!r} is not used"
    return None


def _query_numbers(query: SemanticQuery) -> set[float]:
    dumped = query.model_dump_json()
    found = {float(m) for m in _NUMBER_SPELLED.findall(dumped)}
    for date in re.findall(r"\d{4}-\d{2}-\d{2}", dumped):
        found.update(float(part) for part in date.split("-"))
    return found


def _thing_as_value(facts: _Facts) -> str | None:
    """"the mountains" is not a photo named "the mountain": a value written only with
    grammar and the words that name things is those things."""
    naming = {w for words in facts.object_words.values() for w in words}
    for item in facts.query.filters:
        for value in item.values:
            if not isinstance(value, str):
                continue
            words = fold(value).split()
            if len(words) > 1 and any(w in GRAMMAR for w in words) and all(
                w in GRAMMAR or stem(w) in naming for w in words
            ):
                return f"{value!r} reads the name of a thing as a value"
    return None


def _adjective_of_other_rows(facts: _Facts) -> str | None:
    """"new customer sign-ups" read as customers with some car in condition 'New': a
    value said right before the name of the rows asked about qualifies those rows; a
    value of rows many of theirs hold (an EXISTS) is not what it said."""
    ontology = facts.ontology
    if ontology is None:
        return None
    words = [t.norm for t in facts.tokens]
    asked = {*facts.counted, *facts.metric_objects, facts.query.list_object} - {"", None}
    for item in facts.query.filters:
        if item.op != "eq" or len(item.values) != 1 or not isinstance(item.values[0], str):
            continue
        owner = item.field.split(".", 1)[0]
        said = fold(item.values[0]).split()
        # Where the value is said: in full, else one of its words ("service" of "Brake
        # Service", read as that value).
        ends = [start + len(said) for start in range(len(words) - len(said))
                if words[start:start + len(said)] == said]
        ends = ends or [i + 1 for i, w in enumerate(words[:-1]) if w in said and w not in GRAMMAR]
        for end in ends:
            after = words[end]
            qualified = [name for name, naming in facts.object_words.items()
                         if stem(after) in naming and name != owner and name in asked]
            # "service revenue": a value said before a figure qualifies the figure's rows.
            qualified += [m.object for m in ontology.metrics
                          if after in m.label.split() and m.object in asked - {owner}]
            for name in qualified:
                try:
                    steps = JoinTree(ontology, name).path(owner)
                except InvalidInput:
                    continue
                if any(step.fans_out for step in steps):
                    return (f"{item.values[0]!r} qualifies the {after} asked about, but is a "
                            f"value of {owner} they have many of")
    return None


def _ranking_of_one_figure(facts: _Facts) -> str | None:
    """One figure over every row, "ordered" and cut: nothing was ranked."""
    query = facts.query
    if query.metrics and not query.dimensions and query.limit is not None and not (
        query.together or query.is_list
    ):
        return "it would rank one figure"
    return None


def _or_across_columns(facts: _Facts) -> str | None:
    """"attendance over 100 or a price below 10": filters that all hold are an "and"."""
    fields = {item.field for item in facts.query.filters}
    if "or" in facts.words and len(fields) > 1:
        return "the question joins conditions with 'or'"
    return None


def _value_from_verb(facts: _Facts) -> str | None:
    """"shipped" is not the agent "Ship": a value read from a word it only begins."""
    for item in facts.query.filters:
        for value in item.values:
            if not isinstance(value, str):
                continue
            folded = fold(value)
            if not folded.isalpha() or folded in facts.words:
                continue
            if any(w != folded and w.startswith(folded) and w.endswith(("ed", "ing"))
                   for w in facts.words):
                return f"{value!r} is read from a longer word"
    return None


def _objects_left_out(facts: _Facts) -> str | None:
    """Rows the question names must take part in the query ("customers who have a loan"
    is not every customer)."""
    if not facts.named_objects or facts.ontology is None:
        return None
    used = _objects_of(facts)
    for name in sorted(facts.named_objects - used):
        return f"the question names {name} and the query does not use them"
    return None


def _columns_left_out(facts: _Facts) -> str | None:
    """Columns the question asks for must be in the query ("the ids and names of ..." is
    not the names alone, "the total claimed amount" not a count of claims)."""
    if not facts.named_columns or facts.ontology is None:
        return None
    used = _columns_of(facts)
    for options in facts.named_columns:
        if not options & used:
            return f"the query leaves out {sorted(options)[0].split('.')[1]!r}"
    return None


def _columns_of(facts: _Facts) -> set[str]:
    query = facts.query
    refs = {d.field for d in query.dimensions} | {f.field for f in query.filters}
    refs |= {f.field for f in query.share_of} | set(query.list_fields)
    refs |= {m.field or "" for m in query.metrics}
    if query.time_range and query.time_range.field:
        refs.add(query.time_range.field)
    assert facts.ontology is not None
    for metric in query.metrics:
        defined = facts.ontology.metric(metric.metric) if metric.metric else None
        if defined is None:
            continue
        obj = facts.ontology.object(defined.object)
        expression = defined.expression.lower()
        for attribute in obj.attributes if obj else []:
            if re.search(rf"\b{re.escape(attribute.name.lower())}\b", expression):
                refs.add(f"{defined.object}.{attribute.name}")
    return refs


def _objects_of(facts: _Facts) -> set[str]:
    query = facts.query
    refs = [d.field for d in query.dimensions] + [f.field for f in query.filters]
    refs += [f.field for f in query.share_of] + list(query.list_fields)
    refs += [m.field or "" for m in query.metrics]
    if query.time_range and query.time_range.field:
        refs.append(query.time_range.field)
    used = {ref.split(".")[0] for ref in refs if ref}
    used.update(o for o in facts.metric_objects if o)
    used.update(facts.counted)
    if query.list_object:
        used.add(query.list_object)
    # The row an object's rows refer to is theirs already ("hours put into projects" of
    # the assignments, which name their project); rows that refer to it are not
    # ("customers who have a loan" is not every customer).
    assert facts.ontology is not None
    for link in facts.ontology.relationships:
        if link.from_object in used:
            used.add(link.to_object)
    return used


def _counted_through_unnamed(facts: _Facts) -> str | None:
    """"how many movies were made before 2000" read as the movies that have a rating
    dated before 2000: rows counted through a table the question never names, with a
    condition or a group that only that table gives meaning to."""
    ontology = facts.ontology
    query = facts.query
    if ontology is None:
        return None
    for metric in query.metrics:
        if metric.aggregation != "count_distinct" or not metric.field or "." not in metric.field:
            continue
        table, column = metric.field.split(".", 1)
        counted = [r.to_object for r in ontology.relationships
                   if r.from_object == table and r.from_columns == [column]]
        if not counted or set(facts.object_words.get(table, ())) & facts.stems:
            continue
        if any(_words_of(m) & facts.words for m in ontology.metrics if m.object == table):
            continue  # "products sold": the table's own figures name it
        doubt = f"{counted[0]} counted through {table}, which the question does not name"
        if any(d.field.split(".", 1)[0] != counted[0] for d in query.dimensions):
            return doubt  # grouped by what the unnamed table relates them to
        if any(f.op in {"ne", "not_in"} for f in query.filters):
            return doubt  # "not using X": a row that is not X is not the absence of X
        dated = query.time_range is not None or any(
            "." in f.field and f.field.split(".", 1)[0] != counted[0] for f in query.filters)
        own = ontology.object(counted[0])
        if dated and own is not None and any(
            a.role == "time" or "year" in a.name.lower() for a in own.attributes
        ):
            return doubt  # "movies made before 2000": the movies' own year, not a rating's
    return None


def _negation_out_of_scope(facts: _Facts) -> str | None:
    """"the average rating for each movie not reviewed by X" read as the ratings not by X:
    a negated value of an object neither measured nor grouped may deny the groups."""
    query = facts.query
    if not query.dimensions:
        return None
    inside = {o for o in facts.metric_objects if o}
    inside |= {d.field.split(".", 1)[0] for d in query.dimensions}
    for item in query.filters:
        if item.op in {"ne", "not_in"} and item.values != [None] and "." in item.field and (
            item.field.split(".", 1)[0] not in inside
        ):
            return "the negation may deny the groups rather than the rows measured"
    return None


def _values_joined_by_and(facts: _Facts) -> str | None:
    """"the average age for male and female students": two values of one column joined by
    "and" are one figure for both, or a figure for each; "or" says both together."""
    if "and" not in facts.words or "or" in facts.words or facts.query.dimensions:
        return None
    if any(f.op == "in" and len(f.values) > 1 for f in facts.query.filters) and (
        facts.query.metrics
    ):
        return "values joined by 'and' may each want their own figure"
    return None


def _both_on_one_column(facts: _Facts) -> str | None:
    """"the types that have both ships over 6000 and ships under 4000": groups that have
    rows of each kind, not rows that are both (none) or either (an IN)."""
    if "both" not in facts.words:
        return None
    fields = [f.field for f in facts.query.filters if f.values != [None] and not f.apart]
    if len(fields) != len(set(fields)) or any(
        f.op == "in" and len(f.values) > 1 for f in facts.query.filters
    ):
        return "'both' asks for groups that have rows of each kind"
    return None


def _count_of_a_count_column(facts: _Facts) -> str | None:
    """"the number of rooms" of a room count column: its total, not how many different
    room counts there are."""
    if facts.ontology is None:
        return None
    for metric in facts.query.metrics:
        if metric.aggregation != "count_distinct" or not metric.field:
            continue
        try:
            _, attribute = facts.ontology.resolve(metric.field)
        except KeyError:
            continue
        if counted_noun(attribute.label) is not None:
            return f"{attribute.label} already counts; its total may be what is asked"
    return None


def _numbers_of_other_columns(facts: _Facts) -> str | None:
    """"3 credits, or 1 credit and 4 hours" read as hours of 3, 1 or 4: a number the
    question says of another column ("3 credits") is not a value of this one."""
    if facts.ontology is None:
        return None
    for item in facts.query.filters:
        if item.op not in {"eq", "in"} or "." not in item.field:
            continue
        try:
            obj, attribute = facts.ontology.resolve(item.field)
        except KeyError:
            continue
        own = {stem(w) for w in attribute.label.split()}
        others = {stem(w) for a in obj.attributes if a.name != attribute.name
                  for w in a.label.split()} - own
        for value in item.values:
            if parse_number(str(value)) is None:
                continue
            for i, token in enumerate(facts.tokens[:-1]):
                following = facts.tokens[i + 1].stem
                if token.norm == str(value) and following in others:
                    said = facts.tokens[i + 1].norm
                    return f"{value} is said of {said}, not of {attribute.label}"
    return None


CHECKS: tuple[Check, ...] = (
    _count_asked, _count_not_asked, _average_asked, _average_not_asked, _extreme_asked,
    _ranking_not_asked, _total_not_asked, _several_figures, _different_things,
    _common_word_values, _ranking_length, _one_answer, _counted_per_itself, _unnamed_rows,
    _count_per_value, _total_asked, _each_without_groups, _numbers_unused, _value_from_verb,
    _objects_left_out, _columns_left_out, _or_across_columns, _thing_as_value,
    _coordinated_figures, _counted_through_unnamed, _negation_out_of_scope,
    _values_joined_by_and, _both_on_one_column, _count_of_a_count_column,
    _numbers_of_other_columns, _plural_values_summed, _ranked_by_a_measures_values,
    _adjective_of_other_rows, _ranking_of_one_figure,
)  # fmt: skip


#: The checks of a query's shape alone, whatever the words that led to it.
SHAPE_CHECKS: tuple[Check, ...] = (_counted_per_itself, _thing_as_value)


def contradictions(
    tokens: Sequence[Token],
    query: SemanticQuery,
    *,
    ontology: Ontology | None = None,
    object_words: Mapping[str, Collection[str]] | None = None,
    named_objects: Collection[str] = (),
    named_columns: Sequence[Collection[str]] = (),
    checks: Sequence[Check] = CHECKS,
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
    counted = [m.field for m in query.metrics
               if m.metric is None and m.aggregation == "count" and m.field and "." not in m.field]
    for metric in query.metrics:
        if metric.metric is None:
            metric_objects.append((metric.field or "").split(".")[0])
            continue
        defined = ontology.metric(metric.metric) if ontology else None
        metric_objects.append(defined.object if defined else "")
        derived = _derived(metric.metric, ontology)
        if not _plain_total(metric.metric, ontology):
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
        named_objects=frozenset(named_objects),
        named_columns=tuple(frozenset(c) for c in named_columns),
        time_positions=frozenset(find_time(tokens, dt.date.today()).used),
    )
    return [doubt for check in checks if (doubt := check(facts)) is not None]


def _plain_total(name: str, ontology: Ontology | None) -> bool:
    """Whether metric ``name`` is a derived total: ``total_x``, a ``SUM`` of one column."""
    defined = ontology.metric(name) if ontology else None
    expression = (defined.expression if defined else "").replace(" ", "").upper()
    return name.startswith("total_") and expression.startswith("SUM(") and (
        expression.count("(") == 1
    )


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
            return aggregation, f"{metric.object}.{name[len(prefix):]}"
    return None
