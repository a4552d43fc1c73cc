"""Where a machine's CPU went during a run, from /proc (Linux): the parts a load bench can
name (PostgreSQL, Redis, the kernel's interrupt work, time stolen by the hypervisor) and
the other processes that used the most.

Two snapshots, taken before and after the run, are subtracted. PostgreSQL's backends are
children of its postmaster: one that ended during the run (a store connection closed)
took its CPU with it, and only the postmaster's count of its ended children still has
it, so that count is added to what the live processes used.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
#: /proc/stat's first line: user nice system idle iowait irq softirq steal, in ticks.
_IDLE, _IOWAIT, _IRQ, _SOFTIRQ, _STEAL = 3, 4, 5, 6, 7


@dataclass(frozen=True)
class _Process:
    name: str
    parent: int
    cpu_s: float
    ended_children_s: float


@dataclass(frozen=True)
class Snapshot:
    machine: tuple[int, ...]
    processes: dict[int, _Process]

    @classmethod
    def take(cls) -> Snapshot:
        first = Path("/proc/stat").read_text().split("\n", 1)[0]
        machine = tuple(int(f) for f in first.split()[1:9])
        processes = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
                command = (stat.parent / "cmdline").read_bytes()
            except OSError:  # it ended
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            if name in ("python", "python3") and command:
                # A script's name tells more than the interpreter's.
                words = command.split(b"\0")
                script = next((w for w in words[1:] if w and not w.startswith(b"-")), b"")
                name = f"python {Path(script.decode(errors='replace')).name}".strip()
            fields = text.rsplit(")", 1)[1].split()
            processes[int(stat.parent.name)] = _Process(
                name=name,
                parent=int(fields[1]),
                cpu_s=(int(fields[11]) + int(fields[12])) / TICK,
                ended_children_s=(int(fields[13]) + int(fields[14])) / TICK,
            )
        return cls(machine, processes)


@dataclass(frozen=True)
class Usage:
    """CPU seconds spent between two snapshots, by part."""

    busy_s: float
    idle_s: float
    postgres_s: float
    redis_s: float
    interrupts_s: float
    stolen_s: float
    #: CPU seconds of each process not named above nor excluded, by its name.
    others: dict[str, float]


def usage(before: Snapshot, after: Snapshot, *, exclude: Collection[int]) -> Usage:
    """What was spent from ``before`` to ``after``; ``exclude`` (the bench's own processes,
    counted by the caller) is left out of ``others``."""
    spent = [(b - a) / TICK for a, b in zip(before.machine, after.machine, strict=True)]
    idle = spent[_IDLE] + spent[_IOWAIT]
    postgres = redis = 0.0
    others: dict[str, float] = {}
    for pid, process in after.processes.items():
        earlier = before.processes.get(pid)
        if earlier is not None and earlier.name != process.name:
            earlier = None  # the pid was reused
        cpu = process.cpu_s - (earlier.cpu_s if earlier else 0.0)
        if process.name == "postgres":
            postgres += cpu
            parent = after.processes.get(process.parent)
            if parent is None or parent.name != "postgres":  # the postmaster
                ended = process.ended_children_s - (earlier.ended_children_s if earlier else 0)
                postgres += ended
        elif process.name == "redis-server":
            redis += cpu
        elif pid not in exclude and cpu > 0:
            others[process.name] = others.get(process.name, 0.0) + cpu
    return Usage(
        busy_s=sum(spent) - idle,
        idle_s=idle,
        postgres_s=postgres,
        redis_s=redis,
        interrupts_s=spent[_IRQ] + spent[_SOFTIRQ],
        stolen_s=spent[_STEAL],
        others=others,
    )
