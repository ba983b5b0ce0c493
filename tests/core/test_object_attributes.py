"""core.object_attributes: definitions, pending migrations and ticket field values, with fakes only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from chalicelib.core import policy
from chalicelib.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chalicelib.core.model import ObjectAttribute
from chalicelib.core.object_attributes import (BUILTIN_TICKET_ATTRIBUTES, CUSTOM_ID_BASE, Definitions,
                                               ObjectAttributeInput, ObjectAttributes, TicketFields, check_value,
                                               humanize, value_matches)
from chalicelib.core.tickets import SearchRequest, TicketInput, parse_query
from tests.core.fakes import FakeObjectAttributeRepository, World, make_world

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@dataclass
class Env:
    w: World
    repo: FakeObjectAttributeRepository
    service: ObjectAttributes
    definitions: Definitions


@pytest.fixture()
def env() -> Env:
    w = make_world()
    repo = FakeObjectAttributeRepository()
    definitions = Definitions(repo)
    service = ObjectAttributes(repo, lambda: definitions, w.ids, w.clock)
    w.tickets.fields = lambda: definitions.ticket_fields()
    return Env(w, repo, service, definitions)


def define(env: Env, name: str, data_type: str, data_option: dict, migrate: bool = True) -> ObjectAttribute:
    attribute = env.service.create(env.w.admin, ObjectAttributeInput(
        object="Ticket", name=name, display=name.title(), data_type=data_type, data_option=data_option))
    if migrate:
        env.service.execute_migrations(env.w.admin)
    return attribute


def attr(data_type: str, **data_option) -> ObjectAttribute:
    return ObjectAttribute(id=101, object="Ticket", name="my_field", display="My field", data_type=data_type,
                           data_option=data_option)


def message(raised: pytest.ExceptionInfo) -> str:
    return raised.value.message


# --- values per type ---------------------------------------------------------------------------

def test_text_maxlength():
    field = attr("input", type="text", maxlength=3)
    assert check_value(field, "abc", NOW) == "abc" and check_value(field, 12, NOW) == "12"
    with pytest.raises(InvalidInput) as raised:
        check_value(field, "abcd", NOW)
    assert message(raised) == "Validation failed: My field is longer than the allowed length 3"
    with pytest.raises(InvalidInput):
        check_value(field, {"x": 1}, NOW)
    assert check_value(field, None, NOW) is None


def test_select_options():
    field = attr("select", options={"a": "A", "b": "B"})
    assert check_value(field, "b", NOW) == "b" and check_value(field, "", NOW) is None
    with pytest.raises(InvalidInput) as raised:
        check_value(field, "c", NOW)
    assert message(raised) == "Validation failed: My field has an invalid value 'c' (allowed: a, b)"
    with pytest.raises(InvalidInput):
        check_value(field, ["a"], NOW)  # a list is for multiselect


def test_boolean():
    field = attr("boolean", default=False, options={"true": "yes", "false": "no"})
    assert check_value(field, True, NOW) is True and check_value(field, "FALSE", NOW) is False
    for bad in ("yes", 1, 0):
        with pytest.raises(InvalidInput) as raised:
            check_value(field, bad, NOW)
        assert message(raised) == "Validation failed: My field is not a boolean (true or false)"


def test_integer_min_max():
    field = attr("integer", min=2, max=4)
    assert check_value(field, 3, NOW) == 3 and check_value(field, " 4 ", NOW) == 4 and check_value(field, 2.0, NOW) == 2
    with pytest.raises(InvalidInput) as raised:
        check_value(field, 5, NOW)
    assert message(raised) == "Validation failed: My field is larger than the allowed maximum value of 4"
    with pytest.raises(InvalidInput) as raised:
        check_value(field, 1, NOW)
    assert message(raised) == "Validation failed: My field is smaller than the allowed minimum value of 2"
    for bad in (True, "3.5", 2.5, "x"):
        with pytest.raises(InvalidInput):
            check_value(field, bad, NOW)


def test_date():
    field = attr("date", diff=0)
    assert check_value(field, "2026-02-28", NOW) == "2026-02-28"
    assert check_value(field, "2026-02-28T10:00:00Z", NOW) == "2026-02-28"
    for bad in ("2026-02-30", "28.02.2026", 20260228):
        with pytest.raises(InvalidInput) as raised:
            check_value(field, bad, NOW)
        assert message(raised) == "Validation failed: My field is not a valid date (YYYY-MM-DD)"


def test_datetime_future_past():
    field = attr("datetime", future=True, past=False, diff=24)
    assert check_value(field, "2026-11-24T10:00:00+01:00", NOW) == "2026-11-24T09:00:00.000Z"
    assert check_value(field, "2026-11-24T10:00:00", NOW) == "2026-11-24T10:00:00.000Z"  # naive is UTC
    with pytest.raises(InvalidInput) as raised:
        check_value(field, "2026-11-22T10:00:00Z", NOW)
    assert message(raised) == "Validation failed: My field does not allow past dates."
    with pytest.raises(InvalidInput) as raised:
        check_value(attr("datetime", future=False, past=True, diff=1), "2027-01-01T00:00:00Z", NOW)
    assert message(raised) == "Validation failed: My field does not allow future dates."
    with pytest.raises(InvalidInput):
        check_value(field, "tomorrow", NOW)


def test_multiselect_and_search_matching():
    field = attr("multiselect", options={"a": "A", "b": "B"})
    assert check_value(field, ["a", "b"], NOW) == ["a", "b"] and check_value(field, "a", NOW) == ["a"]
    assert value_matches(["a", "b"], "B") and not value_matches(["a"], "b")
    assert value_matches(True, "true") and value_matches(7, "7") and not value_matches(None, "x")


def test_humanize():
    assert humanize("my_field") == "My field" and humanize("product") == "Product"


# --- life cycle --------------------------------------------------------------------------------

def test_create_is_pending_until_migrations(env):
    attribute = define(env, "product", "select", {"options": {"a": "A"}}, migrate=False)
    assert attribute.id == CUSTOM_ID_BASE + 1 and attribute.to_create and attribute.to_migrate
    assert attribute.position == 1550 and attribute.editable and attribute.data_option["nulloption"] is True
    assert env.definitions.ticket_fields().names() == frozenset()
    ticket = env.w.new_ticket(attributes={"product": "a"})
    assert ticket.attributes == {}  # not a field yet: ignored like an unknown key
    assert env.service.execute_migrations(env.w.admin) == 1
    stored = env.service.get(env.w.admin, attribute.id)
    assert not (stored.to_create or stored.to_migrate or stored.to_config)
    assert env.definitions.ticket_fields().names() == frozenset({"product"})
    assert env.w.new_ticket(attributes={"product": "a"}).attributes == {"product": "a"}
    assert env.service.execute_migrations(env.w.admin) == 0  # nothing left: idempotent


def test_update_keeps_old_options_until_migrations(env):
    attribute = define(env, "product", "select", {"options": {"a": "A"}})
    changed = env.service.update(env.w.admin, attribute.id, ObjectAttributeInput(data_option={"options": {"b": "B"}}))
    assert changed.to_config and changed.data_option["options"] == {"a": "A"}
    assert changed.data_option_new["options"] == {"b": "B"}
    with pytest.raises(InvalidInput):
        env.w.new_ticket(attributes={"product": "b"})
    env.service.execute_migrations(env.w.admin)
    assert env.w.new_ticket(attributes={"product": "b"}).attributes == {"product": "b"}
    assert env.service.get(env.w.admin, attribute.id).data_option["historical_options"] == {"a": "A", "b": "B"}


def test_update_without_changes_stays_settled(env):
    attribute = define(env, "severity", "integer", {"min": 1, "max": 3})
    same = env.service.update(env.w.admin, attribute.id, ObjectAttributeInput(name="Severity", object="Ticket"))
    assert not same.to_config and same.version == attribute.version + 2  # create, migrate, this save


def test_delete_life_cycle(env):
    fresh = define(env, "fresh", "boolean", {"default": False}, migrate=False)
    env.service.delete(env.w.admin, fresh.id)
    with pytest.raises(NotFound):
        env.service.get(env.w.admin, fresh.id)
    settled = define(env, "settled", "boolean", {"default": False})
    env.service.delete(env.w.admin, settled.id)
    assert env.service.get(env.w.admin, settled.id).to_delete
    assert env.definitions.ticket_fields().names() == {"settled"}  # its column exists until migrations
    env.service.execute_migrations(env.w.admin)
    assert env.repo.attributes == {}
    with pytest.raises(InvalidInput) as raised:
        env.service.delete(env.w.admin, 1)
    assert message(raised) == "Ticket.title can't be removed!"


def test_discard(env):
    kept = define(env, "kept", "integer", {"min": 0, "max": 9})
    env.service.update(env.w.admin, kept.id, ObjectAttributeInput(data_option={"min": 0, "max": 5}))
    define(env, "dropped", "boolean", {"default": False}, migrate=False)
    assert env.service.discard_changes(env.w.admin) == 2
    assert set(env.repo.attributes) == {("Ticket", "kept")}
    assert env.service.get(env.w.admin, kept.id).data_option["max"] == 9


def test_list_holds_builtins(env):
    define(env, "product", "select", {"options": {}})
    listed = env.service.list(env.w.admin)
    assert [a.name for a in listed][-1] == "product" and len(listed) == len(BUILTIN_TICKET_ATTRIBUTES) + 1


def test_create_refuses_taken_and_reserved_names(env):
    define(env, "product", "select", {"options": {}})
    for name, text in (("Product", "already exists"), ("title", "already exists"),
                       ("organization", "Validation failed: Name organization already exists!"),
                       ("date", "Validation failed: Name date is a reserved word! (1)")):
        with pytest.raises(InvalidInput) as raised:
            define(env, name, "boolean", {"default": False}, migrate=False)
        assert message(raised) == text


def test_only_admin_object(env):
    assert policy.can_manage_object_attributes(env.w.admin)
    for who in (env.w.agent, env.w.customer_a):
        assert not policy.can_manage_object_attributes(who)
        with pytest.raises(PermissionDenied):
            env.service.list(who)
        with pytest.raises(PermissionDenied):
            env.service.execute_migrations(who)
    assert env.repo.reads == 0  # refused before reading anything


def test_concurrent_change_is_a_conflict(env):
    attribute = define(env, "product", "select", {"options": {"a": "A"}})
    env.service.get(env.w.admin, attribute.id)            # this request has read the definitions
    env.repo.attributes[("Ticket", "product")].version += 1  # another request saved meanwhile
    with pytest.raises(Conflict):
        env.service.update(env.w.admin, attribute.id, ObjectAttributeInput(display="Changed"))
    assert env.repo.attributes[("Ticket", "product")].display == "Product"


def test_definitions_read_once(env):
    define(env, "product", "select", {"options": {"a": "A"}})
    reads = env.repo.reads
    definitions = Definitions(env.repo)
    definitions.all(), definitions.by_id(101), definitions.ticket_fields()
    assert env.repo.reads == reads + 1


# --- ticket integration ------------------------------------------------------------------------

def test_ticket_update_validates_and_merges(env):
    define(env, "product", "select", {"options": {"a": "A", "b": "B"}})
    define(env, "severity", "integer", {"min": 1, "max": 3})
    ticket = env.w.new_ticket(attributes={"product": "a", "unknown": "x"})
    assert ticket.attributes == {"product": "a"}
    with pytest.raises(InvalidInput):
        env.w.tickets.update(env.w.agent, ticket.id, TicketInput(attributes={"severity": 9, "product": "b"}))
    assert env.w.ticket_repo.get(ticket.id).attributes == {"product": "a"}  # nothing half written
    changed, _ = env.w.tickets.update(env.w.agent, ticket.id, TicketInput(attributes={"severity": "2"}))
    assert changed.attributes == {"product": "a", "severity": 2}
    cleared, _ = env.w.tickets.update(env.w.agent, ticket.id, TicketInput(attributes={"product": None}))
    assert cleared.attributes == {"severity": 2}


def test_search_filters_by_custom_field(env):
    define(env, "product", "select", {"options": {"a": "A", "b": "B"}})
    first = env.w.new_ticket(attributes={"product": "a"})
    second = env.w.new_ticket(attributes={"product": "b"})
    found = env.w.tickets.search(env.w.agent, SearchRequest(query="product:b"))
    assert [t.id for t in found.tickets] == [second.id]
    found = env.w.tickets.search(env.w.agent, SearchRequest(query="printer product:A"))
    assert [t.id for t in found.tickets] == [first.id]
    assert env.w.tickets.search(env.w.customer_c, SearchRequest(query="product:a")).tickets == []  # scoped
    words, filters = parse_query("product:a other:x", frozenset({"product"}))
    assert filters == [("product", "a")] and "other" in " ".join(words)


def test_permission_restricted_fields(env):
    define(env, "rank", "integer", {"min": 1, "max": 3, "permission": ["ticket.agent"]})
    fields = env.definitions.ticket_fields()
    assert fields.check(env.w.customer_a, {"rank": 2}, NOW) == {}
    assert fields.check(env.w.agent, {"rank": 2}, NOW) == {"rank": 2}
    assert TicketFields([]).check(env.w.agent, {"rank": 2}, NOW) == {}


def test_values_of_removed_fields_are_not_shown(env):
    attribute = define(env, "product", "select", {"options": {"a": "A"}})
    ticket = env.w.new_ticket(attributes={"product": "a"})
    env.service.delete(env.w.admin, attribute.id)
    assert env.w.tickets.get(env.w.agent, ticket.id).attributes == {"product": "a"}  # until migrations run
    env.service.execute_migrations(env.w.admin)
    assert env.w.tickets.get(env.w.agent, ticket.id).attributes == {}
    assert env.w.tickets.page(env.w.agent, 0, 10)[0].attributes == {}
    changed, _ = env.w.tickets.update(env.w.agent, ticket.id, TicketInput(title="Renamed"))
    assert changed.attributes == {} and env.w.ticket_repo.get(ticket.id).attributes == {}


def test_inactive_field_values_stay_visible(env):
    attribute = define(env, "product", "select", {"options": {"a": "A"}})
    ticket = env.w.new_ticket(attributes={"product": "a"})
    env.service.update(env.w.admin, attribute.id, ObjectAttributeInput(active=False))
    env.service.execute_migrations(env.w.admin)
    assert env.w.tickets.get(env.w.agent, ticket.id).attributes == {"product": "a"}
    changed, _ = env.w.tickets.update(env.w.agent, ticket.id, TicketInput(attributes={"product": None}))
    assert changed.attributes == {"product": "a"}  # an inactive field takes no values


def test_reads_without_custom_values_do_not_load_definitions(env):
    ticket = env.w.new_ticket()
    reads = env.repo.reads
    env.w.tickets.get(env.w.agent, ticket.id)
    env.w.tickets.page(env.w.agent, 0, 10)
    env.w.tickets.search(env.w.agent, SearchRequest(query="printer state:new"))
    assert env.repo.reads == reads
