"""A digital-marketing business in MariaDB (MySQL dialect), shaped unlike the other question
databases.

Its habits are those of an ad-reporting warehouse next to a CRM export: most tables are
snake_case, but ``ad_creatives`` came from an ad platform's API and has camelCase columns
(``creativeId``, ``campaignId``, ``adFormat``, ``createdAt``, ``isActive``); money is
``DECIMAL``; flags are ``TINYINT(1)``; lead times are ``DATETIME`` and everything else
``DATE``. Two relationships are declared, the others have to be inferred from the names:

| column | refers to | declared |
|---|---|---|
| ``daily_stats.campaign_id`` | ``campaigns`` | yes |
| ``deals.lead_id`` | ``leads`` | yes |
| ``leads.campaign_id`` | ``campaigns`` | no |
| ``deals.rep_id`` | ``sales_reps`` | no |
| ``ad_creatives.campaignId`` | ``campaigns`` | no |

| table | rows | columns |
|---|---|---|
| ``campaigns`` | ≈ 75 | campaign_id PK, campaign_name, channel (Email / Search / Social / Display /
  Video), objective (Awareness / Lead Generation / Sales), budget, start_date, end_date,
  geo (Global / North America / EMEA / APAC) |
| ``daily_stats`` | ≈ 9,000 | campaign_id, stat_date, impressions, clicks, spend, conversions,
  revenue |
| ``ad_creatives`` | ≈ 300 | creativeId PK, campaignId, headline, adFormat, createdAt, isActive |
| ``leads`` | ≈ 9,000 | lead_id PK, email, company_name, country, company_size, campaign_id,
  created_at, lead_status (New / Contacted / Qualified / Disqualified / Converted) |
| ``sales_reps`` | 12 | rep_id PK, rep_name, region, hired_on |
| ``deals`` | ≈ 1,500 | deal_id PK, lead_id, rep_id, amount, stage, created_on, closed_at |

Campaigns run from ``start_date`` to ``end_date``; five always-on campaigns have no end
date, and a campaign still running may have a planned end date after today. ``daily_stats``
has one row per campaign and day it ran, up to today. Every lead comes from a campaign and
was created while it ran. A lead with a deal is ``Converted``; a deal is created after its
lead and is closed (``Closed Won`` or ``Closed Lost``, with ``closed_at``) or still open
(``Prospecting``, ``Proposal``, ``Negotiation``, no ``closed_at``). Deals are owned by a
rep of the lead's region, hired before the deal was created when the region has one.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any
from urllib.parse import unquote, urlsplit

import pymysql

DAYS = 1000
#: channel -> (impressions per day range, click-through rate range, cost per click range)
CHANNEL_TRAFFIC: dict[str, tuple[tuple[int, int], tuple[float, float], tuple[float, float]]] = {
    "Email": ((1500, 9000), (0.020, 0.045), (0.25, 0.60)),
    "Search": ((2000, 11000), (0.030, 0.065), (1.40, 4.20)),
    "Social": ((6000, 32000), (0.007, 0.016), (0.70, 2.40)),
    "Display": ((20000, 90000), (0.0015, 0.0050), (0.40, 1.30)),
    "Video": ((9000, 45000), (0.004, 0.010), (0.90, 2.80)),
}
#: target market of a flighted campaign -> chance that a flight also runs there
GEOS = {"North America": 1.0, "EMEA": 0.65, "APAC": 0.35}
GEO_CODES = {"North America": "NA", "EMEA": "EMEA", "APAC": "APAC"}
#: (name, channel, objective) of the campaigns that run all the time, worldwide
ALWAYS_ON = [
    ("Brand Search - Global", "Search", "Sales"),
    ("Competitor Keywords", "Search", "Lead Generation"),
    ("Retargeting - Display", "Display", "Sales"),
    ("Monthly Newsletter", "Email", "Awareness"),
    ("LinkedIn Always-On", "Social", "Lead Generation"),
]
#: flighted campaign themes: (theme, channel, objective, days, daily spend scale)
THEMES = [
    ("Spring Launch", "Social", "Awareness", 45, 1.0),
    ("Webinar Series", "Email", "Lead Generation", 30, 0.4),
    ("Summer Sale", "Display", "Sales", 40, 1.2),
    ("Product Demo Push", "Search", "Lead Generation", 60, 0.9),
    ("YouTube Explainer", "Video", "Awareness", 50, 1.1),
    ("Black Friday", "Display", "Sales", 21, 2.5),
    ("Year-End Nurture", "Email", "Lead Generation", 35, 0.3),
    ("Free Trial Promo", "Social", "Sales", 55, 1.3),
    ("Trade Show Follow-up", "Email", "Lead Generation", 25, 0.3),
    ("Case Study Ads", "Social", "Lead Generation", 40, 0.8),
]
#: the months in which each theme runs (several themes run twice a year)
THEME_MONTHS = {
    "Spring Launch": (3,), "Webinar Series": (2, 9), "Summer Sale": (6,),
    "Product Demo Push": (4, 10), "YouTube Explainer": (5,), "Black Friday": (11,),
    "Year-End Nurture": (12,), "Free Trial Promo": (1, 7), "Trade Show Follow-up": (3, 10),
    "Case Study Ads": (8,),
}
OBJECTIVE_LEADS = {"Lead Generation": 3.2, "Sales": 0.8, "Awareness": 0.35}
FORMATS = {
    "Email": ("HTML Email", "Text"),
    "Search": ("Text",),
    "Social": ("Image", "Carousel", "Video"),
    "Display": ("Image", "HTML5"),
    "Video": ("Video",),
}
HEADLINES = [
    "See it in action", "Start your free trial", "Built for growing teams", "Save 20% today",
    "Your data, one place", "Join 5,000 teams", "Book a demo", "Ship reports faster",
    "The smarter way to plan", "Limited-time offer", "Meet the new dashboard",
    "Why teams switch", "Get the guide", "Trusted by analysts", "Try it free for 30 days",
]
#: country -> (weight, sales region)
COUNTRIES = {
    "United States": (30, "North America"), "Canada": (6, "North America"),
    "United Kingdom": (10, "EMEA"), "Germany": (9, "EMEA"), "France": (6, "EMEA"),
    "Netherlands": (4, "EMEA"), "Spain": (3, "EMEA"), "Sweden": (2, "EMEA"),
    "India": (7, "APAC"), "Australia": (5, "APAC"), "Japan": (4, "APAC"),
    "Singapore": (2, "APAC"), "Brazil": (5, "LATAM"), "Mexico": (4, "LATAM"),
}
#: company size band -> (weight, deal amount range in USD)
SIZES = {
    "1-10": (22, (1500, 8000)),
    "11-50": (30, (4000, 22000)),
    "51-200": (24, (12000, 65000)),
    "201-1000": (15, (35000, 160000)),
    "1000+": (9, (80000, 420000)),
}
#: (name, region, hired days ago)
REPS = [
    ("Maya Patel", "North America", 1400), ("Jordan Blake", "North America", 1200),
    ("Chris Alvarez", "North America", 600), ("Emily Chen", "North America", 300),
    ("Lukas Weber", "EMEA", 1300), ("Sophie Martin", "EMEA", 900),
    ("Oliver Hughes", "EMEA", 450), ("Priya Raman", "APAC", 1100),
    ("Kenji Sato", "APAC", 700), ("Grace Lim", "APAC", 250),
    ("Camila Souza", "LATAM", 1000), ("Diego Ramirez", "LATAM", 500),
]
COMPANY_STEMS = [
    "Acme", "Blue", "Bright", "Cedar", "Cloud", "Delta", "Echo", "Falcon", "Green", "Harbor",
    "Iron", "Juniper", "Kite", "Lumen", "Maple", "Nova", "Orbit", "Pine", "Quartz", "River",
    "Silver", "Summit", "Terra", "Urban", "Vector", "Willow", "Zephyr", "Atlas", "Beacon",
    "Cobalt",
]
COMPANY_ENDINGS = [
    "Labs", "Systems", "Analytics", "Logistics", "Health", "Foods", "Media", "Partners",
    "Software", "Retail", "Energy", "Studio", "Capital", "Robotics", "Apparel", "Travel",
]
#: companies that always have a lead and a won deal: (name, country, size)
NAMED_COMPANIES = [
    ("Bluefin Analytics", "United States", "201-1000"),
    ("Northwind Traders", "United Kingdom", "51-200"),
    ("Kowalski Logistics", "Germany", "1000+"),
    ("Sakura Robotics", "Japan", "201-1000"),
    ("Pampas Foods", "Brazil", "51-200"),
]
OPEN_STAGES = ("Prospecting", "Proposal", "Negotiation")

TABLES = ("deals", "sales_reps", "leads", "ad_creatives", "daily_stats", "campaigns")
SCHEMA = [
    """CREATE TABLE campaigns (
        campaign_id INT PRIMARY KEY,
        campaign_name VARCHAR(120) NOT NULL UNIQUE,
        channel VARCHAR(20) NOT NULL,
        objective VARCHAR(40) NOT NULL,
        budget DECIMAL(12, 2) NOT NULL,
        start_date DATE NOT NULL,
        end_date DATE NULL,
        geo VARCHAR(20) NOT NULL
    ) ENGINE=InnoDB""",
    """CREATE TABLE daily_stats (
        campaign_id INT NOT NULL,
        stat_date DATE NOT NULL,
        impressions INT NOT NULL,
        clicks INT NOT NULL,
        spend DECIMAL(10, 2) NOT NULL,
        conversions INT NOT NULL,
        revenue DECIMAL(12, 2) NOT NULL,
        PRIMARY KEY (campaign_id, stat_date),
        CONSTRAINT fk_stats_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (campaign_id)
    ) ENGINE=InnoDB""",
    # From the ad platform's API: camelCase, no declared relationship.
    """CREATE TABLE ad_creatives (
        creativeId INT PRIMARY KEY,
        campaignId INT NOT NULL,
        headline VARCHAR(120) NOT NULL,
        adFormat VARCHAR(20) NOT NULL,
        createdAt DATETIME NOT NULL,
        isActive TINYINT(1) NOT NULL
    ) ENGINE=InnoDB""",
    # campaign_id refers to campaigns by name only.
    """CREATE TABLE leads (
        lead_id INT PRIMARY KEY,
        email VARCHAR(160) NOT NULL UNIQUE,
        company_name VARCHAR(120) NOT NULL,
        country VARCHAR(60) NOT NULL,
        company_size VARCHAR(20) NOT NULL,
        campaign_id INT NOT NULL,
        created_at DATETIME NOT NULL,
        lead_status VARCHAR(20) NOT NULL
    ) ENGINE=InnoDB""",
    """CREATE TABLE sales_reps (
        rep_id INT PRIMARY KEY,
        rep_name VARCHAR(80) NOT NULL UNIQUE,
        region VARCHAR(40) NOT NULL,
        hired_on DATE NOT NULL
    ) ENGINE=InnoDB""",
    # rep_id refers to sales_reps by name only.
    """CREATE TABLE deals (
        deal_id INT PRIMARY KEY,
        lead_id INT NOT NULL,
        rep_id INT NOT NULL,
        amount DECIMAL(12, 2) NOT NULL,
        stage VARCHAR(20) NOT NULL,
        created_on DATE NOT NULL,
        closed_at DATE NULL,
        CONSTRAINT fk_deals_lead FOREIGN KEY (lead_id) REFERENCES leads (lead_id)
    ) ENGINE=InnoDB""",
]
COLUMNS = {
    "campaigns": 8, "daily_stats": 7, "ad_creatives": 6, "leads": 8, "sales_reps": 4,
    "deals": 7,
}


def create_marketing_database(url: str, *, seed: int = 13, today: dt.date | None = None) -> None:
    """Fill the MariaDB/MySQL database named in ``url`` (created if missing) with the
    marketing tables.

    Its tables are dropped and recreated; nothing else in the database is touched. The same
    seed and ``today`` always give the same rows, which cover the 1,000 days up to ``today``.
    """
    today = today or dt.date.today()
    rng = random.Random(f"{seed}:{today.isoformat()}")
    tables = _generate(rng, today)
    params = connection_params(url)
    name = params.pop("database")
    server = pymysql.connect(**params)
    try:
        with server.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
    finally:
        server.close()
    connection = pymysql.connect(**params, database=name, autocommit=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS `{table}`")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
            for statement in SCHEMA:
                cursor.execute(statement)
            for table in reversed(TABLES):
                marks = ", ".join(["%s"] * COLUMNS[table])
                rows = tables[table]
                for start in range(0, len(rows), 2000):
                    cursor.executemany(f"INSERT INTO `{table}` VALUES ({marks})",
                                       rows[start:start + 2000])
            cursor.execute("ANALYZE TABLE " + ", ".join(f"`{t}`" for t in TABLES))
            cursor.fetchall()
        connection.commit()
    finally:
        connection.close()


def connection_params(url: str) -> dict[str, Any]:
    """pymysql connection arguments for a ``mysql://user:password@host:port/database`` URL."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    if not database:
        raise ValueError(f"the URL {url!r} names no database")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": database,
    }


