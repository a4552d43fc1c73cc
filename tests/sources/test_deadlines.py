"""The one deadline watcher: it interrupts what overruns, and only that."""

from __future__ import annotations

import threading
import time

from parley.sources._deadlines import Deadlines


def test_a_block_past_its_deadline_is_interrupted_once() -> None:
    deadlines = Deadlines()
    interrupted = threading.Event()
    calls: list[str] = []

    def interrupt() -> None:
        calls.append("slow")
        interrupted.set()

    with deadlines.guard(0.05, interrupt):
        assert interrupted.wait(5)
    time.sleep(0.1)
    assert calls == ["slow"]


def test_a_block_that_ends_in_time_is_left_alone() -> None:
    deadlines = Deadlines()
    calls: list[str] = []
    for _ in range(100):
        with deadlines.guard(0.05, lambda: calls.append("fast")):
            pass
    slow = threading.Event()
    with deadlines.guard(0.2, slow.set):  # a later deadline still fires, the earlier ones not
        assert slow.wait(5)
    assert calls == []


def test_a_short_deadline_behind_a_long_one_still_fires_on_time() -> None:
    deadlines = Deadlines()
    fired = threading.Event()
    started = time.monotonic()
    with deadlines.guard(60, lambda: None), deadlines.guard(0.05, fired.set):
        assert fired.wait(5)
    assert time.monotonic() - started < 2
