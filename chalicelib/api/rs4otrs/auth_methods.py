"""RS4OTRS /auth/*: login (a session JWT with the rs4otrs audience and its ChallengeToken), logout (the
ChallengeToken must match; the session is revoked everywhere) and lostPassword (two steps by mail)."""
from __future__ import annotations

from typing import Any

from ...auth.authorizers import RS4OTRS_AUDIENCE
from ...core.errors import AuthenticationFailed, InvalidInput, OperationFailed
from ...core.model import User, grants
from ...core.rate_limit import check_account_mail
from .catalog_methods import otrs_language
from .routes import CONTACT_ADMIN, SESSION_NAME, Call, RpcError, method, ok

LOGIN_FAILED = "Login failed! Your user name or password was entered incorrectly."
LOGIN_SUCCESSFUL = "Successful login"
LOGOUT_SUCCESSFUL = "Logout successful."
INVALID_CHALLENGE = "Invalid Challenge Token!"
SESSION_NOT_REMOVED = "Can`t remove SessionID."  # [sic], the backtick is RS4OTRS's


def me(user: User) -> dict[str, Any]:
    """The agent as login's `Me` describes them (no avatar images are stored: null)."""
    return {"UserLogin": user.login, "Email": user.email or None, "FirstName": user.firstname or None,
            "LastName": user.lastname or None, "FullName": user.fullname, "ID": user.id, "Avatar": None}


@method("auth", "login", session=False)
def login(call: Call) -> dict[str, Any]:
    """User and Password -> the session. One message for every failure (unknown user, wrong password,
    inactive user, a customer who is not an agent), as RS4OTRS gives it."""
    call.require("User", "Password")
    login_name, password = call.params["User"], call.params["Password"]
    if not isinstance(login_name, str) or not isinstance(password, str):
        raise RpcError(LOGIN_FAILED)
    authenticator = call.container.authenticator
    try:
        user = authenticator.password_login(login_name.strip(), password)
    except AuthenticationFailed:
        raise RpcError(LOGIN_FAILED) from None
    if not grants(user.permissions, "ticket.agent"):
        raise RpcError(LOGIN_FAILED)  # the agent interface; no hint that the account exists
    token, _ = authenticator.issue_jwt(user, RS4OTRS_AUDIENCE)
    return ok(Message=LOGIN_SUCCESSFUL, SessionName=SESSION_NAME, SessionValue=token,
              ChallengeToken=authenticator.rs4otrs_challenge(token), Me=me(user),
              Settings={"Language": otrs_language(user.preferences.get("locale"))})


@method("auth", "logout")
def logout(call: Call) -> dict[str, Any]:
    """The ChallengeToken proves the caller is the one who logged in (not just someone holding the token)."""
    call.require("ChallengeToken")
    if call.params["ChallengeToken"] != call.extra["challenge"]:
        raise RpcError(INVALID_CHALLENGE)
    if not call.container.authenticator.revoke_jwt(call.session or "", RS4OTRS_AUDIENCE):
        raise RpcError(SESSION_NOT_REMOVED)
    return ok(Message=LOGOUT_SUCCESSFUL)


INSTRUCTIONS_SENT = "Sent password reset instructions. Please check your email."
PASSWORD_SENT = "Sent new password to '{login}'. Please check your email."
INVALID_TOKEN = "Invalid token."


@method("auth", "lostPassword", session=False)
def lost_password(call: Call) -> dict[str, Any]:
    """Two steps (RS4OTRS-METHODS §3.3): `User` alone mails a reset token (the same answer for unknown
    users); `Token` (with or without `User`) mails a new password. A mail that cannot be sent is
    `Please contact the administrator.`; nothing changes then."""
    recovery = call.container.agent_password_recovery
    token, login = call.params.get("Token"), call.params.get("User")
    check_account_mail(call.container.account_mail_rate, call.client, login)
    if token not in (None, ""):
        if not isinstance(token, str) or (login is not None and not isinstance(login, str)):
            raise RpcError(INVALID_TOKEN)
        try:
            user = recovery.redeem(token, login or None)
        except InvalidInput:
            raise RpcError(INVALID_TOKEN) from None
        except OperationFailed:
            raise RpcError(CONTACT_ADMIN) from None
        return ok(Message=PASSWORD_SENT.format(login=user.login))
    call.require("User")
    if not isinstance(login, str):
        raise RpcError("Required fields is not defined: User")
    try:
        recovery.request(login)
    except OperationFailed:
        raise RpcError(CONTACT_ADMIN) from None
    return ok(Message=INSTRUCTIONS_SENT)
