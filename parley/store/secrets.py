"""Encryption at rest for credentials Parley must use again (source connection URLs).

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``. The key comes from the
``PARLEY_SECRET_KEY`` environment variable when set, so that several app processes share
it; otherwise from ``<home>/secret.key``, created on first use and readable only by its
owner.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from parley.errors import ParleyError

KEY_ENV_VAR = "PARLEY_SECRET_KEY"
#: Keys retired by a rotation (comma-separated): still read, never written with.
PREVIOUS_KEYS_ENV_VAR = "PARLEY_SECRET_KEY_PREVIOUS"
KEY_FILE_NAME = "secret.key"
REDACTED = "***"
#: A passphrase shorter than this is refused: it would be the weakest link.
MIN_PASSPHRASE_LENGTH = 32
_PASSWORD_QUERY_KEYS = frozenset({"password", "pwd", "passwd", "secret", "token"})


class SecretKeyError(ParleyError):
    """The configured secret key is unusable."""

    status = 500
    code = "secret_key_invalid"


class CredentialKeyChanged(ParleyError):
    """A stored credential was encrypted with a different secret key."""

    status = 500
    code = "credential_key_changed"


class CredentialCipher:
    """Encrypts and decrypts short strings with one Fernet key."""

    def __init__(self, key: bytes, previous: tuple[bytes, ...] = ()) -> None:
        try:
            # The first key encrypts; every key decrypts, so a rotated key keeps working
            # until `rotate_credentials` has re-encrypted what it protected.
            self._fernet = MultiFernet([Fernet(k) for k in (key, *previous)])
        except ValueError as exc:
            raise SecretKeyError(
                "the secret key is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from exc

    @classmethod
    def from_environment(
        cls, home: Path, environ: Mapping[str, str] | None = None
    ) -> CredentialCipher:
        """The cipher keyed by ``PARLEY_SECRET_KEY`` if set, else by ``<home>/secret.key``."""
        env = os.environ if environ is None else environ
        previous = tuple(
            _derive_key(part.strip(), PREVIOUS_KEYS_ENV_VAR)
            for part in env.get(PREVIOUS_KEYS_ENV_VAR, "").split(",")
            if part.strip()
        )
        return cls(resolve_key(home, env), previous)

    def rotate(self, token: str) -> str:
        """``token`` encrypted again with the current key (it may have used a previous one)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise CredentialKeyChanged(
                "a stored credential cannot be decrypted with the current or a previous key"
            ) from exc

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise CredentialKeyChanged(
                "a stored credential cannot be decrypted: the secret key changed since it "
                f"was saved ({KEY_ENV_VAR} or {KEY_FILE_NAME}); restore the previous key "
                "or enter the connection URL again"
            ) from exc


def resolve_key(home: Path, environ: Mapping[str, str]) -> bytes:
    """The key from ``PARLEY_SECRET_KEY`` when set, else from the key file in ``home``.

    The variable may hold a Fernet key or a passphrase of at least 32 characters (from
    which a key is derived), so operators can use whatever their secret manager makes.
    """
    configured = environ.get(KEY_ENV_VAR, "").strip()
    if not configured:
        return load_or_create_key(home)
    return _derive_key(configured, KEY_ENV_VAR)


def _derive_key(configured: str, variable: str) -> bytes:
    if _is_fernet_key(configured):
        return configured.encode("ascii")
    if len(configured) < MIN_PASSPHRASE_LENGTH:
        raise SecretKeyError(
            f"{variable} must be a Fernet key or a passphrase of at least "
            f"{MIN_PASSPHRASE_LENGTH} characters; it has {len(configured)}"
        )
    return base64.urlsafe_b64encode(hashlib.sha256(configured.encode("utf-8")).digest())


def load_or_create_key(home: Path) -> bytes:
    """The key in ``<home>/secret.key``, created with mode 0600 if it does not exist."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / KEY_FILE_NAME
    key = Fernet.generate_key()
    try:
        # O_EXCL: two processes starting together must not each write their own key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        stored = path.read_bytes().strip()
        if not _is_fernet_key(stored.decode("ascii", errors="replace")):
            raise SecretKeyError(f"the key file {path} does not hold a Fernet key") from None
        return stored
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def redact_url(url: str) -> str:
    """``url`` with its password (in the authority or the query) replaced by ``***``.

    >>> redact_url("postgresql://ana:s3cret@db.example:5432/sales")
    'postgresql://ana:***@db.example:5432/sales'
    >>> redact_url("mysql://bob@db/x?password=hunter2&ssl=true")
    'mysql://bob@db/x?password=***&ssl=true'
    >>> redact_url("duckdb:///data/demo.duckdb")
    'duckdb:///data/demo.duckdb'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    redacted = url
    userinfo, at, host = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        user = userinfo.split(":", 1)[0]
        # Replaced in place: rebuilding with urlunsplit would turn "x:///p" into "x:/p".
        redacted = redacted.replace(f"//{parts.netloc}", f"//{user}:{REDACTED}@{host}", 1)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(name.lower() in _PASSWORD_QUERY_KEYS for name, _ in pairs):
        query = urlencode(
            [
                (name, REDACTED if name.lower() in _PASSWORD_QUERY_KEYS else value)
                for name, value in pairs
            ],
            safe="*",
        )
        redacted = redacted.replace(f"?{parts.query}", f"?{query}", 1)
    return redacted


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError):
        return False