def _weighted(rng: random.Random, choices: dict[str, Any]) -> str:
    names = list(choices)
    weights = [choices[n][0] for n in names]
    return rng.choices(names, weights=weights)[0]


def _money(amount: float) -> str:
    return f"{amount:.2f}"


def _campaigns(rng: random.Random, today: dt.date) -> list[tuple[Any, ...]]:
    """(id, name, channel, objective, budget, start, end, daily spend scale)."""
    first = today - dt.timedelta(days=DAYS)
    rows: list[tuple[Any, ...]] = []
    for name, channel, objective in ALWAYS_ON:
        budget = round(_daily_spend(channel, 1.0) * DAYS * rng.uniform(0.85, 1.25), -3)
        rows.append((len(rows) + 1, name, channel, objective, budget, first, None, 1.0,
                     "Global"))
    flights: list[tuple[dt.date, str, str, str, str, int, float]] = []
    for year in range(first.year, today.year + 1):
        for theme, channel, objective, days, scale in THEMES:
            for month in THEME_MONTHS[theme]:
                start = dt.date(year, month, 1) + dt.timedelta(days=rng.randint(0, 12))
                if theme == "Black Friday":
                    start = dt.date(year, 11, 10)
                if start < first or start > today:
                    continue
                length = max(14, round(days * rng.uniform(0.8, 1.25)))
                half = "H1" if month <= 6 else "H2"
                label = (f"{theme} {year}" if len(THEME_MONTHS[theme]) == 1
                         else f"{theme} {half} {year}")
                for geo in GEOS:
                    shifted = start + dt.timedelta(days=rng.randint(0, 4))
                    if shifted > today:
                        continue
                    if geo == "North America" or rng.random() < GEOS[geo]:
                        flights.append((shifted,
                                        f"{label} - {GEO_CODES[geo]}", channel, objective,
                                        geo, length, scale))
    for start, label, channel, objective, geo, length, scale in sorted(flights):
        budget = round(_daily_spend(channel, scale) * length * rng.uniform(0.85, 1.25), -2)
        rows.append((len(rows) + 1, label, channel, objective, budget, start,
                     start + dt.timedelta(days=length - 1), scale, geo))
    return rows


