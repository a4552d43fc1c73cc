"""The eighth blind question file is sound: it loads, covers the kinds it is written for,
meets its size, every reference SQL runs on a freshly generated database and returns rows,
ordered cases have an ORDER BY without a tie at their cut, case ids are unique across every
question set, and the league database is deterministic, consistent and declares its
foreign keys."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).parent
QUESTIONS = HERE.parent
# The shared harness lives one folder up, next to the tuned sets.
sys.path[:0] = [str(QUESTIONS), str(HERE)]

from file_checks import (  # noqa: E402
    assert_ids_unique,
    assert_no_tie_at_the_cut,
    assert_ordered_have_order_by,
    assert_placeholders_filled,
    assert_returns_rows,
    sql_params,
)
from harness import Case, SQLiteReference, Turn, load_cases  # noqa: E402
from league_dataset import create_league_database  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "league.yaml"
MINIMUM_CASES = 85
#: single questions only, in the style of a text-to-SQL benchmark: the kinds it asks
KINDS = frozenset({
    "count", "distinct_count", "value_filter", "numeric_condition", "average", "min_max",
    "time_range", "by_dimension", "two_dimensions", "over_time", "join", "top_n", "bottom_n",
    "list_detail", "ambiguous",
})
CASES = load_cases(BLIND, today=TODAY)

SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blind8") / "league.db"
    create_league_database(path)
    return path


@pytest.fixture(scope="module")
def reference(database: Path) -> SQLiteReference:
    return SQLiteReference(database)


def test_set_meets_minimums() -> None:
    assert len(CASES) >= MINIMUM_CASES
    assert not any(case.is_conversation for case in CASES)
    # Every case has reference SQL: the ambiguous ones carry the likeliest reading.
    assert all(turn.sql for case in CASES for turn in case.turns)


def test_set_covers_its_kinds() -> None:
    covered = Counter(turn.kind for case in CASES for turn in case.turns)
    assert set(covered) == KINDS, sorted(KINDS ^ set(covered))
    assert covered["ambiguous"] >= 8


def test_ids_are_unique_across_all_sets() -> None:
    assert_ids_unique(TODAY)


def test_placeholders_are_all_filled() -> None:
    assert_placeholders_filled(CASES)


def test_ordered_turns_have_an_order_by() -> None:
    assert_ordered_have_order_by(CASES, "sqlite")


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, reference: SQLiteReference
) -> None:
    assert_returns_rows(case, index, turn, reference)


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: SQLiteReference
) -> None:
    # The data does not depend on the day: a tie would be there every day.
    assert_no_tie_at_the_cut(case, index, turn, reference, "sqlite", numbers_as_text=True)


SUMMARY = (
    "SELECT COUNT(*), SUM(COALESCE(height_cm, 0) * player_id), MAX(name || dob || nationality) "
    "FROM player "
    "UNION ALL SELECT COUNT(*), SUM(shirt_num * team_id + from_yr), "
    "MAX(player_id * 100 + team_id || '-' || COALESCE(to_yr, '')) FROM roster "
    "UNION ALL SELECT COUNT(*), SUM(COALESCE(attendance, 0) + home_goals * 7 + away_goals), "
    "MAX(match_date || home_team_id || '-' || away_team_id || '-' || venue_id) FROM match "
    "UNION ALL SELECT COUNT(*), SUM(minute * goal_id), "
    "MAX(match_id * 1000 + player_id || goal_type) FROM goal"
)


def test_league_database_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    create_league_database(first)
    create_league_database(second)
    assert SQLiteReference(first).query(SUMMARY) == SQLiteReference(second).query(SUMMARY)


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        ("three seasons of 66 matches, dated in their own year; 2025 has none yet",
         "SELECT (SELECT COUNT(*) FROM match) = 198 AND (SELECT COUNT(*) FROM match m JOIN "
         "season s ON s.season_id = m.season_id WHERE s.yr = 2025) = 0 AND (SELECT COUNT(*) "
         "FROM match m JOIN season s ON s.season_id = m.season_id WHERE "
         "CAST(substr(m.match_date, 1, 4) AS INTEGER) <> s.yr OR m.match_date < s.start_date "
         "OR m.match_date > s.end_date) = 0"),
        ("each pair of playing teams meets once a season, never a team against itself",
         "SELECT (SELECT COUNT(*) FROM (SELECT season_id, MIN(home_team_id, away_team_id) a, "
         "MAX(home_team_id, away_team_id) b FROM match GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)) "
         "= 0 AND NOT EXISTS (SELECT 1 FROM match WHERE home_team_id = away_team_id) AND "
         "(SELECT COUNT(DISTINCT home_team_id) FROM match) = 12"),
        ("the goals of a match add up to its score",
         "SELECT COUNT(*) = 0 FROM match m WHERE m.home_goals <> (SELECT COUNT(*) FROM goal g "
         "WHERE g.match_id = m.match_id AND g.team_id = m.home_team_id) OR m.away_goals <> "
         "(SELECT COUNT(*) FROM goal g WHERE g.match_id = m.match_id AND g.team_id = "
         "m.away_team_id) OR EXISTS (SELECT 1 FROM goal g WHERE g.match_id = m.match_id AND "
         "g.team_id NOT IN (m.home_team_id, m.away_team_id))"),
        ("a goal's scorer was on the scoring team's roster that year, and no goalkeeper scores",
         "SELECT COUNT(*) = 0 FROM goal g JOIN match m ON m.match_id = g.match_id JOIN season "
         "s ON s.season_id = m.season_id JOIN player p ON p.player_id = g.player_id WHERE "
         "p.pos_code = 'GK' OR NOT EXISTS (SELECT 1 FROM roster r WHERE r.player_id = "
         "g.player_id AND r.team_id = g.team_id AND r.from_yr <= s.yr AND (r.to_yr IS NULL "
         "OR r.to_yr >= s.yr))"),
        ("a match is at its home team's ground but for the showcases and Harwick in 2024",
         "SELECT COUNT(*) = 0 FROM match m JOIN team t ON t.team_id = m.home_team_id JOIN "
         "season s ON s.season_id = m.season_id WHERE m.venue_id <> t.venue_id AND NOT "
         "(m.round_no = 1 AND m.venue_id = 12) AND NOT (t.name = 'Harwick Hawks' AND s.yr = "
         "2024 AND m.venue_id = 4)"),
        ("attendance within the venue's capacity, missing for some matches",
         "SELECT (SELECT COUNT(*) FROM match m JOIN venue v ON v.venue_id = m.venue_id WHERE "
         "m.attendance > v.capacity) = 0 AND (SELECT COUNT(*) FROM match WHERE attendance "
         "IS NULL) > 0 AND (SELECT COUNT(*) FROM player WHERE height_cm IS NULL) > 0"),
        ("a roster stint ends after it starts; transfers have two stints",
         "SELECT (SELECT COUNT(*) FROM roster WHERE to_yr < from_yr) = 0 AND (SELECT COUNT(*) "
         "FROM (SELECT player_id FROM roster GROUP BY player_id HAVING COUNT(*) > 1)) = 6"),
        ("a conference, a team, a venue and three players with nothing related",
         "SELECT (SELECT COUNT(*) FROM conference WHERE conf_code NOT IN (SELECT conf_code "
         "FROM team)) = 1 AND (SELECT COUNT(*) FROM team WHERE team_id NOT IN (SELECT "
         "home_team_id FROM match) AND team_id NOT IN (SELECT team_id FROM roster)) = 1 AND "
         "(SELECT COUNT(*) FROM venue WHERE venue_id NOT IN (SELECT venue_id FROM match)) = 1 "
         "AND (SELECT COUNT(*) FROM player WHERE player_id NOT IN (SELECT player_id FROM "
         "roster)) = 3 AND (SELECT COUNT(*) FROM team WHERE coach IS NULL) = 1"),
        ("names that label rows are unique",
         "SELECT (SELECT COUNT(*) = COUNT(DISTINCT name) FROM player) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT name) FROM team) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT name) FROM venue) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT conf_name) FROM conference) AND "
         "(SELECT COUNT(*) = COUNT(DISTINCT pos_name) FROM position)"),
    ],
)
def test_league_database_shape(description: str, sql: str, database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        (holds,) = connection.execute(sql).fetchone()
    finally:
        connection.close()
    assert holds == 1, description


def test_relationships_are_declared_and_hold(database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        declared = {
            (table, row[3], row[2])
            for table in tables
            for row in connection.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        }
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    assert len(tables) == 9
    assert {("team", "conf_code", "conference"), ("team", "venue_id", "venue"),
            ("player", "pos_code", "position"), ("roster", "player_id", "player"),
            ("roster", "team_id", "team"), ("match", "season_id", "season"),
            ("match", "home_team_id", "team"), ("match", "away_team_id", "team"),
            ("match", "venue_id", "venue"), ("goal", "match_id", "match"),
            ("goal", "player_id", "player"), ("goal", "team_id", "team")} == declared
    assert broken == []
