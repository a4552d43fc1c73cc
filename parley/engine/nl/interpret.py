"""From evidence to a reading: the parts of a SemanticQuery a question names.

A question is read once, left to right. Each match of the lexicon plays a role decided
by the operator words around it ("by" makes a dimension, "top" a ranking, "how many" a
count, "not" a negated filter). The result is a ``Reading``: the parts found, the words
left unexplained, and the choices that had to be made, with why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from parley.engine.nl.evidence import Match, find_matches
from parley.engine.nl.lexicon import Concept, Lexicon
from parley.engine.nl.text import Token, parse_number, tokenize
from parley.engine.nl.timephrases import ADVERB_GRAINS, Period, TimeFindings, find_time
from parley.engine.nl.vocabulary import (
    ADJECTIVE_RANKS,
    AGGREGATION_WORDS,
    BOTTOM,
    COMPARE,
    COUNT_PHRASES,
    DISTINCT,
    GREATER,
    GROUP,
    GROUP_PHRASES,
    GROWTH,
    INSTEAD,
    KNOWN,
    LIST,
    MONEY_VERBS,
    NEGATE,
    OLDEST,
    PRICE_WORDS,
    PRONOUNS,
    RECENT,
    SHARE,
    SUPERLATIVES,
    TIME_EXTREMES,
    TOP,
    UNIT_NAMES,
)
from parley.engine.semantic.query import Aggregation, FilterOp, Grain


@dataclass(slots=True)
class FilterPart:
    concept: Concept
    op: FilterOp
    values: list[object]


@dataclass(slots=True)
class MetricPart:
    concept: Concept | None = None
    aggregation: Aggregation | None = None
    #: An attribute aggregated ad hoc, or the object counted.
    target: Concept | None = None


@dataclass(slots=True)
class Ambiguity:
    words: str
    options: list[Concept]
    #: The options are aggregated ("average price"): the nearest one to the rest wins.
    aggregate: bool = False


@dataclass(slots=True)
class Reading:
    tokens: list[Token]
    time: TimeFindings
    matches: list[Match]
    metrics: list[MetricPart] = field(default_factory=list)
    dimensions: list[Concept] = field(default_factory=list)
    #: Objects grouped by their naming attribute ("top 10 customers").
    group_objects: list[Concept] = field(default_factory=list)
    filters: list[FilterPart] = field(default_factory=list)
    #: Comparisons on metrics or measures ("revenue over 10000").
    conditions: list[FilterPart] = field(default_factory=list)
    #: Objects mentioned without another role: context for choosing between readings.
    mentioned: list[Concept] = field(default_factory=list)
    #: Attributes named without another role ("show customer names").
    fields: list[Concept] = field(default_factory=list)
    list_object: Concept | None = None
    descending: bool | None = None
    limit: int | None = None
    ranking: bool = False
    #: Order a list by recency ("last 20 orders").
    recency: bool | None = None
    share: bool = False
    growth: bool = False
    compare_words: bool = False
    count_words: bool = False
    list_words: bool = False
    instead: bool = False
    time_field: Concept | None = None
    #: Word positions used as aggregations ("highest price"), so not as rankings.
    aggregated: set[int] = field(default_factory=set)
    #: "most expensive" (True) or "cheapest" (False): a ranking on a price column.
    price_order: bool | None = None
    #: "spent more than 5000": a condition on the main metric.
    money_condition: FilterPart | None = None
    #: "how much", "spent", "sold": the question is about the main money metric.
    money_words: bool = False
    #: Objects whose dated events the question counts ("hires per year": employees).
    events: list[Concept] = field(default_factory=list)
    #: Ranking by a column of the object listed ("5 projects with the smallest budget").
    rank_attribute: Concept | None = None
    #: A superlative on a column ("smallest budget"): the column, descending, position.
    superlative: tuple[list[Concept], bool, int] | None = None
    #: "the biggest invoice": rank the object's rows by its money column.
    money_rank: bool = False
    #: "products that cost more than 500": the verb speaks of a price.
    cost_as_price: bool = False
    #: "invoices over 10k": objects compared by their money ("worth").
    sized: list[FilterPart] = field(default_factory=list)
    #: "average daily spend": an average of per-period totals.
    per_period_average: bool = False
    #: Positions of negation words that negated a value ("not", "excluding").
    negations: set[int] = field(default_factory=set)
    #: Positions of comparison words that a condition used.
    compared: set[int] = field(default_factory=set)
    #: Comparisons that qualify nothing the engine can compare ("orders over 500").
    unattached: list[str] = field(default_factory=list)
    #: A verb of money was used ("spent", "sold"), not only "how much".
    money_verbs: bool = False
    #: "them", "those", "it": the question refers to an earlier answer.
    pronoun: bool = False
    #: "the month before", "the previous quarter": a period relative to the earlier one.
    relative_unit: str | None = None
    #: An adjective that ranks by a column ("heaviest"): the column word, descending.
    adjective_rank: tuple[str, bool] | None = None
    #: Objects the conversation so far is about (set by the parser for follow-ups).
    context_objects: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)
    ambiguities: list[Ambiguity] = field(default_factory=list)

    @property
    def period(self) -> Period | None:
        return self.time.period

    @property
    def grain(self) -> Grain | None:
        return self.time.grain

    def has_content(self) -> bool:
        return bool(
            self.metrics
            or self.dimensions
            or self.group_objects
            or self.filters
            or self.conditions
            or self.list_object
            or self.time.period
            or self.time.compare
            or self.time.grain
            or self.time.series
            or self.relative_unit
            or self.limit
            or self.mentioned
            or self.fields
        )


def _phrase_at(words: Sequence[str], i: int, phrases: Sequence[tuple[str, ...]]) -> int:
    """The length of the first phrase found at position i, or 0."""
    for phrase in sorted(phrases, key=len, reverse=True):
        if tuple(words[i : i + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def read_question(question: str, lexicon: Lexicon, today: dt.date) -> Reading:
    tokens = tokenize(question)
    words = [t.norm for t in tokens]
    time = find_time(tokens, today, keep=_value_adverbs(tokens, lexicon))
    matches = _absorb_qualifiers(find_matches(tokens, lexicon, time.used), lexicon)
    matches = _compound_measures(matches, _punctuated(question), words)
    reading = Reading(tokens=tokens, time=time, matches=matches)
    used: set[int] = set(time.used)
    for m in matches:
        used.update(range(m.start, m.end))
    _read_operators(reading, words, used)
    reading.per_period_average = any(
        w in {"average", "avg", "mean"} and words[i + 1 : i + 2] and words[i + 1] in ADVERB_GRAINS
        for i, w in enumerate(words)
    )
    _read_listed_grain(reading, words, used)
    _assign_roles(reading, words)
    for i in range(len(words)):
        size = _phrase_at(words, i, list(GREATER))
        if not size or i in time.used or i in reading.compared:
            continue
        if _comparison_at(words, i):
            reading.unattached.append(" ".join(words[i : i + size + 1]))
            used.update(range(i, i + size + 1))
        elif words[i] not in {"over", "under", "="} and not any(
            j in time.used for j in range(i, i + size + 2)
        ):
            # "below their reorder point": a comparison with something that is no number.
            reading.unattached.append(" ".join(words[i : i + size + 3]))
            used.update(range(i, i + size))
    for i, w in enumerate(words):
        # A "not" or "never" that negates no value would be dropped silently: say so.
        if (
            (w in NEGATE or w in {"never", "no", "none"})
            and i not in reading.negations
            and (
                i not in used
                and not _phrase_at(words, i, list(GREATER))
                and w not in {"minus", "remove", "drop", "omit", "omitting", "ignore", "ignoring"}
            )
        ):
            reading.unattached.append(w)
            used.add(i)
    owners = {c.object for m in matches for c in m.concepts}
    qualifiers = (
        set().union(*(lexicon.object_words.get(o, set()) for o in owners)) if owners else set()
    )
    reading.unknown = [*reading.unattached]
    reading.unknown += [
        tokens[i].text
        for i in range(len(tokens))
        if i not in used
        and tokens[i].norm not in KNOWN
        and not _is_number(tokens[i].norm)
        and tokens[i].stem not in qualifiers
    ]
    return reading


def _absorb_qualifiers(matches: list[Match], lexicon: Lexicon) -> list[Match]:
    """ "annual billing", "the Electronics category": the word after a value that names
    the value's own column belongs to the value, not to another concept."""
    kept: list[Match] = []
    for m in matches:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.end == m.start
            and "value" in previous.kinds
            and not any(
                c.kind == "object" and c.object in {v.object for v in previous.of_kind("value")}
                for c in m.concepts
            )
        ):
            value = previous.of_kind("value")[0]
            words = lexicon.attribute_words.get(value.field, set())
            stems = {t.stem for t in tokenize(m.text)}
            if stems and stems <= words:
                previous.end = m.end
                continue
        kept.append(m)
    return kept


