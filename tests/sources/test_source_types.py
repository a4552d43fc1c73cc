from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from parley.sources.types import json_friendly, normalise_type, value_family


@pytest.mark.parametrize(
    ("native", "family"),
    [
        ("INTEGER", "integer"),
        ("BIGINT", "integer"),
        ("int(11) unsigned", "integer"),
        ("HUGEINT", "integer"),
        ("TINYINT(1)", "boolean"),
        ("TINYINT(4)", "integer"),
        ("DECIMAL(10,2)", "decimal"),
        ("numeric(12, 4)", "decimal"),
        ("DOUBLE PRECISION", "float"),
        ("REAL", "float"),
        ("FLOAT8", "float"),
        ("VARCHAR(255)", "text"),
        ("character varying", "text"),
        ("TEXT", "text"),
        ("ENUM('a','b')", "text"),
        ("UUID", "text"),
        ("BOOLEAN", "boolean"),
        ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp"),
        ("DATETIME", "timestamp"),
        ("TIMESTAMP_NS", "timestamp"),
        ("time without time zone", "time"),
        ("JSONB", "json"),
        ("JSON", "json"),
        ("INTEGER[]", "other"),
        ("STRUCT(a INTEGER)", "other"),
        ("BLOB", "other"),
        ("BYTEA", "other"),
        ("INTERVAL", "other"),
        ("", "other"),
        ("UNSIGNED BIG INT", "integer"),  # SQLite affinity rules
        ("NATIVE CHARACTER(70)", "text"),
    ],
)
def test_normalise_type(native: str, family: str) -> None:
    assert normalise_type(native) == family


@pytest.mark.parametrize(
    ("value", "family", "friendly"),
    [
        (None, None, None),
        (True, "boolean", True),
        (3, "integer", 3),
        (1.5, "float", 1.5),
        (decimal.Decimal("2.50"), "decimal", 2.5),
        ("x", "text", "x"),
        (dt.date(2024, 1, 2), "date", dt.date(2024, 1, 2)),
        (dt.datetime(2024, 1, 2, 3, 4), "timestamp", dt.datetime(2024, 1, 2, 3, 4)),
        (dt.time(3, 4), "time", dt.time(3, 4)),
        ({"a": 1}, "json", {"a": 1}),
        (uuid.UUID(int=1), "text", "00000000-0000-0000-0000-000000000001"),
        (b"\x01\xff", "other", "01ff"),
    ],
)
def test_value_family_and_json_friendly(
    value: object, family: str | None, friendly: object
) -> None:
    assert value_family(value) == family
    converted = json_friendly(value)
    assert converted == friendly and type(converted) is type(friendly)
