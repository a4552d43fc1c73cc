"""The Ana stream over a real socket: an SSE client (httpx-sse) against uvicorn rebuilds
the blocks by id as the seed says and finds them stored; blocks arrive while the SQL is
still running; a client that goes away mid-stream loses nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from parley.sources.duckdb_source import DuckDBSource
from tests.api._ana_fixtures import Member, ana, message, read_stream, stored_chat

__all__ = ["ana"]  # fixtures used by name

GATE_TIMEOUT_S = 20.0
STORED_TIMEOUT_S = 20.0


class Gate:
    """Holds every statement the demo source runs until released (the statement still
    runs on the real database afterwards), and tells when one has finished."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.finished = threading.Event()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate()
    real = DuckDBSource.execute

    def gated(self: DuckDBSource, sql: str, **kwargs: Any) -> Any:
        held.release.wait(GATE_TIMEOUT_S)
        try:
            return real(self, sql, **kwargs)
        finally:
            held.finished.set()

    monkeypatch.setattr(DuckDBSource, "execute", gated)
    try:
        yield held
    finally:
        held.release.set()


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.replace("ws://", "http://"), timeout=30) as client:
        yield client


def test_an_sse_client_rebuilds_the_blocks_that_get_chat_returns(
    http: httpx.Client, ana: Member
) -> None:
    stream = read_stream(http, ana.basic, query="revenue by month this year", dataset="demo")
    assert [e for e, _ in stream.events[:3]] == ["chatId", "userMsgId", "assistantMsgId"]
    assert stream.events[-1] == ("message", "done")
    assert len(stream.versions) > len(stream.blocks), "some blocks were re-sent as they grew"
    chat = stored_chat(http, ana.basic, stream.chat_id)
    assert message(chat, stream.assistant_id)["innerVal"]["body"] == stream.blocks
    assert message(chat, stream.user_id)["innerVal"]["body"][0]["contents"] == (
        "revenue by month this year"
    )


def test_blocks_arrive_before_the_sql_has_finished(
    http: httpx.Client, ana: Member, gate: Gate
) -> None:
    params = {"query": "revenue by category", "dataset": "demo"}
    seen: list[dict[str, Any]] = []
    with connect_sse(http, "GET", "/api/ana", params=params, headers=ana.basic) as source:
        events = source.iter_sse()
        for sse in events:
            if sse.event == "block":
                seen.append(sse.json())
            if seen and seen[-1]["tag"] == "OntologyBlock":
                break
        assert not gate.finished.is_set(), "the SQL is held, yet blocks came"
        assert [b["tag"] for b in seen] == ["TextBlock", "OntologyBlock"]
        assert seen[-1]["contents"]["result"]["complete"] is False
        gate.release.set()
        rest = [(sse.event, sse.json()) for sse in events]
    assert gate.finished.is_set()
    ontology = [b for e, b in rest if e == "block" and b["tag"] == "OntologyBlock"]
    assert ontology and ontology[0]["contents"]["result"]["complete"] is True
    assert rest[-1] == ("message", "done")


def test_a_client_gone_mid_stream_leaves_the_question_and_the_answer_stored(
    http: httpx.Client, ana: Member, gate: Gate
) -> None:
    params = {"query": "revenue by country", "dataset": "demo"}
    seen: list[tuple[str, Any]] = []
    with connect_sse(http, "GET", "/api/ana", params=params, headers=ana.basic) as source:
        for sse in source.iter_sse():
            seen.append((sse.event, sse.json()))
            if sse.event == "block" and sse.json()["tag"] == "OntologyBlock":
                break
    # The client has hung up while the SQL is held: what it saw so far is stored.
    chat_id = next(data for event, data in seen if event == "chatId")
    user_id = next(data for event, data in seen if event == "userMsgId")
    sent = {data["id"]: data for event, data in seen if event == "block"}
    chat = stored_chat(http, ana.basic, chat_id)
    assert message(chat, user_id)["innerVal"]["body"][0]["contents"] == "revenue by country"
    assert message(chat, user_id + 1)["innerVal"]["body"] == list(sent.values())
    assert [b["tag"] for b in sent.values()] == ["TextBlock", "OntologyBlock"]
    gate.release.set()
    # The turn runs to its end without a listener, and the whole answer is kept.
    deadline = time.monotonic() + STORED_TIMEOUT_S
    while True:
        body = message(stored_chat(http, ana.basic, chat_id), user_id + 1)["innerVal"]["body"]
        if body and body[-1]["tag"] == "TextBlock" and len(body) > 1:
            break
        assert time.monotonic() < deadline, f"the answer was not stored: {body}"
        time.sleep(0.05)
    assert [b["tag"] for b in body] == ["TextBlock", "OntologyBlock", "PythonBlock", "TextBlock"]
    assert body[1]["contents"]["result"]["complete"] is True
    assert body[-1]["contents"].startswith("Revenue by country")


def test_two_questions_at_once_in_one_chat_keep_their_announced_ids(
    http: httpx.Client, ana: Member, gate: Gate
) -> None:
    gate.release.set()
    first = read_stream(http, ana.basic, query="revenue by category", dataset="demo")
    gate.release.clear()
    streams: dict[str, Any] = {}

    def ask(question: str) -> None:
        with httpx.Client(base_url=http.base_url, timeout=30) as own:
            streams[question] = read_stream(own, ana.basic, query=question, chatId=first.chat_id)

    askers = [threading.Thread(target=ask, args=(q,)) for q in ("top 3", "top 2")]
    for asker in askers:
        asker.start()
    time.sleep(0.5)  # both questions reach the held SQL before it runs
    gate.release.set()
    for asker in askers:
        asker.join(STORED_TIMEOUT_S)
    chat = stored_chat(http, ana.basic, first.chat_id)
    assert sorted(s.user_id for s in streams.values()) == [3, 5]
    for question, stream in streams.items():
        assert stream.assistant_id == stream.user_id + 1
        asked = message(chat, stream.user_id)["innerVal"]
        assert asked["body"][0]["contents"] == question
        assert message(chat, stream.assistant_id)["innerVal"]["body"] == stream.blocks
