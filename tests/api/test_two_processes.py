"""Two ``parley serve`` processes on one PostgreSQL store and one Redis, as a deployment
runs them behind a load balancer: nothing a later request needs lives in one process.

The same run's logs are then searched for every secret it used."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from cryptography.fernet import Fernet

from parley.store import tenancy
from parley.store.db import Store

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/12"
START_TIMEOUT_S = 90.0
PER_MINUTE = 6

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@dataclass
class Deployment:
    urls: list[str]
    env: dict[str, str]
    logs: list[Path]
    api_key: str
    #: Every secret the run used: none may appear in a log.
    secrets: dict[str, str] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cli(env: dict[str, str], log: Path, *args: str) -> Any:
    """Run ``parley ARGS --json``; its stderr goes to ``log`` with the servers' logs."""
    with log.open("ab") as errors:
        done = subprocess.run(
            [sys.executable, "-m", "parley", *args, "--json"],
            env=env, stdout=subprocess.PIPE, stderr=errors, check=True, timeout=180,
        )  # fmt: skip
    return json.loads(done.stdout)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"parley serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"parley serve at {url} not ready in {START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    try:
        admin = psycopg.connect(ADMIN, autocommit=True)
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except (psycopg.OperationalError, redis.RedisError) as exc:
        pytest.skip(f"PostgreSQL or Redis is unreachable: {exc}")
    home = tmp_path_factory.mktemp("two-processes")
    database = f"parley_two_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{database}"')
    store_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    used = {
        "jwt secret": secrets.token_urlsafe(48),
        "credential key": Fernet.generate_key().decode(),
        # The server trusts local connections: any password gets in, and must stay hidden.
        "source password": "pw-" + secrets.token_urlsafe(24),
    }
    env = {
        **os.environ,
        "PARLEY_HOME": str(home),
        "PARLEY_DATABASE_URL": store_url,
        "PARLEY_RATE_LIMIT_URL": REDIS_URL,
        "PARLEY_JWT_SECRET": used["jwt secret"],
        "PARLEY_SECRET_KEY": used["credential key"],
        "PARLEY_LOG_FORMAT": "json",
    }
    setup_log = home / "cli.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        _cli(env, setup_log, "migrate")
        key = _cli(env, setup_log, "key", "create", "--name", "two-processes")["key"]
        channel = _cli(env, setup_log, "channel", "create", "--app", "demo")
        token = _cli(env, setup_log, "token", "create", "--tenant", "default", "--user", "u1")
        warehouse = f"postgresql://postgres:{used['source password']}@127.0.0.1:5432/{database}"
        _cli(env, setup_log, "source", "add", warehouse, "--name", "meta")
        used |= {"api key": key, "channel secret": channel["secret"], "jwt": token["token"]}
        store = Store(store_url)
        try:
            with store.session() as session:
                org = tenancy.get_or_create_default_organization(session)
                limits = {"rate_limits": {"per_minute": PER_MINUTE}}
                tenancy.update_organization_settings(session, org, limits)
        finally:
            store.dispose()
        urls, logs = [], [setup_log]
        for index in range(2):
            port = _free_port()
            log = home / f"server-{index}.log"
            with log.open("wb") as out:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "parley", "serve", "--port", str(port)],
                    env=env, stdout=out, stderr=subprocess.STDOUT,
                ))  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
            logs.append(log)
        for url, process, log in zip(urls, processes, logs[1:], strict=True):
            _wait_ready(url, process, log)
        yield Deployment(urls, env, logs, key, used | {"channel id": channel["id"]})
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


def _bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def _completion(url: str, key: str, question: str, conversation: str | None) -> httpx.Response:
    headers = _bearer(key) | ({"conversationId": conversation} if conversation else {})
    return httpx.post(
        f"{url}/api/v1/chat/completions",
        headers=headers,
        json={"model": "demo", "messages": [{"role": "user", "content": question}]},
        timeout=60,
    )


def _sql_of(completion: httpx.Response) -> str:
    return str(completion.json()["choices"][0]["message"]["content"])


def test_a_conversation_continues_on_the_other_process(deployment: Deployment) -> None:
    first, second = deployment.urls
    started = _completion(first, deployment.api_key, "revenue by month", None)
    assert started.status_code == 200, started.text
    conversation = started.headers["conversationId"]
    # Meaningful only after "revenue by month": the second process must read the first's.
    continued = _completion(second, deployment.api_key, "only for 2025", conversation)
    assert continued.status_code == 200, continued.text
    assert continued.headers["conversationId"] == conversation
    text = _sql_of(continued)
    assert "month" in text.lower() and "2025" in text


def test_a_workbench_session_and_a_chart_change_cross_processes(deployment: Deployment) -> None:
    first, second = deployment.urls
    token = deployment.secrets["jwt"]
    base = "/api/v1/bi/chat/sessions"
    created = httpx.post(f"{first}{base}", headers=_bearer(token),
                         json={"tenant_id": "default", "user_id": "u1"}, timeout=30)  # fmt: skip
    assert created.status_code == 201, created.text
    session = created.json()["session_id"]
    asked = httpx.post(f"{first}{base}/{session}/messages", headers=_bearer(token),
                       json={"message": "revenue by month"}, timeout=60)  # fmt: skip
    assert asked.status_code == 200, asked.text
    drawn = httpx.post(f"{second}{base}/{session}/visualize", headers=_bearer(token),
                       json={"chart_type": "bar"}, timeout=60)  # fmt: skip
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["sql"] == asked.json()["sql"]
    assert drawn.json()["data"] == asked.json()["data"]
    assert drawn.json()["visualization"]["type"] == "bar"
    history = httpx.get(f"{second}{base}/{session}/history", headers=_bearer(token), timeout=30)
    assert [m["role"] for m in history.json()["messages"]] == [
        "user", "assistant", "user", "assistant",
    ]  # fmt: skip


