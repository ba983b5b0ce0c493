"""Contract of the directory stores (users, organizations), run on DynamoDB (moto) and on the fakes."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.model import Organization, User
from tests.core.fakes import FakeDirectoryOrganizations, FakeDirectoryUsers, FakeTicketReferences, FakeTicketRepository
from tests.storage.test_contract import BOTH, REGION, _adapter, create
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


@pytest.fixture(params=BOTH)
def users(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.directory import UserStore
    return _adapter(request, lambda: UserStore(REGION), FakeDirectoryUsers)


@pytest.fixture(params=BOTH)
def organizations(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.directory import OrganizationStore
    return _adapter(request, lambda: OrganizationStore(REGION), FakeDirectoryOrganizations)


@pytest.fixture(params=BOTH)
def refs(request: pytest.FixtureRequest) -> Any:
    """(ticket repository, references) pairs over the same tickets."""
    from chalicelib.storage.directory import TicketReferenceIndex
    from chalicelib.storage.tickets import TicketStore
    if request.param == "dynamodb":
        request.getfixturevalue("dynamo")
        return TicketStore(REGION), TicketReferenceIndex()
    tickets = FakeTicketRepository()
    return tickets, FakeTicketReferences(tickets)


def person(uid: int, login: str, **kw: Any) -> User:
    kw.setdefault("email", f"{login}@example.com")
    return User(id=uid, login=login, **kw)


def test_tokens_follow_create_save_delete(users: Any) -> None:
    users.create(person(2, "nicole", firstname="Nicole", lastname="Braun"))
    users.create(person(3, "nina", firstname="Nina"))
    assert users.with_token("ni", 10) == [2, 3]
    assert users.with_token("braun", 10) == [2]
    assert users.with_token("nicole@example.com", 10) == [2]
    assert users.with_token("ni", 1) == [2]
    users.save(person(2, "nicole", firstname="Nicole", lastname="Schmidt"))
    assert users.with_token("braun", 10) == [] and users.with_token("schmidt", 10) == [2]
    users.delete(person(2, "ignored"))   # what is stored is removed, whatever the caller holds
    assert users.get(2) is None and users.by_login("nicole") is None and users.by_email("nicole@example.com") is None
    assert users.with_token("nicole", 10) == [] and users.with_token("ni", 10) == [3]
    users.create(person(4, "nicole"))    # its keys are free again
    assert users.by_login("nicole").id == 4


def test_page_in_id_order(users: Any) -> None:
    for uid in (5, 2, 9, 3):
        users.create(person(uid, f"u{uid}"))
    assert [u.id for u in users.page(0, 10)] == [2, 3, 5, 9]
    assert [u.id for u in users.page(1, 2)] == [3, 5]
    assert users.page(4, 10) == [] and users.page(0, 0) == []


def test_members_follow_the_organization_id(users: Any) -> None:
    users.create(person(2, "a", organization_id=7))
    users.create(person(3, "b", organization_id=7))
    users.create(person(4, "c", organization_id=8))
    assert users.members(7, 10) == [2, 3] and users.members(7, 1) == [2] and users.members(9, 10) == []
    users.save(person(3, "b", organization_id=8))
    assert users.members(7, 10) == [2] and users.members(8, 10) == [3, 4]
    users.save(person(2, "a"))
    assert users.members(7, 10) == []


def test_group_memberships(users: Any) -> None:
    users.create(person(2, "agent", role_ids=[2], group_access={"1": ["full"], "2": ["read"]}))
    users.create(person(3, "reader", role_ids=[2], group_access={"1": ["read"]}))
    users.create(person(4, "customer", role_ids=[3]))
    assert [u.id for u in users.agents_in_group(1)] == [2, 3]
    assert [u.id for u in users.agents_in_group(2)] == [2]
    users.save(person(2, "agent", role_ids=[2], group_access={"2": ["read"]}))
    assert [u.id for u in users.agents_in_group(1)] == [3]
    assert users.agents_in_group(1)[0].login == "reader"
    users.delete(users.get(3))
    assert users.agents_in_group(1) == [] and [u.id for u in users.agents_in_group(2)] == [2]


def test_a_refused_create_leaves_no_derived_items(users: Any) -> None:
    users.create(person(2, "nicole", group_access={"1": ["full"]}, organization_id=7))
    with pytest.raises(Conflict):
        users.create(person(3, "nicole", email="other@example.com", group_access={"5": ["full"]},
                            organization_id=9))
    assert users.get(3) is None and users.agents_in_group(5) == [] and users.members(9, 10) == []
    assert users.by_email("other@example.com") is None


def test_organizations_save_delete_tokens_and_page(organizations: Any) -> None:
    organizations.create(Organization(id=1, name="Acme Corp", domain="acme.test", domain_assignment=True))
    organizations.create(Organization(id=2, name="Globex"))
    assert organizations.with_token("acm", 10) == [1] and organizations.with_token("acme.test", 10) == [1]
    organizations.save(Organization(id=1, name="Initech", domain="initech.test", domain_assignment=True, vip=True))
    assert organizations.by_name("acme corp") is None and organizations.by_domain("acme.test") is None
    assert organizations.by_name("INITECH").vip is True and organizations.by_domain("initech.test").id == 1
    assert organizations.with_token("acme", 10) == [] and organizations.with_token("initech", 10) == [1]
    with pytest.raises(Conflict):
        organizations.save(Organization(id=2, name="initech"))
    assert organizations.get(2).name == "Globex"
    assert [o.id for o in organizations.page(0, 10)] == [1, 2]
    organizations.delete(organizations.get(1))
    assert organizations.get(1) is None and organizations.by_name("initech") is None
    assert organizations.with_token("initech", 10) == [] and [o.id for o in organizations.page(0, 10)] == [2]
    organizations.create(Organization(id=3, name="Initech"))
    assert organizations.by_name("initech").id == 3


def test_ticket_references(refs: Any) -> None:
    tickets, references = refs
    assert not references.customer_has_tickets(10) and not references.organization_has_tickets(100)
    create(tickets, 1, customer_id=10, organization_id=100)
    assert references.customer_has_tickets(10) and references.organization_has_tickets(100)
    assert not references.customer_has_tickets(11) and not references.organization_has_tickets(101)


def test_user_writes_are_a_fixed_number_of_calls(dynamodb_calls: list[str]) -> None:
    from chalicelib.storage.directory import UserStore
    store = UserStore(REGION)
    store.create(person(2, "nicole", firstname="Nicole", group_access={"1": ["full"]}, organization_id=3))
    assert dynamodb_calls == ["TransactWriteItems", "BatchWriteItem"]
    dynamodb_calls.clear()
    assert [u.id for u in store.agents_in_group(1)] == [2]
    assert dynamodb_calls == ["Query", "BatchGetItem"]
    dynamodb_calls.clear()
    assert store.members(3, 1000) == [2] and store.with_token("nic", 1000) == [2]
    assert dynamodb_calls == ["Query", "Query"]
