"""The OTRS 7 customer interface (seed 000, `/api/customer`): the route wrapper every view goes
through, and the auth and account views.

The wrapper authenticates as OTRS does (JWT in `Authentication: Bearer`, or the cookie where an
endpoint takes it), runs the view, and maps domain errors to OTRS's shapes: 401 `Bad token.`,
403 `Access denied.`, 404 with the endpoint's text, 422 `{"Errors": {Field: {"Message": ...}}}`,
413 the same shape, and the custom 900 list `[{"ErrorIdentifier", "ErrorMessage"}]` (HTTP 422 with
`X-OTRS-API-Error-Status: 900` where API Gateway fronts the app; see docs/decisions.md). Every
answer carries `X-OTRS-API-Version`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from chalice import Blueprint, Response

from ... import bootstrap
from ...auth.authorizers import OTRS_ACCESS_DENIED, OTRS_BAD_TOKEN, OTRS_CUSTOMER_AUDIENCE, otrs_token
from ...core.errors import (AuthenticationFailed, DomainError, InvalidInput, NotFound, OperationFailed,
                            PermissionDenied, RateLimited, TooLarge)
from ...core.model import Principal
from ..errors import logged_failure, status_for
from ..http import client_address, request_body
from . import schema

# >>> request-log
from .. import request_log
# <<< request-log

log = logging.getLogger(__name__)
blueprint = Blueprint(__name__)
API_VERSION = "1.0.0"
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                 "application/octet-stream", "text/plain"]
CUSTOM_ERROR = 900


@dataclass
class Call:
    """One request as the views see it."""
    container: bootstrap.Container
    principal: Optional[Principal]  # None only in views registered with auth=False
    params: dict[str, str]
    headers: dict[str, str]
    raw_body: Optional[bytes]
    content_type: Optional[str] = None
    response_headers: dict[str, str] = field(default_factory=dict)
    client: str = "unknown"  # the caller's address as API Gateway saw it (rate limits, vote keys)

    @property
    def customer(self) -> Principal:
        assert self.principal is not None, "an authenticated view"
        return self.principal

    def body(self) -> dict[str, Any]:
        body = request_body(self.raw_body, self.content_type, self.container.settings.max_body_bytes)
        if not isinstance(body, dict):
            raise InvalidInput("The request body must be a JSON object.", field="Body")
        return body

    def optional_body(self) -> dict[str, Any]:
        """The body, or {} when none was sent (endpoints whose every field is optional)."""
        return self.body() if self.raw_body else {}


def json_response(data: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(body=json.dumps(data), status_code=status, headers={
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store",
        "X-OTRS-API-Version": API_VERSION, **(headers or {})})


def error_response(error: DomainError, custom_status: int) -> Response:
    """A domain error in OTRS's shape for its class."""
    if isinstance(error, OperationFailed):
        headers = {} if custom_status == CUSTOM_ERROR else {"X-OTRS-API-Error-Status": str(CUSTOM_ERROR)}
        return json_response([{"ErrorIdentifier": error.identifier, "ErrorMessage": error.message}],
                             custom_status, headers)
    if isinstance(error, RateLimited):
        return json_response({"Error": error.message}, 429, {"Retry-After": str(error.retry_after)})
    if isinstance(error, AuthenticationFailed):
        return json_response({"Error": OTRS_BAD_TOKEN if error.message == OTRS_BAD_TOKEN else error.message}, 401)
    if isinstance(error, PermissionDenied):
        message = error.message if error.message != "Not authorized" else OTRS_ACCESS_DENIED
        return json_response({"Error": message}, 403)
    if isinstance(error, (InvalidInput, TooLarge)):
        return json_response({"Errors": schema.field_errors(error)}, status_for(error))
    if isinstance(error, NotFound):
        return json_response({"Error": error.details.get("otrs_message") or error.message}, 404)
    return json_response({"Error": error.message}, status_for(error))


def routes_on(target: Blueprint, rate_limited: bool = False) -> Callable[..., Callable]:
    """The `route` decorator for one of seed 000's blueprints (`/api/customer`, `/api/frontend/external`,
    `/api/public`): the same authentication, error shapes and version header on each; the public ones
    are also rate-limited per client address (429 with `Retry-After`)."""
    def route(path: str, methods: tuple[str, ...] = ("GET",), auth: bool = True, cookie: bool = False) -> Callable:
        """Register a view. `auth=False`: no token needed (a token sent along is still checked where the
        view asks for one); `cookie`: the endpoint also takes the token cookie."""
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            def handler(**path_params: str) -> Response:
                return _handle(target.current_request, view, auth, cookie, path_params, rate_limited)
            handler.__name__ = view.__name__
            handler.__doc__ = view.__doc__
            target.route(path, methods=list(methods), content_types=CONTENT_TYPES)(handler)
            return view
        return decorator
    return route


