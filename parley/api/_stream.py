"""The one bridge from a turn (a blocking iterator of events) to an async face.

The turn runs in a worker thread and its events arrive as it produces them. The worker
runs the turn to its end even when the client goes away, so the answer is stored
whatever happens to the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

#: What the worker produces: a turn's events, or a face's rendering of them.
T = TypeVar("T")


async def events_in_thread(turn: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """The turn's events, as the worker thread produces them; what it raises is raised here."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[T | BaseException | None] = asyncio.Queue()

    def put(item: T | BaseException | None) -> None:
        # A closed loop means nobody is listening any more; the turn still ends and is stored.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        try:
            for event in turn():
                put(event)
        except BaseException as error:  # handed to the consumer, which reports it
            put(error)
        finally:
            put(None)

    threading.Thread(target=work, name="parley-turn", daemon=True).start()
    while (item := await queue.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item
