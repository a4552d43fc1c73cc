"""A university soccer league in SQLite, shaped like an academic benchmark's database
(conferences, teams and their venues, players and the rosters they were on, three seasons
of matches and every goal scored in them).

Mixed naming as such databases have it: singular table names (``team``, ``player``,
``match``), a ``name`` column in several tables, abbreviations (``yr``, ``dob``,
``founded_yr``, ``opened_yr``, ``shirt_num``, ``height_cm``, ``univ_name``), code tables
keyed by a text code (``conference.conf_code``, ``position.pos_code``), and **declared
foreign keys** throughout. ``match`` refers to ``team`` in two roles (``home_team_id`` and
``away_team_id``); ``roster`` is a bridge between players and teams keyed by its two
references; ``goal`` is a bridge between matches and players with its own id.

| table | rows | columns |
|---|---|---|
| ``conference`` | 4 | conf_code PK, conf_name, region |
| ``position`` | 4 | pos_code PK, pos_name |
| ``venue`` | 13 | venue_id PK, name, city, capacity, opened_yr, surface |
| ``team`` | 13 | team_id PK, name, univ_name, conf_code FK, founded_yr, venue_id FK (home
  ground), coach (null for one) |
| ``season`` | 4 | season_id PK, yr, start_date, end_date |
| ``player`` | ~300 | player_id PK, name, dob, pos_code FK, nationality, height_cm (null for
  some) |
| ``roster`` | ~300 | player_id FK, team_id FK (together the key), from_yr, to_yr (null:
  still on the team), shirt_num |
| ``match`` | 198 | match_id PK, season_id FK, round_no, match_date, home_team_id FK team,
  away_team_id FK team, venue_id FK, home_goals, away_goals, attendance (null for some) |
| ``goal`` | ~550 | goal_id PK, match_id FK, player_id FK, team_id FK (the side it counted
  for), minute, goal_type |

Twelve teams play a single round robin (11 rounds of 6 matches) in each of the 2022, 2023
and 2024 seasons; the 2025 season is on the calendar but has no match yet. The data does
not depend on the day it is generated. A match is played at the home team's ground, except
each season's opening showcase at Grand Meadow Stadium (no team's home) and Harwick's home
matches of 2024, played at Crestview Bowl while Harwick Field was rebuilt. The goals of a
match add up to its score; every goal was scored by a player on the scoring team's roster
that year (``from_yr`` <= ``yr`` <= ``to_yr``, an open ``to_yr`` running on); no goalkeeper
scores. Attendance never exceeds the venue's capacity.

The oddities of a real league: a conference without a team (Coastal), a team that joined for
2025 with no match and no player (Bayview Pelicans) and its new ground where nothing has
been played (Bayview Park), two teams sharing a ground (Summit Arena) and a city (Ridgeway),
a team without a coach on record, players who transferred between teams (two roster rows),
three recruits for 2025 on no roster yet, matches without an attendance, and players
without a height.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3
from pathlib import Path

#: (code, name, region)
CONFERENCES = [
    ("NTH", "Northern Conference", "North"),
    ("CEN", "Central Conference", "Midwest"),
    ("WST", "Western Conference", "West"),
    ("CST", "Coastal Conference", "Southeast"),
]
#: (code, name, weight as a goal scorer)
POSITIONS = [("GK", "Goalkeeper", 0), ("DF", "Defender", 1), ("MF", "Midfielder", 3),
             ("FW", "Forward", 7)]
#: (name, city, capacity, opened, surface)
VENUES = [
    ("Harwick Field", "Harwick", 4200, 1961, "Grass"),
    ("Lindqvist Stadium", "Aldermoor", 6800, 1998, "Grass"),
    ("Pine Hollow Park", "Pine Hollow", 2500, 1974, "Artificial"),
    ("Crestview Bowl", "Crestview", 5100, 1987, "Grass"),
    ("Marston Memorial Field", "Marston", 3300, 1952, "Grass"),
    ("Redding Soccer Complex", "Redding", 3900, 2009, "Artificial"),
    ("Osgood Stadium", "Fairhaven", 7500, 2004, "Grass"),
    ("Kettle Lake Field", "Kettle Lake", 1800, 1979, "Artificial"),
    ("Summit Arena", "Ridgeway", 2200, 2015, "Artificial"),
    ("Delmar Field", "Delmar", 3000, 1968, "Grass"),
    ("Bayview Park", "Bayview", 2800, 2024, "Artificial"),
    ("Grand Meadow Stadium", "Centerville", 12000, 2001, "Grass"),
    ("Carrow Field", "Carrow", 3600, 1990, "Hybrid"),
]
#: (name, university, conference, founded, home venue, coach, strength)
TEAMS: list[tuple[str, str, str, int, str, str | None, float]] = [
    ("Harwick Hawks", "Harwick University", "NTH", 1921, "Harwick Field", "Dana Whitfield",
     1.55),
    ("Aldermoor Stags", "University of Aldermoor", "NTH", 1934, "Lindqvist Stadium",
     "Marco Reyes", 1.35),
    ("Pine Hollow Foxes", "Pine Hollow College", "NTH", 1958, "Pine Hollow Park", "Erin Cole",
     0.95),
    ("Crestview Comets", "Crestview State University", "NTH", 1947, "Crestview Bowl",
     "Tom Abernathy", 1.15),
    ("Marston Millers", "Marston University", "CEN", 1912, "Marston Memorial Field",
     "Priya Nair", 1.25),
    ("Redding Rams", "Redding Tech", "CEN", 1969, "Redding Soccer Complex", "Luis Ortega",
     1.05),
    ("Fairhaven Falcons", "Fairhaven University", "CEN", 1930, "Osgood Stadium", "Grace Kim",
     1.6),
    ("Kettle Lake Herons", "Kettle Lake College", "CEN", 1975, "Kettle Lake Field", None, 0.8),
    ("Ridgeway Rangers", "Ridgeway University", "WST", 1952, "Summit Arena", "Sam Okafor",
     1.2),
    ("Ridgeway Tech Titans", "Ridgeway Institute of Technology", "WST", 1988, "Summit Arena",
     "Helen Park", 0.9),
    ("Delmar Dolphins", "Delmar State University", "WST", 1961, "Delmar Field", "Ben Lowry",
     1.1),
    ("Carrow Cardinals", "Carrow College", "WST", 1940, "Carrow Field", "Nadia Haddad", 1.3),
    ("Bayview Pelicans", "Bayview University", "WST", 2024, "Bayview Park", "Owen Marsh", 1.0),
]
#: teams that play (Bayview joined for 2025)
PLAYING = 12
#: (year, first match day); the 2025 season has no match yet
SEASONS = [(2022, dt.date(2022, 9, 3)), (2023, dt.date(2023, 9, 2)),
           (2024, dt.date(2024, 9, 7)), (2025, dt.date(2025, 9, 6))]
ROUNDS = 11
SHOWCASE = "Grand Meadow Stadium"
#: (team, the year its home matches moved, to where)
MOVED = ("Harwick Hawks", 2024, "Crestview Bowl")
#: a squad by position at the start of 2022
SQUAD = [("GK", 2), ("DF", 5), ("MF", 5), ("FW", 4)]
GOAL_TYPES = [("Open play", 70), ("Header", 15), ("Penalty", 9), ("Free kick", 6)]
NATIONALITIES = [("USA", 60), ("Canada", 10), ("England", 7), ("Mexico", 6), ("Germany", 4),
                 ("Brazil", 4), ("Ghana", 3), ("Japan", 3), ("Spain", 3)]
FIRST = ["James", "Liam", "Noah", "Ethan", "Mason", "Lucas", "Owen", "Caleb", "Henry", "Jack",
         "Mateo", "Diego", "Samuel", "Leo", "Adam", "Kofi", "Yuki", "Tomas", "Felix", "Jonah",
         "Isaac", "Aaron", "Marcus", "Elliot", "Rafael", "Hugo", "Nathan", "Dylan", "Kwame",
         "Bruno", "Connor", "Evan", "Gavin", "Miles", "Oscar", "Reid", "Theo", "Wyatt"]
LAST = ["Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
        "Wilson", "Anderson", "Taylor", "Moore", "Clark", "Lewis", "Walker", "Hall", "Young",
        "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter", "Mitchell",
        "Perez", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
        "Collins", "Mensah", "Tanaka", "Schmidt", "Silva", "Novak", "Fischer", "Ortiz"]
#: players who changed teams after the 2022 season
TRANSFERS = 6
#: recruits signed for 2025, on no roster yet
UNASSIGNED = 3

SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE conference (
    conf_code TEXT PRIMARY KEY,
    conf_name TEXT NOT NULL,
    region TEXT NOT NULL
);
CREATE TABLE position (
    pos_code TEXT PRIMARY KEY,
    pos_name TEXT NOT NULL
);
CREATE TABLE venue (
    venue_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    opened_yr INTEGER NOT NULL,
    surface TEXT NOT NULL
);
CREATE TABLE team (
    team_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    univ_name TEXT NOT NULL,
    conf_code TEXT NOT NULL REFERENCES conference (conf_code),
    founded_yr INTEGER NOT NULL,
    venue_id INTEGER NOT NULL REFERENCES venue (venue_id),
    coach TEXT
);
CREATE TABLE season (
    season_id INTEGER PRIMARY KEY,
    yr INTEGER NOT NULL UNIQUE,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL
);
CREATE TABLE player (
    player_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    dob DATE NOT NULL,
    pos_code TEXT NOT NULL REFERENCES position (pos_code),
    nationality TEXT NOT NULL,
    height_cm INTEGER
);
CREATE TABLE roster (
    player_id INTEGER NOT NULL REFERENCES player (player_id),
    team_id INTEGER NOT NULL REFERENCES team (team_id),
    from_yr INTEGER NOT NULL,
    to_yr INTEGER,
    shirt_num INTEGER NOT NULL,
    PRIMARY KEY (player_id, team_id)
);
CREATE TABLE match (
    match_id INTEGER PRIMARY KEY,
    season_id INTEGER NOT NULL REFERENCES season (season_id),
    round_no INTEGER NOT NULL,
    match_date DATE NOT NULL,
    home_team_id INTEGER NOT NULL REFERENCES team (team_id),
    away_team_id INTEGER NOT NULL REFERENCES team (team_id),
    venue_id INTEGER NOT NULL REFERENCES venue (venue_id),
    home_goals INTEGER NOT NULL,
    away_goals INTEGER NOT NULL,
    attendance INTEGER
);
CREATE TABLE goal (
    goal_id INTEGER PRIMARY KEY,
    match_id INTEGER NOT NULL REFERENCES match (match_id),
    player_id INTEGER NOT NULL REFERENCES player (player_id),
    team_id INTEGER NOT NULL REFERENCES team (team_id),
    minute INTEGER NOT NULL,
    goal_type TEXT NOT NULL
);
"""


