"""The daily cleanup: removes what has expired (online notifications — seen ones expire early, see
core.notifications —, revoked token ids, upload caches) through the expiry index, day by day.

Bounded so that one run never outlasts its Lambda: at most `batch_limit` items, and it stops while the
time left (the Lambda context's) still covers twice the slowest page so far plus a safety margin. What
is left waits for the next run: the cursor only moves over days that are finished and before today.
Idempotent: a second run deletes nothing the first one removed; overlapping runs delete the same items
twice at worst (a delete of a missing item is no error) and never move the cursor back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Optional

from .ports import Clock, Expiring, ExpiryStore

LOOKBACK_DAYS = 30      # the first run starts this many days back (older leftovers: DynamoDB TTL removes them)
PAGE_SIZE = 250         # items read and deleted per step (10 BatchWriteItem calls)
SAFETY_SECONDS = 1.0    # kept free on top of twice the slowest page


@dataclass(frozen=True)
class CleanupReport:
    """What one run did: day partitions read, items removed, whether everything due is gone (False: the
    batch limit or the time ran out, or the store was throttled), and the day the cursor now names."""
    days: int
    deleted: int
    finished: bool
    cursor: Optional[str]


class _Stop(Exception):
    """A bound was reached: end the run unfinished."""


class Cleanup:
    def __init__(self, store: ExpiryStore, clock: Clock, batch_limit: int, *,
                 lookback_days: int = LOOKBACK_DAYS, page_size: int = PAGE_SIZE,
                 safety_seconds: float = SAFETY_SECONDS) -> None:
        self._store = store
        self._clock = clock
        self._batch_limit = max(1, batch_limit)
        self._lookback = timedelta(days=max(0, lookback_days))
        self._page_size = max(1, page_size)
        self._safety = safety_seconds

    def run(self, now: Optional[datetime] = None, time_left: Optional[Callable[[], float]] = None) -> CleanupReport:
        """Walk the days from the one after the cursor (or LOOKBACK_DAYS ago) to today, removing items
        whose expiry is at or before `now`. `time_left()` returns the seconds the run may still take."""
        now = (now or self._clock.now()).astimezone(timezone.utc)
        today = now.date()
        cursor = self._store.cursor()
        day = cursor + timedelta(days=1) if cursor is not None else today - self._lookback
        run = _Run(self._store, int(now.timestamp()), self._batch_limit, self._page_size,
                   lambda slowest: time_left is None or time_left() >= self._safety + 2 * slowest)
        finished_through = cursor
        finished = False
        try:
            while day <= today:
                run.clean(day)
                if day < today:  # today's later items expire after `now`: today is never finished
                    finished_through = day
                day += timedelta(days=1)
            finished = True
        except _Stop:
            pass
        if finished_through != cursor:  # one write per run; a run that dies re-walks its days next time
            self._store.set_cursor(finished_through)
        return run.report(finished, finished_through)


class _Run:
    """One run's budget (items, time) and tallies."""

    def __init__(self, store: ExpiryStore, until: int, batch_limit: int, page_size: int,
                 time_enough: Callable[[float], bool]) -> None:
        self._store = store
        self._until = until
        self._batch_limit = batch_limit
        self._page_size = page_size
        self._time_enough = time_enough  # given the slowest page so far: may another one start?
        self._slowest = 0.0
        self.days = 0
        self.deleted = 0

    def clean(self, day: date) -> None:
        """Every item of `day` due by `until`, page by page; raises _Stop when a bound is reached first."""
        after: Optional[Expiring] = None
        while True:
            wanted = min(self._page_size, self._batch_limit - self.deleted)
            if wanted <= 0 or not self._time_enough(self._slowest):
                raise _Stop()
            if after is None:
                self.days += 1
            started = time.monotonic()
            page = self._store.expired(day, self._until, wanted, after)
            removed = self._store.delete(page) if page else 0
            self._slowest = max(self._slowest, time.monotonic() - started)
            self.deleted += removed
            if removed < len(page):
                raise _Stop()  # throttled: the rest stays in the index for the next run
            if len(page) < wanted:
                return
            after = page[-1]

    def report(self, finished: bool, cursor: Optional[date]) -> CleanupReport:
        return CleanupReport(days=self.days, deleted=self.deleted, finished=finished,
                             cursor=cursor.isoformat() if cursor else None)
