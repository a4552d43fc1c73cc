from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from parley.errors import ParleyError
from parley.store.secrets import (
    KEY_ENV_VAR,
    CredentialCipher,
    CredentialKeyChanged,
    SecretKeyError,
    load_or_create_key,
    redact_url,
    resolve_key,
)


@pytest.mark.parametrize(
    "plaintext",
    ["postgresql://a:b@h/db", "", "duckdb:///données/démo.duckdb", "mysql://u:p@h/x?ssl=1"],
)
def test_encrypt_decrypt_round_trip(plaintext: str) -> None:
    cipher = CredentialCipher(Fernet.generate_key())
    token = cipher.encrypt(plaintext)
    assert token != plaintext
    assert cipher.decrypt(token) == plaintext


def test_decrypting_with_another_key_says_the_key_changed() -> None:
    token = CredentialCipher(Fernet.generate_key()).encrypt("postgresql://a:b@h/db")
    with pytest.raises(CredentialKeyChanged, match="secret key changed") as info:
        CredentialCipher(Fernet.generate_key()).decrypt(token)
    assert isinstance(info.value, ParleyError)
    assert "postgresql" not in str(info.value)


@pytest.mark.parametrize("token", ["not a token", "ünïcode"])
def test_decrypting_garbage_is_the_same_clear_error(token: str) -> None:
    with pytest.raises(CredentialKeyChanged):
        CredentialCipher(Fernet.generate_key()).decrypt(token)


def test_a_malformed_key_is_refused() -> None:
    with pytest.raises(SecretKeyError, match="not a Fernet key"):
        CredentialCipher(b"short")


def test_key_file_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = load_or_create_key(home)
    second = load_or_create_key(home)
    assert first == second
    mode = stat.S_IMODE((home / "secret.key").stat().st_mode)
    assert mode == 0o600
    CredentialCipher(first)


def test_a_corrupt_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("garbage")
    with pytest.raises(SecretKeyError, match=r"secret\.key"):
        load_or_create_key(tmp_path)


def test_environment_key_wins_over_the_file(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    assert resolve_key(tmp_path, {KEY_ENV_VAR: key.decode()}) == key
    assert not (tmp_path / "secret.key").exists()
    assert resolve_key(tmp_path, {}) == load_or_create_key(tmp_path)


def test_a_long_passphrase_derives_a_stable_key(tmp_path: Path) -> None:
    passphrase = "correct horse battery staple, and then some more"
    first = resolve_key(tmp_path, {KEY_ENV_VAR: passphrase})
    assert first == resolve_key(tmp_path, {KEY_ENV_VAR: passphrase})
    token = CredentialCipher(first).encrypt("x")
    assert CredentialCipher(resolve_key(tmp_path, {KEY_ENV_VAR: passphrase})).decrypt(token) == "x"


def test_a_short_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match=f"{KEY_ENV_VAR} must be"):
        resolve_key(tmp_path, {KEY_ENV_VAR: "hunter2"})


def test_from_environment_reads_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv(KEY_ENV_VAR, key.decode())
    token = CredentialCipher(key).encrypt("secret")
    assert CredentialCipher.from_environment(tmp_path).decrypt(token) == "secret"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://ana:s3cret@db.example:5432/sales",
            "postgresql+psycopg://ana:***@db.example:5432/sales",
        ),
        ("postgresql://ana:p%40ss@db/x", "postgresql://ana:***@db/x"),
        ("postgresql://ana:p@ss@db/x", "postgresql://ana:***@db/x"),
        ("postgresql://ana@db/x", "postgresql://ana@db/x"),
        ("mysql://bob@db/x?password=hunter2&ssl=true", "mysql://bob@db/x?password=***&ssl=true"),
        ("duckdb:///data/demo.duckdb", "duckdb:///data/demo.duckdb"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        (
            "redshift://u:pw@cluster:5439/dev?sslmode=require",
            "redshift://u:***@cluster:5439/dev?sslmode=require",
        ),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_a_rotated_key_still_decrypts_until_credentials_are_encrypted_again(
    tmp_path: Path,
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = CredentialCipher.from_environment(tmp_path, {"PARLEY_SECRET_KEY": old}).encrypt(
        "postgresql://a:b@h/db"
    )
    rotated = CredentialCipher.from_environment(
        tmp_path, {"PARLEY_SECRET_KEY": new, "PARLEY_SECRET_KEY_PREVIOUS": old}
    )
    assert rotated.decrypt(stored) == "postgresql://a:b@h/db"
    again = rotated.rotate(stored)
    only_new = CredentialCipher.from_environment(tmp_path, {"PARLEY_SECRET_KEY": new})
    assert only_new.decrypt(again) == "postgresql://a:b@h/db"
    with pytest.raises(CredentialKeyChanged):
        only_new.decrypt(stored)
