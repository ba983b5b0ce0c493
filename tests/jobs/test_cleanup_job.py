"""The `cleanup` scheduled function through Chalice's test client: exactly the expired items go, a second
run right after removes nothing, a notification seen through /api/v1 goes after the seen age, the Lambda
context's remaining time bounds a run, and the report is logged as JSON."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.core.model import OnlineNotification

NOW = datetime.now(timezone.utc).replace(microsecond=0)


class Clock:
    """The app's clock, moved by the test (every service of the container shares SystemClock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from chalicelib import bootstrap
        self.now = NOW
        monkeypatch.setattr(bootstrap.SystemClock, "now", lambda _self: self.now)


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def scheduled_event(api: Any) -> dict[str, Any]:
    return api.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                               resources=["arn:aws:events:us-east-1:1:rule/cleanup"])


def invoke(api: Any) -> dict[str, Any]:
    return api.client.lambda_.invoke("cleanup", scheduled_event(api)).payload


def epoch(**delta: float) -> int:
    return int((NOW + timedelta(**delta)).timestamp())


def exists(pk: str, sk: str) -> bool:
    from chalicelib.storage.table import Item
    return Item.count(pk, Item.sk == sk, consistent_read=True) == 1


def seed() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Expired and live notifications (user 900) and revoked token ids; returns (gone, kept) keys."""
    from chalicelib.storage.credentials import RevocationStore
    from chalicelib.storage.notifications import NotificationStore
    stamp = (NOW - timedelta(days=40)).isoformat().replace("+00:00", "Z")
    expiries = {9001: epoch(days=-3), 9002: epoch(minutes=-1), 9003: epoch(days=1)}
    NotificationStore().add_many([OnlineNotification(id=nid, user_id=900, o_id=1, created_at=stamp, updated_at=stamp,
                                                     expires_at=when) for nid, when in expiries.items()])
    gone: list[tuple[str, str]] = []
    kept: list[tuple[str, str]] = []
    for nid, when in expiries.items():
        (gone if when <= epoch() else kept).extend([("NOTIFY#900", f"{nid:010d}"), (f"NOTIFYID#{nid}", "#POINTER")])
    for jti, when in (("spent", epoch(days=-2)), ("live", epoch(days=1))):
        RevocationStore().revoke(jti, when)
        (gone if when <= epoch() else kept).append((f"REVOKED#{jti}", "#REVOKED"))
    return gone, kept


def test_twice_in_a_row_removes_exactly_the_expired_items_once(api: Any, clock: Clock) -> None:
    gone, kept = seed()
    first = invoke(api)
    yesterday = (NOW.date() - timedelta(days=1)).isoformat()
    assert first == {"days": 31, "deleted": len(gone), "finished": True, "cursor": yesterday}
    assert [key for key in gone if exists(*key)] == []
    assert all(exists(*key) for key in kept)
    second = invoke(api)
    assert second == {"days": 1, "deleted": 0, "finished": True, "cursor": yesterday}
    assert all(exists(*key) for key in kept)


def test_a_notification_seen_through_the_api_goes_after_the_seen_age(api: Any, clock: Clock) -> None:
    listed = api.get("/api/v1/online_notifications", who="agent")
    assert listed.status == 200 and len(listed.json) >= 2, listed
    seen, unseen = listed.json[0], listed.json[1]
    assert api.put(f"/api/v1/online_notifications/{seen['id']}", {"seen": True}, who="agent").status == 200
    agent_partition = f"NOTIFY#{api.credentials['agent']['id']}"
    clock.now = NOW + timedelta(days=6)
    assert invoke(api)["deleted"] == 0
    clock.now = NOW + timedelta(days=7)   # settings.seen_notification_days
    assert invoke(api)["deleted"] == 1
    assert not exists(agent_partition, f"{seen['id']:010d}")
    assert exists(agent_partition, f"{unseen['id']:010d}")
    assert [n["id"] for n in api.get("/api/v1/online_notifications", who="agent").json if n["id"] == seen["id"]] == []


class ShortContext:
    """A Lambda context about to run out of time."""
    function_name = "cleanup"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 500


def test_the_lambda_time_left_bounds_the_run(api: Any, clock: Clock) -> None:
    from app import app
    gone, _ = seed()
    report = app.handler_map["cleanup"](scheduled_event(api), ShortContext())
    assert (report["deleted"], report["finished"], report["cursor"]) == (0, False, None)
    assert all(exists(*key) for key in gone)
    assert invoke(api)["deleted"] == len(gone)   # the test client's context leaves the run 3 s


def test_the_report_is_logged_as_json(api: Any, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    seed()
    with caplog.at_level(logging.INFO, logger="chalicelib.jobs.scheduled"):
        payload = invoke(api)
    logged = [json.loads(record.getMessage()) for record in caplog.records
              if record.name == "chalicelib.jobs.scheduled"]
    assert logged == [{"job": "cleanup", **payload}]
