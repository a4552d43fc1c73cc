"""A parser over the demo schema, built once: a small demo database is enough."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.engine.nl.parser import Parser
from parley.engine.semantic.derive import derive_ontology
from parley.sources.base import Source
from parley.sources.connect import connect
from parley.sources.demo import generate_demo

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    path: Path = tmp_path_factory.mktemp("nl") / "demo.duckdb"
    generate_demo(path, today=TODAY, scale=0.05)
    source = connect(f"duckdb:///{path}", name="demo")
    yield source
    source.close()


@pytest.fixture(scope="session")
def parser(demo_source: Source) -> Parser:
    return Parser(derive_ontology(demo_source.introspect(), source="demo"))
