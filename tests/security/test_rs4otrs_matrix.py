"""The RS4OTRS RPC's security matrix: EVERY registered (group, method) except login and lostPassword refuses
a call without a valid agent session with RS4OTRS's one answer (HTTP 200, `Session invalid. Please log in
again.`), and an unknown group or method is the UNKNOWN_METHOD error. The table is read after the app
is imported, so a method added later is covered without touching this file."""
from __future__ import annotations

from typing import Callable, Optional

import pytest

from tests.api.rs4otrs.conftest import SESSION_INVALID, SESSION_NAME, Rpc, failed, ok
from tests.api.rs4otrs.conftest import rpc  # noqa: F401  (the fixture, outside its directory)

NO_SESSION_NEEDED = {("auth", "login"), ("auth", "lostPassword")}


def session_methods() -> list[tuple[str, str]]:
    import app  # noqa: F401  (registers every group module)
    from chalicelib.api.rs4otrs.dialect import METHODS
    return sorted(key for key, found in METHODS.items() if found.session)


def issued(rpc: Rpc, who: str, audience: Optional[str] = None) -> str:
    """A token issued by the app's authenticator for a demo user (RS4OTRS's audience unless another)."""
    from chalicelib import bootstrap
    from chalicelib.auth.authorizers import RS4OTRS_AUDIENCE
    container = bootstrap.container()
    user = container.user_store.by_email(rpc.credentials[who]["email"])
    token, _ = container.authenticator.issue_jwt(user, audience or RS4OTRS_AUDIENCE)
    return token


def revoked(rpc: Rpc) -> str:
    """An agent session ended by /auth/logout."""
    session = rpc.login("agent")
    ok(rpc.call("auth", "logout", ChallengeToken=session["ChallengeToken"]))
    return session["SessionValue"]


def refused_everywhere(rpc: Rpc, params: dict) -> None:
    methods = session_methods()
    assert len(methods) >= 15
    for group, name in methods:
        for verb in ("POST", "GET"):
            reply = rpc.request(verb, group, name, params, who=None)
            assert reply.status == 200 and reply.json == {"Response": "ERROR", "Message": SESSION_INVALID}, \
                (verb, group, name, reply)


CREDENTIALS: dict[str, Callable[[Rpc], dict]] = {
    "no session parameter": lambda rpc: {},
    "an empty session": lambda rpc: {SESSION_NAME: ""},
    "a session that is no string": lambda rpc: {SESSION_NAME: ["x"]},
    "a bad token": lambda rpc: {SESSION_NAME: "not.a.token"},
    "a customer's token": lambda rpc: {SESSION_NAME: issued(rpc, "customer")},
    "an agent's token for another interface": lambda rpc: {SESSION_NAME: issued(rpc, "agent", "otrs-customer")},
    "a revoked token": lambda rpc: {SESSION_NAME: revoked(rpc)},
    "the token under another name": lambda rpc: {"SessionID": rpc.session("admin")},
}


@pytest.mark.parametrize("credential", list(CREDENTIALS))
def test_every_method_refuses_without_a_valid_agent_session(rpc: Rpc, credential: str) -> None:
    params = CREDENTIALS[credential](rpc)
    if credential == "a session that is no string":  # a list only travels in a JSON body
        for group, name in session_methods():
            assert failed(rpc.request("POST", group, name, params, who=None)) == SESSION_INVALID, (group, name)
        return
    refused_everywhere(rpc, params)


def test_login_and_lost_password_need_no_session(rpc: Rpc) -> None:
    import app  # noqa: F401
    from chalicelib.api.rs4otrs.dialect import METHODS
    assert {key for key, found in METHODS.items() if not found.session} == NO_SESSION_NEEDED
    agent = rpc.credentials["agent"]
    assert ok(rpc.call("auth", "login", who=None, User=agent["email"], Password=agent["password"]))
    assert ok(rpc.call("auth", "lostPassword", who=None, User="nobody@example.com"))


@pytest.mark.parametrize("path", ["nosuch/login", "auth/nosuch", "Auth/login", "auth/Login", "tickets/getticketlist"])
def test_an_unknown_group_or_method_is_the_unknown_method_error(rpc: Rpc, path: str) -> None:
    from chalicelib.api.rs4otrs.routes import UNKNOWN_METHOD
    group, name = path.split("/")
    for verb in ("POST", "GET"):
        assert failed(rpc.request(verb, group, name, {})) == UNKNOWN_METHOD
        assert failed(rpc.request(verb, group, name, {}, who=None)) == UNKNOWN_METHOD
