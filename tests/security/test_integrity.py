"""Integrity under failure and concurrency, and tokens that must stop working.

(a) A write that fails halfway leaves nothing behind: failures are injected into DynamoDB's
    TransactWriteItems and S3's PutObject through botocore's event hooks, under real HTTP requests.
(b) Optimistic locking: a second writer saving between the service's load and save never makes an
    update get lost; when the retries run out the caller gets Zammad's 409 and nothing is written.
(c) Revoked and forged JWTs are refused.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import jwt
import pytest
from botocore.exceptions import ClientError

from chalicelib import bootstrap
from chalicelib.core.catalog import Ref
from chalicelib.core.model import Principal
from chalicelib.core.tickets import SAVE_ATTEMPTS, ArticleInput, TicketInput
from tests.security import bucket_keys, stored, ticket_version
from tests.security.test_matrix import zammad_refusal

ERROR_ID = re.compile(r"^Error ID (\S+): Please contact your administrator\.$")
INTERNALS = ("traceback", "injected", "internalservererror", "clienterror", "transactwrite", "botocore",
             "pynamodb", "chalicelib", 'file "', "exception")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def files(*names: str) -> list[dict]:
    return [{"filename": n, "data": b64(f"bytes of {n}".encode()), "mime-type": "text/plain"} for n in names]


def new_ticket(api, **article) -> dict:
    reply = api.post("/api/v1/tickets", {
        "title": "integrity", "group": "Users", "customer": "nicole.braun@example.com",
        "article": {"subject": "s", "body": "first", "type": "note", **article}})
    assert reply.status == 201, reply
    return reply.json


def dynamodb_client() -> Any:
    from chalicelib.storage.table import Item
    return Item._get_connection().connection.client


@contextmanager
def failing(client: Any, event: str, code: str = "InternalServerError",
            when: Callable[[int], bool] = lambda n: True) -> Iterator[list[Any]]:
    """Make the client's `event` (e.g. `before-call.dynamodb.TransactWriteItems`) fail with `code`
    on the calls `when` picks (numbered from 0); yields the requests it saw."""
    seen: list[Any] = []
    operation = event.rsplit(".", 1)[-1]

    def raiser(params: dict, **_: Any) -> None:
        seen.append(params)
        if when(len(seen) - 1):
            raise ClientError({"Error": {"Code": code, "Message": "injected failure"}}, operation)

    client.meta.events.register(event, raiser)
    try:
        yield seen
    finally:
        client.meta.events.unregister(event, raiser)


@contextmanager
def counting(client: Any, event: str) -> Iterator[list[Any]]:
    calls: list[Any] = []

    def count(**kwargs: Any) -> None:
        calls.append(kwargs.get("params"))

    client.meta.events.register(event, count)
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, count)


def transaction_keys(request: dict) -> list[tuple[str, str]]:
    body = json.loads(request["body"])
    keys = []
    for entry in body["TransactItems"]:
        for action in entry.values():
            item = action.get("Item") or action.get("Key")
            keys.append((item["pk"]["S"], item["sk"]["S"]))
    return keys


def assert_server_error(reply: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Zammad's 500: an error id to quote, the traceback only in the log."""
    assert reply.status == 500, reply
    assert not zammad_refusal(reply), zammad_refusal(reply)
    match = ERROR_ID.match(reply.json["error"])
    assert match, reply.json
    text = reply.body.decode().lower()
    assert not [word for word in INTERNALS if word in text], text
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info, "the traceback is logged under the error id"


def item_exists(pk: str, sk: str) -> bool:
    table = bootstrap.container().settings.table_name
    return "Item" in dynamodb_client().get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                                                ConsistentRead=True)


def partition(pk: str) -> list[dict]:
    table = bootstrap.container().settings.table_name
    return dynamodb_client().query(TableName=table, KeyConditionExpression="pk = :pk",
                                   ExpressionAttributeValues={":pk": {"S": pk}}, ConsistentRead=True)["Items"]


