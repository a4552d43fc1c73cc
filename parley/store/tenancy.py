"""Organisations, their members and their API keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from parley.errors import Conflict, NotFound
from parley.store._common import check_choice, flush_or_conflict
from parley.store.models import ApiKey, Member, Organization, utcnow

DEFAULT_ORGANIZATION = "default"
ROLES = frozenset({"admin", "member"})
#: ``last_used_at`` is written at most this often per key, so that authenticating a
#: request is not a write each time (SQLite has one writer at a time).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def create_organization(
    session: Session, name: str, *, settings: dict[str, Any] | None = None
) -> Organization:
    if session.scalar(select(Organization.id).where(Organization.name == name)) is not None:
        raise Conflict(f"an organization named {name!r} already exists")
    organization = Organization(name=name, settings=dict(settings or {}))
    session.add(organization)
    flush_or_conflict(session, f"an organization named {name!r} already exists")
    return organization


def get_organization(session: Session, organization_id: str) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(f"organization {organization_id!r} not found")
    return organization


#: Read at every request a JWT authenticates: built once.
_BY_NAME = select(Organization).where(Organization.name == bindparam("name"))


def get_organization_by_name(session: Session, name: str) -> Organization | None:
    return session.scalar(_BY_NAME, {"name": name})


def get_or_create_default_organization(
    session: Session, name: str = DEFAULT_ORGANIZATION
) -> Organization:
    return get_organization_by_name(session, name) or create_organization(session, name)


def update_organization_settings(
    session: Session, organization: Organization, settings: dict[str, Any]
) -> Organization:
    """Merge ``settings`` into the organisation's (a new dict, so the change is tracked)."""
    organization.settings = {**organization.settings, **settings}
    session.flush()
    return organization


def create_member(
    session: Session,
    organization_id: str,
    name: str,
    *,
    email: str | None = None,
    role: str = "member",
    external_id: str | None = None,
) -> Member:
    check_choice("role", role, ROLES)
    taken = f"a member with email {email!r} already exists in this organization"
    if email is not None and (
        session.scalar(
            select(Member.id).where(
                Member.organization_id == organization_id, Member.email == email
            )
        )
        is not None
    ):
        raise Conflict(taken)
    member = Member(
        organization_id=organization_id,
        name=name,
        email=email,
        role=role,
        external_id=external_id,
    )
    session.add(member)
    flush_or_conflict(session, taken)
    return member


def get_member(session: Session, organization_id: str, member_id: str) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.organization_id != organization_id:
        raise NotFound(f"member {member_id!r} not found")
    return member


def get_member_by_external_id(
    session: Session, organization_id: str, external_id: str
) -> Member | None:
    return session.scalar(
        select(Member)
        .where(Member.organization_id == organization_id, Member.external_id == external_id)
        .order_by(Member.created_at)
        .limit(1)
    )


def list_members(session: Session, organization_id: str) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.organization_id == organization_id)
            .order_by(Member.created_at, Member.id)
        )
    )


def add_api_key(
    session: Session,
    organization_id: str,
    name: str,
    *,
    prefix: str,
    key_hash: str,
    member_id: str | None = None,
) -> ApiKey:
    """Store a key by its hash (``auth.api_keys`` makes keys and checks them)."""
    api_key = ApiKey(
        organization_id=organization_id,
        member_id=member_id,
        name=name,
        prefix=prefix,
        key_hash=key_hash,
    )
    session.add(api_key)
    session.flush()
    return api_key


#: Read at every request an API key authenticates: built once.
_KEY_BY_HASH = select(ApiKey).where(ApiKey.key_hash == bindparam("key_hash"))


def find_api_key(session: Session, key_hash: str) -> ApiKey | None:
    """The key stored under ``key_hash``, revoked or not."""
    return session.scalar(_KEY_BY_HASH, {"key_hash": key_hash})


def touch_api_key(session: Session, api_key: ApiKey) -> None:
    """Record that the key was used (at most once per ``LAST_USED_RESOLUTION``)."""
    now = utcnow()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        api_key.last_used_at = now
        session.flush()


def list_api_keys(session: Session, organization_id: str) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.organization_id == organization_id)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def revoke_api_key(session: Session, organization_id: str, key_id: str) -> ApiKey:
    api_key = session.get(ApiKey, key_id)
    if api_key is None or api_key.organization_id != organization_id:
        raise NotFound(f"API key {key_id!r} not found")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        session.flush()
    return api_key
