"""Negation through relationships: a negated value one-to-many away is "no related row has
it" (NOT EXISTS of the positive condition), and the relation filters ``none`` / ``some``
ask whether related rows exist. Checked by running the SQL on real databases."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from parley.engine.semantic.compiler import compile_query
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import SemanticQuery
from parley.errors import InvalidInput
from parley.sources.connect import connect
from tests.engine.semantic.test_compiler import Execute, run

#: Students with allergies (through a link table to allergy types) and clubs (through a
#: link table of memberships). Dee has no allergy; Cid and Dee are in no club; Ann has a
#: food and an animal allergy, so "some allergy that is not food" holds for her while
#: "no food allergy" does not; the Robotics club has no members.
SCHEMA = """
CREATE TABLE students (stu_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, dorm TEXT);
CREATE TABLE allergy_types (allergy TEXT PRIMARY KEY, allergy_type TEXT);
CREATE TABLE has_allergy (stu_id INTEGER REFERENCES students(stu_id),
                          allergy TEXT REFERENCES allergy_types(allergy));
CREATE TABLE clubs (club_id INTEGER PRIMARY KEY, club_name TEXT);
CREATE TABLE memberships (stu_id INTEGER REFERENCES students(stu_id),
                          club_id INTEGER REFERENCES clubs(club_id));
INSERT INTO students VALUES (1, 'Ann', 20, 'A'), (2, 'Bob', 19, 'A'), (3, 'Cid', 22, 'B'),
                            (4, 'Dee', 18, 'B'), (5, 'Eve', 21, 'B');
INSERT INTO allergy_types VALUES ('Peanut', 'food'), ('Milk', 'food'), ('Cat', 'animal'),
                                 ('Pollen', 'environmental');
INSERT INTO has_allergy VALUES (1, 'Peanut'), (1, 'Cat'), (2, 'Cat'), (3, 'Milk'),
                               (5, 'Pollen');
