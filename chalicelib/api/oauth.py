"""OAuth2 password grant and revocation (RFC 6749 §4.3, RFC 7009): how a client gets and drops the
JWT it then sends as `Authorization: Bearer <jwt>` to /api/v1 (Zammad answers Bearer with OAuth2)."""
from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from .. import bootstrap
from ..auth.authorizers import ZAMMAD_AUDIENCE
from ..core.errors import AuthenticationFailed, DomainError
from .http import json_body

# >>> request-log
from . import request_log
# <<< request-log

log = logging.getLogger(__name__)
blueprint = Blueprint(__name__)
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json"]


def _form(request: Any) -> dict[str, str]:
    content_type = (request.headers.get("content-type") or "").lower()
    limit = bootstrap.container().settings.max_body_bytes
    if content_type.startswith("application/json"):
        body = json_body(request.raw_body, limit)
        return {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    raw = (request.raw_body or b"")[:limit].decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(raw).items()}


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    return Response(body=json.dumps(body), status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})


@blueprint.route("/token", methods=["POST"], content_types=CONTENT_TYPES)
def token() -> Response:
    try:
        form = _form(blueprint.current_request)
        if form.get("grant_type") != "password":
            return _answer({"error": "unsupported_grant_type"}, 400)
        container = bootstrap.container()
        user = container.authenticator.password_login(form.get("username", ""), form.get("password", ""))
        # >>> request-log
        request_log.note_principal(user)
        # <<< request-log
        raw, expires_at = container.authenticator.issue_jwt(user, ZAMMAD_AUDIENCE)
        now = int(container.clock.now().timestamp())
        return _answer({"access_token": raw, "token_type": "Bearer", "expires_in": expires_at - now,
                        "created_at": now})
    except AuthenticationFailed as error:
        return _answer({"error": "invalid_grant", "error_description": error.message}, 400)
    except DomainError as error:
        return _answer({"error": "invalid_request", "error_description": error.message}, 400)
    except Exception:  # RFC 6749's shape for our own failures; the traceback stays in the log
        log.exception("token endpoint failed")
        return _answer({"error": "server_error"}, 500)


@blueprint.route("/revoke", methods=["POST"], content_types=CONTENT_TYPES)
def revoke() -> Response:
    """Logout. Per RFC 7009 the answer is 200 whether or not the token was valid."""
    try:
        form = _form(blueprint.current_request)
    except DomainError as error:
        return _answer({"error": "invalid_request", "error_description": error.message}, 400)
    bootstrap.container().authenticator.revoke_jwt(form.get("token", ""), ZAMMAD_AUDIENCE)
    return _answer({})
