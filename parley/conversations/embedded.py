"""Embedded analytics through the door: a partner's connectors, spaces and embed tokens,
and its customers' conversations on a space.

A partner is an organisation, calling with one of its API keys. A *space* is a source
restricted by row filters and shared with one customer; it talks to one application over
that source (the source's oldest application, created under the source's name when the
source has none). A customer calls with an embed token that opens only its space; every
statement of a conversation on a space carries the space's filters as stored at the
moment the conversation is opened, whoever calls.

A filter names a column, not a table: it applies to every table of the source that has a
column of that name (compared case-insensitively), and a table without it is not filtered
by it. A filter naming a column no table has is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from parley.auth.principal import Principal
from parley.conversations.framing import (
    SETTING,
    checked_frame_ancestors,
    stored_frame_ancestors,
)
from parley.conversations.service import collect
from parley.conversations.validation import validate_question
from parley.conversations.views import ConversationRef, StoredMessage
from parley.engine.events import Answer
from parley.engine.row_filters import RowFilter
from parley.errors import (
    Conflict,
    Forbidden,
    InternalError,
    InvalidInput,
    NotFound,
    ParleyError,
    SourceError,
)
from parley.store import catalog, sharing, tenancy
from parley.store.models import Application, Conversation, Member, Space
from parley.store.models import Source as SourceRecord
from parley.store.secrets import REDACTED

if TYPE_CHECKING:
    from parley.conversations.installation import Parley

FACE = "embedded"
#: The database types a connector may name, and the URL scheme each one is reached by.
DATABASE_TYPES: dict[str, str] = {
    "postgres": "postgresql",
    "redshift": "redshift",
    "mysql": "mysql",
    "duckdb": "duckdb",
}
_TYPE_OF_DIALECT = {"postgres": "postgres", "redshift": "redshift", "mysql": "mysql"}
#: Which field of the request a failed connection blames, by failure.
_FAILURE_FIELD = {
    "host_unreachable": "host",
    "auth_failed": "username",
    "database_missing": "database",
}
_FAILURE_WORDS = {
    "host_unreachable": "the database server could not be reached",
    "auth_failed": "authentication failed",
    "database_missing": "the database does not exist",
}
MAX_PAGE = 1000


def problem(loc: list[str | int], msg: str, kind: str) -> InvalidInput:
    """A 422 naming the request field that is wrong, in the validation-error shape."""
    return InvalidInput(msg, detail={"errors": [{"loc": loc, "msg": msg, "type": kind}]})


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    database_type: str
    database: str
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    source_name: str | None = None


@dataclass(frozen=True, slots=True)
class Connector:
    source_id: str
    user_id: str
    database_type: str
    host: str
    port: int
    database: str
    username: str
    source_name: str
    status: str


@dataclass(frozen=True, slots=True)
class SpaceView:
    space_id: str
    source_id: str
    name: str
    partner_id: str
    customer_id: str
    filters: dict[str, Any]
    #: The application its conversations talk to.
    application: str


@dataclass(frozen=True, slots=True)
class EmbedMessage:
    id: str
    role: str
    text: str
    #: The chart as a Vega-Lite v5 specification (data included), as JSON text.
    visualization: str | None


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: list[EmbedMessage]
    #: The id to pass back for the next page; None when no message follows (yet).
    next_token: str | None


def visualization_of(answer: Answer | None) -> str | None:
    if answer is None or answer.chart is None or not answer.chart.vega_lite:
        return None
    return json.dumps(answer.chart.vega_lite, separators=(",", ":"))


def _message(stored: StoredMessage) -> EmbedMessage:
    return EmbedMessage(stored.id, stored.role, stored.text, visualization_of(stored.answer))


class Embedded:
    """The embedded analytics operations of one installation."""

    def __init__(self, parley: Parley) -> None:
        self._parley = parley
        self._store = parley.store

    # -- connectors -------------------------------------------------------------------

    def create_connector(self, principal: Principal, spec: ConnectorSpec) -> Connector:
        """Connect (the connection is tested and the schema read), store it encrypted, and
        give it an application of the same name. A failed connection is a 422 naming the
        field to blame; the password is never repeated."""
        url = self._url(spec)
        name = (spec.source_name or "").strip() or _default_name(spec)
        org = principal.organization_id
        with self._store.session() as session:
            if catalog.get_source_by_name(session, org, name) is not None:
                raise Conflict(f"a source named {name!r} already exists")
        try:
            info = self._parley.add_source(
                url, name=name, organization_id=org, created_by=principal.owner
            )
        except SourceError as error:
            raise _connection_problem(error, spec) from None
        with self._store.session() as session:
            record = catalog.get_source(session, org, info.id)
            self._application_of(session, record)
            return self._connector(record)

    def connectors(self, principal: Principal) -> list[Connector]:
        with self._store.session() as session:
            return [
                self._connector(s) for s in catalog.list_sources(session, principal.organization_id)
            ]

    def connector(self, principal: Principal, source_id: str) -> Connector:
        with self._store.session() as session:
            record = catalog.get_source(session, principal.organization_id, source_id)
            return self._connector(record)

    def _url(self, spec: ConnectorSpec) -> str:
        scheme = DATABASE_TYPES.get(spec.database_type.strip().lower())
        if scheme is None:
            raise problem(
                ["body", "database_type"],
                f"unknown database type {spec.database_type!r}; "
                f"choose one of {', '.join(DATABASE_TYPES)}",
                "value_error",
            )
        if scheme == "duckdb":
            return f"duckdb:///{spec.database}"
        for field in ("host", "port", "username", "password"):
            if getattr(spec, field) is None:
                raise problem(["body", field], "Field required", "missing")
        return URL.create(
            scheme,
            username=spec.username,
            password=spec.password,
            host=spec.host,
            port=spec.port,
            database=spec.database,
        ).render_as_string(hide_password=False)

    def _connector(self, record: SourceRecord) -> Connector:
        url = make_url(catalog.source_url(record, self._parley.cipher))
        return Connector(
            source_id=record.id,
            user_id=record.created_by or "",
            database_type=_TYPE_OF_DIALECT.get(record.dialect, record.dialect),
            host=url.host or "",
            port=url.port or 0,
            database=url.database or "",
            username=url.username or "",
            source_name=record.name,
            status="READY" if record.status == "ready" else "ERROR",
        )

    # -- spaces -----------------------------------------------------------------------

    def create_space(
        self,
        principal: Principal,
        *,
        source_id: str,
        name: str,
        customer_id: str,
        filters: dict[str, dict[str, Any]] | None,
    ) -> SpaceView:
        org = principal.organization_id
        with self._store.session() as session:
            try:
                record = catalog.get_source(session, org, source_id)
            except NotFound as error:
                raise NotFound(error.message, detail={"field": "source_id"}) from None
            checked = _checked_filters(filters or {}, _columns(record))
            application = self._application_of(session, record)
            space = sharing.create_space(
                session,
                org,
                record.id,
                name,
                customer_id,
                filters=checked,
                application_id=application.id,
            )
            return _space_view(space, application)

    def spaces(self, principal: Principal) -> list[SpaceView]:
        with self._store.session() as session:
            return [
                _space_view(s, self._space_application(session, s))
                for s in sharing.list_spaces(session, principal.organization_id)
            ]

    def space(self, principal: Principal, space_id: str) -> SpaceView:
        with self._store.session() as session:
            space = sharing.get_space(session, principal.organization_id, space_id)
            return _space_view(space, self._space_application(session, space))

    def _application_of(self, session: Session, record: SourceRecord) -> Application:
        """The source's application: its oldest, or a new one named after the source."""
        found = session.scalars(
            select(Application)
            .where(
                Application.organization_id == record.organization_id,
                Application.source_id == record.id,
            )
            .order_by(Application.created_at, Application.id)
            .limit(1)
        ).first()
        if found is not None:
            return found
        name, n = record.name, 1
        while catalog.get_application_by_name(session, record.organization_id, name):
            n += 1
            name = f"{record.name} ({n})"
        return catalog.create_application(
            session, record.organization_id, name, record.id, created_by="embedded"
        )

    def _space_application(self, session: Session, space: Space) -> Application:
        if space.application_id is None:
            # A space made before spaces named their application: give it its source's.
            record = catalog.get_source(session, space.organization_id, space.source_id)
            space.application_id = self._application_of(session, record).id
            session.flush()
        return catalog.get_application(session, space.organization_id, space.application_id)

    # -- embed tokens -----------------------------------------------------------------

    def issue_token(
        self,
        principal: Principal,
        *,
        email: str,
        name: str,
        customer_id: str | None = None,
        space_id: str | None = None,
    ) -> tuple[str, int]:
        """An embed token for the user ``email`` (created if new) on one space: the one
        named, or the customer's only space. Returns the token and its lifetime (s)."""
        org = principal.organization_id
        with self._store.session() as session:
            space = self._token_space(session, org, customer_id, space_id)
            self._space_application(session, space)
            member = session.scalars(
                select(Member).where(Member.organization_id == org, Member.email == email)
            ).first()
            if member is None:
                member = tenancy.create_member(
                    session, org, name, email=email, external_id=customer_id or space.customer_id
                )
            service = self._parley.auth.embed_tokens
            token = service.issue(
                tenant_id=org,
                user_id=member.id,
                extra={
                    "space_id": space.id,
                    "customer_id": space.customer_id,
                    "email": email,
                    "name": name,
                },
            )
            return token, service.config.default_ttl_s

    @staticmethod
    def _token_space(
        session: Session, org: str, customer_id: str | None, space_id: str | None
    ) -> Space:
        if space_id:
            try:
                space = sharing.get_space(session, org, space_id)
            except NotFound as error:
                raise NotFound(error.message, detail={"field": "space_id"}) from None
            if customer_id and customer_id != space.customer_id:
                raise problem(
                    ["body", "customer_id"],
                    f"space {space_id!r} is shared with another customer",
                    "value_error",
                )
            return space
        if not customer_id:
            raise problem(
                ["body", "space_id"],
                "name the space (space_id) or the customer whose only space it is (customer_id)",
                "missing",
            )
        spaces = sharing.list_spaces(session, org, customer_id=customer_id)
        if len(spaces) != 1:
            said = "has no space" if not spaces else f"has {len(spaces)} spaces: name one"
            raise problem(["body", "space_id"], f"customer {customer_id!r} {said}", "value_error")
        return spaces[0]

    # -- the embed page's frame ---------------------------------------------------------

    def frame_ancestors(self, organization_id: str) -> tuple[str, ...]:
        """The sites that may frame the organisation's embed page (``framing``)."""
        with self._store.session() as session:
            organization = tenancy.get_organization(session, organization_id)
            return stored_frame_ancestors(organization.settings)

    def set_frame_ancestors(
        self, principal: Principal, sources: list[str] | None
    ) -> tuple[str, ...]:
        """Replace the list (None: back to the default); an admin's decision, since it
        chooses which sites may show the partner's customers their data."""
        if principal.role != "admin" or principal.space_id is not None:
            raise Forbidden(
                "only an admin API key of the organisation may change which sites may "
                "frame its embed page"
            )
        checked = None if sources is None else list(checked_frame_ancestors(sources))
        with self._store.session() as session:
            organization = tenancy.get_organization(session, principal.organization_id)
            tenancy.update_organization_settings(session, organization, {SETTING: checked})
            return stored_frame_ancestors(organization.settings)

    # -- conversations ----------------------------------------------------------------

    def start(self, principal: Principal, space_id: str | None) -> ConversationRef:
        """A new conversation on the caller's space (a partner names one of its spaces)."""
        if principal.space_id is not None:
            if space_id not in (None, principal.space_id):
                raise NotFound(f"space {space_id!r} not found", detail={"field": "space_id"})
            space_id = principal.space_id
        if not space_id:
            raise problem(["body", "space_id"], "Field required", "missing")
        with self._store.session() as session:
            try:
                space = sharing.get_space(session, principal.organization_id, space_id)
            except NotFound as error:
                raise NotFound(error.message, detail={"field": "space_id"}) from None
            on_space, application = self._on_space(session, principal, space)
        return self._parley.conversations.open(on_space, face=FACE, app=application)

    def reopen(self, principal: Principal, conversation_id: str) -> ConversationRef:
        """The caller's conversation on a space, with the space's filters as stored now;
        one of another space, or of another caller, is not found."""
        missing = NotFound(f"conversation {conversation_id!r} not found")
        with self._store.session() as session:
            conversation = session.get(Conversation, conversation_id)
            if (
                conversation is None
                or conversation.organization_id != principal.organization_id
                or conversation.space_id is None
                or conversation.principal != principal.owner
                or principal.space_id not in (None, conversation.space_id)
            ):
                raise missing
            space = sharing.get_space(session, principal.organization_id, conversation.space_id)
            on_space, _ = self._on_space(session, principal, space)
        return self._parley.conversations.open(on_space, face=FACE, conversation_id=conversation_id)

    def send(self, principal: Principal, conversation_id: str, text: str) -> EmbedMessage:
        ref = self.reopen(principal, conversation_id)
        try:
            validate_question(text, max_chars=self._parley.settings.max_question_chars)
        except InvalidInput as error:
            raise problem(["body", "text"], error.message, "value_error") from None
        turn = collect(self._parley.conversations.turn(ref, text, request_json={"text": text}))
        if turn.answer.incident_id:
            raise InternalError(turn.answer.incident_id)
        return EmbedMessage(
            turn.assistant_message_id, "assistant", turn.answer.text, visualization_of(turn.answer)
        )

    def messages(
        self, principal: Principal, conversation_id: str, *, limit: int, next_token: str | None
    ) -> MessagePage:
        """Oldest first; a page ends where the next begins, whatever is added meanwhile."""
        if not 1 <= limit <= MAX_PAGE:
            raise problem(
                ["query", "limit"], f"limit must be between 1 and {MAX_PAGE}", "value_error"
            )
        ref = self.reopen(principal, conversation_id)
        try:
            page = self._parley.conversations.history(ref, limit=limit + 1, after=next_token)
        except NotFound:
            raise problem(
                ["query", "next_token"],
                "next_token is not a token of this conversation",
                "value_error",
            ) from None
        items = page.items[:limit]
        more = len(page.items) > limit
        return MessagePage([_message(m) for m in items], items[-1].id if more else None)

    def _on_space(
        self, session: Session, principal: Principal, space: Space
    ) -> tuple[Principal, str]:
        """The caller as it acts on ``space``: its application only, its filters always."""
        application = self._space_application(session, space)
        acting = Principal(
            principal.organization_id,
            principal.owner,
            principal.name,
            role=principal.role,
            member_id=principal.member_id,
            applications=frozenset({application.name}),
            space_id=space.id,
            row_filters=sharing.row_filters_of(space.filters),
            rate_limits=principal.rate_limits,
        )
        return acting, application.name


