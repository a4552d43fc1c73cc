"""Row filters: the conditions a space puts on every row a statement may see.

A ``RowFilter`` is plain data, checked when it is made; the guard injects it around each
table reference (``engine/_guard_filters.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

FilterOp = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "is_null"]
_OPS: frozenset[str] = frozenset(
    {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "is_null"}
)
_SCALARS = (str, int, float, Decimal, dt.date, dt.datetime, bool)


@dataclass(frozen=True)
class RowFilter:
    """A condition every visible row of a table must meet.

    ``table`` None means every referenced table that has ``column`` (which needs the
    guard's ``table_columns``). ``value`` is a list for ``in`` and ``not_in``; None is
    allowed with ``eq`` (IS NULL) and ``ne`` (IS NOT NULL). ``contains`` takes a string
    (the column's text holds it, case-sensitively); ``is_null`` takes a boolean (True: the
    column is NULL; False: it is not).
    """

    column: str
    op: FilterOp
    value: Any
    table: str | None = None

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown row filter operator {self.op!r}")
        if not self.column:
            raise ValueError("a row filter needs a column")
        if self.op == "contains" and not isinstance(self.value, str):
            raise ValueError(f"row filter contains on {self.column} needs a string")
        if self.op == "is_null" and not isinstance(self.value, bool):
            raise ValueError(f"row filter is_null on {self.column} needs true or false")
        if self.op in ("in", "not_in"):
            if not isinstance(self.value, (list, tuple, set, frozenset)):
                raise ValueError(f"row filter {self.op} on {self.column} needs a list of values")
            for item in self.value:
                _check_scalar(self, item)
        elif self.value is None:
            if self.op not in ("eq", "ne"):
                raise ValueError(f"row filter {self.op} on {self.column} cannot compare NULL")
        else:
            _check_scalar(self, self.value)


def _check_scalar(row_filter: RowFilter, value: object) -> None:
    if not isinstance(value, _SCALARS):
        raise ValueError(
            f"row filter on {row_filter.column}: value of type {type(value).__name__} "
            "is not a string, number, boolean or date"
        )
