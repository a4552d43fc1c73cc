"""What a compiled query's result columns mean, for tables, charts and insights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnRole = Literal["dimension", "time", "measure", "identifier"]
ColumnFormat = Literal["number", "currency", "percent"]


@dataclass(frozen=True)
class OutputColumn:
    #: The result column's name, as the SQL aliases it.
    key: str
    role: ColumnRole
    #: Human label, e.g. "revenue" or "order date (month)".
    label: str
    format: ColumnFormat = "number"
    #: The truncation of a time column ("month"), when it has one.
    grain: str | None = None
    #: The ``"object.attribute"`` the column comes from, if any.
    field: str | None = None
