"""Shared fixtures: moto in process, a provisioned store, and an HTTP client for the app."""
from __future__ import annotations

import base64
import copy
import json
import os
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import pytest


@pytest.fixture(scope="session", autouse=True)
def aws_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """moto in process: no endpoint overrides may leak in from a developer's shell."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "HELPDESK_STAGE": "test", "HELPDESK_PASSWORD_COST": "10",
        "HELPDESK_DATA_DIR": str(tmp_path_factory.mktemp("helpdesk-data")),
    })
    yield


@pytest.fixture()
def aws() -> Iterator[None]:
    from moto import mock_aws

    from chalicelib import bootstrap
    bootstrap.reset()
    with mock_aws():
        yield
    bootstrap.reset()


_provisioned: Optional[tuple[dict[str, Any], "StoreState"]] = None


@pytest.fixture()
def seeded(aws: None) -> dict[str, Any]:
    """A provisioned stage with the demo data: admin, agent, customer, two tickets. Provisioned
    through the app once per run; later tests get the same store put back (see StoreState)."""
    global _provisioned
    from chalicelib import bootstrap
    if _provisioned is None:
        credentials = bootstrap.provision(demo=True)
        _provisioned = (credentials, StoreState.save())
    else:
        _provisioned[1].restore()
        bootstrap.settings.get()  # read as provisioning would, before chalice.test applies the stage's environment
    return copy.deepcopy(_provisioned[0])


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


class Api:
    """chalice.test.Client with JSON in and out, and named callers."""

    def __init__(self, client: Any, credentials: dict[str, Any]) -> None:
        self.client = client
        self.credentials = credentials
        self.as_user: Optional[str] = "admin"
        self.extra_headers: dict[str, str] = {}

    def headers(self, who: Optional[str], extra: Optional[dict[str, str]] = None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "*/*", **self.extra_headers}
        if who is not None:
            c = self.credentials[who]
            headers["Authorization"] = basic(c["email"], c["password"])
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, body: Any = None, who: Optional[str] = "admin",
                headers: Optional[dict[str, str]] = None, raw: Optional[bytes] = None) -> "Reply":
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        response = self.client.http.request(method, path, headers=self.headers(who, headers), body=payload)
        return Reply(response)

    def get(self, path: str, **kw: Any) -> "Reply":
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> "Reply":
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> "Reply":
        return self.request("PUT", path, body, **kw)

    def delete(self, path: str, body: Any = None, **kw: Any) -> "Reply":
        return self.request("DELETE", path, body, **kw)


class Reply:
    def __init__(self, response: Any) -> None:
        self.status = response.status_code
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self.body = response.body

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.body[:300]!r}>"


@pytest.fixture()
def api(seeded: dict[str, Any]) -> Iterator[Api]:
    from chalice.test import Client

    from app import app
    with Client(app) as client:
        yield Api(client, seeded)


@contextmanager
def provisioned_api() -> Iterator[Api]:
    """`aws` + `seeded` + `api` for a wider scope (a class of read-only tests sharing one store)."""
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import bootstrap
    bootstrap.reset()
    with mock_aws():
        seeded = bootstrap.provision(demo=True)
        with Client(app) as client:
            yield Api(client, seeded)
    bootstrap.reset()


class StoreState:
    """moto's in-process tables and buckets, saved once and put back before each test that shares them:
    building a rich store through the API costs seconds, putting it back milliseconds.

    Object bodies are kept apart as bytes: moto tracks every FakeKey it ever made (deep copies too) and
    closes their buffers when a mock ends, so the saved copies' bodies would be empty by the next test
    (reads then fail botocore's checksum check)."""

    def __init__(self, tables: Any, buckets: Any, bodies: dict[tuple[str, str], bytes]) -> None:
        self._tables, self._buckets, self._bodies = tables, buckets, bodies

    @staticmethod
    def _backends() -> tuple[Any, Any]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]], s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

    @classmethod
    def save(cls) -> "StoreState":
        dynamodb, s3 = cls._backends()
        bodies = {(bucket_name, key_name): key.value for bucket_name, bucket in s3.buckets.items()
                  for key_name, key in bucket.keys.items()}  # the current version of each object
        return cls(copy.deepcopy(dynamodb.tables), copy.deepcopy(s3.buckets), bodies)

    def restore(self) -> None:
        """The app keeps nothing between requests (the catalogue is read per request), so putting the
        store back is enough."""
        dynamodb, s3 = self._backends()
        buckets = copy.deepcopy(self._buckets)
        for (bucket_name, key_name), body in self._bodies.items():
            buckets[bucket_name].keys[key_name].value = body
        dynamodb.tables, s3.buckets = copy.deepcopy(self._tables), buckets
