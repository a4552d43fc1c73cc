"""Malformed requests are the caller's mistake: a 4xx in the face's own format, never a
500, on every route of every face (a new route is covered without editing this file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from parley.api import page, workbench
from parley.conversations.installation import Parley

Headers = Callable[..., dict[str, str]]
DEEP = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000
BODIES = {
    "invalid UTF-8": b'{"message": "\xff\xfe\xfa"}',
    "lone surrogate": b'{"message": "\\ud800"}',
    "nested arrays": DEEP,
    "nested objects": DEEP_OBJECT,
    "huge number": b'{"limit": 1' + b"0" * 400 + b"}",
    "number past Python's digit limit": b'{"limit": 1' + b"0" * 5000 + b"}",
    "nul byte": b'{"message": "a\x00b"}',
    "not JSON": b"\x00\x01\x02",
}
QUERIES = [
    "limit=99999999999999999999999999",
    "offset=-99999999999999999999999999",
    "limit=1e400",
    "page=18446744073709551617",
    "after=99999999999999999999",
    "since=253402300800000",
    "cursor=%ff%fe",
    "limit=NaN",
]


@pytest.fixture(scope="module")
def api_key(parley: Parley) -> str:
    return parley.create_api_key("malformed")[0]


def routes(app: FastAPI) -> list[tuple[Any, str, str]]:
    found = []
    for face in app.state.faces:
        for route in face.router.routes:
            if isinstance(route, APIRoute):
                path = route.path
                for name in route.param_convertors:
                    path = path.replace("{" + name + "}", "conv_nosuchthing")
                found.extend((face, method, path) for method in sorted(route.methods))
    return found


def route_takes_body(app: FastAPI, method: str, path: str) -> bool:
    for route in app.routes:
        if isinstance(route, APIRoute) and method in route.methods:
            match, _ = route.matches({"type": "http", "path": path, "method": method})
            if match.name == "FULL":
                return route.body_field is not None
    return False


def credentials(face: Any, app: FastAPI, headers: Headers, api_key: str) -> dict[str, str]:
    if face is page:  # the page's session cookie, got by signing in with the key
        _, token = app.state.auth.page_sign_in(api_key)
        return {"Cookie": f"{page.COOKIE}={token}"}
    return headers() if face is workbench else {"Authorization": f"Bearer {api_key}"}


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_malformed_bodies_are_refused_on_every_route(
    app: FastAPI, client: TestClient, headers: Headers, api_key: str, kind: str
) -> None:
    failures = []
    for face, method, path in routes(app):
        if method not in ("POST", "PUT", "PATCH"):
            continue
        creds = credentials(face, app, headers, api_key)
        response = client.request(
            method, path, content=BODIES[kind],
            headers={**creds, "Content-Type": "application/json"},
        )  # fmt: skip
        # A route that takes no body may ignore it; none may fail on it.
        if response.status_code >= 500 or (
            kind != "huge number"
            and kind != "nul byte"
            and response.status_code < 400
            and route_takes_body(app, method, path)
        ):
            failures.append((method, path, response.status_code, response.text[:120]))
    assert not failures


@pytest.mark.parametrize("query", QUERIES)
def test_out_of_range_query_parameters_are_refused_on_every_route(
    app: FastAPI, client: TestClient, headers: Headers, api_key: str, query: str
) -> None:
    failures = []
    for face, method, path in routes(app):
        if method != "GET":
            continue
        response = client.get(f"{path}?{query}", headers=credentials(face, app, headers, api_key))
        if response.status_code >= 500:
            failures.append((path, response.status_code, response.text[:120]))
    assert not failures


@pytest.mark.parametrize("user", ["u" * 101, "u" * 300])
def test_a_workbench_user_name_too_long_to_store_is_refused(
    client: TestClient, headers: Headers, user: str
) -> None:
    response = client.post(
        "/api/v1/bi/chat/sessions",
        headers=headers(user=user),
        json={"tenant_id": "default", "user_id": user},
    )
    assert response.status_code == 401
    assert "at most 100" in response.json()["detail"]
