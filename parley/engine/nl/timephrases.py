"""Time phrases: "last month", "Q3 2025", "since March", "2024 vs 2025", "by month".

Every phrase becomes half-open date intervals [start, end) computed from ``today`` in
Python, so the SQL holds literal dates: explainable, and the same on every database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from parley.engine.nl.text import Token, parse_number
from parley.engine.semantic.query import Grain

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
UNITS: dict[str, Grain] = {
    "day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month",
    "months": "month", "quarter": "quarter", "quarters": "quarter", "year": "year",
    "years": "year",
}  # fmt: skip
ADVERB_GRAINS: dict[str, Grain] = {
    "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
    "yearly": "year", "annually": "year", "annual": "year",
}  # fmt: skip
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
}
_LAST = {"last", "previous", "past", "prior", "preceding"}
_THIS = {"this", "current"}
_COMPARE = {"vs", "versus", "against"}
_GROWTH_HINTS = {
    "growth",
    "grew",
    "grow",
    "increase",
    "increased",
    "change",
    "changed",
    "yoy",
    "decline",
    "declined",
    "decrease",
    "decreased",
}
_NUMERIC_CONTEXT = {
    "over", "above", "under", "below", "than", "least", "most", ">", "<", ">=", "<=", "top",
    "bottom", "exceeding", "exceeds", "equal", "equals", "=", "first", "limit", "id",
    "number", "#",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date | None
    end: dt.date | None
    label: str
    #: False when the year was not said ("Q3", "in March") and was taken as the latest.
    anchored: bool = True


@dataclass(slots=True)
class TimeFindings:
    """The time phrases found in a question, and which tokens they used."""

    period: Period | None = None
    compare: list[Period] = field(default_factory=list)
    grain: Grain | None = None
    #: The two ends of a "from X to Y" range, for growth between them.
    endpoints: tuple[Period, Period] | None = None
    #: "over time", "trend": a time series was asked for without naming the grain.
    series: bool = False
    used: set[int] = field(default_factory=set)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, 1)


def period_of(unit: Grain, day: dt.date) -> Period:
    """The calendar period of ``unit`` containing ``day``.

    >>> period_of("quarter", dt.date(2025, 8, 14))  # doctest: +NORMALIZE_WHITESPACE
    Period(start=datetime.date(2025, 7, 1), end=datetime.date(2025, 10, 1), label='Q3 2025',
           anchored=True)
    """
    if unit == "day":
        return Period(day, day + dt.timedelta(days=1), day.isoformat())
    if unit == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period(start, start + dt.timedelta(days=7), f"week of {start.isoformat()}")
    if unit == "month":
        start = day.replace(day=1)
        return Period(start, _add_months(start, 1), start.strftime("%B %Y"))
    if unit == "quarter":
        quarter = (day.month - 1) // 3 + 1
        start = dt.date(day.year, 3 * quarter - 2, 1)
        return Period(start, _add_months(start, 3), f"Q{quarter} {day.year}")
    return Period(dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1), str(day.year))


def _shift(unit: Grain, day: dt.date, count: int) -> dt.date:
    if unit == "day":
        return day + dt.timedelta(days=count)
    if unit == "week":
        return day + dt.timedelta(weeks=count)
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * count
    shifted = _add_months(day.replace(day=1), months)
    # Keep the day of month where the target month has it (rolling windows).
    try:
        return shifted.replace(day=day.day)
    except ValueError:
        return _add_months(shifted, 1) - dt.timedelta(days=1)


class _Scanner:
    def __init__(self, tokens: Sequence[Token], today: dt.date) -> None:
        self.words = [t.norm for t in tokens]
        self.today = today
        self.keep: set[int] = set()

    def word(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.words) else ""

    def year_at(self, i: int) -> int | None:
        word = self.word(i)
        if word.startswith("fy"):
            word = word[2:]
        if len(word) == 4 and word.isdigit() and 1900 <= int(word) <= self.today.year + 5:
            previous = self.word(i - 1)
            year_before = self.word(i - 2).isdigit() and len(self.word(i - 2)) == 4
            if (previous in _NUMERIC_CONTEXT and not (previous == "over" and year_before)) or (
                self.word(i + 1) in {"%", "percent"}
            ):
                return None
            return int(word)
        if len(word) == 2 and word.isdigit() and self.word(i - 1) in {"fy", "'"}:
            return 2000 + int(word)
        return None

    def point(self, i: int) -> tuple[Period, int] | None:
        """A single period starting at token i, and the index after it."""
        for matcher in (self._relative, self._quarter, self._month, self._iso, self._year):
            found = matcher(i)
            if found:
                return found
        return None

    def _relative(self, i: int) -> tuple[Period, int] | None:
        w, today = self.word(i), self.today
        if w == "today":
            return period_of("day", today), i + 1
        if w == "yesterday":
            return period_of("day", today - dt.timedelta(days=1)), i + 1
        if w in {"ytd", "mtd", "qtd"} or (
            self.word(i + 1) == "to" and self.word(i + 2) in {"date", "today"} and w in UNITS
        ):
            shorthand: dict[str, Grain] = {"ytd": "year", "mtd": "month", "qtd": "quarter"}
            unit: Grain = shorthand.get(w) or UNITS.get(w, "year")
            start = period_of(unit, today).start
            size = 1 if w in {"ytd", "mtd", "qtd"} else 3
            label = f"{unit} to date"
            return Period(start, today + dt.timedelta(days=1), label), i + size
        half = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "h1": 1, "h2": 2}
        if w in {"h1", "h2"} or (w in half and self.word(i + 1) == "half"):
            j = i + (1 if w in {"h1", "h2"} else 2)
            if self.word(j) == "of":
                j += 1
            year = self.year_at(j)
            anchored = year is not None
            if year is None:
                year = today.year if half[w] == 1 or today.month > 6 else today.year - 1
            else:
                j += 1
            start = dt.date(year, 1 if half[w] == 1 else 7, 1)
            return Period(start, _add_months(start, 6), f"H{half[w]} {year}", anchored), j
        if w in _THIS and self.word(i + 1) in UNITS:
            unit = UNITS[self.word(i + 1)]
            found = period_of(unit, today)
            return Period(found.start, found.end, f"this {unit}"), i + 2
        if w in _LAST or (w == "the" and self.word(i + 1) in _LAST):
            j = i + 1 if w != "the" else i + 2
            count = parse_number(self.word(j))
            if count is not None and self.word(j + 1) in UNITS and count >= 1:
                unit = UNITS[self.word(j + 1)]
                n = int(count)
                # Rolling window ending today, today included.
                start = _shift(unit, today, -n) + dt.timedelta(days=1)
                return Period(start, today + dt.timedelta(days=1), f"last {n} {unit}s"), j + 2
            if self.word(j) in UNITS and self.word(j).endswith("s") is False:
                unit = UNITS[self.word(j)]
                found = period_of(unit, _shift(unit, period_of(unit, today).start or today, -1))
                return Period(found.start, found.end, f"last {unit}"), j + 1
        return None

    def _quarter(self, i: int) -> tuple[Period, int] | None:
        w = self.word(i)
        quarter: int | None = None
        size = 1
        if len(w) == 2 and w[0] == "q" and w[1] in "1234":
            quarter = int(w[1])
        elif w in ORDINALS and self.word(i + 1) == "quarter":
            quarter, size = ORDINALS[w], 2
        elif w == "quarter" and self.word(i + 1) in {"1", "2", "3", "4"}:
            quarter, size = int(self.word(i + 1)), 2
        if quarter is None:
            # "2025 Q3"
            year = self.year_at(i)
            nxt = self.word(i + 1)
            if year and len(nxt) == 2 and nxt[0] == "q" and nxt[1] in "1234":
                start = dt.date(year, 3 * int(nxt[1]) - 2, 1)
                return Period(start, _add_months(start, 3), f"Q{nxt[1]} {year}"), i + 2
            return None
        j = i + size
        if self.word(j) == "of":
            j += 1
        year = self.year_at(j)
        anchored = year is not None
        if year is None:
            year = self.today.year
            if dt.date(year, 3 * quarter - 2, 1) > self.today:
                year -= 1
        else:
            j += 1
        start = dt.date(year, 3 * quarter - 2, 1)
        return Period(start, _add_months(start, 3), f"Q{quarter} {year}", anchored), j

    def _month(self, i: int) -> tuple[Period, int] | None:
        w = self.word(i)
        day: int | None = None
        j = i
        if w.isdigit() and 1 <= int(w) <= 31 and self.word(i + 1) in MONTHS:
            day, j = int(w), i + 1
        month = MONTHS.get(self.word(j))
        if month is None or (self.word(j) == "may" and not self._may_is_month(j)):
            return None
        j += 1
        if day is None and self.word(j).isdigit() and 1 <= int(self.word(j)) <= 31:
            day, j = int(self.word(j)), j + 1
        if self.word(j) == "of":
            j += 1 if self.year_at(j + 1) else 0
        year = self.year_at(j)
        anchored = year is not None
        if year is None:
            year = self.today.year
            if dt.date(year, month, day or 1) > self.today:
                year -= 1
        else:
            j += 1
        try:
            if day is not None:
                start = dt.date(year, month, day)
                return Period(start, start + dt.timedelta(days=1), start.isoformat(), anchored), j
        except ValueError:
            return None
        start = dt.date(year, month, 1)
        return Period(start, _add_months(start, 1), start.strftime("%B %Y"), anchored), j

    def _may_is_month(self, j: int) -> bool:
        # "may" is a month only beside a year, a day number or a time preposition.
        return bool(
            self.year_at(j + 1)
            or self.word(j + 1).isdigit()
            or self.word(j - 1) in {"in", "since", "during", "of", "from", "until", "to", "and"}
        )

    def _iso(self, i: int) -> tuple[Period, int] | None:
        w = self.word(i)
        try:
            if "-" in w:
                day = dt.date.fromisoformat("-".join(p.zfill(2) for p in w.split("-")))
            elif "/" in w:
                month, dom, year = (int(p) for p in w.split("/"))
                day = dt.date(year + 2000 if year < 100 else year, month, dom)
            else:
                return None
        except ValueError:
            return None
        return Period(day, day + dt.timedelta(days=1), day.isoformat()), i + 1

    def _year(self, i: int) -> tuple[Period, int] | None:
        year = self.year_at(i)
        if year is None:
            return None
        size = 2 if self.word(i).isdigit() is False and self.word(i) == "fy" else 1
        return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year)), i + size


def find_time(
    tokens: Sequence[Token], today: dt.date, *, keep: Collection[int] = ()
) -> TimeFindings:
    """Find the time range, compared periods and grain a question asks for.

    Positions in ``keep`` are left alone (a word like "annual" that names a data value).
    """
    scan = _Scanner(tokens, today)
    scan.keep = set(keep)
    found = TimeFindings()
    points: list[tuple[int, int, Period]] = []
    i = 0
    while i < len(tokens):
        hit = scan.point(i)
        if hit:
            period, end = hit
            points.append((i, end, period))
            i = end
        else:
            i += 1

    _relative_compare(scan, points)
    growth_words = bool(set(scan.words) & _GROWTH_HINTS)
    consumed: set[int] = set()
    ranges: list[Period] = []
    compare: list[Period] = []
    k = 0
    while k < len(points):
        start, end, period = points[k]
        before = scan.word(start - 1)
        nxt = points[k + 1] if k + 1 < len(points) else None
        joiner = scan.words[end : nxt[0]] if nxt else []
        if (
            nxt
            and before in {"between", "from"}
            and joiner in (["and"], ["to"], ["until"], ["through"], ["till"], ["-"])
        ):
            first, last = period, nxt[2]
            if not first.anchored and last.anchored and first.start and first.end and last.start:
                # "from January to June 2025": the first end is in the year of the second.
                year = last.start.year
                first = Period(
                    first.start.replace(year=year),
                    first.end.replace(year=year + first.end.year - first.start.year),
                    f"{first.label.split()[0]} {year}",
                )
            ranges.append(Period(first.start, last.end, f"{first.label} to {last.label}"))
            found.endpoints = (first, last)
            consumed.update(range(start - 1, nxt[1]))
            k += 2
            continue
        if nxt and joiner == ["over"] and growth_words:
            compare.extend([nxt[2], period])
            consumed.update(range(start, nxt[1]))
            k += 2
            continue
        if nxt and (
            joiner
            and (
                set(joiner) & _COMPARE
                or joiner
                in (
                    ["compared", "to"],
                    ["compared", "with"],
                    ["compare", "to"],
                    ["compare", "with"],
                    ["or"],
                )
                or (joiner == ["and"] and "compare" in scan.words)
            )
        ):
            compare.extend([period, nxt[2]])
            consumed.update(range(start, nxt[1]))
            k += 2
            while k < len(points) and scan.words[points[k - 1][1] : points[k][0]] in (
                ["vs"],
                ["and"],
                ["versus"],
            ):
                compare.append(points[k][2])
                consumed.update(range(points[k - 1][1], points[k][1]))
                k += 1
            continue
        consumed.update(range(start, end))
        if (before in {"start", "beginning"} and scan.word(start - 2) == "the") or (
            before == "of" and scan.word(start - 2) in {"start", "beginning"}
        ):
            # "since the start of 2025": the phrase names the period's first day.
            k_back = start - 1
            while scan.word(k_back) in {"of", "start", "beginning", "the"}:
                consumed.add(k_back)
                k_back -= 1
            before = scan.word(k_back)
            start = k_back + 1
        if before in {"since", "after"}:
            begin = period.start if before != "after" else period.end
            ranges.append(Period(begin, today + dt.timedelta(days=1), f"{before} {period.label}"))
            consumed.add(start - 1)
        elif before in {"before", "until", "till", "through", "to"} and before != "to":
            finish = period.start if before == "before" else period.end
            ranges.append(Period(None, finish, f"{before} {period.label}"))
            consumed.add(start - 1)
        else:
            ranges.append(period)
        k += 1

    partial_ranges = [r for r in ranges if not r.anchored and r.start and r.end]
    if growth_words and found.endpoints and not compare and partial_ranges and all(
        p.label.isdigit() for p in found.endpoints
    ):
        # "how much did Q4 revenue grow from 2024 to 2025": Q4 of each year, not the
        # two years' span beside this year's Q4.
        first, last = found.endpoints
        compare = [first, last]
        ranges = [r for r in ranges if r.label != f"{first.label} to {last.label}"]
        found.endpoints = None
    if compare and ranges and all(p.label.isdigit() for p in compare):
        # "Q4 revenue, 2025 vs 2024": the quarter in each compared year.
        partial = [r for r in ranges if not r.anchored and r.start and r.end]
        if partial:
            unit_start, unit_end = partial[0].start, partial[0].end
            assert unit_start is not None and unit_end is not None
            compare = [
                Period(
                    unit_start.replace(year=int(p.label)),
                    unit_end.replace(year=int(p.label) + (unit_end.year - unit_start.year)),
                    f"{partial[0].label.split()[0]} {p.label}",
                )
                for p in compare
            ]
            ranges = [r for r in ranges if r is not partial[0]]
    if len(ranges) == 2 and not compare and _disjoint(ranges[0], ranges[1]):
        # "how did Q3 compare to Q2": two periods that cannot both hold are compared.
        compare = list(ranges)
        ranges = []
    if ranges:
        found.period = _intersect(ranges)
    found.compare = compare
    found.used = consumed
    _find_grain(scan, found)
    return found


def _relative_compare(scan: _Scanner, points: list[tuple[int, int, Period]]) -> None:
    """ "last month compared to the month before": the period before the first one."""
    words = scan.words
    for index, (_, end, period) in enumerate(points):
        j = end
        if words[j : j + 2] in (["compared", "to"], ["compared", "with"]):
            j += 2
        elif words[j : j + 1] in (["vs"], ["versus"], ["against"]):
            j += 1
        else:
            continue
        begin = j
        if words[j : j + 1] == ["the"]:
            j += 1
        if period.start is None or j + 1 >= len(words):
            continue
        unit = UNITS.get(words[j])
        if unit and words[j + 1] in {"before", "prior"}:
            prior = period_of(unit, period.start - dt.timedelta(days=1))
        elif words[j] in {"previous", "prior", "preceding"} and words[j + 1] in UNITS:
            prior = period_of(UNITS[words[j + 1]], period.start - dt.timedelta(days=1))
        else:
            continue
        scan.words[begin] = scan.words[begin]  # the joiner stays "compared to" / "vs"
        points.insert(index + 1, (begin, j + 2, prior))
        return


def _disjoint(a: Period, b: Period) -> bool:
    if not (a.start and a.end and b.start and b.end):
        return False
    return a.end <= b.start or b.end <= a.start


def _intersect(ranges: list[Period]) -> Period:
    """Several ranges in one question narrow each other ("March" + "2024")."""
    if len(ranges) == 1:
        return ranges[0]
    starts = [r.start for r in ranges if r.start]
    ends = [r.end for r in ranges if r.end]
    return Period(
        max(starts) if starts else None,
        min(ends) if ends else None,
        " ".join(r.label for r in ranges),
    )


def _find_grain(scan: _Scanner, found: TimeFindings) -> None:
    words = scan.words
    for i, w in enumerate(words):
        if i in found.used or i in scan.keep:
            continue
        if w in ADVERB_GRAINS:
            found.grain = ADVERB_GRAINS[w]
            found.used.add(i)
        elif (
            w in {"by", "per", "each", "every", "for"}
            and words[i + 1 : i + 2]
            and words[i + 1] in UNITS
        ):
            found.grain = UNITS[words[i + 1]]
            found.used.update({i, i + 1})
        elif w in UNITS and words[i + 1 : i + 3] in (["by", w], ["on", w], ["to", w]):
            found.grain = UNITS[w]
            found.used.update({i, i + 1, i + 2})
        elif w in {
            "trend",
            "trends",
            "trending",
            "trended",
            "evolution",
            "timeline",
            "history",
            "evolve",
            "evolved",
            "developed",
        }:
            found.series = True
            found.used.add(i)
        elif w == "over" and words[i + 1 : i + 2] == ["time"]:
            found.series = True
            found.used.update({i, i + 1})
        elif (
            w in {"over", "across"}
            and words[i + 1 : i + 3]
            and words[i + 1] == "the"
            and words[i + 2] in {"years", "months", "weeks", "quarters"}
        ):
            found.grain = UNITS[words[i + 2]]
            found.used.update({i, i + 1, i + 2})


def default_grain(period: Period | None) -> Grain:
    """The grain of a time series when the question did not name one."""
    if period and period.start and period.end:
        days = (period.end - period.start).days
        if days <= 62:
            return "day"
        if days <= 190:
            return "week"
    return "month"
