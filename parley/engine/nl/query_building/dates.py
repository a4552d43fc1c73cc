"""Dates: which column dates the rows, and the time range, compared periods or growth a
reading asks for.
"""

from __future__ import annotations

import datetime as dt

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.roles.reading import Reading
from parley.engine.nl.text import tokenize
from parley.engine.nl.timephrases import Period, period_of
from parley.engine.semantic.joins import nearest_time_field
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import DimensionRef, SemanticQuery, TimeRange
from parley.errors import InvalidInput
from parley.naming import stem

#: The words of a date column's name that say it is a date, not which event it dates.
DATE_WORDS = frozenset(
    stem(w) for w in ("at", "on", "date", "time", "day", "timestamp", "datetime", "dt", "ts")
)


def dated_by(ontology: Ontology, reading: Reading, base: str | None) -> str | None:
    """The date column that dates the rows of ``base``: the one the question names, else
    the nearest one the ontology knows.
    """
    if reading.time_field:
        return reading.time_field.field
    return nearest_time_field(ontology, base) if base else None


def event_date(ontology: Ontology, reading: Reading) -> None:
    """ "won deal amount by month": a value that names an event ("Closed Won") dates
    its rows by that event's own date column ("closed_at") when the object has one,
    not by the date the rows were created."""
    if reading.time_field is not None:
        return
    found: set[Concept] = set()
    for part in reading.filters:
        if part.op != "eq" or part.concept.kind != "value":
            continue
        value = part.concept.value
        obj = ontology.object(part.concept.object)
        if obj is None or not isinstance(value, str):
            continue
        named = {t.stem for t in tokenize(value)}
        for attribute in obj.attributes:
            if attribute.role != "time" or attribute.hidden:
                continue
            words = [t.stem for t in tokenize(attribute.label)]
            event = {w for w in words if w not in DATE_WORDS}
            if event and event <= named:
                found.add(Concept("attribute", obj.name, attribute.name, role="time"))
    if len(found) == 1:
        reading.time_field = found.pop()


def apply_time(query: SemanticQuery, reading: Reading, time_field: str | None) -> None:
    """The time range, the compared periods or the growth the reading asks for.

    Growth with one period compares it with the one before; growth with none is
    followed year by year, along ``time_field``.
    """
    field_name = reading.time_field.field if reading.time_field else None
    compare = list(reading.time.compare)
    if reading.growth and not compare and reading.time.endpoints:
        compare = list(reading.time.endpoints)
    elif reading.growth and not compare and reading.period and reading.period.start:
        compare = [previous_period(reading.period), reading.period]
    elif reading.period:
        query.time_range = time_range(reading.period, field_name)
    if compare:
        if reading.growth:
            # Growth runs from the earlier period to the later one.
            compare.sort(key=lambda p: p.start or dt.date.min)
        query.compare = [time_range(p, field_name) for p in compare]
        query.growth = reading.growth
    if reading.growth and not compare and not reading.grain and not reading.time.series:
        if time_field is None:
            raise InvalidInput("there is no date to measure growth over")
        query.dimensions.insert(0, DimensionRef(field=time_field, grain="year"))


def time_range(period: Period, field_name: str | None) -> TimeRange:
    """A period as the query states it, on the date column the question named (or on
    the default one, when ``field_name`` is None).
    """
    return TimeRange(field=field_name, start=period.start, end=period.end, label=period.label)


def previous_period(period: Period) -> Period:
    """The period of the same length just before: the year, quarter, month or day before.

    >>> from parley.engine.nl.timephrases import Period
    >>> previous_period(Period(dt.date(2025, 4, 1), dt.date(2025, 7, 1), "Q2 2025")).label
    'Q1 2025'
    >>> previous_period(Period(dt.date(2024, 1, 1), dt.date(2025, 1, 1), "2024")).label
    '2023'
    """
    assert period.start is not None and period.end is not None
    days = (period.end - period.start).days
    if days >= 365:
        start = period.start.replace(year=period.start.year - 1)
        end = (
            period.end.replace(year=period.end.year - 1)
            if period.end.month != 2 or period.end.day != 29
            else period.end - dt.timedelta(days=366)
        )
        return Period(start, end, f"{start.year}" if days in (365, 366) else f"{start}..{end}")
    unit = "quarter" if days > 31 else "month" if days >= 28 else "day"
    prior = period_of(unit, period.start - dt.timedelta(days=1))  # type: ignore[arg-type]
    return Period(prior.start, prior.end, prior.label)
