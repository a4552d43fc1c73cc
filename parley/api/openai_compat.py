"""The OpenAI-compatible face (the Data Warehouse Intelligence API).

``POST /api/v1/chat/completions`` answers in the ``chat.completion`` shape the official
``openai`` SDK reads, streamed or not; the other endpoints fetch a stored result as CSV,
suggest a graph for it, and list applications, conversations and questions. Every call
authenticates with ``Authorization: Bearer <api key>`` (or Basic ``member:key``); the
key's organisation owns everything the call can see, and the key (or the member it
belongs to) owns the conversations. Errors are the rows of ``_openai_errors``.
See docs/openai-compatible.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from parley import __version__
from parley.api import _openai_render as render
from parley.api._edge import auth_of, door_of, face_route, teaching_of
from parley.api._openai_errors import about
from parley.api._openai_errors import error_response as error_response  # this face's errors
from parley.api._stream import events_in_thread
from parley.api.openai_chunks import ChunkStream
from parley.auth.principal import Principal
from parley.auth.ratelimit import RateLimits
from parley.conversations.service import Conversations, collect
from parley.conversations.teaching import Teaching
from parley.conversations.validation import validate_question
from parley.conversations.views import StoredMessage
from parley.errors import InternalError, InvalidInput, NotFound

NAME = FACE = "openai"
PREFIXES = ("/api/v1/chat/", "/v1/chat/")
#: The face's default limits per organisation; ``Organization.settings["rate_limits"]``
#: overrides any of them (``{"per_minute": 10, "per_day": None}``).
DEFAULT_LIMITS = RateLimits(per_minute=2, per_hour=20, per_day=50)
RATE_SCOPE = "openai"
#: Earlier user messages replayed into a new conversation, the most recent ones.
MAX_REPLAYED = 5
CONVERSATIONS_PAGE = 20
FINGERPRINT = f"parley-{__version__}"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DATA_FILE_PATH = re.compile(r"[A-Za-z0-9_]+/[A-Za-z0-9_]+/[A-Za-z0-9_]+\.csv")


def _this_face() -> Any:
    import parley.api.openai_compat as face

    return face


router = APIRouter(route_class=face_route(_this_face), tags=["openai-compatible"])


# --- requests -------------------------------------------------------------------------


class _Request(BaseModel):
    # Clients send OpenAI parameters Parley does not use (temperature, user, ...).
    model_config = ConfigDict(extra="allow")


class ChatMessage(_Request):
    role: str
    #: Text, or OpenAI content parts of which the ``text`` ones are read.
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class CompletionRequest(_Request):
    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = None


class DataRequest(_Request):
    model: str = Field(min_length=1)
    dataFilePath: str = Field(min_length=1)


class SuggestGraphRequest(DataRequest):
    graphType: str = render.CUSTOM
    query: str = ""


class ApplicationsRequest(_Request):
    pageNumber: int | None = Field(default=None, ge=1)
    pageSize: int | None = Field(default=None, ge=1, le=1000)
    projectName: str | None = None


class ConversationsRequest(_Request):
    model: str = Field(min_length=1)
    conversationStartTime: int = Field(default=0, ge=0)
    conversationEndTime: int = Field(default=0, ge=0)


class TeachRequest(_Request):
    model: str = Field(min_length=1)
    #: The ``id`` of a chat completion (or the stored id of its answer).
    completionId: str = Field(min_length=1)
    #: The SemanticQuery the question should have (an object, or JSON/YAML text).
    semanticQuery: dict[str, Any] | str | None = None
    #: Or the SQL it should run. With neither, the answer is kept as it is.
    sql: str | None = None


class QuestionsRequest(_Request):
    model: str = Field(min_length=1)
    conversationId: str = Field(min_length=1)
    pageNumber: int = Field(default=1, ge=1)
    pageSize: int = Field(default=20, ge=1, le=1000)


# --- who is calling, and the door -----------------------------------------------------


def caller(request: Request) -> Principal:
    return auth_of(request).authorization(request.headers.get("authorization"))


CallerDep = Annotated[Principal, Depends(caller)]
DoorDep = Annotated[Conversations, Depends(door_of)]
TeachingDep = Annotated[Teaching, Depends(teaching_of)]


def _ms(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def _at(ms: int) -> dt.datetime | None:
    return _EPOCH + dt.timedelta(milliseconds=ms) if ms else None


def _now_ms() -> int:
    return _ms(dt.datetime.now(dt.UTC))


# --- chat completions -----------------------------------------------------------------


def _response_type(value: str | None) -> render.ResponseType:
    for kind in render.RESPONSE_TYPES:
        if (value or "raw").strip().lower() == kind:
            return kind
    raise InvalidInput(f"{value!r} is not one of raw, html, md", detail={"field": "responseType"})


def _questions(messages: list[ChatMessage], max_chars: int) -> tuple[str, list[str]]:
    """The question (the last user message) and the earlier user messages."""
    asked = [m.text() for m in messages if m.role == "user"]
    if not asked:
        raise InvalidInput('no message has the role "user"', detail={"field": "messages"})
    try:
        question = validate_question(asked[-1], max_chars=max_chars)
    except InvalidInput as error:
        raise about(error, "messages") from None
    return question, [q for q in asked[:-1] if q.strip()][-MAX_REPLAYED:]


@router.post("/api/v1/chat/completions")
def chat_completions(
    body: CompletionRequest,
    request: Request,
    who: CallerDep,
    door: DoorDep,
    response_type: Annotated[str | None, Header(alias="responseType")] = None,
    conversation_id: Annotated[str | None, Header(alias="conversationId")] = None,
) -> Response:
    kind = _response_type(response_type)
    question, earlier = _questions(body.messages, door.max_question_chars)

    def count() -> None:
        auth_of(request).count(who, scope=RATE_SCOPE, default=DEFAULT_LIMITS)

    if conversation_id:
        door.check_application(who, body.model)
        ref = door.open(who, face=FACE, app=body.model, conversation_id=conversation_id)
        count()
    else:
        # Counted once the model is known to be this caller's, before the thread exists.
        ref = door.open(who, face=FACE, app=body.model, admit=count)
        # A new thread honours the history the client sent: its earlier questions run
        # first, so that the last one is read as the follow-up it is.
        for text in earlier:
            replayed = {"model": body.model, "messages": [{"role": "user", "content": text}]}
            collect(door.turn(ref, text, request_json=replayed))
    request_json = body.model_dump(mode="json", exclude_unset=True)
    thread = ref
    headers = {"conversationId": ref.id}
    if body.stream:
        stream = ChunkStream(kind, body.model, FINGERPRINT, ref.id)
        events = events_in_thread(lambda: door.turn(thread, question, request_json=request_json))
        return StreamingResponse(
            stream.render(events),
            media_type="text/event-stream",
            headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    turn = collect(door.turn(ref, question, request_json=request_json))
    if turn.answer.incident_id:
        raise InternalError(turn.answer.incident_id, detail={"headers": headers})
    return JSONResponse(
        render.completion_body(
            completion_id=turn.user_message_id,
            created=_now_ms(),
            model=body.model,
            fingerprint=FINGERPRINT,
            text=render.content(turn.answer, kind),
            conversation_id=ref.id,
            data_file_path=turn.data_file_path,
        ),
        headers=headers,
    )


# --- stored results: data and graphs --------------------------------------------------


def _stored_result(door: Conversations, who: Principal, model: str, path: str) -> StoredMessage:
    """The stored answer a data file path names, if this caller may read it."""
    door.check_application(who, model)
    if not _DATA_FILE_PATH.fullmatch(path):
        raise NotFound(
            f"no stored result of application {model!r} has the path {path!r}",
            detail={"field": "dataFilePath"},
        )
    return door.stored_result(who, app=model, data_file_path=path)


@router.post("/v1/chat/getData")
@router.post("/api/v1/chat/getData")
def get_data(body: DataRequest, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    answer = _stored_result(door, who, body.model, body.dataFilePath).answer
    assert answer is not None
    # The stored rows, never a new query: the result is what the user saw.
    return {"data": render.csv_text(answer.columns, answer.rows)}


@router.post("/v1/chat/suggestGraph")
@router.post("/api/v1/chat/suggestGraph")
def suggest_graph(body: SuggestGraphRequest, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    requested = render.graph_type(body.graphType)
    _stored_result(door, who, body.model, body.dataFilePath)
    try:
        chart, stored = door.suggest_chart(
            who,
            app=body.model,
            data_file_path=body.dataFilePath,
            chart_type=requested,
            focus=body.query,
        )
    except InvalidInput as error:
        raise about(error, "graphType") from None
    assert stored.answer is not None
    return {"graphSuggestion": render.graph_suggestion(chart, stored.answer.semantic_query)}


# --- listings -------------------------------------------------------------------------

DEFAULT_PROJECT = "Default"


def _sync_status(status: str, has_ontology: bool) -> str:
    if status == "error":
        return "Sync Failed"
    return "Synced" if has_ontology else "Not Synced"


@router.post("/api/v1/chat/applications")
def list_applications(
    who: CallerDep,
    door: DoorDep,
    body: Annotated[ApplicationsRequest | None, Body()] = None,
) -> dict[str, Any]:
    body = body or ApplicationsRequest()
    data: list[dict[str, Any]] = []
    total = 0
    # Parley has no projects: every application is in the one project "Default".
    if body.projectName is None or body.projectName.strip().lower() == DEFAULT_PROJECT.lower():
        size = body.pageSize
        offset = (body.pageNumber or 1) - 1
        page = door.applications(who, limit=size, offset=offset * size if size else 0)
        total = page.total
        data = [
            {
                "role": who.role,
                "description": app.description,
                "dateModified": _ms(app.updated_at),
                "tags": app.tags,
                "dateCreated": _ms(app.created_at),
                "sourceType": app.source_dialect,
                "createdBy": app.created_by,
                "name": app.name,
                "connectionId": app.source_id,
                "modifiedBy": app.modified_by,
                "connectionName": app.source_name,
                "projectName": DEFAULT_PROJECT,
                "syncStatus": _sync_status(app.source_status, app.has_ontology),
            }
            for app in page.items
        ]
    return {
        "totalRecords": total,
        "data": data,
        "message": "List fetched successfully",
        "status": "SUCCESS",
    }


@router.post("/api/v1/chat/conversations")
def list_conversations(body: ConversationsRequest, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    page = door.conversations(
        who,
        app=body.model,
        updated_since=_at(body.conversationStartTime),
        updated_before=_at(body.conversationEndTime),
        limit=CONVERSATIONS_PAGE,
    )
    items = list(page.items)
    if page.total > len(items):
        # The next page starts before the last time shown, in whole milliseconds: the
        # conversations sharing that millisecond belong on this page, or they would be
        # skipped.
        last = _ms(items[-1].updated_at)
        tied = door.conversations(
            who, app=body.model, updated_since=_at(last), updated_before=_at(last + 1), limit=None
        )
        shown = {c.id for c in items}
        items += [c for c in tied.items if c.id not in shown]
    more = page.total > len(items)
    return {
        "conversations": [
            {
                "conversationId": c.id,
                "conversationHeading": c.title,
                "conversationTime": _ms(c.updated_at),
            }
            for c in items
        ],
        "lastConversationTime": _ms(items[-1].updated_at) if more else -1,
    }


def _response_json(
    question: StoredMessage, answer: StoredMessage | None, model: str
) -> tuple[str | None, str | None]:
    """What the completion answered (as raw content), and the incident if it failed."""
    if answer is None or answer.answer is None:
        return None, None
    if answer.answer.incident_id:
        incident = answer.answer.incident_id
        return json.dumps(render.internal_body(incident), indent=1), incident
    body = render.completion_body(
        completion_id=question.id,
        created=_ms(answer.created_at),
        model=model,
        fingerprint=FINGERPRINT,
        text=render.content(answer.answer, "raw"),
        conversation_id=answer.conversation_id,
        data_file_path=answer.data_file_path,
    )
    return json.dumps(body, indent=1), None


@router.post("/api/v1/chat/conversationQuestions")
def conversation_questions(body: QuestionsRequest, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    pairs = door.questions(who, app=body.model, conversation_id=body.conversationId)
    start = (body.pageNumber - 1) * body.pageSize
    questions = []
    for pair in pairs[start : start + body.pageSize]:
        question, answer = pair.question, pair.answer
        response_json, incident = _response_json(question, answer, body.model)
        questions.append(
            {
                "questionId": question.id,
                "conversationId": question.conversation_id,
                "conversationTime": _ms(question.created_at),
                "conversationEndTime": _ms(answer.created_at) if answer else None,
                "username": who.name,
                "incidentId": incident,
                "responseJson": response_json,
                "requestJson": json.dumps(question.request_json) if question.request_json else None,
            }
        )
    return {"questions": questions, "total": len(pairs)}


@router.post("/v1/chat/teach", status_code=201)
@router.post("/api/v1/chat/teach", status_code=201)
def teach(
    body: TeachRequest, who: CallerDep, door: DoorDep, teaching: TeachingDep
) -> dict[str, Any]:
    """Teach the question of a chat completion: with the semantic query or SQL it should
    have, or, with neither, its answer as it is."""
    door.check_application(who, body.model)
    try:
        view = teaching.teach_answer(
            who, body.completionId, reading=body.semanticQuery, sql=body.sql, app=body.model
        )
    except NotFound as error:
        raise about(error, "completionId") from None
    return {
        "taughtQuestion": {
            "id": view.id,
            "model": view.application,
            "question": view.question,
            "kind": view.kind,
            "semanticQuery": view.semantic_query,
            "sql": view.sql,
            "taughtBy": view.taught_by,
            "created": _ms(view.created_at),
        }
    }
