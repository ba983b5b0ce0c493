"""Tickets API comments (TAPI-08..11), read state, and the round trip with agents on /api/v1."""
from __future__ import annotations

import pytest

from tests.api.otrs.test_tickets import add_customer
from tests.api.tickets_api.conftest import TicketsApi, fields_of

COMMENT_FIELDS = {"files", "body", "id", "is_client_author", "is_client_read", "sent_at", "splitted_at",
                  "splitted_to_ticket_number", "vote"}


def ticket_id(tapi: TicketsApi, number: int) -> int:
    """The core id an agent addresses the ticket by in /api/v1."""
    found = tapi.api.get(f"/api/v1/tickets/search?query={number}", who="agent").json
    assert len(found) == 1 and found[0]["number"] == str(number), found
    return found[0]["id"]


def agent_reply(tapi: TicketsApi, number: int, body: str, internal: bool = False) -> dict:
    reply = tapi.api.post("/api/v1/ticket_articles", {"ticket_id": ticket_id(tapi, number), "body": body,
                                                      "type": "note", "internal": internal}, who="agent")
    assert reply.status == 201, reply
    return reply.json


def test_create_comment_and_find_it_by_id(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    created = tapi.post(f"/tickets/{number}/comments", {"body": "my second comment"})
    assert created.status == 200, created
    comment = created.json
    assert set(comment) == COMMENT_FIELDS
    assert comment["body"] == "my second comment" and comment["files"] == [] and comment["vote"] is None
    assert comment["is_client_author"] is True and comment["is_client_read"] is True
    assert comment["splitted_at"] is None and comment["splitted_to_ticket_number"] is None
    assert tapi.get(f"/comments/{comment['id']}").json == comment
    items = tapi.get(f"/tickets/{number}/comments").json["items"]
    assert [c["body"] for c in items] == ["Nothing answers on port 443.", "my second comment"]


@pytest.mark.parametrize("body, field", [
    ({}, "body"), ({"body": ""}, "body"), ({"body": " \n "}, "body"), ({"body": "x" * 50_001}, "body"),
    ({"body": 7}, "body"), ({"body": "x", "files": []}, "files"), ({"body": "x", "files": "a"}, "files"),
])
def test_create_comment_validates(tapi: TicketsApi, body: dict, field: str) -> None:
    number = tapi.create()["number"]
    reply = tapi.post(f"/tickets/{number}/comments", body)
    assert reply.status == 400 and fields_of(reply) == {field}, reply


def test_a_comment_on_a_closed_ticket_reopens_it(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    tapi.post(f"/tickets/{number}/close", {})
    assert tapi.post(f"/tickets/{number}/comments", {"body": "one more thing"}).status == 200
    assert tapi.get(f"/tickets/{number}").json["is_closed"] is False


def test_comments_of_unknown_or_hidden_tickets_and_comments_are_404(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    mine = tapi.get(f"/tickets/{number}/comments").json["items"][0]
    add_customer(tapi.api, "stranger", "stranger@elsewhere.org")
    assert tapi.get(f"/comments/{mine['id']}", who="stranger").status == 404
    assert tapi.post(f"/comments/{mine['id']}/vote", {"score": 1}, who="stranger").status == 404
    assert tapi.get("/comments/987654").status == 404
    assert tapi.get("/tickets/987654/comments").status == 404
    reply = tapi.get("/comments/first")
    assert reply.status == 400 and fields_of(reply) == {"comment_id"}


def test_agents_public_reply_is_a_comment_an_internal_note_never(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    public = agent_reply(tapi, number, "We are restarting the host.")
    internal = agent_reply(tapi, number, "Customer's disk is faulty, do not tell yet.", internal=True)
    ticket = tapi.get(f"/tickets/{number}").json
    assert ticket["is_client_read"] is False  # an agent's reply the client has not seen
    first = tapi.get(f"/tickets/{number}/comments").json["items"]
    assert [c["id"] for c in first][-1] == public["id"] and internal["id"] not in [c["id"] for c in first]
    reply = first[-1]
    assert reply["body"] == "We are restarting the host." and reply["is_client_author"] is False
    assert reply["is_client_read"] is False  # as it was when shown ...
    again = tapi.get(f"/tickets/{number}/comments").json["items"]
    assert again[-1]["is_client_read"] is True  # ... and seen from then on
    assert tapi.get(f"/tickets/{number}").json["is_client_read"] is True
    assert tapi.get(f"/comments/{internal['id']}").status == 404
    assert tapi.post(f"/comments/{internal['id']}/vote", {"score": 1}).status == 404
    assert not [t for t in tapi.get("/tickets?q=faulty").json["items"] if t["number"] == number]


def test_fetching_one_comment_marks_it_read(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    public = agent_reply(tapi, number, "Fixed.")
    assert tapi.get(f"/comments/{public['id']}").json["is_client_read"] is False
    assert tapi.get(f"/comments/{public['id']}").json["is_client_read"] is True
    assert tapi.get(f"/tickets/{number}").json["is_client_read"] is True


def test_evaluate_comment_plus_or_minus_one_later_votes_replace(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    public = agent_reply(tapi, number, "Try rebooting.")
    first = tapi.post(f"/comments/{public['id']}/vote", {"score": -1, "comment": "did not help"})
    assert first.status == 200 and first.json["score"] == -1 and first.json["comment"] == "did not help"
    second = tapi.post(f"/comments/{public['id']}/vote", {"score": 1}).json
    assert second["score"] == 1 and second["comment"] is None
    assert tapi.get(f"/comments/{public['id']}").json["vote"] == second
    listed = tapi.get(f"/tickets/{number}/comments").json["items"]
    assert [c["vote"] for c in listed] == [None, second]
    assert tapi.get(f"/tickets/{number}").json["vote"] is None  # the ticket's own vote is separate


@pytest.mark.parametrize("body", [{}, {"score": 0}, {"score": 2}, {"score": -2}, {"score": "1"},
                                  {"score": 1, "comment": ""}])
def test_evaluate_comment_validates(tapi: TicketsApi, body: dict) -> None:
    number = tapi.create()["number"]
    comment_id = tapi.get(f"/tickets/{number}/comments").json["items"][0]["id"]
    reply = tapi.post(f"/comments/{comment_id}/vote", body)
    assert reply.status == 400 and fields_of(reply) and fields_of(reply) <= {"score", "comment"}, reply


def test_round_trip_with_an_agent_on_api_v1(tapi: TicketsApi) -> None:
    """Created here with a file: the agent sees the article and its bytes; the agent's reply comes back."""
    data = b"%PDF-1.4 fake invoice bytes"
    upload = tapi.upload(data, "invoice.pdf", "application/pdf")
    ticket = tapi.create("Wrong invoice", "See the attached invoice.", files=[upload["id"]])
    tid = ticket_id(tapi, ticket["number"])
    articles = tapi.api.get(f"/api/v1/ticket_articles/by_ticket/{tid}", who="agent").json
    assert [a["body"] for a in articles] == ["See the attached invoice."]
    assert articles[0]["sender"] == "Customer" and articles[0]["internal"] is False
    attachment = articles[0]["attachments"][0]
    assert attachment["filename"] == "invoice.pdf" and attachment["size"] == str(len(data))
    download = tapi.api.get(f"/api/v1/ticket_attachment/{tid}/{articles[0]['id']}/{attachment['id']}", who="agent")
    assert download.status == 200 and download.body == data
    agent_reply(tapi, ticket["number"], "A corrected invoice is on its way.")
    update = tapi.api.put(f"/api/v1/tickets/{tid}", {"state": "pending close"}, who="agent")
    assert update.status == 200, update
    comments = tapi.get(f"/tickets/{ticket['number']}/comments").json["items"]
    assert comments[0]["files"] == [{"id": upload["id"], "name": "invoice.pdf", "size": len(data),
                                     "content_type": "application/pdf"}]
    assert comments[-1]["body"] == "A corrected invoice is on its way."
    assert tapi.get(f"/tickets/{ticket['number']}").json["status"] == {"en": "Pending close", "ru": "Ожидает закрытия"}
