"""The Workbench WebSocket: ``/ws/chat/{session_id}?token=<JWT>``.

A bad token (or another user's session) closes the socket with code 1008 before any
frame is sent. Each client frame runs one turn through the door; its events are
forwarded as frames as they are produced (through the one streaming bridge). A frame
that cannot be understood gets an ``error`` frame and the socket stays open.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from parley.api._edge import auth_of, door_of
from parley.api._stream import events_in_thread
from parley.api._workbench_render import answer_body
from parley.conversations.service import Conversations
from parley.conversations.views import ConversationRef
from parley.engine.events import AgentStarted, Done, ErrorRaised, Event, TextDelta
from parley.errors import InvalidInput, ParleyError, report_incident

FACE = "workbench"
#: RFC 6455 §7.4.1: the endpoint refuses a message that violates its policy.
POLICY_VIOLATION = 1008
#: The longest close reason a WebSocket frame can carry, in bytes.
MAX_REASON_BYTES = 123
FRAME_TYPES = ("message", "refine", "visualize")

PROGRESS = {
    "router": "Understanding the question...",
    "sql_agent": "Generating SQL query...",
    "viz_agent": "Choosing a chart...",
    "insight_agent": "Looking for insights...",
    "knowledge_agent": "Searching the knowledge base...",
    "taught_question": "Using a taught question...",
    "llm_provider": "Asking the language model...",
}

ws_router = APIRouter()


class InvalidFrame(InvalidInput):
    code = "invalid_frame"


def parse_frame(raw: str | None) -> tuple[str, str]:
    """A client frame as (type, its text); ``InvalidFrame`` says what is wrong with it.

    >>> parse_frame('{"type": "visualize", "chart_type": "pie"}')
    ('visualize', 'pie')
    >>> parse_frame("[" * 5000 + "]" * 5000)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    parley.api._workbench_ws.InvalidFrame: frame is nested too deeply
    """
    if raw is None:
        raise InvalidFrame("frames must be JSON text, not binary")
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidFrame(f"frame is not JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:
        raise InvalidFrame("frame is nested too deeply") from None
    except ValueError:  # the one other failure: a number longer than 4,300 digits
        raise InvalidFrame("frame holds a number too long to read") from None
    if not isinstance(frame, dict):
        raise InvalidFrame(f"frame must be a JSON object, not {type(frame).__name__}")
    kind = frame.get("type")
    if kind not in FRAME_TYPES:
        raise InvalidFrame(f"unknown frame type {kind!r}: use one of {', '.join(FRAME_TYPES)}")
    field = "chart_type" if kind == "visualize" else "content"
    value = frame.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidFrame(f"a {kind!r} frame needs a non-empty string {field!r}")
    return kind, value


def events_for(door: Conversations, ref: ConversationRef, kind: str, text: str) -> Iterator[Event]:
    if kind == "visualize":
        return door.change_chart(
            ref, text, said="visualize: {chart}", request_json={"type": kind, "chart_type": text}
        )
    if kind == "refine":
        door.require_query(ref)
    return door.turn(ref, text, request_json={"type": kind, "content": text})


def frames_of(event: Event) -> list[dict[str, Any]]:
    """The frames one event becomes (most events are only part of the result)."""
    if isinstance(event, AgentStarted):
        progress = PROGRESS.get(event.agent)
        started: dict[str, Any] = {"type": "stream_start", "agent": event.agent}
        return [started, {"type": "text", "content": progress}] if progress else [started]
    if isinstance(event, TextDelta):
        return [{"type": "text", "content": event.text}]
    if isinstance(event, ErrorRaised):
        return [error_frame(event.code, event.message)]
    if isinstance(event, Done):
        return [{"type": "result", "message_id": event.message_id, "data": result_data(event)}]
    return []


def result_data(done: Done) -> dict[str, Any]:
    body = answer_body(done.answer)
    data = body.pop("data")
    return {**body, "columns": data["columns"], "rows": data["rows"]}


def error_frame(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "message": message, "code": code}


@ws_router.websocket("/ws/chat/{session_id}")
async def chat_socket(websocket: WebSocket, session_id: str) -> None:
    door, auth = door_of(websocket), auth_of(websocket)
    # Accepted first so that the client sees the close code (a refused handshake is
    # only an HTTP 403 to it).
    await websocket.accept()
    try:
        caller = await run_in_threadpool(auth.workbench_token, websocket.query_params.get("token"))
        ref = await run_in_threadpool(
            partial(door.open, caller, face=FACE, conversation_id=session_id)
        )
    except ParleyError as error:
        reason = error.message.encode()[:MAX_REASON_BYTES].decode(errors="ignore")
        await websocket.close(code=POLICY_VIOLATION, reason=reason)
        return
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        try:
            kind, text = parse_frame(message.get("text"))
        except InvalidFrame as error:
            await websocket.send_json(error_frame(error.code, error.message))
            continue
        if not await _stream(websocket, partial(events_for, door, ref, kind, text)):
            return


async def _stream(websocket: WebSocket, make_events: partial[Iterator[Event]]) -> bool:
    """Forward one turn's frames as they come; False once the client has gone (the turn
    still runs to its end, so its answer is stored)."""
    try:
        async for event in events_in_thread(make_events):
            for frame in frames_of(event):
                try:
                    await websocket.send_json(frame)
                except (WebSocketDisconnect, RuntimeError):  # the client is gone
                    return False
    except Exception as error:
        failure = (
            error
            if isinstance(error, ParleyError)
            else report_incident("workbench socket turn", error)
        )
        try:
            await websocket.send_json(error_frame(failure.code, failure.message))
        except (WebSocketDisconnect, RuntimeError):
            return False
    return True
