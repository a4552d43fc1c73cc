"""Words from identifiers, and the business thesaurus built on them."""

from __future__ import annotations

import pytest

from parley.engine.semantic.thesaurus import (
    is_case_sensitive_alias,
    synonyms_for,
    value_aliases,
)
from parley.naming import (
    humanize,
    normalize_text,
    plural,
    singular,
    split_identifier,
    stem,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("orders", "order"),
        ("categories", "category"),
        ("companies", "company"),
        ("statuses", "status"),
        ("status", "status"),
        ("addresses", "address"),
        ("address", "address"),
        ("analyses", "analysis"),
        ("boxes", "box"),
        ("branches", "branch"),
        ("dishes", "dish"),
        ("people", "person"),
        ("children", "child"),
        ("purchases", "purchase"),
        ("warehouses", "warehouse"),
        ("bonuses", "bonus"),
        ("business", "business"),
        ("series", "series"),
        ("staff", "staff"),
        ("data", "data"),
        ("shelves", "shelf"),
        ("order_items", "order_item"),
        ("sales reps", "sales rep"),
        ("orderItems", "orderItem"),
        ("ORDERS", "ORDER"),
        ("employee", "employee"),
    ],
)
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("order", "orders"),
        ("category", "categories"),
        ("company", "companies"),
        ("status", "statuses"),
        ("address", "addresses"),
        ("analysis", "analyses"),
        ("box", "boxes"),
        ("branch", "branches"),
        ("person", "people"),
        ("child", "children"),
        ("day", "days"),
        ("staff", "staff"),
        ("sales rep", "sales reps"),
        ("order item", "order items"),
        ("shelf", "shelves"),
    ],
)
def test_plural(word: str, expected: str) -> None:
    assert plural(word) == expected


@pytest.mark.parametrize(
    "word",
    ["order", "category", "company", "status", "address", "person", "box", "sales rep"],
)
def test_plural_and_singular_are_inverse(word: str) -> None:
    assert singular(plural(word)) == word


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("customer_id", ["customer", "id"]),
        ("orderItems", ["order", "items"]),
        ("OrderItems", ["order", "items"]),
        ("HTTPStatus", ["http", "status"]),
        ("hireDate", ["hire", "date"]),
        ("address2_line", ["address", "2", "line"]),
        ("Q3Revenue", ["q", "3", "revenue"]),
        ("order-date ", ["order", "date"]),
        ("ID", ["id"]),
        ("café_name", ["cafe", "name"]),
    ],
)
def test_split_identifier(name: str, expected: list[str]) -> None:
    assert split_identifier(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("order_date", "order date"),
        ("jobTitle", "job title"),
        ("dept_name", "department name"),
        ("emp_id", "employee id"),
        ("qty", "quantity"),
        ("no_of_items", "no of items"),
        # "no" last after another word is a number.
        ("train_no", "train number"),
        ("no", "no"),
        ("in_stock", "in stock"),
    ],
)
def test_humanize(name: str, expected: str) -> None:
    assert humanize(name) == expected


def test_humanize_can_keep_abbreviations() -> None:
    assert humanize("dept_name", expand=False) == "dept name"


@pytest.mark.parametrize(
    "words",
    [
        ("ship", "ships", "shipped", "shipping"),
        ("order", "orders", "ordered", "ordering"),
        ("category", "categories"),
        ("create", "created", "creating", "creates"),
        ("sell", "selling", "sells"),
        ("plan", "planned", "planning"),
        ("price", "prices", "priced", "pricing"),
        ("apply", "applied"),
        ("employee", "employees"),
        ("status", "statuses"),
    ],
)
def test_stem_joins_inflections(words: tuple[str, ...]) -> None:
    assert len({stem(word) for word in words}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("shipment", "ship"), ("thing", "th"), ("order", "orderly"), ("sale", "sell")],
)
def test_stem_keeps_derivations_apart(a: str, b: str) -> None:
    assert stem(a) != stem(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Café   Society ", "cafe society"),
        ("MÉXICO", "mexico"),
        ("a\tb\nc", "a b c"),
        ("", ""),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


# --- the thesaurus ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "synonym"),
    [
        ("customer", "client"),
        ("Customers", "client"),
        ("client", "customer"),
        ("revenue", "sales"),
        ("revenue", "turnover"),
        ("sales", "revenue"),
        ("product", "item"),
        ("order", "purchase"),
        ("employee", "staff"),
        ("department", "team"),
        ("salary", "compensation"),
        ("quantity", "units"),
        ("sales rep", "salesperson"),
        ("manager", "supervisor"),
        ("supplier", "vendor"),
        ("gender", "sex"),
        ("hire date", "start date"),
        ("employee count", "headcount"),
        ("order item", "line item"),
    ],
)
def test_synonyms_for(term: str, synonym: str) -> None:
    assert synonym in synonyms_for(term)


@pytest.mark.parametrize(
    ("term", "not_synonym"),
    [
        ("sale", "revenue"),  # one transaction is not the money it brought
        ("status", "state"),  # a state is a province in most data
        ("start date", "hire date"),  # a project starts; it is not hired
        ("revenue", "revenue"),
        ("category", "product category"),
    ],
)
def test_synonyms_for_keeps_apart(term: str, not_synonym: str) -> None:
    assert not_synonym not in synonyms_for(term)


@pytest.mark.parametrize("word", ["in", "it", "no", "the", "xyzzy", ""])
def test_unknown_and_common_words_have_no_synonyms_or_aliases(word: str) -> None:
    assert synonyms_for(word) == []
    assert value_aliases(word) == []


@pytest.mark.parametrize(
    ("value", "alias"),
    [
        ("United States", "usa"),
        ("United States", "u.s."),
        ("United States", "america"),
        ("United States", "united states of america"),
        ("united states", "us"),
        ("United Kingdom", "uk"),
        ("United Kingdom", "britain"),
        ("United Kingdom", "england"),
        ("Netherlands", "holland"),
        ("United Arab Emirates", "uae"),
        ("Asia Pacific", "apac"),
        ("México", "mx"),
    ],
)
def test_value_aliases(value: str, alias: str) -> None:
    assert alias in value_aliases(value)


def test_value_aliases_lead_back_to_the_stored_value() -> None:
    assert value_aliases("USA")[0] == "united states"
    assert value_aliases("Holland")[0] == "netherlands"


@pytest.mark.parametrize(("alias", "expected"), [("us", True), ("US", True), ("usa", False)])
def test_english_words_match_values_only_in_capitals(alias: str, expected: bool) -> None:
    assert is_case_sensitive_alias(alias) is expected
