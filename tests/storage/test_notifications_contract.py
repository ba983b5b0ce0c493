"""Contract of the online-notification store, run on DynamoDB (moto) and on the fake."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.core.errors import NotFound
from chalicelib.core.model import OnlineNotification
from tests.core.fakes import FakeNotificationRepository
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.notifications import NotificationStore
    return _adapter(request, NotificationStore, FakeNotificationRepository)


def note(nid: int, user_id: int, o_id: int = 7, **kw: Any) -> OnlineNotification:
    kw.setdefault("created_at", "2026-11-23T08:00:00.000Z")
    kw.setdefault("updated_at", kw["created_at"])
    return OnlineNotification(id=nid, user_id=user_id, o_id=o_id, type="create", created_by_id=3, updated_by_id=3,
                              expires_at=1_900_000_000, **kw)


def test_add_get_owner(store: Any) -> None:
    store.add_many([note(1, 10), note(2, 11), note(3, 10, o_id=8)])
    assert store.get(10, 1) == note(1, 10)
    assert store.get(11, 1) is None            # someone else's id is not in this user's partition
    assert store.get(10, 99) is None
    assert (store.owner_of(1), store.owner_of(2), store.owner_of(99)) == (10, 11, None)


def test_page_is_newest_first_per_user(store: Any) -> None:
    store.add_many([note(i, 10 if i % 2 else 11) for i in range(1, 12)])
    assert [n.id for n in store.page(10, 0, 100)] == [11, 9, 7, 5, 3, 1]
    assert [n.id for n in store.page(10, 2, 2)] == [7, 5]
    assert store.page(10, 6, 5) == [] and store.page(10, 0, 0) == []
    assert [n.id for n in store.page(11, 0, 100)] == [10, 8, 6, 4, 2]
    assert store.page(12, 0, 100) == []


def test_save_rewrites_but_never_resurrects(store: Any) -> None:
    store.add_many([note(1, 10), note(2, 10)])
    store.save(replace(note(1, 10), seen=True, updated_by_id=10))
    assert store.get(10, 1).seen is True and store.get(10, 1).updated_by_id == 10
    store.delete(note(2, 10))
    with pytest.raises(NotFound):
        store.save(replace(note(2, 10), seen=True))
    assert store.get(10, 2) is None and store.owner_of(2) is None


def test_save_many_skips_deleted_ones(store: Any) -> None:
    store.add_many([note(i, 10) for i in range(1, 5)])
    store.delete(note(3, 10))
    store.save_many([replace(note(i, 10), seen=True) for i in range(1, 5)])
    assert [(n.id, n.seen) for n in store.page(10, 0, 10)] == [(4, True), (2, True), (1, True)]
    assert store.get(10, 3) is None


def test_remove_for_object(store: Any) -> None:
    store.add_many([note(1, 10, o_id=7), note(2, 11, o_id=7), note(3, 10, o_id=8), note(4, 12, o_id=7)])
    assert store.remove_for_object("Ticket", 7, 2) == 2
    assert store.remove_for_object("Ticket", 7, 100) == 1
    assert [n.id for n in store.page(10, 0, 10)] == [3]
    assert store.page(11, 0, 10) == [] and store.page(12, 0, 10) == []
    assert store.owner_of(1) is None and store.owner_of(3) == 10
    assert store.remove_for_object("Ticket", 7, 100) == 0


# --- DynamoDB only: items, TTL, call counts ------------------------------------------------------------

def test_items_carry_ttl_and_keys(dynamo: None) -> None:
    from chalicelib.storage.notifications import NotificationStore
    from chalicelib.storage.table import NotificationItem
    NotificationStore().add_many([note(5, 10)])
    item = NotificationItem.get("NOTIFY#10", "0000000005")
    assert int(item.expires.timestamp()) == 1_900_000_000
    assert (item.gsi1pk, item.gsi1sk) == ("NOTIFYOBJ#Ticket#7", "0000000005")
    pointer = NotificationItem.get("NOTIFYID#5", "#POINTER")
    assert pointer.doc == {"user_id": 10} and int(pointer.expires.timestamp()) == 1_900_000_000


def test_reads_are_single_key_calls_and_mark_all_is_bounded(dynamo: None, dynamodb_calls: Any) -> None:
    from chalicelib.storage.notifications import NotificationStore
    store = NotificationStore()
    store.add_many([note(i, 10) for i in range(1, 151)])
    dynamodb_calls.clear()
    store.get(10, 3)
    store.owner_of(3)
    store.page(10, 0, 100)
    assert dynamodb_calls == ["GetItem", "GetItem", "Query"]
    dynamodb_calls.clear()
    store.save_many([replace(n, seen=True) for n in store.page(10, 0, 150)])
    assert dynamodb_calls == ["Query", "TransactWriteItems", "TransactWriteItems"]
    assert all(n.seen for n in store.page(10, 0, 200))
