"""Per-organisation rate limits, shared by every key, member and process of the organisation.

Each organisation has up to three windows (minute, hour, day); a request consumes one
unit in each, and is refused when any window is used up until that window starts again.
The counters live in the ``limits`` storage named by a URL: in process memory by default,
in Redis when several processes must share them.

Strategy: fixed windows. A window starts with its first request and ends a fixed time
later, which is what "allowed again once the next time window starts" promises the
caller, and it costs one atomic INCR per window in Redis. The moving window would be
smoother at the boundary but keeps one entry per request (50 a day per organisation is
small, but the cost grows with whatever limits an operator sets) and its reset time is
when the oldest entry ages out, which is harder to explain in a Retry-After.

A refused request must not use up the other windows, so ``hit`` first tests every
window and only then consumes them, shortest window first. Between the test and the
hits another process may take the last unit of a window; that window's own atomic
INCR then refuses the request, so a limit is never exceeded. The cost of that race is
that the windows already hit for the refused request keep its unit, at most one per
concurrent racer, and since the shortest window (the one most likely to be contended)
is consumed first, the unit usually lands nowhere or in a window that resets within a
minute. Closing the race would need a script spanning all windows; it is not worth it.

When the storage cannot be reached, the limiter fails open by default: requests are
admitted and a warning is logged at most once a minute, because an outage of the
counter store should not take the service down with it. ``fail_open=False`` refuses
requests with a 503 instead.
"""

from __future__ import annotations

import difflib
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from parley.errors import InvalidInput, ParleyError, RateLimited

logger = logging.getLogger(__name__)

DEFAULT_SCOPE = "chat"
WARN_EVERY_S = 60.0
# Without these a Redis host that drops packets would hold every request for the OS's
# TCP timeout; a second is long enough for a healthy Redis on the local network.
REDIS_OPTIONS: Mapping[str, float] = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}


@dataclass(frozen=True)
class RateLimits:
    """Requests allowed per window; ``None`` switches a window off."""

    per_minute: int | None = 2
    per_hour: int | None = 20
    per_day: int | None = 50

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(
                    f"rate limit {field.name} must be an integer or None, got {value!r}"
                )
            if value is not None and value < 1:
                raise ValueError(
                    f"rate limit {field.name} must be at least 1 (None switches it off), "
                    f"got {value}"
                )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None, default: RateLimits) -> RateLimits:
        """Overlay an organisation's rate-limit settings on ``default``.

        ``settings`` is the rate-limit section alone, e.g. ``{"per_minute": 10,
        "per_day": None}``; a key it leaves out keeps the default.
        """
        if not settings:
            return default
        names = [field.name for field in fields(cls)]
        values: dict[str, int | None] = {name: getattr(default, name) for name in names}
        for key, value in settings.items():
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=1)
                hint = (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f" (expected one of {', '.join(names)})"
                )
                raise InvalidInput(f"unknown rate limit setting {key!r}{hint}")
            values[key] = value
        try:
            return cls(**values)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None


class _OrgKeyed(RateLimitItem):
    """Keys counters by window only, "parley:<scope>:<org>:<window>".

    The default ``limits`` key also holds the amount, so changing an organisation's
    limit would silently start a fresh counter, and ``reset`` would need to know the
    amount to find the key.
    """

    __slots__ = ()

    def key_for(self, *identifiers: bytes | str | int | float) -> str:
        return ":".join([self.namespace, *(str(i) for i in identifiers), self.GRANULARITY.name])


class _PerMinute(_OrgKeyed, RateLimitItemPerMinute):
    __slots__ = ()


class _PerHour(_OrgKeyed, RateLimitItemPerHour):
    __slots__ = ()


class _PerDay(_OrgKeyed, RateLimitItemPerDay):
    __slots__ = ()


class RateLimiterUnavailable(ParleyError):
    """The counter store cannot be reached and the limiter is configured to fail closed."""

    status = 503
    code = "rate_limiter_unavailable"


class RateLimiter:
    NAMESPACE: ClassVar[str] = "parley"

    def __init__(self, storage_url: str = "memory://", *, fail_open: bool = True) -> None:
        options = dict(REDIS_OPTIONS) if storage_url.startswith(("redis", "rediss")) else {}
        try:
            storage = storage_from_string(storage_url, wrap_exceptions=True, **options)
        except ConfigurationError as exc:
            raise ValueError(f"rate limit storage {storage_url!r} is not usable: {exc}") from None
        self.storage_url = storage_url
        self.fail_open = fail_open
        self._strategy = FixedWindowRateLimiter(storage)
        self._last_warning = -math.inf

    def hit(self, organization_id: str, limits: RateLimits, *, scope: str = DEFAULT_SCOPE) -> None:
        """Consume one request of ``organization_id``, or raise ``RateLimited``."""
        items = _items(limits)
        ids = (scope, organization_id)
        try:
            refused = [item for item in items if not self._strategy.test(item, *ids)]
            if refused:
                raise self._refusal(refused, ids)
            for item in items:
                if not self._strategy.hit(item, *ids):
                    raise self._refusal([item], ids)
        except StorageError as exc:
            self._storage_failed(exc)

    def reachable(self) -> bool:
        """Whether the counter store answers (memory:// always does)."""
        try:
            return bool(self._strategy.storage.check())
        except Exception:  # a dead store may fail in any of its client's ways
            return False

    def reset(self, organization_id: str, *, scope: str = DEFAULT_SCOPE) -> None:
        """Forget every window of ``organization_id`` in ``scope``."""
        for item in _items(RateLimits(1, 1, 1)):
            try:
                self._strategy.clear(item, scope, organization_id)
            except StorageError as exc:
                self._storage_failed(exc)

    def _refusal(self, refused: list[RateLimitItem], ids: tuple[str, str]) -> RateLimited:
        # When several windows are used up the caller must wait for the last of them.
        waits = [(self._seconds_to_reset(item, ids), item) for item in refused]
        retry_after, item = max(waits, key=lambda pair: pair[0])
        noun = "request" if item.amount == 1 else "requests"
        return RateLimited(
            f"Rate limit exceeded: {item.amount} {noun} per {item.GRANULARITY.name}",
            window=item.GRANULARITY.name,
            retry_after=retry_after,
        )

    def _seconds_to_reset(self, item: RateLimitItem, ids: tuple[str, str]) -> int:
        reset_time = self._strategy.get_window_stats(item, *ids).reset_time
        # Read the clock after the storage: Redis reports whole seconds from its own now.
        seconds = math.ceil(reset_time - time.time())
        return min(max(seconds, 1), item.get_expiry())

    def _storage_failed(self, exc: StorageError) -> None:
        reason = f"{type(exc.storage_error).__name__}: {exc.storage_error}"
        if not self.fail_open:
            raise RateLimiterUnavailable(
                "rate limiting is unavailable: its counter store cannot be reached"
            ) from None
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_S:
            self._last_warning = now
            logger.warning(
                "rate limit storage %s failed (%s); admitting requests without limits",
                _redacted(self.storage_url),
                reason,
            )


def _items(limits: RateLimits) -> list[RateLimitItem]:
    # Shortest window first: see the module docstring on the test-then-hit race.
    windows: list[tuple[type[RateLimitItem], int | None]] = [
        (_PerMinute, limits.per_minute),
        (_PerHour, limits.per_hour),
        (_PerDay, limits.per_day),
    ]
    return [cls(amount, namespace=RateLimiter.NAMESPACE) for cls, amount in windows if amount]


def _redacted(url: str) -> str:
    """The storage URL without its password, fit for a log line."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
