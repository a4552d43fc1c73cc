"""The fourth blind question file is sound: it loads, covers every kind, meets its size,
every reference SQL runs on a freshly generated database and returns rows, ordered cases
have an ORDER BY without a tie at their cut, case ids are unique across every question set,
and the veterinary database is deterministic, consistent and declares no foreign key."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).parent
QUESTIONS = HERE.parent
# The shared harness lives one folder up, next to the tuned sets.
sys.path[:0] = [str(QUESTIONS), str(HERE)]

from file_checks import (  # noqa: E402
    assert_ids_unique,
    assert_no_tie_at_the_cut,
    assert_ordered_have_order_by,
    assert_placeholders_filled,
    assert_returns_rows,
    made_on_first_use,
    sql_params,
)
from harness import KINDS, Case, SQLiteReference, Turn, load_cases  # noqa: E402
from veterinary_dataset import create_veterinary_database  # noqa: E402

TODAY = dt.date.today()
BLIND = HERE / "veterinary.yaml"
MINIMUM_TURNS = 70
MINIMUM_FOLLOWUPS = 12
CASES = load_cases(BLIND, today=TODAY)

SQL_TURNS = sql_params(CASES)
ORDERED_SQL_TURNS = sql_params(CASES, ordered_only=True)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blind4") / "veterinary.db"
    create_veterinary_database(path, today=TODAY)
    return path


@pytest.fixture(scope="module")
def reference(database: Path) -> SQLiteReference:
    return SQLiteReference(database)


def test_set_meets_minimums() -> None:
    turns = [turn for case in CASES for turn in case.turns]
    assert len(turns) >= MINIMUM_TURNS
    assert sum(turn.kind == "followup" for turn in turns) >= MINIMUM_FOLLOWUPS
    assert all(2 <= len(case.turns) <= 4 for case in CASES if case.is_conversation)


def test_set_covers_every_kind() -> None:
    covered = {turn.kind for case in CASES for turn in case.turns}
    assert covered == KINDS, sorted(KINDS - covered)


def test_ids_are_unique_across_all_sets() -> None:
    assert_ids_unique(TODAY)


def test_placeholders_are_all_filled() -> None:
    assert_placeholders_filled(CASES)


def test_ordered_turns_have_an_order_by() -> None:
    assert_ordered_have_order_by(CASES, "sqlite")


@pytest.mark.parametrize(("case", "index", "turn"), SQL_TURNS)
def test_reference_sql_returns_rows(
    case: Case, index: int, turn: Turn, reference: SQLiteReference
) -> None:
    if (TODAY.month, TODAY.day) == (1, 1) and "this year" in turn.question.lower():
        pytest.skip("on 1 January nothing is billed yet this year")
    assert_returns_rows(case, index, turn, reference)


@pytest.fixture(scope="module")
def the_day_before(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], SQLiteReference]:
    """The data drawn for yesterday, made only when today's ties at a cut."""

    def make() -> SQLiteReference:
        path = tmp_path_factory.mktemp("blind4-eve") / "veterinary.db"
        create_veterinary_database(path, today=TODAY - dt.timedelta(days=1))
        return SQLiteReference(path)

    return made_on_first_use(make)


@pytest.mark.parametrize(("case", "index", "turn"), ORDERED_SQL_TURNS)
def test_ordered_limit_has_no_tie_at_the_cut(
    case: Case, index: int, turn: Turn, reference: SQLiteReference,
    the_day_before: Callable[[], SQLiteReference],
) -> None:
    assert_no_tie_at_the_cut(case, index, turn, reference, "sqlite", numbers_as_text=True,
                             another_day=the_day_before)


SUMMARY = (
    "SELECT COUNT(*), SUM(weight_kg), MAX(date_of_birth) FROM pets "
    "UNION ALL SELECT COUNT(*), SUM(vet_id), MAX(appt_date || status) FROM appointments "
    "UNION ALL SELECT COUNT(*), SUM(quantity * unit_price_gbp), MAX(treatment_id) "
    "FROM appointment_charges "
    "UNION ALL SELECT COUNT(*), SUM(claim_amount_gbp), MAX(settled_on) FROM insurance_claims "
    "UNION ALL SELECT COUNT(*), SUM(marketing_opt_in), MAX(full_name) FROM owners"
)


def test_veterinary_database_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    create_veterinary_database(first, today=TODAY)
    create_veterinary_database(second, today=TODAY)
    assert SQLiteReference(first).query(SUMMARY) == SQLiteReference(second).query(SUMMARY)