#: Marks that separate the things a question lists; a comma inside a number ("1,500") not.
_SEPARATORS = re.compile(r",(?!\d)|[;/|()]")


def _punctuated(question: str) -> set[int]:
    """Positions of the tokens that punctuation (a comma, a slash...) separates from the
    token before them: "revenue, cost" lists two things, "conversion revenue" names one."""
    found: set[int] = set()
    position = 0
    for piece in _SEPARATORS.split(question):
        if position:
            found.add(position)
        position += len(tokenize(piece))
    return found


def _measure_only(m: Match) -> bool:
    return bool(m.concepts) and all(
        c.kind == "metric" or _measure_concept(c) for c in m.concepts
    )


def _columns(m: Match) -> set[str]:
    """The columns a measure match names: a column and its total are one."""
    return {
        c.field if c.kind == "attribute" else f"{c.object}.{_metric_column(c.name)}"
        for c in m.concepts
    }


def _metric_column(name: str) -> str:
    for prefix in ("total_", "avg_", "average_", "sum_"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


#: Words that only say a quantity is counted, not what: "units", "pieces", "amount".
_GENERIC_MEASURES = frozenset(
    {"units", "unit", "pieces", "piece", "items", "quantity", "qty", "amount", "volume",
     "number", "count", "total", "value", "dollars", "euros"}
)


def _compound_measures(
    matches: list[Match], punctuated: set[int], words: Sequence[str]
) -> list[Match]:
    """ "conversion revenue", "units on hand": two measure names side by side, with no
    "and" or comma between them, name one measure. English compounds put their head last,
    so the last name is the measure and the words before it only qualify it, unless the
    last is a mere unit of count ("on hand units")."""
    kept: list[Match] = []
    for m in matches:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.end == m.start
            and m.start not in punctuated
            and not previous.fuzzy
            and _measure_only(previous)
            and _measure_only(m)
            and {c.field for c in previous.concepts} != {c.field for c in m.concepts}
            # Each names one column; "grade 5" is a column beside its value, no measure.
            and len(_columns(previous)) == 1
            and len(_columns(m)) == 1
            and not (m.end < len(words) and _is_number(words[m.end]))
        ):
            # A generic unit ("units on hand", "on hand units") defers to the named measure.
            head = previous if m.text in _GENERIC_MEASURES else m
            text = f"{previous.text} {m.text}"
            kept[-1] = Match(previous.start, m.end, head.concepts, text, head.fuzzy)
            continue
        kept.append(m)
    return kept


