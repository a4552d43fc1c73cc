"""The BI Workbench face: chat sessions over HTTP (``/api/v1/bi/chat``) and a WebSocket
(``/ws/chat/{session_id}``), authenticated by JWT.

A session is a Parley conversation of the token's user; each call is one core turn
rendered in this face's JSON. Errors have one shape, built by :func:`error_body`.
See docs/workbench.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from parley.api._workbench_core import (
    Caller,
    answer_body,
    authenticate,
    bearer_token,
    change_chart,
    create_session,
    final_answer,
    message_metadata,
    open_session,
    require_query,
    timestamp,
    tokens_of,
)
from parley.api._workbench_ws import ws_router
from parley.core import Parley
from parley.errors import ParleyError
from parley.store import conversations as store
from parley.store.ids import new_id

log = logging.getLogger(__name__)

PREFIX = "/api/v1/bi/chat"
MAX_HISTORY_PAGE = 500


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The body of every error this face returns: ``{"detail": ..., "code": ...}``."""
    return {"detail": detail, "code": code, **extra}


def error_response(error: ParleyError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="parley"'} if error.status == 401 else None
    return JSONResponse(
        error_body(error.code, error.message), status_code=error.status, headers=headers
    )


def _validation_response(error: RequestValidationError) -> JSONResponse:
    problems = [
        {"loc": [str(part) for part in e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in error.errors()
    ]
    detail = "; ".join(f"{'.'.join(p['loc'])}: {p['msg']}" for p in problems)
    return JSONResponse(
        error_body("invalid_input", detail or "invalid request", errors=problems), status_code=422
    )


class WorkbenchRoute(APIRoute):
    """Renders errors raised by this face's routes (and their dependencies) in its own
    shape, without app-wide handlers that other faces would have to share."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ParleyError as error:
                return error_response(error)
            except RequestValidationError as error:
                return _validation_response(error)
            except Exception:
                incident = new_id("inc")
                log.exception(
                    "workbench request %s failed (incident %s)", request.url.path, incident
                )
                return JSONResponse(
                    error_body(
                        "internal_error", f"Something went wrong on our side (incident {incident})."
                    ),
                    status_code=500,
                )

        return handle


# -- request and response models ----------------------------------------------------------


class CreateSession(BaseModel):
    tenant_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)


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


class HistoryMessage(BaseModel):
    role: str
    content: str
    timestamp: str
    metadata: dict[str, Any]


class History(BaseModel):
    session_id: str
    messages: list[HistoryMessage]
    total_count: int


# -- dependencies -------------------------------------------------------------------------


def current_parley(request: Request) -> Parley:
    parley = request.app.state.parley
    assert isinstance(parley, Parley)
    return parley


ParleyDep = Annotated[Parley, Depends(current_parley)]


def current_caller(request: Request, parley: ParleyDep) -> Caller:
    token = bearer_token(request.headers.get("authorization"))
    return authenticate(parley, tokens_of(request.app.state, parley), token)


CallerDep = Annotated[Caller, Depends(current_caller)]

# -- routes -------------------------------------------------------------------------------

router = APIRouter(route_class=WorkbenchRoute, tags=["workbench"])


@router.post(f"{PREFIX}/sessions", response_model=SessionInfo, status_code=201)
def create_chat_session(body: CreateSession, parley: ParleyDep, caller: CallerDep) -> SessionInfo:
    session_id, created_at = create_session(parley, caller, body.tenant_id, body.user_id)
    return SessionInfo(
        session_id=session_id,
        tenant_id=caller.tenant_id,
        user_id=caller.user_id,
        created_at=timestamp(created_at),
        message_count=0,
    )


@router.post(f"{PREFIX}/sessions/{{session_id}}/messages", response_model=ChatResponse)
def send_message(
    session_id: str, body: SendMessage, parley: ParleyDep, caller: CallerDep
) -> dict[str, Any]:
    ref = open_session(parley, caller, session_id)
    events = parley.conversations.turn(ref, body.message, request_json=body.model_dump())
    return answer_body(final_answer(events))


@router.post(f"{PREFIX}/sessions/{{session_id}}/refine", response_model=ChatResponse)
def refine(session_id: str, body: Refine, parley: ParleyDep, caller: CallerDep) -> dict[str, Any]:
    ref = open_session(parley, caller, session_id)
    require_query(parley, ref)
    events = parley.conversations.turn(ref, body.refinement, request_json=body.model_dump())
    return answer_body(final_answer(events))


@router.post(f"{PREFIX}/sessions/{{session_id}}/visualize", response_model=ChatResponse)
def visualize(
    session_id: str, body: Visualize, parley: ParleyDep, caller: CallerDep
) -> dict[str, Any]:
    ref = open_session(parley, caller, session_id)
    return answer_body(final_answer(change_chart(parley, ref, body.chart_type)))


@router.get(f"{PREFIX}/sessions/{{session_id}}/history", response_model=History)
def history(
    session_id: str,
    parley: ParleyDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> History:
    ref = open_session(parley, caller, session_id)
    with parley.store.session() as session:
        page = store.list_messages(session, ref.id, limit=limit, offset=offset)
        messages = [
            HistoryMessage(
                role=m.role,
                content=m.content,
                timestamp=timestamp(m.created_at),
                metadata=message_metadata(m.role, m.intent, m.agents_visited, m.sql, m.error_code),
            )
            for m in page.items
        ]
    return History(session_id=ref.id, messages=messages, total_count=page.total)


router.include_router(ws_router)
