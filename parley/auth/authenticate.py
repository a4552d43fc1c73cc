"""Every credential resolves here, and only here, to one ``Principal``.

``Authenticator`` is built from the store and the settings; faces hand it what the
request carried (an ``Authorization`` header, a WebSocket's token) and get a
``Principal`` or an ``Unauthorized``/``Forbidden``. It also counts requests against the
organisation's rate limits.
"""

from __future__ import annotations

import base64
import binascii
import threading

from sqlalchemy.orm import Session

from parley.auth.api_keys import API_KEY_PREFIX, authenticate_api_key, verify_secret
from parley.auth.embed_tokens import embed_token_service
from parley.auth.page_sessions import PageSession, PageSessions
from parley.auth.principal import Principal
from parley.auth.ratelimit import RateLimiter, RateLimits
from parley.auth.tokens import TokenService
from parley.auth.workbench_tokens import token_service
from parley.config import Settings
from parley.errors import Forbidden, InvalidInput, NotFound, Unauthorized, report_incident
from parley.store import catalog, sharing, tenancy
from parley.store.db import Store
from parley.store.models import ApiKey, Member

#: The longest tenant or user name a token may carry: both are stored in the owner of
#: every conversation the user opens.
MAX_CLAIM_CHARS = 100


class Authenticator:
    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._lock = threading.Lock()
        self._tokens: TokenService | None = None
        self._embed_tokens: TokenService | None = None
        self._limiter: RateLimiter | None = None
        self._page_sessions: PageSessions | None = None

    # -- credentials ----------------------------------------------------------------------

    def api_key(self, plaintext: str | None) -> Principal:
        """The principal of a live API key: its member's, or the key's own (an admin)."""
        if not plaintext:
            raise Unauthorized("missing API key")
        with self._store.session() as session:
            key = authenticate_api_key(session, plaintext)
            if key is None:
                raise Unauthorized("the API key is expired or invalid")
            return self._key_principal(session, key)

    def basic(self, member: str, plaintext: str) -> Principal:
        """``member:key`` (HTTP Basic): a live key that belongs to that member (id or e-mail)."""
        with self._store.session() as session:
            key = authenticate_api_key(session, plaintext)
            owner = session.get(Member, key.member_id) if key and key.member_id else None
            if key is None or owner is None or member not in (owner.id, owner.email):
                raise Unauthorized("the member or its API key is not valid")
            return self._key_principal(session, key)

    def workbench_token(self, token: str | None) -> Principal:
        """A Workbench JWT: its ``tenant_id`` names the organisation, ``sub`` the user."""
        if not token:
            raise Unauthorized("missing bearer token: send 'Authorization: Bearer <JWT>'")
        claims = self.tokens.verify(token)
        tenant = claims.get("tenant_id")
        if not isinstance(tenant, str) or not tenant:
            raise Unauthorized("token is missing the 'tenant_id' claim")
        user = claims.get("sub", claims.get("user_id"))
        assert isinstance(user, str)  # verify() refuses a token without a subject
        for claim, value in (("tenant_id", tenant), ("sub", user)):
            if len(value) > MAX_CLAIM_CHARS:
                raise Unauthorized(
                    f"the token's {claim!r} claim is {len(value)} characters long; "
                    f"at most {MAX_CLAIM_CHARS} are accepted"
                )
        with self._store.session() as session:
            organization = tenancy.get_organization_by_name(session, tenant)
            if organization is None:
                raise Forbidden(f"tenant {tenant!r} has no organisation on this server")
            return Principal(
                organization.id,
                f"tenant:{tenant}/{user}",
                user,
                rate_limits=organization.settings.get("rate_limits"),
            )

    def authorization(self, header: str | None) -> Principal:
        """An ``Authorization`` header: ``Bearer <API key>`` or ``Basic <member:key>``."""
        scheme, _, value = (header or "").strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            return self.api_key(value)
        if scheme.lower() == "basic" and value:
            try:
                member, sep, key = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise Unauthorized("the Basic credentials are not base64 'member:key'") from None
            if sep:
                return self.basic(member, key)
        raise Unauthorized("send 'Authorization: Bearer <API key>' or 'Basic <member:key>'")

    def channel(self, channel_id: str, secret: str | None) -> Principal:
        """A bot channel called with its secret key: the channel's principal, which owns
        the channel's conversations and may open only the channel's application.

        An unknown or disabled channel is ``NotFound``; a missing or wrong secret for a
        channel that exists is ``Forbidden``.
        """
        with self._store.session() as session:
            channel = sharing.find_channel_by_id(session, channel_id)
            if channel is None or channel.disabled_at is not None:
                raise NotFound(f"channel {channel_id!r} does not exist or is not enabled")
            if not secret or not verify_secret(secret, channel.secret_hash):
                raise Forbidden(f"the secret key does not match channel {channel_id!r}")
            application = catalog.get_application(
                session, channel.organization_id, channel.application_id
            )
            organization = tenancy.get_organization(session, channel.organization_id)
            return Principal(
                channel.organization_id,
                f"channel:{channel.id}",
                channel.name,
                applications=frozenset({application.name}),
                channel_id=channel.id,
                rate_limits=organization.settings.get("rate_limits"),
            )

    def embed_token(self, token: str | None) -> Principal:
        """An embed token: the customer it was issued to, on its one space, with the
        space's row filters as they are stored now (a deleted space opens nothing)."""
        if not token:
            raise Unauthorized("missing bearer token: send 'Authorization: Bearer <embed token>'")
        claims = self.embed_tokens.verify(token)
        organization_id, space_id = claims.get("tenant_id"), claims.get("space_id")
        if not isinstance(organization_id, str) or not isinstance(space_id, str):
            raise Unauthorized("token is not an embed token: it names no space")
        with self._store.session() as session:
            try:
                organization = tenancy.get_organization(session, organization_id)
                space = sharing.get_space(session, organization_id, space_id)
                member = tenancy.get_member(session, organization_id, str(claims["sub"]))
            except NotFound:
                raise Unauthorized("the token's space or user no longer exists") from None
            if space.application_id is None:
                raise Unauthorized("the token's space has no application")
            application = catalog.get_application(session, organization_id, space.application_id)
            return Principal(
                organization.id,
                f"embed:{space.id}/{member.id}",
                member.email or member.name,
                member_id=member.id,
                applications=frozenset({application.name}),
                space_id=space.id,
                row_filters=sharing.row_filters_of(space.filters),
                rate_limits=organization.settings.get("rate_limits"),
            )

    def api_key_or_embed_token(self, header: str | None) -> Principal:
        """``Bearer <API key>`` (a partner) or ``Bearer <embed token>`` (its customer)."""
        scheme, _, value = (header or "").strip().partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise Unauthorized("send 'Authorization: Bearer <embed token or API key>'")
        if value.startswith(API_KEY_PREFIX):
            return self.api_key(value)
        return self.embed_token(value)

    def embed_bearer(self, header: str | None) -> Principal:
        """``Authorization: Bearer <embed token>``, and nothing else (no API key)."""
        scheme, _, value = (header or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("send 'Authorization: Bearer <embed token>'")
        return self.embed_token(value.strip())

    @property
    def embed_tokens(self) -> TokenService:
        """The embed token service, built from the environment on first use."""
        with self._lock:
            if self._embed_tokens is None:
                self._embed_tokens = embed_token_service(self._settings)
            return self._embed_tokens

    def page_sign_in(self, plaintext: str | None) -> tuple[Principal, str]:
        """A live API key's principal and a page session token for its cookie."""
        if not plaintext:
            raise Unauthorized("missing API key")
        with self._store.session() as session:
            key = authenticate_api_key(session, plaintext)
            if key is None:
                raise Unauthorized("the API key is expired or invalid")
            principal = self._key_principal(session, key)
            token = self.page_sessions.issue(PageSession(key.organization_id, key.id))
            return principal, token

    def page_session(self, token: str | None) -> Principal:
        """The principal of a page session, while the key it was opened with is live."""
        page = self.page_sessions.verify(token)
        with self._store.session() as session:
            key = session.get(ApiKey, page.key_id)
            if (
                key is None
                or key.revoked_at is not None
                or key.organization_id != (page.organization_id)
            ):
                raise Unauthorized("the API key of this session was revoked: sign in again")
            return self._key_principal(session, key)

    @property
    def page_sessions(self) -> PageSessions:
        with self._lock:
            if self._page_sessions is None:
                self._page_sessions = PageSessions.from_settings(self._settings)
            return self._page_sessions

    @property
    def tokens(self) -> TokenService:
        """The JWT service, built from the environment on first use."""
        with self._lock:
            if self._tokens is None:
                self._tokens = token_service(self._settings)
            return self._tokens

    # -- rate limits ----------------------------------------------------------------------

    def limiter_reachable(self) -> bool:
        """Whether the rate limiter's counter store answers."""
        with self._lock:
            if self._limiter is None:
                self._limiter = RateLimiter(self._settings.rate_limit_url)
            limiter = self._limiter
        return limiter.reachable()

    def count(self, principal: Principal, *, scope: str, default: RateLimits) -> None:
        """Consume one unit of the organisation's budget in ``scope``, or raise RateLimited.

        A malformed organisation setting raises InvalidInput: the operator's mistake,
        which faces report as an incident rather than blame on the caller.
        """
        with self._lock:
            if self._limiter is None:
                self._limiter = RateLimiter(self._settings.rate_limit_url)
            limiter = self._limiter
        try:
            limits = RateLimits.from_settings(principal.rate_limits, default)
        except InvalidInput as error:
            raise report_incident(
                f"rate limits of organisation {principal.organization_id}", error
            ) from None
        limiter.hit(principal.organization_id, limits, scope=scope)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _key_principal(session: Session, key: ApiKey) -> Principal:
        organization = tenancy.get_organization(session, key.organization_id)
        limits = organization.settings.get("rate_limits")
        member = session.get(Member, key.member_id) if key.member_id else None
        if member is not None:
            return Principal(
                organization.id,
                f"member:{member.id}",
                member.email or member.name,
                role=member.role,
                member_id=member.id,
                rate_limits=limits,
            )
        return Principal(
            organization.id, f"key:{key.id}", key.name, role="admin", rate_limits=limits
        )
