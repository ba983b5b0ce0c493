"""Zammad's /api/v1/online_notifications through HTTP: own vs someone else's, seen, delete, mark all, paging,
and notifications produced by ticket writes made through the API."""
from __future__ import annotations

from typing import Any

from chalicelib.core.model import ROLE_AGENT, ROLE_CUSTOMER
from tests.api.zammad.test_permissions import add_user

N = "/api/v1/online_notifications"
KEYS = {"id", "o_id", "object", "object_lookup_id", "type", "type_lookup_id", "seen", "user_id", "created_by_id",
        "updated_by_id", "created_at", "updated_at"}


def customer_ticket(api: Any, who: str = "customer", title: str = "Help, please") -> dict[str, Any]:
    created = api.post("/api/v1/tickets", {"title": title, "group": "Users",
                                           "article": {"subject": title, "body": "It broke.", "type": "web"}}, who=who)
    assert created.status == 201, created
    return created.json


def notes(api: Any, who: str, query: str = "") -> list[dict[str, Any]]:
    listed = api.get(N + query, who=who)
    assert listed.status == 200, listed
    return listed.json


def error_of(reply: Any) -> str:
    assert set(reply.json) == {"error", "error_human"} and reply.json["error"] == reply.json["error_human"], reply
    return reply.json["error"]


# --- produced by ticket writes ---------------------------------------------------------------------

def test_customer_creates_ticket_and_the_group_agent_is_notified(api: Any) -> None:
    c = api.credentials
    before = {n["id"] for n in notes(api, "agent")}
    ticket = customer_ticket(api)
    fresh = [n for n in notes(api, "agent") if n["id"] not in before]
    assert len(fresh) == 1
    n = fresh[0]
    assert set(n) == KEYS
    assert (n["o_id"], n["object"], n["type"], n["seen"]) == (ticket["id"], "Ticket", "create", False)
    assert (n["user_id"], n["created_by_id"], n["updated_by_id"]) == (c["agent"]["id"], c["customer"]["id"],
                                                                        c["customer"]["id"])
    assert n["created_at"] == ticket["created_at"] and n["created_at"].endswith("Z")
    assert n["object_lookup_id"] == 1 and n["type_lookup_id"] == 1
    assert notes(api, "agent")[0]["id"] == n["id"]                   # newest first
    assert ticket["id"] in [x["o_id"] for x in notes(api, "admin")]  # the admin holds full access to Users too
    assert notes(api, "customer") == []                              # the actor, and customers, get none


def test_owner_change_and_customer_reply_reach_the_owner(api: Any) -> None:
    c = api.credentials
    ticket = customer_ticket(api)
    ids_before = {who: {n["id"] for n in notes(api, who)} for who in ("agent", "admin")}
    assert api.put(f"/api/v1/tickets/{ticket['id']}", {"owner_id": c["agent"]["id"]}).status == 200
    new_for_agent = [n for n in notes(api, "agent") if n["id"] not in ids_before["agent"]]
    assert [(n["o_id"], n["type"], n["created_by_id"]) for n in new_for_agent] == [
        (ticket["id"], "update", c["admin"]["id"])]
    assert {n["id"] for n in notes(api, "admin")} == ids_before["admin"]   # the actor: nothing
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "Any news?"}, who="customer")
    assert reply.status == 201, reply
    newest = notes(api, "agent")[0]
    assert (newest["o_id"], newest["type"], newest["created_by_id"]) == (ticket["id"], "update", c["customer"]["id"])
    assert {n["id"] for n in notes(api, "admin")} == ids_before["admin"]   # the owner is told, not the group


def test_deleting_a_ticket_removes_its_notifications(api: Any) -> None:
    ticket = customer_ticket(api)
    assert ticket["id"] in [n["o_id"] for n in notes(api, "agent")]
    assert api.delete(f"/api/v1/tickets/{ticket['id']}").status == 200
    assert ticket["id"] not in [n["o_id"] for n in notes(api, "agent")]


# --- the routes --------------------------------------------------------------------------------------

def test_show_own_and_refuse_others(api: Any) -> None:
    customer_ticket(api)
    mine = notes(api, "agent")[0]
    shown = api.get(f"{N}/{mine['id']}", who="agent")
    assert shown.status == 200 and shown.json == mine
    for who in ("admin", "customer"):
        refused = api.get(f"{N}/{mine['id']}", who=who)
        assert refused.status == 403 and error_of(refused) == "Not authorized", (who, refused)
    missing = api.get(f"{N}/999999", who="agent")
    assert missing.status == 404 and error_of(missing) == "Couldn't find OnlineNotification with 'id'=999999"
    assert api.get(f"{N}/abc", who="agent").status == 404
    anonymous = api.get(f"{N}/{mine['id']}", who=None)
    assert anonymous.status == 403 and error_of(anonymous) == "Authentication required"
    assert api.get(N, who=None).status == 403


