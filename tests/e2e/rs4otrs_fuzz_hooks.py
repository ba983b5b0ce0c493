"""schemathesis hooks for fuzzing docs/api/rs4otrs.yaml (loaded with SCHEMATHESIS_HOOKS by
tests/e2e/test_fuzz_schemathesis.py; never imported by the app or pytest).

The RS4OTRS session is a parameter (`OTRSAgentInterface`) in the JSON body or the query string, which no
OpenAPI security scheme can describe and `--header`/`--auth` cannot send: an auth provider logs the agent
in once and puts the token where each request carries its parameters. Every answer is HTTP 200, so
`not_a_server_error` cannot see a crash: the dispatcher answers any unexpected exception with
`Please contact the administrator.`, which the check below refuses (lostPassword documents that
message for a mail that cannot be sent, so it is left out).
"""
from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import schemathesis

SESSION_NAME = "OTRSAgentInterface"
PREFIX = "/otrs/api"
SESSIONLESS = (PREFIX + "/auth/login", PREFIX + "/auth/lostPassword")
CONTACT_ADMIN = "Please contact the administrator."
# Set by test_fuzz_schemathesis for the schemathesis process: where to log in, and as whom.
ORIGIN, USER, PASSWORD = "RS4OTRS_FUZZ_ORIGIN", "RS4OTRS_FUZZ_USER", "RS4OTRS_FUZZ_PASSWORD"


@schemathesis.auth()
class Rs4otrsSession:
    """The agent's session from auth/login, in the body (POST) or the query (GET) of every method but
    login and lostPassword."""

    def get(self, case: Any, context: Any) -> str:
        body = json.dumps({"User": os.environ[USER], "Password": os.environ[PASSWORD]}).encode()
        request = urllib.request.Request(os.environ[ORIGIN] + PREFIX + "/auth/login", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert answer.get("Response") == "OK", answer
        return answer["SessionValue"]

    def set(self, case: Any, data: str, context: Any) -> None:
        if case.operation.path in SESSIONLESS:
            return
        if case.method.upper() == "GET":
            case.query = {**(case.query or {}), SESSION_NAME: data}
        elif isinstance(case.body, dict):  # a generated non-object body is refused before the session counts
            case.body = {**case.body, SESSION_NAME: data}


@schemathesis.check
def rs4otrs_no_unexpected_failure(ctx: Any, response: Any, case: Any) -> None:
    """No call ends in the dispatcher's catch-all for unexpected exceptions."""
    if not case.operation.path.startswith(PREFIX + "/") or case.operation.path in SESSIONLESS:
        return None
    try:
        body = response.json()
    except ValueError:
        return None  # getAttachment's file
    if isinstance(body, dict) and body.get("Message") == CONTACT_ADMIN:
        raise AssertionError(f"{case.method} {case.operation.path} hit an unexpected error (see the server log)")
    return None