# --- (a) failures halfway -------------------------------------------------------------------------

def test_failed_ticket_create_leaves_no_orphans(api, caplog):
    before = stored()
    blobs = bootstrap.container().blobs.client
    with counting(blobs, "after-call.s3.PutObject") as puts, counting(blobs, "after-call.s3.DeleteObjects") as deletes:
        with failing(dynamodb_client(), "before-call.dynamodb.TransactWriteItems") as seen:
            reply = api.post("/api/v1/tickets", {
                "title": "doomed", "group": "Users", "customer": "nicole.braun@example.com",
                "article": {"body": "doomed body", "attachments": files("a.txt", "b.txt")}})
    assert_server_error(reply, caplog)
    assert len(seen) == 1 and len(puts) == 2 and len(deletes) == 1  # bytes were written, then removed
    keys = transaction_keys(seen[0])
    ticket_pk = next(pk for pk, sk in keys if pk.startswith("TICKET#"))
    ticket_id = int(ticket_pk.split("#")[1])
    assert bucket_keys(f"tickets/{ticket_id}/") == set()
    assert partition(ticket_pk) == []
    for pk, sk in keys:  # ticket, first article, article pointer, number pointer
        assert not item_exists(pk, sk), (pk, sk)
    assert stored() == before  # no search tokens, no other item, no object
    assert api.get(f"/api/v1/tickets/{ticket_id}").status == 404
    assert "doomed" not in json.dumps(api.get("/api/v1/tickets/search?query=doomed").json)

    after = new_ticket(api, attachments=files("c.txt"))  # the next create works
    article = api.get(f"/api/v1/ticket_articles/{after['article_ids'][0]}").json
    download = api.get(f"/api/v1/ticket_attachment/{after['id']}/{article['id']}/{article['attachments'][0]['id']}")
    assert download.status == 200 and download.body == b"bytes of c.txt"


def test_failed_s3_upload_leaves_no_orphans(api, caplog):
    before = stored()
    blobs = bootstrap.container().blobs.client
    with failing(blobs, "before-call.s3.PutObject", when=lambda n: n == 1) as seen:
        reply = api.post("/api/v1/tickets", {
            "title": "doomed", "group": "Users", "customer": "nicole.braun@example.com",
            "article": {"body": "doomed body", "attachments": files("a.txt", "b.txt", "c.txt")}})
    assert_server_error(reply, caplog)
    assert len(seen) == 2  # the first object was written, the second failed, the third never tried
    assert stored() == before
    assert new_ticket(api, attachments=files("d.txt"))["article_count"] == 1


@pytest.mark.parametrize("route", ["PUT /api/v1/tickets/{id}", "POST /api/v1/ticket_articles"])
def test_failed_article_add_leaves_ticket_unchanged(api, caplog, route):
    ticket = new_ticket(api, attachments=files("first.txt"))
    before_ticket = api.get(f"/api/v1/tickets/{ticket['id']}").json
    version = ticket_version(ticket["id"])
    before = stored()
    article = {"body": "doomed reply", "attachments": files("x.txt", "y.txt")}
    with failing(dynamodb_client(), "before-call.dynamodb.TransactWriteItems") as seen:
        if route.startswith("PUT"):
            reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"title": "doomed title", "article": article})
        else:
            reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], **article})
    assert_server_error(reply, caplog)
    assert len(seen) == 1  # a server error is not a conflict: no retry
    assert api.get(f"/api/v1/tickets/{ticket['id']}").json == before_ticket
    assert ticket_version(ticket["id"]) == version
    assert stored() == before
    article_pk = next(pk for pk, sk in transaction_keys(seen[0]) if pk.startswith("ARTICLE#"))
    assert not item_exists(article_pk, "#POINTER")
    ok = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], **article})
    assert ok.status == 201, ok
    assert api.get(f"/api/v1/tickets/{ticket['id']}").json["article_count"] == 2
    assert len(bucket_keys(f"tickets/{ticket['id']}/")) == 3