def _daily_spend(channel: str, scale: float) -> float:
    """What a campaign of ``channel`` typically spends a day, to set its budget."""
    (low, high), ctr, cpc = CHANNEL_TRAFFIC[channel]
    return (low + high) / 2 * sum(ctr) / 2 * sum(cpc) / 2 * scale


def _stats(rng: random.Random, campaigns: list[tuple[Any, ...]],
           today: dt.date) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for campaign_id, _, channel, objective, _, start, end, scale, _ in campaigns:
        (low, high), (ctr_low, ctr_high), (cpc_low, cpc_high) = CHANNEL_TRAFFIC[channel]
        base_ctr = rng.uniform(ctr_low, ctr_high)
        base_cpc = rng.uniform(cpc_low, cpc_high)
        rate = rng.uniform(0.02, 0.07) if objective == "Sales" else rng.uniform(0.01, 0.04)
        order_value = rng.uniform(90, 320)
        last = min(end or today, today)
        day = start
        while day <= last:
            weekday = 0.65 if day.weekday() >= 5 else 1.0
            # Year-end weeks cost more and sell more.
            season = 1.25 if day.month in (11, 12) else 1.0
            impressions = max(50, round(rng.uniform(low, high) * scale * weekday * season))
            clicks = max(0, round(impressions * base_ctr * rng.uniform(0.75, 1.25)))
            spend = clicks * base_cpc * rng.uniform(0.85, 1.15) * season
            conversions = sum(1 for _ in range(clicks) if rng.random() < rate) \
                if clicks < 400 else round(clicks * rate * rng.uniform(0.8, 1.2))
            revenue = conversions * order_value * rng.uniform(0.7, 1.3) if objective != \
                "Awareness" else conversions * order_value * rng.uniform(0.1, 0.3)
            rows.append((campaign_id, day, impressions, clicks, _money(spend), conversions,
                         _money(revenue)))
            day += dt.timedelta(days=1)
    return rows


