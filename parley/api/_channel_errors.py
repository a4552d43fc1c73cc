"""The error table of the bot channel face: its one error-body function.

Every refusal is ``{"success": false, "error": "<what went wrong>"}``:

====  =====================================================================================
400   the body is not JSON, misses a required field, or a value is out of range (a
      ``cursor`` that names no item of the list included)
403   the secret key (``X-API-Secret-Key``) is missing or does not match the channel
404   the channel does not exist or is disabled; or the conversation, data source or row
      named does not exist (any more)
429   a data source is already syncing, a storage limit is reached, or the organisation's
      message rate limit is (with ``Retry-After``)
500   ``Something went wrong on our side (incident <id>).``: the traceback is logged under
      that id and never sent
====  =====================================================================================
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from parley.api._edge import error_headers
from parley.errors import (
    BadRequest,
    Forbidden,
    InvalidInput,
    NotFound,
    ParleyError,
    Unauthorized,
)

#: The request fields of validation errors, by the names this face's clients use.
_BODY = "body"


def _validation_message(error: InvalidInput) -> str:
    problems: list[dict[str, Any]] = error.detail.get("errors", [])  # type: ignore[assignment]
    said = []
    for problem in problems:
        if problem.get("type") == "json_invalid":
            return "the request body is not valid JSON"
        loc = [part for part in problem.get("loc", []) if part not in (_BODY, "query", "header")]
        field = ".".join(loc) or "request body"
        said.append(f"{field}: {problem.get('msg', 'invalid')}")
    return "; ".join(said) or error.message


def error_body(error: ParleyError) -> tuple[int, dict[str, Any]]:
    if isinstance(error, InvalidInput | BadRequest) and error.status in (400, 422):
        message = _validation_message(error) if isinstance(error, InvalidInput) else error.message
        return 400, {"success": False, "error": message}
    if isinstance(error, NotFound) and error.detail.get("field") == "cursor":
        # A cursor names no item of the list: the request is wrong, nothing is missing.
        return 400, {"success": False, "error": error.message}
    status = 403 if isinstance(error, Unauthorized | Forbidden) else error.status
    return status, {"success": False, "error": error.message}


def error_response(error: ParleyError) -> JSONResponse:
    status, body = error_body(error)
    return JSONResponse(body, status_code=status, headers=error_headers(error))
