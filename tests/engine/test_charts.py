from __future__ import annotations

import datetime as dt
import doctest
import json
from decimal import Decimal
from typing import Any

import pytest

from parley.chart_image import render_chart
from parley.engine import charts, result_shape
from parley.engine.charts import CHART_TYPES, MAX_POINTS, choose_chart, normalise_chart_type
from parley.engine.events import Chart
from parley.engine.result_shape import ColumnRole, format_value, infer_roles
from parley.errors import InvalidInput

CUSTOMER = ColumnRole("customer", "dimension")
SEGMENT = ColumnRole("segment", "dimension")
REGION = ColumnRole("region", "dimension")
ORDER_ID = ColumnRole("order_id", "identifier")
MONTH = ColumnRole("order_month", "time", label="order month", grain="month")
REVENUE = ColumnRole("revenue", "measure", format="currency")
ORDERS = ColumnRole("orders", "measure")
SHARE = ColumnRole("share_of_revenue", "measure", label="share of revenue", format="percent")
PROFIT = ColumnRole("profit", "measure", format="currency")

MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]

Shape = tuple[list[ColumnRole], list[list[Any]]]

SHAPES: dict[str, Shape] = {
    "single value": ([REVENUE], [[1_234_567.8]]),
    "one row with a label": ([CUSTOMER, REVENUE], [["Acme", 10.0]]),
    "monthly series": ([MONTH, REVENUE], [[m, 100.0 * i] for i, m in enumerate(MONTHS)]),
    "monthly series by region": (
        [MONTH, REGION, REVENUE],
        [[m, r, 10.0 * i] for i, m in enumerate(MONTHS[:6]) for r in ("North", "South")],
    ),
    "monthly series, two measures": (
        [MONTH, REVENUE, ORDERS],
        [[m, 10.0 * i, i] for i, m in enumerate(MONTHS)],
    ),
    "revenue by customer": (
        [CUSTOMER, REVENUE],
        [["Acme", 300.0], ["Globex", 200.0], ["Initech", 100.0], ["Umbrella", 50.0]],
    ),
    "share of total, few": (
        [SEGMENT, SHARE],
        [["Enterprise", 55.0], ["SMB", 30.0], ["Consumer", 15.0]],
    ),
    "share not summing to a whole": (
        [SEGMENT, SHARE],
        [["Enterprise", 55.0], ["SMB", 60.0], ["Consumer", 15.0]],
    ),
    "two measures, no label": ([REVENUE, PROFIT], [[i * 10.0, i * 2.0] for i in range(10)]),
    "two measures, many rows": (
        [CUSTOMER, REVENUE, PROFIT],
        [[f"c{i}", i * 10.0, i * 3.0] for i in range(40)],
    ),
    "several measures by customer": (
        [CUSTOMER, REVENUE, PROFIT, ORDERS],
        [["Acme", 300.0, 30.0, 3], ["Globex", 200.0, 25.0, 2]],
    ),
    "two dimensions": (
        [REGION, SEGMENT, REVENUE],
        [[r, s, 10.0] for r in ("North", "South", "East") for s in ("SMB", "Enterprise")],
    ),
    "order list": (
        [ORDER_ID, CUSTOMER, REVENUE],
        [[1, "Acme", 10.0], [2, "Acme", 12.0], [3, "Globex", 9.0]],
    ),
    "text only": ([CUSTOMER, SEGMENT], [["Acme", "SMB"], ["Globex", "Enterprise"]]),
    "empty": ([CUSTOMER, REVENUE], []),
}


def shape(name: str) -> Shape:
    return SHAPES[name]


