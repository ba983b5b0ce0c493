"""core.customer_notifications: which ticket updates notify the ticket's customer, and the customer's list
(filters, paging, total, tickets) and seen flag, over the fakes."""
from __future__ import annotations

from typing import Optional

import pytest

from chalicelib.core.catalog import Ref
from chalicelib.core.customer_notifications import (LIST_WINDOW, CustomerNotifications, CustomerNotifier,
                                                    NotificationFilter)
from chalicelib.core.errors import NotFound
from chalicelib.core.model import ROLE_AGENT, ROLE_CUSTOMER, Principal, Ticket
from chalicelib.core.notifications import (AGENT_REPLY, STATE_CHANGE, TYPE_LOOKUP_IDS, Notifier,
                                           OnlineNotifications)
from chalicelib.core.tickets import ArticleInput, TicketInput
from chalicelib.core.users import CustomerRef
from tests.core.fakes import FakeNotificationRepository, World, make_world


class C:
    """A world wired as bootstrap wires it: the agents' Notifier and the CustomerNotifier on one store."""

    def __init__(self) -> None:
        self.w: World = make_world()
        self.repo = FakeNotificationRepository()
        notifier = Notifier(self.repo, self.w.users, self.w.ids, self.w.clock)
        self.w.tickets.observers += [notifier, CustomerNotifier(notifier, self.w.users)]
        self.online = OnlineNotifications(self.repo, self.w.clock)
        self.service = CustomerNotifications(self.online, self.w.ticket_repo)

    def kinds(self, who: Principal) -> list[tuple[int, str]]:
        """(ticket id, kind) of everything `who` holds, oldest first."""
        return [(n.o_id, n.type) for n in reversed(self.repo.page(who.id, 0, 1000))]

    def reply(self, ticket: Ticket, by: Optional[Principal] = None, **article: object) -> None:
        self.w.tickets.add_article(by or self.w.agent, ticket.id, ArticleInput(body="We are on it.", **article))
        self.w.clock.advance(60)

    def set_state(self, ticket: Ticket, name: str, by: Optional[Principal] = None) -> None:
        self.w.tickets.update(by or self.w.agent, ticket.id, TicketInput(state=Ref("state", name=name)))
        self.w.clock.advance(60)


@pytest.fixture()
def c() -> C:
    return C()


# --- who is told what --------------------------------------------------------------------------------

def test_an_agents_public_reply_notifies_the_customer(c: C) -> None:
    ticket = c.w.new_ticket()
    assert c.kinds(c.w.customer_a) == []                      # creating it tells the customer nothing
    c.reply(ticket)
    assert c.kinds(c.w.customer_a) == [(ticket.id, AGENT_REPLY)]
    note = c.repo.page(c.w.customer_a.id, 0, 1)[0]
    assert (note.user_id, note.created_by_id, note.seen, note.object) == (c.w.customer_a.id, c.w.agent.id, False,
                                                                          "Ticket")
    assert note.expires_at is not None                         # the online notifications' TTL applies
    assert c.kinds(c.w.customer_b) == []                       # only the ticket's customer, not colleagues


def test_internal_notes_and_agent_articles_sent_as_the_customer_notify_nobody(c: C) -> None:
    ticket = c.w.new_ticket()
    c.reply(ticket, internal=True)
    c.reply(ticket, sender=Ref("sender", name="Customer"))   # a phone call noted in the customer's words
    assert c.kinds(c.w.customer_a) == []


def test_a_state_change_notifies_the_customer(c: C) -> None:
    ticket = c.w.new_ticket()
    c.set_state(ticket, "open")
    c.set_state(ticket, "open")                                # no change: nothing
    c.w.tickets.update(c.w.agent, ticket.id, TicketInput(title="Printer on floor 2"))
    assert c.kinds(c.w.customer_a) == [(ticket.id, STATE_CHANGE)]


def test_a_reply_that_also_closes_gives_both_in_that_order(c: C) -> None:
    ticket = c.w.new_ticket()
    c.w.tickets.update(c.w.agent, ticket.id, TicketInput(state=Ref("state", name="closed"),
                                                         article=ArticleInput(body="Fixed.")))
    assert c.kinds(c.w.customer_a) == [(ticket.id, AGENT_REPLY), (ticket.id, STATE_CHANGE)]


def test_the_pending_close_job_closing_the_ticket_is_a_state_change(c: C) -> None:
    ticket = c.w.new_ticket(state=Ref("state", name="pending close"), pending_time="2024-03-01T09:10:00Z")
    assert c.w.tickets.close_pending(ticket.id, "2024-03-01T09:10:00.000Z") is True   # the job's deadline form
    assert c.kinds(c.w.customer_a) == [(ticket.id, STATE_CHANGE)]
    assert c.repo.page(c.w.customer_a.id, 0, 1)[0].created_by_id == 1     # the system did it


def test_the_customer_acting_is_never_told_but_a_colleague_reopening_is_a_state_change(c: C) -> None:
    ticket = c.w.new_ticket()
    c.set_state(ticket, "closed")
    c.repo.items.clear()
    c.reply(ticket, by=c.w.customer_a)                          # reopens it: the customer did it
    assert c.kinds(c.w.customer_a) == []
    c.set_state(ticket, "closed")
    c.repo.items.clear()
    c.reply(ticket, by=c.w.customer_b)                          # the shared organization's colleague reopens it
    assert c.kinds(c.w.customer_a) == [(ticket.id, STATE_CHANGE)]
    assert c.kinds(c.w.customer_b) == []


