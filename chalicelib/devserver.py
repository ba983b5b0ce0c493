"""The embedded backend behind `make run` (run as `python -m chalicelib.devserver`).

One process holds everything a laptop needs, so there is nothing to install or clean up:

* a moto server (DynamoDB + S3) on loopback, which every boto3/PynamoDB client in the process
  reaches through AWS_ENDPOINT_URL;
* the Chalice app, served by chalice's own local server (what `chalice local` runs), with
  TCP_NODELAY on every connection and a clean way to stop;
* a snapshot of the table and the bucket under $HELPDESK_DATA_DIR/snapshot/, written when
  SIGINT/SIGTERM/SIGHUP stops the server and restored on the next start, so data survives a
  restart (a SIGKILL loses the session, never the previous snapshot).

* the app's scheduled functions (`@schedule`), invoked in process when due, since chalice local
  runs none; and every mail the app writes to the outbox ($HELPDESK_DATA_DIR/outbox), printed.

Options come from the environment: PORT (8000; 0 picks a free port), HOST (127.0.0.1),
MOTO_PORT (a free port), HELPDESK_SCHEDULE_TICK (60: seconds between looks at the schedules),
HELPDESK_SCHEDULES (0: run none). Once the server accepts requests it prints one machine-readable
line, `HELPDESK_READY {"base_url": ..., "credentials": {...}, ...}`, for tests and scripts.

This is a development tool, not part of the deployed Lambda: it reads its own options from the
environment and rewrites the AWS part of it before anything creates a client.
"""
from __future__ import annotations

import base64
import errno
import importlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

PROJECT_DIR = Path(__file__).absolute().parent.parent
CHALICE_STAGE = "local"
READY_MARKER = "HELPDESK_READY"
SNAPSHOT_FORMAT = 1
_BATCH_WRITE_LIMIT = 25  # DynamoDB BatchWriteItem maximum

# Not under "helpdesk": the Chalice app of that name gives its logger its own format.
log = logging.getLogger("devserver")


class StartupError(RuntimeError):
    """A start failure the developer fixes without a traceback (a port in use, a bad snapshot)."""


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What the developer can choose; everything else follows from settings."""

    host: str
    port: int
    moto_port: int
    data_dir: Path
    schedule_tick: float = 60.0   # seconds between looks at which scheduled functions are due
    schedules: bool = True        # False: no scheduled function runs (the outbox is still printed)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Options:
        def text(name: str, default: str) -> str:
            value = environ.get(name)
            return value if value not in (None, "") else default

        return cls(
            host=text("HOST", "127.0.0.1"),
            port=int(text("PORT", "8000")),
            moto_port=int(text("MOTO_PORT", "0")),
            # Same default as settings uses for the local JWT secret, so both live together.
            data_dir=Path(text("HELPDESK_DATA_DIR", ".local")).absolute(),
            schedule_tick=max(0.1, float(text("HELPDESK_SCHEDULE_TICK", "60"))),
            schedules=text("HELPDESK_SCHEDULES", "1") != "0",
        )

    @property
    def snapshot_dir(self) -> Path:
        return self.data_dir / "snapshot"


def lock_data_dir(data_dir: Path) -> Any:
    """Hold an exclusive lock on the data directory for the life of the process.

    Two servers on one directory would each restore the same snapshot and the later stop would
    overwrite what the other saved. The OS drops the lock when the process ends, however it ends.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "devserver.lock").open("a+")
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        return handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise StartupError(f"another dev server (pid {owner}) is using {data_dir}; stop it or "
                           f"choose another HELPDESK_DATA_DIR") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


# --------------------------------------------------------------------------------------------
# moto
# --------------------------------------------------------------------------------------------


def _moto_server_class() -> type:
    """Built on first use: moto takes a second to import, and importing this module (tests
    use Snapshot alone) should not pay for it."""
    import threading

    from moto.moto_server.werkzeug_app import (DomainDispatcherApplication, MotoRequestHandler,
                                               create_backend_app)
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class LoopbackMotoServer(ThreadedMotoServer):
        """moto's threaded server that reports a failed bind (upstream's start() would wait
        forever), whose stop() releases the port (upstream leaves the socket open), and that
        handles one request at a time: moto's backends are not thread-safe (concurrent
        TransactWriteItems fail with "dictionary changed size during iteration"), while the
        API server in front of it is threaded."""

        _startup_error: BaseException | None = None

        def _server_entry(self) -> None:
            try:
                app = DomainDispatcherApplication(create_backend_app)
                lock = threading.Lock()

                def serialized(environ: dict, start_response: Any) -> Any:
                    with lock:
                        return list(app(environ, start_response))

                self._server = make_server(self._ip_address, self._port, serialized, True,
                                           request_handler=MotoRequestHandler)
                self._server_ready_event.set()
                self._server.serve_forever()
            except BaseException as exc:  # noqa: B036 - handed to the starting thread
                self._startup_error = exc
                self._server_ready_event.set()

        def start(self) -> None:
            super().start()
            if self._startup_error is not None:
                raise StartupError(f"moto cannot listen on 127.0.0.1:{self._port}; choose "
                                   f"another port with MOTO_PORT=... (0 picks a free one)")

        def stop(self) -> None:
            super().stop()
            if self._server is not None:
                self._server.server_close()

    return LoopbackMotoServer


