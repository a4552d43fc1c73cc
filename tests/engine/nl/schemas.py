"""Small SQLite schemas for the reading-rule tests: a parser over one, and its answers.

Each test module writes a schema of its own (named unlike any question set's) and asks
it questions through the whole engine: the parser's understanding, the guard, the source.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from parley.engine.nl.parser import Parser
from parley.engine.orchestrator import Workspace, statement_for
from parley.engine.semantic.derive import derive_ontology
from parley.sources.base import Source
from parley.sources.connect import connect


@contextmanager
def parser_over(folder: Path, schema: str, name: str) -> Iterator[tuple[Parser, Source]]:
    """A parser over a new SQLite database of ``schema``, and its source."""
    path = folder / f"{name}.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(schema)
    source = connect(f"sqlite:///{path}", name=name)
    try:
        yield Parser(derive_ontology(source.introspect(), source=name)), source
    finally:
        source.close()


def answer(opened: tuple[Parser, Source], question: str) -> tuple[list[str], list[list[Any]]]:
    """The columns and rows the engine answers ``question`` with; the question must be
    understood as a query."""
    parser, source = opened
    understanding = parser.understand(question)
    assert understanding.query is not None, (question, understanding.problem)
    workspace = Workspace(name="schema", ontology=parser.ontology, parser=parser, source=source)
    guarded, _ = statement_for(workspace, understanding.query)
    result = source.execute(guarded.sql, max_rows=100, timeout_s=5)
    return list(result.columns), result.rows
