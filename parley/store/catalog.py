"""Sources (connected databases, credentials encrypted) and applications over them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, defer

from parley.errors import Conflict, NotFound
from parley.store._common import check_choice, flush_or_conflict
from parley.store.models import Application, Source, Space
from parley.store.pagination import Page, fetch_page
from parley.store.secrets import CredentialCipher

SOURCE_STATUSES = frozenset({"ready", "error"})


def add_source(
    session: Session,
    cipher: CredentialCipher,
    organization_id: str,
    name: str,
    dialect: str,
    url: str,
    *,
    status: str = "ready",
    created_by: str | None = None,
) -> Source:
    """A new source whose connection URL is stored encrypted."""
    check_choice("status", status, SOURCE_STATUSES)
    taken = f"a source named {name!r} already exists"
    if get_source_by_name(session, organization_id, name) is not None:
        raise Conflict(taken)
    source = Source(
        organization_id=organization_id,
        name=name,
        dialect=dialect,
        url_encrypted=cipher.encrypt(url),
        status=status,
        created_by=created_by,
    )
    session.add(source)
    flush_or_conflict(session, taken)
    return source


def source_url(source: Source, cipher: CredentialCipher) -> str:
    """The decrypted connection URL; for connecting only, never for display."""
    return cipher.decrypt(source.url_encrypted)


def set_source_url(session: Session, cipher: CredentialCipher, source: Source, url: str) -> Source:
    source.url_encrypted = cipher.encrypt(url)
    session.flush()
    return source


def rekey_sources(session: Session, cipher: CredentialCipher) -> int:
    """Encrypt every stored connection URL again with the cipher's current key."""
    sources = session.scalars(select(Source)).all()
    for source in sources:
        source.url_encrypted = cipher.rotate(source.url_encrypted)
    return len(sources)


def set_source_status(session: Session, source: Source, status: str) -> Source:
    check_choice("status", status, SOURCE_STATUSES)
    source.status = status
    session.flush()
    return source


def get_source(session: Session, organization_id: str, source_id: str) -> Source:
    source = session.get(Source, source_id)
    if source is None or source.organization_id != organization_id:
        raise NotFound(f"source {source_id!r} not found")
    return source


#: The options of ``get_source_head``, built once (it runs at every turn).
_HEAD_ONLY = (defer(Source.schema_snapshot), defer(Source.ontology))


def get_source_head(session: Session, organization_id: str, source_id: str) -> Source:
    """The source without its schema snapshot and ontology, which load when first read
    (within the session): a turn needs only the source's version while its parser is
    cached, and those two are the largest values the store keeps."""
    source = session.get(Source, source_id, options=_HEAD_ONLY)
    if source is None or source.organization_id != organization_id:
        raise NotFound(f"source {source_id!r} not found")
    return source


def get_source_by_name(session: Session, organization_id: str, name: str) -> Source | None:
    return session.scalar(
        select(Source).where(Source.organization_id == organization_id, Source.name == name)
    )


def list_sources(session: Session, organization_id: str) -> list[Source]:
    return list(
        session.scalars(
            select(Source)
            .where(Source.organization_id == organization_id)
            .order_by(Source.created_at, Source.id)
        )
    )


def save_schema_snapshot(session: Session, source: Source, snapshot: dict[str, Any]) -> Source:
    source.schema_snapshot = snapshot
    session.flush()
    return source


def save_ontology(
    session: Session, source: Source, ontology: BaseModel | dict[str, Any] | None
) -> Source:
    """Store the ontology (the Ontology model or its JSON dump); None forgets it."""
    if isinstance(ontology, BaseModel):
        ontology = ontology.model_dump(mode="json")
    source.ontology = ontology
    session.flush()
    return source


def delete_source(session: Session, source: Source) -> None:
    """Delete a source no application or space uses."""
    users = session.scalar(
        select(func.count()).select_from(Application).where(Application.source_id == source.id)
    )
    spaces = session.scalar(
        select(func.count()).select_from(Space).where(Space.source_id == source.id)
    )
    if users or spaces:
        raise Conflict(
            f"source {source.name!r} is used by {users} application(s) and {spaces} space(s)"
        )
    session.delete(source)
    session.flush()


def create_application(
    session: Session,
    organization_id: str,
    name: str,
    source_id: str,
    *,
    description: str = "",
    tags: Iterable[str] = (),
    created_by: str | None = None,
) -> Application:
    get_source(session, organization_id, source_id)
    taken = f"an application named {name!r} already exists"
    if get_application_by_name(session, organization_id, name) is not None:
        raise Conflict(taken)
    application = Application(
        organization_id=organization_id,
        name=name,
        source_id=source_id,
        description=description,
        tags=list(tags),
        created_by=created_by,
        modified_by=created_by,
    )
    session.add(application)
    flush_or_conflict(session, taken)
    return application


def get_application(session: Session, organization_id: str, application_id: str) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.organization_id != organization_id:
        raise NotFound(f"application {application_id!r} not found")
    return application


#: Read at every turn of the OpenAI face: built once (building costs more than running).
_APPLICATION_BY_NAME = select(Application).where(
    Application.organization_id == bindparam("organization_id"),
    Application.name == bindparam("name"),
)


def get_application_by_name(
    session: Session, organization_id: str, name: str
) -> Application | None:
    return session.scalar(_APPLICATION_BY_NAME, {"organization_id": organization_id, "name": name})


def list_applications(
    session: Session,
    organization_id: str,
    *,
    name_contains: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Page[Application]:
    """Applications by name; ``name_contains`` matches case-insensitively."""
    statement = select(Application).where(Application.organization_id == organization_id)
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Application.name.ilike(f"%{escaped}%", escape="\\"))
    return fetch_page(
        session,
        statement,
        order_by=(Application.name, Application.id),
        limit=limit,
        offset=offset,
    )


def update_application(
    session: Session,
    application: Application,
    *,
    name: str | None = None,
    description: str | None = None,
    source_id: str | None = None,
    tags: Iterable[str] | None = None,
    modified_by: str | None = None,
) -> Application:
    if name is not None and name != application.name:
        taken = f"an application named {name!r} already exists"
        if get_application_by_name(session, application.organization_id, name) is not None:
            raise Conflict(taken)
        application.name = name
    if description is not None:
        application.description = description
    if source_id is not None:
        application.source_id = get_source(session, application.organization_id, source_id).id
    if tags is not None:
        application.tags = list(tags)
    if modified_by is not None:
        application.modified_by = modified_by
    flush_or_conflict(session, f"an application named {application.name!r} already exists")
    return application


def delete_application(session: Session, application: Application) -> None:
    """Delete an application with its conversations, channels and knowledge."""
    session.delete(application)
    session.flush()
