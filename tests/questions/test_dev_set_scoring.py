"""The development-set bench's tie rule: a top-N answer that kept other tied rows than the
gold did is told apart from a wrong one (it still counts as wrong in the headline)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from engine_dev_set import cut_through_a_tie

GOLD = "SELECT state FROM customer GROUP BY state ORDER BY count(*) DESC LIMIT 1"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as connection:
        connection.executescript("""
        CREATE TABLE customer (id INTEGER PRIMARY KEY, state TEXT);
        INSERT INTO customer (state) VALUES ('OH'), ('OH'), ('TX'), ('TX'), ('WA');
        """)
    return path


@pytest.mark.parametrize(
    ("rows", "tie"),
    [
        ([["OH", 2]], True),   # tied with TX at 2: either is an answer
        ([["TX", 2]], True),
        ([["WA", 1]], False),  # below the cut: wrong
        ([["OH", 2], ["TX", 2]], False),  # two rows where one was asked
    ],
)
def test_a_tied_row_at_the_cut_is_a_tie(
    database: Path, rows: list[list[Any]], tie: bool
) -> None:
    assert cut_through_a_tie(database, GOLD, ["state", "count"], rows) is tie


def test_no_tie_without_a_limit(database: Path) -> None:
    sql = "SELECT state FROM customer GROUP BY state ORDER BY count(*) DESC"
    assert not cut_through_a_tie(database, sql, ["state"], [["WA"]])
