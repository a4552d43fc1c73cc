"""Knowledge sources (manual data sources) and their markdown rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
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
    channel_id: str | None = None,
) -> KnowledgeSource:
    check_choice("sync interval", sync_interval, SYNC_INTERVALS)
    knowledge_source = KnowledgeSource(
        organization_id=organization_id,
        application_id=application_id,
        name=name,
        sync_interval=sync_interval,
        channel_id=channel_id,
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
    channel_id: str | None = None,
    after: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Page[KnowledgeSource]:
    """Oldest first; ``after`` is the id of the previous page's last source."""
    statement = select(KnowledgeSource).where(KnowledgeSource.organization_id == organization_id)
    if application_id is not None:
        statement = statement.where(KnowledgeSource.application_id == application_id)
    if channel_id is not None:
        statement = statement.where(KnowledgeSource.channel_id == channel_id)
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
    session: Session, knowledge_source: KnowledgeSource, content: str, *, name: str = ""
) -> KnowledgeRow:
    row = KnowledgeRow(knowledge_source_id=knowledge_source.id, content=content, name=name)
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


def update_knowledge_row(
    session: Session, row: KnowledgeRow, content: str, *, name: str | None = None
) -> KnowledgeRow:
    """Change a row; the bot goes on answering from what the last sync saw of it."""
    row.content = content
    if name is not None:
        row.name = name
    row.status = "not_synced"
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


# -- counting, for limits ---------------------------------------------------------------


def count_knowledge_sources(session: Session, *, channel_id: str) -> int:
    return session.scalar(select(func.count()).where(KnowledgeSource.channel_id == channel_id)) or 0


def count_knowledge_rows(session: Session, knowledge_source: KnowledgeSource) -> int:
    return (
        session.scalar(
            select(func.count()).where(KnowledgeRow.knowledge_source_id == knowledge_source.id)
        )
        or 0
    )


def row_names(session: Session, knowledge_source: KnowledgeSource) -> dict[str, str]:
    """The source's rows, id by name."""
    found = session.execute(
        select(KnowledgeRow.name, KnowledgeRow.id).where(
            KnowledgeRow.knowledge_source_id == knowledge_source.id
        )
    )
    return {name: row_id for name, row_id in found}


# -- sync: a lease in the store, so that one process runs a given sync -----------------


