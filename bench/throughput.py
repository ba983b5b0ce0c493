"""Throughput of the local dev server over keep-alive connections, and its peak memory.

The server is the real one (`python -m chalicelib.devserver`, as `make run` starts it), in its own
process group with a temporary data directory and a clean AWS environment, started and stopped the
way tests/e2e/conftest.py does it (replicated here so the benchmark does not depend on test code).
Load comes from threads in this process, each with one persistent `http.client` connection.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from .environment import REPO_ROOT, clean

READY_MARKER = "HELPDESK_READY"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
WARM_UP_SECONDS = 1.0


@dataclass
class Server:
    process: subprocess.Popen
    log_path: Path
    host: str = ""
    port: int = 0
    credentials: dict[str, Any] = field(default_factory=dict)
    moto_endpoint: str = ""

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def start_server(data_dir: Path, timeout: float = START_TIMEOUT) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / "server.log"
    env = clean(os.environ, {"HELPDESK_DATA_DIR": str(data_dir), "HELPDESK_DEMO": "1", "PORT": "0",
                             "PYTHONUNBUFFERED": "1"})
    for name in ("HOST", "MOTO_PORT"):
        env.pop(name, None)
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "chalicelib.devserver"], cwd=REPO_ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(process, log_path)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for line in server.output().splitlines():
                if line.startswith(READY_MARKER + " "):
                    ready = json.loads(line[len(READY_MARKER) + 1:])
                    url = urlsplit(ready["base_url"])
                    server.host, server.port, server.credentials = url.hostname, url.port, ready["credentials"]
                    server.moto_endpoint = ready.get("moto_endpoint") or ""
                    return server
            if process.poll() is not None:
                raise RuntimeError(f"dev server exited with {process.returncode}:\n{server.output()}")
            time.sleep(0.1)
        raise RuntimeError(f"dev server not ready after {timeout:.0f} s:\n{server.output()}")
    except BaseException:
        stop_server(server)
        raise


def stop_server(server: Server) -> Optional[int]:
    """SIGTERM the server's process group (it leads its own session); SIGKILL if it hangs."""
    if server.process.poll() is not None:
        return server.process.returncode
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return server.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        return server.process.wait()


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _call(server: Server, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)
    finally:
        connection.close()


@dataclass
class RouteResult:
    label: str
    auth: str
    path: str
    requests: int
    errors: int
    seconds: float
    reconnects: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def drive(server: Server, path: str, headers: dict[str, str], seconds: float, connections: int) -> tuple[int, int, float, int]:
    """`connections` threads, each looping GET path on one keep-alive connection until the deadline.
    Returns (successful requests, errors, elapsed seconds, reconnects)."""
    counts = [[0, 0, 0] for _ in range(connections)]
    start = threading.Event()
    deadline = [0.0]

    def worker(slot: list[int]) -> None:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        start.wait()
        while time.perf_counter() < deadline[0]:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                slot[0 if response.status == 200 else 1] += 1
                if response.will_close:
                    connection.close()
                    slot[2] += 1
            except (OSError, http.client.HTTPException):
                slot[1] += 1
                connection.close()
                slot[2] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in counts]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return sum(c[0] for c in counts), sum(c[1] for c in counts), elapsed, sum(c[2] for c in counts)


def moto_get_item_ms(server: Server, ticket_id: int, calls: int = 50) -> float:
    """Median wall time of one GetItem sent straight to the server's moto (idle, sequential)."""
    import statistics

    import botocore.session

    client = botocore.session.Session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=server.moto_endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing")
    table = client.list_tables()["TableNames"][0]
    key = {"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": "#TICKET"}}
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        client.get_item(TableName=table, Key=key, ConsistentRead=True)
        times.append(time.perf_counter() - started)
    client.close()
    return statistics.median(times) * 1000


@dataclass
class Throughput:
    seconds: float
    connections: int
    routes: list[RouteResult]
    peak_rss_mb: float
    moto_get_item_ms: float = float("nan")


def measure(seconds: float = 10.0, connections: int = 4, progress: Optional[Callable[[str], None]] = None) -> Throughput:
    with tempfile.TemporaryDirectory(prefix="helpdesk-throughput-") as tmp:
        server = start_server(Path(tmp) / "data")
        try:
            admin = server.credentials["admin"]
            basic = "Basic " + base64.b64encode(f"{admin['email']}:{admin['password']}".encode()).decode()
            token = _call(server, "POST", "/api/v1/user_access_token", {"Authorization": basic},
                          {"label": "bench", "permission": ["ticket.agent"]})["token"]
            ticket_id = _call(server, "GET", "/api/v1/tickets?per_page=1", {"Authorization": basic})[0]["id"]
            ticket_path = f"/api/v1/tickets/{ticket_id}"
            plan = [
                ("`GET /health` (no-op route: the ceiling)", "none", "/health", {}),
                (f"`GET {ticket_path}`", "`Token token=`", ticket_path, {"Authorization": f"Token token={token}"}),
                (f"`GET {ticket_path}`", "HTTP Basic", ticket_path, {"Authorization": basic}),
            ]
            routes = []
            for label, auth, path, headers in plan:
                drive(server, path, headers, WARM_UP_SECONDS, connections)
                done, errors, elapsed, reconnects = drive(server, path, headers, seconds, connections)
                routes.append(RouteResult(label, auth, path, done, errors, elapsed, reconnects))
                if progress:
                    progress(f"  {path} ({auth}): {done / elapsed:,.0f} requests/s, {errors} errors, "
                             f"{reconnects} reconnects")
            moto_ms = moto_get_item_ms(server, ticket_id) if server.moto_endpoint else float("nan")
            peak = peak_rss_mb(server.process.pid)
        finally:
            returncode = stop_server(server)
        if returncode not in (0, None) and progress:
            progress(f"  dev server exited with {returncode}:\n{server.output()[-2000:]}")
    return Throughput(seconds, connections, routes, peak, moto_ms)
