"""Who is calling: the one identity every credential resolves to.

API keys, HTTP Basic ``member:key``, Workbench JWTs (and later embed tokens and channel
secret keys) all end as a ``Principal``; everything past the edge (conversations, rate
limits, row filters) reads this object and never the credential it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parley.engine.row_filters import RowFilter


@dataclass(frozen=True, slots=True)
class Principal:
    organization_id: str
    #: Who owns the conversations it opens: ``member:<id>``, ``key:<id>``,
    #: ``tenant:<tenant>/<user>`` (a Workbench user) ...
    owner: str
    #: How to name it to a person (a member's e-mail, a key's name, a token's subject).
    name: str
    role: str = "member"
    member_id: str | None = None
    #: The names of the applications it may open; None: every one of its organisation.
    applications: frozenset[str] | None = None
    #: A space restricts an application with row filters; a channel is a public endpoint.
    space_id: str | None = None
    channel_id: str | None = None
    #: What every statement run for it is filtered by (the space's filters).
    row_filters: tuple[RowFilter, ...] = ()
    #: The organisation's rate-limit settings (``Organization.settings["rate_limits"]``).
    rate_limits: Mapping[str, Any] | None = None

    def may_open(self, application: str) -> bool:
        return self.applications is None or application in self.applications
