"""The guard on real analysts' statements: how many harmless queries does the allow-list refuse?

Reads the development set's gold SQL (``../shared/data/spider-train``, not part of the
repository), guards every statement in SQLite with the schema of its database, runs what
passes on that database, and prints how many were accepted, refused (by reason) and failed
to run after guarding. Every gold statement is a plain read-only query, so every refusal is
a false refusal: this is the allow-list's cost, and the figure to drive toward zero.

    python bench/guard_real_statements.py [--data DIR] [--show N]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sqlite3
import time
from pathlib import Path

from parley.engine.guard import guard_sql
from parley.errors import GuardRejected

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "spider-train"


def schemas(data: Path) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for db in json.loads((data / "tables.json").read_text()):
        tables: dict[str, list[str]] = {name: [] for name in db["table_names_original"]}
        names = db["table_names_original"]
        for index, column in db["column_names_original"]:
            if index >= 0:
                tables[names[index]].append(column)
        found[db["db_id"]] = tables
    return found


def reason(message: str) -> str:
    # The refusal without the names it quotes: one line per kind of refusal.
    return re.sub(r"^(table function|function|table|view) \S+", r"\1 <name>", message)[:90]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", type=int, default=3, help="examples printed per reason")
    args = parser.parse_args()
    schema_of = schemas(args.data)
    questions = [json.loads(line) for line in (args.data / "questions.jsonl").open()]
    accepted = failed = 0
    refused: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    guard_seconds = 0.0
    connections: dict[str, sqlite3.Connection] = {}
    for item in questions:
        db = item["db_id"]
        started = time.perf_counter()
        try:
            guarded = guard_sql(
                item["gold_sql"], "sqlite", max_rows=1000, table_columns=schema_of[db]
            )
        except GuardRejected as error:
            guard_seconds += time.perf_counter() - started
            why = reason(error.message)
            refused[why] += 1
            if len(examples[why]) < args.show:
                examples[why].append(item["gold_sql"])
            continue
        guard_seconds += time.perf_counter() - started
        if db not in connections:
            path = args.data / "database" / db / f"{db}.sqlite"
            connections[db] = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connections[db].execute(guarded.sql).fetchall()
            accepted += 1
        except sqlite3.Error:
            failed += 1
    total = len(questions)
    print(f"statements: {total:,}   guard time: {guard_seconds * 1000 / total:.2f} ms each")
    print(f"accepted and ran: {accepted:,}   refused: {sum(refused.values()):,}   "
          f"accepted but failed to run: {failed:,}")
    for why, count in refused.most_common():
        print(f"  {count:5}  {why}")
        for sql in examples[why]:
            print(f"           {sql[:140]}")


if __name__ == "__main__":
    main()
