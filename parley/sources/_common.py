"""Limits and helpers shared by the source connectors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from parley.errors import SourceError
from parley.sources.types import json_friendly, value_family

#: Text columns with at most this many distinct values get their values collected.
DISTINCT_VALUES_LIMIT = 5000
#: Values longer than this are not worth indexing (descriptions, notes, payloads).
MAX_VALUE_LENGTH = 200
#: Time allowed to each introspection statement.
INTROSPECT_TIMEOUT_S = 120.0
#: Above this many rows (catalog estimate) a table is counted and profiled approximately.
HUGE_TABLE_ROWS = 5_000_000
#: Rows of a huge table read to profile its text columns.
PROFILE_SAMPLE_ROWS = 1_000_000
#: A result stops at this many bytes (as text), whatever the row cap: rows are not all
#: the same size, and one wide row of long values costs as much as thousands of short ones.
MAX_RESULT_BYTES = 32 * 1024 * 1024


def timed_out(timeout_s: float) -> SourceError:
    return SourceError(
        f"The query timed out after {timeout_s:g} s",
        detail={"reason": "timeout", "timeout_s": timeout_s},
    )


def scrub(message: str, secrets: Iterable[str | None]) -> str:
    """Remove every secret (password) from a message that may be shown to a user."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message.strip()


def capped_rows(
    rows: Sequence[Sequence[Any]], max_rows: int, max_bytes: int = MAX_RESULT_BYTES
) -> tuple[list[list[Any]], bool]:
    """The rows as JSON-friendly values, cut at ``max_rows`` rows or ``max_bytes`` bytes;
    and whether anything was cut.

    >>> capped_rows([(1, "a"), (2, "b"), (3, "c")], max_rows=2)
    ([[1, 'a'], [2, 'b']], True)
    >>> capped_rows([("x" * 10,), ("y" * 10,)], max_rows=5, max_bytes=15)
    ([['xxxxxxxxxx']], True)
    """
    kept: list[list[Any]] = []
    size = 0
    for row in rows[:max_rows]:
        converted = [json_friendly(value) for value in row]
        size += sum(len(value) if isinstance(value, str) else 8 for value in converted)
        if size > max_bytes:
            return kept, True
        kept.append(converted)
    return kept, len(rows) > max_rows


def infer_column_types(rows: Sequence[Sequence[Any]], width: int) -> list[str]:
    """The type family of each column from the first non-NULL value in it ("other" if none)."""
    families: list[str | None] = [None] * width
    missing = width
    for row in rows:
        if not missing:
            break
        for index, value in enumerate(row):
            if families[index] is None and value is not None:
                families[index] = value_family(value)
                missing -= 1
    return [family or "other" for family in families]