# --- (b) optimistic locking ---------------------------------------------------------------------

def admin_principal(api) -> Principal:
    user = bootstrap.container().user_store.get(api.credentials["admin"]["id"])
    return Principal(user=user, permissions=user.permissions)


def interleave(monkeypatch, times: int, write: Callable[[int, int], None]) -> dict[str, int]:
    """Between the service's load of a ticket and its save, another writer saves `write(ticket_id, n)`;
    the service goes on with the copy it loaded before. Happens on the next `times` loads."""
    from chalicelib.storage.tickets import TicketStore
    original = TicketStore.get
    state = {"armed": times, "writes": 0, "busy": 0}

    def get(self, ticket_id):
        ticket = original(self, ticket_id)
        if state["armed"] > 0 and not state["busy"] and ticket is not None:
            state["armed"] -= 1
            state["busy"] = 1
            try:
                write(ticket_id, state["writes"])
            finally:
                state["busy"] = 0
            state["writes"] += 1
        return ticket

    monkeypatch.setattr(TicketStore, "get", get)
    return state


def test_a_concurrent_update_is_never_lost(api, monkeypatch):
    ticket = new_ticket(api)
    version = ticket_version(ticket["id"])
    service, admin = bootstrap.container().tickets, admin_principal(api)
    conflicts = SAVE_ATTEMPTS - 1
    state = interleave(monkeypatch, conflicts, lambda tid, n: service.update(
        admin, tid, TicketInput(priority=Ref("priority", id=3), note=f"other writer {n}")))
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"title": "the caller's title"}, who="agent")
    monkeypatch.undo()
    assert reply.status == 200, reply
    assert state["writes"] == conflicts
    final = api.get(f"/api/v1/tickets/{ticket['id']}").json
    assert final["title"] == "the caller's title"  # the caller's change
    assert (final["priority_id"], final["note"]) == (3, f"other writer {conflicts - 1}")  # and the other's
    assert reply.json["priority_id"] == 3 and reply.json["title"] == "the caller's title"
    assert final["updated_by_id"] == api.credentials["agent"]["id"]
    assert ticket_version(ticket["id"]) == version + conflicts + 1


def test_concurrent_articles_are_both_kept(api, monkeypatch):
    ticket = new_ticket(api)
    version = ticket_version(ticket["id"])
    service, admin = bootstrap.container().tickets, admin_principal(api)
    state = interleave(monkeypatch, 1, lambda tid, n: service.add_article(
        admin, tid, ArticleInput(body="the other writer's article")))
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "the caller's article",
                                                 "attachments": files("mine.txt")}, who="agent")
    monkeypatch.undo()
    assert reply.status == 201, reply
    assert state["writes"] == 1
    final = api.get(f"/api/v1/tickets/{ticket['id']}").json
    assert final["article_count"] == 3 and ticket_version(ticket["id"]) == version + 2
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}").json
    assert [a["body"] for a in articles] == ["first", "the other writer's article", "the caller's article"]
    mine = articles[-1]
    # only the bytes of the attempt that was saved remain
    assert bucket_keys(f"tickets/{ticket['id']}/") == {
        f"tickets/{ticket['id']}/articles/{mine['id']}/{mine['attachments'][0]['id']}"}


