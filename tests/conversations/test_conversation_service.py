"""The conversation service through ``Parley``: what is stored, when, and in what order."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import parley.conversations.service as service_module
from parley.conversations.installation import DEMO_NAME, Parley
from parley.conversations.service import ConversationRef, answer_from_message, collect
from parley.engine.events import ClarificationAsked, Done, ErrorRaised, Event, TurnStarted
from parley.engine.orchestrator import TurnContext, Workspace
from parley.errors import NotFound, SourceError
from parley.store import conversations as store
from parley.store.models import Conversation

TODAY_QUESTION = "top 5 products by revenue"
LONG_QUESTION = "revenue by country " + "and region " * 40
INCIDENT = re.compile(r"incident (inc_\w+)")


def stored(parley: Parley, conversation_id: str) -> list[tuple[int, str, str]]:
    """(seq, role, content) of every message of the conversation, in seq order."""
    with parley.store.session() as session:
        page = store.list_messages(session, conversation_id)
        return [(m.seq, m.role, m.content) for m in page.items]


def open_conversation(parley: Parley, principal: str = "service-tests") -> ConversationRef:
    return parley.conversations.open(parley.principal_named(principal), face="cli", app=DEMO_NAME)


def exploding_engine(
    parley: Parley, ref: ConversationRef, seen: list[list[tuple[int, str, str]]], error: Exception,
) -> Any:
    """A stand-in for ``run_turn`` that records what the store holds when it starts, then fails."""

    def run_turn(workspace: Workspace, text: str, context: TurnContext) -> Iterator[Event]:
        seen.append(stored(parley, ref.id))
        raise error

    return run_turn


def test_the_question_is_stored_before_the_engine_runs(
    parley: Parley, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = open_conversation(parley)
    seen: list[list[tuple[int, str, str]]] = []
    monkeypatch.setattr(service_module, "run_turn",
                        exploding_engine(parley, ref, seen, RuntimeError("engine exploded")))

    events = list(parley.conversations.turn(ref, "  revenue by country  "))

    assert seen == [[(1, "user", "revenue by country")]]
    assert isinstance(events[-1], Done)


def test_an_unexpected_engine_failure_is_an_incident_stored_like_any_answer(
    parley: Parley, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ref = open_conversation(parley)
    monkeypatch.setattr(service_module, "run_turn",
                        exploding_engine(parley, ref, [], RuntimeError("secret internals")))

    with caplog.at_level(logging.ERROR, logger="parley.conversations.service"):
        events = list(parley.conversations.turn(ref, "revenue by country"))

    errors = [e for e in events if isinstance(e, ErrorRaised)]
    done = events[-1]
    assert isinstance(done, Done)
    assert [e.code for e in errors] == ["internal_error"]
    assert done.answer.error_code == "internal_error"
    match = INCIDENT.search(done.answer.text)
    assert match, done.answer.text
    assert "secret internals" not in done.answer.text
    assert "secret internals" not in errors[0].message
    # The operator can find the incident the user was told about, with its traceback.
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert stored(parley, ref.id) == [
        (1, "user", "revenue by country"),
        (2, "assistant", done.answer.text),
    ]


def test_a_domain_error_from_the_engine_is_reported_once_and_stored(
    parley: Parley, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = open_conversation(parley)
    monkeypatch.setattr(service_module, "run_turn",
                        exploding_engine(parley, ref, [], SourceError("the warehouse is down")))

    events = list(parley.conversations.turn(ref, "revenue by country"))

    errors = [e for e in events if isinstance(e, ErrorRaised)]
    assert [(e.code, e.message) for e in errors] == [
        ("source_error", "I could not answer: the warehouse is down")
    ]
    done = events[-1]
    assert isinstance(done, Done)
    with parley.store.session() as session:
        message = store.get_message(session, parley.organization_id, done.message_id or "")
        assert (message.role, message.error_code) == ("assistant", "source_error")
        assert "the warehouse is down" in message.content



@pytest.fixture(scope="module")
def broken_app(parley: Parley, add_broken_app: Callable[[Parley], str]) -> str:
    return add_broken_app(parley)

def test_a_failing_query_yields_one_error_and_stores_it(parley: Parley, broken_app: str) -> None:
    events = list(parley.stream("total amount by region", app=broken_app))

    errors = [e for e in events if isinstance(e, ErrorRaised)]
    assert [e.code for e in errors] == ["source_error"]
    assert "Cannot access file" in errors[0].message
    started, done = events[0], events[-1]
    assert isinstance(started, TurnStarted) and isinstance(done, Done)
    assert done.answer.error_code == "source_error"
    assert done.answer.sql is not None and done.answer.sql.startswith("SELECT")
    with parley.store.session() as session:
        message = store.get_message(session, parley.organization_id, done.message_id or "")
        assert (message.error_code, message.sql) == ("source_error", done.answer.sql)


def test_each_event_comes_after_what_it_announces_is_stored(parley: Parley) -> None:
    ref = open_conversation(parley)
    turn = parley.conversations.turn(ref, TODAY_QUESTION)

    first = next(turn)
    assert isinstance(first, TurnStarted)
    assert stored(parley, ref.id) == [(1, "user", TODAY_QUESTION)]

    kinds: list[str] = [first.type]
    for event in turn:
        kinds.append(event.type)
        if isinstance(event, Done):
            # Consumed one at a time: when Done arrives the answer is already in the store.
            assert stored(parley, ref.id) == [
                (1, "user", TODAY_QUESTION), (2, "assistant", event.answer.text)
            ]
            with parley.store.session() as session:
                message = store.get_message(session, parley.organization_id,
                                            event.message_id or "")
                assert message.seq == 2
                assert message.sql == event.answer.sql
                assert len(message.rows or []) == 5
        else:
            assert stored(parley, ref.id) == [(1, "user", TODAY_QUESTION)]
    assert kinds[0] == "turn_started" and kinds[-1] == "done"
    assert {"sql", "data", "chart", "insights"} <= set(kinds)


def test_the_stored_answer_reads_back_as_the_engine_produced_it(parley: Parley) -> None:
    # The revenue of the five categories always carries insights; the top five products
    # of the data drawn for some days (it is drawn for today) carry none worth saying.
    turn = parley.ask("revenue by category", principal="service-tests")

    with parley.store.session() as session:
        message = store.get_message(session, parley.organization_id, turn.assistant_message_id)
        again = answer_from_message(message)
        data_file_path = message.data_file_path
    answer = turn.answer
    assert (again.intent, again.text, again.sql) == (answer.intent, answer.text, answer.sql)
    assert again.columns == answer.columns == ["category", "revenue"]
    assert [row[0] for row in again.rows] == [row[0] for row in answer.rows]
    assert again.rows[0][1] == pytest.approx(float(answer.rows[0][1]))
    assert again.chart is not None and answer.chart is not None
    assert again.chart.type == answer.chart.type == "bar"
    assert again.insights == answer.insights and again.insights
    assert again.semantic_query == answer.semantic_query
    assert data_file_path == turn.data_file_path
    assert data_file_path is not None
    assert data_file_path.startswith(f"{parley.organization_id}/{turn.conversation_id}/")


def test_messages_are_numbered_in_order_and_a_follow_up_edits_the_last_query(
    parley: Parley,
) -> None:
    questions = ["top 10 customers by revenue last month", "now only US customers",
                 "as a pie chart"]
    first = parley.ask(questions[0], principal="service-tests")
    follow_up = parley.ask(questions[1], conversation_id=first.conversation_id,
                           principal="service-tests")
    chart_change = parley.ask(questions[2], conversation_id=first.conversation_id,
                              principal="service-tests")

    assert follow_up.answer.intent == "refinement"
    assert follow_up.answer.sql is not None
    assert "customers.country = 'United States'" in follow_up.answer.sql
    assert "LIMIT 10" in follow_up.answer.sql
    assert chart_change.answer.intent == "visualization_change"
    assert chart_change.answer.chart is not None and chart_change.answer.chart.type == "pie"
    answers = [first.answer.text, follow_up.answer.text, chart_change.answer.text]
    expected = []
    for number, (question, answer) in enumerate(zip(questions, answers, strict=True)):
        expected += [(2 * number + 1, "user", question), (2 * number + 2, "assistant", answer)]
    assert stored(parley, first.conversation_id) == expected


def test_a_follow_up_after_an_unanswered_question_does_not_edit_an_older_answer(
    parley: Parley,
) -> None:
    first = parley.ask("revenue by country", principal="service-tests")
    unanswered = parley.ask("how much did they zorble", conversation_id=first.conversation_id,
                            principal="service-tests")
    follow_up = parley.ask("split by customer", conversation_id=first.conversation_id,
                           principal="service-tests")

    assert first.answer.intent == "sql_query"
    assert unanswered.answer.intent in {"clarification", "out_of_scope"}
    # "split by customer" edits the question that went unanswered, which cannot be guessed.
    assert follow_up.answer.intent == "clarification"
    assert follow_up.answer.sql is None


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("  revenue by country\n", "revenue by country"),
        (LONG_QUESTION, LONG_QUESTION[:200]),
    ],
    ids=["stripped", "cut-at-200"],
)
def test_the_first_question_titles_the_conversation(
    parley: Parley, question: str, title: str
) -> None:
    turn = parley.ask(question, principal="service-tests")
    parley.ask("now by month", conversation_id=turn.conversation_id, principal="service-tests")

    with parley.store.session() as session:
        conversation = session.get(Conversation, turn.conversation_id)
        assert conversation is not None
        assert conversation.title == title
        assert len(conversation.title) <= 200


def test_a_new_conversation_belongs_to_its_principal_and_face(parley: Parley) -> None:
    turn = parley.ask("hello", principal="someone@example.com", face="openai")

    with parley.store.session() as session:
        conversation = session.get(Conversation, turn.conversation_id)
        assert conversation is not None
        assert (conversation.principal, conversation.face) == ("someone@example.com", "openai")
    assert turn.answer.intent == "greeting"
    assert turn.user_message_id != turn.assistant_message_id


def test_history_pages_by_cursor_cover_every_message_once(parley: Parley) -> None:
    door = parley.conversations
    principal = parley.principal_named("cursor-tests")
    ref = door.open(principal, face="cli", app="demo")
    for question in ("revenue by category", "now by month", "as a bar chart"):
        collect(door.turn(ref, question))
    everything = door.history(ref)
    assert everything.total == 6
    seen: list[str] = []
    after: str | None = None
    while True:
        page = door.history(ref, limit=4, after=after)
        assert page.total == 6 and len(page.items) <= 4
        if not page.items:
            break
        seen += [m.id for m in page.items]
        after = page.items[-1].id
    assert seen == [m.id for m in everything.items]
    with pytest.raises(NotFound):
        door.history(ref, limit=4, after="msg_not_in_this_conversation")


def test_a_clarification_offers_options_and_picking_one_answers(parley: Parley) -> None:
    door = parley.conversations
    ref = door.open(parley.principal_named("clarify-tests"), face="cli", app="demo")
    events = list(door.turn(ref, "revenue by region"))
    asked = [e for e in events if isinstance(e, ClarificationAsked)]
    assert len(asked) == 1
    labels = [o.label for o in asked[0].options]
    assert labels == ["customer region", "sales rep region"]
    done = events[-1]
    assert isinstance(done, Done) and done.answer.intent == "clarification"
    assert done.answer.options == asked[0].options
    stored_answer = door.history(ref).items[-1].answer
    assert stored_answer is not None and stored_answer.options == asked[0].options

    picked = asked[0].options[1]
    answered = collect(door.turn(ref, picked.question)).answer
    assert answered.intent in {"sql_query", "refinement"}
    assert answered.sql is not None and "sales_reps.region" in answered.sql
    assert answered.columns == ["region", "revenue"] and len(answered.rows) >= 2
