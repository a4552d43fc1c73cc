"""Spaces (a source filtered for one customer) and channels (public bot endpoints)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.store.catalog import get_application, get_source
from parley.store.models import Channel, Space, utcnow


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


def add_channel(
    session: Session,
    organization_id: str,
    application_id: str,
    name: str,
    *,
    secret_hash: str,
    secret_prefix: str,
) -> Channel:
    """Store a channel by its secret's hash (``auth.api_keys`` makes and checks secrets)."""
    get_application(session, organization_id, application_id)
    channel = Channel(
        organization_id=organization_id,
        application_id=application_id,
        name=name,
        secret_hash=secret_hash,
        secret_prefix=secret_prefix,
    )
    session.add(channel)
    session.flush()
    return channel


def find_channel(session: Session, secret_hash: str) -> Channel | None:
    return session.scalar(select(Channel).where(Channel.secret_hash == secret_hash))


def find_channel_by_id(session: Session, channel_id: str) -> Channel | None:
    """The channel a public URL names, whatever its organisation (its secret decides)."""
    return session.get(Channel, channel_id)


def set_channel_enabled(session: Session, channel: Channel, enabled: bool) -> Channel:
    """Enable or disable a channel; a disabled one answers as if it did not exist."""
    if enabled:
        channel.disabled_at = None
    elif channel.disabled_at is None:
        channel.disabled_at = utcnow()
    session.flush()
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


def set_channel_secret(
    session: Session, channel: Channel, *, secret_hash: str, secret_prefix: str
) -> None:
    """Replace the channel's secret; the old one stops working at commit."""
    channel.secret_hash = secret_hash
    channel.secret_prefix = secret_prefix
    session.flush()


def delete_channel(session: Session, channel: Channel) -> None:
    session.delete(channel)
    session.flush()
