"""A filtered reader's ontology: the values and row counts of its rows only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from parley.engine.row_filters import RowFilter
from parley.engine.semantic.derive import derive_ontology
from parley.engine.space_view import restricted_ontology
from parley.sources.connect import connect


@pytest.fixture
def source_path(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE stores (id INTEGER, tenant VARCHAR, city VARCHAR)")
        connection.execute("INSERT INTO stores VALUES (1, 'a', 'Lyon'), (2, 'a', 'Oslo'), "
                           "(3, 'b', 'Porto'), (4, 'c', 'Quito')")  # fmt: skip
        connection.execute("CREATE TABLE colours (name VARCHAR)")
        connection.execute("INSERT INTO colours VALUES ('red'), ('blue')")
    return path


@pytest.mark.parametrize(
    ("filters", "cities", "stores", "colours"),
    [
        ((), ["Lyon", "Oslo", "Porto", "Quito"], 4, 2),
        ((RowFilter("tenant", "eq", "a"),), ["Lyon", "Oslo"], 2, 2),
        ((RowFilter("tenant", "in", ("b", "c")), RowFilter("city", "contains", "o")),
         ["Porto", "Quito"], 2, 2),
        ((RowFilter("tenant", "is_null", True),), [], 0, 2),
    ],
)  # fmt: skip
def test_values_and_counts_are_those_the_filters_let_through(
    source_path: Path, filters: tuple[RowFilter, ...], cities: list[str], stores: int,
    colours: int,
) -> None:  # fmt: skip
    source = connect(f"duckdb:///{source_path}", name="shop")
    try:
        whole = derive_ontology(source.introspect(), source="shop")
        seen = restricted_ontology(whole, source, filters, timeout_s=5)
    finally:
        source.close()
    store = seen.object("stores")
    assert store is not None and store.row_count == stores
    city = store.attribute("city")
    assert city is not None and sorted(city.values) == cities
    colour = seen.object("colours")
    assert colour is not None and colour.row_count == colours  # no tenant column: whole
    assert whole.object("stores").row_count == 4  # type: ignore[union-attr]
