"""Contract of the catalog store's administrative methods (versioned writes, deletes, reference checks),
run on DynamoDB (moto) and on the fakes; plus the table upgrade that adds gsi5/gsi6 to older tables."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.model import Group, Priority, State, User
from tests.core.fakes import (FakeCatalogAdminRepository, FakeReferenceRepository, FakeTicketRepository,
                              FakeUserRepository)
from tests.storage.test_contract import BOTH, REGION, create, make_article, make_ticket
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


@dataclass
class Stores:
    catalog: Any
    tickets: Any
    users: Any


@pytest.fixture(params=BOTH)
def stores(request: pytest.FixtureRequest) -> Stores:
    if request.param == "dynamodb":
        request.getfixturevalue("dynamo")
        from chalicelib.storage.catalog import CatalogStore
        from chalicelib.storage.directory import UserStore
        from chalicelib.storage.tickets import TicketStore
        return Stores(CatalogStore(), TicketStore(REGION), UserStore(REGION))
    tickets, users = FakeTicketRepository(), FakeUserRepository()
    return Stores(FakeCatalogAdminRepository(FakeReferenceRepository(), tickets, users), tickets, users)


def test_versioned_writes(stores: Stores) -> None:
    store = stores.catalog
    snapshot, version = store.versioned_snapshot()
    assert (snapshot.groups, snapshot.states, snapshot.priorities, version) == ([], [], [], 0)
    store.write(0, [Group(3, "Sales"), State(8, "waiting", 2), Priority(4, "4 urgent", default_create=True)])
    snapshot, version = store.versioned_snapshot()
    assert version == 1
    assert [g.name for g in snapshot.groups] == ["Sales"] and snapshot.states == [State(8, "waiting", 2)]
    assert snapshot.priorities[0].default_create is True
    with pytest.raises(Conflict):  # computed from an old catalog: nothing of it is written
        store.write(0, [Group(4, "Lost")], [("group", 3)])
    assert [g.id for g in store.snapshot().groups] == [3]
    store.write(1, [Priority(4, "4 urgent"), Priority(5, "5 new", default_create=True)], [("state", 8), ("group", 3)])
    snapshot, version = store.versioned_snapshot()
    assert version == 2 and snapshot.groups == [] and snapshot.states == []
    assert [(p.id, p.default_create) for p in snapshot.priorities] == [(4, False), (5, True)]


def test_plain_puts_leave_the_version_alone(stores: Stores) -> None:
    stores.catalog.put_state(State(1, "new", 1, default_create=True))
    assert stores.catalog.versioned_snapshot()[1] == 0
    stores.catalog.write(0, [State(2, "open", 2)])
    assert [s.id for s in stores.catalog.snapshot().states] == [1, 2]


def test_states_and_priorities_in_use_follow_the_tickets(stores: Stores) -> None:
    store = stores.catalog
    assert not store.in_use("state", 1) and not store.in_use("priority", 2)
    ticket = create(stores.tickets, 1)  # state 1, priority 2
    assert store.in_use("state", 1) and store.in_use("priority", 2)
    assert not store.in_use("state", 2) and not store.in_use("priority", 3)
    ticket.state_id, ticket.priority_id = 2, 3
    stores.tickets.save(ticket, ticket.version, make_article(1, 11))
    assert not store.in_use("state", 1) and not store.in_use("priority", 2)
    assert store.in_use("state", 2) and store.in_use("priority", 3)
    stores.tickets.delete(stores.tickets.get(1))
    assert not store.in_use("state", 2) and not store.in_use("priority", 3)


def test_groups_in_use_by_tickets_or_agents(stores: Stores) -> None:
    store = stores.catalog
    create(stores.tickets, 1, group_id=5)
    assert store.in_use("group", 5) and not store.in_use("group", 6)
    stores.users.create(User(id=20, login="agent6", email="agent6@example.com", role_ids=[2],
                             group_access={"6": ["read"]}))
    assert store.in_use("group", 6) and not store.in_use("group", 7)


def test_in_use_is_one_bounded_query(stores: Stores, request: pytest.FixtureRequest) -> None:
    if isinstance(stores.catalog, FakeCatalogAdminRepository):
        pytest.skip("call counts are the DynamoDB adapter's")
    for ticket_id in range(1, 6):
        create(stores.tickets, ticket_id)
    calls = request.getfixturevalue("dynamodb_calls")
    assert stores.catalog.in_use("state", 1)
    assert calls == ["Query"]
    calls.clear()
    stores.catalog.in_use("group", 9)  # no ticket: the membership partition is asked as well
    assert calls == ["Query", "Query"]


# --- upgrading tables made before gsi5/gsi6 ------------------------------------------------------------

def _old_table() -> None:
    """The table as the previous version created it: gsi1..gsi4 only."""
    import boto3

    from chalicelib import settings
    from chalicelib.storage import table
    table.configure()
    name = settings.get().table_name
    client = boto3.client("dynamodb", region_name=REGION)
    keys = ["pk", "sk"] + [f"gsi{n}{part}" for n in range(1, 5) for part in ("pk", "sk")]
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": f"gsi{n}", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": f"gsi{n}pk", "KeyType": "HASH"},
                          {"AttributeName": f"gsi{n}sk", "KeyType": "RANGE"}]} for n in range(1, 5)])


def test_ensure_table_adds_missing_indexes_and_backfill_fills_them(aws: None) -> None:
    import boto3

    from chalicelib import settings
    from chalicelib.storage import table
    from chalicelib.storage.catalog import CatalogStore, backfill_reference_keys
    from chalicelib.storage.table import Item
    from chalicelib.storage.tickets import TicketStore, _ticket_item

    _old_table()
    old = _ticket_item(make_ticket(1), 1)  # an item written by the previous version: no gsi5/gsi6 keys
    old.gsi5pk = old.gsi5sk = old.gsi6pk = old.gsi6sk = None
    old.save()
    table.ensure_table()
    described = boto3.client("dynamodb", region_name=REGION).describe_table(TableName=settings.get().table_name)
    indexes = {i["IndexName"] for i in described["Table"]["GlobalSecondaryIndexes"]}
    assert indexes == {index.Meta.index_name for index in Item._indexes.values()} >= {f"gsi{n}" for n in range(1, 8)}
    assert table.add_missing_indexes() == []  # nothing left to add
    store = CatalogStore()
    assert not store.in_use("state", 1)  # the old item is not in the new index yet
    assert backfill_reference_keys() == 1
    assert store.in_use("state", 1) and store.in_use("priority", 2)
    assert backfill_reference_keys() == 0  # idempotent
    ticket = TicketStore(REGION).get(1)
    assert ticket is not None and ticket.version == 1 and ticket.title == "Ticket 1"
    assert Item.get("TICKET#1", "#TICKET").gsi1pk == "GROUP#1"


def test_a_snapshot_from_before_gsi5_comes_back_with_the_indexes(aws: None, tmp_path) -> None:
    """The dev server's start order: the table from the current models, then the snapshot's items,
    then the backfill (devserver.Backend.start)."""
    import boto3

    from chalicelib import settings
    from chalicelib.devserver import Snapshot
    from chalicelib.storage import table
    from chalicelib.storage.catalog import CatalogStore, backfill_reference_keys
    from chalicelib.storage.tickets import _ticket_item

    _old_table()
    old = _ticket_item(make_ticket(1), 1)
    old.gsi5pk = old.gsi5sk = old.gsi6pk = old.gsi6sk = None
    old.save()
    dynamodb, s3 = boto3.client("dynamodb", region_name=REGION), boto3.client("s3", region_name=REGION)
    snapshot = Snapshot(tmp_path / "snapshot")
    snapshot.save(dynamodb, s3)
    dynamodb.delete_table(TableName=settings.get().table_name)  # a fresh moto: no table

    table.ensure_table()
    assert snapshot.restore(dynamodb, s3)["items"] == 1
    described = dynamodb.describe_table(TableName=settings.get().table_name)["Table"]
    assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} >= {"gsi5", "gsi6"}
    assert backfill_reference_keys() == 1
    assert CatalogStore().in_use("state", 1) and CatalogStore().in_use("priority", 2)
