"""The metadata tables, as SQLAlchemy 2 typed declarative models.

Every table is owned by an organisation; ids are readable prefixed strings
(:func:`parley.ids.new_id`); every timestamp is timezone-aware UTC on both SQLite and
PostgreSQL; JSON columns hold only JSON-ready values (dates as ISO strings).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from parley.ids import new_id

# Stable constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(40)
NAME = String(200)
#: JSON where Python ``None`` is stored as SQL NULL rather than the JSON literal ``null``.
NullableJSON = JSON(none_as_null=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type and returns naive values; PostgreSQL returns them in
    the session's zone. Both are normalised to UTC here so callers never compare naive
    with aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def _id(prefix: str) -> Mapped[str]:
    return mapped_column(ID, primary_key=True, default=lambda: new_id(prefix))


def _org_fk() -> Mapped[str]:
    return mapped_column(ID, ForeignKey("organizations.id", ondelete="CASCADE"), index=True)


def _created() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


def _updated() -> Mapped[datetime]:
    return mapped_column(default=utcnow, onupdate=utcnow)


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = _id("org")
    name: Mapped[str] = mapped_column(NAME, unique=True)
    #: Per-organisation configuration, such as rate limits.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _created()


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("organization_id", "email"),)

    id: Mapped[str] = _id("mem")
    organization_id: Mapped[str] = _org_fk()
    name: Mapped[str] = mapped_column(NAME)
    email: Mapped[str | None] = mapped_column(String(320))
    #: "admin" or "member".
    role: Mapped[str] = mapped_column(String(16), default="member")
    #: The id given to this person by an identity provider or an embedding application.
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = _created()


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = _id("key")
    organization_id: Mapped[str] = _org_fk()
    member_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(NAME)
    #: The first characters of the key, shown to people to tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        UniqueConstraint("organization_id", "number", name="uq_sources_organization_number"),
    )

    id: Mapped[str] = _id("src")
    organization_id: Mapped[str] = _org_fk()
    name: Mapped[str] = mapped_column(NAME)
    #: sqlglot dialect name ("duckdb", "postgres", "mysql", ...).
    dialect: Mapped[str] = mapped_column(String(32))
    #: The connection URL, Fernet-encrypted; never returned to clients.
    url_encrypted: Mapped[str] = mapped_column(Text)
    #: "ready" or "error".
    status: Mapped[str] = mapped_column(String(16), default="ready")
    schema_snapshot: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    #: The Ontology model, dumped to JSON.
    ontology: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    #: Who connected it (a principal's owner: "key:key_x", "member:mem_x").
    created_by: Mapped[str | None] = mapped_column(String(255))
    #: 1, 2, 3, ... within the organisation in the order added (the Ana face's connectorId).
    number: Mapped[int | None] = mapped_column(Integer)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[str] = _id("app")
    organization_id: Mapped[str] = _org_fk()
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str] = mapped_column(Text, default="")
    # RESTRICT: a source in use by an application cannot disappear under it.
    source_id: Mapped[str] = mapped_column(
        ID, ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str | None] = mapped_column(String(255))
    modified_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index(
            "ix_conversations_org_app_updated", "organization_id", "application_id", "updated_at"
        ),
        Index(
            "ix_conversations_org_principal_updated", "organization_id", "principal", "updated_at"
        ),
    )

    id: Mapped[str] = _id("conv")
    organization_id: Mapped[str] = mapped_column(
        ID, ForeignKey("organizations.id", ondelete="CASCADE")
    )
    application_id: Mapped[str] = mapped_column(
        ID, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    #: Who owns the conversation: "member:mem_x", "tenant:acme/user-1", "channel:chan_x/u".
    principal: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    #: The API face that created it ("ana", "openai", "workbench", ...).
    face: Mapped[str] = mapped_column(String(32))
    space_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[str] = _id("msg")
    conversation_id: Mapped[str] = mapped_column(
        ID, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    #: 1, 2, 3, ... within the conversation.
    seq: Mapped[int] = mapped_column(Integer)
    #: "user" or "assistant".
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str | None] = mapped_column(String(32))
    sql: Mapped[str | None] = mapped_column(Text)
    semantic_query: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    columns: Mapped[list[str] | None] = mapped_column(NullableJSON)
    #: Result rows with JSON-ready values (dates as ISO strings).
    rows: Mapped[list[list[Any]] | None] = mapped_column(NullableJSON)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    chart: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    insights: Mapped[list[str] | None] = mapped_column(NullableJSON)
    reason: Mapped[str | None] = mapped_column(Text)
    suggestions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: A clarifying answer's options, each ``{"label": ..., "question": ...}``.
    options: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    agents_visited: Mapped[list[str]] = mapped_column(JSON, default=list)
    error_code: Mapped[str | None] = mapped_column(String(64))
    #: For an unexpected failure: the incident id its traceback was logged under.
    incident_id: Mapped[str | None] = mapped_column(String(40))
    execution_ms: Mapped[float | None] = mapped_column(Float)
    #: The key under which a later call (getData, a change of chart) finds this result.
    data_file_path: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: The request that produced the message, as the face received it.
    request_json: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    created_at: Mapped[datetime] = _created()
    #: The blocks a streaming face last sent for this answer, exactly as sent.
    blocks: Mapped[list[dict[str, Any]] | None] = mapped_column(NullableJSON)


class KnowledgeSource(Base):
    __tablename__ = "knowledge_sources"

    id: Mapped[str] = _id("ks")
    organization_id: Mapped[str] = _org_fk()
    application_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(NAME, default="")
    #: "day", "week", "month" or None (sync only on request).
    sync_interval: Mapped[str | None] = mapped_column(String(16))
    #: "not_synced", "syncing", "synced" or "sync_error".
    status: Mapped[str] = mapped_column(String(16), default="not_synced")
    last_synced_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    # -- sync (0005) --
    #: The channel that created it, if any (limits count sources per channel).
    channel_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    #: The passages of the last successful sync, ``{"row_id", "row_name", "heading",
    #: "text"}`` each: what the bot answers from, whatever was edited since.
    passages: Mapped[list[dict[str, str]] | None] = mapped_column(NullableJSON)
    #: Which process runs the sync now, and until when its lease holds.
    sync_owner: Mapped[str | None] = mapped_column(String(64))
    sync_lease_until: Mapped[datetime | None] = mapped_column()
    #: Sync runs started since the last one that finished (a restart resumes, then gives up).
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0)

    rows: Mapped[list[KnowledgeRow]] = relationship(
        back_populates="knowledge_source",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="KnowledgeRow.created_at",
    )


class KnowledgeRow(Base):
    __tablename__ = "knowledge_rows"

    id: Mapped[str] = _id("krow")
    knowledge_source_id: Mapped[str] = mapped_column(
        ID, ForeignKey("knowledge_sources.id", ondelete="CASCADE"), index=True
    )
    #: Markdown.
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    # -- sync (0005) --
    #: What the row is called where the bot quotes it (a file name, say).
    name: Mapped[str] = mapped_column(String(255), default="")
    #: "not_synced", "syncing", "synced" or "sync_error": whether the last sync saw it as is.
    status: Mapped[str] = mapped_column(String(16), default="not_synced")
    last_synced_at: Mapped[datetime | None] = mapped_column()

    knowledge_source: Mapped[KnowledgeSource] = relationship(back_populates="rows")


class Space(Base):
    __tablename__ = "spaces"

    id: Mapped[str] = _id("space")
    organization_id: Mapped[str] = _org_fk()
    source_id: Mapped[str] = mapped_column(
        ID, ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(NAME)
    #: The customer this space is shared with.
    customer_id: Mapped[str] = mapped_column(String(255))
    #: Row-level filters injected into every query: {"table": {"column": value}} or similar.
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _created()
    #: The application (over ``source_id``) its conversations talk to.
    application_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[str] = _id("chan")
    organization_id: Mapped[str] = _org_fk()
    application_id: Mapped[str] = mapped_column(
        ID, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(NAME)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    secret_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = _created()
    #: A disabled channel answers nothing (as if it did not exist) until enabled again.
    disabled_at: Mapped[datetime | None] = mapped_column()  # 0005


# -- taught questions (0007) -----------------------------------------------------------------


class TaughtQuestion(Base):
    """A question a member saved with the answer it should have: a reading (SemanticQuery)
    or a guarded SQL statement. Later questions of the same shape reuse it."""

    __tablename__ = "taught_questions"

    id: Mapped[str] = _id("tq")
    organization_id: Mapped[str] = _org_fk()
    application_id: Mapped[str] = mapped_column(
        ID, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    #: The corrected reading as SemanticQuery JSON; NULL when the answer is SQL.
    semantic_query: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    sql: Mapped[str | None] = mapped_column(Text)
    #: Who taught it (a principal's owner).
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = _created()
