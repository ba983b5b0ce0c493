"""Mass assignment and size limits: what a client may not set, and what it may not send.

Protected fields in a body are ignored (as Zammad's strong parameters drop them) or refused; the
stored values are always the server's. Oversized, overfull, too deeply nested or wrongly typed
bodies are refused in Zammad's error shape and leave nothing behind: no item, no object.
"""
from __future__ import annotations

import base64
import json

import pytest

from chalicelib import bootstrap
from chalicelib.core.model import ROLE_AGENT, ROLE_CUSTOMER
from tests.api.zammad.test_permissions import add_group, add_org, add_user
from tests.security import bucket_keys, stored, ticket_version
from tests.security.test_matrix import zammad_refusal

LONG_AGO = "2000-01-01T00:00:00.000Z"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def attachment(size: int, name: str = "file.bin") -> dict:
    return {"filename": name, "data": b64(b"x" * size), "mime-type": "application/octet-stream"}


def new_ticket_body(**overrides) -> dict:
    body = {"title": "mass assignment", "group": "Users", "customer": "nicole.braun@example.com",
            "article": {"subject": "s", "body": "hello", "type": "note"}}
    body.update(overrides)
    return body


def refused(reply, status: int, message: str | None = None) -> None:
    assert reply.status == status, reply
    assert not zammad_refusal(reply, message), zammad_refusal(reply, message)


def stored_ticket(ticket_id: int):
    ticket = bootstrap.container().tickets.tickets.get(ticket_id)
    assert ticket is not None
    return ticket


# --- protected ticket fields ------------------------------------------------------------------

def test_create_ignores_protected_ticket_fields(api):
    victim = api.get("/api/v1/tickets/1").json
    admin_id, customer_id = api.credentials["admin"]["id"], api.credentials["customer"]["id"]
    me_before = api.get("/api/v1/users/me").json
    reply = api.post("/api/v1/tickets", new_ticket_body(
        id=1, number=victim["number"], created_by_id=customer_id, updated_by_id=customer_id,
        created_at=LONG_AGO, updated_at=LONG_AGO, article_count=42, article_ids=[1, 999],
        role_ids=[1, 2, 3], group_ids={"1": ["full"], "99": ["full"]}, version=77,
        ticket_time_accounting_ids=[5], escalation_at=LONG_AGO, close_at=LONG_AGO, first_response_at=LONG_AGO,
        create_article_sender_id=2, create_article_type_id=1, last_contact_at=LONG_AGO))
    assert reply.status == 201, reply
    created = reply.json
    assert created["id"] != 1 and created["number"] != victim["number"]
    shown = api.get(f"/api/v1/tickets/{created['id']}").json
    for ticket in (created, shown):
        assert ticket["created_by_id"] == admin_id and ticket["updated_by_id"] == admin_id
        assert ticket["created_at"] != LONG_AGO and ticket["updated_at"] != LONG_AGO
        assert ticket["article_count"] == 1
        assert ticket["close_at"] is None and ticket["first_response_at"] is None
        assert ticket["last_contact_at"] != LONG_AGO
        assert (ticket["create_article_sender_id"], ticket["create_article_type_id"]) == (1, 10)
    assert len(created["article_ids"]) == 1 and created["article_ids"][0] not in (1, 999)
    assert api.get(f"/api/v1/ticket_articles/{created['article_ids'][0]}").json["ticket_id"] == created["id"]
    assert api.get("/api/v1/ticket_articles/1").json["ticket_id"] == 1
    assert created["ticket_time_accounting_ids"] == []
    assert ticket_version(created["id"]) == 1
    assert api.get("/api/v1/tickets/1").json == victim  # the ticket whose id and number were claimed
    me_after = api.get("/api/v1/users/me").json
    assert (me_after["role_ids"], me_after["group_ids"]) == (me_before["role_ids"], me_before["group_ids"])


