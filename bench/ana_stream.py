"""How the Ana stream arrives: time to the first block, to the OntologyBlock that says the
SQL has run, and to ``done``, seen by an SSE client over a real socket.

Serves Parley (demo data) with uvicorn on a free port and asks each question with
httpx-sse, measuring from the request to:
  - the first block (sent when the query is read, before its SQL is run),
  - the OntologyBlock's ``complete: true`` version (the SQL has run),
  - ``message: "done"`` (the answer and its blocks are stored).

    python bench/ana_stream.py [--repeat 5] [--home DIR]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from httpx_sse import connect_sse
from rich.console import Console
from rich.table import Table

from parley.api.app import create_app
from parley.conversations.installation import Parley

QUESTIONS = (
    "top 10 customers by revenue last month",
    "revenue by month this year",
    "revenue by category and channel",
    "number of orders by status",
    "weekly revenue last 90 days",
    "how many distinct customers ordered last month",
)
MEASURES = ("first block", "SQL has run", "done")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(parley: Parley) -> tuple[uvicorn.Server, str]:
    port = free_port()
    config = uvicorn.Config(create_app(parley), port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("uvicorn did not start")
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port}"


def one_answer(client: httpx.Client, key: str, question: str) -> dict[str, float]:
    """Milliseconds from the request to each measured moment of one answer."""
    times: dict[str, float] = {}
    started = time.perf_counter()
    params = {"query": question, "dataset": "demo"}
    headers = {"Authorization": f"Bearer {key}"}
    with connect_sse(client, "GET", "/api/ana", params=params, headers=headers) as source:
        for sse in source.iter_sse():
            now = (time.perf_counter() - started) * 1000
            if sse.event == "block":
                block = sse.json()
                times.setdefault("first block", now)
                if block["tag"] == "OntologyBlock" and block["contents"]["result"]["complete"]:
                    times.setdefault("SQL has run", now)
            elif sse.event == "message":
                times["done"] = now
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--home", type=Path, help="Parley home to reuse (demo data kept)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="parley-ana-bench-"))
    parley = Parley.open(home)
    key, _ = parley.create_api_key("ana-bench")
    server, base = serve(parley)
    samples: dict[str, dict[str, list[float]]] = {q: {m: [] for m in MEASURES} for q in QUESTIONS}
    before_sql = 0
    answers = 0
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for question in QUESTIONS:
                one_answer(client, key, question)  # warm: parser, statement cache, pandas
            for _ in range(args.repeat):
                for question in QUESTIONS:
                    times = one_answer(client, key, question)
                    answers += 1
                    before_sql += times["first block"] < times.get("SQL has run", 0)
                    for measure in MEASURES:
                        if measure in times:
                            samples[question][measure].append(times[measure])
    finally:
        server.should_exit = True
        parley.close()
    table = Table(title=f"Ana stream over a socket, median of {args.repeat} (ms)")
    table.add_column("question")
    for measure in MEASURES:
        table.add_column(measure, justify="right")
    for question, measured in samples.items():
        table.add_row(
            question, *(f"{statistics.median(measured[m]):.1f}" for m in MEASURES)
        )
    console = Console()
    console.print(table)
    console.print(f"first block before the SQL had run: {before_sql} of {answers} answers")


if __name__ == "__main__":
    main()
