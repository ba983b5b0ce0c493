"""The request-log middleware under `chalice local` (what `make run` serves): the correlation header on
answers over real HTTP, and a readable request line (route pattern, no credentials) in the server's output."""
from __future__ import annotations

import time
import uuid

import pytest
import requests


def wait_for_line(server, needle: str, timeout: float = 5.0) -> str:
    """The server's output line holding `needle` (the output file is written asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.output().splitlines():
            if needle in line:
                return line
        time.sleep(0.1)
    raise AssertionError(f"no output line with {needle!r}:\n{server.output()[-3000:]}")


@pytest.mark.e2e
def test_answers_carry_the_correlation_id_and_the_output_has_one_line(live_server) -> None:
    correlation_id = f"e2e-{uuid.uuid4().hex}"
    email, password = live_server.auth("agent")
    me = requests.get(f"{live_server.base_url}/users/me", auth=(email, password),
                      headers={"X-Correlation-Id": correlation_id}, timeout=10)
    assert me.status_code == 200, me.text
    assert me.headers["X-Correlation-Id"] == correlation_id
    line = wait_for_line(live_server, correlation_id)
    assert "GET /api/v1/users/me 200" in line and f"user {live_server.agent['id']} (agent)" in line
    assert password not in line and email not in line


@pytest.mark.e2e
def test_an_error_answer_gets_a_fresh_correlation_id(live_server) -> None:
    refused = requests.get(f"{live_server.base_url}/users/me", auth=("nobody@example.com", "wrong"),
                           headers={"X-Correlation-Id": "not a sane id"}, timeout=10)
    assert refused.status_code == 401
    correlation_id = refused.headers["X-Correlation-Id"]
    assert correlation_id != "not a sane id" and str(uuid.UUID(correlation_id)) == correlation_id
    assert "GET /api/v1/users/me 401" in wait_for_line(live_server, correlation_id)
