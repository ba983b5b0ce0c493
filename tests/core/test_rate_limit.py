"""The fixed-window rate limiter (core/rate_limit.py) over an in-memory window store."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib.core.errors import RateLimited
from chalicelib.core.rate_limit import EXPIRY_GRACE_SECONDS, RateLimiter


class Windows:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        self.expiries: dict[tuple[str, int], int] = {}

    def hit(self, key: str, window_start: int, expires_at: int) -> int:
        self.counts[(key, window_start)] = self.counts.get((key, window_start), 0) + 1
        self.expiries[(key, window_start)] = expires_at
        return self.counts[(key, window_start)]


class Clock:
    def __init__(self, second: int) -> None:
        self.second = second

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.second, tz=timezone.utc)


def test_limit_per_key_and_window_with_seconds_to_wait() -> None:
    windows, clock = Windows(), Clock(6_000_045)  # 45 s into a minute window
    limiter = RateLimiter(windows, clock, limit=2)
    limiter.check("a")
    limiter.check("a")
    limiter.check("b")
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert refused.value.retry_after == 15
    assert windows.expiries[("a", 6_000_000)] == 6_000_060 + EXPIRY_GRACE_SECONDS
    clock.second = 6_000_060
    limiter.check("a")  # a new window


def test_the_last_second_of_a_window_waits_at_least_one_second() -> None:
    limiter = RateLimiter(Windows(), Clock(6_000_059), limit=1)
    limiter.check("a")
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert refused.value.retry_after == 1


def test_zero_turns_it_off() -> None:
    windows = Windows()
    limiter = RateLimiter(windows, Clock(0), limit=0)
    for _ in range(5):
        limiter.check("a")
    assert not limiter.enabled and windows.counts == {}
