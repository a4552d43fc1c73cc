"""Measure the built-in question engine on the held-out question sets.

    python bench/engine_accuracy_holdout.py [--set logistics|demo_holdout|all] [--verbose]
                                            [--only TEXT] [--json PATH]

The held-out sets (tests/questions/holdout/) were written apart from the engine and the
tuned sets: new questions over the demo data, and questions over a fulfilment database the
engine has never seen. Builds a fresh Parley home in a temporary directory, adds the
fulfilment database as a source with its own application, asks every question and prints,
per kind and per set, how many answers were correct, wrong and declined. See
docs/accuracy.md ("Held-out sets"). Always exits 0: this is a measurement, not a test.
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
from pathlib import Path
from typing import Any

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "questions"
HOLDOUT = QUESTIONS / "holdout"
sys.path[:0] = [str(QUESTIONS), str(HOLDOUT), str(Path(__file__).resolve().parent)]

# The tables and the miss listing are those of the tuned-set benchmark, so the two read alike.
from engine_accuracy import (  # noqa: E402
    _as_json,
    _kind_table,
    _print_misses,
    _run,
    _set_table,
)
from harness import DuckDBReference, TurnResult, load_cases  # noqa: E402
from logistics_dataset import create_logistics_database  # noqa: E402

#: set name -> (question file, application the questions are asked of)
SETS = {
    "logistics": (HOLDOUT / "logistics.yaml", "logistics"),
    "demo_holdout": (HOLDOUT / "demo_holdout.yaml", "demo"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all", dest="which")
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
    names = list(SETS) if args.which == "all" else [args.which]
    results: dict[str, list[TurnResult]] = {}
    with tempfile.TemporaryDirectory(prefix="parley-holdout-") as directory:
        home = Path(directory) / "home"
        home.mkdir()
        os.environ["PARLEY_HOME"] = str(home)
        started = time.perf_counter()
        parley = parley_class.open(home)
        console.print(f"Parley home ready in {time.perf_counter() - started:.1f}s")
        for name in names:
            path, app = SETS[name]
            cases = [c for c in load_cases(path, today=today) if args.only in c.id]
            reference = _prepare(name, parley, home, today)
            started = time.perf_counter()
            results[name] = _run(parley, cases, app, reference, console)
            elapsed = time.perf_counter() - started
            asked = len(results[name])
            console.print(f"{name}: {asked} questions in {elapsed:.1f}s "
                          f"({1000 * elapsed / max(asked, 1):.0f} ms each)")
            reference.close()
        parley.close()

    for name, turns in results.items():
        console.print(_kind_table(f"held-out set {name}", turns))
    if len(results) > 1:
        console.print(_set_table(results))
    if args.verbose:
        for turns in results.values():
            _print_misses(console, turns)
    if args.json:
        args.json.write_text(json.dumps(_as_json(results), indent=2, default=str))
    return 0


def _prepare(name: str, parley: Any, home: Path, today: dt.date) -> DuckDBReference:
    if name == "demo_holdout":
        return DuckDBReference(home / "demo.duckdb")
    path = home / "logistics.duckdb"
    create_logistics_database(path, today=today)
    parley.add_source(f"duckdb:///{path}", name="logistics")
    parley.create_application("logistics", source="logistics")
    return DuckDBReference(path)


if __name__ == "__main__":
    sys.exit(main())
