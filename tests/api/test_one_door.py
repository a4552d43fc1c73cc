"""Every face goes through one door: one chart-change path that runs no SQL, and one
error shape per face, checked on every route the app has (a new route is covered
without editing this file)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from parley.api import ana, channels, embedded, page, workbench
from parley.auth.authenticate import Authenticator
from parley.conversations import service as door_module
from parley.conversations.installation import Parley
from parley.errors import NotFound
from parley.sources.duckdb_source import DuckDBSource

Headers = Callable[..., dict[str, str]]
INCIDENT = re.compile(r"inc_[A-Za-z0-9]+")


@pytest.fixture(scope="module")
def api_key(parley: Parley) -> str:
    return parley.create_api_key("one-door")[0]


@pytest.fixture(scope="module")
def channel(parley: Parley) -> tuple[str, str]:
    """A channel on the demo application: its id and secret key."""
    return parley.create_channel("demo")


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statements the demo source runs (it still runs them)."""
    ran: list[str] = []
    real = DuckDBSource.execute

    def recording(self: DuckDBSource, sql: str, **kwargs: Any) -> Any:
        ran.append(sql)
        return real(self, sql, **kwargs)

    monkeypatch.setattr(DuckDBSource, "execute", recording)
    yield ran


def test_every_chart_change_runs_no_sql(
    client: TestClient, headers: Headers, parley: Parley, api_key: str, executions: list[str]
) -> None:
    # Workbench visualize
    session = client.post("/api/v1/bi/chat/sessions", headers=headers(),
                          json={"tenant_id": "default", "user_id": "user-456"}).json()
    base = f"/api/v1/bi/chat/sessions/{session['session_id']}"
    client.post(f"{base}/messages", headers=headers(), json={"message": "revenue by category"})
    assert executions, "the question itself runs its SQL"
    executions.clear()
    drawn = client.post(f"{base}/visualize", headers=headers(), json={"chart_type": "pie"})
    assert drawn.status_code == 200 and drawn.json()["visualization"]["type"] == "pie"
    # OpenAI suggestGraph
    key = {"Authorization": f"Bearer {api_key}"}
    completion = client.post("/api/v1/chat/completions", headers=key, json={
        "model": "demo", "messages": [{"role": "user", "content": "revenue by category"}]}).json()
    executions.clear()
    graph = client.post("/api/v1/chat/suggestGraph", headers=key, json={
        "model": "demo", "dataFilePath": completion["dataFilePath"], "graphType": "Pie Chart"})
    assert graph.status_code == 200 and graph.json()["graphSuggestion"]["graphType"] == "Pie Chart"
    # The CLI's /chart (the door's change of chart) and "as a pie chart" (a turn)
    door = parley.conversations
    ref = door.open(parley.principal, face="cli", app="demo")
    door_module.collect(door.turn(ref, "revenue by category"))
    executions.clear()
    slash_chart = door_module.collect(door.change_chart(ref, "donut"))
    said = door_module.collect(door.turn(ref, "as a pie chart"))
    assert slash_chart.answer.chart and slash_chart.answer.chart.type == "donut"
    assert said.answer.chart and said.answer.chart.type == "pie"
    assert said.answer.intent == "visualization_change"
    assert executions == []


def _face_routes(app: FastAPI, channel_id: str) -> list[tuple[Any, str, str, bool]]:
    """Every HTTP route of every face the app was built from, and whether it reads a body."""
    routes = []
    for face in app.state.faces:
        # The routes a face serves to anyone (a page, its files, signing in).
        public = getattr(face, "PUBLIC_PATHS", ())
        for route in face.router.routes:
            if isinstance(route, APIRoute) and route.path not in public:
                path = route.path.replace("{session_id}", "conv_nosuchsession")
                path = path.replace("{channelId}", channel_id)
                routes.append((face, sorted(route.methods)[0], path, route.body_field is not None))
    assert len(routes) >= 12
    return routes


def _credentials(
    face: Any, app: FastAPI, headers: Headers, api_key: str, channel: tuple[str, str]
) -> Any:
    """What a face's caller sends to be let in."""
    if face is workbench:
        return headers()
    if face is channels:
        return {"X-API-Secret-Key": channel[1]}
    if face is page:
        _, token = app.state.auth.page_sign_in(api_key)
        return {"Cookie": f"{page.COOKIE}={token}"}
    return {"Authorization": f"Bearer {api_key}"}


