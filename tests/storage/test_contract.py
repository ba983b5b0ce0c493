"""Contract tests of the storage adapters on moto.

The behaviour tests run twice: against the DynamoDB/S3 adapter and against the in-memory fake that the
core tests use (tests/core/fakes.py), so the fakes cannot drift from what production does. Tests about
items, transactions and the number of DynamoDB calls run on moto only.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import pytest

from chalicelib.bootstrap import DEFAULT_GROUPS, DEFAULT_PRIORITIES, DEFAULT_STATES
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.model import AccessToken, Article, Attachment, Group, Organization, Ticket, User
from chalicelib.core.ports import NewBlob, TicketScope
from tests.core.fakes import (FakeAccessTokenRepository, FakeBlobStore, FakeIds, FakeOrganizationRepository,
                              FakeReferenceRepository, FakeRevocationList, FakeSearchIndex, FakeTicketRepository,
                              FakeUserRepository)

REGION = "us-east-1"
BUCKET = "contract-test-bucket"
BOTH = ["dynamodb", "fake"]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture()
def dynamo(aws: None) -> None:
    """moto with the table created (and the S3 bucket)."""
    from chalicelib.storage import table
    table.ensure_table()


def _adapter(request: pytest.FixtureRequest, real: Callable[[], Any], fake: Callable[[], Any]) -> Any:
    if request.param == "dynamodb":
        request.getfixturevalue("dynamo")
        return real()
    return fake()


def _ticket_store() -> Any:
    from chalicelib.storage.tickets import TicketStore
    return TicketStore(REGION)


@pytest.fixture(params=BOTH)
def tickets(request: pytest.FixtureRequest) -> Any:
    return _adapter(request, _ticket_store, FakeTicketRepository)


@pytest.fixture(params=BOTH)
def users(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.directory import UserStore
    return _adapter(request, lambda: UserStore(REGION), FakeUserRepository)


@pytest.fixture(params=BOTH)
def organizations(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.directory import OrganizationStore
    return _adapter(request, lambda: OrganizationStore(REGION), FakeOrganizationRepository)


@pytest.fixture(params=BOTH)
def catalog(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.catalog import CatalogStore
    return _adapter(request, CatalogStore, FakeReferenceRepository)


@pytest.fixture(params=BOTH)
def counters(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.counters import Counters
    return _adapter(request, Counters, FakeIds)


@pytest.fixture(params=BOTH)
def token_store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.credentials import AccessTokenStore
    return _adapter(request, AccessTokenStore, FakeAccessTokenRepository)


@pytest.fixture(params=BOTH)
def revocations(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.credentials import RevocationStore
    return _adapter(request, RevocationStore, FakeRevocationList)


@pytest.fixture(params=BOTH)
def search_index(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.search import TableSearchIndex
    return _adapter(request, TableSearchIndex, FakeSearchIndex)


def _s3() -> Any:
    from chalicelib.storage.blobs import S3BlobStore
    store = S3BlobStore(BUCKET, REGION)
    store.ensure_bucket()
    return store


@pytest.fixture(params=BOTH)
def blobs(request: pytest.FixtureRequest) -> Any:
    return _adapter(request, _s3, FakeBlobStore)


@pytest.fixture()
def dynamodb_calls(dynamo: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the DynamoDB API calls made from here on (every PynamoDB connection)."""
    from pynamodb.connection.base import Connection

    calls: list[str] = []
    original = Connection._make_api_call

    def counting(self: Any, operation_name: str, operation_kwargs: dict) -> Any:
        calls.append(operation_name)
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", counting)
    return calls


# --- builders ----------------------------------------------------------------------------------


def make_ticket(ticket_id: int, group_id: int = 1, customer_id: int = 10, organization_id: Any = 100,
                **kw: Any) -> Ticket:
    return Ticket(id=ticket_id, number=f"45{ticket_id:03d}", title=f"Ticket {ticket_id}", group_id=group_id,
                  state_id=1, priority_id=2, customer_id=customer_id, organization_id=organization_id,
                  article_ids=[ticket_id * 10], **kw)


