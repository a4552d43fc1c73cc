"""Fixtures: every store test runs on SQLite (a temporary file) and on PostgreSQL (a fresh
database on 127.0.0.1:5432, dropped afterwards; skipped when the server is unreachable)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from parley.store.catalog import add_source, create_application
from parley.store.db import Store
from parley.store.models import Application, Base, Organization
from parley.store.secrets import CredentialCipher
from parley.store.tenancy import create_organization

POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _postgres_admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(POSTGRES_ADMIN, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 (user postgres) is unreachable: {exc}")


@contextmanager
def _postgres_database(template: str | None = None) -> Iterator[str]:
    """A new uniquely named database (a copy of ``template`` if given), dropped afterwards."""
    name = f"parley_test_{uuid.uuid4().hex[:16]}"
    with _postgres_admin() as admin:
        suffix = f' TEMPLATE "{template}"' if template else ""
        admin.execute(f'CREATE DATABASE "{name}"{suffix}')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str) -> None:
    store = Store(url)
    try:
        store.migrate()
    finally:
        store.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """Makes, once per backend, a migrated database that tests copy: migrating is slow."""
    templates: dict[str, str] = {}
    with ExitStack() as stack:

        def template_for(backend: str) -> str:
            if backend not in templates:
                if backend == "sqlite":
                    path = tmp_path_factory.mktemp("template") / "metadata.db"
                    _migrate(f"sqlite:///{path}")
                    templates[backend] = str(path)
                else:
                    name = stack.enter_context(_postgres_database())
                    _migrate(POSTGRES_URL.format(name=name))
                    templates[backend] = name
            return templates[backend]

        yield template_for


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def unmigrated_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A store over an empty database."""
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'metadata.db'}"
        else:
            url = POSTGRES_URL.format(name=stack.enter_context(_postgres_database()))
        store = Store(url)
        stack.callback(store.dispose)
        yield store


@pytest.fixture
def store(
    backend: str,
    tmp_path: Path,
    migrated_template: Callable[[str], str],
) -> Iterator[Store]:
    """A store over a migrated database of its own."""
    template = migrated_template(backend)
    with ExitStack() as stack:
        if backend == "sqlite":
            path = tmp_path / "metadata.db"
            shutil.copyfile(template, path)
            url = f"sqlite:///{path}"
        else:
            url = POSTGRES_URL.format(name=stack.enter_context(_postgres_database(template)))
        store = Store(url)
        stack.callback(store.dispose)
        yield store


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
