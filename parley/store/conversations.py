"""Conversations and their messages: nothing a user saw is lost."""

from __future__ import annotations

import base64
import dataclasses
import math
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypedDict, Unpack, cast
from uuid import UUID

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, defer, make_transient_to_detached
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from parley.engine.events import Answer
from parley.errors import NotFound
from parley.store._common import check_choice
from parley.store.models import Conversation, Message, utcnow
from parley.store.pagination import Page, after_row, fetch_page

ROLES = frozenset({"user", "assistant"})


class MessageFields(TypedDict, total=False):
    """What a message may carry beyond its role and text."""

    intent: str | None
    sql: str | None
    semantic_query: dict[str, Any] | None
    columns: list[str] | None
    rows: list[list[Any]] | None
    truncated: bool
    chart: dict[str, Any] | None
    insights: list[str] | None
    reason: str | None
    suggestions: list[str]
    options: list[dict[str, str]] | None
    agents_visited: list[str]
    error_code: str | None
    incident_id: str | None
    execution_ms: float | None
    data_file_path: str | None
    request_json: dict[str, Any] | None


def create_conversation(
    session: Session,
    organization_id: str,
    application_id: str,
    principal: str,
    face: str,
    *,
    member_id: str | None = None,
    title: str = "",
    space_id: str | None = None,
    channel_id: str | None = None,
) -> Conversation:
    conversation = Conversation(
        organization_id=organization_id,
        application_id=application_id,
        principal=principal,
        face=face,
        member_id=member_id,
        title=title,
        space_id=space_id,
        channel_id=channel_id,
    )
    session.add(conversation)
    session.flush()
    return conversation


def get_conversation(
    session: Session,
    organization_id: str,
    conversation_id: str,
    *,
    principal: str | None = None,
) -> Conversation:
    """The conversation, if it belongs to the organisation (and to ``principal`` if given)."""
    conversation = session.get(Conversation, conversation_id)
    if (
        conversation is None
        or conversation.organization_id != organization_id
        or (principal is not None and conversation.principal != principal)
    ):
        raise NotFound(f"conversation {conversation_id!r} not found")
    return conversation


