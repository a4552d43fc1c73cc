"""A manufacturing and inventory business in PostgreSQL, shaped unlike the other question
databases.

Its habits are those of a plant's ERP export next to a newer production tracker: most
tables are snake_case, but ``production_runs`` was created by an ORM and has camelCase
columns that PostgreSQL keeps only when quoted (``"siteCode"``, ``"startedAt"``,
``"unitsMade"``); sites are keyed by a three-letter text code; money is ``NUMERIC``. Some
relationships are declared and the others have to be inferred from the column names:

| column | refers to | declared |
|---|---|---|
| ``parts.supplier_id`` | ``suppliers`` | yes |
| ``stock_levels.part_id`` | ``parts`` | yes |
| ``purchase_orders.site_code`` | ``sites`` | yes |
| ``po_lines.po_id`` | ``purchase_orders`` | yes |
| ``stock_levels.site_code`` | ``sites`` | no |
| ``purchase_orders.supplier_id`` | ``suppliers`` | no |
| ``po_lines.part_id`` | ``parts`` | no |
| ``production_runs."siteCode"`` | ``sites`` | no |

| table | rows | columns |
|---|---|---|
| ``suppliers`` | 40 | supplier_id PK, supplier_name, country, rating (1.0 to 5.0), is_preferred |
| ``parts`` | ≈ 600 | part_id PK, sku, part_name, category, unit_cost, supplier_id, lead_time_days |
| ``sites`` | 6 | site_code PK, site_name, city, country, site_type (plant / warehouse) |
| ``stock_levels`` | ≈ 2,400 | part_id, site_code, on_hand, reorder_point, counted_at |
| ``purchase_orders`` | ≈ 5,000 | po_id PK, po_number, supplier_id, site_code, ordered_on,
  expected_on, received_on, status (received / open / cancelled), total |
| ``po_lines`` | ≈ 17,000 | line_id PK, po_id, part_id, qty, unit_price |
| ``production_runs`` | ≈ 5,500 | runId PK, product, siteCode, shift (day / night), startedAt,
  finishedAt, unitsMade, defects |

A purchase order buys parts of its own supplier only, and its ``total`` is exactly the sum
of ``qty * unit_price`` over its lines. ``received_on`` is set only for received orders;
an order not yet received is ``open`` and a few are ``cancelled``. Production runs happen
at the plants only; runs started today are still going (``finishedAt`` is null).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import psycopg
from psycopg import sql

#: (name, country, rating, preferred, categories it supplies, mean days late)
NAMED_SUPPLIERS = [
    ("Kessler Metallwerk", "Germany", 4.6, True, ("Raw Materials", "Fasteners"), 1.0),
    ("Pacific Polymers", "United States", 3.9, True, ("Seals & Gaskets", "Packaging"), 2.5),
    ("Tanaka Precision", "Japan", 4.8, True, ("Bearings", "Motors"), -0.5),
    ("Nordic Steel", "Sweden", 4.2, False, ("Raw Materials",), 3.0),
    ("Pearl River Electronics", "China", 3.4, False, ("Electronics",), 6.0),
    ("Brightline Bearings", "United Kingdom", 2.7, False, ("Bearings",), 8.0),
]
SUPPLIER_STEMS = [
    "Apex", "Summit", "Vertex", "Keystone", "Pioneer", "Atlas", "Beacon", "Cardinal",
    "Crown", "Eagle", "Frontier", "Harbor", "Ironclad", "Liberty", "Meridian", "Northgate",
    "Orion", "Paragon", "Redwood", "Sterling", "Titan", "Unity", "Vanguard", "Westbrook",
    "Zenith", "Granite", "Falcon", "Silverline", "Bluewater", "Copperfield",
]
SUPPLIER_ENDINGS = [
    "Components", "Industrial", "Supply", "Manufacturing", "Fabrication", "Technologies",
    "Metals", "Controls", "Electric", "Tooling", "Trading", "Engineering",
]
COUNTRIES = [("United States", 22), ("Germany", 14), ("China", 16), ("Japan", 6),
             ("Mexico", 9), ("Italy", 7), ("United Kingdom", 6), ("India", 8),
             ("South Korea", 5), ("Poland", 7)]
SUPPLIERS = 40

#: category -> (part nouns, part specs, unit cost range in USD, SKU prefix)
CATEGORIES: dict[str, tuple[list[str], list[str], tuple[float, float], str]] = {
    "Fasteners": (["Hex Bolt", "Socket Screw", "Lock Nut", "Flat Washer", "Blind Rivet",
                   "Threaded Rod", "Set Screw"],
                  ["M4", "M5", "M6", "M8", "M10", "M12", "M16", "M20", "M24", "M30", "M36"],
                  (0.05, 3.0), "FST"),
    "Bearings": (["Ball Bearing", "Roller Bearing", "Thrust Bearing", "Pillow Block",
                  "Sleeve Bushing", "Needle Bearing"],
                 ["6001", "6202", "6204", "6305", "6308", "22210", "NU206", "7205", "51106",
                  "UCP205", "HK2016", "6010"],
                 (3.0, 90.0), "BRG"),
    "Electronics": (["Relay", "Contactor", "PLC Module", "Proximity Sensor", "Encoder",
                     "Power Supply", "Circuit Breaker", "HMI Panel"],
                    ["E10", "E20", "E35", "E50", "E75", "E100", "E150", "E220", "E300", "E480"],
                    (4.0, 650.0), "ELC"),
    "Hydraulics": (["Gear Pump", "Directional Valve", "Hydraulic Cylinder", "Hose Assembly",
                    "Pressure Gauge", "Filter Element", "Quick Coupler"],
                   ["H1", "H2", "H3", "H5", "H8", "H12", "H16", "H20", "H25", "H32"],
                   (15.0, 1200.0), "HYD"),
    "Seals & Gaskets": (["O-Ring", "Shaft Seal", "Flange Gasket", "V-Ring", "Wiper Seal",
                         "Gasket Sheet"],
                        ["S08", "S12", "S16", "S20", "S25", "S32", "S40", "S50", "S63", "S80",
                         "S100", "S125"],
                        (0.3, 35.0), "SEL"),
    "Motors": (["AC Motor", "Servo Motor", "Stepper Motor", "Gear Motor", "DC Motor"],
               ["0.37kW", "0.75kW", "1.5kW", "2.2kW", "4kW", "7.5kW", "11kW", "15kW", "22kW",
                "30kW", "45kW", "55kW"],
               (90.0, 3200.0), "MOT"),
    "Raw Materials": (["Steel Sheet", "Aluminium Bar", "Copper Wire", "Stainless Tube",
                       "Brass Rod", "Steel Plate", "Cast Iron Billet"],
                      ["1mm", "2mm", "3mm", "5mm", "8mm", "10mm", "12mm", "16mm", "20mm",
                       "25mm", "40mm"],
                      (6.0, 420.0), "RAW"),
    "Packaging": (["Carton", "Pallet", "Stretch Film", "Foam Insert", "Crate", "Strapping Coil"],
                  ["Small", "Medium", "Large", "XL", "Euro", "Heavy Duty", "Export"],
                  (0.2, 28.0), "PKG"),
}
#: (code, name, city, country, type)
SITES = [
    ("DAL", "Dallas Plant", "Dallas", "United States", "plant"),
    ("MTY", "Monterrey Plant", "Monterrey", "Mexico", "plant"),
    ("LEI", "Leipzig Plant", "Leipzig", "Germany", "plant"),
    ("ATL", "Atlanta Distribution Center", "Atlanta", "United States", "warehouse"),
    ("ROT", "Rotterdam Warehouse", "Rotterdam", "Netherlands", "warehouse"),
    ("SZX", "Shenzhen Warehouse", "Shenzhen", "China", "warehouse"),
]
#: share of purchase orders each site places
SITE_WEIGHTS = {"DAL": 26, "MTY": 22, "LEI": 20, "ATL": 14, "ROT": 10, "SZX": 8}
#: product -> (units per run, plants making it)
PRODUCTS = {
    "Hydraulic Pump HP-200": (180, ("DAL", "LEI")),
    "Gear Motor GM-50": (420, ("DAL", "MTY")),
    "Control Valve CV-10": (950, ("MTY", "LEI")),
    "Compressor C-900": (60, ("DAL",)),
    "Conveyor Roller CR-3": (1600, ("MTY",)),
    "Linear Actuator LA-7": (300, ("LEI", "DAL")),
    "Fan Assembly FA-12": (700, ("MTY", "LEI")),
    "Gearbox GB-400": (120, ("LEI",)),
}
#: defect rate of each plant, before the product and shift effects
DEFECT_RATE = {"DAL": 0.014, "MTY": 0.022, "LEI": 0.009}

DAYS = 1100

TABLES = ("production_runs", "po_lines", "purchase_orders", "stock_levels", "parts", "sites",
          "suppliers")
SCHEMA = """
CREATE TABLE suppliers (
    supplier_id INTEGER PRIMARY KEY,
    supplier_name TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL,
    rating NUMERIC(2, 1) NOT NULL,
    is_preferred BOOLEAN NOT NULL
);
CREATE TABLE sites (
    site_code CHAR(3) PRIMARY KEY,
    site_name TEXT NOT NULL UNIQUE,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    site_type TEXT NOT NULL
);
CREATE TABLE parts (
    part_id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    part_name TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    unit_cost NUMERIC(10, 2) NOT NULL,
    supplier_id INTEGER NOT NULL REFERENCES suppliers (supplier_id),
    lead_time_days INTEGER NOT NULL
);
-- site_code refers to sites by name only.
CREATE TABLE stock_levels (
    part_id INTEGER NOT NULL REFERENCES parts (part_id),
    site_code CHAR(3) NOT NULL,
    on_hand INTEGER NOT NULL,
    reorder_point INTEGER NOT NULL,
    counted_at DATE NOT NULL,
    PRIMARY KEY (part_id, site_code)
);
-- supplier_id refers to suppliers by name only.
CREATE TABLE purchase_orders (
    po_id INTEGER PRIMARY KEY,
    po_number TEXT NOT NULL UNIQUE,
    supplier_id INTEGER NOT NULL,
    site_code CHAR(3) NOT NULL REFERENCES sites (site_code),
    ordered_on DATE NOT NULL,
    expected_on DATE NOT NULL,
    received_on DATE,
    status TEXT NOT NULL,
    total NUMERIC(12, 2) NOT NULL
);
-- part_id refers to parts by name only.
CREATE TABLE po_lines (
    line_id INTEGER PRIMARY KEY,
    po_id INTEGER NOT NULL REFERENCES purchase_orders (po_id),
    part_id INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    unit_price NUMERIC(10, 2) NOT NULL
);
-- Created by an ORM: camelCase columns, no declared relationship.
CREATE TABLE production_runs (
    "runId" INTEGER PRIMARY KEY,
    "product" TEXT NOT NULL,
    "siteCode" CHAR(3) NOT NULL,
    "shift" TEXT NOT NULL,
    "startedAt" TIMESTAMP NOT NULL,
    "finishedAt" TIMESTAMP,
    "unitsMade" INTEGER NOT NULL,
    "defects" INTEGER NOT NULL
);
"""


def create_inventory_database(url: str, *, seed: int = 9, today: dt.date | None = None) -> None:
    """Fill the PostgreSQL database at ``url`` (created if missing) with the inventory tables.

    Its tables are dropped and recreated; nothing else in the database is touched. The same
    seed and ``today`` always give the same rows, which cover the 1,100 days up to ``today``.
    """
    today = today or dt.date.today()
    rng = random.Random(f"{seed}:{today.isoformat()}")
    tables = _generate(rng, today)
    _ensure_database(url)
    with psycopg.connect(url, autocommit=False) as connection:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                    sql.Identifier(table)))
            cursor.execute(SCHEMA)
            for table in reversed(TABLES):
                statement = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))
                with cursor.copy(statement) as copy:
                    for row in tables[table]:
                        copy.write_row(row)
        connection.commit()
    # Fresh statistics, so the planner and any row-count estimate see the real sizes.
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def _ensure_database(url: str) -> None:
    """Create the database named in ``url`` when the server does not have it yet."""
    params = psycopg.conninfo.conninfo_to_dict(url)
    name = str(params.get("dbname") or "")
    if not name:
        raise ValueError(f"the URL {url!r} names no database")
    maintenance = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                   (name,)).fetchone()
        if found is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _cents(amount: float) -> int:
    return round(amount * 100)


def _money(cents: int) -> str:
    """COPY text for a NUMERIC(…, 2) given in cents, exact."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class _Supplier:
    def __init__(self, supplier_id: int, name: str, country: str, rating: float,
                 preferred: bool, categories: tuple[str, ...], lateness: float) -> None:
        self.id = supplier_id
        self.name = name
        self.country = country
        self.rating = rating
        self.preferred = preferred
        self.categories = categories
        self.lateness = lateness
        self.parts: list[tuple[int, int, int]] = []  # (part id, cost in cents, lead time)


