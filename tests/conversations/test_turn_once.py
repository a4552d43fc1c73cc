"""Nothing is computed twice in a turn: each expensive step runs once (or not at all when
its result is cached), counted on the real steps while a real turn runs."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from parley.conversations import installation
from parley.conversations.installation import Parley, TimedSource
from parley.conversations.service import collect
from parley.engine import orchestrator
from parley.engine.nl.parser import Parser
from parley.store import catalog

#: Each step, and where the turn reaches it (the name it is called by).
STEPS: dict[str, tuple[Any, str]] = {
    "workspace build (parser)": (installation, "Parser"),
    "ontology read": (Parley, "ontology"),
    "parse": (Parser, "understand"),
    "SQL compile": (orchestrator, "compile_query"),
    "guard": (orchestrator, "guard_tree"),
    "query": (TimedSource, "execute"),
    "chart spec": (orchestrator, "choose_chart"),
    "insights": (orchestrator, "find_insights"),
    "narration": (orchestrator, "narrate"),
}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts of each step, each still doing its real work."""
    calls: Counter[str] = Counter()

    def counting(step: str, real: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(real)
        def count(*args: Any, **kwargs: Any) -> Any:
            calls[step] += 1
            return real(*args, **kwargs)

        return count

    for step, (owner, name) in STEPS.items():
        real = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        if isinstance(real, staticmethod):
            monkeypatch.setattr(owner, name, staticmethod(counting(step, real.__func__)))
        else:
            monkeypatch.setattr(owner, name, counting(step, real))
    yield calls


@pytest.mark.parametrize(
    "question",
    ["revenue by customer region and month", "number of orders by country", "top 5 products"],
)
def test_a_new_question_runs_each_step_once(
    parley: Parley, counted: Counter[str], question: str
) -> None:
    door = parley.conversations
    ref = door.open(parley.principal, face="cli", app="demo")
    collect(door.turn(ref, "total revenue"))  # the workspace exists, the context has a query
    _forget_compiled_statements(parley)
    counted.clear()
    answer = collect(door.turn(ref, question)).answer
    assert answer.error_code is None and answer.columns, answer.text
    assert counted == {
        "parse": 1,
        "SQL compile": 1,
        "guard": 1,
        "query": 1,
        "chart spec": 1,
        "insights": 1,
        "narration": 1,
    }


def test_a_question_asked_again_reuses_its_compiled_statement(
    parley: Parley, counted: Counter[str]
) -> None:
    door = parley.conversations
    ref = door.open(parley.principal, face="cli", app="demo")
    collect(door.turn(ref, "average order value by month"))
    counted.clear()
    collect(door.turn(ref, "average order value by month"))
    assert counted["SQL compile"] == counted["guard"] == 0
    assert counted["parse"] == counted["query"] == counted["chart spec"] == 1


def test_a_change_of_chart_runs_no_query(parley: Parley, counted: Counter[str]) -> None:
    door = parley.conversations
    ref = door.open(parley.principal, face="cli", app="demo")
    collect(door.turn(ref, "revenue by month"))
    counted.clear()
    collect(door.change_chart(ref, "bar"))
    assert counted["query"] == counted["parse"] == counted["SQL compile"] == 0
    assert counted["chart spec"] == 1
    assert counted["workspace build (parser)"] == counted["ontology read"] == 0


def _forget_compiled_statements(parley: Parley) -> None:
    """Empty the demo's cache of compiled statements (other tests may have filled it)."""
    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, parley.organization_id, "demo")
        assert application is not None
        parley.workspace(application, session=session).statements.clear()
