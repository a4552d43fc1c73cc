"""One thread that interrupts statements past their deadline, for every source of a process.

A ``threading.Timer`` per statement starts (and stops) a thread each time: on a busy
server that is a thread start, two hand-overs of the GIL and a wake-up for every query,
most of which finish in milliseconds. Here a statement only puts its deadline on a heap.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Deadlines:
    """Calls each registered ``interrupt`` once its deadline passes, unless it was
    cancelled first (the block it guards ended)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int]] = []
        self._pending: dict[int, Callable[[], object]] = {}
        self._numbers = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, timeout_s: float, interrupt: Callable[[], object]) -> Iterator[None]:
        """Within the block, ``interrupt`` is called if ``timeout_s`` seconds pass."""
        number = next(self._numbers)
        deadline = time.monotonic() + timeout_s
        with self._changed:
            if self._thread is None or not self._thread.is_alive():  # or a forked child
                self._thread = threading.Thread(
                    target=self._watch, name="parley-deadlines", daemon=True
                )
                self._thread.start()
            self._pending[number] = interrupt
            heapq.heappush(self._heap, (deadline, number))
            if self._heap[0][1] == number:  # the watcher sleeps until a later deadline
                self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._pending.pop(number, None)

    def _watch(self) -> None:
        while True:
            with self._changed:
                # A statement that ended leaves its deadline behind: drop those first.
                while self._heap and self._heap[0][1] not in self._pending:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._changed.wait()
                    continue
                deadline, number = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                heapq.heappop(self._heap)
                interrupt = self._pending.pop(number, None)
            if interrupt is not None:
                interrupt()


#: The process's one watcher.
DEADLINES = Deadlines()
