"""The security matrix of the numbered Tickets API: every TICKETS_CLIENT route of test_matrix.ACCESS, called
without a token, with a bad, a revoked or a Basic credential, and with an agent's or an admin's token —
refused in the dialect's shape, learning nothing, changing nothing; and by a customer of another
organization on the customer's ticket and comments — 404 alike for hidden and unknown ones, nothing
learned, nothing changed, not even through lists, searches or someone else's upload."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Optional

import pytest

from chalicelib.core.model import ROLE_CUSTOMER
from tests.api.tickets_api.conftest import PREFIX, TicketsApi
from tests.api.tickets_api.test_comments import agent_reply
from tests.api.zammad.test_permissions import add_org, add_user
from tests.security import stored
from tests.security.test_matrix import ACCESS, TICKETS_CLIENT, fill, leaked, refusal_problems

TITLE, BODY = "qztapititle secret plan", "qztapibody the first comment"
FILE, BYTES = "qztapifile-plan.txt", b"qztapibytes attached file"
WAITING = b"qztapiwaiting an upload not attached yet"
REPLY, INTERNAL = "qztapireply an agent's public answer", "qztapiinternal agents only"
NOT_A_CUSTOMER = "The Tickets API is for customers; this token's user is not one."
OBJECT_PARTS = ("{ticket_number}", "{comment_id}")
# What refused requests may still write: the token's last-use time (at most once a minute) and, for an
# authenticated customer, the request counted against the token's rate limit.
BOOKKEEPING_KINDS = {"access_token", "rate_window"}


@dataclass
class World:
    tapi: TicketsApi
    params: dict[str, Any]
    waiting_file_id: str
    secrets: list[str]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture()
def world(api: Any) -> World:
    """The demo customer's ticket (made here, with a file), an agent's public reply and internal note on it,
    an upload of the customer's still waiting, and a customer of another organization."""
    tapi = TicketsApi(api)
    stranger_org = add_org("Tickets Stranger Org", shared=True)
    add_user(api, "stranger", "tapi.stranger@elsewhere.example", [ROLE_CUSTOMER], organization_id=stranger_org.id)
    attached = tapi.upload(BYTES, FILE)
    ticket = tapi.create(TITLE, BODY, files=[attached["id"]])
    agent_reply(tapi, ticket["number"], REPLY)
    agent_reply(tapi, ticket["number"], INTERNAL, internal=True)
    first = tapi.get(f"/tickets/{ticket['number']}/comments").json["items"][0]
    waiting = tapi.upload(WAITING, "waiting.txt")
    secrets = [TITLE, BODY, FILE, BYTES.decode(), b64(BYTES), WAITING.decode(), REPLY, INTERNAL]
    return World(tapi, {"ticket_number": ticket["number"], "comment_id": first["id"]}, waiting["id"], secrets)


def bodies(world: World) -> dict[tuple[str, str], Any]:
    """What an intruder sends to each write route: changes it must not be able to make."""
    return {
        ("POST", "/api/tickets/v1/tickets"): {"summary": "intruder", "comment_body": "intruder",
                                              "files": [world.waiting_file_id]},
        ("PATCH", "/api/tickets/v1/tickets/{ticket_number}"): {"client_aliased_name": "hijacked",
                                                               "client_emails": ["evil@example.com"]},
        ("POST", "/api/tickets/v1/tickets/{ticket_number}/close"): {"comment": "closed by an intruder", "score": 1},
        ("POST", "/api/tickets/v1/tickets/{ticket_number}/reopen"): {"body": "intruder"},
        ("POST", "/api/tickets/v1/tickets/{ticket_number}/vote"): {"score": 1, "comment": "intruder"},
        ("POST", "/api/tickets/v1/tickets/{ticket_number}/comments"): {"body": "intruder",
                                                                       "files": [world.waiting_file_id]},
        ("POST", "/api/tickets/v1/comments/{comment_id}/vote"): {"score": -1},
    }


def tickets_routes() -> list[tuple[str, str]]:
    return sorted(key for key, who in ACCESS.items() if who == TICKETS_CLIENT)


def call(world: World, method: str, template: str, headers: dict[str, str], token: Optional[str] = None,
         params: Optional[dict[str, Any]] = None) -> Any:
    """One request to the route with the world's ids (or `params`); `token` as the X-Token, else only `headers`."""
    path = fill(template, params or world.params)[len(PREFIX):]
    if (method, template) == ("POST", PREFIX + "/files"):
        return world.tapi.request(method, path, raw=b"intruder bytes", who=None, token=token, headers={
            **headers, "Content-Type": "text/plain", "Content-Disposition": 'attachment; filename="x.txt"'})
    return world.tapi.request(method, path, bodies(world).get((method, template)), who=None, token=token,
                              headers=headers)