@pytest.mark.parametrize(
    ("name", "chart_type", "x", "y", "color"),
    [
        ("single value", "kpi", None, "revenue", None),
        ("one row with a label", "kpi", None, "revenue", None),
        ("monthly series", "line", "order_month", "revenue", None),
        ("monthly series by region", "line", "order_month", "revenue", "region"),
        ("monthly series, two measures", "line", "order_month", "revenue", None),
        ("revenue by customer", "bar", "customer", "revenue", None),
        ("share of total, few", "pie", "segment", "share_of_revenue", None),
        ("share not summing to a whole", "bar", "segment", "share_of_revenue", None),
        ("two measures, no label", "scatter", "revenue", "profit", None),
        ("two measures, many rows", "scatter", "revenue", "profit", None),
        ("several measures by customer", "bar", "customer", "revenue", None),
        ("two dimensions", "bar", "region", "revenue", "segment"),
        ("order list", "table", None, None, None),
        ("text only", "table", None, None, None),
        ("empty", "table", None, None, None),
    ],
)
def test_automatic_choice_follows_the_shape(
    name: str, chart_type: str, x: str | None, y: str | None, color: str | None
) -> None:
    columns, rows = shape(name)
    chart = choose_chart(columns, rows)
    assert (chart.type, chart.x, chart.y, chart.color) == (chart_type, x, y, color)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bar", "bar"),
        ("Column chart", "bar"),
        ("vertical bar", "bar"),
        ("horizontal-bar", "bar"),
        ("doughnut", "donut"),
        ("number", "kpi"),
        ("Single value", "kpi"),
        ("scatter plot", "scatter"),
        ("line graph", "line"),
        ("AREA", "area"),
    ],
)
def test_chart_type_aliases(name: str, expected: str) -> None:
    assert normalise_chart_type(name) == expected


def test_unknown_chart_type_names_allowed_types_and_closest_match() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_chart_type("pei")
    message = caught.value.message
    assert "'pei'" in message
    assert all(t in message for t in CHART_TYPES)
    assert "did you mean 'pie'" in message
    assert caught.value.detail["closest"] == "pie"


@pytest.mark.parametrize(
    ("name", "requested", "chart_type", "x", "color"),
    [
        ("revenue by customer", "pie", "pie", "customer", None),
        ("revenue by customer", "donut", "donut", "customer", None),
        ("revenue by customer", "table", "table", None, None),
        ("monthly series", "bar", "bar", "order_month", None),
        ("monthly series", "area", "area", "order_month", None),
        ("monthly series by region", "bar", "bar", "order_month", "region"),
        ("single value", "number", "kpi", None, None),
        ("two measures, many rows", "scatter", "scatter", "revenue", None),
        ("share of total, few", "bar", "bar", "segment", None),
    ],
)
def test_requested_type_is_respected_when_the_data_fits(
    name: str, requested: str, chart_type: str, x: str | None, color: str | None
) -> None:
    columns, rows = shape(name)
    chart = choose_chart(columns, rows, requested=requested)
    assert (chart.type, chart.x, chart.color) == (chart_type, x, color)


@pytest.mark.parametrize(
    ("name", "requested", "reason"),
    [
        ("revenue by customer", "line", "ordered x axis"),
        ("revenue by customer", "scatter", "two measures"),
        ("revenue by customer", "kpi", "single value"),
        ("two dimensions", "pie", "exactly one dimension"),
        ("monthly series", "kpi", "12 rows"),
        ("text only", "bar", "numeric measure"),
        ("empty", "bar", "no rows"),
        ("two measures, no label", "bar", "category or period column"),
    ],
)
def test_requested_type_is_refused_with_the_reason(name: str, requested: str, reason: str) -> None:
    columns, rows = shape(name)
    with pytest.raises(InvalidInput) as caught:
        choose_chart(columns, rows, requested=requested)
    assert reason in caught.value.message
    assert f"cannot draw a {normalise_chart_type(requested)} chart" in caught.value.message


def test_pie_refuses_negative_values_and_counts_them() -> None:
    rows = [["Acme", 10.0], ["Globex", -4.0], ["Initech", -1.0]]
    with pytest.raises(InvalidInput, match=r"profit has 2 negative value\(s\)"):
        choose_chart([CUSTOMER, PROFIT], rows, requested="pie")


def test_orientation_follows_the_request_and_label_length() -> None:
    columns, rows = shape("revenue by customer")
    assert "y" in choose_chart(columns, rows, requested="horizontal bar").vega_lite["encoding"]
    vertical = choose_chart(columns, rows, requested="vertical bar").vega_lite["encoding"]
    assert vertical["x"]["field"] == "customer"
    long = [[f"Customer with a long name {i}", float(i)] for i in range(5)]
    encoding = choose_chart(columns, long).vega_lite["encoding"]
    assert encoding["y"]["field"] == "customer"
    assert encoding["x"]["field"] == "revenue"


