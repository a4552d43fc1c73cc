"""Several Parley processes share one store: each runs a sync scheduler, and a given sync
is run by exactly one of them."""

from __future__ import annotations

import datetime as dt
import threading
import time

from parley.conversations.installation import DEMO_NAME, Parley
from parley.conversations.knowledge import Knowledge
from parley.store import catalog
from parley.store import knowledge as store
from parley.store.models import KnowledgeSource, utcnow

PROCESSES = 4
DEADLINE_S = 15.0


def _due_source(parley: Parley) -> str:
    """A source with a row whose daily sync was last run two days ago."""
    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, parley.organization_id, DEMO_NAME)
        assert application is not None
        source = store.create_knowledge_source(
            session, parley.organization_id, application_id=application.id, sync_interval="day"
        )
        store.add_knowledge_row(session, source, "# Hours\nOpen 9 to 5.", name="hours.md")
        source.last_synced_at = utcnow() - dt.timedelta(days=2)
        return source.id


def test_of_several_processes_one_runs_a_due_sync(parley: Parley) -> None:
    source_id = _due_source(parley)
    processes = [Knowledge(parley.store, parley.settings) for _ in range(PROCESSES)]
    assert len({p.owner for p in processes}) == PROCESSES
    start = threading.Barrier(PROCESSES)
    started: list[list[str]] = []

    def tick(process: Knowledge) -> None:
        start.wait()
        started.append(process.tick())

    threads = [threading.Thread(target=tick, args=(p,)) for p in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_S)
    assert sum(source_id in ids for ids in started) == 1
    deadline = time.monotonic() + DEADLINE_S
    while True:
        with parley.store.session() as session:
            source = session.get(KnowledgeSource, source_id)
            assert source is not None
            if source.status != "syncing":
                break
        assert time.monotonic() < deadline, "the sync did not end"
        time.sleep(0.05)
    assert source.status == "synced" and source.passages
    assert source.passages[0]["row_name"] == "hours.md"
    for process in processes:
        process.stop()
    # The demo application is shared by the package's tests: it leaves with no knowledge.
    with parley.store.session() as session:
        store.delete_knowledge_source(
            session, store.get_knowledge_source(session, parley.organization_id, source_id)
        )
