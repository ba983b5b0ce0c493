"""The escalation schedule end to end: SLAs made through /api/v1, tickets escalating in business
minutes, and the `escalate` scheduled function invoked through Chalice's test client — twice in a
row and as overlapping runs — firing every event exactly once."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import pytest

from tests.core.fakes import FakeMailer

TUESDAY_9 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # inside the default calendar's business hours


class Clock:
    """The app's clock, moved by the test: every service of the container shares SystemClock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from chalicelib import bootstrap
        self.now = TUESDAY_9
        monkeypatch.setattr(bootstrap.SystemClock, "now", lambda _self: self.now)

    def set(self, hour: int, minute: int = 0, day: int = 1) -> None:
        self.now = datetime(2026, 12, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture()
def mailer(api: Any) -> Iterator[FakeMailer]:
    from chalicelib import bootstrap
    container = bootstrap.container()
    container.__dict__.pop("due_worker", None)
    fake = FakeMailer()
    container.mailer = fake
    yield fake


def invoke(api: Any) -> dict[str, int]:
    event = api.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=["arn:aws:events:us-east-1:1:rule/escalate"])
    return api.client.lambda_.invoke("escalate", event).payload


def default_calendar(api: Any) -> dict[str, Any]:
    return next(c for c in api.get("/api/v1/calendars").json if c["default"])


def make_sla(api: Any, **times: Any) -> dict[str, Any]:
    body = {"name": "High priority", "calendar_id": default_calendar(api)["id"],
            "condition": {"ticket.priority_id": {"operator": "is", "value": ["3"]}},
            **(times or {"first_response_time": 60, "update_time": 120, "solution_time": 480})}
    reply = api.post("/api/v1/slas", body)
    assert reply.status == 201, reply
    return reply.json


def create_ticket(api: Any, priority: str = "3 high", **extra: Any) -> dict[str, Any]:
    reply = api.post("/api/v1/tickets", {
        "title": "Server down", "group": "Users", "priority": priority, "customer_id": api.credentials["customer"]["id"],
        "article": {"subject": "Down", "body": "Nothing works", "type": "phone"}, **extra}, who="agent")
    assert reply.status == 201, reply
    return reply.json


def notifications(api: Any, who: str = "agent", about: Any = None) -> list[tuple[int, str]]:
    """(ticket id, type) of the caller's notifications about the given tickets (the demo tickets' aside)."""
    found = api.get("/api/v1/online_notifications", who=who).json
    return sorted((n["o_id"], n["type"]) for n in found if about is None or n["o_id"] in about)


def test_escalation_fields_follow_the_sla_in_business_minutes(api: Any, clock: Clock) -> None:
    make_sla(api)
    ticket = create_ticket(api)
    assert ticket["first_response_escalation_at"] == "2026-12-01T10:00:00.000Z"
    assert ticket["update_escalation_at"] == "2026-12-01T11:00:00.000Z"
    assert ticket["close_escalation_at"] == "2026-12-01T17:00:00.000Z"     # 8 business hours: 09:00 + 8h = 17:00
    assert ticket["escalation_at"] == "2026-12-01T10:00:00.000Z"
    assert create_ticket(api, priority="2 normal")["escalation_at"] is None  # no SLA applies

    clock.set(9, 30)
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "Looking", "type": "email",
                                                 "to": "customer@example.com"}, who="agent")
    assert reply.status == 201, reply
    answered = api.get(f"/api/v1/tickets/{ticket['id']}", who="agent").json
    assert (answered["first_response_in_min"], answered["first_response_diff_in_min"]) == (30, 30)
    assert answered["first_response_escalation_at"] is None
    assert answered["update_escalation_at"] == "2026-12-01T11:30:00.000Z"  # the reply re-armed it
    assert answered["update_in_min"] == 30 and answered["update_diff_in_min"] == 90
    assert answered["escalation_at"] == "2026-12-01T11:30:00.000Z"

    clock.set(16, 30)                                                  # 17:00 close, then overnight
    waiting = api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "pending reminder",
                                                          "pending_time": "2026-12-03T09:00:00Z"}, who="agent").json
    assert waiting["escalation_at"] is None and waiting["close_escalation_at"] is None   # the clock stands still
    clock.set(9, 0, day=2)                                             # a business day later
    back = api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "open"}, who="agent").json
    assert back["close_escalation_at"] == "2026-12-02T09:30:00.000Z"   # 30 minutes were left at 16:30
    closed = api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "closed"}, who="agent").json
    assert closed["escalation_at"] is None and closed["close_escalation_at"] is None
    assert closed["close_in_min"] == 450 and closed["close_diff_in_min"] == 30


