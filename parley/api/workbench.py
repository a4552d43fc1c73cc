"""The BI Workbench face: chat sessions over HTTP (``/api/v1/bi/chat``) and a WebSocket
(``/ws/chat/{session_id}``), authenticated by JWT.

A session is a conversation of the token's user; each call is one turn through the door,
rendered in this face's JSON. Errors have one shape, built by :func:`error_body`.
See docs/workbench.md.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from parley.api._edge import auth_of, door_of, error_headers, face_route, teaching_of
from parley.api._workbench_render import answer_body, message_metadata, timestamp
from parley.api._workbench_ws import FACE, ws_router
from parley.auth.principal import Principal
from parley.conversations.service import Conversations, collect
from parley.conversations.teaching import Teaching
from parley.conversations.views import ConversationRef
from parley.errors import Forbidden, ParleyError, Unauthorized

NAME = FACE
PREFIX = "/api/v1/bi/chat"
PREFIXES = ("/api/v1/bi/", "/ws/chat/")
MAX_HISTORY_PAGE = 500
#: The application every Workbench session talks to (``PARLEY_WORKBENCH_APP``).
ENV_APP = "PARLEY_WORKBENCH_APP"
DEFAULT_APP = "demo"


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The body of every error this face returns: ``{"detail": ..., "code": ...}``."""
    return {"detail": detail, "code": code, **extra}


def error_response(error: ParleyError) -> JSONResponse:
    headers = error_headers(error, scheme="Bearer")
    extra = {"errors": error.detail["errors"]} if "errors" in error.detail else {}
    return JSONResponse(
        error_body(error.code, error.message, **extra), status_code=error.status, headers=headers
    )


def _this_face() -> Any:
    import parley.api.workbench as face

    return face


# -- request and response models ----------------------------------------------------------


class CreateSession(BaseModel):
    tenant_id: str = Field(min_length=1, max_length=100)
    user_id: str = Field(min_length=1, max_length=100)


class SessionInfo(BaseModel):
    session_id: str
    tenant_id: str
    user_id: str
    created_at: str
    message_count: int


class SendMessage(BaseModel):
    message: str


class Refine(BaseModel):
    refinement: str


class Visualize(BaseModel):
    chart_type: str = Field(min_length=1)


class Visualization(BaseModel):
    type: str
    x_axis: str | None
    y_axis: str | None
    color: str | None = None
    title: str = ""
    #: The complete Vega-Lite v5 specification, data included.
    spec: dict[str, Any]


class Data(BaseModel):
    columns: list[str]
    rows: list[list[Any]]


class ErrorInfo(BaseModel):
    code: str
    message: str


class ReadingOption(BaseModel):
    label: str
    #: Send this as the next message to get that reading's answer.
    question: str


class ChatResponse(BaseModel):
    success: bool
    response: str
    intent: str
    sql: str | None
    visualization: Visualization | None
    data: Data
    insights: list[str]
    agents_visited: list[str]
    execution_time_ms: int
    error: ErrorInfo | None = None
    #: For a clarifying answer: the readings to pick from.
    options: list[ReadingOption] = []
    #: The stored answer's id: teach its question with ``.../messages/{id}/teach``.
    message_id: str | None = None


class Teach(BaseModel):
    #: The SemanticQuery the question should have (an object, or JSON/YAML text).
    reading: dict[str, Any] | str | None = None
    #: Or the SQL it should run. With neither, the answer is kept as it is.
    sql: str | None = None


class Taught(BaseModel):
    id: str
    application: str
    question: str
    kind: str
    semantic_query: dict[str, Any] | None
    sql: str | None
    taught_by: str
    created_at: str


class HistoryMessage(BaseModel):
    role: str
    content: str
    timestamp: str
    metadata: dict[str, Any]


class History(BaseModel):
    session_id: str
    messages: list[HistoryMessage]
    total_count: int


# -- who is calling, and which session ----------------------------------------------------


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None when absent)."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <JWT>'")
    return token.strip()


def current_caller(request: Request) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    return auth_of(request).workbench_token(token)


