"""The HTTP server: one FastAPI app, one router per API face, over one Parley."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from parley import __version__
from parley.api import log_redaction
from parley.api.openai_compat import router as openai_router
from parley.api.workbench import router as workbench_router
from parley.core import Parley


def create_app(parley: Parley) -> FastAPI:
    log_redaction.install()
    api = FastAPI(title="Parley", version=__version__)
    api.state.parley = parley

    @api.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    api.include_router(workbench_router)
    api.include_router(openai_router)
    return api
