"""/api/v1/object_manager_attributes through HTTP, and custom attributes as real ticket fields."""
from __future__ import annotations

import pytest

from tests.api.zammad.test_tickets import new_ticket

BASE = "/api/v1/object_manager_attributes"
RECORD_KEYS = {"id", "object_lookup_id", "name", "display", "data_type", "data_option", "data_option_new",
               "editable", "active", "screens", "to_create", "to_migrate", "to_delete", "to_config", "position",
               "created_by_id", "updated_by_id", "created_at", "updated_at"}
LISTED_KEYS = (RECORD_KEYS - {"object_lookup_id"}) | {"object", "deletable"}
SEED_BODY = {"name": "product", "object": "Ticket", "display": "Produkt", "active": True, "data_type": "select",
             "data_option": {"options": {"wert1": "anzeige1", "wert2": "anzeige12"}}}


def error(reply):
    assert set(reply.json) == {"error", "error_human"}, reply
    assert reply.json["error"] == reply.json["error_human"]
    return reply.json["error"]


def create(api, who="admin", **body):
    return api.post(BASE, {"object": "Ticket", "display": body.get("name", "x").title(), **body}, who=who)


def migrate(api):
    reply = api.post(BASE + "_execute_migrations", {})
    assert reply.status == 200 and reply.json == {}, reply
    return reply


def field(api, name, data_type, data_option):
    """A migrated custom ticket field."""
    reply = create(api, name=name, data_type=data_type, data_option=data_option)
    assert reply.status == 201, reply
    migrate(api)
    return reply.json["id"]


# --- create / show / list ----------------------------------------------------------------------------

def test_create_answers_like_the_seed(api):
    reply = api.post(BASE, SEED_BODY)
    assert reply.status == 201, reply
    body = reply.json
    assert set(body) == RECORD_KEYS
    assert body["object_lookup_id"] == 2 and body["name"] == "product" and body["display"] == "Produkt"
    assert body["data_type"] == "select" and body["position"] == 1550 and body["editable"] is True
    assert (body["to_create"], body["to_migrate"], body["to_delete"], body["to_config"]) == (True, True, False, False)
    assert body["data_option"] == {"options": {"wert1": "anzeige1", "wert2": "anzeige12"}, "default": "",
                                   "null": True, "relation": "", "nulloption": True, "maxlength": 255}
    assert body["created_by_id"] == api.credentials["admin"]["id"] and body["created_at"].endswith("Z")
    shown = api.get(f"{BASE}/{body['id']}")
    assert shown.status == 200 and shown.json == body


def test_list_has_builtins_and_custom_in_position_order(api):
    created = api.post(BASE, SEED_BODY).json
    reply = api.get(BASE)
    assert reply.status == 200
    names = [a["name"] for a in reply.json]
    assert names == ["customer_id", "title", "type", "group_id", "owner_id", "state_id", "pending_time",
                     "priority_id", "tags", "product"]
    assert [a["position"] for a in reply.json] == sorted(a["position"] for a in reply.json)
    for entry in reply.json:
        assert set(entry) == LISTED_KEYS and entry["object"] == "Ticket"
    custom = next(a for a in reply.json if a["name"] == "product")
    assert custom["id"] == created["id"] and custom["deletable"] is True
    customer = next(a for a in reply.json if a["name"] == "customer_id")
    assert customer["id"] == 2 and customer["editable"] is False and customer["deletable"] is False
    assert customer["data_type"] == "user_autocompletion"


def test_builtin_can_be_shown(api):
    reply = api.get(f"{BASE}/1")
    assert reply.status == 200 and reply.json["name"] == "title" and reply.json["object_lookup_id"] == 2


@pytest.mark.parametrize("raw", ["999999", "abc"])
def test_unknown_id_is_404(api, raw):
    reply = api.get(f"{BASE}/{raw}")
    assert reply.status == 404
    assert error(reply) == f"Couldn't find ObjectManager::Attribute with 'id'={raw}"
    assert api.put(f"{BASE}/{raw}", {"display": "x"}).status == 404
    assert api.delete(f"{BASE}/{raw}").status == 404


