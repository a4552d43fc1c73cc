"""What an operator sees: liveness, readiness, metrics and request ids."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from parley.api.app import create_app
from parley.config import Settings
from parley.conversations.installation import Parley


def _sample(client: TestClient, name: str, **labels: str) -> float:
    """The value of one sample of /metrics (0 when it is not there yet)."""
    text = client.get("/metrics").text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["store"] is True
    assert ready.json()["checks"]["rate_limiter"] is True


def test_readyz_is_unavailable_when_the_limiter_is(tmp_path: Path) -> None:
    # Port 9 (discard) has no Redis behind it on a test machine.
    settings = Settings.from_env({"PARLEY_RATE_LIMIT_URL": "redis://127.0.0.1:9/0"}, home=tmp_path)
    parley = Parley.open(settings=settings, demo=False)
    try:
        with TestClient(create_app(parley)) as client:
            ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "unavailable",
            "checks": {"store": True, "rate_limiter": False},
        }
    finally:
        parley.close()


def test_a_request_id_is_kept_or_made(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42"}).headers["x-request-id"] == (
        "lb-42"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "no spaces; please"})
    assert made.headers["x-request-id"].startswith("req_")


def test_metrics_count_requests_turn_stages_and_errors(
    client: TestClient, headers: Callable[..., dict[str, str]]
) -> None:
    route = "/api/v1/bi/chat/sessions"
    before = _sample(client, "parley_http_requests_total", method="POST", route=route,
                     status="201")  # fmt: skip
    stages_before = _sample(client, "parley_turn_stage_duration_seconds_count", stage="engine")
    created = client.post(route, json={"tenant_id": "default", "user_id": "user-456"},
                          headers=headers())  # fmt: skip
    assert created.status_code == 201, created.text
    session_id = created.json()["session_id"]
    asked = client.post(f"/api/v1/bi/chat/sessions/{session_id}/messages",
                        json={"message": "revenue by month"}, headers=headers())  # fmt: skip
    assert asked.status_code == 200, asked.text
    after = _sample(client, "parley_http_requests_total", method="POST", route=route,
                    status="201")  # fmt: skip
    assert after == before + 1
    for stage in ("store_question", "prepare", "engine", "store_answer"):
        assert _sample(client, "parley_turn_stage_duration_seconds_count", stage=stage) > 0
    assert _sample(client, "parley_turn_stage_duration_seconds_count", stage="engine") == (
        stages_before + 1
    )
    assert _sample(client, "parley_source_query_duration_seconds_count", dialect="duckdb") > 0
    errors = _sample(client, "parley_errors_total", kind="unauthorized")
    refused = client.post("/api/v1/chat/completions", headers={"Authorization": "Bearer nope"},
                          json={"messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
    assert refused.status_code == 401
    assert _sample(client, "parley_errors_total", kind="unauthorized") == errors + 1


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_need_no_credentials(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.postgres
def test_a_dead_warehouse_is_reported_and_the_process_stays_ready(tmp_path: Path) -> None:
    try:
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is unreachable: {exc}")
    name = f"parley_ready_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    parley = Parley.open(settings=Settings.from_env({}, home=tmp_path), demo=False)
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}") as warehouse:
            warehouse.execute("CREATE TABLE sales (region text, amount numeric)")
        info = parley.add_source(f"postgresql://postgres@127.0.0.1:5432/{name}", name="wh")
        with TestClient(create_app(parley)) as client:
            assert client.get("/readyz").json()["checks"][f"source:{info.id}"] is True
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"][f"source:{info.id}"] is False
    finally:
        parley.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
