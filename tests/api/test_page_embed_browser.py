"""The embed page in headless Chromium against a real uvicorn: opened with a space's
embed token it shows only the space's rows (checked against the warehouse); an expired
link, and a token that expires while the page is open, show a message in the page; and
inside an iframe of a page on another site, allowed by the partner's frame-ancestors
(and refused without them)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from parley.conversations.installation import Parley
from tests.api._embed_page import QUESTION, Embed, expired, make_embed

playwright = pytest.importorskip("playwright.sync_api")

TIMEOUT_MS = 15_000
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: The partner's page, as docs/page.md shows it: the frame and nothing else.
SNIPPET = """<!doctype html>
<title>Partner app</title>
<h1>Acme analytics</h1>
<iframe src="{base}/embed?token={token}" title="Ask your data"
        style="width: 100%; height: 640px; border: 0"></iframe>
"""


@pytest.fixture(scope="module")
def embed(client: TestClient, parley: Parley, tmp_path_factory: pytest.TempPathFactory) -> Embed:
    folder = tmp_path_factory.mktemp("embed-page-browser")
    return make_embed(client, parley, folder, "embed-page-browser")


@pytest.fixture
def context(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context; fails the test on any script error, and on any request to
    a server other than Parley and the partner's host page."""
    opened = browser.new_context(viewport={"width": 1100, "height": 800})
    opened.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    outside: list[str] = []
    allowed = (base_url, "http://localhost:", "data:", "blob:", "chrome-error:")
    opened.on("weberror", lambda error: errors.append(str(error.error)))
    opened.on("request", lambda r: None if r.url.startswith(allowed) else outside.append(r.url))
    yield opened
    opened.close()
    assert errors == [], errors
    assert outside == [], outside


def asked(where: Any, question: str) -> Any:
    """Ask in a page or frame, wait for the answer; the new turn."""
    count = where.locator(".turn").count()
    box = where.get_by_label("Ask a question about your data")
    box.fill(question)
    box.press("Enter")
    turn = where.locator(".turn").nth(count)
    turn.locator(".answer-text").filter(has_text=" ").wait_for()
    where.locator("body[aria-busy=false]").wait_for(state="attached")
    return turn


def totals_shown(turn: Any) -> dict[str, float]:
    rows: list[list[str]] = turn.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    return {name: float(total.replace(",", "")) for name, total in rows}


def test_the_embed_page_shows_only_the_spaces_rows(
    context: Any, base_url: str, embed: Embed
) -> None:
    page = context.new_page()
    page.goto(f"{base_url}/embed?token={embed.token}")
    page.get_by_label("Ask a question about your data").wait_for()
    assert page.url == f"{base_url}/embed"  # the token left the address bar
    playwright.expect(page.locator("#who")).to_have_text("Acme")
    assert not page.get_by_label("Application").is_visible()  # no application picker
    assert not page.get_by_role("button", name="Sign out").is_visible()
    page.locator("#suggestions .chips button").first.wait_for()

    turn = asked(page, QUESTION)
    assert totals_shown(turn) == pytest.approx(embed.totals)
    assert turn.locator(".row-count").inner_text() == f"{len(embed.totals)} rows"
    assert turn.locator(".chart svg .mark-rect path").count() == len(embed.totals)
    follow = asked(page, "top 2")
    assert list(totals_shown(follow)) == sorted(embed.totals, key=embed.totals.__getitem__,
                                                 reverse=True)[:2]  # fmt: skip
    text = page.locator("body").inner_text()
    assert not [name for name in embed.hidden if name in text]
    # The conversation is listed, and reopens after a reload of the link.
    assert page.locator("#conversations li").count() == 1
    assert context.cookies() == []  # the token travels in a header, never in a cookie
    page.goto(f"{base_url}/embed?token={embed.token}")
    page.locator("#conversations button").first.click()
    reopened = page.locator(".turn").first
    reopened.locator("tbody tr").first.wait_for()
    assert totals_shown(reopened) == pytest.approx(embed.totals)


