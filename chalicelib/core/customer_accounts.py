"""Customer self-service accounts as OTRS's customer interface offers them (/api/customer/account):
register, password recovery and reset by a mailed token, and personal preferences.

Passwords here are generated (register, reset) or chosen by the customer (preferences); they travel
only to the hasher and into the customer's mail, and are never logged. Reset tokens are stored by their
SHA-256 only. Recovery answers the same whether or not the address has an account, so it cannot be
used to find out who is a customer.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import string
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from .errors import Conflict, InvalidInput, OperationFailed, PermissionDenied
from .escalation import time_zone
from .model import ROLE_CUSTOMER, SYSTEM_USER_ID, Mail, Principal, User
from .ports import Clock, Mailer, ResetToken, ResetTokenRepository
from .users import EMAIL, UserDirectory, iso

log = logging.getLogger(__name__)

# OTRS's custom error list (ENDPOINTS.md §2.0.3): (ErrorIdentifier, ErrorMessage).
ADDING_CUSTOMER_FAILED = ("AddingCustomerFailed", "Could not add new customer user.")
EMAIL_ADDRESS_ALREADY_EXISTS = ("EmailAddressAlreadyExists",
                                "This e-mail address already exists. Please log in or reset your password.")
REGISTER_MAIL_FAILED = ("EmailSendingFailed", "Could not send email with new customer user account information.")
RECOVER_MAIL_FAILED = ("EmailSendingFailed",
                       "Could not send password recovery instructions via email. Please contact the administrator.")
RESET_MAIL_FAILED = ("EmailSendingFailed", "Could not send new password via email. Please contact the administrator.")
PASSWORD_RESET_FAILED = ("PasswordResetFailed", "Reset password was unsuccessful. Please contact the administrator.")
RESET_TOKEN_INVALID = ("PasswordResetTokenInvalid",
                       "Supplied password reset token is invalid. Please check your link.")
# OTRS's 422 text keeps its printf placeholder; the minimum travels as the error's Data.
PASSWORD_TOO_SHORT = "Password must have at least %d character(s)."

GENERATED_PASSWORD_LENGTH = 16         # at least; longer when the configured minimum is longer
PASSWORD_ALPHABET = string.ascii_letters + string.digits
RESET_TOKEN_BYTES = 32
RESET_TOKEN_MAX_LENGTH = 200           # anything longer cannot be one of ours (token_urlsafe(32) is 43 chars)
TEXT_MAX = 255                         # names and addresses, as the directory keeps them
COUNT_PREFERENCES = ("TicketListTicketsPerPage", "UserShowTickets")  # whole numbers 1..COUNT_MAX
COUNT_MAX = 1000
PREFERENCE_KEYS = ("UserLanguage", "UserTimeZone") + COUNT_PREFERENCES
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}$")  # "en", "de", "pt_BR", "zh-Hant-TW"


def token_hash(token: str) -> str:
    """What a reset token is stored and found by: the SHA-256 of its value, hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def reset_token_mail(user: User, token: str, expires: datetime, account: str, redeem: list[str]) -> Mail:
    """The mail carrying a password reset token (customers' and agents' alike); `redeem` says how to
    send the token back."""
    body = "\n".join([
        f"Hello {user.fullname},",
        "",
        f"a new password was requested for the helpdesk {account} {user.login}.",
        *redeem,
        "",
        token,
        "",
        f"The token works once, until {expires.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "If you did not ask for a new password, ignore this mail: your password stays as it is.",
    ])
    return Mail(to=(user.email,), subject="Reset your helpdesk password", body=body)


