"""Parse a source URL (SQLAlchemy form) and normalise it to the driver Parley ships.

>>> parse_source_url("postgres://me:secret@db.example.com/sales").driver_url.drivername
'postgresql+psycopg'
>>> parse_source_url("mariadb://root@localhost/shop").dialect
'mysql'
>>> parse_source_url("redshift://me:pw@cluster.example.com/dev").redacted
'postgresql+psycopg://me:***@cluster.example.com:5439/dev'
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from parley.errors import InvalidInput

Engine = Literal["duckdb", "sqlalchemy"]


@dataclass(frozen=True, slots=True)
class _Scheme:
    engine: Engine
    #: SQLAlchemy drivername the URL is rewritten to.
    drivername: str
    #: sqlglot dialect name.
    dialect: str
    default_port: int | None = None


_POSTGRES = _Scheme("sqlalchemy", "postgresql+psycopg", "postgres")
_MYSQL = _Scheme("sqlalchemy", "mysql+pymysql", "mysql")
_MARIADB = _Scheme("sqlalchemy", "mariadb+pymysql", "mysql")
_REDSHIFT = _Scheme("sqlalchemy", "postgresql+psycopg", "redshift", default_port=5439)

SCHEMES: dict[str, _Scheme] = {
    "duckdb": _Scheme("duckdb", "duckdb", "duckdb"),
    "sqlite": _Scheme("sqlalchemy", "sqlite", "sqlite"),
    "sqlite+pysqlite": _Scheme("sqlalchemy", "sqlite", "sqlite"),
    "postgresql": _POSTGRES,
    "postgresql+psycopg": _POSTGRES,
    "postgresql+psycopg2": _POSTGRES,
    "postgres": _POSTGRES,
    "mysql": _MYSQL,
    "mysql+pymysql": _MYSQL,
    "mariadb": _MARIADB,
    "mariadb+pymysql": _MARIADB,
    "redshift": _REDSHIFT,
    "redshift+psycopg": _REDSHIFT,
    "redshift+psycopg2": _REDSHIFT,
}

SUPPORTED_SCHEMES: tuple[str, ...] = tuple(SCHEMES)


@dataclass(frozen=True, slots=True)
class SourceURL:
    """A parsed source URL: which connector handles it and how it reaches the database."""

    engine: Engine
    #: sqlglot dialect name ("duckdb", "sqlite", "postgres", "mysql", "redshift").
    dialect: str
    #: The URL rewritten to the shipped driver (password included: never show it).
    driver_url: URL

    @property
    def database(self) -> str | None:
        return self.driver_url.database

    @property
    def redacted(self) -> str:
        """The URL with its password replaced by ``***``, safe to show and log."""
        return self.driver_url.render_as_string(hide_password=True)

    @property
    def is_mariadb(self) -> bool:
        return self.driver_url.drivername.startswith("mariadb")


def parse_source_url(url: str) -> SourceURL:
    """Parse ``url``; raise InvalidInput naming the scheme when it is not supported."""
    scheme = url.split("://", 1)[0].strip().lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise InvalidInput(_unknown_scheme_message(scheme), detail={"scheme": scheme})
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as exc:
        raise InvalidInput(
            f"The source URL for scheme {scheme!r} could not be parsed: {exc}",
            detail={"scheme": scheme},
        ) from exc
    spec = SCHEMES[scheme]
    parsed = parsed.set(drivername=spec.drivername)
    if spec.default_port is not None and parsed.port is None:
        parsed = parsed.set(port=spec.default_port)
    if spec.engine == "duckdb" and not parsed.database:
        raise InvalidInput(
            "A DuckDB URL needs a file path, e.g. duckdb:///path/to/file.duckdb "
            "(or duckdb:///:memory:)",
            detail={"scheme": scheme},
        )
    if spec.engine == "sqlalchemy" and spec.dialect != "sqlite" and not parsed.host:
        raise InvalidInput(
            f"The source URL for scheme {scheme!r} needs a host, "
            f"e.g. {scheme}://user:password@host:port/database",
            detail={"scheme": scheme},
        )
    return SourceURL(engine=spec.engine, dialect=spec.dialect, driver_url=parsed)


def _unknown_scheme_message(scheme: str) -> str:
    supported = ", ".join(f"{name}://" for name in SUPPORTED_SCHEMES)
    if not scheme:
        return f"A source URL must start with a scheme such as duckdb:// ; supported: {supported}"
    close = difflib.get_close_matches(scheme, SUPPORTED_SCHEMES, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Unsupported source URL scheme {scheme!r}.{hint} Supported schemes: {supported}"
