"""The chat page: ``GET /`` in a browser, signed in once with an API key; and ``GET
/embed?token=<embed token>``, the same page on one space, inside a partner's frame.

The page is static HTML, CSS and a few ES modules shipped in ``page_static`` (the chart
libraries in ``page_static/vendor``, copied from npm by ``web/vendor.mjs``); it talks to
the JSON routes under ``/page/api``, authenticated by an HTTP-only, SameSite=Strict
session cookie (``parley.auth.page_sessions``), or, on the embed page, by the embed token
the page's script keeps in memory and sends as ``Authorization: Bearer`` (a cookie would
be a third-party cookie there, which browsers increasingly drop). A turn streams back as
one JSON line per event (``_page_render``), through the one streaming bridge. Nothing is
fetched from outside the server. See docs/page.md.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import mimetypes
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from parley.api._edge import auth_of, door_of, embedded_of, face_route
from parley.api._page_render import answer_json, event_json, line
from parley.api._stream import events_in_thread
from parley.auth.principal import Principal
from parley.auth.ratelimit import RateLimits
from parley.conversations.embedded import Embedded
from parley.conversations.service import Conversations
from parley.conversations.validation import validate_question
from parley.engine.events import Event
from parley.errors import NotFound, ParleyError, TokenExpired, Unauthorized, report_incident

NAME = "page"
PREFIXES = ("/page/",)
#: What anyone may fetch: the pages, their files, and signing in and out.
PUBLIC_PATHS = ("/", "/embed", "/page/static/{name:path}", "/page/api/session")
COOKIE = "parley_session"
STATIC = Path(__file__).with_name("page_static")
RATE_SCOPE = "page"
#: Far above what a person types; a script driving the page meets a limit.
DEFAULT_LIMITS = RateLimits(per_minute=120, per_hour=2000, per_day=20000)


def content_security_policy(frame_ancestors: Sequence[str]) -> str:
    """The page runs only its own scripts: no inline script, no eval (charts are drawn
    with vega's expression interpreter), nothing from another origin; and it is framed
    only by ``frame_ancestors``."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action 'self'; frame-ancestors {' '.join(frame_ancestors)}"
    )


#: The member's page is never framed.
CONTENT_SECURITY_POLICY = content_security_policy(("'none'",))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: The embed page's address holds its token: it is sent nowhere (no Referer), kept in no
#: cache, and the page is built for each load (its policy names the token's organisation).
EMBED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: A refused embed link shows one fixed sentence, holds no data and runs no script, so any
#: site may frame it: the person sees why the chat is missing instead of a blocked frame.
REFUSED_POLICY = (
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors *"
)
THEMES = ("light", "dark")


def error_body(code: str, message: str) -> dict[str, Any]:
    """The body of every error this face returns: ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


def error_response(error: ParleyError) -> JSONResponse:
    return JSONResponse(error_body(error.code, error.message), status_code=error.status)


def _this_face() -> Any:
    import parley.api.page as face

    return face


router = APIRouter(route_class=face_route(_this_face))


# -- the page and its files -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes
    media_type: str
    etag: str


def _assets() -> dict[str, Asset]:
    """Every file the page serves, read once; a name not in here is not found."""
    found: dict[str, Asset] = {}
    for path in sorted(STATIC.rglob("*")):
        if not path.is_file():
            continue
        body = path.read_bytes()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix in {".js", ".mjs"}:
            media_type = "text/javascript"
        if media_type.startswith("text/") or media_type == "application/json":
            media_type += "; charset=utf-8"
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        found[path.relative_to(STATIC).as_posix()] = Asset(
            body, gzip.compress(body, mtime=0), media_type, etag
        )
    return found


ASSETS = _assets()


def _send(
    request: Request, name: str, *, headers: dict[str, str] | None = None, cached: bool = True
) -> Response:
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFound(f"no such file: {name}")
    # Revalidated on every load: cheap (304 by ETag) and never stale after an upgrade.
    sent = {"ETag": asset.etag, "Cache-Control": "no-cache"} if cached else {}
    sent["Vary"] = "Accept-Encoding"
    sent.update(headers or {})
    if cached and request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=sent)
    if "gzip" in request.headers.get("accept-encoding", ""):
        sent["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=sent)
    return Response(asset.body, media_type=asset.media_type, headers=sent)


@router.get("/", include_in_schema=False)
def page(request: Request) -> Response:
    return _send(request, "index.html", headers=SECURITY_HEADERS)


@router.get("/page/static/{name:path}", include_in_schema=False)
def static_file(request: Request, name: str) -> Response:
    return _send(request, name, headers={"X-Content-Type-Options": "nosniff"})


# -- the embed page -----------------------------------------------------------------------------

EmbeddedDep = Annotated[Embedded, Depends(embedded_of)]


@router.get("/embed", include_in_schema=False)
def embed_page(
    request: Request, embedded: EmbeddedDep, token: str | None = None, theme: str | None = None
) -> Response:
    """The page on the token's space, framed only by the organisation's sites; a link that
    opens nothing is a page saying why (HTML, whoever frames it), not an error body."""
    try:
        if not token:
            raise Unauthorized(
                "This page opens a chat from a link that carries an embed token "
                "(/embed?token=…); this link has none."
            )
        who = _embed_caller(auth_of(request).embed_token, token)
        ancestors = embedded.frame_ancestors(who.organization_id)
    except ParleyError as error:
        return _refused(error, theme)
    headers = {**EMBED_HEADERS, "Content-Security-Policy": content_security_policy(ancestors)}
    return _send(request, "index.html", headers=headers, cached=False)


def _embed_caller(check: Callable[[str], Principal], credential: str) -> Principal:
    """The embed token's principal; a refusal worded for the person in front of the frame,
    who can do nothing about it but reload the partner's page (which issues a new token)."""
    try:
        return check(credential)
    except TokenExpired:
        raise Unauthorized(
            "This chat's link has expired. Reload the page to open the chat again."
        ) from None
    except Unauthorized as error:
        raise Unauthorized(
            f"This chat's link is not valid ({error.message}). Reload the page, or ask the "
            "site that shows it for a new link."
        ) from None


