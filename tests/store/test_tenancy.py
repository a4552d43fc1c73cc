from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta

import pytest
from sqlalchemy import update

from parley.auth.api_keys import authenticate_api_key, create_api_key
from parley.errors import Conflict, InvalidInput, NotFound
from parley.store.db import Store
from parley.store.models import ApiKey, Organization
from parley.store.tenancy import (
    create_member,
    create_organization,
    get_member,
    get_member_by_external_id,
    get_or_create_default_organization,
    get_organization,
    list_api_keys,
    revoke_api_key,
    update_organization_settings,
)


def test_organization_names_are_unique(store: Store, org: Organization) -> None:
    with pytest.raises(Conflict, match="'acme' already exists"), store.session() as session:
        create_organization(session, "acme")


def test_default_organization_is_created_once(store: Store) -> None:
    with store.session() as session:
        first = get_or_create_default_organization(session)
    with store.session() as session:
        second = get_or_create_default_organization(session)
    assert first.id == second.id
    assert first.id.startswith("org_")
    assert first.name == "default"


def test_timestamps_come_back_timezone_aware_utc(store: Store, org: Organization) -> None:
    with store.session() as session:
        loaded = get_organization(session, org.id)
        session.refresh(loaded)
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset() == timedelta(0)
        assert abs(loaded.created_at - org.created_at) < timedelta(seconds=1)


def test_settings_round_trip_and_merge(store: Store, org: Organization) -> None:
    with store.session() as session:
        organization = get_organization(session, org.id)
        update_organization_settings(session, organization, {"rate_limits": {"minute": 60}})
    with store.session() as session:
        organization = get_organization(session, org.id)
        update_organization_settings(session, organization, {"theme": "dark"})
    with store.session() as session:
        assert get_organization(session, org.id).settings == {
            "rate_limits": {"minute": 60},
            "theme": "dark",
        }


def test_member_email_is_unique_within_an_organization_only(
    store: Store, org: Organization
) -> None:
    with store.session() as session:
        other = create_organization(session, "globex")
        create_member(session, org.id, "Ana", email="ana@example.com", role="admin")
        create_member(session, other.id, "Ana", email="ana@example.com")
        create_member(session, org.id, "No Mail")
        create_member(session, org.id, "No Mail Either")
    with pytest.raises(Conflict, match=r"ana@example\.com"), store.session() as session:
        create_member(session, org.id, "Ana again", email="ana@example.com")


def test_member_role_is_checked(store: Store, org: Organization) -> None:
    with pytest.raises(InvalidInput, match="'owner'"), store.session() as session:
        create_member(session, org.id, "Bob", role="owner")


def test_members_are_scoped_and_found_by_external_id(store: Store, org: Organization) -> None:
    with store.session() as session:
        other = create_organization(session, "globex")
        member = create_member(session, org.id, "Embed user", external_id="idp|42")
    with store.session() as session:
        assert get_member_by_external_id(session, org.id, "idp|42") is not None
        assert get_member_by_external_id(session, other.id, "idp|42") is None
        assert get_member(session, org.id, member.id).name == "Embed user"
        with pytest.raises(NotFound, match=member.id):
            get_member(session, other.id, member.id)


def test_api_keys_are_stored_hashed(
    store: Store,
    org: Organization,
    stored_text: Callable[[], str],
    sqlite_bytes: Callable[[], bytes | None],
) -> None:
    with store.session() as session:
        plaintext, api_key = create_api_key(session, org.id, "ci")
    assert plaintext.startswith("pk_")
    assert api_key.prefix == plaintext[:8]
    assert plaintext not in stored_text()
    raw = sqlite_bytes()
    assert raw is None or plaintext.encode() not in raw
    with store.session() as session:
        assert [k.key_hash for k in list_api_keys(session, org.id)] == [api_key.key_hash]


def test_authenticate_api_key(store: Store, org: Organization) -> None:
    with store.session() as session:
        member = create_member(session, org.id, "Ana")
        plaintext, created = create_api_key(session, org.id, "laptop", member_id=member.id)
    assert created.last_used_at is None
    with store.session() as session:
        found = authenticate_api_key(session, plaintext)
        assert found is not None
        assert (found.id, found.member_id, found.organization_id) == (created.id, member.id, org.id)
        assert found.last_used_at is not None and found.last_used_at.tzinfo == UTC
    with store.session() as session:
        assert authenticate_api_key(session, plaintext + "x") is None
        assert authenticate_api_key(session, "") is None


def test_last_used_at_is_refreshed_only_when_stale(store: Store, org: Organization) -> None:
    with store.session() as session:
        plaintext, created = create_api_key(session, org.id, "ci")
        first = authenticate_api_key(session, plaintext)
        assert first is not None and first.last_used_at is not None
        stamp = first.last_used_at
    with store.session() as session:
        again = authenticate_api_key(session, plaintext)
        assert again is not None and again.last_used_at == stamp
        session.execute(
            update(ApiKey)
            .where(ApiKey.id == created.id)
            .values(last_used_at=stamp - timedelta(hours=1))
        )
    with store.session() as session:
        later = authenticate_api_key(session, plaintext)
        assert later is not None and later.last_used_at is not None
        assert later.last_used_at >= stamp


def test_revoked_keys_do_not_authenticate(store: Store, org: Organization) -> None:
    with store.session() as session:
        plaintext, created = create_api_key(session, org.id, "old")
    with store.session() as session:
        revoked = revoke_api_key(session, org.id, created.id)
        assert revoked.revoked_at is not None
    with store.session() as session:
        assert authenticate_api_key(session, plaintext) is None


def test_revoking_another_organizations_key_is_not_found(store: Store, org: Organization) -> None:
    with store.session() as session:
        other = create_organization(session, "globex")
        _, created = create_api_key(session, org.id, "k")
    with pytest.raises(NotFound, match=created.id), store.session() as session:
        revoke_api_key(session, other.id, created.id)