@pytest.mark.parametrize("who", ["agent", "customer"])
def test_only_admin_object_may_manage(api, who):
    attribute_id = api.post(BASE, SEED_BODY).json["id"]
    for reply in (api.get(BASE, who=who), api.get(f"{BASE}/{attribute_id}", who=who),
                  create(api, who=who, name="nope", data_type="boolean", data_option={"default": False}),
                  api.put(f"{BASE}/{attribute_id}", {"display": "x"}, who=who),
                  api.delete(f"{BASE}/{attribute_id}", who=who),
                  api.post(BASE + "_execute_migrations", {}, who=who),
                  api.post(BASE + "_discard_changes", {}, who=who)):
        assert reply.status == 403, reply
        assert error(reply) == "Not authorized"
    assert api.get(f"{BASE}/{attribute_id}").json["to_create"] is True  # nothing changed


def test_anonymous_is_refused(api):
    reply = api.get(BASE, who=None)
    assert reply.status == 403 and error(reply) == "Authentication required"


@pytest.mark.parametrize("body, message", [
    ({"name": "title", "data_type": "input", "data_option": {"type": "text", "maxlength": 20}}, "already exists"),
    ({"name": "customer_id", "data_type": "input"}, "already exists"),
    ({"name": "owner", "data_type": "boolean", "data_option": {"default": False}},
     "Validation failed: Name owner already exists!"),
    ({"name": "product_id", "data_type": "boolean", "data_option": {"default": False}},
     "Validation failed: Name can't get used because *_id and *_ids are not allowed"),
    ({"name": "my field", "data_type": "boolean", "data_option": {"default": False}},
     "Validation failed: Name spaces are not allowed, "
     "Name Only letters from a-z because numbers from 0-9 and _ are allowed"),
    ({"name": "123", "data_type": "boolean", "data_option": {"default": False}},
     "Validation failed: Name At least one letters is needed"),
    ({"name": "select", "data_type": "boolean", "data_option": {"default": False}},
     "Validation failed: Name select is a reserved word! (1)"),
    ({"name": "", "data_type": "boolean"}, "Validation failed: Name can't be blank"),
    ({"name": "kind", "data_type": "colour"}, "Validation failed: Data type colour is not a valid data type"),
    ({"name": "kind"}, "Validation failed: Data type can't be blank"),
    ({"name": "kind", "data_type": "input", "data_option": {"type": "text"}},
     "Validation failed: Data option must have integer for :maxlength"),
    ({"name": "kind", "data_type": "input", "data_option": {"type": "blob", "maxlength": 5}},
     "Validation failed: Data option must have one of text/password/tel/fax/email/url for :type"),
    ({"name": "kind", "data_type": "integer", "data_option": {"min": 1}},
     "Validation failed: Data option must have integer for :max"),
    ({"name": "kind", "data_type": "integer", "data_option": {"min": "a", "max": "-1"}},
     "Validation failed: Data option must have integer for :min, Data option must have integer for :max"),
    ({"name": "kind", "data_type": "datetime", "data_option": {"future": True, "past": True}},
     "Validation failed: Data option must have integer value for :diff (in hours)"),
    ({"name": "kind", "data_type": "date", "data_option": {}},
     "Validation failed: Data option must have integer value for :diff (in days)"),
    ({"name": "kind", "data_type": "select", "data_option": {"options": ["a", "b"]}},
     "Validation failed: Data option must have a hash of value => display text for :options"),
    ({"name": "kind", "data_type": "tree_select", "data_option": {"options": []}},
     "Validation failed: Data type tree_select is not supported for custom attributes here (supported: input, "
     "textarea, richtext, select, multiselect, boolean, integer, date, datetime)"),
    ({"name": "kind", "data_type": "boolean", "data_option": "yes"}, "Invalid value for param 'data_option': 'yes'"),
    ({"name": "kind", "data_type": "boolean", "object": "User"},
     "Object 'User' does not take custom attributes here (supported: Ticket)"),
    ({"name": "kind", "data_type": "boolean", "object": None}, "Validation failed: Object can't be blank"),
])
def test_create_errors(api, body, message):
    reply = api.post(BASE, {"object": "Ticket", "display": "X", **body})
    assert reply.status == 422, reply
    assert error(reply) == message
    assert all(a["editable"] is False for a in api.get(BASE).json)  # nothing was written