def test_conflicts_beyond_the_retries_are_409_and_write_nothing(api, monkeypatch):
    assert SAVE_ATTEMPTS == 5
    ticket = new_ticket(api)
    before_ticket = api.get(f"/api/v1/tickets/{ticket['id']}").json
    version = ticket_version(ticket["id"])
    objects = bucket_keys()
    service, admin = bootstrap.container().tickets, admin_principal(api)
    state = interleave(monkeypatch, 100, lambda tid, n: service.update(admin, tid, TicketInput(note=f"other {n}")))
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {
        "title": "the caller's title", "article": {"body": "the caller's reply", "attachments": files("m.txt")}},
        who="agent")
    monkeypatch.undo()
    assert reply.status == 409, reply
    assert not zammad_refusal(reply), zammad_refusal(reply)
    assert "changed by someone else" in reply.json["error"]
    assert state["writes"] == SAVE_ATTEMPTS  # every attempt met a conflict, and then it stopped
    final = api.get(f"/api/v1/tickets/{ticket['id']}").json
    assert final["title"] == before_ticket["title"] and final["article_count"] == before_ticket["article_count"]
    assert final["note"] == f"other {SAVE_ATTEMPTS - 1}"  # the other writer's saves all stand
    assert ticket_version(ticket["id"]) == version + SAVE_ATTEMPTS
    assert bucket_keys() == objects  # no attempt left its bytes behind
    assert [a["body"] for a in api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}").json] == ["first"]


# --- (c) tokens ------------------------------------------------------------------------------------

def grant(api, login: str, password: str) -> str:
    reply = api.client.http.post("/oauth/token", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                 body=f"grant_type=password&username={login}&password={password}".encode())
    assert reply.status_code == 200, reply.body
    return json.loads(reply.body)["access_token"]


def me(api, token: str) -> Any:
    return api.get("/api/v1/users/me", who=None, headers={"Authorization": f"Bearer {token}"})


def test_revoked_jwt_is_refused_while_another_still_works(api):
    first = grant(api, "agent@example.com", "agent-password")
    second = grant(api, "agent@example.com", "agent-password")
    someone_else = grant(api, "nicole.braun@example.com", "customer-password")
    assert first != second and me(api, first).status == 200
    revoke = api.client.http.post("/oauth/revoke", headers={"Content-Type": "application/json"},
                                  body=json.dumps({"token": first}).encode())
    assert revoke.status_code == 200
    refused = me(api, first)
    assert refused.status == 401
    assert not zammad_refusal(refused, "The provided token is invalid."), zammad_refusal(refused)
    assert me(api, second).status == 200 and me(api, second).json["login"] == "agent@example.com"
    assert me(api, someone_else).status == 200
    # revoking garbage changes nothing, and a revoked token cannot be used for anything
    api.client.http.post("/oauth/revoke", headers={"Content-Type": "application/x-www-form-urlencoded"},
                         body=b"token=not-a-jwt")
    assert me(api, second).status == 200
    created = api.post("/api/v1/tickets", {"title": "x", "group": "Users", "customer": "nicole.braun@example.com",
                                           "article": {"body": "x"}}, who=None,
                       headers={"Authorization": f"Bearer {first}"})
    assert created.status == 401


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_asymmetric_and_algorithm_confusion_tokens_are_refused(api):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from chalicelib import settings
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    claims = {"sub": str(api.credentials["admin"]["id"]), "jti": "confused", "iat": now, "exp": now + 600,
              "iss": settings.get().jwt_issuer, "aud": "zammad"}
    rs256 = jwt.encode(claims, private_pem, algorithm="RS256")
    # HS256 keyed with the RSA public key's PEM: what a verifier that trusts the header's alg would accept
    signing_input = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + \
        b64url(json.dumps(claims).encode())
    confused = signing_input + "." + b64url(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    # RS256 in the header over an HMAC made with the real secret: the pinned algorithm refuses it too
    secret_signed = jwt.encode(claims, settings.get().jwt_secret, algorithm="HS256").split(".")
    relabelled = ".".join([b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()),
                           secret_signed[1], secret_signed[2]])
    for name, token in (("RS256", rs256), ("HS256 keyed with the public PEM", confused),
                        ("RS256 header, HMAC signature", relabelled)):
        reply = me(api, token)
        assert reply.status == 401, name
        assert not zammad_refusal(reply, "The provided token is invalid."), (name, zammad_refusal(reply))
        assert "admin@example.com" not in reply.body.decode(), name
    assert me(api, jwt.encode(claims, settings.get().jwt_secret, algorithm="HS256")).status == 200  # control
