"""A B2B SaaS subscription business in SQLite, shaped unlike the other question databases.

Its habits are those of a product company's billing and support data: the account key is
spelled three ways (``account_id``, ``acct_id``, ``accountId``), one table is camelCase
(``users``), the invoice dates are declared ``TEXT`` (ISO strings) while other tables
declare ``DATE`` or ``TIMESTAMP``, a nullable ``end_date`` marks cancelled subscriptions,
and only one relationship is declared (``subscriptions.plan_id`` → ``plans``); every link
to ``accounts`` has to be inferred from the column names.

| table | rows | columns |
|---|---|---|
| ``plans`` | 4 | plan_id PK, name, list_price |
| ``accounts`` | 1,200 | account_id PK, company_name, industry, country, plan_tier,
  created_date, employee_count |
| ``subscriptions`` | ≈ 1,400 | sub_id PK, acct_id, plan_id FK, mrr_usd, start_date, end_date,
  status (active / cancelled / trialing), billing_period (monthly / annual) |
| ``invoices`` | ≈ 9,000 | invoice_id PK, invoice_number, account_id, issued_on, due_date,
  amount, paid |
| ``users`` | ≈ 9,000 | userId PK, accountId, email, role, createdAt, lastLoginAt |
| ``support_tickets`` | ≈ 5,000 | ticket_id PK, acct_id, opened_at, priority, status,
  resolution_hours, channel |

``accounts.plan_tier`` is the plan of the account's latest subscription; a subscription's
own plan is ``subscriptions.plan_id``. A trialing subscription has ``mrr_usd`` 0 and no
invoices. Cancelled subscriptions keep the ``mrr_usd`` they paid.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3
from pathlib import Path

#: (id, name, monthly list price in USD)
PLANS = [(1, "Starter", 49.0), (2, "Growth", 199.0), (3, "Business", 599.0),
         (4, "Enterprise", 1999.0)]
#: monthly probability that a subscription on the plan is cancelled
CHURN = {1: 0.045, 2: 0.028, 3: 0.016, 4: 0.008}
INDUSTRIES = [("Software", 24), ("Retail", 12), ("Healthcare", 11), ("Financial Services", 10),
              ("Education", 9), ("Manufacturing", 10), ("Media", 7), ("Logistics", 8),
              ("Nonprofit", 4), ("Real Estate", 5)]
COUNTRIES = [("United States", 34), ("United Kingdom", 12), ("Germany", 10), ("France", 7),
             ("Canada", 7), ("Australia", 6), ("Netherlands", 5), ("Brazil", 4),
             ("India", 5), ("Japan", 3), ("Spain", 4), ("Sweden", 3)]
ROLES = [("member", 60), ("viewer", 22), ("admin", 10), ("billing", 8)]
PRIORITIES = [("Low", 30), ("Normal", 45), ("High", 18), ("Urgent", 7)]
#: typical hours to resolve a ticket of each priority
RESOLUTION_HOURS = {"Low": 55.0, "Normal": 26.0, "High": 10.0, "Urgent": 3.5}
CHANNELS = [("email", 45), ("chat", 30), ("phone", 10), ("portal", 15)]
NAME_STEMS = [
    "Acme", "Blue", "Bright", "Cedar", "Copper", "Crest", "Delta", "Echo", "Ember", "Fern",
    "Flint", "Forge", "Granite", "Harbor", "Helix", "Indigo", "Iron", "Juniper", "Kestrel",
    "Lumen", "Maple", "Meridian", "Nimbus", "Nova", "Oak", "Onyx", "Orbit", "Pine", "Pixel",
    "Quarry", "Quartz", "Raven", "Ridge", "River", "Sable", "Silver", "Sparrow", "Summit",
    "Terra", "Tidal", "Umber", "Vector", "Willow", "Zephyr", "Atlas", "Beacon", "Cobalt",
    "Drift", "Falcon", "Garnet",
]
NAME_ENDINGS = [
    "Labs", "Systems", "Health", "Retail", "Logistics", "Media", "Works", "Analytics",
    "Partners", "Group", "Foods", "Energy", "Capital", "Studio", "Learning", "Robotics",
    "Clinic", "Supply", "Software", "Networks", "Apparel", "Realty", "Motors", "Bio",
]
#: accounts every generated database holds, so questions can name them:
#: (company, industry, country, employees, plan id, days before today it was created,
#:  billing period)
NAMED_ACCOUNTS = [
    ("Northwind Traders", "Retail", "United States", 2400, 3, 980, "annual"),
    ("Globex Corporation", "Manufacturing", "Germany", 18000, 4, 990, "annual"),
    ("Initech", "Software", "United States", 650, 3, 900, "monthly"),
    ("Umbrella Health", "Healthcare", "United Kingdom", 5200, 4, 860, "monthly"),
    ("Stark Logistics", "Logistics", "Canada", 1300, 3, 700, "monthly"),
    ("Wayne Learning", "Education", "Australia", 300, 2, 640, "monthly"),
]

SCHEMA = """
CREATE TABLE plans (
    plan_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    list_price REAL NOT NULL
);
CREATE TABLE accounts (
    account_id INTEGER PRIMARY KEY,
    company_name TEXT NOT NULL UNIQUE,
    industry TEXT NOT NULL,
    country TEXT NOT NULL,
    plan_tier TEXT NOT NULL,
    created_date DATE NOT NULL,
    employee_count INTEGER NOT NULL
);
-- acct_id relates to accounts by name only; plan_id is the one declared foreign key.
CREATE TABLE subscriptions (
    sub_id INTEGER PRIMARY KEY,
    acct_id INTEGER NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans (plan_id),
    mrr_usd REAL NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    status TEXT NOT NULL,
    billing_period TEXT NOT NULL
);
CREATE TABLE invoices (
    invoice_id INTEGER PRIMARY KEY,
    invoice_number TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    issued_on TEXT NOT NULL,
    due_date TEXT NOT NULL,
    amount REAL NOT NULL,
    paid BOOLEAN NOT NULL
);
CREATE TABLE users (
    userId INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    createdAt TIMESTAMP NOT NULL,
    lastLoginAt TIMESTAMP
);
CREATE TABLE support_tickets (
    ticket_id INTEGER PRIMARY KEY,
    acct_id INTEGER NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution_hours REAL,
    channel TEXT NOT NULL
);
"""

DAYS = 1000
ACCOUNTS = 1200
TRIAL_DAYS = 14


def create_saas_database(path: Path, *, seed: int = 5, today: dt.date | None = None) -> None:
    """Write the subscription database to ``path`` (replaced if it exists).

    The same seed and ``today`` always give the same rows. Accounts were created over the
    1,000 days up to ``today``, more of them recently; invoices, logins and tickets run up
    to ``today``.
    """
    today = today or dt.date.today()
    rng = random.Random(f"{seed}:{today.isoformat()}")
    tables = _generate(rng, today)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        for table, rows in tables.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        connection.commit()
    finally:
        connection.close()


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    # The 31st of a short month is billed on its last day.
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _first_plan(rng: random.Random, employees: int) -> int:
    if employees < 50:
        return rng.choices([1, 2], weights=[65, 35])[0]
    if employees < 500:
        return rng.choices([1, 2, 3], weights=[15, 60, 25])[0]
    if employees < 5000:
        return rng.choices([2, 3, 4], weights=[20, 55, 25])[0]
    return rng.choices([3, 4], weights=[30, 70])[0]


def _mrr(rng: random.Random, plan_id: int, billing: str) -> float:
    price = PLANS[plan_id - 1][2]
    seats = rng.choice([1, 1, 1, 2, 3]) if plan_id <= 2 else rng.uniform(1.0, 4.0)
    discount = 0.85 if billing == "annual" else 1.0
    return round(price * seats * discount * rng.uniform(0.9, 1.0), 2)


def _lifetime_end(rng: random.Random, plan_id: int, start: dt.date, billing: str) -> dt.date:
    """The day a subscription started on ``start`` would be cancelled (maybe after today)."""
    months = 1
    while rng.random() > CHURN[plan_id] and months < 120:
        months += 1
    if billing == "annual":
        months = 12 * math.ceil(months / 12)
    return _add_months(start, months)


class _Builder:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.accounts: list[tuple[object, ...]] = []
        self.subscriptions: list[tuple[object, ...]] = []
        self.invoices: list[tuple[object, ...]] = []
        self.users: list[tuple[object, ...]] = []
        self.tickets: list[tuple[object, ...]] = []

    def account(self, company: str, industry: str, country: str, employees: int,
                plan_id: int, created: dt.date, billing: str | None) -> None:
        rng, today = self.rng, self.today
        account_id = len(self.accounts) + 1
        if billing is None:
            billing = "annual" if rng.random() < (0.6 if plan_id == 4 else 0.3) else "monthly"
        live_until = today
        if (today - created).days < TRIAL_DAYS:
            self.subscriptions.append((len(self.subscriptions) + 1, account_id, plan_id, 0.0,
                                       created.isoformat(), None, "trialing", "monthly"))
            last_plan = plan_id
        else:
            end = _lifetime_end(rng, plan_id, created, billing)
            upgrade: dt.date | None = None
            if plan_id < 4 and rng.random() < 0.22:
                upgrade = created + dt.timedelta(days=rng.randint(60, 400))
                if upgrade >= min(end, today):
                    upgrade = None
            if upgrade is not None:
                self._subscription(account_id, plan_id, billing, created, upgrade)
                self._subscription(account_id, plan_id + 1, billing, upgrade, end)
                last_plan = plan_id + 1
            else:
                self._subscription(account_id, plan_id, billing, created, end)
                last_plan = plan_id
            if end <= today:
                live_until = end
        self.accounts.append((account_id, company, industry, country,
                              PLANS[last_plan - 1][1], created.isoformat(), employees))
        self._users(account_id, employees, last_plan, created, live_until)
        self._tickets(account_id, last_plan, created, live_until)

    def _subscription(self, account_id: int, plan_id: int, billing: str, start: dt.date,
                      end: dt.date) -> None:
        rng, today = self.rng, self.today
        mrr = _mrr(rng, plan_id, billing)
        cancelled = end <= today
        self.subscriptions.append((
            len(self.subscriptions) + 1, account_id, plan_id, mrr, start.isoformat(),
            end.isoformat() if cancelled else None, "cancelled" if cancelled else "active",
            billing,
        ))
        step = 12 if billing == "annual" else 1
        amount = round(mrr * step, 2)
        issued, period = start, 0
        while issued < end and issued <= today:
            due = issued + dt.timedelta(days=30)
            paid = rng.random() < (0.45 if due > today else 0.97)
            self.invoices.append((
                len(self.invoices) + 1, f"INV-{100000 + len(self.invoices)}", account_id,
                issued.isoformat(), due.isoformat(),
                amount if rng.random() > 0.04 else round(amount * rng.uniform(0.5, 0.9), 2),
                1 if paid else 0,
            ))
            period += step
            issued = _add_months(start, period)

    def _users(self, account_id: int, employees: int, plan_id: int, created: dt.date,
               live_until: dt.date) -> None:
        rng = self.rng
        scale = {1: 1.0, 2: 2.0, 3: 4.0, 4: 9.0}[plan_id]
        count = max(1, min(employees, round(math.exp(rng.gauss(1.0, 0.6)) * scale)))
        span = max(0, (live_until - created).days)
        for n in range(count):
            joined = created + dt.timedelta(days=0 if n == 0 else rng.randint(0, span))
            created_at = dt.datetime.combine(joined, dt.time(rng.randint(7, 19),
                                                             rng.randint(0, 59)))
            last_login: str | None = None
            if n == 0 or rng.random() > 0.08:
                back = min((live_until - joined).days, int(rng.expovariate(1 / 12)))
                seen = live_until - dt.timedelta(days=max(0, back))
                when = dt.datetime.combine(seen, dt.time(rng.randint(6, 22), rng.randint(0, 59),
                                                         rng.randint(0, 59)))
                last_login = max(when, created_at).isoformat(sep=" ")
            role = "admin" if n == 0 else _weighted(rng, ROLES)
            self.users.append((len(self.users) + 1, account_id,
                               f"user{len(self.users) + 1}@a{account_id}.example.com", role,
                               created_at.isoformat(sep=" "), last_login))

    def _tickets(self, account_id: int, plan_id: int, created: dt.date,
                 live_until: dt.date) -> None:
        rng, today = self.rng, self.today
        span = (live_until - created).days
        rate = {1: 0.15, 2: 0.25, 3: 0.45, 4: 0.8}[plan_id]
        count = sum(1 for _ in range(max(1, span // 30)) if rng.random() < rate)
        for _ in range(count):
            day = created + dt.timedelta(days=rng.randint(0, max(0, span)))
            opened = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59),
                                                      rng.randint(0, 59)))
            priority = _weighted(rng, PRIORITIES)
            recent = (today - day).days < 4
            status = (rng.choice(["open", "pending", "solved"]) if recent else
                      rng.choices(["solved", "closed", "open", "pending"],
                                  weights=[70, 27, 2, 1])[0])
            hours: float | None = None
            if status in ("solved", "closed"):
                hours = round(RESOLUTION_HOURS[priority] * math.exp(rng.gauss(0.0, 0.6)), 1)
            self.tickets.append((len(self.tickets) + 1, account_id, opened.isoformat(sep=" "),
                                 priority, status, hours, _weighted(rng, CHANNELS)))


def _generate(rng: random.Random, today: dt.date) -> dict[str, list[tuple[object, ...]]]:
    builder = _Builder(rng, today)
    names = rng.sample([f"{s} {e}" for s in NAME_STEMS for e in NAME_ENDINGS], ACCOUNTS)
    # More accounts were created recently: the density of offsets falls towards DAYS.
    offsets = [int(DAYS * (1 - math.sqrt(rng.random()))) for _ in range(ACCOUNTS)]
    generated = [
        (name, _weighted(rng, INDUSTRIES), _weighted(rng, COUNTRIES),
         max(2, round(math.exp(rng.gauss(4.2, 1.6)))), offset)
        for name, offset in zip(names, offsets, strict=True)
    ]
    named = [(company, industry, country, employees, offset)
             for company, industry, country, employees, _, offset, _ in NAMED_ACCOUNTS]
    plan_of = {row[0]: row[4] for row in NAMED_ACCOUNTS}
    billing_of = {row[0]: row[6] for row in NAMED_ACCOUNTS}
    # Account ids follow creation order, as a real sign-up sequence would.
    for company, industry, country, employees, offset in sorted(
        named + generated, key=lambda row: (-row[4], row[0])
    ):
        plan_id = plan_of.get(company) or _first_plan(rng, employees)
        builder.account(company, industry, country, employees, plan_id,
                        today - dt.timedelta(days=offset), billing_of.get(company))
    return {
        "plans": [tuple(plan) for plan in PLANS],
        "accounts": builder.accounts,
        "subscriptions": builder.subscriptions,
        "invoices": builder.invoices,
        "users": builder.users,
        "support_tickets": builder.tickets,
    }