def test_customer_create_cannot_choose_customer_owner_or_organization(api):
    other = add_org("Other Inc", shared=True)
    customer = api.credentials["customer"]
    me_before = api.get("/api/v1/users/me", who="customer").json
    reply = api.post("/api/v1/tickets", new_ticket_body(
        customer=None, customer_id=api.credentials["admin"]["id"], owner_id=api.credentials["agent"]["id"],
        organization_id=other.id, preferences={"channel_id": 9, "escalation": "none"},
        role_ids=[1, 2], group_ids={"1": ["full"]}, created_by_id=api.credentials["admin"]["id"]),
        who="customer")
    assert reply.status == 201, reply
    ticket = api.get(f"/api/v1/tickets/{reply.json['id']}").json
    assert ticket["customer_id"] == customer["id"] and ticket["owner_id"] == 1
    assert ticket["organization_id"] == me_before["organization_id"] != other.id
    assert ticket["created_by_id"] == customer["id"] and ticket["preferences"] == {}
    # a customer hash naming someone else is ignored too
    hashed = api.post("/api/v1/tickets", new_ticket_body(customer={"email": "admin@example.com"}), who="customer")
    assert hashed.status == 201 and hashed.json["customer_id"] == customer["id"]
    me_after = api.get("/api/v1/users/me", who="customer").json
    assert (me_after["role_ids"], me_after["group_ids"]) == ([ROLE_CUSTOMER], {})
    assert api.get("/api/v1/groups", who="customer").status == 403


def test_customer_update_ignores_protected_fields(api):
    other_org = add_org("Other Inc", shared=True)
    secret = add_group("Secret")
    customer_id = api.credentials["customer"]["id"]
    mine = api.post("/api/v1/tickets", new_ticket_body(), who="customer").json
    other = api.get("/api/v1/tickets/1").json
    other_articles = api.get("/api/v1/ticket_articles/by_ticket/1").json
    before = api.get(f"/api/v1/tickets/{mine['id']}").json
    version = ticket_version(mine["id"])
    reply = api.put(f"/api/v1/tickets/{mine['id']}", {
        "title": "changed by the customer", "id": other["id"], "number": other["number"],
        "created_by_id": api.credentials["admin"]["id"], "updated_by_id": api.credentials["admin"]["id"],
        "created_at": LONG_AGO, "updated_at": LONG_AGO, "article_count": 99,
        "article_ids": [a["id"] for a in other_articles], "organization_id": other_org.id,
        "customer_id": api.credentials["admin"]["id"], "owner_id": api.credentials["agent"]["id"],
        "group_id": secret.id, "version": 0, "role_ids": [1], "group_ids": {str(secret.id): ["full"]},
        "preferences": {"escalation": "none"}, "close_at": LONG_AGO,
    }, who="customer")
    assert reply.status == 200, reply
    after = api.get(f"/api/v1/tickets/{mine['id']}").json
    assert after["title"] == "changed by the customer"
    unchanged = ("id", "number", "created_by_id", "created_at", "article_count", "organization_id", "customer_id",
                 "owner_id", "group_id", "preferences", "close_at")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert after["updated_by_id"] == customer_id and after["updated_at"] != LONG_AGO
    assert reply.json["article_ids"] == mine["article_ids"]
    assert ticket_version(mine["id"]) == version + 1  # the server's version, not the client's 0
    assert api.get("/api/v1/tickets/1").json == other
    assert api.get("/api/v1/ticket_articles/by_ticket/1").json == other_articles
    me = api.get("/api/v1/users/me", who="customer").json
    assert (me["role_ids"], me["group_ids"]) == ([ROLE_CUSTOMER], {})


