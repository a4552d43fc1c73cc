"""Helpers shared by the store's repository modules."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley.errors import Conflict, InvalidInput


def flush_or_conflict(session: Session, message: str) -> None:
    """Flush, turning a constraint violation into :class:`Conflict` with ``message``.

    The transaction is unusable after the violation, so the error must propagate and
    roll it back; callers check first and rely on this for races only.
    """
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(message) from exc


def check_choice(field: str, value: str | None, allowed: Collection[str]) -> None:
    if value is not None and value not in allowed:
        choices = ", ".join(sorted(allowed))
        raise InvalidInput(f"{field} must be one of {choices}; got {value!r}")
