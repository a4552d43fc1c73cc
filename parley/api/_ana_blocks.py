"""The Ana face's blocks: one turn's events rendered as TextBlock, OntologyBlock,
PythonBlock and ErrorBlock versions.

A block has a stable ``id`` and is re-sent whole each time it grows; a client replaces
the block of that id. Blocks are sent one after the other: once a new id comes, the
previous block is final. ``AnswerBlocks.feed`` returns the versions to send for an event;
``final`` is the last version of every block, which is what the face stores.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from parley.api import _ana_python
from parley.conversations.views import AttributeView, QueryTrace
from parley.engine.events import (
    ChartReady,
    ClarificationAsked,
    DataReady,
    Done,
    ErrorRaised,
    Event,
    InsightsReady,
    Option,
    SqlReady,
    TextDelta,
)

Block = dict[str, Any]
#: Rows of the result shown in the OntologyBlock's ``preview``.
PREVIEW_ROWS = 10
#: Chart types with a picture (a table's picture is the result itself).
DRAWN = frozenset({"kpi", "bar", "line", "area", "pie", "donut", "scatter"})
_ATTRIBUTE_TYPES = {
    "integer": "NumberType", "decimal": "NumberType", "float": "NumberType",
    "text": "TextType", "boolean": "BooleanType", "date": "DateTime",
    "timestamp": "DateTime", "time": "TimeType", "json": "JsonType",
}  # fmt: skip


def new_block_id() -> str:
    return str(uuid.uuid4())


def text_block(contents: str, block_id: str | None = None) -> Block:
    return {"tag": "TextBlock", "contents": contents, "id": block_id or new_block_id()}


def error_block(contents: str, block_id: str | None = None) -> Block:
    return {"tag": "ErrorBlock", "contents": contents, "id": block_id or new_block_id()}


class AnswerBlocks:
    """The blocks of one answer, built from its events in order."""

    def __init__(
        self,
        question: str,
        *,
        organization_id: str,
        trace_of: Callable[[dict[str, Any]], QueryTrace],
        chart_url: str,
        chosen_application: str | None = None,
    ) -> None:
        self._question = question
        self._org = organization_id
        self._trace_of = trace_of
        self._chart_url = chart_url
        self._blocks: dict[str, Block] = {}
        self._intro: Block | None = None
        self._ontology: Block | None = None
        self._python: Block | None = None
        self._answer: Block | None = None
        self._trace: QueryTrace | None = None
        self._columns: list[str] = []
        self._types: list[str] = []
        self._values: list[list[str]] = []
        self._chart: dict[str, Any] | None = None
        self._insights: list[str] = []
        self._options: list[Option] = []
        self._failed = False
        #: The versions to send, serialised when made: later versions never change them.
        self._pending: list[str] = []
        if chosen_application is not None:
            self._intro = self._send(
                text_block(
                    f"I chose the application '{chosen_application}': its ontology "
                    "explains your question best."
                )
            )

    @property
    def final(self) -> list[Block]:
        """The last version of every block, in the order they were first sent."""
        return list(self._blocks.values())

    def start(self) -> list[str]:
        """What is sent before any event (the choice of application, if one was made)."""
        return self._take()

    def fail(self, message: str) -> list[str]:
        """An ErrorBlock for a failure outside the turn's events."""
        self._failed = True
        self._send(error_block(message))
        return self._take()

    def feed(self, event: Event) -> list[str]:
        """The block versions ``event`` produces, as JSON, to send in order."""
        if isinstance(event, SqlReady):
            self._sql_ready(event)
        elif isinstance(event, DataReady):
            self._data_ready(event)
        elif isinstance(event, ChartReady):
            self._chart = dataclasses.asdict(event.chart)
            if self._python is not None:
                self._python["contents"] = self._code()
                self._send(self._python)
        elif isinstance(event, InsightsReady):
            self._insights = list(event.insights)
        elif isinstance(event, ClarificationAsked):
            self._options = list(event.options)
        elif isinstance(event, ErrorRaised):
            self._error(event)
        elif isinstance(event, TextDelta) and not self._failed:
            self._text(event.text)
        elif isinstance(event, Done) and self._python is not None:
            self._finish_python()
        return self._take()

    # -- events ------------------------------------------------------------------------------

    def _sql_ready(self, event: SqlReady) -> None:
        if event.semantic_query is not None:
            self._trace = self._trace_of(event.semantic_query)
        reading = f"Querying {self._reading()}." if self._trace else "Running the query."
        if self._intro is None:
            self._intro = self._send(text_block(reading))
        else:
            self._intro["contents"] += " " + reading
            self._send(self._intro)
        self._ontology = self._send(
            {
                "tag": "OntologyBlock",
                "id": new_block_id(),
                "contents": {
                    "query": self._question,
                    "result": self._result(event.sql, event.reason),
                },
                "tool_call_id": f"call_{uuid.uuid4()}",
            }
        )

    def _data_ready(self, event: DataReady) -> None:
        self._columns = list(event.columns)
        self._types = [column_type(event.rows, i) for i in range(len(event.columns))]
        self._values = [[cell(v) for v in row] for row in event.rows]
        if self._ontology is not None:
            result = self._ontology["contents"]["result"]
            table = {"colNames": self._columns, "colTypes": self._types}
            result["complete"] = True
            result["sqlResult"] = {"result": {**table, "resultVals": self._values}}
            result["preview"] = {"result": {**table, "resultVals": self._values[:PREVIEW_ROWS]}}
            label = self._trace.object.label if self._trace else "the query"
            result["oai_output"] = (
                f"Data from object {label} loaded into DataFrame df1 "
                f"({len(self._values)} rows, {len(self._columns)} columns"
                + (", truncated at the row cap)." if event.truncated else ").")
            )
            self._send(self._ontology)
        self._python = self._send(
            {"tag": "PythonBlock", "contents": self._code(), "id": new_block_id()}
        )

    def _error(self, event: ErrorRaised) -> None:
        self._failed = True
        if self._ontology is not None and not self._ontology["contents"]["result"]["complete"]:
            self._ontology["contents"]["result"]["complete"] = True
            self._ontology["contents"]["result"]["oai_output"] = "The query failed."
            self._send(self._ontology)
        message = event.message
        if event.incident_id and event.incident_id not in message:
            message += f" (incident {event.incident_id})"
        self._send(error_block(message))

    def _text(self, text: str) -> None:
        if self._python is not None:
            self._finish_python()
        self._answer = self._send(text_block(text))
        if self._options:
            self._answer["contents"] += "\n\n" + "\n".join(
                f'- {o.label}: ask "{o.question}"' for o in self._options
            )
            self._send(self._answer)
        for insight in self._insights:
            self._answer["contents"] += f"\n\n- {insight}"
            self._send(self._answer)

    def _finish_python(self) -> None:
        assert self._python is not None
        if "results" in self._python:
            return
        df = _ana_python.dataframe(self._columns, self._types, self._values)
        results: list[Block] = [{"tag": "TextResult", "contents": _ana_python.printed(df)}]
        if self._chart and self._chart.get("type") in DRAWN and self._chart.get("vega_lite"):
            results.append({"tag": "ImageUrlResult", "contents": self._chart_url})
        self._python["contents"] = self._code()
        self._python["results"] = results
        self._send(self._python)

    # -- pieces ------------------------------------------------------------------------------

    def _send(self, block: Block) -> Block:
        self._blocks[block["id"]] = block
        self._pending.append(json.dumps(block))
        return block

    def _take(self) -> list[str]:
        taken, self._pending = self._pending, []
        return taken

    def _code(self) -> str:
        return _ana_python.code(self._columns, self._types, self._chart)

    def _reading(self) -> str:
        trace = self._trace
        assert trace is not None
        what = trace.metrics or [a.name for a in trace.attributes] or [trace.object.name]
        words = f"{', '.join(what)} of {trace.object.label or trace.object.name}"
        if trace.groupings:
            words += f" by {', '.join(_column(g) for g in trace.groupings)}"
        if trace.period:
            words += f", {trace.period},"
        return f"{words} in the ontology of '{trace.source}'"

    def _result(self, sql: str, reason: str) -> dict[str, Any]:
        """The OntologyBlock's ``result`` before the SQL has run."""
        trace = self._trace
        order_words = [f"{key} {_direction(d)}" for key, d in trace.order] if trace else []
        return {
            "complete": False,
            "connectorId": trace.connector if trace else None,
            "queryClassification": {"classification": trace.classification if trace else "metric"},
            "userPrompt": self._question,
            "segmentation": {
                "output": {
                    "filters": trace.filters if trace else [],
                    "groupings": trace.groupings if trace else [],
                    "metrics": trace.metrics if trace else [],
                    "order": order_words,
                }
            },
            "object": self._object(reason),
            "groupingsStarted": trace.groupings if trace else [],
            "groupingsFound": [{"grouping": _column(g)} for g in trace.groupings] if trace else [],
            "metricsQuery": self._metrics_query(),
            "selectedAttributes": [self._attribute(a) for a in trace.attributes] if trace else [],
            "ordersStarted": [{"order": words} for words in order_words],
            "ordersFound": [
                {"order": {"direction": d, "measure": key}, "unparsedText": words}
                for (key, d), words in zip(trace.order if trace else [], order_words, strict=True)
            ],
            "directionFound": trace.order[0][1] if trace and trace.order else None,
            "sqlQuery": sql,
            "sqlResult": None,
            "preview": None,
            "oai_output": "",
        }

    def _object(self, reason: str) -> dict[str, Any]:
        trace = self._trace
        if trace is None:
            return {}
        obj = trace.object
        return {
            "reason": reason,
            "selectedFromGroup": self._question,
            "selectedObject": {
                "innerOrgId": self._org,
                "innerUUID": obj.name,
                "innerUVal": {
                    "backingQuery": None,
                    "backingTable": {"schema": obj.schema or trace.source, "table": obj.name},
                    "interestingAttributes": [
                        f"{a.object}.{a.name}" for a in trace.attributes if a.object == obj.name
                    ],
                    "objectDescription": obj.label,
                    "objectName": obj.name,
                    "primaryKeyAttribute": {"attributeRef": f"{obj.name}.{obj.primary_key[0]}"}
                    if obj.primary_key
                    else None,
                    "titleAttribute": {"attributeRef": f"{obj.name}.{obj.display_attribute}"}
                    if obj.display_attribute
                    else None,
                    "attributes": [self._attribute(a) for a in obj.attributes],
                },
            },
        }

    def _metrics_query(self) -> dict[str, Any]:
        trace = self._trace
        return {
            "metrics": trace.metrics if trace else [],
            "dimensions": [_column(g) for g in trace.groupings] if trace else [],
            "filters": trace.filters if trace else [],
            "order": [key for key, _ in trace.order] if trace else [],
            "direction": trace.order[0][1] if trace and trace.order else None,
            "limit": trace.limit if trace else None,
            "prompt": self._question,
            "unparsedText": self._question,
        }

    def _attribute(self, attribute: AttributeView) -> dict[str, Any]:
        return {
            "innerOrgId": self._org,
            "innerUUID": f"{attribute.object}.{attribute.name}",
            "innerUVal": {
                "attributeName": attribute.name,
                "attributeObject": {"objectRef": attribute.object},
                "attributeType": _ATTRIBUTE_TYPES.get(attribute.type, "TextType"),
                "attributeDescription": attribute.label,
                "attributeIsInherent": True,
                "attributeData": {
                    "tag": "UnlinkedAttribute",
                    "contents": {"columnName": attribute.name},
                },
            },
        }