def make_article(ticket_id: int, article_id: int = 0, **kw: Any) -> Article:
    kw.setdefault("body", f"Body of {ticket_id}")
    return Article(id=article_id or ticket_id * 10, ticket_id=ticket_id, type_id=10, sender_id=1, **kw)


def create(store: Any, ticket_id: int, **kw: Any) -> Ticket:
    ticket = make_ticket(ticket_id, **kw)
    store.create(ticket, make_article(ticket_id))
    return ticket


def bulk_insert_tickets(tickets: list[Ticket]) -> None:
    """Write ticket items directly in batches: moto's transactions slow down as the table grows."""
    from chalicelib.storage.table import Item
    from chalicelib.storage.tickets import _ticket_item

    with Item.batch_write() as batch:
        for ticket in tickets:
            batch.save(_ticket_item(ticket, 1))


def item_count(partition: str) -> int:
    from chalicelib.storage.table import Item
    return Item.count(partition, consistent_read=True)


# --- TicketStore -------------------------------------------------------------------------------


def test_ticket_round_trip(tickets: Any) -> None:
    ticket = make_ticket(1, preferences={"channel": "phone"}, note="n")
    article = make_article(1, attachments=[Attachment(id=5, filename="a.txt", size=3, content_type="text/plain",
                                                      preferences={"Mime-Type": "text/plain"})], internal=True)
    tickets.create(ticket, article)
    assert ticket.version == 1
    assert tickets.get(1) == ticket
    assert tickets.by_number("45001") == ticket
    assert tickets.articles(1) == [article]
    assert tickets.article(article.id) == article
    assert tickets.get(2) is None and tickets.by_number("nope") is None and tickets.article(999) is None


def test_create_with_a_taken_number_writes_nothing(tickets: Any) -> None:
    create(tickets, 1)
    duplicate = replace(make_ticket(2), number="45001")
    with pytest.raises(Conflict):
        tickets.create(duplicate, make_article(2))
    assert tickets.get(2) is None
    assert tickets.articles(2) == [] and tickets.article(20) is None
    assert tickets.by_number("45001").id == 1


def test_create_with_a_taken_id_writes_nothing(tickets: Any) -> None:
    create(tickets, 1)
    with pytest.raises(Conflict):
        tickets.create(replace(make_ticket(1), number="45999", title="other"), make_article(1, 11))
    assert tickets.get(1).title == "Ticket 1"
    assert tickets.by_number("45999") is None and tickets.article(11) is None


def test_failed_create_leaves_no_items(dynamo: None) -> None:
    """The transaction is all or nothing: no ticket, article or pointer item of the loser remains."""
    store = _ticket_store()
    create(store, 1)
    with pytest.raises(Conflict):
        store.create(replace(make_ticket(2), number="45001"), make_article(2))
    assert item_count("TICKET#2") == 0
    assert item_count("ARTICLE#20") == 0
    assert item_count("TICKETNUMBER#45002") == 0
    assert item_count("TICKET#1") == 2 and item_count("ARTICLE#10") == 1 and item_count("TICKETNUMBER#45001") == 1


def test_save_checks_the_version(tickets: Any) -> None:
    ticket = create(tickets, 1)
    first = replace(ticket, title="first writer")
    tickets.save(first, expected_version=1)
    assert first.version == 2
    stale = replace(ticket, title="second writer")
    with pytest.raises(Conflict):
        tickets.save(stale, expected_version=1)
    assert tickets.get(1).title == "first writer" and tickets.get(1).version == 2


def test_save_with_a_new_article(tickets: Any) -> None:
    ticket = create(tickets, 1)
    reply = make_article(1, 11, body="reply")
    ticket.article_ids.append(11)
    tickets.save(ticket, 1, reply)
    assert [a.id for a in tickets.articles(1)] == [10, 11]
    assert tickets.article(11) == reply and tickets.get(1).article_ids == [10, 11]


