"""Load on loopback: N concurrent clients ask a mix of questions through the HTTP faces of
one, then two ``parley serve`` processes sharing one store and one rate-limit store.

Prints, for 1 and 2 processes side by side: throughput, latency p50/p95/p99, errors,
each server's peak RSS and CPU; then, one client at a time, each question's stored turn
beside the same SQL run bare on the source (the demo's DuckDB file), and the same again on
a larger generated demo (``--large-scale`` times the orders) whose queries take the tens
to hundreds of milliseconds a warehouse query takes: a turn's fixed cost is the same, its
share is not.

    python bench/load.py [--clients 32] [--seconds 20] [--store postgres|sqlite] [--large-scale 10]

PostgreSQL (127.0.0.1:5432, a database made and dropped here) and Redis (127.0.0.1:6379)
are used when reachable, as a deployment would; ``--store sqlite`` uses the embedded file.
Every request goes to 127.0.0.1 and the run stops by itself after the bounded time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psycopg
from _machine import Snapshot, Usage, usage

from parley.sources.demo import generate_demo
from parley.store import tenancy
from parley.store.db import Store

QUESTIONS = (
    "total revenue",
    "revenue by month",
    "number of orders by country",
    "top 5 products by revenue",
    "average order value by month",
)
ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/11"


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cli(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "parley", *args, "--json"],
        env=env, capture_output=True, check=True, timeout=300,
    )  # fmt: skip
    return json.loads(done.stdout)


@contextmanager
def _store_url(kind: str, home: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{home / 'parley.db'}"
        return
    name = f"parley_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _servers(env: dict[str, str], count: int, home: Path) -> Iterator[list[tuple[str, int]]]:
    processes, urls = [], []
    try:
        for index in range(count):
            port = _free_port()
            log = (home / f"server-{count}-{index}.log").open("wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "parley", "serve", "--port", str(port)],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            ))  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            else:
                raise SystemExit(f"server {url} did not start")
        yield [(url, process.pid) for url, process in zip(urls, processes, strict=True)]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # it ended
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _client(
    index: int, urls: list[str], key: str, token: str, until: float, outcome: Outcome
) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        url = urls[index % len(urls)]
        session = None
        if index % 2:  # half the clients use the Workbench face, half the OpenAI one
            created = await http.post(
                f"{url}/api/v1/bi/chat/sessions",
                headers={"Authorization": f"Bearer {token}"},
                json={"tenant_id": "default", "user_id": "load"},
            )
            session = created.json()["session_id"]
        turn = index
        while time.monotonic() < until:
            question = QUESTIONS[turn % len(QUESTIONS)]
            turn += 1
            started = time.perf_counter()
            try:
                if session:
                    response = await http.post(
                        f"{url}/api/v1/bi/chat/sessions/{session}/messages",
                        headers={"Authorization": f"Bearer {token}"},
                        json={"message": question},
                    )
                else:
                    response = await http.post(
                        f"{url}/api/v1/chat/completions",
                        headers={"Authorization": f"Bearer {key}"},
                        json={"model": "demo", "messages": [{"role": "user", "content": question}]},
                    )
                kind = None if response.status_code == 200 else str(response.status_code)
            except httpx.HTTPError as error:
                kind = type(error).__name__
            if kind is None:
                outcome.latencies.append(time.perf_counter() - started)
            else:
                outcome.errors[kind] = outcome.errors.get(kind, 0) + 1


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


def _load(urls: list[str], key: str, token: str, clients: int, seconds: float) -> Outcome:
    outcome = Outcome()
    until = time.monotonic() + seconds

    async def run() -> None:
        await asyncio.gather(
            *(_client(i, urls, key, token, until, outcome) for i in range(clients))
        )

    asyncio.run(run())
    return outcome


def _sequential(
    ask: Callable[[httpx.Client, str], dict[str, Any]], database: Path, rounds: int
) -> list[tuple[str, float, float]]:
    """Each question's stored turn (p50, one client; ``ask`` runs one turn and returns its
    answer with the SQL it ran) beside that SQL run bare on ``database`` (p50)."""
    rows = []
    with httpx.Client(timeout=120) as http, duckdb.connect(str(database), read_only=True) as bare:
        for question in QUESTIONS:
            turns, sql = [], None
            for _ in range(rounds):
                started = time.perf_counter()
                sql = ask(http, question).get("sql")
                turns.append(time.perf_counter() - started)
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                if sql:
                    bare.execute(sql).fetchall()
                times.append(time.perf_counter() - started)
            medians = statistics.median(turns) * 1000, statistics.median(times) * 1000
            rows.append((question, *medians))
    return rows


def _workbench_asker(url: str, token: str) -> Callable[[httpx.Client, str], dict[str, Any]]:
    """Turns in Workbench sessions, a new session for each question."""
    headers = {"Authorization": f"Bearer {token}"}
    sessions: dict[str, str] = {}

    def ask(http: httpx.Client, question: str) -> dict[str, Any]:
        if question not in sessions:
            body = {"tenant_id": "default", "user_id": "load"}
            created = http.post(f"{url}/api/v1/bi/chat/sessions", headers=headers, json=body)
            sessions[question] = created.json()["session_id"]
        path = f"{url}/api/v1/bi/chat/sessions/{sessions[question]}/messages"
        answer: dict[str, Any] = http.post(path, headers=headers, json={"message": question}).json()
        return answer

    return ask


def _elsewhere(spent: Usage, ours_s: float, seconds: float) -> str:
    """The CPU the machine spent beside the servers and this client, by part."""
    rest = max(spent.busy_s - ours_s - spent.postgres_s - spent.redis_s, 0)
    # What no snapshot saw: processes that started and ended within the run.
    unseen = rest - spent.interrupts_s - spent.stolen_s - sum(spent.others.values())
    busiest = sorted(spent.others.items(), key=lambda item: -item[1])[:3]
    parts = [
        ("kernel interrupts", spent.interrupts_s),
        ("stolen", spent.stolen_s),
        *((name, cpu) for name, cpu in busiest if cpu >= 0.01 * seconds),
        ("ended or unseen", max(unseen, 0)),
    ]
    shares = ", ".join(f"{name} {cpu / seconds:.0%}" for name, cpu in parts)
    busy = spent.busy_s / (spent.busy_s + spent.idle_s)
    return (
        f"  PostgreSQL {spent.postgres_s / seconds:.0%}, Redis {spent.redis_s / seconds:.0%}, "
        f"everything else on the machine {rest / seconds:.0%} ({shares}); "
        f"the machine's CPUs {busy:.0%} busy"
    )


def _ratios(title: str, rows: list[tuple[str, float, float]]) -> None:
    print(f"\n{title:<32}{'turn p50 ms':>12}{'bare SQL p50 ms':>16}{'ratio':>7}")
    for question, turn, bare in rows:
        ratio = f"{turn / bare:.2f}x" if bare else "-"
        print(f"{question:<32}{turn:>12.1f}{bare:>16.1f}{ratio:>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=15, help="turns per question, sequential")
    parser.add_argument("--store", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--large-scale", type=float, default=10.0,
        help="orders of a second, larger demo (times the demo's) whose queries take warehouse "
        "time, measured one client at a time beside the demo; 0 skips it",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _store_url(args.store, Path(folder)) as url:
        home = Path(folder)
        env = {**os.environ, "PARLEY_HOME": str(home), "PARLEY_DATABASE_URL": url,
               "PARLEY_LOG_LEVEL": "WARNING"}  # fmt: skip
        if args.store == "postgres":
            env["PARLEY_RATE_LIMIT_URL"] = REDIS
            _cli(env, "migrate")
        key = _cli(env, "key", "create", "--name", "load")["key"]
        token = _cli(env, "token", "create", "--tenant", "default", "--user", "load")["token"]
        store = Store(url)
        with store.session() as session:  # the bench measures turns, not refusals
            org = tenancy.get_or_create_default_organization(session)
            budget = {"per_minute": 10**6, "per_hour": 10**7, "per_day": 10**8}
            tenancy.update_organization_settings(session, org, {"rate_limits": budget})
        store.dispose()
        large = home / "large.duckdb"
        if args.large_scale:
            generate_demo(large, scale=args.large_scale)
            _cli(env, "source", "add", f"duckdb:///{large}", "--name", "large")
            _cli(env, "app", "create", "--name", "large", "--source", "large")
        results = {}
        spent: dict[int, tuple[list[float], float]] = {}
        elsewhere: dict[int, Usage] = {}
        for count in (1, 2):
            with _servers(env, count, home) as servers:
                cpu_before = [_cpu_s(pid) for _, pid in servers]
                client_before = time.process_time()
                machine_before = Snapshot.take()
                outcome = _load([u for u, _ in servers], key, token, args.clients, args.seconds)
                cpu = [_cpu_s(pid) - b for (_, pid), b in zip(servers, cpu_before, strict=True)]
                client_cpu = time.process_time() - client_before
                ours = {os.getpid(), *(pid for _, pid in servers)}
                elsewhere[count] = usage(machine_before, Snapshot.take(), exclude=ours)
                results[count] = (outcome, [_peak_rss_mb(pid) for _, pid in servers])
                spent[count] = (cpu, client_cpu)
                if count == 1:
                    ask = _workbench_asker(servers[0][0], token)
                    sequential = _sequential(ask, home / "demo.duckdb", args.rounds)
        larger: list[tuple[str, float, float]] = []
        if args.large_scale:  # the same face and questions, on the larger data
            with _servers(env | {"PARLEY_WORKBENCH_APP": "large"}, 1, home) as servers:
                ask = _workbench_asker(servers[0][0], token)
                larger = _sequential(ask, large, args.rounds)
        print(f"{args.clients} clients, {args.seconds:.0f} s each, store {args.store}, "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        print(f"{'processes':<10}{'turns/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
              f"{'errors':>8}   peak RSS MB")  # fmt: skip
        for count, (outcome, rss) in results.items():
            lat = outcome.latencies
            print(f"{count:<10}{len(lat) / args.seconds:>9.1f}{_percentile(lat, 0.5):>9.0f}"
                  f"{_percentile(lat, 0.95):>9.0f}{_percentile(lat, 0.99):>9.0f}"
                  f"{sum(outcome.errors.values()):>8}   "
                  f"{', '.join(f'{r:.0f}' for r in rss)}"
                  f"{'  ' + str(outcome.errors) if outcome.errors else ''}")  # fmt: skip
        # On a machine with few cores the servers, this client and the store compete: the
        # CPU they used says whether a second process had a core to run on.
        for count, (cpu, client_cpu) in spent.items():
            servers_cpu = ", ".join(f"{c / args.seconds:.0%}" for c in cpu)
            turns = len(results[count][0].latencies)
            per_turn = f"{sum(cpu) / turns * 1000:.1f} ms" if turns else "-"
            print(f"CPU with {count}: servers {servers_cpu} of a core ({per_turn} a turn), "
                  f"this client {client_cpu / args.seconds:.0%}")  # fmt: skip
            print(_elsewhere(elsewhere[count], sum(cpu) + client_cpu, args.seconds))
        one, two = (len(results[n][0].latencies) for n in (1, 2))
        print(f"2 processes / 1 process throughput: {two / one:.2f}x" if one else "")
        _ratios("demo, one client", sequential)
        if larger:
            _ratios(f"demo x{args.large_scale:g}, one client", larger)


if __name__ == "__main__":
    main()