def _value_adverbs(tokens: list[Token], lexicon: Lexicon) -> set[int]:
    """Words like "annual" or "monthly" that are values in the data, used as values.

    They are values when the question also names their column or its object ("annual
    billing", "monthly subscriptions"), picks them out ("just the annual ones") or is
    nothing but them after a follow-up lead ("what about monthly?"); otherwise they are
    grains ("monthly revenue").
    """
    stems = {t.stem for t in tokens}
    keep: set[int] = set()
    for i, token in enumerate(tokens):
        if token.norm not in ADVERB_GRAINS:
            continue
        values = [c for c in lexicon.lookup((token.stem,), (token.norm,)) if c.kind == "value"]
        for value in values:
            words = lexicon.attribute_words.get(value.field, set()) | lexicon.object_words.get(
                value.object, set()
            )
            before = tokens[i - 1].norm if i else ""
            after = tokens[i + 1].norm if i + 1 < len(tokens) else ""
            others = {t.norm for t in tokens} - {token.norm}
            if (
                # "what about monthly?": a value put in place of another, not a grain.
                others <= {"what", "about", "how", "and", "for", "the", "ones", "instead"}
                and others & {"about", "and"}
            ) or (
                (stems - {token.stem}) & words
                or before in {"only", "just", "the"}
                or after in {"ones", "only", "plans", "plan"}
            ):
                keep.add(i)
    return keep


def _is_number(word: str) -> bool:
    return parse_number(word) is not None


