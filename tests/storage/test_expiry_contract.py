"""Contract of the expiry index (storage/expiry.py), on DynamoDB (moto) and on the fake; then the cleanup
over the real stores that write expiring items: notifications and their pointers, revoked token ids."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from chalicelib.core.cleanup import Cleanup
from chalicelib.core.model import ROLE_AGENT, OnlineNotification, Principal, User
from chalicelib.core.notifications import OnlineNotifications
from tests.core.fakes import FakeClock, FakeExpiryStore
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)

NOW = datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
TODAY = NOW.date()
YESTERDAY = TODAY - timedelta(days=1)


def at(**delta: float) -> int:
    return int((NOW + timedelta(**delta)).timestamp())


class Seeded:
    """An expiry store and a way to put an expiring item in it (a real item with its keys, or the fake's)."""

    def __init__(self, store: Any, add: Callable[[str, str, int], None]) -> None:
        self.store, self.add = store, add


def _dynamodb() -> Seeded:
    from chalicelib.storage.expiry import ExpiryStore, with_expiry_keys
    from chalicelib.storage.table import PointerItem

    def add(pk: str, sk: str, expires_at: int) -> None:
        with_expiry_keys(PointerItem(pk=pk, sk=sk, doc={},
                                     expires=datetime.fromtimestamp(expires_at, tz=timezone.utc))).save()
    return Seeded(ExpiryStore(), add)


def _fake() -> Seeded:
    store = FakeExpiryStore()
    return Seeded(store, store.add)


@pytest.fixture(params=BOTH)
def seeded(request: pytest.FixtureRequest) -> Seeded:
    return _adapter(request, _dynamodb, _fake)


# --- the port's behaviour, on both -------------------------------------------------------------------

def test_expired_reads_one_day_up_to_until_earliest_first(seeded: Seeded) -> None:
    seeded.add("B", "#", at(days=-1, hours=1))
    seeded.add("A", "#", at(days=-1, hours=2))
    seeded.add("C", "#", at(days=-1, hours=3))
    seeded.add("D", "#", at(days=-2))
    seeded.add("E", "#", at())
    found = seeded.store.expired(YESTERDAY, at(), 10)
    assert [(e.key, e.expires_at) for e in found] == [(("B", "#"), at(days=-1, hours=1)),
                                                      (("A", "#"), at(days=-1, hours=2)),
                                                      (("C", "#"), at(days=-1, hours=3))]
    assert [e.key[0] for e in seeded.store.expired(YESTERDAY, at(days=-1, hours=2), 10)] == ["B", "A"]  # inclusive
    assert [e.key[0] for e in seeded.store.expired(TODAY, at(), 10)] == ["E"]
    assert seeded.store.expired(TODAY, at() - 1, 10) == []
    assert seeded.store.expired(YESTERDAY, at(), 0) == []


def test_expired_pages_by_limit_and_resumes_after_an_item(seeded: Seeded) -> None:
    for second in range(7):
        seeded.add(f"K{second}", "#", at(days=-1, seconds=second))
    first = seeded.store.expired(YESTERDAY, at(), 3)
    second = seeded.store.expired(YESTERDAY, at(), 3, after=first[-1])
    third = seeded.store.expired(YESTERDAY, at(), 3, after=second[-1])
    assert [e.key[0] for e in first + second + third] == [f"K{s}" for s in range(7)]
    assert seeded.store.delete(first) == 3
    # the item resumed after is gone: the next page is still the next page
    assert [e.key[0] for e in seeded.store.expired(YESTERDAY, at(), 3, after=first[-1])] == ["K3", "K4", "K5"]


def test_delete_removes_and_tolerates_missing_items(seeded: Seeded) -> None:
    for number in range(30):
        seeded.add(f"K{number:02d}", "#", at(days=-1, seconds=number))
    page = seeded.store.expired(YESTERDAY, at(), 100)
    assert len(page) == 30
    assert seeded.store.delete(page) == 30     # two BatchWriteItem chunks on DynamoDB
    assert seeded.store.expired(YESTERDAY, at(), 100) == []
    assert seeded.store.delete(page[:5]) == 5  # gone already: no error
    assert seeded.store.delete([]) == 0


def test_the_cursor_only_moves_forward(seeded: Seeded) -> None:
    assert seeded.store.cursor() is None
    seeded.store.set_cursor(date(2026, 11, 20))
    assert seeded.store.cursor() == date(2026, 11, 20)
    seeded.store.set_cursor(date(2026, 11, 18))   # an overlapping run that got less far
    assert seeded.store.cursor() == date(2026, 11, 20)
    seeded.store.set_cursor(date(2026, 11, 30))
    assert seeded.store.cursor() == date(2026, 11, 30)


# --- DynamoDB only: the keys the stores write, the cleanup over real items ----------------------------

def note(nid: int, user_id: int, expires_at: int, created: datetime = NOW - timedelta(days=40)) -> OnlineNotification:
    stamp = created.isoformat().replace("+00:00", "Z")
    return OnlineNotification(id=nid, user_id=user_id, o_id=7, created_at=stamp, updated_at=stamp,
                              expires_at=expires_at)


def exists(pk: str, sk: str) -> bool:
    from chalicelib.storage.table import Item
    return Item.count(pk, Item.sk == sk, consistent_read=True) == 1


def test_expiring_items_carry_their_day_and_a_sortable_position(dynamo: None) -> None:
    from chalicelib.storage.credentials import RevocationStore
    from chalicelib.storage.notifications import NotificationStore
    from chalicelib.storage.table import NotificationItem, RevokedItem
    expires = at(days=3)
    NotificationStore().add_many([note(5, 10, expires)])
    RevocationStore().revoke("jti-1", expires)
    day = "EXPIRES#2026-12-04"
    item = NotificationItem.get("NOTIFY#10", "0000000005")
    assert (item.gsi7pk, item.gsi7sk) == (day, f"{expires:012d}#NOTIFY#10#0000000005")
    pointer = NotificationItem.get("NOTIFYID#5", "#POINTER")
    assert (pointer.gsi7pk, pointer.gsi7sk) == (day, f"{expires:012d}#NOTIFYID#5##POINTER")
    revoked = RevokedItem.get("REVOKED#jti-1", "#REVOKED")
    assert (revoked.gsi7pk, revoked.gsi7sk) == (day, f"{expires:012d}#REVOKED#jti-1##REVOKED")


def test_a_seen_notification_moves_to_its_new_day(dynamo: None) -> None:
    from chalicelib.storage.notifications import NotificationStore
    from chalicelib.storage.table import NotificationItem
    store = NotificationStore()
    store.add_many([note(1, 10, at(days=20)), note(2, 10, at(days=20)), note(3, 10, at(days=20))])
    store.save(replace(note(1, 10, at(days=7)), seen=True))
    store.save_many([replace(note(2, 10, at(days=6)), seen=True)])
    days = {nid: NotificationItem.get("NOTIFY#10", f"{nid:010d}").gsi7pk for nid in (1, 2, 3)}
    assert days == {1: "EXPIRES#2026-12-08", 2: "EXPIRES#2026-12-07", 3: "EXPIRES#2026-12-21"}


def seed_mixed() -> dict[str, list[tuple[str, str]]]:
    """Notifications, pointers and revoked ids expiring across days, some after NOW; plus a ticket-like
    item that never expires. Returns the keys that must go and those that must stay."""
    from chalicelib.storage.credentials import RevocationStore
    from chalicelib.storage.notifications import NotificationStore
    from chalicelib.storage.table import PointerItem
    gone, kept = [], []
    expiries = {1: at(days=-12), 2: at(days=-3), 3: at(days=-1, hours=-2), 4: at(minutes=-5), 5: at(minutes=5),
                6: at(days=2)}
    NotificationStore().add_many([note(nid, 10 + nid % 2, when) for nid, when in expiries.items()])
    for nid, when in expiries.items():
        keys = [(f"NOTIFY#{10 + nid % 2}", f"{nid:010d}"), (f"NOTIFYID#{nid}", "#POINTER")]
        (gone if when <= at() else kept).extend(keys)
    revocations = RevocationStore()
    for name, when in (("old", at(days=-5)), ("just", at(seconds=-1)), ("live", at(days=1))):
        revocations.revoke(name, when)
        (gone if when <= at() else kept).append((f"REVOKED#{name}", "#REVOKED"))
    PointerItem(pk="TICKETNUMBER#45001", sk="#POINTER", doc={"ticket_id": 1}).save()
    kept.append(("TICKETNUMBER#45001", "#POINTER"))
    return {"gone": gone, "kept": kept}


def run(batch_limit: int = 5000, when: datetime = NOW) -> Any:
    from chalicelib.storage.expiry import ExpiryStore
    return Cleanup(ExpiryStore(), FakeClock(when), batch_limit).run(when)


def test_one_run_removes_the_expired_only_and_a_second_run_nothing(dynamo: None) -> None:
    keys = seed_mixed()
    first = run()
    assert (first.deleted, first.finished, first.cursor) == (len(keys["gone"]), True, YESTERDAY.isoformat())
    assert [k for k in keys["gone"] if exists(*k)] == []
    assert all(exists(*k) for k in keys["kept"])
    second = run()
    assert (second.deleted, second.days, second.finished) == (0, 1, True)
    assert all(exists(*k) for k in keys["kept"])


def test_the_batch_limit_leaves_the_rest_for_the_next_run(dynamo: None) -> None:
    keys = seed_mixed()
    total = len(keys["gone"])
    first = run(batch_limit=5)
    assert (first.deleted, first.finished) == (5, False)
    assert sum(exists(*k) for k in keys["gone"]) == total - 5
    assert total - 5 == 5   # the second run ends exactly at its limit: it cannot know that nothing is left
    second = run(batch_limit=5)
    assert (second.deleted, second.finished) == (5, False)
    assert [k for k in keys["gone"] if exists(*k)] == [] and all(exists(*k) for k in keys["kept"])
    third = run(batch_limit=5)
    assert (third.deleted, third.finished, third.cursor) == (0, True, YESTERDAY.isoformat())


def test_the_cursor_advances_over_finished_days_only(dynamo: None) -> None:
    from chalicelib.storage.expiry import CURSOR_KEY
    from chalicelib.storage.table import JobItem
    seed_mixed()
    # 12 days ago: 2 items, done; 5 days ago: the limit is reached on its first item, not known to be done
    run(batch_limit=3)
    assert JobItem.get(*CURSOR_KEY).day == (TODAY - timedelta(days=6)).isoformat()
    run()
    assert JobItem.get(*CURSOR_KEY).day == YESTERDAY.isoformat()
    run(when=NOW + timedelta(days=3))   # the live revoked id (tomorrow) and the notification (in 2 days) go
    assert JobItem.get(*CURSOR_KEY).day == (TODAY + timedelta(days=2)).isoformat()
    assert not exists("REVOKED#live", "#REVOKED") and not exists("NOTIFY#10", "0000000006")


def test_seen_notifications_go_after_the_seen_age(dynamo: None) -> None:
    from chalicelib.storage.notifications import NotificationStore
    clock = FakeClock(NOW - timedelta(days=10))
    store = NotificationStore()
    created = clock.now()
    store.add_many([note(1, 10, at(days=20), created), note(2, 10, at(days=20), created)])
    service = OnlineNotifications(store, clock, ttl_days=30, seen_days=7)
    agent = User(id=10, login="agent", role_ids=[ROLE_AGENT])
    service.mark_all_as_read(Principal(user=agent, permissions=agent.permissions))   # seen 10 days ago: expired 3 days ago
    assert run().deleted == 2
    assert not exists("NOTIFY#10", "0000000001") and not exists("NOTIFY#10", "0000000002")
    assert exists("NOTIFYID#1", "#POINTER")   # the pointer keeps its own expiry (created + TTL)


def test_a_run_queries_the_index_and_never_scans(dynamo: None, dynamodb_calls: list[str]) -> None:
    seed_mixed()
    dynamodb_calls.clear()
    run()
    assert "Scan" not in dynamodb_calls
    assert set(dynamodb_calls) == {"GetItem", "Query", "BatchWriteItem", "PutItem"}
    assert dynamodb_calls.count("Query") == 31                          # one per day walked
    assert dynamodb_calls.count("GetItem") == dynamodb_calls.count("PutItem") == 1   # the cursor


def test_unprocessed_deletes_are_retried_and_the_rest_left_for_later(dynamo: None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from pynamodb.connection.base import Connection

    from chalicelib.storage import expiry
    from chalicelib.storage.expiry import ExpiryStore
    monkeypatch.setattr(expiry, "FIRST_BACKOFF", 0.0)
    keys = seed_mixed()
    original = Connection.dispatch
    refusals = {"left": 2}

    def refusing(self: Any, operation: str, kwargs: dict) -> Any:
        """DynamoDB leaves the last request of a batch unprocessed while `left` lasts."""
        if operation == "BatchWriteItem" and refusals["left"] > 0:
            refusals["left"] -= 1
            (name, requests), = kwargs["RequestItems"].items()
            processed = requests[:-1]
            response = original(self, operation, {"RequestItems": {name: processed}}) if processed else {}
            return {**response, "UnprocessedItems": {name: requests[-1:]}}
        return original(self, operation, kwargs)

    monkeypatch.setattr(Connection, "dispatch", refusing)
    page = ExpiryStore().expired(YESTERDAY, at(), 10)
    assert ExpiryStore().delete(page) == len(page)           # retried until processed
    refusals["left"] = 1_000
    assert run().finished is False                             # still unprocessed: the run stops
    refusals["left"] = 0
    assert run().finished is True
    assert [k for k in keys["gone"] if exists(*k)] == []