def test_agent_update_ignores_bookkeeping_and_foreign_organization(api):
    other_org = add_org("Other Inc", shared=True)
    ticket = api.post("/api/v1/tickets", new_ticket_body()).json
    before = api.get(f"/api/v1/tickets/{ticket['id']}").json
    version = ticket_version(ticket["id"])
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {
        "note": "agent note", "id": 1, "number": "45001", "created_by_id": 1, "created_at": LONG_AGO,
        "article_count": 0, "article_ids": [], "version": version + 10, "organization_id": other_org.id,
        "role_ids": [1], "group_ids": {"1": ["full"], "2": ["full"]},
    }, who="agent")
    assert reply.status in (200, 422), reply  # Zammad ignores or refuses an organization the customer lacks
    after = api.get(f"/api/v1/tickets/{ticket['id']}").json
    kept = ("id", "number", "created_by_id", "created_at", "article_count", "organization_id", "customer_id")
    assert {k: after[k] for k in kept} == {k: before[k] for k in kept}
    assert ticket_version(ticket["id"]) in (version, version + 1)
    me = api.get("/api/v1/users/me", who="agent").json
    assert (me["role_ids"], me["group_ids"]) == ([ROLE_AGENT], {"1": ["full"]})


def test_update_article_cannot_be_redirected_to_another_ticket(api):
    mine = api.post("/api/v1/tickets", new_ticket_body(), who="customer").json
    other_org = add_org("Other Inc", shared=True)
    add_user(api, "stranger", "stranger@other.example", [ROLE_CUSTOMER], organization_id=other_org.id)
    theirs = api.post("/api/v1/tickets", new_ticket_body(title="theirs"), who="stranger").json
    theirs_before = api.get(f"/api/v1/tickets/{theirs['id']}").json
    reply = api.put(f"/api/v1/tickets/{mine['id']}",
                    {"article": {"body": "where does this go", "ticket_id": theirs["id"]}}, who="customer")
    assert reply.status == 200, reply
    assert reply.json["article_count"] == 2
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{mine['id']}").json
    assert articles[-1]["body"] == "where does this go" and articles[-1]["ticket_id"] == mine["id"]
    assert api.get(f"/api/v1/tickets/{theirs['id']}").json == theirs_before


# --- protected article fields ---------------------------------------------------------------------

def test_article_create_ignores_protected_fields(api):
    customer_id, agent_id = api.credentials["customer"]["id"], api.credentials["agent"]["id"]
    mine = api.post("/api/v1/tickets", new_ticket_body(), who="customer").json
    victim_article = api.get("/api/v1/ticket_articles/by_ticket/1").json[0]
    reply = api.post("/api/v1/ticket_articles", {
        "ticket_id": mine["id"], "body": "customer words", "id": victim_article["id"],
        "created_by_id": agent_id, "updated_by_id": agent_id, "origin_by_id": agent_id,
        "created_at": LONG_AGO, "updated_at": LONG_AGO,
        "sender": "Agent", "sender_id": 1, "type": "email", "type_id": 1, "internal": True,
    }, who="customer")
    assert reply.status == 201, reply
    article = reply.json
    assert article["id"] != victim_article["id"] and article["ticket_id"] == mine["id"]
    assert article["created_by_id"] == customer_id and article["updated_by_id"] == customer_id
    assert article["origin_by_id"] in (None, customer_id)
    assert article["created_at"] != LONG_AGO
    assert (article["sender"], article["sender_id"], article["type"], article["internal"]) == \
        ("Customer", 2, "note", False)
    assert api.get(f"/api/v1/ticket_articles/{article['id']}").json == article
    assert api.get(f"/api/v1/ticket_articles/{victim_article['id']}").json == victim_article
    # sender_id alone (without the name) is forced as well
    by_id = api.post("/api/v1/ticket_articles", {"ticket_id": mine["id"], "body": "again", "sender_id": 1,
                                                 "internal": "true"}, who="customer").json
    assert (by_id["sender"], by_id["internal"]) == ("Customer", False)


SPOOFED_FROM = "Agent Smith <agent@example.com>"


