"""Tickets API uploads (POST /files), X-Token authentication and the per-token rate limit."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib import bootstrap
from chalicelib.core.client_files import ClientFiles, FileLimits
from chalicelib.core.rate_limit import RateLimiter
from chalicelib.storage.client_files import ClientFileStore
from chalicelib.storage.rate_windows import RateWindowStore
from tests.api.otrs.test_tickets import add_customer
from tests.api.tickets_api.conftest import TicketsApi, fields_of


class FrozenClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def small_file_limits(max_bytes: int = 1024, max_files: int = 20, ttl_hours: int = 24) -> None:
    container = bootstrap.container()
    container.client_files = ClientFiles(ClientFileStore(), container.blobs, container.clock,
                                         FileLimits(max_bytes=max_bytes, max_files=max_files, ttl_hours=ttl_hours))


# --- files --------------------------------------------------------------------------------------

def test_upload_raw_body_and_multipart(tapi: TicketsApi) -> None:
    raw = tapi.upload(b"\x89PNG raw bytes", "screen shot.png", "image/png")
    assert set(raw) == {"id", "name", "size", "content_type"}
    assert raw["name"] == "screen shot.png" and raw["size"] == 14 and raw["content_type"] == "image/png"
    by_query = tapi.post("/files?filename=notes.txt", raw=b"notes", headers={"Content-Type": "text/plain"}).json
    assert by_query["name"] == "notes.txt"
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\\\tmp\\\\trace.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nstack trace\r\n--{boundary}--\r\n").encode()
    multipart = tapi.post("/files", raw=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert multipart.status == 200, multipart
    assert multipart.json["name"] == "trace.txt" and multipart.json["size"] == len(b"stack trace")
    assert raw["id"] != multipart.json["id"]


def test_upload_errors(tapi: TicketsApi) -> None:
    small_file_limits(max_bytes=8, max_files=2)
    empty = tapi.post("/files", raw=b"", headers={"Content-Type": "application/octet-stream"})
    assert empty.status == 400 and fields_of(empty) == {"file"}, empty
    no_part = tapi.post("/files", raw=b"--x--\r\n", headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert no_part.status == 400 and fields_of(no_part) == {"file"}, no_part
    too_big = tapi.post("/files", raw=b"123456789", headers={"Content-Type": "application/octet-stream"})
    assert too_big.status == 413 and fields_of(too_big) == {"file"}, too_big
    tapi.upload(b"one", "1.txt")
    tapi.upload(b"two", "2.txt")
    third = tapi.post("/files", raw=b"three", headers={"Content-Type": "text/plain"})
    assert third.status == 422 and fields_of(third) == {"file"}, third


def test_files_attach_once_and_only_their_owners(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    mine = tapi.upload(b"trace", "trace.txt")
    add_customer(tapi.api, "stranger", "stranger@elsewhere.org")
    theirs = tapi.upload(b"secret", "secret.txt", who="stranger")
    refused = tapi.post(f"/tickets/{number}/comments", {"body": "see file", "files": [mine["id"], theirs["id"]]})
    assert refused.status == 422 and fields_of(refused) == {"files"} and "files[1]" in refused.json["error"], refused
    assert len(tapi.get(f"/tickets/{number}/comments").json["items"]) == 1  # nothing was written
    attached = tapi.post(f"/tickets/{number}/comments", {"body": "see file", "files": [mine["id"]]}).json
    assert [f["id"] for f in attached["files"]] == [mine["id"]]
    reused = tapi.post(f"/tickets/{number}/comments", {"body": "again", "files": [mine["id"]]})
    assert reused.status == 422 and fields_of(reused) == {"files"}, reused


def test_files_on_reopen_and_expired_files(tapi: TicketsApi) -> None:
    number = tapi.create()["number"]
    tapi.post(f"/tickets/{number}/close", {})
    shot = tapi.upload(b"png", "shot.png", "image/png")
    reopened = tapi.post(f"/tickets/{number}/reopen", {"body": "broken again", "files": [shot["id"]]})
    assert reopened.status == 200, reopened
    last = tapi.get(f"/tickets/{number}/comments").json["items"][-1]
    assert last["body"] == "broken again" and [f["name"] for f in last["files"]] == ["shot.png"]
    small_file_limits(ttl_hours=0)  # expires as it is stored
    stale = tapi.upload(b"old", "old.txt")
    reply = tapi.post("/tickets", {"summary": "x", "comment_body": "y", "files": [stale["id"]]})
    assert reply.status == 422 and fields_of(reply) == {"files"}, reply


# --- authentication -----------------------------------------------------------------------------

def test_missing_or_invalid_token_is_401(tapi: TicketsApi) -> None:
    missing = tapi.get("/tickets", who=None)
    assert missing.status == 401 and missing.headers["www-authenticate"].startswith("X-Token")
    assert missing.json["error"] == "X-Token header is required."
    for token in ("nonsense", " "):
        assert tapi.get("/tickets", token=token).status == 401
    basic_only = tapi.api.get("/api/tickets/v1/tickets", who="customer")  # Basic auth is not this API's
    assert basic_only.status == 401


def test_expired_token_is_401(tapi: TicketsApi) -> None:
    reply = tapi.api.post("/api/v1/user_access_token", {"label": "old", "permission": ["ticket.customer"],
                                                        "expires_at": "2000-01-01"}, who="customer")
    assert tapi.get("/topics", token=reply.json["token"]).status == 401


def test_agents_and_tokens_without_the_customer_permission_are_403(tapi: TicketsApi) -> None:
    for reply in (tapi.get("/tickets", who="agent"), tapi.get("/topics", who="admin"),
                  tapi.get("/topics", token=tapi.token("customer", permissions=["user_preferences.password"]))):
        assert reply.status == 403 and reply.json["error"], reply


# --- rate limit ---------------------------------------------------------------------------------

def test_rate_limit_per_token_answers_429_with_retry_after(tapi: TicketsApi) -> None:
    container = bootstrap.container()
    clock = FrozenClock(datetime(2030, 5, 1, 12, 0, 30, tzinfo=timezone.utc))
    container.tickets_api_rate = RateLimiter(RateWindowStore(), clock, limit=3)
    for _ in range(3):
        assert tapi.get("/topics").status == 200
    limited = tapi.get("/topics")
    assert limited.status == 429 and limited.headers["retry-after"] == "30", limited
    assert limited.json["error"].startswith("Rate limit exceeded")
    other_token = tapi.token("customer", permissions=["ticket.customer"])
    assert tapi.get("/topics", token=other_token).status == 200  # per token
    clock.moment = datetime(2030, 5, 1, 12, 1, 0, tzinfo=timezone.utc)
    assert tapi.get("/topics").status == 200  # a new window


def test_rate_limit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import settings
    monkeypatch.setenv("HELPDESK_TICKETS_API_RATE", "7")
    settings.reset()
    try:
        assert settings.get().tickets_api_rate == 7
        monkeypatch.setenv("HELPDESK_TICKETS_API_RATE", "-3")
        settings.reset()
        assert settings.get().tickets_api_rate == 0  # off
    finally:
        monkeypatch.delenv("HELPDESK_TICKETS_API_RATE")
        settings.reset()
    assert settings.get().tickets_api_rate == 120
