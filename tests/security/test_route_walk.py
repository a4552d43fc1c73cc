"""Every route of every face, called by a stranger and by another organisation: 401, 403 or
404, or an answer that holds nothing of the first organisation's.

Organisation A holds one object of every kind (a Workbench session, an OpenAI-compatible
conversation and its data file, an Ana chat, a channel with a conversation and a data
source, a space with an embed-token conversation, a page conversation), each carrying a
marker. Organisation B has the same kinds of credentials for its own copy of the demo.
Each route is called with A's object ids in its path, query and body: without
credentials, then with B's. A new route is walked without editing this file.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from parley.api import channels, embedded, page, workbench
from parley.api.app import create_app
from parley.auth.api_keys import create_api_key, create_channel
from parley.auth.workbench_tokens import token_service
from parley.conversations.installation import Parley
from parley.store import catalog, tenancy

MARKER = "MARKERA7Q"
GENEROUS = {"per_minute": 100_000, "per_hour": 100_000, "per_day": 100_000}
REFUSED = {401, 403, 404}
PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


@dataclass
class Organisation:
    key: str
    workbench: dict[str, str]
    channel: tuple[str, str]
    embed: str
    cookie: str
    ids: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Parley, FastAPI]]:
    home = tmp_path_factory.mktemp("walk")
    parley = Parley.open(home)
    app = create_app(parley)
    yield parley, app
    parley.close()


def _organisation(
    parley: Parley, app: FastAPI, client: TestClient, name: str | None
) -> Organisation:
    """An organisation with a key, a Workbench user, a channel, a space and a page session."""
    with parley.store.session() as session:
        if name is None:
            org = tenancy.get_organization(session, parley.organization_id)
        else:
            org = tenancy.create_organization(session, name)
        tenancy.update_organization_settings(session, org, {"rate_limits": GENEROUS})
        key, _ = create_api_key(session, org.id, "walker")
        org_id, org_name = org.id, org.name
    if name is not None:  # its own copy of the demo, as an application named like A's
        copy = parley.settings.home / f"{name}.duckdb"
        shutil.copy(parley.settings.home / "demo.duckdb", copy)
        parley.add_source(f"duckdb:///{copy}", name="demo", organization_id=org_id)
        parley.create_application("demo", source="demo", organization_id=org_id)
    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, org_id, "demo")
        assert application is not None
        secret, channel = create_channel(session, org_id, application.id, "walk")
        channel_id, source_id = channel.id, application.source_id
    bearer = {"Authorization": f"Bearer {key}"}
    space = client.post("/api/v1/spaces", headers=bearer, json={
        "source_id": source_id, "name": "walk", "customer_id": "c1"}).json()  # fmt: skip
    token = client.post(
        "/api/v1/embed/token",
        headers=bearer,
        json={"email": "c@example.com", "name": "C", "space_id": space["space_id"]},
    ).json()["token"]
    _, cookie = app.state.auth.page_sign_in(key)
    workbench_token = token_service(parley.settings).issue(tenant_id=org_name, user_id="walker")
    return Organisation(
        key=key,
        workbench={"Authorization": f"Bearer {workbench_token}"},
        channel=(channel_id, secret),
        embed=token,
        cookie=cookie,
        ids={"space_id": space["space_id"], "source_id": source_id, "channelId": channel_id},
    )


def _fill_a(org: Organisation, client: TestClient) -> None:
    """Objects of every kind in organisation A, each holding the marker."""
    ids = org.ids
    bearer = {"Authorization": f"Bearer {org.key}"}
    wb = client.post("/api/v1/bi/chat/sessions", headers=org.workbench,
                     json={"tenant_id": "default", "user_id": "walker"}).json()  # fmt: skip
    ids["session_id"] = wb["session_id"]
    for text in ("revenue by category", MARKER):
        client.post(f"/api/v1/bi/chat/sessions/{wb['session_id']}/messages",
                    headers=org.workbench, json={"message": text})  # fmt: skip
    done = client.post(
        "/api/v1/chat/completions",
        headers=bearer,
        json={"model": "demo", "messages": [{"role": "user", "content": "revenue by category"}]},
    )
    ids["openai_conversation"] = done.headers["conversationId"]
    ids["dataFilePath"] = done.json()["dataFilePath"]
    client.post("/api/v1/chat/completions", headers={**bearer, "conversationId":
                ids["openai_conversation"]}, json={"model": "demo", "messages": [
                {"role": "user", "content": MARKER}]})  # fmt: skip
    with client.stream("GET", "/api/ana", headers=bearer,
                       params={"query": f"revenue by category {MARKER}"}) as stream:  # fmt: skip
        text = "".join(stream.iter_text())
    ids["chat_id"] = re.findall(r'event: chatId\r?\ndata: "([^"]+)"', text)[0]
    channel_id, secret = org.channel
    base = f"/api/public/channels/{channel_id}/1.0"
    secret_header = {"X-API-Secret-Key": secret}
    conv = client.post(f"{base}/conversation", headers=secret_header, json={}).json()
    ids["channel_conversation"] = conv["conversationId"]
    client.post(f"{base}/message", headers=secret_header,
                json={"message": MARKER, "conversationId": conv["conversationId"]})  # fmt: skip
    source = client.post(f"{base}/data-sources", headers=secret_header,
                         json={"name": MARKER}).json()  # fmt: skip
    ids["dataSourceId"] = source.get("dataSourceId") or source.get("id", "")
    embed = {"Authorization": f"Bearer {org.embed}"}
    conversation = client.post("/api/v1/conversations", headers=embed, json={}).json()
    ids["embedded_conversation"] = conversation["conversation_id"]
    client.post(f"/api/v1/conversations/{conversation['conversation_id']}/messages",
                headers=embed, json={"text": MARKER})  # fmt: skip
    cookie = {"Cookie": f"{page.COOKIE}={org.cookie}"}
    turn = client.post("/page/api/turns", headers=cookie,
                       json={"app": "demo", "question": MARKER})  # fmt: skip
    found = re.findall(r'"conversation_id":\s*"([^"]+)"', turn.text)
    ids["page_conversation"] = found[0] if found else ids["openai_conversation"]


@pytest.fixture(scope="module")
def world(
    installation: tuple[Parley, FastAPI],
) -> Iterator[tuple[TestClient, Organisation, Organisation]]:
    parley, app = installation
    with TestClient(app) as client:
        a = _organisation(parley, app, client, None)
        _fill_a(a, client)
        b = _organisation(parley, app, client, "intruder")
        yield client, a, b


def _path_value(path: str, name: str, ids: dict[str, str]) -> str:
    if name == "conversation_id":
        if path.startswith("/page/"):
            return ids["page_conversation"]
        return ids["embedded_conversation"]
    if name == "message_id":
        return "2"
    if name == "app":
        return "demo"
    return ids.get(name, ids["openai_conversation"])


def _request(path: str, ids: dict[str, str]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The route's path filled with A's ids, and query and body naming A's objects."""
    filled = PARAM.sub(lambda m: _path_value(path, m.group(1), ids), path)
    conversation = (
        ids["channel_conversation"]
        if path.startswith("/api/public/")
        else ids["openai_conversation"]
    )
    query = {
        "dataSourceId": ids["dataSourceId"], "dataSourceRowId": "krow_x",
        "chatId": ids["chat_id"], "chat_id": ids["chat_id"], "query": "revenue by category",
    }  # fmt: skip
    body = {
        "model": "demo", "messages": [{"role": "user", "content": "revenue by category"}],
        "conversationId": conversation, "dataFilePath": ids["dataFilePath"],
        "graphType": "Pie Chart", "message": "revenue by category", "text": "x",
        "chart_type": "pie", "refinement": "only 2025", "space_id": ids["space_id"],
        "source_id": ids["source_id"], "name": "x", "customer_id": "c", "email": "x@example.com",
        "dataSourceId": ids["dataSourceId"], "dataSourceIds": [ids["dataSourceId"]],
        "dataSourceRowIds": ["krow_x"], "limit": 10, "app": "demo",
        "question": "revenue by category", "conversation_id": conversation,
        "tenant_id": "default", "user_id": "walker",
    }  # fmt: skip
    return filled, query, body


