"""Fixtures: every store test runs on SQLite (a temporary file) and on PostgreSQL (a fresh
database on 127.0.0.1:5432, dropped afterwards; skipped when the server is unreachable)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from parley.auth.secrets import CredentialCipher
from parley.store.catalog import add_source, create_application
from parley.store.db import Store
from parley.store.models import Application, Base, Organization
from parley.store.tenancy import create_organization

POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'metadata.db'}"
        return
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 (user postgres) is unreachable: {exc}")
    name = f"parley_test_{uuid.uuid4().hex[:16]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_URL.format(name=name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def unmigrated_store(store_url: str) -> Iterator[Store]:
    store = Store(store_url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def store(unmigrated_store: Store) -> Store:
    unmigrated_store.migrate()
    return unmigrated_store


@pytest.fixture
def cipher() -> CredentialCipher:
    return CredentialCipher(Fernet.generate_key())


@pytest.fixture
def org(store: Store) -> Organization:
    with store.session() as session:
        return create_organization(session, "acme")


@pytest.fixture
def app(store: Store, org: Organization, cipher: CredentialCipher) -> Application:
    with store.session() as session:
        source = add_source(
            session, cipher, org.id, "warehouse", "duckdb", "duckdb:///tmp/demo.duckdb"
        )
        return create_application(session, org.id, "sales", source.id)


@pytest.fixture
def stored_text(store: Store) -> Callable[[], str]:
    """Every value of every row of every table, as one string (to prove what is absent)."""
    return lambda: all_stored_text(store)


@pytest.fixture
def sqlite_bytes(store: Store) -> Callable[[], bytes | None]:
    """The SQLite database file and its write-ahead log; None on PostgreSQL."""
    return lambda: sqlite_file_bytes(store)


def all_stored_text(store: Store) -> str:
    """Every value of every row of every table, as one string."""
    parts: list[str] = []
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def sqlite_file_bytes(store: Store) -> bytes | None:
    """The database file and its write-ahead log, for SQLite stores; None otherwise."""
    if store.dialect != "sqlite" or not store.url.database:
        return None
    path = Path(store.url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
