"""The embedded analytics face: a partner's database connectors, spaces and embed tokens,
and its customers' conversations on a space.

Partner calls (``/api/v1/sources``, ``/api/v1/spaces``, ``/api/v1/embed/token``) carry
``Authorization: Bearer <API key>``; the key's organisation is the partner. Conversation
calls (``/api/v1/conversations...``) carry the customer's embed token, or a partner key
previewing one of its spaces. Errors have FastAPI's shapes: ``{"detail": [{"loc", "msg",
"type"}]}`` for a 422, ``{"detail": "..."}`` otherwise. See docs/embedded.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from parley.api._edge import auth_of, embedded_of, error_headers, face_route
from parley.auth.principal import Principal
from parley.auth.ratelimit import RateLimits
from parley.conversations.embedded import (
    Connector,
    ConnectorSpec,
    Embedded,
    EmbedMessage,
    SpaceView,
)
from parley.errors import ParleyError

NAME = "embedded"
PREFIXES = (
    "/api/v1/sources",
    "/api/v1/spaces",
    "/api/v1/embed/",
    "/api/v1/conversations",
)
DEFAULT_PAGE = 100


def error_response(error: ParleyError) -> JSONResponse:
    """FastAPI's own error bodies: a list of located problems for a 422, a string else."""
    detail: Any = error.message
    if error.status == 422:
        field = error.detail.get("field")
        loc = ["body", str(field)] if field else ["body"]
        detail = error.detail.get("errors") or [
            {"loc": loc, "msg": error.message, "type": error.code}
        ]
    return JSONResponse(
        {"detail": detail}, status_code=error.status, headers=error_headers(error, scheme="Bearer")
    )


def _this_face() -> Any:
    import parley.api.embedded as face

    return face


#: Questions per partner organisation (all its customers together) unless
#: ``Organization.settings["rate_limits"]`` says otherwise.
DEFAULT_LIMITS = RateLimits(per_minute=600, per_hour=10_000, per_day=100_000)
RATE_SCOPE = "embedded"

router = APIRouter(route_class=face_route(_this_face), tags=["embedded"])


# -- who is calling ------------------------------------------------------------------------


def partner(request: Request) -> Principal:
    return auth_of(request).authorization(request.headers.get("authorization"))


def customer(request: Request) -> Principal:
    return auth_of(request).api_key_or_embed_token(request.headers.get("authorization"))


PartnerDep = Annotated[Principal, Depends(partner)]
CustomerDep = Annotated[Principal, Depends(customer)]
EmbeddedDep = Annotated[Embedded, Depends(embedded_of)]


# -- models --------------------------------------------------------------------------------


class ConnectorRequest(BaseModel):
    database_type: str = Field(
        description="postgres or redshift (mysql and duckdb too; duckdb's database is a file)"
    )
    host: str | None = Field(default=None, description="Database host")
    port: int | None = Field(default=None, ge=1, le=65535, description="Database port")
    database: str = Field(min_length=1, description="Database name")
    username: str | None = Field(default=None, description="Database username")
    password: str | None = Field(default=None, description="Database password")
    source_name: str | None = Field(default=None, description="Optional name for the source")


class ConnectorOut(BaseModel):
    source_id: str
    user_id: str
    database_type: str
    host: str
    port: int
    database: str
    username: str
    source_name: str
    status: str


class Filter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str = Field(
        description="equals, not_equals, in, not_in, greater_than, greater_than_or_equal, "
        "less_than, less_than_or_equal, contains, is_null"
    )
    value: Any = None


class SpaceRequest(BaseModel):
    source_id: str = Field(min_length=1, description="ID of the data source")
    name: str = Field(min_length=1, max_length=200, description="Display name for the space")
    customer_id: str = Field(min_length=1, max_length=255, description="Customer to share with")
    filters: dict[str, Filter] | None = Field(
        default=None,
        description="Row filters keyed by column name; each applies to every "
        "table of the source having that column",
    )


class SpaceOut(BaseModel):
    space_id: str
    source_id: str
    name: str
    partner_id: str
    customer_id: str
    filters: dict[str, Filter]


class TokenRequest(BaseModel):
    customer_id: str | None = None
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    space_id: str | None = None


class TokenOut(BaseModel):
    token: str
    #: Seconds until the token expires.
    expires_in: int


class EmbedSettingsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frame_ancestors: list[str] | None = Field(
        description="The sites that may show the embed page in a frame: origins such as "
        "https://app.example.com or https://*.example.com, or 'self'; or ['none'] for no "
        "site. null restores the default, 'self'.",
        examples=[["https://app.example.com"]],
    )


class EmbedSettingsOut(BaseModel):
    #: The sources of the embed page's ``Content-Security-Policy: frame-ancestors``.
    frame_ancestors: list[str]


class ConversationRequest(BaseModel):
    space_id: str | None = Field(
        default=None, description="The space; an embed token's own space when omitted"
    )


class ConversationOut(BaseModel):
    conversation_id: str
    space_id: str
    created_at: str


class MessageRequest(BaseModel):
    text: str


class MessageOut(BaseModel):
    text: str
    role: Literal["user", "assistant"]
    #: The chart as a Vega-Lite v5 specification (data included), as JSON text.
    visualization: str | None


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    next_token: str | None


def _connector(c: Connector) -> ConnectorOut:
    return ConnectorOut(
        source_id=c.source_id,
        user_id=c.user_id,
        database_type=c.database_type,
        host=c.host,
        port=c.port,
        database=c.database,
        username=c.username,
        source_name=c.source_name,
        status=c.status,
    )


