"""A database holding the small sales schema the connector tests run against."""

from __future__ import annotations

from dataclasses import dataclass

from parley.sources.base import Source
from parley.sources.connect import connect


@dataclass(frozen=True)
class Backend:
    """One database holding the small sales schema."""

    kind: str
    url: str
    customers: str
    orders: str
    #: Schema the tables were created in, when not the default one.
    schema: str | None
    slow_query: str

    def source(self) -> Source:
        return connect(self.url, name=f"test-{self.kind}")

    def qualified(self, table: str) -> str:
        return table if self.schema is None else f"{self.schema}.{table}"