def _creatives(rng: random.Random, campaigns: list[tuple[Any, ...]],
               today: dt.date) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for campaign_id, _, channel, _, _, start, end, _, _ in campaigns:
        count = rng.randint(6, 10) if end is None else rng.randint(2, 5)
        for n in range(count):
            offset = 0 if n == 0 else rng.randint(0, max(0, (min(end or today, today)
                                                             - start).days))
            created = dt.datetime.combine(start + dt.timedelta(days=offset),
                                          dt.time(rng.randint(8, 18), rng.randint(0, 59)))
            running = end is None or end >= today
            active = running and rng.random() < 0.7
            rows.append((len(rows) + 1, campaign_id, rng.choice(HEADLINES),
                         rng.choice(FORMATS[channel]), created, int(active)))
    return rows


def _company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_STEMS)} {rng.choice(COMPANY_ENDINGS)}"


def _leads(rng: random.Random, campaigns: list[tuple[Any, ...]],
           today: dt.date) -> list[tuple[Any, ...]]:
    """(id, email, company, country, size, campaign, created_at, status)."""
    rows: list[tuple[Any, ...]] = []
    for campaign_id, _, channel, objective, _, start, end, scale, geo in campaigns:
        countries = {c: v for c, v in COUNTRIES.items() if geo in ("Global", v[1])}
        per_day = OBJECTIVE_LEADS[objective] * (0.6 if end is None else 1.0) * \
            min(scale, 1.5) * (1.2 if channel in ("Search", "Social") else 1.0)
        day = start
        while day <= min(end or today, today):
            for _ in range(sum(1 for _ in range(10) if rng.random() < per_day / 10)):
                rows.append(_lead(rng, len(rows) + 1, campaign_id, day, today,
                                  _company(rng), _weighted(rng, countries),
                                  _weighted(rng, SIZES)))
            day += dt.timedelta(days=1)
    # The named companies came in through the newsletter or search, months ago.
    for n, (company, country, size) in enumerate(NAMED_COMPANIES):
        day = today - dt.timedelta(days=200 + 60 * n)
        rows.append(_lead(rng, len(rows) + 1, 1 + n % 2, day, today, company, country, size,
                          status="Qualified"))
    rows.sort(key=lambda row: (row[6], row[0]))
    # Ids and unique addresses follow the order the leads came in.
    return [(n + 1, row[1].replace("@", f".{n + 1}@"), *row[2:]) for n, row in enumerate(rows)]


