"""The RS4OTRS agent RPC (seed 003 + RS4OTRS-METHODS.md): `/otrs/api/<group>/<method>`, GET with query
parameters or POST with a JSON body, every answer HTTP 200 with `{"Response": "OK", ...}` or
`{"Response": "ERROR", "Message": ...}` (getAttachment: the raw file).

Methods come from one fixed table (`METHODS`), filled by the `method` decorator in the group modules;
an unknown group or method is an error answer, never a dynamic lookup. The session is a JWT
(audience `rs4otrs`) passed as the parameter named by `SessionName` (OTRS's default
`OTRSAgentInterface`); the ChallengeToken login gives with it is bound to the session and checked at
logout. Domain errors become RS4OTRS's messages in one place (`answer_error`).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl

from chalice import Blueprint, Response

from ... import bootstrap
from ...auth.authorizers import RS4OTRS_SESSION_INVALID
from ...core.errors import (AuthenticationFailed, DomainError, InvalidInput, NotFound, OperationFailed,
                            PermissionDenied, RateLimited)
from ...core.model import Principal
from ..errors import logged_failure
from ..http import client_address, json_body

# >>> request-log
from .. import request_log
# <<< request-log

log = logging.getLogger(__name__)
blueprint = Blueprint(__name__)
SESSION_NAME = "OTRSAgentInterface"
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]
CONTACT_ADMIN = "Please contact the administrator."
NO_PERMISSION = "No permission"
NO_TICKET = "No ticket"
UNKNOWN_METHOD = "Unknown method."


class RpcError(Exception):
    """An RS4OTRS error answer with its documented message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Call:
    """One RPC call: the parameters (query string and JSON body merged; the body wins) and the agent."""
    container: bootstrap.Container
    params: dict[str, Any]
    principal: Optional[Principal] = None
    session: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)
    client: str = "unknown"  # the caller's address as API Gateway saw it (rate limits)

    @property
    def agent(self) -> Principal:
        assert self.principal is not None, "a method that needs the session"
        return self.principal

    def require(self, *names: str) -> None:
        """RS4OTRS's `Required fields is not defined: A, B` [sic] for every missing one at once."""
        missing = [name for name in names if self.params.get(name) in (None, "")]
        if missing:
            raise RpcError(f"Required fields is not defined: {', '.join(missing)}")

    def one_of(self, *names: str) -> str:
        """The first of alternative parameters given (`Priority | PriorityID`), else the required error."""
        for name in names:
            if self.params.get(name) not in (None, ""):
                return name
        raise RpcError(f"Required fields is not defined: {' or '.join(names)}")

    def int_param(self, name: str) -> int:
        value = self.params.get(name)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise RpcError(f"Invalid value for {name}: {value!r}") from None


@dataclass(frozen=True)
class Method:
    handler: Callable[[Call], Any]
    session: bool = True  # False: login and lostPassword only


METHODS: dict[tuple[str, str], Method] = {}


def method(group: str, name: str, session: bool = True) -> Callable:
    """Register a method in the fixed table: `@method("tickets", "updateTitle")`."""
    def decorator(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        key = (group, name)
        assert key not in METHODS, f"/{group}/{name} registered twice"
        METHODS[key] = Method(handler, session)
        return handler
    return decorator


def answer(data: dict[str, Any]) -> Response:
    return Response(body=json.dumps(data), status_code=200,
                    headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})


def ok(**fields: Any) -> dict[str, Any]:
    return {"Response": "OK", **fields}


def error(message: str) -> Response:
    return answer({"Response": "ERROR", "Message": message})


def answer_error(failure: DomainError) -> Response:
    """Domain errors in RS4OTRS's words: the documented messages where there are some."""
    if isinstance(failure, AuthenticationFailed):
        return error(RS4OTRS_SESSION_INVALID)
    if isinstance(failure, PermissionDenied):
        return error(NO_PERMISSION)
    if isinstance(failure, NotFound) and failure.entity == "Ticket":
        return error(NO_TICKET)
    if isinstance(failure, (InvalidInput, NotFound, OperationFailed, RateLimited)):
        return error(failure.message)
    return error(CONTACT_ADMIN)


def parameters(request: Any, limit: int) -> dict[str, Any]:
    """Query parameters and the JSON (or form) body, merged; the body wins."""
    params: dict[str, Any] = dict(request.query_params or {})
    raw = request.raw_body or b""
    content_type = (request.headers.get("content-type") or "").lower()
    if raw.strip():
        if content_type.startswith("application/x-www-form-urlencoded") and not raw.lstrip().startswith(b"{"):
            if len(raw) > limit:
                raise RpcError("The request is too large.")
            params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            try:
                body = json_body(raw, limit)
            except DomainError as failure:
                raise RpcError(failure.message) from None
            if not isinstance(body, dict):
                raise RpcError("The request body must be a JSON object.")
            params.update(body)
    return params


@blueprint.route("/{group}/{name}", methods=["GET", "POST"], content_types=CONTENT_TYPES)
def dispatch(group: str, name: str) -> Response:
    request = blueprint.current_request
    try:
        container = bootstrap.container()
        container.begin_request()
        found = METHODS.get((group, name))
        if found is None:
            return error(UNKNOWN_METHOD)
        call = Call(container, parameters(request, container.settings.max_body_bytes),
                    client=client_address(request))
        if found.session:
            raw = call.params.get(SESSION_NAME)
            if not isinstance(raw, str) or not raw:
                return error(RS4OTRS_SESSION_INVALID)
            call.session = raw
            call.principal, call.extra["challenge"] = container.authenticator.rs4otrs_session(raw)
            # >>> request-log
            request_log.note_principal(call.principal)
            # <<< request-log
        result = found.handler(call)
        return result if isinstance(result, Response) else answer(result)
    except RpcError as failure:
        return error(failure.message)
    except DomainError as failure:
        return answer_error(failure)
    except Exception:  # never a traceback to the client; the log has it under this id
        logged_failure(log)  # RS4OTRS documents one fixed text; the id is in the log only
        return error(CONTACT_ADMIN)