def test_stale_save_with_an_article_writes_neither(tickets: Any) -> None:
    ticket = create(tickets, 1)
    tickets.save(replace(ticket, title="newer"), 1)
    with pytest.raises(Conflict):
        tickets.save(replace(ticket, title="older"), 1, make_article(1, 11))
    assert tickets.article(11) is None and [a.id for a in tickets.articles(1)] == [10]
    assert tickets.get(1).title == "newer"


def test_save_moves_the_ticket_between_list_partitions(tickets: Any) -> None:
    ticket = create(tickets, 1, group_id=1, customer_id=10, organization_id=100)
    tickets.save(replace(ticket, group_id=2, customer_id=11, organization_id=None), 1)
    assert tickets.page(TicketScope(group_ids=(1,)), 0, 10) == []
    assert tickets.page(TicketScope(customer_id=10, organization_id=100), 0, 10) == []
    assert [t.id for t in tickets.page(TicketScope(group_ids=(2,)), 0, 10)] == [1]
    assert [t.id for t in tickets.page(TicketScope(customer_id=11), 0, 10)] == [1]


@pytest.fixture()
def six(tickets: Any) -> Any:
    """Tickets in several groups, customers and organizations (see the table in each test)."""
    for ticket_id, group_id, customer_id, organization_id in (
        (1, 1, 10, 100), (2, 2, 11, 100), (3, 3, 10, None),
        (4, 1, 12, 101), (5, 3, 13, 100), (6, 2, 10, 101),
    ):
        create(tickets, ticket_id, group_id=group_id, customer_id=customer_id, organization_id=organization_id)
    return tickets


@pytest.mark.parametrize("scope, offset, limit, expected", [
    (TicketScope(group_ids=(1,)), 0, 50, [1, 4]),
    (TicketScope(group_ids=(2, 1)), 0, 50, [1, 2, 4, 6]),
    (TicketScope(customer_id=10), 0, 50, [1, 3, 6]),
    (TicketScope(organization_id=100), 0, 50, [1, 2, 5]),
    (TicketScope(customer_id=10, organization_id=100), 0, 50, [1, 2, 3, 5, 6]),    # 1 is in both: once
    (TicketScope(group_ids=(1,), customer_id=10), 0, 50, [1, 3, 4, 6]),
    (TicketScope(customer_id=10, organization_id=100), 1, 2, [2, 3]),
    (TicketScope(customer_id=10, organization_id=100), 4, 10, [6]),
    (TicketScope(customer_id=10, organization_id=100), 5, 10, []),
    (TicketScope(everything=True), 0, 50, [1, 2, 3, 4, 5, 6]),
    (TicketScope(everything=True), 2, 3, [3, 4, 5]),
    (TicketScope(everything=True), 0, 0, []),
    (TicketScope(), 0, 50, []),
])
def test_page_merges_partitions_in_id_order(six: Any, scope: TicketScope, offset: int, limit: int,
                                            expected: list[int]) -> None:
    found = six.page(scope, offset, limit)
    assert [t.id for t in found] == expected
    assert all(t.version == 1 and t.title == f"Ticket {t.id}" for t in found)


@pytest.mark.parametrize("scope, offset, limit, expected", [
    (TicketScope(group_ids=(2, 1)), 0, 50, [6, 4, 2, 1]),
    (TicketScope(customer_id=10, organization_id=100), 0, 50, [6, 5, 3, 2, 1]),    # 1 is in both: once
    (TicketScope(customer_id=10, organization_id=100), 1, 2, [5, 3]),
    (TicketScope(everything=True), 0, 2, [6, 5]),
])
def test_page_newest_first(six: Any, scope: TicketScope, offset: int, limit: int, expected: list[int]) -> None:
    assert [t.id for t in six.page(scope, offset, limit, newest_first=True)] == expected


def test_get_many(six: Any) -> None:
    found = six.get_many([1, 5, 5, 99])
    assert sorted(found) == [1, 5]
    assert found[5].customer_id == 13 and found[5].version == 1
    assert six.get_many([]) == {}


def test_get_many_beyond_one_batch(dynamo: None) -> None:
    store = _ticket_store()
    bulk_insert_tickets([make_ticket(i) for i in range(1, 131)])
    found = store.get_many(range(1, 141))
    assert sorted(found) == list(range(1, 131))


