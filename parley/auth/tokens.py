"""JSON Web Tokens: Parley's own embed tokens, and tokens of an external identity provider.

Parley signs tokens with HS256 (a shared secret) or RS256 (a private key), and verifies
either its own tokens or those of an identity provider given as a public key or a JWKS
file. Verification accepts exactly the configured algorithm: the algorithm a token
names in its header is never trusted, which is what refuses ``alg: none`` and the
HS256-signed-with-the-public-key confusion.

Every verification failure is an ``Unauthorized`` with a short message naming what was
wrong; the PyJWT exception is not chained, so neither key material nor a traceback can
reach a client through it.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.exceptions import InvalidSubjectError

from parley.errors import ParleyError, TokenExpired, Unauthorized

Algorithm = Literal["HS256", "RS256"]

# RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
MIN_SECRET_BYTES = 32
# Far above any real token; refusing early keeps a huge header from being parsed at all.
MAX_TOKEN_CHARS = 16_384
RESERVED_CLAIMS = frozenset({"sub", "tenant_id", "iss", "aud", "iat", "exp", "jti", "nbf"})


@dataclass(frozen=True)
class TokenConfig:
    algorithm: Algorithm = "HS256"
    secret: str | None = None  # HS256
    private_key_pem: str | None = None  # RS256 signing
    public_key_pem: str | None = None  # RS256 verifying (own or external IdP)
    jwks_path: Path | None = None  # external IdP: a JWKS file, keys chosen by `kid`
    issuer: str = "parley"
    audience: str = "parley"
    default_ttl_s: int = 3600
    leeway_s: int = 30


class TokenConfigError(ParleyError):
    """The token service is asked to do something its configuration cannot."""

    status = 500
    code = "token_config_error"


class TokenService:
    def __init__(self, config: TokenConfig) -> None:
        self.config = config
        self._signing_key: bytes | rsa.RSAPrivateKey | None
        self._verifying_key: bytes | rsa.RSAPublicKey | None
        self._jwks: dict[str, jwt.PyJWK] = {}
        if config.default_ttl_s <= 0:
            raise ValueError(f"default_ttl_s must be positive, got {config.default_ttl_s}")
        if config.algorithm == "HS256":
            self._signing_key, self._verifying_key = _hmac_keys(config)
        elif config.algorithm == "RS256":
            self._signing_key, self._verifying_key = _rsa_keys(config)
            self._jwks = _load_jwks(config.jwks_path) if config.jwks_path else {}
            if self._verifying_key is None and not self._jwks:
                raise ValueError(
                    "RS256 needs a key to verify with: public_key_pem, private_key_pem or jwks_path"
                )
        else:
            raise ValueError(f"unsupported token algorithm {config.algorithm!r}")

    def issue(
        self,
        *,
        tenant_id: str,
        user_id: str,
        ttl_s: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        if self._signing_key is None:
            raise TokenConfigError(
                "token signing is not configured: RS256 needs private_key_pem to issue tokens"
            )
        ttl = self.config.default_ttl_s if ttl_s is None else ttl_s
        if ttl <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl}")
        clashing = sorted(RESERVED_CLAIMS & set(extra or {}))
        if clashing:
            raise ValueError(f"extra claims may not override {', '.join(clashing)}")
        now = int(time.time())
        claims: dict[str, Any] = {
            **(extra or {}),
            "sub": user_id,
            "tenant_id": tenant_id,
            "iss": self.config.issuer,
            "aud": self.config.audience,
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode(claims, self._signing_key, algorithm=self.config.algorithm)

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a valid token, or raise ``Unauthorized`` saying why not."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized("malformed token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("malformed token") from None
        alg = header.get("alg")
        if alg != self.config.algorithm:
            # Checked here, before any key is chosen, so the message names the algorithm
            # rather than a signature failure.
            raise Unauthorized(
                f"token algorithm {alg!r} is not allowed (expected {self.config.algorithm})"
            )
        key = self._key_for(header)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[self.config.algorithm],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired("token expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(_failure_message(exc)) from None
        subject = claims.get("sub", claims.get("user_id"))
        if not isinstance(subject, str) or not subject:
            raise Unauthorized("token is missing the 'sub' (or 'user_id') claim")
        return claims

    def _key_for(self, header: Mapping[str, Any]) -> Any:
        if not self._jwks:
            return self._verifying_key
        kid = header.get("kid")
        if kid is None:
            if self._verifying_key is not None:
                return self._verifying_key
            if len(self._jwks) == 1:
                return next(iter(self._jwks.values())).key
            raise Unauthorized(
                f"token has no key id ('kid') and the key set holds {len(self._jwks)} keys"
            )
        if not isinstance(kid, str) or kid not in self._jwks:
            raise Unauthorized(f"token key id {kid!r} is not known")
        return self._jwks[kid].key


def _failure_message(exc: jwt.PyJWTError) -> str:
    # Most specific classes first: InvalidSignatureError is a DecodeError.
    if isinstance(exc, jwt.InvalidSignatureError):
        return "token signature is invalid"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "token audience is not accepted"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "token issuer is not accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"token is missing the {exc.claim!r} claim"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "token is not yet valid"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "token algorithm is not allowed"
    if isinstance(exc, jwt.InvalidIssuedAtError):
        return "token issued-at ('iat') claim is invalid"
    if isinstance(exc, InvalidSubjectError):
        return "token subject ('sub') claim is invalid"
    if isinstance(exc, jwt.InvalidKeyError):
        return "token key does not match the configured algorithm"
    if isinstance(exc, jwt.DecodeError):
        return "malformed token"
    return "token is invalid"


def _hmac_keys(config: TokenConfig) -> tuple[bytes, bytes]:
    if not config.secret:
        raise ValueError("HS256 needs a secret")
    secret = config.secret.encode()
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(
            f"HS256 secret must be at least {MIN_SECRET_BYTES} bytes, got {len(secret)}"
        )
    return secret, secret


def _rsa_keys(
    config: TokenConfig,
) -> tuple[rsa.RSAPrivateKey | None, rsa.RSAPublicKey | None]:
    private_key = None
    public_key = None
    if config.private_key_pem:
        loaded = serialization.load_pem_private_key(config.private_key_pem.encode(), None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError("private_key_pem is not an RSA private key")
        private_key = loaded
        public_key = loaded.public_key()
    if config.public_key_pem:
        loaded_public = serialization.load_pem_public_key(config.public_key_pem.encode())
        if not isinstance(loaded_public, rsa.RSAPublicKey):
            raise ValueError("public_key_pem is not an RSA public key")
        # An explicit public key wins: it is how an external provider's key is given.
        public_key = loaded_public
    return private_key, public_key


def _load_jwks(path: Path) -> dict[str, jwt.PyJWK]:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"cannot read JWKS file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"JWKS file {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    try:
        key_set = jwt.PyJWKSet.from_dict(data)
    except jwt.PyJWTError as exc:
        raise ValueError(f"JWKS file {path} holds no usable key: {exc}") from None
    keys: dict[str, jwt.PyJWK] = {}
    for key in key_set.keys:
        if key.key_id is None:
            raise ValueError(f"JWKS file {path} has a key without 'kid'")
        keys[key.key_id] = key
    return keys


def generate_rsa_keypair(bits: int = 2048) -> tuple[str, str]:
    """Return a new RSA key pair as (private PEM, public PEM), for ``parley token keygen``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem
