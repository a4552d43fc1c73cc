"""The typed events one turn emits. Every face is a renderer of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Intent = Literal[
    "sql_query",
    "refinement",
    "visualization_change",
    "knowledge",
    "schema_help",
    "greeting",
    "clarification",
    "out_of_scope",
]


@dataclass(slots=True)
class Chart:
    #: "kpi", "bar", "line", "area", "pie", "donut", "scatter" or "table".
    type: str
    x: str | None = None
    y: str | None = None
    color: str | None = None
    title: str = ""
    x_title: str = ""
    y_title: str = ""
    #: The full Vega-Lite v5 specification, data included.
    vega_lite: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Option:
    """One reading a clarifying answer offers: what it means, and the question that asks
    for exactly it (a face shows ``label`` and, when picked, sends ``question``)."""

    label: str
    question: str


@dataclass(slots=True)
class Answer:
    """Everything one turn produced; what faces persist and render."""

    intent: Intent
    text: str
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    chart: Chart | None = None
    insights: list[str] = field(default_factory=list)
    #: The SemanticQuery as JSON, when the turn was a data question.
    semantic_query: dict[str, Any] | None = None
    #: Why this reading was chosen (evidence used, assumptions made).
    reason: str = ""
    #: Options offered when the turn asks the user to clarify, or suggested questions.
    suggestions: list[str] = field(default_factory=list)
    #: For a clarifying answer: the readings to pick from, each a question that works.
    options: list[Option] = field(default_factory=list)
    agents_visited: list[str] = field(default_factory=list)
    #: Set when the turn failed; ``text`` then explains the failure to the user.
    error_code: str | None = None
    #: For an unexpected failure: the id under which its traceback was logged.
    incident_id: str | None = None
    execution_ms: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.error_code is None


@dataclass(slots=True)
class AgentStarted:
    agent: str
    type: Literal["agent_started"] = "agent_started"


@dataclass(slots=True)
class IntentDetected:
    intent: Intent
    type: Literal["intent"] = "intent"


@dataclass(slots=True)
class TextDelta:
    text: str
    type: Literal["text_delta"] = "text_delta"


@dataclass(slots=True)
class SqlReady:
    sql: str
    semantic_query: dict[str, Any] | None = None
    reason: str = ""
    type: Literal["sql"] = "sql"


@dataclass(slots=True)
class DataReady:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    type: Literal["data"] = "data"


@dataclass(slots=True)
class ChartReady:
    chart: Chart
    type: Literal["chart"] = "chart"


@dataclass(slots=True)
class InsightsReady:
    insights: list[str]
    type: Literal["insights"] = "insights"


@dataclass(slots=True)
class ClarificationAsked:
    """The turn asks which reading was meant; each option is a question that answers."""

    options: list[Option]
    type: Literal["clarification"] = "clarification"


@dataclass(slots=True)
class ErrorRaised:
    code: str
    message: str
    incident_id: str | None = None
    type: Literal["error"] = "error"


@dataclass(slots=True)
class TurnStarted:
    """The user's message is stored; the engine starts on it. The assistant message's id
    is announced now, so that a streaming face can name it before any block."""

    conversation_id: str
    user_message_id: str
    assistant_message_id: str = ""
    type: Literal["turn_started"] = "turn_started"


@dataclass(slots=True)
class Done:
    answer: Answer
    #: The stored assistant message, once the conversation service has persisted it.
    message_id: str | None = None
    #: The key under which the stored result can be read back (getData), if any rows.
    data_file_path: str | None = None
    type: Literal["done"] = "done"


Event = (
    TurnStarted
    | ClarificationAsked
    | AgentStarted
    | IntentDetected
    | TextDelta
    | SqlReady
    | DataReady
    | ChartReady
    | InsightsReady
    | ErrorRaised
    | Done
)
