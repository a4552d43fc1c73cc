"""A group of car dealerships in SQLite, shaped like a dealer-management system's export.

Plain snake_case tables, people with ``first_name`` / ``last_name``, dealerships with a bare
``name`` column, US states as two-letter codes, lower-case snake_case payment methods
(``credit_card``, ``bank_transfer``), flags stored as 0 / 1, and **no declared foreign key
at all**: every relationship is an ordinary ``<thing>_id`` column named like the primary
key it refers to (``dealership_id``, ``salesperson_id``, ``customer_id``, ``car_id``,
``sale_id``).

| table | rows | columns |
|---|---|---|
| ``dealerships`` | 7 | dealership_id PK, name, city, state, region, opened_on |
| ``salespersons`` | 32 | salesperson_id PK, first_name, last_name, email, phone, hire_date,
  termination_date (null while employed), dealership_id |
| ``customers`` | ≈ 3,000 | customer_id PK, first_name, last_name, email, phone, address, city,
  state, zip_code, signup_date |
| ``cars`` | ≈ 2,900 | car_id PK, vin, make, model, year (model year), body_style, color,
  fuel_type, condition (New / Used), mileage, msrp, dealership_id, date_received |
| ``sales`` | ≈ 2,750 | sale_id PK, car_id, salesperson_id, customer_id, sale_price, sale_date |
| ``payments_received`` | ≈ 5,300 | payment_id PK, sale_id, payment_date, payment_amount,
  payment_method |
| ``inventory_snapshots`` | ≈ 7,200 | snapshot_id PK, snapshot_date, car_id, is_in_inventory |
| ``service_appointments`` | ≈ 5,300 | appointment_id PK, car_id, customer_id, dealership_id,
  appointment_date, service_type, status, labor_cost, parts_cost |

Sales run from 1 January two years back to today; the showrooms are closed on Sundays. A car
is received by one dealership (``cars.dealership_id``) and sold at most once, on or after the
day it arrived, by a salesperson of that same dealership employed on the day of the sale
(and past their first ten days, which are training).
The cars never sold are still on the lot. A sale is paid by a deposit on the day and the
balance a few days later (financing, a bank transfer, a check or cash), or in one payment;
the payments of a sale add up to its price once they are all in (the balance of the last
two weeks' sales may still be outstanding). On the first of every month an inventory
snapshot lists every car on the lot (``is_in_inventory`` 1) and every car sold during the
month before (0). Service appointments are for cars the group sold, booked by their buyer,
at the dealership that sold them; those before today are ``Completed``, ``Cancelled`` or
``No-show`` (only completed ones have costs), those from today on ``Scheduled``.

The mess a real export has: a salesperson hired five days ago with no sale yet, three who
left (one of them six weeks ago), one on leave who has sold nothing for eleven weeks, a
dealership opened fourteen months ago, a car received more than a year ago and never sold,
customers who signed up and never bought, repeat buyers, missing e-mails and phones, an
apostrophe in a name, and Teslas sold only used.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

#: (name, city, state, region, opened on (None: days before today in OPENED_DAYS_AGO),
#:  how busy, relative to the others)
DEALERSHIPS: list[tuple[str, str, str, str, dt.date | None, float]] = [
    ("Capitol City Motors", "Austin", "TX", "South", dt.date(2011, 4, 1), 1.1),
    ("Trinity Auto Plaza", "Dallas", "TX", "South", dt.date(2008, 9, 15), 1.35),
    ("Desert Sun Motors", "Phoenix", "AZ", "West", dt.date(2013, 2, 1), 1.0),
    ("Front Range Auto", "Denver", "CO", "West", dt.date(2015, 6, 1), 0.9),
    ("Music City Motors", "Nashville", "TN", "South", dt.date(2016, 3, 1), 0.85),
    ("Heartland Auto Mall", "Kansas City", "MO", "Midwest", dt.date(2012, 8, 1), 0.8),
    ("Buckeye Motors", "Columbus", "OH", "Midwest", None, 0.7),
]
OPENED_DAYS_AGO = 430
#: (first name, last name, dealership (1-based), days before today hired,
#:  days before today they left (None: still employed), how much they sell)
SALESPERSONS: list[tuple[str, str, int, int, int | None, float]] = [
    ("Maria", "Gonzalez", 1, 3100, None, 1.45),
    ("Kevin", "Tran", 1, 2200, None, 1.0),
    ("Ashley", "Brooks", 1, 1500, None, 1.15),
    ("Marcus", "Reed", 1, 900, None, 0.85),
    ("Derek", "Holloway", 1, 2600, 520, 1.0),
    ("Robert", "Kim", 2, 4200, None, 1.3),
    ("Jennifer", "Walsh", 2, 2800, None, 1.2),
    ("Carlos", "Mendoza", 2, 1900, None, 1.05),
    ("Tiffany", "Nguyen", 2, 700, None, 0.9),
    ("Brian", "Foster", 2, 1300, 45, 0.8),
    ("Luis", "Ortega", 2, 5, None, 1.0),
    ("Samantha", "Price", 3, 3000, None, 1.25),
    ("Jason", "Whitaker", 3, 2100, None, 1.1),
    ("Nicole", "Ramirez", 3, 1100, None, 0.95),
    ("Tyler", "Jensen", 3, 400, None, 0.8),
    ("Emily", "Larson", 4, 2500, None, 1.1),
    ("Ryan", "O'Connor", 4, 1800, None, 1.0),
    ("Megan", "Fischer", 4, 1200, None, 0.95),
    ("Chris", "Dalton", 4, 2300, 210, 0.9),
    ("Brandon", "Hayes", 5, 2700, None, 1.2),
    ("Lauren", "Mitchell", 5, 1600, None, 1.0),
    ("Jordan", "Blake", 5, 1000, None, 0.9),
    ("Amanda", "Pierce", 5, 600, None, 1.05),
    ("Michael", "Schultz", 6, 3300, None, 1.2),
    ("Rachel", "Cooper", 6, 2000, None, 1.0),
    ("Steven", "Novak", 6, 1400, None, 0.95),
    ("Heather", "Lindgren", 6, 300, None, 0.9),
    ("Daniel", "Park", 7, 450, None, 1.1),
    ("Olivia", "Bennett", 7, 450, None, 1.0),
    ("Nathan", "Cole", 7, 200, None, 0.9),
    ("Victoria", "Hale", 3, 2400, None, 1.0),
    ("Gregory", "Sims", 6, 1700, None, 0.85),
]
#: the salesperson on leave: no sale in the last ON_LEAVE_DAYS days
ON_LEAVE = ("Jordan", "Blake")
ON_LEAVE_DAYS = 78
#: a new salesperson's first days are training: no sale
TRAINING_DAYS = 10
#: (make, model, body style, share hybrid (-1: electric), base MSRP today, weight, used only)
MODELS: list[tuple[str, str, str, float, float, int, bool]] = [
    ("Toyota", "Camry", "Sedan", 0.25, 28900, 7, False),
    ("Toyota", "Corolla", "Sedan", 0.1, 23100, 7, False),
    ("Toyota", "RAV4", "SUV", 0.3, 31200, 11, False),
    ("Toyota", "Tacoma", "Truck", 0.0, 33800, 5, False),
    ("Toyota", "Highlander", "SUV", 0.15, 41500, 4, False),
    ("Toyota", "Prius", "Hatchback", 1.0, 28600, 2, False),
    ("Honda", "Civic", "Sedan", 0.1, 24700, 7, False),
    ("Honda", "Accord", "Sedan", 0.15, 29800, 5, False),
    ("Honda", "CR-V", "SUV", 0.2, 31900, 9, False),
    ("Honda", "Pilot", "SUV", 0.0, 40900, 3, False),
    ("Ford", "F-150", "Truck", 0.05, 44500, 13, False),
    ("Ford", "Escape", "SUV", 0.1, 29900, 4, False),
    ("Ford", "Explorer", "SUV", 0.0, 39800, 4, False),
    ("Ford", "Mustang", "Coupe", 0.0, 33400, 2, False),
    ("Chevrolet", "Silverado 1500", "Truck", 0.0, 43900, 7, False),
    ("Chevrolet", "Equinox", "SUV", 0.0, 28700, 5, False),
    ("Chevrolet", "Malibu", "Sedan", 0.0, 25600, 3, False),
    ("Chevrolet", "Tahoe", "SUV", 0.0, 58400, 3, False),
    ("Chevrolet", "Bolt EV", "Hatchback", -1.0, 27800, 1, False),
    ("Nissan", "Altima", "Sedan", 0.0, 27200, 4, False),
    ("Nissan", "Rogue", "SUV", 0.0, 29700, 5, False),
    ("Nissan", "Sentra", "Sedan", 0.0, 21700, 3, False),
    ("Hyundai", "Elantra", "Sedan", 0.15, 22300, 4, False),
    ("Hyundai", "Tucson", "SUV", 0.2, 29300, 4, False),
    ("Hyundai", "Santa Fe", "SUV", 0.1, 33500, 2, False),
    ("Hyundai", "Ioniq 5", "SUV", -1.0, 43600, 2, False),
    ("Subaru", "Outback", "Wagon", 0.0, 30900, 3, False),
    ("Subaru", "Forester", "SUV", 0.0, 29800, 3, False),
    ("Subaru", "Crosstrek", "SUV", 0.0, 26700, 2, False),
    ("Jeep", "Wrangler", "SUV", 0.0, 36400, 4, False),
    ("Jeep", "Grand Cherokee", "SUV", 0.0, 42600, 3, False),
    ("Kia", "Telluride", "SUV", 0.0, 38900, 3, False),
    ("Kia", "Sorento", "SUV", 0.15, 32700, 2, False),
    ("Kia", "EV6", "SUV", -1.0, 44200, 1, False),
    ("Tesla", "Model 3", "Sedan", -1.0, 41300, 2, True),
    ("Tesla", "Model Y", "SUV", -1.0, 46400, 2, True),
    ("BMW", "3 Series", "Sedan", 0.0, 46700, 2, False),
    ("BMW", "X5", "SUV", 0.0, 67800, 1, False),
    ("Ram", "1500", "Truck", 0.0, 45900, 4, False),
]
COLORS = [("White", 24), ("Black", 20), ("Gray", 18), ("Silver", 14), ("Blue", 10),
          ("Red", 9), ("Green", 3), ("Orange", 2)]
#: dealership (1-based) -> (city, state, zip prefix) of the metro area its buyers live in
METROS: dict[int, list[tuple[str, str, str]]] = {
    1: [("Austin", "TX", "787"), ("Round Rock", "TX", "786"), ("San Marcos", "TX", "786"),
        ("Georgetown", "TX", "786")],
    2: [("Dallas", "TX", "752"), ("Plano", "TX", "750"), ("Irving", "TX", "750"),
        ("Fort Worth", "TX", "761")],
    3: [("Phoenix", "AZ", "850"), ("Scottsdale", "AZ", "852"), ("Mesa", "AZ", "852"),
        ("Tempe", "AZ", "852")],
    4: [("Denver", "CO", "802"), ("Aurora", "CO", "800"), ("Boulder", "CO", "803"),
        ("Lakewood", "CO", "802")],
    5: [("Nashville", "TN", "372"), ("Franklin", "TN", "370"), ("Murfreesboro", "TN", "371")],
    6: [("Kansas City", "MO", "641"), ("Overland Park", "KS", "662"),
        ("Independence", "MO", "640"), ("Olathe", "KS", "660")],
    7: [("Columbus", "OH", "432"), ("Dublin", "OH", "430"), ("Westerville", "OH", "430")],
}
#: buyers from further away
ELSEWHERE = [("Albuquerque", "NM", "871"), ("Oklahoma City", "OK", "731"),
             ("Louisville", "KY", "402"), ("Omaha", "NE", "681"), ("Tulsa", "OK", "741")]
AREA_CODES = {"TX": ["512", "214", "972", "817"], "AZ": ["602", "480"], "CO": ["303", "720"],
              "TN": ["615", "629"], "MO": ["816"], "KS": ["913"], "OH": ["614"],
              "NM": ["505"], "OK": ["405", "918"], "KY": ["502"], "NE": ["402"]}
FIRST_NAMES = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty",
    "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul",
    "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda",
    "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Jose", "Rebecca",
    "Juan", "Sharon", "Miguel", "Laura", "Wei", "Cynthia", "Raj", "Priya", "Hiroshi", "Aaliyah",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Chen", "Singh",
    "Okafor", "Kowalski", "Yamamoto", "Murphy", "Sullivan", "Bauer",
]
STREETS = ["Oak", "Maple", "Cedar", "Pine", "Elm", "Main", "Park", "Lake", "Hill", "Ridge",
           "Sunset", "Meadow", "Willow", "Cherry", "Highland", "Mesa", "Prairie", "River"]
STREET_KINDS = ["St", "Ave", "Dr", "Ln", "Blvd", "Ct", "Way"]
#: (service type, weight, labor cost range, parts cost range, for electric cars too)
SERVICES: list[tuple[str, int, tuple[int, int], tuple[int, int], bool]] = [
    ("Oil Change", 38, (35, 55), (28, 72), False),
    ("Tire Rotation", 18, (30, 50), (0, 0), True),
    ("Brake Service", 9, (140, 320), (110, 420), True),
    ("State Inspection", 10, (25, 40), (0, 0), True),
    ("Battery Replacement", 5, (40, 65), (150, 260), False),
    ("Wheel Alignment", 8, (90, 140), (0, 0), True),
    ("Detailing", 7, (120, 260), (15, 40), True),
    ("Diagnostics", 5, (95, 180), (0, 120), True),
]
#: relative sales by calendar month
SEASON = [0.85, 0.9, 1.05, 1.05, 1.1, 1.1, 1.05, 1.05, 1.0, 0.95, 0.95, 1.2]
#: cars received per day by a dealership of weight 1 (before season and growth)
ARRIVALS_PER_DAY = 0.36
SCHEDULED_AHEAD = 21
BALANCE_DAYS = 14

SCHEMA = """
CREATE TABLE dealerships (
    dealership_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    region TEXT NOT NULL,
    opened_on DATE NOT NULL
);
CREATE TABLE salespersons (
    salesperson_id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    hire_date DATE NOT NULL,
    termination_date DATE,
    dealership_id INTEGER NOT NULL
);
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    zip_code TEXT,
    signup_date DATE NOT NULL
);
CREATE TABLE cars (
    car_id INTEGER PRIMARY KEY,
    vin TEXT NOT NULL UNIQUE,
    make TEXT NOT NULL,
    model TEXT NOT NULL,
    year INTEGER NOT NULL,
    body_style TEXT NOT NULL,
    color TEXT NOT NULL,
    fuel_type TEXT NOT NULL,
    condition TEXT NOT NULL,
    mileage INTEGER NOT NULL,
    msrp REAL NOT NULL,
    dealership_id INTEGER NOT NULL,
    date_received DATE NOT NULL
);
CREATE TABLE sales (
    sale_id INTEGER PRIMARY KEY,
    car_id INTEGER NOT NULL,
    salesperson_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    sale_price REAL NOT NULL,
    sale_date DATE NOT NULL
);
CREATE TABLE payments_received (
    payment_id INTEGER PRIMARY KEY,
    sale_id INTEGER NOT NULL,
    payment_date DATE NOT NULL,
    payment_amount REAL NOT NULL,
    payment_method TEXT NOT NULL
);
CREATE TABLE inventory_snapshots (
    snapshot_id INTEGER PRIMARY KEY,
    snapshot_date DATE NOT NULL,
    car_id INTEGER NOT NULL,
    is_in_inventory INTEGER NOT NULL
);
CREATE TABLE service_appointments (
    appointment_id INTEGER PRIMARY KEY,
    car_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    dealership_id INTEGER NOT NULL,
    appointment_date DATE NOT NULL,
    service_type TEXT NOT NULL,
    status TEXT NOT NULL,
    labor_cost REAL,
    parts_cost REAL
);
"""

#: customers who signed up and never bought
LEADS = 520
VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def create_dealership_database(path: Path, *, seed: int = 6,
                               today: dt.date | None = None) -> None:
    """Write the dealership group's database to ``path`` (replaced if it exists).

    The same seed and ``today`` always give the same rows.
    """
    today = today or dt.date.today()
    rng = random.Random(f"{seed}:{today.isoformat()}")
    tables = _Builder(rng, today).build()
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


class _Car:
    __slots__ = ("body", "color", "condition", "dealership", "fuel", "make", "mileage", "model",
                 "msrp", "received", "sold", "vin", "year")

    def __init__(self) -> None:
        self.sold: dt.date | None = None


class _Builder:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        # The history starts on 1 January two years back, so both past years are whole.
        self.start = dt.date(today.year - 2, 1, 1)
        self.opened = [opened or today - dt.timedelta(days=OPENED_DAYS_AGO)
                       for _, _, _, _, opened, _ in DEALERSHIPS]
        self.hired = [today - dt.timedelta(days=s[3]) for s in SALESPERSONS]
        self.left = [today - dt.timedelta(days=s[4]) if s[4] is not None else None
                     for s in SALESPERSONS]
        self.vins: set[str] = set()

    # ------------------------------------------------------------------ build

    def build(self) -> dict[str, list[tuple[object, ...]]]:
        cars = self._cars()
        # Car ids follow the order cars arrived in, as a stock system's would.
        cars.sort(key=lambda c: (c.received, c.dealership, c.vin))
        sales = self._sales(cars)
        customers, buyers = self._customers(sales)
        sale_rows: list[tuple[object, ...]] = []
        payments: list[tuple[object, ...]] = []
        for sale_id, (car_id, person, price, day) in enumerate(sales, 1):
            sale_rows.append((sale_id, car_id, person + 1, buyers[sale_id - 1], price,
                              day.isoformat()))
            self._payments(payments, sale_id, price, day)
        return {
            "dealerships": [
                (n + 1, name, city, state, region, self.opened[n].isoformat())
                for n, (name, city, state, region, _, _) in enumerate(DEALERSHIPS)
            ],
            "salespersons": self._salespersons(),
            "customers": customers,
            "cars": [
                (n + 1, c.vin, c.make, c.model, c.year, c.body, c.color, c.fuel, c.condition,
                 c.mileage, c.msrp, c.dealership + 1, c.received.isoformat())
                for n, c in enumerate(cars)
            ],
            "sales": sale_rows,
            "payments_received": payments,
            "inventory_snapshots": self._snapshots(cars),
            "service_appointments": self._service(cars, sale_rows),
        }

    def _salespersons(self) -> list[tuple[object, ...]]:
        rng = self.rng
        rows: list[tuple[object, ...]] = []
        for n, (first, last, dealership, _, _, _) in enumerate(SALESPERSONS):
            domain = DEALERSHIPS[dealership - 1][0].lower().replace(" ", "")
            email = (f"{first.lower()}.{last.lower().replace(chr(39), '')}@{domain}.com"
                     if n % 11 != 7 else None)
            state = DEALERSHIPS[dealership - 1][2]
            phone = (f"({rng.choice(AREA_CODES[state])}) 555-{rng.randint(1000, 9999)}"
                     if n % 13 != 4 else None)
            left = self.left[n]
            rows.append((n + 1, first, last, email, phone, self.hired[n].isoformat(),
                         left.isoformat() if left else None, dealership))
        return rows

    # ------------------------------------------------------------------ cars

    def _cars(self) -> list[_Car]:
        rng, today = self.rng, self.today
        cars: list[_Car] = []
        first_day = self.start - dt.timedelta(days=150)
        for dealership, (*_, busy) in enumerate(DEALERSHIPS):
            day = max(first_day, self.opened[dealership] - dt.timedelta(days=25))
            while day <= today:
                years = (day - self.start).days / 365.25
                rate = ARRIVALS_PER_DAY * busy * SEASON[day.month - 1] * 1.07 ** years
                if day < self.opened[dealership]:
                    rate *= 1.6  # stocking the lot before the doors open
                while rng.random() < rate:
                    cars.append(self._car(dealership, day))
                    rate -= 1.0 if rate >= 1 else rate
                day += dt.timedelta(days=1)
        # A car that never found a buyer: an old Mustang on the Denver lot for over a year.
        aged = self._car(3, today - dt.timedelta(days=412), model=("Ford", "Mustang"))
        aged.condition, aged.year, aged.mileage, aged.color = "Used", today.year - 9, 88214, \
            "Orange"
        aged.msrp = 18950.0
        cars.append(aged)
        for car in cars:
            if car is aged:
                continue
            mean = 55 if car.condition == "New" else 38
            days = 2 + int(rng.expovariate(1 / mean))
            sold = max(car.received + dt.timedelta(days=days), self.opened[car.dealership])
            if sold.weekday() == 6:  # closed on Sundays: Saturday is the busy day
                earliest = max(car.received, self.opened[car.dealership])
                sold += dt.timedelta(days=-1 if sold > earliest else 1)
            if sold <= today:
                car.sold = sold
        # Cars sold before the history starts are not in the export.
        return [c for c in cars if c.sold is None or c.sold >= self.start]

    def _car(self, dealership: int, day: dt.date,
             model: tuple[str, str] | None = None) -> _Car:
        rng = self.rng
        if model is None:
            chosen = rng.choices(MODELS, weights=[m[5] for m in MODELS])[0]
        else:
            chosen = next(m for m in MODELS if (m[0], m[1]) == model)
        make, name, body, hybrid, base, _, used_only = chosen
        car = _Car()
        car.dealership, car.received = dealership, day
        car.make, car.model, car.body = make, name, body
        car.condition = "Used" if used_only or rng.random() < 0.36 else "New"
        car.color = _weighted(rng, COLORS)
        if hybrid < 0:
            car.fuel = "Electric"
        elif rng.random() < hybrid:
            car.fuel = "Hybrid"
        elif body == "Truck" and rng.random() < 0.08:
            car.fuel = "Diesel"
        else:
            car.fuel = "Gasoline"
        # Prices rose about 3.5% a year; a hybrid costs a little more.
        price = base / 1.035 ** ((self.today - day).days / 365.25)
        if car.fuel == "Hybrid":
            price += 2500
        if car.condition == "New":
            car.year = day.year + (1 if day.month >= 8 else 0)
            car.mileage = rng.randint(3, 60)
            price *= rng.uniform(1.0, 1.18)  # trim levels and options
        else:
            age = rng.choices(range(1, 10), weights=[14, 18, 17, 14, 11, 9, 7, 5, 5])[0]
            car.year = day.year - age
            car.mileage = max(800, int(age * rng.gauss(12500, 3200)))
            price *= 0.86 ** age * rng.uniform(0.95, 1.12)
        car.msrp = float(round(price / 5) * 5)
        car.vin = self._vin()
        return car

    def _vin(self) -> str:
        while True:
            vin = "".join(self.rng.choice(VIN_CHARACTERS) for _ in range(17))
            if vin not in self.vins:
                self.vins.add(vin)
                return vin

    # ------------------------------------------------------------------ sales

    def _sales(self, cars: list[_Car]) -> list[tuple[int, int, float, dt.date]]:
        """(car id, salesperson index, price, date) of every sale, in date order."""
        rng, today = self.rng, self.today
        leave_from = today - dt.timedelta(days=ON_LEAVE_DAYS)
        sales: list[tuple[int, int, float, dt.date]] = []
        for car_id, car in enumerate(cars, 1):
            day = car.sold
            if day is None:
                continue
            while True:
                staff = [
                    n for n, s in enumerate(SALESPERSONS)
                    if s[2] == car.dealership + 1
                    and self.hired[n] + dt.timedelta(days=TRAINING_DAYS) <= day
                    and (self.left[n] is None or day <= self.left[n])
                    and not ((s[0], s[1]) == ON_LEAVE and day >= leave_from)
                ]
                if staff and day.weekday() != 6:
                    break
                day += dt.timedelta(days=1)
            if day > today:
                car.sold = None
                continue
            car.sold = day
            person = rng.choices(staff, weights=[SALESPERSONS[n][5] for n in staff])[0]
            if car.condition == "New":
                ratio = rng.uniform(0.915, 1.0)
                if car.make in ("Kia", "Toyota") and rng.random() < 0.25:
                    ratio = rng.uniform(1.0, 1.04)  # the popular ones sell over sticker
            else:
                ratio = rng.uniform(0.9, 0.99)
            price = float(round(car.msrp * ratio / 10) * 10)
            sales.append((car_id, person, price, day))
        sales.sort(key=lambda s: (s[3], s[0]))
        return sales

    # ------------------------------------------------------------------ customers

    def _customers(
        self, sales: list[tuple[int, int, float, dt.date]]
    ) -> tuple[list[tuple[object, ...]], list[int]]:
        """The customers (ids in sign-up order) and the buyer of each sale."""
        rng, today = self.rng, self.today
        names = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(names)
        taken = iter(names)
        # Per customer: [first, last, dealership, signup date, last purchase date].
        people: list[list[object]] = []
        buyer_of: list[int] = []
        for _, person, _, day in sales:
            dealership = SALESPERSONS[person][2] - 1
            regulars = [n for n, p in enumerate(people)
                        if p[2] == dealership and isinstance(p[4], dt.date)
                        and (day - p[4]).days > 120]
            if regulars and rng.random() < 0.13:
                who = rng.choice(regulars)
            else:
                first, last = next(taken)
                lead_time = int(rng.expovariate(1 / 20)) if rng.random() < 0.85 \
                    else rng.randint(60, 900)
                people.append([first, last, dealership, day - dt.timedelta(days=lead_time),
                               None])
                who = len(people) - 1
            people[who][4] = day
            buyer_of.append(who)
        # Customers who signed up (a test drive, a quote, a newsletter) and never bought.
        span = (today - self.start).days + 400
        for _ in range(LEADS):
            first, last = next(taken)
            dealership = rng.choices(range(len(DEALERSHIPS)),
                                     weights=[d[5] for d in DEALERSHIPS])[0]
            signup = today - dt.timedelta(days=int(span * rng.random() ** 1.3))
            signup = max(signup, self.opened[dealership] - dt.timedelta(days=30))
            people.append([first, last, dealership, signup, None])
        order = sorted(range(len(people)), key=lambda n: (people[n][3], n))
        new_id = {old: new + 1 for new, old in enumerate(order)}
        rows: list[tuple[object, ...]] = []
        for old in order:
            first, last, dealership, signup, _ = people[old]
            assert isinstance(first, str) and isinstance(last, str)
            assert isinstance(dealership, int) and isinstance(signup, dt.date)
            customer_id = new_id[old]
            if rng.random() < 0.04:
                city, state, zip3 = rng.choice(ELSEWHERE)
            else:
                city, state, zip3 = rng.choice(METROS[dealership + 1])
            email = (f"{first.lower()}.{last.lower()}{customer_id}@"
                     f"{rng.choice(['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com'])}"
                     if rng.random() > 0.07 else None)
            phone = (f"({rng.choice(AREA_CODES[state])}) {rng.randint(200, 989)}-"
                     f"{rng.randint(1000, 9999)}" if rng.random() > 0.05 else None)
            address = (f"{rng.randint(100, 9899)} {rng.choice(STREETS)} "
                       f"{rng.choice(STREET_KINDS)}" if rng.random() > 0.03 else None)
            zip_code = f"{zip3}{rng.randint(1, 99):02d}" if address else None
            rows.append((customer_id, first, last, email, phone, address, city, state,
                         zip_code, signup.isoformat()))
        return rows, [new_id[b] for b in buyer_of]

    # ------------------------------------------------------------------ payments

    def _payments(self, payments: list[tuple[object, ...]], sale_id: int, price: float,
                  day: dt.date) -> None:
        rng, today = self.rng, self.today

        def pay(when: dt.date, amount: float, method: str) -> None:
            if when <= today and amount > 0:
                payments.append((len(payments) + 1, sale_id, when.isoformat(),
                                 round(amount, 2), method))

        if rng.random() < 0.07:
            pay(day, price, rng.choice(["cash", "bank_transfer", "check"]))
            return
        deposit = float(rng.choice([500, 1000, 1000, 1500, 2000, 2500, 3000, 5000]))
        deposit = min(deposit, float(int(price / 2000) * 500) or 500.0)
        pay(day, deposit, _weighted(rng, [("credit_card", 45), ("debit_card", 20),
                                          ("cash", 20), ("check", 15)]))
        method = _weighted(rng, [("financing", 58), ("bank_transfer", 17), ("check", 14),
                                 ("cash", 7), ("credit_card", 4)])
        if method == "financing":
            when = day + dt.timedelta(days=rng.randint(2, BALANCE_DAYS))
        else:
            when = day + dt.timedelta(days=rng.randint(0, 6))
        pay(when, price - deposit, method)

    # ------------------------------------------------------------------ inventory

    def _snapshots(self, cars: list[_Car]) -> list[tuple[object, ...]]:
        rows: list[tuple[object, ...]] = []
        month = self.start
        previous = dt.date(month.year - 1, 12, 1)
        while month <= self.today:
            for car_id, car in enumerate(cars, 1):
                if car.received >= month:
                    continue
                if car.sold is None or car.sold >= month:
                    rows.append((len(rows) + 1, month.isoformat(), car_id, 1))
                elif car.sold >= previous:
                    rows.append((len(rows) + 1, month.isoformat(), car_id, 0))
            previous = month
            month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return rows

    # ------------------------------------------------------------------ service

    def _service(self, cars: list[_Car],
                 sales: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        rng, today = self.rng, self.today
        last = today + dt.timedelta(days=SCHEDULED_AHEAD)
        visits: list[tuple[int, int, int, dt.date, str]] = []
        for _, car_id, _, customer_id, _, sold in sales:
            assert isinstance(car_id, int) and isinstance(customer_id, int)
            assert isinstance(sold, str)
            car = cars[car_id - 1]
            electric = car.fuel == "Electric"
            day = dt.date.fromisoformat(sold) + dt.timedelta(
                days=30 + int(rng.expovariate(1 / 150)))
            # A quarter of the buyers never come back for service.
            regular = rng.random() < 0.75
            while regular and day <= last:
                if day.weekday() == 6:
                    day += dt.timedelta(days=1)
                options = [(name, weight) for name, weight, _, _, ev in SERVICES
                           if ev or not electric]
                visits.append((car_id, customer_id, car.dealership + 1, day,
                               _weighted(rng, options)))
                day += dt.timedelta(days=60 + int(rng.expovariate(1 / 130)))
        visits.sort(key=lambda v: (v[3], v[0]))
        rows: list[tuple[object, ...]] = []
        costs = {name: (labor, parts) for name, _, labor, parts, _ in SERVICES}
        for n, (car_id, customer_id, dealership, day, service) in enumerate(visits, 1):
            if day >= today:
                status = "Scheduled"
            else:
                status = _weighted(rng, [("Completed", 85), ("Cancelled", 9), ("No-show", 6)])
            labor: float | None = None
            parts: float | None = None
            if status == "Completed":
                (low, high), (parts_low, parts_high) = costs[service]
                labor = float(round(rng.uniform(low, high), 2))
                parts = float(round(rng.uniform(parts_low, parts_high), 2))
            rows.append((n, car_id, customer_id, dealership, day.isoformat(), service, status,
                         labor, parts))
        return rows
