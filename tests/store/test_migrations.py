from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect, text

from parley.store.db import Store, alembic_config
from parley.store.models import Base


def _diffs(store: Store, metadata: MetaData) -> list[object]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrate_from_empty_twice_reaches_head(unmigrated_store: Store) -> None:
    unmigrated_store.migrate()
    unmigrated_store.migrate()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with unmigrated_store.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        tables = set(inspect(connection).get_table_names())
    assert versions == [(head,)]
    assert set(Base.metadata.tables) <= tables


def test_migration_schema_matches_models(store: Store) -> None:
    assert _diffs(store, Base.metadata) == []


def test_schema_comparison_notices_a_difference(store: Store) -> None:
    # Guards the test above: a model change the migration lacks must show up as a diff.
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["messages"].append_column(Column("rating", Integer, nullable=True))
    diffs = _diffs(store, changed)
    assert [(d[0], d[3].name) for d in diffs if isinstance(d, tuple)] == [("add_column", "rating")]


def test_sqlite_connections_enforce_foreign_keys_in_wal_mode(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'nested' / 'meta.db'}")
    try:
        store.migrate()
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        store.dispose()
    with sqlite3.connect(tmp_path / "nested" / "meta.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_in_memory_sqlite_is_shared_between_sessions() -> None:
    store = Store("sqlite://")
    try:
        store.migrate()
        with store.session() as session:
            assert session.execute(text("SELECT count(*) FROM organizations")).scalar() == 0
    finally:
        store.dispose()


def test_repr_hides_the_password() -> None:
    store = Store("postgresql+psycopg://parley:hunter2@127.0.0.1:1/x")
    try:
        assert "hunter2" not in repr(store)
        assert "***" in repr(store)
    finally:
        store.dispose()


def test_session_rolls_back_when_the_block_raises(store: Store) -> None:
    from parley.store.tenancy import create_organization, get_organization_by_name

    with pytest.raises(RuntimeError), store.session() as session:
        create_organization(session, "doomed")
        raise RuntimeError("boom")
    with store.session() as session:
        assert get_organization_by_name(session, "doomed") is None
