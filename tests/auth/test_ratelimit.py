from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from parley.auth.ratelimit import RateLimiter, RateLimiterUnavailable, RateLimits
from parley.errors import InvalidInput, RateLimited

REDIS_URL = "redis://127.0.0.1:6379/0"
# Nothing listens on port 1, so a connection is refused at once.
DEAD_REDIS_URL = "redis://:hunter2@127.0.0.1:1/0"

WINDOW_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@pytest.fixture
def org() -> str:
    # A fresh organisation per test, so runs (and a shared Redis) never interfere.
    return f"org-{uuid.uuid4().hex}"


@pytest.fixture
def limiter() -> RateLimiter:
    return RateLimiter()


def only(window: str, amount: int) -> RateLimits:
    return RateLimits(**{f"per_{w}": amount if w == window else None for w in WINDOW_SECONDS})


def refusal(limiter: RateLimiter, org: str, limits: RateLimits, scope: str = "chat") -> RateLimited:
    with pytest.raises(RateLimited) as info:
        limiter.hit(org, limits, scope=scope)
    return info.value


# --- windows ----------------------------------------------------------------------------


@pytest.mark.parametrize("window", list(WINDOW_SECONDS))
def test_each_window_refuses_past_its_limit(limiter: RateLimiter, org: str, window: str) -> None:
    limits = only(window, 2)
    limiter.hit(org, limits)
    limiter.hit(org, limits)
    error = refusal(limiter, org, limits)
    assert error.message == f"Rate limit exceeded: 2 requests per {window}"
    assert error.window == window
    assert 1 <= error.retry_after <= WINDOW_SECONDS[window]
    assert error.status == 429
    assert error.detail == {"window": window, "retry_after": error.retry_after}


def test_default_limits_are_two_per_minute(limiter: RateLimiter, org: str) -> None:
    limiter.hit(org, RateLimits())
    limiter.hit(org, RateLimits())
    error = refusal(limiter, org, RateLimits())
    assert error.window == "minute"
    assert 50 <= error.retry_after <= 60


def test_singular_wording(limiter: RateLimiter, org: str) -> None:
    limiter.hit(org, only("hour", 1))
    assert refusal(limiter, org, only("hour", 1)).message == (
        "Rate limit exceeded: 1 request per hour"
    )


@pytest.mark.parametrize(
    ("limits", "refusing", "spared", "spared_amount"),
    [
        # Refused by the shorter window: the longer one must keep its unit.
        (RateLimits(per_minute=1, per_hour=2, per_day=None), "minute", "hour", 2),
        # Refused by the longer window: the shorter one, tested first, must not be charged.
        (RateLimits(per_minute=3, per_hour=1, per_day=None), "hour", "minute", 3),
    ],
)
def test_refused_request_does_not_consume_other_windows(
    limiter: RateLimiter,
    org: str,
    limits: RateLimits,
    refusing: str,
    spared: str,
    spared_amount: int,
) -> None:
    limiter.hit(org, limits)
    for _ in range(3):
        assert refusal(limiter, org, limits).window == refusing
    # Only the admitted request was charged to the spared window. Counters are keyed by
    # window alone, so these one-window limits read the same counter.
    spared_only = only(spared, spared_amount)
    for _ in range(spared_amount - 1):
        limiter.hit(org, spared_only)
    assert refusal(limiter, org, spared_only).window == spared


def test_longest_exhausted_window_sets_retry_after(limiter: RateLimiter, org: str) -> None:
    limits = RateLimits(per_minute=1, per_hour=1, per_day=None)
    limiter.hit(org, limits)
    error = refusal(limiter, org, limits)
    assert error.window == "hour"
    assert 60 < error.retry_after <= 3600


def test_switched_off_windows_never_refuse(limiter: RateLimiter, org: str) -> None:
    for _ in range(200):
        limiter.hit(org, RateLimits(None, None, None))


def test_organisations_are_isolated(limiter: RateLimiter, org: str) -> None:
    other = f"{org}-other"
    limits = only("minute", 1)
    limiter.hit(org, limits)
    refusal(limiter, org, limits)
    limiter.hit(other, limits)
    refusal(limiter, other, limits)


def test_scopes_are_isolated(limiter: RateLimiter, org: str) -> None:
    limits = only("minute", 1)
    limiter.hit(org, limits)
    refusal(limiter, org, limits)
    limiter.hit(org, limits, scope="export")
    refusal(limiter, org, limits, scope="export")


