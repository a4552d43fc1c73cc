from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from parley.auth.api_keys import (
    display_prefix,
    generate_api_key,
    generate_channel_secret,
    hash_secret,
    verify_secret,
)


@pytest.mark.parametrize(
    ("generate", "prefix"), [(generate_api_key, "pk_"), (generate_channel_secret, "sk_")]
)
def test_tokens_have_a_prefix_and_32_url_safe_characters(
    generate: Callable[[], str], prefix: str
) -> None:
    tokens = {generate() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert re.fullmatch(re.escape(prefix) + r"[A-Za-z0-9_-]{32}", token), token


def test_hash_is_sha256_hex() -> None:
    # The standard SHA-256 test vector.
    assert hash_secret("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert re.fullmatch(r"[0-9a-f]{64}", hash_secret(generate_api_key()))


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [("pk_right", True), ("pk_wrong", False), ("", False), ("pk_right ", False)],
)
def test_verify_secret(candidate: str, expected: bool) -> None:
    assert verify_secret(candidate, hash_secret("pk_right")) is expected


def test_display_prefix_is_the_first_eight_characters() -> None:
    key = generate_api_key()
    assert display_prefix(key) == key[:8]
    assert display_prefix(key).startswith("pk_")
