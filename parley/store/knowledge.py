"""Knowledge sources (manual data sources) and their markdown rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.store._common import check_choice
from parley.store.models import KnowledgeRow, KnowledgeSource, utcnow
from parley.store.pagination import Page, after_row, fetch_page

SYNC_INTERVALS = frozenset({"day", "week", "month"})
SYNC_STATUSES = frozenset({"not_synced", "syncing", "synced", "sync_error"})


def create_knowledge_source(
    session: Session,
    organization_id: str,
    *,
    application_id: str | None = None,
    name: str = "",
    sync_interval: str | None = None,
) -> KnowledgeSource:
    check_choice("sync interval", sync_interval, SYNC_INTERVALS)
    knowledge_source = KnowledgeSource(
        organization_id=organization_id,
        application_id=application_id,
        name=name,
        sync_interval=sync_interval,
    )
    session.add(knowledge_source)
    session.flush()
    return knowledge_source


def get_knowledge_source(
    session: Session,
    organization_id: str,
    knowledge_source_id: str,
    *,
    application_id: str | None = None,
) -> KnowledgeSource:
    """The knowledge source, if it belongs to the organisation (and application, if given)."""
    found = session.get(KnowledgeSource, knowledge_source_id)
    if (
        found is None
        or found.organization_id != organization_id
        or (application_id is not None and found.application_id != application_id)
    ):
        raise NotFound(f"data source {knowledge_source_id!r} not found")
    return found


def list_knowledge_sources(
    session: Session,
    organization_id: str,
    *,
    application_id: str | None = None,
    after: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Page[KnowledgeSource]:
    """Oldest first; ``after`` is the id of the previous page's last source."""
    statement = select(KnowledgeSource).where(KnowledgeSource.organization_id == organization_id)
    if application_id is not None:
        statement = statement.where(KnowledgeSource.application_id == application_id)
    cursor = None
    if after is not None:
        previous = get_knowledge_source(session, organization_id, after)
        cursor = after_row(
            KnowledgeSource.created_at,
            KnowledgeSource.id,
            previous.created_at,
            previous.id,
            descending=False,
        )
    return fetch_page(
        session,
        statement,
        order_by=(KnowledgeSource.created_at, KnowledgeSource.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


def set_sync_interval(
    session: Session, knowledge_source: KnowledgeSource, sync_interval: str | None
) -> KnowledgeSource:
    check_choice("sync interval", sync_interval, SYNC_INTERVALS)
    knowledge_source.sync_interval = sync_interval
    session.flush()
    return knowledge_source


def set_sync_status(
    session: Session,
    knowledge_source: KnowledgeSource,
    status: str,
    *,
    error: str | None = None,
) -> KnowledgeSource:
    """Record a sync state; "synced" also stamps ``last_synced_at``."""
    check_choice("sync status", status, SYNC_STATUSES)
    knowledge_source.status = status
    knowledge_source.error = error if status == "sync_error" else None
    if status == "synced":
        knowledge_source.last_synced_at = utcnow()
    session.flush()
    return knowledge_source


def delete_knowledge_source(session: Session, knowledge_source: KnowledgeSource) -> None:
    """Delete the source and, through the foreign key, its rows."""
    session.delete(knowledge_source)
    session.flush()


def add_knowledge_row(
    session: Session, knowledge_source: KnowledgeSource, content: str
) -> KnowledgeRow:
    row = KnowledgeRow(knowledge_source_id=knowledge_source.id, content=content)
    session.add(row)
    session.flush()
    return row


def get_knowledge_row(
    session: Session, knowledge_source: KnowledgeSource, row_id: str
) -> KnowledgeRow:
    row = session.get(KnowledgeRow, row_id)
    if row is None or row.knowledge_source_id != knowledge_source.id:
        raise NotFound(f"row {row_id!r} not found in data source {knowledge_source.id!r}")
    return row


def list_knowledge_rows(
    session: Session,
    knowledge_source: KnowledgeSource,
    *,
    after: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Page[KnowledgeRow]:
    """Oldest first; ``after`` is the id of the previous page's last row."""
    statement = select(KnowledgeRow).where(KnowledgeRow.knowledge_source_id == knowledge_source.id)
    cursor = None
    if after is not None:
        previous = get_knowledge_row(session, knowledge_source, after)
        cursor = after_row(
            KnowledgeRow.created_at,
            KnowledgeRow.id,
            previous.created_at,
            previous.id,
            descending=False,
        )
    return fetch_page(
        session,
        statement,
        order_by=(KnowledgeRow.created_at, KnowledgeRow.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


def update_knowledge_row(session: Session, row: KnowledgeRow, content: str) -> KnowledgeRow:
    row.content = content
    session.flush()
    return row


def delete_knowledge_row(session: Session, row: KnowledgeRow) -> None:
    session.delete(row)
    session.flush()


def knowledge_rows_for_application(
    session: Session,
    organization_id: str,
    application_id: str,
    *,
    synced_only: bool = True,
) -> list[KnowledgeRow]:
    """Every row the application's bot may learn from (by default: of synced sources)."""
    statement = (
        select(KnowledgeRow)
        .join(KnowledgeSource, KnowledgeSource.id == KnowledgeRow.knowledge_source_id)
        .where(
            KnowledgeSource.organization_id == organization_id,
            KnowledgeSource.application_id == application_id,
        )
        .order_by(KnowledgeRow.created_at, KnowledgeRow.id)
    )
    if synced_only:
        statement = statement.where(KnowledgeSource.status == "synced")
    return list(session.scalars(statement))
