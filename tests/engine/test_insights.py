from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from parley.engine.insights import find_insights, format_value
from parley.engine.result_shape import ColumnRole

CUSTOMER = ColumnRole("customer", "dimension")
CUSTOMER_ID = ColumnRole("customer_id", "identifier", label="customer id")
MONTH = ColumnRole("order_month", "time", label="order month", grain="month")
YEAR = ColumnRole("order_year", "time", label="year", grain="year")
REVENUE = ColumnRole("revenue", "measure", format="currency")
AVG_PRICE = ColumnRole("avg_price", "measure", label="average price", format="currency")
RATE = ColumnRole("conversion_rate", "measure", label="conversion rate", format="percent")
GROWTH = ColumnRole("revenue_growth", "measure", label="revenue growth", format="percent")
PROFIT = ColumnRole("profit", "measure", format="currency")

MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]
NAMES = [f"Customer {chr(65 + i)}" for i in range(12)]


def by_customer(values: Sequence[float | None], measure: ColumnRole = REVENUE) -> Any:
    return [CUSTOMER, measure], [[NAMES[i], v] for i, v in enumerate(values)]


def monthly(values: Sequence[float | None]) -> Any:
    return [MONTH, REVENUE], [[MONTHS[i], v] for i, v in enumerate(values)]


def test_format_value_is_reexported_for_answers() -> None:
    assert format_value(1_234_567.8, "currency") == "$1.23M"


# --- concentration ----------------------------------------------------------------------


def test_concentrated_result_names_the_top_share() -> None:
    columns, rows = by_customer([6000, 900, 800, 700, 600, 500, 400, 100])
    insights = find_insights(columns, rows)
    assert insights[0] == (
        "Customer A alone accounts for 60% of total revenue, and the top 3 "
        "(Customer A, Customer B and Customer C) for 77%."
    )


def test_limited_result_says_the_shares_are_among_the_rows_shown() -> None:
    columns, rows = by_customer([6000, 900, 800, 700, 600, 500, 400, 100])
    insights = find_insights(columns, rows, limited=True)
    assert "of total revenue among the 8 shown" in insights[0]
    assert find_insights(columns, rows, truncated=True)[0] == insights[0]


def test_top_three_without_a_dominant_one() -> None:
    values = [2500, 2400, 2300, 400, 400, 400, 400, 400, 400, 400]
    columns, rows = by_customer(values)
    insights = find_insights(columns, rows)
    assert insights == [
        "The top 3 by customer (Customer A, Customer B and Customer C) account for 72% "
        "of total revenue."
    ]


@pytest.mark.parametrize(
    ("label", "values", "measure"),
    [
        ("flat", [100, 105, 98, 102, 99, 101, 103, 97], REVENUE),
        ("four rows, top one under half", [40, 30, 20, 10], REVENUE),
        ("negative values", [6000, -900, 800, 700, 600], PROFIT),
        ("not additive", [6000, 900, 800, 700, 600, 500], AVG_PRICE),
        ("rates", [60, 9, 8, 7, 6, 5], RATE),
        ("all zero", [0, 0, 0, 0, 0], REVENUE),
    ],
)
def test_no_concentration_claim(label: str, values: list[float], measure: ColumnRole) -> None:
    columns, rows = by_customer(values, measure)
    assert not [s for s in find_insights(columns, rows) if "accounts for" in s or "top 3" in s]


def test_nulls_are_skipped_not_counted_as_zero_shares() -> None:
    columns, rows = by_customer([6000, None, 800, 700, 600, 500])
    assert not [s for s in find_insights(columns, rows) if "accounts for" in s]


# --- trend ------------------------------------------------------------------------------


def test_growing_series_is_a_steady_upward_trend() -> None:
    columns, rows = monthly([1000 + 100 * i for i in range(12)])
    insights = find_insights(columns, rows)
    assert insights == [
        "Revenue rose from $1,000 in Jan 2025 to $2,100 in Dec 2025 (+110%, +$1,100), "
        "a steady upward trend over the 12 months."
    ]


