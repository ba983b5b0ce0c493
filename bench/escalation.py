"""The escalation job at scale: N open tickets with SLA deadlines, D of them overdue; one run of the
`escalate` scheduled function (through Chalice's test client) and a second run right after.

The tickets are written in bulk with the storage layer's own item builders (the ticket item and its
due-index entry, exactly what TicketService.create writes), their escalation fields computed by
core.escalation for the SLA in force. What the issue asks to show: the DynamoDB items the run
examines follow D (the due tickets), not N (the open ones) — compare the rows of the report.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from .counting import CallCounter, Tally
from .environment import bench_environment

SLA_MINUTES = 60


@dataclass
class EscalationRun:
    open_tickets: int
    due: int
    seed_seconds: float
    first: Tally
    first_seconds: float
    first_report: dict[str, int]
    second: Tally
    second_report: dict[str, int]


def measure(open_sizes: Sequence[int], due: int, progress: Callable[[str], None]) -> list[EscalationRun]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-escalation-") as tmp, bench_environment(Path(tmp)):
        from chalice.test import Client
        from moto import mock_aws

        from app import app
        from chalicelib import bootstrap

        counter = CallCounter()
        try:
            for size in open_sizes:
                with mock_aws():
                    bootstrap.reset()
                    bootstrap.provision(demo=False)
                    seeded = _seed(bootstrap.container(), size, min(due, size), progress)
                    with Client(app) as client:
                        runs.append(_run(client, counter, size, min(due, size), seeded))
                    progress(f"  escalation at {size:,} open: {runs[-1].first.examined} items examined, "
                             f"{runs[-1].first_report}")
        finally:
            counter.detach()
            bootstrap.reset()
    return runs


def _seed(container: Any, size: int, due: int, progress: Callable[[str], None]) -> float:
    """`size` open tickets under a 60-minute first-response SLA (round the clock); the first `due` of
    them were created two hours ago (overdue), the rest ten minutes ago (due in 50 minutes)."""
    from chalicelib.core import escalation
    from chalicelib.core.model import WEEKDAYS, Calendar, Sla, Ticket
    from chalicelib.storage.due import due_item
    from chalicelib.storage.table import Item
    from chalicelib.storage.tickets import _ticket_item

    c = container
    started = time.perf_counter()
    snapshot, version = c.catalog_store.versioned_snapshot()
    calendar = Calendar(c.ids.next_id("calendar"), "Round the clock", timezone="UTC", business_hours={
        day: {"active": True, "timeframes": [["00:00", "24:00"]]} for day in WEEKDAYS})
    sla = Sla(c.ids.next_id("sla"), "Everything", calendar_id=calendar.id, first_response_time=SLA_MINUTES)
    c.catalog_store.write(version, [calendar, sla])
    catalog = c.catalog()
    now = datetime.now(timezone.utc)
    templates = {}
    for overdue in (True, False):
        created = now - (timedelta(hours=2) if overdue else timedelta(minutes=10))
        stamp = escalation.to_iso(created)
        template = Ticket(id=0, number="", title="Bench escalation", group_id=1, state_id=2, priority_id=2,
                          customer_id=1, created_at=stamp, updated_at=stamp)
        escalation.recompute(None, template, catalog, created)
        templates[overdue] = (template, escalation.due_events(template, catalog, c.settings.escalation_warning_minutes))
    first_id = c.ids.next_ids("ticket", size)[0]
    with Item.batch_write() as batch:
        for k in range(size):
            template, events = templates[k < due]
            ticket = replace(template, id=first_id + k, number=f"{c.settings.ticket_number_prefix}{first_id + k:03d}")
            batch.save(_ticket_item(ticket, 1))
            batch.save(due_item(ticket.id, events, 1))
            if (k + 1) % 20_000 == 0:
                progress(f"  seeded {k + 1:,}/{size:,} open tickets, {time.perf_counter() - started:.0f} s")
    return time.perf_counter() - started


def _invoke(client: Any, counter: CallCounter) -> tuple[Tally, float, dict[str, int]]:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:us-east-1:1:rule/escalate"])
    counter.attach_app_clients()
    tally = counter.start()
    t0 = time.perf_counter()
    payload = client.lambda_.invoke("escalate", event).payload
    seconds = time.perf_counter() - t0
    counter.stop()
    return tally, seconds, payload


def _run(client: Any, counter: CallCounter, size: int, due: int, seed_seconds: float) -> EscalationRun:
    first, first_seconds, first_report = _invoke(client, counter)
    if first_report.get("fired") != due:
        raise RuntimeError(f"escalation bench: expected {due} escalations, the run reported {first_report}")
    second, _, second_report = _invoke(client, counter)
    return EscalationRun(size, due, seed_seconds, first, first_seconds, first_report, second, second_report)


def table(runs: Optional[Sequence[EscalationRun]]) -> list[str]:
    """Markdown rows for the report (bench/report.py)."""
    if not runs:
        return []
    lines = [
        "## Escalation run",
        "",
        "One run of the `escalate` scheduled function over N open tickets under an SLA, D of them overdue, "
        "then a second run the same minute (bench/escalation.py). Items examined are what DynamoDB read "
        "(Query ScannedCount, items returned by GetItem/BatchGetItem).",
        "",
        "| open tickets | due | DynamoDB calls | items examined | fired | run (ms) | second run: calls, items, fired |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | :--- |",
    ]
    for r in runs:
        lines.append(
            f"| {r.open_tickets:,} | {r.due} | {r.first.service_calls('dynamodb')} ({r.first.breakdown('dynamodb')}) "
            f"| {r.first.examined:,} | {r.first_report.get('fired')} | {r.first_seconds * 1000:.0f} "
            f"| {r.second.service_calls('dynamodb')}, {r.second.examined}, {r.second_report.get('fired')} |")
    lines.append("")
    return lines


if __name__ == "__main__":  # `python -m bench.escalation [open,...] [due]`: this section alone
    import sys

    sizes = tuple(int(n) for n in (sys.argv[1] if len(sys.argv) > 1 else "10000,100000").split(","))
    print("\n".join(table(measure(sizes, int(sys.argv[2]) if len(sys.argv) > 2 else 100,
                                   lambda message: print(message, file=sys.stderr, flush=True)))))
