"""API keys and channel secrets: random bearer tokens stored only as hashes. They are
made and checked here; the store only keeps their hashes.

These tokens carry about 190 bits of randomness, so a single fast SHA-256 is the right
hash: a slow password hash protects guessable secrets and would only add latency to
every request here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from parley.store import sharing, tenancy
from parley.store.models import ApiKey, Channel

API_KEY_PREFIX = "pk_"
CHANNEL_SECRET_PREFIX = "sk_"
#: How many leading characters of a token are kept in clear to help people tell keys apart.
DISPLAY_PREFIX_LENGTH = 8
_RANDOM_BYTES = 24  # 32 url-safe characters


def generate_secret(prefix: str) -> str:
    """A new random token: ``prefix`` followed by 32 url-safe characters."""
    return prefix + secrets.token_urlsafe(_RANDOM_BYTES)


def generate_api_key() -> str:
    """A new API key: ``pk_`` followed by 32 url-safe characters."""
    return generate_secret(API_KEY_PREFIX)


def generate_channel_secret() -> str:
    """A new channel secret key: ``sk_`` followed by 32 url-safe characters."""
    return generate_secret(CHANNEL_SECRET_PREFIX)


def display_prefix(plaintext: str) -> str:
    """The part of a token that may be shown again after creation.

    >>> display_prefix("pk_abcdefghijkl")
    'pk_abcde'
    """
    return plaintext[:DISPLAY_PREFIX_LENGTH]


def hash_secret(plaintext: str) -> str:
    """The SHA-256 hex digest under which a token is stored.

    >>> len(hash_secret("pk_x"))
    64
    """
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def verify_secret(plaintext: str, expected_hash: str) -> bool:
    """Whether ``plaintext`` hashes to ``expected_hash``, compared in constant time."""
    return hmac.compare_digest(hash_secret(plaintext), expected_hash)


def create_api_key(
    session: Session, organization_id: str, name: str, *, member_id: str | None = None
) -> tuple[str, ApiKey]:
    """A new key; the plaintext is returned this once and never stored."""
    plaintext = generate_api_key()
    api_key = tenancy.add_api_key(
        session,
        organization_id,
        name,
        prefix=display_prefix(plaintext),
        key_hash=hash_secret(plaintext),
        member_id=member_id,
    )
    return plaintext, api_key


def authenticate_api_key(session: Session, plaintext: str) -> ApiKey | None:
    """The live key whose plaintext this is, or None; records when it was last used."""
    api_key = tenancy.find_api_key(session, hash_secret(plaintext))
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not verify_secret(plaintext, api_key.key_hash):
        return None
    tenancy.touch_api_key(session, api_key)
    return api_key


def create_channel(
    session: Session, organization_id: str, application_id: str, name: str
) -> tuple[str, Channel]:
    """A new channel; its secret key is returned this once and stored only hashed."""
    secret = generate_channel_secret()
    channel = sharing.add_channel(
        session,
        organization_id,
        application_id,
        name,
        secret_hash=hash_secret(secret),
        secret_prefix=display_prefix(secret),
    )
    return secret, channel


def authenticate_channel(
    session: Session, secret: str, *, channel_id: str | None = None
) -> Channel | None:
    """The channel whose secret this is (and whose id is ``channel_id``, if given)."""
    channel = sharing.find_channel(session, hash_secret(secret))
    if channel is None or not verify_secret(secret, channel.secret_hash):
        return None
    if channel_id is not None and channel.id != channel_id:
        return None
    return channel


def rotate_channel_secret(session: Session, channel: Channel) -> str:
    """Replace the channel's secret; the old one stops working at commit."""
    secret = generate_channel_secret()
    sharing.set_channel_secret(
        session, channel, secret_hash=hash_secret(secret), secret_prefix=display_prefix(secret)
    )
    return secret