def _read_operators(reading: Reading, words: list[str], used: set[int]) -> None:
    """Operator words that act on the whole question."""
    for i, w in enumerate(words):
        if i in used:
            continue
        if w in SHARE or (w == "of" and words[i - 1 : i] == ["percent"]):
            reading.share = True
            used.add(i)
        elif w in GROWTH:
            reading.growth = True
            used.add(i)
        elif w in COMPARE:
            reading.compare_words = True
            used.add(i)
        elif w in INSTEAD:
            reading.instead = True
            used.add(i)
        elif w in LIST and i <= 2:
            reading.list_words = True
        if _phrase_at(words, i, COUNT_PHRASES):
            reading.count_words = True
        if w in MONEY_VERBS:
            reading.money_words = True
            reading.money_verbs = True
        if w == "how" and words[i + 1 : i + 2] == ["much"]:
            reading.money_words = True
        if w in ("over", "and") and words[i + 1 : i + 2] and words[i + 1] in ("over",):
            used.add(i)
    for unit in ("day", "week", "month", "quarter", "year"):
        if (unit == "year" and "yoy" in words) or _contains(words, (unit, "over", unit)):
            # "month over month growth": growth along a series of that grain.
            reading.growth = True
            if not reading.time.compare and reading.time.grain is None:
                reading.time.grain = unit  # type: ignore[assignment]
            for j in range(len(words) - 2):
                if words[j : j + 3] == [unit, "over", unit]:
                    used.update({j, j + 1, j + 2})
            if "yoy" in words:
                used.add(words.index("yoy"))


def _read_listed_grain(reading: Reading, words: list[str], used: set[int]) -> None:
    """ "by region and year": a time unit in a list of groups is a grain."""
    units = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
    for i, w in enumerate(words):
        if i in used or w not in units or i == 0 or words[i - 1] not in {"and", ",", "&"}:
            continue
        if any(words[j] in GROUP for j in range(i)):
            reading.time.grain = units[w]  # type: ignore[assignment]
            used.update({i, i - 1})


def _contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    return any(tuple(words[i : i + len(phrase)]) == phrase for i in range(len(words)))


def _preceding(words: Sequence[str], start: int, skip: int = 3) -> list[str]:
    """Up to ``skip`` words before ``start``, nearest first."""
    return [words[j] for j in range(start - 1, max(start - 1 - skip, -1), -1)]


