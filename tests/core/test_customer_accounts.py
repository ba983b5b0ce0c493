"""Customer accounts (core/customer_accounts.py) on fakes: register, recover, reset, personal preferences."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.auth.tokens import hash_password, verify_password
from chalicelib.core.customer_accounts import (ADDING_CUSTOMER_FAILED, EMAIL_ADDRESS_ALREADY_EXISTS,
                                               PASSWORD_RESET_FAILED, RECOVER_MAIL_FAILED, REGISTER_MAIL_FAILED,
                                               RESET_MAIL_FAILED, RESET_TOKEN_INVALID, CustomerAccounts)
from chalicelib.core.errors import InvalidInput, OperationFailed, PermissionDenied
from chalicelib.core.model import ROLE_AGENT, ROLE_CUSTOMER, Mail, Organization, Principal, User
from chalicelib.core.users import UserDirectory
from tests.core.fakes import (FailingMailer, FakeClock, FakeDirectoryOrganizations, FakeDirectoryUsers, FakeIds,
                              FakeResetTokenRepository)

FQDN = "support.example.com"
MIN_LENGTH = 8
TOKEN_MINUTES = 60
PASSWORD_LINE = re.compile(r"^Password: (\S+)$", re.MULTILINE)
TOKEN_LINE = re.compile(r"^([A-Za-z0-9_-]{43})$", re.MULTILINE)


@dataclass
class Accounts:
    service: CustomerAccounts
    users: FakeDirectoryUsers
    organizations: FakeDirectoryOrganizations
    tokens: FakeResetTokenRepository
    mailer: FailingMailer
    clock: FakeClock
    ids: FakeIds
    hashed: list[str] = field(default_factory=list)  # every password the hasher saw

    def user(self, email: str) -> User:
        found = self.users.by_email(email)
        assert found is not None
        return found

    def add_customer(self, email: str, password: str = "old-password", **extra: Any) -> User:
        user = User(id=self.ids.next_id("user"), login=email, email=email, firstname="Theo", lastname="Test",
                    password_hash=hash_password(password, 4), role_ids=extra.pop("role_ids", [ROLE_CUSTOMER]),
                    **extra)
        self.users.create(user)
        return user

    def principal(self, user: User) -> Principal:
        return Principal(user=user, permissions=user.permissions)


def make_accounts(password_min_length: int = MIN_LENGTH) -> Accounts:
    clock, ids = FakeClock(), FakeIds()
    users, organizations = FakeDirectoryUsers(), FakeDirectoryOrganizations()
    tokens, mailer = FakeResetTokenRepository(), FailingMailer()
    hashed: list[str] = []

    def hasher(password: str) -> str:
        hashed.append(password)
        return hash_password(password, 4)  # the real scheme, cheap: the mailed password must verify

    directory = UserDirectory(users, organizations, ids, clock)
    service = CustomerAccounts(directory, tokens, mailer, clock, hasher, reset_token_minutes=TOKEN_MINUTES,
                               password_min_length=password_min_length, fqdn=FQDN)
    return Accounts(service, users, organizations, tokens, mailer, clock, ids, hashed)


@pytest.fixture()
def accounts() -> Accounts:
    return make_accounts()


def mailed_password(mail: Mail) -> str:
    match = PASSWORD_LINE.search(mail.body)
    assert match, mail.body
    return match.group(1)


def mailed_token(mail: Mail) -> str:
    match = TOKEN_LINE.search(mail.body)
    assert match, mail.body
    return match.group(1)


def failure(error: pytest.ExceptionInfo[OperationFailed]) -> tuple[str, str]:
    return error.value.identifier, error.value.message


# --- register ----------------------------------------------------------------------------------------

def test_register_creates_a_customer_whose_login_is_the_email_and_mails_a_working_password(
        accounts: Accounts) -> None:
    user = accounts.service.register("  Theo.Test@Example.COM ", "Theo", "Test")
    stored = accounts.user("theo.test@example.com")
    assert (stored.id, stored.login, stored.email) == (user.id, "theo.test@example.com", "theo.test@example.com")
    assert (stored.firstname, stored.lastname, stored.role_ids) == ("Theo", "Test", [ROLE_CUSTOMER])
    assert stored.active and stored.permissions >= {"ticket.customer"}
    (mail,) = accounts.mailer.sent
    assert mail.to == ("theo.test@example.com",)
    assert "Login: theo.test@example.com" in mail.body
    password = mailed_password(mail)
    assert len(password) >= 16
    assert verify_password(password, stored.password_hash)
    assert not verify_password(password + "x", stored.password_hash)


def test_each_registration_gets_its_own_password(accounts: Accounts) -> None:
    accounts.service.register("one@example.com", "One", "Customer")
    accounts.service.register("two@example.com", "Two", "Customer")
    first, second = (mailed_password(mail) for mail in accounts.mailer.sent)
    assert first != second


def test_a_longer_configured_minimum_makes_longer_generated_passwords() -> None:
    accounts = make_accounts(password_min_length=40)
    accounts.service.register("long@example.com", "Long", "Password")
    assert len(mailed_password(accounts.mailer.sent[0])) == 40


def test_register_joins_the_organization_that_assigns_the_email_domain(accounts: Accounts) -> None:
    accounts.organizations.create(Organization(id=1, name="Example", domain="example.com", domain_assignment=True))
    accounts.organizations.create(Organization(id=2, name="Other", domain="other.com", domain_assignment=False))
    assert accounts.service.register("theo@Example.com", "Theo", "Test").organization_id == 1
    assert accounts.service.register("ola@other.com", "Ola", "Other").organization_id is None
    assert accounts.user("theo@example.com").organization_id == 1


@pytest.mark.parametrize("email", ["", "   ", None, 42, "not-an-address", "a@b", "two@@example.com",
                                   "spaces in@example.com", "x" * 250 + "@example.com"])
def test_register_refuses_a_malformed_email_address(accounts: Accounts, email: Any) -> None:
    before = dict(accounts.users.users)
    with pytest.raises(InvalidInput) as error:
        accounts.service.register(email, "Theo", "Test")
    assert error.value.field == "EmailAddress"
    assert accounts.users.users == before and accounts.mailer.sent == []


@pytest.mark.parametrize("first, last, field_name", [("", "Test", "FirstName"), ("Theo", "  ", "LastName"),
                                                     (None, "Test", "FirstName"), ("Theo", "x" * 256, "LastName")])
def test_register_requires_both_names(accounts: Accounts, first: Any, last: Any, field_name: str) -> None:
    with pytest.raises(InvalidInput) as error:
        accounts.service.register("theo@example.com", first, last)
    assert error.value.field == field_name
    assert accounts.users.by_email("theo@example.com") is None and accounts.mailer.sent == []


def test_register_refuses_an_address_that_has_an_account(accounts: Accounts) -> None:
    existing = accounts.add_customer("theo@example.com")
    with pytest.raises(OperationFailed) as error:
        accounts.service.register("THEO@example.com", "Someone", "Else")
    assert failure(error) == EMAIL_ADDRESS_ALREADY_EXISTS
    assert error.value.identifier == "EmailAddressAlreadyExists"
    assert error.value.message == "This e-mail address already exists. Please log in or reset your password."
    assert accounts.user("theo@example.com") == existing and accounts.mailer.sent == []


def test_register_refuses_an_address_another_account_has_as_login(accounts: Accounts) -> None:
    accounts.users.create(User(id=accounts.ids.next_id("user"), login="theo@example.com", email="t@elsewhere.com"))
    with pytest.raises(OperationFailed) as error:
        accounts.service.register("theo@example.com", "Theo", "Test")
    assert failure(error) == ADDING_CUSTOMER_FAILED == ("AddingCustomerFailed", "Could not add new customer user.")
    assert accounts.users.by_email("theo@example.com") is None and accounts.mailer.sent == []


def test_losing_a_registration_race_is_email_already_exists(accounts: Accounts,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    create = accounts.users.create

    def another_request_first(user: User) -> None:
        create(User(id=999, login=user.login, email=user.email, role_ids=[ROLE_CUSTOMER]))
        create(user)  # now a Conflict, as the store's conditional write would be
    monkeypatch.setattr(accounts.users, "create", another_request_first)
    with pytest.raises(OperationFailed) as error:
        accounts.service.register("theo@example.com", "Theo", "Test")
    assert failure(error) == EMAIL_ADDRESS_ALREADY_EXISTS
    assert accounts.user("theo@example.com").id == 999 and accounts.mailer.sent == []


def test_register_removes_the_account_again_when_the_mail_fails(accounts: Accounts) -> None:
    before = dict(accounts.users.users)
    accounts.mailer.failing = True
    with pytest.raises(OperationFailed) as error:
        accounts.service.register("theo@example.com", "Theo", "Test")
    assert failure(error) == REGISTER_MAIL_FAILED == (
        "EmailSendingFailed", "Could not send email with new customer user account information.")
    assert accounts.users.users == before
    assert accounts.users.by_email("theo@example.com") is None and accounts.users.by_login("theo@example.com") is None
    accounts.mailer.failing = False
    accounts.service.register("theo@example.com", "Theo", "Test")  # the address is free again
    assert accounts.user("theo@example.com").login == "theo@example.com"


# --- recover -----------------------------------------------------------------------------------------

def test_recover_stores_a_token_by_its_hash_only_and_mails_the_token(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com")
    assert accounts.service.recover(" Theo@Example.com") is None
    (mail,) = accounts.mailer.sent
    assert mail.to == ("theo@example.com",)
    token = mailed_token(mail)
    assert f"POST https://{FQDN}/api/customer/account/reset" in mail.body
    (stored,) = accounts.tokens.tokens.values()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert token not in repr(accounts.tokens.tokens)
    assert stored.user_id == user.id
    assert stored.expires_at == int((accounts.clock.now() + timedelta(minutes=TOKEN_MINUTES)).timestamp())


@pytest.mark.parametrize("who", ["nobody", "inactive", "agent"])
def test_recover_answers_the_same_without_an_active_customer_and_sends_nothing(accounts: Accounts,
                                                                              who: str) -> None:
    if who == "inactive":
        accounts.add_customer("theo@example.com", active=False)
    elif who == "agent":
        accounts.add_customer("theo@example.com", role_ids=[ROLE_AGENT])
    assert accounts.service.recover("theo@example.com") is None
    assert accounts.tokens.tokens == {} and accounts.mailer.sent == []


def test_recover_refuses_a_malformed_email_address(accounts: Accounts) -> None:
    with pytest.raises(InvalidInput) as error:
        accounts.service.recover("not-an-address")
    assert error.value.field == "EmailAddress"


def test_recover_deletes_the_token_when_the_mail_fails(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com")
    accounts.mailer.failing = True
    with pytest.raises(OperationFailed) as error:
        accounts.service.recover("theo@example.com")
    assert failure(error) == RECOVER_MAIL_FAILED == (
        "EmailSendingFailed", "Could not send password recovery instructions via email. Please contact the "
                              "administrator.")
    assert accounts.tokens.tokens == {}


# --- reset -------------------------------------------------------------------------------------------

def recovered_token(accounts: Accounts, email: str = "theo@example.com") -> str:
    accounts.service.recover(email)
    return mailed_token(accounts.mailer.sent[-1])


def test_reset_sets_a_new_password_and_mails_it_to_the_account_address(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com", password="old-password")
    token = recovered_token(accounts)
    accounts.clock.advance(60)
    assert accounts.service.reset(token) is None
    mail = accounts.mailer.sent[-1]
    assert mail.to == ("theo@example.com",)
    stored = accounts.user("theo@example.com")
    assert verify_password(mailed_password(mail), stored.password_hash)
    assert not verify_password("old-password", stored.password_hash)
    assert accounts.tokens.tokens == {}


def test_a_token_works_once(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com")
    token = recovered_token(accounts)
    accounts.service.reset(token)
    first = accounts.user("theo@example.com").password_hash
    with pytest.raises(OperationFailed) as error:
        accounts.service.reset(token)
    assert failure(error) == RESET_TOKEN_INVALID == (
        "PasswordResetTokenInvalid", "Supplied password reset token is invalid. Please check your link.")
    assert accounts.user("theo@example.com").password_hash == first
    assert len(accounts.mailer.sent) == 2  # the token, one new password


def test_a_token_expires_after_the_configured_minutes(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com", password="old-password")
    token = recovered_token(accounts)
    accounts.clock.advance(TOKEN_MINUTES * 60)
    with pytest.raises(OperationFailed) as error:
        accounts.service.reset(token)
    assert failure(error) == RESET_TOKEN_INVALID
    assert verify_password("old-password", accounts.user("theo@example.com").password_hash)


def test_a_token_works_until_its_last_second(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com")
    token = recovered_token(accounts)
    accounts.clock.advance(TOKEN_MINUTES * 60 - 1)
    accounts.service.reset(token)
    assert len(accounts.mailer.sent) == 2


@pytest.mark.parametrize("token", ["unknown-token", "ä" * 43, "x" * 5000])
def test_reset_refuses_tokens_it_never_gave_out(accounts: Accounts, token: str) -> None:
    accounts.add_customer("theo@example.com")
    recovered_token(accounts)
    with pytest.raises(OperationFailed) as error:
        accounts.service.reset(token)
    assert failure(error) == RESET_TOKEN_INVALID
    assert len(accounts.tokens.tokens) == 1


@pytest.mark.parametrize("token", ["", "   ", None, 7])
def test_reset_requires_a_token(accounts: Accounts, token: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        accounts.service.reset(token)
    assert error.value.field == "Token"


def test_of_two_concurrent_resets_with_one_token_exactly_one_wins(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com")
    token = recovered_token(accounts)
    winner: list[None] = []
    # the other request reads the token too, but consumes it just before this one does
    accounts.tokens.before_consume = lambda: winner.append(accounts.service.reset(token))
    with pytest.raises(OperationFailed) as error:
        accounts.service.reset(token)
    assert failure(error) == RESET_TOKEN_INVALID
    assert winner == [None]
    password_mails = [mail for mail in accounts.mailer.sent if PASSWORD_LINE.search(mail.body)]
    assert len(password_mails) == 1
    assert verify_password(mailed_password(password_mails[0]), accounts.user("theo@example.com").password_hash)


def test_a_failed_mail_leaves_the_password_and_gives_the_token_back(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com", password="old-password")
    token = recovered_token(accounts)
    accounts.mailer.failing = True
    with pytest.raises(OperationFailed) as error:
        accounts.service.reset(token)
    assert failure(error) == RESET_MAIL_FAILED == (
        "EmailSendingFailed", "Could not send new password via email. Please contact the administrator.")
    assert verify_password("old-password", accounts.user("theo@example.com").password_hash)
    accounts.mailer.failing = False
    accounts.service.reset(token)  # the same link, once mail works again
    assert verify_password(mailed_password(accounts.mailer.sent[-1]), accounts.user("theo@example.com").password_hash)


def test_reset_fails_for_an_account_disabled_after_the_token_was_sent(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com", password="old-password")
    token = recovered_token(accounts)
    user.active = False
    accounts.users.save(user)
    with pytest.raises(OperationFailed) as error:
        accounts.service.reset(token)
    assert failure(error) == PASSWORD_RESET_FAILED
    assert verify_password("old-password", accounts.user("theo@example.com").password_hash)
    assert accounts.tokens.tokens == {} and len(accounts.mailer.sent) == 1


def test_reset_revokes_no_other_token(accounts: Accounts) -> None:
    accounts.add_customer("theo@example.com")
    first, second = recovered_token(accounts), recovered_token(accounts)
    accounts.service.reset(first)
    assert len(accounts.tokens.tokens) == 1
    accounts.service.reset(second)
    assert accounts.tokens.tokens == {}


def test_passwords_and_tokens_are_never_logged(accounts: Accounts, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    accounts.add_customer("theo@example.com")
    token = recovered_token(accounts)
    accounts.mailer.failing = True
    for attempt in (lambda: accounts.service.register("new@example.com", "New", "Customer"),
                    lambda: accounts.service.reset(token),
                    lambda: accounts.service.recover("theo@example.com")):
        with pytest.raises(OperationFailed):
            attempt()
    assert "account mail to user" in caplog.text  # the failures are logged...
    assert accounts.hashed  # ...and passwords were generated
    for secret in accounts.hashed + [token]:
        assert secret not in caplog.text


# --- personal preferences ----------------------------------------------------------------------------

def test_a_customer_changes_the_own_password(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com", password="old-password")
    accounts.clock.advance(60)
    accounts.service.save_preferences(accounts.principal(user), {"Password": "new-password"})
    stored = accounts.user("theo@example.com")
    assert verify_password("new-password", stored.password_hash)
    assert not verify_password("old-password", stored.password_hash)
    assert stored.updated_by_id == user.id and stored.updated_at == "2024-03-01T09:01:00.000Z"


def test_a_password_shorter_than_the_minimum_is_the_otrs_field_error(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com", password="old-password")
    with pytest.raises(InvalidInput) as error:
        accounts.service.save_preferences(accounts.principal(user), {"Password": "1234567"})
    assert error.value.field == "Password"
    assert error.value.message == "Password must have at least %d character(s)."
    assert error.value.details["data"] == ["8"]
    assert verify_password("old-password", accounts.user("theo@example.com").password_hash)


def test_the_minimum_follows_the_setting() -> None:
    accounts = make_accounts(password_min_length=12)
    user = accounts.add_customer("theo@example.com")
    with pytest.raises(InvalidInput) as error:
        accounts.service.save_preferences(accounts.principal(user), {"Password": "elevenchars"})
    assert error.value.details["data"] == ["12"]
    accounts.service.save_preferences(accounts.principal(user), {"Password": "twelve chars"})
    assert verify_password("twelve chars", accounts.user("theo@example.com").password_hash)


def test_changing_the_password_needs_the_permission(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com", password="old-password")
    without = Principal(user=user, permissions=frozenset({"ticket.customer"}))
    with pytest.raises(PermissionDenied):
        accounts.service.save_preferences(without, {"Password": "new-password"})
    assert verify_password("old-password", accounts.user("theo@example.com").password_hash)


def test_otrs_preferences_are_kept_with_the_user(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com")
    accounts.service.save_preferences(accounts.principal(user), {
        "UserLanguage": "pt_BR", "UserTimeZone": "Europe/Berlin", "TicketListTicketsPerPage": "25",
        "UserShowTickets": 30})
    assert accounts.user("theo@example.com").preferences == {
        "locale": "en-us", "UserLanguage": "pt_BR", "UserTimeZone": "Europe/Berlin",
        "TicketListTicketsPerPage": 25, "UserShowTickets": 30}
    accounts.service.save_preferences(accounts.principal(user), {"TicketListTicketsPerPage": 1000})
    assert accounts.user("theo@example.com").preferences["TicketListTicketsPerPage"] == 1000
    assert accounts.user("theo@example.com").preferences["UserLanguage"] == "pt_BR"


@pytest.mark.parametrize("key, value", [
    ("TicketListTicketsPerPage", 0), ("TicketListTicketsPerPage", 1001), ("TicketListTicketsPerPage", "ten"),
    ("TicketListTicketsPerPage", True), ("TicketListTicketsPerPage", "9" * 5000), ("TicketListTicketsPerPage", None),
    ("UserShowTickets", -5), ("UserTimeZone", "Mars/Olympus_Mons"), ("UserTimeZone", 1),
    ("UserLanguage", "english!"), ("UserLanguage", ""), ("UserLanguage", ["en"]),
])
def test_bad_preference_values_name_their_field_and_save_nothing(accounts: Accounts, key: str, value: Any) -> None:
    user = accounts.add_customer("theo@example.com", password="old-password")
    before = accounts.user("theo@example.com")
    with pytest.raises(InvalidInput) as error:
        accounts.service.save_preferences(accounts.principal(user), {"Password": "new-password",
                                                                     "UserLanguage": "de", key: value})
    assert error.value.field == key
    assert accounts.user("theo@example.com") == before


def test_an_unknown_preference_is_named(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com")
    with pytest.raises(InvalidInput) as error:
        accounts.service.save_preferences(accounts.principal(user), {"UserLanguage": "de", "UserColour": "red"})
    assert error.value.field == "UserColour" and "UserColour" in error.value.message
    assert "UserLanguage" not in accounts.user("theo@example.com").preferences


@pytest.mark.parametrize("values", [None, ["Password"], "Password=x"])
def test_preferences_must_be_an_object(accounts: Accounts, values: Any) -> None:
    user = accounts.add_customer("theo@example.com")
    with pytest.raises(InvalidInput):
        accounts.service.save_preferences(accounts.principal(user), values)


def test_saving_no_preferences_writes_nothing(accounts: Accounts) -> None:
    user = accounts.add_customer("theo@example.com")
    before = accounts.user("theo@example.com")
    accounts.clock.advance(60)
    accounts.service.save_preferences(accounts.principal(user), {})
    assert accounts.user("theo@example.com") == before
