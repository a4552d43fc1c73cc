"""Faults: a warehouse killed mid-query, the store briefly unreachable, a client gone
mid-stream, a server killed with SIGKILL mid-turn. Every acknowledged message survives;
nothing is half-written; the next request works.

A turn is held in flight deterministically: an admin transaction locks the warehouse's
table, so the turn's query waits on the lock until the test releases or kills it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from parley.config import Settings
from parley.conversations.installation import Parley
from parley.conversations.service import collect
from parley.errors import StoreUnavailable
from parley.store import tenancy

pytestmark = pytest.mark.postgres
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
QUESTION = "how many shipments are there"
GENEROUS = {"per_minute": 100_000, "per_hour": 100_000, "per_day": 100_000}


def _admin() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(ADMIN, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")


@pytest.fixture(scope="module")
def warehouse() -> Iterator[str]:
    """A PostgreSQL database with one small table; yields its name."""
    admin = _admin()
    name = f"parley_faults_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(f"{ADMIN.rsplit('=', 1)[0]}={name}", autocommit=True) as conn:
            conn.execute("CREATE TABLE shipments (id INTEGER PRIMARY KEY, region TEXT, kg INTEGER)")
            conn.execute(
                "INSERT INTO shipments SELECT i, (ARRAY['north','south'])[1 + i % 2], i % 40 "
                "FROM generate_series(1, 200) AS i"
            )
        yield name
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def home(tmp_path: Path, warehouse: str) -> Path:
    parley = Parley.open(tmp_path / "home", settings=Settings.from_env({}, home=tmp_path / "home"),
                         demo=False)  # fmt: skip
    parley.add_source(f"postgresql://postgres@127.0.0.1:5432/{warehouse}", name="wh")
    parley.create_application("wh", source="wh")
    with parley.store.session() as session:
        organization = tenancy.get_or_create_default_organization(session)
        tenancy.update_organization_settings(session, organization, {"rate_limits": GENEROUS})
    parley.close()
    return tmp_path / "home"


class TableLock:
    """Holds the warehouse's table locked, so that a turn's query waits in flight."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.conn = psycopg.connect(f"{ADMIN.rsplit('=', 1)[0]}={database}")
        self.conn.execute("LOCK TABLE shipments IN ACCESS EXCLUSIVE MODE")

    def waiting_backends(self) -> list[int]:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (self.database,),
            ).fetchall()
        return [row[0] for row in rows]

    def wait_for_a_waiter(self, timeout_s: float = 20) -> list[int]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if pids := self.waiting_backends():
                return pids
            time.sleep(0.05)
        raise AssertionError("no query ever waited on the lock")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def test_a_warehouse_killed_mid_query_is_answered_stored_and_recovered(
    home: Path, warehouse: str
) -> None:
    parley = Parley.open(home, settings=Settings.from_env({}, home=home), demo=False)
    door = parley.conversations
    ref = door.open(parley.principal, face="cli", app="wh")
    lock = TableLock(warehouse)
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(turn=collect(door.turn(ref, QUESTION))))
    worker.start()
    try:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            for pid in lock.wait_for_a_waiter():
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        worker.join(30)
    finally:
        lock.release()
    failed = result["turn"].answer
    assert failed.error_code, "the killed query is answered as a failure, not raised"
    assert "127.0.0.1" not in failed.text and "5432" not in failed.text
    again = collect(door.turn(ref, QUESTION)).answer
    assert again.error_code is None and again.rows == [[200]]
    roles = [m.role for m in door.history(ref).items]
    assert roles == ["user", "assistant", "user", "assistant"]
    parley.close()


