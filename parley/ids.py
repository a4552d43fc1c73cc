"""Readable, unguessable primary keys: ``org_3xQ...``, ``conv_Zk9...``.

The prefix tells a person reading a log or a URL what kind of thing an id names; the
random part (alphanumeric only, so ids survive URLs, shells and double-click selection
intact) makes ids impossible to enumerate.
"""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
#: 22 characters of 62 symbols: about 131 bits, the same as a random UUID.
RANDOM_LENGTH = 22
_SPACE = len(_ALPHABET) ** RANDOM_LENGTH


def new_id(prefix: str) -> str:
    """A new id made of ``prefix``, one underscore and a random part.

    >>> new_id("org").startswith("org_")
    True
    >>> new_id("msg_").startswith("msg_") and "__" not in new_id("msg_")
    True
    """
    stem = prefix.rstrip("_")
    if not stem or not stem.replace("_", "").isalnum():
        raise ValueError(f"id prefix {prefix!r} must be letters and digits")
    return f"{stem}_{_random_part()}"


def _random_part() -> str:
    """``RANDOM_LENGTH`` symbols of the alphabet, uniformly at random: the digits of one
    random number below 62**22 (one read of the system's randomness, where a draw per
    symbol read it 22 times: a hot path, several ids a turn)."""
    number = secrets.randbelow(_SPACE)
    symbols = []
    for _ in range(RANDOM_LENGTH):
        number, digit = divmod(number, len(_ALPHABET))
        symbols.append(_ALPHABET[digit])
    return "".join(symbols)