def _default_name(spec: ConnectorSpec) -> str:
    return f"{spec.database} on {spec.host}" if spec.host else spec.database


def _connection_problem(error: ParleyError, spec: ConnectorSpec) -> InvalidInput:
    failure = str(error.detail.get("failure") or "host_unreachable")
    field = _FAILURE_FIELD.get(failure, "host")
    where = f"{spec.host}:{spec.port}" if spec.host else spec.database
    said = str(error.detail.get("driver_message") or error.message)
    if spec.password:  # the source scrubs it already; a connector's message never has it
        said = said.replace(spec.password, REDACTED)
    msg = f"{_FAILURE_WORDS.get(failure, 'the connection failed')} ({where}): {said}"
    return problem(["body", field], msg, failure)


def _columns(record: SourceRecord) -> dict[str, str]:
    """Every column of the source's tables, by lower-case name."""
    columns: dict[str, str] = {}
    for obj in (record.ontology or {}).get("objects", []):
        for attribute in obj.get("attributes", []):
            columns.setdefault(attribute["name"].lower(), attribute["name"])
    return columns


def _checked_filters(
    filters: dict[str, dict[str, Any]], columns: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """The filters, each column and operator known and each value fit for its operator."""
    errors: list[dict[str, Any]] = []
    checked: dict[str, dict[str, Any]] = {}
    for column, spec in filters.items():
        loc: list[str | int] = ["body", "filters", column]
        operator = spec.get("operator")
        if column.lower() not in columns:
            errors.append(
                {"loc": loc, "msg": f"unknown column {column!r}: no table of the source has it",
                 "type": "unknown_column"}
            )  # fmt: skip
            continue
        if operator not in sharing.OPERATORS:
            errors.append(
                {"loc": [*loc, "operator"],
                 "msg": f"unknown operator {operator!r} for column {column!r}; choose one of "
                        f"{', '.join(sharing.OPERATORS)}",
                 "type": "unknown_operator"}
            )  # fmt: skip
            continue
        value = spec.get("value")
        try:
            RowFilter(column, sharing.OPERATORS[operator], _hashable(value))
        except ValueError as error:
            errors.append({"loc": [*loc, "value"], "msg": str(error), "type": "value_error"})
            continue
        checked[column] = {"operator": operator, "value": value}
    if errors:
        raise InvalidInput("; ".join(e["msg"] for e in errors), detail={"errors": errors})
    return checked


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _space_view(space: Space, application: Application) -> SpaceView:
    return SpaceView(
        space_id=space.id,
        source_id=space.source_id,
        name=space.name,
        partner_id=space.organization_id,
        customer_id=space.customer_id,
        filters=dict(space.filters),
        application=application.name,
    )
