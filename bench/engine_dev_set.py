"""Measure the built-in engine on the development set: many databases nobody on the team wrote.

    python bench/engine_dev_set.py [--half dev|test|all] [--sample N] [--db NAME]
                                   [--verbose] [--json PATH] [--workers N]

The development set is the public Spider 1.0 training split (natural questions with gold
SQL over SQLite databases), read from ``PARLEY_DEV_SET`` (default
``../shared/data/spider-train`` next to the checkout); it is never copied into the
repository. Its databases are split in two halves by a fixed hash of their names: ``dev``
is studied, ``test`` is only measured (see docs/accuracy.md).

Each database is connected, introspected and given its derived ontology exactly as
``parley source add`` does; each question is one engine turn with no conversation. The
answer counts as **correct** when its rows hold the gold result (every gold column matched
by a distinct answer column, rows as a multiset, or in order when the gold SQL orders its
result; extra answer columns are allowed, as in tests/questions/harness.py), **wrong**
when it answered with anything else, **declined** when it asked back or said it could not
answer. The strict figure also requires exactly the gold's columns (the public scorer's
rule, any column order).

Figures are printed overall, for the *analytics* questions (gold SQL with an aggregate,
a GROUP BY or a top-N, and no set operation) and per SQL shape. Always exits 0: this is
a measurement, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import re
import sqlite3
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "questions"))

from harness import match_rows  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "spider-train"
OUTCOMES = ("correct", "wrong", "declined")
DECLINING = frozenset({"clarification", "out_of_scope"})
#: Fixed so that a re-run reads relative dates the same way (the set has few of them).
TODAY = dt.date(2026, 12, 1)
_SPLIT_SALT = "parley-split:"


# --------------------------------------------------------------------------- the set


def half_of(db_id: str) -> str:
    """The half a database belongs to: a fixed hash of its name, about 50/50.

    >>> half_of("department_management") in {"dev", "test"}
    True
    """
    digest = hashlib.sha256((_SPLIT_SALT + db_id).encode()).hexdigest()
    return "dev" if int(digest, 16) % 2 == 0 else "test"


def _strip_literals(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", "''", sql)


def _top_level(sql: str) -> str:
    depth, kept = 0, []
    for char in _strip_literals(sql):
        if char == ")":
            depth -= 1
        if depth == 0:
            kept.append(char)
        if char == "(":
            depth += 1
    return "".join(kept)


#: (shape, where to look: the whole statement or its top level only, pattern)
_SHAPE_PATTERNS = (
    ("set_operation", "statement", r"\b(union|intersect|except)\b"),
    ("nested", "statement", r"\(\s*select\b"),
    ("aggregate", "top", r"\b(count|sum|avg|min|max)\s*\("),
    ("group_by", "top", r"\bgroup\s+by\b"),
    ("having", "top", r"\bhaving\b"),
    ("ordered_list", "top", r"\border\s+by\b"),
    ("join", "top", r"\bjoin\b"),
    ("filter", "top", r"\bwhere\b"),
)


def shapes_of(sql: str) -> list[str]:
    """The SQL shapes a gold statement has (a question counts under each of them).

    >>> shapes_of("SELECT count(*) FROM head WHERE age > 56")
    ['aggregate', 'filter', 'single_table']
    >>> shapes_of("SELECT name FROM a JOIN b ON a.id = b.id ORDER BY x DESC LIMIT 1")
    ['top_n', 'join']
    """
    scopes = {"statement": _strip_literals(sql).lower(), "top": _top_level(sql).lower()}
    shapes = [name for name, scope, pattern in _SHAPE_PATTERNS
              if re.search(pattern, scopes[scope])]
    if "ordered_list" in shapes and re.search(r"\blimit\b", scopes["top"]):
        shapes[shapes.index("ordered_list")] = "top_n"
    if not {"join", "nested", "set_operation"} & set(shapes):
        shapes.append("single_table")
    return shapes


def is_analytics(shapes: Iterable[str]) -> bool:
    """Gold with an aggregate, a GROUP BY or a top-N and no set operation."""
    found = set(shapes)
    return bool(found & {"aggregate", "group_by", "top_n"}) and "set_operation" not in found


@dataclass(slots=True)
class Result:
    id: str
    db_id: str
    question: str
    gold_sql: str
    shapes: list[str]
    outcome: str
    strict: bool
    detail: str
    intent: str = ""
    sql: str | None = None
    #: Wrong only because the gold's LIMIT cuts through rows tied on its ORDER BY, and
    #: the answer kept other tied rows than the gold did (see ``cut_through_a_tie``).
    tie: bool = False


# --------------------------------------------------------------------------- running


def _gold(path: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        cursor = connection.execute(sql)
        return [d[0] for d in cursor.description or ()], [tuple(r) for r in cursor.fetchall()]
    finally:
        connection.close()


def cut_through_a_tie(
    path: Path, sql: str, columns: list[str], rows: list[list[Any]]
) -> bool:
    """Whether the answer is the gold's own answer but for which tied rows its LIMIT kept.

    "The state with the most customers" where two states have the most: the gold keeps
    whichever row its engine met first. The gold is run again without its LIMIT and with
    its ORDER BY keys shown; the answer counts as such a tie when it holds every row
    ranked above the cut and the rest from the rows tied at it.
    """
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return False
    limit, order = tree.args.get("limit"), tree.args.get("order")
    if not isinstance(tree, exp.Select) or limit is None or order is None:
        return False
    if tree.args.get("distinct") is not None:
        return False
    try:
        cut = int(limit.expression.name)
    except (AttributeError, ValueError):
        return False
    width = len(tree.expressions)
    full = tree.copy()
    full.set("limit", None)
    for index, key in enumerate(order.expressions):
        full = full.select(exp.alias_(key.this.copy(), f"tie_key_{index}"))
    try:
        gold_columns, every = _gold(path, full.sql(dialect="sqlite"))
    except sqlite3.Error:
        return False
    if len(every) <= cut or cut < 1:
        return False
    at_cut = every[cut - 1][width:]
    above = [row[:width] for row in every[:cut] if row[width:] != at_cut]
    tied = [row[:width] for row in every if row[width:] == at_cut]
    need = cut - len(above)
    if len(tied) <= need:
        return False
    for count, chosen in enumerate(itertools.combinations(tied, need)):
        if count >= 200:
            break
        if match_rows(gold_columns[:width], [*above, *chosen], columns, rows,
                      ordered=False).ok:
            return True
    return False


def _strictly_equal(gold: list[tuple[Any, ...]], rows: list[list[Any]], width: int) -> bool:
    """The public scorer's rule: exactly the gold's columns (any order), same rows."""
    if not gold:
        return not rows
    return bool(rows) and len(rows[0]) == width


def _ordered(sql: str) -> bool:
    return re.search(r"\border\s+by\b", _top_level(sql), re.IGNORECASE) is not None


def run_database(data: str, db_id: str, questions: list[dict[str, Any]]) -> list[Result]:
    """Every question of one database, asked of a fresh engine over it."""
    from parley.engine.events import Done
    from parley.engine.nl.parser import Parser
    from parley.engine.orchestrator import TurnContext, Workspace, run_turn
    from parley.engine.semantic.derive import derive_ontology
    from parley.sources.connect import connect

    warnings.simplefilter("ignore")  # SQLAlchemy's notes on odd SQLite schemas
    path = Path(data) / "database" / db_id / f"{db_id}.sqlite"
    source = connect(f"sqlite:///{path}", name=db_id)
    ontology = derive_ontology(source.introspect(), source=db_id)
    workspace = Workspace(name=db_id, ontology=ontology, parser=Parser(ontology), source=source)
    results: list[Result] = []
    for item in questions:
        shapes = shapes_of(item["gold_sql"])
        result = Result(item["id"], db_id, item["question"], item["gold_sql"], shapes,
                        "declined", False, "")
        try:
            answer = None
            for event in run_turn(workspace, item["question"], TurnContext(today=TODAY)):
                if isinstance(event, Done):
                    answer = event.answer
        except Exception as error:  # a crash is a wrong answer, and worth seeing
            result.outcome, result.detail = "wrong", f"crash: {type(error).__name__}: {error}"
            results.append(result)
            continue
        assert answer is not None
        result.intent, result.sql = answer.intent, answer.sql
        if answer.intent in DECLINING or answer.sql is None:
            result.detail = answer.text[:200]
        elif answer.error_code:
            result.outcome, result.detail = "wrong", f"error: {answer.text[:200]}"
        else:
            columns, gold = _gold(path, item["gold_sql"])
            match = match_rows(columns, gold, answer.columns, answer.rows,
                               ordered=_ordered(item["gold_sql"]), truncated=answer.truncated)
            result.outcome = "correct" if match.ok else "wrong"
            result.detail = match.detail
            if not match.ok:
                result.tie = cut_through_a_tie(path, item["gold_sql"], answer.columns,
                                               answer.rows)
            result.strict = match.ok and _strictly_equal(gold, answer.rows, len(columns))
        results.append(result)
    source.close()
    return results


def load_questions(data: Path, half: str, db: str | None) -> dict[str, list[dict[str, Any]]]:
    by_db: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with (data / "questions.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if db and item["db_id"] != db:
                continue
            if half != "all" and half_of(item["db_id"]) != half:
                continue
            by_db[item["db_id"]].append(item)
    return dict(by_db)


def sample(by_db: dict[str, list[dict[str, Any]]], size: int) -> dict[str, list[dict[str, Any]]]:
    """A fixed random sample of ``size`` questions, spread over the databases."""
    everything = [item for items in by_db.values() for item in items]
    picked = random.Random(7).sample(everything, min(size, len(everything)))
    chosen = {item["id"] for item in picked}
    return {db: kept for db, items in by_db.items()
            if (kept := [i for i in items if i["id"] in chosen])}


# --------------------------------------------------------------------------- report


def _line(label: str, counts: Counter[str], width: int = 26) -> str:
    total = sum(counts.values())
    if not total:
        return f"{label:<{width}} {0:>5}"
    cells = " ".join(f"{100 * counts[o] / total:6.1f}%" for o in OUTCOMES)
    answered = counts["correct"] + counts["wrong"]
    precision = f"{100 * counts['correct'] / answered:6.1f}%" if answered else "     -"
    return f"{label:<{width}} {total:>5} {cells} {precision}"


def report(results: list[Result]) -> str:
    header = f"{'':<26} {'n':>5} {'correct':>7} {'wrong':>7} {'declined':>7} {'precision':>9}"
    lines = [header]
    overall: Counter[str] = Counter(r.outcome for r in results)
    analytics = [r for r in results if is_analytics(r.shapes)]
    lines.append(_line("all questions", overall))
    lines.append(_line("analytics questions", Counter(r.outcome for r in analytics)))
    strict = sum(r.strict for r in results)
    lines.append(f"{'  strict columns, all':<26} {len(results):>5} "
                 f"{100 * strict / max(len(results), 1):6.1f}% correct")
    strict_a = sum(r.strict for r in analytics)
    lines.append(f"{'  strict columns, analytics':<26} {len(analytics):>5} "
                 f"{100 * strict_a / max(len(analytics), 1):6.1f}% correct")
    for label, group in (("all", results), ("analytics", analytics)):
        ties = sum(r.tie for r in group)
        wrong = sum(r.outcome == "wrong" for r in group)
        lines.append(f"{'  wrong by a tie, ' + label:<26} {len(group):>5} "
                     f"{100 * ties / max(len(group), 1):6.1f}% ({ties} of {wrong} wrong: the "
                     f"gold's LIMIT cuts rows tied on its ORDER BY)")
    lines.append("per SQL shape (a question counts under each of its shapes):")
    by_shape: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        for shape in r.shapes:
            by_shape[shape][r.outcome] += 1
    for shape in sorted(by_shape):
        lines.append(_line(f"  {shape}", by_shape[shape]))
    return "\n".join(lines)


def _print_misses(results: list[Result], outcome: str) -> None:
    for r in results:
        if r.outcome != outcome:
            continue
        print(f"--- {r.outcome} {r.id} [{r.db_id}] {','.join(r.shapes)}")
        print(f"Q: {r.question}")
        print(f"gold: {r.gold_sql}")
        if r.sql:
            print("ours: " + " ".join(r.sql.split()))
        print(f"detail: {r.detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--half", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--sample", type=int, default=0, help="ask only N questions (fixed seed)")
    parser.add_argument("--db", help="only this database")
    parser.add_argument("--verbose", choices=["wrong", "declined", "correct"], nargs="*",
                        help="print the questions with these outcomes")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    data = Path(os.environ.get("PARLEY_DEV_SET", DEFAULT_DATA)).resolve()
    if not (data / "questions.jsonl").exists():
        print(f"no development set at {data}; set PARLEY_DEV_SET")
        return 0
    by_db = load_questions(data, args.half, args.db)
    if args.sample:
        by_db = sample(by_db, args.sample)
    started = time.perf_counter()
    results: list[Result] = []
    jobs = sorted(by_db.items(), key=lambda kv: -len(kv[1]))
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = [pool.submit(run_database, str(data), db, items) for db, items in jobs]
        for future in futures:
            results.extend(future.result())
    elapsed = time.perf_counter() - started
    results.sort(key=lambda r: r.id)
    for outcome in args.verbose or ():
        _print_misses(results, outcome)
    print(f"half {args.half}: {len(results)} questions over {len(by_db)} databases "
          f"in {elapsed:.0f}s")
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