def _suppliers(rng: random.Random) -> list[_Supplier]:
    suppliers = [
        _Supplier(n + 1, name, country, rating, preferred, categories, lateness)
        for n, (name, country, rating, preferred, categories, lateness)
        in enumerate(NAMED_SUPPLIERS)
    ]
    names = rng.sample([f"{s} {e}" for s in SUPPLIER_STEMS for e in SUPPLIER_ENDINGS],
                       SUPPLIERS - len(NAMED_SUPPLIERS))
    for name in names:
        categories = tuple(rng.sample(sorted(CATEGORIES), rng.choice([1, 1, 2])))
        rating = round(min(5.0, max(1.0, rng.gauss(3.7, 0.7))), 1)
        suppliers.append(_Supplier(
            len(suppliers) + 1, name, _weighted(rng, COUNTRIES), rating,
            rating >= 4.3 and rng.random() < 0.7, categories,
            round(rng.gauss(2.0 + 2.5 * (4.0 - rating), 1.5), 1),
        ))
    return suppliers


def _parts(rng: random.Random, suppliers: list[_Supplier]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for category, (nouns, specs, (low, high), prefix) in CATEGORIES.items():
        pool = [s for s in suppliers if category in s.categories]
        combos = [f"{noun} {spec}" for noun in nouns for spec in specs]
        for name in sorted(rng.sample(combos, min(len(combos), 75))):
            part_id = len(rows) + 1
            supplier = rng.choice(pool)
            cost = _cents(math.exp(rng.uniform(math.log(low), math.log(high))))
            lead = max(3, round(rng.gauss(12 if supplier.country in ("China", "India",
                                                                      "South Korea", "Japan")
                                          else 7, 3)))
            supplier.parts.append((part_id, cost, lead))
            rows.append((part_id, f"{prefix}-{10000 + part_id * 7}", name, category,
                         _money(cost), supplier.id, lead))
    return rows


def _stock(rng: random.Random, parts: list[tuple[object, ...]],
           today: dt.date) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for part in parts:
        part_id, cost = part[0], float(str(part[4]))
        held = [code for code, *_ in SITES if rng.random() < 0.68] or [SITES[0][0]]
        for code in held:
            scale = 4000 if cost < 2 else 600 if cost < 30 else 120 if cost < 300 else 25
            reorder = max(2, round(scale * rng.uniform(0.15, 0.35)))
            if rng.random() < 0.13:
                on_hand = rng.randint(0, reorder - 1)
            else:
                on_hand = round(reorder * rng.uniform(1.1, 4.5))
            counted = today - dt.timedelta(days=rng.randint(0, 120))
            rows.append((part_id, code, on_hand, reorder, counted))
    return rows


def _purchasing(rng: random.Random, suppliers: list[_Supplier],
                today: dt.date) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    orders: list[tuple[object, ...]] = []
    lines: list[tuple[object, ...]] = []
    active = [s for s in suppliers if s.parts]
    # Bigger, better-rated suppliers get more orders.
    weights = [len(s.parts) * (0.5 + s.rating / 5) for s in active]
    sites = list(SITE_WEIGHTS)

    def order(supplier: _Supplier, day: dt.date, *, still_open: bool = False) -> None:
        site = rng.choices(sites, weights=[SITE_WEIGHTS[s] for s in sites])[0]
        po_id = len(orders) + 1
        picked = rng.sample(supplier.parts, min(len(supplier.parts),
                                                rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8])))
        total = 0
        lead = 0
        for part_id, cost, part_lead in picked:
            budget = math.exp(rng.gauss(7.2, 0.9))
            qty = max(1, round(budget / (cost / 100)))
            if qty > 20:
                qty = round(qty, -1)
            price = round(cost * rng.uniform(0.93, 1.08))
            total += qty * price
            lead = max(lead, part_lead)
            lines.append((len(lines) + 1, po_id, part_id, qty, _money(price)))
        expected = day + dt.timedelta(days=lead)
        delay = round(rng.gauss(supplier.lateness, 3.0))
        arrival = max(day + dt.timedelta(days=1), expected + dt.timedelta(days=delay))
        received: dt.date | None = None
        if still_open:
            status = "open"
        elif rng.random() < 0.04:
            status = "cancelled"
        elif arrival <= today:
            status, received = "received", arrival
        else:
            status = "open"
        orders.append((po_id, f"PO-{day.year}-{po_id:05d}", supplier.id, site, day,
                       expected, received, status, _money(total)))

    for offset in range(DAYS, -1, -1):
        day = today - dt.timedelta(days=offset)
        growth = 1.0 + 0.45 * (DAYS - offset) / DAYS  # purchasing grows over the years
        base = (5.2 if day.weekday() < 5 else 0.8) * growth
        for _ in range(sum(1 for _ in range(12) if rng.random() < base / 12)):
            order(rng.choices(active, weights=weights)[0], day)
        if offset in (2, 6):
            # Every named supplier has orders on the way, whatever the day.
            for supplier in suppliers[:len(NAMED_SUPPLIERS)]:
                order(supplier, day, still_open=True)
    return orders, lines