def test_reset_forgets_every_window(limiter: RateLimiter, org: str) -> None:
    limits = RateLimits(1, 1, 1)
    limiter.hit(org, limits)
    refusal(limiter, org, limits)
    limiter.reset(org)
    limiter.hit(org, limits)
    refusal(limiter, org, limits)


# --- settings ---------------------------------------------------------------------------

DEFAULT = RateLimits(per_minute=2, per_hour=20, per_day=50)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (None, DEFAULT),
        ({}, DEFAULT),
        ({"per_minute": 10}, RateLimits(10, 20, 50)),
        ({"per_day": None}, RateLimits(2, 20, None)),
        ({"per_minute": 5, "per_hour": 100, "per_day": 1000}, RateLimits(5, 100, 1000)),
    ],
)
def test_from_settings(settings: dict[str, Any] | None, expected: RateLimits) -> None:
    assert RateLimits.from_settings(settings, DEFAULT) == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"per_minut": 3}, "unknown rate limit setting 'per_minut'; did you mean 'per_minute'?"),
        ({"burst": 3}, "unknown rate limit setting 'burst' (expected one of per_minute"),
        ({"per_hour": 0}, "rate limit per_hour must be at least 1 (None switches it off), got 0"),
        ({"per_hour": -4}, "rate limit per_hour must be at least 1"),
        ({"per_day": "50"}, "rate limit per_day must be an integer or None, got '50'"),
        ({"per_day": True}, "rate limit per_day must be an integer or None, got True"),
    ],
)
def test_from_settings_refuses(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        RateLimits.from_settings(settings, DEFAULT)
    assert info.value.message.startswith(message)


def test_unknown_storage_scheme() -> None:
    with pytest.raises(ValueError, match="rate limit storage 'carrier-pigeon://x'"):
        RateLimiter("carrier-pigeon://x")


# --- storage failures -------------------------------------------------------------------


def test_unreachable_storage_fails_open_and_warns_once(
    org: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RateLimiter(DEAD_REDIS_URL)
    with caplog.at_level(logging.WARNING, logger="parley.auth.ratelimit"):
        for _ in range(5):
            limiter.hit(org, only("minute", 1))
        limiter.reset(org)
    warnings = [r for r in caplog.records if r.name == "parley.auth.ratelimit"]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "127.0.0.1:1/0" in text and "admitting requests" in text
    assert "hunter2" not in text


def test_unreachable_storage_fails_closed_when_asked(org: str) -> None:
    limiter = RateLimiter(DEAD_REDIS_URL, fail_open=False)
    with pytest.raises(RateLimiterUnavailable) as info:
        limiter.hit(org, RateLimits())
    assert info.value.status == 503
    assert "hunter2" not in info.value.message
    assert info.value.__cause__ is None


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at 127.0.0.1:6379 is not reachable: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_org(redis_url: str, org: str) -> Iterator[str]:
    yield org
    RateLimiter(redis_url).reset(org)


@pytest.mark.redis
@pytest.mark.parametrize("window", list(WINDOW_SECONDS))
def test_redis_window(redis_url: str, redis_org: str, window: str) -> None:
    limiter = RateLimiter(redis_url, fail_open=False)
    limiter.hit(redis_org, only(window, 1))
    error = refusal(limiter, redis_org, only(window, 1))
    assert error.window == window
    assert 1 <= error.retry_after <= WINDOW_SECONDS[window]


@pytest.mark.redis
def test_redis_counter_is_shared_by_processes(redis_url: str, redis_org: str) -> None:
    # Two limiters with their own connections stand for two app processes.
    first = RateLimiter(redis_url, fail_open=False)
    second = RateLimiter(redis_url, fail_open=False)
    limits = RateLimits(per_minute=3, per_hour=None, per_day=None)
    first.hit(redis_org, limits)
    second.hit(redis_org, limits)
    first.hit(redis_org, limits)
    assert (
        refusal(second, redis_org, limits).message == "Rate limit exceeded: 3 requests per minute"
    )
    refusal(first, redis_org, limits)
    second.reset(redis_org)
    first.hit(redis_org, limits)


@pytest.mark.redis
def test_redis_keys_are_namespaced(redis_url: str, redis_org: str) -> None:
    RateLimiter(redis_url).hit(redis_org, RateLimits(1, 1, 1), scope="chat")
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = sorted(client.keys(f"*{redis_org}*"))
    finally:
        client.close()
    assert keys == [
        f"LIMITS:parley:chat:{redis_org}:{window}" for window in ("day", "hour", "minute")
    ]
