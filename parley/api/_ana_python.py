"""The Ana face's PythonBlock: the pandas code that reproduces an answer from its SQL
result, and what that code prints.

Parley never runs the code it shows. The code is written from a fixed list of steps
(load the rows, type the columns, print, plot); Parley applies the same steps itself
with pandas to produce the printed table, and draws the chart with its own renderer.
Column names enter the code only as Python string literals (``repr``), so nothing in a
question or a result can become code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

#: Rows printed of a long result (pandas shows the first and last halves).
MAX_PRINTED_ROWS = 20
#: The name the code gives the SQL result (the OntologyBlock's ``sqlResult.result``).
RESULT_NAME = "sql_result"
#: The line before the plotting code (which needs matplotlib, and which Parley never runs).
PLOT_COMMENT = "# The chart, drawn by pandas (Parley's own picture is the ImageUrlResult)"


def dataframe(
    names: Sequence[str], types: Sequence[str], values: Sequence[Sequence[str]]
) -> pd.DataFrame:
    """The result as the code below builds it: text cells, then typed columns."""
    df = pd.DataFrame([list(row) for row in values], columns=list(names), dtype=object)
    df = df.mask(df == "null")
    for name, kind in zip(names, types, strict=True):
        if kind == "NumCol":
            df[name] = pd.to_numeric(df[name])
        elif kind == "DateCol":
            df[name] = pd.to_datetime(df[name])
    return df


def printed(df: pd.DataFrame) -> str:
    """What ``print(df1.to_string(...))`` shows."""
    text: str = df.to_string(index=False, max_rows=MAX_PRINTED_ROWS)
    return text


def code(
    names: Sequence[str],
    types: Sequence[str],
    chart: dict[str, Any] | None,
) -> str:
    """The pandas code of the steps ``dataframe`` and ``printed`` apply, and the plot."""
    lines = [
        "import pandas as pd",
        "",
        f"# {RESULT_NAME}: the OntologyBlock's contents.result.sqlResult.result",
        f"df1 = pd.DataFrame({RESULT_NAME}['resultVals'], "
        f"columns={RESULT_NAME}['colNames'], dtype=object)",
        "df1 = df1.mask(df1 == 'null')",
    ]
    for name, kind in zip(names, types, strict=True):
        if kind == "NumCol":
            lines.append(f"df1[{name!r}] = pd.to_numeric(df1[{name!r}])")
        elif kind == "DateCol":
            lines.append(f"df1[{name!r}] = pd.to_datetime(df1[{name!r}])")
    lines.append(f"print(df1.to_string(index=False, max_rows={MAX_PRINTED_ROWS}))")
    plot = _plot(chart, names)
    if plot:
        lines += ["", PLOT_COMMENT, *plot]
    return "\n".join(lines)


def _plot(chart: dict[str, Any] | None, names: Sequence[str]) -> list[str]:
    """The pandas plot closest to the chart Parley drew (its picture is the ImageUrlResult).

    >>> _plot({"type": "bar", "x": "c", "y": "v", "title": "V by c"}, ["c", "v"])[0]
    "ax = df1.plot.bar(x='c', y='v', title='V by c', legend=False)"
    >>> _plot({"type": "kpi", "y": "v"}, ["v"])
    []
    """
    if not chart:
        return []
    kind, x, y, color = chart.get("type"), chart.get("x"), chart.get("y"), chart.get("color")
    title = chart.get("title", "")
    if kind not in ("bar", "line", "area", "pie", "donut", "scatter") or y not in names:
        return []
    if kind in ("pie", "donut"):
        call = f"df1.set_index({x!r}).plot.pie(y={y!r}, title={title!r}, legend=False)"
    elif kind == "scatter":
        call = f"df1.plot.scatter(x={x!r}, y={y!r}, title={title!r})"
    elif color in names:
        call = (
            f"df1.pivot_table(index={x!r}, columns={color!r}, values={y!r}, aggfunc='sum')"
            f".plot.{kind}(title={title!r})"
        )
    else:
        call = f"df1.plot.{kind}(x={x!r}, y={y!r}, title={title!r}, legend=False)"
    return [f"ax = {call}", "ax.figure.savefig('chart.png')"]
