"""Structured request logs (api/request_log.py): one record per request in every dialect, the correlation
id on every answer, no credentials or bodies in any record, and failures traceable by request id."""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import pytest

from tests.api.otrs.conftest import Otrs
from tests.api.rs4otrs.conftest import Rpc
from tests.api.tickets_api.conftest import TicketsApi
from tests.conftest import Api, Reply

from chalicelib.api import request_log


class Captured(logging.Handler):
    """Every record logged anywhere while a test runs, as the records and as the JSON lines Lambda writes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.json = request_log.JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(self.json.format(record)) for record in self.records]

    def requests(self, correlation_id: Optional[str] = None) -> list[dict[str, Any]]:
        """The request records (of the request sent with this correlation id)."""
        return [line for line in self.lines() if line["logger"] == request_log.REQUEST_LOGGER
                and (correlation_id is None or line["correlation_id"] == correlation_id)]

    def text(self) -> str:
        """All records as written (JSON lines) plus their plain messages: what a secret must not be in."""
        return "\n".join(self.json.format(record) + "\n" + record.getMessage() for record in self.records)


@pytest.fixture()
def captured() -> Iterator[Captured]:
    """On the root logger (failures) and on the request logger, whose records stop at Chalice's app logger."""
    handler = Captured()
    loggers = [logging.getLogger(), logging.getLogger(request_log.REQUEST_LOGGER)]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def fresh_id() -> str:
    return f"test-{uuid.uuid4().hex}"


def traced(extra: Optional[dict[str, str]] = None) -> tuple[str, dict[str, str]]:
    """A unique, sane correlation id and the headers that send it."""
    correlation_id = fresh_id()
    return correlation_id, {"X-Correlation-Id": correlation_id, **(extra or {})}


@dataclass(frozen=True)
class Expected:
    dialect: str
    route: str
    status: int
    who: Optional[str]  # the seeded caller the record must name, or None for anonymous
    kind: Optional[str]


# Each case: (api, headers carrying the correlation id) -> the reply of the one request under test.
# Setup requests (logins, tokens) happen before, under other correlation ids.
def zammad_ticket(api: Api, headers: dict[str, str]) -> Reply:
    ticket_id = api.get("/api/v1/tickets", who="agent").json[0]["id"]
    return api.get(f"/api/v1/tickets/{ticket_id}", who="agent", headers=headers)


def otrs_customer_ticket(api: Api, headers: dict[str, str]) -> Reply:
    otrs = Otrs(api)
    ticket_id = otrs.get("/ticket/list").json["List"][0]["TicketID"]
    return otrs.get(f"/ticket/id/{ticket_id}", headers=headers)


def otrs_external_config(api: Api, headers: dict[str, str]) -> Reply:
    return api.get("/api/frontend/external/config", who=None, headers=headers)


def otrs_public_categories(api: Api, headers: dict[str, str]) -> Reply:
    return api.get("/api/public/knowledge-base/categorylist", who=None, headers=headers)


def rs4otrs_ticket_list(api: Api, headers: dict[str, str]) -> Reply:
    return Rpc(api).request("GET", "tickets", "getTicketList", {}, who="agent", headers=headers)


def tickets_api_list(api: Api, headers: dict[str, str]) -> Reply:
    tickets = TicketsApi(api)
    tickets.token("customer")
    return tickets.get("/tickets", headers=headers)


def oauth_token(api: Api, headers: dict[str, str]) -> Reply:
    c = api.credentials["customer"]
    return api.client.http.request("POST", "/oauth/token", body=json.dumps(
        {"grant_type": "password", "username": c["email"], "password": c["password"]}).encode(),
        headers={"Content-Type": "application/json", **headers})


def service_health(api: Api, headers: dict[str, str]) -> Reply:
    return api.get("/health", who=None, headers=headers)


