"""The HTTP server: one FastAPI app built from a list of faces, over one door.

A face is a module (see ``_edge.Face``): its routes and its one error-body function.
Routes reach the door (``app.state.conversations``) and the authenticator
(``app.state.auth``) through ``_edge.door_of`` and ``_edge.auth_of``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Protocol

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from parley import __version__
from parley.api import ana, channels, embedded, log_redaction, openai_compat, page, workbench
from parley.api._edge import Face
from parley.api.observability import RequestContext
from parley.auth.authenticate import Authenticator
from parley.config import Settings
from parley.conversations.embedded import Embedded
from parley.conversations.knowledge import Knowledge
from parley.conversations.service import Conversations
from parley.conversations.teaching import Teaching

#: The built-in faces, registered the way any other face would be.
FACES: tuple[Face, ...] = (  # type: ignore[assignment]
    workbench,
    openai_compat,
    channels,
    embedded,
    ana,
    page,
)


class Installation(Protocol):
    """What the app needs of an installation: the door, the authenticator and knowledge."""

    conversations: Conversations
    auth: Authenticator
    knowledge: Knowledge
    embedded: Embedded
    settings: Settings
    teaching: Teaching

    def readiness(self) -> dict[str, bool]: ...

    def close_abandoned_answers(self) -> int: ...


def create_app(installation: Installation, faces: Sequence[Face] = FACES) -> FastAPI:
    log_redaction.install()
    # The API explorer's scripts and styles ship inside a package: /docs works offline.
    api = FastAPIOffline(title="Parley", version=__version__)
    api.state.conversations = installation.conversations
    api.state.auth = installation.auth
    api.state.knowledge = installation.knowledge
    api.state.teaching = installation.teaching
    # Syncs due by their interval, and syncs a stopped process left, run while serving.
    installation.knowledge.start()
    installation.close_abandoned_answers()
    api.state.embedded = installation.embedded
    api.state.faces = tuple(faces)

    @api.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    @api.get("/healthz")
    def healthz() -> dict[str, Any]:
        """The process answers (a liveness probe: restart it when this fails)."""
        return {"status": "ok", "version": __version__}

    @api.get("/readyz")
    def readyz() -> JSONResponse:
        """The store and the rate limiter answer (a readiness probe: send it traffic).

        Sources are reported but do not decide: one organisation's dead warehouse must not
        take the process, and every other organisation's turns, out of the balancer."""
        checks = installation.readiness()
        ready = checks["store"] and checks["rate_limiter"]
        body = {"status": "ready" if ready else "unavailable", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @api.get("/metrics")
    def prometheus_metrics() -> Response:
        return Response(_metrics_text(), media_type=CONTENT_TYPE_LATEST)

    for face in faces:
        api.include_router(face.router)

    settings = installation.settings
    if settings.frame_ancestors:
        _allow_framing(api, settings.frame_ancestors)
    if settings.cors_origins:
        api.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type", "x-request-id", "conversationid"],
            expose_headers=["x-request-id", "conversationid"],
        )
    api.add_middleware(RequestContext)
    return api


def app_from_environment() -> FastAPI:
    """The app over the installation the environment describes: what each worker of
    ``parley serve --workers N`` runs (uvicorn imports it by name)."""
    import atexit

    from parley.conversations.installation import Parley

    parley = Parley.open(migrate=None)
    atexit.register(parley.close)
    return create_app(parley)


def _metrics_text() -> bytes:
    """This process's metrics; with ``PROMETHEUS_MULTIPROC_DIR`` set, every worker's, summed
    from the files prometheus-client keeps there."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def _allow_framing(api: FastAPI, ancestors: Sequence[str]) -> None:
    """Let the configured sites frame Parley's pages: their ``frame-ancestors`` becomes the
    list, in place of the ``'none'`` a page sends by default."""
    allowed = "frame-ancestors " + " ".join(ancestors)

    @api.middleware("http")
    async def frame_ancestors(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        policy = response.headers.get("content-security-policy")
        if policy is None:
            return response
        parts = [p.strip() for p in policy.split(";") if p.strip()]
        kept = [p for p in parts if not p.lower().startswith("frame-ancestors")]
        response.headers["content-security-policy"] = "; ".join([*kept, allowed])
        return response
