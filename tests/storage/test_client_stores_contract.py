"""The Tickets API's stores on DynamoDB (moto): votes and client details in the ticket's partition, uploaded
files' metadata with expiry index keys, and the rate windows' atomic counters."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.core.model import ClientDetails, ClientFile, TicketExtras, Vote
from tests.storage.test_contract import dynamo  # noqa: F401  (fixture)


def test_votes_and_details_live_in_the_ticket_partition_and_go_with_it(dynamo: None) -> None:  # noqa: F811
    from chalicelib.storage.client_tickets import ClientTicketStore
    from chalicelib.storage.table import Item
    store = ClientTicketStore()
    assert store.extras([1, 2]) == {1: TicketExtras(), 2: TicketExtras()}
    store.put_vote(1, None, Vote(score=4, user_id=9, created_at="t1"))
    store.put_vote(1, None, Vote(score=8, user_id=9, created_at="t2", comment="better"))
    store.put_vote(1, 30, Vote(score=-1, user_id=9, created_at="t3"))
    store.put_details(1, ClientDetails("Ops", ("a@example.com",), "t4"))
    extras = store.extras([1, 2])
    assert extras[1] == TicketExtras(Vote(8, 9, "t2", "better"), ClientDetails("Ops", ("a@example.com",), "t4"))
    assert extras[2] == TicketExtras()
    assert store.article_votes(1) == {30: Vote(-1, 9, "t3")} and store.article_votes(2) == {}
    assert {item.sk for item in Item.query("TICKET#1")} == {"VOTE#TICKET", "VOTE#ARTICLE#0000000030",
                                                              "CLIENT#DETAILS"}
    store.forget_ticket(1)
    assert list(Item.query("TICKET#1")) == [] and store.extras([1]) == {1: TicketExtras()}


def test_client_files_are_per_owner_and_in_the_expiry_index(dynamo: None) -> None:  # noqa: F811
    from chalicelib.storage.client_files import ClientFileStore
    from chalicelib.storage.expiry import ExpiryStore
    store = ClientFileStore()
    expires = 1_900_000_000
    files = [ClientFile(f"id-{i}", 5, f"f{i}.txt", i, "text/plain", "t", expires + i) for i in range(3)]
    for file in files:
        store.put(file)
    store.put(ClientFile("other", 6, "x", 1, "text/plain", "t", expires))
    assert store.owned(5, ["id-2", "id-0", "other", "missing"]) == {"id-2": files[2], "id-0": files[0]}
    assert store.count_live(5, expires) == 2 and store.count_live(5, expires + 5) == 0
    day = datetime.fromtimestamp(expires, tz=timezone.utc).date()
    indexed = {e.key for e in ExpiryStore().expired(day, expires + 10, 100)}
    assert ("CLIENTFILES#5", "FILE#id-1") in indexed and ("CLIENTFILES#6", "FILE#other") in indexed
    store.delete(5, ["id-0", "id-1"])
    assert set(store.owned(5, ["id-0", "id-1", "id-2"])) == {"id-2"}


def test_rate_windows_count_atomically_per_key_and_window(dynamo: None) -> None:  # noqa: F811
    from chalicelib.storage.expiry import ExpiryStore
    from chalicelib.storage.rate_windows import RateWindowStore
    store = RateWindowStore()
    start = 1_900_000_020
    assert [store.hit("a", start, start + 120) for _ in range(3)] == [1, 2, 3]
    assert store.hit("b", start, start + 120) == 1 and store.hit("a", start + 60, start + 180) == 1
    day = datetime.fromtimestamp(start + 120, tz=timezone.utc).date()
    indexed = {e.key for e in ExpiryStore().expired(day, start + 200, 100)}
    assert ("RATE#a", f"{start:010d}") in indexed
