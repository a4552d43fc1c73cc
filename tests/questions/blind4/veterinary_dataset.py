"""A group of veterinary practices in SQLite, shaped unlike the other question databases.

Its habits are those of a practice-management system's export: plain snake_case tables,
money in pounds with the unit in the column name (``unit_price_gbp``, ``claim_amount_gbp``),
other units too (``weight_kg``, ``duration_min``), codes next to names (``clinic_code``,
``treatment_code``, ``claim_ref``, ``microchip_no``), a status column on appointments and on
insurance claims, flags stored as 0 / 1, and **no declared foreign key at all**: every
relationship is an ordinary ``<thing>_id`` column named like the primary key it refers to.

| table | rows | columns |
|---|---|---|
| ``clinics`` | 8 | clinic_id PK, clinic_code, clinic_name, city, region, opened_on, exam_rooms |
| ``vets`` | 30 | vet_id PK, clinic_id, vet_name, specialty, hired_on, fte |
| ``owners`` | ≈ 2,050 | owner_id PK, full_name, email, phone, city, postcode, registered_on,
  marketing_opt_in |
| ``pets`` | ≈ 3,100 | pet_id PK, owner_id, pet_name, species, breed, sex, date_of_birth,
  weight_kg, neutered, microchip_no, insurer (null when uninsured) |
| ``treatments`` | 30 | treatment_id PK, treatment_code, treatment_name, category,
  list_price_gbp |
| ``appointments`` | ≈ 12,000 | appointment_id PK, pet_id, vet_id, clinic_id, appt_date,
  start_time, appt_type, status, duration_min, booked_via |
| ``appointment_charges`` | ≈ 19,500 | charge_id PK, appointment_id, treatment_id, quantity,
  unit_price_gbp |
| ``insurance_claims`` | ≈ 900 | claim_id PK, claim_ref, appointment_id, insurer,
  submitted_on, claim_amount_gbp, claim_status, settled_on |

Appointments run from 1 January two years back to today and the next two weeks or so; only
emergencies are seen on Sundays. Those before today are ``Completed``, ``Cancelled`` or
``No-show``; those from today on are ``Booked``. Only completed appointments have charges; a
charge's price is the treatment's list price of its day (prices rose about 5% a year,
``list_price_gbp`` is today's). An appointment's clinic is always its vet's clinic, and no
appointment is dated before its clinic opened or its vet was hired. Claims are made for
completed appointments of insured pets, to the pet's insurer, for the bill less a £99
excess; ``Paid`` and ``Rejected`` claims have ``settled_on``, ``Submitted`` and ``Approved``
ones do not. Six named pets of four named owners (Biscuit and Pepper of Margaret
Hughes-Whitley, Miso, Clover, Sage, Hamish) are always there, and come in often.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

BOOKED_AHEAD = 14
EXCESS_GBP = 99.0

#: (code, name, city, region, days before today it opened (None: long before), exam rooms)
CLINICS = [
    ("LDS-HDY", "Headingley", "Leeds", "North", None, 4),
    ("LDS-CHA", "Chapel Allerton", "Leeds", "North", None, 3),
    ("MAN-DID", "Didsbury", "Manchester", "North", None, 5),
    ("BRS-CLF", "Clifton", "Bristol", "South West", None, 4),
    ("OXF-JER", "Jericho", "Oxford", "South East", None, 3),
    ("PME-SSE", "Southsea", "Portsmouth", "South East", 720, 3),
    ("EDI-STB", "Stockbridge", "Edinburgh", "Scotland", None, 4),
    ("BHM-KHT", "Kings Heath", "Birmingham", "Midlands", 430, 3),
]
#: how busy each clinic is, relative to the others
CLINIC_WEIGHT = [1.2, 0.8, 1.4, 1.1, 0.8, 0.9, 1.0, 1.0]
#: (name, clinic number (1-based), specialty, days before today hired, fte)
VETS = [
    ("Sarah Whitfield", 1, "General Practice", 2900, 1.0),
    ("James Okafor", 1, "Surgery", 2100, 1.0),
    ("Emma Clarke", 1, "General Practice", 1500, 0.8),
    ("Rhys Morgan", 1, "Dentistry", 620, 1.0),
    ("Hannah Patel", 2, "General Practice", 2600, 1.0),
    ("Tom Brennan", 2, "General Practice", 1800, 0.6),
    ("Aisha Rahman", 2, "Dermatology", 900, 0.8),
    ("David Kowalski", 3, "General Practice", 3300, 1.0),
    ("Lucy Fairbairn", 3, "Surgery", 2500, 1.0),
    ("Mohammed Iqbal", 3, "General Practice", 1700, 1.0),
    ("Chloe Dawson", 3, "Exotics", 1300, 0.8),
    ("Ben Ashworth", 3, "General Practice", 380, 1.0),
    ("Olivia Grant", 4, "General Practice", 3100, 1.0),
    ("Matthew Price", 4, "Surgery", 1900, 1.0),
    ("Grace Nwosu", 4, "Cardiology", 1200, 0.6),
    ("Ellie Turner", 4, "General Practice", 560, 0.8),
    ("Peter Lindqvist", 5, "General Practice", 2700, 1.0),
    ("Natalie Shaw", 5, "Dentistry", 1400, 0.8),
    ("Oscar Bell", 5, "General Practice", 800, 1.0),
    ("Fiona MacLeod", 6, "General Practice", 720, 1.0),
    ("Jack Harding", 6, "Surgery", 700, 1.0),
    ("Zara Ahmed", 6, "General Practice", 300, 0.6),
    ("Callum Reid", 7, "General Practice", 3000, 1.0),
    ("Isla Murray", 7, "Exotics", 1600, 1.0),
    ("Euan Fraser", 7, "Surgery", 1100, 1.0),
    ("Kirsty Duncan", 7, "General Practice", 450, 0.8),
    ("Amrit Sandhu", 8, "General Practice", 430, 1.0),
    ("Laura Bennett", 8, "Surgery", 430, 1.0),
    ("Daniel Osei", 8, "General Practice", 250, 0.8),
    ("Megan Hollis", 8, "Dentistry", 140, 1.0),
]
#: (code, name, category, list price in GBP today)
TREATMENTS = [
    ("CON-STD", "Standard consultation", "Consultation", 52.0),
    ("CON-FUP", "Follow-up consultation", "Consultation", 28.0),
    ("CON-EMG", "Emergency consultation", "Consultation", 185.0),
    ("VAC-PRI", "Primary vaccination course", "Vaccination", 96.0),
    ("VAC-BST", "Annual booster", "Vaccination", 68.0),
    ("VAC-KC", "Kennel cough vaccine", "Vaccination", 42.0),
    ("VAC-RAB", "Rabbit myxo-RHD vaccine", "Vaccination", 58.0),
    ("DIA-BLD", "Blood panel", "Diagnostics", 124.0),
    ("DIA-XRY", "X-ray", "Diagnostics", 215.0),
    ("DIA-USS", "Ultrasound scan", "Diagnostics", 240.0),
    ("DIA-URN", "Urinalysis", "Diagnostics", 46.0),
    ("DIA-ECG", "ECG", "Diagnostics", 165.0),
    ("DEN-SCP", "Dental scale and polish", "Dental", 345.0),
    ("DEN-EXT", "Tooth extraction", "Dental", 64.0),
    ("SUR-SPD", "Spay (dog)", "Surgery", 395.0),
    ("SUR-SPC", "Spay (cat)", "Surgery", 149.0),
    ("SUR-CSD", "Castration (dog)", "Surgery", 299.0),
    ("SUR-CSC", "Castration (cat)", "Surgery", 99.0),
    ("SUR-LMP", "Lump removal", "Surgery", 480.0),
    ("SUR-FBR", "Foreign body removal", "Surgery", 1450.0),
    ("SUR-CRU", "Cruciate ligament repair", "Surgery", 2650.0),
    ("ANA-GEN", "General anaesthetic", "Anaesthesia", 185.0),
    ("HOS-DAY", "Hospitalisation (per day)", "Hospitalisation", 95.0),
    ("MED-ABX", "Antibiotics (course)", "Medication", 32.0),
    ("MED-PNK", "Pain relief (course)", "Medication", 27.0),
    ("MED-FLE", "Flea and worm treatment", "Medication", 24.0),
    ("MED-DRM", "Dermatology medication", "Medication", 48.0),
    ("MED-CRD", "Cardiac medication (month)", "Medication", 62.0),
    ("PRC-NCL", "Nail clip", "Procedure", 15.0),
    ("PRC-MCH", "Microchipping", "Procedure", 25.0),
]
CODE = {code: n + 1 for n, (code, *_rest) in enumerate(TREATMENTS)}
PRICE = {code: price for code, _, _, price in TREATMENTS}
#: species -> (weight, breeds with weights, adult weight range in kg, visits per year)
SPECIES: dict[str, tuple[int, list[tuple[str, int]], tuple[float, float], float]] = {
    "Dog": (47, [("Labrador Retriever", 16), ("Cocker Spaniel", 8), ("Border Collie", 7),
                 ("French Bulldog", 8), ("Staffordshire Bull Terrier", 7), ("Dachshund", 6),
                 ("Golden Retriever", 6), ("Cockapoo", 11), ("German Shepherd", 5),
                 ("Jack Russell Terrier", 6), ("Crossbreed", 14)], (6.0, 38.0), 2.6),
    "Cat": (38, [("Domestic Shorthair", 55), ("Domestic Longhair", 12), ("British Shorthair", 10),
                 ("Maine Coon", 6), ("Ragdoll", 7), ("Bengal", 5), ("Siamese", 5)],
            (3.0, 7.5), 1.7),
    "Rabbit": (7, [("Lop", 45), ("Netherland Dwarf", 25), ("Lionhead", 30)], (1.2, 3.5), 1.4),
    "Guinea Pig": (3, [("American", 60), ("Abyssinian", 40)], (0.7, 1.3), 1.0),
    "Bird": (2, [("Budgerigar", 50), ("Cockatiel", 35), ("African Grey", 15)], (0.03, 0.5),
             0.8),
    "Reptile": (3, [("Bearded Dragon", 50), ("Leopard Gecko", 30), ("Corn Snake", 20)],
                (0.05, 0.6), 0.8),
}
PET_NAMES = [
    "Bella", "Luna", "Milo", "Charlie", "Poppy", "Max", "Daisy", "Teddy", "Coco", "Bailey",
    "Willow", "Oscar", "Ruby", "Alfie", "Rosie", "Archie", "Molly", "Buster", "Nala", "Loki",
    "Simba", "Maisie", "Tilly", "Ollie", "Pickle", "Bonnie", "Hugo", "Ziggy", "Bramble",
    "Smudge", "Jasper", "Honey", "Pippin", "Olive", "Rolo", "Mabel", "Winston", "Cleo",
    "Marley", "Dexter", "Pumpkin", "Sooty", "Hazel", "Toffee", "Juno", "Fudge", "Nutmeg",
    "Peanut", "Kiwi", "Storm",
]
FIRST_NAMES = [
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy",
    "Leo", "Freya", "Arthur", "Lily", "Muhammad", "Florence", "Oscar", "Evie", "Charlie",
    "Rosie", "Jacob", "Grace", "Thomas", "Sophie", "William", "Emily", "Joshua", "Ella",
    "Alfie", "Poppy", "Samuel", "Chloe", "Daniel", "Zara", "Ethan", "Megan", "Adam", "Holly",
    "Ryan", "Niamh", "Liam", "Ruth", "Peter", "Janet", "Stephen", "Carol", "Gareth", "Wendy",
    "Anil", "Deepa",
]
LAST_NAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Campbell", "Stewart", "Kelly",
    "Murphy", "Hughes", "Edwards", "Ward", "Turner", "Baker", "Harris", "Cooper", "Hill",
    "Moore", "Martin", "Young", "Allen", "King", "Scott",
]
#: (name, share of insured pets)
INSURERS = [("Petplan", 38), ("Animal Friends", 22), ("ManyPets", 18), ("Agria", 12),
            ("Direct Line", 10)]
#: share of pets of each species with insurance
INSURED = {"Dog": 0.48, "Cat": 0.32, "Rabbit": 0.08, "Guinea Pig": 0.02, "Bird": 0.02,
           "Reptile": 0.04}
#: appointment type -> weight (for a dog or cat; small animals have fewer surgeries)
APPT_TYPES = [("Consultation", 40), ("Vaccination", 21), ("Follow-up", 15), ("Dental", 6),
              ("Surgery", 9), ("Emergency", 5), ("Nail Clip", 4)]
POSTCODE_AREAS = {"Leeds": "LS", "Manchester": "M", "Bristol": "BS", "Oxford": "OX",
                  "Portsmouth": "PO", "Edinburgh": "EH", "Birmingham": "B"}
#: owners every generated database holds, so questions can name them:
#: (full name, city, days before today registered, pets as (name, species, breed, sex,
#:  age in days, weight in kg, neutered, insurer))
NAMED_OWNERS = [
    ("Margaret Hughes-Whitley", "Leeds", 2400,
     [("Biscuit", "Dog", "Labrador Retriever", "M", 3300, 34.5, 1, "Petplan"),
      ("Pepper", "Dog", "Border Collie", "F", 1400, 19.2, 1, "Petplan")]),
    ("Tomasz Nowak", "Manchester", 1500,
     [("Miso", "Cat", "Bengal", "M", 1900, 5.4, 1, "ManyPets")]),
    ("Priya Chandrasekar", "Bristol", 800,
     [("Clover", "Rabbit", "Lop", "F", 1100, 2.6, 1, None),
      ("Sage", "Rabbit", "Lop", "F", 1100, 2.4, 1, None)]),
    ("Fergus Mackintosh", "Edinburgh", 2900,
     [("Hamish", "Dog", "Golden Retriever", "M", 3900, 36.8, 1, "Agria")]),
]

SCHEMA = """
CREATE TABLE clinics (
    clinic_id INTEGER PRIMARY KEY,
    clinic_code TEXT NOT NULL UNIQUE,
    clinic_name TEXT NOT NULL,
    city TEXT NOT NULL,
    region TEXT NOT NULL,
    opened_on DATE NOT NULL,
    exam_rooms INTEGER NOT NULL
);
CREATE TABLE vets (
    vet_id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL,
    vet_name TEXT NOT NULL,
    specialty TEXT NOT NULL,
    hired_on DATE NOT NULL,
    fte REAL NOT NULL
);
CREATE TABLE owners (
    owner_id INTEGER PRIMARY KEY,
    full_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    city TEXT NOT NULL,
    postcode TEXT NOT NULL,
    registered_on DATE NOT NULL,
    marketing_opt_in INTEGER NOT NULL
);
CREATE TABLE pets (
    pet_id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    pet_name TEXT NOT NULL,
    species TEXT NOT NULL,
    breed TEXT NOT NULL,
    sex TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    weight_kg REAL NOT NULL,
    neutered INTEGER NOT NULL,
    microchip_no TEXT,
    insurer TEXT
);
CREATE TABLE treatments (
    treatment_id INTEGER PRIMARY KEY,
    treatment_code TEXT NOT NULL UNIQUE,
    treatment_name TEXT NOT NULL,
    category TEXT NOT NULL,
    list_price_gbp REAL NOT NULL
);
CREATE TABLE appointments (
    appointment_id INTEGER PRIMARY KEY,
    pet_id INTEGER NOT NULL,
    vet_id INTEGER NOT NULL,
    clinic_id INTEGER NOT NULL,
    appt_date DATE NOT NULL,
    start_time TEXT NOT NULL,
    appt_type TEXT NOT NULL,
    status TEXT NOT NULL,
    duration_min INTEGER NOT NULL,
    booked_via TEXT NOT NULL
);
CREATE TABLE appointment_charges (
    charge_id INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL,
    treatment_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_gbp REAL NOT NULL
);
CREATE TABLE insurance_claims (
    claim_id INTEGER PRIMARY KEY,
    claim_ref TEXT NOT NULL UNIQUE,
    appointment_id INTEGER NOT NULL,
    insurer TEXT NOT NULL,
    submitted_on DATE NOT NULL,
    claim_amount_gbp REAL NOT NULL,
    claim_status TEXT NOT NULL,
    settled_on DATE
);
"""

OWNERS = 2050


def create_veterinary_database(path: Path, *, seed: int = 4,
                               today: dt.date | None = None) -> None:
    """Write the practice group's database to ``path`` (replaced if it exists).

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


