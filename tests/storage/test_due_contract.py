"""Contract of the due index (DueIndex) and of ticket writes that carry a schedule: on DynamoDB
(moto: TicketStore + DueStore) and on the fake the core tests use."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.model import DueEvent
from tests.core.fakes import FakeTicketRepository
from tests.storage.test_contract import BOTH, REGION, make_article, make_ticket
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)

T0, T1, T2 = "2026-12-01T10:00:00.000Z", "2026-12-01T11:00:00.000Z", "2026-12-01T12:00:00.000Z"


def events(*times: str) -> tuple[DueEvent, ...]:
    return tuple(DueEvent("update", "escalation", at, at) for at in times)


@dataclass
class Stores:
    tickets: Any
    index: Any


@pytest.fixture(params=BOTH)
def stores(request: pytest.FixtureRequest) -> Stores:
    if request.param == "dynamodb":
        request.getfixturevalue("dynamo")
        from chalicelib.storage.due import DueStore
        from chalicelib.storage.tickets import TicketStore
        return Stores(TicketStore(REGION), DueStore())
    fake = FakeTicketRepository()
    return Stores(fake, fake)


def create(stores: Stores, ticket_id: int, schedule: tuple[DueEvent, ...] = ()):
    ticket = make_ticket(ticket_id)
    stores.tickets.create(ticket, make_article(ticket_id), schedule)
    return ticket


def due_ids(stores: Stores, now: str, limit: int = 100) -> list[int]:
    return [entry.ticket_id for entry in stores.index.due(now, limit)]


def test_entries_are_due_from_their_earliest_event_earliest_first(stores: Stores) -> None:
    create(stores, 1, events(T2))
    create(stores, 2, events(T1, T2))
    create(stores, 3)                                   # nothing scheduled: not in the index at all
    create(stores, 6, events(T0))                       # another shard
    assert due_ids(stores, "2026-12-01T09:59:59.999Z") == []
    assert due_ids(stores, T0) == [6]                   # "at or before now", to the millisecond
    assert due_ids(stores, T1) == [6, 2]
    assert due_ids(stores, T2) == [6, 2, 1]
    assert due_ids(stores, T2, limit=2) == [6, 2]
    entry = stores.index.due(T1, 10)[1]
    assert entry.events == events(T1, T2) and entry.version == 1


def test_a_save_replaces_clears_or_keeps_the_entry(stores: Stores) -> None:
    ticket = create(stores, 1, events(T0))
    stores.tickets.save(ticket, 1, None, events(T1))
    assert stores.index.due(T2, 10)[0].events == events(T1) and stores.index.due(T2, 10)[0].version == 2
    stores.tickets.save(ticket, 2)                      # no schedule given: the entry stays as it is
    assert stores.index.due(T2, 10)[0].version == 2
    stores.tickets.save(ticket, 3, None, ())            # nothing left to schedule: out of the index
    assert due_ids(stores, T2) == []


def test_a_failed_save_leaves_the_entry_alone(stores: Stores) -> None:
    ticket = create(stores, 1, events(T0))
    with pytest.raises(Conflict):
        stores.tickets.save(ticket, 7, None, ())
    assert due_ids(stores, T0) == [1]


def test_a_claim_succeeds_once(stores: Stores) -> None:
    create(stores, 1, events(T0))
    event = events(T0)[0]
    assert stores.index.claim(1, event, T0) is True
    assert stores.index.claim(1, event, T1) is False
    assert stores.index.claim(1, DueEvent("update", "warning", T0, T0), T0) is True


def test_advance_only_from_the_entry_that_was_read(stores: Stores) -> None:
    ticket = create(stores, 1, events(T0, T2))
    entry = stores.index.due(T0, 10)[0]
    assert stores.index.advance(entry, events(T2)) is True
    assert due_ids(stores, T1) == [] and due_ids(stores, T2) == [1]
    assert stores.index.advance(entry, events(T2)) is True   # a second run's same advance changes nothing
    stores.tickets.save(ticket, 1, None, events(T0))         # a ticket write replaced the entry meanwhile
    assert stores.index.advance(entry, ()) is False
    assert due_ids(stores, T0) == [1]
    fresh = stores.index.due(T0, 10)[0]
    assert stores.index.advance(fresh, ()) is True and due_ids(stores, T2) == []
    assert stores.index.advance(fresh, ()) is False           # gone already


def test_deleting_the_ticket_removes_its_entry_and_claims(stores: Stores) -> None:
    ticket = create(stores, 1, events(T0))
    stores.index.claim(1, events(T0)[0], T0)
    stores.tickets.delete(ticket)
    assert due_ids(stores, T2) == []
    create(stores, 1, events(T0))                       # the same id again (tests reuse ids): a fresh start
    assert stores.index.claim(1, events(T0)[0], T0) is True


def test_due_is_one_query_per_shard_whatever_the_table_holds(stores: Stores, request: pytest.FixtureRequest) -> None:
    if isinstance(stores.index, FakeTicketRepository):
        pytest.skip("counts DynamoDB calls")
    from chalicelib.storage.due import SHARDS
    for ticket_id in range(1, 41):
        create(stores, ticket_id, events(T2 if ticket_id > 2 else T0))
    calls = request.getfixturevalue("dynamodb_calls")
    assert due_ids(stores, T1) == [1, 2]
    assert calls == ["Query"] * SHARDS
