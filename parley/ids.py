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
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{stem}_{random_part}"
