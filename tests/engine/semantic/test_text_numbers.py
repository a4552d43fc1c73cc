"""Numbers kept in a text column are compared and summed as numbers: as text, '10' is
less than '6' and a sum is the database's guess."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from parley.engine.semantic.compiler import compile_query
from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.query import SemanticQuery
from parley.sources.connect import connect

SCHEMA = """
CREATE TABLE parts (part_id INTEGER PRIMARY KEY, part_name TEXT, qty TEXT);
INSERT INTO parts VALUES (1, 'bolt', '10'), (2, 'nut', '5'), (3, 'gear', '9');
"""

QUERIES: list[tuple[dict[str, Any], list[list[Any]]]] = [
    ({"list_object": "parts", "list_fields": ["parts.part_name"],
      "filters": [{"field": "parts.qty", "op": "gt", "values": [6]}]}, [["bolt"], ["gear"]]),
    ({"list_object": "parts", "list_fields": ["parts.part_name"],
      "filters": [{"field": "parts.qty", "op": "between", "values": [4, 9]}]},
     [["gear"], ["nut"]]),
    ({"metrics": [{"aggregation": "sum", "field": "parts.qty"}]}, [[24.0]]),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_text_numbers_compare_and_add_as_numbers(
    tmp_path: Path, query: dict[str, Any], expected: list[list[Any]]
) -> None:
    path = tmp_path / "parts.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    source = connect(f"sqlite:///{path}", name="parts")
    ontology = derive_ontology(source.introspect(), source="parts")
    assert ontology.resolve("parts.qty")[1].type == "text"
    compiled = compile_query(SemanticQuery.model_validate(query), ontology, dialect="sqlite")
    rows = source.execute(compiled.sql, max_rows=10, timeout_s=5).rows
    source.close()
    assert sorted(rows) == expected
    for dialect in ("postgres", "mysql", "duckdb"):
        other = compile_query(SemanticQuery.model_validate(query), ontology, dialect=dialect)
        assert "CAST(" in other.sql.upper(), (dialect, other.sql)