REFUSED_PAGE = """<!doctype html>
<html lang="en"{theme}>
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Parley: this chat is not available</title>
  <link rel="stylesheet" href="/page/static/page.css">
</head>
<body>
  <main class="sign-in">
    <div class="card" role="alert">
      <h2>This chat is not available</h2>
      <p id="ended-message">{message}</p>
    </div>
  </main>
</body>
</html>
"""


def _refused(error: ParleyError, theme: str | None) -> Response:
    shown = html.escape(error.message)
    themed = f' data-theme="{theme}"' if theme in THEMES else ""
    headers = {**EMBED_HEADERS, "Content-Security-Policy": REFUSED_POLICY}
    return Response(
        REFUSED_PAGE.format(theme=themed, message=shown),
        status_code=error.status,
        media_type="text/html; charset=utf-8",
        headers=headers,
    )


# -- signing in -------------------------------------------------------------------------------


class SignIn(BaseModel):
    api_key: str = Field(min_length=1, max_length=200)


def caller(request: Request) -> Principal:
    """The embed page's token (``Authorization: Bearer``) or else the session cookie."""
    header = request.headers.get("authorization")
    if header is not None:
        return _embed_caller(auth_of(request).embed_bearer, header)
    return auth_of(request).page_session(request.cookies.get(COOKIE))


CallerDep = Annotated[Principal, Depends(caller)]
DoorDep = Annotated[Conversations, Depends(door_of)]


def _me(who: Principal, door: Conversations, embedded: Embedded) -> dict[str, Any]:
    applications = [
        {"name": a.name, "description": a.description} for a in door.applications(who).items
    ]
    me: dict[str, Any] = {"name": who.name, "role": who.role, "applications": applications}
    if who.space_id is not None:  # an embed token: its one space
        me["space"] = {"id": who.space_id, "name": embedded.space(who, who.space_id).name}
    return me


@router.post("/page/api/session")
def sign_in(
    body: SignIn, request: Request, door: DoorDep, embedded: EmbeddedDep
) -> JSONResponse:
    who, token = auth_of(request).page_sign_in(body.api_key.strip())
    response = JSONResponse(_me(who, door, embedded))
    response.set_cookie(
        COOKIE,
        token,
        max_age=auth_of(request).page_sessions.ttl_s,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.delete("/page/api/session")
def sign_out() -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/page/api/me")
def me(who: CallerDep, door: DoorDep, embedded: EmbeddedDep) -> dict[str, Any]:
    return _me(who, door, embedded)


# -- reading ----------------------------------------------------------------------------------


@router.get("/page/api/applications/{app}/suggestions")
def suggestions(app: str, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    return {"questions": door.suggested_questions(who, app=app)}


@router.get("/page/api/applications/{app}/conversations")
def conversations(app: str, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    page = door.conversations(who, app=app, limit=50)
    return {
        "conversations": [
            {"id": c.id, "title": c.title or "(untitled)", "updated_at": c.updated_at.isoformat()}
            for c in page.items
        ]
    }


@router.get("/page/api/conversations/{conversation_id}")
def conversation(conversation_id: str, who: CallerDep, door: DoorDep) -> dict[str, Any]:
    ref = door.open(who, face=NAME, conversation_id=conversation_id)
    turns = []
    for pair in door.questions(who, app=ref.application, conversation_id=ref.id):
        stored = pair.answer.answer if pair.answer else None
        turns.append(
            {"question": pair.question.text, "answer": answer_json(stored) if stored else None}
        )
    return {"id": ref.id, "application": ref.application, "turns": turns}


# -- turns, streamed ----------------------------------------------------------------------------


class Ask(BaseModel):
    app: str = Field(min_length=1)
    question: str
    conversation_id: str | None = None


class ChangeChart(BaseModel):
    chart_type: str = Field(min_length=1, max_length=20)


def _streamed(make_events: Callable[[], Iterator[Event]]) -> StreamingResponse:
    async def lines() -> AsyncIterator[bytes]:
        try:
            async for event in events_in_thread(make_events):
                payload = event_json(event)
                if payload is not None:
                    yield line(payload)
        except Exception as error:  # the stream has started: the failure is its last line
            failure = (
                error if isinstance(error, ParleyError) else report_incident("page turn", error)
            )
            yield line({"type": "error", "code": failure.code, "message": failure.message})

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post("/page/api/turns")
def ask(body: Ask, request: Request, who: CallerDep, door: DoorDep) -> StreamingResponse:
    question = validate_question(body.question, max_chars=door.max_question_chars)
    door.check_application(who, body.app)
    auth_of(request).count(who, scope=RATE_SCOPE, default=DEFAULT_LIMITS)
    ref = door.open(who, face=NAME, app=body.app, conversation_id=body.conversation_id)
    return _streamed(partial(door.turn, ref, question, request_json={"question": question}))


@router.post("/page/api/conversations/{conversation_id}/chart")
def change_chart(
    conversation_id: str, body: ChangeChart, who: CallerDep, door: DoorDep
) -> StreamingResponse:
    ref = door.open(who, face=NAME, conversation_id=conversation_id)
    # Raised here, before the stream starts, so that a refused type is a plain 4xx.
    events = list(door.change_chart(ref, body.chart_type))
    return _streamed(lambda: iter(events))
