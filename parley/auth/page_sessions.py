"""The chat page's sign-in session: a short-lived token in an HTTP-only cookie.

A person signs in once with an API key; the page's cookie then holds a token signed by
``TokenService`` (HS256) naming the organisation and the key, never the key itself. Every
request checks that the key is still live, so revoking a key ends its sessions at once;
the token only saves sending the key again.

The signing secret is derived from the installation's JWT secret (``PARLEY_JWT_SECRET``,
or ``<home>/jwt.secret``), under its own audience, so a session token is never accepted
as a Workbench token, nor the other way round, and every process that shares the JWT
secret accepts the same sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from parley.auth.tokens import TokenConfig, TokenService
from parley.auth.workbench_tokens import load_or_create_secret
from parley.config import Settings
from parley.errors import Unauthorized

#: How long a sign-in lasts; a person signs in again after a working day.
SESSION_TTL_S = 8 * 3600
AUDIENCE = "parley-page-session"
_DERIVATION_LABEL = b"parley page session v1"


@dataclass(frozen=True, slots=True)
class PageSession:
    organization_id: str
    key_id: str


class PageSessions:
    def __init__(self, secret: str, *, ttl_s: int = SESSION_TTL_S) -> None:
        derived = hmac.new(secret.encode(), _DERIVATION_LABEL, hashlib.sha256).hexdigest()
        self._tokens = TokenService(
            TokenConfig(algorithm="HS256", secret=derived, audience=AUDIENCE, default_ttl_s=ttl_s)
        )
        self.ttl_s = ttl_s

    @classmethod
    def from_settings(cls, settings: Settings) -> PageSessions:
        return cls(settings.jwt_secret or load_or_create_secret(settings.home))

    def issue(self, session: PageSession) -> str:
        return self._tokens.issue(tenant_id=session.organization_id, user_id=session.key_id)

    def verify(self, token: str | None) -> PageSession:
        """The session a cookie names, or ``Unauthorized`` saying to sign in."""
        if not token:
            raise Unauthorized("sign in with an API key")
        try:
            claims = self._tokens.verify(token)
        except Unauthorized as error:
            raise Unauthorized(f"the session has ended ({error.message}): sign in again") from None
        return PageSession(str(claims["tenant_id"]), str(claims["sub"]))