def test_article_pointer_finds_articles_of_any_ticket(tickets: Any) -> None:
    create(tickets, 1)
    ticket = create(tickets, 2)
    tickets.save(ticket, 1, make_article(2, 21))
    assert tickets.article(21).ticket_id == 2
    assert tickets.article(10).ticket_id == 1


def test_delete(six: Any) -> None:
    ticket = six.get(1)
    six.save(ticket, 1, make_article(1, 11))
    deleted = six.delete(six.get(1))
    assert sorted(a.id for a in deleted) == [10, 11]
    assert six.get(1) is None and six.by_number("45001") is None
    assert six.articles(1) == [] and six.article(10) is None and six.article(11) is None
    assert [t.id for t in six.page(TicketScope(everything=True), 0, 50)] == [2, 3, 4, 5, 6]
    assert [t.id for t in six.page(TicketScope(customer_id=10, organization_id=100), 0, 50)] == [2, 3, 5, 6]


@pytest.mark.parametrize("tickets", [
    "dynamodb",
    "fake",
], indirect=True)
def test_delete_of_a_stale_ticket_is_a_conflict(tickets: Any) -> None:
    ticket = create(tickets, 1)
    tickets.save(replace(ticket, title="newer"), 1)
    with pytest.raises(Conflict):
        tickets.delete(ticket)                      # still version 1
    assert tickets.get(1).title == "newer"


def test_delete_removes_every_item_of_the_ticket(dynamo: None) -> None:
    from chalicelib.storage.table import Item

    store = _ticket_store()
    ticket = create(store, 1, group_id=1, customer_id=10, organization_id=100)
    store.save(ticket, 1, make_article(1, 11))
    create(store, 2)
    store.delete(store.get(1))
    assert item_count("TICKET#1") == 0
    assert item_count("ARTICLE#10") == item_count("ARTICLE#11") == item_count("TICKETNUMBER#45001") == 0
    assert [i.pk for i in Item.gsi1.query("GROUP#1")] == ["TICKET#2"]
    assert [i.pk for i in Item.gsi4.query("TICKETS")] == ["TICKET#2"]
    assert item_count("TICKET#2") == 2


# --- call counts -------------------------------------------------------------------------------


def test_get_is_one_call(dynamodb_calls: list[str]) -> None:
    store = _ticket_store()
    create(store, 1)
    dynamodb_calls.clear()
    assert store.get(1) is not None
    assert dynamodb_calls == ["GetItem"]


@pytest.mark.parametrize("count", [60, 300])
def test_page_of_one_group_is_one_call(dynamodb_calls: list[str], count: int) -> None:
    store = _ticket_store()
    bulk_insert_tickets([make_ticket(i, group_id=1) for i in range(1, count + 1)]
                        + [make_ticket(i, group_id=2) for i in range(count + 1, count + 11)])
    dynamodb_calls.clear()
    page = store.page(TicketScope(group_ids=(1,)), 0, 50)
    assert [t.id for t in page] == list(range(1, 51))
    assert dynamodb_calls == ["Query"]
    dynamodb_calls.clear()
    assert [t.id for t in store.page(TicketScope(group_ids=(1,)), 50, 10)] == list(range(51, 61))
    assert dynamodb_calls == ["Query"]


def test_page_reads_one_query_per_partition(dynamodb_calls: list[str]) -> None:
    store = _ticket_store()
    bulk_insert_tickets([make_ticket(i, customer_id=10 if i % 2 else 11) for i in range(1, 81)])
    dynamodb_calls.clear()
    page = store.page(TicketScope(customer_id=10, organization_id=100), 0, 50)
    assert [t.id for t in page] == list(range(1, 51))
    assert dynamodb_calls == ["Query", "Query"]