def create_league_database(path: Path, *, seed: int = 123) -> None:
    """Write the league's database to ``path`` (replaced if it exists).

    The same seed always gives the same rows, whatever the day.
    """
    rng = random.Random(f"league:{seed}")
    tables = _build(rng)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        for table, rows in tables.items():
            marks = ", ".join("?" * len(rows[0]))
            connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        connection.commit()
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        assert not problems, problems
    finally:
        connection.close()


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


class _People:
    """Players with unique names, drawn as they are recruited."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rows: list[tuple[object, ...]] = []
        self.names: set[str] = set()

    def recruit(self, position: str, year: int) -> int:
        rng = self.rng
        while True:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if name not in self.names:
                break
        self.names.add(name)
        born = dt.date(year - 18, 1, 1) + dt.timedelta(days=rng.randint(-300, 500))
        height: int | None = round(rng.gauss(186 if position == "GK" else 178, 6))
        if rng.random() < 0.08:
            height = None
        player_id = len(self.rows) + 1
        self.rows.append((player_id, name, born.isoformat(), position,
                          _weighted(rng, NATIONALITIES), height))
        return player_id


def _build(rng: random.Random) -> dict[str, list[tuple[object, ...]]]:
    venue_id = {v[0]: n for n, v in enumerate(VENUES, 1)}
    capacity = {n: v[2] for n, v in enumerate(VENUES, 1)}
    position_weight = {p[0]: p[2] for p in POSITIONS}
    people = _People(rng)

    # Rosters: team -> [player, position, from, to, shirt]; to is None while on the team.
    stints: dict[int, list[list[object]]] = {t: [] for t in range(1, PLAYING + 1)}
    shirts = {t: rng.sample(range(1, 41), 40) for t in stints}

    def sign(team: int, position: str, year: int, player: int | None = None,
             until: int | None = None) -> None:
        if player is None:
            player = people.recruit(position, year)
        stints[team].append([player, position, year, until, shirts[team].pop()])

    for team in stints:
        for position, count in SQUAD:
            for _ in range(count):
                sign(team, position, rng.randint(2019, 2022))
    # Four years on a team; a player who came in 2019 left after 2022.
    for year in (2023, 2024):
        for team in stints:
            for stint in list(stints[team]):
                if stint[3] is None and int(str(stint[2])) + 4 == year:
                    stint[3] = year - 1
                    sign(team, str(stint[1]), year)
    # Transfers after 2022: an outfield player who had years left moves to another team.
    movers = [(team, stint) for team in stints for stint in stints[team]
              if stint[3] is None and stint[1] != "GK" and int(str(stint[2])) in (2021, 2022)]
    for team, stint in rng.sample(movers, TRANSFERS):
        stint[3] = 2022
        started = int(str(stint[2]))
        other = rng.choice([t for t in stints if t != team])
        sign(other, str(stint[1]), 2023, player=int(str(stint[0])),
             until=started + 3 if started + 3 <= 2024 else None)
        sign(team, str(stint[1]), 2023)
    # Players still on a team after 2024 have an open stint; the graduates of 2024 close.
    for team in stints:
        for stint in stints[team]:
            if stint[3] is None and int(str(stint[2])) + 3 <= 2024:
                stint[3] = int(str(stint[2])) + 3
            elif stint[3] is not None and int(str(stint[3])) > 2024:
                stint[3] = None
    for position in ("FW", "MF", "DF")[:UNASSIGNED]:
        people.recruit(position, 2025)

    def on_team(team: int, year: int) -> list[tuple[int, int]]:
        return [(int(str(s[0])), position_weight[str(s[1])]) for s in stints[team]
                if int(str(s[2])) <= year and (s[3] is None or int(str(s[3])) >= year)]

    strength = {n: t[6] for n, t in enumerate(TEAMS, 1)}
    home_ground = {n: venue_id[t[4]] for n, t in enumerate(TEAMS, 1)}
    seasons: list[tuple[object, ...]] = []
    matches: list[tuple[object, ...]] = []
    goals: list[tuple[object, ...]] = []
    for season_id, (year, first_day) in enumerate(SEASONS, 1):
        last_day = first_day + dt.timedelta(weeks=ROUNDS - 1, days=1)
        seasons.append((season_id, year, first_day.isoformat(), last_day.isoformat()))
        if year == 2025:
            continue
        order = rng.sample(range(1, PLAYING + 1), PLAYING)
        hosted = dict.fromkeys(order, 0)
        for round_no in range(1, ROUNDS + 1):
            saturday = first_day + dt.timedelta(weeks=round_no - 1)
            fixed, rest = order[0], order[1:]
            rest = rest[round_no - 1:] + rest[: round_no - 1]
            circle = [fixed, *rest]
            for k in range(PLAYING // 2):
                a, b = circle[k], circle[PLAYING - 1 - k]
                # The side with fewer home matches so far hosts; a coin decides a tie.
                first = hosted[a] < hosted[b] or (hosted[a] == hosted[b] and rng.random() < 0.5)
                home, away = (a, b) if first else (b, a)
                hosted[home] += 1
                venue = home_ground[home]
                if round_no == 1 and k == 0:
                    venue = venue_id[SHOWCASE]
                elif TEAMS[home - 1][0] == MOVED[0] and year == MOVED[1]:
                    venue = venue_id[MOVED[2]]
                day = saturday + dt.timedelta(days=1 if rng.random() < 0.3 else 0)
                scored = (_poisson(rng, strength[home] * 1.15 / strength[away] ** 0.5),
                          _poisson(rng, strength[away] * 0.9 / strength[home] ** 0.5))
                crowd: int | None = int(capacity[venue] * rng.uniform(0.35, 1.0))
                if rng.random() < 0.06:
                    crowd = None
                match_id = len(matches) + 1
                matches.append((match_id, season_id, round_no, day.isoformat(), home, away,
                                venue, scored[0], scored[1], crowd))
                minutes: list[tuple[int, int]] = []
                for side, count in zip((home, away), scored, strict=True):
                    squad = on_team(side, year)
                    for _ in range(count):
                        scorer = rng.choices([p for p, _ in squad],
                                             weights=[w for _, w in squad])[0]
                        minutes.append((rng.randint(1, 90), side * 10000 + scorer))
                for minute, who in sorted(minutes):
                    goals.append((len(goals) + 1, match_id, who % 10000, who // 10000, minute,
                                  _weighted(rng, GOAL_TYPES)))
    rosters = sorted(
        (int(str(s[0])), team, s[2], s[3], s[4]) for team in stints for s in stints[team]
    )
    return {
        "conference": [tuple(c) for c in CONFERENCES],
        "position": [p[:2] for p in POSITIONS],
        "venue": [(n, *v) for n, v in enumerate(VENUES, 1)],
        "team": [(n, *t[:4], venue_id[t[4]], t[5]) for n, t in enumerate(TEAMS, 1)],
        "season": seasons,
        "player": people.rows,
        "roster": rosters,
        "match": matches,
        "goal": goals,
    }
