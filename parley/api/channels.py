"""The bot channel face: a public API of one application, under its own secret key.

Every path is ``/api/public/channels/{channelId}/1.0/...`` and every call carries
``X-API-Secret-Key``. Conversations and messages (one-off, continued, or streamed as
``chat.completion.chunk`` server-sent events by the OpenAI face's renderer), and the
channel's manual data sources with their rows and sync. The paths are the published
ones, irregularities included: rows are created at ``data-sources/row`` and deleted at
``data-sources/rows``; the get endpoints take query parameters. Errors are the rows of
``_channel_errors``. See docs/channels.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from parley import __version__
from parley.api._channel_errors import error_response as error_response  # this face's errors
from parley.api._edge import auth_of, door_of, face_route, knowledge_of
from parley.api._stream import events_in_thread
from parley.api.openai_chunks import ChunkStream
from parley.auth.principal import Principal
from parley.auth.ratelimit import RateLimits
from parley.conversations.knowledge import (
    Knowledge,
    NewRow,
    RowChange,
    RowInfo,
    SourceInfo,
)
from parley.conversations.service import Conversations, collect
from parley.conversations.validation import validate_question
from parley.errors import InternalError, InvalidInput

NAME = FACE = "channel"
PREFIXES = ("/api/public/channels/",)
BASE = "/api/public/channels/{channelId}/1.0"
#: Messages a channel's organisation may send, unless its settings say otherwise.
DEFAULT_LIMITS = RateLimits(per_minute=60, per_hour=1_000, per_day=10_000)
RATE_SCOPE = "channel"
FINGERPRINT = f"parley-{__version__}"
TYPE = "MANUAL"


def _this_face() -> Any:
    import parley.api.channels as face

    return face


router = APIRouter(route_class=face_route(_this_face), tags=["channels"])


# --- requests -------------------------------------------------------------------------


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


Limit = Annotated[int, Field(ge=1, le=100)]
Id = Annotated[str, Field(min_length=1, max_length=100)]


class MessageRequest(_Request):
    message: str | None = None
    #: The name the published one-off example gives the message.
    response: str | None = None
    conversationId: Id | None = None
    stream: bool = False


class PageRequest(_Request):
    limit: Limit = 10
    cursor: Id | None = None


class MessagesRequest(PageRequest):
    conversationId: Id


class SourceRequest(_Request):
    dataSourceId: Id


class IntervalRequest(SourceRequest):
    syncInterval: Literal["day", "week", "month"] | None = None


class RowsPageRequest(SourceRequest, PageRequest):
    pass


class NewRowBody(_Request):
    name: str
    content: str


class RowChangeBody(_Request):
    id: Id
    name: str | None = None
    content: str


class RowId(_Request):
    id: Id


class NewRowsRequest(SourceRequest):
    dataSourceRows: list[NewRowBody]


class RowChangesRequest(SourceRequest):
    dataSourceRows: list[RowChangeBody]


class RowDeletionsRequest(SourceRequest):
    dataSourceRows: list[RowId]


# --- who is calling -------------------------------------------------------------------


def caller(
    request: Request,
    channelId: str,
    secret: Annotated[str | None, Header(alias="X-API-Secret-Key")] = None,
) -> Principal:
    return auth_of(request).channel(channelId, secret)


CallerDep = Annotated[Principal, Depends(caller)]
DoorDep = Annotated[Conversations, Depends(door_of)]
KnowledgeDep = Annotated[Knowledge, Depends(knowledge_of)]
OK = {"success": True}


def _time(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds: ``2024-01-27T15:02:51.970Z``."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _application(who: Principal) -> str:
    assert who.applications is not None and len(who.applications) == 1
    return next(iter(who.applications))


def _pagination(total: int, items: list[Any]) -> dict[str, Any]:
    return {"total": total, "last": items[-1].id if items else None}


# --- conversations and messages -------------------------------------------------------


@router.post(f"{BASE}/conversation")
def start_conversation(who: CallerDep, door: DoorDep) -> dict[str, Any]:
    ref = door.open(who, face=FACE, app=_application(who))
    greeting = door.greet(ref)
    return {"success": True, "conversationId": ref.id, "response": greeting.text}


@router.post(f"{BASE}/message")
def message(body: MessageRequest, request: Request, who: CallerDep, door: DoorDep) -> Response:
    text = body.message if body.message is not None else body.response
    if text is None:
        raise InvalidInput("message is required", detail={"field": "message"})
    question = validate_question(text, max_chars=door.max_question_chars)
    app = _application(who)
    ref = None
    if body.conversationId:
        ref = door.open(who, face=FACE, app=app, conversation_id=body.conversationId)
    auth_of(request).count(who, scope=RATE_SCOPE, default=DEFAULT_LIMITS)
    thread = ref or door.open(who, face=FACE, app=app)
    request_json = body.model_dump(mode="json", exclude_unset=True)
    if body.stream:
        stream = ChunkStream("raw", app, FINGERPRINT, thread.id)
        events = events_in_thread(lambda: door.turn(thread, question, request_json=request_json))
        return StreamingResponse(
            stream.render(events),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    turn = collect(door.turn(thread, question, request_json=request_json))
    if turn.answer.incident_id:
        raise InternalError(turn.answer.incident_id)
    return JSONResponse(
        {"success": True, "conversationId": thread.id, "response": turn.answer.text}
    )


@router.post(f"{BASE}/conversations")
def conversations(
    who: CallerDep, door: DoorDep, body: Annotated[PageRequest | None, Body()] = None
) -> dict[str, Any]:
    body = body or PageRequest()
    page = door.threads(who, limit=body.limit, after=body.cursor)
    return {
        "success": True,
        "conversations": [
            {"id": c.id, "createdAt": _time(c.created_at), "initialMessage": c.initial_message}
            for c in page.items
        ],
        "pagination": _pagination(page.total, page.items),
    }


@router.post(f"{BASE}/messages")
def messages(body: MessagesRequest, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    ref = door.open(who, face=FACE, conversation_id=body.conversationId)
    page = door.history(ref, limit=body.limit, after=body.cursor)
    return {
        "success": True,
        "messages": [
            {"id": m.id, "message": m.text, "role": m.role, "createdAt": _time(m.created_at)}
            for m in page.items
        ],
        "pagination": _pagination(page.total, page.items),
    }


# --- manual data sources --------------------------------------------------------------


def _source(info: SourceInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "type": TYPE,
        "state": info.state,
        "lastSync": _time(info.last_sync),
        "syncInterval": info.sync_interval,
        "createdAt": _time(info.created_at),
    }


def _row(info: RowInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "type": TYPE,
        "name": info.name,
        "state": info.state,
        "lastSync": _time(info.last_sync),
        "createdAt": _time(info.created_at),
        "content": info.content,
    }


@router.post(f"{BASE}/data-sources")
def create_source(who: CallerDep, knowledge: KnowledgeDep) -> dict[str, Any]:
    return {"success": True, "dataSource": _source(knowledge.create_source(who))}


@router.post(f"{BASE}/data-sources/list")
def list_sources(
    who: CallerDep, knowledge: KnowledgeDep, body: Annotated[PageRequest | None, Body()] = None
) -> dict[str, Any]:
    body = body or PageRequest()
    page = knowledge.list_sources(who, limit=body.limit, cursor=body.cursor)
    return {
        "success": True,
        "dataSources": [_source(s) for s in page.items],
        "pagination": _pagination(page.total, page.items),
    }


@router.get(f"{BASE}/data-sources")
def get_source(
    who: CallerDep, knowledge: KnowledgeDep, dataSourceId: Annotated[str, Query(min_length=1)]
) -> dict[str, Any]:
    return {"success": True, "dataSource": _source(knowledge.get_source(who, dataSourceId))}


@router.put(f"{BASE}/data-sources")
def update_source(body: IntervalRequest, who: CallerDep, knowledge: KnowledgeDep) -> dict[str, Any]:
    info = knowledge.set_sync_interval(who, body.dataSourceId, body.syncInterval)
    return {"success": True, "dataSource": _source(info)}


@router.delete(f"{BASE}/data-sources")
def delete_source(body: SourceRequest, who: CallerDep, knowledge: KnowledgeDep) -> dict[str, Any]:
    knowledge.delete_source(who, body.dataSourceId)
    return OK


@router.post(f"{BASE}/data-sources/row")
def create_rows(body: NewRowsRequest, who: CallerDep, knowledge: KnowledgeDep) -> dict[str, Any]:
    rows = [NewRow(r.name, r.content) for r in body.dataSourceRows]
    ids = knowledge.add_rows(who, body.dataSourceId, rows)
    return {
        "success": True,
        "dataSourceRows": [{"id": i, "name": r.name} for i, r in zip(ids, rows, strict=True)],
    }


@router.post(f"{BASE}/data-sources/row/list")
def list_rows(body: RowsPageRequest, who: CallerDep, knowledge: KnowledgeDep) -> dict[str, Any]:
    page = knowledge.list_rows(who, body.dataSourceId, limit=body.limit, cursor=body.cursor)
    return {
        "success": True,
        "dataSourceRows": [{"id": r.id, "name": r.name, "state": r.state} for r in page.items],
        "pagination": _pagination(page.total, page.items),
    }


@router.get(f"{BASE}/data-sources/row")
def get_row(
    who: CallerDep,
    knowledge: KnowledgeDep,
    dataSourceId: Annotated[str, Query(min_length=1)],
    dataSourceRowId: Annotated[str, Query(min_length=1)],
) -> dict[str, Any]:
    return {
        "success": True,
        "dataSourceRow": _row(knowledge.get_row(who, dataSourceId, dataSourceRowId)),
    }


@router.put(f"{BASE}/data-sources/row")
def update_rows(body: RowChangesRequest, who: CallerDep, knowledge: KnowledgeDep) -> dict[str, Any]:
    changes = [RowChange(r.id, r.content, r.name) for r in body.dataSourceRows]
    knowledge.update_rows(who, body.dataSourceId, changes)
    return OK


@router.delete(f"{BASE}/data-sources/rows")
def delete_rows(
    body: RowDeletionsRequest, who: CallerDep, knowledge: KnowledgeDep
) -> dict[str, Any]:
    knowledge.delete_rows(who, body.dataSourceId, [r.id for r in body.dataSourceRows])
    return OK


@router.post(f"{BASE}/data-sources/sync")
def sync(body: SourceRequest, who: CallerDep, knowledge: KnowledgeDep) -> dict[str, Any]:
    return {"success": True, "dataSource": _source(knowledge.sync(who, body.dataSourceId))}