def test_a_channel_conversation_continues_on_the_other_process(deployment: Deployment) -> None:
    first, second = deployment.urls
    base = f"/api/public/channels/{deployment.secrets['channel id']}/1.0"
    headers = {"X-API-Secret-Key": deployment.secrets["channel secret"]}
    started = httpx.post(f"{first}{base}/message", headers=headers,
                         json={"message": "revenue by month"}, timeout=60)  # fmt: skip
    assert started.status_code == 200, started.text
    conversation = started.json()["conversationId"]
    continued = httpx.post(f"{second}{base}/message", headers=headers,
                           json={"message": "only for 2025", "conversationId": conversation},
                           timeout=60)  # fmt: skip
    assert continued.status_code == 200, continued.text
    assert continued.json()["conversationId"] == conversation
    assert "2025" in continued.json()["response"]


def _ana(url: str, key: str, **params: str) -> dict[str, list[Any]]:
    """An Ana answer's Server-Sent Events, by event name."""
    events: dict[str, list[Any]] = {}
    with httpx.stream("GET", f"{url}/api/ana", params=params, headers=_bearer(key),
                      timeout=60) as response:  # fmt: skip
        assert response.status_code == 200, response.read()
        name = "message"
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                events.setdefault(name, []).append(json.loads(line.removeprefix("data:")))
    return events


def test_an_ana_chat_continues_on_the_other_process(deployment: Deployment) -> None:
    first, second = deployment.urls
    started = _ana(first, deployment.api_key, query="revenue by month", dataset="demo")
    chat = started["chatId"][0]
    continued = _ana(second, deployment.api_key, query="only for 2025", dataset="demo",
                     chatId=chat)  # fmt: skip
    assert continued["chatId"] == [chat]
    assert continued["userMsgId"] == [3]
    texts = [b["contents"] for b in continued["block"] if b["tag"] == "TextBlock"]
    assert any("month" in t.lower() and "2025" in t for t in texts), texts


def _page_stream(browser: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """The page's streamed lines of one turn (or chart change), by type; the last of each."""
    response = browser.post(url, json=body, timeout=60)
    assert response.status_code == 200, response.text
    lines = [json.loads(text) for text in response.text.splitlines() if text.strip()]
    assert lines[-1]["type"] == "done", lines[-1]
    return {entry["type"]: entry for entry in lines}


def test_a_page_conversation_and_a_chart_change_cross_processes(deployment: Deployment) -> None:
    first, second = deployment.urls
    # One cookie jar for both, as a browser keeps for the one site a balancer serves.
    with httpx.Client() as browser:
        signed = browser.post(f"{first}/page/api/session",
                              json={"api_key": deployment.api_key}, timeout=30)  # fmt: skip
        assert signed.status_code == 200, signed.text
        asked = _page_stream(browser, f"{first}/page/api/turns",
                             {"app": "demo", "question": "revenue by month"})  # fmt: skip
        conversation = asked["started"]["conversation_id"]
        made = asked["done"]["answer"]
        assert made["rows"] and made["sql"]
        # The second process draws the result the first one made, without running SQL.
        drawn = _page_stream(
            browser, f"{second}/page/api/conversations/{conversation}/chart", {"chart_type": "bar"}
        )["done"]["answer"]
        assert drawn["chart"]["type"] == "bar"
        assert (drawn["sql"], drawn["rows"]) == (made["sql"], made["rows"])
        # And continues the conversation: "only for 2025" edits the first process's query.
        continued = _page_stream(browser, f"{second}/page/api/turns",
                                 {"app": "demo", "question": "only for 2025",
                                  "conversation_id": conversation})  # fmt: skip
        assert continued["started"]["conversation_id"] == conversation
        sql = continued["done"]["answer"]["sql"] or ""
        assert "month" in sql.lower() and "2025" in sql, continued["done"]
        shown = browser.get(f"{first}/page/api/conversations/{conversation}", timeout=30)
        assert shown.status_code == 200, shown.text
        questions = [turn["question"] for turn in shown.json()["turns"]]
        assert questions[0] == "revenue by month" and questions[-1] == "only for 2025"


def test_the_rate_limit_is_counted_once_across_both(deployment: Deployment) -> None:
    # A fresh budget: the counters of earlier tests go (this database is this module's own).
    redis.Redis.from_url(REDIS_URL).flushdb()
    outcomes = [
        _completion(deployment.urls[index % 2], deployment.api_key, "total revenue", None)
        for index in range(PER_MINUTE + 2)
    ]
    statuses = [response.status_code for response in outcomes]
    assert statuses == [200] * PER_MINUTE + [429, 429]


def test_no_secret_reaches_any_log(deployment: Deployment) -> None:
    # A request that puts the key where an access log would show it.
    exposed = {"api_key": deployment.api_key, "token": deployment.secrets["jwt"]}
    httpx.get(f"{deployment.urls[0]}/api/v1/chat/completions", params=exposed)
    time.sleep(0.5)
    logs = "\n".join(path.read_text(errors="replace") for path in deployment.logs)
    assert '"request_id"' in logs  # the servers did write JSON lines
    found = [name for name, value in deployment.secrets.items()
             if name != "channel id" and value in logs]  # fmt: skip
    assert found == []