def _space(s: SpaceView) -> SpaceOut:
    return SpaceOut(
        space_id=s.space_id,
        source_id=s.source_id,
        name=s.name,
        partner_id=s.partner_id,
        customer_id=s.customer_id,
        filters={column: Filter(**spec) for column, spec in s.filters.items()},
    )


def _message(m: EmbedMessage) -> MessageOut:
    role: Literal["user", "assistant"] = "user" if m.role == "user" else "assistant"
    return MessageOut(text=m.text, role=role, visualization=m.visualization)


# -- partner: connectors, spaces, tokens ---------------------------------------------------


@router.get("/api/v1/sources", response_model=list[ConnectorOut])
def list_connectors(who: PartnerDep, service: EmbeddedDep) -> list[ConnectorOut]:
    """The partner's database connectors (never their passwords)."""
    return [_connector(c) for c in service.connectors(who)]


@router.post("/api/v1/sources", response_model=ConnectorOut)
def create_connector(body: ConnectorRequest, who: PartnerDep, service: EmbeddedDep) -> ConnectorOut:
    """Connect a database: the connection is tested and the schema read on creation."""
    spec = ConnectorSpec(
        database_type=body.database_type,
        database=body.database,
        host=body.host,
        port=body.port,
        username=body.username,
        password=body.password,
        source_name=body.source_name,
    )
    return _connector(service.create_connector(who, spec))


@router.get("/api/v1/sources/{source_id}", response_model=ConnectorOut)
def get_connector(source_id: str, who: PartnerDep, service: EmbeddedDep) -> ConnectorOut:
    return _connector(service.connector(who, source_id))


@router.get("/api/v1/spaces", response_model=list[SpaceOut])
def list_spaces(who: PartnerDep, service: EmbeddedDep) -> list[SpaceOut]:
    """The partner's spaces, with their filters."""
    return [_space(s) for s in service.spaces(who)]


@router.post("/api/v1/spaces", response_model=SpaceOut)
def create_space(body: SpaceRequest, who: PartnerDep, service: EmbeddedDep) -> SpaceOut:
    """A space: the source restricted by the filters, shared read-only with one customer."""
    filters = (
        {column: f.model_dump() for column, f in body.filters.items()} if body.filters else None
    )
    return _space(
        service.create_space(
            who,
            source_id=body.source_id,
            name=body.name,
            customer_id=body.customer_id,
            filters=filters,
        )
    )


@router.get("/api/v1/spaces/{space_id}", response_model=SpaceOut)
def get_space(space_id: str, who: PartnerDep, service: EmbeddedDep) -> SpaceOut:
    return _space(service.space(who, space_id))


@router.post("/api/v1/embed/token", response_model=TokenOut)
def embed_token(body: TokenRequest, who: PartnerDep, service: EmbeddedDep) -> TokenOut:
    """A signed JWT for one user (created if new) that opens one space, read-only."""
    token, expires_in = service.issue_token(
        who,
        email=body.email,
        name=body.name,
        customer_id=body.customer_id,
        space_id=body.space_id,
    )
    return TokenOut(token=token, expires_in=expires_in)


@router.get("/api/v1/embed/settings", response_model=EmbedSettingsOut)
def get_embed_settings(who: PartnerDep, service: EmbeddedDep) -> EmbedSettingsOut:
    """How the embed page (``GET /embed?token=...``) may be shown: the sites that may
    frame it."""
    return EmbedSettingsOut(frame_ancestors=list(service.frame_ancestors(who.organization_id)))


@router.put("/api/v1/embed/settings", response_model=EmbedSettingsOut)
def put_embed_settings(
    body: EmbedSettingsRequest, who: PartnerDep, service: EmbeddedDep
) -> EmbedSettingsOut:
    """Set the sites that may frame the embed page (an admin key only)."""
    return EmbedSettingsOut(
        frame_ancestors=list(service.set_frame_ancestors(who, body.frame_ancestors))
    )


# -- customer: conversations ---------------------------------------------------------------


@router.post("/api/v1/conversations", response_model=ConversationOut)
def create_conversation(
    who: CustomerDep, service: EmbeddedDep, body: ConversationRequest | None = None
) -> ConversationOut:
    """A new conversation on the embed token's space (a partner key names its space)."""
    ref = service.start(who, (body or ConversationRequest()).space_id)
    space_id = who.space_id or (body.space_id if body else None) or ""
    return ConversationOut(
        conversation_id=ref.id,
        space_id=space_id,
        created_at=ref.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )


@router.post("/api/v1/conversations/{conversation_id}/messages", response_model=MessageOut)
def send_message(
    conversation_id: str,
    body: MessageRequest,
    request: Request,
    who: CustomerDep,
    service: EmbeddedDep,
) -> MessageOut:
    """Ask; the answer's text and its chart as a Vega-Lite JSON string."""
    # One count for the partner's organisation, whichever of its customers asks.
    auth_of(request).count(who, scope=RATE_SCOPE, default=DEFAULT_LIMITS)
    return _message(service.send(who, conversation_id, body.text))


@router.get("/api/v1/conversations/{conversation_id}/messages", response_model=MessagesOut)
def get_messages(
    conversation_id: str,
    who: CustomerDep,
    service: EmbeddedDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = DEFAULT_PAGE,
    next_token: str | None = None,
) -> MessagesOut:
    """Oldest first; pass ``next_token`` back for the next page (stable as messages arrive)."""
    page = service.messages(who, conversation_id, limit=limit, next_token=next_token)
    return MessagesOut(messages=[_message(m) for m in page.messages], next_token=page.next_token)