def _credentials(face: Any, org: Organisation) -> dict[str, str]:
    if face is workbench:
        return org.workbench
    if face is channels:
        return {"X-API-Secret-Key": org.channel[1]}
    if face is page:
        return {"Cookie": f"{page.COOKIE}={org.cookie}"}
    if face is embedded:
        return {"Authorization": f"Bearer {org.embed}"}
    return {"Authorization": f"Bearer {org.key}"}


def _routes(app: FastAPI) -> list[tuple[Any, str, str]]:
    found = []
    for face in app.state.faces:
        public = getattr(face, "PUBLIC_PATHS", ())
        for route in face.router.routes:
            if isinstance(route, APIRoute) and route.path not in public:
                found.extend((face, method, route.path) for method in sorted(route.methods))
    return found


def _leaks(text: str, a: Organisation, sent: str) -> list[str]:
    """What of A's is in a response to B that B did not send itself."""
    found = [MARKER] if MARKER in text else []
    found += [v for k, v in a.ids.items() if v and v in text and v not in sent]
    return found


def test_every_route_refuses_strangers_and_other_organisations(
    installation: tuple[Parley, FastAPI], world: tuple[TestClient, Organisation, Organisation]
) -> None:
    _, app = installation
    client, a, b = world
    problems = []
    routes = _routes(app)
    assert len(routes) >= 40
    for face, method, path in routes:
        url, query, body = _request(path, a.ids)
        json = body if method in ("POST", "PUT", "DELETE") else None
        stranger = client.request(method, url, params=query, json=json)
        if stranger.status_code not in REFUSED:
            problems.append(("no credentials", method, path, stranger.status_code))
        response = client.request(method, url, params=query, json=json,
                                  headers=_credentials(face, b))  # fmt: skip
        sent = url + repr(query) + repr(json)
        leaks = _leaks(response.text, a, sent)
        if response.status_code >= 500 or leaks:
            problems.append(("organisation B", method, path, response.status_code, leaks))
    assert not problems


def test_the_walk_reaches_a_objects_with_a_credentials(
    world: tuple[TestClient, Organisation, Organisation],
) -> None:
    """The ids the walk uses are real: A itself reads its marker through them."""
    client, a, _ = world
    history = client.get(f"/api/v1/bi/chat/sessions/{a.ids['session_id']}/history",
                         headers=a.workbench)  # fmt: skip
    assert MARKER in history.text
    chat = client.get(f"/api/ana/{a.ids['chat_id']}", headers={"Authorization": f"Bearer {a.key}"})
    assert MARKER in chat.text
    messages = client.get(f"/api/v1/conversations/{a.ids['embedded_conversation']}/messages",
                          headers={"Authorization": f"Bearer {a.embed}"})  # fmt: skip
    assert MARKER in messages.text
    data = client.post("/api/v1/chat/getData", headers={"Authorization": f"Bearer {a.key}"},
                       json={"model": "demo", "dataFilePath": a.ids["dataFilePath"]})  # fmt: skip
    assert data.status_code == 200
