"""/api/v1/ticket_states, /ticket_priorities, /groups (writes) and /roles through HTTP: statuses, bodies,
permissions, Zammad's texts, the one-default rule and the reference checks on delete."""
from __future__ import annotations

import pytest

from chalicelib.core.model import ROLE_AGENT
from tests.api.zammad.test_permissions import add_user
from tests.api.zammad.test_tickets import new_ticket

REFERENCED = "Can't delete, object has references."
STATE_KEYS = {"id", "state_type_id", "name", "next_state_id", "ignore_escalation", "default_create",
              "default_follow_up", "note", "active", "updated_by_id", "created_by_id", "created_at", "updated_at"}
PRIORITY_KEYS = {"id", "name", "default_create", "ui_icon", "ui_color", "note", "active", "updated_by_id",
                 "created_by_id", "created_at", "updated_at"}
GROUP_KEYS = {"id", "signature_id", "email_address_id", "name", "assignment_timeout", "follow_up_possible",
              "follow_up_assignment", "active", "note", "updated_by_id", "created_by_id", "created_at", "updated_at"}
ROLE_KEYS = {"id", "name", "preferences", "default_at_signup", "active", "note", "updated_by_id", "created_by_id",
             "created_at", "updated_at", "permission_ids", "group_ids", "knowledge_base_permission_ids"}
PATHS = {"state": "/api/v1/ticket_states", "priority": "/api/v1/ticket_priorities", "group": "/api/v1/groups"}
BODIES = {"state": {"name": "waiting", "state_type_id": 2, "note": "n"}, "priority": {"name": "4 urgent"},
          "group": {"name": "Sales"}}


def error(reply):
    assert set(reply.json) == {"error", "error_human"}, reply
    assert reply.json["error"] == reply.json["error_human"]
    return reply.json["error"]


def admin_id(api):
    return api.credentials["admin"]["id"]


# --- create ---------------------------------------------------------------------------------------

def test_create_state(api):
    reply = api.post("/api/v1/ticket_states", {"name": "Ticket State 1", "state_type_id": 1, "next_state_id": None,
                                                "ignore_escalation": True, "active": True, "note": "some note"})
    assert reply.status == 201, reply
    state = reply.json
    assert set(state) == STATE_KEYS
    assert state["name"] == "Ticket State 1" and state["state_type_id"] == 1 and state["ignore_escalation"] is True
    assert state["default_create"] is False and state["note"] == "some note"
    assert state["created_by_id"] == state["updated_by_id"] == admin_id(api)
    assert state["created_at"].endswith("Z") and state["id"] > 7
    assert api.get(f"/api/v1/ticket_states/{state['id']}").json == state
    assert state["id"] in [s["id"] for s in api.get("/api/v1/ticket_states", who="customer").json]


def test_create_state_by_state_type_name_and_next_state(api):
    reply = api.post("/api/v1/ticket_states", {"name": "pending solved", "state_type": "pending action",
                                                "next_state_id": 4})
    assert reply.status == 201, reply
    assert reply.json["state_type_id"] == 4 and reply.json["next_state_id"] == 4


def test_create_priority(api):
    reply = api.post("/api/v1/ticket_priorities", {"name": "4 urgent", "active": True, "note": "hot",
                                                    "ui_icon": "important", "ui_color": "high-priority"})
    assert reply.status == 201, reply
    assert set(reply.json) == PRIORITY_KEYS
    assert reply.json["name"] == "4 urgent" and reply.json["ui_color"] == "high-priority"
    assert reply.json["default_create"] is False


def test_create_group(api):
    reply = api.post("/api/v1/groups", {"name": "Sales", "signature_id": 1, "email_address_id": 2,
                                         "assignment_timeout": 30, "follow_up_possible": "new_ticket",
                                         "follow_up_assignment": False, "active": True, "note": "sells"})
    assert reply.status == 201, reply
    group = reply.json
    assert set(group) == GROUP_KEYS
    assert (group["name"], group["follow_up_possible"], group["follow_up_assignment"], group["assignment_timeout"],
            group["signature_id"], group["email_address_id"]) == ("Sales", "new_ticket", False, 30, 1, 2)
    assert api.get(f"/api/v1/groups/{group['id']}", who="agent").json == group
    # a ticket can go there at once
    ticket = api.post("/api/v1/tickets", {"title": "x", "group": "Sales", "customer": "nicole.braun@example.com",
                                          "article": {"body": "b"}})
    assert ticket.status == 201 and ticket.json["group_id"] == group["id"]


