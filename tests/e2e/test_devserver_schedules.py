"""`make run` runs the app's scheduled functions (chalice local does not) and prints the outbox: the real
dev server with a 1-second tick runs the cleanup (its cursor appears in the table) and prints a mail
dropped in the outbox; HELPDESK_SCHEDULES=0 runs none. Then the runner's parts without a server."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from chalicelib.core.model import Mail
from chalicelib.devserver import Schedule, ScheduledFunction, ScheduleRunner
from chalicelib.storage.mail import OutboxMailer

WAIT = 30.0


def eventually(probe: Callable[[], Any], what: str, server: Any, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"no {what} after {timeout:.0f} s:\n{server.output()}", pytrace=False)


def cleanup_cursor(server: Any) -> Optional[str]:
    """The cleanup job's cursor day, read from the server's moto."""
    import boto3
    client = boto3.client("dynamodb", endpoint_url=server.ready["moto_endpoint"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    item = client.get_item(TableName="helpdesk", Key={"pk": {"S": "JOB#cleanup"}, "sk": {"S": "#CURSOR"}},
                           ConsistentRead=True).get("Item")
    return item["day"]["S"] if item else None


@pytest.mark.e2e
def test_the_dev_server_runs_the_schedules_and_prints_the_outbox(server_factory: Any) -> None:
    server = server_factory(env={"HELPDESK_SCHEDULE_TICK": "1"})
    assert set(server.ready["schedules"]) >= {"cleanup", "escalate"}
    before = datetime.now(timezone.utc).date()
    day = eventually(lambda: cleanup_cursor(server), "cleanup cursor", server)
    after = datetime.now(timezone.utc).date()
    assert day in {(before - timedelta(days=1)).isoformat(), (after - timedelta(days=1)).isoformat()}
    assert '"job": "cleanup"' in server.output()

    outbox = Path(server.ready["outbox"])
    assert outbox == server.data_dir / "outbox"
    path = OutboxMailer(outbox, "helpdesk@example.com").write(
        Mail(to=("agent@example.com",), subject="Ticket 45001 escalated", body="Overdue."))
    eventually(lambda: f"mail to agent@example.com: Ticket 45001 escalated\n  {path}" in server.output(),
               "printed mail", server)
    assert server.stop() == 0, server.output()


@pytest.mark.e2e
def test_schedules_can_be_turned_off(server_factory: Any) -> None:
    server = server_factory(env={"HELPDESK_SCHEDULE_TICK": "1", "HELPDESK_SCHEDULES": "0"})
    assert server.ready["schedules"] == []
    assert "schedules off (HELPDESK_SCHEDULES=0)" in server.output()
    time.sleep(3)   # three ticks
    assert cleanup_cursor(server) is None
    assert server.stop() == 0, server.output()


# --- the runner's parts, no server ------------------------------------------------------------------

def test_schedules_parse_from_rates_and_daily_crons() -> None:
    from chalice import Cron, Rate
    assert Schedule.parse("a", Rate(1, unit=Rate.MINUTES)).period == 60
    assert Schedule.parse("b", Rate(2, unit=Rate.HOURS)).period == 7_200
    assert Schedule.parse("c", "rate(1 day)").period == 86_400
    assert Schedule.parse("d", Cron(30, 3, "*", "*", "?", "*")).daily_at == (3, 30)
    assert Schedule.parse("e", "cron(0 23 ? * * *)").daily_at == (23, 0)
    for unsupported in (Cron("0/5", "*", "*", "*", "?", "*"), Cron(0, 8, "?", "*", "MON-FRI", "*"),
                        "cron(0 25 * * ? *)", "at(2026-12-01T00:00:00)"):
        with pytest.raises(ValueError):
            Schedule.parse("x", unsupported)


def test_next_runs() -> None:
    moment = datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
    assert Schedule("r", period=60).next_after(moment) == moment + timedelta(minutes=1)
    daily = Schedule("d", daily_at=(3, 30))
    assert daily.next_after(moment) == datetime(2026, 12, 2, 3, 30, tzinfo=timezone.utc)
    assert daily.next_after(datetime(2026, 12, 1, 3, 29, tzinfo=timezone.utc)) == datetime(
        2026, 12, 1, 3, 30, tzinfo=timezone.utc)


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[dict, Any]] = []
        self.fail = fail

    def __call__(self, event: dict, context: Any) -> None:
        self.calls.append((event, context))
        if self.fail:
            raise RuntimeError("boom")


def runner(tmp_path: Path, *functions: ScheduledFunction) -> ScheduleRunner:
    return ScheduleRunner(list(functions), 60, tmp_path / "outbox", "us-east-1", "helpdesk")


def test_due_functions_run_at_start_then_on_their_schedule(tmp_path: Path) -> None:
    every_minute, daily = Recorder(), Recorder()
    r = runner(tmp_path, ScheduledFunction(Schedule("escalate", period=60), every_minute, 60),
               ScheduledFunction(Schedule("cleanup", daily_at=(3, 30)), daily, 60))
    start = datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
    for minutes in (0, 0.5, 1, 2, 17 * 60 + 15):   # the last one: 03:30 the next day
        r.run_due(start + timedelta(minutes=minutes))
    assert len(every_minute.calls) == 4 and len(daily.calls) == 2
    event, context = daily.calls[0]
    assert (event["detail-type"], event["source"], event["detail"]) == ("Scheduled Event", "aws.events", {})
    assert event["time"] == "2026-12-01T10:15:00Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/helpdesk-local-cleanup"]
    assert context.function_name == "cleanup" and 59_000 < context.get_remaining_time_in_millis() <= 60_000


def test_a_failing_function_is_logged_and_the_others_still_run(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    failing, fine = Recorder(fail=True), Recorder()
    r = runner(tmp_path, ScheduledFunction(Schedule("bad", period=60), failing, 60),
               ScheduledFunction(Schedule("good", period=60), fine, 60))
    with caplog.at_level(logging.ERROR, logger="devserver"):
        r.run_due(datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc))
    assert len(failing.calls) == len(fine.calls) == 1
    assert "scheduled function bad failed" in caplog.text


def test_stopping_runs_the_context_out_of_time_and_waits_for_the_function(tmp_path: Path) -> None:
    seen: list[int] = []
    started = threading.Event()

    def bounded_job(event: dict, context: Any) -> None:
        started.set()
        while context.get_remaining_time_in_millis() > 0:   # as the cleanup does between pages
            time.sleep(0.01)
        seen.append(context.get_remaining_time_in_millis())

    r = runner(tmp_path, ScheduledFunction(Schedule("cleanup", daily_at=(3, 30)), bounded_job, 600))
    r.start()
    assert started.wait(5)
    r.stop()
    assert seen == [0]


def test_only_new_mails_are_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mailer = OutboxMailer(tmp_path / "outbox", "helpdesk@example.com")
    old = mailer.write(Mail(to=("a@example.com",), subject="from an earlier session", body=""))
    r = runner(tmp_path)
    new = mailer.write(Mail(to=("b@example.com", "c@example.com"), subject="Grüße", body="x"))
    r.print_new_mail()
    r.print_new_mail()
    out = capsys.readouterr().out
    assert out == f"mail to b@example.com, c@example.com: Grüße\n  {new}\n"
    assert str(old) not in out
