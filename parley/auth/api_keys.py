"""API keys and channel secrets: random bearer tokens stored only as hashes.

These tokens carry about 190 bits of randomness, so a single fast SHA-256 is the right
hash: a slow password hash protects guessable secrets and would only add latency to
every request here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

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
