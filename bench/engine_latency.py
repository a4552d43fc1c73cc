"""Latency of the built-in engine on the demo data, next to the bare query on DuckDB.

Prints p50/p95 of:
  - understanding + compilation alone (question -> SemanticQuery -> SQL),
  - a whole engine turn (understand, compile, guard, run, chart, insights),
  - a whole stored turn through ``Parley.ask`` (the above plus persistence),
  - the same SQL run directly on DuckDB (a fresh cursor on the same file),
all measured in one run, side by side, and the overhead ratios.

    python bench/engine_latency.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from parley.conversations.installation import Parley
from parley.engine.events import Done
from parley.engine.nl.understanding import Context
from parley.engine.orchestrator import TurnContext, run_turn, statement_for
from parley.engine.semantic.compiler import compile_query
from parley.store import catalog

QUESTIONS = (
    "top 10 customers by revenue last month",
    "revenue by customer region this year",
    "revenue by month in 2025",
    "how many orders last month",
    "average order value by segment",
    "number of orders by status",
    "top 5 products by units sold this year",
    "revenue by category and channel",
    "revenue 2024 vs 2025",
    "revenue growth from 2024 to 2025",
    "share of revenue by country",
    "which customers spent more than 100000 this year",
    "revenue from Electronics in Q3 2025",
    "how many distinct customers ordered last month",
    "weekly revenue last 90 days",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each question")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as home:
        parley = Parley.open(Path(home))
        with parley.store.session() as session:
            application = catalog.get_application_by_name(session, parley.organization_id, "demo")
        assert application is not None
        workspace = parley.workspace(application)
        ontology, engine_parser = workspace.ontology, workspace.parser
        sqls = {}
        for question in QUESTIONS:
            understanding = engine_parser.understand(question, context=Context())
            assert understanding.query is not None, question
            guarded, _ = statement_for(workspace, understanding.query)
            sqls[question] = guarded.sql
        # The same settings as Parley's own connection: DuckDB shares one database
        # instance per file and process, so this measures the query, not a cold cache.
        bare_connection = duckdb.connect(
            str(Path(home) / "demo.duckdb"),
            read_only=True,
            config={
                "enable_external_access": False,
                "python_enable_replacements": False,
                "lock_configuration": True,
            },
        )

        samples: dict[str, list[float]] = {
            "understand": [], "cold": [], "engine": [], "ask": [], "bare": []
        }
        ratios_engine: list[float] = []
        ratios_ask: list[float] = []
        order = random.Random(7)
        for _ in range(args.repeat):
            for question in QUESTIONS:
                sql = sqls[question]

                def understand(q: str = question) -> None:
                    engine_parser.forget()
                    found = engine_parser.understand(q, context=Context())
                    assert found.query is not None
                    compile_query(found.query, ontology, dialect="duckdb")

                def engine(q: str = question) -> None:
                    events = list(run_turn(workspace, q, TurnContext()))
                    assert isinstance(events[-1], Done) and events[-1].answer.succeeded

                def cold(q: str = question) -> None:
                    engine_parser.forget()
                    workspace.statements.clear()
                    engine(q)

                def ask(q: str = question) -> None:
                    assert parley.ask(q).answer.succeeded

                def bare(s: str = sql) -> None:
                    bare_connection.cursor().execute(s).fetchall()

                # Side by side, in a random order each time, so that no measure always
                # runs on the caches another one warmed.
                steps: list[tuple[str, Callable[[], None]]] = [
                    ("bare", bare), ("engine", engine), ("ask", ask), ("cold", cold),
                    ("understand", understand),
                ]
                order.shuffle(steps)
                measured = {key: timed(step) for key, step in steps}
                for key, value in measured.items():
                    samples[key].append(value)
                ratios_engine.append(measured["engine"] / measured["bare"])
                ratios_ask.append(measured["ask"] / measured["bare"])
        bare_connection.close()
        parley.close()

    table = Table(title=f"{len(QUESTIONS)} questions x {args.repeat} runs on the demo data (ms)")
    for column in ("measure", "p50", "p95", "mean"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    labels = {
        "understand": "understanding + compilation",
        "cold": "engine turn, nothing remembered",
        "engine": "engine turn (run_turn)",
        "ask": "stored turn (Parley.ask)",
        "bare": "same SQL on DuckDB directly",
    }
    for key, label in labels.items():
        values = samples[key]
        table.add_row(
            label,
            f"{percentile(values, 0.5):.2f}",
            f"{percentile(values, 0.95):.2f}",
            f"{statistics.fmean(values):.2f}",
        )
    console.print(table)
    bare_total = sum(samples["bare"])

    def overhead(key: str) -> str:
        return f"{100 * (sum(samples[key]) - bare_total) / bare_total:+.1f}%"

    console.print(
        "Overhead over the bare query, on the summed times: "
        f"engine turn {overhead('engine')} ({overhead('cold')} with nothing remembered), "
        f"stored turn {overhead('ask')}"
    )
    console.print(
        "Median per-question ratio to the bare query: "
        f"engine turn x{statistics.median(ratios_engine):.2f}, "
        f"stored turn x{statistics.median(ratios_ask):.2f}"
    )


if __name__ == "__main__":
    main()
