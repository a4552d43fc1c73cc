"""Domain errors. Each carries the HTTP status a face should answer with.

Routes and commands raise these; one handler per face renders them in that face's
own error format. The ``code`` is a stable machine-readable name.
"""

from __future__ import annotations

import logging

from parley.ids import new_id

log = logging.getLogger("parley.incidents")


class ParleyError(Exception):
    """Base of every error Parley reports to a user."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, detail: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}


class BadRequest(ParleyError):
    status = 400
    code = "bad_request"


class InvalidInput(ParleyError):
    """The request is well-formed but a value in it is not acceptable."""

    status = 422
    code = "invalid_input"


class Unauthorized(ParleyError):
    status = 401
    code = "unauthorized"


class TokenExpired(Unauthorized):
    """A token that was valid and has expired: the caller needs a fresh one, not a fix."""


class Forbidden(ParleyError):
    status = 403
    code = "forbidden"


class NotFound(ParleyError):
    status = 404
    code = "not_found"


class Conflict(ParleyError):
    status = 409
    code = "conflict"


class RateLimited(ParleyError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, window: str, retry_after: int) -> None:
        super().__init__(message, detail={"window": window, "retry_after": retry_after})
        self.window = window
        self.retry_after = retry_after


class LimitReached(ParleyError):
    """A quota is used up or the thing asked for is already under way (a running sync)."""

    status = 429
    code = "limit_reached"


class SourceError(ParleyError):
    """The connected database refused or failed a statement, or could not be reached."""

    status = 502
    code = "source_error"


class GuardRejected(ParleyError):
    """A statement was refused by the guard: it is not one read-only query."""

    status = 422
    code = "sql_rejected"


class StoreUnavailable(ParleyError):
    """Parley's own store cannot be reached for now; nothing was written, try again."""

    status = 503
    code = "store_unavailable"


class SchemaBehind(ParleyError):
    """The store's schema is older than this Parley: ``parley migrate`` brings it up."""

    status = 503
    code = "schema_behind"


class UnknownApplication(NotFound):
    """The caller may open no application of that name."""


class InternalError(ParleyError):
    """An unexpected failure; the user sees only the incident id it was logged under."""

    status = 500
    code = "internal_error"

    def __init__(self, incident_id: str, *, detail: dict[str, object] | None = None) -> None:
        super().__init__(
            f"Something went wrong on our side (incident {incident_id}).", detail=detail
        )
        self.incident_id = incident_id


def report_incident(what: str, error: BaseException | None = None) -> InternalError:
    """The one place incident ids are minted: ``error``'s traceback is logged under a new
    id, and the ``InternalError`` carrying it is what faces render (and turns store)."""
    incident = new_id("inc")
    log.error("%s failed (incident %s)", what, incident, exc_info=error)
    return InternalError(incident)
