"""core.cleanup on fakes: which days are walked, what is removed, the bounds (items, time, throttling), the
cursor; and core.notifications' early expiry of seen notifications, which the cleanup then removes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterator

import pytest

from chalicelib.core.cleanup import LOOKBACK_DAYS, Cleanup, CleanupReport
from chalicelib.core.model import OnlineNotification
from chalicelib.core.notifications import DAY, OnlineNotifications
from tests.core.fakes import FakeClock, FakeExpiryStore, FakeNotificationRepository, make_world

NOW = datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
TODAY = NOW.date()
EPOCH = int(NOW.timestamp())


def at(**delta: float) -> int:
    """Epoch seconds of NOW + delta."""
    return int((NOW + timedelta(**delta)).timestamp())


@pytest.fixture()
def store() -> FakeExpiryStore:
    return FakeExpiryStore()


def cleanup(store: FakeExpiryStore, batch_limit: int = 5000, **kw: int) -> Cleanup:
    return Cleanup(store, FakeClock(NOW), batch_limit, **kw)


def seed(store: FakeExpiryStore, *expiries: int, prefix: str = "ITEM") -> None:
    for number, expires_at in enumerate(expiries):
        store.add(f"{prefix}#{number}", "#", expires_at)


# --- what goes ---------------------------------------------------------------------------------------

def test_removes_what_expired_by_now_and_nothing_else(store: FakeExpiryStore) -> None:
    seed(store, at(days=-3), at(days=-1), at(seconds=-1), EPOCH, at(seconds=1), at(days=2))
    report = cleanup(store).run(NOW)
    assert report == CleanupReport(days=LOOKBACK_DAYS + 1, deleted=4, finished=True,
                                   cursor=(TODAY - timedelta(days=1)).isoformat())
    assert sorted(store.items.values()) == [at(seconds=1), at(days=2)]   # expiring at `now` counts as expired


def test_the_first_run_looks_back_lookback_days_and_later_runs_start_after_the_cursor(store: FakeExpiryStore) -> None:
    seed(store, at(days=-LOOKBACK_DAYS - 1), at(days=-LOOKBACK_DAYS))
    cleanup(store).run(NOW)
    assert store.reads[0] == TODAY - timedelta(days=LOOKBACK_DAYS) and store.reads[-1] == TODAY
    assert list(store.items.values()) == [at(days=-LOOKBACK_DAYS - 1)]   # older than any index day walked
    store.reads.clear()
    tomorrow = NOW + timedelta(days=1)
    assert cleanup(store).run(tomorrow).days == 2
    assert store.reads == [TODAY, TODAY + timedelta(days=1)]
    assert store.cursor() == TODAY


def test_a_second_run_deletes_nothing_and_reads_only_today(store: FakeExpiryStore) -> None:
    seed(store, at(days=-2), at(hours=-1), at(hours=1))
    assert cleanup(store).run(NOW).deleted == 2
    store.reads.clear()
    again = cleanup(store).run(NOW)
    assert (again.deleted, again.days, again.finished) == (0, 1, True)
    assert store.reads == [TODAY]


def test_today_is_never_finished_its_later_items_go_in_a_later_run(store: FakeExpiryStore) -> None:
    seed(store, at(hours=1))
    assert cleanup(store).run(NOW).cursor == (TODAY - timedelta(days=1)).isoformat()
    assert len(store.items) == 1
    later = cleanup(store).run(NOW + timedelta(hours=2))
    assert later.deleted == 1 and store.items == {} and store.cursor() == TODAY - timedelta(days=1)


def test_now_defaults_to_the_clock(store: FakeExpiryStore) -> None:
    seed(store, at(minutes=-1), at(minutes=1))
    assert cleanup(store).run().deleted == 1


# --- bounds ------------------------------------------------------------------------------------------

def test_the_batch_limit_leaves_the_rest_for_the_next_run(store: FakeExpiryStore) -> None:
    two_days_ago, yesterday = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    seed(store, *[at(days=-2, minutes=m) for m in range(5)], prefix="OLD")
    seed(store, *[at(days=-1, minutes=m) for m in range(10)], prefix="NEW")
    first = cleanup(store, batch_limit=7, page_size=3).run(NOW)
    assert (first.deleted, first.finished, first.cursor) == (7, False, two_days_ago.isoformat())
    assert len(store.items) == 8
    second = cleanup(store, batch_limit=7, page_size=3).run(NOW)
    assert (second.deleted, second.finished, second.cursor) == (7, False, two_days_ago.isoformat())
    third = cleanup(store, batch_limit=7, page_size=3).run(NOW)
    assert (third.deleted, third.finished, third.cursor) == (1, True, yesterday.isoformat())
    assert store.items == {}


def test_pages_resume_after_the_last_item_seen(store: FakeExpiryStore) -> None:
    """Even if the index still shows deleted items (it lags), a page never reads the previous one again."""
    seed(store, *[at(days=-1, seconds=s) for s in range(7)])
    stale: list[int] = []

    def lagging_delete(items):  # removes, but the index keeps answering with them
        stale.extend(i.expires_at for i in items)
        return len(items)

    store.delete = lagging_delete  # type: ignore[method-assign]
    report = cleanup(store, page_size=3).run(NOW)
    assert report.deleted == 7 and sorted(stale) == sorted(store.items.values())   # each once


def clock_of(*seconds_left: float) -> Iterator[float]:
    yield from seconds_left
    while True:
        yield 0.0


def test_no_page_starts_without_time_for_it(store: FakeExpiryStore) -> None:
    seed(store, *[at(days=-1, seconds=s) for s in range(10)])
    store.set_cursor(TODAY - timedelta(days=2))
    left = clock_of(30.0, 30.0, 0.5)
    report = cleanup(store, page_size=4).run(NOW, time_left=lambda: next(left))
    assert (report.deleted, report.finished) == (8, False)
    assert report.cursor == (TODAY - timedelta(days=2)).isoformat()
    assert len(store.items) == 2
    assert cleanup(store, page_size=4).run(NOW, time_left=lambda: 30.0).deleted == 2


def test_a_throttled_delete_ends_the_run_and_keeps_the_day(store: FakeExpiryStore) -> None:
    seed(store, *[at(days=-1, seconds=s) for s in range(3)])
    store.throttle = 1
    report = cleanup(store).run(NOW)
    assert (report.deleted, report.finished) == (2, False)
    assert report.cursor == (TODAY - timedelta(days=2)).isoformat()   # yesterday is not done
    store.throttle = 0
    assert cleanup(store).run(NOW).deleted == 1 and store.items == {}


def test_overlapping_runs_remove_everything_once_and_keep_the_furthest_cursor(store: FakeExpiryStore) -> None:
    """A second run starting while the first is between pages (EventBridge delivers at least once)."""
    seed(store, *[at(days=-d, minutes=m) for d in (1, 2, 3) for m in range(4)], at(hours=2))
    original_delete = store.delete
    overlapping: list[CleanupReport] = []
    started = []

    def delete_then_overlap(items):
        removed = original_delete(items)
        if not started:
            started.append(True)
            overlapping.append(cleanup(store, page_size=2).run(NOW))
        return removed

    store.delete = delete_then_overlap  # type: ignore[method-assign]
    first = cleanup(store, page_size=2).run(NOW)
    second = overlapping[0]
    assert first.finished and second.finished
    assert (first.deleted, second.deleted) == (2, 10)   # the second took what the first had not reached
    assert list(store.items.values()) == [at(hours=2)]
    assert store.cursor() == TODAY - timedelta(days=1)


# --- seen notifications expire early (core.notifications) -------------------------------------------

class Seen:
    def __init__(self, ttl_days: int = 30, seen_days: int = 7) -> None:
        self.w = make_world()
        self.repo = FakeNotificationRepository()
        self.service = OnlineNotifications(self.repo, self.w.clock, ttl_days=ttl_days, seen_days=seen_days)
        self.created = int(self.w.clock.now().timestamp())
        self.ttl, self.seen_days = ttl_days * DAY, seen_days * DAY

    def add(self, nid: int) -> OnlineNotification:
        created_at = self.w.clock.now().isoformat().replace("+00:00", "Z")
        note = OnlineNotification(id=nid, user_id=self.w.agent.id, o_id=1, created_at=created_at,
                                  updated_at=created_at, expires_at=self.created + self.ttl)
        self.repo.add_many([note])
        return note

    def expiry(self, nid: int) -> int:
        return self.repo.get(self.w.agent.id, nid).expires_at


def test_seen_brings_the_expiry_forward_and_unseen_puts_it_back() -> None:
    s = Seen()
    s.add(1)
    s.w.clock.advance(2 * DAY)
    seen_at = int(s.w.clock.now().timestamp())
    s.service.update(s.w.agent, 1, True)
    assert s.expiry(1) == seen_at + s.seen_days
    s.service.update(s.w.agent, 1, False)
    assert s.expiry(1) == s.created + s.ttl


def test_seen_never_extends_the_expiry() -> None:
    s = Seen()
    s.add(1)
    s.w.clock.advance(25 * DAY)   # seen + 7 days would be after created + 30 days
    s.service.update(s.w.agent, 1, True)
    assert s.expiry(1) == s.created + s.ttl


def test_mark_all_as_read_brings_every_expiry_forward() -> None:
    s = Seen(seen_days=3)
    for nid in (1, 2, 3):
        s.add(nid)
    s.w.clock.advance(DAY)
    assert s.service.mark_all_as_read(s.w.agent) == 3
    seen_at = int(s.w.clock.now().timestamp())
    assert [s.expiry(nid) for nid in (1, 2, 3)] == [seen_at + 3 * DAY] * 3


def test_a_seen_notification_is_gone_after_the_seen_age() -> None:
    s = Seen()
    s.add(1)
    s.add(2)
    s.service.update(s.w.agent, 1, True)
    s.w.clock.advance(7 * DAY)
    assert [n.id for n in s.service.list(s.w.agent, 0, 10)] == [2]   # expired for readers at once
    store = FakeExpiryStore()
    for note in s.repo.items.values():
        store.add(f"NOTIFY#{note.user_id}", str(note.id), note.expires_at)
    report = Cleanup(store, s.w.clock, 100).run()
    assert report.deleted == 1 and list(store.items) == [(f"NOTIFY#{s.w.agent.id}", "2")]


def test_cleanup_dates_are_utc_days() -> None:
    store = FakeExpiryStore()
    late_evening_berlin = datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=1)))  # 22:30 UTC
    store.add("A", "#", int(late_evening_berlin.timestamp()))
    Cleanup(store, FakeClock(NOW), 10).run(late_evening_berlin + timedelta(minutes=1))
    assert store.items == {} and store.cursor() == date(2026, 11, 29)
