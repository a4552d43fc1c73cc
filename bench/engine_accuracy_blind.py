"""Measure the built-in question engine on the blind question set.

    python bench/engine_accuracy_blind.py [--verbose] [--only TEXT] [--json PATH]

The blind set (tests/questions/blind/saas.yaml) asks new questions of a fourth database, a
B2B SaaS subscription business in SQLite, written without the engine's code, the tuned sets
or the held-out sets in view. Builds a fresh Parley home in a temporary directory, adds the
subscription database as a source with its own application, asks every question and prints,
per kind, how many answers were correct, wrong and declined. See docs/accuracy.md
("Blind set"). Always exits 0: this is a measurement, not a test.
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

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "questions"
BLIND = QUESTIONS / "blind"
sys.path[:0] = [str(QUESTIONS), str(BLIND), str(Path(__file__).resolve().parent)]

# The tables and the miss listing are those of the other benchmarks, so all three read alike.
from engine_accuracy import OUTCOMES, _as_json, _kind_table, _print_misses, _run  # noqa: E402
from harness import SQLiteReference, TurnResult, load_cases, tally  # noqa: E402
from saas_dataset import create_saas_database  # noqa: E402

SET_NAME = "saas"
APP = "saas"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--verbose", action="store_true", help="list every miss with details")
    parser.add_argument("--only", default="", help="run only cases whose id contains this")
    parser.add_argument("--json", type=Path, help="also write the per-turn results here")
    args = parser.parse_args(argv)
    console = Console()
    try:
        # Imported late so that a missing or broken core still gives a readable message.
        parley_class = importlib.import_module("parley.core").Parley
    except ImportError as error:
        console.print(f"[red]cannot import parley.core: {error}[/red]")
        return 0

    today = dt.date.today()
    cases = [c for c in load_cases(BLIND / f"{SET_NAME}.yaml", today=today) if args.only in c.id]
    with tempfile.TemporaryDirectory(prefix="parley-blind-") as directory:
        home = Path(directory) / "home"
        home.mkdir()
        os.environ["PARLEY_HOME"] = str(home)
        started = time.perf_counter()
        parley = parley_class.open(home)
        path = home / "saas.db"
        create_saas_database(path, today=today)
        parley.add_source(f"sqlite:///{path}", name=APP)
        parley.create_application(APP, source=APP)
        console.print(f"Parley home ready in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        turns = _run(parley, cases, APP, SQLiteReference(path), console)
        elapsed = time.perf_counter() - started
        console.print(f"{SET_NAME}: {len(turns)} questions in {elapsed:.1f}s "
                      f"({1000 * elapsed / max(len(turns), 1):.0f} ms each)")
        parley.close()

    console.print(_kind_table(f"blind set {SET_NAME}", turns))
    console.print(_count_table(turns))
    if args.verbose:
        _print_misses(console, turns)
    if args.json:
        args.json.write_text(json.dumps(_as_json({SET_NAME: turns}), indent=2, default=str))
    return 0


def _count_table(turns: list[TurnResult]) -> Table:
    """Counts rather than shares: on a set this size one turn moves a kind by a third."""
    table = Table(title=f"blind set {SET_NAME}: correct / wrong / declined turns")
    table.add_column("kind")
    for outcome in OUTCOMES:
        table.add_column(outcome, justify="right")
    by_kind = tally(turns)
    for kind in sorted(by_kind):
        table.add_row(kind, *(str(by_kind[kind][o]) for o in OUTCOMES))
    total: Counter[str] = Counter(t.outcome for t in turns)
    table.add_section()
    table.add_row("total", *(str(total[o]) for o in OUTCOMES))
    return table


if __name__ == "__main__":
    sys.exit(main())
