"""The store's connection pool on PostgreSQL: as many connections as it is told, each kept
once opened (a connection closed after a turn is a backend process started again)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import text

from parley.config import Settings
from parley.conversations.installation import Parley
from parley.store.db import DEFAULT_POOL_SIZE, Store

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"])]


def _backends_at_once(store: Store, count: int) -> set[int]:
    """The PostgreSQL backends serving ``count`` sessions open at the same time."""
    with ExitStack() as stack:
        sessions = [stack.enter_context(store.session()) for _ in range(count)]
        return {s.execute(text("SELECT pg_backend_pid()")).scalar_one() for s in sessions}


def _url(store: Store) -> str:
    return store.url.render_as_string(hide_password=False)


def test_every_connection_opened_is_kept_for_the_next_turns(unmigrated_store: Store) -> None:
    # SQLAlchemy's default pool keeps 5 and closes the ones beyond when they come back.
    first = _backends_at_once(unmigrated_store, 8)
    assert len(first) == 8
    assert _backends_at_once(unmigrated_store, 8) == first
    assert unmigrated_store.engine.pool.size() == DEFAULT_POOL_SIZE


def test_the_pool_size_is_a_setting(unmigrated_store: Store, tmp_path: Path) -> None:
    environ = {"PARLEY_DATABASE_URL": _url(unmigrated_store), "PARLEY_DATABASE_POOL_SIZE": "7"}
    parley = Parley(Settings.from_env(environ, home=tmp_path))
    try:
        assert parley.store.engine.pool.size() == 7
    finally:
        parley.store.dispose()
    default = Settings.from_env({"PARLEY_DATABASE_URL": _url(unmigrated_store)}, home=tmp_path)
    assert default.database_pool_size == DEFAULT_POOL_SIZE
