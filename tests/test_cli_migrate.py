"""``parley migrate``: a configured store changes schema only when told to; the embedded
default migrates itself so that a newcomer's first command just works."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from typer.testing import CliRunner, Result

from parley.cli import app
from parley.store.db import Store, alembic_config

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _run(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    name = f"parley_migrate_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(ADMIN, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_a_configured_store_is_refused_until_migrated(fresh_postgres: str, tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "PARLEY_HOME": str(tmp_path),
        "PARLEY_DATABASE_URL": fresh_postgres,
    }
    refused = _run(env, "source", "list")
    assert refused.exit_code == 1
    output = " ".join(refused.output.split())
    assert "schema is empty" in output and "run `parley migrate`" in output
    head = _head()
    migrated = _run(env, "migrate")
    assert migrated.exit_code == 0, migrated.output
    assert migrated.stdout == f"Migrated the store from revision (empty) to {head}.\n"
    again = _run(env, "migrate", "--json")
    assert again.exit_code == 0 and '"from": "' + head in again.stdout
    listed = _run(env, "source", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.startswith("demo\tduckdb")


def test_a_store_behind_names_its_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    store = Store(url)
    try:
        config = alembic_config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
    finally:
        store.dispose()
    env: dict[str, str | None] = {"PARLEY_HOME": str(tmp_path), "PARLEY_DATABASE_URL": url}
    refused = _run(env, "app", "list", "--json")
    assert refused.exit_code == 1
    assert "is at revision 0005" in refused.stdout and "parley migrate" in refused.stdout
    assert _run(env, "migrate").exit_code == 0
    assert _run(env, "app", "list").exit_code == 0


def test_the_embedded_default_migrates_itself(tmp_path: Path) -> None:
    env: dict[str, str | None] = {"PARLEY_HOME": str(tmp_path), "PARLEY_DATABASE_URL": None}
    listed = _run(env, "app", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.startswith("demo\t")


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
