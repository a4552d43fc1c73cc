"""A turn costs the store two transactions: one for the question (with what the turn
reads), one for the answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event

from parley.conversations.installation import Parley
from parley.conversations.service import collect


@pytest.fixture(scope="module")
def parley(open_parley: Callable[[], Parley]) -> Iterator[Parley]:
    opened = open_parley()
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.parametrize("question", ["revenue by month", "only for 2025", "no such thing xyz"])
def test_a_turn_is_two_store_transactions(parley: Parley, question: str) -> None:
    door = parley.conversations
    ref = door.open(parley.principal, face="cli", app="demo")
    collect(door.turn(ref, "revenue by month"))  # a conversation with something to remember
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    engine = parley.store.engine
    event.listen(engine, "begin", count)
    try:
        turn = collect(door.turn(ref, question))
    finally:
        event.remove(engine, "begin", count)
    assert len(begun) == 2
    history = door.history(ref).items
    assert [m.text for m in history if m.role == "user"][-1] == question
    assert history[-1].id == turn.assistant_message_id
