"""Tickets API tickets: create, list, show, modify, close, reopen, evaluate (TAPI-01..07) and topics (TAPI-12)."""
from __future__ import annotations

import re

import pytest

from tests.api.otrs.test_tickets import add_customer
from tests.api.tickets_api.conftest import TicketsApi, fields_of

TICKET_FIELDS = {"client_aliased_name", "client_emails", "closed_at", "created_at", "is_client_author",
                 "is_client_read", "is_closed", "is_resolved", "number", "splitted_from_ticket_number", "status",
                 "summary", "type", "updated_at", "vote"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


# --- create ---------------------------------------------------------------------------------------

def test_create_answers_the_ticket_with_an_integer_number(tapi: TicketsApi) -> None:
    ticket = tapi.create("VPS unreachable", "Since 10:00 UTC.", client_aliased_name="Ops team",
                         client_emails=["ops@example.com", "Lead@Example.com"])
    assert set(ticket) == TICKET_FIELDS
    assert isinstance(ticket["number"], int) and not isinstance(ticket["number"], bool)
    assert ticket["summary"] == "VPS unreachable"
    assert ticket["status"] == {"en": "New", "ru": "Новая"}
    assert ticket["is_closed"] is False and ticket["is_resolved"] is False and ticket["closed_at"] is None
    assert ticket["is_client_author"] is True and ticket["is_client_read"] is True
    assert ticket["client_aliased_name"] == "Ops team"
    assert ticket["client_emails"] == ["ops@example.com", "lead@example.com"]
    assert ticket["vote"] is None and ticket["type"] is None and ticket["splitted_from_ticket_number"] is None
    assert RFC3339.match(ticket["created_at"]) and RFC3339.match(ticket["updated_at"])
    assert tapi.get(f"/tickets/{ticket['number']}").json == ticket


def test_create_puts_the_comment_body_first_and_the_topic_picks_the_group(tapi: TicketsApi) -> None:
    group = tapi.api.post("/api/v1/groups", {"name": "Billing & Payments"})
    assert group.status == 201, group
    topics = tapi.get("/topics").json
    assert topics == {"items": [{"key": "users", "name": "Users"},
                                {"key": "billing-payments", "name": "Billing & Payments"}]}
    ticket = tapi.create("Invoice twice", "I was charged twice.", topic_key="billing-payments")
    found = tapi.api.get(f"/api/v1/tickets/search?query={ticket['number']}", who="admin").json
    assert [t["group_id"] for t in found] == [group.json["id"]]
    comments = tapi.get(f"/tickets/{ticket['number']}/comments").json["items"]
    assert [c["body"] for c in comments] == ["I was charged twice."]


@pytest.mark.parametrize("body, fields", [
    ({}, {"summary", "comment_body"}),
    ({"summary": "", "comment_body": "x"}, {"summary"}),
    ({"summary": "   ", "comment_body": "x"}, {"summary"}),
    ({"summary": "x" * 256, "comment_body": "x"}, {"summary"}),
    ({"summary": 5, "comment_body": "x"}, {"summary"}),
    ({"summary": "x", "comment_body": "y" * 50_001}, {"comment_body"}),
    ({"summary": "x", "comment_body": "y", "client_emails": []}, {"client_emails"}),
    ({"summary": "x", "comment_body": "y", "client_emails": ["not-an-email"]}, {"client_emails[0]"}),
    ({"summary": "x", "comment_body": "y", "client_emails": "a@example.com"}, {"client_emails"}),
    ({"summary": "x", "comment_body": "y", "client_aliased_name": ""}, {"client_aliased_name"}),
    ({"summary": "x", "comment_body": "y", "topic_key": ""}, {"topic_key"}),
    ({"summary": "x", "comment_body": "y", "files": []}, {"files"}),
    ({"summary": "x", "comment_body": "y", "files": ["nope"]}, {"files[0]"}),
    ({"summary": "x", "comment_body": "y", "files": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"] * 2}, {"files"}),
    ({"summary": "x", "comment_body": "y",
      "files": [f"3fa85f64-5717-4562-b3fc-2c963f66a{i:03d}" for i in range(11)]}, {"files"}),
])
def test_create_names_every_field_that_breaks_the_schema(tapi: TicketsApi, body: dict, fields: set) -> None:
    reply = tapi.post("/tickets", body)
    assert reply.status == 400, reply
    assert fields_of(reply) == fields
    assert reply.json["error"] == reply.json["error_human"]


def test_create_at_the_limits_is_accepted(tapi: TicketsApi) -> None:
    ticket = tapi.create("s" * 255, "b" * 50_000)
    assert ticket["summary"] == "s" * 255


def test_create_refuses_a_body_that_is_not_a_json_object(tapi: TicketsApi) -> None:
    for raw in (b"[1, 2]", b"{not json"):
        reply = tapi.post("/tickets", raw=raw)
        assert reply.status == 400 and fields_of(reply) == {"body"}, reply


def test_create_with_an_unknown_topic_is_422(tapi: TicketsApi) -> None:
    reply = tapi.post("/tickets", {"summary": "x", "comment_body": "y", "topic_key": "nope"})
    assert reply.status == 422 and fields_of(reply) == {"topic_key"}, reply


# --- list -----------------------------------------------------------------------------------------

def test_list_envelope_pages_newest_first(tapi: TicketsApi) -> None:
    created = [tapi.create(f"ticket {i}", "body")["number"] for i in range(3)]
    everything = tapi.get("/tickets").json
    assert set(everything) == {"item_count", "items", "items_per_page", "page", "page_count"}
    assert everything["item_count"] == 5  # the demo customer's two tickets and these three
    assert everything["items_per_page"] == 10 and everything["page"] == 1 and everything["page_count"] == 1
    numbers = [t["number"] for t in everything["items"]]
    assert numbers[:3] == created[::-1]
    second = tapi.get("/tickets?items_per_page=2&page=2").json
    assert second["item_count"] == 5 and second["page_count"] == 3 and second["page"] == 2
    assert [t["number"] for t in second["items"]] == numbers[2:4]
    assert tapi.get("/tickets?items_per_page=2&page=9").json["items"] == []


def test_list_filters_by_state_type_and_query(tapi: TicketsApi) -> None:
    kept = tapi.create("Disk quota exceeded", "the volume is full")
    closed = tapi.create("Password reset", "please reset")
    assert tapi.post(f"/tickets/{closed['number']}/close", {}).status == 200
    opened = {t["number"] for t in tapi.get("/tickets?only_opened=true").json["items"]}
    only_closed = tapi.get("/tickets?only_closed=true").json
    assert kept["number"] in opened and closed["number"] not in opened
    assert [t["number"] for t in only_closed["items"]] == [closed["number"]] and only_closed["item_count"] == 1
    assert [t["number"] for t in tapi.get("/tickets?q=quota").json["items"]] == [kept["number"]]
    assert tapi.get("/tickets?q=quota&only_closed=true").json["item_count"] == 0
    assert tapi.get(f"/tickets?q={closed['number']}").json["items"][0]["number"] == closed["number"]


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=x", "page"), ("page=-1", "page"),
    ("items_per_page=0", "items_per_page"), ("items_per_page=1001", "items_per_page"),
    ("only_opened=maybe", "only_opened"), ("only_closed=yes", "only_closed"),
    ("only_opened=true&only_closed=true", "only_closed"), ("q=", "q"),
])
def test_list_parameters_are_validated(tapi: TicketsApi, query: str, field: str) -> None:
    reply = tapi.get(f"/tickets?{query}")
    assert reply.status == 400 and fields_of(reply) == {field}, reply


def test_list_accepts_the_documented_bounds(tapi: TicketsApi) -> None:
    reply = tapi.get("/tickets?items_per_page=1000&page=1&only_opened=false&only_closed=0")
    assert reply.status == 200 and reply.json["items_per_page"] == 1000


def test_customers_see_only_their_tickets(tapi: TicketsApi) -> None:
    mine = tapi.create()
    add_customer(tapi.api, "stranger", "stranger@elsewhere.org")
    assert tapi.get("/tickets", who="stranger").json == {"item_count": 0, "items": [], "items_per_page": 10,
                                                         "page": 1, "page_count": 0}
    for path in (f"/tickets/{mine['number']}", f"/tickets/{mine['number']}/comments"):
        hidden = tapi.get(path, who="stranger")
        unknown = tapi.get(path.replace(str(mine["number"]), "999999"), who="stranger")
        assert hidden.status == unknown.status == 404 and hidden.json["error"].startswith("Couldn't find Ticket")
    for action, body in (("close", {}), ("reopen", {"body": "x"}), ("vote", {"score": 5}),
                         ("comments", {"body": "x"})):
        assert tapi.post(f"/tickets/{mine['number']}/{action}", body, who="stranger").status == 404
    assert tapi.patch(f"/tickets/{mine['number']}", {"client_emails": []}, who="stranger").status == 404


def test_a_colleague_in_a_shared_organization_sees_the_ticket_but_did_not_write_it(tapi: TicketsApi) -> None:
    ticket = tapi.create()
    add_customer(tapi.api, "colleague", "colleague@example.com", organization="Demo Company")
    seen = tapi.get(f"/tickets/{ticket['number']}", who="colleague").json
    assert seen["number"] == ticket["number"] and seen["is_client_author"] is False


def test_show_unknown_or_malformed_numbers(tapi: TicketsApi) -> None:
    assert tapi.get("/tickets/999999").status == 404
    assert tapi.get("/tickets/" + "9" * 40).status == 400
    reply = tapi.get("/tickets/abc")
    assert reply.status == 400 and fields_of(reply) == {"ticket_number"}


# --- modify ---------------------------------------------------------------------------------------

def test_modify_sets_and_clears_the_client_details(tapi: TicketsApi) -> None:
    number = tapi.create(client_aliased_name="Ops")["number"]
    changed = tapi.patch(f"/tickets/{number}", {"client_emails": ["a@example.com"]}).json
    assert changed["client_emails"] == ["a@example.com"] and changed["client_aliased_name"] == "Ops"
    cleared = tapi.patch(f"/tickets/{number}", {"client_aliased_name": None, "client_emails": []}).json
    assert cleared["client_aliased_name"] is None and cleared["client_emails"] == []
    assert tapi.get(f"/tickets/{number}").json["client_emails"] == []


@pytest.mark.parametrize("body, field", [
    ({"client_aliased_name": ""}, "client_aliased_name"), ({"client_aliased_name": 3}, "client_aliased_name"),
    ({"client_emails": ["x"]}, "client_emails[0]"), ({"client_emails": None}, "client_emails"),
])
def test_modify_validates(tapi: TicketsApi, body: dict, field: str) -> None:
    number = tapi.create()["number"]
    reply = tapi.patch(f"/tickets/{number}", body)
    assert reply.status == 400 and fields_of(reply) == {field}, reply


# --- close, reopen, evaluate ----------------------------------------------------------------------

def test_close_with_comment_and_score_then_reopen(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    closed = tapi.post(f"/tickets/{number}/close", {"comment": "Works again, thanks", "score": 9}).json
    assert closed["is_closed"] is True and closed["is_resolved"] is True
    assert closed["status"] == {"en": "Closed", "ru": "Закрыта"} and RFC3339.match(closed["closed_at"])
    assert closed["vote"]["score"] == 9 and closed["vote"]["comment"] == "Works again, thanks"
    bodies = [c["body"] for c in tapi.get(f"/tickets/{number}/comments").json["items"]]
    assert bodies[-1] == "Works again, thanks"
    again = tapi.post(f"/tickets/{number}/close", {})
    assert again.status == 409, again
    reopened = tapi.post(f"/tickets/{number}/reopen", {"body": "It broke again"}).json
    assert reopened["is_closed"] is False and reopened["closed_at"] is None
    assert reopened["status"]["en"] == "Open"  # the default follow-up state
    assert reopened["vote"]["score"] == 9
    assert tapi.post(f"/tickets/{number}/reopen", {"body": "twice"}).status == 409
    assert [c["body"] for c in tapi.get(f"/tickets/{number}/comments").json["items"]][-1] == "It broke again"


def test_close_without_body_and_validation(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    for body, field in (({"score": 0}, "score"), ({"score": 11}, "score"), ({"score": "5"}, "score"),
                        ({"score": True}, "score"), ({"comment": ""}, "comment")):
        reply = tapi.post(f"/tickets/{number}/close", body)
        assert reply.status == 400 and fields_of(reply) == {field}, reply
    closed = tapi.post(f"/tickets/{number}/close", raw=b"").json
    assert closed["is_closed"] is True and closed["vote"] is None


def test_reopen_requires_a_body(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    tapi.post(f"/tickets/{number}/close", {})
    for body, field in (({}, "body"), ({"body": ""}, "body"), ({"body": "x" * 50_001}, "body"),
                        ({"body": "x", "files": ["nope"]}, "files[0]")):
        reply = tapi.post(f"/tickets/{number}/reopen", body)
        assert reply.status == 400 and fields_of(reply) == {field}, reply


def test_reopen_where_the_group_takes_no_follow_ups_is_409(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    tapi.post(f"/tickets/{number}/close", {})
    assert tapi.api.put("/api/v1/groups/1", {"follow_up_possible": "new_ticket"}).status == 200
    reply = tapi.post(f"/tickets/{number}/reopen", {"body": "again"})
    assert reply.status == 409 and "new ticket" in reply.json["error"], reply


def test_evaluate_ticket_one_vote_later_ones_replace_it(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    first = tapi.post(f"/tickets/{number}/vote", {"score": 3, "comment": "slow"})
    assert first.status == 200 and first.json["score"] == 3 and first.json["comment"] == "slow"
    assert set(first.json) == {"comment", "created_at", "score"} and RFC3339.match(first.json["created_at"])
    second = tapi.post(f"/tickets/{number}/vote", {"score": 10}).json
    assert second == {"comment": None, "created_at": second["created_at"], "score": 10}
    assert tapi.get(f"/tickets/{number}").json["vote"] == second
    listed = next(t for t in tapi.get("/tickets").json["items"] if t["number"] == number)
    assert listed["vote"]["score"] == 10


@pytest.mark.parametrize("body", [{}, {"score": 0}, {"score": 11}, {"score": 1.5}, {"score": 5, "comment": ""}])
def test_evaluate_ticket_validates(tapi: TicketsApi, body: dict) -> None:
    number = tapi.create()["number"]
    reply = tapi.post(f"/tickets/{number}/vote", body)
    assert reply.status == 400 and fields_of(reply) <= {"score", "comment"} and fields_of(reply), reply
