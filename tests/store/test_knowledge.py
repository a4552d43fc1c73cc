from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from parley.errors import InvalidInput, NotFound
from parley.store.catalog import delete_application, get_application
from parley.store.db import Store
from parley.store.knowledge import (
    add_knowledge_row,
    create_knowledge_source,
    delete_knowledge_row,
    delete_knowledge_source,
    get_knowledge_row,
    get_knowledge_source,
    knowledge_rows_for_application,
    list_knowledge_rows,
    list_knowledge_sources,
    set_sync_interval,
    set_sync_status,
    update_knowledge_row,
)
from parley.store.models import Application, KnowledgeRow, KnowledgeSource, Organization


def _source_with_rows(store: Store, app: Application, count: int) -> tuple[str, list[str]]:
    with store.session() as session:
        source = create_knowledge_source(session, app.organization_id, application_id=app.id)
        rows = [add_knowledge_row(session, source, f"# Fact {i}\n") for i in range(count)]
        return source.id, [row.id for row in rows]


def _row_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(KnowledgeRow)) or 0


def test_new_source_is_not_synced(store: Store, app: Application) -> None:
    with store.session() as session:
        source = create_knowledge_source(session, app.organization_id, application_id=app.id)
    assert source.id.startswith("ks_")
    assert (source.status, source.sync_interval, source.last_synced_at) == (
        "not_synced",
        None,
        None,
    )


@pytest.mark.parametrize("interval", ["day", "week", "month", None])
def test_sync_interval_round_trip(store: Store, app: Application, interval: str | None) -> None:
    source_id, _ = _source_with_rows(store, app, 0)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        set_sync_interval(session, source, "week")
        set_sync_interval(session, source, interval)
    with store.session() as session:
        assert get_knowledge_source(session, app.organization_id, source_id).sync_interval == (
            interval
        )


def test_unknown_sync_interval_is_refused(store: Store, app: Application) -> None:
    with pytest.raises(InvalidInput, match="'hourly'"), store.session() as session:
        create_knowledge_source(session, app.organization_id, sync_interval="hourly")


def test_sync_states(store: Store, app: Application) -> None:
    source_id, _ = _source_with_rows(store, app, 1)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        set_sync_status(session, source, "sync_error", error="row 1 is empty")
        assert (source.status, source.error, source.last_synced_at) == (
            "sync_error",
            "row 1 is empty",
            None,
        )
        set_sync_status(session, source, "synced")
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        assert (source.status, source.error) == ("synced", None)
        assert source.last_synced_at is not None and source.last_synced_at.tzinfo is not None
        with pytest.raises(InvalidInput, match="'done'"):
            set_sync_status(session, source, "done")


def test_rows_crud(store: Store, app: Application) -> None:
    source_id, row_ids = _source_with_rows(store, app, 2)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        update_knowledge_row(session, get_knowledge_row(session, source, row_ids[0]), "**Été** ✓")
        delete_knowledge_row(session, get_knowledge_row(session, source, row_ids[1]))
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        page = list_knowledge_rows(session, source)
        assert [(r.id, r.content) for r in page.items] == [(row_ids[0], "**Été** ✓")]
        with pytest.raises(NotFound, match=row_ids[1]):
            get_knowledge_row(session, source, row_ids[1])


def test_deleting_a_source_deletes_its_rows(store: Store, app: Application) -> None:
    source_id, _ = _source_with_rows(store, app, 3)
    keep_id, _ = _source_with_rows(store, app, 2)
    with store.session() as session:
        delete_knowledge_source(
            session, get_knowledge_source(session, app.organization_id, source_id)
        )
    assert _row_count(store) == 2
    # The database cascades too, for deletes that bypass the ORM.
    with store.session() as session:
        session.execute(delete(KnowledgeSource).where(KnowledgeSource.id == keep_id))
    assert _row_count(store) == 0


def test_deleting_an_application_deletes_its_knowledge(store: Store, app: Application) -> None:
    _source_with_rows(store, app, 2)
    with store.session() as session:
        delete_application(session, get_application(session, app.organization_id, app.id))
    assert _row_count(store) == 0


def test_list_sources_with_cursor(store: Store, org: Organization, app: Application) -> None:
    ids = [_source_with_rows(store, app, 0)[0] for _ in range(5)]
    with store.session() as session:
        unrelated = create_knowledge_source(session, org.id)
        first = list_knowledge_sources(session, org.id, application_id=app.id, limit=2)
        second = list_knowledge_sources(
            session, org.id, application_id=app.id, limit=2, after=first.items[-1].id
        )
        last = list_knowledge_sources(
            session, org.id, application_id=app.id, limit=2, after=second.items[-1].id
        )
        everything = list_knowledge_sources(session, org.id)
    assert [s.id for s in first.items + second.items + last.items] == ids
    assert (first.total, last.total, everything.total) == (5, 5, 6)
    assert everything.items[-1].id == unrelated.id


def test_list_rows_with_cursor(store: Store, app: Application) -> None:
    source_id, row_ids = _source_with_rows(store, app, 5)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        page = list_knowledge_rows(session, source, after=row_ids[1], limit=2)
    assert [r.id for r in page.items] == row_ids[2:4]
    assert page.total == 5


def test_rows_for_application_come_from_synced_sources(store: Store, app: Application) -> None:
    synced_id, synced_rows = _source_with_rows(store, app, 2)
    _source_with_rows(store, app, 1)
    with store.session() as session:
        set_sync_status(
            session, get_knowledge_source(session, app.organization_id, synced_id), "synced"
        )
    with store.session() as session:
        synced = knowledge_rows_for_application(session, app.organization_id, app.id)
        every = knowledge_rows_for_application(
            session, app.organization_id, app.id, synced_only=False
        )
    assert [r.id for r in synced] == synced_rows
    assert len(every) == 3


def test_sources_are_scoped(store: Store, app: Application) -> None:
    source_id, _ = _source_with_rows(store, app, 0)
    with pytest.raises(NotFound, match=source_id), store.session() as session:
        get_knowledge_source(session, app.organization_id, source_id, application_id="app_other")
