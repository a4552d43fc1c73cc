"""The HTTP server: one FastAPI app built from a list of faces, over one door.

A face is a module (see ``_edge.Face``): its routes and its one error-body function.
Routes reach the door (``app.state.conversations``) and the authenticator
(``app.state.auth``) through ``_edge.door_of`` and ``_edge.auth_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from parley import __version__
from parley.api import ana, channels, embedded, log_redaction, openai_compat, page, workbench
from parley.api._edge import Face
from parley.auth.authenticate import Authenticator
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
    teaching: Teaching


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
    api.state.embedded = installation.embedded
    api.state.faces = tuple(faces)

    @api.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    for face in faces:
        api.include_router(face.router)

    return api
