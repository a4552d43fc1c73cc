"""One Parley installation, wired once: settings, store, sources, the engine's workspaces,
the door (``conversations``) and the authenticator (``auth``); and the administration of
sources, applications, ontologies and keys.

Faces reach the engine and the store only through ``conversations`` and ``auth``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from parley.auth.api_keys import create_api_key
from parley.auth.authenticate import Authenticator
from parley.auth.principal import Principal
from parley.config import Settings
from parley.conversations.service import Conversations, number_source
from parley.conversations.validation import validate_question
from parley.conversations.views import Turn
from parley.engine.events import Event
from parley.engine.nl.parser import Parser
from parley.engine.orchestrator import Workspace
from parley.engine.row_filters import RowFilter
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.yaml_io import export_yaml, import_yaml, merge_ontology
from parley.errors import NotFound
from parley.sources.base import ProgressCallback, Source
from parley.sources.connect import connect
from parley.sources.demo import generate_demo
from parley.sources.urls import parse_source_url
from parley.store import catalog, knowledge, tenancy
from parley.store.db import Store
from parley.store.models import Application
from parley.store.models import Source as SourceRecord
from parley.store.secrets import CredentialCipher, redact_url

DEMO_NAME = "demo"
FILE_DIALECTS = frozenset({"duckdb", "sqlite"})
MEMORY = ":memory:"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    name: str
    dialect: str
    tables: int
    url: str  # redacted


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
        self.store = Store(settings.database_url)
        self.cipher = CredentialCipher.from_environment(settings.home)
        self._sources: dict[str, Source] = {}
        self._parsers: dict[tuple[str, int], Parser] = {}
        self._statements: dict[tuple[str, int], dict[str, Any]] = {}
        self._lock = threading.Lock()
        #: The door every face goes through, and the one place credentials resolve.
        self.conversations = Conversations(self.store, settings, self._workspace)
        self.auth = Authenticator(self.store, settings)
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
    ) -> Parley:
        """Open (and on first start set up) the installation in ``home``."""
        parley = cls(settings or Settings.from_env(home=home))
        parley.bootstrap(progress=progress, demo=demo)
        return parley

    def bootstrap(self, *, progress: ProgressCallback | None = None, demo: bool = True) -> None:
        """Migrate the store; create the default organisation, admin key and demo app."""
        self.store.migrate()
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
    ) -> SourceInfo:
        """Connect (testing the connection), introspect, derive the ontology, store it all."""
        org = organization_id or self.organization_id
        url = absolute_file_url(url)
        source = connect(url, name=name)
        source.test_connection()
        schema = source.introspect(progress=progress)
        ontology = derive_ontology(schema, source=name)
        with self.store.session() as session:
            record = catalog.add_source(session, self.cipher, org, name, source.dialect, url)
            catalog.save_ontology(session, record, ontology)
            number_source(session, record)
            self._sources[record.id] = source
            return SourceInfo(record.id, name, source.dialect, len(schema.tables), redact_url(url))

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
        with self.store.session() as session:
            return export_yaml(self.ontology(self._source_record(session, source, organization_id)))

    def import_ontology(
        self, source: str, text: str, *, organization_id: str | None = None
    ) -> Ontology:
        with self.store.session() as session:
            record = self._source_record(session, source, organization_id)
            current = self.ontology(record)
            ontology = import_yaml(text, derived=current)
            # Values are data, not semantics: the YAML has none, the introspection has them.
            merged = merge_ontology(current, ontology)
            catalog.save_ontology(session, record, merged)
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
                self._sources[record.id] = connect(
                    catalog.source_url(record, self.cipher), name=record.name
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
        record = catalog.get_source(session, application.organization_id, application.source_id)
        rows = [
            r.content
            for r in knowledge.knowledge_rows_for_application(
                session, application.organization_id, application.id
            )
        ]
        version = hash(str(record.updated_at))
        key = (record.id, version)
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
            knowledge=rows,
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

    def close(self) -> None:
        for source in self._sources.values():
            source.close()
        self._sources.clear()
        self.store.dispose()
