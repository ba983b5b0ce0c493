"""The scheduled escalation job's work: every due event fires once, however often the job runs.

The due index (port `DueIndex`, kept in step with every ticket write) names the tickets whose next
event time has come; the job never looks at other tickets, so its cost follows the due tickets,
not the open ones. For each due entry:

1. the ticket is read and its deadlines recomputed with today's SLAs and calendars (an SLA edited
   since the ticket's last write moves or removes them; the ticket and its entry are rewritten);
2. each due event is claimed with a conditional write (`DueIndex.claim`): only the run that
   claims it acts — a re-run of the same minute or an overlapping run finds it claimed and skips it.
   Pending closes need no claim: the close itself is a version-checked ticket write that re-checks
   the state, so only one run closes (and announces) it;
3. acting: online notifications for the owner and the group's agents, an email through the Mailer
   port, a history line. Each is derived data: a failure is logged and does not stop the others.
   Claiming first means an event is sent at most once (a crash between claim and send loses it,
   rather than sending it twice);
4. the entry is advanced to the events still ahead (or leaves the index) — conditional on the entry
   being the one read, so a ticket write in between is never undone.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from . import escalation
from .model import SYSTEM_USER_ID, DueEvent, Mail, Ticket, User
from .notifications import Notifier
from .ports import DueEntry, DueIndex, IdAllocator, Mailer, TicketLinkRepository
from .ticket_links import write_history
from .tickets import TicketService

log = logging.getLogger(__name__)

BATCH = 200  # due entries per run; the rest are due still and wait for the next minute
NOTIFICATION_TYPES = {"escalation": "escalation", "warning": "escalation_warning", "reminder": "reminder_reached"}
DEADLINE_NAMES = {"first_response": "first response", "update": "update", "close": "solution"}


@dataclass
class DueReport:
    """What one run did, logged by the job: `examined` grows with the due entries only."""
    examined: int = 0
    fired: int = 0
    already_fired: int = 0
    closed: int = 0
    recomputed: int = 0
    failed: int = 0


class DueWorker:
    def __init__(self, index: DueIndex, tickets: TicketService, notifier: Notifier, mailer: Mailer,
                 history: TicketLinkRepository, ids: IdAllocator, fqdn: str = "helpdesk.local",
                 batch: int = BATCH) -> None:
        self._index = index
        self._tickets = tickets
        self._notifier = notifier
        self._mailer = mailer
        self._history = history
        self._ids = ids
        self._fqdn = fqdn
        self._batch = batch
        self._responsible: dict[tuple[int, int], list[User]] = {}

    def run(self, now: datetime) -> DueReport:
        report = DueReport()
        self._responsible = {}  # per run: due tickets of one group and owner share the directory reads
        now_iso = escalation.to_iso(now)
        for entry in self._index.due(now_iso, self._batch):
            report.examined += 1
            try:
                self._work(entry, now_iso, report)
            except Exception:  # one broken ticket never holds up the others
                report.failed += 1
                log.exception("due work for ticket %s failed", entry.ticket_id)
        return report

    def _work(self, entry: DueEntry, now_iso: str, report: DueReport) -> None:
        ticket = self._tickets.tickets.get(entry.ticket_id)
        if ticket is None:
            self._index.advance(entry, ())
            return
        refreshed = self._tickets.refresh_escalation(ticket)
        if refreshed is not None:
            report.recomputed += 1
            ticket, entry = refreshed
        remaining = tuple(event for event in entry.events if event.at > now_iso)
        for event in entry.events:
            if event.at > now_iso or (event.level == "warning" and event.deadline <= now_iso):
                continue  # not yet; or a warning overtaken by its deadline (the escalation says it all)
            if event.kind == "pending_close":
                report.closed += self._tickets.close_pending(ticket.id, event.deadline)
            elif self._index.claim(ticket.id, event, now_iso):
                report.fired += 1
                self._announce(ticket, event, now_iso)
            else:
                report.already_fired += 1
        self._index.advance(entry, remaining)

    # --- acting on an event -----------------------------------------------------------------------

    def _announce(self, ticket: Ticket, event: DueEvent, now_iso: str) -> None:
        recipients = self._recipients(ticket, event)
        kind = NOTIFICATION_TYPES[event.level]
        steps: list[Callable[[], Any]] = [
            lambda: self._notifier.notify(ticket.id, kind, [u.id for u in recipients], SYSTEM_USER_ID, now_iso),
            lambda: self._mail(ticket, event, recipients),
            lambda: write_history(self._history, self._ids, ticket.id, SYSTEM_USER_ID, now_iso, [{
                "o_id": ticket.id, "history_type": kind, "history_attribute": event.kind,
                "value_to": event.deadline}]),
        ]
        for step in steps:
            try:
                step()
            except Exception:
                log.exception("announcing %s of ticket %s failed", event.key, ticket.id)

    def _recipients(self, ticket: Ticket, event: DueEvent) -> list[User]:
        """Escalations: the owner and the group's agents. A reminder: the owner, or the group's agents
        while the ticket has none (Zammad's reminder_reached)."""
        key = (ticket.group_id, ticket.owner_id)
        if key not in self._responsible:
            self._responsible[key] = self._notifier.responsible(ticket)
        responsible = self._responsible[key]
        if event.level == "reminder" and ticket.owner_id != SYSTEM_USER_ID:
            owners = [u for u in responsible if u.id == ticket.owner_id]
            return owners or responsible
        return responsible

    def _mail(self, ticket: Ticket, event: DueEvent, recipients: list[User]) -> None:
        addresses = tuple(sorted({u.email for u in recipients if u.email}))
        if not addresses:
            return
        subject, lead = _wording(ticket, event)
        body = "\n".join([
            lead, "",
            f"Ticket: #{ticket.number} {ticket.title}",
            f"{'Pending until' if event.level == 'reminder' else 'Deadline'}: {event.deadline}",
            f"Link: https://{self._fqdn}/#ticket/zoom/{ticket.id}",
        ])
        self._mailer.send(Mail(to=addresses, subject=subject, body=body))


def _wording(ticket: Ticket, event: DueEvent) -> tuple[str, str]:
    tag = f"[Ticket#{ticket.number}] {ticket.title}"
    if event.level == "reminder":
        return f"Reminder reached: {tag}", "The pending reminder time of this ticket has been reached."
    deadline = DEADLINE_NAMES.get(event.kind, event.kind)
    if event.level == "warning":
        return (f"Ticket will escalate: {tag}",
                f"The {deadline} deadline of this ticket will be missed soon unless someone acts.")
    return f"Ticket escalated: {tag}", f"The {deadline} deadline of this ticket has passed."
