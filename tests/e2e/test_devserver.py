"""The dev server behind `make run`: data survives a restart, a stop leaves nothing behind,
keep-alive requests are not held up by Nagle's algorithm, and the snapshot is exact."""
from __future__ import annotations

import errno
import re
import socket
import time

import pytest
import requests

from chalicelib.devserver import Snapshot

TICKET = {
    "title": "persist me",
    "group": "Users",
    "article": {
        "subject": "s",
        "body": "b",
        "attachments": [{"filename": "a.txt", "data": "aGVsbG8=", "mime-type": "text/plain"}],
    },
}


def ticket_ids(server) -> list[int]:
    response = requests.get(f"{server.base_url}/tickets", params={"per_page": 100},
                            auth=server.auth("admin"), timeout=10)
    assert response.status_code == 200, response.text
    return sorted(ticket["id"] for ticket in response.json())


@pytest.mark.e2e
def test_data_survives_a_clean_restart(server_factory, tmp_path):
    data_dir = tmp_path / "data"
    first = server_factory(data_dir)
    body = dict(TICKET, customer=first.customer["email"])
    created = requests.post(f"{first.base_url}/tickets", json=body, auth=first.auth("admin"),
                            timeout=10)
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]
    before = ticket_ids(first)
    assert first.stop() == 0, first.output()
    assert (data_dir / "snapshot" / "manifest.json").exists()

    second = server_factory(data_dir)
    auth = second.auth("admin")
    ticket = requests.get(f"{second.base_url}/tickets/{ticket_id}", auth=auth, timeout=10)
    assert ticket.status_code == 200, ticket.text
    assert ticket.json()["title"] == "persist me"
    # Provisioning ran again on restored data and added nothing (no second set of demo tickets).
    assert ticket_ids(second) == before

    articles = requests.get(f"{second.base_url}/ticket_articles/by_ticket/{ticket_id}",
                            auth=auth, timeout=10)
    assert articles.status_code == 200, articles.text
    article = articles.json()[0]
    attachment_id = article["attachments"][0]["id"]
    download = requests.get(
        f"{second.base_url}/ticket_attachment/{ticket_id}/{article['id']}/{attachment_id}",
        auth=auth, timeout=10)
    assert download.status_code == 200, download.text
    assert download.content == b"hello"
    assert second.stop() == 0, second.output()