def test_group_defaults(api):
    group = api.post("/api/v1/groups", {"name": "Plain"}).json
    assert (group["follow_up_possible"], group["follow_up_assignment"], group["active"]) == ("yes", True, True)


@pytest.mark.parametrize("kind", ["state", "priority", "group"])
def test_names_are_unique_case_insensitively(api, kind):
    taken = {"state": "OPEN", "priority": "2 NORMAL", "group": "users"}[kind]
    reply = api.post(PATHS[kind], {**BODIES[kind], "name": taken})
    assert reply.status == 422 and error(reply) == "Name has already been taken"
    blank = api.post(PATHS[kind], {**BODIES[kind], "name": "  "})
    assert blank.status == 422 and error(blank) == "Name can't be blank"
    missing = api.post(PATHS[kind], {k: v for k, v in BODIES[kind].items() if k != "name"})
    assert missing.status == 422 and error(missing) == "Name can't be blank"


@pytest.mark.parametrize("body, message", [
    ({"name": "x"}, "Attribute 'state_type_id' required!"),
    ({"name": "x", "state_type_id": 99}, "No lookup value found for 'state_type_id': 99"),
    ({"name": "x", "state_type": "nonsense"}, 'No lookup value found for \'state_type\': "nonsense"'),
    ({"name": "x", "state_type_id": 2, "next_state_id": 999}, "No lookup value found for 'next_state_id': 999"),
    ({"name": "x", "state_type_id": "two"}, "Invalid value for param 'state_type_id': two"),
    ({"name": "x", "state_type_id": 2, "active": "maybe"}, "Invalid value for param 'active': maybe"),
    ({"name": ["x"], "state_type_id": 2}, "Invalid value for param 'name': ['x']"),
])
def test_state_validation(api, body, message):
    reply = api.post("/api/v1/ticket_states", body)
    assert reply.status == 422 and error(reply) == message
    assert "x" not in [s["name"] for s in api.get("/api/v1/ticket_states").json]


@pytest.mark.parametrize("body, field", [
    ({"name": "G", "follow_up_possible": "sometimes"}, "follow_up_possible"),
    ({"name": "G", "assignment_timeout": -1}, "assignment_timeout"),
    ({"name": "G", "signature_id": "abc"}, "signature_id"),
    ({"name": "G", "follow_up_assignment": None}, "follow_up_assignment"),
])
def test_group_validation(api, body, field):
    reply = api.post("/api/v1/groups", body)
    assert reply.status == 422 and f"'{field}'" in error(reply)
    assert "G" not in [g["name"] for g in api.get("/api/v1/groups").json]


def test_bad_payloads_are_422_not_500(api):
    for path in PATHS.values():
        assert api.post(path, raw=b"[1, 2]").status == 422
        assert api.post(path, raw=b"{not json").status == 422
        assert api.put(path + "/1", raw=b"\"text\"").status == 422
    assert api.post("/api/v1/ticket_states", {"name": "x" * 251, "state_type_id": 2}).status == 422


# --- permissions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["state", "priority", "group"])
@pytest.mark.parametrize("who", ["agent", "customer"])
def test_writes_are_for_admins(api, kind, who):
    path = PATHS[kind]
    existing = api.get(path).json[0]
    for reply in (api.post(path, BODIES[kind], who=who), api.put(f"{path}/{existing['id']}", {"note": "x"}, who=who),
                  api.delete(f"{path}/{existing['id']}", who=who)):
        assert reply.status == 403 and error(reply) == "Not authorized"
    assert api.get(path).json[0] == existing


@pytest.mark.parametrize("kind", ["state", "priority", "group"])
def test_writes_need_credentials(api, kind):
    reply = api.post(PATHS[kind], BODIES[kind], who=None)
    assert reply.status == 403 and error(reply) == "Authentication required"


