"""The security matrix of the OTRS customer interface: every CUSTOMER route of test_matrix.ACCESS,
called without a token, with an agent's token, with a revoked token and by a customer of another
organization — refused in OTRS's shape, learning nothing, changing nothing; and a customer never
sees an internal article or its attachment through this dialect."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import pytest

from chalicelib.core.model import ROLE_CUSTOMER
from tests.api.otrs.conftest import PREFIX, Otrs, otrs  # noqa: F401  (fixture)
from tests.api.zammad.test_permissions import add_org, add_user
from tests.security.test_matrix import ACCESS, CUSTOMER, refusal_problems

TITLE, BODY, INTERNAL = "qzotrstitle secret plan", "qzotrsbody public words", "qzotrsinternal words"
BYTES, INTERNAL_BYTES = b"qzotrsfilebytes", b"qzotrsinternalbytes"
FORM = "qzform-1@localhost"


@dataclass
class World:
    params: dict[str, Any]
    internal: dict[str, Any]
    secrets: list[str]
    ticket: dict[str, Any]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture()
def world(otrs: Otrs) -> World:
    api = otrs.api
    stranger_org = add_org("Stranger Org", shared=True)
    add_user(api, "stranger", "stranger@elsewhere.example", [ROLE_CUSTOMER], organization_id=stranger_org.id)
    ticket = api.post("/api/v1/tickets", {
        "title": TITLE, "group": "Users", "customer": "nicole.braun@example.com",
        "article": {"body": BODY, "type": "email", "attachments": [
            {"filename": "plan.txt", "data": b64(BYTES), "mime-type": "text/plain"}]}}, who="agent")
    assert ticket.status == 201, ticket
    tid = ticket.json["id"]
    note = api.post("/api/v1/ticket_articles", {"ticket_id": tid, "body": INTERNAL, "internal": True, "type": "note",
                                                "attachments": [{"filename": "internal.txt", "data": b64(INTERNAL_BYTES),
                                                                 "mime-type": "text/plain"}]}, who="agent")
    assert note.status == 201, note
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{tid}", who="agent").json
    public = articles[0]
    upload = otrs.request("POST", f"/upload/{FORM}?Upload=mine.txt", raw=b"upload bytes",
                          headers={"Content-Type": "text/plain"})
    assert upload.status == 200, upload
    from chalicelib import bootstrap
    process_id = bootstrap.container().process_store.all()[0].entity_id  # the provisioned example process
    shown = ticket.json
    otrs_number = shown["created_at"][:10].replace("-", "") + shown["number"]  # OTRS's date-based number
    params = {"TicketID": tid, "TicketNumber": otrs_number, "ArticleID": public["id"],
              "AttachmentID": public["attachments"][0]["id"], "Download": "1", "FormID": FORM,
              "ProcessEntityID": process_id, "ProcessEntityIDOrTicketID": tid,
              "Category": "UserProfile"}
    internal = dict(params, ArticleID=note.json["id"], AttachmentID=note.json["attachments"][0]["id"])
    shown = api.get(f"/api/v1/tickets/{tid}", who="agent").json
    return World(params, internal, [TITLE, BODY, INTERNAL, BYTES.decode(), INTERNAL_BYTES.decode()], shown)


BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/customer/account/personal-preferences"): {"UserLanguage": "de"},
    ("POST", "/api/customer/personal-notifications/seen-set"): {"Filter": "All"},
    ("POST", "/api/customer/ticket"): {"Title": "intruder", "Body": "intruder"},
    ("POST", "/api/customer/ticket/{TicketID}/article"): {"Subject": "intruder", "Body": "intruder"},
    ("POST", "/api/customer/ticket/{TicketID}/article/{ArticleID}/flag"): {"Flag": "Seen", "Value": "1"},
    ("POST", "/api/customer/ticket/process/{ProcessEntityIDOrTicketID}"): {"EndpointContext": "x", "Interface": "x"},
    ("POST", "/api/customer/ticket/{TicketID}/process/{ProcessEntityID}"): {"EndpointContext": "x",
                                                                         "Interface": "CustomerInterface"},
    ("DELETE", "/api/customer/upload/{FormID}"): {"Filename": "mine.txt"},
}
OBJECT_PARTS = ("{TicketID}", "{TicketNumber}", "{FormID}", "{ProcessEntityIDOrTicketID}")


def customer_routes() -> list[tuple[str, str]]:
    return sorted(key for key, who in ACCESS.items() if who == CUSTOMER)


def full_url(template: str, params: dict[str, Any]) -> str:
    """The route's path with the world's values (CUSTOMER routes live under /api/customer and
    /api/frontend/external), plus the query parameters the route needs."""
    path = template.format(**params)
    if template.endswith("/upload/{FormID}"):
        path += "?ContentID=1"
    if "/ticket/process/" in template:
        path += "?EndpointContext=x"
    return path


def url(template: str, params: dict[str, Any]) -> str:
    """The same, relative to /api/customer (the `otrs` fixture's prefix)."""
    return full_url(template, params)[len(PREFIX):]


def call(otrs: Otrs, method: str, template: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
    """Only the headers given authenticate (`who=None`)."""
    if (method, template) == ("POST", "/api/customer/upload/{FormID}"):  # a real file, into someone's form
        return otrs.api.request(method, full_url(template, params).replace("?ContentID=1", "?Upload=x.txt"),
                                raw=b"x", who=None, headers={**headers, "Content-Type": "text/plain"})
    body = BODIES.get((method, template))
    return otrs.api.request(method, full_url(template, params), body, who=None, headers=headers)


def token_for(user_email: str, audience: str = "otrs-customer") -> str:
    from chalicelib import bootstrap
    container = bootstrap.container()
    user = container.user_store.by_email(user_email)
    return container.authenticator.issue_jwt(user, audience)[0]


def leaks(reply: Any, secrets: list[str]) -> list[str]:
    text = reply.body.decode("utf-8", "replace") if isinstance(reply.body, bytes) else str(reply.body)
    return [s for s in secrets if s.lower() in text.lower()]


def test_every_customer_route_refuses_what_is_not_a_customer_token(otrs: Otrs, world: World) -> None:
    revoked = otrs.login()
    assert otrs.post("/auth/logout", who=None, headers={"Authentication": f"Bearer {revoked}"}).status == 200
    refusals = {
        "no token": ({}, 401, "Bad token."),
        "garbage": ({"Authentication": "Bearer garbage"}, 401, "Bad token."),
        "revoked": ({"Authentication": f"Bearer {revoked}"}, 401, "Bad token."),
        "zammad token": ({"Authentication": f"Bearer {token_for('nicole.braun@example.com', 'zammad')}"}, 401,
                         "Bad token."),
        "agent": ({"Authentication": f"Bearer {token_for('agent@example.com')}"}, 403, "Access denied."),
        "basic auth": ({"Authorization": "Basic " + b64(b"nicole.braun@example.com:customer-password")}, 401,
                       "Bad token."),
    }
    problems = []
    for method, template in customer_routes():
        for label, (headers, status, text) in refusals.items():
            reply = call(otrs, method, template, world.params, headers)
            if method == "HEAD":
                found = [] if reply.status == status else [f"status {reply.status}, expected {status}"]
            else:
                found = refusal_problems(reply, template, (status,), text)
            found += [f"leaks {s!r}" for s in leaks(reply, world.secrets)]
            problems += [f"{method} {template} ({label}): {p}" for p in found]
    assert not problems, "\n".join(problems)


def test_a_customer_of_another_organization_learns_and_changes_nothing(otrs: Otrs, world: World) -> None:
    before = otrs.api.get(f"/api/v1/tickets/{world.params['TicketID']}", who="agent").json
    headers = {"Authentication": f"Bearer {token_for('stranger@elsewhere.example')}"}
    problems = []
    for method, template in customer_routes():
        if not any(part in template for part in OBJECT_PARTS) or (method, template) == (
                "POST", "/api/customer/ticket/process/{ProcessEntityIDOrTicketID}"):  # starts a new ticket
            continue
        reply = call(otrs, method, template, world.params, headers)
        if method == "HEAD":
            found = [] if reply.status in (403, 404) else [f"status {reply.status}"]
        else:
            found = refusal_problems(reply, template, (403, 404))
        found += [f"leaks {s!r}" for s in leaks(reply, world.secrets)]
        problems += [f"{method} {template}: {p}" for p in found]
    assert not problems, "\n".join(problems)
    after = otrs.api.get(f"/api/v1/tickets/{world.params['TicketID']}", who="agent").json
    assert after == before, "a stranger changed the ticket"
    # the stranger's lists and searches never show it either
    for path in ("/ticket/list?StateFilter=All", "/ticket/list?Search=qzotrstitle",
                 "/ticket/list?CompanyTickets=1&StateFilter=All"):
        reply = otrs.get(path, who=None, headers=headers)
        assert reply.status in (200, 404) and not leaks(reply, world.secrets), (path, reply)


def test_the_ticket_customer_never_sees_internal_articles(otrs: Otrs, world: World) -> None:
    internal_secrets = [INTERNAL, INTERNAL_BYTES.decode()]
    problems = []
    for template in ("/api/customer/ticket/{TicketID}/article/{ArticleID}",
                     "/api/customer/ticket/{TicketID}/article/{ArticleID}/body",
                     "/api/customer/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}",
                     "/api/customer/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}/{Download}"):
        reply = otrs.get(url(template, world.internal))
        found = refusal_problems(reply, template, (403, 404)) + [f"leaks {s!r}" for s in leaks(reply, internal_secrets)]
        problems += [f"GET {template} (internal): {p}" for p in found]
    for path in (f"/ticket/id/{world.params['TicketID']}", f"/ticket/number/{world.params['TicketNumber']}",
                 "/ticket/list?StateFilter=All", f"/ticket/list?Search=qzotrsinternal&StateFilter=All"):
        reply = otrs.get(path)
        assert reply.status == 200, (path, reply)
        problems += [f"GET {path}: leaks {s!r}" for s in leaks(reply, internal_secrets)]
    assert not problems, "\n".join(problems)
    # and what the customer may read, it reads
    public = otrs.get(url("/api/customer/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}",
                          world.params))
    assert public.status == 200 and public.body == BYTES
