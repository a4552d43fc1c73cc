"""What the door hands faces: plain, stored facts, owned by no face and by no table.

Faces render these; none of them is a store row, so a face never holds a session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from parley.engine.events import Answer, Chart
from parley.engine.row_filters import RowFilter
from parley.store.pagination import Page

__all__ = ["Page"]  # faces page through the door's reads with it


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """An open conversation: what a turn needs to know about it."""

    id: str
    organization_id: str
    application_id: str
    application: str
    owner: str
    created_at: dt.datetime
    #: The principal's row filters, applied to every statement of the conversation.
    row_filters: tuple[RowFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    id: str
    title: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ConversationStart:
    """A conversation as a list of threads shows it: when it began, and with what."""

    id: str
    created_at: dt.datetime
    #: The user's first message; None while only the greeting was said.
    initial_message: str | None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: str
    conversation_id: str
    role: str
    text: str
    created_at: dt.datetime
    #: The answer as the engine produced it (assistant messages only).
    answer: Answer | None = None
    data_file_path: str | None = None
    request_json: dict[str, Any] | None = None
    #: 1, 2, 3, ... within the conversation.
    seq: int = 0
    #: The blocks a streaming face last sent for this answer (``Conversations.save_blocks``).
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class QuestionAndAnswer:
    question: StoredMessage
    #: None while the answer is not stored (or never was).
    answer: StoredMessage | None


@dataclass(frozen=True, slots=True)
class ApplicationInfo:
    id: str
    name: str
    description: str
    tags: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: str
    modified_by: str
    source_id: str
    source_name: str
    source_dialect: str
    #: "ready", "error", ... and whether the source has an ontology yet.
    source_status: str
    has_ontology: bool


@dataclass(frozen=True, slots=True)
class Turn:
    """A whole turn, collected from its events (``Conversations.ask``)."""

    conversation_id: str
    user_message_id: str
    assistant_message_id: str
    answer: Answer
    #: Where the result's rows can be read back (getData), when it has rows.
    data_file_path: str | None = None


def chart_dict(chart: Chart | None) -> dict[str, Any] | None:
    return dataclasses.asdict(chart) if chart else None


# -- what a face needs to show a query's trace through the ontology ------------------------


@dataclass(frozen=True, slots=True)
class AttributeView:
    """One attribute (column) of an ontology object, as a face may show it."""

    object: str
    name: str
    label: str
    #: The ontology's type family ("number", "text", "date", "datetime", "boolean", ...).
    type: str
    role: str


@dataclass(frozen=True, slots=True)
class ObjectView:
    """An ontology object (a table) and the attributes a face may show."""

    name: str
    label: str
    schema: str | None
    primary_key: list[str]
    display_attribute: str | None
    attributes: list[AttributeView]


@dataclass(frozen=True, slots=True)
class QueryTrace:
    """A SemanticQuery read back through the ontology it was built on: what a face shows
    of how a question became SQL. Built by the door at the time of the turn."""

    #: The source's number in its organisation (``Source.number``) and its name.
    connector: int
    source: str
    #: "object" when the query lists rows of one object, "metric" when it aggregates.
    classification: str
    #: The object the query is about: the listed one, or the first metric's or field's.
    object: ObjectView
    #: Every attribute the query reads (groupings, listed fields, filters, aggregations).
    attributes: list[AttributeView]
    #: Groupings as ``object.attribute`` (with ``:grain`` for a time bucket).
    groupings: list[str]
    #: Metrics by output column name.
    metrics: list[str]
    #: Filters in words, e.g. ``orders.status = 'shipped'``.
    filters: list[str]
    #: ``(output column, "asc" | "desc")`` in order of precedence.
    order: list[tuple[str, str]]
    limit: int | None
    #: The time range in the user's words ("last month"), or "".
    period: str = ""


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """One conversation in a listing: its title and when its user last spoke."""

    id: str
    organization_id: str
    application: str
    title: str
    face: str
    created_at: dt.datetime
    last_user_message_at: dt.datetime | None
