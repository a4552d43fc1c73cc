"""The chat page in headless Chromium (Debian's ``chromium``, driven by Playwright; no
browser download), against a real uvicorn: sign in, ask, follow up, switch the chart,
pick a clarifying option, download the CSV, come back to the history. The run also
writes the screenshots the docs show (docs/screenshots)."""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.conversations.installation import Parley
from parley.sources.duckdb_source import DuckDBSource

playwright = pytest.importorskip("playwright.sync_api")

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT_MS = 15_000
TOP = "top 5 customers by revenue last month"



@pytest.fixture(scope="module")
def api_key(parley: Parley) -> str:
    return parley.create_api_key("browser")[0]


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context (its own cookies) with the page open; fails the test on
    any script error or any request that leaves the server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    outside: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("request", lambda r: None if r.url.startswith((base_url, "data:", "blob:"))
              else outside.append(r.url))
    opened.goto(base_url + "/")
    yield opened
    context.close()
    assert errors == [], errors
    assert outside == [], outside


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements the demo source runs."""
    ran: list[str] = []
    real = DuckDBSource.execute

    def recording(self: DuckDBSource, sql: str, **kwargs: Any) -> Any:
        ran.append(sql)
        return real(self, sql, **kwargs)

    monkeypatch.setattr(DuckDBSource, "execute", recording)
    return ran


def sign_in(page: Any, api_key: str) -> None:
    page.get_by_label("API key").fill(api_key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Ask a question about your data").wait_for()
    # Other tests of this session add applications; these questions are about the demo.
    if page.get_by_label("Application").input_value() != "demo":
        page.get_by_label("Application").select_option("demo")
        page.wait_for_load_state("networkidle")


def ask(page: Any, question: str) -> Any:
    """Type the question, press Enter, and wait for its answer; the new turn."""
    count = page.locator(".turn").count()
    box = page.get_by_label("Ask a question about your data")
    box.fill(question)
    box.press("Enter")
    turn = page.locator(".turn").nth(count)
    turn.locator(".answer-text").filter(has_text=" ").wait_for()
    page.locator("body[aria-busy=false]").wait_for(state="attached")
    return turn


def table_rows(turn: Any) -> list[list[str]]:
    rows: list[list[str]] = turn.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    return rows


def test_sign_in_ask_follow_up_switch_chart_and_download(
    page: Any, api_key: str, parley: Parley, executions: list[str]
) -> None:
    page.get_by_label("API key").fill("pk_wrong")
    page.get_by_role("button", name="Sign in").click()
    playwright.expect(page.locator("#sign-in-error")).to_contain_text("expired or invalid")
    sign_in(page, api_key)
    assert "parley_session" not in page.evaluate("document.cookie")  # HTTP-only

    expected = parley.ask(TOP).answer
    turn = ask(page, TOP)
    assert turn.locator(".answer-text").inner_text() == expected.text
    assert "How I read it" in turn.locator(".reading").inner_text()
    assert [r[0] for r in table_rows(turn)] == [row[0] for row in expected.rows]
    assert turn.locator(".row-count").inner_text() == f"{len(expected.rows)} rows"
    assert turn.locator(".chart svg .mark-rect path").count() == len(expected.rows)
    # Tooltips: hovering a bar names its customer.
    turn.locator(".chart svg .mark-rect path").first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.filter(has_text=str(expected.rows[0][0])).wait_for()
    # The SQL: collapsed, then shown.
    sql = turn.locator("details.sql")
    assert not sql.locator("pre").is_visible()
    sql.locator("summary").click()
    assert "SELECT" in sql.locator("pre").inner_text()
    ran_for_question = len(executions)
    assert ran_for_question >= 1

    # Sorting by keyboard: the revenue header, twice, is ascending then descending.
    header = turn.get_by_role("button", name="revenue")
    header.focus()
    header.press("Enter")
    ascending = [r[0] for r in table_rows(turn)]
    assert ascending == [str(row[0]) for row in reversed(expected.rows)]
    assert turn.locator("th").nth(1).get_attribute("aria-sort") == "ascending"

    with page.expect_download() as download_info:
        turn.get_by_role("button", name="Download CSV").click()
    saved = download_info.value.path().read_text(encoding="utf-8")
    parsed = list(csv.reader(io.StringIO(saved)))
    assert parsed[0] == expected.columns and len(parsed) == len(expected.rows) + 1
    assert [r[0] for r in parsed[1:]] == ascending  # the rows as shown

    follow = ask(page, "top 3")
    assert [r[0] for r in table_rows(follow)] == [str(r[0]) for r in expected.rows[:3]]
    assert page.locator("#conversations li").count() >= 1
    assert turn.locator("select.chart-type").is_disabled()  # only the newest is redrawn

    before = len(executions)
    follow.get_by_label("Chart type").select_option("pie")
    follow.locator(".chart svg .mark-arc path").first.wait_for()
    assert follow.locator(".chart svg .mark-arc path").count() == 3
    assert len(executions) == before  # no SQL ran for the new chart


def test_the_answer_streams_in_while_the_query_runs(
    page: Any, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(page, api_key)
    started = threading.Event()
    release = threading.Event()
    real = DuckDBSource.execute

    def held(self: DuckDBSource, sql: str, **kwargs: Any) -> Any:
        started.set()
        release.wait(TIMEOUT_MS / 1000)  # the query "runs" until the test has looked
        return real(self, sql, **kwargs)

    monkeypatch.setattr(DuckDBSource, "execute", held)
    box = page.get_by_label("Ask a question about your data")
    box.fill("revenue by category this year")
    box.press("Enter")
    turn = page.locator(".turn").first
    # While the query runs, the page already shows the question and the engine's progress.
    playwright.expect(turn.locator(".progress")).to_have_text("Running the query…")
    assert started.wait(TIMEOUT_MS / 1000)
    turn.locator("details.sql").wait_for()  # the SQL is shown before its rows exist
    assert turn.locator("table").count() == 0 and turn.locator(".chart").count() == 0
    release.set()
    turn.locator(".chart svg").wait_for()
    assert turn.locator("tbody tr").count() >= 2 and turn.locator(".progress").is_hidden()


def test_a_clarifying_option_is_a_button_that_answers(page: Any, api_key: str) -> None:
    sign_in(page, api_key)
    asked = ask(page, "revenue by region")
    options = asked.locator(".options button")
    assert options.all_inner_texts() == ["customer region", "sales rep region"]
    playwright.expect(page.locator("#suggestions")).to_be_hidden()  # options are the choices
    options.first.click()
    answered = page.locator(".turn").nth(1)
    answered.locator(".chart svg").wait_for()
    assert answered.locator(".question").inner_text() == "revenue by customer region"
    answered.locator("details.sql summary").click()
    assert "customers.region" in answered.locator("details.sql pre").inner_text()
    assert answered.locator("tbody tr").count() >= 2


def test_suggestions_and_history_after_a_reload(page: Any, api_key: str) -> None:
    sign_in(page, api_key)
    # The application's suggestions are drawn once its requests are done: a chip clicked
    # while they are redrawn would be a detached button, and nothing would be asked.
    page.wait_for_load_state("networkidle")
    chips = page.locator("#suggestions .chips button")
    chips.first.wait_for()
    first_suggestion = chips.first.inner_text()
    chips.first.click()
    asked = page.locator(".turn").first
    playwright.expect(asked.locator(".question")).to_have_text(first_suggestion)
    # The answer is whole before the reload, which would cut its stream.
    asked.locator(".answer-text").filter(has_text=" ").wait_for()
    page.locator("body[aria-busy=false]").wait_for(state="attached")
    rows = asked.locator("tbody tr").count()
    charted = asked.locator(".chart").count() > 0
    assert rows >= 1, asked.inner_text()
    page.reload()  # the session cookie keeps the person signed in
    entry = page.locator("#conversations button", has_text=first_suggestion[:20]).first
    entry.click()
    restored = page.locator(".turn").first
    playwright.expect(restored.locator(".question")).to_have_text(first_suggestion)
    playwright.expect(restored.locator("tbody tr")).to_have_count(rows)
    if charted:
        restored.locator(".chart svg").wait_for()
    assert entry.get_attribute("aria-current") == "true"
    # A session that has ended brings the sign-in form back, saying why.
    page.context.clear_cookies()
    box = page.get_by_label("Ask a question about your data")
    box.fill("top 3")
    box.press("Enter")
    page.get_by_label("API key").wait_for()
    playwright.expect(page.locator("#sign-in-error")).to_have_text("sign in with an API key")


def test_the_theme_button_switches_the_page_and_its_charts(page: Any, api_key: str) -> None:
    page.evaluate("localStorage.setItem('parley-theme', 'light')")
    page.reload()
    sign_in(page, api_key)
    chart = ask(page, "revenue by category this year").locator(".chart svg")
    assert chart.evaluate("svg => svg.style.backgroundColor") == "white"
    button = page.get_by_role("button", name="Dark theme")
    button.focus()
    button.press("Enter")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert button.get_attribute("aria-pressed") == "true"
    dark = page.locator(".chart svg[style*='rgb(51, 51, 51)']")
    dark.wait_for()  # vega's dark theme
    page.reload()  # the choice is remembered
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"


@pytest.mark.parametrize(
    ("theme", "width", "height"),
    [("light", 1280, 900), ("dark", 1280, 900), ("light", 390, 844), ("dark", 390, 844)],
)
def test_screenshots_for_the_docs(
    page: Any, api_key: str, theme: str, width: int, height: int, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate(f"localStorage.setItem('parley-theme', '{theme}')")
    page.reload()
    sign_in(page, api_key)
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    shown = ask(page, "revenue by category this year")
    shown.locator(".chart svg").wait_for()
    # Focus is visible: the focused control draws an outline.
    page.get_by_label("Ask a question about your data").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    # Every run refreshes the docs' pictures, so they show the page as it is;
    # PARLEY_SCREENSHOTS=off keeps them (a run that must leave the tree untouched).
    folder = tmp_path if os.environ.get("PARLEY_SCREENSHOTS") == "off" else SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    kind = "desktop" if width > 720 else "phone"
    shot = folder / f"page-{theme}-{kind}.png"
    page.screenshot(path=str(shot), full_page=kind == "desktop")
    assert shot.stat().st_size > 10_000


def test_a_late_answer_for_an_application_left_is_not_drawn(
    page: Any, api_key: str, parley: Parley
) -> None:
    # Suggestions asked for one application, answered after another was opened, would
    # offer questions the open one is then asked.
    parley.create_application("late", source="demo")
    held: list[Any] = []
    page.route("**/applications/late/suggestions", lambda route: held.append(route))
    sign_in(page, api_key)
    page.get_by_label("Application").select_option("late")
    page.get_by_label("Application").select_option("demo")
    chips = page.locator("#suggestions .chips button")
    chips.first.wait_for()
    demo_chips = chips.all_inner_texts()
    assert held, "the late application's suggestions were never asked"
    held[0].fulfill(json={"questions": ["a question about the late application"]})
    page.wait_for_load_state("networkidle")
    assert chips.all_inner_texts() == demo_chips