CASES: dict[str, tuple[Callable[[Api, dict[str, str]], Any], Expected]] = {
    "zammad": (zammad_ticket, Expected("zammad", "/api/v1/tickets/{ticket_id}", 200, "agent", "agent")),
    "otrs-customer": (otrs_customer_ticket,
                      Expected("otrs-customer", "/api/customer/ticket/id/{TicketID}", 200, "customer", "customer")),
    "otrs-external": (otrs_external_config,
                      Expected("otrs-external", "/api/frontend/external/config", 200, None, None)),
    "otrs-public": (otrs_public_categories,
                    Expected("otrs-public", "/api/public/knowledge-base/categorylist", 200, None, None)),
    "rs4otrs": (rs4otrs_ticket_list, Expected("rs4otrs", "/otrs/api/{group}/{name}", 200, "agent", "agent")),
    "tickets": (tickets_api_list, Expected("tickets", "/api/tickets/v1/tickets", 200, "customer", "customer")),
    "oauth": (oauth_token, Expected("oauth", "/oauth/token", 200, "customer", "customer")),
    "service": (service_health, Expected("service", "/health", 200, None, None)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_record_per_request_in_each_dialect(api: Api, captured: Captured, case: str) -> None:
    send, expected = CASES[case]
    correlation_id, headers = traced()
    reply = send(api, headers)
    reply = reply if isinstance(reply, Reply) else Reply(reply)
    assert reply.status == expected.status, reply
    assert reply.headers["x-correlation-id"] == correlation_id
    [record] = captured.requests(correlation_id)
    assert record["dialect"] == expected.dialect
    assert record["route"] == expected.route
    assert record["status"] == expected.status
    assert record["method"] in ("GET", "POST")
    assert record["user_id"] == (api.credentials[expected.who]["id"] if expected.who else None)
    assert record["user_kind"] == expected.kind
    assert record["client_address"]
    assert record["level"] == "INFO" and isinstance(record["duration_ms"], float)
    assert uuid.UUID(record["request_id"])  # the test client's Lambda invocation id


def test_each_request_gets_its_own_request_id(api: Api, captured: Captured) -> None:
    service_health(api, {})
    service_health(api, {})
    first, second = captured.requests()
    assert first["request_id"] != second["request_id"]
    assert first["correlation_id"] == first["request_id"]  # nothing sent: the request id correlates


def test_an_admin_is_logged_as_admin(api: Api, captured: Captured) -> None:
    correlation_id, headers = traced()
    assert api.get("/api/v1/users/me", who="admin", headers=headers).status == 200
    [record] = captured.requests(correlation_id)
    assert (record["user_id"], record["user_kind"]) == (api.credentials["admin"]["id"], "admin")


@pytest.mark.parametrize("header", ["X-Correlation-Id", "X-Request-Id"])
def test_a_sane_correlation_id_is_echoed(api: Api, captured: Captured, header: str) -> None:
    sent = "order-4711.retry_2"
    reply = api.get("/health", who=None, headers={header: sent})
    assert reply.headers["x-correlation-id"] == sent
    [record] = captured.requests(sent)
    assert record["request_id"] != sent


@pytest.mark.parametrize("sent", ["a" * 65, "two words", "inject\"quote", "semi;colon", "ümlaut", "a/b"])
def test_an_odd_correlation_id_is_replaced_by_the_request_id(api: Api, captured: Captured, sent: str) -> None:
    reply = api.get("/health", who=None, headers={"X-Correlation-Id": sent})
    [record] = captured.requests()
    assert reply.headers["x-correlation-id"] == record["request_id"] == record["correlation_id"]
    assert sent not in captured.text()


def test_error_answers_carry_the_correlation_id_too(api: Api, captured: Captured) -> None:
    correlation_id, headers = traced()
    denied = api.request("GET", "/api/v1/users/me", headers={**headers, "Authorization": "Basic bm86cGU="},
                         who=None)
    assert denied.status == 401 and denied.headers["x-correlation-id"] == correlation_id
    [record] = captured.requests(correlation_id)
    assert (record["status"], record["user_id"], record["dialect"]) == (401, None, "zammad")

    # Chalice's own answer (no view ran): an unsupported media type.
    correlation_id, headers = traced({"Content-Type": "application/x-unknown"})
    refused = api.client.http.request("POST", "/api/v1/tickets", headers=headers, body=b"x")
    assert refused.status_code == 415 and refused.headers["X-Correlation-Id"] == correlation_id
    [record] = captured.requests(correlation_id)
    assert (record["status"], record["route"]) == (415, "/api/v1/tickets")

    correlation_id, headers = traced()
    wrong_method = api.client.http.request("DELETE", "/health", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.headers["X-Correlation-Id"] == correlation_id
    [record] = captured.requests(correlation_id)
    assert (record["status"], record["method"], record["dialect"]) == (405, "DELETE", "service")


def test_a_429_carries_the_correlation_id(api: Api, captured: Captured, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap, settings
    from chalicelib.core.rate_limit import RateLimiter
    from chalicelib.storage.rate_windows import RateWindowStore
    monkeypatch.setenv("HELPDESK_PUBLIC_RATE", "1")
    settings.reset()
    container = bootstrap.container()
    container.public_rate = RateLimiter(RateWindowStore(), container.clock, settings.get().public_rate)
    assert otrs_public_categories(api, {}).status == 200
    correlation_id, headers = traced()
    limited = otrs_public_categories(api, headers)
    assert limited.status == 429 and limited.headers["x-correlation-id"] == correlation_id
    assert "retry-after" in limited.headers
    [record] = captured.requests(correlation_id)
    assert (record["status"], record["dialect"]) == (429, "otrs-public")


def test_no_credentials_tokens_or_bodies_in_any_record(api: Api, captured: Captured) -> None:
    """Logins with passwords, Basic, Bearer, a session in the query string, an X-Token, and a body with a
    marker: none of it may reach a record, nor may the callers' e-mail addresses."""
    secrets: list[str] = []
    for who in ("admin", "agent", "customer"):
        secrets += [api.credentials[who]["password"], api.credentials[who]["email"]]
    otrs = Otrs(api)
    secrets.append(otrs.login("customer"))  # POST /api/customer/auth/login with the password in the body
    assert otrs.get("/ticket/list").status == 200
    rpc = Rpc(api)
    secrets.append(rpc.session("agent"))  # RS4OTRS login with the password in the body
    assert rpc.get("tickets", "getTicketList").status == 200  # the session in the query string
    tickets = TicketsApi(api)
    secrets.append(tickets.token("customer"))
    marker = f"body-marker-{uuid.uuid4().hex}"
    created = tickets.post("/tickets", {"summary": marker, "comment_body": marker})
    assert created.status == 200, created
    bearer = oauth_token(api, {}).json_body["access_token"]
    secrets += [bearer, marker]
    me = api.client.http.request("GET", "/api/v1/users/me?token=" + marker,
                                 headers={"Authorization": f"Bearer {bearer}"})
    assert me.status_code == 200

    text = captured.text()
    assert len(captured.requests()) >= 8
    for secret in secrets:
        assert secret not in text
    assert "?" not in "".join(record["route"] for record in captured.requests())


def test_a_failure_traceback_carries_the_request_id(api: Api, captured: Captured,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.api.zammad import schema

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("rendering broke")
    monkeypatch.setattr(schema, "user", broken)
    correlation_id, headers = traced()
    reply = api.get("/api/v1/users/me", who="agent", headers=headers)
    assert reply.status == 500 and reply.headers["x-correlation-id"] == correlation_id
    [record] = captured.requests(correlation_id)
    [failure] = [line for line in captured.lines() if "exception" in line]
    assert failure["request_id"] == record["request_id"]
    assert failure["correlation_id"] == correlation_id
    assert "RuntimeError: rendering broke" in failure["exception"]
    assert failure["message"].split()[2] in reply.json["error"]  # "Error ID <id>" reaches the client too
    assert (record["status"], record["user_id"]) == (500, api.credentials["agent"]["id"])


def test_every_dialect_route_maps_to_its_dialect() -> None:
    """A blueprint mounted under a new prefix without a row in DIALECT_PREFIXES would log as "service"."""
    from app import app
    unmapped = [route for route in app.routes if route.startswith(("/api/", "/otrs/", "/oauth"))
                and request_log.dialect_for(route) == request_log.SERVICE_DIALECT]
    assert unmapped == []
    assert request_log.dialect_for("/api/v1") == "zammad"
    assert request_log.dialect_for("/api/v10/x") == request_log.SERVICE_DIALECT


def test_principal_kinds() -> None:
    assert request_log.principal_kind({"admin.user", "ticket.agent"}) == "agent"
    assert request_log.principal_kind({"admin", "ticket.agent"}) == "admin"
    assert request_log.principal_kind({"ticket.customer"}) == "customer"
    assert request_log.principal_kind(set()) == "user"


def test_note_principal_outside_a_request_changes_nothing() -> None:
    from chalicelib.core.model import User
    request_log.note_principal(User(id=7, login="x"))
    assert request_log.current() is None


def test_json_lines_for_any_logger_when_asked() -> None:
    """What Lambda gets (log_format json): one JSON object per record, a traceback inside it."""
    import io
    logger = logging.getLogger(f"test.request_log.{uuid.uuid4().hex}")
    logger.propagate = False
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    request_log.use_json_lines(logger)
    try:
        raise ValueError("bad\nline")
    except ValueError:
        logger.exception("failed %s", "here")
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "failed here" and entry["level"] == "ERROR"
    assert "ValueError: bad\nline" in entry["exception"]


@pytest.mark.parametrize("stage, configured, expected", [
    ("test", None, "text"), ("local", None, "text"), ("prod", None, "json"), ("prod", "text", "text"),
    ("local", "JSON", "json")])
def test_log_format_by_stage(monkeypatch: pytest.MonkeyPatch, stage: str, configured: Optional[str],
                             expected: str) -> None:
    from chalicelib import settings
    monkeypatch.setenv("HELPDESK_STAGE", stage)
    monkeypatch.setenv("HELPDESK_JWT_SECRET", "s" * 48)
    if configured is None:
        monkeypatch.delenv("HELPDESK_LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("HELPDESK_LOG_FORMAT", configured)
    settings.reset()
    try:
        assert settings.get().log_format == expected
    finally:
        monkeypatch.undo()
        settings.reset()
