"""Where a stored turn's time goes: the ``parley_turn_stage_duration_seconds`` metric of
one process after a series of turns on the embedded store (SQLite, the demo).

    python bench/turn_stages.py [--turns 40]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from parley import metrics
from parley.conversations.installation import Parley
from parley.conversations.service import collect

QUESTIONS = ("revenue by month", "only for 2025", "by country instead", "total revenue")
STAGES = ("store_question", "prepare", "engine", "store_answer")


def _sums() -> dict[str, tuple[float, float]]:
    totals = {}
    for metric in metrics.TURN_STAGE_SECONDS.collect():
        for sample in metric.samples:
            stage = sample.labels.get("stage", "")
            count, total = totals.get(stage, (0.0, 0.0))
            if sample.name.endswith("_count"):
                count = sample.value
            elif sample.name.endswith("_sum"):
                total = sample.value
            totals[stage] = (count, total)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        parley = Parley.open(Path(home))
        door = parley.conversations
        ref = door.open(parley.principal, face="cli", app="demo")
        collect(door.turn(ref, QUESTIONS[0]))  # warm: pools, parsers
        before = _sums()
        for index in range(args.turns):
            collect(door.turn(ref, QUESTIONS[index % len(QUESTIONS)]))
        after = _sums()
        parley.close()
    total = sum(after[s][1] - before.get(s, (0, 0))[1] for s in STAGES) / args.turns * 1000
    print(f"{'stage':<16}{'mean ms':>9}{'share':>8}   ({args.turns} turns)")
    for stage in STAGES:
        mean = (after[stage][1] - before.get(stage, (0, 0))[1]) / args.turns * 1000
        print(f"{stage:<16}{mean:>9.2f}{mean / total:>8.0%}")
    print(f"{'turn':<16}{total:>9.2f}")


if __name__ == "__main__":
    main()