class CustomerAccounts:
    def __init__(self, users: UserDirectory, tokens: ResetTokenRepository, mailer: Mailer, clock: Clock,
                 hasher: Callable[[str], str], reset_token_minutes: int, password_min_length: int,
                 fqdn: str = "helpdesk.local") -> None:
        self._users = users
        self._tokens = tokens
        self._mailer = mailer
        self._clock = clock
        self._hasher = hasher  # password -> stored hash, injected (the core never imports auth)
        self._token_lifetime = timedelta(minutes=reset_token_minutes)
        self._password_min_length = password_min_length
        self._fqdn = fqdn

    # --- register ------------------------------------------------------------------------------

    def register(self, email: Any, first_name: Any, last_name: Any) -> User:
        """A new customer whose login is the email address, with a generated password mailed to it.
        If the mail cannot be sent the account is removed again: nobody is left with an account they
        cannot sign in to."""
        address = _email(email)
        first = _required_text(first_name, "FirstName")
        last = _required_text(last_name, "LastName")
        self._refuse_taken(address)
        password = self._new_password()
        try:
            user = self._users.create_customer(email=address, actor_id=SYSTEM_USER_ID, firstname=first,
                                               lastname=last, password_hash=self._hasher(password))
        except Conflict:  # registered meanwhile (another request with the same address won)
            self._refuse_taken(address)
            raise OperationFailed(*ADDING_CUSTOMER_FAILED) from None
        body = "\n".join([
            f"Hello {user.fullname},",
            "",
            "your helpdesk account has been created. Sign in with:",
            "",
            f"Login: {user.login}",
            f"Password: {password}",
            "",
            "Please change the password in your personal preferences after signing in.",
        ])
        if not self._send(user, Mail(to=(user.email,), subject="Your new helpdesk account", body=body)):
            self._users.users.delete(user)  # a DirectoryUserRepository wherever customers register
            raise OperationFailed(*REGISTER_MAIL_FAILED)
        return user

    def _refuse_taken(self, address: str) -> None:
        if self._users.users.by_email(address) is not None:
            raise OperationFailed(*EMAIL_ADDRESS_ALREADY_EXISTS)
        if self._users.users.by_login(address) is not None:
            # another account's login is this address but its email is not: "reset your password"
            # would not reach that account, so OTRS's generic refusal
            raise OperationFailed(*ADDING_CUSTOMER_FAILED)

    # --- recover and reset ---------------------------------------------------------------------

    def recover(self, email: Any) -> None:
        """Mail a single-use reset token to an active customer with that address. Without such a
        customer nothing happens, and the caller gets the same answer."""
        address = _email(email)
        user = self._users.users.by_email(address)
        if user is None or not user.active or ROLE_CUSTOMER not in user.role_ids:
            return
        token = secrets.token_urlsafe(RESET_TOKEN_BYTES)
        now = self._clock.now()
        expires = now + self._token_lifetime
        stored = ResetToken(token_hash=token_hash(token), user_id=user.id, created_at=iso(self._clock),
                            expires_at=int(expires.timestamp()))
        self._tokens.create(stored)
        mail = reset_token_mail(user, token, expires, "account", [
            "To get one by mail, send this token as {\"Token\": \"...\"} to",
            f"POST https://{self._fqdn}/api/customer/account/reset"])
        if not self._send(user, mail):
            self._tokens.delete(stored.token_hash)
            raise OperationFailed(*RECOVER_MAIL_FAILED)

    def reset(self, token: Any) -> None:
        """Redeem a reset token: a new generated password, mailed to the account's address. The token
        is consumed by a conditional delete, so of two resets with one token exactly one succeeds.
        The new password is stored only once its mail went out; if the mail fails, the password stays
        as it was and the token is given back (same expiry), so the link works again later."""
        if not isinstance(token, str) or not token.strip():
            raise InvalidInput("Token is required.", field="Token")
        token = token.strip()
        if len(token) > RESET_TOKEN_MAX_LENGTH or not token.isascii():
            raise OperationFailed(*RESET_TOKEN_INVALID)
        wanted = token_hash(token)
        stored = self._tokens.get(wanted)
        if (stored is None or not hmac.compare_digest(stored.token_hash, wanted)
                or stored.expires_at <= int(self._clock.now().timestamp())
                or not self._tokens.consume(wanted)):
            raise OperationFailed(*RESET_TOKEN_INVALID)
        user = self._users.users.get(stored.user_id)
        if user is None or not user.active or not user.email:
            raise OperationFailed(*PASSWORD_RESET_FAILED)  # the account went away or was disabled meanwhile
        password = self._new_password()
        body = "\n".join([
            f"Hello {user.fullname},",
            "",
            f"the password of your helpdesk account {user.login} has been reset. Sign in with:",
            "",
            f"Login: {user.login}",
            f"Password: {password}",
        ])
        if not self._send(user, Mail(to=(user.email,), subject="Your new helpdesk password", body=body)):
            self._give_back(stored)
            raise OperationFailed(*RESET_MAIL_FAILED)
        user.password_hash = self._hasher(password)
        user.updated_at = iso(self._clock)
        self._users.users.save(user)

    def _give_back(self, token: ResetToken) -> None:
        try:
            self._tokens.create(token)
        except Conflict:  # cannot happen short of a hash collision; the token simply stays used
            log.warning("reset token of user %s could not be given back", token.user_id)

    # --- personal preferences ------------------------------------------------------------------

    def save_preferences(self, principal: Principal, values: Any) -> None:
        """The caller's own password and OTRS preferences, validated all before anything is written."""
        if not isinstance(values, dict):
            raise InvalidInput("The preferences must be an object of names and values.")
        password = None
        changes: dict[str, Any] = {}
        for key, value in values.items():
            checked = self.check_preference(principal, key, value)
            if key == "Password":
                password = checked
            else:
                changes[key] = checked
        if password is None and not changes:
            return
        user = self._users.get(principal.id)
        if password is not None:
            user.password_hash = self._hasher(password)
        user.preferences = {**user.preferences, **changes}
        user.updated_by_id = principal.id
        user.updated_at = iso(self._clock)
        self._users.users.save(user)

    def check_preference(self, principal: Principal, key: Any, value: Any) -> Any:
        """One preference as save_preferences stores it (the preferences form validates with it too)."""
        if key == "Password":
            if not principal.has("user_preferences.password"):
                raise PermissionDenied()
            return self._chosen_password(value)
        if key in PREFERENCE_KEYS:
            return _preference(key, value)
        raise InvalidInput(f"Unknown preference '{key}'.", field=str(key))

    def _chosen_password(self, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidInput("Password must be a string.", field="Password")
        if len(value) < self._password_min_length:
            raise InvalidInput(PASSWORD_TOO_SHORT, field="Password", data=[str(self._password_min_length)])
        return value

    # --- helpers -------------------------------------------------------------------------------

    def _new_password(self) -> str:
        length = max(GENERATED_PASSWORD_LENGTH, self._password_min_length)
        return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))

    def _send(self, user: User, mail: Mail) -> bool:
        """Whatever the mailer raises (SES rejected the address, an outage) means the mail did not go
        out; the caller undoes its change. Logged without the mail, which holds a secret."""
        try:
            self._mailer.send(mail)
        except Exception:
            log.exception("account mail to user %s failed", user.id)
            return False
        return True


