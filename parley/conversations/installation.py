"""One Parley installation, wired once: settings, store, sources, the engine's workspaces,
the door (``conversations``) and the authenticator (``auth``); and the administration of
sources, applications, ontologies and keys.

Faces reach the engine and the store only through ``conversations`` and ``auth``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from parley import metrics
from parley.auth.api_keys import create_api_key, create_channel
from parley.auth.authenticate import Authenticator
from parley.auth.principal import Principal
from parley.config import Settings
from parley.conversations.embedded import Embedded
from parley.conversations.knowledge import Knowledge
from parley.conversations.service import Conversations, number_source
from parley.conversations.teaching import Teaching
from parley.conversations.validation import validate_question
from parley.conversations.views import Turn
from parley.engine.events import Event
from parley.engine.knowledge import KnowledgeIndex
from parley.engine.nl.parser import Parser
from parley.engine.orchestrator import Workspace
from parley.engine.provider import OpenAICompatible, Provider, Sharing
from parley.engine.row_filters import RowFilter
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import SemanticQuery
from parley.engine.semantic.yaml_io import (
    TaughtEntry,
    export_yaml,
    import_yaml,
    merge_ontology,
    taught_in_yaml,
)
from parley.engine.space_view import restricted_ontology
from parley.engine.teach import Taught, TaughtBook
from parley.errors import Conflict, InvalidInput, NotFound, ParleyError
from parley.sources.base import ProgressCallback, QueryResult, SchemaInfo, Source
from parley.sources.connect import connect
from parley.sources.demo import generate_demo
from parley.sources.urls import parse_source_url
from parley.store import catalog, knowledge, sharing, taught, tenancy
from parley.store import conversations as conversation_store
from parley.store.db import Store
from parley.store.models import ApiKey, Application
from parley.store.models import Source as SourceRecord
from parley.store.secrets import CredentialCipher, redact_url

DEMO_NAME = "demo"
#: How long ``readiness`` waits for the sources to answer, in seconds.
READINESS_SOURCE_TIMEOUT_S = 2.0
FILE_DIALECTS = frozenset({"duckdb", "sqlite"})
MEMORY = ":memory:"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    name: str
    dialect: str
    tables: int
    url: str  # redacted
    #: What the source's login could do beyond reading (see ``Source.write_access``).
    warnings: tuple[str, ...] = ()


def absolute_file_url(url: str) -> str:
    """``url`` with a database file's path made absolute: later commands, and the server,
    run from other directories.

    >>> absolute_file_url("postgresql://me:pw@db/sales")
    'postgresql://me:pw@db/sales'
    >>> absolute_file_url("duckdb:///:memory:")
    'duckdb:///:memory:'
    >>> absolute_file_url("sqlite:///shop.db") == f"sqlite:///{Path.cwd() / 'shop.db'}"
    True
    """
    parsed = parse_source_url(url)
    database = parsed.database
    if parsed.dialect not in FILE_DIALECTS or database is None or database in ("", MEMORY):
        return url
    path = Path(database).expanduser()
    if path.is_absolute():
        return url
    return (
        make_url(url.strip())
        .set(database=str(path.resolve()))
        .render_as_string(hide_password=False)
    )


class Parley:
    """One Parley installation: its store and the sources and applications in it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.database_url, pool_size=settings.database_pool_size)
        self.cipher = CredentialCipher.from_environment(settings.home, settings.environ())
        self._sources: dict[str, Source] = {}
        self._parsers: dict[tuple[str, int], Parser] = {}
        self._statements: dict[tuple[str, int], dict[str, Any]] = {}
        #: Each application's knowledge index, with the key of the syncs it was built from.
        self._indexes: dict[str, tuple[str, KnowledgeIndex | None]] = {}
        #: Parsers (and their statements) of filtered readers, by source version and filters.
        self._filtered: dict[tuple[str, int, str], tuple[Parser, dict[str, Any]]] = {}
        #: Each application's taught questions, with the version they were read at.
        self._taught: dict[str, tuple[str, TaughtBook]] = {}
        self._lock = threading.Lock()
        #: The optional language model, None unless configured.
        self.provider = provider_for(settings)
        #: Ask it without the built-in parser: benches measure each path alone.
        self.provider_only = False
        #: The door every face goes through, and the one place credentials resolve.
        self.conversations = Conversations(self.store, settings, self._workspace)
        self.auth = Authenticator(self.store, settings)
        #: Manual data sources and their sync, behind the door like conversations.
        self.knowledge = Knowledge(self.store, settings)
        #: Taught questions and business definitions, behind the door.
        self.teaching = Teaching(self.store, self._workspace)
        #: Connectors, spaces, embed tokens and conversations on spaces.
        self.embedded = Embedded(self)
        #: The admin API key created on first start; shown once, then only its hash is kept.
        self.initial_api_key: str | None = None
        self.organization_id = ""

    @classmethod
    def open(
        cls,
        home: Path | None = None,
        *,
        settings: Settings | None = None,
        progress: ProgressCallback | None = None,
        demo: bool = True,
        migrate: bool | None = True,
    ) -> Parley:
        """Open (and on first start set up) the installation in ``home``.

        ``migrate``: bring the store's schema up to date (``True``), refuse a store whose
        schema is behind (``False``), or do the first only for an embedded SQLite store
        (``None``, what commands do: see docs/deploy.md).
        """
        parley = cls(settings or Settings.from_env(home=home))
        try:
            parley.bootstrap(progress=progress, demo=demo, migrate=migrate)
        except BaseException:
            parley.close()
            raise
        return parley

    @staticmethod
    def migrate_store(settings: Settings) -> tuple[str | None, str]:
        """Bring the store's schema to the newest revision; the revisions before and after."""
        store = Store(settings.database_url)
        try:
            before, _ = store.revisions()
            store.migrate()
            after, _ = store.revisions()
            assert after is not None
            return before, after
        finally:
            store.dispose()

    def bootstrap(
        self,
        *,
        progress: ProgressCallback | None = None,
        demo: bool = True,
        migrate: bool | None = True,
    ) -> None:
        """Migrate the store; create the default organisation, admin key and demo app."""
        if migrate is None:
            # The embedded default is one laptop's: no other process reads the old schema,
            # and a newcomer's first command must just work. A store someone configured is
            # shared or deployed, and changes only when they say so.
            migrate = self.settings.uses_embedded_store
        if migrate:
            self.store.migrate()
        else:
            self.store.check_schema()
        with self.store.session() as session:
            organization = tenancy.get_or_create_default_organization(session)
            self.organization_id = organization.id
            if not tenancy.list_api_keys(session, organization.id):
                self.initial_api_key, _ = create_api_key(session, organization.id, "admin")
        if demo:
            self._ensure_demo(progress)

    def _ensure_demo(self, progress: ProgressCallback | None) -> None:
        with self.store.session() as session:
            if catalog.get_source_by_name(session, self.organization_id, DEMO_NAME):
                return
        path = self.settings.home / "demo.duckdb"
        if not path.exists():
            generate_demo(path, progress=progress)
        self.add_source(f"duckdb:///{path}", name=DEMO_NAME, progress=progress)
        self.create_application(
            DEMO_NAME, source=DEMO_NAME, description="Generated retail and B2B sales data"
        )

    # -- sources and applications -------------------------------------------------------

    def add_source(
        self,
        url: str,
        *,
        name: str,
        progress: ProgressCallback | None = None,
        organization_id: str | None = None,
        created_by: str | None = None,
    ) -> SourceInfo:
        """Connect (testing the connection), introspect, derive the ontology, store it all."""
        org = organization_id or self.organization_id
        url = absolute_file_url(url)
        source = connect(url, name=name, duckdb_threads=self.settings.duckdb_threads)
        try:
            source.test_connection()
            schema = source.introspect(progress=progress)
            warnings = tuple(source.write_access())
        except BaseException:
            source.close()  # a source that failed is not kept: its pool goes with it
            raise
        ontology = derive_ontology(schema, source=name)
        with self.store.session() as session:
            record = catalog.add_source(
                session, self.cipher, org, name, source.dialect, url, created_by=created_by
            )
            catalog.save_ontology(session, record, ontology)
            number_source(session, record)
            self._sources[record.id] = TimedSource(source)
            return SourceInfo(
                record.id, name, source.dialect, len(schema.tables), redact_url(url), warnings
            )

    def refresh_source(self, name: str, *, organization_id: str | None = None) -> Ontology:
        """Introspect again; edits made to the ontology survive."""
        with self.store.session() as session:
            record = self._source_record(session, name, organization_id)
            source = self.source(record)
            fresh = derive_ontology(source.introspect(), source=name)
            previous = Ontology.model_validate(record.ontology) if record.ontology else fresh
            merged = merge_ontology(fresh, previous)
            catalog.save_ontology(session, record, merged)
            return merged

    def list_sources(self, *, organization_id: str | None = None) -> list[SourceInfo]:
        with self.store.session() as session:
            return [
                SourceInfo(
                    s.id,
                    s.name,
                    s.dialect,
                    len((s.ontology or {}).get("objects", [])),
                    redact_url(catalog.source_url(s, self.cipher)),
                )
                for s in catalog.list_sources(session, organization_id or self.organization_id)
            ]

    def close_abandoned_answers(self) -> int:
        """Close as interrupted the answers a stopped process left unfinished, once no turn
        can still be running; a serving process does it as it starts."""
        longest_turn = dt.timedelta(seconds=2 * self.settings.query_timeout_s + 60)
        with self.store.session() as session:
            return conversation_store.close_abandoned_answers(
                session, started_before=dt.datetime.now(dt.UTC) - longest_turn
            )

    def readiness(self) -> dict[str, bool]:
        """Whether the store, the rate limiter and each source this process opened answer
        (sources by id: the check is public, and names are the organisations' own)."""
        checks: dict[str, bool] = {}
        try:
            with self.store.session() as session:
                session.execute(text("SELECT 1"))
            checks["store"] = True
        except ParleyError:
            checks["store"] = False
        checks["rate_limiter"] = self.auth.limiter_reachable()
        with self._lock:
            sources = list(self._sources.items())
        if not sources:
            return checks
        # A dead warehouse takes its connect timeout to say so; a probe cannot wait that
        # long, so sources are checked together and one that has not answered is down.
        pool = ThreadPoolExecutor(max_workers=min(8, len(sources)))
        futures = {pool.submit(source.test_connection): sid for sid, source in sources}
        done, _ = wait(futures, timeout=READINESS_SOURCE_TIMEOUT_S)
        for future, source_id in futures.items():
            checks[f"source:{source_id}"] = future in done and future.exception() is None
        pool.shutdown(wait=False, cancel_futures=True)
        return checks

    def rekey_sources(self) -> int:
        """Encrypt every organisation's stored credentials with the current secret key."""
        with self.store.session() as session:
            return catalog.rekey_sources(session, self.cipher)

    def create_application(
        self, name: str, *, source: str, description: str = "", organization_id: str | None = None
    ) -> str:
        org = organization_id or self.organization_id
        with self.store.session() as session:
            record = self._source_record(session, source, org)
            application = catalog.create_application(
                session, org, name, record.id, description=description
            )
            return application.id

    def export_ontology(self, source: str, *, organization_id: str | None = None) -> str:
        """The ontology's YAML, with the taught questions of the applications over it."""
        org = organization_id or self.organization_id
        with self.store.session() as session:
            record = self._source_record(session, source, org)
            entries = [
                TaughtEntry(
                    application=application.name,
                    question=row.question,
                    semantic_query=(
                        SemanticQuery.model_validate(row.semantic_query)
                        if row.semantic_query is not None
                        else None
                    ),
                    sql=row.sql,
                    taught_by=row.created_by,
                )
                for application in catalog.list_applications(session, org).items
                if application.source_id == record.id
                for row in taught.list_taught_questions(session, org, application.id)
            ]
            return export_yaml(self.ontology(record), taught=entries)

    def import_ontology(
        self, source: str, text: str, *, organization_id: str | None = None
    ) -> Ontology:
        """Import an ontology's YAML; its ``taught:`` part, if any, replaces the taught
        questions of the applications it names."""
        org = organization_id or self.organization_id
        entries = taught_in_yaml(text)
        by_application: dict[str, list[TaughtEntry]] = {}
        with self.store.session() as session:
            record = self._source_record(session, source, org)
            applications = {
                a.name
                for a in catalog.list_applications(session, org).items
                if a.source_id == record.id
            }
            for entry in entries or []:
                if entry.application not in applications:
                    raise InvalidInput(
                        f"taught: application {entry.application!r} is not over source "
                        f"{source!r}; applications over it: {', '.join(sorted(applications))}"
                    )
                by_application.setdefault(entry.application, []).append(entry)
            current = self.ontology(record)
            ontology = import_yaml(text, derived=current)
            # Values are data, not semantics: the YAML has none, the introspection has them.
            merged = merge_ontology(current, ontology)
            catalog.save_ontology(session, record, merged)
        principal = Principal(org, "cli", "cli", role="admin")
        for name, listed in by_application.items():
            self.teaching.replace_all(principal, name, listed)
        return merged

    def _source_record(
        self, session: Session, name: str, organization_id: str | None
    ) -> SourceRecord:
        record = catalog.get_source_by_name(session, organization_id or self.organization_id, name)
        if record is None:
            known = [
                s.name
                for s in catalog.list_sources(session, organization_id or self.organization_id)
            ]
            raise NotFound(f"unknown source {name!r}; known sources: {', '.join(known) or 'none'}")
        return record

    # -- the engine -------------------------------------------------------------------

    def source(self, record: SourceRecord) -> Source:
        with self._lock:
            if record.id not in self._sources:
                self._sources[record.id] = TimedSource(
                    connect(
                        catalog.source_url(record, self.cipher),
                        name=record.name,
                        duckdb_threads=self.settings.duckdb_threads,
                    )
                )
            return self._sources[record.id]

    @staticmethod
    def ontology(record: SourceRecord) -> Ontology:
        if not record.ontology:
            raise NotFound(f"source {record.name!r} has no ontology yet")
        return Ontology.model_validate(record.ontology)

    def workspace(
        self,
        application: Application,
        *,
        row_filters: tuple[RowFilter, ...] = (),
        session: Session | None = None,
    ) -> Workspace:
        """The engine's view of an application (parsers are cached per ontology version).

        Pass ``session`` to read within a transaction the caller already has open.
        """
        if session is None:
            with self.store.session() as own:
                return self.workspace(application, row_filters=row_filters, session=own)
        record = catalog.get_source_head(
            session, application.organization_id, application.source_id
        )
        version = hash(str(record.updated_at))
        key = (record.id, version)
        if row_filters:
            filtered = self._filtered_workspace(
                application,
                record,
                version,
                row_filters,
                self._knowledge_index(session, application),
            )
            filtered.taught = self._taught_book(session, application)
            filtered.provider = self.provider
            filtered.provider_only = self.provider_only
            return filtered
        with self._lock:
            parser = self._parsers.get(key)
        if parser is None:
            parser = Parser(self.ontology(record))
            with self._lock:
                # One version per source: an edited ontology replaces the old parser.
                for old in [k for k in self._parsers if k[0] == record.id]:
                    del self._parsers[old]
                    self._statements.pop(old, None)
                self._parsers[key] = parser
                self._statements[key] = {}
        return Workspace(
            name=application.name,
            ontology=parser.ontology,
            parser=parser,
            statements=self._statements.setdefault(key, {}),
            source=self.source(record),
            row_filters=row_filters,
            knowledge=self._knowledge_index(session, application),
            max_rows=self.settings.max_rows,
            timeout_s=self.settings.query_timeout_s,
            taught=self._taught_book(session, application),
            provider=self.provider,
            provider_only=self.provider_only,
        )

    def _knowledge_index(self, session: Session, application: Application) -> KnowledgeIndex | None:
        """The index of what the application's sources last synced, rebuilt after a sync
        (only the sync's key is read until then)."""
        org = application.organization_id
        key = knowledge.synced_key(session, org, application.id)
        with self._lock:
            cached = self._indexes.get(application.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        key, passages = knowledge.synced_passages(session, org, application.id)
        index = KnowledgeIndex.from_dicts(passages) if passages else None
        with self._lock:
            self._indexes[application.id] = (key, index)
        return index

    def _taught_book(self, session: Session, application: Application) -> TaughtBook | None:
        """The application's taught questions, read again only after they changed."""
        org = application.organization_id
        version = taught.taught_version(session, org, application.id)
        with self._lock:
            cached = self._taught.get(application.id)
        if cached is not None and cached[0] == version:
            return cached[1] or None
        book = TaughtBook(
            Taught(
                row.id,
                row.question,
                SemanticQuery.model_validate(row.semantic_query)
                if row.semantic_query is not None
                else None,
                row.sql,
                row.created_by,
            )
            for row in taught.list_taught_questions(session, org, application.id)
        )
        with self._lock:
            self._taught[application.id] = (version, book)
        return book or None

    def _filtered_workspace(
        self,
        application: Application,
        record: SourceRecord,
        version: int,
        row_filters: tuple[RowFilter, ...],
        knowledge_index: KnowledgeIndex | None,
    ) -> Workspace:
        """A workspace whose parser knows only the values and row counts the filters let
        its reader see (see ``engine.space_view``); one per source version and filters."""
        key = (record.id, version, repr(sorted(map(repr, row_filters))))
        source = self.source(record)
        with self._lock:
            found = self._filtered.get(key)
        if found is None:
            ontology = restricted_ontology(
                self.ontology(record),
                source,
                row_filters,
                timeout_s=self.settings.query_timeout_s,
            )
            found = (Parser(ontology), {})
            with self._lock:
                for old in [k for k in self._filtered if k[0] == record.id and k[1] != version]:
                    del self._filtered[old]
                found = self._filtered.setdefault(key, found)
        parser, statements = found
        return Workspace(
            name=application.name,
            ontology=parser.ontology,
            parser=parser,
            statements=statements,
            source=source,
            row_filters=row_filters,
            knowledge=knowledge_index,
            max_rows=self.settings.max_rows,
            timeout_s=self.settings.query_timeout_s,
        )

    def _workspace(
        self, session: Session, application: Application, row_filters: Sequence[RowFilter]
    ) -> Workspace:
        return self.workspace(application, row_filters=tuple(row_filters), session=session)

    @property
    def principal(self) -> Principal:
        """The command line's principal: the installation's operator, an admin of the
        default organisation."""
        return self.principal_named("cli")

    def principal_named(self, owner: str) -> Principal:
        """A principal of the default organisation owning conversations as ``owner``."""
        return Principal(self.organization_id, owner, owner, role="admin")

    def stream(
        self,
        question: str,
        *,
        app: str = DEMO_NAME,
        conversation_id: str | None = None,
        principal: str = "cli",
        face: str = "cli",
    ) -> Iterator[Event]:
        """One turn through the door, as its events (scripts and tests use this)."""
        validate_question(question, max_chars=self.settings.max_question_chars)
        ref = self.conversations.open(
            self.principal_named(principal), face=face, app=app, conversation_id=conversation_id
        )
        yield from self.conversations.turn(ref, question)

    def ask(
        self,
        question: str,
        *,
        app: str = DEMO_NAME,
        conversation_id: str | None = None,
        today: dt.date | None = None,
        principal: str = "cli",
        face: str = "cli",
    ) -> Turn:
        """One whole turn through the door (scripts, benches and tests use this)."""
        return self.conversations.ask(
            self.principal_named(principal),
            question,
            face=face,
            app=app,
            conversation_id=conversation_id,
            today=today,
        )

    def create_api_key(self, name: str) -> tuple[str, str]:
        """A new API key of the default organisation: (its plaintext, shown once; its id)."""
        with self.store.session() as session:
            plaintext, key = create_api_key(session, self.organization_id, name)
            return plaintext, key.id

    def list_api_keys(self) -> list[dict[str, object]]:
        with self.store.session() as session:
            keys = tenancy.list_api_keys(session, self.organization_id)
            return [
                {"id": k.id, "name": k.name, "prefix": k.prefix, "revoked": bool(k.revoked_at)}
                for k in keys
            ]

    # -- channels ---------------------------------------------------------------------

    def create_channel(self, app: str, *, name: str = "") -> tuple[str, str]:
        """A new channel on application ``app``: (its id, its secret key, shown once)."""
        with self.store.session() as session:
            application = catalog.get_application_by_name(session, self.organization_id, app)
            if application is None:
                raise NotFound(f"unknown application {app!r}")
            secret, channel = create_channel(
                session, self.organization_id, application.id, name or f"{app} channel"
            )
            return channel.id, secret

    def set_channel_enabled(self, channel_id: str, enabled: bool) -> None:
        with self.store.session() as session:
            channel = sharing.get_channel(session, self.organization_id, channel_id)
            sharing.set_channel_enabled(session, channel, enabled)

    def list_channels(self) -> list[dict[str, object]]:
        with self.store.session() as session:
            names = {
                a.id: a.name
                for a in catalog.list_applications(session, self.organization_id, limit=None).items
            }
            return [
                {
                    "id": c.id,
                    "name": c.name,
                    "application": names.get(c.application_id, ""),
                    "prefix": c.secret_prefix,
                    "enabled": c.disabled_at is None,
                }
                for c in sharing.list_channels(session, self.organization_id)
            ]

    # -- administration: organisations, keys, deleting sources and applications ---------

    def create_organization(self, name: str) -> tuple[str, str, str]:
        """A new organisation (a partner) and its admin API key: (organisation id, the
        key's plaintext, shown once; the key's id)."""
        with self.store.session() as session:
            organization = tenancy.create_organization(session, name)
            plaintext, key = create_api_key(session, organization.id, "admin")
            return organization.id, plaintext, key.id

    def revoke_api_key(self, key_id: str) -> dict[str, object]:
        """Revoke a key of any organisation (the operator's command); it stops at once."""
        with self.store.session() as session:
            key = session.get(ApiKey, key_id)
            if key is None:
                raise NotFound(f"API key {key_id!r} not found")
            key = tenancy.revoke_api_key(session, key.organization_id, key_id)
            return {"id": key.id, "name": key.name, "prefix": key.prefix, "revoked": True}

    def organization_named(self, name: str | None) -> str:
        """The id of the organisation ``name`` (None: the default one)."""
        if name is None:
            return self.organization_id
        with self.store.session() as session:
            organization = tenancy.get_organization_by_name(session, name)
            if organization is None:
                raise NotFound(f"unknown organisation {name!r}")
            return organization.id

    def delete_source(
        self, name: str, *, force: bool = False, organization_id: str | None = None
    ) -> dict[str, object]:
        """Delete a source; while applications, spaces or channels use it this is refused,
        unless ``force``, which deletes them (and their conversations) too."""
        with self.store.session() as session:
            record = self._source_record(session, name, organization_id)
            listed = catalog.list_applications(session, record.organization_id, limit=None)
            applications = [a for a in listed.items if a.source_id == record.id]
            spaces = sharing.spaces_of_source(session, record.organization_id, record.id)
            channels = [
                c
                for a in applications
                for c in sharing.list_channels(session, record.organization_id, application_id=a.id)
            ]
            if (applications or spaces) and not force:
                raise Conflict(
                    f"source {name!r} is used by {_uses(applications, spaces, channels)}: "
                    "delete them first, or pass --force to delete them with it"
                )
            for space in spaces:
                sharing.delete_space(session, space)
            for application in applications:
                catalog.delete_application(session, application)
            catalog.delete_source(session, record)
            source = self._sources.pop(record.id, None)
        if source is not None:
            source.close()
        return {
            "name": name,
            "deleted_applications": [a.name for a in applications],
            "deleted_spaces": [s.id for s in spaces],
            "deleted_channels": [c.id for c in channels],
        }

    def delete_application(
        self, name: str, *, force: bool = False, organization_id: str | None = None
    ) -> dict[str, object]:
        """Delete an application; while a space or channel uses it this is refused, unless
        ``force``, which deletes them (and their conversations) too."""
        org = organization_id or self.organization_id
        with self.store.session() as session:
            application = catalog.get_application_by_name(session, org, name)
            if application is None:
                raise NotFound(f"unknown application {name!r}")
            spaces = sharing.spaces_of_application(session, application)
            channels = sharing.list_channels(session, org, application_id=application.id)
            if (spaces or channels) and not force:
                raise Conflict(
                    f"application {name!r} is used by {_uses([], spaces, channels)}: "
                    "delete them first, or pass --force to delete them with it"
                )
            for space in spaces:
                sharing.delete_space(session, space)
            catalog.delete_application(session, application)
        return {
            "name": name,
            "deleted_spaces": [s.id for s in spaces],
            "deleted_channels": [c.id for c in channels],
        }

    def close(self) -> None:
        self.knowledge.stop()
        for source in self._sources.values():
            source.close()
        self._sources.clear()
        self.store.dispose()


class TimedSource:
    """A source whose queries are timed into the ``parley_source_query_*`` metrics."""

    def __init__(self, source: Source) -> None:
        self.inner = source
        self.name = source.name
        self.dialect = source.dialect

    def introspect(self, *, progress: ProgressCallback | None = None) -> SchemaInfo:
        return self.inner.introspect(progress=progress)

    def execute(self, sql: str, *, max_rows: int, timeout_s: float) -> QueryResult:
        started = time.perf_counter()
        try:
            return self.inner.execute(sql, max_rows=max_rows, timeout_s=timeout_s)
        finally:
            metrics.SOURCE_QUERY_SECONDS.labels(self.dialect).observe(
                time.perf_counter() - started
            )

    def test_connection(self) -> None:
        self.inner.test_connection()

    def write_access(self) -> list[str]:
        return self.inner.write_access()

    def close(self) -> None:
        self.inner.close()


def provider_for(settings: Settings) -> Provider | None:
    """The configured language model, or None; a setting that cannot work fails at start."""
    if not settings.llm_base_url:
        return None
    if not settings.llm_model:
        raise ValueError("PARLEY_LLM_BASE_URL is set but PARLEY_LLM_MODEL is not")
    if settings.llm_response_format not in ("json_schema", "json_object"):
        raise ValueError(
            f"PARLEY_LLM_RESPONSE_FORMAT must be json_schema or json_object, not "
            f"{settings.llm_response_format!r}"
        )
    provider = OpenAICompatible(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        sharing=Sharing.parse(settings.llm_share),
        response_format="json_object"
        if settings.llm_response_format == "json_object"
        else "json_schema",
    )
    provider.client()  # the optional extra is installed, or say so now
    return provider


def _uses(
    applications: Sequence[object], spaces: Sequence[object], channels: Sequence[object]
) -> str:
    counts = [
        (len(applications), "application"),
        (len(spaces), "space"),
        (len(channels), "channel"),
    ]
    return ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n)
