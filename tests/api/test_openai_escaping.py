"""Data values are shown, never run: markdown and HTML answers and CSV downloads escape
what a hostile row could hold."""

from __future__ import annotations

import pytest

from parley.api._openai_render import csv_text, html_table, md_table, md_text

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "![x](http://tracker.example/p.png)",
    "<a href='javascript:alert(1)'>x</a>",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_tables_and_text_hold_no_html_or_links(value: str) -> None:
    for rendered in (md_table(["note"], [[value]]), md_text(value)):
        assert "<" not in rendered and "](" not in rendered.replace("\\](", "")


@pytest.mark.parametrize("value", HOSTILE)
def test_html_tables_escape_every_value(value: str) -> None:
    rendered = html_table(["note"], [[value]])
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ("plain", "plain"),
    ],
)
def test_csv_cells_that_start_like_formulas_are_quoted(value: str, written: str) -> None:
    assert csv_text(["v"], [[value]]).splitlines()[1] == written


def test_csv_numbers_stay_numbers() -> None:
    assert csv_text(["v"], [[-3], [2.5]]).splitlines()[1:] == ["-3", "2.5"]
