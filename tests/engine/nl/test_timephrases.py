"""Time phrases become literal date ranges computed from "today"."""

from __future__ import annotations

import datetime as dt

import pytest

from parley.engine.nl.text import tokenize
from parley.engine.nl.timephrases import find_time

TODAY = dt.date(2026, 11, 23)  # a Monday


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("revenue last month", "2026-10-01", "2026-11-01"),
        ("revenue this year", "2026-01-01", "2027-01-01"),
        ("revenue in 2024", "2024-01-01", "2025-01-01"),
        ("revenue in Q3 2025", "2025-07-01", "2025-10-01"),
        ("revenue 2025 Q3", "2025-07-01", "2025-10-01"),
        ("revenue in the third quarter of 2025", "2025-07-01", "2025-10-01"),
        ("revenue last 90 days", "2026-08-26", "2026-11-24"),
        ("revenue since March", "2026-03-01", "2026-11-24"),
        ("revenue since the start of 2025", "2025-01-01", "2026-11-24"),
        ("revenue year to date", "2026-01-01", "2026-11-24"),
        ("revenue ytd", "2026-01-01", "2026-11-24"),
        ("revenue between 2024-01-15 and 2024-02-10", "2024-01-15", "2024-02-11"),
        ("revenue from January 2024 to March 2024", "2024-01-01", "2024-04-01"),
        ("revenue last week", "2026-11-16", "2026-11-23"),
        ("revenue yesterday", "2026-11-22", "2026-11-23"),
        ("revenue in December", "2025-12-01", "2026-01-01"),
        ("orders from last week", "2026-11-16", "2026-11-23"),
    ],
)
def test_ranges(phrase: str, start: str, end: str) -> None:
    found = find_time(tokenize(phrase), TODAY)
    assert found.period is not None
    assert (found.period.start, found.period.end) == (d(start), d(end))


@pytest.mark.parametrize(
    ("phrase", "periods"),
    [
        ("revenue 2024 vs 2025", [("2024-01-01", "2025-01-01"), ("2025-01-01", "2026-01-01")]),
        ("compare 2023 and 2024", [("2023-01-01", "2024-01-01"), ("2024-01-01", "2025-01-01")]),
        (
            "orders last month compared to the month before",
            [("2026-10-01", "2026-11-01"), ("2026-09-01", "2026-10-01")],
        ),
        (
            "how did Q3 compare to Q2",
            [("2026-07-01", "2026-10-01"), ("2026-04-01", "2026-07-01")],
        ),
        (
            "Q4 revenue growth, 2025 over 2024",
            [("2024-10-01", "2025-01-01"), ("2025-10-01", "2026-01-01")],
        ),
    ],
)
def test_compared_periods(phrase: str, periods: list[tuple[str, str]]) -> None:
    found = find_time(tokenize(phrase), TODAY)
    assert [(p.start, p.end) for p in found.compare] == [(d(a), d(b)) for a, b in periods]


@pytest.mark.parametrize(
    ("phrase", "grain"),
    [
        ("revenue by month", "month"),
        ("weekly orders", "week"),
        ("revenue per quarter", "quarter"),
        ("orders each day", "day"),
        ("revenue by year", "year"),
    ],
)
def test_grains(phrase: str, grain: str) -> None:
    assert find_time(tokenize(phrase), TODAY).grain == grain


@pytest.mark.parametrize(
    "phrase",
    ["orders over 2000", "top 2025 customers", "products priced above 1999"],
)
def test_numbers_after_comparisons_are_not_years(phrase: str) -> None:
    assert find_time(tokenize(phrase), TODAY).period is None


def test_a_month_without_a_year_is_the_latest_one_and_says_so() -> None:
    found = find_time(tokenize("revenue in Q4"), TODAY)
    assert found.period is not None and found.period.start == d("2026-10-01")
    assert found.period.anchored is False
