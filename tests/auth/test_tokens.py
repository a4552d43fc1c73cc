from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from parley.auth.tokens import (
    TokenConfig,
    TokenConfigError,
    TokenService,
    generate_rsa_keypair,
)
from parley.errors import Unauthorized

SECRET = "s3cret-for-tests-only-0123456789abcdef"
OTHER_SECRET = "another-secret-for-tests-0123456789abc"


@pytest.fixture(scope="module")
def keypair() -> tuple[str, str]:
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def other_keypair() -> tuple[str, str]:
    return generate_rsa_keypair()


@pytest.fixture
def hs() -> TokenService:
    return TokenService(TokenConfig(secret=SECRET))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "user-456",
        "tenant_id": "acme-corp",
        "iss": "parley",
        "aud": "parley",
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs_token(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def unauthorized(service: TokenService, token: str) -> str:
    with pytest.raises(Unauthorized) as info:
        service.verify(token)
    assert info.value.status == 401
    return info.value.message


# --- issue and verify -------------------------------------------------------------------


def test_hs256_round_trip(hs: TokenService) -> None:
    token = hs.issue(tenant_id="acme-corp", user_id="user-456", ttl_s=120, extra={"role": "viewer"})
    got = hs.verify(token)
    assert got["sub"] == "user-456"
    assert got["tenant_id"] == "acme-corp"
    assert (got["iss"], got["aud"]) == ("parley", "parley")
    assert got["exp"] - got["iat"] == 120
    assert got["role"] == "viewer"
    assert isinstance(got["jti"], str) and len(got["jti"]) >= 16
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_each_token_has_its_own_jti(hs: TokenService) -> None:
    first = hs.verify(hs.issue(tenant_id="t", user_id="u"))
    second = hs.verify(hs.issue(tenant_id="t", user_id="u"))
    assert first["jti"] != second["jti"]
    assert first["exp"] - first["iat"] == 3600


def test_rs256_round_trip(keypair: tuple[str, str]) -> None:
    private_pem, public_pem = keypair
    signer = TokenService(TokenConfig(algorithm="RS256", private_key_pem=private_pem))
    token = signer.issue(tenant_id="acme-corp", user_id="user-456")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert signer.verify(token)["sub"] == "user-456"
    verifier = TokenService(TokenConfig(algorithm="RS256", public_key_pem=public_pem))
    assert verifier.verify(token)["tenant_id"] == "acme-corp"


def test_external_idp_with_public_key(keypair: tuple[str, str]) -> None:
    private_pem, public_pem = keypair
    config = TokenConfig(
        algorithm="RS256", public_key_pem=public_pem, issuer="https://idp.example", audience="bi"
    )
    service = TokenService(config)
    payload = claims(sub=None, user_id="u-9", iss="https://idp.example", aud="bi")
    token = jwt.encode(payload, private_pem, algorithm="RS256")
    assert service.verify(token)["user_id"] == "u-9"
    with pytest.raises(TokenConfigError, match="private_key_pem"):
        service.issue(tenant_id="t", user_id="u")


@pytest.fixture(scope="module")
def jwks_file(
    tmp_path_factory: pytest.TempPathFactory,
    keypair: tuple[str, str],
    other_keypair: tuple[str, str],
) -> Path:
    keys = []
    for kid, (_, public_pem) in (("k1", keypair), ("k2", other_keypair)):
        public_key = serialization.load_pem_public_key(public_pem.encode())
        assert isinstance(public_key, rsa.RSAPublicKey)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public_key, as_dict=True)
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
    path = tmp_path_factory.mktemp("idp") / "jwks.json"
    path.write_text(json.dumps({"keys": keys}))
    return path


def test_external_idp_with_jwks_selects_key_by_kid(
    jwks_file: Path, keypair: tuple[str, str], other_keypair: tuple[str, str]
) -> None:
    service = TokenService(TokenConfig(algorithm="RS256", jwks_path=jwks_file))
    for kid, (private_pem, _) in (("k1", keypair), ("k2", other_keypair)):
        token = jwt.encode(claims(), private_pem, algorithm="RS256", headers={"kid": kid})
        assert service.verify(token)["sub"] == "user-456"


def test_jwks_key_of_another_kid_fails_signature(jwks_file: Path, keypair: tuple[str, str]) -> None:
    service = TokenService(TokenConfig(algorithm="RS256", jwks_path=jwks_file))
    token = jwt.encode(claims(), keypair[0], algorithm="RS256", headers={"kid": "k2"})
    assert unauthorized(service, token) == "token signature is invalid"


def test_jwks_unknown_kid(jwks_file: Path, keypair: tuple[str, str]) -> None:
    service = TokenService(TokenConfig(algorithm="RS256", jwks_path=jwks_file))
    token = jwt.encode(claims(), keypair[0], algorithm="RS256", headers={"kid": "rotated-away"})
    assert unauthorized(service, token) == "token key id 'rotated-away' is not known"
    bare = jwt.encode(claims(), keypair[0], algorithm="RS256")
    assert "no key id ('kid')" in unauthorized(service, bare)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"keys": []}', "holds no usable key"),
    ],
)
def test_unusable_jwks_file_is_refused_at_start(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        TokenService(TokenConfig(algorithm="RS256", jwks_path=path))


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (claims(exp=int(time.time()) - 120), "token expired"),
        (claims(aud="someone-else"), "token audience is not accepted"),
        (claims(iss="https://evil.example"), "token issuer is not accepted"),
        (claims(exp=None), "token is missing the 'exp' claim"),
        (claims(iat=None), "token is missing the 'iat' claim"),
        (claims(aud=None), "token is missing the 'aud' claim"),
        (claims(iss=None), "token is missing the 'iss' claim"),
        (claims(sub=None), "token is missing the 'sub' (or 'user_id') claim"),
        (claims(iat=int(time.time()) + 3600), "token is not yet valid"),
    ],
    ids=[
        "expired",
        "audience",
        "issuer",
        "no-exp",
        "no-iat",
        "no-aud",
        "no-iss",
        "no-sub",
        "future",
    ],
)
def test_refused_claims(hs: TokenService, payload: dict[str, Any], message: str) -> None:
    assert unauthorized(hs, hs_token(payload)) == message