def test_narrow_admin_permissions(api):
    """admin.group manages groups but not states; admin.object the other way round (tokens narrow)."""
    from tests.api.zammad.test_auth import token_for
    group_admin = token_for(api, who="admin", permissions=("admin.group",))
    object_admin = token_for(api, who="admin", permissions=("admin.object",))

    def post(path, body, token):
        return api.post(path, body, who=None, headers={"Authorization": f"Token token={token}"})
    assert post("/api/v1/groups", {"name": "By group admin"}, group_admin).status == 201
    assert post("/api/v1/ticket_states", BODIES["state"], group_admin).status == 403
    assert post("/api/v1/ticket_priorities", BODIES["priority"], object_admin).status == 201
    assert post("/api/v1/groups", {"name": "By object admin"}, object_admin).status == 403


# --- update ---------------------------------------------------------------------------------------

def test_update_state(api):
    state = api.post("/api/v1/ticket_states", BODIES["state"]).json
    reply = api.put(f"/api/v1/ticket_states/{state['id']}", {"name": "waiting for parts", "active": False,
                                                             "id": 999, "created_by_id": 5})
    assert reply.status == 200, reply
    assert reply.json["id"] == state["id"] and reply.json["name"] == "waiting for parts"
    assert reply.json["active"] is False and reply.json["note"] == "n" and reply.json["created_by_id"] == admin_id(api)
    assert api.get(f"/api/v1/ticket_states/{state['id']}").json == reply.json
    assert api.put(f"/api/v1/ticket_states/{state['id']}", {"name": "Open"}).status == 422
    assert api.put(f"/api/v1/ticket_states/{state['id']}", {"name": "WAITING FOR PARTS"}).status == 200


def test_update_group(api):
    reply = api.put("/api/v1/groups/1", {"follow_up_possible": "new_ticket", "note": "changed"})
    assert reply.status == 200 and reply.json["follow_up_possible"] == "new_ticket"
    assert reply.json["name"] == "Users" and reply.json["note"] == "changed"
    assert api.put("/api/v1/groups/1", {"follow_up_possible": "never"}).status == 422
    assert api.get("/api/v1/groups/1").json["follow_up_possible"] == "new_ticket"


@pytest.mark.parametrize("kind", ["state", "priority", "group"])
def test_unknown_ids_are_404(api, kind):
    entity = {"state": "Ticket::State", "priority": "Ticket::Priority", "group": "Group"}[kind]
    for reply in (api.put(f"{PATHS[kind]}/999", {"note": "x"}), api.delete(f"{PATHS[kind]}/999")):
        assert reply.status == 404 and error(reply) == f"Couldn't find {entity} with 'id'=999"
    assert api.put(f"{PATHS[kind]}/abc", {"note": "x"}).status == 404


# --- one default per catalogue --------------------------------------------------------------------

def test_default_create_moves_between_priorities(api):
    urgent = api.post("/api/v1/ticket_priorities", {"name": "4 urgent", "default_create": True}).json
    assert urgent["default_create"] is True
    defaults = [p["name"] for p in api.get("/api/v1/ticket_priorities").json if p["default_create"]]
    assert defaults == ["4 urgent"]
    ticket = new_ticket(api).json
    assert ticket["priority_id"] == urgent["id"]  # new tickets get the new default
    # taking the default away hands it to the first active other priority
    api.put(f"/api/v1/ticket_priorities/{urgent['id']}", {"default_create": False})
    defaults = [p["id"] for p in api.get("/api/v1/ticket_priorities").json if p["default_create"]]
    assert defaults == [1]


def test_default_states(api):
    state = api.post("/api/v1/ticket_states", {"name": "reopened", "state_type_id": 2,
                                                "default_follow_up": True}).json
    states = api.get("/api/v1/ticket_states").json
    assert [s["name"] for s in states if s["default_follow_up"]] == ["reopened"]
    assert [s["name"] for s in states if s["default_create"]] == ["new"]
    assert state["default_follow_up"] is True


