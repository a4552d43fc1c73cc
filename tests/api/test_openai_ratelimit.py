"""Rate limits of the OpenAI-compatible face: per organisation, shared by its keys, and
counted once across Parley processes that share a Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _openai_fixtures as fixtures
import httpx
import pytest
import redis
from _openai_fixtures import Installation, install

from parley.auth import api_keys
from parley.auth.ratelimit import RateLimiter
from parley.store import tenancy

REDIS_URL = "redis://127.0.0.1:6379/13"

# The shared fixtures, bound here so that pytest finds them in this module.
http = fixtures.http
installation = fixtures.installation
live_server = fixtures.live_server


def organisation(installation: Installation, name: str,
                 limits: dict[str, Any] | None) -> tuple[str, str]:
    """A new organisation with an application "demo" and an API key: (key, org id)."""
    parley = installation.parley
    settings = {} if limits is None else {"rate_limits": limits}
    with parley.store.session() as session:
        organization = tenancy.create_organization(session, name, settings=settings)
        key, _ = api_keys.create_api_key(session, organization.id, f"{name}-admin")
        organization_id = organization.id
    parley.add_source(f"sqlite:///{installation.league_path}", name="league",
                      organization_id=organization_id)
    parley.create_application("demo", source="league", organization_id=organization_id)
    return key, organization_id


def ask(http: httpx.Client | str, key: str, question: str = "hello",
        model: str = "demo") -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": question}]}
    headers = {"Authorization": f"Bearer {key}"}
    if isinstance(http, str):
        return httpx.post(f"{http}/api/v1/chat/completions", json=body, headers=headers,
                          timeout=30)
    return http.post("/api/v1/chat/completions", json=body, headers=headers)


def refused_for(response: httpx.Response, window: str, longest: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {
        "code": "429",
        "error": f"Data Warehouse Intelligence API rate limit reached for the {window}.",
    }
    assert 1 <= int(response.headers["Retry-After"]) <= longest


def test_the_default_is_two_a_minute(http: httpx.Client, installation: Installation) -> None:
    key, _ = organisation(installation, "defaults", None)
    assert [ask(http, key).status_code for _ in range(2)] == [200, 200]
    refused_for(ask(http, key), "minute", 60)


@pytest.mark.parametrize(
    ("limits", "allowed", "window", "longest"),
    [
        ({"per_minute": 3}, 3, "minute", 60),
        ({"per_minute": None, "per_hour": 2}, 2, "hour", 3600),
        ({"per_minute": None, "per_hour": None, "per_day": 1}, 1, "day", 86400),
    ],
)
def test_organisation_settings_set_each_window(
    http: httpx.Client, installation: Installation, limits: dict[str, Any], allowed: int,
    window: str, longest: int,
) -> None:
    key, _ = organisation(installation, f"windows-{window}", limits)
    assert [ask(http, key).status_code for _ in range(allowed)] == [200] * allowed
    refused_for(ask(http, key), window, longest)


def test_all_keys_of_an_organisation_share_its_limit(
    http: httpx.Client, installation: Installation
) -> None:
    first, organization_id = organisation(installation, "shared", {"per_minute": 3})
    with installation.parley.store.session() as session:
        member = tenancy.create_member(session, organization_id, "Grace")
        second, _ = api_keys.create_api_key(session, organization_id, "grace", member_id=member.id)
    neighbour, _ = organisation(installation, "neighbour", {"per_minute": 1})
    assert [ask(http, key).status_code for key in (first, second, first)] == [200] * 3
    refused_for(ask(http, second), "minute", 60)
    # Another organisation's budget is its own.
    assert ask(http, neighbour).status_code == 200


def test_only_completions_count(http: httpx.Client, installation: Installation) -> None:
    key, _ = organisation(installation, "readers", {"per_minute": 1})
    answer = ask(http, key, "total points by team")
    assert answer.status_code == 200
    stored = answer.json()
    headers = {"Authorization": f"Bearer {key}"}
    reads = [
        ("/api/v1/chat/getData", {"model": "demo", "dataFilePath": stored["dataFilePath"]}),
        ("/v1/chat/suggestGraph", {"model": "demo", "graphType": "Custom",
                                   "dataFilePath": stored["dataFilePath"], "query": ""}),
        ("/api/v1/chat/applications", {}),
        ("/api/v1/chat/conversations", {"model": "demo"}),
        ("/api/v1/chat/conversationQuestions",
         {"model": "demo", "conversationId": stored["conversationId"]}),
    ]
    for _ in range(3):
        for path, body in reads:
            assert http.post(path, json=body, headers=headers).status_code == 200, path
    refused_for(ask(http, key), "minute", 60)


def test_refused_requests_do_not_use_the_budget(
    http: httpx.Client, installation: Installation
) -> None:
    key, _ = organisation(installation, "careful", {"per_minute": 1})
    assert ask(http, key, model="nope").status_code == 412
    assert ask(http, key, question=" ").status_code == 422
    assert ask(http, "pk_wrong").status_code == 401
    assert ask(http, key).status_code == 200
    refused_for(ask(http, key), "minute", 60)


# --- two processes, one Redis -------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at 127.0.0.1:6379 is unreachable: {exc}")
    return REDIS_URL


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def two_servers(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> Iterator[tuple[list[str], str, str]]:
    """Two ``parley serve`` processes on one home, one metadata store and one Redis."""
    setup = install(tmp_path_factory, "openai-two-processes")
    with setup.parley.store.session() as session:
        default = tenancy.get_organization(session, setup.parley.organization_id)
        tenancy.update_organization_settings(session, default, {"rate_limits": {"per_minute": 3}})
    organization_id = setup.parley.organization_id
    database_url = setup.parley.settings.database_url
    setup.parley.close()
    env = {**os.environ, "PARLEY_HOME": str(setup.home), "PARLEY_DATABASE_URL": database_url,
           "PARLEY_RATE_LIMIT_URL": redis_url}
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for index in range(2):
            port = _free_port()
            log = (setup.home / f"server-{index}.log").open("wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "parley", "serve", "--port", str(port)],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process, setup.home)
        yield urls, setup.key, organization_id
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)
        RateLimiter(redis_url).reset(organization_id, scope="openai")


def _wait_until_up(url: str, process: subprocess.Popen[bytes], home: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(p.read_text() for p in home.glob("server-*.log"))
            raise RuntimeError(f"parley serve exited with {process.returncode}:\n{logs}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"parley serve did not answer on {url} within 60 s")


@pytest.mark.redis
@pytest.mark.slow
def test_two_processes_count_the_organisation_once(
    two_servers: tuple[list[str], str, str], redis_url: str
) -> None:
    (first, second), key, organization_id = two_servers
    assert [ask(url, key).status_code for url in (first, second, first)] == [200, 200, 200]
    refused_for(ask(second, key), "minute", 60)
    refused_for(ask(first, key), "minute", 60)
    # The counter both processes used lives in Redis, keyed by the organisation.
    counters = redis.Redis.from_url(redis_url).keys(f"*openai:{organization_id}:minute*")
    assert len(counters) == 1
