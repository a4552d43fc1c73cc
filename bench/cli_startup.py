"""How long the command line takes to show its help, beside a bare Python start.

Each command runs as a whole process, several times; the median and the fastest run are
printed, so a busy machine shows as spread rather than as a slow CLI.

    python bench/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

LIMIT_S = 0.3


def timed(command: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of each run. On a shared machine the CPU
    time is the steadier figure: waiting for a core counts in the first only."""
    subprocess.run(command, env=env, capture_output=True, check=True)  # warm the file cache
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        # Help must not depend on (or create) an installation.
        env = {**os.environ, "PARLEY_HOME": home}
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "parley --help": [sys.executable, "-m", "parley", "--help"],
            "parley ask --help": [sys.executable, "-m", "parley", "ask", "--help"],
        }
        print(
            f"{'command':<20} {'median':>8} {'fastest':>8} {'slowest':>8} {'CPU':>8}"
            f"   ({args.runs} runs; CPU: median user+system)"
        )
        for name, command in commands.items():
            times, cpus = timed(command, args.runs, env)
            median = statistics.median(times)
            verdict = (
                ""
                if name.startswith("python")
                else ("  ok" if median < LIMIT_S else f"  over {LIMIT_S} s")
            )
            print(
                f"{name:<20} {median:>7.3f}s {min(times):>7.3f}s {max(times):>7.3f}s"
                f" {statistics.median(cpus):>7.3f}s{verdict}"
            )


if __name__ == "__main__":
    main()