# --- delete ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["state", "priority", "group"])
def test_delete_unused(api, kind):
    created = api.post(PATHS[kind], BODIES[kind]).json
    reply = api.delete(f"{PATHS[kind]}/{created['id']}", {"force": True})  # a JSON body is accepted
    assert reply.status == 200 and reply.json == {}
    assert api.get(f"{PATHS[kind]}/{created['id']}").status == 404
    assert created["id"] not in [o["id"] for o in api.get(PATHS[kind]).json]
    # the name is free again
    assert api.post(PATHS[kind], BODIES[kind]).status == 201


def test_delete_state_used_by_a_ticket_is_refused(api):
    state = api.post("/api/v1/ticket_states", BODIES["state"]).json
    ticket = new_ticket(api).json
    assert api.put(f"/api/v1/tickets/{ticket['id']}", {"state_id": state["id"]}).status == 200
    reply = api.delete(f"/api/v1/ticket_states/{state['id']}")
    assert reply.status == 422 and error(reply) == REFERENCED
    assert api.get(f"/api/v1/ticket_states/{state['id']}").status == 200
    # once the ticket moves on, the state can go
    assert api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "open"}).status == 200
    assert api.delete(f"/api/v1/ticket_states/{state['id']}").status == 200


def test_delete_priority_used_by_a_ticket_is_refused(api):
    priority = api.post("/api/v1/ticket_priorities", BODIES["priority"]).json
    new_ticket(api, priority_id=priority["id"])
    reply = api.delete(f"/api/v1/ticket_priorities/{priority['id']}")
    assert reply.status == 422 and error(reply) == REFERENCED


def test_delete_group_with_tickets_or_agents_is_refused(api):
    reply = api.delete("/api/v1/groups/1")  # demo tickets, and the admin's and agent's access
    assert reply.status == 422 and error(reply) == REFERENCED
    staffed = api.post("/api/v1/groups", {"name": "Staffed"}).json
    add_user(api, "helper", "helper@example.com", [ROLE_AGENT], {str(staffed["id"]): ["read"]})
    assert error(api.delete(f"/api/v1/groups/{staffed['id']}")) == REFERENCED
    with_ticket = api.post("/api/v1/groups", {"name": "Busy"}).json
    new_ticket(api, group="Busy")
    assert error(api.delete(f"/api/v1/groups/{with_ticket['id']}")) == REFERENCED


def test_defaults_and_next_states_are_not_deleted(api):
    for path, object_id in (("/api/v1/ticket_states", 1), ("/api/v1/ticket_states", 2),
                            ("/api/v1/ticket_priorities", 2)):
        reply = api.delete(f"{path}/{object_id}")
        assert reply.status == 422 and error(reply) == REFERENCED
    # "closed" (4) is the next state of "pending close"; no ticket is closed in the demo data
    reply = api.delete("/api/v1/ticket_states/4")
    assert reply.status == 422 and error(reply) == REFERENCED


def test_deleted_state_is_no_longer_accepted_for_tickets(api):
    state = api.post("/api/v1/ticket_states", BODIES["state"]).json
    assert api.delete(f"/api/v1/ticket_states/{state['id']}").status == 200
    ticket = new_ticket(api).json
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "waiting"})
    assert reply.status == 422 and error(reply) == 'No lookup value found for \'state\': "waiting"'


# --- roles ----------------------------------------------------------------------------------------

def test_roles_for_admins(api):
    roles = api.get("/api/v1/roles").json
    assert [r["name"] for r in roles] == ["Admin", "Agent", "Customer"]
    assert all(set(r) == ROLE_KEYS for r in roles)
    customer = roles[2]
    assert customer["default_at_signup"] is True and roles[0]["default_at_signup"] is False
    assert customer["permission_ids"] == [51, 21, 22, 23, 71]
    assert api.get("/api/v1/roles/1").json == roles[0]
    expanded = api.get("/api/v1/roles?expand=true").json
    assert "ticket.agent" in expanded[1]["permissions"] and expanded[1]["name"] == "Agent"
    full = api.get("/api/v1/roles?full=true").json
    assert full["record_ids"] == [1, 2, 3] and set(full["assets"]["Role"]) == {"1", "2", "3"}
    assert [r["id"] for r in api.get("/api/v1/roles?per_page=2&page=2").json] == [3]


