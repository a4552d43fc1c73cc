"""Spaces (a source filtered for one customer) and channels (public bot endpoints)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.auth.api_keys import (
    display_prefix,
    generate_channel_secret,
    hash_secret,
    verify_secret,
)
from parley.errors import NotFound
from parley.store.catalog import get_application, get_source
from parley.store.models import Channel, Space


def create_space(
    session: Session,
    organization_id: str,
    source_id: str,
    name: str,
    customer_id: str,
    *,
    filters: dict[str, Any] | None = None,
) -> Space:
    get_source(session, organization_id, source_id)
    space = Space(
        organization_id=organization_id,
        source_id=source_id,
        name=name,
        customer_id=customer_id,
        filters=dict(filters or {}),
    )
    session.add(space)
    session.flush()
    return space


def get_space(session: Session, organization_id: str, space_id: str) -> Space:
    space = session.get(Space, space_id)
    if space is None or space.organization_id != organization_id:
        raise NotFound(f"space {space_id!r} not found")
    return space


def list_spaces(
    session: Session, organization_id: str, *, customer_id: str | None = None
) -> list[Space]:
    statement = select(Space).where(Space.organization_id == organization_id)
    if customer_id is not None:
        statement = statement.where(Space.customer_id == customer_id)
    return list(session.scalars(statement.order_by(Space.created_at, Space.id)))


def delete_space(session: Session, space: Space) -> None:
    """Delete a space and, through the foreign key, its conversations."""
    session.delete(space)
    session.flush()


def create_channel(
    session: Session, organization_id: str, application_id: str, name: str
) -> tuple[str, Channel]:
    """A new channel; its secret key is returned this once and stored only hashed."""
    get_application(session, organization_id, application_id)
    secret = generate_channel_secret()
    channel = Channel(
        organization_id=organization_id,
        application_id=application_id,
        name=name,
        secret_hash=hash_secret(secret),
        secret_prefix=display_prefix(secret),
    )
    session.add(channel)
    session.flush()
    return secret, channel


def authenticate_channel(
    session: Session, secret: str, *, channel_id: str | None = None
) -> Channel | None:
    """The channel whose secret this is (and whose id is ``channel_id``, if given)."""
    channel = session.scalar(select(Channel).where(Channel.secret_hash == hash_secret(secret)))
    if channel is None or not verify_secret(secret, channel.secret_hash):
        return None
    if channel_id is not None and channel.id != channel_id:
        return None
    return channel


def get_channel(session: Session, organization_id: str, channel_id: str) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.organization_id != organization_id:
        raise NotFound(f"channel {channel_id!r} not found")
    return channel


def list_channels(
    session: Session, organization_id: str, *, application_id: str | None = None
) -> list[Channel]:
    statement = select(Channel).where(Channel.organization_id == organization_id)
    if application_id is not None:
        statement = statement.where(Channel.application_id == application_id)
    return list(session.scalars(statement.order_by(Channel.created_at, Channel.id)))


def rotate_channel_secret(session: Session, channel: Channel) -> str:
    """Replace the channel's secret; the old one stops working at commit."""
    secret = generate_channel_secret()
    channel.secret_hash = hash_secret(secret)
    channel.secret_prefix = display_prefix(secret)
    session.flush()
    return secret


def delete_channel(session: Session, channel: Channel) -> None:
    session.delete(channel)
    session.flush()