def test_customer_cannot_spoof_the_article_author(api):
    created = api.post("/api/v1/tickets", new_ticket_body(article={"body": "hello", "from": SPOOFED_FROM}),
                       who="customer")
    assert created.status == 201, created
    first = api.get(f"/api/v1/ticket_articles/{created.json['article_ids'][0]}").json
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": created.json["id"], "body": "reply", "type": "web",
                                                 "from": SPOOFED_FROM}, who="customer")
    assert reply.status == 201, reply
    for article in (first, reply.json):
        assert article["from"] != SPOOFED_FROM and "Nicole" in article["from"], article["from"]


def test_customer_cannot_account_time(api):
    mine = api.post("/api/v1/tickets", new_ticket_body(), who="customer").json
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": mine["id"], "body": "bill this", "time_unit": "500"},
                     who="customer")
    assert reply.status in (201, 403), reply
    if reply.status == 201:
        assert reply.json["time_unit"] is None
    assert api.get(f"/api/v1/tickets/{mine['id']}").json["time_unit"] is None


def test_article_for_a_ticket_the_caller_cannot_access_is_refused(api):
    secret = add_group("Secret")
    org = add_org("Other Inc", shared=True)
    add_user(api, "stranger", "stranger@other.example", [ROLE_CUSTOMER], organization_id=org.id)
    add_user(api, "outsider_agent", "outsider.agent@example.com", [ROLE_AGENT], {str(secret.id): ["full"]})
    add_user(api, "reader", "reader@example.com", [ROLE_AGENT], {"1": ["read"]})
    victim = api.post("/api/v1/tickets", new_ticket_body()).json
    before = stored()
    for who in ("stranger", "outsider_agent", "reader"):
        for ticket_id in (victim["id"], str(victim["id"])):
            reply = api.post("/api/v1/ticket_articles", {
                "ticket_id": ticket_id, "body": "planted", "internal": False,
                "attachments": [attachment(10, "planted.txt")]}, who=who)
            refused(reply, 403)
            assert b"planted" not in reply.body and b"hello" not in reply.body
    assert stored() == before
    assert api.get(f"/api/v1/tickets/{victim['id']}").json["article_count"] == 1


# --- size limits and malformed bodies -----------------------------------------------------------

BODY_LIMIT, ATTACHMENT_LIMIT, ATTACHMENTS_LIMIT = 8192, 1024, 3


@pytest.fixture()
def limited_api(monkeypatch, request):
    """The api with small limits, set in the environment before the container reads its settings."""
    from chalicelib import settings
    monkeypatch.setenv("HELPDESK_MAX_BODY_BYTES", str(BODY_LIMIT))
    monkeypatch.setenv("HELPDESK_MAX_ATTACHMENT_BYTES", str(ATTACHMENT_LIMIT))
    monkeypatch.setenv("HELPDESK_MAX_ATTACHMENTS", str(ATTACHMENTS_LIMIT))
    settings.reset()
    bootstrap.reset()
    api = request.getfixturevalue("api")
    current = bootstrap.container().settings
    assert (current.max_body_bytes, current.max_attachment_bytes, current.max_attachments) == \
        (BODY_LIMIT, ATTACHMENT_LIMIT, ATTACHMENTS_LIMIT)
    yield api
    settings.reset()
    bootstrap.reset()


def writes(ticket_id: int) -> list[tuple[str, str, dict]]:
    """The three ways to write an article: with a new ticket, on an update, as an article."""
    return [
        ("POST", "/api/v1/tickets", {}),
        ("PUT", f"/api/v1/tickets/{ticket_id}", {}),
        ("POST", "/api/v1/ticket_articles", {"ticket_id": ticket_id}),
    ]


def article_request(method: str, path: str, extra: dict, article: dict) -> dict:
    if path == "/api/v1/ticket_articles":
        return {**extra, **article}
    if method == "PUT":
        return {"article": article}
    return new_ticket_body(article=article)