#: What a face answers a call without credentials, and a body that is not JSON.
REFUSED = {channels: (403, 400)}


def _shape(face: Any, body: dict[str, Any], status: int) -> None:
    if face is channels:
        assert set(body) == {"success", "error"} and body["success"] is False
        assert isinstance(body["error"], str) and body["error"]
    elif face is embedded:  # FastAPI's own shapes
        assert set(body) == {"detail"}
        if status == 422:
            assert all(set(p) == {"loc", "msg", "type"} for p in body["detail"])
        else:
            assert isinstance(body["detail"], str)
    elif face is workbench:
        assert set(body) >= {"detail", "code"} and isinstance(body["detail"], str)
    elif face is ana:
        assert set(body) == {"tag", "contents", "code"} and body["tag"] == "ErrorBlock"
    elif face is page:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    elif status == 500:
        assert set(body) == {"code", "message", "status"} and body["code"] == "500"
    else:
        assert "error" in body and body["code"] == str(status)


def test_every_route_renders_its_face_errors(
    app: FastAPI, client: TestClient, headers: Headers, api_key: str,
    channel: tuple[str, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    for face, method, path, reads_body in _face_routes(app, channel[0]):
        unauthenticated, not_json = REFUSED.get(face, (401, 422))
        refused = client.request(method, path)
        assert refused.status_code == unauthenticated, (method, path)
        _shape(face, refused.json(), unauthenticated)
        creds = _credentials(face, app, headers, api_key, channel)
        if reads_body:
            invalid = client.request(method, path, headers=creds, content=b"{not json")
            assert invalid.status_code == not_json, (method, path)
            _shape(face, invalid.json(), not_json)
        if face is workbench and "conv_nosuchsession" in path:
            body = {"message": "x", "refinement": "x", "chart_type": "pie"}
            missing = client.request(method, path, headers=creds,
                                     json=body if method == "POST" else None)
            assert missing.status_code == 404, (method, path)
            _shape(face, missing.json(), 404)

    def nothing_there(*args: Any, **kwargs: Any) -> Any:
        raise NotFound("nothing is there")

    # A domain "not found" raised behind any route: the face's own 404 body.
    monkeypatch.setattr(Authenticator, "authorization", nothing_there)
    monkeypatch.setattr(Authenticator, "workbench_token", nothing_there)
    monkeypatch.setattr(Authenticator, "channel", nothing_there)
    monkeypatch.setattr(Authenticator, "api_key_or_embed_token", nothing_there)
    monkeypatch.setattr(Authenticator, "page_session", nothing_there)
    for face, method, path, _ in _face_routes(app, channel[0]):
        creds = _credentials(face, app, headers, api_key, channel)
        missing = client.request(method, path, headers=creds, json={})
        assert missing.status_code == 404, (method, path)
        _shape(face, missing.json(), 404)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the authenticator broke")

    monkeypatch.setattr(Authenticator, "authorization", broken)
    monkeypatch.setattr(Authenticator, "workbench_token", broken)
    monkeypatch.setattr(Authenticator, "channel", broken)
    monkeypatch.setattr(Authenticator, "api_key_or_embed_token", broken)
    monkeypatch.setattr(Authenticator, "page_session", broken)
    for face, method, path, _ in _face_routes(app, channel[0]):
        creds = _credentials(face, app, headers, api_key, channel)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="parley.incidents"):
            failed = client.request(method, path, headers=creds, json={})
        assert failed.status_code == 500, (method, path)
        _shape(face, failed.json(), 500)
        incident = INCIDENT.search(failed.text)
        assert incident and incident[0] in caplog.text
        assert "the authenticator broke" not in failed.text


def test_a_turn_incident_is_stored_with_the_failed_message_and_logged(
    client: TestClient, parley: Parley, api_key: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(door_module, "run_turn", failing)
    with caplog.at_level(logging.ERROR, logger="parley.incidents"):
        response = client.post("/api/v1/chat/completions",
                               headers={"Authorization": f"Bearer {api_key}"},
                               json={"model": "demo",
                                     "messages": [{"role": "user", "content": "revenue"}]})
    assert response.status_code == 500
    incident = INCIDENT.search(response.json()["message"])
    assert incident and incident[0] in caplog.text
    key = parley.auth.api_key(api_key)
    pairs = parley.conversations.questions(
        key, app="demo", conversation_id=response.headers["conversationId"])
    assert pairs[-1].answer and pairs[-1].answer.answer
    assert pairs[-1].answer.answer.incident_id == incident[0]
