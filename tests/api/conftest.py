"""Fixtures: one Parley on a temporary home for the whole session (the demo data takes
seconds to generate), the real ASGI app in-process, and a uvicorn server for sockets."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from parley.api.app import create_app
from parley.auth.tokens import TokenService
from parley.auth.workbench_tokens import token_service
from parley.conversations.installation import Parley

TENANT = "default"
SERVER_START_TIMEOUT_S = 10.0
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def parley(open_parley: Callable[[], Parley]) -> Iterator[Parley]:
    opened = open_parley()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def broken_app(parley: Parley, add_broken_app: Callable[[Parley], str]) -> str:
    return add_broken_app(parley)


@pytest.fixture(scope="session")
def app(parley: Parley) -> FastAPI:
    return create_app(parley)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def tokens(parley: Parley) -> TokenService:
    """The same token service the app builds: HS256 with the secret generated in home."""
    return token_service(parley.settings)


@pytest.fixture(scope="session")
def headers(tokens: TokenService) -> Callable[..., dict[str, str]]:
    def make(user: str = "user-456", tenant: str = TENANT) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.issue(tenant_id=tenant, user_id=user)}"}

    return make


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free port; its ``ws://`` base URL."""
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        lifespan="off",
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not instance.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start on port {port} within {SERVER_START_TIMEOUT_S}s")
        time.sleep(0.02)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=SERVER_START_TIMEOUT_S)


@pytest.fixture(scope="module")
def base_url(server: str) -> str:
    """The served app's ``http://`` base URL."""
    return server.replace("ws://", "http://")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (no browser download), per module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        # CI installs it (.ci/run), so there its absence is a failure, not a skip.
        missing = "needs Debian's chromium: apt-get install chromium"
        pytest.fail(missing) if os.environ.get("CI") else pytest.skip(missing)
    with sync_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()
