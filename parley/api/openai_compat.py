"""The OpenAI-compatible face (the Data Warehouse Intelligence API).

``POST /api/v1/chat/completions`` answers in the ``chat.completion`` shape the official
``openai`` SDK reads, streamed or not; the other endpoints fetch a stored result as CSV,
suggest a graph for it, and list applications, conversations and questions. Every call
authenticates with ``Authorization: Bearer <api key>``; the key's organisation owns
everything the call can see, and the key (or the member it belongs to) owns the
conversations. Errors are the rows of ``_openai_errors``. See docs/openai-compatible.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from parley import __version__
from parley.api import _openai_render as render
from parley.api._openai_errors import (
    FaceError,
    SeedErrorRoute,
    internal_body,
    invalid_value,
    no_application,
    unauthorized,
    unexpected,
)
from parley.auth.ratelimit import RateLimiter, RateLimits
from parley.conversations.service import ConversationRef, answer_from_message
from parley.conversations.validation import validate_question
from parley.core import Parley
from parley.engine.events import Answer, Done, Event, TurnStarted
from parley.engine.orchestrator import previous_roles
from parley.errors import InvalidInput, NotFound
from parley.store import catalog, tenancy
from parley.store import conversations as store
from parley.store.ids import new_id
from parley.store.models import Application, Conversation, Member, Message

FACE = "openai"
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
_INCIDENT = re.compile(r"\binc_[A-Za-z0-9]+")

router = APIRouter(route_class=SeedErrorRoute, tags=["openai-compatible"])


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


class QuestionsRequest(_Request):
    model: str = Field(min_length=1)
    conversationId: str = Field(min_length=1)
    pageNumber: int = Field(default=1, ge=1)
    pageSize: int = Field(default=20, ge=1, le=1000)


# --- who is calling -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Caller:
    organization_id: str
    #: Owner of the conversations: the key's member, or the key itself.
    principal: str
    username: str
    role: str
    rate_limits: dict[str, Any] | None


def _parley(request: Request) -> Parley:
    parley: Parley = request.app.state.parley
    return parley


def caller(request: Request) -> Caller:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    with _parley(request).store.session() as session:
        key = tenancy.authenticate_api_key(session, token.strip())
        if key is None:
            raise unauthorized()
        organization = tenancy.get_organization(session, key.organization_id)
        member = session.get(Member, key.member_id) if key.member_id else None
        if member is not None:
            return Caller(
                organization.id,
                f"member:{member.id}",
                member.email or member.name,
                member.role,
                organization.settings.get("rate_limits"),
            )
        return Caller(
            organization.id,
            f"key:{key.id}",
            key.name,
            "admin",
            organization.settings.get("rate_limits"),
        )


CallerDep = Annotated[Caller, Depends(caller)]
_LIMITER_LOCK = threading.Lock()


def _count(request: Request, who: Caller) -> None:
    """Consume one unit of the organisation's budget, or refuse with 429."""
    state = request.app.state
    with _LIMITER_LOCK:
        limiter: RateLimiter | None = getattr(state, "openai_rate_limiter", None)
        if limiter is None:
            limiter = RateLimiter(_parley(request).settings.rate_limit_url)
            state.openai_rate_limiter = limiter
    # A malformed organisation setting raises InvalidInput here: the operator's mistake,
    # reported as a 500 with an incident rather than blamed on the caller.
    limits = RateLimits.from_settings(who.rate_limits, DEFAULT_LIMITS)
    limiter.hit(who.organization_id, limits, scope=RATE_SCOPE)


def _application(parley: Parley, who: Caller, model: str) -> Application:
    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, who.organization_id, model)
    if application is None:
        raise no_application(model)
    return application


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
    raise invalid_value("responseType", f"{value!r} is not one of raw, html, md")


def _questions(messages: list[ChatMessage], max_chars: int) -> tuple[str, list[str]]:
    """The question (the last user message) and the earlier user messages."""
    asked = [m.text() for m in messages if m.role == "user"]
    if not asked:
        raise invalid_value("messages", 'no message has the role "user"')
    try:
        question = validate_question(asked[-1], max_chars=max_chars)
    except InvalidInput as error:
        raise invalid_value("messages", error.message) from None
    return question, [q for q in asked[:-1] if q.strip()][-MAX_REPLAYED:]


