"""The chat page, measured in headless Chromium against a real server on the demo data.

Prints the bytes transferred on the first load of the page (every file it needs, as
sent over the wire, compressed where the browser accepts it; and what a second load
costs once the files are cached), then for each question the time in the browser from
pressing Enter to the first streamed text and to the chart's SVG.

    python bench/page.py [--repeat 3] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.table import Table

from parley.api.app import create_app
from parley.conversations.installation import Parley

QUESTIONS = (
    "top 10 customers by revenue last month",
    "revenue by category this year",
    "revenue by month this year",
    "number of orders by status",
    "share of revenue by country",
)

# Installed before the question is typed: stamps Enter, the first text that the turn
# streams into the page (a progress line or the answer), and the chart's SVG.
WATCH = """
() => {
  const marks = {};
  window.__marks = marks;
  const box = document.querySelector('#question');
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') marks.enter = performance.now();
  }, { once: true });
  const turns = document.querySelector('#turns');
  const seen = turns.querySelectorAll('.turn').length;
  new MutationObserver((_, observer) => {
    const turn = turns.querySelectorAll('.turn')[seen];
    if (!turn) return;
    if (!marks.text && [...turn.querySelectorAll('.progress, .answer-text')]
          .some((node) => node.textContent.trim())) marks.text = performance.now();
    if (!marks.chart && turn.querySelector('.chart svg')) {
      marks.chart = performance.now();
      observer.disconnect();
    }
  }).observe(turns, { childList: true, subtree: true, characterData: true });
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def transferred(page: Any) -> tuple[int, int, int]:
    """(bytes over the wire, bytes of content, files) of everything the page loaded."""
    entries = page.evaluate(
        """() => [...performance.getEntriesByType('navigation'),
                  ...performance.getEntriesByType('resource')]
                 .map(e => [e.transferSize, e.decodedBodySize])"""
    )
    return sum(e[0] for e in entries), sum(e[1] for e in entries), len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each question")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    console = Console()

    with tempfile.TemporaryDirectory() as home:
        parley = Parley.open(Path(home))
        api_key = parley.create_api_key("bench")[0]
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(parley), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=args.chromium)
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(base + "/", wait_until="load")
                wire, content, files = transferred(page)
                page.reload(wait_until="load")
                wire_again, _, _ = transferred(page)
                page.get_by_label("API key").fill(api_key)
                page.get_by_role("button", name="Sign in").click()
                page.get_by_label("Ask a question about your data").wait_for()

                timings: dict[str, tuple[list[float], list[float]]] = {}
                for question in QUESTIONS:
                    to_text, to_chart = timings.setdefault(question, ([], []))
                    for _ in range(args.repeat):
                        page.get_by_role("button", name="New conversation").click()
                        page.evaluate(WATCH)
                        box = page.get_by_label("Ask a question about your data")
                        box.fill(question)
                        box.press("Enter")
                        # Waits by locator: the page's policy forbids the eval that
                        # polling a JavaScript predicate would need.
                        page.locator(".turn .chart svg").wait_for(timeout=30_000)
                        marks = page.evaluate("window.__marks")
                        to_text.append(marks["text"] - marks["enter"])
                        to_chart.append(marks["chart"] - marks["enter"])
                        page.locator("body[aria-busy=false]").wait_for(state="attached")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            parley.close()

    console.print(
        f"First load: {files} files, {wire / 1024:.0f} KiB transferred "
        f"({content / 1024:.0f} KiB of content); a reload transfers {wire_again / 1024:.1f} KiB "
        "(every file revalidated, none sent again)."
    )
    table = Table(title=f"Enter to first streamed text and to the chart (ms, {args.repeat} runs)")
    for column in ("question", "text p50", "text max", "chart p50", "chart max"):
        table.add_column(column, justify="left" if column == "question" else "right")
    every_text: list[float] = []
    every_chart: list[float] = []
    for question, (to_text, to_chart) in timings.items():
        every_text += to_text
        every_chart += to_chart
        table.add_row(
            question,
            f"{statistics.median(to_text):.0f}",
            f"{max(to_text):.0f}",
            f"{statistics.median(to_chart):.0f}",
            f"{max(to_chart):.0f}",
        )
    table.add_row(
        "all",
        f"{statistics.median(every_text):.0f}",
        f"{max(every_text):.0f}",
        f"{statistics.median(every_chart):.0f}",
        f"{max(every_chart):.0f}",
    )
    console.print(table)


if __name__ == "__main__":
    main()