def _email(value: Any) -> str:
    address = value.strip().lower() if isinstance(value, str) else ""
    if not address:
        raise InvalidInput("EmailAddress is required.", field="EmailAddress")
    if len(address) > TEXT_MAX or not EMAIL.match(address):
        raise InvalidInput(f"'{address[:TEXT_MAX]}' is not a valid email address.", field="EmailAddress")
    return address


def _required_text(value: Any, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"{field} is required.", field=field)
    if len(text) > TEXT_MAX:
        raise InvalidInput(f"{field} must be at most {TEXT_MAX} characters long.", field=field)
    return text


def _preference(key: str, value: Any) -> Any:
    """One OTRS preference, normalised: language code, IANA time zone, or a count 1..COUNT_MAX."""
    if key == "UserLanguage":
        if not isinstance(value, str) or not LANGUAGE.match(value):
            raise InvalidInput("UserLanguage must be a language code such as 'en' or 'pt_BR'.", field=key)
        return value
    if key == "UserTimeZone":
        try:
            time_zone(value)
        except InvalidInput as error:
            raise InvalidInput(error.message, field=key) from None
        return value
    count = None
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,4}", value.strip()):  # OTRS sends "25"
        count = int(value.strip())
    if count is None or not 1 <= count <= COUNT_MAX:
        raise InvalidInput(f"{key} must be a whole number from 1 to {COUNT_MAX}.", field=key)
    return count


# >>> forms
# register's and recover's rules by request field, for the external frontend's forms, which validate
# without writing (core/forms.py): the very functions register and recover apply.
REGISTRATION_RULES: dict[str, Callable[[Any], str]] = {
    "EmailAddress": _email,
    "FirstName": lambda value: _required_text(value, "FirstName"),
    "LastName": lambda value: _required_text(value, "LastName"),
}
RECOVERY_RULES: dict[str, Callable[[Any], str]] = {"EmailAddress": _email}
# <<< forms