def _direction(direction: str) -> str:
    return "descending" if direction == "desc" else "ascending"


def _column(grouping: str) -> str:
    """A grouping's column: ``orders.order_date:month`` -> ``order_date_month``.

    >>> _column("orders.order_date:month"), _column("customers.country")
    ('order_date_month', 'country')
    """
    field, _, grain = grouping.partition(":")
    column = field.split(".")[-1]
    return f"{column}_{grain}" if grain else column


def cell(value: Any) -> str:
    """A result value as the OntologyBlock shows it: text, ``"null"`` for none.

    >>> [cell(v) for v in (None, 3, 2.5, Decimal("1.10"), True, dt.date(2024, 1, 31))]
    ['null', '3', '2.5', '1.10', 'true', '2024-01-31']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def column_type(rows: Sequence[Sequence[Any]], index: int) -> str:
    """``NumCol``, ``DateCol``, ``BoolCol`` or ``StringCol``, from the column's values.

    >>> column_type([[1], [2.5], [None]], 0), column_type([[dt.date(2024, 1, 1)]], 0)
    ('NumCol', 'DateCol')
    >>> column_type([[True]], 0), column_type([["a"], [1]], 0), column_type([[None]], 0)
    ('BoolCol', 'StringCol', 'StringCol')
    """
    values = [row[index] for row in rows if row[index] is not None]
    if not values:
        return "StringCol"
    if all(isinstance(v, bool) for v in values):
        return "BoolCol"
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values):
        return "NumCol"
    if all(isinstance(v, dt.date | dt.datetime) for v in values):
        return "DateCol"
    return "StringCol"