def _continued(
    parley: Parley, who: Caller, application: Application, conversation_id: str
) -> ConversationRef:
    try:
        ref = parley.conversations.open(
            app=application.name,
            organization_id=who.organization_id,
            principal=who.principal,
            face=FACE,
            conversation_id=conversation_id,
        )
    except NotFound:
        why = f"no conversation {conversation_id!r} belongs to this API key"
        raise invalid_value("conversationId", why) from None
    if ref.application.id != application.id:
        raise invalid_value(
            "conversationId",
            f"conversation {conversation_id!r} belongs to application {ref.application.name!r}",
        )
    return ref


def _incident(answer: Answer) -> str:
    """The incident the conversation service logged for a failed turn."""
    if answer.incident_id:
        return answer.incident_id
    # A stored answer keeps the incident only in its text.
    found = _INCIDENT.search(answer.text)
    return found.group(0) if found else new_id("inc")


@router.post("/api/v1/chat/completions")
def chat_completions(
    body: CompletionRequest,
    request: Request,
    who: CallerDep,
    response_type: Annotated[str | None, Header(alias="responseType")] = None,
    conversation_id: Annotated[str | None, Header(alias="conversationId")] = None,
) -> Response:
    parley = _parley(request)
    kind = _response_type(response_type)
    question, earlier = _questions(body.messages, parley.settings.max_question_chars)
    application = _application(parley, who, body.model)
    ref = _continued(parley, who, application, conversation_id) if conversation_id else None
    _count(request, who)
    if ref is None:
        ref = parley.conversations.open(
            app=application.name,
            organization_id=who.organization_id,
            principal=who.principal,
            face=FACE,
        )
        # A new thread honours the history the client sent: its earlier questions run
        # first, so that the last one is read as the follow-up it is.
        for text in earlier:
            replayed = {"model": body.model, "messages": [{"role": "user", "content": text}]}
            for _ in parley.conversations.turn(ref, text, request_json=replayed):
                pass
    request_json = body.model_dump(mode="json", exclude_unset=True)
    thread = ref

    def turn() -> Iterator[Event]:
        return parley.conversations.turn(thread, question, request_json=request_json)

    headers = {"conversationId": ref.id}
    if body.stream:
        return StreamingResponse(
            _sse(parley, turn, kind, body.model, ref),
            media_type="text/event-stream",
            headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    question_id, done = "", None
    try:
        for event in turn():
            if isinstance(event, TurnStarted):
                question_id = event.user_message_id
            elif isinstance(event, Done):
                done = event
    except Exception as error:
        raise unexpected(error, f"completion in conversation {ref.id}", headers) from None
    assert done is not None
    if done.answer.error_code == "internal_error":
        raise FaceError(500, internal_body(_incident(done.answer)), headers)
    return JSONResponse(
        render.completion_body(
            completion_id=question_id,
            created=_now_ms(),
            model=body.model,
            fingerprint=FINGERPRINT,
            text=render.content(done.answer, kind),
            conversation_id=ref.id,
            data_file_path=done.data_file_path,
        ),
        headers=headers,
    )


async def _in_thread(turn: Callable[[], Iterator[Event]]) -> AsyncIterator[Event]:
    """The turn's events as the worker thread produces them.

    The worker runs the turn to its end even when the client goes away, so the answer
    is stored whatever happens to the connection.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()

    def put(item: Event | BaseException | None) -> None:
        # A closed loop means nobody is listening any more; the turn still ends and is stored.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        try:
            for event in turn():
                put(event)
        except BaseException as error:  # handed to the stream, which reports it
            put(error)
        finally:
            put(None)

    threading.Thread(target=work, name="parley-openai-turn", daemon=True).start()
    while (item := await queue.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


def _data(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"


async def _sse(
    parley: Parley,
    turn: Callable[[], Iterator[Event]],
    kind: render.ResponseType,
    model: str,
    ref: ConversationRef,
) -> AsyncIterator[str]:
    writer = render.ChunkWriter(kind)
    created = _now_ms()
    chunk: dict[str, Any] = {
        "created": created,
        "model": model,
        "fingerprint": FINGERPRINT,
        "conversation_id": ref.id,
        "completion_id": "",
    }
    try:
        async for event in _in_thread(turn):
            if isinstance(event, TurnStarted):
                chunk["completion_id"] = event.user_message_id
                yield _data(render.chunk_body(delta={"role": "assistant", "content": ""}, **chunk))
                continue
            if isinstance(event, Done) and event.answer.error_code == "internal_error":
                yield _data({"error": internal_body(_incident(event.answer))})
                return
            text = writer.feed(event)
            if text:
                yield _data(render.chunk_body(delta={"content": text}, **chunk))
            if isinstance(event, Done):
                yield _data(
                    render.chunk_body(
                        delta={}, finish_reason="stop", data_file_path=event.data_file_path, **chunk
                    )
                )
        yield "data: [DONE]\n\n"
    except Exception as error:
        # The status line is sent; an error event is what OpenAI clients understand now.
        failure = unexpected(error, f"streamed completion in conversation {ref.id}")
        yield _data({"error": failure.body})


# --- stored results: data and graphs --------------------------------------------------


def _stored_result(parley: Parley, who: Caller, application: Application, path: str) -> Message:
    """The stored message a data file path names, if this caller may read it."""
    refused = invalid_value(
        "dataFilePath",
        f"no stored result of application {application.name!r} has the path {path!r}",
    )
    if not _DATA_FILE_PATH.fullmatch(path):
        raise refused
    with parley.store.session() as session:
        try:
            message = store.get_message_by_data_file_path(session, who.organization_id, path)
            conversation = store.get_conversation(
                session, who.organization_id, message.conversation_id, principal=who.principal
            )
        except NotFound:
            raise refused from None
        if conversation.application_id != application.id:
            raise refused
        return message


@router.post("/v1/chat/getData")
@router.post("/api/v1/chat/getData")
def get_data(body: DataRequest, request: Request, who: CallerDep) -> dict[str, Any]:
    parley = _parley(request)
    message = _stored_result(parley, who, _application(parley, who, body.model), body.dataFilePath)
    # The stored rows, never a new query: the result is what the user saw.
    return {"data": render.csv_text(message.columns or [], message.rows or [])}


@router.post("/v1/chat/suggestGraph")
@router.post("/api/v1/chat/suggestGraph")
def suggest_graph(body: SuggestGraphRequest, request: Request, who: CallerDep) -> dict[str, Any]:
    parley = _parley(request)
    application = _application(parley, who, body.model)
    try:
        requested = render.graph_type(body.graphType)
    except ValueError as error:
        raise invalid_value("graphType", str(error)) from None
    answer = answer_from_message(_stored_result(parley, who, application, body.dataFilePath))
    roles = previous_roles(parley.workspace(application), answer)
    try:
        suggestion = render.graph_suggestion(
            roles,
            answer.rows,
            requested=requested,
            query=body.query,
            semantic_query=answer.semantic_query,
        )
    except InvalidInput as error:
        raise invalid_value("graphType", error.message) from None
    return {"graphSuggestion": suggestion}


# --- listings -------------------------------------------------------------------------

DEFAULT_PROJECT = "Default"


def _sync_status(status: str, has_ontology: bool) -> str:
    if status == "error":
        return "Sync Failed"
    return "Synced" if has_ontology else "Not Synced"


@router.post("/api/v1/chat/applications")
def list_applications(
    request: Request,
    who: CallerDep,
    body: Annotated[ApplicationsRequest | None, Body()] = None,
) -> dict[str, Any]:
    body = body or ApplicationsRequest()
    parley = _parley(request)
    data: list[dict[str, Any]] = []
    total = 0
    # Parley has no projects: every application is in the one project "Default".
    if body.projectName is None or body.projectName.strip().lower() == DEFAULT_PROJECT.lower():
        size = body.pageSize
        offset = (body.pageNumber or 1) - 1
        with parley.store.session() as session:
            page = catalog.list_applications(
                session, who.organization_id, limit=size, offset=offset * size if size else 0
            )
            sources = {s.id: s for s in catalog.list_sources(session, who.organization_id)}
        total = page.total
        for app in page.items:
            source = sources[app.source_id]
            data.append(
                {
                    "role": who.role,
                    "description": app.description,
                    "dateModified": _ms(app.updated_at),
                    "tags": list(app.tags or []),
                    "dateCreated": _ms(app.created_at),
                    "sourceType": source.dialect,
                    "createdBy": app.created_by or "",
                    "name": app.name,
                    "connectionId": source.id,
                    "modifiedBy": app.modified_by or "",
                    "connectionName": source.name,
                    "projectName": DEFAULT_PROJECT,
                    "syncStatus": _sync_status(source.status, source.ontology is not None),
                }
            )
    return {
        "totalRecords": total,
        "data": data,
        "message": "List fetched successfully",
        "status": "SUCCESS",
    }


@router.post("/api/v1/chat/conversations")
def list_conversations(
    body: ConversationsRequest, request: Request, who: CallerDep
) -> dict[str, Any]:
    parley = _parley(request)
    application = _application(parley, who, body.model)
    scope: dict[str, Any] = {"application_id": application.id, "principal": who.principal}
    with parley.store.session() as session:
        page = store.list_conversations(
            session,
            who.organization_id,
            updated_since=_at(body.conversationStartTime),
            updated_before=_at(body.conversationEndTime),
            limit=CONVERSATIONS_PAGE,
            **scope,
        )
        items = list(page.items)
        if page.total > len(items):
            # The next page starts before the last time shown, in whole milliseconds: the
            # conversations sharing that millisecond belong on this page, or they would be
            # skipped.
            last = _ms(items[-1].updated_at)
            tied = store.list_conversations(
                session,
                who.organization_id,
                updated_since=_at(last),
                updated_before=_at(last + 1),
                limit=None,
                **scope,
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
    question: Message, answer: Message | None, model: str, conversation: Conversation
) -> tuple[str | None, str | None]:
    """What the completion answered (as raw content), and the incident if it failed."""
    if answer is None:
        return None, None
    stored = answer_from_message(answer)
    if stored.error_code == "internal_error":
        incident = _incident(stored)
        return json.dumps(internal_body(incident), indent=1), incident
    body = render.completion_body(
        completion_id=question.id,
        created=_ms(answer.created_at),
        model=model,
        fingerprint=FINGERPRINT,
        text=render.content(stored, "raw"),
        conversation_id=conversation.id,
        data_file_path=answer.data_file_path,
    )
    return json.dumps(body, indent=1), None


@router.post("/api/v1/chat/conversationQuestions")
def conversation_questions(
    body: QuestionsRequest, request: Request, who: CallerDep
) -> dict[str, Any]:
    parley = _parley(request)
    application = _application(parley, who, body.model)
    with parley.store.session() as session:
        try:
            conversation = store.get_conversation(
                session, who.organization_id, body.conversationId, principal=who.principal
            )
        except NotFound:
            conversation = None
        if conversation is None or conversation.application_id != application.id:
            raise invalid_value(
                "conversationId",
                f"application {application.name!r} has no conversation {body.conversationId!r}",
            )
        messages = store.list_messages(session, conversation.id).items
    pairs: list[tuple[Message, Message | None]] = []
    for message in messages:
        if message.role == "user":
            pairs.append((message, None))
        elif pairs and pairs[-1][1] is None:
            pairs[-1] = (pairs[-1][0], message)
    start = (body.pageNumber - 1) * body.pageSize
    questions = []
    for question, answer in pairs[start : start + body.pageSize]:
        response_json, incident = _response_json(question, answer, application.name, conversation)
        questions.append(
            {
                "questionId": question.id,
                "conversationId": conversation.id,
                "conversationTime": _ms(question.created_at),
                "conversationEndTime": _ms(answer.created_at) if answer else None,
                "username": who.username,
                "incidentId": incident,
                "responseJson": response_json,
                "requestJson": json.dumps(question.request_json) if question.request_json else None,
            }
        )
    return {"questions": questions, "total": len(pairs)}
