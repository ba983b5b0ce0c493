"""core.catalog_admin: administering states, priorities and groups, and reading roles, with fakes only."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.core import policy
from chalicelib.core.catalog import Catalog, Ref
from chalicelib.core.catalog_admin import REFERENCED, CatalogAdmin, CatalogInput
from chalicelib.core.errors import Conflict, InvalidInput, LookupFailed, NotFound, PermissionDenied
from chalicelib.core.model import ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER, Principal
from tests.core.fakes import ARCHIVE_GROUP, SALES_GROUP, FakeCatalogAdminRepository, World, make_world


@dataclass
class Env:
    w: World
    admin: CatalogAdmin
    store: FakeCatalogAdminRepository


@pytest.fixture()
def env() -> Env:
    w = make_world()
    store = FakeCatalogAdminRepository(w.reference, w.ticket_repo, w.user_repo)
    return Env(w, CatalogAdmin(store, w.ids, w.clock), store)


def values(**kw) -> CatalogInput:
    return CatalogInput(values=kw)


def catalog(env: Env) -> Catalog:
    return Catalog(env.w.reference)


def with_permissions(p: Principal, *names: str) -> Principal:
    return Principal(user=p.user, permissions=frozenset(names))


# --- create / update --------------------------------------------------------------------------

def test_create_state_never_reuses_an_id(env):
    state = env.admin.create(env.w.admin, "state", values(name="waiting", state_type_id=2))
    assert state.id == 8  # the fake's counter starts at 1: ids of seeded states are skipped
    assert state.created_by_id == env.w.admin.id and state.created_at == "2024-03-01T09:00:00.000Z"
    assert catalog(env).state(Ref("state", name="waiting")).id == 8
    assert env.store.version == 1


def test_create_by_state_type_name(env):
    state = env.admin.create(env.w.admin, "state", CatalogInput(values={"name": "x"}, state_type="Pending Action"))
    assert state.state_type_id == 4 and state.state_type == "pending action"


@pytest.mark.parametrize("kind, data, error, text", [
    ("state", values(name="x"), InvalidInput, "Attribute 'state_type_id' required!"),
    ("state", values(name="x", state_type_id=9), LookupFailed, "No lookup value found for 'state_type_id': 9"),
    ("state", values(name="x", state_type_id=2, next_state_id=99), LookupFailed,
     "No lookup value found for 'next_state_id': 99"),
    ("state", values(name=" New ", state_type_id=1), InvalidInput, "Name has already been taken"),
    ("priority", values(name=""), InvalidInput, "Name can't be blank"),
    ("priority", values(name="y" * 251), InvalidInput, "Name is too long (maximum is 250 characters)"),
    ("group", values(name="sales"), InvalidInput, "Name has already been taken"),
    ("group", values(name="G", follow_up_possible="later"), InvalidInput, None),
    ("group", values(name="G", assignment_timeout=-5), InvalidInput, "Invalid value for param 'assignment_timeout': -5"),
])
def test_invalid_creates_write_nothing(env, kind, data, error, text):
    before = env.store.snapshot()
    with pytest.raises(error) as raised:
        env.admin.create(env.w.admin, kind, data)
    if text:
        assert raised.value.message == text
    assert env.store.snapshot() == before and env.store.writes == 0


def test_update_keeps_what_was_not_sent(env):
    group = env.admin.update(env.w.admin, "group", ARCHIVE_GROUP, values(note="old tickets"))
    assert group.follow_up_possible == "new_ticket" and group.name == "Archive" and group.note == "old tickets"
    assert group.updated_by_id == env.w.admin.id
    assert catalog(env).group_by_id(ARCHIVE_GROUP).note == "old tickets"
    renamed = env.admin.update(env.w.admin, "group", ARCHIVE_GROUP, values(name="ARCHIVE"))  # own name, other case
    assert renamed.name == "ARCHIVE"


def test_update_unknown_is_not_found(env):
    with pytest.raises(NotFound) as raised:
        env.admin.update(env.w.admin, "priority", 42, values(note="x"))
    assert raised.value.message == "Couldn't find Ticket::Priority with 'id'=42"


# --- defaults ----------------------------------------------------------------------------------

def test_one_default_per_catalogue(env):
    env.admin.create(env.w.admin, "priority", values(name="4 urgent", default_create=True))
    assert [p.name for p in env.store.snapshot().priorities if p.default_create] == ["4 urgent"]
    assert env.store.writes == 1  # the new default and the cleared old one: one write
    env.admin.update(env.w.admin, "state", 2, values(default_create=True))
    states = env.store.snapshot().states
    assert [s.id for s in states if s.default_create] == [2] and [s.id for s in states if s.default_follow_up] == [2]


def test_clearing_the_default_hands_it_on(env):
    env.admin.update(env.w.admin, "priority", 2, values(default_create=False))
    assert [p.id for p in env.store.snapshot().priorities if p.default_create] == [1]
    env.admin.update(env.w.admin, "state", 2, values(default_follow_up=False))
    assert [s.id for s in env.store.snapshot().states if s.default_follow_up] == [1]  # first active other


def test_the_only_item_keeps_its_default(env):
    env.w.reference.priorities = {2: env.w.reference.priorities[2]}
    priority = env.admin.update(env.w.admin, "priority", 2, values(default_create=False))
    assert priority.default_create is True


# --- delete ------------------------------------------------------------------------------------

def test_delete_unused_and_referenced(env):
    state = env.admin.create(env.w.admin, "state", values(name="waiting", state_type_id=2))
    env.admin.delete(env.w.admin, "state", state.id)
    assert catalog(env).state_by_id(state.id) is None
    ticket = env.w.new_ticket()
    for kind, object_id in (("state", ticket.state_id), ("priority", ticket.priority_id), ("group", 1),
                            ("state", 4), ("priority", 2), ("state", 2)):
        with pytest.raises(InvalidInput) as raised:
            env.admin.delete(env.w.admin, kind, object_id)
        assert raised.value.message == REFERENCED, (kind, object_id)
    env.admin.delete(env.w.admin, "group", SALES_GROUP)  # no tickets, no agents
    assert catalog(env).group_by_id(SALES_GROUP) is None


def test_group_with_agents_is_referenced(env):
    env.w.add_user("archivist", "arch@example.com", [ROLE_AGENT], {str(ARCHIVE_GROUP): ["read"]})
    with pytest.raises(InvalidInput):
        env.admin.delete(env.w.admin, "group", ARCHIVE_GROUP)


def test_delete_unknown(env):
    with pytest.raises(NotFound):
        env.admin.delete(env.w.admin, "group", 99)


# --- permissions -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["agent", "customer_a", "no_groups"])
def test_only_admins_write(env, who):
    p = env.w.principals[who]
    for call in (lambda: env.admin.create(p, "group", values(name="X")),
                 lambda: env.admin.update(p, "state", 1, values(note="x")),
                 lambda: env.admin.delete(p, "priority", 1)):
        with pytest.raises(PermissionDenied):
            call()
    assert env.store.writes == 0


def test_admin_sub_permissions(env):
    group_admin = with_permissions(env.w.admin, "admin.group")
    object_admin = with_permissions(env.w.admin, "admin.object")
    env.admin.create(group_admin, "group", values(name="G1"))
    env.admin.create(object_admin, "priority", values(name="P1"))
    with pytest.raises(PermissionDenied):
        env.admin.create(group_admin, "state", values(name="S", state_type_id=2))
    with pytest.raises(PermissionDenied):
        env.admin.create(object_admin, "group", values(name="G2"))
    assert policy.can_manage_groups(group_admin) and not policy.can_manage_states(group_admin)


# --- concurrency -------------------------------------------------------------------------------

def test_a_concurrent_change_is_retried_on_the_new_catalog(env):
    def other_admin() -> None:  # takes the name between our read and our write
        env.admin.create(env.w.admin, "group", values(name="Night"))
    env.store.before_next_write = other_admin
    with pytest.raises(InvalidInput) as raised:
        env.admin.create(env.w.admin, "group", values(name="night"))
    assert raised.value.message == "Name has already been taken"
    assert [g.name for g in env.store.snapshot().groups].count("Night") == 1


def test_endless_conflicts_end_in_conflict(env):
    class Busy(FakeCatalogAdminRepository):
        def write(self, *args, **kw):
            raise Conflict("busy")
    admin = CatalogAdmin(Busy(env.w.reference, env.w.ticket_repo, env.w.user_repo), env.w.ids, env.w.clock)
    with pytest.raises(Conflict):
        admin.update(env.w.admin, "group", 1, values(note="x"))


# --- roles -------------------------------------------------------------------------------------

def test_roles_by_caller(env):
    assert [r.id for r in env.admin.roles(env.w.admin)] == [ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER]
    assert [r.id for r in env.admin.roles(env.w.agent)] == [ROLE_AGENT]
    assert [r.id for r in env.admin.roles(env.w.customer_a)] == [ROLE_CUSTOMER]
    assert env.admin.role(env.w.customer_a, ROLE_CUSTOMER).default_at_signup is True
    with pytest.raises(PermissionDenied):
        env.admin.role(env.w.agent, ROLE_ADMIN)
    with pytest.raises(NotFound):
        env.admin.role(env.w.admin, 7)
    with pytest.raises(PermissionDenied):
        env.admin.roles(with_permissions(env.w.agent, "user_preferences"))
    assert policy.reads_role_in_full(env.w.agent) and not policy.reads_role_in_full(env.w.customer_a)


def test_role_permission_ids():
    from chalicelib.core.model import ROLES
    assert ROLES[0].permission_ids == [1, 20, 80]
    assert ROLES[1].permission_ids == [50, 60, 70, 20]


def test_long_texts_are_refused_or_cut(env):
    with pytest.raises(InvalidInput) as raised:
        env.admin.create(env.w.admin, "priority", values(name="P", ui_color="c" * 251))
    assert raised.value.message == "Invalid value for param 'ui_color': longer than 250 characters"
    priority = env.admin.create(env.w.admin, "priority", values(name="P", note="n" * 6000))
    assert len(priority.note) == 5000
