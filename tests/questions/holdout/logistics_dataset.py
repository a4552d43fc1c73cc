"""A fulfilment (logistics) database in DuckDB, shaped unlike the demo and people sets.

Its habits are those of an operations schema: a singular table with a text key
(``warehouse.wh_code``), plural tables elsewhere, units in column names (``weight_kg``,
``cost_usd``), timestamps rather than dates, a nullable ``delivered_at`` (shipments still
on the road or lost), and one relationship that is not declared
(``shipments.carrier_id`` → ``carriers``), so the engine has to infer it from the name.

| table | rows | columns |
|---|---|---|
| ``carriers`` | 8 | carrier_id PK, carrier_name, hq_country, contract_type |
| ``warehouse`` | 7 | wh_code PK, wh_name, city, country, capacity, opened_on |
| ``shipments`` | ≈ 24,000 | shipment_id PK, order_ref, wh_code FK, carrier_id (undeclared),
  shipped_at, delivered_at, status, weight_kg, cost_usd, destination_country, service_level |
| ``packages`` | ≈ 40,000 | package_id PK, shipment_id FK, length_cm, width_cm, height_cm,
  declared_value, is_fragile |
| ``returns`` | ≈ 700 | return_id PK, shipment_id FK, reason, received_on, refund_usd |
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import tempfile
from pathlib import Path

import duckdb

#: (id, name, headquarters country, contract type, price factor, relative volume)
CARRIERS = [
    (1, "DHL Express", "Germany", "Contract", 1.25, 22),
    (2, "UPS", "United States", "Contract", 1.15, 18),
    (3, "FedEx", "United States", "Contract", 1.20, 15),
    (4, "DPD", "Germany", "Contract", 0.95, 14),
    (5, "PostNL", "Netherlands", "Spot", 0.80, 10),
    (6, "Royal Mail", "United Kingdom", "Spot", 0.85, 8),
    (7, "GLS", "Netherlands", "Spot", 0.90, 8),
    (8, "Canada Post", "Canada", "Spot", 0.88, 5),
]
#: (code, name, city, country, capacity in pallets, opened on, relative volume, market)
WAREHOUSES = [
    ("AMS1", "Amsterdam Fulfilment Centre", "Amsterdam", "Netherlands", 12000,
     dt.date(2016, 4, 1), 24, "eu"),
    ("LEJ2", "Leipzig Hub", "Leipzig", "Germany", 18000, dt.date(2018, 9, 15), 22, "eu"),
    ("MAD1", "Madrid South", "Madrid", "Spain", 7000, dt.date(2020, 2, 1), 9, "eu"),
    ("BHX1", "Birmingham Midlands", "Birmingham", "United Kingdom", 9000,
     dt.date(2019, 6, 1), 12, "uk"),
    ("DAL3", "Dallas Fort Worth", "Dallas", "United States", 20000, dt.date(2017, 1, 10),
     20, "na"),
    ("NJ02", "Newark Port", "Newark", "United States", 15000, dt.date(2021, 3, 1), 8, "na"),
    ("YYZ1", "Toronto West", "Toronto", "Canada", 6000, dt.date(2022, 5, 20), 5, "na"),
]
#: destination countries (and relative weight) served from each market
DESTINATIONS = {
    "eu": [("Germany", 26), ("Netherlands", 14), ("France", 18), ("Spain", 10),
           ("Italy", 11), ("Belgium", 8), ("Poland", 7), ("Sweden", 6)],
    "uk": [("United Kingdom", 80), ("Ireland", 20)],
    "na": [("United States", 78), ("Canada", 15), ("Mexico", 7)],
}
#: carriers (ids) that serve each market
MARKET_CARRIERS = {"eu": [1, 2, 3, 4, 5, 7], "uk": [1, 2, 6, 4], "na": [1, 2, 3, 8]}
#: service level: (share, base cost, cost per kg, transit days low..high)
SERVICE_LEVELS = {
    "Express": (20, 14.0, 1.9, 1, 3),
    "Standard": (55, 7.5, 0.9, 2, 6),
    "Economy": (25, 4.5, 0.55, 4, 11),
}
RETURN_REASONS = [("Damaged", 30), ("Wrong item", 22), ("No longer needed", 28),
                  ("Late delivery", 12), ("Address issue", 8)]

SCHEMA = """
CREATE TABLE carriers (
    carrier_id INTEGER PRIMARY KEY,
    carrier_name VARCHAR NOT NULL UNIQUE,
    hq_country VARCHAR NOT NULL,
    contract_type VARCHAR NOT NULL
);
CREATE TABLE warehouse (
    wh_code VARCHAR PRIMARY KEY,
    wh_name VARCHAR NOT NULL UNIQUE,
    city VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    capacity INTEGER NOT NULL,
    opened_on DATE NOT NULL
);
-- carrier_id is related to carriers by name only: no declared foreign key.
CREATE TABLE shipments (
    shipment_id INTEGER PRIMARY KEY,
    order_ref VARCHAR NOT NULL UNIQUE,
    wh_code VARCHAR NOT NULL REFERENCES warehouse (wh_code),
    carrier_id INTEGER NOT NULL,
    shipped_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    status VARCHAR NOT NULL,
    weight_kg DOUBLE NOT NULL,
    cost_usd DECIMAL(10, 2) NOT NULL,
    destination_country VARCHAR NOT NULL,
    service_level VARCHAR NOT NULL
);
CREATE TABLE packages (
    package_id INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments (shipment_id),
    length_cm INTEGER NOT NULL,
    width_cm INTEGER NOT NULL,
    height_cm INTEGER NOT NULL,
    declared_value DECIMAL(10, 2) NOT NULL,
    is_fragile BOOLEAN NOT NULL
);
CREATE TABLE returns (
    return_id INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments (shipment_id),
    reason VARCHAR NOT NULL,
    received_on DATE NOT NULL,
    refund_usd DECIMAL(10, 2) NOT NULL
);
"""

DAYS = 730
BASE_PER_DAY = 26


def create_logistics_database(path: Path, *, seed: int = 3, today: dt.date | None = None) -> None:
    """Write the fulfilment database to ``path`` (replaced if it exists).

    The same seed and ``today`` always give the same rows. Shipments cover the two years
    up to ``today``; volume grows over time and peaks in November and December.
    """
    today = today or dt.date.today()
    rng = random.Random(f"{seed}:{today.isoformat()}")
    shipments, packages, returns = _generate(rng, today)
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="logistics-") as scratch:
        files: dict[str, list[tuple[object, ...]]] = {
            "carriers": [row[:4] for row in CARRIERS],
            "warehouse": [row[:6] for row in WAREHOUSES],
            "shipments": shipments,
            "packages": packages,
            "returns": returns,
        }
        connection = duckdb.connect(str(path))
        try:
            connection.execute(SCHEMA)
            for table, rows in files.items():
                csv_path = Path(scratch) / f"{table}.csv"
                with csv_path.open("w", newline="", encoding="utf-8") as handle:
                    csv.writer(handle).writerows(rows)
                # Tables are loaded in dependency order so declared keys are satisfied.
                connection.execute(
                    f"COPY {table} FROM '{csv_path.as_posix()}' (HEADER false, NULLSTR '')"
                )
            connection.execute("CHECKPOINT")
        finally:
            connection.close()


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _generate(
    rng: random.Random, today: dt.date
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    shipments: list[tuple[object, ...]] = []
    packages: list[tuple[object, ...]] = []
    returns: list[tuple[object, ...]] = []
    now = dt.datetime.combine(today, dt.time(18, 0))
    levels = list(SERVICE_LEVELS)
    level_weights = [SERVICE_LEVELS[s][0] for s in levels]
    wh_weights = [w[6] for w in WAREHOUSES]
    carrier_factor = {c[0]: c[4] for c in CARRIERS}
    carrier_volume = {c[0]: c[5] for c in CARRIERS}
    refs = rng.sample(range(100000, 999999), DAYS * 60)
    for offset in range(DAYS - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        growth = 1.0 + 0.45 * (DAYS - offset) / DAYS
        season = 1.6 if day.month in (11, 12) else 0.85 if day.month in (1, 2) else 1.0
        weekday = 0.55 if day.weekday() >= 5 else 1.0
        count = max(1, round(BASE_PER_DAY * growth * season * weekday * rng.uniform(0.8, 1.2)))
        for _ in range(count):
            shipment_id = len(shipments) + 1
            warehouse = rng.choices(WAREHOUSES, weights=wh_weights)[0]
            market = warehouse[7]
            carrier_ids = MARKET_CARRIERS[market]
            carrier_id = rng.choices(carrier_ids,
                                     weights=[carrier_volume[c] for c in carrier_ids])[0]
            level = rng.choices(levels, weights=level_weights)[0]
            _, base, per_kg, low, high = SERVICE_LEVELS[level]
            shipped_at = dt.datetime.combine(day, dt.time(rng.randint(6, 20),
                                                          rng.randint(0, 59),
                                                          rng.randint(0, 59)))
            if shipped_at > now:
                shipped_at = now - dt.timedelta(minutes=rng.randint(1, 600))
            weight = round(min(80.0, math.exp(rng.gauss(1.1, 0.9))), 2)
            cost = round((base + per_kg * weight) * carrier_factor[carrier_id]
                         * rng.uniform(0.9, 1.1), 2)
            destination = _weighted(rng, DESTINATIONS[market])
            transit = dt.timedelta(days=rng.randint(low, high), hours=rng.randint(0, 10),
                                   minutes=rng.randint(0, 59))
            delivered_at: dt.datetime | None = shipped_at + transit
            roll = rng.random()
            if delivered_at is not None and delivered_at > now:
                status, delivered_at = "in_transit", None
            elif roll < 0.008:
                status, delivered_at = "lost", None
            elif roll < 0.038:
                status = "returned"
            else:
                status = "delivered"
            shipments.append((
                shipment_id, f"ORD-{refs[shipment_id]}", warehouse[0], carrier_id,
                shipped_at.isoformat(sep=" "),
                delivered_at.isoformat(sep=" ") if delivered_at else "",
                status, weight, f"{cost:.2f}", destination, level,
            ))
            total_value = 0.0
            for _ in range(rng.choices([1, 2, 3, 4], weights=[55, 28, 12, 5])[0]):
                value = round(math.exp(rng.gauss(3.8, 0.9)), 2)
                total_value += value
                packages.append((
                    len(packages) + 1, shipment_id, rng.randint(10, 120),
                    rng.randint(10, 80), rng.randint(2, 60), f"{value:.2f}",
                    "true" if rng.random() < 0.12 else "false",
                ))
            if status == "returned" and delivered_at is not None:
                received = delivered_at.date() + dt.timedelta(days=rng.randint(2, 20))
                if received <= today:
                    refund = round(total_value * rng.choice([1.0, 1.0, 0.5]), 2)
                    returns.append((len(returns) + 1, shipment_id,
                                    _weighted(rng, RETURN_REASONS), received.isoformat(),
                                    f"{refund:.2f}"))
    return shipments, packages, returns
