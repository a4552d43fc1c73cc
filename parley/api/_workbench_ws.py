"""The Workbench WebSocket: ``/ws/chat/{session_id}?token=<JWT>``.

A bad token (or another user's session) closes the socket with code 1008 before any
frame is sent. Each client frame runs one core turn in a worker thread; its events are
forwarded as frames as they are produced. A frame that cannot be understood gets an
``error`` frame and the socket stays open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from parley.api._workbench_core import (
    answer_body,
    authenticate,
    change_chart,
    open_session,
    require_query,
    tokens_of,
)
from parley.conversations.service import ConversationRef
from parley.core import Parley
from parley.engine.events import AgentStarted, Done, ErrorRaised, Event, TextDelta
from parley.errors import InvalidInput, ParleyError
from parley.store.ids import new_id

log = logging.getLogger(__name__)

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
}

ws_router = APIRouter()


class InvalidFrame(InvalidInput):
    code = "invalid_frame"


def parse_frame(raw: str | None) -> tuple[str, str]:
    """A client frame as (type, its text); ``InvalidFrame`` says what is wrong with it.

    >>> parse_frame('{"type": "visualize", "chart_type": "pie"}')
    ('visualize', 'pie')
    """
    if raw is None:
        raise InvalidFrame("frames must be JSON text, not binary")
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidFrame(f"frame is not JSON: {exc.msg} at position {exc.pos}") from None
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


def events_for(parley: Parley, ref: ConversationRef, kind: str, text: str) -> Iterator[Event]:
    if kind == "visualize":
        return change_chart(parley, ref, text)
    if kind == "refine":
        require_query(parley, ref)
    return parley.conversations.turn(ref, text, request_json={"type": kind, "content": text})


def frames_of(event: Event) -> list[dict[str, Any]]:
    """The frames one core event becomes (most events are only part of the result)."""
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
    parley = websocket.app.state.parley
    assert isinstance(parley, Parley)
    # Accepted first so that the client sees the close code (a refused handshake is
    # only an HTTP 403 to it).
    await websocket.accept()
    try:
        tokens = tokens_of(websocket.app.state, parley)
        caller = await run_in_threadpool(
            authenticate, parley, tokens, websocket.query_params.get("token")
        )
        ref = await run_in_threadpool(open_session, parley, caller, session_id)
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
        if not await _stream(websocket, partial(events_for, parley, ref, kind, text)):
            return


async def _stream(websocket: WebSocket, make_events: Callable[[], Iterator[Event]]) -> bool:
    """Forward one turn's frames as they come; False once the client has gone.

    The turn runs to its end even if the client leaves, so its answer is stored.
    """
    send, receive = anyio.create_memory_object_stream[dict[str, Any]](math.inf)

    def put(frame: dict[str, Any]) -> None:
        # When the client has left, keep draining so that the turn completes and is stored.
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            anyio.from_thread.run_sync(send.send_nowait, frame)

    def work() -> None:
        try:
            for event in make_events():
                for frame in frames_of(event):
                    put(frame)
        except ParleyError as error:
            put(error_frame(error.code, error.message))
        except Exception:
            incident = new_id("inc")
            log.exception("workbench socket turn failed (incident %s)", incident)
            put(
                error_frame(
                    "internal_error", f"Something went wrong on our side (incident {incident})."
                )
            )
        finally:
            anyio.from_thread.run_sync(send.close)

    connected = True
    async with anyio.create_task_group() as group, receive:
        group.start_soon(partial(anyio.to_thread.run_sync, work))
        async for frame in receive:
            try:
                await websocket.send_json(frame)
            except (WebSocketDisconnect, RuntimeError):  # the client is gone
                connected = False
                break
    return connected