def test_body_over_the_limit_is_413(limited_api):
    api = limited_api
    before = stored()
    big = "y" * (BODY_LIMIT + 1)
    for method, path, extra in writes(1):
        reply = api.request(method, path, article_request(method, path, extra, {"body": big}))
        refused(reply, 413)
        assert big[:100] not in reply.body.decode()
    form = f"title=x&group=Users&customer=nicole.braun@example.com&article[body]={big}".encode()
    reply = api.post("/api/v1/tickets", raw=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    refused(reply, 413)
    assert stored() == before
    # just under the limit is fine
    fits = api.post("/api/v1/tickets", new_ticket_body(article={"body": "z" * (BODY_LIMIT - 300)}))
    assert fits.status == 201, fits


def test_attachment_over_the_limit_is_413(limited_api):
    api = limited_api
    before = stored()
    for method, path, extra in writes(1):
        body = article_request(method, path, extra, {"body": "with a big file",
                                                     "attachments": [attachment(2 * ATTACHMENT_LIMIT)]})
        assert len(json.dumps(body)) < BODY_LIMIT  # the attachment, not the body, is too large
        refused(api.request(method, path, body), 413)
        # a small attachment before the big one is not written either
        body = article_request(method, path, extra, {"body": "small then big", "attachments": [
            attachment(10, "small.txt"), attachment(ATTACHMENT_LIMIT + 100)]})
        refused(api.request(method, path, body), 413)
    assert stored() == before
    exact = api.post("/api/v1/tickets", new_ticket_body(
        article={"body": "exactly at the limit", "attachments": [attachment(ATTACHMENT_LIMIT)]}))
    assert exact.status == 201, exact


def test_attachment_one_byte_over_the_limit_is_413(limited_api):
    api = limited_api
    before = stored()
    reply = api.post("/api/v1/tickets", new_ticket_body(
        article={"body": "one byte too many", "attachments": [attachment(ATTACHMENT_LIMIT + 1)]}))
    refused(reply, 413)
    assert stored() == before


def test_too_many_attachments_is_422(limited_api):
    api = limited_api
    before = stored()
    files = [attachment(10, f"f{i}.txt") for i in range(ATTACHMENTS_LIMIT + 1)]
    for method, path, extra in writes(1):
        refused(api.request(method, path, article_request(method, path, extra, {"body": "many", "attachments": files})),
                422)
    assert stored() == before
    ok = api.post("/api/v1/tickets", new_ticket_body(
        article={"body": "as many as allowed", "attachments": files[:ATTACHMENTS_LIMIT]}))
    assert ok.status == 201 and len(bucket_keys(f"tickets/{ok.json['id']}/")) == ATTACHMENTS_LIMIT


def inline_images(count: int, size: int) -> str:
    image = b64(b"\x89PNG" + b"i" * (size - 4))
    return "<p>look</p>" + "".join(f'<img src="data:image/png;base64,{image}">' for _ in range(count))


def test_inline_images_count_against_the_attachment_limit(limited_api):
    api = limited_api
    before = stored()
    reply = api.post("/api/v1/tickets", new_ticket_body(
        article={"body": inline_images(ATTACHMENTS_LIMIT + 2, 8), "content_type": "text/html"}))
    refused(reply, 422)
    assert stored() == before


def test_inline_image_over_the_size_limit_is_413(limited_api):
    api = limited_api
    before = stored()
    reply = api.post("/api/v1/tickets", new_ticket_body(
        article={"body": inline_images(1, 3 * ATTACHMENT_LIMIT), "content_type": "text/html"}))
    refused(reply, 413)
    assert stored() == before


def test_deeply_nested_json_is_422(api):
    before = stored()
    nested: object = "bottom"
    for _ in range(40):
        nested = {"n": nested}
    refused(api.post("/api/v1/tickets", new_ticket_body(preferences=nested)), 422)
    refused(api.put("/api/v1/tickets/1", {"preferences": nested}), 422)
    refused(api.post("/api/v1/ticket_articles", {"ticket_id": 1, "body": "x", "preferences": nested}), 422)
    # deeper than the JSON parser's recursion limit: still a 422, not a 500
    refused(api.post("/api/v1/tickets", raw=b"[" * 100_000 + b"]" * 100_000), 422)
    refused(api.post("/api/v1/tickets", raw=b'{"a":' * 50_000 + b"1" + b"}" * 50_000), 422)
    form = "title=x&group=Users&article[body]=x&preferences" + "[a]" * 40 + "=1"
    refused(api.post("/api/v1/tickets", raw=form.encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded"}), 422)
    assert stored() == before


WRONG_TICKET_BODIES = [
    new_ticket_body(title=["list"]),
    new_ticket_body(title={"a": 1}),
    new_ticket_body(group={"name": "Users"}),
    new_ticket_body(group=None, group_id="abc"),
    new_ticket_body(group=None, group_id=True),
    new_ticket_body(state_id=[1]),
    new_ticket_body(priority=3.5),
    new_ticket_body(owner_id=[]),
    new_ticket_body(customer=None, customer_id={"id": 2}),
    new_ticket_body(customer=5),
    new_ticket_body(pending_time="tomorrow"),
    new_ticket_body(pending_time=12.5),
    new_ticket_body(preferences="x"),
    new_ticket_body(note=["x"]),
    new_ticket_body(article="just a string"),
    new_ticket_body(article=["body"]),
    new_ticket_body(article={"body": {"html": "x"}}),
    new_ticket_body(article={"body": "x", "internal": "maybe"}),
    new_ticket_body(article={"body": "x", "attachments": {"filename": "a"}}),
    new_ticket_body(article={"body": "x", "attachments": ["not an object"]}),
    new_ticket_body(article={"body": "x", "attachments": [{"filename": "a", "data": 123, "mime-type": "t/p"}]}),
    new_ticket_body(article={"body": "x", "attachments": [{"filename": ["a"], "data": "eA==", "mime-type": "t/p"}]}),
    new_ticket_body(article={"body": "x", "attachments": [{"filename": "a", "data": "!!!", "mime-type": "t/p"}]}),
    new_ticket_body(article={"body": "x", "time_unit": "abc"}),
    new_ticket_body(article={"body": "x", "preferences": ["x"]}),
    new_ticket_body(article={"body": "x", "type": {"name": "note"}}),
    [], "a string", None, 42,
]
WRONG_ARTICLE_BODIES = [
    {"ticket_id": [1], "body": "x"}, {"ticket_id": True, "body": "x"}, {"ticket_id": {"id": 1}, "body": "x"},
    {"ticket_id": 1.5, "body": "x"}, {"ticket_id": "one", "body": "x"}, {"ticket_id": 1, "body": ["x"]},
    {"ticket_id": 1, "body": "x", "internal": {"a": 1}}, [], "x",
]


def test_wrong_types_are_422(api):
    before = stored()
    problems = []

    def expect_422(method, path, body=None, raw=None):
        reply = api.request(method, path, body, raw=raw)
        found = ([] if reply.status == 422 else [f"status {reply.status}"]) + zammad_refusal(reply)
        problems.extend(f"{method} {path} {(raw or json.dumps(body))[:120]!r}: {p}" for p in found)

    for body in WRONG_TICKET_BODIES:
        expect_422("POST", "/api/v1/tickets", body)
        if isinstance(body, dict):
            expect_422("PUT", "/api/v1/tickets/1", body)
    for body in WRONG_ARTICLE_BODIES:
        expect_422("POST", "/api/v1/ticket_articles", body)
    for raw in (b"{", b"\xff\xfe not utf-8", b'{"title": "x",}', b"null"):
        expect_422("POST", "/api/v1/tickets", raw=raw)
    expect_422("GET", "/api/v1/tickets?per_page=abc")
    expect_422("GET", "/api/v1/tickets/search?query=x&limit=abc")
    assert not problems, "\n".join(problems)
    assert stored() == before