def start_moto(port: int) -> tuple[Any, str]:
    """Start moto on loopback and point every AWS client of this process at it."""
    server = _moto_server_class()(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _, bound_port = server.get_host_and_port()
    endpoint = f"http://127.0.0.1:{bound_port}"
    point_aws_at(endpoint)
    return server, endpoint


def point_aws_at(endpoint: str) -> None:
    """Make boto3/PynamoDB talk to moto and never to a real account.

    Dummy credentials, no profile or shared config (a profile would win over the env
    credentials), and no per-service endpoint override that would bypass AWS_ENDPOINT_URL.
    """
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_"):
            del os.environ[name]
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def aws_clients() -> tuple[Any, Any]:
    """Low-level clients for the snapshot: items and objects are copied verbatim."""
    import boto3

    return boto3.client("dynamodb"), boto3.client("s3")


# --------------------------------------------------------------------------------------------
# Snapshot
# --------------------------------------------------------------------------------------------


def _encode_attr(value: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB JSON, except binary values (bytes from the client) become base64 text."""
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in inner]}
    if kind == "M":
        return {"M": {k: _encode_attr(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_encode_attr(v) for v in inner]}
    return {kind: inner}


def _decode_attr(value: dict[str, Any]) -> dict[str, Any]:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _decode_attr(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_decode_attr(v) for v in inner]}
    return {kind: inner}


def _encode_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _encode_attr(value) for name, value in item.items()}


def _decode_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode_attr(value) for name, value in item.items()}


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


_OBJECT_HEADERS = ("ContentType", "ContentDisposition", "ContentEncoding", "ContentLanguage",
                   "CacheControl")


class SnapshotError(StartupError):
    """The snapshot on disk cannot be trusted; refuse to start rather than lose it on stop."""


class Snapshot:
    """A directory holding every DynamoDB table and S3 bucket of the moto server.

    Layout: manifest.json (table schemas, bucket objects and their headers), one JSON-lines
    file of items per table, one file per object. A save writes a sibling temp directory and
    swaps it in with renames, so a crash mid-save leaves the previous snapshot usable.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root.with_name(f".{root.name}.tmp-{os.getpid()}")
        self._old = root.with_name(f".{root.name}.old-{os.getpid()}")

    # -- load ------------------------------------------------------------------------------

    def _recover(self) -> None:
        """Finish a swap a crash interrupted; drop half-written temp directories."""
        parent = self.root.parent
        if not parent.is_dir():
            return
        if not self.root.exists():
            olds = sorted(parent.glob(f".{self.root.name}.old-*"), key=lambda p: p.stat().st_mtime)
            if olds:
                olds[-1].rename(self.root)
        for stale in parent.glob(f".{self.root.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in parent.glob(f".{self.root.name}.old-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def manifest(self) -> dict[str, Any] | None:
        self._recover()
        if not self.root.exists():
            return None
        path = self.root / "manifest.json"
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
        if manifest.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError(f"snapshot {self.root} has format {manifest.get('format')!r}, "
                                f"expected {SNAPSHOT_FORMAT}")
        return manifest

    def restore(self, dynamodb: Any, s3: Any) -> dict[str, int] | None:
        """Put back tables, items and objects exactly as saved; None when there is no snapshot.

        Runs before provisioning, so provisioning finds its seed data and adds nothing twice.
        """
        from botocore.exceptions import ClientError

        manifest = self.manifest()
        if manifest is None:
            return None
        items = objects = 0
        for table in manifest["tables"]:
            _ensure_table(dynamodb, table["schema"], table.get("ttl"))
            try:
                items += self._restore_items(dynamodb, table["schema"]["TableName"],
                                             self.root / table["items"])
            except ClientError as exc:
                raise SnapshotError(
                    f"cannot restore table {table['schema']['TableName']} from {self.root} "
                    f"({exc}); if its key schema changed, move the snapshot away to start "
                    f"fresh") from exc
        for bucket in manifest["buckets"]:
            _ensure_bucket(s3, bucket["name"], bucket.get("region"), bucket.get("cors"))
            for entry in bucket["objects"]:
                extra = {name: entry[name] for name in _OBJECT_HEADERS if entry.get(name)}
                s3.put_object(Bucket=bucket["name"], Key=entry["key"],
                              Body=(self.root / entry["file"]).read_bytes(),
                              Metadata=entry.get("metadata") or {}, **extra)
                objects += 1
        return {"tables": len(manifest["tables"]), "items": items,
                "buckets": len(manifest["buckets"]), "objects": objects}

    @staticmethod
    def _restore_items(dynamodb: Any, table_name: str, path: Path) -> int:
        count = 0
        with path.open() as lines:
            decoded = (_decode_item(json.loads(line)) for line in lines if line.strip())
            for batch in _chunks(decoded, _BATCH_WRITE_LIMIT):
                pending = {table_name: [{"PutRequest": {"Item": item}} for item in batch]}
                delay = 0.05
                while pending:
                    pending = dynamodb.batch_write_item(RequestItems=pending).get(
                        "UnprocessedItems") or {}
                    if pending:
                        time.sleep(delay)
                        delay = min(delay * 2, 1.0)
                count += len(batch)
        return count

    # -- save ------------------------------------------------------------------------------

    def save(self, dynamodb: Any, s3: Any) -> dict[str, int]:
        """Dump everything (a full scan is fine here: this is a dev tool, not a request path)."""
        if self._tmp.exists():
            shutil.rmtree(self._tmp)
        self._tmp.mkdir(parents=True)
        manifest: dict[str, Any] = {"format": SNAPSHOT_FORMAT, "saved_at": time.time(),
                                    "tables": [], "buckets": []}
        items = objects = 0
        for index, name in enumerate(_all_tables(dynamodb)):
            relative = f"dynamodb/{index}.jsonl"
            count = self._save_items(dynamodb, name, self._tmp / relative)
            manifest["tables"].append({"schema": _table_schema(dynamodb, name),
                                       "ttl": _table_ttl(dynamodb, name),
                                       "items": relative, "count": count})
            items += count
        for b_index, bucket in enumerate(s3.list_buckets().get("Buckets", [])):
            name = bucket["Name"]
            entries = []
            for o_index, key in enumerate(_all_keys(s3, name)):
                relative = f"s3/{b_index}/{o_index}"
                response = s3.get_object(Bucket=name, Key=key)
                target = self._tmp / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(response["Body"].read())
                entry = {"key": key, "file": relative, "metadata": response.get("Metadata") or {}}
                entry.update({h: response[h] for h in _OBJECT_HEADERS if response.get(h)})
                entries.append(entry)
            manifest["buckets"].append({"name": name, "region": _bucket_region(s3, name),
                                        "cors": _bucket_cors(s3, name), "objects": entries})
            objects += len(entries)
        manifest_path = self._tmp / "manifest.json"
        with manifest_path.open("w") as out:
            json.dump(manifest, out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        self._swap_in()
        return {"tables": len(manifest["tables"]), "items": items,
                "buckets": len(manifest["buckets"]), "objects": objects}

    @staticmethod
    def _save_items(dynamodb: Any, table_name: str, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with path.open("w") as out:
            pages = dynamodb.get_paginator("scan").paginate(TableName=table_name,
                                                            ConsistentRead=True)
            for page in pages:
                for item in page.get("Items", []):
                    out.write(json.dumps(_encode_item(item), sort_keys=True))
                    out.write("\n")
                    count += 1
            out.flush()
            os.fsync(out.fileno())
        return count

    def _swap_in(self) -> None:
        """Replace the previous snapshot with the finished temp directory."""
        if self.root.exists():
            self.root.rename(self._old)
        self._tmp.rename(self.root)
        shutil.rmtree(self._old, ignore_errors=True)


def _all_tables(dynamodb: Any) -> list[str]:
    names: list[str] = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        names.extend(page.get("TableNames", []))
    return names


def _all_keys(s3: Any, bucket: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            yield entry["Key"]


def _table_schema(dynamodb: Any, name: str) -> dict[str, Any]:
    """The CreateTable arguments that reproduce the table (keys, indexes, billing, streams)."""
    table = dynamodb.describe_table(TableName=name)["Table"]
    schema: dict[str, Any] = {
        "TableName": name,
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
    }
    on_demand = (table.get("BillingModeSummary") or {}).get("BillingMode") == "PAY_PER_REQUEST"
    if on_demand:
        schema["BillingMode"] = "PAY_PER_REQUEST"
    else:
        schema["ProvisionedThroughput"] = _throughput(table.get("ProvisionedThroughput"))
    gsis = []
    for index in table.get("GlobalSecondaryIndexes") or []:
        gsi = {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
        if not on_demand:
            gsi["ProvisionedThroughput"] = _throughput(index.get("ProvisionedThroughput"))
        gsis.append(gsi)
    if gsis:
        schema["GlobalSecondaryIndexes"] = gsis
    lsis = [{k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
            for index in table.get("LocalSecondaryIndexes") or []]
    if lsis:
        schema["LocalSecondaryIndexes"] = lsis
    stream = table.get("StreamSpecification")
    if stream and stream.get("StreamEnabled"):
        schema["StreamSpecification"] = stream
    return schema


def _throughput(value: dict[str, Any] | None) -> dict[str, int]:
    value = value or {}
    return {"ReadCapacityUnits": max(1, int(value.get("ReadCapacityUnits") or 1)),
            "WriteCapacityUnits": max(1, int(value.get("WriteCapacityUnits") or 1))}


def _table_ttl(dynamodb: Any, name: str) -> str | None:
    description = dynamodb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
    if description.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return description.get("AttributeName")
    return None


def _bucket_region(s3: Any, name: str) -> str | None:
    return s3.get_bucket_location(Bucket=name).get("LocationConstraint")


def _bucket_cors(s3: Any, name: str) -> list[dict[str, Any]] | None:
    from botocore.exceptions import ClientError

    try:
        return s3.get_bucket_cors(Bucket=name).get("CORSRules")
    except ClientError:
        return None


def _ensure_table(dynamodb: Any, schema: dict[str, Any], ttl_attribute: str | None) -> None:
    """Create the table as it was saved, unless something already created it."""
    if schema["TableName"] in _all_tables(dynamodb):
        return
    dynamodb.create_table(**schema)
    dynamodb.get_waiter("table_exists").wait(TableName=schema["TableName"],
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    if ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=schema["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute})


def _ensure_bucket(s3: Any, name: str, region: str | None, cors: list[dict[str, Any]] | None) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name in existing:
        return
    if region and region != "us-east-1":
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    else:
        s3.create_bucket(Bucket=name)
    if cors:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": cors})


# --------------------------------------------------------------------------------------------
# HTTP: chalice local, with TCP_NODELAY and a clean stop
# --------------------------------------------------------------------------------------------


def _http_classes() -> tuple[type, type]:
    """Subclasses of chalice.local's handler and server (imported once chalice is needed)."""
    from chalice import local

    class NoDelayRequestHandler(local.ChaliceRequestHandler):
        """chalice's handler with TCP_NODELAY on the accepted socket.

        It sends the headers and the body in separate writes; with Nagle on, the body waits
        for the client's delayed ACK, about 40 ms on every keep-alive request.
        """

        disable_nagle_algorithm = True

        def _send_http_response_with_body(self, code: int, headers: dict[str, Any], body: str | bytes) -> None:
            """One Content-Length (stock chalice adds the body's next to the app's), and for HEAD the
            headers a GET would send without the body: a body after a HEAD answer stays on the
            keep-alive connection and is read as the start of the next response."""
            raw = body if isinstance(body, bytes) else body.encode("utf-8")
            declared = {k: v for k, v in headers.items() if k.lower() == "content-length"}
            for name in declared:
                headers.pop(name)
            head = self.command == "HEAD"
            length = next(iter(declared.values()), None) if head else None
            self.send_response(code)
            self.send_header("Content-Length", str(length if length is not None else len(raw)))
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            self._send_headers(headers)
            if not head:
                self.wfile.write(raw)

        def _parse_payload(self) -> tuple[dict[str, str], bytes | None]:
            """Read the whole body, chunked or not, so no byte of it is left on a keep-alive
            connection to be taken for the next request line (stock chalice reads only a
            Content-Length body and fails on a malformed length)."""
            headers = dict(self.headers)
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                return headers, self._read_chunked() or None
            length = self.headers.get("content-length", "0").strip() or "0"
            if not length.isdigit():
                self.close_connection = True
                return headers, None
            size = int(length)
            return headers, (self.rfile.read(size) if size else None)

        def _read_chunked(self) -> bytes:
            parts = []
            while True:
                line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    self.close_connection = True
                    return b"".join(parts)
                if size == 0:
                    while self.rfile.readline(65537).strip():  # trailers
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(3)

        def _method_not_allowed(self) -> None:
            """Methods API Gateway never routes (TRACE, QUERY, ...) get a 405, not the
            http.server default 501, which would look like a server fault."""
            self._parse_payload()  # drain the body: the connection stays usable
            body = b'{"error": "Method not allowed", "error_human": "Method not allowed"}'
            self.send_response(405)
            self.send_header("Allow", "GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):  # any method chalice does not route: TRACE, QUERY, ...
                return self._method_not_allowed
            raise AttributeError(name)

    class StoppableHTTPServer(local.ThreadedHTTPServer):
        """chalice's threaded server that can end keep-alive connections and wait for them.

        Stock chalice local uses daemon threads that a stop leaves parked on idle connections;
        here stop() shuts the read side of every open connection (a request being handled still
        sends its response) and server_close() joins the handler threads, so the snapshot
        taken afterwards sees every write that was answered.
        """

        daemon_threads = False
        block_on_close = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._connections: set[socket.socket] = set()
            self._connections_lock = threading.Lock()
            super().__init__(*args, **kwargs)

        def process_request(self, request: Any, client_address: Any) -> None:
            with self._connections_lock:
                self._connections.add(request)
            super().process_request(request, client_address)

        def shutdown_request(self, request: Any) -> None:
            with self._connections_lock:
                self._connections.discard(request)
            super().shutdown_request(request)

        def end_connections(self) -> None:
            with self._connections_lock:
                connections = list(self._connections)
            for connection in connections:
                try:
                    connection.shutdown(socket.SHUT_RD)
                except OSError:
                    pass  # already closed by the client

    return NoDelayRequestHandler, StoppableHTTPServer


def load_app() -> Any:
    """Import app.py the way `chalice local` does (project dir first on sys.path)."""
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    return importlib.import_module("app").app


def _config_from_disk() -> dict[str, Any]:
    path = PROJECT_DIR / ".chalice" / "config.json"
    return json.loads(path.read_text()) if path.exists() else {}


def apply_stage_environment() -> None:
    """Export the local stage's environment_variables from .chalice/config.json, as `chalice
    local` does, except that variables already set by the caller win (tests rely on that)."""
    from chalice.config import Config

    config = Config(chalice_stage=CHALICE_STAGE, config_from_disk=_config_from_disk())
    for name, value in (config.environment_variables or {}).items():
        os.environ.setdefault(name, str(value))


def create_http_server(app: Any, host: str, port: int) -> Any:
    """Build chalice's LocalDevServer for app, validated like `chalice local` validates it."""
    from chalice import local
    from chalice.config import Config
    from chalice.deploy.validate import validate_feature_flags, validate_routes

    validate_feature_flags(app)
    validate_routes(app.routes)
    config = Config(chalice_stage=CHALICE_STAGE, config_from_disk=_config_from_disk(),
                    user_provided_params={"chalice_app": app},
                    default_params={"project_dir": str(PROJECT_DIR)})
    # What chalice.local.create_local_server does before building the server: make
    # app.current_request thread-local. Done once; repeating it would make a cyclic MRO.
    if not isinstance(app, local.LocalChalice):
        local.CustomLocalChalice.__bases__ = (local.LocalChalice, app.__class__)
        app.__class__ = local.CustomLocalChalice
    handler_cls, server_cls = _http_classes()
    return local.LocalDevServer(app, config, host, port,
                                handler_cls=handler_cls, server_cls=server_cls)


# >>> mail-cleanup: the schedules and the outbox under `make run`
# --------------------------------------------------------------------------------------------
# Schedules (chalice local runs none) and the outbox
# --------------------------------------------------------------------------------------------

DEFAULT_LAMBDA_TIMEOUT = 60   # seconds: what chalice deploys when the config names none
LOCAL_ACCOUNT = "123456789012"
OUTBOX_POLL = 1.0             # seconds between looks at the outbox (mails sent by requests show up soon)
SCHEDULES_STOP_WAIT = 20.0    # seconds stop() waits for a running scheduled function
_WILDCARDS = ("*", "?")
_RATE = re.compile(r"^rate\((\d+) (minute|hour|day)s?\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3_600, "day": 86_400}


@dataclass(frozen=True)
class Schedule:
    """When a scheduled function runs locally: every `period` seconds (a rate), or daily at `daily_at`
    (hour, minute) UTC (a cron). Both also run once when the server starts."""

    name: str
    period: float | None = None
    daily_at: tuple[int, int] | None = None

    @classmethod
    def parse(cls, name: str, expression: Any) -> Schedule:
        """From a chalice Rate/Cron or its string; ValueError for what the local runner cannot honour."""
        text = (expression if isinstance(expression, str) else expression.to_string()).strip()
        rate = _RATE.match(text)
        if rate:
            return cls(name, period=int(rate.group(1)) * _UNIT_SECONDS[rate.group(2)])
        fields = text[len("cron("):-1].split() if text.startswith("cron(") and text.endswith(")") else []
        if (len(fields) == 6 and fields[0].isdigit() and fields[1].isdigit() and int(fields[0]) < 60
                and int(fields[1]) < 24 and fields[2] in _WILDCARDS and fields[3] == "*"
                and fields[4] in _WILDCARDS and fields[5] == "*"):
            return cls(name, daily_at=(int(fields[1]), int(fields[0])))
        raise ValueError(f"{text}: locally only rate(N unit) and daily cron(M H * * ? *) run")

    def next_after(self, moment: datetime) -> datetime:
        if self.period is not None:
            return moment + timedelta(seconds=self.period)
        assert self.daily_at is not None
        hour, minute = self.daily_at
        candidate = moment.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return candidate if candidate > moment else candidate + timedelta(days=1)

    def describe(self) -> str:
        if self.period is not None:
            minutes = self.period / 60
            return f"{self.name} (every {minutes:g} min)"
        assert self.daily_at is not None
        return f"{self.name} (daily {self.daily_at[0]:02d}:{self.daily_at[1]:02d} UTC)"


@dataclass(frozen=True)
class ScheduledFunction:
    schedule: Schedule
    handler: Any         # the app's Lambda handler: handler(event_dict, context)
    timeout: int         # seconds, the function's lambda_timeout


def scheduled_functions(app: Any) -> list[ScheduledFunction]:
    """The app's @schedule functions (blueprints registered), each with the timeout the local stage
    gives it. One the runner cannot honour is left out with a warning."""
    from chalice.app import ScheduledEventConfig
    from chalice.config import Config

    config = Config(chalice_stage=CHALICE_STAGE, config_from_disk=_config_from_disk(),
                    user_provided_params={"chalice_app": app},
                    default_params={"project_dir": str(PROJECT_DIR)})
    found = []
    for source in app.event_sources:
        if not isinstance(source, ScheduledEventConfig):
            continue
        try:
            schedule = Schedule.parse(source.name, source.schedule_expression)
        except ValueError as exc:
            log.warning("scheduled function %s is not run locally: %s", source.name, exc)
            continue
        timeout = config.scope(CHALICE_STAGE, source.name).lambda_timeout or DEFAULT_LAMBDA_TIMEOUT
        found.append(ScheduledFunction(schedule, app.handler_map[source.name], int(timeout)))
    return found


class LocalLambdaContext:
    """The part of a Lambda context jobs use. Its time runs out at the function's timeout, or at once when
    the dev server is stopping, so a bounded job (the cleanup) ends its run early."""

    def __init__(self, function_name: str, timeout: int, stopping: threading.Event) -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout
        self._stopping = stopping

    def get_remaining_time_in_millis(self) -> int:
        if self._stopping.is_set():
            return 0
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def scheduled_event(name: str, now: datetime, region: str, app_name: str) -> dict[str, Any]:
    """What EventBridge delivers to a scheduled function."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": LOCAL_ACCOUNT, "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": region,
        "resources": [f"arn:aws:events:{region}:{LOCAL_ACCOUNT}:rule/{app_name}-{CHALICE_STAGE}-{name}"],
        "detail": {},
    }


class ScheduleRunner:
    """A thread that invokes the scheduled functions that are due, in process, every `tick` seconds (each
    runs once at start too), and prints every new mail of the outbox. A failing function is logged and
    tried again when next due; nothing it does stops the server."""

    def __init__(self, functions: list[ScheduledFunction], tick: float, outbox: Path, region: str,
                 app_name: str) -> None:
        self.functions = functions
        self.tick = tick
        self.outbox = outbox
        self._region = region
        self._app_name = app_name
        self._next: dict[str, datetime] = {}   # a function not in here is due now
        self._printed = self._mails()           # mails of earlier sessions are not news
        self._first_tick = 0.0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="schedules", daemon=True)

    def start(self, first_tick_in: float = 0.0) -> None:
        """Run the loop in its thread; its first look at the schedules comes after `first_tick_in` s."""
        self._first_tick = time.monotonic() + first_tick_in
        self._thread.start()

    def stop(self) -> None:
        """Ask a running function to wrap up (its context's time is up) and wait for it."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(SCHEDULES_STOP_WAIT)
            if self._thread.is_alive():
                log.warning("a scheduled function is still running; stopping without it")

    def _loop(self) -> None:
        next_tick = self._first_tick
        while not self._stopping.is_set():
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self.tick
                self.run_due(datetime.now(timezone.utc))
            self.print_new_mail()
            self._stopping.wait(min(OUTBOX_POLL, self.tick))

    def run_due(self, now: datetime) -> None:
        """Invoke each function whose time has come (a second early counts: ticks drift a little)."""
        for function in self.functions:
            if self._stopping.is_set():
                return
            name = function.schedule.name
            due = self._next.get(name)
            if due is not None and now < due - timedelta(seconds=1):
                continue
            self._next[name] = function.schedule.next_after(now)
            event = scheduled_event(name, now, self._region, self._app_name)
            try:
                function.handler(event, LocalLambdaContext(name, function.timeout, self._stopping))
            except Exception:
                log.exception("scheduled function %s failed; it runs again when next due", name)

    def _mails(self) -> set[str]:
        return {path.name for path in self.outbox.glob("*.eml")}

    def print_new_mail(self) -> None:
        """One line per new mail (recipients and subject) and the file to open."""
        from email import policy
        from email.parser import BytesParser

        for name in sorted(self._mails() - self._printed):
            self._printed.add(name)
            path = self.outbox / name
            try:
                with path.open("rb") as handle:
                    headers = BytesParser(policy=policy.default).parse(handle, headersonly=True)
            except OSError:
                continue
            say(f"mail to {headers['To']}: {headers['Subject']}\n  {path}")
# <<< mail-cleanup


# --------------------------------------------------------------------------------------------
# The backend as a whole
# --------------------------------------------------------------------------------------------


class EmbeddedBackend:
    """Starts and stops the pieces in the one order that keeps the data safe.

    Start: moto, restore snapshot, provision, run the scheduled functions once, serve, start the
    schedule runner. Stop: stop the runner (a running function wraps up), stop serving (and wait
    for requests in flight), save snapshot, stop moto. A snapshot is only saved if the restore
    succeeded, so a start that failed half-way never overwrites the last good copy with less.
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self.snapshot = Snapshot(options.snapshot_dir)
        self.moto: Any = None
        self.moto_endpoint: str | None = None
        self.http: Any = None
        self._http_thread: threading.Thread | None = None
        self.schedules: ScheduleRunner | None = None
        self._restored = False
        self._lock: Any = None
        self.restore_summary: dict[str, int] | None = None
        self.credentials: dict[str, Any] = {}

    @property
    def port(self) -> int:
        return self.http.server.server_address[1]

    @property
    def base_url(self) -> str:
        host = self.options.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/api/v1"

    def start(self) -> None:
        self._lock = lock_data_dir(self.options.data_dir)
        apply_stage_environment()
        self.moto, self.moto_endpoint = start_moto(self.options.moto_port)

        from chalicelib import bootstrap, settings
        from chalicelib.storage import table

        bootstrap.reset()  # also forgets settings read before the environment was final
        # The table and bucket come from the code's current definition (provision's own
        # steps), so a new index appears even when old data is restored into it; the seed
        # data comes last, and provision finds it already there.
        table.ensure_table()
        bootstrap.container().blobs.ensure_bucket()
        self.restore_summary = self.snapshot.restore(*aws_clients())
        if self.restore_summary:
            # A snapshot saved before the state/priority indexes (gsi5/gsi6) has ticket items
            # without their keys; give them the keys so delete-in-use checks see those tickets.
            from chalicelib.storage.catalog import backfill_reference_keys
            backfill_reference_keys()
        self._restored = True
        self.credentials = bootstrap.provision(demo=settings.get().demo_data) or {}
        # >>> docsearch: a small published knowledge base to browse and search under `make run`
        if settings.get().demo_data:
            bootstrap.seed_demo_knowledge_base(bootstrap.container())
        # <<< docsearch

        app = load_app()
        current = settings.get()
        self.schedules = ScheduleRunner(scheduled_functions(app) if self.options.schedules else [],
                                        self.options.schedule_tick, Path(current.outbox_dir).absolute(),
                                        current.region, app.app_name)
        # Every scheduled function runs once before the API serves (moto takes one request at a time:
        # the first requests do not queue behind the startup runs), then on its schedule.
        self.schedules.run_due(datetime.now(timezone.utc))
        self.http = create_http_server(app, self.options.host, self.options.port)
        # A short poll interval: stop() waits up to one interval for serve_forever to notice.
        self._http_thread = threading.Thread(target=self.http.server.serve_forever,
                                             kwargs={"poll_interval": 0.1}, name="chalice-local")
        self._http_thread.start()
        self.schedules.start(first_tick_in=self.options.schedule_tick)

    def stop(self, save: bool = True) -> dict[str, int] | None:
        """Stop everything that was started; returns what the snapshot saved (None if nothing).

        A failed start passes save=False: the data is the last snapshot plus whatever the
        failed step half did, and the last snapshot is the better copy to keep.
        """
        saved = None
        try:
            if self.schedules is not None:  # first: a running job still needs moto and the table
                self.schedules.stop()
                self.schedules = None
            self._stop_http()
            if save and self._restored:
                saved = self.snapshot.save(*aws_clients())
        finally:
            if self.moto is not None:
                self.moto.stop()
                self.moto = None
            if self._lock is not None:
                self._lock.close()
                self._lock = None
        return saved

    def _stop_http(self) -> None:
        if self.http is None:
            return
        server = self.http.server
        if self._http_thread is not None:
            server.shutdown()  # returns once serve_forever has left its loop
            self._http_thread.join()
        server.end_connections()
        server.server_close()  # closes the listening socket, joins handler threads
        self.http = None


def _describe(credentials: dict[str, Any]) -> list[str]:
    lines = []
    for role, creds in credentials.items():
        if isinstance(creds, dict):
            login = creds.get("email") or creds.get("login") or ""
            rest = ", ".join(f"{k}={v}" for k, v in creds.items()
                             if k not in ("email", "login", "password"))
            text = f"{login} / {creds.get('password', '')}" + (f"  ({rest})" if rest else "")
        else:
            text = str(creds)
        lines.append(f"  {role:<9} {text}")
    return lines


def _describe_schedules(runner: ScheduleRunner | None, enabled: bool) -> list[str]:
    if runner is None:
        return []
    jobs = ", ".join(f.schedule.describe() for f in runner.functions)
    if not enabled:
        jobs = "off (HELPDESK_SCHEDULES=0)"
    return [f"  outbox    {runner.outbox} (each mail the app sends, as an .eml file; printed here)",
            f"  schedules {jobs or 'none'}" + (f", looked at every {runner.tick:g} s" if runner.functions else "")]


def announce(backend: EmbeddedBackend) -> None:
    """Tell the human where to go, then tell scripts in one parseable line."""
    summary = backend.restore_summary
    restored = (f"restored {summary['items']} items, {summary['objects']} objects"
                if summary else "no snapshot, started empty")
    lines = [
        "",
        "Helpdesk dev server",
        f"  API       {backend.base_url}",
        f"  data      {backend.options.data_dir} ({restored})",
        f"  moto      {backend.moto_endpoint}",
        *_describe_schedules(backend.schedules, backend.options.schedules),
        *_describe(backend.credentials),
        "Press Ctrl-C to stop; data is saved to the snapshot on exit.",
        "",
    ]
    say("\n".join(lines))
    ready = {"base_url": backend.base_url, "port": backend.port,
             "moto_endpoint": backend.moto_endpoint, "data_dir": str(backend.options.data_dir),
             "credentials": backend.credentials, "pid": os.getpid()}
    if backend.schedules is not None:
        ready["outbox"] = str(backend.schedules.outbox)
        ready["schedules"] = [f.schedule.name for f in backend.schedules.functions]
    say(f"{READY_MARKER} {json.dumps(ready, sort_keys=True)}")


def say(text: str) -> None:
    """Print for the human; a closed terminal (SIGHUP) must not break the stop that saves."""
    try:
        print(text, flush=True)
    except (OSError, ValueError):
        pass


class StopSignal:
    """SIGINT, SIGTERM and SIGHUP ask for a clean stop.

    The same request often arrives twice: a terminal signals the whole process group, and make
    forwards SIGTERM to its child. Repeats within a couple of seconds are ignored; a later one
    (Ctrl-C again on a stop that hangs) exits at once without saving, which loses nothing but
    the session, since the previous snapshot is only ever replaced whole.
    """

    DUPLICATE_WINDOW = 2.0

    def __init__(self) -> None:
        self.event = threading.Event()
        self._first: float | None = None

    def install(self) -> StopSignal:
        for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        now = time.monotonic()
        if self._first is None:
            self._first = now
            say(f"\n{signal.Signals(signum).name} received, stopping...")
            self.event.set()
        elif now - self._first >= self.DUPLICATE_WINDOW:
            say("Stopping now, without saving this session.")
            os._exit(128 + signum)

    def wait(self) -> None:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not self.event.wait(1.0):
            pass


def _configure_logging() -> None:
    """Like `chalice local`: app logs to stdout. moto's per-request log is noise here."""
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> int:
    _configure_logging()
    options = Options.from_env(os.environ)
    stop = StopSignal().install()
    backend = EmbeddedBackend(options)
    try:
        backend.start()
    except Exception as exc:
        if isinstance(exc, StartupError):
            log.error("dev server not started: %s", exc)
        elif isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            log.error("dev server not started: %s:%s is in use; choose another port with "
                      "PORT=... (0 picks a free one)", options.host, options.port)
        else:
            log.exception("dev server failed to start")
        try:
            backend.stop(save=False)
        except Exception:
            log.exception("and failed to stop cleanly")
        return 1
    announce(backend)
    stop.wait()
    try:
        saved = backend.stop()
    except Exception:
        log.exception("stopping failed; the previous snapshot is kept")
        return 1
    if saved is not None:
        say(f"Saved {saved['items']} items and {saved['objects']} objects to "
            f"{options.snapshot_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
