"""Who may do what: the policy predicates, table-driven over the seeded world's principals."""
from __future__ import annotations

import pytest

from chalicelib.core import policy
from chalicelib.core.errors import PermissionDenied
from chalicelib.core.model import ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER, Article, Principal, Ticket, User
from chalicelib.core.ports import TicketScope
from tests.core.fakes import SALES_GROUP, make_world

WORLD = make_world()  # read-only here: the predicates never touch repositories

EVERYONE = ("admin", "agent", "reader", "no_groups", "customer_a", "customer_b", "customer_c", "customer_d")


def who(name: str) -> Principal:
    return WORLD.principals[name]


def ticket(group_id: int, customer: str) -> Ticket:
    user = who(customer).user
    return Ticket(id=1, number="451", title="t", group_id=group_id, state_id=1, priority_id=2,
                  customer_id=user.id, organization_id=user.organization_id)


# The tickets of the table below: (group, customer). Organization 1 is shared, organization 2 is not.
TICKETS = {
    "g1_of_a": (1, "customer_a"),
    "sales_of_c": (SALES_GROUP, "customer_c"),
    "g1_of_d": (1, "customer_d"),
}

READ = {  # principal -> tickets it may read
    "admin": {"g1_of_a", "sales_of_c", "g1_of_d"},
    "agent": {"g1_of_a", "g1_of_d"},
    "reader": {"g1_of_a", "g1_of_d"},
    "no_groups": set(),
    "customer_a": {"g1_of_a"},
    "customer_b": {"g1_of_a"},        # A's colleague in a shared organization
    "customer_c": {"sales_of_c"},
    "customer_d": {"g1_of_d"},        # C's ticket stays hidden: organization 2 is not shared
}
CHANGE = {**READ, "reader": set()}


@pytest.mark.parametrize("name", EVERYONE)
@pytest.mark.parametrize("ticket_name", sorted(TICKETS))
def test_can_read_ticket(name: str, ticket_name: str) -> None:
    assert policy.can_read_ticket(who(name), ticket(*TICKETS[ticket_name])) is (ticket_name in READ[name])


@pytest.mark.parametrize("name", EVERYONE)
@pytest.mark.parametrize("ticket_name", sorted(TICKETS))
def test_can_change_ticket(name: str, ticket_name: str) -> None:
    assert policy.can_change_ticket(who(name), ticket(*TICKETS[ticket_name])) is (ticket_name in CHANGE[name])


@pytest.mark.parametrize("name, allowed", [(n, n == "admin") for n in EVERYONE])
def test_only_admins_delete(name: str, allowed: bool) -> None:
    assert policy.can_delete_ticket(who(name), ticket(1, "customer_a")) is allowed


@pytest.mark.parametrize("name, group_id, allowed", [
    ("admin", 1, True), ("admin", SALES_GROUP, True),
    ("agent", 1, True), ("agent", SALES_GROUP, False),
    ("reader", 1, False),            # read access does not allow creating
    ("no_groups", 1, False),
    ("customer_a", 1, True), ("customer_c", SALES_GROUP, True),  # customers open tickets in any group
])
def test_can_create_in_group(name: str, group_id: int, allowed: bool) -> None:
    assert policy.can_create_in_group(who(name), group_id) is allowed


@pytest.mark.parametrize("name, internal_visible, public_visible", [
    ("admin", True, True), ("agent", True, True), ("reader", True, True),
    ("no_groups", False, False),
    ("customer_a", False, True), ("customer_b", False, True),
    ("customer_c", False, False),
])
def test_internal_articles_are_for_agents(name: str, internal_visible: bool, public_visible: bool) -> None:
    t = ticket(1, "customer_a")
    internal = Article(id=1, ticket_id=1, type_id=10, sender_id=1, body="x", internal=True)
    public = Article(id=2, ticket_id=1, type_id=10, sender_id=1, body="x")
    assert policy.can_read_article(who(name), t, internal) is internal_visible
    assert policy.can_read_article(who(name), t, public) is public_visible
    assert policy.sees_internal(who(name), t) is internal_visible


