"""RS4OTRS /auth/login, /auth/logout, /auth/lostPassword (RS4OTRS-METHODS.md §3.1-3.3)."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from tests.api.rs4otrs.conftest import SESSION_INVALID, Rpc, failed, ok
from tests.core.fakes import FakeMailer

LOGIN_FAILED = "Login failed! Your user name or password was entered incorrectly."
INSTRUCTIONS_SENT = "Sent password reset instructions. Please check your email."


@pytest.fixture()
def mails(rpc: Rpc) -> Iterator[FakeMailer]:
    """What the agents' password recovery mails (the Mailer port), captured."""
    from chalicelib import bootstrap
    fake = FakeMailer()
    bootstrap.container().agent_password_recovery._mailer = fake
    yield fake


class BrokenMailer:
    def send(self, mail: Any) -> None:
        raise RuntimeError("SES is down")


def test_login_answers_the_session_the_agent_and_the_settings(rpc: Rpc) -> None:
    agent = rpc.credentials["agent"]
    body = rpc.login("agent")
    assert body["Message"] == "Successful login"
    assert body["SessionName"] == "OTRSAgentInterface"
    assert body["SessionValue"] and body["ChallengeToken"] and body["ChallengeToken"] != body["SessionValue"]
    assert body["Me"] == {"UserLogin": agent["email"], "Email": agent["email"], "FirstName": "Agent",
                          "LastName": "Smith", "FullName": "Agent Smith", "ID": agent["id"], "Avatar": None}
    assert body["Settings"] == {"Language": "en"}
    # the session works as the parameter named by SessionName, in a JSON body and in the query string
    assert ok(rpc.call("users", "getUserPermissions"))["Groups"]
    assert ok(rpc.get("users", "getUserPermissions"))["Groups"]


def test_login_by_get_and_each_session_gets_its_own_challenge(rpc: Rpc) -> None:
    agent = rpc.credentials["agent"]
    by_get = ok(rpc.get("auth", "login", who=None, User=agent["email"], Password=agent["password"]))
    assert by_get["SessionValue"] != rpc.session("agent")
    assert by_get["ChallengeToken"] != rpc.login("agent")["ChallengeToken"]


@pytest.mark.parametrize("who, password", [("agent", "wrong password"), ("customer", None), ("nobody", "x")])
def test_login_fails_with_one_message(rpc: Rpc, who: str, password: Any) -> None:
    """Wrong password, a customer (no agent), an unknown user: the same text."""
    login = rpc.credentials[who]["email"] if who in rpc.credentials else "nobody@example.com"
    password = password or rpc.credentials[who]["password"]
    assert failed(rpc.call("auth", "login", who=None, User=login, Password=password)) == LOGIN_FAILED


def test_login_names_the_missing_fields(rpc: Rpc) -> None:
    assert failed(rpc.call("auth", "login", who=None)) == "Required fields is not defined: User, Password"
    assert failed(rpc.get("auth", "login", who=None, User="x")) == "Required fields is not defined: Password"
    assert failed(rpc.call("auth", "login", who=None, User=["x"], Password={"a": 1})) == LOGIN_FAILED


def test_logout_needs_the_challenge_token_and_ends_the_session(rpc: Rpc) -> None:
    session = rpc.login("agent")
    assert failed(rpc.call("auth", "logout")) == "Required fields is not defined: ChallengeToken"
    assert failed(rpc.call("auth", "logout", ChallengeToken="not-it")) == "Invalid Challenge Token!"
    # another session's challenge is not this one's
    assert failed(rpc.call("auth", "logout", ChallengeToken=rpc.login("admin")["ChallengeToken"])) == \
        "Invalid Challenge Token!"
    assert ok(rpc.call("auth", "logout", ChallengeToken=session["ChallengeToken"])) == \
        {"Response": "OK", "Message": "Logout successful."}
    assert failed(rpc.call("users", "getUserPermissions")) == SESSION_INVALID
    assert failed(rpc.call("auth", "logout", ChallengeToken=session["ChallengeToken"])) == SESSION_INVALID
    # the admin's session is untouched
    assert ok(rpc.call("users", "getUserPermissions", who="admin"))


def test_logout_by_get(rpc: Rpc) -> None:
    challenge = rpc.login("agent")["ChallengeToken"]
    assert ok(rpc.get("auth", "logout", ChallengeToken=challenge))["Message"] == "Logout successful."
    assert failed(rpc.get("auth", "logout", ChallengeToken=challenge)) == SESSION_INVALID
    assert failed(rpc.get("auth", "logout", who=None, ChallengeToken=challenge)) == SESSION_INVALID


