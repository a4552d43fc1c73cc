"""The answer's paragraph says what its filters mean, negations through relationships
included: no related row has the value, or there is no related row at all."""

from __future__ import annotations

from typing import Any

import pytest

from parley.engine.narrate import describe_query, narrate
from parley.engine.result_shape import ColumnRole
from parley.engine.semantic.query import SemanticQuery
from tests.engine.semantic.conftest import build_ontology


@pytest.mark.parametrize(
    ("filters", "scope"),
    [
        ([{"field": "customers.country", "op": "ne", "values": ["France"]}],
         "(where country is not France)"),
        ([{"field": "orders.status", "op": "ne", "values": ["delivered"]}],
         "(where no status is delivered)"),
        ([{"field": "orders.status", "op": "not_in", "values": ["delivered", "shipped"]}],
         "(where no status is one of delivered, shipped)"),
        ([{"field": "orders", "op": "none"}], "(where there are no related orders)"),
        ([{"field": "orders", "op": "some"}], "(where there are some related orders)"),
        ([{"field": "orders", "op": "none",
           "within": {"start": "2026-03-01", "end": "2026-06-01", "label": "last 90 days"}}],
         "(where there are no related orders in the last 90 days)"),
    ],
)
def test_a_filter_is_said_as_the_compiler_reads_it(
    filters: list[dict[str, Any]], scope: str
) -> None:
    query = SemanticQuery.model_validate(
        {"metrics": [{"metric": "customer_count"}], "filters": filters})
    text = narrate(query, build_ontology(), [ColumnRole("customer_count", "measure")], [[2]])
    assert text.endswith(f"{scope}.")


def test_a_condition_on_a_figure_names_the_figure() -> None:
    query = SemanticQuery.model_validate({
        "metrics": [{"aggregation": "avg", "field": "orders.amount"}],
        "dimensions": [{"field": "customers.country"}],
        "filters": [{"field": "avg_amount", "op": "gt", "values": [100]}],
    })
    columns = [ColumnRole("country", "dimension", "country"),
               ColumnRole("avg_amount", "measure", "Average amount")]
    text = narrate(query, build_ontology(), columns, [["France", 120]])
    assert "(where average amount above 100)" in text


def test_things_counted_by_their_totals_are_the_title() -> None:
    query = SemanticQuery.model_validate({
        "metrics": [{"metric": "revenue"}],
        "filters": [{"field": "revenue", "op": "gt", "values": [1000]}],
        "count_over": {"field": "orders.order_id"},
    })
    columns = [ColumnRole("orders_count", "measure", "number of orders")]
    assert describe_query(query, build_ontology(), columns) == "Number of orders"


def test_a_whole_number_labelling_a_group_is_written_as_it_is() -> None:
    # "2024", not "2,024": a label names a group, it is no quantity.
    query = SemanticQuery.model_validate({
        "metrics": [{"aggregation": "avg", "field": "orders.amount"}],
        "dimensions": [{"field": "customers.country"}],
    })
    columns = [ColumnRole("year", "dimension", "year"),
               ColumnRole("avg_amount", "measure", "Average amount")]
    text = narrate(query, build_ontology(), columns, [[2024, 120], [2023, 90]])
    assert "starting with 2024 at" in text
