"""Map a database's own type names onto Parley's small set of type families.

The families are the values of ``ColumnInfo.type``: "integer", "decimal", "float", "text",
"boolean", "date", "timestamp", "time", "json", "other". Type names from DuckDB, SQLite,
PostgreSQL/Redshift and MySQL/MariaDB are all accepted, in any case, with or without
length, precision or array suffixes.

>>> normalise_type("DECIMAL(10,2)")
'decimal'
>>> normalise_type("character varying(255)")
'text'
>>> normalise_type("timestamp with time zone")
'timestamp'
>>> normalise_type("tinyint(1)")
'boolean'
>>> normalise_type("INTEGER[]")
'other'
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from typing import Any

TYPE_FAMILIES = (
    "integer",
    "decimal",
    "float",
    "text",
    "boolean",
    "date",
    "timestamp",
    "time",
    "json",
    "other",
)

# Exact base names (what is left once parameters and modifiers are removed).
_FAMILY_NAMES = {
    "integer": "INT|INTEGER|INT2|INT4|INT8|INT16|INT32|INT64|INT128|TINYINT|SMALLINT|MEDIUMINT"
    "|BIGINT|HUGEINT|UHUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|SERIAL|BIGSERIAL|SMALLSERIAL"
    "|SIGNED|UNSIGNED|YEAR|LONG|SHORT|OID",
    "decimal": "DECIMAL|NUMERIC|DEC|NUMBER|MONEY|FIXED",
    "float": "REAL|FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION",
    "text": "VARCHAR|CHAR|CHARACTER|CHARACTER VARYING|NCHAR|NVARCHAR|NATIONAL CHARACTER VARYING"
    "|NATIONAL CHAR|BPCHAR|TEXT|TINYTEXT|MEDIUMTEXT|LONGTEXT|STRING|CLOB|NTEXT|CITEXT|NAME"
    "|ENUM|SET|UUID|VARCHAR2|NVARCHAR2",
    "boolean": "BOOL|BOOLEAN|BIT|LOGICAL",
    "date": "DATE",
    "timestamp": "TIMESTAMP|TIMESTAMPTZ|DATETIME|DATETIME2|SMALLDATETIME|DATETIMEOFFSET"
    "|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP_US|TIMESTAMP WITH TIME ZONE"
    "|TIMESTAMP WITHOUT TIME ZONE",
    "time": "TIME|TIMETZ|TIME WITH TIME ZONE|TIME WITHOUT TIME ZONE",
    "json": "JSON|JSONB",
    "other": "INTERVAL|BLOB|BYTEA|BINARY|VARBINARY|LONGBLOB|MEDIUMBLOB|TINYBLOB|GEOMETRY|POINT",
}
_EXACT: dict[str, str] = {
    name: family for family, names in _FAMILY_NAMES.items() for name in names.split("|")
}

_PARAMS = re.compile(r"\(.*?\)")
_SPACES = re.compile(r"\s+")


def normalise_type(native: str) -> str:
    """Return the type family of a database type name ("other" when unknown)."""
    name = native.strip().upper()
    if not name or name.endswith("]") or name.startswith(("STRUCT", "MAP", "UNION", "LIST")):
        # Arrays, nested and untyped columns have no scalar family.
        return "other"
    if re.fullmatch(r"TINYINT\s*\(\s*1\s*\)(\s+UNSIGNED)?", name):
        # MySQL spells BOOLEAN as TINYINT(1).
        return "boolean"
    base = _SPACES.sub(" ", _PARAMS.sub("", name)).strip()
    for modifier in (" UNSIGNED", " ZEROFILL", " SIGNED"):
        base = base.replace(modifier, "")
    base = base.strip()
    if base in _EXACT:
        return _EXACT[base]
    if base.startswith("INTERVAL"):  # INTERVAL DAY TO SECOND and friends
        return "other"
    return _sqlite_affinity(base)


def _sqlite_affinity(name: str) -> str:
    # SQLite accepts any type name and derives a column affinity from substrings; the same
    # rules give a sensible answer for names no table above lists.
    if "INT" in name:
        return "integer"
    if any(part in name for part in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(part in name for part in ("REAL", "FLOA", "DOUB")):
        return "float"
    if "TIMESTAMP" in name or "DATETIME" in name:
        return "timestamp"
    if any(part in name for part in ("DECIMAL", "NUMERIC")):
        return "decimal"
    return "other"


def value_family(value: Any) -> str | None:
    """The type family of a Python value returned by a driver (None for NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, decimal.Decimal):
        return "decimal"
    if isinstance(value, str | uuid.UUID):
        return "text"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dict | list):
        return "json"
    return "other"


def json_friendly(value: Any) -> Any:
    """Convert a driver value into one a JSON encoder (or a chart) can use directly.

    Dates, times and timestamps are kept as objects: the faces format them.
    """
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value