@pytest.mark.parametrize(
    ("description", "sql"),
    [
        ("the appointments cover two whole past years and run up to today",
         "SELECT MIN(appt_date) < date('now', 'start of year', '-2 years', '+7 days') "
         "AND MAX(appt_date) > date('now') FROM appointments"),
        ("every reference by name resolves",
         "SELECT (SELECT COUNT(*) FROM vets WHERE clinic_id NOT IN "
         "(SELECT clinic_id FROM clinics)) + (SELECT COUNT(*) FROM pets WHERE owner_id NOT IN "
         "(SELECT owner_id FROM owners)) + (SELECT COUNT(*) FROM appointments WHERE pet_id "
         "NOT IN (SELECT pet_id FROM pets) OR vet_id NOT IN (SELECT vet_id FROM vets) OR "
         "clinic_id NOT IN (SELECT clinic_id FROM clinics)) + (SELECT COUNT(*) FROM "
         "appointment_charges WHERE appointment_id NOT IN (SELECT appointment_id FROM "
         "appointments) OR treatment_id NOT IN (SELECT treatment_id FROM treatments)) + "
         "(SELECT COUNT(*) FROM insurance_claims WHERE appointment_id NOT IN "
         "(SELECT appointment_id FROM appointments)) = 0"),
        ("an appointment's clinic is its vet's clinic, open and with the vet hired",
         "SELECT COUNT(*) = 0 FROM appointments a JOIN vets v ON v.vet_id = a.vet_id "
         "JOIN clinics c ON c.clinic_id = a.clinic_id WHERE v.clinic_id <> a.clinic_id "
         "OR a.appt_date < c.opened_on OR a.appt_date < v.hired_on"),
        ("appointments before today are settled, from today on booked",
         "SELECT COUNT(*) = 0 FROM appointments WHERE (appt_date < date('now')) "
         "<> (status IN ('Completed', 'Cancelled', 'No-show')) "
         "OR status NOT IN ('Completed', 'Cancelled', 'No-show', 'Booked')"),
        ("exactly the completed appointments have charges",
         "SELECT COUNT(*) = 0 FROM appointments a WHERE (a.status = 'Completed') <> "
         "EXISTS (SELECT 1 FROM appointment_charges ch "
         "WHERE ch.appointment_id = a.appointment_id)"),
        ("routine appointments are not on Sundays",
         "SELECT COUNT(*) = 0 FROM appointments "
         "WHERE strftime('%w', appt_date) = '0' AND appt_type <> 'Emergency'"),
        ("a claim is for a completed appointment of an insured pet, to its insurer",
         "SELECT COUNT(*) = 0 FROM insurance_claims ic "
         "JOIN appointments a ON a.appointment_id = ic.appointment_id "
         "JOIN pets p ON p.pet_id = a.pet_id WHERE a.status <> 'Completed' "
         "OR p.insurer IS NULL OR p.insurer <> ic.insurer OR ic.submitted_on <= a.appt_date"),
        ("only paid and rejected claims are settled, after they were submitted",
         "SELECT COUNT(*) = 0 FROM insurance_claims WHERE (settled_on IS NOT NULL) <> "
         "(claim_status IN ('Paid', 'Rejected')) OR settled_on < submitted_on"),
        ("a claim is the bill less the excess",
         "SELECT COUNT(*) = 0 FROM insurance_claims ic WHERE ABS(ic.claim_amount_gbp + 99 - "
         "(SELECT SUM(quantity * unit_price_gbp) FROM appointment_charges ch "
         "WHERE ch.appointment_id = ic.appointment_id)) > 0.05"),
        ("nothing but bookings is dated after today",
         "SELECT (SELECT MAX(registered_on) FROM owners) <= date('now') "
         "AND (SELECT MAX(date_of_birth) FROM pets) <= date('now') "
         "AND (SELECT MAX(submitted_on) FROM insurance_claims) <= date('now') "
         "AND (SELECT MAX(settled_on) FROM insurance_claims) <= date('now') "
         "AND (SELECT MAX(appt_date) FROM appointments WHERE status <> 'Booked') < date('now')"),
        ("the named pets are the only ones of their names",
         "SELECT COUNT(*) = 6 FROM pets WHERE pet_name IN "
         "('Biscuit', 'Pepper', 'Miso', 'Clover', 'Sage', 'Hamish')"),
        ("owners' names are unique",
         "SELECT COUNT(*) = COUNT(DISTINCT full_name) FROM owners"),
        ("vets' names are unique",
         "SELECT COUNT(*) = COUNT(DISTINCT vet_name) FROM vets"),
    ],
)
def test_veterinary_database_shape(description: str, sql: str, database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        (holds,) = connection.execute(sql).fetchone()
    finally:
        connection.close()
    assert holds == 1, description


def test_no_relationship_is_declared(database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        declared = [
            (table, row)
            for table in tables
            for row in connection.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        ]
    finally:
        connection.close()
    assert len(tables) == 8
    assert declared == []
