"""Chart choice: a result's shape (through its column roles) picks the chart.

``choose_chart`` returns a ``Chart`` whose ``vega_lite`` is a complete Vega-Lite v5
specification, data included. ``Chart.x`` names the category, period or first-measure
column and ``Chart.y`` the (first) measure, whatever the orientation of the drawing;
a ``table`` chart has an empty specification (the result table is the picture).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from parley.engine.events import Chart
from parley.engine.result_shape import ColumnRole, as_number, format_value
from parley.errors import InvalidInput

CHART_TYPES: tuple[str, ...] = ("kpi", "bar", "line", "area", "pie", "donut", "scatter", "table")

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: The most data points a specification carries; a bigger result is cut for the picture.
MAX_POINTS = 5_000

_ALIASES = {
    "column": "bar",
    "columns": "bar",
    "bars": "bar",
    "vertical bar": "bar",
    "horizontal bar": "bar",
    "stacked bar": "bar",
    "grouped bar": "bar",
    "histogram": "bar",
    "lines": "line",
    "time series": "line",
    "trend": "line",
    "stacked area": "area",
    "doughnut": "donut",
    "ring": "donut",
    "number": "kpi",
    "single value": "kpi",
    "big number": "kpi",
    "metric": "kpi",
    "scatterplot": "scatter",
    "scatter plot": "scatter",
    "points": "scatter",
    "bubble": "scatter",
    "grid": "table",
    "list": "table",
    "tabular": "table",
}
_ORIENTATION = {"horizontal bar": "horizontal", "vertical bar": "vertical", "column": "vertical"}


def _key(name: str) -> str:
    words = " ".join(name.lower().replace("-", " ").replace("_", " ").split())
    return re.sub(r" (chart|graph|plot)$", "", words)


def normalise_chart_type(name: str) -> str:
    """The canonical chart type for a name or alias ("doughnut" -> "donut").

    >>> normalise_chart_type("Horizontal bar chart"), normalise_chart_type("single value")
    ('bar', 'kpi')
    """
    key = _key(name)
    if key in CHART_TYPES:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    known = [*CHART_TYPES, *_ALIASES]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InvalidInput(
        f"unknown chart type {name!r}: use one of {', '.join(CHART_TYPES)}{hint}",
        detail={"allowed": list(CHART_TYPES), "closest": close[0] if close else None},
    )


#: Chart names that say "chart" on their own; any other name of the vocabulary counts in
#: free text only when "chart", "graph" or "plot" follows it ("a trend" is not a chart).
_PLAIN_NAMES = frozenset(
    {"bar", "line", "area", "pie", "donut", "scatter", "column", "doughnut", "scatterplot",
     "horizontal bar", "vertical bar", "scatter plot", "bars", "lines", "histogram"}
)  # fmt: skip


def _words(text: str) -> str:
    return " " + " ".join(re.split(r"[^0-9a-z]+", text.lower())).strip() + " "


def chart_type_in(text: str) -> str | None:
    """The chart a free text names ("... as a donut chart"), as the name it used (so that an
    orientation survives); None when it names none. The vocabulary is ``normalise_chart_type``'s.

    >>> chart_type_in("show revenue as a horizontal bar chart"), chart_type_in("revenue")
    ('horizontal bar', None)
    >>> chart_type_in("revenue trend"), chart_type_in("as a time series chart")
    (None, 'time series')
    """
    words = _words(text)
    for name in sorted((*CHART_TYPES, *_ALIASES), key=len, reverse=True):
        if f" {name} " not in words:
            continue
        named_as_chart = any(f" {name} {w} " in words for w in ("chart", "graph", "plot"))
        if name in _PLAIN_NAMES or named_as_chart:
            return name
    return None


def columns_named_in(columns: Sequence[ColumnRole], text: str) -> list[ColumnRole]:
    """The columns a free text names, when it names enough of them to draw a chart (two,
    a measure among them); otherwise all of them."""
    words = _words(text)
    named = [
        c for c in columns if _words(c.name) in words or (c.label and _words(c.label) in words)
    ]
    if len(named) >= 2 and any(c.role == "measure" for c in named):
        return named
    return list(columns)


@dataclass(slots=True)
class _Shape:
    columns: list[ColumnRole]
    rows: Sequence[Sequence[Any]]

    def values(self, column: ColumnRole) -> list[Any]:
        index = self.columns.index(column)
        return [row[index] for row in self.rows if index < len(row)]

    def distinct(self, column: ColumnRole) -> int:
        return len({_hashable(v) for v in self.values(column)})

    def of(self, role: str, *, varying: bool = False) -> list[ColumnRole]:
        found = [c for c in self.columns if c.role == role]
        if varying and len(self.rows) > 1:
            found = [c for c in found if self.distinct(c) > 1]
        return found

    def describe(self) -> str:
        return ", ".join(f"{c.name} ({c.role})" for c in self.columns) or "no columns"


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | dt.date | None) else repr(value)


@dataclass(slots=True)
class _Plan:
    type: str
    x: ColumnRole | None = None
    ys: list[ColumnRole] = field(default_factory=list)
    color: ColumnRole | None = None
    horizontal: bool = False


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _is_temporal(shape: _Shape, column: ColumnRole) -> bool:
    values = [v for v in shape.values(column) if v is not None]
    return bool(values) and all(
        isinstance(v, dt.date) or (isinstance(v, str) and _ISO_DATE.match(v)) for v in values
    )


def _is_ordered(shape: _Shape, column: ColumnRole) -> bool:
    if column.role == "time":
        return True
    values = [v for v in shape.values(column) if v is not None]
    return bool(values) and (
        _is_temporal(shape, column) or all(as_number(v) is not None for v in values)
    )


def _numbers(shape: _Shape, column: ColumnRole) -> list[float]:
    return [n for n in (as_number(v) for v in shape.values(column)) if n is not None]


def _categories(shape: _Shape) -> list[ColumnRole]:
    """Columns that can label bars: dimensions, else a lone identifier."""
    dims = shape.of("dimension", varying=True)
    ids = shape.of("identifier")
    if dims:
        return dims
    return ids[:1] if len(ids) == 1 else []


def _is_share(shape: _Shape, measure: ColumnRole) -> bool:
    words = f"{measure.name} {measure.label}".lower()
    if measure.format != "percent" and not any(w in words for w in ("share", "percent", "pct")):
        return False
    values = _numbers(shape, measure)
    if len(values) != len(shape.rows) or any(v < 0 for v in values):
        return False
    total = sum(values)
    return 98.5 <= total <= 101.5 or 0.985 <= total <= 1.015


def _auto(shape: _Shape) -> _Plan:
    rows = len(shape.rows)
    measures = shape.of("measure")
    if rows == 0 or not measures:
        return _Plan("table")
    if rows == 1:
        return _Plan("kpi", ys=measures[:1]) if len(measures) == 1 else _Plan("table")
    times = shape.of("time", varying=True)
    dims = shape.of("dimension", varying=True)
    ids = shape.of("identifier")
    if len(times) == 1:
        if ids or len(dims) > 1 or len(measures) > 6:
            return _Plan("table")
        if not dims:
            return _Plan("line", x=times[0], ys=measures)
        if len(measures) == 1 and shape.distinct(dims[0]) <= 8:
            return _Plan("line", x=times[0], ys=measures, color=dims[0])
        return _Plan("table")
    if times:
        return _Plan("table")
    cats = _categories(shape)
    if ids and shape.of("dimension") and not (len(dims) == 1 and shape.distinct(dims[0]) == rows):
        return _Plan("table")  # a detail list: labels are not one per row
    if len(measures) == 2 and (not cats or rows > 20):
        return _Plan("scatter", x=measures[0], ys=measures[1:])
    if len(cats) == 1 and rows <= 100:
        if len(measures) == 1:
            if rows <= 6 and _is_share(shape, measures[0]):
                return _Plan("pie", x=cats[0], ys=measures)
            return _Plan("bar", x=cats[0], ys=measures)
        if len(measures) <= 4 and rows <= 30:
            return _Plan("bar", x=cats[0], ys=measures)
    if len(cats) == 2 and len(measures) == 1 and len(dims) == 2:
        x, color = sorted(cats, key=shape.distinct, reverse=True)
        if shape.distinct(color) <= 12 and shape.distinct(x) <= 60:
            return _Plan("bar", x=x, ys=measures, color=color)
    return _Plan("table")


def _refuse(kind: str, why: str, shape: _Shape) -> InvalidInput:
    return InvalidInput(
        f"cannot draw a {kind} chart: {why} (columns: {shape.describe()})",
        detail={"chart_type": kind},
    )


def _requested(kind: str, shape: _Shape) -> _Plan:
    if kind == "table":
        return _Plan("table")
    rows = len(shape.rows)
    measures = shape.of("measure")
    if rows == 0:
        raise _refuse(kind, "the result has no rows", shape)
    if not measures:
        raise _refuse(kind, "it needs a numeric measure and this result has none", shape)
    times = shape.of("time", varying=True)
    cats = _categories(shape)
    if kind == "kpi":
        if rows != 1:
            why = f"a kpi shows a single value and this result has {rows} rows"
            raise _refuse(kind, why, shape)
        return _Plan("kpi", ys=measures[:1])
    if kind == "scatter":
        if len(measures) < 2:
            raise _refuse(kind, f"it needs two measures and this result has {len(measures)}", shape)
        return _Plan("scatter", x=measures[0], ys=measures[1:2])
    if kind in ("line", "area"):
        ordered = times or [c for c in cats if _is_ordered(shape, c)]
        if not ordered:
            raise _refuse(kind, "it needs an ordered x axis, such as a date or period", shape)
        others = [c for c in cats if c is not ordered[0]]
        if others:
            return _Plan(kind, x=ordered[0], ys=measures[:1], color=others[0])
        return _Plan(kind, x=ordered[0], ys=measures)
    if kind in ("pie", "donut"):
        slices = times + cats
        if len(slices) != 1:
            why = "it needs exactly one dimension to slice by"
            raise _refuse(kind, f"{why} and this result has {len(slices)}", shape)
        values = _numbers(shape, measures[0])
        negative = sum(1 for v in values if v < 0)
        if negative:
            why = f"{measures[0].name} has {negative} negative value(s) and a slice cannot be"
            raise _refuse(kind, f"{why} negative", shape)
        if rows > 20:
            raise _refuse(kind, f"{rows} slices are too many to read; at most 20", shape)
        return _Plan(kind, x=slices[0], ys=measures[:1])
    axes = times + cats
    if not axes:
        raise _refuse(kind, "it needs a category or period column for the bars", shape)
    if len(axes) >= 2:
        return _Plan("bar", x=axes[0], ys=measures[:1], color=axes[1])
    return _Plan("bar", x=axes[0], ys=measures[:4])


def choose_chart(
    columns: Sequence[ColumnRole],
    rows: Sequence[Sequence[Any]],
    *,
    requested: str | None = None,
    title: str = "",
) -> Chart:
    """The chart for a result: chosen from its shape, or the ``requested`` type if it fits.

    Raises ``InvalidInput`` when the requested type cannot carry this data, saying why.
    """
    shape = _Shape(list(columns), rows)
    if requested:
        plan = _requested(normalise_chart_type(requested), shape)
        orientation = _ORIENTATION.get(_key(requested))
    else:
        plan = _auto(shape)
        orientation = None
    if plan.type == "bar" and plan.x is not None:
        plan.horizontal = _horizontal(shape, plan.x, orientation)
    return _build(plan, shape, title)


def _horizontal(shape: _Shape, x: ColumnRole, orientation: str | None) -> bool:
    if orientation is not None:
        return orientation == "horizontal"
    if _is_ordered(shape, x):
        return False
    labels = [str(v) for v in shape.values(x)]
    return shape.distinct(x) > 12 or max((len(s) for s in labels), default=0) > 14


# --- Vega-Lite ------------------------------------------------------------------------

_TIME_UNITS = {
    "day": "utcyearmonthdate",
    "week": "utcyearmonthdate",
    "month": "utcyearmonth",
    "quarter": "utcyearquarter",
    "year": "utcyear",
}
_AXIS_FORMAT = {"currency": "$,.0f"}
_TOOLTIP_FORMAT = {"currency": "$,.2f", "percent": ",.1f", "number": ",.2~f"}
_PERCENT_LABEL = "format(datum.value, ',.1~f') + '%'"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _data_keys(columns: Sequence[ColumnRole]) -> dict[str, str]:
    """Data field names: the column names, unless Vega would read them as paths."""
    return {
        c.name: c.name if re.fullmatch(r"[^.\[\]\\\"']+", c.name) else f"col_{i}"
        for i, c in enumerate(columns)
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return as_number(value)
    if isinstance(value, float):
        return as_number(value)
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def _records(shape: _Shape, keys: dict[str, str]) -> list[dict[str, Any]]:
    names = [keys[c.name] for c in shape.columns]
    return [
        {name: _json_value(value) for name, value in zip(names, row, strict=False)}
        for row in shape.rows[:MAX_POINTS]
    ]


@dataclass(slots=True)
class _Fields:
    shape: _Shape
    keys: dict[str, str]

    def measure(self, column: ColumnRole, *, axis: bool = True) -> dict[str, Any]:
        encoding: dict[str, Any] = {
            "field": self.keys[column.name],
            "type": "quantitative",
            "title": _sentence(column.title),
        }
        if axis:
            encoding["axis"] = self.measure_axis(column.format)
        return encoding

    @staticmethod
    def measure_axis(fmt: str) -> dict[str, Any]:
        if fmt == "percent":
            return {"labelExpr": _PERCENT_LABEL}
        if fmt in _AXIS_FORMAT:
            return {"format": _AXIS_FORMAT[fmt]}
        return {}

    def base(self, column: ColumnRole) -> dict[str, Any]:
        return {"field": self.keys[column.name], "title": _sentence(column.title)}

    def category(self, column: ColumnRole, *, discrete: bool = False) -> dict[str, Any]:
        encoding = self.base(column)
        if _is_temporal(self.shape, column):
            encoding["type"] = "ordinal" if discrete else "temporal"
            values = [v for v in self.shape.values(column) if v is not None]
            dates_only = all(not isinstance(v, dt.datetime) for v in values)
            unit = _TIME_UNITS.get(column.grain or "", "utcyearmonthdate" if dates_only else None)
            if unit:
                encoding["timeUnit"] = unit
        elif column.role == "time" or (discrete is False and _is_ordered(self.shape, column)):
            encoding["type"] = "ordinal"
            encoding["sort"] = None
        else:
            encoding["type"] = "nominal"
            encoding["sort"] = None
        return encoding

    def tooltip(self, column: ColumnRole) -> dict[str, Any]:
        encoding = self.base(column)
        if column.role == "measure":
            encoding["type"] = "quantitative"
            encoding["format"] = _TOOLTIP_FORMAT[column.format]
            if column.format == "percent":
                encoding["title"] += " (%)"
        elif _is_temporal(self.shape, column):
            encoding["type"] = "temporal"
            unit = _TIME_UNITS.get(column.grain or "")
            if unit:
                encoding["timeUnit"] = unit
        else:
            encoding["type"] = "nominal"
        return encoding


def _fold(fields: _Fields, measures: list[ColumnRole]) -> tuple[list[dict[str, Any]], list[str]]:
    """Transforms turning several measure columns into one series column plus one value."""
    keys = [fields.keys[m.name] for m in measures]
    labels = [_sentence(m.title) for m in measures]
    expression = "''"
    for key, label in reversed(list(zip(keys, labels, strict=True))):
        expression = f"datum.__measure === {json.dumps(key)} ? {json.dumps(label)} : {expression}"
    return [
        {"fold": keys, "as": ["__measure", "__value"]},
        {"calculate": expression, "as": "__series"},
    ], labels


def _folded_value(measures: list[ColumnRole]) -> dict[str, Any]:
    formats = {m.format for m in measures}
    fmt = formats.pop() if len(formats) == 1 else "number"
    return {
        "field": "__value",
        "type": "quantitative",
        "title": " and ".join(m.title for m in measures).capitalize(),
        "axis": _Fields.measure_axis(fmt),
    }


def _compose_title(plan: _Plan) -> str:
    measures = " and ".join(m.title for m in plan.ys) or "Result"
    if plan.type == "kpi":
        return _sentence(measures)
    if plan.type == "scatter" and plan.x is not None:
        return _sentence(f"{measures} vs {plan.x.title}")
    if plan.x is None:
        return _sentence(measures)
    by = plan.x.title if plan.color is None else f"{plan.x.title} and {plan.color.title}"
    return _sentence(f"{measures} by {by}")


def _build(plan: _Plan, shape: _Shape, title: str) -> Chart:
    title = title or ("" if plan.type == "table" else _compose_title(plan))
    if plan.type == "table":
        return Chart(type="table", title=title)
    keys = _data_keys(shape.columns)
    fields = _Fields(shape, keys)
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": _records(shape, keys)},
    }
    if len(shape.rows) > MAX_POINTS:
        spec["usermeta"] = {"points_shown": MAX_POINTS, "points_total": len(shape.rows)}
    x_title = _sentence(plan.x.title) if plan.x else ""
    y_title = " and ".join(m.title for m in plan.ys)
    builder = _BUILDERS[plan.type]
    spec.update(builder(plan, fields))
    return Chart(
        type=plan.type,
        x=plan.x.name if plan.x else None,
        y=plan.ys[0].name if plan.ys else None,
        color=plan.color.name if plan.color else None,
        title=title,
        x_title=x_title,
        y_title=_sentence(y_title),
        vega_lite=spec,
    )


def _tooltips(plan: _Plan, fields: _Fields) -> list[dict[str, Any]]:
    used = [c for c in (plan.x, plan.color) if c is not None] + plan.ys
    labels = [c for c in fields.shape.columns if c.role in ("dimension", "identifier")]
    ordered = [*(c for c in labels if c not in used), *used]
    return [fields.tooltip(c) for c in ordered]


def _kpi(plan: _Plan, fields: _Fields) -> dict[str, Any]:
    measure = plan.ys[0]
    value = fields.shape.values(measure)[0]
    record = {fields.keys[measure.name]: _json_value(value)}
    record["__display"] = format_value(value, measure.format)
    subtitle = [
        format_value(v)
        for c, v in zip(fields.shape.columns, fields.shape.rows[0], strict=False)
        if c.role in ("dimension", "time") and v is not None
    ]
    spec: dict[str, Any] = {
        "data": {"values": [record]},
        "width": 320,
        "height": 120,
        "mark": {"type": "text", "fontSize": 56, "fontWeight": "bold", "baseline": "middle"},
        "encoding": {
            "text": {"field": "__display", "type": "nominal"},
            "tooltip": [fields.tooltip(measure)],
        },
        "config": {"view": {"stroke": None}},
    }
    if subtitle:
        spec["title"] = {"text": _sentence(measure.title), "subtitle": ", ".join(subtitle)}
    return spec


def _bar(plan: _Plan, fields: _Fields) -> dict[str, Any]:
    assert plan.x is not None
    category = fields.category(plan.x, discrete=True)
    if category["type"] == "nominal":
        longest = max((len(str(v)) for v in fields.shape.values(plan.x)), default=0)
        angle = 0 if plan.horizontal or longest <= 8 else -40
        category["axis"] = {"labelLimit": 180, "labelAngle": angle}
    value_channel, category_channel = ("x", "y") if plan.horizontal else ("y", "x")
    spec: dict[str, Any] = {"mark": {"type": "bar", "tooltip": True}}
    encoding: dict[str, Any] = {category_channel: category}
    if len(plan.ys) > 1:
        transforms, labels = _fold(fields, plan.ys)
        spec["transform"] = transforms
        encoding[value_channel] = _folded_value(plan.ys)
        series = {"field": "__series", "type": "nominal", "sort": labels}
        encoding[f"{category_channel}Offset"] = series
        encoding["color"] = {**series, "title": None}
        tooltips = [
            fields.tooltip(plan.x),
            {"field": "__series", "type": "nominal", "title": "Measure"},
        ]
        tooltips.append({"field": "__value", "type": "quantitative", "title": "Value"})
        encoding["tooltip"] = tooltips
    else:
        encoding[value_channel] = fields.measure(plan.ys[0])
        encoding["tooltip"] = _tooltips(plan, fields)
    if plan.color is not None:
        encoding["color"] = fields.category(plan.color, discrete=True)
    spec["encoding"] = encoding
    if plan.horizontal:
        spec.update({"width": 480, "height": {"step": 22}})
    else:
        spec.update({"width": 600 if len(fields.shape.rows) > 12 else {"step": 48}, "height": 320})
    return spec


def _line(plan: _Plan, fields: _Fields) -> dict[str, Any]:
    assert plan.x is not None
    points = len(fields.shape.rows) <= 60
    if plan.type == "area":
        mark: dict[str, Any] = {"type": "area", "line": True, "opacity": 0.6, "tooltip": True}
    else:
        mark = {"type": "line", "point": points, "tooltip": True}
    encoding: dict[str, Any] = {"x": fields.category(plan.x)}
    spec: dict[str, Any] = {"mark": mark, "width": 600, "height": 320}
    if len(plan.ys) > 1:
        transforms, labels = _fold(fields, plan.ys)
        spec["transform"] = transforms
        encoding["y"] = _folded_value(plan.ys)
        encoding["color"] = {"field": "__series", "type": "nominal", "sort": labels, "title": None}
        encoding["tooltip"] = [
            fields.tooltip(plan.x),
            {"field": "__series", "type": "nominal", "title": "Measure"},
            {"field": "__value", "type": "quantitative", "title": "Value", "format": ",.2~f"},
        ]
    else:
        encoding["y"] = fields.measure(plan.ys[0])
        encoding["tooltip"] = _tooltips(plan, fields)
        if plan.color is not None:
            encoding["color"] = fields.category(plan.color, discrete=True)
    spec["encoding"] = encoding
    return spec


def _pie(plan: _Plan, fields: _Fields) -> dict[str, Any]:
    assert plan.x is not None
    mark: dict[str, Any] = {"type": "arc", "tooltip": True}
    if plan.type == "donut":
        mark["innerRadius"] = 70
    color = fields.category(plan.x, discrete=True)
    color["type"] = "nominal"
    color["sort"] = None
    return {
        "mark": mark,
        "width": 320,
        "height": 320,
        "transform": [{"window": [{"op": "row_number", "as": "__row"}]}],
        "encoding": {
            "theta": {**fields.measure(plan.ys[0], axis=False), "stack": True},
            "color": color,
            "order": {"field": "__row", "type": "quantitative"},
            "tooltip": _tooltips(plan, fields),
        },
        "config": {"view": {"stroke": None}},
    }


def _scatter(plan: _Plan, fields: _Fields) -> dict[str, Any]:
    assert plan.x is not None
    encoding: dict[str, Any] = {
        "x": fields.measure(plan.x),
        "y": fields.measure(plan.ys[0]),
        "tooltip": _tooltips(plan, fields),
    }
    dims = fields.shape.of("dimension", varying=True)
    if len(dims) == 1 and fields.shape.distinct(dims[0]) <= 8:
        encoding["color"] = fields.category(dims[0], discrete=True)
    return {
        "mark": {"type": "point", "filled": True, "tooltip": True},
        "width": 600,
        "height": 360,
        "encoding": encoding,
    }


_BUILDERS: dict[str, Callable[[_Plan, _Fields], dict[str, Any]]] = {
    "kpi": _kpi,
    "bar": _bar,
    "line": _line,
    "area": _line,
    "pie": _pie,
    "donut": _pie,
    "scatter": _scatter,
}