def test_a_store_briefly_unreachable_refuses_then_recovers(warehouse: str, tmp_path: Path) -> None:
    admin = _admin()
    store = f"parley_store_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {store}")
    env = {"PARLEY_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{store}"}
    parley = Parley.open(tmp_path, settings=Settings.from_env(env, home=tmp_path), demo=False)
    try:
        parley.add_source(f"postgresql://postgres@127.0.0.1:5432/{warehouse}", name="wh")
        parley.create_application("wh", source="wh")
        door = parley.conversations
        ref = door.open(parley.principal, face="cli", app="wh")
        first = collect(door.turn(ref, QUESTION))
        admin.execute(f"ALTER DATABASE {store} ALLOW_CONNECTIONS false")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (store,)
        )
        with pytest.raises(StoreUnavailable):
            collect(door.turn(ref, QUESTION))
        admin.execute(f"ALTER DATABASE {store} ALLOW_CONNECTIONS true")
        second = collect(door.turn(ref, QUESTION))
        assert second.answer.rows == first.answer.rows == [[200]]
        history = door.history(ref).items
        assert [m.role for m in history] == ["user", "assistant", "user", "assistant"]
        assert history[1].id == first.assistant_message_id
    finally:
        parley.close()
        admin.execute(f"ALTER DATABASE {store} ALLOW_CONNECTIONS true")
        admin.execute(f"DROP DATABASE IF EXISTS {store} WITH (FORCE)")
        admin.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PARLEY_HOME": str(home)}
    env.pop("PARLEY_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "parley", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("parley serve did not start")


def _ask(port: int, key: str, conversation: str | None, stream: bool = False) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    if conversation:
        headers["conversationId"] = conversation
    body = {"model": "wh", "messages": [{"role": "user", "content": QUESTION}], "stream": stream}
    return httpx.post(
        f"http://127.0.0.1:{port}/api/v1/chat/completions", headers=headers, json=body, timeout=60
    )


def test_a_server_killed_mid_turn_keeps_every_acknowledged_answer(
    home: Path, warehouse: str
) -> None:
    parley = Parley.open(home, settings=Settings.from_env({}, home=home), demo=False)
    key, _ = parley.create_api_key("faults")
    parley.close()
    port = _free_port()
    server = _serve(home, port)
    acknowledged: list[str] = []
    try:
        first = _ask(port, key, None)
        assert first.status_code == 200
        conversation = first.headers.get("conversationId") or first.json().get("conversationId")
        assert conversation
        acknowledged.append(first.json()["id"])
        for _ in range(3):
            acknowledged.append(_ask(port, key, conversation).json()["id"])
        lock = TableLock(warehouse)
        in_flight = threading.Thread(target=lambda: _safe_ask(port, key, conversation))
        in_flight.start()
        lock.wait_for_a_waiter()
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        in_flight.join(30)
        lock.release()
        server = _serve(home, port)
        after = _ask(port, key, conversation)
        assert after.status_code == 200
    finally:
        server.kill()
        server.wait(10)
    parley = Parley.open(home, settings=Settings.from_env({}, home=home), demo=False)
    door = parley.conversations
    ref = door.open(parley.auth.api_key(key), face="openai", app="wh",
                    conversation_id=conversation)  # fmt: skip
    history = door.history(ref).items
    answered = {q.id: a for q, a in itertools.pairwise(history) if q.role == "user"}
    for message_id in acknowledged:
        assert message_id in answered, f"acknowledged question {message_id} was lost"
        answer = answered[message_id].answer
        assert answer is not None and answer.rows == [[200]]
    # The killed turn's question is there; it has no answer, never half of one.
    questions = [m for m in history if m.role == "user"]
    answers = [m for m in history if m.role == "assistant"]
    assert len(questions) == 6 and len(answers) == 5
    assert all(m.answer is not None and m.answer.text for m in answers)
    parley.close()


def _safe_ask(port: int, key: str, conversation: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it: the point
        _ask(port, key, conversation)


def test_a_client_gone_mid_stream_leaves_its_question_and_answer_stored(
    home: Path, warehouse: str
) -> None:
    parley = Parley.open(home, settings=Settings.from_env({}, home=home), demo=False)
    key, _ = parley.create_api_key("stream-faults")
    parley.close()
    port = _free_port()
    server = _serve(home, port)
    try:
        headers = {"Authorization": f"Bearer {key}"}
        body = {"model": "wh", "stream": True,
                "messages": [{"role": "user", "content": QUESTION}]}  # fmt: skip
        with httpx.stream("POST", f"http://127.0.0.1:{port}/api/v1/chat/completions",
                          headers=headers, json=body, timeout=30) as response:  # fmt: skip
            conversation = response.headers.get("conversationId")
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    json.loads(line[6:])
                    break  # gone after the first chunk
        time.sleep(1.0)  # the server finishes the turn without its client
    finally:
        server.kill()
        server.wait(10)
    assert conversation
    parley = Parley.open(home, settings=Settings.from_env({}, home=home), demo=False)
    door = parley.conversations
    ref = door.open(parley.auth.api_key(key), face="openai", app="wh",
                    conversation_id=conversation)  # fmt: skip
    roles = [m.role for m in door.history(ref).items]
    assert roles == ["user", "assistant"]
    parley.close()


def test_a_warehouse_that_refuses_connections_is_explained_without_where_it_is(
    home: Path, warehouse: str
) -> None:
    parley = Parley.open(home, settings=Settings.from_env({}, home=home), demo=False)
    door = parley.conversations
    ref = door.open(parley.principal, face="cli", app="wh")
    admin = _admin()
    try:
        admin.execute(f"ALTER DATABASE {warehouse} ALLOW_CONNECTIONS false")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (warehouse,),
        )
        answer = collect(door.turn(ref, QUESTION)).answer
    finally:
        admin.execute(f"ALTER DATABASE {warehouse} ALLOW_CONNECTIONS true")
        admin.close()
        parley.close()
    assert answer.error_code
    assert "could not connect to source 'wh'" in answer.text.lower()
    for where in ("127.0.0.1", "5432", "postgres", "@"):
        assert where not in answer.text, answer.text