def _lead(rng: random.Random, lead_id: int, campaign_id: int, day: dt.date, today: dt.date,
          company: str, country: str, size: str, status: str | None = None
          ) -> tuple[Any, ...]:
    created = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59),
                                               rng.randint(0, 59)))
    age = (today - day).days
    if status is None:
        if age < 5:
            status = "New"
        elif age < 20:
            status = rng.choice(["New", "Contacted", "Contacted", "Qualified"])
        else:
            status = rng.choices(["Contacted", "Qualified", "Disqualified"],
                                 weights=[25, 30, 45])[0]
    domain = company.lower().replace(" ", "") + ".com"
    email = f"{rng.choice(['alex', 'sam', 'kim', 'lee', 'pat', 'max', 'ana', 'jo'])}@{domain}"
    return (lead_id, email, company, country, size, campaign_id, created, status)


def _deals(rng: random.Random, leads: list[tuple[Any, ...]],
           today: dt.date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The deals, and the leads with the status of the ones that got a deal."""
    reps_by_region: dict[str, list[tuple[int, dt.date]]] = {}
    for n, (_, region, days) in enumerate(REPS):
        reps_by_region.setdefault(region, []).append((n + 1, today - dt.timedelta(days=days)))
    named = {company for company, _, _ in NAMED_COMPANIES}
    deals: list[tuple[Any, ...]] = []
    updated: list[tuple[Any, ...]] = []
    for lead in leads:
        lead_id, _, company, country, size, _, created, status = lead
        is_named = company in named
        if status == "Qualified" and (is_named or rng.random() < 0.55):
            opened = created.date() + dt.timedelta(days=rng.randint(2, 25))
            if opened > today:
                updated.append(lead)
                continue
            low, high = SIZES[size][1]
            amount = round(math.exp(rng.uniform(math.log(low), math.log(high))), -1)
            close = opened + dt.timedelta(days=rng.randint(12, 140))
            closed_at: dt.date | None = None
            if is_named:
                stage, closed_at = "Closed Won", min(close, today - dt.timedelta(days=3))
            elif close <= today:
                won = 0.42 if size in ("1-10", "11-50") else 0.30
                stage = "Closed Won" if rng.random() < won else "Closed Lost"
                closed_at = close
            else:
                stage = rng.choice(OPEN_STAGES)
            # A deal goes to a rep of the lead's region who was already hired.
            team = reps_by_region[COUNTRIES[country][1]]
            rep = rng.choice([r for r, hired in team if hired <= opened] or [team[0][0]])
            deals.append((len(deals) + 1, lead_id, rep, _money(amount), stage, opened,
                          closed_at))
            lead = (*lead[:7], "Converted")
        updated.append(lead)
    return deals, updated


def _generate(rng: random.Random, today: dt.date) -> dict[str, list[Any]]:
    campaigns = _campaigns(rng, today)
    leads = _leads(rng, campaigns, today)
    deals, leads = _deals(rng, leads, today)
    reps = [(n + 1, name, region, today - dt.timedelta(days=days))
            for n, (name, region, days) in enumerate(REPS)]
    return {
        "campaigns": [(c[0], c[1], c[2], c[3], _money(c[4]), c[5], c[6], c[8])
                      for c in campaigns],
        "daily_stats": _stats(rng, campaigns, today),
        "ad_creatives": _creatives(rng, campaigns, today),
        "leads": leads,
        "sales_reps": reps,
        "deals": deals,
    }
