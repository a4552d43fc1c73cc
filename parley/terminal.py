"""Rendering answers and progress in a terminal (rich), and as JSON for scripts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from parley.engine.events import Answer

MAX_TABLE_ROWS = 50


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def answer_json(answer: Answer, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable({**extra, **dataclasses.asdict(answer)})
    return data


def dumps(data: Any) -> str:
    return json.dumps(to_jsonable(data), indent=2, ensure_ascii=False)


def render_answer(console: Console, answer: Answer, *, text: bool = True) -> None:
    """The answer: its text (unless it was already printed as it arrived), suggestions,
    SQL, table, chart and insights."""
    # Answers echo the user's words and the data's values: neither is rich markup, and a
    # stray "[/x]" in them must print as itself rather than fail.
    if text:
        console.print(answer.text, soft_wrap=True, markup=False)
    if answer.options:
        for option in answer.options:
            console.print(f'  • {option.label}: ask "{option.question}"', markup=False)
    elif answer.suggestions and answer.intent in {"clarification", "out_of_scope", "greeting"}:
        for suggestion in answer.suggestions:
            console.print(f"  • {suggestion}", markup=False)
    if answer.sql:
        console.print()
        console.print(Syntax(answer.sql, "sql", theme="ansi_dark", word_wrap=True))
    if answer.columns:
        console.print()
        console.print(result_table(answer))
    if answer.chart:
        title = f" — {answer.chart.title}" if answer.chart.title else ""
        console.print(f"Chart: {answer.chart.type}{title}", markup=False)
    for insight in answer.insights:
        console.print(f"• {insight}", soft_wrap=True, markup=False)


def result_table(answer: Answer) -> Table:
    table = Table(show_lines=False, header_style="bold")
    for column in answer.columns:
        table.add_column(Text(column))
    for row in answer.rows[:MAX_TABLE_ROWS]:
        table.add_row(*(Text(_cell(v)) for v in row))
    if len(answer.rows) > MAX_TABLE_ROWS:
        table.caption = f"{len(answer.rows) - MAX_TABLE_ROWS} more rows not shown"
    elif answer.truncated:
        table.caption = "the result was cut at the row limit"
    return table


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{float(value):,.2f}"
    return str(value)


class ProgressReporter:
    """A ProgressCallback drawing a rich progress bar per kind of work."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._last = (0, 0)

    def __call__(self, done: int, total: int, what: str) -> None:
        # A new piece of work starts when the count goes back or the total changes.
        if self._task is None or total != self._last[1] or done < self._last[0]:
            self._task = self._progress.add_task(what, total=total)
        self._last = (done, total)
        self._progress.update(self._task, completed=done, total=total, description=what)


@contextmanager
def progress_bar(console: Console, *, enabled: bool) -> Iterator[ProgressReporter | None]:
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield ProgressReporter(progress)
