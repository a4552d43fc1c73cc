"""The command line's administration: organisations, revoking keys, and deleting sources
and applications, refused while a space or channel uses them unless ``--force``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner, Result

from parley.auth.api_keys import generate_secret, hash_secret
from parley.cli import app
from parley.conversations.installation import Parley
from parley.errors import Unauthorized
from parley.store import sharing
from tests.test_cli import UNSET_ENVIRONMENT, assert_clean_failure


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    home = tmp_path_factory.mktemp("cli-admin-home")
    return {**dict.fromkeys(UNSET_ENVIRONMENT), "PARLEY_HOME": str(home)}


def run(environment: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=environment)


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def parley(environment: dict[str, str | None]) -> Iterator[Parley]:
    assert run(environment, "app", "list").exit_code == 0  # first start: the demo
    opened = Parley.open(Path(str(environment["PARLEY_HOME"])), demo=False)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def shop(environment: dict[str, str | None], tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE sales (id INTEGER, tenant VARCHAR, amount DOUBLE)")
        connection.execute("INSERT INTO sales VALUES (1, 'a', 2.5), (2, 'b', 4.0)")
    assert run(environment, "source", "add", f"duckdb:///{path}", "--name", "shop").exit_code == 0
    assert run(environment, "app", "create", "--name", "shop", "--source", "shop").exit_code == 0
    return "shop"


def test_org_create_makes_a_partner_with_its_own_key(
    environment: dict[str, str | None], parley: Parley
) -> None:
    made = json_of(run(environment, "org", "create", "partner-one", "--json"))
    assert made["name"] == "partner-one" and made["id"].startswith("org_")
    principal = parley.auth.api_key(made["api_key"]["key"])
    assert principal.organization_id == made["id"] != parley.organization_id
    again = run(environment, "org", "create", "partner-one", "--json")
    assert again.exit_code == 1
    assert json.loads(again.stdout)["error"]["code"] == "conflict"
    plain = run(environment, "org", "create", "partner-two")
    assert plain.exit_code == 0 and "shown once" in plain.stdout


def test_key_revoke_stops_the_key_at_once(
    environment: dict[str, str | None], parley: Parley
) -> None:
    created = json_of(run(environment, "key", "create", "--name", "temp", "--json"))
    assert parley.auth.api_key(created["key"]).name == "temp"
    revoked = json_of(run(environment, "key", "revoke", created["id"], "--json"))
    assert revoked == {"id": created["id"], "name": "temp", "prefix": revoked["prefix"],
                       "revoked": True}  # fmt: skip
    with pytest.raises(Unauthorized):
        parley.auth.api_key(created["key"])
    listed = json_of(run(environment, "key", "list", "--json"))
    assert [k["revoked"] for k in listed if k["id"] == created["id"]] == [True]
    assert_clean_failure(run(environment, "key", "revoke", "key_nonesuch"),
                         "API key 'key_nonesuch' not found")  # fmt: skip


def test_app_delete_is_refused_while_a_space_or_channel_uses_it_unless_forced(
    environment: dict[str, str | None], parley: Parley, shop: str
) -> None:
    space = parley.embedded.create_space(
        parley.principal, source_id=_source_id(parley, shop), name="a only", customer_id="a",
        filters={"tenant": {"operator": "equals", "value": "a"}},
    )  # fmt: skip
    assert space.application == shop
    with parley.store.session() as session:
        application_id = parley.conversations.applications(parley.principal).items
        app_id = next(a.id for a in application_id if a.name == shop)
        secret = hash_secret(generate_secret("sk_"))
        sharing.add_channel(session, parley.organization_id, app_id, "bot",
                            secret_hash=secret, secret_prefix="sk_")  # fmt: skip
    refused = run(environment, "app", "delete", shop, "--json")
    assert refused.exit_code == 1
    error = json.loads(refused.stdout)["error"]
    assert error["code"] == "conflict" and "1 space, 1 channel" in error["message"]
    assert_clean_failure(run(environment, "app", "delete", shop), "--force")
    assert_clean_failure(run(environment, "source", "delete", shop),
                         "is used by 1 application, 1 space")  # fmt: skip
    deleted = json_of(run(environment, "app", "delete", shop, "--force", "--json"))
    assert deleted["deleted_spaces"] == [space.space_id] and len(deleted["deleted_channels"]) == 1
    assert shop not in [a["name"] for a in json_of(run(environment, "app", "list", "--json"))]
    assert parley.embedded.spaces(parley.principal) == []


def test_source_delete_takes_its_applications_only_when_forced(
    environment: dict[str, str | None], parley: Parley, shop: str
) -> None:
    run(environment, "app", "create", "--name", "shop2", "--source", shop)
    refused = run(environment, "source", "delete", shop, "--json")
    assert refused.exit_code == 1
    assert "1 application" in json.loads(refused.stdout)["error"]["message"]
    deleted = json_of(run(environment, "source", "delete", shop, "--force", "--json"))
    assert deleted["deleted_applications"] == ["shop2"]
    assert shop not in [s["name"] for s in json_of(run(environment, "source", "list", "--json"))]
    plain = run(environment, "source", "delete", "demo", "--force")
    assert plain.exit_code == 0 and "Deleted source demo with 1 application(s)." in plain.stdout
    assert_clean_failure(run(environment, "source", "delete", "nonesuch"),
                         "unknown source 'nonesuch'")  # fmt: skip


def _source_id(parley: Parley, name: str) -> str:
    return next(s.id for s in parley.list_sources() if s.name == name)


def test_org_names_the_organisation_whose_source_or_application_is_deleted(
    environment: dict[str, str | None], parley: Parley, tmp_path: Path
) -> None:
    org_id = parley.create_organization("partner-three")[0]
    path = tmp_path / "theirs.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE visits (id INTEGER, tenant VARCHAR)")
    parley.add_source(f"duckdb:///{path}", name="theirs", organization_id=org_id)
    parley.create_application("theirs", source="theirs", organization_id=org_id)
    assert_clean_failure(run(environment, "app", "delete", "theirs"),
                         "unknown application 'theirs'")  # fmt: skip
    assert_clean_failure(run(environment, "app", "delete", "theirs", "--org", "nonesuch"),
                         "unknown organisation 'nonesuch'")  # fmt: skip
    assert json_of(run(environment, "app", "delete", "theirs", "--org", "partner-three",
                       "--json"))["name"] == "theirs"  # fmt: skip
    assert json_of(run(environment, "source", "delete", "theirs", "--org", "partner-three",
                       "--json"))["deleted_applications"] == []  # fmt: skip


def test_org_frame_ancestors_prints_sets_and_resets_the_sites_that_frame_the_embed_page(
    environment: dict[str, str | None], parley: Parley
) -> None:
    json_of(run(environment, "org", "create", "partner-framed", "--json"))
    shown = run(environment, "org", "frame-ancestors", "--org", "partner-framed")
    assert shown.stdout == "The embed page of partner-framed may be framed by: 'self'\n"
    made = json_of(run(environment, "org", "frame-ancestors", "https://App.Partner.example/",
                       "self", "--org", "partner-framed", "--json"))  # fmt: skip
    expected = ["https://app.partner.example", "'self'"]
    assert made == {"organization": "partner-framed", "frame_ancestors": expected}
    organization_id = parley.organization_named("partner-framed")
    assert parley.embedded.frame_ancestors(organization_id) == tuple(expected)
    assert parley.embedded.frame_ancestors(parley.organization_id) == ("'self'",)  # its own
    wrong = run(environment, "org", "frame-ancestors", "partner.example", "--org",
                "partner-framed", "--json")  # fmt: skip
    assert wrong.exit_code == 1
    assert "'partner.example' is not a site" in json.loads(wrong.stdout)["error"]["message"]
    assert parley.embedded.frame_ancestors(organization_id) == tuple(expected)
    reset = json_of(run(environment, "org", "frame-ancestors", "--reset", "--org",
                        "partner-framed", "--json"))  # fmt: skip
    assert reset["frame_ancestors"] == ["'self'"]
    both = run(environment, "org", "frame-ancestors", "none", "--reset")
    assert both.exit_code == 1 and "not both" in both.output