def test_writes_are_single_calls(dynamodb_calls: list[str]) -> None:
    store = _ticket_store()
    ticket = make_ticket(1)
    dynamodb_calls.clear()
    store.create(ticket, make_article(1))
    assert dynamodb_calls == ["TransactWriteItems"]
    dynamodb_calls.clear()
    store.save(replace(ticket, title="x"), 1)
    assert dynamodb_calls == ["PutItem"]
    dynamodb_calls.clear()
    store.save(replace(ticket, title="y"), 2, make_article(1, 11))
    assert dynamodb_calls == ["TransactWriteItems"]


def test_get_many_is_one_call_per_hundred(dynamodb_calls: list[str]) -> None:
    store = _ticket_store()
    bulk_insert_tickets([make_ticket(i) for i in range(1, 131)])
    dynamodb_calls.clear()
    assert len(store.get_many(range(1, 131))) == 130
    assert dynamodb_calls == ["BatchGetItem", "BatchGetItem"]


# --- UserStore / OrganizationStore -------------------------------------------------------------


def user(user_id: int, login: str, email: str = "", **kw: Any) -> User:
    return User(id=user_id, login=login, email=email, **kw)


def test_user_round_trip(users: Any) -> None:
    nicole = user(2, "nicole", "Nicole.Braun@Example.com", firstname="Nicole", role_ids=[3],
                  group_access={"1": ["read"]}, preferences={"locale": "de-de"})
    users.create(nicole)
    assert users.get(2) == nicole
    assert users.by_login("NICOLE") == nicole
    assert users.by_email("nicole.braun@example.com") == nicole
    assert users.get(3) is None and users.by_login("x") is None and users.by_email("x@y.z") is None
    users.create(user(3, "other"))
    assert sorted(users.get_many([2, 3, 4])) == [2, 3]


@pytest.mark.parametrize("second", [
    user(3, "NICOLE", "new@example.com"),           # login taken (case-insensitive)
    user(3, "someone", "NICOLE@example.com"),       # email taken
    user(2, "someone", "new@example.com"),          # id taken
], ids=["login", "email", "id"])
def test_user_unique_keys(users: Any, second: User) -> None:
    users.create(user(2, "nicole", "nicole@example.com"))
    with pytest.raises(Conflict):
        users.create(second)
    assert users.by_email("new@example.com") is None and users.by_login("someone") is None
    assert users.get(2).login == "nicole"
    if second.id == 3:
        assert users.get(3) is None


def test_user_save_moves_unique_keys(users: Any) -> None:
    users.create(user(2, "nicole", "nicole@example.com"))
    users.save(user(2, "nicole.b", "nb@example.com", firstname="N"))
    assert users.by_login("nicole") is None and users.by_email("nicole@example.com") is None
    assert users.by_login("nicole.b").firstname == "N" and users.by_email("nb@example.com").id == 2
    users.create(user(3, "nicole", "nicole@example.com"))             # the old keys are free again
    assert users.by_login("nicole").id == 3


def test_user_save_onto_a_taken_key_is_a_conflict(users: Any) -> None:
    users.create(user(2, "nicole", "nicole@example.com"))
    users.create(user(3, "agent", "agent@example.com"))
    with pytest.raises(Conflict):
        users.save(user(2, "nicole", "agent@example.com", firstname="changed"))
    assert users.get(2).email == "nicole@example.com" and users.get(2).firstname == ""
    assert users.by_email("agent@example.com").id == 3


def test_organizations(organizations: Any) -> None:
    acme = Organization(id=1, name="Acme", domain="acme.test", domain_assignment=True, shared=False)
    plain = Organization(id=2, name="Plain", domain="plain.test")
    organizations.create(acme)
    organizations.create(plain)
    assert organizations.get(1) == acme and organizations.by_name("ACME") == acme
    assert organizations.by_domain("acme.test") == acme
    assert organizations.by_domain("plain.test") is None            # no domain assignment: no lookup
    assert sorted(organizations.get_many([1, 2, 3])) == [1, 2]
    with pytest.raises(Conflict):
        organizations.create(Organization(id=3, name="acme"))
    assert organizations.get(3) is None


# --- CatalogStore ------------------------------------------------------------------------------


