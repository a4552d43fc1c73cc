"""Spaces (a source filtered for one customer) and channels (public bot endpoints)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.engine.row_filters import FilterOp, RowFilter
from parley.errors import Conflict, NotFound
from parley.store.catalog import get_application, get_source
from parley.store.models import Application, Channel, Space, utcnow

#: A space's filter operators (its stored and published names) and the guard's.
OPERATORS: dict[str, FilterOp] = {
    "equals": "eq",
    "not_equals": "ne",
    "in": "in",
    "not_in": "not_in",
    "greater_than": "gt",
    "greater_than_or_equal": "gte",
    "less_than": "lt",
    "less_than_or_equal": "lte",
    "contains": "contains",
    "is_null": "is_null",
}


def row_filters_of(filters: Mapping[str, Any]) -> tuple[RowFilter, ...]:
    """A space's filters (``{column: {"operator": ..., "value": ...}}``) as row filters.

    A filter names a column, not a table: it applies to every table that has the column.

    >>> row_filters_of({"region": {"operator": "in", "value": ["EU"]}})
    (RowFilter(column='region', op='in', value=('EU',), table=None),)
    """
    result = []
    for column, spec in filters.items():
        value = spec.get("value")
        if isinstance(value, list):
            value = tuple(value)
        result.append(RowFilter(column, OPERATORS[spec["operator"]], value))
    return tuple(result)


def create_space(
    session: Session,
    organization_id: str,
    source_id: str,
    name: str,
    customer_id: str,
    *,
    filters: dict[str, Any] | None = None,
    application_id: str | None = None,
) -> Space:
    get_source(session, organization_id, source_id)
    if application_id is not None:
        application = get_application(session, organization_id, application_id)
        if application.source_id != source_id:
            raise Conflict(f"application {application.name!r} is not over source {source_id!r}")
    space = Space(
        organization_id=organization_id,
        source_id=source_id,
        name=name,
        customer_id=customer_id,
        filters=dict(filters or {}),
        application_id=application_id,
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


def spaces_of_application(session: Session, application: Application) -> list[Space]:
    return list(
        session.scalars(
            select(Space)
            .where(Space.application_id == application.id)
            .order_by(Space.created_at, Space.id)
        )
    )


def spaces_of_source(session: Session, organization_id: str, source_id: str) -> list[Space]:
    return list(
        session.scalars(
            select(Space)
            .where(Space.organization_id == organization_id, Space.source_id == source_id)
            .order_by(Space.created_at, Space.id)
        )
    )


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
