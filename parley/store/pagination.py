"""Pages of results: offset pagination, and cursor pagination after a given row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from parley.errors import InvalidInput

T = TypeVar("T")
#: The most rows one page may hold, whatever the caller asks for.
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    #: How many rows match in all pages, not only this one.
    total: int


def fetch_page(
    session: Session,
    statement: Select[T],
    *,
    order_by: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...],
    limit: int | None,
    offset: int = 0,
    cursor: ColumnElement[bool] | None = None,
) -> Page[T]:
    """One page of ``statement``; ``total`` counts the rows before the cursor too."""
    check_window(limit, offset)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    if cursor is not None:
        statement = statement.where(cursor)
    statement = statement.order_by(*order_by).offset(offset or None)
    if limit is not None:
        statement = statement.limit(limit)
    return Page(items=list(session.scalars(statement)), total=total or 0)


def check_window(limit: int | None, offset: int) -> None:
    if limit is not None and not 0 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 0 and {MAX_PAGE_SIZE}, not {limit}")
    if offset < 0:
        raise InvalidInput(f"offset must not be negative, not {offset}")


def after_row(
    time_column: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[str],
    time: datetime,
    row_id: str,
    *,
    descending: bool,
) -> ColumnElement[bool]:
    """Rows that come after (``time``, ``row_id``) in (time, id) order."""
    if descending:
        return or_(time_column < time, and_(time_column == time, id_column < row_id))
    return or_(time_column > time, and_(time_column == time, id_column > row_id))
