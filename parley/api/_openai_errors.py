"""The error table of the OpenAI-compatible face: its one error-body function.

Every refusal of this face is one of these bodies, each with ``code`` as a string:

====  =====================================================================================
401   ``{"code": "401", "error_description": "The access token is expired or invalid",
      "error": "UnAuthorized Access"}``
404   ``{"code": "404", "error": "<what was not found>"}`` (a path this face does not have)
412   ``{"code": "412", "error": "Unable to access the Data Warehouse Intelligence
      application <name> with the provided API key."}``
422   ``{"code": "422", "error": "Please provide a valid value for <field>."}`` (a reason may
      follow the sentence)
429   ``{"code": "429", "error": "Data Warehouse Intelligence API rate limit reached for the
      <minute|hour|day>."}`` with a ``Retry-After`` header
500   ``{"code": "500", "message": "... Incident ID : <id> ...", "status": "FAILURE"}``; the
      incident id is logged with the traceback, the response holds neither trace nor secret
====  =====================================================================================

Other domain errors keep their status with ``{"code": "<status>", "error": <message>}``.
A domain error names the request field it is about in ``detail["field"]``; this face
renders the door's names (``conversation_id``) in its own (``conversationId``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse

from parley.api._edge import error_headers
from parley.api._openai_render import internal_body
from parley.errors import (
    Forbidden,
    InternalError,
    InvalidInput,
    NotFound,
    ParleyError,
    RateLimited,
    Unauthorized,
    UnknownApplication,
)

#: The door's names of request fields, as this face's clients know them.
FIELDS = {
    "conversation_id": "conversationId",
    "data_file_path": "dataFilePath",
    "chart_type": "graphType",
    "question": "messages",
    "application": "model",
}


def about(error: ParleyError, field: str) -> ParleyError:
    """``error``, said to be about the request field ``field``."""
    error.detail = {**error.detail, "field": field}
    return error


def invalid_field(errors: Sequence[Any]) -> str:
    """The request field a validation error is about: the top-level body key or header."""
    for error in errors:
        loc = [part for part in error.get("loc", ()) if isinstance(part, str)]
        if error.get("type") == "json_invalid":
            return "request body"
        if len(loc) >= 2 and loc[0] in ("body", "header"):
            return loc[1]
    return "request body"


def error_body(error: ParleyError) -> tuple[int, dict[str, Any]]:
    if isinstance(error, Unauthorized | Forbidden):
        return 401, {
            "code": "401",
            "error_description": "The access token is expired or invalid",
            "error": "UnAuthorized Access",
        }
    if isinstance(error, UnknownApplication):
        name = str(error.detail.get("name", ""))
        return 412, {
            "code": "412",
            "error": f"Unable to access the Data Warehouse Intelligence application {name} "
            "with the provided API key.",
        }
    field = error.detail.get("field")
    if isinstance(error, InvalidInput) and "errors" in error.detail:
        field = invalid_field(error.detail["errors"])  # type: ignore[arg-type]
        return 422, {"code": "422", "error": f"Please provide a valid value for {field}."}
    if isinstance(error, InvalidInput | NotFound) and field:
        reason = error.message
        text = f"Please provide a valid value for {FIELDS.get(str(field), field)}."
        if reason:
            text = f"{text} {reason[:1].upper()}{reason[1:]}"
        return 422, {"code": "422", "error": text}
    if isinstance(error, RateLimited):
        window = f"Data Warehouse Intelligence API rate limit reached for the {error.window}."
        return 429, {"code": "429", "error": window}
    if isinstance(error, InternalError):
        return 500, internal_body(error.incident_id)
    return error.status, {"code": str(error.status), "error": error.message}


def error_response(error: ParleyError) -> JSONResponse:
    status, body = error_body(error)
    headers = dict(error.detail.get("headers") or {})  # type: ignore[call-overload]
    return JSONResponse(body, status_code=status, headers={**headers, **error_headers(error)})
