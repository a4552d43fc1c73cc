"""The Ana face: a question answered as a stream of Server-Sent Events of blocks
(``GET /api/ana``), the caller's chats (``GET /api/ana/chat/summary``) and one chat's
messages (``GET /api/ana/{chat_id}``).

Every call authenticates with HTTP Basic ``member-id:api-key`` (or ``Bearer <api key>``);
the caller owns the chats it opens, and another's chat is not found. Message ids are
integers: a message's place in its chat (1, 2, 3, ...), so ``assistantMsgId`` is always
``userMsgId + 1`` (the door reserves the answer's place when the question is stored).
Errors before the stream starts are HTTP errors with an ErrorBlock body; errors after
it started are an ErrorBlock, then ``message: "done"``. See docs/ana.md.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from parley.api._ana_blocks import AnswerBlocks, Block, error_block, text_block
from parley.api._edge import auth_of, door_of, error_headers, face_route
from parley.api._stream import events_in_thread
from parley.auth.principal import Principal
from parley.auth.ratelimit import RateLimits
from parley.chart_image import render_chart
from parley.conversations.service import Conversations
from parley.conversations.validation import validate_question
from parley.conversations.views import ChatSummary, ConversationRef, StoredMessage
from parley.engine.events import Done, TurnStarted
from parley.errors import InvalidInput, NotFound, ParleyError, report_incident

NAME = FACE = "ana"
PREFIX = "/api/ana"
PREFIXES = (PREFIX,)
#: Seconds between keep-alive comments while a turn is quiet.
PING_S = 15
#: Block ids of messages stored without blocks are derived from the message id.
_BLOCK_IDS = uuid.UUID("6f0b3c1e-5a7d-4c39-9a53-2f1e0d9b7c41")


def error_body(code: str, message: str) -> dict[str, Any]:
    """The body of every error this face returns: an ErrorBlock, with a stable ``code``."""
    return {"tag": "ErrorBlock", "contents": message, "code": code}


def error_response(error: ParleyError) -> JSONResponse:
    return JSONResponse(
        error_body(error.code, error.message),
        status_code=error.status,
        headers=error_headers(error, scheme="Basic"),
    )


def _this_face() -> Any:
    import parley.api.ana as face

    return face


#: Questions per organisation unless ``Organization.settings["rate_limits"]`` says otherwise.
DEFAULT_LIMITS = RateLimits(per_minute=120, per_hour=2_000, per_day=20_000)
RATE_SCOPE = "ana"

router = APIRouter(prefix=PREFIX, route_class=face_route(_this_face), tags=["ana"])


def caller(request: Request) -> Principal:
    return auth_of(request).authorization(request.headers.get("authorization"))


CallerDep = Annotated[Principal, Depends(caller)]
DoorDep = Annotated[Conversations, Depends(door_of)]


# -- the stream ------------------------------------------------------------------------------


@router.get("", response_model=None)
async def ask(
    request: Request,
    who: CallerDep,
    door: DoorDep,
    query: Annotated[str, Query(description="The question.")],
    dataset: Annotated[str | None, Query(description="The application to ask.")] = None,
    use_ontology: Annotated[bool, Query(alias="useOntology")] = False,
    connector: Annotated[int | None, Query(alias="ontologyConnectorId")] = None,
    clifford: Annotated[bool, Query(description="Accepted; Parley has one way.")] = False,
    chat_id: Annotated[str | None, Query(alias="chatId")] = None,
) -> EventSourceResponse:
    """Answer ``query`` as ``chatId``, ``userMsgId``, ``assistantMsgId``, ``block``... and
    ``message: "done"`` events."""
    question = validate_question(query, max_chars=door.max_question_chars)
    if use_ontology and connector is None:
        raise InvalidInput(
            "useOntology=true needs ontologyConnectorId: the number of the source to query "
            "(the connectorId of an earlier OntologyBlock, or see docs/ana.md)",
            detail={"field": "ontologyConnectorId"},
        )
    ref, chosen = await run_in_threadpool(
        _open, door, who, question, dataset=dataset, connector=connector, chat_id=chat_id
    )
    # Counted once the question is known to be answerable here (a 404 costs nothing).
    await run_in_threadpool(
        auth_of(request).count, who, scope=RATE_SCOPE, default=DEFAULT_LIMITS
    )
    request_json = {
        "query": query,
        "dataset": dataset,
        "useOntology": use_ontology,
        "ontologyConnectorId": connector,
        "clifford": clifford,
        "chatId": chat_id,
    }
    base = str(request.base_url).rstrip("/")
    return EventSourceResponse(
        _events(door, ref, question, chosen=chosen, base=base, request_json=request_json),
        ping=PING_S,
    )


def _open(
    door: Conversations,
    who: Principal,
    question: str,
    *,
    dataset: str | None,
    connector: int | None,
    chat_id: str | None,
) -> tuple[ConversationRef, str | None]:
    """The chat to answer in, and the application chosen for it when the caller named none.

    Everything that can be refused is checked before a new chat is created."""
    chosen = None
    if chat_id is None:
        if dataset is None and connector is not None:
            dataset = door.application_on_connector(who, connector)
        elif dataset is None:
            dataset = chosen = door.choose_application(who, question)
        else:
            door.check_application(who, dataset)
    ref = (
        door.open(who, face=NAME, conversation_id=chat_id, app=dataset)
        if chat_id is not None
        else None
    )
    application = ref.application if ref else dataset
    assert application is not None
    if connector is not None and door.connector_number(who, application) != connector:
        raise InvalidInput(
            f"application {application!r} does not read the source numbered {connector}",
            detail={"field": "ontologyConnectorId"},
        )
    return ref or door.open(who, face=NAME, app=application), chosen


async def _events(
    door: Conversations,
    ref: ConversationRef,
    question: str,
    *,
    chosen: str | None,
    base: str,
    request_json: dict[str, Any],
) -> AsyncIterator[ServerSentEvent]:
    def produce() -> Iterator[tuple[str, str]]:
        return _produce(door, ref, question, chosen, base, request_json)

    async for name, data in events_in_thread(produce):
        yield ServerSentEvent(data=data, event=name)


def _produce(
    door: Conversations,
    ref: ConversationRef,
    question: str,
    chosen: str | None,
    base: str,
    request_json: dict[str, Any],
) -> Iterator[tuple[str, str]]:
    """The stream's (event, data) pairs. Runs in a worker thread to its end whatever
    happens to the client; each time a block begins, the blocks so far are stored before
    they are sent. If rendering fails, the turn still runs to its end (its answer is
    stored) and the stream says so in an ErrorBlock."""
    blocks: AnswerBlocks | None = None
    answer_id = ""
    failed = False
    try:
        for event in door.turn(ref, question, request_json=request_json, reserve_answer=True):
            if failed:
                continue
            try:
                if isinstance(event, TurnStarted):
                    number = door.message_seq(ref, event.user_message_id)
                    answer_id = event.assistant_message_id
                    blocks = AnswerBlocks(
                        question,
                        organization_id=ref.organization_id,
                        trace_of=lambda query: door.query_trace(ref, query),
                        chart_url=f"{base}{PREFIX}/{ref.id}/{number + 1}/chart.png",
                        chosen_application=chosen,
                    )
                    yield "chatId", json.dumps(ref.id)
                    yield "userMsgId", json.dumps(number)
                    yield "assistantMsgId", json.dumps(number + 1)
                    sent = blocks.start()
                else:
                    assert blocks is not None
                    known = len(blocks.final)
                    sent = blocks.feed(event)
                    # A new block means the ones before it are final: keep what was sent.
                    if isinstance(event, Done) or len(blocks.final) > known:
                        door.save_blocks(ref, answer_id, blocks.final)
                for data in sent:
                    yield "block", data
            except Exception as error:  # rendering failed; the turn goes on to be stored
                failed = True
                yield from _failure(door, ref, blocks, answer_id, error)
    except Exception as error:  # the door failed: the stream never just breaks
        if not failed:
            yield from _failure(door, ref, blocks, answer_id, error)
    yield "message", json.dumps("done")


def _failure(
    door: Conversations,
    ref: ConversationRef,
    blocks: AnswerBlocks | None,
    answer_id: str,
    error: Exception,
) -> Iterator[tuple[str, str]]:
    """An unexpected failure as an ErrorBlock naming its incident, kept with the answer."""
    failure = report_incident(f"ana stream of conversation {ref.id}", error)
    if blocks is None:
        yield "block", json.dumps(error_block(failure.message))
        return
    for data in blocks.fail(failure.message):
        yield "block", data
    if answer_id:
        try:
            door.save_blocks(ref, answer_id, blocks.final)
        except Exception as unsaved:  # already failing: logged, the stream still ends
            report_incident(f"keeping the blocks of message {answer_id}", unsaved)


# -- reads -----------------------------------------------------------------------------------


@router.get("/chat/summary")
def chat_summary(who: CallerDep, door: DoorDep) -> list[dict[str, Any]]:
    """The caller's Ana chats, the most recently active first."""
    return [_summary(chat) for chat in door.chat_summaries(who, face=NAME)]


