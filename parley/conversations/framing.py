"""Which sites may show an organisation's embed page in a frame: its allow-list for
``Content-Security-Policy: frame-ancestors``.

The list lives in ``Organization.settings["frame_ancestors"]``: CSP sources, each
``'self'`` (Parley's own origin) or an origin ``scheme://host[:port]`` whose host may
start with ``*.`` to match its subdomains, or ``'none'`` alone (no site at all). Unset,
it is ``'self'``: a partner names its sites before a browser shows the page in them.

Every source is parsed and written back from its parts (a lower-case host of letters,
digits and hyphens, a numeric port), so nothing a partner sends can add a directive or a
header to the policy.

>>> checked_frame_ancestors(["https://App.Example.com/", "'self'", "http://localhost:3000"])
('https://app.example.com', "'self'", 'http://localhost:3000')
>>> checked_frame_ancestors(["https://*.example.com", "self"])
('https://*.example.com', "'self'")
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from parley.errors import InvalidInput

SETTING = "frame_ancestors"
DEFAULT: tuple[str, ...] = ("'self'",)
#: What a stored list that no longer validates means: no framing (fail closed).
REFUSE_ALL: tuple[str, ...] = ("'none'",)
MAX_SOURCES = 32
SCHEMES = ("https", "http")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def checked_frame_ancestors(sources: Sequence[str]) -> tuple[str, ...]:
    """The sources, each normalised, in order, without repeats; or ``InvalidInput``
    whose ``errors`` name each source that is not acceptable (by its index)."""
    errors: list[dict[str, Any]] = []
    found: list[str] = []
    if not sources:
        errors.append(_problem([], "name at least one site, or \"'none'\" for no site at all"))
    if len(sources) > MAX_SOURCES:
        errors.append(_problem([], f"at most {MAX_SOURCES} sites, not {len(sources)}"))
    for index, raw in enumerate(sources):
        try:
            found.append(_source(raw))
        except ValueError as error:
            errors.append(_problem([index], str(error)))
    if "'none'" in found and len(found) > 1:
        errors.append(_problem([], "\"'none'\" means no site: it cannot be listed with others"))
    if errors:
        raise InvalidInput("; ".join(e["msg"] for e in errors), detail={"errors": errors})
    return tuple(dict.fromkeys(found))


def stored_frame_ancestors(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The organisation's list from its settings: the default when unset."""
    value = settings.get(SETTING)
    if value is None:
        return DEFAULT
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return REFUSE_ALL
    try:
        return checked_frame_ancestors(value)
    except InvalidInput:
        return REFUSE_ALL


def _problem(where: list[int], msg: str) -> dict[str, Any]:
    return {"loc": ["body", SETTING, *where], "msg": msg, "type": "value_error"}


def _source(raw: str) -> str:
    text = raw.strip()
    # The keywords are quoted in a policy; bare, they are no site, so they mean the same.
    keyword = text.lower().strip("'")
    if keyword in ("self", "none"):
        return f"'{keyword}'"
    shape = f"{raw!r} is not a site: write it as https://host or https://host:port"
    parts = urlsplit(text)
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise ValueError(shape)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{raw!r} is more than a site: keep scheme://host[:port] only")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{raw!r} has a port that is not a number from 1 to 65535") from None
    host = _host(parts.hostname or "", raw)
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _host(host: str, raw: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"[{address}]" if address.version == 6 else str(address)
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{raw!r} does not name a valid host") from None
    labels = name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{raw!r} does not name a valid host")
    return ("*." if wildcard else "") + name