def test_the_scheduled_function_fires_each_event_once(api: Any, clock: Clock, mailer: FakeMailer) -> None:
    make_sla(api, first_response_time=60)
    ticket = create_ticket(api)
    clock.set(9, 44)
    assert invoke(api)["examined"] == 0
    clock.set(9, 45)
    assert invoke(api)["fired"] == 1                                   # the warning, 15 minutes ahead
    assert invoke(api) == {"examined": 0, "fired": 0, "already_fired": 0, "closed": 0, "recomputed": 0, "failed": 0}
    clock.set(10, 0)
    assert invoke(api)["fired"] == 1
    assert invoke(api)["examined"] == 0
    clock.set(12, 0)
    assert invoke(api)["examined"] == 0
    mine = {ticket["id"]}
    assert notifications(api, about=mine) == [(ticket["id"], "escalation"), (ticket["id"], "escalation_warning")]
    assert notifications(api, "admin", mine) == [(ticket["id"], "create"), (ticket["id"], "escalation"),
                                                 (ticket["id"], "escalation_warning")]
    assert [m.subject.split(":")[0] for m in mailer.sent] == ["Ticket will escalate", "Ticket escalated"]
    assert set(mailer.sent[1].to) == {"agent@example.com", api.credentials["admin"]["email"]}
    history = api.get(f"/api/v1/ticket_history/{ticket['id']}", who="agent").json["history"]
    assert [h["type"] for h in history if h["type"].startswith("escalation")] == ["escalation_warning", "escalation"]


def test_overlapping_runs_notify_once(api: Any, clock: Clock, mailer: FakeMailer) -> None:
    """Two runs that read the due index before either acted (EventBridge's at-least-once delivery)."""
    from chalicelib import bootstrap
    from chalicelib.storage.due import DueStore
    make_sla(api, first_response_time=60)
    create_ticket(api)
    clock.set(10, 5)
    stale = DueStore().due("2026-12-01T10:05:00.000Z", 10)
    first = invoke(api)

    class Replay(DueStore):
        def due(self, now_iso: str, limit: int):
            return stale
    worker = bootstrap.container().due_worker
    worker._index = Replay()
    second = invoke(api)
    assert first["fired"] == 1 and second["fired"] == 0 and second["already_fired"] == 1
    assert [t for _, t in notifications(api)].count("escalation") == 1
    assert len(mailer.sent) == 1


def test_pending_close_and_reminder_by_schedule(api: Any, clock: Clock, mailer: FakeMailer) -> None:
    closing = create_ticket(api, priority="2 normal", state="pending close", pending_time="2026-12-01T09:30:00Z")
    reminding = create_ticket(api, priority="2 normal", state="pending reminder", pending_time="2026-12-01T09:20:00Z",
                              owner_id=api.credentials["agent"]["id"])
    clock.set(9, 31)
    assert invoke(api)["closed"] == 1
    assert invoke(api)["examined"] == 0
    shown = api.get(f"/api/v1/tickets/{closing['id']}", who="agent").json
    assert shown["state_id"] == 4 and shown["close_at"] == "2026-12-01T09:31:00.000Z"
    assert (reminding["id"], "reminder_reached") in notifications(api)
    assert [t for _, t in notifications(api)].count("reminder_reached") == 1
    assert mailer.sent[0].to == ("agent@example.com",)
