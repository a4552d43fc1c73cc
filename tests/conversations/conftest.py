"""Fixtures: one Parley on a temporary home for the whole package (the demo data takes
seconds to generate), and counts of what the store and the demo tables hold."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from parley.conversations.installation import DEMO_NAME, Parley
from parley.store import catalog
from parley.store.models import Conversation, Message

DEMO_TABLES = ("sales_reps", "customers", "products", "orders", "order_items")


@pytest.fixture(scope="session")
def parley(open_parley: Callable[[], Parley]) -> Iterator[Parley]:
    opened = open_parley()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def count_messages(parley: Parley) -> Callable[[], int]:
    def count() -> int:
        with parley.store.session() as session:
            return session.scalar(select(func.count()).select_from(Message)) or 0

    return count


@pytest.fixture
def count_conversations(parley: Parley) -> Callable[[], int]:
    def count() -> int:
        with parley.store.session() as session:
            return session.scalar(select(func.count()).select_from(Conversation)) or 0

    return count


@pytest.fixture
def demo_row_counts(parley: Parley) -> Callable[[], dict[str, int]]:
    """The number of rows of every demo table, read through the demo source itself."""

    def counts() -> dict[str, int]:
        with parley.store.session() as session:
            record = catalog.get_source_by_name(session, parley.organization_id, DEMO_NAME)
            assert record is not None
            source = parley.source(record)
        result: dict[str, int] = {}
        for table in DEMO_TABLES:
            rows = source.execute(f"SELECT COUNT(*) FROM {table}", max_rows=1, timeout_s=30).rows
            result[table] = int(rows[0][0])
        return result

    return counts
