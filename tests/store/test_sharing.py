from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from parley.auth.api_keys import authenticate_channel, create_channel, rotate_channel_secret
from parley.errors import NotFound
from parley.store.catalog import delete_application, get_application
from parley.store.conversations import create_conversation
from parley.store.db import Store
from parley.store.models import Application, Conversation, Organization
from parley.store.sharing import (
    create_space,
    delete_space,
    get_channel,
    get_space,
    list_channels,
    list_spaces,
)
from parley.store.tenancy import create_organization


def test_space_round_trip(store: Store, org: Organization, app: Application) -> None:
    filters = {"customers": {"region": "Île-de-France"}}
    with store.session() as session:
        space = create_space(session, org.id, app.source_id, "Acme", "cust-1", filters=filters)
        create_space(session, org.id, app.source_id, "Other", "cust-2")
    assert space.id.startswith("space_")
    with store.session() as session:
        assert get_space(session, org.id, space.id).filters == filters
        assert [s.name for s in list_spaces(session, org.id, customer_id="cust-1")] == ["Acme"]
        assert len(list_spaces(session, org.id)) == 2


def test_deleting_a_space_deletes_its_conversations(
    store: Store, org: Organization, app: Application
) -> None:
    with store.session() as session:
        space = create_space(session, org.id, app.source_id, "Acme", "cust-1")
        create_conversation(session, org.id, app.id, "tenant:acme/u1", "embed", space_id=space.id)
    with store.session() as session:
        delete_space(session, get_space(session, org.id, space.id))
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_spaces_are_scoped(store: Store, org: Organization, app: Application) -> None:
    with store.session() as session:
        space = create_space(session, org.id, app.source_id, "Acme", "cust-1")
        other = create_organization(session, "globex")
    with pytest.raises(NotFound, match=space.id), store.session() as session:
        get_space(session, other.id, space.id)


def test_channel_secret_is_shown_once_and_stored_hashed(
    store: Store,
    org: Organization,
    app: Application,
    stored_text: Callable[[], str],
    sqlite_bytes: Callable[[], bytes | None],
) -> None:
    with store.session() as session:
        secret, channel = create_channel(session, org.id, app.id, "website bot")
    assert secret.startswith("sk_")
    assert channel.secret_prefix == secret[:8]
    assert secret not in stored_text()
    raw = sqlite_bytes()
    assert raw is None or secret.encode() not in raw


def test_authenticate_channel(store: Store, org: Organization, app: Application) -> None:
    with store.session() as session:
        secret, channel = create_channel(session, org.id, app.id, "bot")
        other_secret, other = create_channel(session, org.id, app.id, "bot 2")
    with store.session() as session:
        found = authenticate_channel(session, secret, channel_id=channel.id)
        assert found is not None and found.id == channel.id
        assert authenticate_channel(session, secret) is not None
        assert authenticate_channel(session, secret, channel_id=other.id) is None
        assert authenticate_channel(session, "sk_wrong") is None
        assert authenticate_channel(session, other_secret, channel_id=other.id) is not None


def test_rotated_secret_replaces_the_old_one(
    store: Store, org: Organization, app: Application
) -> None:
    with store.session() as session:
        old, channel = create_channel(session, org.id, app.id, "bot")
    with store.session() as session:
        new = rotate_channel_secret(session, get_channel(session, org.id, channel.id))
    with store.session() as session:
        assert authenticate_channel(session, old) is None
        assert authenticate_channel(session, new) is not None


def test_channels_go_with_their_application(
    store: Store, org: Organization, app: Application
) -> None:
    with store.session() as session:
        create_channel(session, org.id, app.id, "bot")
        assert len(list_channels(session, org.id, application_id=app.id)) == 1
    with store.session() as session:
        delete_application(session, get_application(session, org.id, app.id))
    with store.session() as session:
        assert list_channels(session, org.id) == []


def test_channel_needs_an_application_of_its_organization(
    store: Store, org: Organization, app: Application
) -> None:
    with store.session() as session:
        other = create_organization(session, "globex")
    with pytest.raises(NotFound, match=app.id), store.session() as session:
        create_channel(session, other.id, app.id, "bot")
