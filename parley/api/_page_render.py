"""The chat page's rendering: each event of a turn as one JSON line, and an answer as JSON.

The page reads the lines as they arrive (``application/x-ndjson``), so the text, the
table and the chart appear as the engine produces them.
"""

from __future__ import annotations

import json
from typing import Any

from parley.api._workbench_render import json_value
from parley.engine.events import (
    AgentStarted,
    Answer,
    Chart,
    ChartReady,
    ClarificationAsked,
    DataReady,
    Done,
    ErrorRaised,
    Event,
    InsightsReady,
    IntentDetected,
    SqlReady,
    TextDelta,
    TurnStarted,
)

PROGRESS = {
    "router": "Reading the question",
    "sql_agent": "Running the query",
    "viz_agent": "Drawing the chart",
    "insight_agent": "Looking for insights",
    "knowledge_agent": "Searching the knowledge rows",
    "taught_question": "Using a taught question",
    "llm_provider": "Asking the language model",
}


def chart_json(chart: Chart | None) -> dict[str, Any] | None:
    if chart is None:
        return None
    return {"type": chart.type, "title": chart.title, "spec": json_value_deep(chart.vega_lite)}


def json_value_deep(value: Any) -> Any:
    """A nested value (a Vega-Lite spec with its data) as JSON can hold it."""
    if isinstance(value, dict):
        return {key: json_value_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_value_deep(item) for item in value]
    return json_value(value)


def answer_json(answer: Answer) -> dict[str, Any]:
    """One stored or streamed answer, whole."""
    return {
        "intent": answer.intent,
        "text": answer.text,
        "reason": answer.reason,
        "sql": answer.sql,
        "columns": list(answer.columns),
        "rows": json_value(answer.rows),
        "truncated": answer.truncated,
        "chart": chart_json(answer.chart),
        "insights": list(answer.insights),
        "suggestions": list(answer.suggestions),
        "options": [{"label": o.label, "question": o.question} for o in answer.options],
        "error": (
            {"code": answer.error_code, "message": answer.text, "incident_id": answer.incident_id}
            if answer.error_code
            else None
        ),
    }


def event_json(event: Event) -> dict[str, Any] | None:
    """What the page needs of one event; None for an event it does not show."""
    if isinstance(event, TurnStarted):
        return {"type": "started", "conversation_id": event.conversation_id}
    if isinstance(event, AgentStarted):
        label = PROGRESS.get(event.agent)
        return {"type": "progress", "agent": event.agent, "label": label} if label else None
    if isinstance(event, IntentDetected):
        return {"type": "intent", "intent": event.intent}
    if isinstance(event, TextDelta):
        return {"type": "text", "text": event.text}
    if isinstance(event, SqlReady):
        return {"type": "sql", "sql": event.sql, "reason": event.reason}
    if isinstance(event, DataReady):
        return {
            "type": "data",
            "columns": list(event.columns),
            "rows": json_value(event.rows),
            "truncated": event.truncated,
        }
    if isinstance(event, ChartReady):
        return {"type": "chart", "chart": chart_json(event.chart)}
    if isinstance(event, InsightsReady):
        return {"type": "insights", "insights": list(event.insights)}
    if isinstance(event, ClarificationAsked):
        options = [{"label": o.label, "question": o.question} for o in event.options]
        return {"type": "clarification", "options": options}
    if isinstance(event, ErrorRaised):
        return {"type": "error", "code": event.code, "message": event.message}
    if isinstance(event, Done):
        return {"type": "done", "message_id": event.message_id, "answer": answer_json(event.answer)}
    return None


def line(payload: dict[str, Any]) -> bytes:
    return (json.dumps(payload, separators=(",", ":"), allow_nan=False) + "\n").encode()
