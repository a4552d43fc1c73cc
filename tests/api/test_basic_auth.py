"""HTTP Basic ``member:key`` credentials resolve to the same principal as the member's key."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from parley.auth.api_keys import create_api_key
from parley.conversations.installation import Parley
from parley.store import tenancy


@pytest.fixture(scope="module")
def member_key(parley: Parley) -> tuple[str, str, str]:
    """A member (id, e-mail) and an API key of theirs."""
    with parley.store.session() as session:
        member = tenancy.create_member(
            session, parley.organization_id, "Basic Bea", email="bea@example.com"
        )
        plaintext, _ = create_api_key(
            session, parley.organization_id, "bea's key", member_id=member.id
        )
        return member.id, "bea@example.com", plaintext


def _basic(user: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def _applications(client: TestClient, headers: dict[str, str]) -> int:
    return client.post("/api/v1/chat/applications", headers=headers, json={}).status_code


def test_member_id_or_email_with_their_key_is_let_in(
    client: TestClient, member_key: tuple[str, str, str]
) -> None:
    member_id, email, key = member_key
    assert _applications(client, _basic(member_id, key)) == 200
    assert _applications(client, _basic(email, key)) == 200
    assert _applications(client, {"Authorization": f"Bearer {key}"}) == 200


@pytest.mark.parametrize(
    "header",
    [
        "Basic not-base64!",
        "Basic " + base64.b64encode(b"no colon here").decode(),
        "Basic ",
        "Digest abc",
    ],
)
def test_malformed_basic_credentials_are_refused(client: TestClient, header: str) -> None:
    assert _applications(client, {"Authorization": header}) == 401


def test_a_key_with_another_member_is_refused(
    client: TestClient, parley: Parley, member_key: tuple[str, str, str]
) -> None:
    _, _, key = member_key
    admin_key, _ = parley.create_api_key("not bea")
    assert _applications(client, _basic("someone@example.com", key)) == 401
    # The admin key belongs to no member, so no member name goes with it.
    assert _applications(client, _basic("bea@example.com", admin_key)) == 401
