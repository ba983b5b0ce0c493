"""/api/customer/personal-notifications/list and /seen-set (seed 000 L553-708): notifications made by
agents' work through /api/v1, their shape, paging and filters, the seen flag, and whose they are."""
from __future__ import annotations

import re
from typing import Any

import pytest

from chalicelib.core.model import ROLE_CUSTOMER
from tests.api.otrs.conftest import Otrs
from tests.api.zammad.test_permissions import add_user

LIST = "/personal-notifications/list"
SEEN = "/personal-notifications/seen-set"
CONTENT_KEYS = {"Description", "UserID", "TicketNumber", "UserType", "Seen", "CreateTime", "ObjectReference", "Body",
                "Comment", "Title", "ObjectType", "ObjectID", "NotificationID"}
OTRS_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def demo_tickets(otrs: Otrs) -> list[dict[str, Any]]:
    """The customer's two demo tickets, as agents see them in /api/v1."""
    tickets = otrs.api.get("/api/v1/tickets", who="agent").json
    mine = [t for t in tickets if t["customer_id"] == otrs.credentials["customer"]["id"]]
    assert len(mine) >= 2, tickets
    return mine


def agent_reply(otrs: Otrs, ticket_id: int, internal: bool = False) -> None:
    reply = otrs.api.post("/api/v1/ticket_articles", {"ticket_id": ticket_id, "body": "We are on it.",
                                                      "type": "note", "internal": internal}, who="agent")
    assert reply.status == 201, reply


def set_state(otrs: Otrs, ticket_id: int, state: str) -> None:
    reply = otrs.api.put(f"/api/v1/tickets/{ticket_id}", {"state": state}, who="agent")
    assert reply.status == 200, reply


def listed(otrs: Otrs, query: str = "", who: str = "customer") -> dict[str, Any]:
    reply = otrs.get(LIST + query, who=who)
    assert reply.status == 200, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    return reply.json


def entries(otrs: Otrs, query: str = "", who: str = "customer") -> list[dict[str, Any]]:
    return listed(otrs, query, who)["List"]


def errors_on(reply: Any) -> str:
    """The one field a 422 names."""
    assert reply.status == 422, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    (field, detail), = reply.json["Errors"].items()
    assert detail["Message"]
    return field


# --- made by agents' work in /api/v1 ------------------------------------------------------------------

def test_an_agents_public_reply_is_listed_in_the_seeds_shape(otrs: Otrs) -> None:
    assert listed(otrs) == {"List": [], "TotalNotifications": 0}
    ticket = demo_tickets(otrs)[0]
    agent_reply(otrs, ticket["id"])
    body = listed(otrs)
    assert body["TotalNotifications"] == 1 and len(body["List"]) == 1
    entry = body["List"][0]
    assert set(entry) == {"Marker", "Content"} and set(entry["Content"]) == CONTENT_KEYS
    content, marker = entry["Content"], entry["Marker"]
    number = ticket["created_at"][:10].replace("-", "") + ticket["number"]
    assert marker == {"NotificationID": int(content["NotificationID"]), "Status": "Unread"}
    assert isinstance(marker["NotificationID"], int) and isinstance(content["NotificationID"], str)
    assert content == {
        "Description": f"An agent replied to your ticket {number}.", "UserID": otrs.credentials["customer"]["id"],
        "TicketNumber": number, "UserType": "Customer", "Seen": 0, "CreateTime": content["CreateTime"],
        "ObjectReference": number, "Body": ticket["title"], "Comment": "", "Title": "New reply to your ticket",
        "ObjectType": "Ticket", "ObjectID": ticket["id"], "NotificationID": content["NotificationID"]}
    assert OTRS_TIME.match(content["CreateTime"])


def test_internal_notes_do_not_notify_but_state_changes_do(otrs: Otrs) -> None:
    ticket = demo_tickets(otrs)[0]
    agent_reply(otrs, ticket["id"], internal=True)
    assert entries(otrs) == []
    set_state(otrs, ticket["id"], "closed")
    (entry,) = entries(otrs)
    assert entry["Content"]["Title"] == "The state of your ticket changed"
    assert entry["Content"]["Description"].endswith('is now "closed".')
    assert entry["Content"]["ObjectID"] == ticket["id"]


