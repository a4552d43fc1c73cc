"""The compiler: golden SQL per dialect, and answers checked on real databases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml
from pydantic import ValidationError

from parley.engine.semantic.compiler import compile_query
from parley.engine.semantic.joins import JoinTree, nearest_time_field
from parley.engine.semantic.ontology import Attribute, Object, Ontology
from parley.engine.semantic.query import QueryFilter, SemanticQuery
from parley.errors import InvalidInput

Execute = Callable[[str], list[dict[str, Any]]]
Records = dict[str, list[dict[str, Any]]]

GOLDEN = Path(__file__).parent / "golden"


def _golden_cases() -> list[Any]:
    cases = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            for dialect, sql in case["sql"].items():
                cases.append(pytest.param(case["query"], dialect, sql,
                                          id=f"{path.stem}-{case['name']}-{dialect}"))
    return cases


def _normalise(sql: str, dialect: str) -> str:
    return sqlglot.parse_one(sql, read=dialect).sql(dialect=dialect, pretty=True)


@pytest.mark.parametrize(("query", "dialect", "expected"), _golden_cases())
def test_golden_sql(query: dict[str, Any], dialect: str, expected: str,
                    ontology: Ontology) -> None:
    compiled = compile_query(SemanticQuery.model_validate(query), ontology, dialect=dialect)
    assert _normalise(compiled.sql, dialect) == _normalise(expected, dialect)


def test_golden_files_cover_the_dialects() -> None:
    dialects = {param.values[1] for param in _golden_cases()}  # type: ignore[attr-defined]
    assert {"duckdb", "postgres", "mysql", "sqlite"} <= dialects


# -- answers on real databases ------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return round(float(value), 2)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def run(backend: tuple[str, Execute], ontology: Ontology,
        **query: Any) -> list[dict[str, Any]]:
    dialect, execute = backend
    compiled = compile_query(SemanticQuery.model_validate(query), ontology, dialect=dialect)
    rows = execute(compiled.sql)
    for row in rows:
        assert list(row) == [c.key for c in compiled.columns]
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


class Demo:
    """The fixture rows, indexed for computing expected answers."""

    def __init__(self, tables: Records) -> None:
        self.orders = {o["order_id"]: o for o in tables["orders"]}
        self.customers = {c["customer_id"]: c for c in tables["customers"]}
        self.reps = {r["rep_id"]: r for r in tables["sales_reps"]}
        self.items = tables["order_items"]

    def revenue_by(self, key: Callable[[dict[str, Any]], Any]) -> dict[Any, float]:
        totals: dict[Any, Decimal] = defaultdict(Decimal)
        for item in self.items:
            totals[key(self.orders[item["order_id"]])] += item["quantity"] * item["unit_price"]
        return {k: round(float(v), 2) for k, v in totals.items()}


@pytest.fixture
def demo(demo_records: Records) -> Demo:
    return Demo(demo_records)


def test_revenue_per_customer_keeps_namesakes_apart(backend: tuple[str, Execute],
                                                     ontology: Ontology, demo: Demo) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "revenue"}],
               dimensions=[{"field": "customers.customer_name"}])
    expected = demo.revenue_by(lambda o: o["customer_id"])
    assert sorted(r["revenue"] for r in rows) == sorted(expected.values())
    assert [r["customer_name"] for r in rows].count("Acme Corp") == 2
    assert rows[0] == {"customer_name": "Acme Corp", "revenue": expected[1]}
    assert rows == sorted(rows, key=lambda r: -r["revenue"])


def test_mixed_metrics_do_not_fan_out(backend: tuple[str, Execute],
                                      ontology: Ontology, demo: Demo) -> None:
    rows = run(backend, ontology,
               metrics=[{"metric": "revenue"}, {"metric": "order_count"}, {"metric": "buyers"}],
               dimensions=[{"field": "customers.region"}])
    region = {cid: c["region"] for cid, c in demo.customers.items()}
    revenue = demo.revenue_by(lambda o: region[o["customer_id"]])
    counts: dict[str, int] = defaultdict(int)
    buyers: dict[str, set[int]] = defaultdict(set)
    for order in demo.orders.values():
        counts[region[order["customer_id"]]] += 1
        buyers[region[order["customer_id"]]].add(order["customer_id"])
    got = {r["region"]: (r["revenue"], r["order_count"], r["buyers"]) for r in rows}
    assert got == {k: (revenue[k], counts[k], len(buyers[k])) for k in counts}
    # Asia Pacific's second order has no items: counted as an order, adds no revenue.
    assert got["Asia Pacific"] == (1000.0, 2, 1)


def test_mixed_metrics_without_dimensions(backend: tuple[str, Execute],
                                          ontology: Ontology, demo: Demo) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "revenue"}, {"metric": "order_count"}])
    assert rows == [{"revenue": sum(demo.revenue_by(lambda o: 0).values()), "order_count": 8}]


def test_share_sums_to_a_hundred(backend: tuple[str, Execute], ontology: Ontology,
                                 demo: Demo) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "revenue"}],
               dimensions=[{"field": "customers.segment"}], share=True, limit=1)
    revenue = demo.revenue_by(lambda o: demo.customers[o["customer_id"]]["segment"])
    top = max(revenue, key=lambda k: revenue[k])
    assert rows == [{"segment": top, "revenue": revenue[top],
                     "share_pct": round(100 * revenue[top] / sum(revenue.values()), 2)}]
    everything = run(backend, ontology, metrics=[{"metric": "revenue"}],
                     dimensions=[{"field": "customers.segment"}], share=True)
    assert sum(r["share_pct"] for r in everything) == pytest.approx(100, abs=0.05)


YEARS = [
    {"start": "2024-01-01", "end": "2025-01-01", "label": "2024"},
    {"start": "2025-01-01", "end": "2026-01-01", "label": "2025"},
]


def test_growth_pivots_the_periods(backend: tuple[str, Execute], ontology: Ontology,
                                   demo: Demo) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "revenue"}, {"metric": "order_count"}],
               dimensions=[{"field": "customers.region"}], compare=YEARS, growth=True)
    region = {cid: c["region"] for cid, c in demo.customers.items()}
    by_year = demo.revenue_by(lambda o: (region[o["customer_id"]], o["order_date"].year))
    europe = next(r for r in rows if r["region"] == "Europe")
    first, last = by_year[("Europe", 2024)], by_year[("Europe", 2025)]
    assert europe["revenue_2024"] == first
    assert europe["revenue_2025"] == last
    assert europe["order_count_2024"] == 1
    assert europe["order_count_2025"] == 2
    assert europe["growth_pct"] == round(100 * (last - first) / first, 2)
    north_america = next(r for r in rows if r["region"] == "North America")
    assert north_america["order_count_2024"] == 2


def test_compare_without_growth_adds_a_period_column(backend: tuple[str, Execute],
                                                     ontology: Ontology) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "order_count"}],
               dimensions=[{"field": "orders.channel"}], compare=list(reversed(YEARS)))
    assert [r["period"] for r in rows] == ["2025"] * 3 + ["2024"] * 3
    assert [r["order_count"] for r in rows] == [2, 1, 1, 2, 1, 1]
    assert {(r["period"], r["channel"]): r["order_count"] for r in rows} == {
        ("2025", "Online"): 2, ("2025", "Direct"): 1, ("2025", "Partner"): 1,
        ("2024", "Online"): 2, ("2024", "Direct"): 1, ("2024", "Partner"): 1,
    }


def _truncate(day: dt.date, grain: str) -> str:
    if grain == "week":
        return (day - dt.timedelta(days=day.weekday())).isoformat()
    if grain == "month":
        return day.replace(day=1).isoformat()
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1).isoformat()
    if grain == "year":
        return day.replace(month=1, day=1).isoformat()
    return day.isoformat()


@pytest.mark.parametrize("grain", ["day", "week", "month", "quarter", "year"])
def test_time_grains(backend: tuple[str, Execute], ontology: Ontology, demo: Demo,
                     grain: str) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "order_count"}],
               dimensions=[{"field": "orders.order_date", "grain": grain}])
    expected: dict[str, int] = defaultdict(int)
    for order in demo.orders.values():
        expected[_truncate(order["order_date"], grain)] += 1
    key = f"order_date_{grain}"
    assert [(r[key], r["order_count"]) for r in rows] == sorted(expected.items())


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"field": "customers.customer_name", "op": "contains", "values": ["ACME"]}], 4),
        ([{"field": "orders.status", "op": "ne", "values": ["delivered"]}], 4),
        ([{"field": "orders.status", "op": "not_in", "values": ["delivered", "shipped"]}], 3),
        ([{"field": "orders.order_date", "op": "between",
           "values": ["2024-03-20", "2024-12-31"]}], 3),
        ([{"field": "orders.shipping_cost", "op": "gte", "values": [10]}], 4),
        ([{"field": "orders.shipping_cost", "op": "lt", "values": [10]}], 4),
        ([{"field": "sales_reps.region", "op": "eq", "values": ["West"]}], 6),
        ([{"field": "products.category", "op": "eq", "values": ["Software"]}], 3),
        ([{"field": "order_count", "op": "gt", "values": [7]}], 8),
        ([{"field": "order_count", "op": "gt", "values": [8]}], None),
    ],
)
def test_filters(backend: tuple[str, Execute], ontology: Ontology,
                 filters: list[dict[str, Any]], expected: int | None) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "order_count"}], filters=filters)
    assert [r["order_count"] for r in rows] == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    ("text", "expected"), [("100%", 1), ("ACME", 2), ("0_", 0), ("%", 1), ("corp", 2)]
)
def test_contains_is_case_insensitive_and_literal(backend: tuple[str, Execute],
                                                  ontology: Ontology, text: str,
                                                  expected: int) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "customer_count"}],
               filters=[{"field": "customers.customer_name", "op": "contains",
                         "values": [text]}])
    assert rows == [{"customer_count": expected}]


def test_having_on_a_metric(backend: tuple[str, Execute], ontology: Ontology) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "order_count"}],
               dimensions=[{"field": "customers.customer_name"}],
               filters=[{"field": "order_count", "op": "gte", "values": [2]}])
    assert rows[0] == {"customer_name": "Acme Corp", "order_count": 3}
    assert sorted(r["customer_name"] for r in rows[1:]) == ["Globex", "Initech"]
    assert [r["order_count"] for r in rows[1:]] == [2, 2]


def test_rep_region_follows_the_order_not_the_customer(backend: tuple[str, Execute],
                                                       ontology: Ontology, demo: Demo) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "revenue"}],
               dimensions=[{"field": "sales_reps.region"}])
    by_rep = demo.revenue_by(lambda o: demo.reps[o["rep_id"]]["region"])
    assert {r["region"]: r["revenue"] for r in rows} == by_rep


def test_time_range_defaults_to_the_order_date(backend: tuple[str, Execute],
                                               ontology: Ontology, demo: Demo) -> None:
    query = {"metrics": [{"metric": "units"}],
             "time_range": {"start": "2025-01-01", "end": "2026-01-01", "label": "2025"}}
    compiled = compile_query(SemanticQuery.model_validate(query), ontology, dialect="duckdb")
    assert compiled.time_field == "orders.order_date"
    assert compiled.base_object == "order_items"
    units = sum(item["quantity"] for item in demo.items
                if demo.orders[item["order_id"]]["order_date"].year == 2025)
    assert run(backend, ontology, **query) == [{"units": units}]


def test_condition_across_one_to_many_uses_exists(backend: tuple[str, Execute],
                                                  ontology: Ontology) -> None:
    rows = run(backend, ontology, metrics=[{"metric": "customer_count"}],
               filters=[{"field": "orders.channel", "op": "eq", "values": ["Online"]}],
               dimensions=[{"field": "customers.region"}])
    assert {r["region"]: r["customer_count"] for r in rows} == {
        "North America": 1, "Europe": 2, "Asia Pacific": 1,
    }


def test_ad_hoc_aggregations(backend: tuple[str, Execute], ontology: Ontology, demo: Demo) -> None:
    rows = run(backend, ontology, metrics=[
        {"aggregation": "max", "field": "order_items.unit_price"},
        {"aggregation": "count_distinct", "field": "orders.customer_id"},
        {"aggregation": "count", "field": "orders"},
        {"aggregation": "avg", "field": "order_items.quantity", "alias": "avg_qty"},
    ])
    quantities = [i["quantity"] for i in demo.items]
    assert rows == [{"max_unit_price": 1000.0, "count_distinct_customer_id": 4, "count": 8,
                     "avg_qty": round(sum(quantities) / len(quantities), 2)}]


@pytest.mark.parametrize(
    ("op", "values", "kept"),
    [
        # A date compared with a bare number compares its year.
        ("gt", [2024], lambda year: year > 2024),
        ("gte", [2025], lambda year: year >= 2025),
        ("lt", [2025], lambda year: year < 2025),
        ("lte", [2024], lambda year: year <= 2024),
        ("eq", [2025], lambda year: year == 2025),
        ("ne", [2025], lambda year: year != 2025),
        ("between", [2024, 2025], lambda year: 2024 <= year <= 2025),
    ],
)
def test_a_date_compared_with_a_year(backend: tuple[str, Execute], ontology: Ontology,
                                     demo: Demo, op: str, values: list[int],
                                     kept: Callable[[int], bool]) -> None:
    rows = run(backend, ontology, metrics=[{"aggregation": "count", "field": "orders"}],
               filters=[{"field": "orders.order_date", "op": op, "values": values}])
    expected = sum(1 for o in demo.orders.values() if kept(o["order_date"].year))
    assert 0 < expected < len(demo.orders) or op == "between"
    assert rows == [{"count": expected}]


@pytest.mark.parametrize(
    ("field", "label"),
    [
        # A reference's distinct values are the rows it refers to.
        ("orders.customer_id", "number of customers"),
        ("orders.order_id", "number of orders"),
        ("orders.channel", "number of distinct channel"),
    ],
)
def test_a_distinct_count_is_titled_by_the_rows_it_counts(
    ontology: Ontology, field: str, label: str
) -> None:
    query = SemanticQuery.model_validate(
        {"metrics": [{"aggregation": "count_distinct", "field": field}]})
    compiled = compile_query(query, ontology, dialect="sqlite")
    assert [c.label for c in compiled.columns] == [label]


def test_list_query(backend: tuple[str, Execute], ontology: Ontology) -> None:
    rows = run(backend, ontology, list_object="orders",
               list_fields=["order_id", "orders.order_date", "customers.customer_name"],
               filters=[{"field": "products.category", "op": "eq", "values": ["Furniture"]}],
               limit=2)
    assert rows == [
        {"order_id": 6, "order_date": "2025-02-10", "customer_name": "Acme Corp"},
        {"order_id": 5, "order_date": "2025-01-01", "customer_name": "Acme Corp"},
    ]


def test_list_defaults_to_visible_attributes(ontology: Ontology) -> None:
    compiled = compile_query(SemanticQuery(list_object="products"), ontology, dialect="duckdb")
    assert [c.key for c in compiled.columns] == [
        "product_id", "product_name", "category", "unit_price", "unit_cost"]
    assert compiled.columns[0].role == "identifier"


def test_output_columns_describe_the_result(ontology: Ontology) -> None:
    query = SemanticQuery.model_validate({
        "metrics": [{"metric": "revenue"}],
        "dimensions": [{"field": "orders.order_date", "grain": "month"},
                       {"field": "customers.region"}, {"field": "sales_reps.region"}],
        "share": True,
    })
    columns = compile_query(query, ontology, dialect="postgres").columns
    assert [(c.key, c.role, c.format, c.grain, c.field) for c in columns] == [
        ("order_date_month", "time", "number", "month", "orders.order_date"),
        ("region", "dimension", "number", None, "customers.region"),
        ("sales_reps_region", "dimension", "number", None, "sales_reps.region"),
        ("revenue", "measure", "currency", None, None),
        ("share_pct", "measure", "percent", None, None),
    ]


# -- join paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "target", "path"),
    [
        ("order_items", "sales_reps", ["orders", "sales_reps"]),
        ("orders", "sales_reps", ["sales_reps"]),
        ("customers", "sales_reps", ["sales_reps"]),
        ("customers", "products", ["orders", "order_items", "products"]),
        ("sales_reps", "customers", ["customers"]),
        ("products", "customers", ["order_items", "orders", "customers"]),
    ],
)
def test_join_paths(ontology: Ontology, base: str, target: str, path: list[str]) -> None:
    assert [step.child for step in JoinTree(ontology, base).path(target)] == path


def test_nearest_time_field(ontology: Ontology) -> None:
    assert nearest_time_field(ontology, "order_items") == "orders.order_date"
    assert nearest_time_field(ontology, "customers") == "customers.signup_date"
    assert nearest_time_field(ontology, "products") is None


# -- errors -----------------------------------------------------------------------------------


def _with_lonely_object(ontology: Ontology) -> Ontology:
    lonely = Object(name="suppliers", label="supplier", plural="suppliers", attributes=[
        Attribute(name="supplier_name", label="supplier name", role="dimension", type="text")])
    return ontology.model_copy(update={"objects": [*ontology.objects, lonely]})


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"metrics": [{"metric": "profit"}]}, "unknown metric 'profit'"),
        ({"metrics": [{"metric": "revenue"}], "dimensions": [{"field": "customers.planet"}]},
         "unknown field 'customers.planet'"),
        ({"metrics": [{"metric": "revenue"}],
          "filters": [{"field": "orders.status", "op": "between", "values": ["a"]}]},
         "filter 'between' on orders.status needs 2 values, got 1"),
        ({"metrics": [{"metric": "revenue"}],
          "dimensions": [{"field": "customers.region", "grain": "month"}]},
         "customers.region is not a date; it cannot be grouped by month"),
        ({"metrics": [{"metric": "customer_count"}],
          "dimensions": [{"field": "products.category"}]},
         "products.category cannot group customers: each of them has many products"),
        ({"metrics": [{"metric": "revenue"}], "order": [{"key": "profit"}]},
         "cannot order by 'profit': it is not a metric or dimension of the query"),
        ({"metrics": [{"aggregation": "sum", "field": "products.unit_price"}],
          "time_range": {"start": "2025-01-01", "label": "this year"}},
         "no date to apply this year to: products has no time attribute"),
        ({"list_object": "planets"}, "unknown object 'planets'"),
        ({}, "the query has no metric, dimension or list object"),
    ],
)
def test_errors(ontology: Ontology, query: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        compile_query(SemanticQuery.model_validate(query), ontology, dialect="duckdb")
    assert raised.value.message == message


def test_unconnected_objects(ontology: Ontology) -> None:
    query = SemanticQuery.model_validate({"metrics": [{"metric": "revenue"}],
                                          "dimensions": [{"field": "suppliers.supplier_name"}]})
    with pytest.raises(InvalidInput) as raised:
        compile_query(query, _with_lonely_object(ontology), dialect="duckdb")
    assert raised.value.message == "no relationship connects order_items to suppliers"


def test_unknown_dialect(ontology: Ontology) -> None:
    with pytest.raises(InvalidInput, match="unknown SQL dialect 'cobol'"):
        compile_query(SemanticQuery(list_object="orders"), ontology, dialect="cobol")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"list_object": "products", "list_fields": ["products.product_name"]},
         ["CRM Suite", "Laptop"]),
        ({"metrics": [{"aggregation": "count", "field": "products.product_id"}],
          "dimensions": [{"field": "products.category"}]},
         ["Electronics", "Software"]),
    ],
)
def test_a_value_compared_with_its_average_on_every_backend(
    backend: tuple[str, Execute], ontology: Ontology, query: dict[str, Any],
    expected: list[str],
) -> None:
    # Prices 1000, 300, 5 and 500: the average is 451.25.
    above = {"field": "products.unit_price", "op": "gt", "against": "avg"}
    result = run(backend, ontology, **query, filters=[above])
    names = [r.get("product_name") or r.get("category") for r in result]
    assert sorted(names) == expected


@pytest.mark.parametrize("bad", [{"op": "gt", "values": [1]}, {"op": "eq"}])
def test_a_filter_against_the_average_takes_no_values_and_an_order(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="against the avg"):
        QueryFilter(field="products.unit_price", against="avg", **bad)


def test_alternatives_beside_another_condition_on_every_backend(
    backend: tuple[str, Execute], ontology: Ontology
) -> None:
    # (Furniture or over 900) and over 400 is the laptop alone; "Furniture or (over 900
    # and over 400)", what the conditions would say without the group's parentheses,
    # would let the desk (300) in too.
    filters = [
        {"field": "products.category", "op": "eq", "values": ["Furniture"], "any_of": 1},
        {"field": "products.unit_price", "op": "gt", "values": [900], "any_of": 1},
        {"field": "products.unit_price", "op": "gt", "values": [400]},
    ]
    result = run(backend, ontology, list_object="products",
                 list_fields=["products.product_name"], filters=filters)
    assert [r["product_name"] for r in result] == ["Laptop"]


def test_a_metric_averaged_per_customer_on_every_backend(
    backend: tuple[str, Execute], ontology: Ontology
) -> None:
    # The same figure, made in two steps by hand: revenue per customer, then its mean.
    per_customer = run(backend, ontology, metrics=[{"metric": "revenue"}],
                       dimensions=[{"field": "customers.customer_id"}])
    expected = sum(r["revenue"] for r in per_customer) / len(per_customer)
    result = run(backend, ontology, metrics=[{"metric": "revenue"}],
                 average_over={"field": "customers.customer_id"})
    assert list(result[0]) == ["revenue"]
    assert float(result[0]["revenue"]) == pytest.approx(float(expected))


def test_the_top_rows_added_up_on_every_backend(
    backend: tuple[str, Execute], ontology: Ontology
) -> None:
    ranked = run(backend, ontology, metrics=[{"metric": "revenue"}],
                 dimensions=[{"field": "customers.customer_name"}], share=True,
                 order=[{"key": "revenue", "descending": True}], limit=2)
    together = run(backend, ontology, metrics=[{"metric": "revenue"}],
                   dimensions=[{"field": "customers.customer_name"}], share=True,
                   order=[{"key": "revenue", "descending": True}], limit=2, together=True)
    assert len(together) == 1
    assert float(together[0]["revenue"]) == pytest.approx(sum(float(r["revenue"]) for r in ranked))
    assert float(together[0]["share_pct"]) == pytest.approx(
        sum(float(r["share_pct"]) for r in ranked))
