"""Cold start: what a fresh interpreter pays to import the app and serve its first request.

Four kinds of fresh interpreter (`python -c`), interleaved so that machine noise hits all alike:

- `pass`: interpreter start, timed from outside (process wall time);
- `import boto3`: the floor, since every Lambda of ours talks to AWS;
- `import app`: the Lambda init; then, in the same clean interpreter, `bootstrap.container()`: what
  the first request adds before its first AWS call (the storage modules, PynamoDB and botocore are
  imported lazily, on first use, not by `import app`);
- the first request: moto in process with a provisioned store is set up before the timer (from a
  dump the parent makes, with a separate boto3 session so the default session, clients and loaded
  service models stay cold), and so are the imports (moto imports botocore anyway; the container is
  built once and dropped again); timed: the first `GET /api/v1/tickets/{id}` (access token) through
  `chalice.test.Client`, which reads settings, builds the container, creates the botocore session and
  client (loading the service model) and makes the calls; then a second, warm request.

A Lambda's cold start is then `import app` + first use + first request.

Each timed interpreter prints one JSON line with its own perf_counter measurements.
"""
from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from .environment import REPO_ROOT, aws_and_stage, bench_environment, clean

IMPORT_BOTO3 = """\
import json, time
t0 = time.perf_counter()
import boto3
print(json.dumps({"import": time.perf_counter() - t0}))
"""

IMPORT_APP = """\
import json, time
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
from chalicelib import bootstrap
bootstrap.container()  # what the first request adds before any AWS call: storage imports, wiring
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_use": t2 - t1}))
"""

FIRST_REQUEST = """\
import json, sys, time
spec = json.load(open(sys.argv[1]))
from moto import mock_aws
mock_aws().start()
import boto3
setup = boto3.session.Session(region_name=spec["region"])  # not the default session the app uses
dynamodb, s3 = setup.client("dynamodb"), setup.client("s3")
dynamodb.create_table(**spec["schema"])
items = spec["items"]
for start in range(0, len(items), 25):
    dynamodb.batch_write_item(RequestItems={spec["schema"]["TableName"]: [
        {"PutRequest": {"Item": item}} for item in items[start:start + 25]]})
s3.create_bucket(Bucket=spec["bucket"])
del setup, dynamodb, s3
import app
from chalicelib import bootstrap
bootstrap.container()  # the imports a first request triggers (timed in the clean interpreter)
bootstrap.reset()      # ...but no settings, container, connection or client survive
from chalice.test import Client
client = Client(app.app)
headers = {"Authorization": "Token token=" + spec["token"], "Accept": "*/*"}
path = "/api/v1/tickets/%d" % spec["ticket_id"]
import botocore.client
created = []
_create = botocore.client.ClientCreator.create_client
def counting(self, service_name, *args, **kwargs):
    created.append(service_name)
    return _create(self, service_name, *args, **kwargs)
botocore.client.ClientCreator.create_client = counting
t2 = time.perf_counter()
first = client.http.get(path, headers=headers)
t3 = time.perf_counter()
second = client.http.get(path, headers=headers)
t4 = time.perf_counter()
assert first.status_code == 200 and second.status_code == 200, (first.status_code, first.body)
print(json.dumps({"first": t3 - t2, "second": t4 - t3, "clients": created}))
"""


