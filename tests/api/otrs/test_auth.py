"""/api/customer/auth/* and /account: the customer interface's login, token checks, cookie, logout,
and the error shapes every endpoint shares (seed 000 L1-560)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.api.otrs.conftest import Otrs

ACCOUNT_KEYS = {
    "ChangeBy", "UserID", "UserPhone", "UserShowTickets", "UserCity", "TicketListTicketsPerPage", "Source",
    "MultipleArticlesView", "ChangeTime", "UserLastname", "UserAvatar", "UserMailString", "TicketListOrderBy",
    "UserMobile", "CreateTime", "UserFax", "UserFullname", "UserZip", "ValidID", "UserStreet",
    "CustomerCompanyValidID", "UserComment", "UserLogin", "UserLoginFailed", "UserEmail", "UserLastLoginTimestamp",
    "UserCustomerID", "UserTitle", "CreateBy", "UserRefreshTime", "UserCountry", "TicketListSortBy", "UserFirstname",
    "UserLastLogin"}


def test_login_gives_a_token_the_other_endpoints_take(otrs: Otrs) -> None:
    reply = otrs.post("/auth/login", {"Username": "nicole.braun@example.com", "Password": "customer-password"},
                      who=None)
    assert reply.status == 200 and set(reply.json) == {"Token"}
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    token = reply.json["Token"]
    check = otrs.get("/auth/check", who=None, headers={"Authentication": f"Bearer {token}"})
    assert check.status == 200 and check.headers["x-otrs-api-version"] == "1.0.0"
    # the usual Authorization header works too
    assert otrs.get("/auth/check", who=None, headers={"Authorization": f"Bearer {token}"}).status == 200


@pytest.mark.parametrize("body, field", [
    ({"Username": "nicole.braun@example.com", "Password": "wrong"}, "Username"),
    ({"Username": "nobody@example.com", "Password": "customer-password"}, "Username"),
    ({"Username": "agent@example.com", "Password": "agent-password"}, "Username"),  # agents: not here
    ({"Password": "x"}, "Username"),
    ({"Username": "nicole.braun@example.com"}, "Password"),
])
def test_failed_logins_are_422_with_the_field(otrs: Otrs, body: dict, field: str) -> None:
    reply = otrs.post("/auth/login", body, who=None)
    assert reply.status == 422, reply
    assert list(reply.json["Errors"]) == [field] and reply.json["Errors"][field]["Message"]
    assert reply.headers["x-otrs-api-version"] == "1.0.0"


def test_the_same_wrong_answer_for_unknown_users_and_wrong_passwords(otrs: Otrs) -> None:
    wrong = otrs.post("/auth/login", {"Username": "nicole.braun@example.com", "Password": "nope"}, who=None)
    unknown = otrs.post("/auth/login", {"Username": "ghost@example.com", "Password": "nope"}, who=None)
    assert wrong.json == unknown.json


@pytest.mark.parametrize("headers", [
    {}, {"Authentication": "Bearer not-a-jwt"}, {"Authentication": "Basic bmljb2xlOng="},
    {"Cookie": "AuthenticationCustomer=not-a-jwt"},
])
def test_bad_tokens_are_401_bad_token(otrs: Otrs, headers: dict) -> None:
    reply = otrs.get("/account", who=None, headers=headers)
    assert reply.status == 401 and reply.json == {"Error": "Bad token."}
    assert reply.headers["x-otrs-api-version"] == "1.0.0"


def test_check_answers_token_is_invalid(otrs: Otrs) -> None:
    reply = otrs.get("/auth/check", who=None, headers={"Authentication": "Bearer nope"})
    assert reply.status == 401 and reply.json == {"Error": "Authentication token is invalid."}


def test_a_zammad_token_is_not_an_otrs_token(otrs: Otrs) -> None:
    """Tokens carry their dialect as audience: an /api/v1 OAuth token is refused here."""
    from chalicelib import bootstrap
    container = bootstrap.container()
    user = container.user_store.by_email("nicole.braun@example.com")
    token, _ = container.authenticator.issue_jwt(user, "zammad")
    assert otrs.get("/account", who=None, headers={"Authentication": f"Bearer {token}"}).status == 401


def test_an_agent_token_is_403_access_denied(otrs: Otrs) -> None:
    from chalicelib import bootstrap
    from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
    container = bootstrap.container()
    agent = container.user_store.by_email("agent@example.com")
    token, _ = container.authenticator.issue_jwt(agent, OTRS_CUSTOMER_AUDIENCE)
    reply = otrs.get("/account", who=None, headers={"Authentication": f"Bearer {token}"})
    assert reply.status == 403 and reply.json == {"Error": "Access denied."}


def test_logout_revokes_the_token(otrs: Otrs) -> None:
    token = otrs.login()
    reply = otrs.post("/auth/logout", who=None, headers={"Authentication": f"Bearer {token}"})
    assert reply.status == 200
    assert otrs.get("/account", who=None, headers={"Authentication": f"Bearer {token}"}).status == 401
    assert otrs.post("/auth/logout", who=None).status == 200  # no token: nothing to do, still 200


def test_cookie_is_set_from_a_valid_token_and_cleared_otherwise(otrs: Otrs) -> None:
    token = otrs.login()
    made = otrs.get("/auth/cookie", who=None, headers={"Authentication": f"Bearer {token}"})
    assert made.status == 200
    cookie = made.headers["set-cookie"]
    assert cookie.startswith(f"AuthenticationCustomer={token};")
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/api"):
        assert attribute in cookie
    assert "Max-Age=0" not in cookie
    cleared = otrs.get("/auth/cookie", who=None)
    assert cleared.status == 200 and "Max-Age=0" in cleared.headers["set-cookie"]
    assert otrs.get("/auth/cookie", who=None, headers={"Authentication": "Bearer junk"}).headers[
        "set-cookie"].startswith("AuthenticationCustomer=;")


def test_the_cookie_authenticates_only_where_the_endpoint_takes_it(otrs: Otrs) -> None:
    token = otrs.login()
    assert otrs.get("/auth/check", who=None, headers={"Cookie": f"AuthenticationCustomer={token}"}).status == 200
    assert otrs.get("/account", who=None, headers={"Cookie": f"AuthenticationCustomer={token}"}).status == 401


def test_account_is_the_customer_user(otrs: Otrs) -> None:
    reply = otrs.get("/account")
    assert reply.status == 200, reply
    account: dict[str, Any] = reply.json
    assert set(account) == ACCOUNT_KEYS
    assert account["UserLogin"] == "nicole.braun@example.com" and account["UserFirstname"] == "Nicole"
    assert account["UserMailString"] == '"Nicole Braun" <nicole.braun@example.com>'
    assert account["UserCustomerID"] == "example.com"  # Demo Company's mail domain
    assert account["Source"] == "CustomerUser" and account["ValidID"] == "1"
    assert all(v is None or isinstance(v, str) for v in account.values())
    assert len(account["CreateTime"]) == 19 and account["CreateTime"][10] == " "


def test_fake_customer_login_only_on_a_development_server(otrs: Otrs, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap, settings
    fake = {"X-OTRS-API-FakeCustomerLogin": "nicole.braun@example.com"}
    assert otrs.get("/account", who=None, headers=fake).status == 401
    monkeypatch.setenv("HELPDESK_OTRS_DEV_SERVER", "1")
    settings.reset()
    bootstrap.container().settings = settings.get()
    assert otrs.get("/account", who=None, headers=fake).json["UserLogin"] == "nicole.braun@example.com"
