"""One structured log record per HTTP request, and the correlation id every answer carries.

A Chalice HTTP middleware (registered once in `application.create_app`) wraps every route of every
blueprint, Chalice's own 405/415 answers included, so no dialect can forget it. It writes one record
to the `helpdesk.request` logger: request id, correlation id, method, route *pattern*, status,
duration, dialect, the principal (user id and kind, noted by the dialect wrappers through
`note_principal`) and the client address. What it never writes: bodies, header values, query strings
(`Token=` and `token` travel there), passwords, tokens, e-mail addresses. Every other record logged
while a request runs (a `logged_failure` traceback, say) is stamped with the same request and
correlation ids, so one query finds everything a request left in the log.

Unknown paths never reach the app (API Gateway, `chalice local` and the test client answer them
themselves), so those answers carry no correlation header.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import sys
import threading
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Optional, Union

from chalice import Chalice, Response

from .. import bootstrap
from ..core.model import Principal, User, grants

REQUEST_LOGGER = "helpdesk.request"
CORRELATION_HEADER = "X-Correlation-Id"
INBOUND_CORRELATION_HEADERS = ("x-correlation-id", "x-request-id")  # the first sane one is taken
SANE_CORRELATION_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
FIELDS_ATTRIBUTE = "request_fields"  # the LogRecord attribute holding a request record's fields

# Where app.py mounts each dialect's blueprint; anything else is a service route (/health).
DIALECT_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/api/v1", "zammad"),
    ("/oauth", "oauth"),
    ("/api/customer", "otrs-customer"),
    ("/api/frontend/external", "otrs-external"),
    ("/api/public", "otrs-public"),
    ("/otrs/api", "rs4otrs"),
    ("/api/tickets/v1", "tickets"),
)
SERVICE_DIALECT = "service"
# Principal kinds, the strongest first: an admin is also an agent.
KIND_BY_PERMISSION: tuple[tuple[str, str], ...] = (
    ("admin", "admin"), ("agent", "ticket.agent"), ("customer", "ticket.customer"))


@dataclass
class RequestState:
    """What the log knows about the request in flight (one per request, never shared)."""
    request_id: str
    correlation_id: str
    user_id: Optional[int] = None
    user_kind: Optional[str] = None
    real_user_id: Optional[int] = None  # the agent behind X-On-Behalf-Of


_current: ContextVar[Optional[RequestState]] = ContextVar("helpdesk_request_state", default=None)


def current() -> Optional[RequestState]:
    return _current.get()


def dialect_for(route: str) -> str:
    for prefix, dialect in DIALECT_PREFIXES:
        if route == prefix or route.startswith(prefix + "/"):
            return dialect
    return SERVICE_DIALECT


def principal_kind(permissions: Iterable[str]) -> str:
    held = frozenset(permissions)
    for kind, permission in KIND_BY_PERMISSION:
        if grants(held, permission):
            return kind
    return "user"


def note_principal(who: Union[Principal, User, None]) -> None:
    """Called by a dialect wrapper right after authentication: the request record names the caller
    by id and kind only (never login, e-mail or credentials). No-op outside a request."""
    state = _current.get()
    if state is None or who is None:
        return
    state.user_id = who.id
    state.user_kind = principal_kind(who.permissions)
    state.real_user_id = getattr(who, "real_user_id", None)


def request_id_of(request: Any) -> str:
    """API Gateway's requestId (what its access log and `x-amzn-RequestId` show), else the Lambda
    invocation's id (`chalice local`, the test client), else a fresh one."""
    context = getattr(request, "context", None) or {}
    lambda_context = getattr(request, "lambda_context", None)
    return str(context.get("requestId") or getattr(lambda_context, "aws_request_id", None) or uuid.uuid4())


def correlation_id_of(request: Any, request_id: str) -> str:
    """The caller's X-Correlation-Id (or X-Request-Id) when it is a short plain token; anything else
    (too long, odd characters that could forge log lines or headers) is replaced by the request id."""
    headers = getattr(request, "headers", None) or {}
    for name in INBOUND_CORRELATION_HEADERS:
        value = (headers.get(name) or "").strip()
        if value:
            return value if SANE_CORRELATION_ID.fullmatch(value) else request_id
    return request_id