@dataclass
class ColdStart:
    runs: int
    interpreter_ms: float
    boto3_ms: float
    app_ms: float
    first_use_ms: float
    first_request_ms: float
    second_request_ms: float
    raw: dict[str, list[float]] = field(default_factory=dict)
    clients: list[str] = field(default_factory=list)  # botocore clients the first request created
    top_imports: list[tuple[str, int, int, int]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.app_ms / self.boto3_ms

    @property
    def init_ms(self) -> float:
        return self.app_ms + self.first_use_ms + self.first_request_ms


def _environment(data_dir: Path) -> dict[str, str]:
    env = clean(os.environ, aws_and_stage(data_dir))
    env.pop("PYTHONPATH", None)
    return env


def _python(code: str, env: dict[str, str], *args: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold-start interpreter failed ({done.returncode}):\n{done.stderr[-3000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return wall, (json.loads(lines[-1]) if lines else {})


def provisioned_dump(path: Path, data_dir: Path) -> None:
    """A provisioned store (admin, demo tickets, an access token) as table schema + items."""
    with bench_environment(data_dir):
        from moto import mock_aws

        from chalicelib import bootstrap
        from chalicelib.core.model import Principal
        from chalicelib.storage.table import Item

        with mock_aws():
            bootstrap.reset()
            try:
                credentials = bootstrap.provision(demo=True)
                c = bootstrap.container()
                admin = c.user_store.get(credentials["admin"]["id"])
                _, token = c.access_tokens.create(Principal(user=admin, permissions=admin.permissions),
                                                  "bench", ["ticket.agent"], None)
                ticket_id = c.tickets.page(Principal(user=admin, permissions=admin.permissions), 0, 1)[0].id
                client = Item._get_connection().connection.client
                table = client.describe_table(TableName=c.settings.table_name)["Table"]
                items = []
                for page in client.get_paginator("scan").paginate(TableName=c.settings.table_name):
                    items.extend(page["Items"])
                table_name, bucket = _test_client_stage(c.settings.table_name, c.settings.bucket_name)
                spec = {"schema": {**_schema(table), "TableName": table_name}, "items": items, "bucket": bucket,
                        "region": c.settings.region, "token": token, "ticket_id": ticket_id}
            finally:
                bootstrap.reset()
    path.write_text(json.dumps(spec))


def _test_client_stage(table: str, bucket: str) -> tuple[str, str]:
    """chalice.test.Client applies its stage's (default "dev") environment_variables from
    .chalice/config.json to every request, as Lambda would: the store must carry those names."""
    from chalice.config import Config

    path = REPO_ROOT / ".chalice" / "config.json"
    on_disk = json.loads(path.read_text()) if path.exists() else {}
    variables = Config(chalice_stage="dev", config_from_disk=on_disk).scope("dev", "api_handler").environment_variables
    return variables.get("HELPDESK_TABLE", table), variables.get("HELPDESK_BUCKET", bucket)


def _schema(table: dict[str, Any]) -> dict[str, Any]:
    schema = {"TableName": table["TableName"], "KeySchema": table["KeySchema"],
              "AttributeDefinitions": table["AttributeDefinitions"], "BillingMode": "PAY_PER_REQUEST"}
    indexes = [{k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
               for index in table.get("GlobalSecondaryIndexes") or []]
    if indexes:
        schema["GlobalSecondaryIndexes"] = indexes
    return schema


def import_profile(env: dict[str, str], top: int = 10) -> list[tuple[str, int, int, int]]:
    """`python -X importtime -c 'import app'`: the costliest imports as (module, depth, cumulative us,
    self us), largest cumulative first. Cumulative times nest: a package includes what it imports."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match and match[4] != "app":
            rows.append((match[4], (len(match[3]) - 1) // 2, int(match[2]), int(match[1])))
    rows.sort(key=lambda row: -row[2])
    return rows[:top]


def measure(runs: int = 15, progress: Optional[Callable[[str], None]] = None) -> ColdStart:
    with tempfile.TemporaryDirectory(prefix="helpdesk-cold-") as tmp:
        tmp_path = Path(tmp)
        spec = tmp_path / "store.json"
        provisioned_dump(spec, tmp_path / "data")
        env = _environment(tmp_path / "data")
        raw: dict[str, list[float]] = {"pass": [], "boto3": [], "app": [], "first_use": [], "first": [],
                                       "second": []}
        clients: list[str] = []
        for i in range(runs):
            raw["pass"].append(_python("pass", env)[0])
            raw["boto3"].append(_python(IMPORT_BOTO3, env)[1]["import"])
            timed = _python(IMPORT_APP, env)[1]
            raw["app"].append(timed["import"])
            raw["first_use"].append(timed["first_use"])
            timed = _python(FIRST_REQUEST, env, str(spec))[1]
            raw["first"].append(timed["first"])
            raw["second"].append(timed["second"])
            clients = timed["clients"]
            if progress and (i + 1) % 5 == 0:
                progress(f"  cold start: {i + 1}/{runs} rounds")
        median_ms = {name: statistics.median(values) * 1000 for name, values in raw.items()}
        result = ColdStart(runs, median_ms["pass"], median_ms["boto3"], median_ms["app"], median_ms["first_use"],
                           median_ms["first"], median_ms["second"], raw, clients)
        result.top_imports = import_profile(env)
    return result
