"""The metadata database: engine, sessions and migrations.

SQLite (a local file) by default, PostgreSQL (``postgresql+psycopg://``) in production.
One :class:`Store` per process; it is safe to share between threads, since every
:meth:`Store.session` call gets its own session and pooled connection.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from parley.errors import SchemaBehind, StoreUnavailable
from parley.store.secrets import redact_url

_log = logging.getLogger("parley.store")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: How long an SQLite writer waits for another one before giving up, in seconds.
SQLITE_BUSY_TIMEOUT = 30
#: A pooled store connection idle longer than this, in seconds, is pinged before use.
PING_AFTER_IDLE_S = 5.0
#: Store connections a process keeps open (a server store, not SQLite): the most it opened
#: before (SQLAlchemy's 5 pooled plus 10 overflow), now all kept (see ``_create_engine``).
DEFAULT_POOL_SIZE = 15
# Any constant works; it only has to be the same in every Parley process.
_MIGRATION_LOCK_KEY = 0x7061726C6579


class Store:
    """Engine and session factory for the metadata database at ``url``."""

    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int = DEFAULT_POOL_SIZE
    ) -> None:
        self.url: URL = make_url(url)
        self.engine: Engine = _create_engine(self.url, echo=echo, pool_size=pool_size)
        # Objects stay readable after commit: faces render what was just stored.
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Store({redact_url(self.url.render_as_string(hide_password=False))!r})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest revision; a no-op when it is already there."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several app processes may start at once: one migrates, the others wait.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revisions(self) -> tuple[str | None, str]:
        """The schema's current revision (``None``: never migrated) and the newest one."""
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert head is not None  # the package ships its migrations
        try:
            with self.engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
        except (OperationalError, InterfaceError) as error:
            _log.warning("store unavailable: %s", type(error.orig or error).__name__)
            raise StoreUnavailable(f"Parley's store cannot be reached: {self!r}") from error
        return current, head

    def check_schema(self) -> None:
        """Refuse a store whose schema is behind: a newer process would misread it."""
        current, head = self.revisions()
        if current != head:
            where = "is empty" if current is None else f"is at revision {current}"
            raise SchemaBehind(
                f"the store's schema {where}, this Parley needs revision {head}: "
                "run `parley migrate` (with the same PARLEY_DATABASE_URL) first"
            )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises.

        A store that cannot be reached (or, for SQLite, stays locked past the busy
        timeout) is ``StoreUnavailable``: the caller gets a 503 to retry, the log the cause.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, InterfaceError) as error:
            _log.warning("store unavailable: %s", type(error.orig or error).__name__)
            raise StoreUnavailable(
                "Parley's store cannot be reached right now; nothing was changed, "
                "please try again in a moment"
            ) from error

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or in tests)."""
        self.engine.dispose()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the packaged migrations; no ``alembic.ini`` needed.

    Developers can use it to write a new revision::

        command.revision(alembic_config("sqlite:///dev.db"), "add x", autogenerate=True)
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation would read "%" in a password as a reference.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _create_engine(url: URL, *, echo: bool, pool_size: int) -> Engine:
    if url.get_backend_name() != "sqlite":
        # Every connection is kept, none is overflow: SQLAlchemy closes an overflow
        # connection as soon as it is returned, so a server with more turns in flight than
        # its pool opened and closed a PostgreSQL connection (a backend process started,
        # authenticated, its caches and prepared statements rebuilt) every few turns.
        engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=0)
        _ping_when_idle(engine)
        return engine
    options: dict[str, Any] = {
        "echo": echo,
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT, "check_same_thread": False},
    }
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every pooled connection would see its own empty database.
        options["poolclass"] = StaticPool
    else:
        _create_private(Path(database).expanduser())
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_pragmas(in_memory))
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: a round trip before each of
    a turn's transactions. A connection in steady use is known alive; one that sat idle
    may have been closed by a restart of the database or a proxy's idle timeout, so it
    is pinged, and replaced when it does not answer. A database restarted while the
    connections are busy costs at most the statement that finds out: SQLAlchemy then
    drops every connection of the pool, and the caller gets ``StoreUnavailable``.
    """

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: this connection is not to be used
            raise DisconnectionError(f"idle store connection is gone: {error}") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


def _create_private(path: Path) -> None:
    """Create the store file readable by its owner only (it holds key hashes, tokens and
    every conversation); SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _sqlite_pragmas(in_memory: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                # WAL lets readers proceed while one writer commits.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return on_connect
