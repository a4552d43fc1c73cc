from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import IntEnum

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from parley.engine.events import Answer, Chart
from parley.errors import InvalidInput, NotFound
from parley.store.conversations import (
    INTERRUPTED,
    append_answer,
    append_message,
    close_abandoned_answers,
    create_conversation,
    delete_conversation,
    get_conversation,
    get_message,
    get_message_by_data_file_path,
    json_ready,
    list_conversations,
    list_messages,
    update_message,
)
from parley.store.db import Store
from parley.store.models import Application, Conversation, Message, Organization, utcnow
from parley.store.tenancy import create_organization


def _conversation(store: Store, app: Application, principal: str = "member:mem_a") -> Conversation:
    with store.session() as session:
        return create_conversation(session, app.organization_id, app.id, principal, "ana")


def _append(store: Store, conversation: Conversation, count: int) -> list[Message]:
    with store.session() as session:
        return [
            append_message(
                session,
                conversation,
                role="user" if i % 2 == 0 else "assistant",
                content=f"message {i + 1}",
            )
            for i in range(count)
        ]


def test_messages_are_numbered_in_order(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    first = _append(store, conversation, 2)
    second = _append(store, conversation, 3)
    assert [m.seq for m in first + second] == [1, 2, 3, 4, 5]
    assert all(m.id.startswith("msg_") for m in first + second)
    other = _conversation(store, app)
    assert [m.seq for m in _append(store, other, 1)] == [1]


def test_appending_touches_the_conversation(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    before = conversation.updated_at
    (message,) = _append(store, conversation, 1)
    with store.session() as session:
        loaded = get_conversation(session, app.organization_id, conversation.id)
    assert loaded.updated_at == message.created_at
    assert loaded.updated_at >= before


def test_message_role_is_checked(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    with pytest.raises(InvalidInput, match="'system'"), store.session() as session:
        append_message(session, conversation, role="system", content="x")


@pytest.mark.parametrize(
    ("limit", "offset", "newest_first", "expected"),
    [
        (None, 0, False, [1, 2, 3, 4, 5, 6, 7]),
        (3, 0, False, [1, 2, 3]),
        (3, 3, False, [4, 5, 6]),
        (3, 6, False, [7]),
        (3, 9, False, []),
        (2, 0, True, [7, 6]),
        (2, 2, True, [5, 4]),
    ],
)
def test_list_messages_pages(
    store: Store,
    app: Application,
    limit: int | None,
    offset: int,
    newest_first: bool,
    expected: list[int],
) -> None:
    conversation = _conversation(store, app)
    _append(store, conversation, 7)
    with store.session() as session:
        page = list_messages(
            session, conversation.id, limit=limit, offset=offset, newest_first=newest_first
        )
    assert [m.seq for m in page.items] == expected
    assert page.total == 7


@pytest.mark.parametrize(
    ("after_seq", "newest_first", "expected"),
    [(2, False, [3, 4, 5]), (5, False, []), (4, True, [3, 2, 1])],
)
def test_list_messages_after_a_cursor(
    store: Store, app: Application, after_seq: int, newest_first: bool, expected: list[int]
) -> None:
    conversation = _conversation(store, app)
    messages = _append(store, conversation, 5)
    with store.session() as session:
        page = list_messages(
            session,
            conversation.id,
            after=messages[after_seq - 1].id,
            newest_first=newest_first,
            limit=10,
        )
    assert [m.seq for m in page.items] == expected
    assert page.total == 5


def test_cursor_from_another_conversation_is_not_found(store: Store, app: Application) -> None:
    (foreign,) = _append(store, _conversation(store, app), 1)
    conversation = _conversation(store, app)
    with pytest.raises(NotFound, match=foreign.id), store.session() as session:
        list_messages(session, conversation.id, after=foreign.id)


def test_seq_is_unique_per_conversation(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    _append(store, conversation, 1)
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(Message(conversation_id=conversation.id, seq=1, role="user", content="x"))
        session.flush()


def test_concurrent_appends_get_distinct_consecutive_seqs(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(4):
                with store.session() as session:
                    append_message(session, conversation, role="user", content="hi")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with store.session() as session:
        seqs = [m.seq for m in list_messages(session, conversation.id).items]
    assert seqs == list(range(1, 25))


def test_answer_round_trip_with_unicode_and_dates(store: Store, app: Application) -> None:
    answer = Answer(
        intent="sql_query",
        text="Les ventes par région — 東京 leads",
        sql="SELECT region, SUM(amount) FROM orders GROUP BY region",
        columns=["région", "total", "day"],
        rows=[["東京", Decimal("12.50"), date(2024, 2, 29)], ["Zürich 🇨🇭", 3.0, None]],
        truncated=True,
        chart=Chart(type="bar", x="région", y="total", vega_lite={"mark": "bar"}),
        insights=["東京 is 80% of the total"],
        semantic_query={"metrics": ["revenue"], "dimensions": ["région"]},
        reason="région matched the attribute orders.region",
        suggestions=["by month?"],
        agents_visited=["router", "nl", "sql"],
        execution_ms=12.5,
    )
    conversation = _conversation(store, app)
    with store.session() as session:
        stored = append_answer(
            session, conversation, answer, data_file_path="df_1", request_json={"q": "ventes"}
        )
    with store.session() as session:
        loaded = get_message(session, app.organization_id, stored.id)
        session.refresh(loaded)
    assert loaded.role == "assistant"
    assert loaded.content == answer.text
    assert loaded.columns == ["région", "total", "day"]
    assert loaded.rows == [["東京", 12.5, "2024-02-29"], ["Zürich 🇨🇭", 3.0, None]]
    assert loaded.truncated is True
    assert loaded.chart is not None and loaded.chart["x"] == "région"
    assert loaded.chart["vega_lite"] == {"mark": "bar"}
    assert loaded.insights == ["東京 is 80% of the total"]
    assert loaded.semantic_query == answer.semantic_query
    assert (loaded.intent, loaded.execution_ms, loaded.error_code) == ("sql_query", 12.5, None)
    assert loaded.agents_visited == ["router", "nl", "sql"]
    assert loaded.request_json == {"q": "ventes"}


def test_an_answer_without_data_stores_nulls(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    with store.session() as session:
        stored = append_answer(session, conversation, Answer(intent="greeting", text="Hello!"))
    with store.session() as session:
        loaded = get_message(session, app.organization_id, stored.id)
        session.refresh(loaded)
        null_rows = session.scalar(
            select(func.count()).select_from(Message).where(Message.rows.is_(None))
        )
    assert (loaded.sql, loaded.columns, loaded.rows, loaded.chart) == (None, None, None, None)
    assert null_rows == 1


def test_update_message_completes_a_placeholder(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    with store.session() as session:
        placeholder = append_message(session, conversation, role="assistant")
    with store.session() as session:
        message = get_message(session, app.organization_id, placeholder.id)
        update_message(
            session, message, columns=["d"], rows=[[datetime(2024, 1, 1, 9, 30)]], intent="x"
        )
    with store.session() as session:
        loaded = get_message(session, app.organization_id, placeholder.id)
        session.refresh(loaded)
    assert (loaded.seq, loaded.rows, loaded.intent) == (1, [["2024-01-01T09:30:00"]], "x")


def test_the_message_returned_is_the_stored_row_and_changes_to_it_are_updates(
    store: Store, app: Application
) -> None:
    conversation = _conversation(store, app)
    answer = Answer(
        intent="sql_query",
        text="Total",
        columns=["day", "total"],
        rows=[[date(2024, 2, 29), Decimal("2.50")]],
        chart=Chart(type="bar", x="day", y="total", vega_lite={"mark": "bar"}),
    )
    columns = [c.key for c in Message.__table__.columns if c.key != "blocks"]
    with store.session() as session:
        returned = append_answer(session, conversation, answer, request_json={"q": "total"})
        assert returned in session and not session.dirty and not session.new
        # Changed in the same transaction: the row is updated, not inserted twice.
        update_message(session, returned, insights=["one"])
        as_returned = {name: getattr(returned, name) for name in columns}
    with store.session() as session:
        loaded = get_message(session, app.organization_id, returned.id)
        assert {name: getattr(loaded, name) for name in columns} == as_returned
        count = session.scalar(select(func.count()).select_from(Message))
    assert count == 1 and loaded.insights == ["one"] and loaded.rows == [["2024-02-29", 2.5]]


def test_message_lookups_are_scoped_by_organization(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    with store.session() as session:
        message = append_message(
            session, conversation, role="assistant", data_file_path="results/abc"
        )
        other = create_organization(session, "globex")
    with store.session() as session:
        found = get_message_by_data_file_path(session, app.organization_id, "results/abc")
        assert found.id == message.id
        with pytest.raises(NotFound, match="results/abc"):
            get_message_by_data_file_path(session, other.id, "results/abc")
        with pytest.raises(NotFound, match=message.id):
            get_message(session, other.id, message.id)
        with pytest.raises(NotFound, match=conversation.id):
            get_conversation(session, other.id, conversation.id)
        with pytest.raises(NotFound, match=conversation.id):
            get_conversation(session, app.organization_id, conversation.id, principal="member:z")


def test_deleting_a_conversation_deletes_its_messages(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    _append(store, conversation, 3)
    with store.session() as session:
        delete_conversation(
            session, get_conversation(session, app.organization_id, conversation.id)
        )
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def _touch(store: Store, conversation: Conversation, at: datetime) -> None:
    with store.session() as session:
        loaded = get_conversation(session, conversation.organization_id, conversation.id)
        loaded.updated_at = at


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["c3", "c2", "c1", "c0"]),
        ({"newest_first": False}, ["c0", "c1", "c2", "c3"]),
        ({"principal": "member:mem_b"}, ["c3", "c1"]),
        ({"updated_since": 1, "updated_before": 3}, ["c2", "c1"]),
        ({"limit": 2, "offset": 1}, ["c2", "c1"]),
        ({"after": "c2"}, ["c1", "c0"]),
        ({"after": "c1", "newest_first": False}, ["c2", "c3"]),
    ],
)
def test_list_conversations(
    store: Store,
    org: Organization,
    app: Application,
    filters: dict[str, object],
    expected: list[str],
) -> None:
    base = utcnow() - timedelta(days=1)
    ids: dict[str, str] = {}
    for i in range(4):
        conversation = _conversation(store, app, "member:mem_b" if i % 2 else "member:mem_a")
        _touch(store, conversation, base + timedelta(hours=i))
        ids[f"c{i}"] = conversation.id
    with store.session() as session:
        other = create_organization(session, "globex")
    names = {value: key for key, value in ids.items()}
    arguments: dict[str, object] = dict(filters)
    for bound in ("updated_since", "updated_before"):
        if bound in arguments:
            arguments[bound] = base + timedelta(hours=int(str(arguments[bound])))
    if "after" in arguments:
        arguments["after"] = ids[str(arguments["after"])]
    with store.session() as session:
        page = list_conversations(session, org.id, application_id=app.id, **arguments)  # type: ignore[arg-type]
        assert list_conversations(session, other.id).total == 0
    assert [names[c.id] for c in page.items] == expected


def test_answers_left_unfinished_are_closed_as_interrupted(store: Store, app: Application) -> None:
    conversation = _conversation(store, app)
    with store.session() as session:
        append_message(session, conversation, role="user", content="q")
        reserved_id = append_message(session, conversation, role="assistant").id
        append_answer(session, conversation, Answer(intent="greeting", text="hello"))
    with store.session() as session:  # a turn that may still be running is left alone
        cutoff = utcnow() - timedelta(minutes=2)
        assert close_abandoned_answers(session, started_before=cutoff) == 0
    with store.session() as session:
        cutoff = utcnow() + timedelta(seconds=1)
        assert close_abandoned_answers(session, started_before=cutoff) == 1
    with store.session() as session:
        message = session.get(Message, reserved_id)
        assert message is not None
        assert message.content == INTERRUPTED and message.error_code == "interrupted"


class _Level(IntEnum):
    HIGH = 3


class _Label(str):
    pass


@pytest.mark.parametrize(
    ("value", "ready"),
    [
        ((True, 1, "a", None, 2.5), [True, 1, "a", None, 2.5]),
        ([float("inf"), Decimal("NaN"), Decimal("2.50")], [None, None, 2.5]),
        (
            {1: date(2024, 2, 29), "at": datetime(2024, 1, 1, 9, 30)},
            {"1": "2024-02-29", "at": "2024-01-01T09:30:00"},
        ),
        (
            [_Level.HIGH, _Label("x"), timedelta(minutes=1), b"\x00"],
            [_Level.HIGH, "x", 60.0, "AA=="],
        ),
        ({frozenset({1})}, [[1]]),
    ],
)
def test_values_are_made_json_ready_by_type_and_by_kind(value: object, ready: object) -> None:
    # The exact types take a shortcut; subclasses and the rest the general way: same result.
    assert json_ready(value) == ready