def test_expiry_within_leeway_is_accepted(hs: TokenService) -> None:
    assert hs.verify(hs_token(claims(exp=int(time.time()) - 5)))["sub"] == "user-456"


def test_wrong_secret(hs: TokenService) -> None:
    assert unauthorized(hs, hs_token(claims(), OTHER_SECRET)) == "token signature is invalid"


def test_tampered_payload(hs: TokenService) -> None:
    header, _, signature = hs.issue(tenant_id="acme", user_id="alice").split(".")
    forged = b64url(json.dumps(claims(sub="admin")).encode())
    assert unauthorized(hs, f"{header}.{forged}.{signature}") == "token signature is invalid"


def test_rs256_wrong_key(keypair: tuple[str, str], other_keypair: tuple[str, str]) -> None:
    service = TokenService(TokenConfig(algorithm="RS256", public_key_pem=keypair[1]))
    token = jwt.encode(claims(), other_keypair[0], algorithm="RS256")
    assert unauthorized(service, token) == "token signature is invalid"


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(hs: TokenService, alg: str) -> None:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims()).encode())
    message = unauthorized(hs, f"{header}.{payload}.")
    assert message == f"token algorithm '{alg}' is not allowed (expected HS256)"
    # Without the empty signature segment it is not even a compact JWS.
    assert unauthorized(hs, f"{header}.{payload}") == "malformed token"


def test_hs256_signed_with_public_key_is_refused_by_rs256(keypair: tuple[str, str]) -> None:
    public_pem = keypair[1]
    service = TokenService(TokenConfig(algorithm="RS256", public_key_pem=public_pem))
    # The classic confusion attack: the public key, which anyone has, used as an HMAC
    # secret. PyJWT will not sign this, so it is built by hand.
    signing_input = ".".join(
        [
            b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
            b64url(json.dumps(claims()).encode()),
        ]
    )
    mac = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64url(mac)}"
    assert unauthorized(service, token) == "token algorithm 'HS256' is not allowed (expected RS256)"


def test_rs256_token_is_refused_by_hs256(hs: TokenService, keypair: tuple[str, str]) -> None:
    token = jwt.encode(claims(), keypair[0], algorithm="RS256")
    assert unauthorized(hs, token) == "token algorithm 'RS256' is not allowed (expected HS256)"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "!!!.###.$$$",
        b64url(b"not json") + ".e30.sig",
        b64url(b'["a list"]') + ".e30.sig",
        "x" * 20_000,
    ],
    ids=[
        "empty",
        "word",
        "two-parts",
        "junk-parts",
        "bad-base64",
        "header-not-json",
        "header-not-object",
        "huge",
    ],
)
def test_malformed(hs: TokenService, token: str) -> None:
    assert unauthorized(hs, token) == "malformed token"


def test_refusal_carries_neither_secret_nor_cause(hs: TokenService) -> None:
    with pytest.raises(Unauthorized) as info:
        hs.verify(hs_token(claims(), OTHER_SECRET))
    error = info.value
    assert error.__cause__ is None and error.__suppress_context__
    rendered = f"{error} {error!r} {error.detail}"
    assert SECRET not in rendered and OTHER_SECRET not in rendered


# --- configuration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (TokenConfig(), "HS256 needs a secret"),
        (TokenConfig(secret="short"), "at least 32 bytes, got 5"),
        (TokenConfig(algorithm="RS256"), "RS256 needs a key to verify with"),
        (TokenConfig(secret=SECRET, default_ttl_s=0), "default_ttl_s must be positive"),
    ],
)
def test_bad_configuration(config: TokenConfig, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TokenService(config)


def test_public_key_given_as_private_key_is_refused(keypair: tuple[str, str]) -> None:
    with pytest.raises(ValueError):
        TokenService(TokenConfig(algorithm="RS256", private_key_pem=keypair[1]))


@pytest.mark.parametrize("reserved", ["sub", "exp", "aud", "tenant_id"])
def test_extra_claims_cannot_override_reserved(hs: TokenService, reserved: str) -> None:
    with pytest.raises(ValueError, match=f"may not override {reserved}"):
        hs.issue(tenant_id="t", user_id="u", extra={reserved: "x"})


def test_generate_rsa_keypair_returns_matching_pems(keypair: tuple[str, str]) -> None:
    private_pem, public_pem = keypair
    private_key = serialization.load_pem_private_key(private_pem.encode(), None)
    public_key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(private_key, rsa.RSAPrivateKey)
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert private_key.public_key().public_numbers() == public_key.public_numbers()
    assert private_key.key_size == 2048