def test_declining_series_with_a_bump_names_highest_and_lowest() -> None:
    values = [2000, 2300, 1900, 1800, 1700, 1500, 1400, 1300, 1350, 1200, 1100, 1150]
    columns, rows = monthly([float(v) for v in values])
    insights = find_insights(columns, rows)
    assert insights[0].startswith("Revenue fell from $2,000 in Jan 2025 to $1,150 in Dec 2025")
    assert "(-42.5%, -$850), a steady downward trend" in insights[0]
    assert insights[1] == (
        "The highest month was Feb 2025 ($2,300); the lowest was Nov 2025 ($1,100)."
    )


def test_flat_series_says_flat_and_claims_no_direction() -> None:
    columns, rows = monthly([1000.0 + (i % 3) for i in range(12)])
    insights = find_insights(columns, rows)
    assert insights == [
        "Revenue stayed roughly flat at about $1,001 across the 12 months "
        "(between $1,000 and $1,002)."
    ]


@pytest.mark.parametrize("seed", range(5))
def test_noisy_series_claims_no_trend(seed: int) -> None:
    rng = random.Random(seed)
    values = [1000.0 + (400 if i % 2 else -400) + rng.uniform(-50, 50) for i in range(12)]
    insights = find_insights(*monthly(values))
    assert "no steady trend" in insights[0]
    assert not [s for s in insights if "upward" in s or "downward" in s or "stands out" in s]


def test_unsorted_rows_are_read_in_time_order() -> None:
    columns, rows = monthly([1000 + 100 * i for i in range(6)])
    insights = find_insights(columns, list(reversed(rows)))
    assert insights[0].startswith("Revenue rose from $1,000 in Jan 2025 to $1,500 in Jun 2025")


def test_partial_last_period_is_left_out_and_mentioned() -> None:
    values = [1000 + 100 * i for i in range(11)] + [300]
    columns, rows = monthly([float(v) for v in values])
    insights = find_insights(columns, rows, partial_last_period=True)
    assert insights[0].startswith("Revenue rose from $1,000 in Jan 2025 to $2,000 in Nov 2025")
    assert "over the 11 months" in insights[0]
    assert insights[-1] == (
        "The last month, Dec 2025 ($300 so far), is not complete yet and is left out of "
        "these statements."
    )
    unflagged = find_insights(columns, rows)
    assert "Dec 2025 ($300)" in " ".join(unflagged)


def test_two_periods_compare_first_and_last() -> None:
    rows = [[2025, 1500.0], [2024, 1200.0]]
    assert find_insights([YEAR, REVENUE], rows) == [
        "Revenue went from $1,200 in 2024 to $1,500 in 2025 (+25%, +$300)."
    ]


def test_time_series_split_by_a_dimension_gets_no_single_trend() -> None:
    region = ColumnRole("region", "dimension")
    rows = [[m, r, 100.0 * i] for i, m in enumerate(MONTHS) for r in ("North", "South")]
    assert find_insights([MONTH, region, REVENUE], rows) == []


# --- outliers ---------------------------------------------------------------------------


def test_outlier_is_named_with_its_multiple_of_the_median() -> None:
    values = [5200, 1000, 1100, 950, 1050, 990, 1020, 980]
    columns, rows = by_customer([float(v) for v in values])
    outliers = [s for s in find_insights(columns, rows) if "stands out" in s]
    assert outliers == [
        "Customer A ($5,200, 5.1 times the median) stands out on revenue; the median is $1,010."
    ]


def test_low_outlier_is_far_below_the_median() -> None:
    values = [1000, 1010, 990, 1005, 995, 1002, 12]
    columns, rows = by_customer([float(v) for v in values])
    outliers = [s for s in find_insights(columns, rows) if "stands out" in s]
    assert outliers == [
        "Customer G ($12, far below the median) stands out on revenue; the median is $1,000."
    ]


@pytest.mark.parametrize(
    "values",
    [
        [1000, 1100, 950, 1050, 990, 1020, 980],  # no outlier
        [5200, 1000, 1100, 950],  # too few points to judge
        [1000, 1000, 1000, 1000, 1000, 1200],  # the spread is zero: no scale to judge by
    ],
)
def test_no_outlier_invented(values: list[float]) -> None:
    columns, rows = by_customer([float(v) for v in values])
    assert not [s for s in find_insights(columns, rows) if "stand" in s]


