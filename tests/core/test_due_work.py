"""The escalation job's core (DueWorker) over fakes: every due event fires exactly once."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.core.catalog import Ref
from chalicelib.core.due_work import DueWorker
from chalicelib.core.model import Sla
from chalicelib.core.notifications import Notifier
from chalicelib.core.tickets import ArticleInput, TicketInput
from tests.core.fakes import (FakeMailer, FakeNotificationRepository, FakeTicketLinkRepository, make_world,
                              round_the_clock)


class Job:
    """A world with one SLA (first response 60 min, 24/7) and the worker the scheduled function runs."""

    def __init__(self, **sla_times) -> None:
        self.world = w = make_world()
        w.reference.calendars[1] = round_the_clock()
        w.reference.slas[1] = Sla(1, "Standard", calendar_id=1, **(sla_times or {"first_response_time": 60}))
        self.notifications = FakeNotificationRepository()
        self.history = FakeTicketLinkRepository()
        self.mailer = FakeMailer()
        self.notifier = Notifier(self.notifications, w.users, w.ids, w.clock)
        self.worker = DueWorker(w.ticket_repo, w.tickets, self.notifier, self.mailer, self.history, w.ids)
        self.start = w.clock.now()

    def at(self, minutes: float):
        self.world.clock.set(self.start + timedelta(minutes=minutes))
        return self.world.clock.now()

    def run(self, minutes: float):
        return self.worker.run(self.at(minutes))

    def create(self, **overrides):
        ticket, _ = self.world.tickets.create(self.world.agent, self.world.ticket_input(**overrides))
        return ticket

    def kinds(self) -> list[tuple[int, str]]:
        return sorted((n.user_id, n.type) for n in self.notifications.items.values())


def test_nothing_is_examined_before_anything_is_due():
    job = Job()
    job.create()
    assert job.run(30).examined == 0
    assert job.kinds() == [] and job.mailer.sent == []


def test_warning_then_escalation_each_fire_once_however_often_the_job_runs():
    job = Job()
    ticket = job.create()
    agent, reader = job.world.agent.id, job.world.reader.id   # the agents of group 1
    assert ticket.first_response_escalation_at == "2024-03-01T10:00:00.000Z"
    first = job.run(46)                                   # 15 minutes before the deadline: the warning
    assert (first.examined, first.fired) == (1, 1)
    assert job.kinds() == [(agent, "escalation_warning"), (reader, "escalation_warning")]
    assert job.run(46).examined == 0                      # the same minute again: the entry moved on
    assert job.run(50).examined == 0
    escalated = job.run(61)
    assert (escalated.examined, escalated.fired) == (1, 1)
    assert job.kinds() == [(agent, "escalation"), (agent, "escalation_warning"),
                           (reader, "escalation"), (reader, "escalation_warning")]
    assert job.run(62).examined == 0 and job.run(600).examined == 0
    assert [m.subject for m in job.mailer.sent] == [
        f"Ticket will escalate: [Ticket#{ticket.number}] Printer is broken",
        f"Ticket escalated: [Ticket#{ticket.number}] Printer is broken"]
    assert job.mailer.sent[1].to == ("agent@example.com", "reader@example.com")
    history = job.history.history(ticket.id, 10)
    assert [(h.history_type, h.history_attribute, h.value_to) for h in history] == [
        ("escalation_warning", "first_response", "2024-03-01T10:00:00.000Z"),
        ("escalation", "first_response", "2024-03-01T10:00:00.000Z")]


def test_overlapping_runs_fire_once():
    """Two runs that read the same due entries before either acted: the claim lets one act."""
    job = Job()
    job.create()
    now = job.at(61)
    entries = job.world.ticket_repo.due("2024-03-01T10:01:00.000Z", 10)
    assert len(entries) == 1
    other = DueWorker(job.world.ticket_repo, job.world.tickets, job.notifier, job.mailer, job.history,
                      job.world.ids)
    first, second = job.worker.run(now), None
    job.world.ticket_repo.due_entries[entries[0].ticket_id] = entries[0]  # the second run still sees the old entry
    second = other.run(now)
    assert first.fired == 1 and second.fired == 0 and second.already_fired == 1
    assert len(job.notifications.items) == 2 and len(job.mailer.sent) == 1  # one per recipient, one mail


def test_a_late_run_sends_the_escalation_not_the_stale_warning():
    job = Job()
    job.create()
    report = job.run(90)
    assert report.fired == 1
    assert {t for _, t in job.kinds()} == {"escalation"}


def test_an_agent_reply_in_time_means_no_escalation():
    job = Job()
    ticket = job.create()
    job.at(20)
    job.world.tickets.add_article(job.world.agent, ticket.id, ArticleInput(body="On it", type=Ref("type", name="email")))
    assert job.run(61).examined == 0
    assert job.kinds() == []
    stored = job.world.ticket_repo.get(ticket.id)
    assert stored.first_response_in_min == 20 and stored.first_response_diff_in_min == 40
    assert stored.first_response_escalation_at is None and stored.escalation_at is None


def test_an_sla_edited_later_moves_the_deadline_before_anything_fires():
    job = Job()
    ticket = job.create()
    job.world.reference.slas[1].first_response_time = 120
    report = job.run(61)
    assert (report.examined, report.recomputed, report.fired) == (1, 1, 0)
    assert job.world.ticket_repo.get(ticket.id).first_response_escalation_at == "2024-03-01T11:00:00.000Z"
    assert job.run(106).fired == 1 and {t for _, t in job.kinds()} == {"escalation_warning"}


def test_a_ticket_whose_sla_is_gone_leaves_the_index_without_firing():
    job = Job()
    ticket = job.create()
    del job.world.reference.slas[1]
    report = job.run(61)
    assert report.fired == 0 and job.world.ticket_repo.get(ticket.id).escalation_at is None
    assert job.world.ticket_repo.due_entries == {}


def test_a_deleted_ticket_leaves_nothing_due():
    job = Job()
    ticket = job.create()
    job.world.tickets.delete(job.world.admin, ticket.id)
    assert job.run(61).fired == 0 and job.world.ticket_repo.due_entries == {}


def test_pending_reminder_notifies_the_owner_once():
    job = Job()
    agent = job.world.agent
    ticket = job.create(owner_id=agent.id, state=Ref("state", name="pending reminder"),
                        pending_time="2024-03-01T09:10:00Z")
    assert ticket.escalation_at is None  # pending: the clock stands still
    assert job.run(9).examined == 0
    assert job.run(11).fired == 1 and job.run(11).examined == 0
    assert job.kinds() == [(agent.id, "reminder_reached")]
    assert job.mailer.sent[0].subject.startswith("Reminder reached: ")


def test_pending_close_closes_once_even_when_runs_overlap():
    job = Job()
    ticket = job.create(state=Ref("state", name="pending close"), pending_time="2024-03-01T09:10:00Z")
    entries = job.world.ticket_repo.due("2024-03-01T09:11:00.000Z", 10)
    first = job.run(11)
    job.world.ticket_repo.due_entries[ticket.id] = entries[0]
    second = job.run(11)
    assert (first.closed, second.closed) == (1, 0)
    closed = job.world.ticket_repo.get(ticket.id)
    assert closed.state_id == 4 and closed.close_at == "2024-03-01T09:11:00.000Z" and closed.updated_by_id == 1
    assert job.world.ticket_repo.due_entries == {}


def test_a_rescheduled_pending_close_waits_for_its_new_time():
    job = Job()
    ticket = job.create(state=Ref("state", name="pending close"), pending_time="2024-03-01T09:10:00Z")
    job.at(5)
    job.world.tickets.update(job.world.agent, ticket.id, TicketInput(pending_time="2024-03-01T09:30:00Z"))
    assert job.run(11).closed == 0
    assert job.world.ticket_repo.get(ticket.id).state_id == 7
    assert job.run(31).closed == 1


@pytest.mark.parametrize("failing", ["notifications", "mailer"])
def test_a_failing_channel_does_not_stop_the_others(failing):
    job = Job()
    job.create()
    if failing == "notifications":
        job.notifications.fail_next_write = RuntimeError("down")
    else:
        job.mailer.send = lambda mail: (_ for _ in ()).throw(RuntimeError("down"))
    assert job.run(61).fired == 1
    assert len(job.history.history(1, 10)) == 1