def _handle(request: Any, view: Callable[..., Any], auth: bool, cookie: bool, path_params: dict[str, str],
            rate_limited: bool = False) -> Response:
    custom_status = CUSTOM_ERROR
    try:
        container = bootstrap.container()
        custom_status = container.settings.otrs_custom_error_status
        if rate_limited:
            container.public_rate.check(f"public#{client_address(request)}")
        container.begin_request()
        headers = {k.lower(): v for k, v in (request.headers or {}).items()}
        principal = None
        if auth:
            principal = container.authenticator.otrs_customer(
                headers, cookie_allowed=cookie, fake_login_allowed=container.settings.otrs_dev_server)
            # >>> request-log
            request_log.note_principal(principal)
            # <<< request-log
        call = Call(container, principal, dict(request.query_params or {}), headers, request.raw_body,
                    headers.get("content-type"), client=client_address(request))
        result = view(call, **path_params)
        if isinstance(result, Response):
            result.headers.setdefault("X-OTRS-API-Version", API_VERSION)
            result.headers.update(call.response_headers)
            return result
        return json_response(result, headers=call.response_headers)
    except DomainError as error:
        return error_response(error, custom_status)
    except Exception:  # never a traceback to the client; the log has it under this id
        return json_response({"Error": logged_failure(log)}, 500)


route = routes_on(blueprint)
# The external frontend (`/api/frontend/external`) and the public part (`/api/public`) of seed 000.
frontend_blueprint = Blueprint(__name__ + ".frontend")
public_blueprint = Blueprint(__name__ + ".public")
frontend_route = routes_on(frontend_blueprint, rate_limited=True)
public_route = routes_on(public_blueprint, rate_limited=True)


def optional_customer(call: Call) -> Optional[Principal]:
    """The signed-in customer when a valid customer token came along; anybody else is anonymous (an expired
    token or an agent's only loses the private entries, it is no error on a public endpoint)."""
    try:
        return call.container.authenticator.otrs_customer(
            call.headers, cookie_allowed=True, fake_login_allowed=call.container.settings.otrs_dev_server)
    except DomainError:
        return None


def message(text: str) -> dict[str, str]:
    """The body of an answer the seed documents only by its description ("Logged out successfully.")."""
    return {"Message": text}


# --- auth -----------------------------------------------------------------------------------------

LOGIN_FAILED = "Login failed! Your user name or password was entered incorrectly."
COOKIE = "AuthenticationCustomer"


@route("/auth/login", methods=("POST",), auth=False)
def login(call: Call) -> Any:
    """Username and password (OTRS's form login) -> a JWT for this interface."""
    body = call.body()
    username, password = body.get("Username"), body.get("Password")
    if not isinstance(username, str) or not username.strip():
        raise InvalidInput("Username is required.", field="Username")
    if not isinstance(password, str) or not password:
        raise InvalidInput("Password is required.", field="Password")
    authenticator = call.container.authenticator
    try:
        user = authenticator.password_login(username.strip(), password)
    except AuthenticationFailed:
        raise InvalidInput(LOGIN_FAILED, field="Username") from None
    if "ticket.customer" not in user.permissions or "ticket.agent" in user.permissions:
        raise InvalidInput(LOGIN_FAILED, field="Username")  # agents sign in elsewhere; no hint which
    token, _ = authenticator.issue_jwt(user, OTRS_CUSTOMER_AUDIENCE)
    return {"Token": token}


@route("/auth/check", auth=False)
def check(call: Call) -> Any:
    try:
        call.container.authenticator.otrs_customer(call.headers, cookie_allowed=True,
                                                   fake_login_allowed=call.container.settings.otrs_dev_server)
    except AuthenticationFailed:
        raise AuthenticationFailed("Authentication token is invalid.") from None
    return message("Authentication token is valid.")


@route("/auth/cookie", auth=False)
def cookie(call: Call) -> Any:
    """Set the httpOnly cookie from a valid token in the header, or clear it: the endpoints that cannot
    send headers (inline images, downloads) then authenticate with it."""
    raw = otrs_token(call.headers, cookie_allowed=False)
    expires_at: Optional[int] = None
    if raw is not None:
        try:
            call.container.authenticator.otrs_customer(call.headers)
            expires_at = call.container.authenticator.token_expiry(raw, OTRS_CUSTOMER_AUDIENCE)
        except DomainError:
            expires_at = None
    attributes = "Path=/api; HttpOnly; Secure; SameSite=Strict"
    if expires_at is None:
        call.response_headers["Set-Cookie"] = f"{COOKIE}=; Max-Age=0; {attributes}"
        return message("The access token cookie was cleared.")
    max_age = max(0, expires_at - int(call.container.clock.now().timestamp()))
    call.response_headers["Set-Cookie"] = f"{COOKIE}={raw}; Max-Age={max_age}; {attributes}"
    return message("The access token cookie was created.")


@route("/auth/logout", methods=("POST",), auth=False)
def logout(call: Call) -> Any:
    """Revokes the token sent (header or cookie) until it would have expired; always 200."""
    raw = otrs_token(call.headers, cookie_allowed=True)
    if raw is not None:
        call.container.authenticator.revoke_jwt(raw, OTRS_CUSTOMER_AUDIENCE)
    call.response_headers["Set-Cookie"] = f"{COOKIE}=; Max-Age=0; Path=/api; HttpOnly; Secure; SameSite=Strict"
    return message("Logged out successfully.")


# --- account --------------------------------------------------------------------------------------

@route("/account")
def account(call: Call) -> Any:
    user = call.customer.user
    organization = call.container.users.organizations_by_id([user.organization_id]).get(user.organization_id) \
        if user.organization_id else None
    return schema.customer_user(user, organization)
