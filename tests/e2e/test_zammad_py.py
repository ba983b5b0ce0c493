"""The real Zammad client, zammad_py, against the real local server: what an integration would do."""
from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from requests.exceptions import HTTPError
from zammad_py import ZammadAPI

pytestmark = pytest.mark.e2e


def create(client: ZammadAPI, customer_email: str, title: str, **article) -> dict:
    return client.ticket.create(params={
        "title": title, "group": "Users", "customer": customer_email,
        "article": {"subject": title, "body": f"body of {title}", "type": "note", "internal": False, **article},
    })


def test_create_with_attachment_and_download(client, customer_email):
    payload = b"zammad_py attachment \x00\x01\x02 " * 50
    ticket = create(client, customer_email, "zammad_py attachment", attachments=[
        {"filename": "data.bin", "data": base64.b64encode(payload).decode(), "mime-type": "application/octet-stream"}])
    assert ticket["id"] and ticket["article_count"] == 1
    articles = client.ticket.articles(ticket["id"])
    attachment = articles[0]["attachments"][0]
    assert attachment["filename"] == "data.bin" and attachment["size"] == str(len(payload))
    content = client.ticket_article_attachment.download(attachment["id"], articles[0]["id"], ticket["id"])
    assert content == payload


def test_pagination_stops_at_the_short_page(client, customer_email):
    for index in range(7):
        create(client, customer_email, f"paging {index}")
    total = len(requests.get(client.url + "tickets?per_page=100", auth=client.session.auth).json())
    tickets = client.ticket  # each access builds a new resource object
    tickets.per_page = 3
    page = tickets.all()
    seen = []
    while True:
        seen += [t["id"] for t in page]
        assert page.is_last_page() or len(page) == 3
        if page.is_last_page():
            break
        page = page.next_page()
    assert len(seen) == len(set(seen)) == total
    assert seen == sorted(seen)
    past_the_end = client.ticket.all(page=100)
    assert list(past_the_end) == []
    assert all(t["group"] == "Users" for t in client.ticket.all(page=1))  # zammad_py asks for expand=true


def test_search_update_and_delete(client, customer_email):
    ticket = create(client, customer_email, "zammad_py quixotic search")
    found = client.ticket.search("quixotic")
    assert [t["id"] for t in found] == [ticket["id"]]
    updated = client.ticket.update(ticket["id"], {"state": "open", "priority": "3 high",
                                                  "article": {"body": "an update", "internal": True}})
    assert updated["state_id"] == 2 and updated["priority_id"] == 3 and updated["article_count"] == 2
    shown = client.ticket.find(ticket["id"])
    assert shown["title"] == "zammad_py quixotic search"
    article = client.ticket_article.create({"ticket_id": ticket["id"], "body": "via ticket_article"})
    assert article["sender"] == "Agent"
    assert client.ticket.destroy(ticket["id"]) == {}
    with pytest.raises(HTTPError):
        client.ticket.find(ticket["id"])


def test_me_states_priorities_and_token_auth(client, live_server):
    assert client.user.me()["email"] == live_server.credentials["admin"]["email"]
    assert [s["name"] for s in client.ticket_state.all()][:2] == ["new", "open"]
    assert [p["name"] for p in client.ticket_priority.all()] == ["1 low", "2 normal", "3 high"]
    raw = client.session.post(client.url + "user_access_token",
                              json={"label": "e2e", "permission": ["ticket.agent"]}).json()["name"]
    by_token = ZammadAPI(url=live_server.base_url + "/", http_token=raw)
    assert by_token.user.me()["id"] == client.user.me()["id"]
    listed = client.session.get(client.url + "user_access_token").json()["tokens"]
    token_id = next(t["id"] for t in listed if t["label"] == "e2e")
    assert client.session.delete(client.url + f"user_access_token/{token_id}").json() == {}
    with pytest.raises(HTTPError, match="Can't find User for Token"):
        by_token.user.me()  # a deleted token stops working at once


def test_customer_client_sees_only_own_tickets(client, live_server, customer_email):
    email, password = live_server.auth("customer")
    customer = ZammadAPI(url=live_server.base_url + "/", username=email, password=password)
    mine = customer.ticket.create(params={"title": "customer via zammad_py", "group": "Users",
                                          "article": {"body": "hello"}})
    assert mine["customer_id"] == live_server.credentials["customer"]["id"]
    agent_email, _ = live_server.auth("agent")
    on_behalf = ZammadAPI(url=live_server.base_url + "/", username=live_server.auth("admin")[0],
                          password=live_server.auth("admin")[1], on_behalf_of=email)
    assert on_behalf.user.me()["email"] == email
    assert all(t["customer_id"] == mine["customer_id"] for t in customer.ticket.all())
    with pytest.raises(HTTPError):
        customer.ticket.destroy(mine["id"])
    assert agent_email


def test_parallel_creates_get_distinct_ids_and_numbers(live_server, customer_email):
    email, password = live_server.auth("admin")

    def one(index: int) -> tuple[int, str]:
        reply = requests.post(live_server.base_url + "/tickets", auth=(email, password), timeout=30, json={
            "title": f"parallel {index}", "group": "Users", "customer": customer_email,
            "article": {"body": "x"}})
        assert reply.status_code == 201, reply.text
        return reply.json()["id"], reply.json()["number"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(one, range(50)))
    assert len({r[0] for r in results}) == 50 and len({r[1] for r in results}) == 50
