"""Open a source from its URL.

>>> connect("duckdb:///:memory:", name="scratch").dialect
'duckdb'
"""

from __future__ import annotations

from parley.sources.base import Source
from parley.sources.duckdb_source import DuckDBSource
from parley.sources.sqlalchemy_source import SQLAlchemySource
from parley.sources.urls import SUPPORTED_SCHEMES, parse_source_url

__all__ = ["SUPPORTED_SCHEMES", "connect"]


def connect(url: str, *, name: str, duckdb_threads: int | None = None) -> Source:
    """Return the connector for ``url``; a DuckDB file runs each statement on at most
    ``duckdb_threads`` threads (DuckDB's default, one per core, when None).

    Raises InvalidInput for an unsupported or malformed URL and SourceError when a
    database file does not exist. Servers are not contacted until first use; call
    ``test_connection()`` to check one is reachable.
    """
    parsed = parse_source_url(url)
    if parsed.engine == "duckdb":
        return DuckDBSource(parsed.database or ":memory:", name=name, threads=duckdb_threads)
    return SQLAlchemySource(parsed, name=name)
