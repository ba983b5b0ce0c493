"""core.users: the directory services and their policy rules, with fakes only."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from chalicelib.bootstrap import DEFAULT_GROUPS
from chalicelib.core import policy
from chalicelib.core.catalog import Catalog
from chalicelib.core.errors import InvalidInput, LookupFailed, NotFound, PermissionDenied
from chalicelib.core.model import (ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER, SYSTEM_USER_ID, Group, Organization,
                                   Principal, Ticket, User)
from chalicelib.core.users import (SearchRequest, OrganizationDirectory, OrganizationInput, UserDirectory,
                                   UserInput, index_tokens, user_tokens)
from tests.core.fakes import (FakeClock, FakeDirectoryOrganizations, FakeDirectoryUsers, FakeIds,
                              FakeReferenceRepository, FakeTicketReferences, FakeTicketRepository, make_world)


@dataclass
class Dir:
    users: UserDirectory
    orgs: OrganizationDirectory
    user_repo: FakeDirectoryUsers
    org_repo: FakeDirectoryOrganizations
    tickets: FakeTicketRepository
    p: dict


def principal(user: User, orgs: FakeDirectoryOrganizations) -> Principal:
    org = orgs.get(user.organization_id) if user.organization_id else None
    return Principal(user=user, permissions=user.permissions, shared_organization=bool(org and org.shared))


@pytest.fixture()
def d() -> Dir:
    ids, clock = FakeIds(), FakeClock()
    user_repo, org_repo, tickets = FakeDirectoryUsers(), FakeDirectoryOrganizations(), FakeTicketRepository()
    reference = FakeReferenceRepository(groups=copy.deepcopy(DEFAULT_GROUPS) + [Group(2, "Sales")])
    references = FakeTicketReferences(tickets)
    users = UserDirectory(user_repo, org_repo, ids, clock, hasher=lambda pw: f"hashed:{pw}", references=references,
                          catalog=lambda: Catalog(reference))
    orgs = OrganizationDirectory(org_repo, users, ids, clock, references)
    user_repo.create(User(id=SYSTEM_USER_ID, login="-", active=False))
    ids.ensure_at_least("user", 1)
    org_repo.create(Organization(id=ids.next_id("organization"), name="Shared Org", shared=True))
    org_repo.create(Organization(id=ids.next_id("organization"), name="Other Org", shared=True))
    people = {}
    for key, roles, groups, org in (("admin", [ROLE_ADMIN, ROLE_AGENT], {}, None),
                                    ("agent", [ROLE_AGENT], {"1": ["full"]}, None),
                                    ("reader", [ROLE_AGENT], {"1": ["read"], "2": ["create"]}, None),
                                    ("customer", [ROLE_CUSTOMER], {}, 1),
                                    ("colleague", [ROLE_CUSTOMER], {}, 1),
                                    ("stranger", [ROLE_CUSTOMER], {}, 2)):
        user = User(id=ids.next_id("user"), login=f"{key}@example.com", email=f"{key}@example.com",
                    firstname=key.title(), role_ids=roles, group_access=groups, organization_id=org)
        user_repo.create(user)
        people[key] = principal(user, org_repo)
    return Dir(users, orgs, user_repo, org_repo, tickets, people)


# --- policy ------------------------------------------------------------------------------------

def test_policy_user_rules(d):
    p = d.p
    assert policy.can_read_user(p["customer"], p["colleague"].user)          # same organization
    assert not policy.can_read_user(p["customer"], p["stranger"].user)
    assert policy.can_read_user(p["agent"], p["stranger"].user)
    assert policy.can_change_user(p["agent"], p["customer"].user)
    assert not policy.can_change_user(p["agent"], p["reader"].user)           # agents change customers only
    assert not policy.can_change_user(p["agent"], p["admin"].user)
    assert not policy.can_change_user(p["customer"], p["customer"].user)      # as Zammad's UserPolicy#update?
    assert policy.can_assign_roles_and_groups(p["admin"])
    assert not policy.can_assign_roles_and_groups(p["agent"])
    assert policy.can_delete_user(p["admin"], p["customer"].user)
    assert not policy.can_delete_user(p["agent"], p["customer"].user)
    assert policy.can_read_organization(p["customer"], 1) and not policy.can_read_organization(p["customer"], 2)
    assert not policy.can_manage_organizations(p["agent"])


# --- users -------------------------------------------------------------------------------------

def test_agent_cannot_grant_roles_or_groups(d):
    created = d.users.create(d.p["agent"], UserInput(text={"email": "new@example.org"}, role_ids=[ROLE_ADMIN],
                                                     group_ids={"1": ["full"]}))
    assert created.role_ids == [ROLE_CUSTOMER] and created.group_access == {}
    changed = d.users.update(d.p["agent"], d.p["customer"].id, UserInput(role_ids=[ROLE_ADMIN],
                                                                         group_ids={"1": ["full"]}))
    assert changed.role_ids == [ROLE_CUSTOMER] and changed.group_access == {}
    with pytest.raises(PermissionDenied):
        d.users.update(d.p["agent"], d.p["reader"].id, UserInput(text={"lastname": "x"}))


def test_admin_grants_and_passwords_are_hashed_by_the_injected_hasher(d):
    created = d.users.create(d.p["admin"], UserInput(text={"email": "a2@example.org"}, role_names=["agent"],
                                                     group_names={"sales": ["read"]}, password="pw"))
    assert created.role_ids == [ROLE_AGENT] and created.group_access == {"2": ["read"]}
    assert created.password_hash == "hashed:pw"
    with pytest.raises(LookupFailed):
        d.users.create(d.p["admin"], UserInput(text={"email": "a3@example.org"}, group_ids={"9": ["read"]}))
    with pytest.raises(InvalidInput):
        d.users.update(d.p["admin"], d.p["admin"].id, UserInput(role_ids=[ROLE_AGENT]))  # own admin right


def test_customer_scope(d):
    c = d.p["customer"]
    assert [u.id for u in d.users.page(c, 0, 100)] == [c.id]
    assert d.users.show(c, d.p["colleague"].id).id == d.p["colleague"].id
    with pytest.raises(PermissionDenied):
        d.users.show(c, d.p["stranger"].id)
    with pytest.raises(PermissionDenied):
        d.users.search(c, SearchRequest(query="x"))
    with pytest.raises(PermissionDenied):
        d.users.create(c, UserInput(text={"email": "z@example.org"}))
    with pytest.raises(NotFound):
        d.users.show(d.p["admin"], 999)


def test_signup_is_a_customer_and_silent_on_taken_emails(d):
    user = d.users.signup(UserInput(text={"email": "Me@Example.org", "login": "root", "note": "x"},
                                    role_ids=[ROLE_ADMIN], group_ids={"1": ["full"]}))
    assert user.role_ids == [ROLE_CUSTOMER] and user.group_access == {} and user.login == "me@example.org"
    assert user.source == "signup" and user.note == ""
    assert d.users.signup(UserInput(text={"email": "customer@example.com"})) is None
    with pytest.raises(InvalidInput):
        d.users.signup(UserInput(text={"firstname": "x"}))


def test_unique_email_and_login_suffix(d):
    with pytest.raises(InvalidInput, match="is already used for other user"):
        d.users.create(d.p["admin"], UserInput(text={"email": "CUSTOMER@example.com"}))
    one = d.users.create(d.p["admin"], UserInput(text={"login": "customer@example.com", "email": "c2@example.org"}))
    assert one.login == "customer@example.com1"


def test_search(d):
    admin = d.p["admin"]
    found = lambda q, **kw: [u.id for u in d.users.search(admin, SearchRequest(query=q, **kw))]  # noqa: E731
    assert found("custom") == [d.p["customer"].id]
    assert found("email:stranger@example.com") == [d.p["stranger"].id]
    assert set(found("shared")) == {d.p["customer"].id, d.p["colleague"].id}   # the organization's name
    assert found("shared colleague") == [d.p["colleague"].id]
    assert found("organization_id:2") == [d.p["stranger"].id]
    everyone = found("", sort_by="id", order_by="asc", limit=100)
    assert everyone == sorted(everyone) and SYSTEM_USER_ID not in everyone
    assert len(found("", limit=2)) == 2


def test_delete_rules(d):
    admin = d.p["admin"]
    with pytest.raises(InvalidInput, match="current account"):
        d.users.delete(admin, admin.id)
    with pytest.raises(InvalidInput, match="references"):
        d.users.delete(admin, SYSTEM_USER_ID)
    with pytest.raises(InvalidInput, match="references"):
        d.users.delete(admin, d.p["agent"].id)
    d.tickets.tickets[1] = Ticket(id=1, number="1", title="t", group_id=1, state_id=1, priority_id=1,
                                  customer_id=d.p["customer"].id, organization_id=1)
    with pytest.raises(InvalidInput, match="references"):
        d.users.delete(admin, d.p["customer"].id)
    with pytest.raises(PermissionDenied):
        d.users.delete(d.p["agent"], d.p["colleague"].id)
    d.users.delete(admin, d.p["colleague"].id)
    assert d.user_repo.get(d.p["colleague"].id) is None


def test_agents_for_group(d):
    ids = lambda gid: [u.id for u in d.users.agents_for_group(gid)]  # noqa: E731
    assert ids(1) == [d.p["agent"].id, d.p["reader"].id]   # not the admin: no explicit access
    assert ids(2) == []                                     # "create" alone does not read
    d.users.update(d.p["admin"], d.p["agent"].id, UserInput(flags={"active": False}))
    assert ids(1) == [d.p["reader"].id]


def test_agents_for_group_on_the_shared_world():
    world = make_world()
    assert [u.login for u in world.users.agents_for_group(1)] == ["agent@example.com", "reader@example.com"]


def test_tokens():
    assert {"ni", "nic", "nicole", "braun", "nicole.braun@example.com"} <= index_tokens("nicole.braun@example.com")
    assert "nicole" in user_tokens(User(id=2, login="x", firstname="Nicole"))


# --- organizations ---------------------------------------------------------------------------------

def test_organizations(d):
    admin, customer = d.p["admin"], d.p["customer"]
    org = d.orgs.create(admin, OrganizationInput(text={"name": "Acme", "domain": "ACME.test"},
                                                 flags={"domain_assignment": True, "vip": True}))
    assert org.domain == "acme.test" and org.vip
    with pytest.raises(InvalidInput, match="Name has already been taken"):
        d.orgs.create(admin, OrganizationInput(text={"name": "acme"}))
    with pytest.raises(PermissionDenied):
        d.orgs.create(d.p["agent"], OrganizationInput(text={"name": "Nope"}))
    assert [o.id for o in d.orgs.page(customer, 0, 10)] == [1]
    with pytest.raises(PermissionDenied):
        d.orgs.show(customer, org.id)
    assert [o.id for o in d.orgs.search(d.p["agent"], SearchRequest(query="acm"))] == [org.id]
    with pytest.raises(InvalidInput, match="references"):
        d.orgs.delete(admin, 1)                        # members
    d.orgs.delete(admin, org.id)
    with pytest.raises(NotFound):
        d.orgs.show(admin, org.id)
