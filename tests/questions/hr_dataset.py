"""A people-operations database in SQLite, shaped unlike the demo dataset on purpose.

The engine has to cope with habits real schemas have: singular table names, abbreviations
(``emp_id``, ``dept_name``), a few camelCase columns (``jobTitle``, ``hireDate``), dates
stored as ISO text, a self-reference (``employee.manager_id``) and one table
(``assignment``) whose relationships are not declared and must be inferred from names.

| table | rows | columns |
|---|---|---|
| ``office`` | 6 | office_id PK, office_name, city, country |
| ``department`` | 8 | dept_id PK, dept_name, cost_center, budget |
| ``employee`` | 600 | emp_id PK, emp_name, email, jobTitle, gender, hireDate, termDate, salary,
  emp_type, dept_id FK, office_id FK, manager_id FK → employee |
| ``project`` | 40 | project_id PK, project_name, dept_id FK, status, start_date, end_date, budget |
| ``assignment`` | ≈ 1,200 | assignment_id PK, emp_id, project_id, role, hours, assigned_on |
| ``leave_record`` | ≈ 1,500 | leave_id PK, emp_id FK, leave_type, start_date, end_date, days |
| ``perf_review`` | ≈ 2,800 | review_id PK, emp_id FK, reviewer_id FK, review_date, score |
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

OFFICES = [
    (1, "London HQ", "London", "United Kingdom"),
    (2, "Berlin Hub", "Berlin", "Germany"),
    (3, "New York Office", "New York", "United States"),
    (4, "Austin Office", "Austin", "United States"),
    (5, "Toronto Office", "Toronto", "Canada"),
    (6, "Singapore Office", "Singapore", "Singapore"),
]
#: (id, name, cost center, yearly budget, relative headcount, salary base)
DEPARTMENTS = [
    (1, "Engineering", "CC-100", 9_000_000, 30, 95_000),
    (2, "Sales", "CC-200", 5_000_000, 18, 70_000),
    (3, "Marketing", "CC-300", 2_500_000, 9, 68_000),
    (4, "Finance", "CC-400", 1_800_000, 7, 80_000),
    (5, "Human Resources", "CC-500", 1_200_000, 6, 62_000),
    (6, "Customer Support", "CC-600", 2_000_000, 14, 48_000),
    (7, "Legal", "CC-700", 1_100_000, 4, 105_000),
    (8, "Operations", "CC-800", 2_200_000, 12, 58_000),
]
TITLES = {
    "Engineering": ["Software Engineer", "Senior Software Engineer", "QA Engineer",
                    "Data Engineer", "Engineering Manager"],
    "Sales": ["Account Executive", "Sales Development Rep", "Sales Manager"],
    "Marketing": ["Marketing Specialist", "Content Writer", "Marketing Manager"],
    "Finance": ["Accountant", "Financial Analyst", "Finance Manager"],
    "Human Resources": ["HR Generalist", "Recruiter", "HR Manager"],
    "Customer Support": ["Support Agent", "Support Team Lead"],
    "Legal": ["Legal Counsel", "Paralegal"],
    "Operations": ["Operations Analyst", "Office Manager", "Operations Manager"],
}
FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Benjamin", "Harper", "Leo", "Evelyn", "Henry", "Aria", "Jack",
    "Chloe", "Samuel", "Priya", "Arjun", "Yuki", "Hiro", "Fatima", "Omar", "Ingrid", "Lars",
    "Chen", "Mei", "Carlos", "Lucia", "Tomasz", "Zofia", "Kwame", "Ama", "Noor", "Ravi",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez",
    "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Thompson",
    "White", "Harris", "Clark", "Lewis", "Walker", "Young", "King", "Wright", "Scott", "Green",
    "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Schmidt", "Muller",
    "Tanaka", "Sato", "Patel", "Sharma", "Nowak", "Kowalski", "Mensah", "Haddad", "Okafor",
]
PROJECT_WORDS = [
    "Apollo", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
    "Juniper", "Keystone", "Lumen", "Meridian", "Nimbus", "Orion", "Pioneer", "Quartz",
    "Redwood", "Summit", "Titan",
]
LEAVE_TYPES = [("Vacation", 55), ("Sick", 25), ("Parental", 5), ("Unpaid", 5), ("Training", 10)]
ROLES = ["Lead", "Contributor", "Reviewer", "Advisor"]

SCHEMA = """
CREATE TABLE office (
    office_id INTEGER PRIMARY KEY,
    office_name TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL
);
CREATE TABLE department (
    dept_id INTEGER PRIMARY KEY,
    dept_name TEXT NOT NULL UNIQUE,
    cost_center TEXT NOT NULL,
    budget REAL NOT NULL
);
CREATE TABLE employee (
    emp_id INTEGER PRIMARY KEY,
    emp_name TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    jobTitle TEXT NOT NULL,
    gender TEXT NOT NULL,
    hireDate TEXT NOT NULL,
    termDate TEXT,
    salary REAL NOT NULL,
    emp_type TEXT NOT NULL,
    dept_id INTEGER NOT NULL REFERENCES department (dept_id),
    office_id INTEGER NOT NULL REFERENCES office (office_id),
    manager_id INTEGER REFERENCES employee (emp_id)
);
CREATE TABLE project (
    project_id INTEGER PRIMARY KEY,
    project_name TEXT NOT NULL UNIQUE,
    dept_id INTEGER NOT NULL REFERENCES department (dept_id),
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    budget REAL NOT NULL
);
-- No declared foreign keys: emp_id and project_id are related by name only.
CREATE TABLE assignment (
    assignment_id INTEGER PRIMARY KEY,
    emp_id INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    hours REAL NOT NULL,
    assigned_on TEXT NOT NULL
);
CREATE TABLE leave_record (
    leave_id INTEGER PRIMARY KEY,
    emp_id INTEGER NOT NULL REFERENCES employee (emp_id),
    leave_type TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    days INTEGER NOT NULL
);
CREATE TABLE perf_review (
    review_id INTEGER PRIMARY KEY,
    emp_id INTEGER NOT NULL REFERENCES employee (emp_id),
    reviewer_id INTEGER REFERENCES employee (emp_id),
    review_date TEXT NOT NULL,
    score REAL NOT NULL
);
"""

EMPLOYEES = 600


def create_hr_database(path: Path, *, seed: int = 11, today: dt.date | None = None) -> None:
    """Write the people-operations database to ``path`` (replaced if it exists).

    The same seed and ``today`` always give the same rows; dates are relative to ``today``
    (hires over the ten years before it, leave and reviews over the last three years).
    """
    today = today or dt.date.today()
    rng = random.Random(seed)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        connection.executemany("INSERT INTO office VALUES (?, ?, ?, ?)", OFFICES)
        connection.executemany(
            "INSERT INTO department VALUES (?, ?, ?, ?)",
            [(d[0], d[1], d[2], float(d[3])) for d in DEPARTMENTS],
        )
        employees = _employees(rng, today)
        connection.executemany(
            "INSERT INTO employee VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", employees
        )
        projects = _projects(rng, today)
        connection.executemany("INSERT INTO project VALUES (?, ?, ?, ?, ?, ?, ?)", projects)
        connection.executemany(
            "INSERT INTO assignment VALUES (?, ?, ?, ?, ?, ?)",
            _assignments(rng, employees, projects, today),
        )
        connection.executemany(
            "INSERT INTO leave_record VALUES (?, ?, ?, ?, ?, ?)", _leaves(rng, employees, today)
        )
        connection.executemany(
            "INSERT INTO perf_review VALUES (?, ?, ?, ?, ?)", _reviews(rng, employees, today)
        )
        connection.commit()
    finally:
        connection.close()


Row = tuple[object, ...]


def _employees(rng: random.Random, today: dt.date) -> list[Row]:
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    weights = [d[4] for d in DEPARTMENTS]
    rows: list[Row] = []
    managers: dict[int, int] = {}  # dept_id -> the department head's emp_id
    for emp_id in range(1, EMPLOYEES + 1):
        # The first eight employees head the eight departments.
        dept = DEPARTMENTS[emp_id - 1] if emp_id <= len(DEPARTMENTS) else rng.choices(
            DEPARTMENTS, weights
        )[0]
        dept_id, dept_name, base = dept[0], dept[1], dept[5]
        name = names[emp_id - 1]
        titles = TITLES[dept_name]
        title = titles[-1] if emp_id <= len(DEPARTMENTS) else rng.choice(titles[:-1] or titles)
        hire = today - dt.timedelta(days=rng.randint(30, 3650))
        if emp_id <= len(DEPARTMENTS):
            hire = today - dt.timedelta(days=rng.randint(2500, 3650))
        term = None
        if emp_id > len(DEPARTMENTS) and rng.random() < 0.12:
            term_day = hire + dt.timedelta(days=rng.randint(60, max(61, (today - hire).days)))
            term = min(term_day, today - dt.timedelta(days=1)).isoformat()
        seniority = (today - hire).days / 3650
        salary = round(base * (0.8 + 0.6 * seniority + rng.random() * 0.3), -2)
        if title.endswith("Manager") or emp_id <= len(DEPARTMENTS):
            salary = round(salary * 1.45, -2)
        emp_type = rng.choices(["Full-time", "Part-time", "Contractor"], [82, 8, 10])[0]
        if emp_type == "Part-time":
            salary = round(salary * 0.55, -2)
        office_id = rng.choices([o[0] for o in OFFICES], [30, 18, 22, 12, 10, 8])[0]
        gender = rng.choices(["Female", "Male", "Non-binary"], [47, 50, 3])[0]
        manager_id = None if emp_id <= len(DEPARTMENTS) else managers[dept_id]
        if emp_id <= len(DEPARTMENTS):
            managers[dept_id] = emp_id
        email = name.lower().replace(" ", ".") + "@example.com"
        rows.append((emp_id, name, email, title, gender, hire.isoformat(), term, salary,
                     emp_type, dept_id, office_id, manager_id))
    return rows


def _projects(rng: random.Random, today: dt.date) -> list[Row]:
    rows: list[Row] = []
    for project_id in range(1, 41):
        word = PROJECT_WORDS[(project_id - 1) % len(PROJECT_WORDS)]
        name = f"Project {word}" if project_id <= 20 else f"{word} Phase II"
        dept_id = rng.choices([d[0] for d in DEPARTMENTS], [10, 4, 5, 2, 2, 3, 1, 4])[0]
        start = today - dt.timedelta(days=rng.randint(60, 1000))
        status = rng.choices(["Active", "Completed", "On Hold"], [50, 35, 15])[0]
        end = None
        if status == "Completed":
            end = min(start + dt.timedelta(days=rng.randint(60, 400)), today).isoformat()
        budget = float(rng.randint(50, 1200) * 1_000)
        rows.append((project_id, name, dept_id, status, start.isoformat(), end, budget))
    return rows


def _assignments(
    rng: random.Random, employees: list[Row], projects: list[Row], today: dt.date
) -> list[Row]:
    rows: list[Row] = []
    assignment_id = 0
    for project in projects:
        project_id, dept_id, start = project[0], project[2], dt.date.fromisoformat(str(project[4]))
        same_dept = [e for e in employees if e[9] == dept_id]
        others = [e for e in employees if e[9] != dept_id]
        team = rng.sample(same_dept, min(len(same_dept), rng.randint(12, 35)))
        team += rng.sample(others, rng.randint(3, 12))
        for position, employee in enumerate(team):
            assignment_id += 1
            role = "Lead" if position == 0 else rng.choices(ROLES[1:], [70, 20, 10])[0]
            on = start + dt.timedelta(days=rng.randint(0, max(0, (today - start).days)))
            hours = float(rng.randint(4, 400) if role != "Advisor" else rng.randint(2, 40))
            rows.append((assignment_id, employee[0], project_id, role, hours, on.isoformat()))
    return rows


def _leaves(rng: random.Random, employees: list[Row], today: dt.date) -> list[Row]:
    rows: list[Row] = []
    types, weights = zip(*LEAVE_TYPES, strict=True)
    for leave_id in range(1, 1501):
        employee = rng.choice(employees)
        kind = rng.choices(types, weights)[0]
        days = {"Parental": rng.randint(20, 90), "Sick": rng.randint(1, 5)}.get(
            kind, rng.randint(1, 12)
        )
        start = today - dt.timedelta(days=rng.randint(0, 3 * 365))
        end = start + dt.timedelta(days=days - 1)
        rows.append((leave_id, employee[0], kind, start.isoformat(), end.isoformat(), days))
    return rows


def _reviews(rng: random.Random, employees: list[Row], today: dt.date) -> list[Row]:
    rows: list[Row] = []
    review_id = 0
    # Reviews happen in June and December; every employee employed then gets one.
    cycles = []
    for year in range(today.year - 3, today.year + 1):
        for month in (6, 12):
            day = dt.date(year, month, 15)
            if today - dt.timedelta(days=3 * 365) <= day <= today:
                cycles.append(day)
    for day in cycles:
        for employee in employees:
            hired, term = str(employee[5]), employee[6]
            if hired > day.isoformat() or (term is not None and str(term) < day.isoformat()):
                continue
            review_id += 1
            score = round(min(5.0, max(1.0, rng.gauss(3.5, 0.7))), 1)
            held = min(day + dt.timedelta(days=rng.randint(0, 10)), today)
            rows.append((review_id, employee[0], employee[11], held.isoformat(), score))
    return rows
