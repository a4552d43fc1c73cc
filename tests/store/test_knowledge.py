from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from parley.errors import InvalidInput, NotFound
from parley.store.catalog import delete_application, get_application
from parley.store.db import Store
from parley.store.knowledge import (
    abandoned_syncs,
    add_knowledge_row,
    claim_sync,
    create_knowledge_source,
    delete_knowledge_row,
    delete_knowledge_source,
    fail_sync,
    finish_sync,
    get_knowledge_row,
    get_knowledge_source,
    knowledge_rows_for_application,
    list_knowledge_rows,
    list_knowledge_sources,
    mark_rows_syncing,
    set_sync_interval,
    set_sync_status,
    synced_passages,
    syncs_due,
    update_knowledge_row,
)
from parley.store.models import (
    Application,
    KnowledgeRow,
    KnowledgeSource,
    Organization,
    utcnow,
)


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


# -- the sync lease ----------------------------------------------------------------------

LEASE = timedelta(minutes=1)


def test_a_sync_run_since_it_was_found_due_is_not_claimed_again(
    store: Store, app: Application
) -> None:
    source_id, _ = _source_with_rows(store, app, 0)
    found_at = utcnow()  # a scheduler finds the source due ...
    with store.session() as session:  # ... while another process claims and runs it
        assert claim_sync(session, source_id, "other", lease=LEASE)
    with store.session() as session:
        assert finish_sync(session, source_id, "other", passages=[], seen={})
    with store.session() as session:
        assert not claim_sync(session, source_id, "late", lease=LEASE, synced_before=found_at)
        assert claim_sync(session, source_id, "later", lease=LEASE, synced_before=utcnow())


def test_one_claim_of_a_sync_wins(store: Store, app: Application) -> None:
    source_id, _ = _source_with_rows(store, app, 1)
    with store.session() as session:
        assert claim_sync(session, source_id, "process-a", lease=LEASE)
    with store.session() as session:
        assert not claim_sync(session, source_id, "process-b", lease=LEASE)
        # A live lease is not taken over, even by a scheduler resuming syncs.
        assert not claim_sync(session, source_id, "process-b", lease=LEASE, resume=True)
        assert abandoned_syncs(session) == []
        source = get_knowledge_source(session, app.organization_id, source_id)
        assert (source.status, source.sync_owner, source.sync_attempts) == (
            "syncing", "process-a", 1)


def test_concurrent_claims_of_a_sync_elect_one_process(store: Store, app: Application) -> None:
    source_id, _ = _source_with_rows(store, app, 1)
    start = threading.Barrier(4)
    won: list[str] = []

    def claim(owner: str) -> None:
        start.wait()
        with store.session() as session:
            if claim_sync(session, source_id, owner, lease=LEASE):
                won.append(owner)

    threads = [threading.Thread(target=claim, args=(f"process-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(won) == 1


def test_an_expired_lease_is_resumed_and_its_old_owner_cannot_finish(
    store: Store, app: Application
) -> None:
    source_id, rows = _source_with_rows(store, app, 2)
    with store.session() as session:
        assert claim_sync(session, source_id, "stopped", lease=timedelta(seconds=-1))
    with store.session() as session:
        assert abandoned_syncs(session) == [(source_id, 1)]
        assert claim_sync(session, source_id, "alive", lease=LEASE, resume=True)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        seen = mark_rows_syncing(session, source)
    passages = [{"row_id": rows[0], "row_name": "a.md", "heading": "Fact", "text": "one"}]
    with store.session() as session:
        assert not finish_sync(session, source_id, "stopped", passages=[], seen=seen)
        assert finish_sync(session, source_id, "alive", passages=passages, seen=seen)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        assert (source.status, source.sync_owner, source.sync_attempts) == ("synced", None, 0)
        assert source.passages == passages and source.last_synced_at is not None
        assert {r.status for r in source.rows} == {"synced"}
        key, found = synced_passages(session, app.organization_id, app.id)
        assert found == passages and source_id in key


def test_a_row_edited_during_a_sync_stays_not_synced(store: Store, app: Application) -> None:
    source_id, rows = _source_with_rows(store, app, 2)
    with store.session() as session:
        assert claim_sync(session, source_id, "me", lease=LEASE)
        source = get_knowledge_source(session, app.organization_id, source_id)
        seen = mark_rows_syncing(session, source)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        update_knowledge_row(session, get_knowledge_row(session, source, rows[1]), "# Edited")
    with store.session() as session:
        assert finish_sync(session, source_id, "me", passages=[], seen=seen)
        source = get_knowledge_source(session, app.organization_id, source_id)
        states = {r.id: r.status for r in source.rows}
    assert states == {rows[0]: "synced", rows[1]: "not_synced"}


def test_a_failed_sync_keeps_the_last_good_passages(store: Store, app: Application) -> None:
    source_id, _ = _source_with_rows(store, app, 1)
    good = [{"row_id": "r", "row_name": "a.md", "heading": "", "text": "kept"}]
    with store.session() as session:
        claim_sync(session, source_id, "me", lease=LEASE)
        finish_sync(session, source_id, "me", passages=good, seen={})
        claim_sync(session, source_id, "me", lease=LEASE)
        assert fail_sync(session, source_id, "me", "it broke")
        source = get_knowledge_source(session, app.organization_id, source_id)
        assert (source.status, source.error, source.passages) == ("sync_error", "it broke", good)


@pytest.mark.parametrize(
    ("interval", "age", "due"),
    [(None, timedelta(days=40), False), ("day", timedelta(hours=23), False),
     ("day", timedelta(hours=25), True), ("week", timedelta(days=6), False),
     ("week", timedelta(days=8), True), ("month", timedelta(days=31), True)],
)
def test_syncs_fall_due_by_their_interval(
    store: Store, app: Application, interval: str | None, age: timedelta, due: bool
) -> None:
    source_id, _ = _source_with_rows(store, app, 1)
    with store.session() as session:
        source = get_knowledge_source(session, app.organization_id, source_id)
        set_sync_interval(session, source, interval)
        source.last_synced_at = utcnow() - age
    with store.session() as session:
        assert (source_id in syncs_due(session)) is due