CallerDep = Annotated[Principal, Depends(current_caller)]
DoorDep = Annotated[Conversations, Depends(door_of)]
TeachingDep = Annotated[Teaching, Depends(teaching_of)]


def workbench_app() -> str:
    return os.environ.get(ENV_APP) or DEFAULT_APP


def open_session(door: Conversations, caller: Principal, session_id: str) -> ConversationRef:
    """The caller's session; another user's (or tenant's) is reported as not found."""
    return door.open(caller, face=FACE, conversation_id=session_id)


def tenant_and_user(caller: Principal) -> tuple[str, str]:
    tenant, _, user = caller.owner.removeprefix("tenant:").partition("/")
    return tenant, user


# -- routes -------------------------------------------------------------------------------

router = APIRouter(route_class=face_route(_this_face), tags=["workbench"])


@router.post(f"{PREFIX}/sessions", response_model=SessionInfo, status_code=201)
def create_chat_session(body: CreateSession, door: DoorDep, caller: CallerDep) -> SessionInfo:
    tenant, user = tenant_and_user(caller)
    if body.tenant_id != tenant:
        raise Forbidden(
            f"tenant_id {body.tenant_id!r} does not match the token's tenant {tenant!r}"
        )
    if body.user_id != user:
        raise Forbidden(f"user_id {body.user_id!r} does not match the token's subject {user!r}")
    ref = door.open(caller, face=FACE, app=workbench_app())
    return SessionInfo(
        session_id=ref.id,
        tenant_id=tenant,
        user_id=user,
        created_at=timestamp(ref.created_at),
        message_count=0,
    )


@router.post(f"{PREFIX}/sessions/{{session_id}}/messages", response_model=ChatResponse)
def send_message(
    session_id: str, body: SendMessage, door: DoorDep, caller: CallerDep
) -> dict[str, Any]:
    ref = open_session(door, caller, session_id)
    turn = collect(door.turn(ref, body.message, request_json=body.model_dump()))
    return {**answer_body(turn.answer), "message_id": turn.assistant_message_id}


@router.post(f"{PREFIX}/sessions/{{session_id}}/refine", response_model=ChatResponse)
def refine(session_id: str, body: Refine, door: DoorDep, caller: CallerDep) -> dict[str, Any]:
    ref = open_session(door, caller, session_id)
    door.require_query(ref)
    turn = collect(door.turn(ref, body.refinement, request_json=body.model_dump()))
    return {**answer_body(turn.answer), "message_id": turn.assistant_message_id}


@router.post(f"{PREFIX}/sessions/{{session_id}}/visualize", response_model=ChatResponse)
def visualize(session_id: str, body: Visualize, door: DoorDep, caller: CallerDep) -> dict[str, Any]:
    ref = open_session(door, caller, session_id)
    events = door.change_chart(
        ref, body.chart_type, said="visualize: {chart}", request_json=body.model_dump()
    )
    turn = collect(events)
    return answer_body(turn.answer)


@router.get(f"{PREFIX}/sessions/{{session_id}}/history", response_model=History)
def history(
    session_id: str,
    door: DoorDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> History:
    ref = open_session(door, caller, session_id)
    page = door.history(ref, limit=limit, offset=offset)
    messages = [
        HistoryMessage(
            role=m.role,
            content=m.text,
            timestamp=timestamp(m.created_at),
            metadata={**message_metadata(m.answer), "message_id": m.id} if m.answer else {},
        )
        for m in page.items
    ]
    return History(session_id=ref.id, messages=messages, total_count=page.total)


@router.post(
    f"{PREFIX}/sessions/{{session_id}}/messages/{{message_id}}/teach",
    response_model=Taught,
    status_code=201,
)
def teach(
    session_id: str,
    message_id: str,
    body: Teach,
    door: DoorDep,
    teaching: TeachingDep,
    caller: CallerDep,
) -> dict[str, Any]:
    """Teach the question of an answer of this session: with the reading or SQL it should
    have, or, with neither, the answer as it is."""
    ref = open_session(door, caller, session_id)
    view = teaching.teach_answer(
        caller, message_id, reading=body.reading, sql=body.sql, conversation_id=ref.id
    )
    return view.as_dict()


router.include_router(ws_router)