def assert_port_free(port: int) -> None:
    """Nothing listens: a connect is refused and a fresh listener can bind the port."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    probe = socket.socket()
    try:
        # SO_REUSEADDR so the closed connections' TIME_WAIT entries do not count, only a listener.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()
    except OSError as exc:  # pragma: no cover - the failure message is the point
        assert exc.errno != errno.EADDRINUSE, f"port {port} is still in use"
        raise
    finally:
        probe.close()


@pytest.mark.e2e
def test_stop_leaves_no_process_or_port_behind(server_factory):
    server = server_factory()
    # An idle keep-alive connection must not keep the server from stopping.
    session = requests.Session()
    assert session.get(f"{server.base_url}/users/me", auth=server.auth("admin"),
                       timeout=10).status_code == 200
    port, moto_port = server.port, server.moto_port
    assert moto_port, server.ready

    started = time.monotonic()
    assert server.stop() == 0, server.output()
    assert time.monotonic() - started < 15, "stopping took too long"
    session.close()

    assert not server.group_alive(), "a process of the dev server's group is still running"
    assert_port_free(port)
    assert_port_free(moto_port)


@pytest.mark.e2e
def test_keep_alive_requests_are_not_delayed(live_server):
    """Stock `chalice local` answers each keep-alive request ~40 ms late (Nagle + delayed ACK)."""
    url = f"{live_server.base_url}/users/me"
    with requests.Session() as session:
        session.auth = live_server.auth("admin")
        for _ in range(3):  # warm up: connection, password check cache, code paths
            assert session.get(url, timeout=10).status_code == 200
        started = time.perf_counter()
        for _ in range(20):
            response = session.get(url, timeout=10)
            assert response.status_code == 200, response.text
        average = (time.perf_counter() - started) / 20
        pools = session.get_adapter(url).poolmanager.pools
        opened = sum(pools[key].num_connections for key in pools.keys())
        assert opened == 1, f"{opened} connections for 23 requests, expected one kept alive"
    assert average < 0.030, f"average {average * 1000:.1f} ms per keep-alive request"


@pytest.mark.e2e
@pytest.mark.parametrize("first", [
    b"TRACE /health HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n{\"token\": {}}",
    b"POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n0\r\n\r\n",
], ids=["405-with-body", "chunked-body"])
def test_request_bodies_are_drained_on_keep_alive(live_server, first):
    """A body the app never looks at must not be read as the next request's first line."""
    host, port = live_server.base_url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(first + b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while received.count(b"HTTP/1.1 ") < 2 or not received.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", received)
    assert len(statuses) == 2 and statuses[1] == b"200", received


def test_snapshot_round_trip_is_exact(tmp_path, monkeypatch):
    """Items come back attribute for attribute (binary, sets, nested), objects byte for byte
    with their headers, tables with their indexes and TTL."""
    import boto3
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3",
                 "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    items = [
        {"pk": {"S": "A#1"}, "sk": {"S": "#"}, "n": {"N": "12345678901234567890.5"},
         "b": {"B": b"\x00\xffbin"}, "bs": {"BS": [b"\x01", b"\x02"]}, "ss": {"SS": ["x", "y"]},
         "ns": {"NS": ["1", "2.5"]}, "null": {"NULL": True}, "bool": {"BOOL": False},
         "m": {"M": {"inner": {"L": [{"S": "é"}, {"B": b"\x03"}, {"M": {}}]}}},
         "gsi1pk": {"S": "G"}, "expires": {"N": "4102444800"}},
        {"pk": {"S": "A#2"}, "sk": {"S": "x"}, "gsi1pk": {"S": "G"}},
    ] + [{"pk": {"S": f"bulk#{i}"}, "sk": {"S": "#"}} for i in range(60)]
    schema = {
        "TableName": "t",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"},
                                 {"AttributeName": "gsi1pk", "AttributeType": "S"}],
        "GlobalSecondaryIndexes": [{"IndexName": "gsi1",
                                    "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "ALL"}}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    objects = {"tickets/1/a b.txt": (b"hello", "text/plain", {"filename": "a b.txt"}),
               "empty": (b"", "application/octet-stream", {})}
    snapshot = Snapshot(tmp_path / "snapshot")

    def dump(dynamodb, s3):
        table_items = sorted(dynamodb.scan(TableName="t")["Items"], key=lambda i: i["pk"]["S"])
        stored = {}
        for key in objects:
            got = s3.get_object(Bucket="bucket", Key=key)
            stored[key] = (got["Body"].read(), got["ContentType"], got["Metadata"])
        return table_items, stored

    with mock_aws():
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        dynamodb.create_table(**schema)
        dynamodb.update_time_to_live(
            TableName="t", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
        for item in items:
            dynamodb.put_item(TableName="t", Item=item)
        s3.create_bucket(Bucket="bucket")
        for key, (body, content_type, metadata) in objects.items():
            s3.put_object(Bucket="bucket", Key=key, Body=body, ContentType=content_type,
                          Metadata=metadata)
        original = dump(dynamodb, s3)
        saved = snapshot.save(dynamodb, s3)
    assert saved == {"tables": 1, "items": len(items), "buckets": 1, "objects": len(objects)}

    with mock_aws():  # a fresh, empty moto
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        assert snapshot.restore(dynamodb, s3) == saved
        assert dump(dynamodb, s3) == original
        table = dynamodb.describe_table(TableName="t")["Table"]
        assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]
        ttl = dynamodb.describe_time_to_live(TableName="t")["TimeToLiveDescription"]
        assert ttl.get("AttributeName") == "expires"
        # Saving again over an existing snapshot swaps it in whole, leaving no temp dirs.
        snapshot.save(dynamodb, s3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]