def test_bar_spec_structure() -> None:
    columns, rows = shape("revenue by customer")
    chart = choose_chart(columns, rows)
    spec = chart.vega_lite
    assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v5.json"
    assert spec["title"] == chart.title == "Revenue by customer"
    assert spec["data"]["values"][0] == {"customer": "Acme", "revenue": 300.0}
    assert spec["mark"]["type"] == "bar"
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert x == {**x, "field": "customer", "type": "nominal", "sort": None, "title": "Customer"}
    assert y == {**y, "field": "revenue", "type": "quantitative", "title": "Revenue"}
    assert y["axis"]["format"] == "$,.0f"
    tips = {t["field"]: t for t in spec["encoding"]["tooltip"]}
    assert tips["revenue"]["format"] == "$,.2f"
    assert set(tips) == {"customer", "revenue"}
    assert (chart.x_title, chart.y_title) == ("Customer", "Revenue")
    json.dumps(spec)  # a face sends it as JSON


def test_time_axis_is_temporal_in_utc_with_iso_dates() -> None:
    columns, rows = shape("monthly series")
    spec = choose_chart(columns, rows, title="Monthly revenue").vega_lite
    assert spec["title"] == "Monthly revenue"
    assert spec["data"]["values"][0]["order_month"] == "2025-01-01"
    x = spec["encoding"]["x"]
    assert (x["type"], x["timeUnit"], x["title"]) == ("temporal", "utcyearmonth", "Order month")


def test_integer_years_are_ordinal_not_milliseconds() -> None:
    year = ColumnRole("order_year", "time", grain="year")
    chart = choose_chart([year, REVENUE], [[2023, 1.0], [2024, 2.0], [2025, 3.0]])
    assert chart.type == "line"
    assert chart.vega_lite["encoding"]["x"]["type"] == "ordinal"


def test_several_measures_are_folded_into_one_series_column() -> None:
    columns, rows = shape("several measures by customer")
    chart = choose_chart(columns, rows)
    spec = chart.vega_lite
    assert spec["transform"][0] == {
        "fold": ["revenue", "profit", "orders"],
        "as": ["__measure", "__value"],
    }
    assert spec["encoding"]["xOffset"]["field"] == "__series"
    assert spec["encoding"]["color"]["sort"] == ["Revenue", "Profit", "Orders"]
    assert chart.title == "Revenue and profit and orders by customer"


def test_percent_axis_appends_a_percent_sign_without_rescaling() -> None:
    columns, rows = shape("share not summing to a whole")
    y = choose_chart(columns, rows).vega_lite["encoding"]["y"]
    assert "+ '%'" in y["axis"]["labelExpr"]


def test_kpi_shows_the_formatted_value() -> None:
    columns, rows = shape("single value")
    chart = choose_chart(columns, rows)
    spec = chart.vega_lite
    assert spec["mark"]["type"] == "text"
    assert spec["data"]["values"] == [{"revenue": 1_234_567.8, "__display": "$1.23M"}]
    assert chart.title == "Revenue"


def test_points_are_capped_and_the_cut_is_recorded() -> None:
    rows = [[float(i), float(i % 7)] for i in range(MAX_POINTS + 10)]
    spec = choose_chart([REVENUE, PROFIT], rows).vega_lite
    assert len(spec["data"]["values"]) == MAX_POINTS
    assert spec["usermeta"] == {"points_shown": MAX_POINTS, "points_total": MAX_POINTS + 10}


def test_column_names_vega_would_read_as_paths_are_renamed_in_the_data() -> None:
    odd = ColumnRole("sum(o.amount)", "measure")
    spec = choose_chart([CUSTOMER, odd], [["Acme", 1.0], ["Globex", 2.0]]).vega_lite
    assert spec["data"]["values"][0] == {"customer": "Acme", "col_1": 1.0}
    assert spec["encoding"]["y"]["field"] == "col_1"