def test_roles_for_agents_and_customers(api):
    assert [r["name"] for r in api.get("/api/v1/roles", who="agent").json] == ["Agent"]
    assert api.get("/api/v1/roles/2", who="agent").json["name"] == "Agent"
    reply = api.get("/api/v1/roles/1", who="agent")
    assert reply.status == 403 and error(reply) == "Not authorized"
    own = api.get("/api/v1/roles", who="customer").json
    assert own == [{"id": 3, "permission_ids": [51, 21, 22, 23, 71], "group_ids": {}, "active": True}]
    assert api.get("/api/v1/roles/3", who="customer").json == own[0]
    assert api.get("/api/v1/roles/2", who="customer").status == 403


def test_roles_errors(api):
    reply = api.get("/api/v1/roles/99")
    assert reply.status == 404 and error(reply) == "Couldn't find Role with 'id'=99"
    assert api.get("/api/v1/roles", who=None).status == 403
    assert api.post("/api/v1/roles", {"name": "x"}).status in (404, 405)  # roles are fixed: no writes


def test_new_agents_created_with_a_new_group(api):
    """A created group is usable in group_ids at once (users and catalog agree)."""
    group = api.post("/api/v1/groups", {"name": "Night shift"}).json
    reply = api.post("/api/v1/users", {"email": "night@example.org", "role_ids": [ROLE_AGENT],
                                       "group_ids": {str(group["id"]): ["full"]}})
    assert reply.status == 201 and reply.json["group_ids"] == {str(group["id"]): ["full"]}
    assert error(api.delete(f"/api/v1/groups/{group['id']}")) == REFERENCED


# --- for the security matrix (tests/security/test_matrix.py) ----------------------------------------

def matrix_params(api) -> dict:
    """A state, a priority and a group nothing refers to (admins may change and delete them), and the
    Agent role (agents read it, customers may not)."""
    made = {kind: api.post(PATHS[kind], {**BODIES[kind], "name": f"Matrix {kind}"}).json["id"] for kind in PATHS}
    return {"state_id": made["state"], "priority_id": made["priority"], "group_id": made["group"], "role_id": 2}


MATRIX_BODIES = {
    ("POST", "/api/v1/ticket_states"): {"name": "Matrix created state", "state_type_id": 2},
    ("PUT", "/api/v1/ticket_states/{state_id}"): {"note": "matrix", "ignore_escalation": True},
    ("POST", "/api/v1/ticket_priorities"): {"name": "Matrix created priority"},
    ("PUT", "/api/v1/ticket_priorities/{priority_id}"): {"note": "matrix", "ui_color": "x"},
    ("POST", "/api/v1/groups"): {"name": "Matrix created group"},
    ("PUT", "/api/v1/groups/{group_id}"): {"note": "matrix", "follow_up_possible": "new_ticket"},
}


def test_reference_lists_page_and_expand_like_every_list(api):
    states = api.get("/api/v1/ticket_states").json
    page = api.get("/api/v1/ticket_states?page=2&per_page=2")
    assert page.status == 200 and [s["id"] for s in page.json] == [s["id"] for s in states[2:4]]
    assert api.get("/api/v1/ticket_states?per_page=1000").json == states            # capped at 100, all fit
    expanded = api.get("/api/v1/ticket_states?expand=true").json
    closed = next(s for s in expanded if s["name"] == "closed")
    assert closed["state_type"] == "closed" and closed["created_by"] is not None and "next_state" in closed
    full = api.get("/api/v1/ticket_priorities?full=true").json
    assert full["record_ids"] == [p["id"] for p in api.get("/api/v1/ticket_priorities").json]
    assert full["assets"]["TicketPriority"]["2"]["name"] == "2 normal"
    group = api.get("/api/v1/groups/1?expand=true", who="agent").json
    assert group["name"] == "Users" and "created_by" in group
    assert api.get("/api/v1/groups/1?full=true").json["assets"]["Group"]["1"]["name"] == "Users"
    assert api.get("/api/v1/groups?expand=true", who="customer").status == 403
