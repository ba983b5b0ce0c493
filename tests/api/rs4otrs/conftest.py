"""The RS4OTRS agent RPC through chalice.test.Client: `/otrs/api/<group>/<method>`, the session passed as
the parameter named `OTRSAgentInterface` (login's SessionName), JSON body (POST) or query string (GET)."""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional
from urllib.parse import urlencode

import pytest

from tests.conftest import Api, Reply

PREFIX = "/otrs/api"
SESSION_NAME = "OTRSAgentInterface"
SESSION_INVALID = "Session invalid. Please log in again."


class Rpc:
    """Calls as a named caller of the `api` fixture (admin, agent; logged in once each through
    /auth/login) or, with `who=None`, without a session parameter."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.credentials = api.credentials
        self.logins: dict[str, dict[str, Any]] = {}

    def login(self, who: str = "agent") -> dict[str, Any]:
        """The whole login answer (SessionValue, ChallengeToken, Me, ...), cached per caller."""
        if who not in self.logins:
            c = self.credentials[who]
            reply = self.request("POST", "auth", "login", {"User": c["email"], "Password": c["password"]}, who=None)
            assert reply.status == 200 and reply.json["Response"] == "OK", reply
            self.logins[who] = reply.json
        return self.logins[who]

    def session(self, who: str = "agent") -> str:
        return self.login(who)["SessionValue"]

    def params(self, params: dict[str, Any], who: Optional[str]) -> dict[str, Any]:
        if who is None or SESSION_NAME in params:
            return dict(params)
        return {SESSION_NAME: self.session(who), **params}

    def request(self, verb: str, group: str, name: str, params: dict[str, Any], who: Optional[str] = "agent",
                raw: Optional[bytes] = None, headers: Optional[dict[str, str]] = None) -> Reply:
        path = f"{PREFIX}/{group}/{name}"
        sent = {"Accept": "*/*", "Content-Type": "application/json", **(headers or {})}
        if verb == "GET":
            query = urlencode(self.params(params, who))
            response = self.api.client.http.request("GET", path + (f"?{query}" if query else ""), headers=sent,
                                                    body=b"")
        else:
            body = raw if raw is not None else json.dumps(self.params(params, who)).encode()
            response = self.api.client.http.request(verb, path, headers=sent, body=body)
        return Reply(response)

    def call(self, group: str, name: str, who: Optional[str] = "agent", **params: Any) -> Reply:
        """POST with a JSON body (what the documentation recommends)."""
        return self.request("POST", group, name, params, who=who)

    def get(self, group: str, name: str, who: Optional[str] = "agent", **params: Any) -> Reply:
        """GET with the parameters in the query string."""
        return self.request("GET", group, name, params, who=who)


def ok(reply: Reply) -> dict[str, Any]:
    """The answer of a successful call (HTTP 200, Response OK), or the assertion shows what came back."""
    assert reply.status == 200, reply
    body = reply.json
    assert body.get("Response") == "OK", reply
    return body


def failed(reply: Reply) -> str:
    """The Message of an error answer (always HTTP 200 in RS4OTRS)."""
    assert reply.status == 200, reply
    body = reply.json
    assert body.get("Response") == "ERROR", reply
    return body["Message"]


@pytest.fixture()
def rpc(api: Api) -> Iterator[Rpc]:
    yield Rpc(api)
