"""Property-based fuzzing of every documented dialect against the real local server (`make check`).

schemathesis generates requests from each OpenAPI document in docs/api/ (the same DOCUMENTS table
the contract tests use, so a new dialect is fuzzed by adding its document there) and checks: no 5xx,
responses match their documented schema, status and content type, and operations that document
authentication refuse requests without it. Bounded by examples per operation and a time budget so
CI stays fast; FUZZ_EXAMPLES and FUZZ_SECONDS raise the bounds for a longer local run.

One worker: the dev server serializes moto anyway, and schemathesis 4.32 with two worker threads
once died inside hypothesis (`SystemError: AST constructor recursion depth mismatch`, CPython's
parser is not safe to run from two threads) with every generated case passing.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Optional

import pytest

from tests.api.test_openapi import DOCS_DIR, DOCUMENTS

pytestmark = [pytest.mark.fuzz, pytest.mark.e2e]

CHECKS = ",".join([
    "not_a_server_error", "response_schema_conformance", "status_code_conformance",
    "content_type_conformance", "ignored_auth",
])
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SECONDS = int(os.environ.get("FUZZ_SECONDS", "100"))  # per document: five documents keep `make check` near 10 minutes


# >>> tickets-openapi: the numbered Tickets API is fuzzed as the demo customer, with an X-Token of theirs
TICKETS_DOCUMENT = "tickets.yaml"
# Every generated request counts against the token's per-minute limit (120 by default), which a fuzz run
# passes within seconds: its server allows far more (tests/api/test_openapi.py checks the 429 itself).
TICKETS_SERVER_ENV = {"HELPDESK_TICKETS_API_RATE": "1000000"}


def tickets_customer_token(live_server, origin: str) -> str:
    """A personal access token of the demo customer, made as a control panel's user makes one."""
    email, password = live_server.auth("customer")
    request = urllib.request.Request(
        origin + "/api/v1/user_access_token", method="POST", data=json.dumps(
            {"label": "fuzz", "permission": ["ticket.customer"]}).encode(), headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]
# <<< tickets-openapi


# >>> otrs-openapi: the OTRS customer interface is fuzzed as the demo customer, with its bearer token
OTRS_DOCUMENT = "otrs-customer.yaml"


def otrs_customer_token(live_server, origin: str) -> str:
    """Signs the demo customer in through the interface's own login, as its clients do."""
    email, password = live_server.auth("customer")
    request = urllib.request.Request(
        origin + "/api/customer/auth/login", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"Username": email, "Password": password}).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["Token"]


# OTRS's custom status 900 is >= 500, which schemathesis' not_a_server_error takes for a server fault: the
# OTRS document is fuzzed against a server that sends the custom errors as API Gateway gets them (422 +
# X-OTRS-API-Error-Status: 900, documented); tests/api/test_openapi.py checks the 900 itself.
OTRS_SERVER_ENV = {"HELPDESK_OTRS_CUSTOM_ERROR_STATUS": "422",
                   "HELPDESK_PUBLIC_RATE": "1000000",  # the fuzz run is one busy client: let it explore
                   "HELPDESK_ACCOUNT_MAIL_RATE": "1000000"}


def fuzz_server(request: pytest.FixtureRequest, document: str):
    if document in OTRS_DOCUMENTS:
        return request.getfixturevalue("server_factory")(env=OTRS_SERVER_ENV)
    if document == TICKETS_DOCUMENT:  # tickets-openapi
        return request.getfixturevalue("server_factory")(env=TICKETS_SERVER_ENV)
    return request.getfixturevalue("live_server")


def auth_arguments(server, document: str, origin: str) -> list[str]:
    """How schemathesis authenticates for the document: Basic as the admin (Zammad), or the customer's
    bearer token (OTRS). Left out of the OTRS run: the logout, which would revoke the token every later
    request sends (the contract cases in tests/api/test_openapi.py check it)."""
    if document in OTRS_DOCUMENTS:
        token = otrs_customer_token(server, origin)
        return ["--header", f"Authentication: Bearer {token}", "--exclude-operation-id", "logout"]
    if document == TICKETS_DOCUMENT:  # tickets-openapi
        return ["--header", f"X-Token: {tickets_customer_token(server, origin)}"]
    email, password = server.auth("admin")
    return ["--auth", f"{email}:{password}"]
# <<< otrs-openapi


# >>> external-openapi: OTRS's external frontend and public knowledge base are fuzzed as the customer
# interface is: with the demo customer's bearer token (its customer-only routes), against a server that
# sends the custom 900 errors as API Gateway gets them
OTRS_DOCUMENTS = (OTRS_DOCUMENT, "otrs-external.yaml")
# <<< external-openapi


# >>> rpc-openapi: the RS4OTRS agent RPC takes its session as a body/query parameter, which --header and
# --auth cannot send: tests/e2e/rs4otrs_fuzz_hooks.py (an auth provider, loaded with SCHEMATHESIS_HOOKS)
# logs the agent in and adds it to each request, and checks no call hits the catch-all "Please contact
# the administrator." (every RPC answer is HTTP 200, so not_a_server_error cannot see a crash).
RS4OTRS_DOCUMENT = "rs4otrs.yaml"
REPO = Path(__file__).resolve().parents[2]


def rs4otrs_arguments(document: str) -> list[str]:
    """The RPC's own check, and left out: auth/logout, which would revoke the one session every later
    request sends (the contract cases in tests/api/test_openapi.py check it)."""
    if document != RS4OTRS_DOCUMENT:
        return []
    return ["--checks", CHECKS + ",rs4otrs_no_unexpected_failure",
            "--exclude-operation-id", "auth.logout", "--exclude-operation-id", "auth.logout.get"]


def fuzz_environment(server, document: str, origin: str) -> Optional[dict[str, str]]:
    """The schemathesis process' environment: for the RPC, the hooks module and whom it logs in as."""
    if document != RS4OTRS_DOCUMENT:
        return None
    user, password = server.auth("agent")
    return {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.rs4otrs_fuzz_hooks",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "RS4OTRS_FUZZ_ORIGIN": origin, "RS4OTRS_FUZZ_USER": user, "RS4OTRS_FUZZ_PASSWORD": password}
# <<< rpc-openapi


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_fuzz_document(request: pytest.FixtureRequest, document: str, tmp_path: Path) -> None:
    live_server = fuzz_server(request, document)
    origin = live_server.base_url.split("/api/")[0]
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", str(DOCS_DIR / document),
        "--url", origin, *auth_arguments(live_server, document, origin), "--checks", CHECKS,
        *rs4otrs_arguments(document),  # its --checks, given last, is the one that counts
        "--phases", "examples,coverage,fuzzing", "--max-examples", str(EXAMPLES),
        "--max-time", str(SECONDS), "--workers", "1", "--seed", "20261122", "--no-shrink",
        "--request-timeout", "30", "--warnings", "off",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 240,
                            env=fuzz_environment(live_server, document, origin))
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, report