def test_the_customers_own_reply_tells_them_nothing(otrs: Otrs) -> None:
    ticket = demo_tickets(otrs)[0]
    reply = otrs.api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "Any news?"},
                          who="customer")
    assert reply.status == 201, reply
    assert entries(otrs) == []


def test_the_same_notifications_in_zammads_online_notifications(otrs: Otrs) -> None:
    ticket = demo_tickets(otrs)[0]
    agent_reply(otrs, ticket["id"])
    (entry,) = entries(otrs)
    zammad = otrs.api.get("/api/v1/online_notifications", who="customer").json
    assert [(n["id"], n["o_id"], n["type"], n["seen"]) for n in zammad] == [
        (entry["Marker"]["NotificationID"], ticket["id"], "agent_reply", False)]
    assert isinstance(zammad[0]["type_lookup_id"], int) and zammad[0]["object_lookup_id"] == 1
    # seen here -> seen there, and back
    assert otrs.post(SEEN, {"Filter": "Single", "NotificationID": entry["Content"]["NotificationID"]}).status == 200
    assert otrs.api.get(f"/api/v1/online_notifications/{zammad[0]['id']}", who="customer").json["seen"] is True
    assert otrs.api.put(f"/api/v1/online_notifications/{zammad[0]['id']}", {"seen": False},
                        who="customer").status == 200
    assert entries(otrs)[0]["Marker"]["Status"] == "Unread"
    # the agent's own view is unchanged: agents are not told of their own work
    assert ticket["id"] not in [n["o_id"] for n in otrs.api.get("/api/v1/online_notifications", who="agent").json
                                if n["type"] in ("agent_reply", "state_change")]


def test_other_customers_never_see_them(otrs: Otrs) -> None:
    add_user(otrs.api, "colleague", "colleague@example.com", [ROLE_CUSTOMER], organization_id=1)
    ticket = demo_tickets(otrs)[0]
    # the colleague may read the shared organization's ticket, yet the notification is the customer's
    assert otrs.api.get(f"/api/v1/tickets/{ticket['id']}", who="colleague").status == 200
    agent_reply(otrs, ticket["id"])
    set_state(otrs, ticket["id"], "open")
    assert listed(otrs, who="colleague") == {"List": [], "TotalNotifications": 0}
    assert listed(otrs)["TotalNotifications"] == 2
    mine = entries(otrs)[0]["Content"]["NotificationID"]
    refused = otrs.post(SEEN, {"Filter": "Single", "NotificationID": mine}, who="colleague")
    unknown = otrs.post(SEEN, {"Filter": "Single", "NotificationID": "999999"}, who="colleague")
    assert errors_on(refused) == "NotificationID" and refused.json == unknown.json   # nothing tells them apart
    assert otrs.post(SEEN, {"Filter": "All"}, who="colleague").status == 200
    assert [e["Content"]["Seen"] for e in entries(otrs)] == [0, 0]


def test_without_a_token_the_answer_is_bad_token(otrs: Otrs) -> None:
    for reply in (otrs.get(LIST, who=None), otrs.post(SEEN, {"Filter": "All"}, who=None)):
        assert reply.status == 401 and reply.json == {"Error": "Bad token."}


# --- paging and filters --------------------------------------------------------------------------------

@pytest.fixture()
def five(otrs: Otrs) -> list[dict[str, Any]]:
    """Five notifications over the two demo tickets, newest first."""
    first, second = demo_tickets(otrs)[:2]
    for ticket_id in (first["id"], second["id"], first["id"], second["id"], first["id"]):
        agent_reply(otrs, ticket_id)
    everything = entries(otrs)
    assert len(everything) == 5
    return everything


def test_paging_newest_first_with_the_total(otrs: Otrs, five: list[dict[str, Any]]) -> None:
    ids = [e["Marker"]["NotificationID"] for e in five]
    assert ids == sorted(ids, reverse=True)
    page = listed(otrs, "?NotificationsPerPage=2&Page=2")
    assert [e["Marker"]["NotificationID"] for e in page["List"]] == ids[2:4] and page["TotalNotifications"] == 5
    assert listed(otrs, "?NotificationsPerPage=2&Page=9") == {"List": [], "TotalNotifications": 5}
    assert len(entries(otrs, "?NotificationsPerPage=3")) == 3
    assert len(entries(otrs, "?Page=&NotificationsPerPage=")) == 5      # empty values: the defaults


