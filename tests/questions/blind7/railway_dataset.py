"""A network of European passenger railways in SQLite, shaped like an academic benchmark's
database (a timetable of routes, their stops, the trains that run them and two years of
departures).

Mixed naming as such databases have it: singular table names (``station``, ``train``,
``route``), abbreviations (``opened_yr``, ``built_yr``, ``elev_m``, ``dep_date``,
``dest_id``), code tables keyed by a text code (``country.country_code``,
``train_class.class_code``, ``delay_cause.cause_code``), and **declared foreign keys**
throughout. ``route`` refers to ``station`` in two roles (``origin_id`` and ``dest_id``);
``route_stop`` is a bridge between routes and stations keyed by its two references;
``departure`` is a bridge between routes and trains with its own id.

| table | rows | columns |
|---|---|---|
| ``country`` | 9 | country_code PK, country_name, currency |
| ``train_class`` | 6 | class_code PK, class_name, max_speed (km/h) |
| ``delay_cause`` | 8 | cause_code PK, description, category |
| ``operator`` | 9 | operator_id PK, operator_name, country_code FK, founded, hq_city |
| ``station`` | 45 | station_id PK, station_name, city, country_code FK, lat, lon, platforms,
  opened_yr, elev_m (null for some) |
| ``train`` | 99 | train_id PK, train_no, model, class_code FK, operator_id FK, capacity
  (seats or berths), built_yr, last_overhaul (null: never overhauled) |
| ``route`` | 40 | route_id PK, route_no, origin_id FK station, dest_id FK station, operator_id
  FK, class_code FK, distance_km, introduced (date) |
| ``route_stop`` | 125 | route_id FK, station_id FK (together the key), stop_seq,
  arr_min (minutes after leaving the origin) |
| ``departure`` | 680 | departure_id PK, route_id FK, train_id FK, dep_date, dep_time,
  status, delay_min, cause_code FK, passengers |

Departures run on days of 2023 and 2024 only; the data does not depend on the day it is
generated. A route is run by trains of its own operator and class. A departure is
``On time`` (``delay_min`` 0 to 4, no cause), ``Delayed`` (``delay_min`` 5 or more, a cause
or, now and then, none recorded) or ``Cancelled`` (``delay_min`` and ``passengers`` null, a
cause). ``passengers`` never exceeds the train's capacity and is missing for a few
departures that ran.

The oddities of a real network: a station no route calls at (Bonn Hbf), two countries
without a station (Luxembourg, Czechia), an operator without a train or a route
(RegioJet), a train class no train belongs to (Regional), three trains delivered in
2024 that never ran, trains never overhauled, an apostrophe in Paris Gare de l'Est, and
four stations in Paris.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3
from pathlib import Path

#: (code, name, currency)
COUNTRIES = [
    ("DE", "Germany", "EUR"), ("FR", "France", "EUR"), ("NL", "Netherlands", "EUR"),
    ("BE", "Belgium", "EUR"), ("CH", "Switzerland", "CHF"), ("AT", "Austria", "EUR"),
    ("IT", "Italy", "EUR"), ("LU", "Luxembourg", "EUR"), ("CZ", "Czechia", "CZK"),
]
#: (code, name, maximum speed in km/h, average speed on a route in km/h)
CLASSES = [
    ("HS", "High-speed", 320, 175), ("IC", "InterCity", 200, 105),
    ("EC", "EuroCity", 230, 115), ("RE", "Regional Express", 160, 75),
    ("NJ", "Night train", 230, 68), ("RB", "Regional", 120, 55),
]
#: (code, description, category, weight for delays, weight for cancellations)
CAUSES = [
    ("SIG", "Signal failure", "Infrastructure", 14, 3),
    ("TRK", "Track works", "Infrastructure", 18, 2),
    ("ROL", "Rolling stock fault", "Operator", 16, 5),
    ("STF", "Staff shortage", "Operator", 7, 4),
    ("CON", "Waiting for a connection", "Operator", 12, 0),
    ("WEA", "Severe weather", "External", 8, 3),
    ("TRS", "Trespasser on the line", "External", 6, 1),
    ("STR", "Strike", "External", 2, 9),
]
#: (name, country, founded, headquarters)
OPERATORS = [
    ("DB Fernverkehr", "DE", 1999, "Frankfurt"),
    ("SNCF Voyageurs", "FR", 2020, "Saint-Denis"),
    ("Eurostar", "BE", 1994, "Brussels"),
    ("NS International", "NL", 1938, "Utrecht"),
    ("SNCB", "BE", 1926, "Brussels"),
    ("SBB", "CH", 1902, "Bern"),
    ("ÖBB Personenverkehr", "AT", 2005, "Vienna"),
    ("Trenitalia", "IT", 2000, "Rome"),
    ("RegioJet", "CZ", 2009, "Brno"),
]
#: (name, city, country, lat, lon, platforms, opened, elevation in m or None)
STATIONS: list[tuple[str, str, str, float, float, int, int, int | None]] = [
    ("Berlin Hbf", "Berlin", "DE", 52.525, 13.369, 14, 2006, 34),
    ("Hamburg Hbf", "Hamburg", "DE", 53.553, 10.007, 12, 1906, 8),
    ("Munich Hbf", "Munich", "DE", 48.140, 11.558, 32, 1849, 519),
    ("Cologne Hbf", "Cologne", "DE", 50.943, 6.959, 11, 1859, 53),
    ("Frankfurt Hbf", "Frankfurt", "DE", 50.107, 8.663, 25, 1888, 100),
    ("Stuttgart Hbf", "Stuttgart", "DE", 48.784, 9.182, 16, 1922, 247),
    ("Hannover Hbf", "Hanover", "DE", 52.377, 9.741, 12, 1879, 55),
    ("Nuremberg Hbf", "Nuremberg", "DE", 49.446, 11.082, 22, 1906, 309),
    ("Leipzig Hbf", "Leipzig", "DE", 51.345, 12.382, 19, 1915, 113),
    ("Dresden Hbf", "Dresden", "DE", 51.040, 13.732, 17, 1898, 117),
    ("Mannheim Hbf", "Mannheim", "DE", 49.479, 8.470, 10, 1876, 97),
    ("Karlsruhe Hbf", "Karlsruhe", "DE", 48.994, 8.400, 16, 1913, 116),
    ("Bonn Hbf", "Bonn", "DE", 50.732, 7.097, 5, 1844, None),
    ("Paris Gare du Nord", "Paris", "FR", 48.881, 2.355, 36, 1846, 47),
    ("Paris Gare de l'Est", "Paris", "FR", 48.877, 2.359, 30, 1849, 50),
    ("Paris Gare de Lyon", "Paris", "FR", 48.845, 2.373, 32, 1849, 40),
    ("Paris Montparnasse", "Paris", "FR", 48.841, 2.320, 28, 1840, 63),
    ("Lyon Part-Dieu", "Lyon", "FR", 45.760, 4.859, 11, 1983, 172),
    ("Marseille Saint-Charles", "Marseille", "FR", 43.303, 5.380, 16, 1848, 44),
    ("Lille Europe", "Lille", "FR", 50.639, 3.076, 4, 1994, None),
    ("Strasbourg", "Strasbourg", "FR", 48.585, 7.734, 8, 1883, 143),
    ("Bordeaux Saint-Jean", "Bordeaux", "FR", 44.826, -0.556, 13, 1898, 6),
    ("Nice Ville", "Nice", "FR", 43.705, 7.262, 5, 1867, 24),
    ("Amsterdam Centraal", "Amsterdam", "NL", 52.379, 4.900, 15, 1889, 2),
    ("Rotterdam Centraal", "Rotterdam", "NL", 51.925, 4.469, 13, 1957, None),
    ("Utrecht Centraal", "Utrecht", "NL", 52.089, 5.110, 16, 1843, 5),
    ("Schiphol Airport", "Haarlemmermeer", "NL", 52.309, 4.762, 6, 1981, None),
    ("Brussels-Midi", "Brussels", "BE", 50.836, 4.336, 22, 1869, 20),
    ("Antwerp Central", "Antwerp", "BE", 51.217, 4.421, 14, 1905, 9),
    ("Liège-Guillemins", "Liège", "BE", 50.625, 5.567, 9, 1842, 65),
    ("Ghent Sint-Pieters", "Ghent", "BE", 51.036, 3.711, 12, 1912, None),
    ("Zurich HB", "Zurich", "CH", 47.378, 8.540, 26, 1847, 408),
    ("Basel SBB", "Basel", "CH", 47.547, 7.590, 16, 1907, 277),
    ("Bern", "Bern", "CH", 46.949, 7.439, 12, 1860, 540),
    ("Geneva Cornavin", "Geneva", "CH", 46.210, 6.142, 8, 1858, 391),
    ("Lausanne", "Lausanne", "CH", 46.517, 6.629, 9, 1856, 447),
    ("Vienna Hbf", "Vienna", "AT", 48.185, 16.376, 12, 2014, 190),
    ("Salzburg Hbf", "Salzburg", "AT", 47.813, 13.046, 9, 1860, 424),
    ("Innsbruck Hbf", "Innsbruck", "AT", 47.263, 11.401, 8, 1858, 582),
    ("Linz Hbf", "Linz", "AT", 48.290, 14.292, 10, 1858, None),
    ("Milano Centrale", "Milan", "IT", 45.486, 9.204, 24, 1931, 122),
    ("Venezia Santa Lucia", "Venice", "IT", 45.441, 12.321, 16, 1861, None),
    ("Verona Porta Nuova", "Verona", "IT", 45.429, 10.982, 12, 1852, 59),
    ("Bologna Centrale", "Bologna", "IT", 44.506, 11.343, 18, 1859, 54),
    ("Roma Termini", "Rome", "IT", 41.901, 12.502, 32, 1862, None),
]
#: operator -> [(model, class, capacity, first and last year built, how many)]
FLEETS: dict[str, list[tuple[str, str, int, int, int, int]]] = {
    "DB Fernverkehr": [("ICE 3", "HS", 444, 2000, 2006, 6), ("ICE 4", "HS", 918, 2017, 2023, 8),
                       ("ICE 3neo", "HS", 439, 2022, 2024, 4),
                       ("IC2 Twindexx", "IC", 468, 2015, 2019, 5)],
    "SNCF Voyageurs": [("TGV Euroduplex", "HS", 556, 2011, 2020, 9),
                       ("TGV Reseau", "HS", 377, 1993, 1996, 3),
                       ("Regio 2N", "RE", 506, 2014, 2019, 2),
                       ("Coradia Liner", "IC", 280, 2017, 2018, 2)],
    "Eurostar": [("e320", "HS", 894, 2015, 2018, 5), ("PBKA", "HS", 377, 1996, 1996, 3)],
    "NS International": [("ICNG", "IC", 410, 2022, 2024, 4), ("VIRM", "IC", 570, 1994, 2009, 3)],
    "SNCB": [("M7", "IC", 480, 2018, 2022, 3), ("AM08 Desiro", "IC", 280, 2012, 2016, 4)],
    "SBB": [("IC2000", "IC", 500, 1997, 2004, 4), ("FV-Dosto", "IC", 600, 2018, 2021, 3),
            ("Giruno", "EC", 405, 2019, 2021, 4)],
    "ÖBB Personenverkehr": [("Railjet", "EC", 408, 2008, 2017, 8),
                            ("Nightjet", "NJ", 254, 2022, 2024, 5)],
    "Trenitalia": [("Frecciarossa 1000", "HS", 457, 2015, 2021, 8),
                   ("ETR 500", "HS", 574, 1996, 2001, 3), ("Rock", "RE", 660, 2019, 2023, 3)],
}
#: unit-number prefix of each operator's trains
PREFIXES = {"DB Fernverkehr": "DB", "SNCF Voyageurs": "SNCF", "Eurostar": "EST",
            "NS International": "NS", "SNCB": "SNCB", "SBB": "SBB",
            "ÖBB Personenverkehr": "OBB", "Trenitalia": "TI"}
#: (route number, operator, class, stops in order, introduced, departures in two years,
#:  departure times)
ROUTES: list[tuple[str, str, str, list[str], dt.date, int, list[str]]] = [
    ("ICE 28", "DB Fernverkehr", "HS",
     ["Berlin Hbf", "Leipzig Hbf", "Nuremberg Hbf", "Munich Hbf"], dt.date(2017, 12, 10), 34,
     ["06:29", "10:29", "14:29", "18:29"]),
    ("ICE 22", "DB Fernverkehr", "HS",
     ["Hamburg Hbf", "Hannover Hbf", "Frankfurt Hbf", "Mannheim Hbf", "Stuttgart Hbf"],
     dt.date(1991, 6, 2), 30, ["07:01", "11:01", "15:01"]),
    ("ICE 45", "DB Fernverkehr", "HS", ["Cologne Hbf", "Frankfurt Hbf"],
     dt.date(2002, 8, 1), 26, ["08:18", "12:18", "16:18", "20:18"]),
    ("ICE 10", "DB Fernverkehr", "HS",
     ["Berlin Hbf", "Hannover Hbf", "Cologne Hbf"], dt.date(1998, 9, 27), 24,
     ["06:48", "12:48", "17:48"]),
    ("ICE 43", "DB Fernverkehr", "HS",
     ["Frankfurt Hbf", "Mannheim Hbf", "Karlsruhe Hbf", "Basel SBB"], dt.date(2004, 12, 12),
     20, ["09:50", "13:50"]),
    ("ICE 78", "DB Fernverkehr", "HS",
     ["Amsterdam Centraal", "Utrecht Centraal", "Cologne Hbf", "Frankfurt Hbf"],
     dt.date(2000, 12, 10), 18, ["07:38", "10:38", "16:38"]),
    ("IC 17", "DB Fernverkehr", "IC", ["Hamburg Hbf", "Berlin Hbf", "Dresden Hbf"],
     dt.date(2016, 12, 11), 16, ["08:24", "14:24"]),
    ("IC 50", "DB Fernverkehr", "IC", ["Dresden Hbf", "Leipzig Hbf", "Frankfurt Hbf"],
     dt.date(2019, 12, 15), 12, ["09:12", "15:12"]),
    ("TGV 6101", "SNCF Voyageurs", "HS",
     ["Paris Gare de Lyon", "Lyon Part-Dieu", "Marseille Saint-Charles"], dt.date(2001, 6, 10),
     32, ["07:00", "09:00", "13:00", "17:00"]),
    ("TGV 9761", "SNCF Voyageurs", "HS", ["Paris Gare de Lyon", "Geneva Cornavin"],
     dt.date(2002, 12, 15), 14, ["07:54", "17:54"]),
    ("TGV 2401", "SNCF Voyageurs", "HS", ["Paris Gare de l'Est", "Strasbourg"],
     dt.date(2007, 6, 10), 22, ["06:55", "10:55", "18:55"]),
    ("TGV 9571", "SNCF Voyageurs", "HS",
     ["Paris Gare de l'Est", "Strasbourg", "Stuttgart Hbf", "Munich Hbf"], dt.date(2007, 6, 10),
     12, ["07:25"]),
    ("TGV 7011", "SNCF Voyageurs", "HS", ["Paris Gare du Nord", "Lille Europe"],
     dt.date(1993, 9, 26), 18, ["08:16", "12:16", "19:16"]),
    ("TGV 8501", "SNCF Voyageurs", "HS", ["Paris Montparnasse", "Bordeaux Saint-Jean"],
     dt.date(2017, 7, 2), 24, ["06:52", "11:52", "16:52"]),
    ("IC 4751", "SNCF Voyageurs", "IC", ["Marseille Saint-Charles", "Nice Ville"],
     dt.date(2012, 12, 9), 10, ["10:31", "16:31"]),
    ("TER 96601", "SNCF Voyageurs", "RE", ["Lyon Part-Dieu", "Geneva Cornavin"],
     dt.date(2014, 12, 14), 8, ["08:34"]),
    ("EST 9311", "Eurostar", "HS", ["Paris Gare du Nord", "Brussels-Midi"],
     dt.date(1996, 6, 2), 28, ["07:25", "10:25", "13:25", "18:25"]),
    ("EST 9315", "Eurostar", "HS",
     ["Paris Gare du Nord", "Brussels-Midi", "Rotterdam Centraal", "Schiphol Airport",
      "Amsterdam Centraal"], dt.date(1996, 6, 2), 22, ["06:25", "11:25", "16:25"]),
    ("EST 9415", "Eurostar", "HS", ["Brussels-Midi", "Liège-Guillemins", "Cologne Hbf"],
     dt.date(1997, 12, 14), 12, ["08:25", "15:25"]),
    ("IC 9221", "NS International", "IC",
     ["Amsterdam Centraal", "Schiphol Airport", "Rotterdam Centraal", "Antwerp Central",
      "Brussels-Midi"], dt.date(2023, 4, 3), 14, ["06:48", "10:48", "14:48"]),
    ("IC 3500", "NS International", "IC",
     ["Schiphol Airport", "Amsterdam Centraal", "Utrecht Centraal"], dt.date(2010, 12, 12), 12,
     ["07:10", "12:10", "17:10"]),
    ("IC 1915", "SNCB", "IC", ["Brussels-Midi", "Ghent Sint-Pieters"], dt.date(1999, 5, 30), 14,
     ["07:21", "12:21", "17:21"]),
    ("IC 2112", "SNCB", "IC", ["Brussels-Midi", "Antwerp Central"], dt.date(2007, 12, 9), 12,
     ["07:43", "16:43"]),
    ("IC 3610", "SNCB", "IC", ["Brussels-Midi", "Liège-Guillemins"], dt.date(2009, 9, 18), 10,
     ["09:33", "15:33"]),
    ("IC 1", "SBB", "IC", ["Zurich HB", "Bern", "Lausanne", "Geneva Cornavin"],
     dt.date(2004, 12, 12), 24, ["06:32", "09:32", "12:32", "17:32"]),
    ("IC 3", "SBB", "IC", ["Basel SBB", "Zurich HB"], dt.date(2004, 12, 12), 16,
     ["07:07", "13:07", "18:07"]),
    ("IC 61", "SBB", "IC", ["Basel SBB", "Bern"], dt.date(2004, 12, 12), 10, ["08:04", "16:04"]),
    ("EC 15", "SBB", "EC", ["Zurich HB", "Milano Centrale"], dt.date(2020, 12, 13), 16,
     ["07:33", "11:33", "15:33"]),
    ("RJ 60", "ÖBB Personenverkehr", "EC",
     ["Munich Hbf", "Salzburg Hbf", "Linz Hbf", "Vienna Hbf"], dt.date(2009, 12, 13), 22,
     ["07:27", "11:27", "15:27"]),
    ("RJ 163", "ÖBB Personenverkehr", "EC",
     ["Zurich HB", "Innsbruck Hbf", "Salzburg Hbf", "Linz Hbf", "Vienna Hbf"],
     dt.date(2009, 12, 13), 14, ["06:40", "08:40"]),
    ("RJ 540", "ÖBB Personenverkehr", "EC", ["Vienna Hbf", "Linz Hbf", "Salzburg Hbf"],
     dt.date(2008, 12, 14), 16, ["07:30", "13:30", "19:30"]),
    ("EC 85", "ÖBB Personenverkehr", "EC",
     ["Munich Hbf", "Innsbruck Hbf", "Verona Porta Nuova", "Bologna Centrale"],
     dt.date(2009, 12, 13), 12, ["09:31", "13:31"]),
    ("NJ 469", "ÖBB Personenverkehr", "NJ",
     ["Paris Gare de l'Est", "Strasbourg", "Karlsruhe Hbf", "Munich Hbf", "Salzburg Hbf",
      "Linz Hbf", "Vienna Hbf"], dt.date(2021, 12, 13), 10, ["19:58"]),
    ("NJ 40237", "ÖBB Personenverkehr", "NJ", ["Vienna Hbf", "Venezia Santa Lucia"],
     dt.date(2016, 12, 11), 8, ["21:27"]),
    ("NJ 490", "ÖBB Personenverkehr", "NJ",
     ["Hamburg Hbf", "Hannover Hbf", "Nuremberg Hbf", "Linz Hbf", "Vienna Hbf"],
     dt.date(2016, 12, 11), 8, ["20:16"]),
    ("FR 9511", "Trenitalia", "HS",
     ["Milano Centrale", "Bologna Centrale", "Roma Termini"], dt.date(2015, 6, 14), 30,
     ["06:00", "08:00", "10:00", "14:00", "18:00"]),
    ("FR 9407", "Trenitalia", "HS",
     ["Venezia Santa Lucia", "Bologna Centrale", "Roma Termini"], dt.date(2016, 12, 11), 16,
     ["07:26", "15:26"]),
    ("FR 9711", "Trenitalia", "HS",
     ["Venezia Santa Lucia", "Verona Porta Nuova", "Milano Centrale"], dt.date(2016, 12, 11),
     16, ["06:50", "12:50", "17:50"]),
    ("FR 9248", "Trenitalia", "HS",
     ["Milano Centrale", "Lyon Part-Dieu", "Paris Gare de Lyon"], dt.date(2021, 12, 18), 10,
     ["06:25"]),
    ("RV 2213", "Trenitalia", "RE", ["Verona Porta Nuova", "Venezia Santa Lucia"],
     dt.date(2019, 6, 9), 10, ["07:05", "13:05"]),
]
#: minutes a train stands at an intermediate stop
DWELL = 3
#: track distance over the distance as the crow flies
WINDING = 1.18
FIRST_DAY = dt.date(2023, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)

SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE country (
    country_code TEXT PRIMARY KEY,
    country_name TEXT NOT NULL,
    currency TEXT NOT NULL
);
CREATE TABLE train_class (
    class_code TEXT PRIMARY KEY,
    class_name TEXT NOT NULL,
    max_speed INTEGER NOT NULL
);
CREATE TABLE delay_cause (
    cause_code TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    category TEXT NOT NULL
);
CREATE TABLE operator (
    operator_id INTEGER PRIMARY KEY,
    operator_name TEXT NOT NULL,
    country_code TEXT NOT NULL REFERENCES country (country_code),
    founded INTEGER,
    hq_city TEXT
);
CREATE TABLE station (
    station_id INTEGER PRIMARY KEY,
    station_name TEXT NOT NULL,
    city TEXT NOT NULL,
    country_code TEXT NOT NULL REFERENCES country (country_code),
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    platforms INTEGER NOT NULL,
    opened_yr INTEGER NOT NULL,
    elev_m INTEGER
);
CREATE TABLE train (
    train_id INTEGER PRIMARY KEY,
    train_no TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL,
    class_code TEXT NOT NULL REFERENCES train_class (class_code),
    operator_id INTEGER NOT NULL REFERENCES operator (operator_id),
    capacity INTEGER NOT NULL,
    built_yr INTEGER NOT NULL,
    last_overhaul DATE
);
CREATE TABLE route (
    route_id INTEGER PRIMARY KEY,
    route_no TEXT NOT NULL,
    origin_id INTEGER NOT NULL REFERENCES station (station_id),
    dest_id INTEGER NOT NULL REFERENCES station (station_id),
    operator_id INTEGER NOT NULL REFERENCES operator (operator_id),
    class_code TEXT NOT NULL REFERENCES train_class (class_code),
    distance_km INTEGER NOT NULL,
    introduced DATE NOT NULL
);
CREATE TABLE route_stop (
    route_id INTEGER NOT NULL REFERENCES route (route_id),
    station_id INTEGER NOT NULL REFERENCES station (station_id),
    stop_seq INTEGER NOT NULL,
    arr_min INTEGER NOT NULL,
    PRIMARY KEY (route_id, station_id)
);
CREATE TABLE departure (
    departure_id INTEGER PRIMARY KEY,
    route_id INTEGER NOT NULL REFERENCES route (route_id),
    train_id INTEGER NOT NULL REFERENCES train (train_id),
    dep_date DATE NOT NULL,
    dep_time TEXT NOT NULL,
    status TEXT NOT NULL,
    delay_min INTEGER,
    cause_code TEXT REFERENCES delay_cause (cause_code),
    passengers INTEGER
);
"""

