"""The Workbench's rendering: an answer as this face's JSON, and timestamps."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from parley.engine.events import Answer, Chart


def timestamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_value(value: Any) -> Any:
    """A result value as JSON can hold it.

    >>> json_value([dt.date(2024, 1, 31), Decimal("2.50"), float("nan")])
    ['2024-01-31', 2.5, None]
    """
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value


def visualization(chart: Chart | None) -> dict[str, Any] | None:
    if chart is None:
        return None
    return {
        "type": chart.type,
        "x_axis": chart.x,
        "y_axis": chart.y,
        "color": chart.color,
        "title": chart.title,
        "spec": chart.vega_lite,
    }


def answer_body(answer: Answer) -> dict[str, Any]:
    """One answer as this face's message response."""
    return {
        "success": answer.succeeded,
        "response": answer.text,
        "intent": answer.intent,
        "sql": answer.sql,
        "visualization": visualization(answer.chart),
        "data": {"columns": list(answer.columns), "rows": json_value(answer.rows)},
        "insights": list(answer.insights),
        "agents_visited": list(answer.agents_visited),
        "execution_time_ms": round(answer.execution_ms),
        "error": (
            {"code": answer.error_code, "message": answer.text} if answer.error_code else None
        ),
        # A clarifying answer's readings: send an option's question as the next message.
        "options": [{"label": o.label, "question": o.question} for o in answer.options],
    }


def message_metadata(answer: Answer | None) -> dict[str, Any]:
    if answer is None:
        return {}
    return {
        "intent": answer.intent,
        "agents_visited": list(answer.agents_visited),
        "sql": answer.sql,
        "error_code": answer.error_code,
    }