def log_requests(request: Any, get_response: Callable[[Any], Response],
                 app_log: Optional[logging.Logger] = None) -> Response:
    """The HTTP middleware: state for the request, the correlation header on the answer, one record."""
    configure_logging(app_log)
    started = time.perf_counter()
    request_id = request_id_of(request)
    state = RequestState(request_id, correlation_id_of(request, request_id))
    token = _current.set(state)
    status = 500  # what the caller gets when the view raises past Chalice's own handling
    try:
        response = get_response(request)
        status = response.status_code
        response.headers[CORRELATION_HEADER] = state.correlation_id
        return response
    finally:
        _log_request(request, state, status, (time.perf_counter() - started) * 1000)
        _current.reset(token)


def _log_request(request: Any, state: RequestState, status: int, duration_ms: float) -> None:
    context = getattr(request, "context", None) or {}
    route = context.get("resourcePath") or ""
    lambda_id = getattr(getattr(request, "lambda_context", None), "aws_request_id", None)
    fields: dict[str, Any] = {
        "method": getattr(request, "method", None) or context.get("httpMethod") or "",
        "route": route,
        "status": status,
        "duration_ms": round(duration_ms, 1),
        "dialect": dialect_for(route),
        "user_id": state.user_id,
        "user_kind": state.user_kind,
        "client_address": (context.get("identity") or {}).get("sourceIp"),
    }
    if state.real_user_id is not None:
        fields["real_user_id"] = state.real_user_id
    if lambda_id and lambda_id != state.request_id:
        fields["lambda_request_id"] = lambda_id
    who = f"user {state.user_id} ({state.user_kind})" if state.user_id is not None else "anonymous"
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s %.1f ms %s %s correlation %s", fields["method"], route, status, fields["duration_ms"],
        fields["dialect"], who, state.correlation_id, extra={FIELDS_ATTRIBUTE: fields})


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request's ids while one runs, a
    request record's fields, and a traceback as one string (one CloudWatch event, not one per line)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "correlation_id"):
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        entry.update(getattr(record, FIELDS_ATTRIBUTE, None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _stamping(make_record: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """A LogRecord factory that adds the running request's ids to every record, whatever logger made it."""
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        state = _current.get()
        if state is not None:
            record.request_id = state.request_id
            record.correlation_id = state.correlation_id
        return record
    return factory


def use_json_lines(logger: logging.Logger) -> None:
    """JSON lines on the logger's handlers (in Lambda: the runtime's handler on the root logger)."""
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stdout))
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())


_configure_lock = threading.Lock()
_stamping_installed = False
_format_applied = False


def configure_logging(app_log: Optional[logging.Logger] = None) -> None:
    """Once per process, on the first request (settings are never read at import): ids on every record,
    the request logger at INFO (Lambda's root logger stays at WARNING), and JSON lines when the stage's
    `log_format` says so, on the root logger and on Chalice's app logger (`app.log`, which does not
    propagate and is also the parent of `helpdesk.request`); `text` (local and test) leaves the
    handlers as Chalice, `make run` and pytest set them."""
    global _stamping_installed, _format_applied
    if _format_applied:
        return
    with _configure_lock:
        if not _stamping_installed:
            logging.setLogRecordFactory(_stamping(logging.getLogRecordFactory()))
            logging.getLogger(REQUEST_LOGGER).setLevel(logging.INFO)
            _stamping_installed = True
        if _format_applied:
            return
        try:
            log_format = bootstrap.settings.get().log_format
        except (RuntimeError, ValueError):  # unreadable settings fail the routes that need them, not /health
            return
        if log_format == "json":
            use_json_lines(logging.getLogger())
            if app_log is not None:
                use_json_lines(app_log)
        _format_applied = True


def install(app: Chalice) -> None:
    app.register_middleware(functools.partial(log_requests, app_log=app.log), "http")
