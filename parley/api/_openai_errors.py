"""The error table of the OpenAI-compatible face, and the one place that renders it.

Every refusal of this face is one of five bodies, each with ``code`` as a string:

====  =====================================================================================
401   ``{"code": "401", "error_description": "The access token is expired or invalid",
      "error": "UnAuthorized Access"}``
412   ``{"code": "412", "error": "Unable to access the Data Warehouse Intelligence
      application <name> with the provided API key."}``
422   ``{"code": "422", "error": "Please provide a valid value for <field>."}`` (a reason may
      follow the sentence)
429   ``{"code": "429", "error": "Data Warehouse Intelligence API rate limit reached for the
      <minute|hour|day>."}`` with a ``Retry-After`` header
500   ``{"code": "500", "message": "... Incident ID : <id> ...", "status": "FAILURE"}``; the
      incident id is logged with the traceback, the response holds neither trace nor secret
====  =====================================================================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from parley.errors import RateLimited
from parley.store.ids import new_id

log = logging.getLogger("parley.api.openai")

INTERNAL_MESSAGE = (
    "Failed to perform action due to an unexpected error. Please contact the application "
    "administrator with Incident ID : {incident} for further assistance."
)


class FaceError(Exception):
    """A refusal already in this face's wire format."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(body.get("error") or body.get("message"))
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def unauthorized() -> FaceError:
    return FaceError(
        401,
        {
            "code": "401",
            "error_description": "The access token is expired or invalid",
            "error": "UnAuthorized Access",
        },
    )


def no_application(name: str) -> FaceError:
    return FaceError(
        412,
        {
            "code": "412",
            "error": f"Unable to access the Data Warehouse Intelligence application {name} "
            "with the provided API key.",
        },
    )


def invalid_value(field: str, reason: str = "") -> FaceError:
    error = f"Please provide a valid value for {field}."
    if reason:
        error = f"{error} {reason[:1].upper()}{reason[1:]}"
    return FaceError(422, {"code": "422", "error": error})


def rate_limited(window: str, retry_after: int) -> FaceError:
    return FaceError(
        429,
        {
            "code": "429",
            "error": f"Data Warehouse Intelligence API rate limit reached for the {window}.",
        },
        headers={"Retry-After": str(retry_after)},
    )


def internal_body(incident: str) -> dict[str, Any]:
    message = INTERNAL_MESSAGE.format(incident=incident)
    return {"code": "500", "message": message, "status": "FAILURE"}


def unexpected(error: BaseException, what: str, headers: dict[str, str] | None = None) -> FaceError:
    """A 500 for ``error``: its traceback is logged under a new incident id, which is all
    the caller gets to see."""
    incident = new_id("inc")
    log.error("%s failed (incident %s)", what, incident, exc_info=error)
    return FaceError(500, internal_body(incident), headers)


def invalid_field(errors: Sequence[Any]) -> str:
    """The request field a validation error is about: the top-level body key or header."""
    for error in errors:
        loc = [part for part in error.get("loc", ()) if isinstance(part, str)]
        if error.get("type") == "json_invalid":
            return "request body"
        if len(loc) >= 2 and loc[0] in ("body", "header"):
            return loc[1]
        if loc == ["body"]:
            return "request body"
    return "request body"


def to_response(error: Exception, request: Request) -> Response:
    """The seed-format response for anything a route of this face raised."""
    if isinstance(error, FaceError):
        return error.response()
    if isinstance(error, RequestValidationError):
        return invalid_value(invalid_field(error.errors())).response()
    if isinstance(error, RateLimited):
        return rate_limited(error.window, error.retry_after).response()
    return unexpected(error, f"{request.method} {request.url.path}").response()


class SeedErrorRoute(APIRoute):
    """Routes whose every failure, request validation included, renders the error table.

    Scoped to this face's router, so the other faces keep their own error formats.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:  # the edge: every failure becomes a table row
                return to_response(error, request)

        return handle
