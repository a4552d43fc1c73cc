"""Who is calling: the one identity every way of authenticating resolves to.

API keys, Basic credentials, channel secret keys and JWT embed tokens all end as a
``Principal``; everything past the edge (conversations, rate limits, row filters) reads
this object and never the credential it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PrincipalKind = Literal["api_key", "member", "embed", "channel", "tenant_user"]


@dataclass(frozen=True)
class Principal:
    organization_id: str
    kind: PrincipalKind
    # The authenticated thing itself: a member id, key id, tenant user id, channel id ...
    subject: str
    tenant_id: str | None = None
    user_id: str | None = None
    space_id: str | None = None
    customer_id: str | None = None
    scopes: frozenset[str] = frozenset()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
