"""Knowledge behind the door: manual data sources, their markdown rows, and sync.

A sync runs in the background, never in the request that asks for it: the request takes
the source's lease in the store (so of several processes exactly one runs it) and hands
the work to a worker thread. A scheduler thread resumes syncs whose process stopped
(their lease ran out) and runs the syncs a ``syncInterval`` makes due. What the bot
answers from is what the last sync stored; edits wait for the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.orm import Session

from parley.auth.principal import Principal
from parley.config import Settings
from parley.engine.knowledge import passages_of
from parley.errors import InvalidInput, LimitReached, NotFound, report_incident
from parley.store import catalog
from parley.store import knowledge as store
from parley.store.db import Store
from parley.store.models import KnowledgeRow, KnowledgeSource, utcnow
from parley.store.pagination import Page

log = logging.getLogger("parley.knowledge")

#: A sync interrupted this many times (its process stopped each time) is given up.
MAX_SYNC_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class KnowledgeLimits:
    """What one channel may store; see docs/channels.md."""

    #: Largest row content, in bytes of UTF-8.
    max_row_bytes: int = 100_000
    #: Most rows in one data source.
    max_rows_per_source: int = 1_000
    #: Most data sources one channel may create.
    max_sources_per_channel: int = 20
    #: Most rows one request may create, change or delete.
    max_rows_per_request: int = 100


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    state: str
    last_sync: dt.datetime | None
    sync_interval: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RowInfo:
    id: str
    name: str
    state: str
    last_sync: dt.datetime | None
    created_at: dt.datetime
    content: str


@dataclass(frozen=True, slots=True)
class NewRow:
    name: str
    content: str


@dataclass(frozen=True, slots=True)
class RowChange:
    id: str
    content: str
    name: str | None = None


def _source_info(source: KnowledgeSource) -> SourceInfo:
    return SourceInfo(
        source.id, source.status, source.last_synced_at, source.sync_interval, source.created_at
    )


def _row_info(row: KnowledgeRow) -> RowInfo:
    return RowInfo(row.id, row.name, row.status, row.last_synced_at, row.created_at, row.content)


class Knowledge:
    """The manual data sources a principal (a channel) owns, and their sync."""

    def __init__(
        self, store: Store, settings: Settings, limits: KnowledgeLimits | None = None
    ) -> None:
        self._store = store
        self.limits = limits or KnowledgeLimits()
        self.lease = dt.timedelta(seconds=settings.sync_lease_s)
        self.poll_s = settings.sync_poll_s
        #: Who holds a lease: this process, told apart from any other on any host.
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="parley-sync")
        self._stop = threading.Event()
        self._scheduler: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- sources ----------------------------------------------------------------------------

    def create_source(self, principal: Principal) -> SourceInfo:
        channel_id = self._channel(principal)
        with self._store.session() as session:
            application_id = self._application_id(session, principal)
            if (
                store.count_knowledge_sources(session, channel_id=channel_id)
                >= self.limits.max_sources_per_channel
            ):
                raise LimitReached(
                    f"this channel already has {self.limits.max_sources_per_channel} data "
                    "sources, the most it may have; delete one first"
                )
            source = store.create_knowledge_source(
                session,
                principal.organization_id,
                application_id=application_id,
                channel_id=channel_id,
            )
            return _source_info(source)

    def list_sources(
        self, principal: Principal, *, limit: int, cursor: str | None = None
    ) -> Page[SourceInfo]:
        with self._store.session() as session:
            if cursor is not None:
                self._cursor(lambda: self._source(session, principal, cursor))
            page = store.list_knowledge_sources(
                session,
                principal.organization_id,
                channel_id=self._channel(principal),
                after=cursor,
                limit=limit,
            )
            return Page([_source_info(s) for s in page.items], page.total)

    def get_source(self, principal: Principal, source_id: str) -> SourceInfo:
        with self._store.session() as session:
            return _source_info(self._source(session, principal, source_id))

    def set_sync_interval(
        self, principal: Principal, source_id: str, interval: str | None
    ) -> SourceInfo:
        if interval is not None and interval not in store.SYNC_INTERVALS:
            raise InvalidInput(
                f"syncInterval must be one of day, week, month or null, not {interval!r}",
                detail={"field": "syncInterval"},
            )
        with self._store.session() as session:
            source = self._source(session, principal, source_id)
            return _source_info(store.set_sync_interval(session, source, interval))

    def delete_source(self, principal: Principal, source_id: str) -> None:
        with self._store.session() as session:
            store.delete_knowledge_source(session, self._source(session, principal, source_id))

    # -- rows -------------------------------------------------------------------------------

    def add_rows(self, principal: Principal, source_id: str, rows: Sequence[NewRow]) -> list[str]:
        """Create the rows, all or none; their ids."""
        self._check_batch(len(rows))
        for row in rows:
            self._check_row(row.name, row.content)
        with self._store.session() as session:
            source = self._source(session, principal, source_id)
            existing = store.row_names(session, source)
            self._check_names([r.name for r in rows], existing)
            if len(existing) + len(rows) > self.limits.max_rows_per_source:
                raise LimitReached(
                    f"data source {source_id!r} has {len(existing)} rows; {len(rows)} more would "
                    f"pass the limit of {self.limits.max_rows_per_source} rows per data source"
                )
            return [
                store.add_knowledge_row(session, source, row.content, name=row.name).id
                for row in rows
            ]

    def list_rows(
        self, principal: Principal, source_id: str, *, limit: int, cursor: str | None = None
    ) -> Page[RowInfo]:
        with self._store.session() as session:
            source = self._source(session, principal, source_id)
            if cursor is not None:
                self._cursor(lambda: store.get_knowledge_row(session, source, cursor))
            page = store.list_knowledge_rows(session, source, after=cursor, limit=limit)
            return Page([_row_info(r) for r in page.items], page.total)

    def get_row(self, principal: Principal, source_id: str, row_id: str) -> RowInfo:
        with self._store.session() as session:
            source = self._source(session, principal, source_id)
            return _row_info(store.get_knowledge_row(session, source, row_id))

    def update_rows(
        self, principal: Principal, source_id: str, changes: Sequence[RowChange]
    ) -> None:
        """Change the rows, all or none; the bot sees the change after the next sync."""
        self._check_batch(len(changes))
        self._check_unique([c.id for c in changes], "id")
        for change in changes:
            self._check_row(change.name, change.content)
        with self._store.session() as session:
            source = self._source(session, principal, source_id)
            rows = [store.get_knowledge_row(session, source, c.id) for c in changes]
            names = {
                name: row_id
                for name, row_id in store.row_names(session, source).items()
                if row_id not in {c.id for c in changes}
            }
            pairs = list(zip(changes, rows, strict=True))
            renamed = [c.name if c.name is not None else r.name for c, r in pairs]
            self._check_names(renamed, names)
            for row, change in zip(rows, changes, strict=True):
                store.update_knowledge_row(session, row, change.content, name=change.name)

    def delete_rows(self, principal: Principal, source_id: str, row_ids: Sequence[str]) -> None:
        """Delete the rows, all or none; the bot forgets them at the next sync."""
        self._check_batch(len(row_ids))
        self._check_unique(list(row_ids), "id")
        with self._store.session() as session:
            source = self._source(session, principal, source_id)
            for row in [store.get_knowledge_row(session, source, i) for i in row_ids]:
                store.delete_knowledge_row(session, row)

    # -- sync -------------------------------------------------------------------------------

    def sync(self, principal: Principal, source_id: str) -> SourceInfo:
        """Start a sync in the background; ``LimitReached`` while one is running."""
        with self._store.session() as session:
            source = self._source(session, principal, source_id)
            if not store.claim_sync(session, source.id, self.owner, lease=self.lease):
                raise LimitReached(f"data source {source_id!r} is already syncing")
            session.refresh(source)
            info = _source_info(source)
        self._workers.submit(self._run, source_id)
        return info

    def start(self) -> None:
        """Start the scheduler (once): resumes abandoned syncs and runs those due."""
        with self._lock:
            if self._scheduler is None or not self._scheduler.is_alive():
                self._stop.clear()
                self._scheduler = threading.Thread(
                    target=self._schedule, name="parley-sync-scheduler", daemon=True
                )
                self._scheduler.start()

    def stop(self) -> None:
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.join(timeout=10)
        self._workers.shutdown(wait=True)

    def tick(self) -> list[str]:
        """One round of the scheduler; the sources whose sync it started."""
        started: list[str] = []
        found_at = utcnow()
        with self._store.session() as session:
            abandoned = store.abandoned_syncs(session)
            due = store.syncs_due(session)
        for source_id, attempts in abandoned:
            with self._store.session() as session:
                if attempts >= MAX_SYNC_ATTEMPTS:
                    store.fail_sync(
                        session,
                        source_id,
                        None,
                        f"the sync was interrupted {attempts} times; sync again to retry",
                    )
                    continue
                claimed = store.claim_sync(
                    session, source_id, self.owner, lease=self.lease, resume=True
                )
            if claimed:
                started.append(source_id)
        for source_id in due:
            with self._store.session() as session:
                # Not if another process ran it since it was found due here.
                claimed = store.claim_sync(
                    session, source_id, self.owner, lease=self.lease, synced_before=found_at
                )
            if claimed:
                started.append(source_id)
        for source_id in started:
            self._workers.submit(self._run, source_id)
        return started

    def _schedule(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception as error:  # the scheduler outlives one bad round
                report_incident("knowledge sync scheduler", error)
            self._stop.wait(self.poll_s)

    def _run(self, source_id: str) -> None:
        """Sync one source whose lease this process holds."""
        try:
            with self._store.session() as session:
                source = session.get(KnowledgeSource, source_id)
                if source is None or source.sync_owner != self.owner:
                    return
                seen = store.mark_rows_syncing(session, source)
                rows = [(r.id, r.name, r.content) for r in source.rows]
            passages = [
                p.as_dict()
                for row_id, name, content in rows
                for p in passages_of(row_id, name, content)
            ]
            with self._store.session() as session:
                store.finish_sync(session, source_id, self.owner, passages=passages, seen=seen)
        except Exception as error:
            failure = report_incident(f"sync of data source {source_id}", error)
            with self._store.session() as session:
                store.fail_sync(session, source_id, self.owner, failure.message)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _channel(principal: Principal) -> str:
        if principal.channel_id is None:
            raise NotFound("data sources are reached through a channel")
        return principal.channel_id

    @staticmethod
    def _application_id(session: Session, principal: Principal) -> str:
        names = sorted(principal.applications or ())
        application = (
            catalog.get_application_by_name(session, principal.organization_id, names[0])
            if names
            else None
        )
        if application is None:
            raise NotFound("the channel's application no longer exists")
        return application.id

    def _source(self, session: Session, principal: Principal, source_id: str) -> KnowledgeSource:
        source = store.get_knowledge_source(session, principal.organization_id, source_id)
        if source.channel_id != self._channel(principal):
            raise NotFound(f"data source {source_id!r} not found")
        return source

    @staticmethod
    def _cursor(find: Callable[[], object]) -> None:
        """``find`` the cursor's item; one that is not in the list is the caller's mistake."""
        try:
            find()
        except NotFound:
            raise NotFound(
                "cursor is not the id of an item of this list", detail={"field": "cursor"}
            ) from None

    def _check_batch(self, count: int) -> None:
        if count == 0:
            raise InvalidInput(
                "dataSourceRows must not be empty", detail={"field": "dataSourceRows"}
            )
        if count > self.limits.max_rows_per_request:
            raise InvalidInput(
                f"one request may hold at most {self.limits.max_rows_per_request} rows, "
                f"not {count}",
                detail={"field": "dataSourceRows"},
            )

    def _check_row(self, name: str | None, content: str) -> None:
        if name is not None and not name.strip():
            raise InvalidInput("a row's name must not be empty", detail={"field": "name"})
        if name is not None and len(name) > 255:
            raise InvalidInput("a row's name may have at most 255 characters")
        size = len(content.encode("utf-8"))
        if size > self.limits.max_row_bytes:
            raise InvalidInput(
                f"row {name!r} has {size} bytes of content; the most a row may hold is "
                f"{self.limits.max_row_bytes}",
                detail={"field": "content"},
            )

    @staticmethod
    def _check_unique(values: list[str], what: str) -> None:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise InvalidInput(f"each row's {what} must be unique; repeated: {repeated}")

    def _check_names(self, names: list[str], existing: dict[str, str]) -> None:
        self._check_unique(names, "name")
        taken = sorted(set(names) & set(existing))
        if taken:
            raise InvalidInput(f"the data source already has rows named {taken}")
