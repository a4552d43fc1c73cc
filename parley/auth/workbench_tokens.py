"""The Workbench's token service, built from the environment.

Three ways to configure it, checked in this order:

* an external identity provider: ``PARLEY_JWT_JWKS`` (a JWKS file) or
  ``PARLEY_JWT_PUBLIC_KEY`` alone (a PEM file); Parley only verifies, RS256;
* Parley's own RS256 key pair: ``PARLEY_JWT_PRIVATE_KEY`` (and optionally
  ``PARLEY_JWT_PUBLIC_KEY``), PEM files; Parley signs and verifies;
* the default, HS256 with ``PARLEY_JWT_SECRET`` or, when that is unset, a secret generated
  once into ``<home>/jwt.secret`` (mode 0600).

``PARLEY_JWT_ISSUER`` and ``PARLEY_JWT_AUDIENCE`` (both default ``parley``) apply to all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from parley.auth.tokens import TokenConfig, TokenConfigError, TokenService
from parley.config import Settings

SECRET_FILE_NAME = "jwt.secret"
ENV_SECRET = "PARLEY_JWT_SECRET"
ENV_PRIVATE_KEY = "PARLEY_JWT_PRIVATE_KEY"
ENV_PUBLIC_KEY = "PARLEY_JWT_PUBLIC_KEY"
ENV_JWKS = "PARLEY_JWT_JWKS"
ENV_ISSUER = "PARLEY_JWT_ISSUER"
ENV_AUDIENCE = "PARLEY_JWT_AUDIENCE"


def token_config(settings: Settings, environ: Mapping[str, str] | None = None) -> TokenConfig:
    """The token configuration the environment describes (see the module docstring)."""
    env = settings.environ() if environ is None else environ
    issuer = env.get(ENV_ISSUER) or "parley"
    audience = env.get(ENV_AUDIENCE) or "parley"
    private_path = env.get(ENV_PRIVATE_KEY) or None
    public_path = env.get(ENV_PUBLIC_KEY) or None
    jwks_path = env.get(ENV_JWKS) or None
    if private_path or public_path or jwks_path:
        return TokenConfig(
            algorithm="RS256",
            private_key_pem=_read_pem(ENV_PRIVATE_KEY, private_path),
            public_key_pem=_read_pem(ENV_PUBLIC_KEY, public_path),
            jwks_path=Path(jwks_path) if jwks_path else None,
            issuer=issuer,
            audience=audience,
        )
    secret = env.get(ENV_SECRET) or settings.jwt_secret or load_or_create_secret(settings.home)
    return TokenConfig(algorithm="HS256", secret=secret, issuer=issuer, audience=audience)


def token_service(settings: Settings, environ: Mapping[str, str] | None = None) -> TokenService:
    """A ``TokenService``; a configuration it cannot use is a ``TokenConfigError``."""
    try:
        return TokenService(token_config(settings, environ))
    except ValueError as exc:
        raise TokenConfigError(f"the JWT configuration is not usable: {exc}") from None


def load_or_create_secret(home: Path) -> str:
    """The HS256 secret in ``<home>/jwt.secret``, created with mode 0600 if missing."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / SECRET_FILE_NAME
    try:
        # O_EXCL: two processes starting together must not each write their own secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        stored = path.read_text(encoding="ascii").strip()
        if not stored:
            raise TokenConfigError(f"the JWT secret file {path} is empty") from None
        return stored
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    return secret


def _read_pem(variable: str, path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="ascii")
    except OSError as exc:
        raise TokenConfigError(f"cannot read {variable} file {path}: {exc.strerror}") from None