#: trains delivered in 2024 that have not run yet (model, operator)
NOT_YET_RUN = 3


def create_railway_database(path: Path, *, seed: int = 7) -> None:
    """Write the railway network's database to ``path`` (replaced if it exists).

    The same seed always gives the same rows, whatever the day.
    """
    rng = random.Random(f"railway:{seed}")
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


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371 * math.asin(math.sqrt(h))


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _build(rng: random.Random) -> dict[str, list[tuple[object, ...]]]:
    station_id = {s[0]: n for n, s in enumerate(STATIONS, 1)}
    where = {s[0]: (s[3], s[4]) for s in STATIONS}
    operator_id = {o[0]: n for n, o in enumerate(OPERATORS, 1)}
    speed = {c[0]: c[3] for c in CLASSES}

    # Trains, numbered per operator; the newest few have not run yet.
    trains: list[tuple[object, ...]] = []
    fleet: dict[tuple[str, str], list[tuple[int, int]]] = {}
    idle: set[int] = set()
    for operator, models in FLEETS.items():
        number = 100
        for model, klass, capacity, first, last, count in models:
            for k in range(count):
                number += rng.randint(1, 9)
                built = first + round(k * (last - first) / max(count - 1, 1))
                train_id = len(trains) + 1
                overhaul: str | None = None
                if built <= 2019:
                    year = rng.randint(max(built + 6, 2016), 2024) if built < 2018 else 2024
                    day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
                    overhaul = day.isoformat() if rng.random() < 0.85 else None
                trains.append((train_id, f"{PREFIXES[operator]} {number}", model, klass,
                               operator_id[operator], capacity, built, overhaul))
                if model in ("ICE 3neo", "ICNG", "Nightjet") and built == 2024 and k == count - 1:
                    idle.add(train_id)
                else:
                    fleet.setdefault((operator, klass), []).append((train_id, capacity))
    assert len(idle) == NOT_YET_RUN, idle

    routes: list[tuple[object, ...]] = []
    stops: list[tuple[object, ...]] = []
    departures: list[tuple[object, ...]] = []
    days = (LAST_DAY - FIRST_DAY).days + 1
    delay_causes = [(c[0], c[3]) for c in CAUSES]
    cancel_causes = [(c[0], c[4]) for c in CAUSES if c[4]]
    for route_id, (number, operator, klass, calls, introduced, runs, times) in enumerate(
            ROUTES, 1):
        distance = 0.0
        minutes = 0.0
        for seq, name in enumerate(calls, 1):
            if seq > 1:
                leg = _km(where[calls[seq - 2]], where[name]) * WINDING
                distance += leg
                minutes += leg / speed[klass] * 60 + (DWELL if seq > 2 else 0)
            stops.append((route_id, station_id[name], seq, round(minutes)))
        routes.append((route_id, number, station_id[calls[0]], station_id[calls[-1]],
                       operator_id[operator], klass, round(distance), introduced.isoformat()))
        pool = fleet[(operator, klass)]
        first = max(FIRST_DAY, introduced)
        span = (LAST_DAY - first).days + 1
        dates = sorted(first + dt.timedelta(days=int(rng.random() * span))
                       for _ in range(round(runs * span / days)))
        for day in dates:
            train, capacity = rng.choice(pool)
            status = _weighted(rng, [("On time", 68), ("Delayed", 26), ("Cancelled", 6)])
            delay: int | None
            cause: str | None = None
            passengers: int | None = None
            if status == "Cancelled":
                delay = None
                cause = _weighted(rng, cancel_causes)
            else:
                load = rng.uniform(0.3, 0.98) if klass != "NJ" else rng.uniform(0.5, 1.0)
                if day.month in (7, 8, 12):
                    load = min(1.0, load * 1.12)
                passengers = int(capacity * load) if rng.random() > 0.04 else None
                if status == "On time":
                    delay = rng.randint(0, 4)
                else:
                    delay = 5 + int(rng.expovariate(1 / 17))
                    cause = _weighted(rng, delay_causes) if rng.random() > 0.1 else None
            departures.append((0, route_id, train, day.isoformat(), rng.choice(times), status,
                               delay, cause, passengers))
    departures.sort(key=lambda d: (str(d[3]), str(d[4]), int(str(d[1]))))
    departures = [(n, *d[1:]) for n, d in enumerate(departures, 1)]

    return {
        "country": [tuple(c) for c in COUNTRIES],
        "train_class": [c[:3] for c in CLASSES],
        "delay_cause": [c[:3] for c in CAUSES],
        "operator": [(n, *o) for n, o in enumerate(OPERATORS, 1)],
        "station": [(n, *s) for n, s in enumerate(STATIONS, 1)],
        "train": trains,
        "route": routes,
        "route_stop": stops,
        "departure": departures,
    }
