"""The numbered Tickets API through chalice.test.Client: an `X-Token` per caller, created the way a client
gets one (POST /api/v1/user_access_token as that user)."""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import pytest

from tests.conftest import Api, Reply

PREFIX = "/api/tickets/v1"
AGENTS = ("agent", "admin")


class TicketsApi:
    """Requests to /api/tickets/v1 with a caller's X-Token (`who`), or none (`who=None`)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._tokens: dict[str, str] = {}

    def token(self, who: str = "customer", permissions: Optional[list[str]] = None) -> str:
        if who not in self._tokens or permissions is not None:
            reply = self.api.post("/api/v1/user_access_token",
                                  {"label": f"control panel {len(self._tokens)}",
                                   "permission": permissions or
                                   (["ticket.agent"] if who in AGENTS else ["ticket.customer"])}, who=who)
            assert reply.status == 200, reply
            if permissions is not None:
                return reply.json["token"]
            self._tokens[who] = reply.json["token"]
        return self._tokens[who]

    def request(self, method: str, path: str, body: Any = None, who: Optional[str] = "customer",
                headers: Optional[dict[str, str]] = None, raw: Optional[bytes] = None,
                token: Optional[str] = None) -> Reply:
        sent = {"Content-Type": "application/json", "Accept": "*/*"}
        if token is not None or who is not None:
            sent["X-Token"] = token if token is not None else self.token(who)
        sent.update(headers or {})
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        return Reply(self.api.client.http.request(method, PREFIX + path, headers=sent, body=payload))

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, body, **kw)

    # --- shortcuts ---------------------------------------------------------------------------

    def create(self, summary: str = "Server is down", comment_body: str = "Nothing answers on port 443.",
               **fields: Any) -> dict[str, Any]:
        reply = self.post("/tickets", {"summary": summary, "comment_body": comment_body, **fields})
        assert reply.status == 200, reply
        return reply.json

    def upload(self, data: bytes = b"log line 1\nlog line 2\n", filename: str = "server.log",
               content_type: str = "text/plain", who: str = "customer") -> dict[str, Any]:
        reply = self.post("/files", raw=data, who=who, headers={
            "Content-Type": content_type, "Content-Disposition": f'attachment; filename="{filename}"'})
        assert reply.status == 200, reply
        return reply.json


@pytest.fixture()
def tapi(api: Api) -> Iterator[TicketsApi]:
    yield TicketsApi(api)


def fields_of(reply: Reply) -> set[str]:
    """The fields a 400/422 answer names."""
    return {error["field"] for error in reply.json["errors"]}