def test_inactive_customers_and_agents_as_customers_are_not_told(c: C) -> None:
    retired = c.w.add_user("retired", "retired@example.com", [ROLE_CUSTOMER], active=False)
    both = c.w.add_user("both", "both@example.com", [ROLE_AGENT, ROLE_CUSTOMER], {"2": ["full"]})
    for customer in (retired, both):
        ticket = c.w.new_ticket(by=c.w.admin, customer=CustomerRef(id=customer.id))
        c.reply(ticket)
        assert c.kinds(customer) == [], customer.user.login


def test_the_agents_notifications_are_unchanged(c: C) -> None:
    ticket = c.w.new_ticket(by=c.w.customer_a)
    c.reply(ticket, by=c.w.admin)
    c.set_state(ticket, "open", by=c.w.admin)
    assert c.kinds(c.w.agent) == [(ticket.id, "create")]     # agents are told of the create, not of agents' work


def test_a_failing_write_leaves_the_ticket_update_standing(c: C) -> None:
    ticket = c.w.new_ticket()
    c.repo.fail_next_write = RuntimeError("table unavailable")
    c.reply(ticket)
    assert len(c.w.ticket_repo.articles(ticket.id)) == 2 and c.kinds(c.w.customer_a) == []


def test_zammad_names_the_new_kinds_with_lookup_ids_of_their_own() -> None:
    ids = [TYPE_LOOKUP_IDS[AGENT_REPLY], TYPE_LOOKUP_IDS[STATE_CHANGE]]
    assert len(set(TYPE_LOOKUP_IDS.values())) == len(TYPE_LOOKUP_IDS) and min(ids) > 5


# --- the customer's list ---------------------------------------------------------------------------------

def replies(c: C, count: int) -> list[Ticket]:
    tickets = [c.w.new_ticket(title=f"Problem {i}") for i in range(count)]
    for ticket in tickets:
        c.reply(ticket)
    return tickets


def test_list_is_newest_first_paged_and_counted(c: C) -> None:
    tickets = replies(c, 5)
    everything = c.service.page(c.w.customer_a, NotificationFilter(), 0, 10)
    assert [n.o_id for n in everything.notifications] == [t.id for t in reversed(tickets)]
    assert everything.total == 5 and set(everything.tickets) == {t.id for t in tickets}
    second = c.service.page(c.w.customer_a, NotificationFilter(), 2, 2)
    assert [n.o_id for n in second.notifications] == [tickets[2].id, tickets[1].id] and second.total == 5
    assert set(second.tickets) == {tickets[2].id, tickets[1].id}            # only the page's tickets are read
    beyond = c.service.page(c.w.customer_a, NotificationFilter(), 10, 2)
    assert beyond.notifications == [] and beyond.total == 5


def test_list_filters_by_seen_and_object_type(c: C) -> None:
    replies(c, 3)
    newest = c.service.page(c.w.customer_a, NotificationFilter(), 0, 1).notifications[0]
    c.service.mark_seen(c.w.customer_a, newest.id)
    seen = c.service.page(c.w.customer_a, NotificationFilter(seen=True), 0, 10)
    unseen = c.service.page(c.w.customer_a, NotificationFilter(seen=False), 0, 10)
    assert [n.id for n in seen.notifications] == [newest.id] and seen.total == 1
    assert newest.id not in [n.id for n in unseen.notifications] and unseen.total == 2
    assert c.service.page(c.w.customer_a, NotificationFilter(object_type="Ticket"), 0, 10).total == 3
    assert c.service.page(c.w.customer_a, NotificationFilter(object_type="Appointment"), 0, 10).total == 0


def test_list_shows_only_the_callers_and_hides_tickets_no_longer_theirs(c: C) -> None:
    mine, moved = replies(c, 2)
    assert c.service.page(c.w.customer_c, NotificationFilter(), 0, 10).total == 0
    c.w.tickets.update(c.w.agent, moved.id, TicketInput(customer=CustomerRef(id=c.w.customer_c.id)))
    page = c.service.page(c.w.customer_a, NotificationFilter(), 0, 10)
    assert [n.o_id for n in page.notifications] == [mine.id] and moved.id not in page.tickets


def test_list_reads_a_bounded_window(c: C) -> None:
    ticket = c.w.new_ticket()
    for _ in range(LIST_WINDOW + 3):
        c.set_state(ticket, "open")
        c.set_state(ticket, "new")
    page = c.service.page(c.w.customer_a, NotificationFilter(), 0, 5)
    assert page.total == LIST_WINDOW and len(page.notifications) == 5


# --- seen ---------------------------------------------------------------------------------------------------

def test_mark_seen_own_only_and_others_look_missing(c: C) -> None:
    replies(c, 1)
    note = c.repo.page(c.w.customer_a.id, 0, 1)[0]
    with pytest.raises(NotFound):
        c.service.mark_seen(c.w.customer_b, note.id)           # someone else's: as if it did not exist
    with pytest.raises(NotFound):
        c.service.mark_seen(c.w.customer_a, 999_999)
    assert c.repo.get(c.w.customer_a.id, note.id).seen is False
    c.service.mark_seen(c.w.customer_a, note.id)
    c.service.mark_seen(c.w.customer_a, note.id)                # again: still fine
    assert c.repo.get(c.w.customer_a.id, note.id).seen is True


def test_mark_all_seen_marks_the_callers_only(c: C) -> None:
    replies(c, 2)
    other = c.w.new_ticket(customer=CustomerRef(id=c.w.customer_c.id))
    c.reply(other)
    assert c.service.mark_all_seen(c.w.customer_a) == 2
    assert c.service.page(c.w.customer_a, NotificationFilter(seen=False), 0, 10).total == 0
    assert c.service.page(c.w.customer_c, NotificationFilter(seen=False), 0, 10).total == 1
    assert c.service.mark_all_seen(c.w.customer_a) == 0