def test_an_expired_link_shows_a_message_in_the_page(
    context: Any, base_url: str, parley: Parley, embed: Embed
) -> None:
    page = context.new_page()
    response = page.goto(f"{base_url}/embed?token={expired(parley, embed.token)}&theme=dark")
    assert response.status == 401
    alert = page.get_by_role("alert")
    playwright.expect(alert).to_contain_text("This chat is not available")
    playwright.expect(alert).to_contain_text(
        "This chat's link has expired. Reload the page to open the chat again.")
    # Drawn with the page's own styles, in the theme asked for.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 20, 23)"


def test_a_token_that_expires_while_the_page_is_open_ends_the_chat_with_a_message(
    context: Any, base_url: str, parley: Parley, embed: Embed
) -> None:
    leeway = parley.auth.embed_tokens.config.leeway_s
    window_s = 10
    # Past its expiry already, but still inside the verification leeway for a few seconds.
    token = expired(parley, embed.token, seconds_ago=leeway - window_s)
    page = context.new_page()
    page.goto(f"{base_url}/embed?token={token}")
    page.get_by_label("Ask a question about your data").wait_for()
    time.sleep(window_s + 1)
    box = page.get_by_label("Ask a question about your data")
    box.fill(QUESTION)
    box.press("Enter")
    ended = page.locator("#ended-view")
    playwright.expect(ended).to_be_visible()
    playwright.expect(ended).to_contain_text("This chat's link has expired.")
    assert page.locator("#chat-view").is_hidden() and page.locator("#sign-in-view").is_hidden()


# -- inside another site's frame ------------------------------------------------------------


@pytest.fixture
def host(embed: Embed, base_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The partner's web site on another origin (``localhost`` and a port of its own:
    another site than Parley's 127.0.0.1); its pages, by path, are set by the test."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test's output stays quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def framed_by(client: TestClient, embed: Embed) -> Iterator[Any]:
    """Sets the partner's frame-ancestors for the test; the default after it."""

    def put(sources: list[str] | None) -> None:
        response = client.put("/api/v1/embed/settings", headers=embed.partner,
                              json={"frame_ancestors": sources})  # fmt: skip
        assert response.status_code == 200, response.text

    yield put
    put(None)


def test_a_partner_site_on_the_allow_list_embeds_the_page_in_an_iframe(
    context: Any, base_url: str, embed: Embed, host: tuple[str, dict[str, str]], framed_by: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    origin, pages = host
    framed_by([origin])
    pages["/app"] = SNIPPET.format(base=base_url, token=embed.token)
    page = context.new_page()
    page.goto(f"{origin}/app")
    frame = page.frame_locator("iframe")
    frame.get_by_label("Ask a question about your data").wait_for()
    playwright.expect(frame.locator("#who")).to_have_text("Acme")
    turn = asked(frame, QUESTION)
    assert totals_shown(turn) == pytest.approx(embed.totals)
    turn.locator(".chart svg").wait_for()
    assert context.cookies() == []
    folder = SHOTS if os.environ.get("PARLEY_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "embed-iframe.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("sources", [None, ["https://other.example"]])
def test_a_site_off_the_allow_list_gets_no_page_in_its_frame(
    context: Any, base_url: str, embed: Embed, host: tuple[str, dict[str, str]], framed_by: Any,
    sources: list[str] | None,
) -> None:  # fmt: skip
    origin, pages = host
    framed_by(sources)
    pages["/app"] = SNIPPET.format(base=base_url, token=embed.token)
    page = context.new_page()
    with page.expect_event("console", lambda m: "frame-ancestors" in m.text) as refused:
        page.goto(f"{origin}/app")
    expected = " ".join(sources or ["'self'"])
    assert f'directive: "frame-ancestors {expected}". The request has been blocked' in (
        refused.value.text
    )
    frame = page.frames[1]
    assert frame.url.startswith("chrome-error:") or frame.locator("#question").count() == 0
    assert page.frame_locator("iframe").locator("#question").count() == 0


def test_an_expired_link_shows_its_message_inside_the_partners_frame(
    context: Any, base_url: str, parley: Parley, embed: Embed,
    host: tuple[str, dict[str, str]],
) -> None:  # fmt: skip
    origin, pages = host
    pages["/app"] = SNIPPET.format(base=base_url, token=expired(parley, embed.token))
    page = context.new_page()
    page.goto(f"{origin}/app")
    playwright.expect(page.frame_locator("iframe").get_by_role("alert")).to_contain_text(
        "This chat's link has expired.")