class _Builder:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        # The history starts on 1 January two years back, so both past years are whole.
        self.start = dt.date(today.year - 2, 1, 1)
        self.clinic_opened = [
            today - dt.timedelta(days=offset) if offset is not None
            else dt.date(2009 + n, 3 + n, 1)
            for n, (_, _, _, _, offset, _) in enumerate(CLINICS)
        ]
        self.vet_hired = [today - dt.timedelta(days=v[3]) for v in VETS]
        self.owners: list[tuple[object, ...]] = []
        self.pets: list[tuple[object, ...]] = []
        self.appointments: list[tuple[object, ...]] = []
        self.charges: list[tuple[object, ...]] = []
        self.claims: list[tuple[object, ...]] = []

    def build(self) -> dict[str, list[tuple[object, ...]]]:
        rng = self.rng
        named = {name for name, *_ in NAMED_OWNERS}
        names = [n for n in (f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES)
                 if n not in named]
        generated = rng.sample(names, OWNERS)
        rows: list[tuple[str, int | None, dt.date, list[tuple[object, ...]] | None]] = []
        for full_name in generated:
            clinic = rng.choices(range(len(CLINICS)), weights=CLINIC_WEIGHT)[0]
            earliest = max(self.clinic_opened[clinic], self.today - dt.timedelta(days=3200))
            span = max(1, (self.today - earliest).days)
            # Half the clients registered before the period, the rest through it.
            registered = earliest + dt.timedelta(days=int(span * rng.random() ** 0.8))
            rows.append((full_name, clinic, registered, None))
        for full_name, city, offset, pets in NAMED_OWNERS:
            clinic = next(n for n, c in enumerate(CLINICS) if c[2] == city)
            rows.append((full_name, clinic, self.today - dt.timedelta(days=offset), pets))
        # Owner ids follow registration order, as a practice system's would.
        rows.sort(key=lambda row: (row[2], row[0]))
        for full_name, clinic, registered, pets in rows:
            assert clinic is not None
            self._owner(full_name, clinic, registered, pets)
        return {
            "clinics": [
                (n + 1, code, name, city, region, self.clinic_opened[n].isoformat(), rooms)
                for n, (code, name, city, region, _, rooms) in enumerate(CLINICS)
            ],
            "vets": [
                (n + 1, clinic, name, specialty, self.vet_hired[n].isoformat(), fte)
                for n, (name, clinic, specialty, _, fte) in enumerate(VETS)
            ],
            "owners": self.owners,
            "pets": self.pets,
            "treatments": [(n + 1, *row) for n, row in enumerate(TREATMENTS)],
            "appointments": self.appointments,
            "appointment_charges": self.charges,
            "insurance_claims": self.claims,
        }

    def _owner(self, full_name: str, clinic: int, registered: dt.date,
               pets: list[tuple[object, ...]] | None) -> None:
        rng = self.rng
        owner_id = len(self.owners) + 1
        city = CLINICS[clinic][2]
        area = POSTCODE_AREAS[city]
        postcode = (f"{area}{rng.randint(1, 28)} {rng.randint(1, 9)}"
                    f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")
        first, last = full_name.split(" ", 1)
        email = (f"{first.lower()}.{last.lower().replace('-', '')}{owner_id}@example.co.uk"
                 if rng.random() > 0.06 else None)
        phone = f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}" \
            if rng.random() > 0.03 else None
        self.owners.append((owner_id, full_name, email, phone, city, postcode,
                            registered.isoformat(), 1 if rng.random() < 0.41 else 0))
        named = pets is not None
        if pets is None:
            count = rng.choices([1, 2, 3, 4], weights=[64, 26, 8, 2])[0]
            pets = [self._random_pet(registered) for _ in range(count)]
        else:
            pets = [(name, species, breed, sex, self.today - dt.timedelta(days=int(age)),
                     weight, neutered, insurer)
                    for name, species, breed, sex, age, weight, neutered, insurer in pets]
        for pet in pets:
            self._pet(owner_id, clinic, registered, pet, regular=named)

    def _random_pet(self, registered: dt.date) -> tuple[object, ...]:
        rng = self.rng
        species = _weighted(rng, [(s, v[0]) for s, v in SPECIES.items()])
        _, breeds, (low, high), _ = SPECIES[species]
        breed = _weighted(rng, breeds)
        lifespan = {"Dog": 5000, "Cat": 6000, "Rabbit": 3000, "Guinea Pig": 2200,
                    "Bird": 4500, "Reptile": 4000}[species]
        # Pets were born up to a few years before their owner registered, or after.
        born = registered + dt.timedelta(days=rng.randint(-lifespan // 2, 700))
        born = min(born, self.today - dt.timedelta(days=30))
        weight = round(rng.uniform(low, high), 2 if high < 2 else 1)
        neutered = 1 if rng.random() < (0.72 if species in ("Dog", "Cat", "Rabbit") else 0.0) \
            else 0
        insurer = (_weighted(rng, INSURERS) if rng.random() < INSURED[species] else None)
        return (rng.choice(PET_NAMES), species, breed, rng.choice("MF"), born, weight,
                neutered, insurer)

    def _pet(self, owner_id: int, clinic: int, registered: dt.date,
             pet: tuple[object, ...], *, regular: bool = False) -> None:
        rng, today = self.rng, self.today
        name, species, breed, sex, born, weight, neutered, insurer = pet
        assert isinstance(born, dt.date) and isinstance(species, str)
        pet_id = len(self.pets) + 1
        chipped = species in ("Dog", "Cat") or rng.random() < 0.2
        microchip = f"9410000{rng.randint(10000000, 99999999)}" if chipped else None
        self.pets.append((pet_id, owner_id, name, species, breed, sex, born.isoformat(), weight,
                          neutered, microchip, insurer))
        # The named pets are regulars: several visits every year.
        rate = SPECIES[species][3] * (2.5 if regular else 1.0)
        first = max(registered, born, self.start, self.clinic_opened[clinic])
        last = today + dt.timedelta(days=BOOKED_AHEAD)
        day = first + dt.timedelta(days=int(rng.expovariate(rate / 365)))
        while day <= last:
            at = clinic if rng.random() < 0.9 else rng.randrange(len(CLINICS))
            if self.clinic_opened[at] > day:
                at = clinic
            if self.clinic_opened[at] <= day:
                self._appointment(pet_id, species, at, day, insurer)
            day += dt.timedelta(days=max(1, int(rng.expovariate(rate / 365))))

    def _appointment(self, pet_id: int, species: str, clinic: int, day: dt.date,
                     insurer: object) -> None:
        rng, today = self.rng, self.today
        small = species not in ("Dog", "Cat")
        kinds = [(k, w // 3 if small and k in ("Surgery", "Dental") else w)
                 for k, w in APPT_TYPES]
        appt_type = _weighted(rng, kinds)
        if day.weekday() == 6 and appt_type != "Emergency":
            # Closed to routine patients on Sundays: booked on another day that week.
            day += dt.timedelta(days=rng.randint(1, 6))
        candidates = [n for n, v in enumerate(VETS)
                      if v[1] == clinic + 1 and self.vet_hired[n] <= day]
        if not candidates:
            return
        wanted = {"Surgery": "Surgery", "Dental": "Dentistry"}.get(appt_type)
        if small and rng.random() < 0.6:
            wanted = "Exotics"
        specialists = [n for n in candidates if VETS[n][2] == wanted]
        vet = rng.choice(specialists) if specialists and rng.random() < 0.7 \
            else rng.choice(candidates)
        if day >= today:
            status = "Booked"
        else:
            status = rng.choices(["Completed", "Cancelled", "No-show"], weights=[88, 7, 5])[0]
            if appt_type == "Emergency":
                status = "Completed"
        duration = {"Consultation": 15, "Vaccination": 15, "Follow-up": 10, "Nail Clip": 10,
                    "Emergency": rng.choice([30, 45, 60]), "Dental": rng.choice([60, 90]),
                    "Surgery": rng.choice([60, 90, 120, 180])}[appt_type]
        if appt_type == "Consultation" and rng.random() < 0.2:
            duration = 30
        hour = rng.randint(8, 17) if appt_type != "Emergency" else rng.randint(7, 22)
        start = f"{hour:02d}:{rng.choice(['00', '15', '30', '45'])}"
        via = ("Phone" if appt_type == "Emergency" and rng.random() < 0.7 else
               rng.choices(["Phone", "Online", "Walk-in"], weights=[50, 44, 6])[0])
        # Online booking grew over the years.
        history = (today - self.start).days
        if via == "Online" and rng.random() < 0.4 * (today - day).days / history:
            via = "Phone"
        appointment_id = len(self.appointments) + 1
        self.appointments.append((appointment_id, pet_id, vet + 1, clinic + 1, day.isoformat(),
                                  start, appt_type, status, duration, via))
        if status == "Completed":
            total = self._charges(appointment_id, appt_type, species, day)
            if insurer is not None and total > 150 and rng.random() < 0.8:
                self._claim(appointment_id, str(insurer), day, total)

    def _charges(self, appointment_id: int, appt_type: str, species: str,
                 day: dt.date) -> float:
        rng = self.rng
        lines: list[tuple[str, int]] = []
        dog, cat = species == "Dog", species == "Cat"
        if appt_type == "Consultation":
            lines.append(("CON-STD", 1))
            if rng.random() < 0.35:
                lines.append((rng.choice(["MED-ABX", "MED-PNK", "MED-DRM"]), 1))
            if rng.random() < 0.18:
                lines.append((rng.choice(["DIA-BLD", "DIA-URN", "DIA-XRY", "DIA-USS"]), 1))
            if rng.random() < 0.04 and dog:
                lines.append(("DIA-ECG", 1))
                lines.append(("MED-CRD", rng.randint(1, 3)))
        elif appt_type == "Vaccination":
            if species == "Rabbit":
                lines.append(("VAC-RAB", 1))
            elif dog or cat:
                lines.append(("VAC-PRI" if rng.random() < 0.18 else "VAC-BST", 1))
                if dog and rng.random() < 0.3:
                    lines.append(("VAC-KC", 1))
            else:
                lines.append(("CON-STD", 1))
            if rng.random() < 0.3:
                lines.append(("MED-FLE", rng.randint(1, 3)))
            if rng.random() < 0.05:
                lines.append(("PRC-MCH", 1))
        elif appt_type == "Follow-up":
            lines.append(("CON-FUP", 1))
            if rng.random() < 0.2:
                lines.append((rng.choice(["MED-ABX", "MED-PNK"]), 1))
        elif appt_type == "Nail Clip":
            lines.append(("PRC-NCL", 1))
        elif appt_type == "Dental":
            lines.append(("ANA-GEN", 1))
            lines.append(("DEN-SCP", 1))
            if rng.random() < 0.55:
                lines.append(("DEN-EXT", rng.randint(1, 6)))
            lines.append(("MED-PNK", 1))
        elif appt_type == "Surgery":
            lines.append(("ANA-GEN", 1))
            if dog:
                options = [("SUR-SPD", 30), ("SUR-CSD", 28), ("SUR-LMP", 22), ("SUR-FBR", 10),
                           ("SUR-CRU", 10)]
            elif cat:
                options = [("SUR-SPC", 40), ("SUR-CSC", 35), ("SUR-LMP", 15), ("SUR-FBR", 10)]
            else:
                options = [("SUR-LMP", 60), ("SUR-CSC", 40)]
            procedure = _weighted(rng, options)
            lines.append((procedure, 1))
            if procedure in ("SUR-FBR", "SUR-CRU") or rng.random() < 0.2:
                lines.append(("HOS-DAY", rng.randint(1, 4)))
            lines.append(("MED-PNK", 1))
            if rng.random() < 0.5:
                lines.append(("MED-ABX", 1))
        else:  # Emergency
            lines.append(("CON-EMG", 1))
            for extra in ("DIA-XRY", "DIA-BLD", "DIA-USS"):
                if rng.random() < 0.35:
                    lines.append((extra, 1))
            if rng.random() < 0.4:
                lines.append(("HOS-DAY", rng.randint(1, 3)))
            lines.append((rng.choice(["MED-PNK", "MED-ABX"]), 1))
        # Prices rose about 5% a year; a charge carries the price of its day.
        years_ago = (self.today - day).days / 365.25
        factor = 1 / (1.05 ** years_ago)
        total = 0.0
        for code, quantity in lines:
            price = round(PRICE[code] * factor, 2)
            self.charges.append((len(self.charges) + 1, appointment_id, CODE[code], quantity,
                                 price))
            total += price * quantity
        return round(total, 2)

    def _claim(self, appointment_id: int, insurer: str, day: dt.date, total: float) -> None:
        rng, today = self.rng, self.today
        submitted = day + dt.timedelta(days=rng.randint(1, 12))
        if submitted > today:
            return
        amount = round(total - EXCESS_GBP, 2)
        settled: dt.date | None = None
        status = "Submitted"
        if (today - submitted).days > 10:
            status = rng.choices(["Paid", "Rejected", "Approved"], weights=[80, 12, 8])[0]
            if status != "Approved":
                settled = submitted + dt.timedelta(days=rng.randint(5, 40))
                if settled > today:
                    settled, status = None, "Submitted"
        claim_id = len(self.claims) + 1
        self.claims.append((claim_id, f"CLM-{day.year}-{claim_id:05d}", appointment_id, insurer,
                            submitted.isoformat(), amount, status,
                            settled.isoformat() if settled else None))