# --- comparisons ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "values", "expected"),
    [
        (
            REVENUE,
            [1200.0, 500.0],
            "Customer A has 2.4 times the revenue of Customer B ($1,200 vs $500).",
        ),
        (
            REVENUE,
            [500.0, 550.0],
            "Customer B has 10% more revenue than Customer A ($550 vs $500).",
        ),
        (
            RATE,
            [12.5, 9.25],
            "Customer A's conversion rate is 3.25 points above Customer B's (12.5% vs 9.2%).",
        ),
        (
            PROFIT,
            [300.0, -200.0],
            "Customer A's profit is $500 above Customer B's ($300 vs -$200).",
        ),
        (REVENUE, [700.0, 700.0], "Customer A and Customer B have the same revenue ($700)."),
        (
            REVENUE,
            [300.0, 100.0, 200.0],
            "Of these 3, Customer A has 3 times the revenue of Customer B ($300 vs $100).",
        ),
    ],
)
def test_two_or_three_rows_are_compared(
    measure: ColumnRole, values: list[float], expected: str
) -> None:
    assert find_insights(*by_customer(values, measure)) == [expected]


@pytest.mark.parametrize("seed", range(5))
def test_two_rows_of_noise_get_only_the_comparison(seed: int) -> None:
    rng = random.Random(seed)
    columns, rows = by_customer([rng.uniform(100, 200), rng.uniform(100, 200)])
    insights = find_insights(columns, rows)
    assert len(insights) == 1
    assert rows[0][0] in insights[0] and rows[1][0] in insights[0]
    for word in ("trend", "stands out", "accounts for", "rose", "fell"):
        assert word not in insights[0]


# --- growth columns and single values ---------------------------------------------------


def test_growth_column_names_largest_increase_and_decrease() -> None:
    rows = [["A", 10.0, 12.0], ["B", 20.0, -5.0], ["C", 30.0, 3.0], ["D", 35.0, 1.0]]
    insights = find_insights([CUSTOMER, REVENUE, GROWTH], rows)
    assert insights[-1] == (
        "By revenue growth, the largest increase is A (+12%) and the largest decrease B (-5%)."
    )


def test_growth_all_positive() -> None:
    rows = [["A", 12.0], ["B", 5.0], ["C", 3.0]]
    assert find_insights([CUSTOMER, GROWTH], rows) == [
        "Revenue growth is not negative anywhere: highest for A (+12%), lowest for C (+3%)."
    ]


def test_single_kpi_says_nothing_unless_it_carries_a_comparison() -> None:
    assert find_insights([REVENUE], [[1_234_567.0]]) == []
    assert find_insights([REVENUE, GROWTH], [[1_234_567.0, 8.5]]) == ["Revenue growth is +8.5%."]


# --- nothing to say ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "rows"),
    [
        ([CUSTOMER, REVENUE], []),
        ([CUSTOMER, REVENUE], [["A", None], ["B", None], ["C", None], ["D", None]]),
        ([CUSTOMER, ColumnRole("segment", "dimension")], [["A", "x"], ["B", "y"]]),
        ([CUSTOMER, CUSTOMER_ID, REVENUE], [["A", 1, 10.0], ["A", 2, 12.0], ["B", 3, 9.0]]),
        ([REVENUE, PROFIT], [[float(i), float(i)] for i in range(10)]),
    ],
    ids=["empty", "all nulls", "no measure", "detail list", "no label column"],
)
def test_no_insight_without_support(columns: list[ColumnRole], rows: list[list[Any]]) -> None:
    assert find_insights(columns, rows) == []


def test_max_insights_caps_the_list() -> None:
    values = [6000.0, 900, 800, 700, 600, 500, 400, 100]
    columns, rows = by_customer(values)
    assert len(find_insights(columns, rows)) == 2
    assert len(find_insights(columns, rows, max_insights=1)) == 1
    assert find_insights(columns, rows, max_insights=0) == []


def test_identifier_labels_read_without_thousands_separators() -> None:
    rows = [[10_001, 300.0], [10_002, 100.0]]
    assert find_insights([CUSTOMER_ID, REVENUE], rows) == [
        "10001 has 3 times the revenue of 10002 ($300 vs $100)."
    ]


def test_decimal_values_from_drivers_are_numbers() -> None:
    rows = [["Customer A", Decimal("1200")], ["Customer B", Decimal("500")]]
    assert find_insights([CUSTOMER, REVENUE], rows) == [
        "Customer A has 2.4 times the revenue of Customer B ($1,200 vs $500)."
    ]
