"""Measure the built-in question engine on the question sets in tests/questions/.

    python bench/engine_accuracy.py [--set NAME|tuned|holdout|blind|all] [--verbose]
                                    [--only TEXT] [--json PATH]
                                    [--provider URL --model NAME [--share LIST]
                                     [--response-format json_schema|json_object]]

Builds a fresh Parley home in a temporary directory (demo data included), adds each set's
database as a source with its own application, asks every question and prints, per kind,
how many answers were correct, wrong and declined. The sets: ``demo`` and ``hr`` (tuned),
``demo_holdout`` and ``logistics`` (held out), ``saas``, ``inventory``, ``marketing``,
``veterinary``, ``demo_business``, ``dealership``, ``railway`` and ``league`` (blind). See
docs/accuracy.md.
With ``--provider`` (an OpenAI-compatible endpoint; its key in ``PARLEY_LLM_API_KEY``) the
sets are asked three times, by the built-in engine, by the language model alone and by the
two together (the model asked only when the engine declines), and the paths are printed side
by side with the time per question of each. See docs/llm.md.
Always exits 0: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "questions"
sys.path[:0] = [str(QUESTIONS), str(QUESTIONS / "holdout"), str(QUESTIONS / "blind"),
                str(QUESTIONS / "blind2"), str(QUESTIONS / "blind3"), str(QUESTIONS / "blind4"),
                str(QUESTIONS / "blind6"), str(QUESTIONS / "blind7"), str(QUESTIONS / "blind8")]

from dealership_dataset import create_dealership_database  # noqa: E402
from harness import (  # noqa: E402
    Case,
    DuckDBReference,
    Reference,
    SQLiteReference,
    TurnResult,
    load_cases,
    run_case,
    tally,
)
from hr_dataset import create_hr_database  # noqa: E402
from inventory_dataset import create_inventory_database  # noqa: E402
from league_dataset import create_league_database  # noqa: E402
from logistics_dataset import create_logistics_database  # noqa: E402
from marketing_dataset import create_marketing_database  # noqa: E402
from mysql_reference import MySQLReference  # noqa: E402
from pg_reference import PostgresReference  # noqa: E402
from railway_dataset import create_railway_database  # noqa: E402
from saas_dataset import create_saas_database  # noqa: E402
from veterinary_dataset import create_veterinary_database  # noqa: E402

#: set name -> question file
SETS = {
    "demo": QUESTIONS / "demo.yaml",
    "hr": QUESTIONS / "hr.yaml",
    "demo_holdout": QUESTIONS / "holdout" / "demo_holdout.yaml",
    "logistics": QUESTIONS / "holdout" / "logistics.yaml",
    "saas": QUESTIONS / "blind" / "saas.yaml",
    "inventory": QUESTIONS / "blind2" / "inventory.yaml",
    "marketing": QUESTIONS / "blind3" / "marketing.yaml",
    "veterinary": QUESTIONS / "blind4" / "veterinary.yaml",
    "demo_business": QUESTIONS / "blind5" / "demo_business.yaml",
    "dealership": QUESTIONS / "blind6" / "dealership.yaml",
    "railway": QUESTIONS / "blind7" / "railway.yaml",
    "league": QUESTIONS / "blind8" / "league.yaml",
}
GROUPS = {
    "tuned": ("demo", "hr"),
    "holdout": ("demo_holdout", "logistics"),
    "blind": ("saas",),
    "blind2": ("inventory",),
    "blind3": ("marketing",),
    "blind4": ("veterinary",),
    "blind5": ("demo_business",),
    "blind6": ("dealership",),
    "blind7": ("railway",),
    "blind8": ("league",),
    "all": tuple(SETS),
}
OUTCOMES = ("correct", "wrong", "declined")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", choices=[*SETS, *GROUPS], default="tuned", dest="which")
    parser.add_argument("--verbose", action="store_true", help="list every miss with details")
    parser.add_argument("--only", default="", help="run only cases whose id contains this")
    parser.add_argument("--json", type=Path, help="also write the per-turn results here")
    parser.add_argument("--provider", help="an OpenAI-compatible base URL to compare with")
    parser.add_argument("--model", default="", help="the model to ask at --provider")
    parser.add_argument("--share", default="schema", help="the data-sharing policy")
    parser.add_argument("--response-format", default="json_schema",
                        choices=("json_schema", "json_object"))
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per question")
    args = parser.parse_args(argv)
    if args.provider:
        return _compare_paths(args)
    console = Console()
    try:
        # Imported late so that a missing or broken core still gives a readable message.
        parley_class = importlib.import_module("parley.conversations.installation").Parley
    except ImportError as error:
        console.print(f"[red]cannot import parley.conversations.installation: {error}[/red]")
        return 0

    today = dt.date.today()
    names = GROUPS.get(args.which, (args.which,))
    results: dict[str, list[TurnResult]] = {}
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as directory:
        home = Path(directory) / "home"
        home.mkdir()
        os.environ["PARLEY_HOME"] = str(home)
        started = time.perf_counter()
        parley = parley_class.open(home)
        console.print(f"Parley home ready in {time.perf_counter() - started:.1f}s")
        for name in names:
            cases = [c for c in load_cases(SETS[name], today=today) if args.only in c.id]
            app, reference = _prepare(name, parley, home, today)
            started = time.perf_counter()
            results[name] = _run(parley, cases, app, reference, console)
            elapsed = time.perf_counter() - started
            asked = len(results[name])
            console.print(f"{name}: {asked} questions in {elapsed:.1f}s "
                          f"({1000 * elapsed / max(asked, 1):.0f} ms each)")
            if isinstance(reference, DuckDBReference):
                reference.close()
        parley.close()

    for name, turns in results.items():
        console.print(_kind_table(f"set {name}", turns))
    if len(results) > 1:
        console.print(_set_table(results))
    console.print(_set_table(results, follow_ups=True))
    if args.verbose:
        for turns in results.values():
            _print_misses(console, turns)
    if args.json:
        args.json.write_text(json.dumps(_as_json(results), indent=2, default=str))
    return 0


#: The paths --provider compares: (name, provider on, provider only).
PATHS = (("built-in", False, False), ("provider", True, True), ("together", True, False))


def _compare_paths(args: argparse.Namespace) -> int:
    """Every set asked by each path; one table of outcomes and time per question."""
    console = Console()
    from parley.conversations.installation import Parley
    from parley.engine.provider import OpenAICompatible, Sharing

    provider = OpenAICompatible(
        base_url=args.provider,
        model=args.model,
        api_key=os.environ.get("PARLEY_LLM_API_KEY", ""),
        timeout_s=args.timeout,
        sharing=Sharing.parse(args.share),
        response_format=args.response_format,
    )
    today = dt.date.today()
    names = GROUPS.get(args.which, (args.which,))
    table = Table(title=f"paths compared ({args.model} at {args.provider})")
    for column in ("path", "set", "n", *(f"{o} %" for o in OUTCOMES), "ms/q",
                   "by model"):
        table.add_column(column, justify="left" if column in ("path", "set") else "right")
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as directory:
        home = Path(directory) / "home"
        home.mkdir()
        os.environ["PARLEY_HOME"] = str(home)
        parley = Parley.open(home)
        prepared = {name: _prepare(name, parley, home, today) for name in names}
        for path, uses_provider, only in PATHS:
            parley.provider = provider if uses_provider else None
            parley.provider_only = only
            for name in names:
                app, reference = prepared[name]
                cases = [c for c in load_cases(SETS[name], today=today) if args.only in c.id]
                started = time.perf_counter()
                turns = _run(parley, cases, app, reference, console)
                elapsed = time.perf_counter() - started
                counts: Counter[str] = Counter(t.outcome for t in turns)
                by_model = sum(
                    1 for t in turns
                    if t.answer is not None and "llm_provider" in t.answer.agents_visited
                    and t.answer.sql
                )
                total = len(turns)
                table.add_row(path, name, str(total),
                              *(_percent(counts[o], total) for o in OUTCOMES),
                              f"{1000 * elapsed / max(total, 1):.0f}", str(by_model))
            table.add_section()
        for reference in {id(r): r for _, r in prepared.values()}.values():
            if isinstance(reference, DuckDBReference):
                reference.close()
        parley.close()
    console.print(table)
    return 0


def _prepare(name: str, parley: Any, home: Path, today: dt.date) -> tuple[str, Reference]:
    """The application a set is asked of, and the reference its expected rows come from."""
    if name in {"demo", "demo_holdout", "demo_business"}:
        return "demo", DuckDBReference(home / "demo.duckdb")
    if name == "inventory":
        # PostgreSQL: a dedicated database on the local server, refilled for today.
        url = "postgresql://postgres@127.0.0.1:5432/parley_inventory_bench"
        create_inventory_database(url, today=today)
        parley.add_source(url, name=name)
        parley.create_application(name, source=name)
        return name, PostgresReference(url)
    if name == "marketing":
        # MariaDB: a dedicated database on the local server, refilled for today.
        url = "mysql://root@127.0.0.1:3306/parley_marketing_bench"
        create_marketing_database(url, today=today)
        parley.add_source(url, name=name)
        parley.create_application(name, source=name)
        return name, MySQLReference(url)
    if name == "logistics":
        path = home / "logistics.duckdb"
        create_logistics_database(path, today=today)
        url = f"duckdb:///{path}"
    elif name == "railway":
        # Fixed years (2023 and 2024): the railway's data does not depend on the day.
        path = home / f"{name}.db"
        create_railway_database(path)
        url = f"sqlite:///{path}"
    elif name == "league":
        # Fixed seasons (2022 to 2024): the league's data does not depend on the day.
        path = home / f"{name}.db"
        create_league_database(path)
        url = f"sqlite:///{path}"
    else:
        path = home / f"{name}.db"
        create = {"hr": create_hr_database, "veterinary": create_veterinary_database,
                  "dealership": create_dealership_database}.get(name, create_saas_database)
        create(path, today=today)
        url = f"sqlite:///{path}"
    parley.add_source(url, name=name)
    parley.create_application(name, source=name)
    if name == "logistics":
        return name, DuckDBReference(path)
    return name, SQLiteReference(path)


def _run(parley: Any, cases: list[Case], app: str, reference: Reference,
         console: Console) -> list[TurnResult]:
    turns: list[TurnResult] = []
    with console.status(f"asking {app} questions") as status:
        for number, case in enumerate(cases, 1):
            status.update(f"{app}: case {number}/{len(cases)} {case.id}")
            turns.extend(run_case(parley, case, app, reference).turns)
    return turns


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def _kind_table(title: str, turns: list[TurnResult]) -> Table:
    table = Table(title=title)
    table.add_column("kind")
    table.add_column("n", justify="right")
    for outcome in OUTCOMES:
        table.add_column(f"{outcome} %", justify="right")
    by_kind = tally(turns)
    for kind in sorted(by_kind):
        _add_row(table, kind, by_kind[kind])
    total: Counter[str] = Counter(t.outcome for t in turns)
    table.add_section()
    _add_row(table, "total", total)
    return table


def _set_table(results: dict[str, list[TurnResult]], *, follow_ups: bool = False) -> Table:
    """Per set; with ``follow_ups``, only the turns that continue a conversation (scored
    apart: a follow-up is read against the conversation so far)."""
    table = Table(title="follow-up turns of conversations" if follow_ups else "all sets")
    table.add_column("set")
    table.add_column("n", justify="right")
    for outcome in OUTCOMES:
        table.add_column(f"{outcome} %", justify="right")
    overall: Counter[str] = Counter()
    for name, turns in results.items():
        counts: Counter[str] = Counter(
            t.outcome for t in turns if not follow_ups or t.kind == "followup"
        )
        overall += counts
        _add_row(table, name, counts)
    table.add_section()
    _add_row(table, "overall", overall)
    return table


def _add_row(table: Table, label: str, counts: Counter[str]) -> None:
    total = sum(counts.values())
    table.add_row(label, str(total), *(_percent(counts[o], total) for o in OUTCOMES))


def _print_misses(console: Console, turns: list[TurnResult]) -> None:
    for turn in turns:
        if turn.outcome == "correct":
            continue
        colour = "red" if turn.outcome == "wrong" else "yellow"
        console.rule(f"[{colour}]{turn.outcome}[/{colour}] {turn.case_id} ({turn.kind})")
        console.print(f"question: {turn.question}", markup=False)
        console.print(f"detail:   {turn.detail}", markup=False)
        if turn.expected is not None:
            console.print(f"expected: {turn.expected.columns} {turn.expected.rows[:3]}",
                          markup=False)
        if turn.expect is not None:
            console.print(f"expected: {turn.expect}", markup=False)
        answer = turn.answer
        if answer is not None:
            chart = getattr(answer.chart, "type", None)
            console.print(f"actual:   intent={answer.intent} chart={chart} "
                          f"{answer.columns} {answer.rows[:3]}", markup=False)
            if answer.sql:
                console.print(answer.sql, markup=False)
            elif answer.text:
                console.print(f"text:     {answer.text[:300]}", markup=False)


def _as_json(results: dict[str, list[TurnResult]]) -> dict[str, Any]:
    return {
        name: [
            {
                "case": t.case_id, "kind": t.kind, "question": t.question,
                "outcome": t.outcome, "detail": t.detail,
                "sql": getattr(t.answer, "sql", None),
                "text": getattr(t.answer, "text", None),
            }
            for t in turns
        ]
        for name, turns in results.items()
    }


if __name__ == "__main__":
    sys.exit(main())