def mailed_token(mail: Any) -> str:
    return mail.body.split("\n\n")[2].strip()


def test_lost_password_mails_a_token_that_mails_a_new_password_once(rpc: Rpc, mails: FakeMailer) -> None:
    agent = rpc.credentials["agent"]
    assert ok(rpc.call("auth", "lostPassword", who=None, User=agent["email"]))["Message"] == INSTRUCTIONS_SENT
    assert len(mails.sent) == 1 and mails.sent[0].to == (agent["email"],)
    token = mailed_token(mails.sent[0])
    assert "/otrs/api/auth/lostPassword" in mails.sent[0].body
    answer = ok(rpc.get("auth", "lostPassword", who=None, User=agent["email"], Token=token))
    assert answer["Message"] == f"Sent new password to '{agent['email']}'. Please check your email."
    password = re.search(r"Password: (\S+)", mails.sent[1].body).group(1)
    assert failed(rpc.call("auth", "login", who=None, User=agent["email"], Password=agent["password"])) == LOGIN_FAILED
    assert ok(rpc.call("auth", "login", who=None, User=agent["email"], Password=password))
    # used up
    assert failed(rpc.call("auth", "lostPassword", who=None, Token=token)) == "Invalid token."


def test_lost_password_answers_the_same_for_unknown_users_and_customers(rpc: Rpc, mails: FakeMailer) -> None:
    for login in ("nobody@example.com", rpc.credentials["customer"]["email"]):
        assert ok(rpc.call("auth", "lostPassword", who=None, User=login))["Message"] == INSTRUCTIONS_SENT
    assert mails.sent == []
    assert failed(rpc.call("auth", "lostPassword", who=None)) == "Required fields is not defined: User"


def test_lost_password_refuses_bad_foreign_and_mismatched_tokens(rpc: Rpc, mails: FakeMailer) -> None:
    for token in ("garbage", "x" * 500, "ünicode"):
        assert failed(rpc.call("auth", "lostPassword", who=None, Token=token)) == "Invalid token."
    ok(rpc.call("auth", "lostPassword", who=None, User=rpc.credentials["agent"]["email"]))
    token = mailed_token(mails.sent[0])
    # the token is the agent's, not the admin's: refused, and still good for the agent
    assert failed(rpc.call("auth", "lostPassword", who=None, User=rpc.credentials["admin"]["email"],
                           Token=token)) == "Invalid token."
    assert ok(rpc.call("auth", "lostPassword", who=None, Token=token))


def test_lost_password_when_the_mail_fails(rpc: Rpc, mails: FakeMailer) -> None:
    from chalicelib import bootstrap
    agent = rpc.credentials["agent"]
    ok(rpc.call("auth", "lostPassword", who=None, User=agent["email"]))
    token = mailed_token(mails.sent[0])
    bootstrap.container().agent_password_recovery._mailer = BrokenMailer()
    assert failed(rpc.call("auth", "lostPassword", who=None, User=agent["email"])) == \
        "Please contact the administrator."
    # the new password could not be mailed: nothing changed, the token is given back
    assert failed(rpc.call("auth", "lostPassword", who=None, Token=token)) == "Please contact the administrator."
    assert ok(rpc.call("auth", "login", who=None, User=agent["email"], Password=agent["password"]))
    bootstrap.container().agent_password_recovery._mailer = mails
    assert ok(rpc.call("auth", "lostPassword", who=None, Token=token))


def test_lost_password_is_rate_limited_per_client_and_per_user(rpc: Rpc, mails: FakeMailer) -> None:
    from chalicelib import bootstrap
    from chalicelib.core.rate_limit import RateLimiter
    from chalicelib.storage.rate_windows import RateWindowStore
    container = bootstrap.container()
    container.account_mail_rate = RateLimiter(RateWindowStore(), container.clock, 2, window_seconds=3600)
    agent = rpc.credentials["agent"]["email"]
    for _ in range(2):
        assert ok(rpc.call("auth", "lostPassword", who=None, User=agent))["Message"] == INSTRUCTIONS_SENT
    message = failed(rpc.call("auth", "lostPassword", who=None, User=agent))
    assert message.startswith("Rate limit exceeded. Try again in ") and len(mails.sent) == 2
    # guessing tokens counts against the same client
    assert failed(rpc.call("auth", "lostPassword", who=None, Token="x" * 43)).startswith("Rate limit exceeded.")
