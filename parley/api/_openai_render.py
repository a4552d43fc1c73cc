"""Renderers of the OpenAI-compatible face: answers as raw, md or html message content,
events as ``chat.completion.chunk`` deltas, and charts as a ``graphSuggestion``.

A finished answer reads answer first: the text, the result table (at most
``MAX_TABLE_ROWS`` rows, with a note saying how many more there are), the SQL, the
insights. A stream carries the same sections in the order the engine produces them.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from parley.engine.events import (
    Answer,
    Chart,
    DataReady,
    Done,
    Event,
    InsightsReady,
    SqlReady,
    TextDelta,
)
from parley.errors import InvalidInput

ResponseType = Literal["raw", "html", "md"]
RESPONSE_TYPES: tuple[ResponseType, ...] = ("raw", "html", "md")
MAX_TABLE_ROWS = 50

# --- message content ------------------------------------------------------------------


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def cell(value: Any) -> str:
    """A result value as table text.

    >>> cell(426164032.18), cell(3), cell(None), cell(0.012345), cell("a|b")
    ('426,164,032.18', '3', '', '0.01235', 'a|b')
    """
    if value is None:
        return ""
    number = _as_number(value)
    return str(value) if number is None else _number(number)


def _more_rows(shown: int, total: int, truncated: bool) -> str:
    if truncated:
        return f"Showing {shown} of the first {total} rows; the result was cut at {total} rows."
    return f"Showing {shown} of {total} rows; {total - shown} more are not shown."


def md_text(text: str) -> str:
    r"""Text made inert in markdown: no HTML, no links, no images; what it says stays.

    >>> md_text('<img src=x onerror=alert(1)> [click](javascript:alert(1)) & more')
    '&lt;img src=x onerror=alert(1)&gt; \\[click\\](javascript:alert(1)) &amp; more'
    """
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("[", "\\[")
        .replace("]", "\\]")
    )


def _md_cell(value: Any) -> str:
    return md_text(cell(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " "))


def md_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], truncated: bool = False) -> str:
    """A markdown table of at most ``MAX_TABLE_ROWS`` rows.

    >>> print(md_table(["team", "points"], [["Lions", 4], ["Bears|Cubs", None]]))
    | team | points |
    | --- | --- |
    | Lions | 4 |
    | Bears\\|Cubs |  |
    """
    lines = [
        "| " + " | ".join(_md_cell(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows[:MAX_TABLE_ROWS]]
    if len(rows) > MAX_TABLE_ROWS or truncated:
        lines += ["", f"_{_more_rows(min(len(rows), MAX_TABLE_ROWS), len(rows), truncated)}_"]
    return "\n".join(lines)


def html_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], truncated: bool = False
) -> str:
    """An HTML table of at most ``MAX_TABLE_ROWS`` rows; every value is escaped.

    >>> print(html_table(["<b>"], [["x & y"]]).replace("<tbody>", "\\n<tbody>"))
    <table><thead><tr><th>&lt;b&gt;</th></tr></thead>
    <tbody><tr><td>x &amp; y</td></tr></tbody></table>
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>"
        for row in rows[:MAX_TABLE_ROWS]
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if len(rows) > MAX_TABLE_ROWS or truncated:
        note = _more_rows(min(len(rows), MAX_TABLE_ROWS), len(rows), truncated)
        table += f"\n<p>{html.escape(note)}</p>"
    return table


def _html_text(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _sql(sql: str, kind: ResponseType) -> str:
    if kind == "md":
        # A fence longer than any run of backticks in the SQL (a string literal may hold some).
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", sql)), default=0))
        return f"{fence}sql\n{sql.strip()}\n{fence}"
    return f'<pre><code class="language-sql">{html.escape(sql.strip())}</code></pre>'


def _insights(insights: Sequence[str], kind: ResponseType) -> str:
    if kind == "md":
        return "\n".join(f"- {md_text(line)}" for line in insights)
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in insights) + "</ul>"


def _table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], truncated: bool, kind: ResponseType
) -> str:
    if kind == "md":
        return md_table(columns, rows, truncated)
    return html_table(columns, rows, truncated)


def _separator(kind: ResponseType) -> str:
    return "\n\n" if kind == "md" else "\n"


def content(answer: Answer, kind: ResponseType) -> str:
    """The assistant message content of a finished answer."""
    if kind == "raw":
        return answer.text
    sections = [md_text(answer.text) if kind == "md" else f"<p>{_html_text(answer.text)}</p>"]
    if answer.columns:
        sections.append(_table(answer.columns, answer.rows, answer.truncated, kind))
    if answer.sql:
        sections.append(_sql(answer.sql, kind))
    if answer.insights:
        sections.append(_insights(answer.insights, kind))
    return _separator(kind).join(sections)