def test_table_has_no_specification() -> None:
    columns, rows = shape("order list")
    assert choose_chart(columns, rows).vega_lite == {}


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("name", "requested"),
    [
        ("single value", None),
        ("monthly series by region", None),
        ("monthly series, two measures", "area"),
        ("share of total, few", "donut"),
        ("several measures by customer", None),
        ("two dimensions", None),
        ("two measures, no label", None),
    ],
)
def test_render_png_and_svg(name: str, requested: str | None) -> None:
    columns, rows = shape(name)
    chart = choose_chart(columns, rows, requested=requested)
    svg = render_chart(chart, "svg")
    assert svg.lstrip().startswith(b"<svg")
    assert svg.rstrip().endswith(b"</svg>")
    small = render_chart(chart, "png", scale=1.0)
    large = render_chart(chart, "png", scale=2.0)
    assert small.startswith(PNG_MAGIC)
    assert large.startswith(PNG_MAGIC)
    assert len(large) > len(small)


def test_rendered_kpi_contains_the_number() -> None:
    columns, rows = shape("single value")
    assert b"$1.23M" in render_chart(choose_chart(columns, rows), "svg")


def test_table_has_no_picture() -> None:
    columns, rows = shape("order list")
    with pytest.raises(InvalidInput, match="a table has no picture; ask for a chart type"):
        render_chart(choose_chart(columns, rows), "png")


@pytest.mark.parametrize(
    ("fmt", "scale", "message"), [("gif", 1.0, "'gif'"), ("png", 0.0, "scale 0.0")]
)
def test_render_refuses_bad_format_and_scale(fmt: Any, scale: float, message: str) -> None:
    chart = Chart(type="bar", vega_lite={"mark": "bar"})
    with pytest.raises(InvalidInput, match=message):
        render_chart(chart, fmt, scale=scale)


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1_234_567.8, "currency", "$1.23M"),
        (-1_234_567.8, "currency", "-$1.23M"),
        (999_999_999, "currency", "$1B"),
        (2_500.4, "currency", "$2,500"),
        (12.5, "currency", "$12.50"),
        (12.3, "percent", "12.3%"),
        (150.0, "percent", "150%"),
        (45_210, "number", "45,210"),
        (12_345_678, "number", "12.3M"),
        (0.012345, "number", "0.0123"),
        (3.14159, "number", "3.14"),
        (dt.date(2025, 3, 1), "number", "2025-03-01"),
        (dt.datetime(2025, 3, 1, 9, 30), "number", "2025-03-01 09:30"),
        (None, "currency", "n/a"),
        (float("nan"), "number", "n/a"),
        ("Acme", "number", "Acme"),
        (True, "number", "yes"),
    ],
)
def test_format_value(value: Any, fmt: Any, expected: str) -> None:
    assert format_value(value, fmt) == expected


def test_infer_roles_from_names_and_values() -> None:
    names = ["customer_id", "customer", "order_month", "order_year", "revenue", "margin_pct", "n"]
    rows = [[7, "Acme", dt.date(2025, 1, 1), 2025, 10.5, 12.0, 3]]
    roles = infer_roles(names, rows)
    assert [(r.role, r.format, r.grain) for r in roles] == [
        ("identifier", "number", None),
        ("dimension", "number", None),
        ("time", "number", "month"),
        ("time", "number", "year"),
        ("measure", "currency", None),
        ("measure", "percent", None),
        ("measure", "number", None),
    ]


@pytest.mark.parametrize("module", [charts, result_shape])
def test_doctests(module: Any) -> None:
    assert doctest.testmod(module).failed == 0


def test_decimal_values_from_drivers_become_json_numbers() -> None:
    rows = [["Acme", Decimal("300.50")], ["Globex", Decimal("200")]]
    spec = choose_chart([CUSTOMER, REVENUE], rows).vega_lite
    assert spec["data"]["values"] == [
        {"customer": "Acme", "revenue": 300.5},
        {"customer": "Globex", "revenue": 200.0},
    ]
    json.dumps(spec)
