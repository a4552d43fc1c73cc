"""What each column of a result is for, and how its values read in words.

Charts and insights never look at SQL: they look at a result's columns through their
roles. The compiler knows the roles of what it wrote; ``infer_roles`` guesses them
for a result of hand-written SQL.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Role = Literal["dimension", "time", "measure", "identifier"]
ValueFormat = Literal["number", "currency", "percent"]

__all__ = ["ColumnRole", "Role", "ValueFormat", "as_number", "format_value", "infer_roles"]


@dataclass(frozen=True, slots=True)
class ColumnRole:
    #: The column name in the result.
    name: str
    role: Role
    #: A human label ("revenue", "order month"); the name stands in when empty.
    label: str = ""
    #: How a measure's values read. Percent values are in percent units: 12.3 means 12.3%.
    format: ValueFormat = "number"
    #: For time columns: day, week, month, quarter or year.
    grain: str | None = None

    @property
    def title(self) -> str:
        """The label, or the name made readable ("order_month" -> "order month")."""
        return self.label or self.name.replace("_", " ").strip()


def as_number(value: Any) -> float | None:
    """The value as a float when it is a finite number (bools and NaN are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def _compact(number: float) -> str:
    """Three significant digits with a K/M/B/T suffix: 1234567.8 -> "1.23M"."""
    magnitude = abs(number)
    for index, (size, suffix) in enumerate(_SUFFIXES):
        if magnitude >= size * 0.9995:
            scaled = float(f"{magnitude / size:.3g}")
            if scaled >= 1000 and index > 0:
                size, suffix = _SUFFIXES[index - 1]
                scaled = float(f"{magnitude / size:.3g}")
            return f"{scaled:g}{suffix}"
    return f"{magnitude:g}"


def _plain(number: float, *, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value: Any, format: ValueFormat = "number") -> str:
    """A value as it reads in an answer.

    >>> format_value(1234567.8, "currency")
    '$1.23M'
    >>> format_value(1234.6, "currency"), format_value(12.5, "currency")
    ('$1,235', '$12.50')
    >>> format_value(12.34, "percent"), format_value(-3.0, "percent")
    ('12.3%', '-3%')
    >>> format_value(45210), format_value(2_500_000), format_value(0.01234)
    ('45,210', '2.5M', '0.0123')
    >>> format_value(dt.date(2025, 3, 1)), format_value(None)
    ('2025-03-01', 'n/a')
    """
    if value is None:
        return "n/a"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = as_number(value)
    if number is None:
        return "n/a" if isinstance(value, float) else str(value)
    sign = "-" if number < 0 else ""
    magnitude = abs(number)
    if format == "percent":
        decimals = 0 if magnitude >= 100 else 1
        return f"{sign}{_plain(magnitude, decimals=decimals)}%"
    if format == "currency":
        if magnitude >= 1e6:
            return f"{sign}${_compact(magnitude)}"
        if magnitude >= 1000 or magnitude == int(magnitude):
            return f"{sign}${magnitude:,.0f}"
        return f"{sign}${magnitude:,.2f}"
    if magnitude >= 1e6:
        return f"{sign}{_compact(magnitude)}"
    if magnitude >= 1000 or magnitude == int(magnitude):
        return f"{sign}{magnitude:,.0f}"
    if magnitude >= 1:
        return f"{sign}{_plain(magnitude, decimals=2)}"
    return f"{sign}{float(f'{magnitude:.3g}'):g}"


_IDENTIFIER = {"id", "uuid", "key", "code", "number", "no"}
_PERCENT = {"percent", "pct", "share", "rate", "ratio", "growth", "margin", "change"}
_CURRENCY = {
    "revenue",
    "amount",
    "price",
    "sales",
    "cost",
    "spend",
    "profit",
    "income",
    "gmv",
    "arr",
    "mrr",
    "usd",
    "eur",
}
_GRAINS = ("day", "week", "month", "quarter", "year")


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", name.lower()) if w]


def infer_roles(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[ColumnRole]:
    """Guess each column's role from its name and values, for results of raw SQL.

    >>> [r.role for r in infer_roles(["customer_id", "name", "month", "revenue"],
    ...                              [[7, "Acme", dt.date(2025, 1, 1), 10.5]])]
    ['identifier', 'dimension', 'time', 'measure']
    """
    roles: list[ColumnRole] = []
    for index, name in enumerate(names):
        values = [row[index] for row in rows if index < len(row) and row[index] is not None]
        words = _words(name)
        grain = next((w for w in reversed(words) if w in _GRAINS), None)
        is_identifier = bool(words) and words[-1] in _IDENTIFIER
        if values and all(isinstance(v, dt.date) for v in values):
            roles.append(ColumnRole(name, "time", grain=grain))
        elif values and all(as_number(v) is not None for v in values):
            whole = all(float(v) == int(v) for v in values)
            if is_identifier and whole:
                roles.append(ColumnRole(name, "identifier"))
            elif grain == "year" and whole and all(1900 <= v <= 2200 for v in values):
                roles.append(ColumnRole(name, "time", grain="year"))
            elif _PERCENT.intersection(words):
                roles.append(ColumnRole(name, "measure", format="percent"))
            elif _CURRENCY.intersection(words):
                roles.append(ColumnRole(name, "measure", format="currency"))
            else:
                roles.append(ColumnRole(name, "measure"))
        elif is_identifier:
            roles.append(ColumnRole(name, "identifier"))
        else:
            roles.append(ColumnRole(name, "dimension"))
    return roles
