"""The edge every HTTP face shares: what a face is, and the one handler that turns
whatever a request raised into a domain error and has the request's face render it.

A face is a module with ``NAME``, ``PREFIXES`` (the paths it owns), ``router`` and
``error_response(error: ParleyError) -> Response`` (its one error-body function).
Routes raise domain errors, which carry their status; nothing else renders failures.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from parley import metrics
from parley.auth.authenticate import Authenticator
from parley.conversations.embedded import Embedded
from parley.conversations.knowledge import Knowledge
from parley.conversations.service import Conversations
from parley.conversations.teaching import Teaching
from parley.errors import (
    BadRequest,
    InvalidInput,
    NotFound,
    ParleyError,
    RateLimited,
    report_incident,
)


def door_of(connection: HTTPConnection) -> Conversations:
    """The door ``create_app`` put on the app, for a request or a WebSocket."""
    door: Conversations = connection.app.state.conversations
    return door


def auth_of(connection: HTTPConnection) -> Authenticator:
    """The authenticator ``create_app`` put on the app, for a request or a WebSocket."""
    auth: Authenticator = connection.app.state.auth
    return auth


def knowledge_of(connection: HTTPConnection) -> Knowledge:
    """The knowledge service (data sources and their sync) ``create_app`` put on the app."""
    knowledge: Knowledge = connection.app.state.knowledge
    return knowledge


def embedded_of(connection: HTTPConnection) -> Embedded:
    """The embedded analytics service (spaces, embed tokens, framing) on the app."""
    embedded: Embedded = connection.app.state.embedded
    return embedded


def teaching_of(connection: HTTPConnection) -> Teaching:
    """The teaching door (taught questions, metrics) ``create_app`` put on the app."""
    teaching: Teaching = connection.app.state.teaching
    return teaching


class Face(Protocol):
    NAME: str
    PREFIXES: tuple[str, ...]
    router: APIRouter

    def error_response(self, error: ParleyError) -> Response: ...


def error_headers(error: ParleyError, *, scheme: str | None = None) -> dict[str, str]:
    """The headers every face sends with an error: how to authenticate after a 401
    (``scheme`` is the face's; a face that answers 401 with another status passes None),
    when to come back after a 429.

    >>> from parley.errors import RateLimited, Unauthorized
    >>> error_headers(Unauthorized("no key"), scheme="Bearer")
    {'WWW-Authenticate': 'Bearer realm="parley"'}
    >>> error_headers(RateLimited("slow down", window="minute", retry_after=12), scheme="Basic")
    {'Retry-After': '12'}
    """
    headers: dict[str, str] = {}
    if scheme is not None and error.status == 401:
        headers["WWW-Authenticate"] = f'{scheme} realm="parley"'
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return headers


def domain_error(error: Exception, request: Request) -> ParleyError:
    """What a request raised, as a domain error; an unexpected one is logged under a new
    incident id (``errors.report_incident``), which is all the caller gets to see."""
    if isinstance(error, ParleyError):
        return error
    if isinstance(error, RequestValidationError):
        problems = [
            {"loc": [str(part) for part in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(p['loc'])}: {p['msg']}" for p in problems)
        return InvalidInput(detail or "invalid request", detail={"errors": problems})
    if isinstance(error, HTTPException):
        if error.status_code == 404:
            return NotFound(f"no such path: {request.url.path}")
        refused = BadRequest(str(error.detail))
        refused.status = error.status_code
        return refused
    return report_incident(f"{request.method} {request.url.path}", error)


def face_route(face: Callable[[], Face]) -> type[APIRoute]:
    """The route class of a face's router: every failure of its routes (and of their
    dependencies and request validation) is rendered by that face."""

    class FaceRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except Exception as error:  # the edge: every failure is rendered here
                    failure = domain_error(error, request)
                    metrics.ERRORS.labels(kind=failure.code).inc()
                    return face().error_response(failure)

            return handle

    return FaceRoute