def _assign_roles(reading: Reading, words: list[str]) -> None:
    matches = reading.matches
    group_next = False
    # Dates and objects that qualify the next word ("shipping cost", "order value").
    modifiers = {
        j
        for m in matches
        if all(
            c.kind == "object" or (c.kind == "attribute" and c.role == "time") for c in m.concepts
        )
        for j in range(m.start, m.end)
    }
    for index, m in enumerate(matches):
        before = _preceding(words, m.start)
        prev_match_end = matches[index - 1].end if index else 0
        between = words[prev_match_end : m.start]
        near = [w for w in before if w not in {"the", "a", "an", "their", "its"}][:1]
        if any(
            _phrase_at(words, j, GROUP_PHRASES) for j in range(max(m.start - 4, 0), m.start)
        ) or (near and near[0] in GROUP):
            group_next = True
        elif group_next and between and not set(between) <= {"and", ",", "then", "&", "or"}:
            group_next = False
        negated = any(w in NEGATE for w in before[:3]) or _contains(
            before[:3][::-1], ("other", "than")
        )
        negation_at = [m.start - 1 - k for k, w in enumerate(before[:3]) if w in NEGATE]
        kinds = m.kinds
        attribute = m.of_kind("attribute")
        obj = m.of_kind("object")
        metric_concepts = m.of_kind("metric")
        following = matches[index + 1] if index + 1 < len(matches) else None
        if (
            obj
            and not attribute
            and following is not None
            and following.start == m.end
            and any(
                c.kind == "attribute" and c.object == obj[0].object and c.role != "time"
                for c in following.concepts
            )
        ):
            # "customer industry": the object qualifies its own column, which plays the role.
            reading.mentioned.append(obj[0])
            continue

        comparison = (
            _comparison_after(words, m.end) if (attribute or metric_concepts) and not obj else None
        )
        if comparison:
            _comparison_after(words, m.end, reading.compared)
            op, values = comparison
            if m.text in {"cost", "costs"} and words[m.start - 1 : m.start] in (
                ["that"],
                ["which"],
                ["does"],
                ["do"],
                ["who"],
            ):
                # "products that cost more than 500": what they cost a buyer, their price.
                reading.cost_as_price = True
            # A column compared row by row ("priced above 100") unless only a metric fits.
            target: list[Concept] = [c for c in attribute if _measure_concept(c)] or metric_concepts
            if target:
                reading.conditions.append(FilterPart(target[0], op, values))
                if len({c.field for c in target}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, target))
                continue

        if obj and not attribute and not metric_concepts:
            sized = _comparison_after(words, m.end)
            if sized:
                # "invoices over 10k", "orders over 500": the object's size, its money.
                _comparison_after(words, m.end, reading.compared)
                reading.sized.append(FilterPart(obj[0], sized[0], sized[1]))

        if "value" in kinds and not (
            kinds & {"attribute", "object", "metric"} and not m.fuzzy and _value_text(m) != m.text
        ):
            found = m.of_kind("value")
            reading.filters.append(
                FilterPart(found[0], "ne" if negated else "eq", [found[0].value])
            )
            following = matches[index + 1] if index + 1 < len(matches) else None
            measured_next = (
                following is not None
                and following.start == m.end
                and (
                    following.of_kind("metric")
                    or any(_measure_concept(c) for c in following.concepts)
                )
            )
            if group_next and not negated and not measured_next:
                # "defects per plant": per site, of the sites that are plants.
                reading.group_objects.append(Concept("object", found[0].object, found[0].object))
                group_next = False
            reading.negations.update(negation_at)
            if len({c.field for c in found}) > 1:
                reading.ambiguities.append(Ambiguity(m.text, found))
            continue

        aggregation = _aggregation_before(words, m.start, modifiers)
        if (
            attribute
            and not obj
            and aggregation
            and (_measure(m) or (aggregation in {"min", "max"} and _is_time(m)))
        ):
            # "average unit price", "highest price", "earliest order date": an aggregate of
            # the column itself.
            targets = [c for c in attribute if _measure_concept(c) or _is_time(m)]
            superlative = words[m.start - 1] if m.start else ""
            count_before = m.start >= 2 and _is_number(words[m.start - 2])
            if (
                _is_time(m)
                and aggregation in {"min", "max"}
                and (count_before or (reading.list_words and m.text.endswith("s")))
            ):
                # "the 5 newest hires", "who are the latest signups": the rows, by that date.
                by_date = next(c for c in targets if c.role == "time")
                reading.list_object = Concept("object", by_date.object, by_date.object)
                reading.time_field = by_date
                reading.recency = aggregation == "max"
                if count_before:
                    reading.limit = int(parse_number(words[m.start - 2]) or 0) or None
                continue
            if aggregation in {"min", "max"} and superlative in SUPERLATIVES and not group_next:
                reading.superlative = (targets, aggregation == "max", m.start - 1)
            reading.metrics.append(MetricPart(aggregation=aggregation, target=targets[0]))
            reading.aggregated.add(m.start - 1)
            if len({c.field for c in targets}) > 1:
                reading.ambiguities.append(Ambiguity(m.text, targets, aggregate=True))
            continue

        counted_from = max((x.end for x in matches[:index] if "value" not in x.kinds), default=0)
        counted = bool(obj) and reading.count_words and _counted(words, m.start, counted_from)
        if (
            metric_concepts
            and not (reading.list_object and _column_metric(m))
            # "how many shipments": rows counted, whatever measure the word also names.
            and not counted
        ):
            metric = metric_concepts[0]
            if len({c.name for c in metric_concepts}) > 1:
                reading.ambiguities.append(Ambiguity(m.text, metric_concepts))
            if group_next and not reading.metrics and reading.group_objects:
                # "top customers by revenue": the metric ranks the groups.
                reading.ranking = True
            reading.metrics.append(MetricPart(concept=metric, aggregation=aggregation))
            group_next = False
            continue

        if group_next or _ranked(words, m.start):
            if attribute and not obj:
                reading.dimensions.append(attribute[0])
                if len({c.field for c in attribute}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, attribute))
            elif obj:
                previous = matches[index - 1] if index else None
                if (
                    previous is not None
                    and previous.end == m.start
                    and reading.group_objects
                    and previous.of_kind("object")
                    and reading.group_objects[-1] == previous.of_kind("object")[0]
                ):
                    # "by employee department": the department (of the employee).
                    reading.mentioned.append(reading.group_objects.pop())
                reading.group_objects.append(obj[0])
            continue
        if counted:
            distinct = any(w in DISTINCT for w in before[:2])
            reading.metrics.append(
                MetricPart(aggregation="count_distinct" if distinct else "count", target=obj[0])
            )
            continue
        if attribute and not obj:
            distinct = any(w in DISTINCT for w in before[:2]) or (
                reading.count_words and _counted(words, m.start, counted_from)
            )
            if distinct and _is_time(m):
                # "number of hires": how many rows that event dates, counted by object.
                dated = [c for c in attribute if c.role == "time"]
                reading.time_field = dated[0]
                reading.events.append(Concept("object", dated[0].object, dated[0].object))
                if len({c.field for c in dated}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, dated))
            elif distinct:
                reading.metrics.append(
                    MetricPart(aggregation="count_distinct", target=attribute[0])
                )
                if len({c.field for c in attribute}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, attribute, aggregate=True))
            elif _is_time(m) and reading.time_field is None:
                dated = [c for c in attribute if c.role == "time"]
                reading.time_field = dated[0]
                if len({c.field for c in dated}) > 1:
                    # "signed up": accounts' or users' creation date? The question decides.
                    reading.ambiguities.append(Ambiguity(m.text, dated))
                if m.text not in {"date", "day", "time"}:
                    reading.events.append(Concept("object", dated[0].object, dated[0].object))
            else:
                reading.fields.append(attribute[0])
                if len({c.field for c in attribute}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, attribute))
            continue
        if obj:
            previous = matches[index - 1] if index else None
            if (
                previous is not None
                and previous.end == m.start
                and reading.list_object is not None
                and previous.of_kind("object")
                and reading.list_object == previous.of_kind("object")[0]
            ):
                # "account rep": the last noun is the thing listed, the first qualifies it.
                reading.mentioned.append(reading.list_object)
                reading.list_object = obj[0]
            elif (
                reading.list_object is None
                and not reading.metrics
                and (
                    _listed(words, m.start)
                    or (
                        not reading.count_words
                        and words[m.end : m.end + 1] in (["that"], ["which"], ["who"], ["whose"])
                    )
                )
            ):
                # "show the orders", "products that cost more than 500": rows, listed.
                reading.list_object = obj[0]
            else:
                reading.mentioned.append(obj[0])
    _read_superlative(reading, words)
    _read_ranking(reading, words)
    _read_loose_conditions(reading, words)