@pytest.mark.parametrize("name, scope", [
    ("admin", TicketScope(everything=True)),
    ("agent", TicketScope(group_ids=(1,))),
    ("reader", TicketScope(group_ids=(1,))),
    ("no_groups", TicketScope()),
    ("customer_a", TicketScope(customer_id=WORLD.customer_a.id, organization_id=1)),
    ("customer_c", TicketScope(customer_id=WORLD.customer_c.id)),   # unshared: own tickets only
])
def test_ticket_scope(name: str, scope: TicketScope) -> None:
    assert policy.ticket_scope(who(name)) == scope


def test_scope_lists_only_readable_groups_sorted() -> None:
    user = User(id=50, login="mixed", role_ids=[ROLE_AGENT],
                group_access={"7": ["full"], "3": ["read", "change"], "5": ["change"], "9": ["create"]})
    assert policy.ticket_scope(Principal(user, user.permissions)) == TicketScope(group_ids=(3, 7))


def test_scope_of_a_user_without_ticket_permissions_is_empty() -> None:
    user = User(id=51, login="nobody")
    scope = policy.ticket_scope(Principal(user, user.permissions))
    assert scope.is_empty


@pytest.mark.parametrize("levels, level, allowed", [
    (["full"], "change", True),
    (["read"], "read", True),
    (["read"], "change", False),
    (["change"], "read", False),      # Zammad's levels are independent; only "full" implies the others
    ([], "read", False),
])
def test_group_access_levels(levels: list[str], level: str, allowed: bool) -> None:
    user = User(id=52, login="x", role_ids=[ROLE_AGENT], group_access={"4": levels})
    assert policy.has_group_access(Principal(user, user.permissions), 4, level) is allowed


def test_group_access_needs_the_agent_role() -> None:
    """Group access held by a user who is not an agent (anymore) grants nothing."""
    user = User(id=53, login="x", role_ids=[ROLE_CUSTOMER], group_access={"1": ["full"]})
    assert policy.group_levels(Principal(user, user.permissions), 1) == set()


def test_admin_without_agent_role_may_delete_but_not_read() -> None:
    user = User(id=54, login="root", role_ids=[ROLE_ADMIN])
    principal = Principal(user, user.permissions)
    t = ticket(1, "customer_a")
    assert policy.can_delete_ticket(principal, t)
    assert not policy.can_read_ticket(principal, t)
    assert policy.can_read_groups(principal)          # via admin -> admin.group


def test_shared_flag_without_an_organization_grants_nothing() -> None:
    user = User(id=55, login="loner", role_ids=[ROLE_CUSTOMER])
    principal = Principal(user, user.permissions, shared_organization=True)
    orphan = Ticket(id=2, number="452", title="t", group_id=1, state_id=1, priority_id=2, customer_id=99)
    assert not policy.is_customer_of(principal, orphan)


@pytest.mark.parametrize("name, tokens, on_behalf, groups", [
    ("admin", True, True, True),
    ("agent", True, False, True),
    ("customer_a", True, False, False),
])
def test_account_level_predicates(name: str, tokens: bool, on_behalf: bool, groups: bool) -> None:
    assert policy.can_manage_access_tokens(who(name)) is tokens
    assert policy.can_act_on_behalf(who(name)) is on_behalf
    assert policy.can_read_groups(who(name)) is groups


def test_user_without_roles_may_not_manage_tokens() -> None:
    user = User(id=56, login="bare")
    assert not policy.can_manage_access_tokens(Principal(user, user.permissions))


@pytest.mark.parametrize("held, asked, granted", [
    ({"admin"}, "admin.user", True),
    ({"admin.user"}, "admin", False),
    ({"ticket"}, "ticket.agent", True),
    ({"ticket.agent"}, "ticket.customer", False),
    (set(), "admin", False),
])
def test_permission_tree(held: set[str], asked: str, granted: bool) -> None:
    assert Principal(User(id=57, login="x"), frozenset(held)).has(asked) is granted


def test_require() -> None:
    policy.require(True)
    with pytest.raises(PermissionDenied, match="^Not authorized$"):
        policy.require(False)
    with pytest.raises(PermissionDenied, match="admin permission required"):
        policy.require(False, "Not authorized (admin permission required)!")


def test_customer_role_flags() -> None:
    assert WORLD.customer_a.is_customer and not WORLD.customer_a.is_agent
    assert WORLD.agent.is_agent and not WORLD.agent.is_customer and not WORLD.agent.is_admin
    assert WORLD.admin.is_admin and WORLD.admin.is_agent
