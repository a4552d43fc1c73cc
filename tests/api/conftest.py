"""Fixtures: one Parley on a temporary home for the whole session (the demo data takes
seconds to generate), the real ASGI app in-process, and a uvicorn server for sockets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from parley.api.app import create_app
from parley.auth.tokens import TokenService
from parley.auth.workbench_tokens import token_service
from parley.core import Parley

ENVIRONMENT = (
    "PARLEY_DATABASE_URL", "PARLEY_JWT_SECRET", "PARLEY_JWT_PRIVATE_KEY",
    "PARLEY_JWT_PUBLIC_KEY", "PARLEY_JWT_JWKS", "PARLEY_JWT_ISSUER", "PARLEY_JWT_AUDIENCE",
    "PARLEY_WORKBENCH_APP",
)
TENANT = "default"
BROKEN_APP = "broken"
SERVER_START_TIMEOUT_S = 10.0


@pytest.fixture(scope="session")
def parley(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parley]:
    with pytest.MonkeyPatch.context() as env:
        for name in ENVIRONMENT:
            env.delenv(name, raising=False)
        opened = Parley.open(tmp_path_factory.mktemp("parley-home"))
        try:
            yield opened
        finally:
            opened.close()


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


@pytest.fixture(scope="session")
def broken_app(parley: Parley, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An application whose source fails every query: its only table is a view over a
    CSV file, and sources are opened with file access disabled."""
    folder: Path = tmp_path_factory.mktemp("broken-source")
    csv = folder / "shipments.csv"
    csv.write_text("region,amount\nNorth,1.5\nSouth,2.5\n")
    path = folder / "broken.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE VIEW shipments AS SELECT region::VARCHAR AS region, "
            f"amount::DOUBLE AS amount FROM read_csv('{csv}')"
        )
    parley.add_source(f"duckdb:///{path}", name=BROKEN_APP)
    parley.create_application(BROKEN_APP, source=BROKEN_APP)
    return BROKEN_APP


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free port; its ``ws://`` base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            ws="websockets-sansio", lifespan="off")
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
