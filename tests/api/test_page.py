"""The chat page's face over HTTP, through the real ASGI app: the session cookie, the
files it serves, the streamed turns, and /docs without a network."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from parley.api import page
from parley.auth.tokens import TokenService
from parley.conversations.installation import Parley
from parley.sources.duckdb_source import DuckDBSource
from parley.store import tenancy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    """A client of its own, so that its cookie jar is this test's alone."""
    with TestClient(app) as own:
        yield own


@pytest.fixture(scope="module")
def api_key(parley: Parley) -> str:
    return parley.create_api_key("page")[0]


def signed_in(client: TestClient, api_key: str) -> TestClient:
    response = client.post("/page/api/session", json={"api_key": api_key})
    assert response.status_code == 200, response.text
    return client


def events(response: Any) -> list[dict[str, Any]]:
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines() if line]


def test_signing_in_sets_an_http_only_same_site_cookie(
    browser: TestClient, api_key: str
) -> None:
    response = browser.post("/page/api/session", json={"api_key": api_key})
    assert response.status_code == 200
    assert "demo" in [a["name"] for a in response.json()["applications"]]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{page.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert f"Max-Age={8 * 3600}" in cookie
    assert api_key not in cookie and api_key not in response.text
    assert browser.get("/page/api/me").json()["name"] == "page"
    assert browser.delete("/page/api/session").status_code == 204
    assert browser.get("/page/api/me").status_code == 401


@pytest.mark.parametrize(
    ("cookie", "message"),
    [
        (None, "sign in with an API key"),
        ("not-a-token", "the session has ended (malformed token): sign in again"),
    ],
)
def test_without_a_session_the_api_says_to_sign_in(
    browser: TestClient, cookie: str | None, message: str
) -> None:
    headers = {"Cookie": f"{page.COOKIE}={cookie}"} if cookie else {}
    response = browser.get("/page/api/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthorized", "message": message}}


def test_a_wrong_key_is_refused_in_the_face_format(browser: TestClient) -> None:
    response = browser.post("/page/api/session", json={"api_key": "pk_nope"})
    assert response.status_code == 401 and "set-cookie" not in response.headers
    assert response.json()["error"]["message"] == "the API key is expired or invalid"
    empty = browser.post("/page/api/session", json={"api_key": ""})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_input"


def test_revoking_the_key_ends_its_sessions(
    browser: TestClient, parley: Parley
) -> None:
    plaintext, key_id = parley.create_api_key("revoked-later")
    signed_in(browser, plaintext)
    assert browser.get("/page/api/me").status_code == 200
    with parley.store.session() as session:
        tenancy.revoke_api_key(session, parley.organization_id, key_id)
    refused = browser.get("/page/api/me")
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]


def test_a_session_token_and_a_workbench_token_are_not_interchangeable(
    browser: TestClient, client: TestClient, tokens: TokenService, api_key: str
) -> None:
    session_token = signed_in(browser, api_key).cookies[page.COOKIE]
    as_bearer = client.get("/api/v1/bi/chat/sessions/conv_x/history",
                           headers={"Authorization": f"Bearer {session_token}"})
    assert as_bearer.status_code == 401
    workbench_token = tokens.issue(tenant_id="default", user_id="user-456")
    as_cookie = client.get("/page/api/me", headers={"Cookie": f"{page.COOKIE}={workbench_token}"})
    assert as_cookie.status_code == 401


def test_the_page_and_its_files_come_from_the_package(client: TestClient) -> None:
    html = client.get("/")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    policy = html.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy
    referenced = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert "/page/static/vendor/vega-embed.min.js" in referenced
    for url in referenced:
        if url.startswith(("#", "data:")):
            continue
        assert url.startswith("/page/static/"), url
        assert client.get(url).status_code == 200, url
    modules = [f"/page/static/js/{p.name}" for p in (page.STATIC / "js").glob("*.js")]
    for url in modules:
        text = client.get(url).text
        for imported in re.findall(r'from "\./([^"]+)"', text):
            assert client.get(f"/page/static/js/{imported}").status_code == 200, imported
        assert "http://" not in text and "https://" not in text, url


def test_files_are_compressed_and_revalidated(client: TestClient) -> None:
    url = "/page/static/vendor/vega.min.js"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.stream("GET", url, headers={"Accept-Encoding": "gzip"})
    with raw as response:
        compressed = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(compressed) == plain.content
    assert len(compressed) < len(plain.content) / 2
    again = client.get(url, headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("name", ["../page.py", "nothing.js", "vendor/../../page.py"])
def test_only_the_page_files_are_served(client: TestClient, name: str) -> None:
    response = client.get(f"/page/static/{name}")
    assert response.status_code == 404


def test_the_vendored_libraries_are_the_locked_versions() -> None:
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())
    shipped = json.loads((page.STATIC / "vendor" / "versions.json").read_text())
    for name, info in shipped.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == info["version"]
        # Each build names its own version in a string literal.
        build = (page.STATIC / "vendor" / f"{name}.min.js").read_text()
        assert f'"{info["version"]}"' in build, name


