"""Follow-ups: a question that edits the previous answer's query rather than asking anew.

"only healthcare companies", "and last year?", "by month instead", "what about them?":
whether a question is such an edit is decided from its words (``is_followup``); the
edit itself keeps the previous SemanticQuery and changes only what the new words name
(``merge``), with the same building blocks a new question uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.query_building.dates import (
    apply_time,
    dated_by,
    event_date,
    previous_period,
)
from parley.engine.nl.query_building.filters import merge_filters
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.metrics import metric_of
from parley.engine.nl.query_building.subjects import base_object, display_field, query_base
from parley.engine.nl.roles.reading import Reading
from parley.engine.nl.text import Token
from parley.engine.nl.timephrases import Period
from parley.engine.nl.vocabulary import FOLLOW_UP_LEADS, RELATIVE_BEFORE
from parley.engine.semantic.query import (
    DimensionRef,
    OrderItem,
    QueryFilter,
    SemanticQuery,
    TimeRange,
)


def merge(graph: Graph, previous: SemanticQuery, reading: Reading) -> SemanticQuery:
    """``previous`` edited by the follow-up ``reading``: its metrics, groups, filters
    and period replaced or added to, the rest kept ("only in Europe", "and last year?",
    "by month instead", "what about the month before?").

    The reading is edited on the way (the date a new period is read on, the period
    itself), and the caller's explanation of it is written afterwards.
    """
    ontology = graph.ontology
    query = previous.model_copy(deep=True)
    if {t.norm for t in reading.tokens} & _THE_ROWS_SHOWN:
        # "show me those" after "how many orders over $100k": the things counted are the
        # rows the follow-up is about, each with its figure ("and in 2024?" counts again).
        query = previous.counted_shown()
    event_date(ontology, reading)
    dated = previous.time_range.field if previous.time_range else None
    dated = dated or next((c.field for c in previous.compare if c.field), None)
    if reading.time_field is None and not reading.metrics and dated and "." in dated:
        # "and last year?": the new period is read on the date the answer was dated by.
        owner, column = dated.split(".", 1)
        reading.time_field = Concept("attribute", owner, column, role="time")
    ranked_rows = bool(previous.limit and previous.order and previous.dimensions) and bool(
        {t.norm for t in reading.tokens} & _THE_ROWS_SHOWN
    ) and not (reading.dimensions or reading.group_objects or reading.limit)
    if reading.metrics and ranked_rows:
        # "and each one's average order value?" of the top 10 customers by revenue: the
        # same ten, ranked as before, with the new figure beside the old one.
        added = [metric_of(ontology, part, reading) for part in reading.metrics]
        known = {m.key for m in query.metrics}
        query.metrics += [m for m in added if m.key not in known]
    elif reading.metrics:
        query.metrics = [metric_of(ontology, part, reading) for part in reading.metrics]
        query.order = [
            o
            for o in query.order
            if o.key in {m.key for m in query.metrics} or o.key in {d.key for d in query.dimensions}
        ]
    new_dimensions = [DimensionRef(field=c.field) for c in reading.dimensions]
    new_dimensions += [
        DimensionRef(field=display_field(ontology, c)) for c in reading.group_objects
    ]
    base = base_object(graph, reading) if reading.metrics else query_base(ontology, query)
    time_field = dated_by(ontology, reading, base)
    if reading.grain and time_field:
        new_dimensions.insert(0, DimensionRef(field=time_field, grain=reading.grain))
    if new_dimensions:
        if reading.instead or (
            reading.grain
            and not reading.dimensions
            and not reading.group_objects
            and any(d.grain for d in query.dimensions)
        ):
            keep = [] if reading.instead else [d for d in query.dimensions if not d.grain]
            query.dimensions = keep + new_dimensions
            if reading.instead and len(query.dimensions) > len(new_dimensions):
                query.dimensions = new_dimensions
        else:
            query.dimensions += [d for d in new_dimensions if d not in query.dimensions]
        query.order = [o for o in query.order if o.key in {m.key for m in query.metrics}]
        if query.list_object:
            query.list_object = None
    for f in merge_filters(reading.filters):
        query.filters = [
            g
            for g in query.filters
            if not (g.field == f.field and f.op in {"eq", "in"} and g.op in {"eq", "in"})
        ]
        query.filters.append(f)
    for condition in reading.conditions:
        query.filters.append(
            QueryFilter(
                field=condition.concept.field
                if condition.concept.kind != "metric"
                else condition.concept.name,
                op=condition.op,
                values=condition.values,
            )
        )
    if (
        reading.period
        and not reading.period.anchored
        and previous.time_range
        and previous.time_range.start
    ):
        # "and in Q3?" after Q4 2024 means Q3 2024.
        reading.time.period = _in_year(reading.period, previous.time_range.start.year)
    if previous.time_range and (
        reading.relative_unit or _relative_phrase(reading, previous.time_range)
    ):
        # "what about the month before?", "the previous month": before the answer's
        # period, not before today (which the words alone would mean).
        earlier = previous.time_range
        if earlier.start and earlier.end:
            prior = previous_period(Period(earlier.start, earlier.end, earlier.label))
            reading.time.period = prior
    if reading.period or reading.time.compare:
        query.time_range = None
        query.compare = []
        query.growth = False
        apply_time(query, reading, time_field)
    if reading.share:
        query.share = True
    if reading.limit or reading.ranking:
        if query.metrics and query.dimensions:
            descending = reading.descending if reading.descending is not None else True
            query.order = [OrderItem(key=query.metrics[0].key, descending=descending)]
        query.limit = reading.limit or query.limit or 10
    elif new_dimensions and any(d.grain for d in query.dimensions) and not query.order:
        grain_dim = next(d for d in query.dimensions if d.grain)
        query.order = [OrderItem(key=grain_dim.key, descending=False)]
    return query


def is_followup(reading: Reading) -> bool:
    """Whether a question edits the previous query rather than asking a new one.

    A follow-up lead ("and", "what about") or "instead" makes it an edit unless the
    question is complete on its own (something measured, and grouped or dated); without
    a lead, only a question that names nothing measured, listed or counted is an edit.
    """
    words = tuple(t.norm for t in reading.tokens)
    lead = any(words[: len(phrase)] == phrase for phrase in FOLLOW_UP_LEADS)
    measured = bool(reading.metrics) or any(c.role == "measure" for c in reading.fields)
    complete = measured and bool(
        reading.dimensions or reading.group_objects or reading.time.grain or reading.time.series
    )
    if lead or reading.instead:
        return not complete
    return not (
        measured
        or reading.list_object
        or reading.count_words
        or reading.mentioned
        or reading.group_objects
        or reading.price_order is not None
        or reading.money_words
    )


#: Words that point at the rows an answer showed: "each one's", "their", "those".
_THE_ROWS_SHOWN = frozenset({"each", "their", "those", "them", "they", "these"})
_REFINING_LEADS = (
    ("only",), ("just",), ("now",), ("and",), ("also",), ("instead",), ("what", "about"),
    ("how", "about"), ("but",), ("same",), ("make", "it"), ("split", "by"),
)  # fmt: skip
#: Words before a "that" which stands for an earlier answer ("how much of that", "break
#: that down"), and words after it; a "that" before a noun or after one is not it.
_BEFORE_THAT = frozenset({"of", "for", "from", "show", "break", "split", "make", "plot", "put"})
_AFTER_THAT = frozenset({"has", "have", "had", "is", "are", "was", "were", "as", "down", "by",
                         "into", "per", "over", "came", "comes", "come", "went", "goes", "did",
                         "does", "do"})


def leads_a_follow_up(tokens: Sequence[Token]) -> bool:
    """ "only healthcare companies", "what about 2024?": words that edit an earlier question."""
    words = tuple(t.norm for t in tokens)
    return any(words[: len(lead)] == lead for lead in _REFINING_LEADS)


def _relative_phrase(reading: Reading, earlier: TimeRange) -> bool:
    """ "the previous month" after a month, which the time phrases alone read as last
    month from today."""
    if earlier.start is None or earlier.end is None:
        return False
    days = (earlier.end - earlier.start).days
    unit = next((name for name, (low, high) in _UNIT_DAYS.items() if low <= days <= high), None)
    words = [t.norm for t in reading.tokens]
    return any(
        words[i] in RELATIVE_BEFORE and words[i + 1] == unit
        for i in range(len(words) - 1)
    )


#: How many days a period of each unit lasts, at least and at most.
_UNIT_DAYS = {"day": (1, 1), "week": (7, 7), "month": (28, 31), "quarter": (89, 92),
              "year": (365, 366)}


def refers_to_an_answer(tokens: Sequence[Token]) -> bool:
    """ "how much of that was paid?", "break that down by clinic": "that" is an answer;
    "which one brought in the most?" picks one of its rows."""
    words = [t.norm for t in tokens]
    if words[:2] in (["which", "one"], ["which", "ones"]) and words[2:3] != ["of"]:
        return True  # "which one brought in the most?": one of the rows shown
    return any(
        word == "that" and index > 0 and words[index - 1] in _BEFORE_THAT
        and (index + 1 == len(words) or words[index + 1] in _AFTER_THAT)
        for index, word in enumerate(words)
    )


def _in_year(period: Period, year: int) -> Period:
    """The same period in ``year`` ("and in Q3?" after Q4 2024 means Q3 2024).

    >>> import datetime as dt
    >>> _in_year(Period(dt.date(2025, 7, 1), dt.date(2025, 10, 1), "Q3 2025"), 2024).label
    'Q3 2024'
    """
    assert period.start is not None and period.end is not None
    start = period.start.replace(year=year)
    end = period.end.replace(year=year + (period.end.year - period.start.year))
    return Period(start, end, period.label.replace(str(period.start.year), str(year)))
