"""End-to-end fixtures: the real dev server (`python -m chalicelib.devserver`) over real HTTP.

The server runs as a subprocess in its own process group, with its own data directory and a
clean AWS environment, so a test sees exactly what `make run` gives a developer. Its output goes
to a log file (a pipe nobody reads could fill up and stall it); the `HELPDESK_READY <json>` line
it prints once it accepts requests carries the base URL and the credentials.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_MARKER = "HELPDESK_READY"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


@dataclass
class LiveServer:
    """A running dev server and what a test needs to talk to it."""

    base_url: str
    data_dir: Path
    credentials: dict[str, Any]
    process: subprocess.Popen
    log_path: Path
    ready: dict[str, Any] = field(default_factory=dict)
    returncode: Optional[int] = None

    @property
    def port(self) -> int:
        return urlsplit(self.base_url).port

    @property
    def moto_port(self) -> Optional[int]:
        endpoint = self.ready.get("moto_endpoint")
        return urlsplit(endpoint).port if endpoint else None

    @property
    def pgid(self) -> int:
        return self.process.pid  # start_new_session: the server leads its own group

    def auth(self, role: str) -> tuple[str, str]:
        """HTTP Basic credentials for "admin", "agent" or "customer"."""
        creds = self.credentials[role]
        return creds["email"], creds["password"]

    @property
    def admin(self) -> dict[str, Any]:
        return self.credentials["admin"]

    @property
    def agent(self) -> dict[str, Any]:
        return self.credentials["agent"]

    @property
    def customer(self) -> dict[str, Any]:
        return self.credentials["customer"]

    def stop(self, timeout: Optional[float] = None) -> int:
        """SIGTERM the process group and wait; returns the exit status."""
        return stop_server(self, STOP_TIMEOUT if timeout is None else timeout)

    def group_alive(self) -> bool:
        """True while any process of the server's group still exists."""
        return group_alive(self.pgid)

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def clean_environment(data_dir: Path, extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The caller's environment minus anything that could point the server at real AWS or at
    another endpoint; the server sets its own endpoint and dummy credentials."""
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith("AWS_") and not name.startswith("HELPDESK_")
        and name not in ("PORT", "HOST", "MOTO_PORT")
    }
    env.update(
        HELPDESK_DATA_DIR=str(data_dir),
        HELPDESK_DEMO="1",
        PORT="0",  # the server binds a free port and reports it; no race with other tests
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def start_server(data_dir: Path, *, env: Optional[dict[str, str]] = None,
                 timeout: float = START_TIMEOUT) -> LiveServer:
    """Start a dev server on data_dir and wait until it answers; fail with its output if not."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-server-{time.time_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "chalicelib.devserver"],
            cwd=REPO_ROOT, env=clean_environment(data_dir, env),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(base_url="", data_dir=data_dir, credentials={}, process=process,
                        log_path=log_path)
    try:
        ready = _wait_until_ready(server, timeout)
    except BaseException:
        stop_server(server)
        raise
    server.ready = ready
    server.base_url = ready["base_url"]
    server.credentials = ready["credentials"]
    return server


def _wait_until_ready(server: LiveServer, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = _ready_line(server.output())
        if ready is not None:
            port = urlsplit(ready["base_url"]).port
            if _port_answers(port):
                return ready
        if server.process.poll() is not None:
            pytest.fail(f"dev server exited with {server.process.returncode} before it was "
                        f"ready:\n{server.output()}", pytrace=False)
        time.sleep(0.1)
    pytest.fail(f"dev server not ready after {timeout:.0f} s:\n{server.output()}", pytrace=False)


def _ready_line(output: str) -> Optional[dict[str, Any]]:
    for line in output.splitlines():
        if line.startswith(READY_MARKER + " "):
            return json.loads(line[len(READY_MARKER) + 1:])
    return None


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stop_server(server: LiveServer, timeout: float = STOP_TIMEOUT) -> int:
    """SIGTERM the server's process group and wait; SIGKILL it (and fail) if it hangs."""
    if server.returncode is not None:
        return server.returncode
    try:
        os.killpg(server.pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        server.returncode = server.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(server.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.returncode = server.process.wait()
        pytest.fail(f"dev server ignored SIGTERM for {timeout:.0f} s:\n{server.output()}",
                    pytrace=False)
    return server.returncode


def group_alive(pgid: int) -> bool:
    """True while any process of the group still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One dev server for the session, with demo data, on a fresh data directory."""
    server = start_server(tmp_path_factory.mktemp("live") / "data")
    yield server
    returncode = stop_server(server)
    assert returncode == 0, f"dev server exited with {returncode}:\n{server.output()}"


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    """start(data_dir=None) -> LiveServer for tests that stop and restart servers; whatever is
    still running at the end of the test is stopped."""
    started: list[LiveServer] = []

    def start(data_dir: Optional[Path] = None, **kwargs: Any) -> LiveServer:
        server = start_server(data_dir or tmp_path / "data", **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


# --- the real zammad_py client, one per role (module scope: each test module logs in once) -------

@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Any:
    """The admin's zammad_py client."""
    from .zammad_client import connect
    return connect(live_server, "admin")


@pytest.fixture(scope="module")
def agent(live_server: LiveServer) -> Any:
    from .zammad_client import connect
    return connect(live_server, "agent")


@pytest.fixture(scope="module")
def customer(live_server: LiveServer) -> Any:
    from .zammad_client import connect
    return connect(live_server, "customer")


@pytest.fixture(scope="module")
def customer_email(live_server: LiveServer) -> str:
    return live_server.credentials["customer"]["email"]
