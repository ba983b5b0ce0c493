"""Contract of the article flag store (storage/article_flags.py), on DynamoDB (moto) and on the fake; then
its items, its neighbours in the ticket's partition, and its DynamoDB calls."""
from __future__ import annotations

from typing import Any

import pytest

from tests.core.fakes import FakeArticleFlagRepository
from tests.storage.test_contract import BOTH, _adapter, create
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


def _store() -> Any:
    from chalicelib.storage.article_flags import ArticleFlagStore
    return ArticleFlagStore()


@pytest.fixture(params=BOTH)
def flags(request: pytest.FixtureRequest) -> Any:
    return _adapter(request, _store, FakeArticleFlagRepository)


def test_get_put_replace(flags: Any) -> None:
    assert flags.get(1, 10, 7) == {}
    flags.put(1, 10, 7, {"Seen": "1"})
    flags.put(1, 10, 8, {"Seen": "0"})
    assert flags.get(1, 10, 7) == {"Seen": "1"} and flags.get(1, 10, 8) == {"Seen": "0"}
    flags.put(1, 10, 7, {"Seen": "1", "Starred": "yes"})
    assert flags.get(1, 10, 7) == {"Seen": "1", "Starred": "yes"}
    assert flags.get(2, 10, 7) == {}  # another ticket's partition


def test_for_user_keeps_to_the_user_and_ticket(flags: Any) -> None:
    flags.put(1, 10, 7, {"Seen": "1"})
    flags.put(1, 11, 7, {"Seen": "0"})
    flags.put(1, 11, 17, {"Seen": "1"})     # a user id that ends like 7
    flags.put(1, 12, 77, {"Seen": "1"})
    flags.put(2, 20, 7, {"Seen": "1"})
    assert flags.for_user(1, 7) == {10: {"Seen": "1"}, 11: {"Seen": "0"}}
    assert flags.for_user(1, 17) == {11: {"Seen": "1"}}
    assert flags.for_user(3, 7) == {}


def test_forget_ticket(flags: Any) -> None:
    for article_id in range(1, 31):         # more than one BatchWriteItem
        flags.put(1, article_id, 7, {"Seen": "1"})
    flags.put(2, 40, 7, {"Seen": "1"})
    flags.forget_ticket(1)
    assert flags.for_user(1, 7) == {} and flags.for_user(2, 7) == {40: {"Seen": "1"}}
    flags.forget_ticket(1)                   # nothing left: no error


# --- DynamoDB only -------------------------------------------------------------------------------

def test_items_live_in_the_tickets_partition_beside_its_articles(dynamo: None) -> None:
    from chalicelib.storage.table import Item
    from chalicelib.storage.tickets import TicketStore
    tickets = TicketStore("us-east-1")
    create(tickets, 5)
    _store().put(5, 50, 7, {"Seen": "1"})
    keys = [(item.pk, item.sk, type(item).__name__) for item in Item.query("TICKET#5")]
    assert ("TICKET#5", "FLAG#0000000050#7", "ArticleFlagItem") in keys
    assert [a.id for a in tickets.articles(5)] == [50]   # the article prefix does not reach the flags
    assert tickets.get(5) is not None
    _store().forget_ticket(5)
    assert tickets.get(5) is not None and [a.id for a in tickets.articles(5)] == [50]


def test_dynamodb_calls_per_operation(dynamodb_calls: list[str]) -> None:
    store = _store()
    store.put(1, 10, 7, {"Seen": "1"})
    store.put(1, 11, 8, {"Seen": "1"})
    dynamodb_calls.clear()
    store.get(1, 10, 7)
    assert dynamodb_calls == ["GetItem"]
    dynamodb_calls.clear()
    store.put(1, 10, 7, {"Seen": "0"})
    assert dynamodb_calls == ["PutItem"]
    dynamodb_calls.clear()
    store.for_user(1, 7)
    assert dynamodb_calls == ["Query"]
    dynamodb_calls.clear()
    store.forget_ticket(1)
    assert dynamodb_calls == ["Query", "BatchWriteItem"]