def test_create_twice_and_uppercase_names(api):
    assert api.post(BASE, {**SEED_BODY, "name": "Product"}).json["name"] == "product"
    reply = api.post(BASE, SEED_BODY)
    assert reply.status == 422 and error(reply) == "already exists"


@pytest.mark.parametrize("body", [[], "text", 5])
def test_body_must_be_an_object(api, body):
    reply = api.post(BASE, body)
    assert reply.status == 422 and error(reply) == "Invalid payload, expected a JSON object"


# --- update / delete / migrations ------------------------------------------------------------------------

def test_update_waits_for_migration(api):
    attribute = api.post(BASE, SEED_BODY).json
    migrate(api)
    settled = api.get(f"{BASE}/{attribute['id']}").json
    assert (settled["to_create"], settled["to_migrate"], settled["to_config"]) == (False, False, False)
    assert settled["data_option"]["historical_options"] == {"wert1": "anzeige1", "wert2": "anzeige12"}
    options = {"wert1": "anzeige1", "wert3": "anzeige3"}
    reply = api.put(f"{BASE}/{attribute['id']}", {"name": "product", "object": "Ticket", "display": "Product",
                                                   "data_type": "select", "data_option": {"options": options}})
    assert reply.status == 200, reply
    assert reply.json["display"] == "Product" and reply.json["to_config"] is True
    assert reply.json["data_option"]["options"] == {"wert1": "anzeige1", "wert2": "anzeige12"}
    assert reply.json["data_option_new"]["options"] == options
    assert reply.json["updated_at"] >= attribute["updated_at"]
    migrate(api)
    done = api.get(f"{BASE}/{attribute['id']}").json
    assert done["data_option"]["options"] == options and done["data_option_new"] == {} and not done["to_config"]
    assert done["data_option"]["historical_options"] == {"wert1": "anzeige1", "wert2": "anzeige12", "wert3": "anzeige3"}


def test_update_errors(api):
    attribute_id = api.post(BASE, SEED_BODY).json["id"]
    reply = api.put(f"{BASE}/{attribute_id}", {"name": "product1234"})  # the seed's sample: Zammad refuses renames
    assert reply.status == 422 and error(reply) == "does not exist"
    reply = api.put(f"{BASE}/{attribute_id}", {"data_type": "integer"})
    assert reply.status == 422 and error(reply) == ("Validation failed: Data type can't be altered after creation "
                                                    "(delete the attribute and create another with the desired value)")
    reply = api.put(f"{BASE}/{attribute_id}", {"data_type": "input", "data_option": {"type": "text"}})
    assert reply.status == 422 and error(reply) == "Validation failed: Data option must have integer for :maxlength"
    reply = api.put("/api/v1/object_manager_attributes/1", {"display": "Subject"})
    assert reply.status == 422 and error(reply) == "Validation failed: Name Attribute not editable!"
    reply = api.put(f"{BASE}/{attribute_id}", {"position": "first"})
    assert reply.status == 422 and error(reply) == "Invalid value for param 'position': first"
    assert api.get(f"{BASE}/{attribute_id}").json["to_config"] is False


def test_select_may_become_input(api):
    attribute_id = api.post(BASE, SEED_BODY).json["id"]
    reply = api.put(f"{BASE}/{attribute_id}", {"data_type": "input", "data_option": {"type": "text", "maxlength": 40}})
    assert reply.status == 200, reply
    assert reply.json["data_type"] == "input" and reply.json["data_option_new"]["maxlength"] == 40
    assert reply.json["to_migrate"] is True  # the column's length changes


def test_delete_before_migration_removes_at_once(api):
    attribute_id = api.post(BASE, SEED_BODY).json["id"]
    reply = api.delete(f"{BASE}/{attribute_id}")
    assert reply.status == 200 and reply.json == {}
    assert api.get(f"{BASE}/{attribute_id}").status == 404


def test_delete_after_migration_waits_for_the_next(api):
    attribute_id = api.post(BASE, SEED_BODY).json["id"]
    migrate(api)
    assert api.delete(f"{BASE}/{attribute_id}", {"ignored": True}).status == 200  # a JSON body is accepted
    assert api.get(f"{BASE}/{attribute_id}").json["to_delete"] is True
    migrate(api)
    assert api.get(f"{BASE}/{attribute_id}").status == 404


