"""/api/v1/ticket_articles and attachment downloads through HTTP."""
from __future__ import annotations

import pytest

from tests.api.zammad.test_tickets import new_ticket


@pytest.fixture()
def ticket(api):
    return new_ticket(api).json


def test_create_article_as_agent(api, ticket):
    reply = api.post("/api/v1/ticket_articles", {
        "ticket_id": ticket["id"], "to": "", "cc": "", "subject": "some subject", "body": "huhuhuu<br>huhuhuu",
        "content_type": "text/html", "type": "note", "internal": False, "time_unit": "12"}, who="agent")
    assert reply.status == 201, reply
    article = reply.json
    assert article["ticket_id"] == ticket["id"] and article["type"] == "note" and article["sender"] == "Agent"
    assert article["type_id"] == 10 and article["sender_id"] == 1 and article["from"] == "Agent Smith"
    assert article["created_by"] == "agent@example.com" and article["time_unit"] == "12"
    assert article["attachments"] == [] and article["message_id_md5"] is None
    assert api.get(f"/api/v1/ticket_articles/{article['id']}").json == article
    updated = api.get(f"/api/v1/tickets/{ticket['id']}").json
    assert updated["article_count"] == 2 and updated["last_contact_agent_at"] == article["created_at"]
    assert updated["first_response_at"] == article["created_at"]


def test_internal_articles_are_hidden_from_customers(api, ticket):
    internal = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "secret note",
                                                    "internal": True}).json
    assert internal["internal"] is True
    customer_view = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}", who="customer").json
    assert [a["body"] for a in customer_view] == ["some message"]
    denied = api.get(f"/api/v1/ticket_articles/{internal['id']}", who="customer")
    assert denied.status == 403 and denied.json["error"] == "Not authorized"
    assert len(api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}").json) == 2


def test_customer_articles_are_forced(api, ticket):
    reply = api.post("/api/v1/ticket_articles", {
        "ticket_id": ticket["id"], "body": "from the customer", "type": "email", "sender": "Agent",
        "internal": True}, who="customer")
    assert reply.status == 201, reply
    assert (reply.json["sender"], reply.json["type"], reply.json["internal"]) == ("Customer", "note", False)
    web = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "web", "type": "web"},
                   who="customer").json
    assert web["type"] == "web"
    after = api.get(f"/api/v1/tickets/{ticket['id']}").json
    assert after["last_contact_customer_at"] == web["created_at"]


def test_attachment_of_internal_article_is_refused_to_customer(api, ticket):
    article = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "x", "internal": True,
                                                   "attachments": [{"filename": "s.txt", "data": "c2VjcmV0",
                                                                    "mime-type": "text/plain"}]}).json
    url = f"/api/v1/ticket_attachment/{ticket['id']}/{article['id']}/{article['attachments'][0]['id']}"
    assert api.get(url).body == b"secret"
    refused = api.get(url, who="customer")
    assert refused.status == 403 and b"secret" not in refused.body


def test_attachment_path_must_match(api, ticket):
    other = new_ticket(api, title="other").json
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}").json[0]
    reply = api.get(f"/api/v1/ticket_attachment/{other['id']}/{article['id']}/1")
    assert reply.status == 403 and reply.json["error"] == "The article does not belong to the specified ticket."
    reply = api.get(f"/api/v1/ticket_attachment/{ticket['id']}/{article['id']}/999")
    assert reply.status == 403 and reply.json["error"] == "The file does not belong to the specified article."
    assert api.get("/api/v1/ticket_attachment/1/999999/1").status == 404


def test_article_errors(api, ticket):
    assert api.post("/api/v1/ticket_articles", {"body": "x"}).status == 422
    assert api.post("/api/v1/ticket_articles", {"ticket_id": 999999, "body": "x"}).status == 404
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"]})
    assert reply.status == 422 and reply.json["error"] == "Need at least an 'article body' field."
    assert api.get("/api/v1/ticket_articles/999999").json["error"] == \
        "Couldn't find Ticket::Article with 'id'=999999"
    assert api.get("/api/v1/ticket_articles/by_ticket/999999").status == 404


def test_follow_up_rules(api, ticket):
    closed = api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "closed"}).json
    assert closed["state_id"] == 4 and closed["close_at"] is not None
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "it broke again"},
                     who="customer")
    assert reply.status == 201
    assert api.get(f"/api/v1/tickets/{ticket['id']}").json["state_id"] == 2  # reopened: default follow-up

    from chalicelib import bootstrap
    catalog = bootstrap.container().catalog_store
    group = catalog.snapshot().groups[0]
    group.follow_up_possible = "new_ticket"
    catalog.put_group(group)
    api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "closed"})
    refused = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "again"}, who="customer")
    assert refused.status == 422
    assert refused.json["error"] == "Cannot follow-up on a closed ticket. Please create a new ticket."
    assert api.get(f"/api/v1/tickets/{ticket['id']}").json["article_count"] == 2
    assert api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "agent note"},
                    who="agent").status == 201