def test_filters_by_seen_and_object_type(otrs: Otrs, five: list[dict[str, Any]]) -> None:
    newest = five[0]["Content"]["NotificationID"]
    assert otrs.post(SEEN, {"Filter": "Single", "NotificationID": newest}).json == {"Message": "Seen flag was set."}
    seen = listed(otrs, "?Seen=1")
    assert [e["Content"]["NotificationID"] for e in seen["List"]] == [newest] and seen["TotalNotifications"] == 1
    assert seen["List"][0]["Marker"]["Status"] == "Read" and seen["List"][0]["Content"]["Seen"] == 1
    unseen = listed(otrs, "?Seen=0&NotificationsPerPage=2")
    assert unseen["TotalNotifications"] == 4 and len(unseen["List"]) == 2
    assert all(e["Content"]["Seen"] == 0 for e in unseen["List"])
    assert listed(otrs, "?ObjectType=Ticket")["TotalNotifications"] == 5


@pytest.mark.parametrize("query, field", [
    ("?Page=0", "Page"), ("?Page=abc", "Page"), ("?Page=-1", "Page"), ("?Page=%C2%B2", "Page"),
    ("?NotificationsPerPage=0", "NotificationsPerPage"), ("?NotificationsPerPage=501", "NotificationsPerPage"),
    ("?NotificationsPerPage=" + "9" * 5000, "NotificationsPerPage"),
    ("?Seen=2", "Seen"), ("?Seen=yes", "Seen"), ("?ObjectType=Appointment", "ObjectType"),
])
def test_bad_paging_and_filters_are_422_on_the_field(otrs: Otrs, query: str, field: str) -> None:
    assert errors_on(otrs.get(LIST + query)) == field


# --- seen-set -------------------------------------------------------------------------------------------

def test_seen_set_all_marks_every_one(otrs: Otrs, five: list[dict[str, Any]]) -> None:
    reply = otrs.post(SEEN, {"Filter": "All"})
    assert reply.status == 200 and reply.json == {"Message": "Seen flag was set."}
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    assert listed(otrs, "?Seen=0")["TotalNotifications"] == 0
    assert otrs.post(SEEN, {"Filter": "All"}).status == 200             # nothing left to mark: still 200


def test_seen_set_single_takes_the_id_as_string_or_number(otrs: Otrs, five: list[dict[str, Any]]) -> None:
    as_string, as_number = five[0]["Content"]["NotificationID"], five[1]["Marker"]["NotificationID"]
    assert otrs.post(SEEN, {"Filter": "Single", "NotificationID": as_string}).status == 200
    assert otrs.post(SEEN, {"Filter": "Single", "NotificationID": as_number}).status == 200
    assert otrs.post(SEEN, {"Filter": "Single", "NotificationID": as_number}).status == 200   # again: fine
    assert [e["Content"]["Seen"] for e in entries(otrs)] == [1, 1, 0, 0, 0]


@pytest.mark.parametrize("body, field", [
    ({}, "Filter"), ({"Filter": ""}, "Filter"), ({"Filter": "Everything"}, "Filter"), ({"Filter": ["All"]}, "Filter"),
    ({"Filter": "Single"}, "NotificationID"), ({"Filter": "Single", "NotificationID": "abc"}, "NotificationID"),
    ({"Filter": "Single", "NotificationID": True}, "NotificationID"),
    ({"Filter": "Single", "NotificationID": "0"}, "NotificationID"),
    ({"Filter": "Single", "NotificationID": "999999"}, "NotificationID"),
    ({"Filter": "All", "NotificationID": "1"}, "NotificationID"),
])
def test_seen_set_bad_input_is_422_on_the_field(otrs: Otrs, body: dict, field: str) -> None:
    assert errors_on(otrs.post(SEEN, body)) == field


def test_seen_set_needs_a_json_object(otrs: Otrs) -> None:
    assert errors_on(otrs.post(SEEN, ["All"])) == "Body"
    assert errors_on(otrs.post(SEEN, raw=b"{not json")) == "Request"     # unreadable JSON names no field