def test_builtins_cannot_be_deleted(api):
    reply = api.delete(f"{BASE}/4")
    assert reply.status == 422 and error(reply) == "Ticket.group_id can't be removed!"


def test_discard_changes(api):
    kept = api.post(BASE, SEED_BODY).json["id"]
    migrate(api)
    api.put(f"{BASE}/{kept}", {"display": "Renamed", "data_option": {"options": {"x": "X"}}})
    api.delete(f"{BASE}/{kept}")
    fresh = create(api, name="fresh", data_type="boolean", data_option={"default": False}).json["id"]
    reply = api.post(BASE + "_discard_changes", {})
    assert reply.status == 200 and reply.json == {}
    assert api.get(f"{BASE}/{fresh}").status == 404
    after = api.get(f"{BASE}/{kept}").json
    assert (after["to_delete"], after["to_config"], after["data_option_new"]) == (False, False, {})
    assert after["data_option"]["options"] == {"wert1": "anzeige1", "wert2": "anzeige12"}


# --- the attribute as a ticket field ---------------------------------------------------------------------

def test_full_flow_create_migrate_ticket_show_update_search(api):
    reply = api.post(BASE, SEED_BODY)
    assert reply.status == 201
    before = new_ticket(api, product="wert1")
    assert before.status == 201 and "product" not in before.json  # not a field until migrated
    migrate(api)
    created = new_ticket(api, title="Printer", product="wert1")
    assert created.status == 201, created
    assert created.json["product"] == "wert1"
    ticket_id = created.json["id"]
    assert api.get(f"/api/v1/tickets/{ticket_id}").json["product"] == "wert1"
    assert api.get(f"/api/v1/tickets/{ticket_id}?expand=true").json["product"] == "wert1"
    listed = {t["id"]: t for t in api.get("/api/v1/tickets").json}
    assert listed[ticket_id]["product"] == "wert1" and "product" not in listed[before.json["id"]]
    bad = api.put(f"/api/v1/tickets/{ticket_id}", {"product": "wert9"})
    assert bad.status == 422
    assert error(bad) == "Validation failed: Product has an invalid value 'wert9' (allowed: wert1, wert2)"
    assert api.get(f"/api/v1/tickets/{ticket_id}").json["product"] == "wert1"  # nothing written
    assert api.put(f"/api/v1/tickets/{ticket_id}", {"product": "wert2"}).json["product"] == "wert2"
    found = api.get("/api/v1/tickets/search?query=product:wert2").json
    assert [t["id"] for t in found] == [ticket_id] and found[0]["product"] == "wert2"
    assert api.get("/api/v1/tickets/search?query=product:wert1").json == []
    assert [t["id"] for t in api.get("/api/v1/tickets/search?query=printer product:WERT2").json] == [ticket_id]
    cleared = api.put(f"/api/v1/tickets/{ticket_id}", {"product": None})
    assert cleared.status == 200 and "product" not in cleared.json


@pytest.mark.parametrize("data_type, data_option, good, stored, bad, message", [
    ("input", {"type": "text", "maxlength": 5}, "abc", "abc", "abcdef", "Note2 is longer than the allowed length 5"),
    ("integer", {"min": 1, "max": 10}, "7", 7, 11, "Note2 is larger than the allowed maximum value of 10"),
    ("integer", {"min": 5, "max": 10}, 5, 5, 4, "Note2 is smaller than the allowed minimum value of 5"),
    ("integer", {"min": 0, "max": 10}, 3, 3, "three", "Note2 is not a number"),
    ("boolean", {"default": False, "options": {"true": "yes", "false": "no"}}, "true", True, "maybe",
     "Note2 is not a boolean (true or false)"),
    ("date", {"diff": 0}, "2026-12-24", "2026-12-24", "24.12.2026", "Note2 is not a valid date (YYYY-MM-DD)"),
    ("datetime", {"future": True, "past": False, "diff": 24}, "2099-01-01T10:00:00+02:00",
     "2099-01-01T08:00:00.000Z", "2001-01-01T10:00:00Z", "Note2 does not allow past dates."),
    ("datetime", {"future": False, "past": True, "diff": 24}, "2001-01-01T10:00:00Z",
     "2001-01-01T10:00:00.000Z", "2099-01-01T10:00:00Z", "Note2 does not allow future dates."),
    ("multiselect", {"options": {"a": "A", "b": "B"}}, ["a", "b"], ["a", "b"], ["a", "c"],
     "Note2 has an invalid value 'c' (allowed: a, b)"),
])
def test_ticket_values_are_checked_per_type(api, data_type, data_option, good, stored, bad, message):
    field(api, "note2", data_type, data_option)
    created = new_ticket(api, note2=good)
    assert created.status == 201, created
    assert created.json["note2"] == stored
    reply = new_ticket(api, note2=bad)
    assert reply.status == 422 and error(reply) == "Validation failed: " + message
    reply = api.put(f"/api/v1/tickets/{created.json['id']}", {"note2": bad})
    assert reply.status == 422 and error(reply) == "Validation failed: " + message


