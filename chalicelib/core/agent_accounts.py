"""Lost passwords of agents (RS4OTRS /auth/lostPassword), in two steps like OTRS's login page: the
agent's login mails a single-use reset token; the token, sent back, mails a new generated password.

The reset tokens live in the same store as the customers' (only their SHA-256 is kept, they expire, a
conditional delete consumes them once); a token redeemed here must belong to an active agent. Asking
for an unknown login answers like a known one, so the step cannot find out who is an agent. Passwords
travel only to the hasher and into the agent's mail, never into a log.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
from typing import Callable, Optional

from .customer_accounts import (GENERATED_PASSWORD_LENGTH, PASSWORD_ALPHABET, RESET_TOKEN_BYTES,
                                RESET_TOKEN_MAX_LENGTH, reset_token_mail, token_hash)
from .errors import InvalidInput, OperationFailed
from .model import Mail, User, grants
from .ports import Clock, Mailer, ResetToken, ResetTokenRepository, UserRepository
from .users import iso

log = logging.getLogger(__name__)

INVALID_TOKEN = "Invalid token."
MAIL_FAILED = ("EmailSendingFailed", "The mail could not be sent.")


def is_active_agent(user: Optional[User]) -> bool:
    return user is not None and user.active and bool(user.email) and grants(user.permissions, "ticket.agent")


class AgentPasswordRecovery:
    def __init__(self, users: UserRepository, tokens: ResetTokenRepository, mailer: Mailer, clock: Clock,
                 hasher: Callable[[str], str], reset_token_minutes: int, password_min_length: int,
                 redeem_hint: str) -> None:
        self._users = users
        self._tokens = tokens
        self._mailer = mailer
        self._clock = clock
        self._hasher = hasher  # password -> stored hash, injected (the core never imports auth)
        self._token_lifetime = timedelta(minutes=reset_token_minutes)
        self._password_min_length = password_min_length
        self._redeem_hint = redeem_hint  # how the token is sent back, e.g. the RPC URL and its parameters

    def request(self, login: str) -> None:
        """Mail a reset token to the active agent with this login (or e-mail address); nobody else gets
        one and the caller cannot tell the difference. OperationFailed when the mail cannot be sent."""
        wanted = login.strip().lower()
        user = self._users.by_login(wanted) or self._users.by_email(wanted)
        if not is_active_agent(user):
            return
        assert user is not None
        token = secrets.token_urlsafe(RESET_TOKEN_BYTES)
        expires = self._clock.now() + self._token_lifetime
        stored = ResetToken(token_hash=token_hash(token), user_id=user.id, created_at=iso(self._clock),
                            expires_at=int(expires.timestamp()))
        self._tokens.create(stored)
        mail = reset_token_mail(user, token, expires, "agent account",
                                [f"To get one by mail, send this token: {self._redeem_hint}"])
        if not self._send(user, mail):
            self._tokens.delete(stored.token_hash)
            raise OperationFailed(*MAIL_FAILED)

    def redeem(self, token: str, login: Optional[str] = None) -> User:
        """A new generated password for the token's agent, mailed to them; the token is used up. The
        password is stored only once its mail went out (else the token is given back, unchanged).
        InvalidInput(INVALID_TOKEN) for an unknown, expired, used or foreign token, or another login."""
        token = token.strip()
        if not token or len(token) > RESET_TOKEN_MAX_LENGTH or not token.isascii():
            raise InvalidInput(INVALID_TOKEN, field="Token")
        wanted = token_hash(token)
        stored = self._tokens.get(wanted)
        if stored is None or not hmac.compare_digest(stored.token_hash, wanted) \
                or stored.expires_at <= int(self._clock.now().timestamp()):
            raise InvalidInput(INVALID_TOKEN, field="Token")
        user = self._users.get(stored.user_id)
        if not is_active_agent(user) or (login and login.strip().lower() not in _names(user)):
            raise InvalidInput(INVALID_TOKEN, field="Token")  # a customer's token, or someone else's
        assert user is not None
        if not self._tokens.consume(wanted):
            raise InvalidInput(INVALID_TOKEN, field="Token")  # redeemed meanwhile
        password = "".join(secrets.choice(PASSWORD_ALPHABET)
                           for _ in range(max(GENERATED_PASSWORD_LENGTH, self._password_min_length)))
        body = "\n".join([
            f"Hello {user.fullname},",
            "",
            f"the password of your helpdesk agent account {user.login} has been reset. Sign in with:",
            "",
            f"Login: {user.login}",
            f"Password: {password}",
        ])
        if not self._send(user, Mail(to=(user.email,), subject="Your new helpdesk password", body=body)):
            self._tokens.create(stored)
            raise OperationFailed(*MAIL_FAILED)
        user.password_hash = self._hasher(password)
        user.updated_at = iso(self._clock)
        self._users.save(user)
        return user

    def _send(self, user: User, mail: Mail) -> bool:
        """Anything the mailer raises means the mail did not go out; logged without the mail (a secret)."""
        try:
            self._mailer.send(mail)
        except Exception:
            log.exception("password mail to agent %s failed", user.id)
            return False
        return True


def _names(user: User) -> set[str]:
    return {user.login.lower(), user.email.lower()}
