"""Generate the demo dataset (docs/demo-data.md) into a DuckDB file.

The rows come from ``random.Random`` seeded with the seed and the day of generation, so
the same (seed, today) always gives the same data. They are written as CSV files into a
scratch folder and loaded by DuckDB in bulk, into a temporary database file that replaces
the target only once complete.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
import tempfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import duckdb

from parley.sources.base import ProgressCallback

DEMO_TABLES = ("sales_reps", "customers", "products", "orders", "order_items")

_SCHEMA = {
    "sales_reps": (
        ("rep_id", "INTEGER PRIMARY KEY"),
        ("rep_name", "VARCHAR NOT NULL"),
        ("region", "VARCHAR NOT NULL"),
        ("email", "VARCHAR NOT NULL"),
        ("hire_date", "DATE NOT NULL"),
    ),
    "customers": (
        ("customer_id", "INTEGER PRIMARY KEY"),
        ("customer_name", "VARCHAR NOT NULL UNIQUE"),
        ("country", "VARCHAR NOT NULL"),
        ("region", "VARCHAR NOT NULL"),
        ("segment", "VARCHAR NOT NULL"),
        ("industry", "VARCHAR NOT NULL"),
        ("city", "VARCHAR NOT NULL"),
        ("signup_date", "DATE NOT NULL"),
        ("rep_id", "INTEGER NOT NULL REFERENCES sales_reps (rep_id)"),
    ),
    "products": (
        ("product_id", "INTEGER PRIMARY KEY"),
        ("product_name", "VARCHAR NOT NULL UNIQUE"),
        ("category", "VARCHAR NOT NULL"),
        ("unit_price", "DECIMAL(10,2) NOT NULL"),
        ("unit_cost", "DECIMAL(10,2) NOT NULL"),
    ),
    "orders": (
        ("order_id", "INTEGER PRIMARY KEY"),
        ("customer_id", "INTEGER NOT NULL REFERENCES customers (customer_id)"),
        ("rep_id", "INTEGER NOT NULL REFERENCES sales_reps (rep_id)"),
        ("order_date", "DATE NOT NULL"),
        ("status", "VARCHAR NOT NULL"),
        ("channel", "VARCHAR NOT NULL"),
        ("shipping_cost", "DECIMAL(10,2) NOT NULL"),
    ),
    "order_items": (
        ("order_item_id", "INTEGER PRIMARY KEY"),
        ("order_id", "INTEGER NOT NULL REFERENCES orders (order_id)"),
        ("product_id", "INTEGER NOT NULL REFERENCES products (product_id)"),
        ("quantity", "INTEGER NOT NULL"),
        ("unit_price", "DECIMAL(10,2) NOT NULL"),
    ),
}

# country: (region, share of customers, cities)
COUNTRIES: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "United States": (
        "North America",
        0.26,
        ("New York", "San Francisco", "Chicago", "Austin", "Seattle", "Boston", "Atlanta"),
    ),
    "Canada": ("North America", 0.07, ("Toronto", "Vancouver", "Montreal", "Calgary")),
    "Mexico": ("Latin America", 0.05, ("Mexico City", "Guadalajara", "Monterrey")),
    "Brazil": ("Latin America", 0.05, ("São Paulo", "Rio de Janeiro", "Belo Horizonte")),
    "United Kingdom": ("Europe", 0.10, ("London", "Manchester", "Edinburgh", "Bristol")),
    "Germany": ("Europe", 0.10, ("Berlin", "Munich", "Hamburg", "Frankfurt")),
    "France": ("Europe", 0.07, ("Paris", "Lyon", "Toulouse", "Lille")),
    "Spain": ("Europe", 0.05, ("Madrid", "Barcelona", "Valencia", "Seville")),
    "Netherlands": ("Europe", 0.04, ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven")),
    "Japan": ("Asia Pacific", 0.08, ("Tokyo", "Osaka", "Yokohama", "Nagoya")),
    "Australia": ("Asia Pacific", 0.07, ("Sydney", "Melbourne", "Brisbane", "Perth")),
    "India": ("Asia Pacific", 0.06, ("Bengaluru", "Mumbai", "New Delhi", "Hyderabad", "Pune")),
}
REGIONS = ("North America", "Europe", "Asia Pacific", "Latin America")
_REPS_PER_REGION = {"North America": 12, "Europe": 14, "Asia Pacific": 8, "Latin America": 6}

SEGMENTS = ("Enterprise", "Mid-Market", "Small Business")
_SEGMENT_SHARE = (0.15, 0.35, 0.50)
CHANNELS = ("Online", "Direct", "Partner")
_CHANNEL_SHARE = {
    "Enterprise": (0.15, 0.55, 0.30),
    "Mid-Market": (0.35, 0.35, 0.30),
    "Small Business": (0.70, 0.10, 0.20),
}
STATUSES = ("delivered", "shipped", "pending", "cancelled", "returned")

# industry: words a company of that industry is named with
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Retail": ("Retail", "Stores", "Outfitters", "Market", "Goods", "Trading"),
    "Healthcare": ("Health", "Medical", "Clinics", "Care", "Pharma", "Diagnostics"),
    "Manufacturing": ("Manufacturing", "Industries", "Fabrication", "Works", "Machining"),
    "Finance": ("Capital", "Financial", "Bank", "Insurance", "Investments", "Credit"),
    "Technology": ("Systems", "Software", "Labs", "Technologies", "Analytics", "Networks"),
    "Education": ("Academy", "Learning", "College", "Institute", "Schools"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Transport", "Distribution"),
    "Hospitality": ("Hotels", "Hospitality", "Resorts", "Dining", "Travel"),
}
_COMPANY_WORDS = (
    "Acme",
    "Apex",
    "Summit",
    "Northwind",
    "Blue Harbor",
    "Cedar",
    "Granite",
    "Pioneer",
    "Silverline",
    "Redwood",
    "Bright Path",
    "Ironclad",
    "Evergreen",
    "Lakeside",
    "Horizon",
    "Keystone",
    "Crescent",
    "Sterling",
    "Oakridge",
    "Riverbend",
    "Bluebird",
    "Cobalt",
    "Falcon",
    "Golden Gate",
    "Harbor Point",
    "Juniper",
    "Maple Leaf",
    "Meridian",
    "Nimbus",
    "Orchard",
    "Pinnacle",
    "Quantum",
    "Red Rock",
    "Sapphire",
    "Skyline",
    "Solstice",
    "Stonebridge",
    "Sunrise",
    "Tidewater",
    "Trident",
    "Twin Peaks",
    "Vanguard",
    "Westfield",
    "Willow Creek",
    "Zephyr",
    "Atlas",
    "Beacon",
    "Copperfield",
    "Driftwood",
    "Elmwood",
    "Fairview",
    "Greenfield",
    "Highland",
    "Ivory Coast",
    "Jade",
    "Kestrel",
    "Lighthouse",
    "Magnolia",
    "Northstar",
    "Old Mill",
    "Polaris",
    "Ridgeway",
    "Seaside",
    "Thornbury",
    "Union Square",
    "Valley Forge",
    "Wavecrest",
    "Yellowstone",
    "Alder",
    "Brookside",
    "Canyon",
    "Delta",
    "Eastgate",
    "Foxglove",
    "Glacier",
    "Hawthorne",
    "Indigo",
    "Larkspur",
)
_COMPANY_SUFFIXES = ("Corp", "Inc", "Group", "Holdings", "Partners", "Co", "Ltd")

_FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Lucas",
    "Sophia",
    "Mateo",
    "Mia",
    "Hiroshi",
    "Priya",
    "Arjun",
    "Chloe",
    "Jonas",
    "Lena",
    "Pierre",
    "Camille",
    "Diego",
    "Lucia",
    "Sven",
    "Aisha",
    "Daniel",
    "Grace",
    "Marco",
    "Yuki",
    "Rahul",
    "Isabel",
    "Thomas",
    "Hannah",
    "Carlos",
    "Elena",
    "Oliver",
    "Amelia",
    "Kenji",
    "Sara",
    "Ben",
)
_LAST_NAMES = (
    "Smith",
    "Johnson",
    "Garcia",
    "Müller",
    "Martin",
    "Tanaka",
    "Patel",
    "Brown",
    "Rossi",
    "Dubois",
    "Silva",
    "Kim",
    "Jensen",
    "Nguyen",
    "Lopez",
    "Schmidt",
    "Williams",
    "Sato",
    "Sharma",
    "Taylor",
    "Fernandez",
    "Wilson",
    "Moreau",
    "Costa",
    "Walker",
    "Bakker",
)

# category: (cost as a share of price (low, high), items: (name, price low, price high))
CATEGORIES: dict[str, tuple[tuple[float, float], tuple[tuple[str, int, int], ...]]] = {
    "Electronics": (
        (0.68, 0.82),
        (
            ("Laptop", 800, 2400),
            ("Ultrabook", 1100, 2600),
            ("24-inch Monitor", 160, 320),
            ("27-inch Monitor", 250, 650),
            ("Docking Station", 150, 320),
            ("Wireless Mouse", 20, 80),
            ("Mechanical Keyboard", 60, 180),
            ("Headset", 50, 250),
            ("Webcam", 40, 180),
            ("Tablet", 300, 1100),
            ("Smartphone", 400, 1200),
            ("Laser Printer", 200, 900),
            ("Projector", 400, 1500),
            ("Wi-Fi Router", 90, 400),
            ("Portable SSD", 80, 220),
            ("Conference Speaker", 150, 600),
        ),
    ),
    "Furniture": (
        (0.50, 0.65),
        (
            ("Ergonomic Chair", 250, 1200),
            ("Standing Desk", 400, 1500),
            ("Conference Table", 900, 4000),
            ("Filing Cabinet", 150, 600),
            ("Bookshelf", 120, 450),
            ("Lounge Sofa", 700, 2500),
            ("Task Chair", 120, 450),
            ("Monitor Arm", 60, 250),
            ("Reception Desk", 800, 3000),
            ("Storage Locker", 200, 800),
            ("Mobile Whiteboard", 150, 450),
            ("Phone Booth Pod", 2500, 6000),
        ),
    ),
    "Office Supplies": (
        (0.40, 0.60),
        (
            ("Copy Paper Case", 25, 60),
            ("Ballpoint Pens 12-Pack", 5, 15),
            ("Sticky Notes 24-Pack", 10, 25),
            ("Stapler", 8, 30),
            ("Notebooks 5-Pack", 10, 30),
            ("Toner Cartridge", 60, 180),
            ("Desk Organizer", 15, 45),
            ("Whiteboard Markers", 8, 20),
            ("Binder Set", 12, 35),
            ("Envelopes 500-Pack", 20, 45),
            ("Label Maker", 30, 90),
            ("Paper Shredder", 80, 300),
            ("Desk Calculator", 10, 40),
            ("Highlighters 6-Pack", 6, 15),
        ),
    ),
    "Software": (
        (0.10, 0.30),
        (
            ("CRM Suite", 300, 1500),
            ("Analytics Platform", 400, 2000),
            ("Endpoint Security", 40, 150),
            ("Project Tracker", 60, 300),
            ("Accounting Cloud", 200, 900),
            ("HR Portal", 150, 700),
            ("Design Studio", 200, 800),
            ("Cloud Backup", 50, 250),
            ("Team Chat", 40, 150),
            ("Help Desk", 100, 500),
        ),
    ),
    "Services": (
        (0.35, 0.55),
        (
            ("Onsite Installation", 300, 1500),
            ("Implementation Package", 2000, 8000),
            ("Training Workshop", 800, 3000),
            ("Support Plan", 500, 2500),
            ("Consulting Day", 1200, 2400),
            ("Data Migration", 1500, 6000),
            ("Security Audit", 2500, 7500),
            ("Extended Warranty", 100, 600),
        ),
    ),
}
_CATEGORY_COUNT = {
    "Electronics": 50,
    "Furniture": 35,
    "Office Supplies": 55,
    "Software": 35,
    "Services": 25,
}
_QUALIFIERS = {
    "Electronics": ("Nova", "Vertex", "Zenith", "Pulse", "Orion", "Arc", "Helix", "Prism"),
    "Furniture": ("Oslo", "Aria", "Haven", "Nordic", "Contour", "Atelier", "Summit", "Linea"),
    "Office Supplies": ("Everyday", "ProLine", "Essentials", "ClearMark", "EcoSmart", "Premium"),
    "Software": ("Starter", "Standard", "Professional", "Enterprise"),
    "Services": ("Basic", "Standard", "Premium", "Platinum"),
}
# Software editions and service tiers come after the name and raise the price.
_TIERED = {"Software", "Services"}
_CATEGORY_MIX = {
    "Enterprise": (0.30, 0.15, 0.18, 0.22, 0.15),
    "Mid-Market": (0.32, 0.15, 0.25, 0.18, 0.10),
    "Small Business": (0.30, 0.12, 0.40, 0.12, 0.06),
}
# (low, high) quantity per line by category and segment
_QUANTITY = {
    "Electronics": {"Enterprise": (1, 15), "Mid-Market": (1, 8), "Small Business": (1, 3)},
    "Furniture": {"Enterprise": (1, 20), "Mid-Market": (1, 10), "Small Business": (1, 4)},
    "Office Supplies": {"Enterprise": (5, 60), "Mid-Market": (2, 30), "Small Business": (1, 10)},
    "Software": {"Enterprise": (5, 60), "Mid-Market": (3, 25), "Small Business": (1, 5)},
    "Services": {"Enterprise": (1, 6), "Mid-Market": (1, 4), "Small Business": (1, 2)},
}
_LINES = {
    "Enterprise": ((1, 2, 3, 4, 5, 6), (1, 2, 3, 3, 2, 1)),
    "Mid-Market": ((1, 2, 3, 4), (3, 4, 3, 1)),
    "Small Business": ((1, 2, 3), (5, 3, 1)),
}
_DISCOUNT_CHANCE = {"Enterprise": 0.25, "Mid-Market": 0.15, "Small Business": 0.05}
_PHYSICAL = {"Electronics", "Furniture", "Office Supplies"}
# Seasonality by month (January first): a Q4 peak and a summer dip.
_SEASON = (0.82, 0.85, 0.97, 0.95, 0.98, 0.96, 0.90, 0.92, 1.02, 1.08, 1.22, 1.38)
_WEEKDAY = (1.0, 1.05, 1.08, 1.05, 0.97, 0.45, 0.35)
_YEARLY_GROWTH = 1.25

ORDERS = 45_000
CUSTOMERS = 800
PRODUCTS = 200


@dataclass(slots=True)
class _Customer:
    customer_id: int
    name: str
    country: str
    segment: str
    industry: str
    city: str
    signup: dt.date
    rep_id: int
    weight: float


@dataclass(slots=True)
class _Product:
    product_id: int
    name: str
    category: str
    price_cents: int
    cost_cents: int


@dataclass(slots=True)
class _Order:
    customer: _Customer
    day: dt.date
    channel: str
    rep_id: int
    # (product, quantity, unit price in cents)
    lines: list[tuple[_Product, int, int]] = field(default_factory=list)


def generate_demo(
    path: Path,
    *,
    today: dt.date | None = None,
    seed: int = 7,
    scale: float = 1.0,
    progress: ProgressCallback | None = None,
) -> None:
    """Write the demo dataset to the DuckDB file ``path`` (replaced atomically).

    ``scale`` multiplies the number of orders (and so of order lines); the customers,
    products and sales reps stay the same, and every country, category, segment and
    channel still has orders in every month.
    """
    today = today or dt.date.today()
    steps = 4 + len(DEMO_TABLES)

    def step(done: int, what: str) -> None:
        if progress is not None:
            progress(done, steps, what)

    rng = random.Random(f"parley-demo:{seed}:{today.isoformat()}")
    start = _three_years_before(today)
    reps = _sales_reps(rng, start)
    step(1, "sales reps")
    customers = _customers(rng, reps, start, today)
    step(2, "customers")
    products = _products(rng)
    step(3, "products")
    orders = _orders(rng, customers, reps, products, start, today, max(1, round(ORDERS * scale)))
    step(4, "orders")
    rows = _rows(rng, reps, customers, products, orders, today)
    _write(path, rows, lambda done, table: step(4 + done, f"table {table}"))


def _three_years_before(today: dt.date) -> dt.date:
    try:
        earlier = today.replace(year=today.year - 3)
    except ValueError:  # 29 February
        earlier = today.replace(year=today.year - 3, day=28)
    return earlier + dt.timedelta(days=1)


def _sales_reps(rng: random.Random, start: dt.date) -> list[tuple[int, str, str]]:
    names = rng.sample([f"{f} {last}" for f in _FIRST_NAMES for last in _LAST_NAMES], 40)
    regions = [region for region, count in _REPS_PER_REGION.items() for _ in range(count)]
    return [
        (index + 1, name, region)
        for index, (name, region) in enumerate(zip(names, regions, strict=True))
    ]


def _customers(
    rng: random.Random, reps: list[tuple[int, str, str]], start: dt.date, today: dt.date
) -> list[_Customer]:
    countries = list(COUNTRIES)
    shares = [COUNTRIES[country][1] for country in countries]
    reps_by_region: dict[str, list[int]] = {}
    for rep_id, _, region in reps:
        reps_by_region.setdefault(region, []).append(rep_id)
    # Every country has customers of every segment active from the first day.
    combos = [("United States", "Enterprise")] + [
        (country, segment)
        for country in countries
        for segment in SEGMENTS
        if (country, segment) != ("United States", "Enterprise")
    ]
    names = _company_names(rng)
    customers: list[_Customer] = []
    for index in range(CUSTOMERS):
        if index < len(combos):
            country, segment = combos[index]
        else:
            country = rng.choices(countries, shares)[0]
            segment = rng.choices(SEGMENTS, _SEGMENT_SHARE)[0]
        early = index < len(combos) or rng.random() < 0.65
        if early:
            signup = start - dt.timedelta(days=rng.randint(1, 5 * 365))
        else:
            signup = start + dt.timedelta(days=rng.randint(0, max(0, (today - start).days - 30)))
        name, industry = names[index]
        region = COUNTRIES[country][0]
        customers.append(
            _Customer(
                customer_id=index + 1,
                name=name,
                country=country,
                segment=segment,
                industry=industry,
                city=rng.choice(COUNTRIES[country][2]),
                signup=signup,
                rep_id=rng.choice(reps_by_region[region]),
                weight=_buying_weight(rng, segment),
            )
        )
    # A few large accounts hold a big share of revenue; Acme Corp is the largest.
    customers[0].weight = max(customer.weight for customer in customers) * 1.3
    return customers


def _buying_weight(rng: random.Random, segment: str) -> float:
    if segment == "Enterprise":
        return 3.0 * min(rng.paretovariate(1.4), 14.0)
    if segment == "Mid-Market":
        return 3.0 * rng.lognormvariate(0.0, 0.4)
    return rng.lognormvariate(0.0, 0.5)


def _company_names(rng: random.Random) -> list[tuple[str, str]]:
    industries = list(INDUSTRIES)
    found: dict[str, str] = {"Acme Corp": "Manufacturing"}
    while len(found) < CUSTOMERS:
        industry = rng.choice(industries)
        word = rng.choice(_COMPANY_WORDS)
        if rng.random() < 0.7:
            name = f"{word} {rng.choice(INDUSTRIES[industry])}"
        else:
            name = f"{word} {rng.choice(_COMPANY_SUFFIXES)}"
        if rng.random() < 0.2 and not name.endswith(_COMPANY_SUFFIXES):
            name = f"{name} {rng.choice(_COMPANY_SUFFIXES)}"
        found.setdefault(name, industry)
    return list(found.items())


def _products(rng: random.Random) -> list[_Product]:
    products: list[_Product] = []
    for category, (cost_share, items) in CATEGORIES.items():
        qualifiers = _QUALIFIERS[category]
        names = []
        for item in items:
            for rank, qualifier in enumerate(qualifiers):
                if category in _TIERED:
                    names.append((f"{item[0]} {qualifier}", item, 1.0 + 0.6 * rank))
                else:
                    names.append((f"{qualifier} {item[0]}", item, 1.0))
        for name, (_, low, high), factor in sorted(
            rng.sample(names, _CATEGORY_COUNT[category]), key=lambda entry: entry[0]
        ):
            price = round(rng.uniform(low, high) * factor, 0) - 0.01 * rng.choice((0, 1, 5))
            price_cents = max(99, round(price * 100))
            cost_cents = round(price_cents * rng.uniform(*cost_share))
            products.append(_Product(len(products) + 1, name, category, price_cents, cost_cents))
    return products


def _orders(
    rng: random.Random,
    customers: list[_Customer],
    reps: list[tuple[int, str, str]],
    products: list[_Product],
    start: dt.date,
    today: dt.date,
    count: int,
) -> list[_Order]:
    days = [start + dt.timedelta(days=offset) for offset in range((today - start).days + 1)]
    day_weights = [
        _YEARLY_GROWTH ** ((day - start).days / 365.25)
        * _SEASON[day.month - 1]
        * _WEEKDAY[day.weekday()]
        for day in days
    ]
    chosen_days = sorted(rng.choices(days, cum_weights=list(accumulate(day_weights)), k=count))
    # Customers by signup date: the ones active on a day are a prefix of this list.
    by_signup = sorted(customers, key=lambda customer: (customer.signup, customer.customer_id))
    signups = [customer.signup for customer in by_signup]
    cumulative = list(accumulate(customer.weight for customer in by_signup))
    picker = _ProductPicker(rng, products)
    reps_by_region: dict[str, list[int]] = {}
    for rep_id, _, region in reps:
        reps_by_region.setdefault(region, []).append(rep_id)

    orders = []
    for day in chosen_days:
        active = bisect_right(signups, day)
        index = bisect_left(cumulative, rng.random() * cumulative[active - 1], 0, active - 1)
        customer = by_signup[index]
        order = _new_order(rng, customer, day, reps_by_region)
        lines, weights = _LINES[customer.segment]
        for category in rng.choices(
            tuple(CATEGORIES), _CATEGORY_MIX[customer.segment], k=rng.choices(lines, weights)[0]
        ):
            _add_line(rng, order, picker.pick(category, order))
        orders.append(order)
    _cover_every_month(rng, orders, customers, days, picker, reps_by_region)
    orders.sort(key=lambda order: order.day)
    return orders


def _new_order(
    rng: random.Random,
    customer: _Customer,
    day: dt.date,
    reps_by_region: dict[str, list[int]],
    channel: str | None = None,
) -> _Order:
    if channel is None:
        channel = rng.choices(CHANNELS, _CHANNEL_SHARE[customer.segment])[0]
    rep_id = customer.rep_id
    if rng.random() < 0.08:
        rep_id = rng.choice(reps_by_region[COUNTRIES[customer.country][0]])
    return _Order(customer, day, channel, rep_id)


def _add_line(rng: random.Random, order: _Order, product: _Product) -> None:
    segment = order.customer.segment
    low, high = _QUANTITY[product.category][segment]
    quantity = low + int((high - low + 1) * rng.random() ** 2)
    price = product.price_cents
    if rng.random() < _DISCOUNT_CHANCE[segment]:
        price = round(price * (100 - rng.randint(5, 20)) / 100)
    order.lines.append((product, quantity, price))


class _ProductPicker:
    """Picks products of a category, popular ones more often, no product twice per order."""

    def __init__(self, rng: random.Random, products: list[_Product]) -> None:
        self._rng = rng
        self._by_category: dict[str, list[_Product]] = {}
        for product in products:
            self._by_category.setdefault(product.category, []).append(product)
        self._weights: dict[str, list[float]] = {}
        for category, members in self._by_category.items():
            rng.shuffle(members)
            self._weights[category] = list(
                accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(members)))
            )

    def pick(self, category: str, order: _Order) -> _Product:
        members = self._by_category[category]
        taken = {line[0].product_id for line in order.lines}
        for _ in range(10):
            product = self._rng.choices(members, cum_weights=self._weights[category])[0]
            if product.product_id not in taken:
                return product
        return next((p for p in members if p.product_id not in taken), members[0])


def _cover_every_month(
    rng: random.Random,
    orders: list[_Order],
    customers: list[_Customer],
    days: list[dt.date],
    picker: _ProductPicker,
    reps_by_region: dict[str, list[int]],
) -> None:
    """Add lines (or small orders) so every country, category, segment and channel has
    orders in every month."""
    cells: dict[tuple[str, str, str, tuple[int, int]], list[_Order]] = {}
    for order in orders:
        key = (order.customer.country, order.customer.segment, order.channel, _month(order.day))
        cells.setdefault(key, []).append(order)
    days_by_month: dict[tuple[int, int], list[dt.date]] = {}
    for day in days:
        days_by_month.setdefault(_month(day), []).append(day)
    first_day = days[0]
    founders: dict[tuple[str, str], list[_Customer]] = {}
    for customer in customers:
        if customer.signup < first_day:
            founders.setdefault((customer.country, customer.segment), []).append(customer)
    for month, month_days in days_by_month.items():
        for country in COUNTRIES:
            for segment in SEGMENTS:
                for channel in CHANNELS:
                    cell = cells.get((country, segment, channel, month), [])
                    present = {line[0].category for order in cell for line in order.lines}
                    missing = [category for category in CATEGORIES if category not in present]
                    if not missing:
                        continue
                    if cell:
                        for category in missing:
                            order = rng.choice(cell)
                            _add_line(rng, order, picker.pick(category, order))
                        continue
                    pool = founders[(country, segment)]
                    for chunk in range(0, len(missing), 3):
                        customer = rng.choices(pool, [c.weight for c in pool])[0]
                        order = _new_order(
                            rng, customer, rng.choice(month_days), reps_by_region, channel
                        )
                        for category in missing[chunk : chunk + 3]:
                            _add_line(rng, order, picker.pick(category, order))
                        orders.append(order)


def _month(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month)


def _status(rng: random.Random, age_days: int) -> str:
    if age_days < 7:
        return rng.choices(("pending", "shipped", "cancelled"), (0.55, 0.40, 0.05))[0]
    if age_days < 21:
        return rng.choices(
            ("delivered", "shipped", "cancelled", "returned"), (0.60, 0.32, 0.05, 0.03)
        )[0]
    return rng.choices(("delivered", "returned", "cancelled"), (0.915, 0.045, 0.04))[0]


def _shipping_cents(order: _Order) -> int:
    physical = sum(
        price * qty for product, qty, price in order.lines if product.category in _PHYSICAL
    )
    if not physical:
        return 0
    base, rate, cap = {
        "Online": (499, 0.015, 15_000),
        "Direct": (1500, 0.010, 40_000),
        "Partner": (999, 0.008, 25_000),
    }[order.channel]
    return min(cap, base + round(physical * rate))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _rows(
    rng: random.Random,
    reps: list[tuple[int, str, str]],
    customers: list[_Customer],
    products: list[_Product],
    orders: list[_Order],
    today: dt.date,
) -> dict[str, list[tuple[object, ...]]]:
    start = _three_years_before(today)
    rep_rows: list[tuple[object, ...]] = []
    for rep_id, name, region in reps:
        first, _, last = name.partition(" ")
        email = f"{_ascii(first)}.{_ascii(last)}@parley-demo.example".lower()
        hired = start - dt.timedelta(days=rng.randint(30, 8 * 365))
        rep_rows.append((rep_id, name, region, email, hired.isoformat()))
    customer_rows: list[tuple[object, ...]] = [
        (
            c.customer_id,
            c.name,
            c.country,
            COUNTRIES[c.country][0],
            c.segment,
            c.industry,
            c.city,
            c.signup.isoformat(),
            c.rep_id,
        )
        for c in customers
    ]
    product_rows: list[tuple[object, ...]] = [
        (p.product_id, p.name, p.category, _money(p.price_cents), _money(p.cost_cents))
        for p in products
    ]
    order_rows: list[tuple[object, ...]] = []
    item_rows: list[tuple[object, ...]] = []
    for order_id, order in enumerate(orders, start=1):
        order_rows.append(
            (
                order_id,
                order.customer.customer_id,
                order.rep_id,
                order.day.isoformat(),
                _status(rng, (today - order.day).days),
                order.channel,
                _money(_shipping_cents(order)),
            )
        )
        for product, quantity, price in order.lines:
            item_rows.append(
                (len(item_rows) + 1, order_id, product.product_id, quantity, _money(price))
            )
    return {
        "sales_reps": rep_rows,
        "customers": customer_rows,
        "products": product_rows,
        "orders": order_rows,
        "order_items": item_rows,
    }


def _ascii(text: str) -> str:
    return text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")


def _write(
    path: Path,
    rows: dict[str, list[tuple[object, ...]]],
    progress: Callable[[int, str], None],
) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    database = scratch / "demo.duckdb"
    try:
        conn = duckdb.connect(str(database))
        try:
            for done, table in enumerate(DEMO_TABLES, start=1):
                columns = _SCHEMA[table]
                conn.execute(
                    f"CREATE TABLE {table} ("
                    + ", ".join(f"{name} {kind}" for name, kind in columns)
                    + ")"
                )
                csv_path = scratch / f"{table}.csv"
                with csv_path.open("w", newline="", encoding="utf-8") as handle:
                    csv.writer(handle).writerows(rows[table])
                types = ", ".join(f"'{name}': '{kind.split(' ')[0]}'" for name, kind in columns)
                conn.execute(
                    f"INSERT INTO {table} SELECT * FROM read_csv(?, header = false, "
                    f"quote = '\"', escape = '\"', columns = {{{types}}})",
                    [str(csv_path)],
                )
                progress(done, table)
            conn.execute("CHECKPOINT")
        finally:
            conn.close()
        # A write-ahead log left beside an older file would be replayed onto the new one.
        Path(f"{path}.wal").unlink(missing_ok=True)
        os.replace(database, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