def test_inactive_fields_and_unknown_keys_are_ignored(api):
    attribute_id = field(api, "severity", "integer", {"min": 1, "max": 5})
    api.put(f"{BASE}/{attribute_id}", {"active": False})
    migrate(api)
    reply = new_ticket(api, severity=3, nonsense="x")
    assert reply.status == 201 and "severity" not in reply.json and "nonsense" not in reply.json


def test_builtin_keys_are_never_shadowed(api):
    field(api, "severity", "integer", {"min": 1, "max": 5})
    reply = new_ticket(api, severity=2, title="Real title", number="1")
    assert reply.status == 201 and reply.json["title"] == "Real title" and reply.json["number"] != "1"


def test_customer_sets_fields_unless_restricted(api):
    field(api, "severity", "integer", {"min": 1, "max": 5})
    field(api, "internal_rank", "integer", {"min": 1, "max": 5, "permission": ["ticket.agent"]})
    reply = new_ticket(api, who="customer", customer=None, severity=4, internal_rank=1)
    assert reply.status == 201, reply
    assert reply.json["severity"] == 4 and "internal_rank" not in reply.json
    assert api.get(f"/api/v1/tickets/{reply.json['id']}", who="customer").json["severity"] == 4


def test_list_pages(api):
    for index in range(3):
        assert create(api, name=f"extra{index}", data_type="boolean", data_option={"default": False}).status == 201
    everything = [a["id"] for a in api.get(BASE).json]
    assert len(everything) == 12
    first = api.get(f"{BASE}?page=1&per_page=5").json
    third = api.get(f"{BASE}?page=3&per_page=5").json
    assert [a["id"] for a in first] == everything[:5] and [a["id"] for a in third] == everything[10:]
    assert len(api.get(f"{BASE}?per_page=0").json) == 1   # clamped to at least one
    reply = api.get(f"{BASE}?page=x")
    assert reply.status == 422 and error(reply) == "Invalid value for param 'page': x"


# --- what the security matrix (tests/security/test_matrix.py) sends ---------------------------------------

MATRIX_BODIES = {
    ("POST", BASE): {"name": "matrix_field", "object": "Ticket", "display": "Matrix", "data_type": "boolean",
                     "data_option": {"default": False}},
    ("PUT", BASE + "/{attribute_id}"): {"display": "Matrix changed"},
    ("POST", BASE + "_execute_migrations"): {},
    ("POST", BASE + "_discard_changes"): {},
}


def matrix_params(api) -> dict:
    """A migrated custom attribute: {attribute_id}."""
    reply = create(api, name="matrix_rank", data_type="integer", data_option={"min": 1, "max": 9})
    assert reply.status == 201, reply
    migrate(api)
    return {"attribute_id": reply.json["id"]}


def test_oversized_definitions_are_refused(api):
    options = {f"value{i}": "x" * 50 for i in range(3000)}
    reply = create(api, name="huge", data_type="select", data_option={"options": options})
    assert reply.status == 422
    assert error(reply) == "Validation failed: Data option is too large (at most 100000 bytes with screens and display)"
    attribute_id = api.post(BASE, SEED_BODY).json["id"]
    reply = api.put(f"{BASE}/{attribute_id}", {"data_option": {"options": options}})
    assert reply.status == 422 and api.get(f"{BASE}/{attribute_id}").json["data_option_new"] == {}