def test_put_toggles_seen_only(api: Any) -> None:
    c = api.credentials
    customer_ticket(api)
    mine = notes(api, "agent")[0]
    seen = api.put(f"{N}/{mine['id']}", {"seen": True, "user_id": c["customer"]["id"], "o_id": 1, "type": "x",
                                         "created_by_id": 1}, who="agent")
    assert seen.status == 200, seen
    assert seen.json["seen"] is True and seen.json["updated_by_id"] == c["agent"]["id"]
    assert {k: seen.json[k] for k in ("user_id", "o_id", "type", "created_by_id")} == {
        k: mine[k] for k in ("user_id", "o_id", "type", "created_by_id")}
    assert seen.json["updated_at"] >= mine["updated_at"]
    assert api.get(f"{N}/{mine['id']}", who="agent").json["seen"] is True
    unseen = api.put(f"{N}/{mine['id']}", {"seen": "false"}, who="agent")
    assert unseen.status == 200 and unseen.json["seen"] is False
    bad = api.put(f"{N}/{mine['id']}", {"seen": {"x": 1}}, who="agent")
    assert bad.status == 422 and "seen" in error_of(bad)
    assert api.put(f"{N}/{mine['id']}", ["seen"], who="agent").status == 422
    refused = api.put(f"{N}/{mine['id']}", {"seen": True}, who="admin")
    assert refused.status == 403 and error_of(refused) == "Not authorized"
    assert api.get(f"{N}/{mine['id']}", who="agent").json["seen"] is False
    assert api.put(f"{N}/999999", {"seen": True}, who="agent").status == 404


def test_delete_own_only(api: Any) -> None:
    customer_ticket(api)
    mine = notes(api, "agent")[0]
    refused = api.delete(f"{N}/{mine['id']}", who="admin")
    assert refused.status == 403 and error_of(refused) == "Not authorized"
    deleted = api.delete(f"{N}/{mine['id']}", {"id": mine["id"]}, who="agent")   # a JSON body is accepted
    assert deleted.status == 200 and deleted.json == {}
    assert api.get(f"{N}/{mine['id']}", who="agent").status == 404
    assert mine["id"] not in [n["id"] for n in notes(api, "agent")]
    assert api.delete(f"{N}/{mine['id']}", who="agent").status == 404


def test_mark_all_as_read(api: Any) -> None:
    customer_ticket(api)
    customer_ticket(api, title="Second problem")
    first = notes(api, "agent")[0]
    assert api.put(f"{N}/{first['id']}", {"seen": True}, who="agent").status == 200
    assert any(not n["seen"] for n in notes(api, "agent"))
    marked = api.post(f"{N}/mark_all_as_read", who="agent")                 # zammad_py sends no body
    assert marked.status == 200 and marked.json == {}
    agent_notes = notes(api, "agent")
    assert agent_notes and all(n["seen"] for n in agent_notes)
    assert all(n["updated_by_id"] == api.credentials["agent"]["id"] for n in agent_notes)
    assert any(not n["seen"] for n in notes(api, "admin"))                 # only the caller's
    assert api.post(f"{N}/mark_all_as_read", {}, who="customer").json == {}  # nothing to mark: still {}


def test_paging_expand_and_full(api: Any) -> None:
    c = api.credentials
    for i in range(3):
        customer_ticket(api, title=f"Problem {i}")
    everything = notes(api, "agent")
    assert len(everything) >= 5 and [n["id"] for n in everything] == sorted((n["id"] for n in everything),
                                                                             reverse=True)
    assert [n["id"] for n in notes(api, "agent", "?per_page=2&page=2")] == [n["id"] for n in everything[2:4]]
    assert notes(api, "agent", "?per_page=2&page=99") == []
    assert api.get(N + "?per_page=abc", who="agent").status == 422
    expanded = notes(api, "agent", "?expand=true")[0]
    assert (expanded["user"], expanded["created_by"], expanded["updated_by"]) == (
        c["agent"]["email"], c["customer"]["email"], c["customer"]["email"])
    full = notes(api, "agent", "?full=true&per_page=2")
    assert full["record_ids"] == [n["id"] for n in everything[:2]]
    assert set(full["assets"]["OnlineNotification"]) == {str(n["id"]) for n in everything[:2]}
    one = api.get(f"{N}/{everything[0]['id']}?expand=true", who="agent").json
    assert one["user"] == c["agent"]["email"]
    one_full = api.get(f"{N}/{everything[0]['id']}?full=true", who="agent").json
    assert one_full["id"] == everything[0]["id"] and str(one_full["id"]) in one_full["assets"]["OnlineNotification"]


def test_new_group_agent_receives_customer_tickets_but_customers_and_outsiders_do_not(api: Any) -> None:
    add_user(api, "helper", "helper@example.com", [ROLE_AGENT], {"1": ["read"]})
    add_user(api, "idle", "idle@example.com", [ROLE_AGENT], {})
    add_user(api, "colleague", "colleague@example.com", [ROLE_CUSTOMER], organization_id=1)
    ticket = customer_ticket(api, who="colleague")
    assert [n["o_id"] for n in notes(api, "helper")] == [ticket["id"]]
    assert notes(api, "idle") == [] and notes(api, "colleague") == [] and notes(api, "customer") == []
    mine = notes(api, "helper")[0]
    for who in ("agent", "idle", "colleague", "customer"):
        assert api.get(f"{N}/{mine['id']}", who=who).status == 403, who
        assert api.delete(f"{N}/{mine['id']}", who=who).status == 403, who
    assert api.get(f"{N}/{mine['id']}", who="helper").status == 200


# --- for tests/security/test_matrix.py -----------------------------------------------------------------

def matrix_params(api: Any) -> dict[str, Any]:
    """A notification of the demo agent (from the matrix ticket the admin created): intruders are refused."""
    listed = api.get(N, who="agent").json
    assert listed, "the agent of group Users holds notifications"
    return {"notification_id": listed[0]["id"]}


MATRIX_BODIES = {
    ("PUT", "/api/v1/online_notifications/{notification_id}"): {"seen": True, "user_id": 1},
    ("POST", "/api/v1/online_notifications/mark_all_as_read"): {},
}
