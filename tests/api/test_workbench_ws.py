"""The Workbench WebSocket, through a real uvicorn server and the ``websockets`` client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection, connect

from parley.auth.tokens import TokenService
from parley.conversations.installation import Parley
from parley.store import conversations as store

TENANT = "default"
USER = "ws-user"
BASE = "/api/v1/bi/chat/sessions"
#: Upper bound for one turn on the demo data; a hung server fails instead of blocking.
RECV_TIMEOUT_S = 30

Headers = Callable[..., dict[str, str]]


def new_session(client: TestClient, headers: Headers, user: str = USER) -> str:
    response = client.post(BASE, json={"tenant_id": TENANT, "user_id": user},
                           headers=headers(user))
    assert response.status_code == 201, response.text
    session_id: str = response.json()["session_id"]
    return session_id


def socket_url(server: str, session_id: str, token: str | None) -> str:
    query = f"?token={token}" if token is not None else ""
    return f"{server}/ws/chat/{session_id}{query}"


def receive(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=RECV_TIMEOUT_S))
    return frame


def until_result(ws: ClientConnection) -> list[dict[str, Any]]:
    """Every frame of one turn, the ``result`` frame last."""
    frames = [receive(ws)]
    while frames[-1]["type"] != "result":
        frames.append(receive(ws))
    return frames


def stored_messages(parley: Parley, session_id: str) -> list[tuple[str, str, str | None]]:
    with parley.store.session() as session:
        return [(m.role, m.content, m.sql) for m in store.list_messages(session, session_id).items]


def test_conversation_over_the_socket(
    server: str, client: TestClient, headers: Headers, tokens: TokenService, parley: Parley
) -> None:
    session_id = new_session(client, headers)
    token = tokens.issue(tenant_id=TENANT, user_id=USER)
    with connect(socket_url(server, session_id, token)) as ws:
        ws.send(json.dumps({"type": "message", "content": "top 10 customers by revenue"}))
        frames = until_result(ws)
        # Stored before the result frame was sent.
        messages = stored_messages(parley, session_id)
        result = frames[-1]["data"]
        assert messages == [("user", "top 10 customers by revenue", None),
                            ("assistant", result["response"], result["sql"])]
        assert [f["agent"] for f in frames if f["type"] == "stream_start"] == [
            "router", "sql_agent", "viz_agent", "insight_agent"]
        texts = [f["content"] for f in frames if f["type"] == "text"]
        assert "Generating SQL query..." in texts
        assert texts[-1] == result["response"]
        assert result["success"] is True and result["intent"] == "sql_query"
        assert result["columns"] == ["customer_name", "revenue"] and len(result["rows"]) == 10
        assert result["visualization"]["type"] == "bar"

        ws.send(json.dumps({"type": "refine", "content": "only US customers"}))
        refined = until_result(ws)[-1]["data"]
        assert refined["intent"] == "refinement"
        assert "customers.country = 'United States'" in refined["sql"]
        assert len(stored_messages(parley, session_id)) == 4

        ws.send(json.dumps({"type": "visualize", "chart_type": "doughnut"}))
        frames = until_result(ws)
        donut = frames[-1]["data"]
        assert [f["agent"] for f in frames if f["type"] == "stream_start"] == ["viz_agent"]
        assert donut["visualization"]["type"] == "donut"
        assert (donut["rows"], donut["sql"]) == (refined["rows"], refined["sql"])
        assert stored_messages(parley, session_id)[4:] == [
            ("user", "visualize: donut", None), ("assistant", donut["response"], donut["sql"])]


def _bad_token(kind: str, tokens: TokenService) -> str | None:
    now = int(time.time())
    claims = {"sub": USER, "tenant_id": TENANT, "iss": "parley", "aud": "parley",
              "iat": now - 7200, "exp": now - 3600}
    secret = tokens.config.secret
    assert secret is not None
    if kind == "expired":
        return jwt.encode(claims, secret, algorithm="HS256")
    if kind == "wrong signature":
        return jwt.encode({**claims, "exp": now + 600}, "x" * 40, algorithm="HS256")
    if kind == "garbage":
        return "not-a-jwt"
    if kind == "other user":
        return tokens.issue(tenant_id=TENANT, user_id="intruder")
    return None


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("expired", "token expired"),
        ("wrong signature", "token signature is invalid"),
        ("garbage", "malformed token"),
        ("missing", "missing bearer token: send 'Authorization: Bearer <JWT>'"),
        ("other user", "not found"),
    ],
)
def test_bad_token_closes_with_policy_violation(
    server: str, client: TestClient, headers: Headers, tokens: TokenService, kind: str,
    reason: str,
) -> None:
    session_id = new_session(client, headers)
    url = socket_url(server, session_id, _bad_token(kind, tokens))
    with connect(url) as ws, pytest.raises(ConnectionClosedError) as closed:
        ws.recv(timeout=RECV_TIMEOUT_S)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert reason in closed.value.rcvd.reason


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("not json", "frame is not JSON: Expecting value at position 0"),
        ("[1, 2]", "frame must be a JSON object, not list"),
        ('{"type": "dance"}', "unknown frame type 'dance': use one of message, refine, visualize"),
        ('{"type": "message"}', "a 'message' frame needs a non-empty string 'content'"),
        ('{"type": "refine", "content": "  "}',
         "a 'refine' frame needs a non-empty string 'content'"),
        ('{"type": "visualize", "chart_type": 3}',
         "a 'visualize' frame needs a non-empty string 'chart_type'"),
        ("[" * 5000 + "]" * 5000, "frame is nested too deeply"),
        ('{"type": "message", "content": 1' + "0" * 5000 + "}",
         "frame holds a number too long to read"),
    ],
)
def test_malformed_frame_then_a_good_one(
    server: str, client: TestClient, headers: Headers, tokens: TokenService, frame: str,
    message: str,
) -> None:
    session_id = new_session(client, headers)
    token = tokens.issue(tenant_id=TENANT, user_id=USER)
    with connect(socket_url(server, session_id, token)) as ws:
        ws.send(frame)
        assert receive(ws) == {"type": "error", "message": message, "code": "invalid_frame"}
        ws.send(json.dumps({"type": "message", "content": "hello"}))
        result = until_result(ws)[-1]["data"]
        assert result["intent"] == "greeting" and result["success"] is True


def test_refused_turns_get_an_error_frame(
    server: str, client: TestClient, headers: Headers, tokens: TokenService, parley: Parley
) -> None:
    session_id = new_session(client, headers)
    token = tokens.issue(tenant_id=TENANT, user_id=USER)
    with connect(socket_url(server, session_id, token)) as ws:
        ws.send(json.dumps({"type": "visualize", "chart_type": "pie"}))
        error = receive(ws)
        assert error["code"] == "conflict"
        assert error["message"] == (
            f"conversation {session_id!r} has no result to chart yet: ask a question first")
        ws.send(json.dumps({"type": "message", "content": "top 5 products by revenue"}))
        assert until_result(ws)[-1]["data"]["success"] is True
        ws.send(json.dumps({"type": "visualize", "chart_type": "pies"}))
        error = receive(ws)
        assert error["code"] == "invalid_input" and "did you mean 'pie'?" in error["message"]
    assert len(stored_messages(parley, session_id)) == 2