def _read_superlative(reading: Reading, words: list[str]) -> None:
    """ "5 projects with the smallest budget" ranks projects; "the smallest budget" is a min.

    A superlative on a column of an object the question also names, with no grouping,
    ranks that object's rows by the column.
    """
    if reading.superlative is None or reading.dimensions or reading.group_objects:
        return
    targets, descending, position = reading.superlative
    named = [c for c in [reading.list_object, *reading.mentioned] if c is not None]
    pairs = [(t, c) for c in named for t in targets if t.object == c.object]
    if not pairs:
        return
    concept, owner = pairs[0]
    reading.metrics = [p for p in reading.metrics if p.target not in targets]
    reading.ambiguities = [a for a in reading.ambiguities if a.options != targets]
    owners = [owner]
    reading.aggregated.discard(position)
    reading.list_object = owners[0]
    if owners[0] in reading.mentioned:
        reading.mentioned.remove(owners[0])
    reading.rank_attribute = concept
    reading.descending = descending
    reading.ranking = True


def _read_ranked_subject(reading: Reading, words: list[str]) -> None:
    """ "which plan has the fewest subscriptions": plans ranked by how many subscriptions.

    The object asked about ("which plan") is the group; an object right after the
    superlative is what is counted. "the biggest invoice", with nothing else to rank by,
    ranks invoices by their money column (the parser finds it).
    """
    if not reading.ranking or reading.metrics:
        return
    values = {j for m in reading.matches if "value" in m.kinds for j in range(m.start, m.end)}

    def after_superlative(start: int) -> bool:
        # Look back past values and filler: "the fewest active subscriptions".
        j = start - 1
        while j >= 0 and (j in values or words[j] in {"single", "one", "the", "a"}):
            j -= 1
        return j >= 0 and words[j] in TOP | BOTTOM

    ranked = [
        m.of_kind("object")[0]
        for m in reading.matches
        if m.of_kind("object")
        and after_superlative(m.start)
        and m.of_kind("object")[0]
        in [
            *reading.group_objects,
            *reading.mentioned,
            *([reading.list_object] if reading.list_object else []),
        ]
    ]
    if not ranked:
        return
    counted = ranked[0]
    if counted == reading.list_object:
        # "what was the biggest purchase order": one object, ranked by its money.
        reading.money_rank = True
        return
    if counted in reading.mentioned:
        reading.mentioned.remove(counted)
        reading.group_objects.append(counted)
    if reading.list_object is not None and reading.list_object != counted:
        reading.group_objects.remove(counted)
        reading.group_objects.insert(0, reading.list_object)
        reading.list_object = None
        reading.metrics.append(MetricPart(aggregation="count", target=counted))
    elif not reading.mentioned and not reading.list_object and len(reading.group_objects) == 1:
        reading.group_objects.remove(counted)
        reading.list_object = counted
        reading.money_rank = True