class ChunkWriter:
    """Turns a turn's events, as they come, into content deltas of one message."""

    def __init__(self, kind: ResponseType) -> None:
        self.kind = kind
        self._sections = 0
        self._text_started = False
        self._paragraph_open = False

    def feed(self, event: Event) -> str:
        """The content to send for ``event`` (often nothing)."""
        if isinstance(event, TextDelta):
            return self._text(event.text)
        if isinstance(event, Done):
            closing = self._close_paragraph()
            if not self._text_started:  # a failed turn explains itself in the answer only
                closing += self._text(event.answer.text) + self._close_paragraph()
            return closing
        if self.kind == "raw":
            return ""
        if isinstance(event, SqlReady) and event.sql:
            return self._section(_sql(event.sql, self.kind))
        if isinstance(event, DataReady) and event.columns:
            return self._section(_table(event.columns, event.rows, event.truncated, self.kind))
        if isinstance(event, InsightsReady) and event.insights:
            return self._section(_insights(event.insights, self.kind))
        return ""

    def _text(self, text: str) -> str:
        if self.kind == "raw":
            self._text_started = True
            return text
        prefix = ""
        if not self._text_started:
            prefix = self._section("")
            self._text_started = True
        if self.kind == "md":
            return prefix + md_text(text)
        if not self._paragraph_open:
            prefix += "<p>"
            self._paragraph_open = True
        return prefix + _html_text(text)

    def _section(self, text: str) -> str:
        prefix = self._close_paragraph() + (_separator(self.kind) if self._sections else "")
        self._sections += 1
        return prefix + text

    def _close_paragraph(self) -> str:
        if self._paragraph_open:
            self._paragraph_open = False
            return "</p>"
        return ""


# --- response bodies ------------------------------------------------------------------


def completion_body(
    *,
    completion_id: str,
    created: int,
    model: str,
    fingerprint: str,
    text: str,
    conversation_id: str,
    data_file_path: str | None,
) -> dict[str, Any]:
    """A ``chat.completion``, plus where the thread and the result can be found again."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": fingerprint,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "conversationId": conversation_id,
        "dataFilePath": data_file_path,
    }


def chunk_body(
    *,
    completion_id: str,
    created: int,
    model: str,
    fingerprint: str,
    delta: dict[str, Any],
    conversation_id: str,
    finish_reason: str | None = None,
    data_file_path: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": fingerprint,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        "conversationId": conversation_id,
    }
    if finish_reason is not None:
        body["dataFilePath"] = data_file_path
    return body


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The stored result as CSV: a header line, then one line per row.

    >>> csv_text(["team", "note"], [["Lions", 'said "hi", left'], ["Bears", None]])
    'team,note\\nLions,"said ""hi"", left"\\nBears,\\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    """A value a spreadsheet will show, never run: text that starts like a formula gets a
    leading apostrophe, which spreadsheets hide.

    >>> _csv_cell("=HYPERLINK('http://x')"), _csv_cell("@SUM(A1)"), _csv_cell(-3), _csv_cell(None)
    ("'=HYPERLINK('http://x')", "'@SUM(A1)", -3, '')
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


# --- graph suggestions ----------------------------------------------------------------

#: The graph types a client may name, and the chart (with orientation) each asks for, in
#: the engine's chart vocabulary.
GRAPH_TYPES: dict[str, str] = {
    "Vertical Bar Chart": "vertical bar",
    "Horizontal Bar Chart": "horizontal bar",
    "Bar Chart": "bar",
    "Line Chart": "line",
    "Area Chart": "area",
    "Pie Chart": "pie",
    "Donut Chart": "donut",
    "Scatter Chart": "scatter",
}
CUSTOM = "Custom"
_DISPLAY = {
    "line": "Line Chart",
    "area": "Area Chart",
    "pie": "Pie Chart",
    "donut": "Donut Chart",
    "scatter": "Scatter Chart",
    "kpi": "KPI",
    "table": "Table",
}


def graph_type(name: str) -> str | None:
    """The chart a client's graphType asks for; None for "Custom" (Parley chooses).

    >>> graph_type("line chart"), graph_type("Custom")
    ('line', None)
    """
    for display, requested in GRAPH_TYPES.items():
        if name.strip().lower() == display.lower():
            return requested
    if name.strip().lower() == CUSTOM.lower():
        return None
    raise InvalidInput(
        f"{name!r} is not one of {CUSTOM}, {', '.join(GRAPH_TYPES)}", detail={"field": "graphType"}
    )


def _display(chart: Chart) -> str:
    if chart.type != "bar":
        return _DISPLAY[chart.type]
    value_axis = chart.vega_lite.get("encoding", {}).get("x", {}).get("type")
    return "Horizontal Bar Chart" if value_axis == "quantitative" else "Vertical Bar Chart"


def _sorting(chart: Chart, semantic_query: dict[str, Any] | None) -> tuple[str | None, str | None]:
    if chart.type in ("kpi", "table"):
        return None, None
    for item in (semantic_query or {}).get("order", []):
        if item.get("key") in (chart.x, chart.y):
            return item["key"], "desc" if item.get("descending", True) else "asc"
    if chart.type in ("line", "area"):
        return chart.x, "asc"
    return chart.y, "desc"


def graph_suggestion(chart: Chart, semantic_query: dict[str, Any] | None) -> dict[str, Any]:
    """A chart of a stored result as a ``graphSuggestion``."""
    field, direction = _sorting(chart, semantic_query)
    return {
        "graphType": _display(chart),
        "x_axis": chart.x,
        "y_axis": chart.y,
        "color_by": chart.color,
        "sorting_field": field,
        "sorting_direction": direction,
        "title": chart.title,
        "x_axis_display_name": chart.x_title or None,
        "y_axis_display_name": chart.y_title or None,
    }


INTERNAL_MESSAGE = (
    "Failed to perform action due to an unexpected error. Please contact the application "
    "administrator with Incident ID : {incident} for further assistance."
)


def internal_body(incident: str) -> dict[str, Any]:
    message = INTERNAL_MESSAGE.format(incident=incident)
    return {"code": "500", "message": message, "status": "FAILURE"}
