"""Taught questions of an application: saved, listed, forgotten."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.store.models import TaughtQuestion


def add_taught_question(
    session: Session,
    organization_id: str,
    application_id: str,
    question: str,
    *,
    semantic_query: dict[str, Any] | None = None,
    sql: str | None = None,
    created_by: str = "",
) -> TaughtQuestion:
    taught = TaughtQuestion(
        organization_id=organization_id,
        application_id=application_id,
        question=question,
        semantic_query=semantic_query,
        sql=sql,
        created_by=created_by,
    )
    session.add(taught)
    session.flush()
    return taught


def list_taught_questions(
    session: Session, organization_id: str, application_id: str
) -> list[TaughtQuestion]:
    """Oldest first: a later one of the same shape overrides an earlier one."""
    return list(
        session.scalars(
            select(TaughtQuestion)
            .where(
                TaughtQuestion.organization_id == organization_id,
                TaughtQuestion.application_id == application_id,
            )
            .order_by(TaughtQuestion.created_at, TaughtQuestion.id)
        )
    )


#: Read at every turn: built once (building a statement costs more than running it).
_VERSION = select(func.count(TaughtQuestion.id), func.max(TaughtQuestion.id)).where(
    TaughtQuestion.organization_id == bindparam("organization_id"),
    TaughtQuestion.application_id == bindparam("application_id"),
)


def taught_version(session: Session, organization_id: str, application_id: str) -> str:
    """Changes whenever the application's taught questions change (for caches)."""
    count, latest = session.execute(
        _VERSION, {"organization_id": organization_id, "application_id": application_id}
    ).one()
    return f"{count}:{latest}"


def delete_taught_question(session: Session, organization_id: str, taught_id: str) -> None:
    taught = session.get(TaughtQuestion, taught_id)
    if taught is None or taught.organization_id != organization_id:
        raise NotFound(f"taught question {taught_id!r} not found")
    session.delete(taught)
    session.flush()