def _value_text(m: Match) -> str:
    value = next((c.value for c in m.concepts if c.kind == "value"), None) or ""
    return " ".join(t.norm for t in tokenize(str(value)))


def _measure_concept(concept: Concept) -> bool:
    return concept.kind == "attribute" and concept.role == "measure"


def _measure(m: Match) -> bool:
    return any(_measure_concept(c) for c in m.concepts)


def _column_metric(m: Match) -> bool:
    """A phrase naming a column as well as its average or total ("price")."""
    return any(_measure_concept(c) for c in m.concepts)


def _is_time(m: Match) -> bool:
    return any(c.kind == "attribute" and c.role == "time" for c in m.concepts)


def _aggregation_before(
    words: Sequence[str], start: int, modifiers: set[int] | None = None
) -> Aggregation | None:
    """The aggregation word before a phrase, past its modifiers ("average shipping cost")."""
    skip = modifiers or set()
    for k, w in enumerate(_preceding(words, start, 4)):
        if start - 1 - k in skip:
            continue
        if w in AGGREGATION_WORDS:
            return AGGREGATION_WORDS[w]
        if w in TIME_EXTREMES:
            return TIME_EXTREMES[w]
        if w not in {"the", "of", "a", "an", "most"}:
            break
    return None


def _counted(words: Sequence[str], start: int, after: int = 0) -> bool:
    window = words[max(start - 5, after, 0) : start]
    return any(_phrase_at(window, j, COUNT_PHRASES) for j in range(len(window)))


def _listed(words: Sequence[str], start: int) -> bool:
    return any(w in LIST or w in RECENT or w in OLDEST for w in words[:start])


def _ranked(words: Sequence[str], start: int) -> bool:
    """True for the head noun of a ranking: "top 10 customers", "which 3 reps"."""
    for k, w in enumerate(_preceding(words, start, 4)):
        if w in TOP or w in BOTTOM:
            return True
        if w in {"which", "what"} and k >= 1:
            # "which 3 sales reps": a count of groups asked for by number.
            return _is_number(words[start - 1])
        if not (_is_number(w) or w in {"the", "my", "our", "selling", "performing", "popular"}):
            return False
    return False


def _comparison_after(
    words: Sequence[str], end: int, used: set[int] | None = None
) -> tuple[FilterOp, list[object]] | None:
    j = end
    while j < len(words) and words[j] in {
        "is",
        "was",
        "are",
        "were",
        "of",
        "with",
        "a",
        "total",
        "for",
        "worth",
        "valued",
        "in",
    }:
        j += 1
    found = _comparison_at(words, j)
    if found and used is not None:
        used.add(j)
    return found


def _comparison_at(words: Sequence[str], j: int) -> tuple[FilterOp, list[object]] | None:
    size = _phrase_at(words, j, list(GREATER))
    if not size:
        if words[j : j + 1] == ["between"]:
            low = parse_number(words[j + 1]) if j + 1 < len(words) else None
            high = parse_number(words[j + 3]) if j + 3 < len(words) else None
            if low is not None and high is not None and words[j + 2] == "and":
                between: FilterOp = "between"
                return between, [low, high]
        return None
    op = cast(FilterOp, GREATER[tuple(words[j : j + size])])
    number = parse_number(words[j + size]) if j + size < len(words) else None
    if number is None:
        return None
    return op, [int(number) if number.is_integer() else number]


