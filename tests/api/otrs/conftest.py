"""The OTRS customer interface through chalice.test.Client: JSON in and out, tokens by login."""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import pytest

from tests.conftest import Api, Reply

PREFIX = "/api/customer"


class Otrs:
    """Requests to /api/customer as a customer (a token from /auth/login), or anonymously."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.credentials = api.credentials
        self._tokens: dict[str, str] = {}

    def login(self, who: str = "customer") -> str:
        if who not in self._tokens:
            c = self.credentials[who]
            reply = self.request("POST", "/auth/login", {"Username": c["email"], "Password": c["password"]}, who=None)
            assert reply.status == 200, reply
            self._tokens[who] = reply.json["Token"]
        return self._tokens[who]

    def request(self, method: str, path: str, body: Any = None, who: Optional[str] = "customer",
                headers: Optional[dict[str, str]] = None, raw: Optional[bytes] = None) -> Reply:
        sent = {"Content-Type": "application/json", "Accept": "*/*"}
        if who is not None:
            sent["Authentication"] = f"Bearer {self.login(who)}"
        sent.update(headers or {})
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        return Reply(self.api.client.http.request(method, PREFIX + path, headers=sent, body=payload))

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)

    def delete(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("DELETE", path, body, **kw)


@pytest.fixture()
def otrs(api: Api) -> Iterator[Otrs]:
    yield Otrs(api)
