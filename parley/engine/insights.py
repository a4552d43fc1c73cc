"""Insights: what is worth noticing in a result, said in plain words with its numbers.

Each kind (trend, concentration, comparison, growth, outliers) speaks only when the
data carries it: too few rows, nulls, negative values where shares need positive ones,
or a flat/noisy series produce nothing rather than filler.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parley.engine.result_shape import ColumnRole, as_number, format_value

__all__ = ["find_insights", "format_value"]

#: A modified z-score beyond this marks an outlier (Iglewicz and Hoaglin's 3.5).
OUTLIER_Z = 3.5
#: A least-squares fit must explain this share of the variance to call a trend steady...
TREND_R2 = 0.5
#: ...and move the series by this fraction of its mean level end to end.
TREND_STRENGTH = 0.10
#: A series whose standard deviation is under this fraction of its mean level is flat.
FLAT_CV = 0.05

_NOT_ADDITIVE = {"avg", "average", "mean", "median", "min", "max", "rate", "ratio", "per"}
_SHARE_WORDS = {"share", "percent", "pct"}


@dataclass(frozen=True, slots=True)
class _Point:
    label: str
    key: Any
    value: float


def find_insights(
    columns: Sequence[ColumnRole],
    rows: Sequence[Sequence[Any]],
    *,
    max_insights: int = 4,
    truncated: bool = False,
    limited: bool = False,
    partial_last_period: bool = False,
) -> list[str]:
    """Up to ``max_insights`` plain sentences about the result.

    ``truncated`` (the row cap cut the result) and ``limited`` (the question asked for
    a top N) both mean the rows are not the whole: shares are then said to be "among
    the N shown". ``partial_last_period`` says the last period is not finished yet; it
    is left out of trend statements and mentioned instead.
    """
    if max_insights <= 0 or not rows:
        return []
    cols = list(columns)
    measures = [c for c in cols if c.role == "measure"]
    growth = [m for m in measures if _is_growth(m)]
    primary = next((m for m in measures if m not in growth), None)
    found: list[str] = []
    if len(rows) == 1:
        found += [_single_growth(g, rows[0][cols.index(g)]) for g in growth]
        return [s for s in found if s][:max_insights]
    axis = _axis(cols, rows)
    if axis is None:
        return []
    if primary is not None:
        points = _points(cols, rows, axis, primary)
        if axis.role == "time":
            found += _over_time(points, primary, axis, partial_last_period)
        else:
            found += _across(points, primary, axis, truncated or limited, len(rows))
    for column in growth:
        found += _growth(_points(cols, rows, axis, column), column)
    return found[:max_insights]


# --- reading the result -----------------------------------------------------------------


def _words(column: ColumnRole) -> set[str]:
    text = f"{column.name} {column.label}".lower().replace("_", " ").replace("-", " ")
    return set(text.split())


def _is_growth(column: ColumnRole) -> bool:
    return column.format == "percent" and bool(_words(column) & {"growth", "change", "yoy", "mom"})


def _is_additive(column: ColumnRole) -> bool:
    words = _words(column)
    if column.format == "percent":
        return bool(words & _SHARE_WORDS)
    return not words & _NOT_ADDITIVE


def _axis(cols: list[ColumnRole], rows: Sequence[Sequence[Any]]) -> ColumnRole | None:
    """The one column that names each row, or None when rows are not one per label."""
    index_of = {c.name: i for i, c in enumerate(cols)}

    def varying(role: str) -> list[ColumnRole]:
        return [
            c for c in cols if c.role == role and len({repr(r[index_of[c.name]]) for r in rows}) > 1
        ]

    times, dims, ids = varying("time"), varying("dimension"), varying("identifier")
    if times:
        candidates = times if not dims and len(times) == 1 else []
    else:
        candidates = dims if len(dims) == 1 else ([] if dims else ids[:1])
    if not candidates:
        return None
    axis = candidates[0]
    labels = [repr(r[index_of[axis.name]]) for r in rows]
    return axis if len(set(labels)) == len(labels) else None


def _period(value: Any, grain: str | None) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return _label(value)
    if grain == "month":
        return value.strftime("%b %Y")
    if grain == "quarter":
        return f"Q{(value.month - 1) // 3 + 1} {value.year}"
    if grain == "year":
        return str(value.year)
    if grain == "week":
        return f"the week of {value.isoformat()}"
    return value.isoformat()


def _points(
    cols: list[ColumnRole], rows: Sequence[Sequence[Any]], axis: ColumnRole, measure: ColumnRole
) -> list[_Point]:
    a, m = cols.index(axis), cols.index(measure)
    points = []
    for row in rows:
        value = as_number(row[m])
        if value is None:
            continue
        key = row[a]
        label = _period(key, axis.grain) if axis.role == "time" else _label(key)
        points.append(_Point(label, key, value))
    return points


def _label(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    # Labels are names, not quantities: an id or a year reads without separators.
    return format_value(value) if isinstance(value, dt.date | float) else str(value)


def _signed(value: float, fmt: str) -> str:
    text = format_value(value, fmt)  # type: ignore[arg-type]
    return text if value < 0 else f"+{text}"


def _percent(share: float) -> str:
    return format_value(share * 100, "percent")


def _change(first: float, last: float, measure: ColumnRole) -> str:
    """The change first -> last as "+12.3%, +$1,200" (points for percent measures)."""
    if measure.format == "percent":
        points = last - first
        return f"{'+' if points >= 0 else ''}{format_value(points)} points"
    absolute = _signed(last - first, measure.format)
    if first > 0:
        return f"{_signed((last - first) / first * 100, 'percent')}, {absolute}"
    return absolute


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- over time --------------------------------------------------------------------------


def _over_time(
    points: list[_Point], measure: ColumnRole, axis: ColumnRole, partial_last: bool
) -> list[str]:
    with contextlib.suppress(TypeError):  # mixed types: keep the order of the rows
        points = sorted(points, key=lambda p: p.key)
    found: list[str] = []
    partial = points.pop() if partial_last and points else None
    value = _formatter(measure)
    noun = axis.grain or "period"
    if len(points) == 2:
        first, last = points
        found.append(
            f"{_sentence(measure.title)} went from {value(first.value)} in {first.label} to "
            f"{value(last.value)} in {last.label} ({_change(first.value, last.value, measure)})."
        )
    elif len(points) >= 3:
        found += _trend(points, measure, noun)
        found += _outliers(points, measure)
    if partial is not None:
        found.append(
            f"The last {noun}, {partial.label} ({value(partial.value)} so far), is not "
            "complete yet and is left out of these statements."
        )
    return found


def _formatter(measure: ColumnRole) -> Any:
    return lambda v: format_value(v, measure.format)


def _fit(values: list[float]) -> tuple[float, float]:
    """Least-squares slope per step and the share of variance it explains (R²)."""
    n = len(values)
    x_mean, y_mean = (n - 1) / 2, statistics.fmean(values)
    sxx = sum((i - x_mean) ** 2 for i in range(n))
    sxy = sum((i - x_mean) * (y - y_mean) for i, y in enumerate(values))
    syy = sum((y - y_mean) ** 2 for y in values)
    slope = sxy / sxx
    r2 = (sxy * sxy) / (sxx * syy) if syy > 0 else 0.0
    return slope, r2


def _trend(points: list[_Point], measure: ColumnRole, noun: str) -> list[str]:
    values = [p.value for p in points]
    value = _formatter(measure)
    first, last = points[0], points[-1]
    level = statistics.fmean(abs(v) for v in values)
    if level == 0:
        return []
    name = _sentence(measure.title)
    span = f"the {len(points)} {noun}s"
    if statistics.pstdev(values) / level < FLAT_CV:
        low, high = min(values), max(values)
        return [
            f"{name} stayed roughly flat at about {value(statistics.fmean(values))} across "
            f"{span} (between {value(low)} and {value(high)})."
        ]
    slope, r2 = _fit(values)
    strength = slope * (len(values) - 1) / level
    moved = f"from {value(first.value)} in {first.label} to {value(last.value)} in {last.label}"
    change = _change(first.value, last.value, measure)
    if r2 >= TREND_R2 and abs(strength) >= TREND_STRENGTH:
        direction = "upward" if slope > 0 else "downward"
        verb = "rose" if last.value > first.value else "fell"
        if (slope > 0) != (last.value > first.value):
            verb = "went"
        trend = f"{name} {verb} {moved} ({change}), a steady {direction} trend over {span}."
    else:
        trend = f"{name} went {moved} ({change}), with no steady trend across {span} in between."
    best = max(points, key=lambda p: p.value)
    worst = min(points, key=lambda p: p.value)
    if {best.key, worst.key} <= {first.key, last.key}:
        return [trend]  # the extremes are the ends, already said
    extremes = (
        f"The highest {noun} was {best.label} ({value(best.value)}); "
        f"the lowest was {worst.label} ({value(worst.value)})."
    )
    return [trend, extremes]


# --- across categories ------------------------------------------------------------------


def _across(
    points: list[_Point], measure: ColumnRole, axis: ColumnRole, partial: bool, rows: int
) -> list[str]:
    if len(points) in (2, 3):
        return [_compare(points, measure)]
    found: list[str] = []
    if len(points) >= 4:
        found += _concentration(points, measure, axis, partial, rows)
    found += _outliers(points, measure)
    return found


def _compare(points: list[_Point], measure: ColumnRole) -> str:
    ranked = sorted(points, key=lambda p: p.value, reverse=True)
    high, low = ranked[0], ranked[-1]
    value = _formatter(measure)
    title = measure.title
    prefix = f"Of these {len(points)}, " if len(points) == 3 else ""
    if high.value == low.value:
        return f"{prefix}{high.label} and {low.label} have the same {title} ({value(high.value)})."
    both = f"({value(high.value)} vs {value(low.value)})"
    if measure.format == "percent":
        points_apart = format_value(high.value - low.value)
        text = f"{high.label}'s {title} is {points_apart} points above {low.label}'s {both}."
    elif low.value > 0 and high.value / low.value >= 1.5:
        ratio = format_value(high.value / low.value)
        text = f"{high.label} has {ratio} times the {title} of {low.label} {both}."
    elif low.value > 0:
        more = format_value((high.value - low.value) / low.value * 100, "percent")
        text = f"{high.label} has {more} more {title} than {low.label} {both}."
    else:
        gap = format_value(high.value - low.value, measure.format)
        text = f"{high.label}'s {title} is {gap} above {low.label}'s {both}."
    return _sentence(prefix + text)


def _concentration(
    points: list[_Point], measure: ColumnRole, axis: ColumnRole, partial: bool, rows: int
) -> list[str]:
    values = [p.value for p in points]
    if not _is_additive(measure) or any(v < 0 for v in values) or len(points) != rows:
        return []
    total = sum(values)
    if total <= 0:
        return []
    n = len(points)
    ranked = sorted(points, key=lambda p: p.value, reverse=True)
    top1 = ranked[0].value / total
    top3 = sum(p.value for p in ranked[:3]) / total
    top1_notable = top1 > max(0.30, 2 / n)
    top3_notable = n >= 6 and top3 > max(0.50, 1.5 * 3 / n)
    scope = f" among the {n} shown" if partial else ""
    of_total = f"of total {measure.title}{scope}"
    names = ", ".join(p.label for p in ranked[:2]) + f" and {ranked[2].label}"
    if top1_notable and top3_notable:
        return [
            f"{ranked[0].label} alone accounts for {_percent(top1)} {of_total}, "
            f"and the top 3 ({names}) for {_percent(top3)}."
        ]
    if top1_notable:
        return [f"{ranked[0].label} accounts for {_percent(top1)} {of_total}."]
    if top3_notable:
        return [f"The top 3 by {axis.title} ({names}) account for {_percent(top3)} {of_total}."]
    return []


# --- outliers ---------------------------------------------------------------------------


def _outliers(points: list[_Point], measure: ColumnRole) -> list[str]:
    """Values whose modified z-score (median and MAD based) is beyond ``OUTLIER_Z``."""
    if len(points) < 5:
        return []
    values = [p.value for p in points]
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    if mad == 0:
        return []  # most values are equal: any other one would look infinitely far
    flagged = [p for p in points if abs(0.6745 * (p.value - median) / mad) > OUTLIER_Z]
    flagged.sort(key=lambda p: abs(p.value - median), reverse=True)
    if not flagged:
        return []
    value = _formatter(measure)
    parts = []
    for point in flagged[:3]:
        if median > 0 and point.value > median:
            parts.append(
                f"{point.label} ({value(point.value)}, {point.value / median:.1f} times the median)"
            )
        else:
            side = "above" if point.value > median else "below"
            parts.append(f"{point.label} ({value(point.value)}, far {side} the median)")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    verb = "stands" if len(parts) == 1 else "stand"
    return [f"{listed} {verb} out on {measure.title}; the median is {value(median)}."]


# --- growth columns ---------------------------------------------------------------------


def _single_growth(column: ColumnRole, raw: Any) -> str:
    value = as_number(raw)
    if value is None:
        return ""
    return f"{_sentence(column.title)} is {_signed(value, 'percent')}."


def _growth(points: list[_Point], column: ColumnRole) -> list[str]:
    if len(points) < 2:
        return []
    high = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    if high.value == low.value:
        return []
    title = column.title
    up = f"{high.label} ({_signed(high.value, 'percent')})"
    down = f"{low.label} ({_signed(low.value, 'percent')})"
    if high.value > 0 > low.value:
        return [f"By {title}, the largest increase is {up} and the largest decrease {down}."]
    if low.value >= 0:
        return [
            f"{_sentence(title)} is not negative anywhere: highest for {up}, lowest for {down}."
        ]
    return [
        f"{_sentence(title)} is negative everywhere: the smallest decrease is {up}, "
        f"the largest {down}."
    ]
