"""A fixed-window rate limit: at most `limit` requests per key in each `window_seconds` window.

A fixed window (one counter per key and window, atomically incremented) costs one write per request and
no read; a burst of up to twice the limit across a window boundary is the accepted price. The counters
expire shortly after their window, so storage stays bounded without a sweep of its own.
"""
from __future__ import annotations

from .errors import RateLimited
from .ports import Clock, RateWindows

# Counters outlive their window a little: a request that read the clock just before the boundary
# must still find its window's counter.
EXPIRY_GRACE_SECONDS = 60


class RateLimiter:
    def __init__(self, windows: RateWindows, clock: Clock, limit: int, window_seconds: int = 60) -> None:
        self._windows = windows
        self._clock = clock
        self._limit = limit
        self._window = window_seconds

    @property
    def enabled(self) -> bool:
        """A limit of 0 (or less) turns the limiter off."""
        return self._limit > 0

    def check(self, key: str) -> None:
        """Count this request for `key`; RateLimited (with the seconds until the window ends) beyond the limit.
        Refused requests count too: a client hammering a closed window does not get a fresh one sooner."""
        if not self.enabled:
            return
        now = int(self._clock.now().timestamp())
        start = now - now % self._window
        end = start + self._window
        count = self._windows.hit(key, start, end + EXPIRY_GRACE_SECONDS)
        if count > self._limit:
            raise RateLimited(max(1, end - now))


def check_account_mail(limiter: RateLimiter, client: str, address: object) -> None:
    """Password recovery and self-registration send mail to an address the caller names: at most the limit
    per window from one client address, and to one named address (login or email), so neither a client
    nor someone's inbox can be flooded. Counted before anything is looked up or sent."""
    limiter.check(f"account-mail#client#{client}")
    if isinstance(address, str) and address.strip():
        limiter.check(f"account-mail#to#{address.strip().lower()[:254]}")