def lasting_state() -> dict[str, Any]:
    """Everything stored except the bookkeeping a refused request may still do."""
    everything = stored()
    items = {key: item for key, item in everything["items"].items()
             if item.get("kind", {}).get("S") not in BOOKKEEPING_KINDS}
    return {"items": items, "objects": everything["objects"]}


def revoked_token(tapi: TicketsApi) -> str:
    """A customer's token, deleted again by its owner."""
    token = tapi.token("customer", permissions=["ticket.customer"])
    listed = tapi.api.get("/api/v1/user_access_token", who="customer").json["tokens"]
    newest = max(listed, key=lambda t: t["id"])
    assert tapi.api.delete(f"/api/v1/user_access_token/{newest['id']}", who="customer").status == 200
    return token


def test_every_route_refuses_what_is_not_a_customers_token(world: World) -> None:
    tapi = world.tapi
    basic = "Basic " + b64(b"nicole.braun@example.com:" + tapi.api.credentials["customer"]["password"].encode())
    refusals: dict[str, tuple[Optional[str], dict[str, str], int, Optional[str]]] = {
        "no token": (None, {}, 401, "X-Token header is required."),
        "garbage": ("garbage", {}, 401, None),
        "revoked": (revoked_token(tapi), {}, 401, None),
        "basic auth only": (None, {"Authorization": basic}, 401, "X-Token header is required."),
        "agent": (tapi.token("agent"), {}, 403, NOT_A_CUSTOMER),
        "admin": (tapi.token("admin"), {}, 403, NOT_A_CUSTOMER),
    }
    before = lasting_state()
    problems = []
    for method, template in tickets_routes():
        for label, (token, headers, status, message) in refusals.items():
            reply = call(world, method, template, headers, token)
            found = refusal_problems(reply, template, (status,), message)
            found += [f"leaks {s!r}" for s in leaked(reply, world.secrets)]
            problems += [f"{method} {template} ({label}): {p}" for p in found]
    assert not problems, "\n".join(problems)
    assert lasting_state() == before, "a refused request changed what is stored"


def test_a_customer_of_another_organization_learns_and_changes_nothing(world: World) -> None:
    tapi = world.tapi
    stranger = tapi.token("stranger")
    before = lasting_state()
    problems = []
    for method, template in tickets_routes():
        if not any(part in template for part in OBJECT_PARTS):
            continue
        reply = call(world, method, template, {}, stranger)
        found = refusal_problems(reply, template, (404,))
        found += [f"leaks {s!r}" for s in leaked(reply, world.secrets)]
        problems += [f"{method} {template}: {p}" for p in found]
        unknown = call(world, method, template, {}, stranger, {"ticket_number": 999999, "comment_id": 999999})
        if unknown.status != 404 or unknown.json["error"].split("=")[0] != reply.json["error"].split("=")[0]:
            problems.append(f"{method} {template}: a hidden object answers unlike an unknown one: {reply!r} / {unknown!r}")
    # someone else's upload cannot be attached: it is unusable (422), not taken
    for template in ("/api/tickets/v1/tickets", "/api/tickets/v1/tickets/{ticket_number}/comments"):
        reply = call(world, "POST", template, {}, stranger)
        found = refusal_problems(reply, template, (404, 422)) + [f"leaks {s!r}" for s in leaked(reply, world.secrets)]
        problems += [f"POST {template} with the victim's file: {p}" for p in found]
    # lists and searches never show the ticket
    for path in ("/tickets", f"/tickets?q={TITLE.split()[0]}", f"/tickets?q={world.params['ticket_number']}",
                 "/tickets?only_closed=true", "/topics"):
        reply = tapi.get(path, token=stranger)
        if reply.status != 200:
            problems.append(f"GET {path}: {reply!r}")
        problems += [f"GET {path}: leaks {s!r}" for s in leaked(reply, world.secrets)]
    assert not problems, "\n".join(problems)
    assert lasting_state() == before, "another organization's customer changed what is stored"
    # and the owner still finds everything as it was, the waiting upload included
    owner = tapi.get(f"/tickets/{world.params['ticket_number']}")
    assert owner.status == 200 and owner.json["summary"] == TITLE and owner.json["vote"] is None, owner
    reused = tapi.post(f"/tickets/{world.params['ticket_number']}/comments",
                       {"body": "mine", "files": [world.waiting_file_id]})
    assert reused.status == 200 and reused.json["files"][0]["id"] == world.waiting_file_id, reused
