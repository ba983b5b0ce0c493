"""/api/customer/account/*: register, recover, reset, personal preferences (seed 000 L82-388), and the
custom 900 error list as it reaches clients locally (900) and behind API Gateway (422 + header)."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from tests.api.otrs.conftest import Otrs
from tests.core.fakes import FakeMailer


@pytest.fixture()
def mails(otrs: Otrs) -> Iterator[FakeMailer]:
    """What the account service mails (the Mailer port), captured."""
    from chalicelib import bootstrap
    fake = FakeMailer()
    bootstrap.container().customer_accounts._mailer = fake
    yield fake


def mailed_password(mail: Any) -> str:
    return re.search(r"[Pp]assword: *(\S+)", mail.body).group(1)


def test_register_creates_a_customer_who_can_sign_in_with_the_mailed_password(otrs: Otrs, mails: FakeMailer) -> None:
    reply = otrs.post("/account/register", {"EmailAddress": "New.Person@Example.org", "FirstName": "New",
                                            "LastName": "Person"}, who=None)
    assert reply.status == 200, reply
    assert reply.json == {"UserLogin": "new.person@example.org"}
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    assert len(mails.sent) == 1 and mails.sent[0].to == ("new.person@example.org",)
    login = otrs.post("/auth/login", {"Username": "new.person@example.org", "Password": mailed_password(mails.sent[0])},
                      who=None)
    assert login.status == 200 and login.json["Token"]
    # the agents see the new customer in /api/v1
    found = otrs.api.get("/api/v1/users/search?query=new.person@example.org", who="admin").json
    assert [u["login"] for u in found] == ["new.person@example.org"]


def test_register_validates_and_refuses_a_taken_address_with_900(otrs: Otrs, mails: FakeMailer) -> None:
    bad = otrs.post("/account/register", {"EmailAddress": "not-an-address", "FirstName": "A", "LastName": "B"},
                    who=None)
    assert bad.status == 422 and list(bad.json["Errors"]) == ["EmailAddress"]
    missing = otrs.post("/account/register", {"EmailAddress": "x@example.org", "LastName": "B"}, who=None)
    assert missing.status == 422 and list(missing.json["Errors"]) == ["FirstName"]
    taken = otrs.post("/account/register", {"EmailAddress": "nicole.braun@example.com", "FirstName": "N",
                                            "LastName": "B"}, who=None)
    assert taken.status == 900, taken
    assert taken.json == [{"ErrorIdentifier": "EmailAddressAlreadyExists",
                           "ErrorMessage": taken.json[0]["ErrorMessage"]}]
    assert taken.json[0]["ErrorMessage"] and "x-otrs-api-error-status" not in taken.headers
    assert mails.sent == []


def test_behind_api_gateway_the_900_list_comes_as_422_with_a_header(otrs: Otrs, monkeypatch: pytest.MonkeyPatch,
                                                                     mails: FakeMailer) -> None:
    """A deployed stage (HELPDESK_OTRS_CUSTOM_ERROR_STATUS defaults to 422 outside local/test)."""
    from chalicelib import bootstrap, settings
    monkeypatch.setenv("HELPDESK_STAGE", "dev")
    monkeypatch.setenv("HELPDESK_JWT_SECRET", "x" * 48)
    settings.reset()
    assert settings.get().otrs_custom_error_status == 422
    bootstrap.container().settings = settings.get()
    taken = otrs.post("/account/register", {"EmailAddress": "nicole.braun@example.com", "FirstName": "N",
                                            "LastName": "B"}, who=None)
    assert taken.status == 422 and taken.headers["x-otrs-api-error-status"] == "900"
    assert taken.json[0]["ErrorIdentifier"] == "EmailAddressAlreadyExists"
    plain = otrs.post("/account/register", {"EmailAddress": "nope", "FirstName": "N", "LastName": "B"}, who=None)
    assert plain.status == 422 and "x-otrs-api-error-status" not in plain.headers and "Errors" in plain.json


def test_recover_then_reset_sets_a_new_mailed_password_once(otrs: Otrs, mails: FakeMailer) -> None:
    assert otrs.post("/account/recover", {"EmailAddress": "nicole.braun@example.com"}, who=None).status == 200
    token = next(line for line in mails.sent[0].body.splitlines() if re.fullmatch(r"[A-Za-z0-9_-]{40,}", line))
    reset = otrs.post("/account/reset", {"Token": token}, who=None)
    assert reset.status == 200, reset
    password = mailed_password(mails.sent[1])
    assert otrs.post("/auth/login", {"Username": "nicole.braun@example.com", "Password": password},
                     who=None).status == 200
    assert otrs.post("/auth/login", {"Username": "nicole.braun@example.com", "Password": "customer-password"},
                     who=None).status == 422
    again = otrs.post("/account/reset", {"Token": token}, who=None)
    assert again.status == 900 and again.json[0]["ErrorIdentifier"] == "PasswordResetTokenInvalid"


def test_recover_answers_the_same_for_unknown_addresses(otrs: Otrs, mails: FakeMailer) -> None:
    known = otrs.post("/account/recover", {"EmailAddress": "nicole.braun@example.com"}, who=None)
    unknown = otrs.post("/account/recover", {"EmailAddress": "ghost@example.com"}, who=None)
    assert (known.status, known.json) == (unknown.status, unknown.json) == (200, known.json)
    assert len(mails.sent) == 1
    assert otrs.post("/account/recover", {}, who=None).status == 422


def test_reset_needs_a_token(otrs: Otrs) -> None:
    assert otrs.post("/account/reset", {}, who=None).json == {"Errors": {"Token": {"Message": "Token is required."}}}
    bogus = otrs.post("/account/reset", {"Token": "x" * 43}, who=None)
    assert bogus.status == 900 and bogus.json[0]["ErrorIdentifier"] == "PasswordResetTokenInvalid"


def test_personal_preferences(otrs: Otrs) -> None:
    saved = otrs.post("/account/personal-preferences", {"TicketListTicketsPerPage": "25", "UserLanguage": "de"})
    assert saved.status == 200, saved
    assert otrs.get("/account").json["TicketListTicketsPerPage"] == "25"
    short = otrs.post("/account/personal-preferences", {"Password": "short"})
    assert short.status == 422
    assert short.json == {"Errors": {"Password": {"Data": ["8"],
                                                  "Message": "Password must have at least %d character(s)."}}}
    unknown = otrs.post("/account/personal-preferences", {"Nonsense": "1"})
    assert unknown.status == 422 and list(unknown.json["Errors"]) == ["Nonsense"]
    assert otrs.post("/account/personal-preferences", {"Password": "long-enough-1"}).status == 200
    assert otrs.post("/auth/login", {"Username": "nicole.braun@example.com", "Password": "long-enough-1"},
                     who=None).status == 200
    assert otrs.post("/account/personal-preferences", {"UserLanguage": "de"}, who=None).status == 401


@pytest.mark.parametrize("switch, paths", [
    ("HELPDESK_CUSTOMER_REGISTRATION", ["/account/register"]),
    ("HELPDESK_CUSTOMER_PASSWORD_RECOVERY", ["/account/recover", "/account/reset"]),
])
def test_switched_off_features_are_refused_as_the_config_says(otrs: Otrs, monkeypatch: pytest.MonkeyPatch,
                                                               switch: str, paths: list[str]) -> None:
    from chalicelib import bootstrap, settings
    monkeypatch.setenv(switch, "0")
    settings.reset()
    bootstrap.container().settings = settings.get()
    for path in paths:
        reply = otrs.post(path, {"EmailAddress": "x@example.org", "FirstName": "A", "LastName": "B", "Token": "t"},
                          who=None)
        assert reply.status == 403 and reply.json == {"Error": "Access denied."}, (path, reply)


@pytest.fixture()
def two_mails_an_hour(otrs: Otrs) -> None:
    """The account-mail limit lowered to 2 an hour (HELPDESK_ACCOUNT_MAIL_RATE)."""
    from chalicelib import bootstrap
    from chalicelib.core.rate_limit import RateLimiter
    from chalicelib.storage.rate_windows import RateWindowStore
    container = bootstrap.container()
    container.account_mail_rate = RateLimiter(RateWindowStore(), container.clock, 2, window_seconds=3600)


def test_recovery_and_registration_mails_are_rate_limited(otrs: Otrs, mails: FakeMailer,
                                                          two_mails_an_hour: None) -> None:
    for _ in range(2):
        assert otrs.post("/account/recover", {"EmailAddress": "nicole.braun@example.com"}, who=None).status == 200
    refused = otrs.post("/account/recover", {"EmailAddress": "nicole.braun@example.com"}, who=None)
    assert refused.status == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
    assert "Error" in refused.json and len(mails.sent) == 2  # the third mail never left
    # the same client is refused for any other address, and registration counts too
    other = otrs.post("/account/register", {"EmailAddress": "new@example.com", "FirstName": "N",
                                            "LastName": "N"}, who=None)
    assert other.status == 429 and len(mails.sent) == 2
