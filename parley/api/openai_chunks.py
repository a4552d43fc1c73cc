"""The one OpenAI-chunk renderer: a turn's events as ``chat.completion.chunk`` server-sent
events. The OpenAI-compatible face streams with it; a bot-channel face reuses it.

The first chunk (the role) is sent as soon as the question is stored; text is sent as it
arrives; the last chunk carries ``finish_reason`` and where the result can be read back.
A failure is an ``error`` event: the status line is already sent, and an error event is
what OpenAI clients understand mid-stream.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from parley.api import _openai_render as render
from parley.engine.events import Done, Event, TurnStarted
from parley.errors import InternalError, report_incident


def sse(payload: dict[str, Any] | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n"


@dataclass(slots=True)
class ChunkStream:
    kind: render.ResponseType
    model: str
    fingerprint: str
    conversation_id: str
    created: int = 0

    def __post_init__(self) -> None:
        if not self.created:
            self.created = int(dt.datetime.now(dt.UTC).timestamp() * 1000)

    async def render(self, events: AsyncIterator[Event]) -> AsyncIterator[str]:
        """Server-sent events for ``events``, ``data: [DONE]`` last."""
        writer = render.ChunkWriter(self.kind)
        common: dict[str, Any] = {
            "created": self.created,
            "model": self.model,
            "fingerprint": self.fingerprint,
            "conversation_id": self.conversation_id,
            "completion_id": "",
        }
        try:
            async for event in events:
                if isinstance(event, TurnStarted):
                    common["completion_id"] = event.user_message_id
                    role = {"role": "assistant", "content": ""}
                    yield sse(render.chunk_body(delta=role, **common))
                    continue
                if isinstance(event, Done) and event.answer.incident_id:
                    yield sse({"error": render.internal_body(event.answer.incident_id)})
                    return
                text = writer.feed(event)
                if text:
                    yield sse(render.chunk_body(delta={"content": text}, **common))
                if isinstance(event, Done):
                    yield sse(
                        render.chunk_body(
                            delta={},
                            finish_reason="stop",
                            data_file_path=event.data_file_path,
                            **common,
                        )
                    )
            yield sse("[DONE]")
        except Exception as error:
            failure = (
                error
                if isinstance(error, InternalError)
                else report_incident(f"streamed completion in {self.conversation_id}", error)
            )
            yield sse({"error": render.internal_body(failure.incident_id)})