def _read_loose_conditions(reading: Reading, words: list[str]) -> None:
    """A comparison after a verb of money ("spent more than 5000"): on the main metric."""
    for i, w in enumerate(words):
        if w in MONEY_VERBS:
            found = _comparison_after(words, i + 1, reading.compared)
            if found:
                reading.money_condition = FilterPart(Concept("metric", ""), found[0], found[1])
                return


def _read_ranking(reading: Reading, words: list[str]) -> None:
    for i, w in enumerate(words):
        if w in {"least", "most"} and i > 0 and words[i - 1] == "at":
            continue  # "at least 10" is a comparison, not a ranking
        if w in {"most", "least"} and words[i + 1 : i + 2] and words[i + 1] in TIME_EXTREMES and (
            i + 1 not in reading.time.used
        ):
            continue  # "most recent" is a time, not a ranking; "the least last month" is one
        if (w in TOP or w in BOTTOM) and i not in reading.aggregated:
            reading.descending = w in TOP
            number = parse_number(words[i + 1]) if i + 1 < len(words) else None
            if number is None and i > 0:
                # "10 best selling products"
                number = parse_number(words[i - 1])
            if (
                number is not None
                and number >= 1
                and (i + 2 >= len(words) or words[i + 2] not in {"%", "percent"})
            ):
                reading.limit = int(number)
            reading.ranking = True
            break
        if w in {"which", "what"} and i + 2 < len(words) and _is_number(words[i + 1]):
            number = parse_number(words[i + 1])
            if number and number >= 1:
                reading.limit = int(number)
        if (w in RECENT or w in OLDEST) and i not in reading.time.used:
            number = parse_number(words[i + 1]) if i + 1 < len(words) else None
            if number is not None and number >= 1:
                reading.limit = int(number)
                reading.recency = w in RECENT
            elif w in {"latest", "recent", "newest", "oldest", "earliest", "first", "last",
                       "youngest"} and (
                i not in reading.time.used
            ):
                reading.recency = w not in OLDEST
        if (
            _is_number(w)
            and i + 1 < len(words)
            and words[i + 1] in {"most", "latest", "newest", "recent"}
        ):
            number = parse_number(w)
            if number:
                reading.limit = int(number)
                reading.recency = True if words[i + 1] != "most" else reading.recency
    for i, w in enumerate(words):
        if w in PRONOUNS:
            reading.pronoun = True
        if w in ADJECTIVE_RANKS and i not in reading.aggregated:
            reading.adjective_rank = ADJECTIVE_RANKS[w]
            reading.ranking = True
            reading.descending = ADJECTIVE_RANKS[w][1]
        if i in reading.time.used:
            continue
        if w in {"before", "prior", "earlier"} and i and words[i - 1] in UNIT_NAMES:
            reading.relative_unit = words[i - 1]
        if (
            w in {"previous", "prior", "preceding"}
            and i + 1 < len(words)
            and words[i + 1] in UNIT_NAMES
        ):
            reading.relative_unit = words[i + 1]
        if w in {"first", "last"} and i == len(words) - 1 and reading.recency is None:
            # "which customer signed up first"
            reading.recency = w == "last"
    for w in words:
        if w in PRICE_WORDS:
            reading.price_order = PRICE_WORDS[w]
            reading.ranking = True
            reading.descending = PRICE_WORDS[w]
    if reading.ranking and reading.limit is None:
        for m in reading.matches:
            if m.start and _is_number(words[m.start - 1]) and m.of_kind("object"):
                # "the 3 departments with the lowest average salary"
                reading.limit = int(parse_number(words[m.start - 1]) or 0) or None
                break
    _read_ranked_subject(reading, words)
    if reading.ranking and not reading.group_objects and not reading.dimensions:
        # "which 5 cities generate the most revenue": the thing ranked is the one named.
        dimension_fields = [c for c in reading.fields if c.role == "dimension"]
        if reading.mentioned and reading.price_order is None:
            reading.group_objects.append(reading.mentioned.pop(0))
        elif dimension_fields:
            reading.dimensions.append(dimension_fields[0])
            reading.fields.remove(dimension_fields[0])
    if reading.recency is not None and reading.list_object is None and not reading.metrics:
        objects = reading.mentioned + reading.group_objects
        if objects:
            reading.list_object = objects[0]
            if objects[0] in reading.mentioned:
                reading.mentioned.remove(objects[0])
            if objects[0] in reading.group_objects:
                reading.group_objects.remove(objects[0])


def reparse_words(question: str) -> list[str]:
    return [t.norm for t in tokenize(question)]
