from __future__ import annotations

import pytest

from parley.errors import InvalidInput
from parley.sources.connect import connect
from parley.sources.urls import parse_source_url


@pytest.mark.parametrize(
    ("url", "engine", "dialect", "drivername"),
    [
        ("duckdb:///data/shop.duckdb", "duckdb", "duckdb", "duckdb"),
        ("duckdb:///:memory:", "duckdb", "duckdb", "duckdb"),
        ("sqlite:///data/shop.db", "sqlalchemy", "sqlite", "sqlite"),
        ("postgresql://u:p@h/db", "sqlalchemy", "postgres", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@h/db", "sqlalchemy", "postgres", "postgresql+psycopg"),
        ("postgres://u:p@h/db", "sqlalchemy", "postgres", "postgresql+psycopg"),
        ("mysql://u:p@h/db", "sqlalchemy", "mysql", "mysql+pymysql"),
        ("mysql+pymysql://u:p@h/db", "sqlalchemy", "mysql", "mysql+pymysql"),
        ("mariadb://u:p@h/db", "sqlalchemy", "mysql", "mariadb+pymysql"),
        ("mariadb+pymysql://u:p@h/db", "sqlalchemy", "mysql", "mariadb+pymysql"),
        ("redshift://u:p@h/db", "sqlalchemy", "redshift", "postgresql+psycopg"),
        ("redshift+psycopg://u:p@h/db", "sqlalchemy", "redshift", "postgresql+psycopg"),
    ],
)
def test_schemes_are_normalised_to_shipped_drivers(
    url: str, engine: str, dialect: str, drivername: str
) -> None:
    parsed = parse_source_url(url)
    assert (parsed.engine, parsed.dialect, parsed.driver_url.drivername) == (
        engine,
        dialect,
        drivername,
    )


def test_redshift_defaults_to_its_port() -> None:
    assert parse_source_url("redshift://u:p@h/db").driver_url.port == 5439
    assert parse_source_url("redshift://u:p@h:6000/db").driver_url.port == 6000


@pytest.mark.parametrize(
    ("url", "suggestion"),
    [
        ("postgress://u@h/db", "'postgres'"),
        ("mysq://u@h/db", "'mysql'"),
        ("duckd:///x.duckdb", "'duckdb'"),
        ("oracle://u@h/db", None),
    ],
)
def test_unknown_scheme_suggests_the_closest(url: str, suggestion: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        connect(url, name="x")
    message = caught.value.message
    assert "Supported schemes:" in message and "duckdb://" in message
    if suggestion is None:
        assert "Did you mean" not in message
    else:
        assert f"Did you mean {suggestion}?" in message


@pytest.mark.parametrize(
    "url", ["no scheme at all", "postgresql:///db", "duckdb://", "mysql://:pw-S3cret@/db"]
)
def test_malformed_urls_are_invalid_input_without_password(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_source_url(url)
    assert "pw-S3cret" not in caught.value.message


def test_redacted_url_hides_the_password() -> None:
    parsed = parse_source_url("postgresql://me:pw-S3cret@db.example.com:5432/sales")
    assert parsed.redacted == "postgresql+psycopg://me:***@db.example.com:5432/sales"