def claim_sync(
    session: Session,
    knowledge_source_id: str,
    owner: str,
    *,
    lease: timedelta,
    resume: bool = False,
    synced_before: datetime | None = None,
) -> bool:
    """Take the source's sync lease for ``owner``: the source becomes "syncing".

    One UPDATE decides, so that of several processes exactly one wins. A source already
    syncing is taken only when its lease has run out (its process stopped) and only when
    ``resume`` is asked. ``synced_before``: only if the source has not synced since then
    (the time the caller found it due: another process may have run that sync since).
    """
    now = utcnow()
    free = KnowledgeSource.status != "syncing"
    if synced_before is not None:
        free = and_(
            free,
            or_(
                KnowledgeSource.last_synced_at.is_(None),
                KnowledgeSource.last_synced_at < synced_before,
            ),
        )
    if resume:
        free = and_(
            KnowledgeSource.status == "syncing",
            or_(KnowledgeSource.sync_lease_until.is_(None), KnowledgeSource.sync_lease_until < now),
        )
    claimed = session.execute(
        update(KnowledgeSource)
        .where(KnowledgeSource.id == knowledge_source_id, free)
        .values(
            status="syncing",
            error=None,
            sync_owner=owner,
            sync_lease_until=now + lease,
            sync_attempts=KnowledgeSource.sync_attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def renew_sync_lease(
    session: Session, knowledge_source_id: str, owner: str, *, lease: timedelta
) -> bool:
    """Extend a held lease; False when the lease was lost (or the source deleted)."""
    renewed = session.execute(
        update(KnowledgeSource)
        .where(KnowledgeSource.id == knowledge_source_id, KnowledgeSource.sync_owner == owner)
        .values(sync_lease_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


def finish_sync(
    session: Session,
    knowledge_source_id: str,
    owner: str,
    *,
    passages: list[dict[str, str]],
    seen: dict[str, datetime],
) -> bool:
    """Record a successful sync made of the rows ``seen`` (id -> updated_at when read).

    A row edited while the sync ran keeps "not_synced": the sync did not see that edit.
    """
    source = session.get(KnowledgeSource, knowledge_source_id)
    if source is None or source.sync_owner != owner:
        return False
    now = utcnow()
    source.passages = passages
    source.status = "synced"
    source.error = None
    source.last_synced_at = now
    source.sync_owner = None
    source.sync_lease_until = None
    source.sync_attempts = 0
    for row in source.rows:
        if row.id in seen and row.updated_at == seen[row.id]:
            row.status = "synced"
            row.last_synced_at = now
    session.flush()
    return True


def fail_sync(session: Session, knowledge_source_id: str, owner: str | None, error: str) -> bool:
    """Record a failed sync; the passages of the last good one stay what the bot uses.

    ``owner`` None fails the sync whoever held it (an abandoned one).
    """
    source = session.get(KnowledgeSource, knowledge_source_id)
    if source is None or (owner is not None and source.sync_owner != owner):
        return False
    source.status = "sync_error"
    source.error = error
    source.sync_owner = None
    source.sync_lease_until = None
    source.sync_attempts = 0
    for row in source.rows:
        if row.status != "synced":
            row.status = "sync_error"
    session.flush()
    return True


def mark_rows_syncing(session: Session, knowledge_source: KnowledgeSource) -> dict[str, datetime]:
    """Rows the sync is about to read, as id -> updated_at; those not synced say so."""
    seen = {}
    for row in knowledge_source.rows:
        seen[row.id] = row.updated_at
        if row.status != "synced":
            session.execute(
                update(KnowledgeRow)
                .where(KnowledgeRow.id == row.id)
                # updated_at stays: it tells an edit made while the sync runs.
                .values(status="syncing", updated_at=KnowledgeRow.updated_at)
                .execution_options(synchronize_session=False)
            )
    return seen


def abandoned_syncs(session: Session) -> list[tuple[str, int]]:
    """Sources left "syncing" by a process whose lease ran out: (id, attempts so far)."""
    found = session.execute(
        select(KnowledgeSource.id, KnowledgeSource.sync_attempts).where(
            KnowledgeSource.status == "syncing",
            or_(
                KnowledgeSource.sync_lease_until.is_(None),
                KnowledgeSource.sync_lease_until < utcnow(),
            ),
        )
    )
    return [(source_id, attempts) for source_id, attempts in found]


INTERVALS = {"day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=30)}


def syncs_due(session: Session) -> list[str]:
    """Sources whose interval has passed since their last sync (or their creation)."""
    now = utcnow()
    candidates = session.execute(
        select(
            KnowledgeSource.id,
            KnowledgeSource.sync_interval,
            KnowledgeSource.last_synced_at,
            KnowledgeSource.created_at,
        ).where(KnowledgeSource.sync_interval.is_not(None), KnowledgeSource.status != "syncing")
    )
    return [
        source_id
        for source_id, interval, last, created in candidates
        if interval in INTERVALS and (last or created) + INTERVALS[interval] <= now
    ]


def synced_passages(
    session: Session, organization_id: str, application_id: str
) -> tuple[str, list[dict[str, Any]]]:
    """The passages of the last sync of each of the application's sources, and a key that
    changes whenever any of them does."""
    sources = session.scalars(
        _synced(organization_id, application_id).order_by(
            KnowledgeSource.created_at, KnowledgeSource.id
        )
    ).all()
    key = "|".join(f"{s.id}@{s.last_synced_at}" for s in sources)
    return key, [p for s in sources for p in s.passages or []]


def synced_key(session: Session, organization_id: str, application_id: str) -> str:
    """The key ``synced_passages`` returns, read without the passages: a turn asks it to
    know whether the index it has is still the one to use."""
    rows = session.execute(
        _SYNCED_KEY, {"organization_id": organization_id, "application_id": application_id}
    ).all()
    return "|".join(f"{source_id}@{synced_at}" for source_id, synced_at in rows)


def _synced(organization_id: Any, application_id: Any) -> Select[KnowledgeSource]:
    return select(KnowledgeSource).where(
        KnowledgeSource.organization_id == organization_id,
        KnowledgeSource.application_id == application_id,
        KnowledgeSource.passages.is_not(None),
    )


#: Read at every turn: built once (building a statement costs more than running it).
_SYNCED_KEY = (
    _synced(bindparam("organization_id"), bindparam("application_id"))
    .with_only_columns(KnowledgeSource.id, KnowledgeSource.last_synced_at)
    .order_by(KnowledgeSource.created_at, KnowledgeSource.id)
)