def test_catalog_snapshot(catalog: Any) -> None:
    import copy
    for state in reversed(copy.deepcopy(DEFAULT_STATES)):
        catalog.put_state(state)
    for priority in copy.deepcopy(DEFAULT_PRIORITIES):
        catalog.put_priority(priority)
    for group in copy.deepcopy(DEFAULT_GROUPS) + [Group(12, "Sales", follow_up_possible="new_ticket")]:
        catalog.put_group(group)
    catalog.put_group(Group(1, "Users renamed"))                        # put replaces
    snapshot = catalog.snapshot()
    assert snapshot.states == DEFAULT_STATES                            # in id order
    assert snapshot.priorities == DEFAULT_PRIORITIES
    assert [(g.id, g.name, g.follow_up_possible) for g in snapshot.groups] == \
        [(1, "Users renamed", "yes"), (12, "Sales", "new_ticket")]


def test_catalog_snapshot_is_one_query(dynamodb_calls: list[str]) -> None:
    from chalicelib.storage.catalog import CatalogStore
    store = CatalogStore()
    for state in DEFAULT_STATES:
        store.put_state(state)
    dynamodb_calls.clear()
    assert len(store.snapshot().states) == len(DEFAULT_STATES)
    assert dynamodb_calls == ["Query"]


# --- Counters ----------------------------------------------------------------------------------


def test_counters(counters: Any) -> None:
    assert counters.next_id("ticket") == 1
    assert counters.next_id("ticket") == 2
    assert counters.next_ids("ticket", 3) == [3, 4, 5]
    assert counters.next_id("user") == 1                                # sequences are independent
    counters.ensure_at_least("user", 10)
    assert counters.next_id("user") == 11
    counters.ensure_at_least("user", 5)                                 # never lowers
    assert counters.next_id("user") == 12
    counters.ensure_at_least("fresh", 7)
    assert counters.next_ids("fresh", 2) == [8, 9]


def test_a_block_of_ids_is_one_call(dynamodb_calls: list[str]) -> None:
    from chalicelib.storage.counters import Counters
    Counters().next_id("warm")
    dynamodb_calls.clear()
    assert Counters().next_ids("attachment", 20) == list(range(1, 21))
    assert dynamodb_calls == ["UpdateItem"]


# --- AccessTokenStore / RevocationStore --------------------------------------------------------


def token(token_id: int, user_id: int, token_hash: str) -> AccessToken:
    return AccessToken(id=token_id, user_id=user_id, label=f"t{token_id}", token_hash=token_hash,
                       permissions=["ticket.agent"], expires_at="2030-01-01", created_at="2024-01-01T00:00:00.000Z")


def test_access_tokens(token_store: Any) -> None:
    t12, t3, t2 = token(12, 5, "h12"), token(3, 5, "h3"), token(2, 6, "h2")
    for t in (t12, t3, t2):
        token_store.create(t)
    assert token_store.by_hash("h3") == t3 and token_store.by_hash("nope") is None
    assert [t.id for t in token_store.for_user(5)] == [3, 12]           # id order, numerically
    assert token_store.for_user(7) == []
    token_store.touch(t3, "2024-05-05T10:00:00.000Z")
    assert token_store.by_hash("h3").last_used_at == "2024-05-05T10:00:00.000Z"
    token_store.delete(t3)
    assert token_store.by_hash("h3") is None
    assert [t.id for t in token_store.for_user(5)] == [12]


FAR = 4_000_000_000  # 2096: far from anything moto or DynamoDB TTL would expire


def test_revocations_expire_on_read(revocations: Any) -> None:
    revocations.revoke("jti-1", FAR)
    assert revocations.is_revoked("jti-1", FAR - 1)
    assert not revocations.is_revoked("jti-1", FAR)                     # expired, even if TTL lags
    assert not revocations.is_revoked("jti-1", FAR + 3600)
    assert not revocations.is_revoked("other", FAR - 1)


def test_revoked_item_carries_a_ttl(dynamo: None) -> None:
    from chalicelib.storage.credentials import RevocationStore
    from chalicelib.storage.table import RevokedItem
    RevocationStore().revoke("jti-2", FAR)
    assert RevokedItem.get("REVOKED#jti-2", "#REVOKED").expires.timestamp() == FAR