def list_conversations(
    session: Session,
    organization_id: str,
    *,
    application_id: str | None = None,
    principal: str | None = None,
    channel_id: str | None = None,
    space_id: str | None = None,
    updated_since: datetime | None = None,
    updated_before: datetime | None = None,
    after: str | None = None,
    newest_first: bool = True,
    limit: int | None = 50,
    offset: int = 0,
) -> Page[Conversation]:
    """Conversations by last activity; ``after`` is the id of the previous page's last one."""
    statement = select(Conversation).where(Conversation.organization_id == organization_id)
    for column, value in (
        (Conversation.application_id, application_id),
        (Conversation.principal, principal),
        (Conversation.channel_id, channel_id),
        (Conversation.space_id, space_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if updated_since is not None:
        statement = statement.where(Conversation.updated_at >= updated_since)
    if updated_before is not None:
        statement = statement.where(Conversation.updated_at < updated_before)
    cursor = None
    if after is not None:
        previous = get_conversation(session, organization_id, after)
        cursor = after_row(
            Conversation.updated_at,
            Conversation.id,
            previous.updated_at,
            previous.id,
            descending=newest_first,
        )
    order = (
        (Conversation.updated_at.desc(), Conversation.id.desc())
        if newest_first
        else (Conversation.updated_at.asc(), Conversation.id.asc())
    )
    return fetch_page(session, statement, order_by=order, limit=limit, offset=offset, cursor=cursor)


def list_conversations_by_start(
    session: Session,
    organization_id: str,
    principal: str,
    *,
    after: str | None = None,
    limit: int | None = 50,
) -> Page[Conversation]:
    """A principal's conversations, the oldest first: a stable order for cursors, as a
    conversation that goes on does not move."""
    statement = select(Conversation).where(
        Conversation.organization_id == organization_id, Conversation.principal == principal
    )
    cursor = None
    if after is not None:
        previous = get_conversation(session, organization_id, after, principal=principal)
        cursor = after_row(
            Conversation.created_at,
            Conversation.id,
            previous.created_at,
            previous.id,
            descending=False,
        )
    order = (Conversation.created_at.asc(), Conversation.id.asc())
    return fetch_page(session, statement, order_by=order, limit=limit, cursor=cursor)


def first_user_messages(session: Session, conversation_ids: list[str]) -> dict[str, str]:
    """The first thing the user said in each conversation (if anything yet)."""
    first = (
        select(Message.conversation_id, func.min(Message.seq).label("seq"))
        .where(Message.conversation_id.in_(conversation_ids), Message.role == "user")
        .group_by(Message.conversation_id)
        .subquery()
    )
    found = session.execute(
        select(Message.conversation_id, Message.content).join(
            first,
            (Message.conversation_id == first.c.conversation_id) & (Message.seq == first.c.seq),
        )
    )
    return {conversation_id: content for conversation_id, content in found}


def delete_conversation(session: Session, conversation: Conversation) -> None:
    """Delete a conversation and, through the foreign key, its messages."""
    session.delete(conversation)
    session.flush()


#: A message's columns but its seq, each a parameter of the one insert built below.
_MESSAGE_COLUMNS = tuple(c.key for c in Message.__table__.columns if c.key != "seq")
#: The statements every message costs, built once: building and keying a statement (the
#: insert names two dozen columns) is a large share of what SQLAlchemy spends on a call.
_TOUCH = (
    update(Conversation)
    .where(Conversation.id == bindparam("touched_id"))
    .values(updated_at=bindparam("touched_at"))
    .execution_options(synchronize_session=False)  # no loaded row needs mirroring
)
_TOUCH_AND_TITLE = _TOUCH.values(title=bindparam("new_title"))
#: On the table, not the model: the ORM would copy (annotate) the statement at every call,
#: and key the copy, its two dozen values and its subquery again; a table's statement is
#: keyed once. It returns only the number it computed: the rest is what was given.
_MESSAGES = Message.metadata.tables[Message.__tablename__]
_INSERT_MESSAGE = (
    insert(_MESSAGES)
    .values(
        seq=select(func.coalesce(func.max(Message.seq), 0) + 1)
        .where(Message.conversation_id == bindparam("seq_of"))
        .scalar_subquery(),
        **{name: bindparam(f"new_{name}") for name in _MESSAGE_COLUMNS},
    )
    .returning(_MESSAGES.c.seq)
)


def append_message(
    session: Session,
    conversation: Conversation | str,
    *,
    role: str,
    content: str = "",
    message_id: str | None = None,
    title: str | None = None,
    **fields: Unpack[MessageFields],
) -> Message:
    """Add the next message of ``conversation`` (the row, or its id), numbered after the
    last one; ``title`` becomes the conversation's title in the same write.

    The conversation row is touched first: that write takes the row lock on PostgreSQL
    and the database write lock on SQLite, so a concurrent append waits for this
    transaction and then sees its message when it reads the last ``seq``. The unique
    (conversation, seq) constraint backs this up. The last ``seq`` is read inside the
    insert (a statement of its own, so it sees what committed while it waited), and the
    number it gave comes back with the insert: two statements a message, not three.
    """
    check_choice("role", role, ROLES)
    conversation_id = conversation if isinstance(conversation, str) else conversation.id
    now = utcnow()
    touch: dict[str, Any] = {"touched_id": conversation_id, "touched_at": now}
    if title is not None:
        touch["new_title"] = title
    result = session.execute(_TOUCH if title is None else _TOUCH_AND_TITLE, touch)
    if cast("CursorResult[Any]", result).rowcount == 0:
        raise NotFound(f"conversation {conversation_id!r} not found")
    unknown = set(fields) - set(_MESSAGE_COLUMNS)
    if unknown:
        raise TypeError(f"messages have no field {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {name: make() for name, make in _DEFAULTS.items()}
    values.update(fields, conversation_id=conversation_id, role=role, content=content)
    values["created_at"] = now
    if values["rows"] is not None:
        values["rows"] = json_ready(values["rows"])
    if message_id is not None:
        values["id"] = message_id
    parameters = {f"new_{name}": value for name, value in values.items()}
    seq = session.execute(_INSERT_MESSAGE, {**parameters, "seq_of": conversation_id}).scalar_one()
    # The stored row, as the session would have loaded it: in its identity map, with
    # nothing pending (a later change to it is an update, not a second insert).
    message = Message(**values, seq=seq)
    make_transient_to_detached(message)
    session.add(message)
    return message


def _default_maker(name: str) -> Callable[[], Any]:
    """What makes the value the model gives column ``name`` of a new message when none
    is given (a callable default is called for each message: ids, empty lists)."""
    default = Message.__table__.columns[name].default
    if default is None:
        return lambda: None
    if isinstance(default, CallableColumnDefault):
        make: Any = default.arg  # SQLAlchemy wraps the model's callable to take a context
        return lambda: make(None)
    constant = cast(ScalarElementColumnDefault, default).arg
    return lambda: constant


_DEFAULTS = {name: _default_maker(name) for name in _MESSAGE_COLUMNS}


def append_answer(
    session: Session,
    conversation: Conversation | str,
    answer: Answer,
    *,
    data_file_path: str | None = None,
    request_json: dict[str, Any] | None = None,
    message_id: str | None = None,
) -> Message:
    """Store one turn's :class:`Answer` as the conversation's next assistant message
    (under ``message_id`` when the id was announced before the answer existed)."""
    return append_message(
        session,
        conversation,
        role="assistant",
        message_id=message_id,
        **answer_fields(answer),
        data_file_path=data_file_path,
        request_json=request_json,
    )


def answer_fields(answer: Answer) -> dict[str, Any]:
    """The message columns holding ``answer`` (text included, as ``content``)."""
    return {
        "content": answer.text,
        "intent": answer.intent,
        "sql": answer.sql,
        "semantic_query": answer.semantic_query,
        "columns": list(answer.columns) if answer.columns else None,
        # Made JSON-ready where they are written (append_message, update_message): once.
        "rows": answer.rows if answer.columns else None,
        "truncated": answer.truncated,
        "chart": json_ready(_fields_of(answer.chart)) if answer.chart else None,
        "insights": list(answer.insights),
        "reason": answer.reason,
        "suggestions": list(answer.suggestions),
        "options": [_fields_of(o) for o in answer.options] or None,
        "agents_visited": list(answer.agents_visited),
        "error_code": answer.error_code,
        "incident_id": answer.incident_id,
        "execution_ms": answer.execution_ms,
    }


def _fields_of(value: Any) -> dict[str, Any]:
    """A dataclass's fields, not copied: ``json_ready`` makes the copy that is stored
    (``dataclasses.asdict`` would deep-copy a chart's Vega-Lite spec, data and all, first)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


def update_message(session: Session, message: Message, **fields: Unpack[MessageFields]) -> Message:
    """Change stored fields of a message (an answer completed after a placeholder)."""
    values: dict[str, Any] = dict(fields)
    if values.get("rows") is not None:
        values["rows"] = json_ready(values["rows"])
    for name, value in values.items():
        setattr(message, name, value)
    session.flush()
    return message


def list_messages(
    session: Session,
    conversation_id: str,
    *,
    after: str | None = None,
    newest_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Page[Message]:
    """Messages in ``seq`` order; ``after`` is the id of the previous page's last one."""
    statement = select(Message).where(Message.conversation_id == conversation_id)
    cursor = None
    if after is not None:
        previous = session.get(Message, after)
        if previous is None or previous.conversation_id != conversation_id:
            raise NotFound(f"message {after!r} not found in conversation {conversation_id!r}")
        cursor = Message.seq < previous.seq if newest_first else Message.seq > previous.seq
    order = Message.seq.desc() if newest_first else Message.seq.asc()
    return fetch_page(
        session, statement, order_by=(order,), limit=limit, offset=offset, cursor=cursor
    )


#: A turn's context: the assistant messages among the last few, newest first (built once).
_RECENT_ANSWERS = (
    select(Message)
    .options(defer(Message.blocks), defer(Message.request_json))
    .where(
        Message.conversation_id == bindparam("conversation_id"),
        Message.role == "assistant",
        Message.seq
        > select(func.max(Message.seq))
        .where(Message.conversation_id == bindparam("conversation_id"))
        .scalar_subquery()
        - bindparam("within"),
    )
    .order_by(Message.seq.desc())
    .limit(bindparam("batch"))
    .offset(bindparam("skipped"))
)


def recent_answers(
    session: Session, conversation_id: str, *, within: int, batch: int = 2
) -> Iterator[Message]:
    """The assistant messages among the last ``within`` messages, newest first, read
    ``batch`` at a time: a turn's context is almost always in the last answer, so it
    reads one or two rows, not the whole window. Without what a context never reads (a
    face's blocks, the request), which load if read."""
    skipped = 0
    while True:
        page = list(
            session.scalars(
                _RECENT_ANSWERS,
                {
                    "conversation_id": conversation_id,
                    "within": within,
                    "batch": batch,
                    "skipped": skipped,
                },
            )
        )
        yield from page
        if len(page) < batch:
            return
        skipped += batch


def get_message(session: Session, organization_id: str, message_id: str) -> Message:
    """The message, if its conversation belongs to the organisation."""
    message = session.scalar(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.id == message_id, Conversation.organization_id == organization_id)
    )
    if message is None:
        raise NotFound(f"message {message_id!r} not found")
    return message


def get_message_by_data_file_path(
    session: Session, organization_id: str, data_file_path: str
) -> Message:
    message = session.scalar(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.data_file_path == data_file_path,
            Conversation.organization_id == organization_id,
        )
    )
    if message is None:
        raise NotFound(f"data file {data_file_path!r} not found")
    return message


def json_ready(value: Any) -> Any:
    """``value`` with every leaf turned into something JSON can hold.

    >>> json_ready([[date(2024, 1, 31), Decimal("2.50"), float("nan")]])
    [['2024-01-31', 2.5, None]]
    """
    # The exact types of a result's rows first: a turn's rows and chart pass here, value
    # by value, and a chain of isinstance checks on each was most of the cost.
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return [json_ready(item) for item in value]
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is Decimal:
        number = float(value)
        return number if math.isfinite(number) else None
    if kind is date or kind is datetime:
        return value.isoformat()
    if kind is dict:
        return {str(key): json_ready(item) for key, item in value.items()}
    return _json_ready_other(value)


def _json_ready_other(value: Any) -> Any:
    """``json_ready`` of any other value (subclasses of the types above included)."""
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return json_ready(float(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_ready(item) for item in value]
    return str(value)


INTERRUPTED = (
    "This answer was interrupted before it was finished (the server stopped); please ask again."
)


def close_abandoned_answers(session: Session, *, started_before: datetime) -> int:
    """Mark answers reserved before ``started_before`` and never finished as interrupted.

    A face that streams reserves its answer's place with the question; a process that dies
    mid-turn leaves that reservation empty. Once no turn can still be running (the caller
    picks the cutoff past the longest turn), it is closed as a failure that says so, so that
    no conversation holds half an answer. Returns how many were closed.
    """
    result = session.execute(
        update(Message)
        .where(
            Message.role == "assistant",
            Message.intent.is_(None),
            Message.created_at < started_before,
        )
        .values(intent="clarification", content=INTERRUPTED, error_code="interrupted")
    )
    return int(getattr(result, "rowcount", 0) or 0)