def test_a_turn_streams_its_events_and_a_follow_up_keeps_the_context(
    browser: TestClient, api_key: str
) -> None:
    signed_in(browser, api_key)
    first = events(browser.post("/page/api/turns", json={
        "app": "demo", "question": "top 5 customers by revenue last month"}))
    kinds = [e["type"] for e in first]
    assert kinds[0] == "started" and kinds[-1] == "done"
    assert kinds.index("sql") < kinds.index("data") < kinds.index("chart") < kinds.index("done")
    done = first[-1]["answer"]
    assert len(done["rows"]) == 5 and done["chart"]["spec"]["data"]["values"]
    assert "revenue" in done["reason"]
    conversation = first[0]["conversation_id"]
    follow = events(browser.post("/page/api/turns", json={
        "app": "demo", "question": "top 3", "conversation_id": conversation}))
    assert follow[0]["conversation_id"] == conversation
    answer = follow[-1]["answer"]
    assert [r[0] for r in answer["rows"]] == [r[0] for r in done["rows"][:3]]
    listed = browser.get("/page/api/applications/demo/conversations").json()["conversations"]
    assert listed[0]["id"] == conversation
    stored = browser.get(f"/page/api/conversations/{conversation}").json()
    assert [t["question"] for t in stored["turns"]] == [
        "top 5 customers by revenue last month", "top 3"]
    assert stored["turns"][1]["answer"]["rows"] == answer["rows"]


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    ran: list[str] = []
    real = DuckDBSource.execute

    def recording(self: DuckDBSource, sql: str, **kwargs: Any) -> Any:
        ran.append(sql)
        return real(self, sql, **kwargs)

    monkeypatch.setattr(DuckDBSource, "execute", recording)
    return ran


def test_a_chart_change_runs_no_sql_and_a_bad_type_is_refused(
    browser: TestClient, api_key: str, executions: list[str]
) -> None:
    signed_in(browser, api_key)
    first = events(browser.post("/page/api/turns",
                                json={"app": "demo", "question": "revenue by category"}))
    assert executions
    executions.clear()
    url = f"/page/api/conversations/{first[0]['conversation_id']}/chart"
    drawn = events(browser.post(url, json={"chart_type": "pie"}))
    assert [e["chart"]["type"] for e in drawn if e["type"] == "chart"] == ["pie"]
    assert drawn[-1]["answer"]["rows"] == first[-1]["answer"]["rows"]
    assert executions == []
    refused = browser.post(url, json={"chart_type": "hologram"})
    assert refused.status_code == 422 and "hologram" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"app": "demo", "question": "   "}, 422, "invalid_input"),
        ({"app": "nope", "question": "revenue"}, 404, "not_found"),
        ({"app": "demo", "question": "revenue", "conversation_id": "conv_nope"}, 404, "not_found"),
    ],
)
def test_a_turn_that_cannot_start_is_refused_before_streaming(
    browser: TestClient, api_key: str, body: dict[str, Any], status: int, code: str
) -> None:
    signed_in(browser, api_key)
    response = browser.post("/page/api/turns", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_suggested_questions_work_on_the_application(browser: TestClient, api_key: str) -> None:
    signed_in(browser, api_key)
    questions = browser.get("/page/api/applications/demo/suggestions").json()["questions"]
    assert len(questions) >= 3
    for question in questions:
        answer = events(browser.post("/page/api/turns",
                                     json={"app": "demo", "question": question}))[-1]["answer"]
        assert answer["error"] is None and answer["sql"], question


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_explorers_work_offline(client: TestClient, path: str) -> None:
    html = client.get(path)
    assert html.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html.text)
    assert urls and not [u for u in urls if u.startswith(("http:", "https:", "//"))]
    for url in urls:
        assert client.get(url).status_code == 200, url


def _theme(css: str, selector: str) -> dict[str, str]:
    block = css[css.index(selector + " {"):]
    block = block[: block.index("}")]
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", block))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("selector", [":root", ':root[data-theme="dark"]'])
@pytest.mark.parametrize(
    ("foreground", "background", "least"),
    [
        ("text", "bg", 7.0),
        ("text", "panel", 7.0),
        ("muted", "bg", 4.5),
        ("muted", "panel", 4.5),
        ("accent-text", "accent", 4.5),
        ("accent", "bg", 4.5),
        ("error", "bg", 4.5),
        ("focus", "bg", 3.0),  # a focus ring is a graphic: WCAG 1.4.11 asks 3:1
    ],
)
def test_both_themes_have_enough_contrast(
    selector: str, foreground: str, background: str, least: float
) -> None:
    colours = _theme((page.STATIC / "page.css").read_text(), selector)
    assert _contrast(colours[foreground], colours[background]) >= least


@pytest.mark.parametrize(("base_url", "secure"), [("http://testserver", False),
                                                  ("https://testserver", True)])
def test_the_cookie_is_secure_over_https(
    app: FastAPI, api_key: str, base_url: str, secure: bool
) -> None:
    with TestClient(app, base_url=base_url) as own:
        cookie = own.post("/page/api/session", json={"api_key": api_key}).headers["set-cookie"]
    assert ("; Secure" in cookie) is secure