# --- TableSearchIndex --------------------------------------------------------------------------


def test_search_hits_newest_first(search_index: Any) -> None:
    search_index.add(1, {"printer", "paper"})
    search_index.add(2, {"printer"})
    search_index.add(10, {"printer", "toner"})
    assert list(search_index.hits("printer")) == [10, 2, 1]             # numeric, not string, order
    assert list(search_index.hits("paper")) == [1]
    assert list(search_index.hits("unknown")) == []
    search_index.forget(2)
    search_index.replace(10, {"printer", "ink"})
    assert list(search_index.hits("printer")) == [10, 1]
    assert list(search_index.hits("toner")) == []
    assert list(search_index.hits("ink")) == [10]
    search_index.forget(10)
    search_index.forget(10)  # forgetting twice is harmless
    assert list(search_index.hits("ink")) == []


@pytest.fixture()
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search pages of 4 hits, so a few tickets span several pages."""
    from chalicelib.storage import search
    monkeypatch.setattr(search, "PAGE", 4)


def test_search_hits_span_pages(search_index: Any, small_pages: None) -> None:
    for ticket_id in range(1, 12):
        search_index.add(ticket_id, {"common"})
    hits = search_index.hits("common")
    assert [next(hits) for _ in range(3)] == [11, 10, 9]
    assert list(hits) == list(range(8, 0, -1))


def test_search_hits_are_read_lazily(dynamodb_calls: list[str], small_pages: None) -> None:
    from chalicelib.storage.search import TableSearchIndex
    index = TableSearchIndex()
    for ticket_id in range(1, 12):
        index.add(ticket_id, {"common"})
    dynamodb_calls.clear()
    hits = index.hits("common")
    assert [next(hits) for _ in range(4)] == [11, 10, 9, 8]
    assert dynamodb_calls == ["Query"]
    assert len(list(hits)) == 7
    assert dynamodb_calls == ["Query"] * 3


# --- S3BlobStore -------------------------------------------------------------------------------


def test_blobs(blobs: Any) -> None:
    blobs.put(NewBlob("tickets/1/articles/10/5", b"\x00bytes", "application/pdf", "a.pdf"))
    blobs.put(NewBlob("tickets/1/articles/10/6", b"other", "text/plain"))
    assert blobs.get("tickets/1/articles/10/5") == b"\x00bytes"
    blobs.delete(["tickets/1/articles/10/5", "tickets/9/never-written"])
    with pytest.raises(NotFound, match="Couldn't find Store"):
        blobs.get("tickets/1/articles/10/5")
    assert blobs.get("tickets/1/articles/10/6") == b"other"
    blobs.delete([])


def test_blob_content_type_is_stored(dynamo: None) -> None:
    store = _s3()
    store.put(NewBlob("k", b"<html>", "text/html", "page.html"))
    assert store.client.head_object(Bucket=BUCKET, Key="k")["ContentType"] == "text/html"


def test_ensure_bucket_is_idempotent(dynamo: None) -> None:
    store = _s3()
    store.ensure_bucket()
    store.put(NewBlob("k", b"x", "text/plain"))
    store.ensure_bucket()
    assert store.get("k") == b"x"


def test_every_item_kind_shares_one_connection(dynamo: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """One botocore client per process: each extra one costs tens of ms on a Lambda cold start."""
    from chalicelib.storage import table
    table.TicketItem._connection = table.TicketItem._get_connection()  # as PynamoDB caches it per class
    monkeypatch.setattr(table.Item.Meta, "table_name", "previous-stage")  # force configure() to rebuild
    try:
        table.configure()
    finally:
        if "_connection" in table.TicketItem.__dict__:
            delattr(table.TicketItem, "_connection")
    shared = table.Item._get_connection()
    kinds = [table.TicketItem, table.ArticleItem, table.UserItem, table.SearchItem, table.CounterItem]
    assert all(kind._get_connection() is shared for kind in kinds)
    assert shared.connection.client is table.SearchItem._get_connection().connection.client