@router.get("/{chat_id}")
def chat(chat_id: str, who: CallerDep, door: DoorDep) -> list[list[dict[str, Any]]]:
    """The chat's messages, each an array of one message object."""
    ref = door.open(who, face=NAME, conversation_id=chat_id)
    return [[_message(m, who)] for m in door.history(ref).items]


@router.get("/{chat_id}/{message_id}/chart.png", response_class=Response)
def chart_png(chat_id: str, message_id: int, who: CallerDep, door: DoorDep) -> Response:
    """The picture of an answer's chart (the PythonBlock's ImageUrlResult)."""
    ref = door.open(who, face=NAME, conversation_id=chat_id)
    message = door.message_at(ref, message_id)
    chart = message.answer.chart if message.answer else None
    if chart is None:
        raise NotFound(f"message {message_id} of chat {chat_id!r} has no chart")
    return Response(render_chart(chart, "png"), media_type="image/png")


def _summary(chat: ChatSummary) -> dict[str, Any]:
    return {
        "innerId": chat.id,
        "innerVal": {
            "id": chat.id,
            "orgId": chat.organization_id,
            "engine": json.dumps({"dataset": chat.application}),
            "summary": chat.title,
            "lastUserMessage": {"timestamp": _timestamp(chat.last_user_message_at)},
        },
    }


def _message(message: StoredMessage, who: Principal) -> dict[str, Any]:
    if message.role == "user":
        author = {"tag": "User", "name": who.name, "contents": who.member_id or who.owner}
        body = [text_block(message.text, _block_id(message, "question"))]
    else:
        author = {"tag": "Assistant"}
        body = message.blocks if message.blocks is not None else _derived_body(message)
    return {
        "innerId": message.seq,
        "innerVal": {
            "author": author,
            "chatId": message.conversation_id,
            "timestamp": _timestamp(message.created_at),
            "body": body,
            "messageIdx": message.seq - 1,
        },
    }


def _derived_body(message: StoredMessage) -> list[Block]:
    """The body of an answer no Ana stream kept blocks for (asked through another face)."""
    answer = message.answer
    if answer is None or (not message.text and answer.error_code is None):
        return []
    if answer.error_code:
        return [error_block(message.text, _block_id(message, "error"))]
    return [text_block(message.text, _block_id(message, "text"))]


def _block_id(message: StoredMessage, kind: str) -> str:
    return str(uuid.uuid5(_BLOCK_IDS, f"{message.id}/{kind}"))


def _timestamp(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as ``2024-03-25T04:00:49.116Z``."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # the store keeps UTC; SQLite drops the zone
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