INSERT INTO clubs VALUES (1, 'Chess'), (2, 'Drama'), (3, 'Robotics');
INSERT INTO memberships VALUES (1, 1), (2, 1), (2, 2), (5, 2);
"""


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ontology, Path]]:
    path = Path(tmp_path_factory.mktemp("related")) / "school.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    source = connect(f"sqlite:///{path}", name="school")
    ontology = derive_ontology(source.introspect(), source="school")
    source.close()
    yield ontology, path


def rows(school: tuple[Ontology, Path], **query: Any) -> list[tuple[Any, ...]]:
    ontology, path = school
    compiled = compile_query(SemanticQuery.model_validate(query), ontology, dialect="sqlite")
    with sqlite3.connect(path) as connection:
        return [tuple(row) for row in connection.execute(compiled.sql)]


def names(**filters: Any) -> dict[str, Any]:
    return {"list_object": "students", "list_fields": ["students.name"], **filters}


def f(field: str, op: str, *values: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "values": list(values)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A negated value one-to-many away: no related row has it.
        (names(filters=[f("allergy_types.allergy_type", "ne", "food")]),
         [("Bob",), ("Dee",), ("Eve",)]),
        (names(filters=[f("allergy_types.allergy_type", "not_in", "food", "animal")]),
         [("Dee",), ("Eve",)]),
        # A positive value stays "some related row has it".
        (names(filters=[f("allergy_types.allergy_type", "eq", "food")]), [("Ann",), ("Cid",)]),
        # Each negation gets its own NOT EXISTS, beside the positive group's EXISTS.
        (names(filters=[f("allergy_types.allergy_type", "eq", "animal"),
                        f("allergy_types.allergy_type", "ne", "food")]), [("Bob",)]),
        # "Not NULL" one-to-many away is a related row with a value.
        (names(filters=[f("allergy_types.allergy_type", "ne", None)]),
         [("Ann",), ("Bob",), ("Cid",), ("Eve",)]),
        # On the rows' own column, a negation stays in WHERE.
        (names(filters=[f("students.dorm", "ne", "A")]), [("Cid",), ("Dee",), ("Eve",)]),
        # Relation filters, directly and through a link table.
        (names(filters=[f("has_allergy", "none")]), [("Dee",)]),
        (names(filters=[f("allergy_types", "none")]), [("Dee",)]),
        (names(filters=[f("clubs", "none")]), [("Cid",), ("Dee",)]),
        (names(filters=[f("memberships", "some")]), [("Ann",), ("Bob",), ("Eve",)]),
        (names(filters=[f("clubs", "none"), f("has_allergy", "some")]), [("Cid",)]),
        (names(filters=[f("clubs", "some"), f("allergy_types.allergy_type", "ne", "animal")]),
         [("Eve",)]),
        ({"list_object": "clubs", "list_fields": ["clubs.club_name"],
          "filters": [f("students", "none")]}, [("Robotics",)]),
        # Counts, aggregates and groups take them alike.
        ({"metrics": [{"aggregation": "count", "field": "students"}],
          "filters": [f("has_allergy", "none")]}, [(1,)]),
        ({"metrics": [{"aggregation": "count", "field": "students"}],
          "filters": [f("allergy_types.allergy_type", "ne", "food")]}, [(3,)]),
        ({"metrics": [{"aggregation": "avg", "field": "students.age"}],
          "filters": [f("clubs", "none")]}, [(20.0,)]),
        ({"metrics": [{"aggregation": "count", "field": "students"}],
          "dimensions": [{"field": "students.dorm"}],
          "filters": [f("allergy_types.allergy_type", "ne", "food")],
          "order": [{"key": "dorm", "descending": False}]}, [("A", 1), ("B", 2)]),
        # From a row that refers to the student: the student's clubs, past a many-to-one.
        ({"metrics": [{"aggregation": "count", "field": "has_allergy"}],
          "filters": [f("clubs", "none")]}, [(1,)]),
    ],
)
def test_negation_and_relation_filters(school: tuple[Ontology, Path], query: dict[str, Any],
                                       expected: list[tuple[Any, ...]]) -> None:
    assert sorted(rows(school, **query)) == sorted(expected)


def test_a_negation_one_to_many_away_is_a_not_exists(school: tuple[Ontology, Path]) -> None:
    ontology, _ = school
    query = SemanticQuery.model_validate(
        names(filters=[f("allergy_types.allergy_type", "ne", "food"), f("clubs", "none")]))
    sql = compile_query(query, ontology, dialect="sqlite").sql
    assert sql.count("NOT EXISTS") == 2
    assert "allergy_types.allergy_type = 'food'" in sql
    assert "<>" not in sql


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (f("clubs", "none", "Chess"), "takes no values"),
        (f("clubs.club_name", "none"), "names an object (such as 'clubs')"),
        (f("teachers", "some"), "is not one"),
        (f("students", "none"), "not students itself"),
        (f("students.name", "eq"), "needs 1 value"),
    ],
)
def test_bad_relation_filters_are_invalid_input(school: tuple[Ontology, Path], bad: dict[str, Any],
                                                message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        rows(school, **names(filters=[bad]))


def apart(field: str, op: str, *values: Any) -> dict[str, Any]:
    return {**f(field, op, *values), "apart": True}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Together, one related row must be both: no allergy is food and animal.
        (names(filters=[f("allergy_types.allergy_type", "eq", "food"),
                        f("allergy_types.allergy_type", "eq", "animal")]), []),
        # Apart, each by a row of its own: Ann has a food and an animal allergy.
        (names(filters=[apart("allergy_types.allergy_type", "eq", "food"),
                        apart("allergy_types.allergy_type", "eq", "animal")]), [("Ann",)]),
        (names(filters=[apart("clubs.club_name", "eq", "Chess"),
                        apart("clubs.club_name", "eq", "Drama")]), [("Bob",)]),
        # Beside a condition on the rows' own column, and in a count.
        (names(filters=[apart("clubs.club_name", "eq", "Chess"),
                        apart("clubs.club_name", "eq", "Drama"), f("students.dorm", "eq", "B")]),
         []),
        ({"metrics": [{"aggregation": "count", "field": "students"}],
          "filters": [apart("allergy_types.allergy_type", "eq", "food"),
                      apart("allergy_types.allergy_type", "eq", "animal")]}, [(1,)]),
    ],
)
def test_conditions_met_apart_by_related_rows(
    school: tuple[Ontology, Path], query: dict[str, Any], expected: list[tuple[Any, ...]]
) -> None:
    assert sorted(rows(school, **query)) == sorted(expected)


def test_a_condition_met_apart_needs_related_rows(school: tuple[Ontology, Path]) -> None:
    with pytest.raises(InvalidInput, match="needs rows one-to-many away"):
        rows(school, **names(filters=[apart("students.dorm", "eq", "A")]))
    with pytest.raises(ValidationError, match="positive condition"):
        SemanticQuery.model_validate(names(filters=[apart("clubs.club_name", "ne", "Chess")]))


def either(item: dict[str, Any], group: int = 1) -> dict[str, Any]:
    return {**item, "any_of": group}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # On the rows' own columns.
        (names(filters=[either(f("students.dorm", "eq", "A")),
                        either(f("students.age", "gt", 21))]), [("Ann",), ("Bob",), ("Cid",)]),
        # One alternative one-to-many away, each its own EXISTS.
        (names(filters=[either(f("allergy_types.allergy_type", "eq", "food")),
                        either(f("clubs.club_name", "eq", "Drama"))]),
         [("Ann",), ("Bob",), ("Cid",), ("Eve",)]),
        # A negation and a relation condition as alternatives.
        (names(filters=[either(f("allergy_types.allergy_type", "ne", "food")),
                        either(f("students.dorm", "eq", "A"))]),
         [("Ann",), ("Bob",), ("Dee",), ("Eve",)]),
        (names(filters=[either(f("clubs", "none")), either(f("students.dorm", "eq", "A"))]),
         [("Ann",), ("Bob",), ("Cid",), ("Dee",)]),
        # The group is one condition beside the others, and beside a second group.
        (names(filters=[either(f("students.dorm", "eq", "A")), either(f("students.age", "gt", 21)),
                        f("clubs.club_name", "eq", "Chess")]), [("Ann",), ("Bob",)]),
        (names(filters=[either(f("students.dorm", "eq", "A")), either(f("students.age", "gt", 21)),
                        either(f("students.age", "lt", 20), 2),
                        either(f("students.name", "eq", "Cid"), 2)]), [("Bob",), ("Cid",)]),
        ({"metrics": [{"aggregation": "count", "field": "students"}],
          "filters": [either(f("students.dorm", "eq", "A")), either(f("clubs", "none"))]},
         [(4,)]),
    ],
)
def test_alternatives_hold_when_one_of_them_does(
    school: tuple[Ontology, Path], query: dict[str, Any], expected: list[tuple[Any, ...]]
) -> None:
    assert sorted(rows(school, **query)) == sorted(expected)


def test_alternatives_come_in_groups() -> None:
    with pytest.raises(ValidationError, match="any_of 1 has one filter"):
        SemanticQuery.model_validate(names(filters=[either(f("students.dorm", "eq", "A"))]))


def test_a_relation_filter_is_not_a_condition_on_a_figure(school: tuple[Ontology, Path]) -> None:
    query = {"metrics": [{"aggregation": "count", "field": "students", "alias": "clubs"}],
             "dimensions": [{"field": "students.dorm"}], "filters": [f("clubs", "none")]}
    # The filter names the object, even when a figure has the same name.
    assert sorted(rows(school, **query)) == [("B", 2)]
    with pytest.raises(InvalidInput, match="takes conditions on values"):
        rows(school, metrics=[{"aggregation": "count", "field": "students"}],
             share_of=[f("clubs", "none")])


# -- every database the compiler writes for ------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # Customer 5 has no orders.
        ([f("orders", "none")], {"North America": 1}),
        # No delivered order: 2 (returned, pending), 4 (shipped) and 5 (no orders at all).
        ([f("orders.status", "ne", "delivered")], {"Europe": 2, "North America": 1}),
        ([f("orders.status", "not_in", "delivered", "shipped")],
         {"Europe": 1, "North America": 1}),
        # Through a link: customers who never bought furniture.
        ([f("products.category", "ne", "Furniture")], {"Europe": 1, "Asia Pacific": 1,
                                                        "North America": 1}),
        # No order in 2024: customer 4 (its first order is of 2025) and customer 5.
        ([{**f("orders", "none"), "within": {"start": "2024-01-01", "end": "2025-01-01"}}],
         {"Europe": 1, "North America": 1}),
        # Some order in the second half of 2025: only customer 3.
        ([{**f("orders", "some"), "within": {"start": "2025-07-01", "end": "2026-01-01"}}],
         {"Asia Pacific": 1}),
    ],
)
def test_negations_on_every_backend(backend: tuple[str, Execute], ontology: Ontology,
                                    filters: list[dict[str, Any]],
                                    expected: dict[str, int]) -> None:
    result = run(backend, ontology, metrics=[{"metric": "customer_count"}],
                 dimensions=[{"field": "customers.region"}], filters=filters)
    assert {r["region"]: r["customer_count"] for r in result} == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # allergies per student who has any: Ann 2, Bob 1, Cid 1, Eve 1
        ({"metrics": [{"aggregation": "count", "field": "has_allergy", "alias": "allergies"}],
          "average_over": {"field": "students.stu_id"}}, [(1.25,)]),
        # and per dorm: A has Ann and Bob, B has Cid and Eve
        ({"metrics": [{"aggregation": "count", "field": "has_allergy", "alias": "allergies"}],
          "dimensions": [{"field": "students.dorm"}],
          "average_over": {"field": "students.stu_id"}}, [("A", 1.5), ("B", 1.0)]),
        # the conditions apply before the per-value figures are made
        ({"metrics": [{"aggregation": "count", "field": "has_allergy", "alias": "allergies"}],
          "filters": [f("allergy_types.allergy_type", "eq", "animal")],
          "average_over": {"field": "students.stu_id"}}, [(1.0,)]),
    ],
)
def test_a_figure_averaged_over_the_values_it_is_made_per(
    school: tuple[Ontology, Path], query: dict[str, Any], expected: list[tuple[Any, ...]]
) -> None:
    assert sorted(rows(school, **query)) == expected


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        # a period dates related rows, not a value condition
        ({**f("orders.status", "eq", "delivered"), "within": {"start": "2024-01-01"}},
         "'within' dates the related rows"),
    ],
)
def test_a_period_belongs_to_a_relation_filter(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SemanticQuery.model_validate({"metrics": [{"metric": "customer_count"}],
                                      "filters": [bad]})


def test_related_rows_with_no_date_cannot_take_a_period(school: tuple[Ontology, Path]) -> None:
    with pytest.raises(InvalidInput, match="no date of their own"):
        rows(school, **names(filters=[{**f("has_allergy", "none"),
                                        "within": {"start": "2024-01-01", "label": "2024"}}]))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # revenue per customer: 5275, 2490, 1000 and 1060 (customer 5 bought nothing)
        ({"metrics": [{"metric": "revenue"}],
          "filters": [f("revenue", "gt", 1050)],
          "count_over": {"field": "customers.customer_id"}}, [{"customers_count": 3}]),
        ({"metrics": [{"metric": "revenue"}],
          "dimensions": [{"field": "customers.region"}],
          "filters": [f("revenue", "gt", 1050)],
          "count_over": {"field": "customers.customer_id"}},
         [{"region": "Europe", "customers_count": 2},
          {"region": "North America", "customers_count": 1}]),
    ],
)
def test_values_counted_by_a_condition_on_their_figures_on_every_backend(
    backend: tuple[str, Execute], ontology: Ontology, query: dict[str, Any],
    expected: list[dict[str, Any]],
) -> None:
    assert run(backend, ontology, **query) == expected


def test_count_over_takes_metrics_and_no_list() -> None:
    with pytest.raises(ValidationError, match="count_over counts the values"):
        SemanticQuery.model_validate({"list_object": "customers",
                                      "count_over": {"field": "customers.customer_id"}})
