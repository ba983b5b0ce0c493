"""The customer account endpoints (seed 000 L82-388): personal preferences, self-registration,
password recovery and reset, over core.customer_accounts.CustomerAccounts."""
from __future__ import annotations

from typing import Any

from ...core.errors import PermissionDenied
from ...core.rate_limit import check_account_mail
from .routes import Call, message, route

FEATURE_OFF = "Access denied."


def require_offered(enabled: bool) -> None:
    """What the external interface's config says it offers (settings) is what these endpoints do."""
    if not enabled:
        raise PermissionDenied(FEATURE_OFF)


@route("/account/personal-preferences", methods=("POST",))
def personal_preferences(call: Call) -> Any:
    call.container.customer_accounts.save_preferences(call.customer, call.body())
    return message("The personal preferences were saved.")


@route("/account/register", methods=("POST",), auth=False)
def register(call: Call) -> Any:
    require_offered(call.container.settings.customer_registration)
    body = call.body()
    check_account_mail(call.container.account_mail_rate, call.client, body.get("EmailAddress"))
    user = call.container.customer_accounts.register(body.get("EmailAddress"), body.get("FirstName"),
                                                     body.get("LastName"))
    return {"UserLogin": user.login}


@route("/account/recover", methods=("POST",), auth=False)
def recover(call: Call) -> Any:
    """The same answer whether or not an account has the address (no account enumeration)."""
    require_offered(call.container.settings.customer_password_recovery)
    address = call.body().get("EmailAddress")
    check_account_mail(call.container.account_mail_rate, call.client, address)
    call.container.customer_accounts.recover(address)
    return message("Password recovery instructions were sent via email.")


@route("/account/reset", methods=("POST",), auth=False)
def reset(call: Call) -> Any:
    require_offered(call.container.settings.customer_password_recovery)
    call.container.customer_accounts.reset(call.body().get("Token"))
    return message("Password was successfully reset and sent to the account email address.")