def _production(rng: random.Random, today: dt.date) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    made_at = {code: [p for p, (_, plants) in PRODUCTS.items() if code in plants]
               for code in DEFECT_RATE}
    for offset in range(DAYS, -1, -1):
        day = today - dt.timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for code, products in made_at.items():
            shifts = ["day", "night"] if day.weekday() < 5 else ["day"]
            for shift in shifts:
                if rng.random() < 0.25:
                    continue
                product = rng.choice(products)
                typical, _ = PRODUCTS[product]
                hour = rng.randint(6, 9) if shift == "day" else rng.randint(18, 21)
                started = dt.datetime.combine(day, dt.time(hour, rng.choice([0, 15, 30, 45])))
                hours = rng.uniform(5.0, 8.0)
                units = max(1, round(typical * rng.uniform(0.6, 1.3)))
                finished: dt.datetime | None = started + dt.timedelta(hours=hours,
                                                                      minutes=rng.randint(0, 59))
                if offset == 0:
                    # Still running: counted so far.
                    finished = None
                    units = max(1, units // 3)
                rate = DEFECT_RATE[code] * (1.35 if shift == "night" else 1.0)
                defects = sum(1 for _ in range(units) if rng.random() < rate)
                rows.append((len(rows) + 1, product, code, shift, started, finished, units,
                             defects))
    return rows


def _generate(rng: random.Random, today: dt.date) -> dict[str, list[Any]]:
    suppliers = _suppliers(rng)
    parts = _parts(rng, suppliers)
    orders, lines = _purchasing(rng, suppliers, today)
    return {
        "suppliers": [(s.id, s.name, s.country, f"{s.rating:.1f}", s.preferred)
                      for s in suppliers],
        "sites": [tuple(site) for site in SITES],
        "parts": parts,
        "stock_levels": _stock(rng, parts, today),
        "purchase_orders": orders,
        "po_lines": lines,
        "production_runs": _production(rng, today),
    }
