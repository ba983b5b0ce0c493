"""core.notifications: who is notified of which ticket event (never the actor), and the recipient's view."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core import policy
from chalicelib.core.catalog import Ref
from chalicelib.core.errors import NotFound, PermissionDenied
from chalicelib.core.model import ROLE_AGENT, OnlineNotification
from chalicelib.core.notifications import MARK_ALL_LIMIT, Notifier, OnlineNotifications, expired
from chalicelib.core.tickets import ArticleInput, TicketInput
from tests.core.fakes import FakeNotificationRepository, World, make_world


class N:
    """A world whose ticket service announces to a Notifier over a fake repository."""

    def __init__(self, ttl_days: int = 30) -> None:
        self.w: World = make_world()
        self.repo = FakeNotificationRepository()
        self.notifier = Notifier(self.repo, self.w.users, self.w.ids, self.w.clock, ttl_days=ttl_days)
        self.w.tickets.observers.append(self.notifier)
        self.service = OnlineNotifications(self.repo, self.w.clock)

    def of(self, key: str) -> list[OnlineNotification]:
        """Everything the user holds, newest first."""
        return self.repo.page(self.w.principals[key].id, 0, 1000)

    def holders(self) -> dict[str, list[tuple[int, str]]]:
        """key -> [(ticket id, type)] for every user who holds notifications."""
        by_id = {p.id: key for key, p in self.w.principals.items()}
        out: dict[str, list[tuple[int, str]]] = {}
        for n in sorted(self.repo.items.values(), key=lambda n: n.id):
            out.setdefault(by_id.get(n.user_id, str(n.user_id)), []).append((n.o_id, n.type))
        return out


@pytest.fixture()
def n() -> N:
    return N()


def reply() -> TicketInput:
    return TicketInput(article=ArticleInput(body="any news?", type=Ref("type", name="note")))


# --- who gets what -------------------------------------------------------------------------------

def test_customer_creates_ticket_group_agents_are_notified(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.customer_a)
    # agent (full) and reader (read) hold access to group 1; the admin's access is implicit, not explicit
    assert n.holders() == {"agent": [(ticket.id, "create")], "reader": [(ticket.id, "create")]}
    note = n.of("agent")[0]
    assert note.seen is False and note.object == "Ticket" and note.created_by_id == n.w.customer_a.id
    assert note.created_at == ticket.created_at == note.updated_at


def test_the_actor_is_never_notified(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.agent)
    assert n.holders() == {"reader": [(ticket.id, "create")]}


def test_owner_on_create_is_notified_once(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.admin, owner_id=n.w.agent.id)
    assert n.holders() == {"agent": [(ticket.id, "create")], "reader": [(ticket.id, "create")]}


def test_inactive_and_groupless_agents_are_not_notified(n: N) -> None:
    n.w.add_user("retired", "retired@example.com", [ROLE_AGENT], {"1": ["full"]}, active=False)
    n.w.add_user("overviewer", "overview@example.com", [ROLE_AGENT], {"1": ["overview"]})
    ticket = n.w.new_ticket(by=n.w.customer_a)
    assert set(n.holders()) == {"agent", "reader"}
    assert n.holders()["agent"] == [(ticket.id, "create")]


def test_owner_change_notifies_the_new_owner_only(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.admin)
    n.repo.items.clear()
    n.w.tickets.update(n.w.admin, ticket.id, TicketInput(owner_id=n.w.agent.id))
    assert n.holders() == {"agent": [(ticket.id, "update")]}
    n.w.tickets.update(n.w.admin, ticket.id, TicketInput(title="renamed"))   # no owner change: nothing new
    assert n.holders() == {"agent": [(ticket.id, "update")]}


def test_taking_a_ticket_yourself_notifies_nobody(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.admin)
    n.repo.items.clear()
    n.w.tickets.update(n.w.agent, ticket.id, TicketInput(owner_id=n.w.agent.id))
    assert n.holders() == {}


def test_customer_reply_notifies_the_owner(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.admin, owner_id=n.w.agent.id)
    n.repo.items.clear()
    n.w.tickets.add_article(n.w.customer_a, ticket.id, reply().article)
    assert n.holders() == {"agent": [(ticket.id, "update")]}


def test_customer_reply_on_unassigned_ticket_notifies_the_group(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.admin)
    n.repo.items.clear()
    n.w.tickets.add_article(n.w.customer_a, ticket.id, reply().article)
    assert n.holders() == {"agent": [(ticket.id, "update")], "reader": [(ticket.id, "update")]}


def test_agent_articles_notify_nobody(n: N) -> None:
    ticket = n.w.new_ticket(by=n.w.admin, owner_id=n.w.agent.id)
    n.repo.items.clear()
    n.w.tickets.add_article(n.w.admin, ticket.id, ArticleInput(body="working on it"))
    assert n.holders() == {}


def test_ticket_delete_removes_its_notifications(n: N) -> None:
    first = n.w.new_ticket(by=n.w.customer_a)
    second = n.w.new_ticket(by=n.w.customer_a)
    n.w.tickets.delete(n.w.admin, first.id)
    assert n.holders() == {"agent": [(second.id, "create")], "reader": [(second.id, "create")]}


def test_a_failed_notification_write_never_fails_the_ticket_write(n: N) -> None:
    n.repo.fail_next_write = RuntimeError("table unavailable")
    ticket = n.w.new_ticket(by=n.w.customer_a)
    assert n.w.ticket_repo.get(ticket.id) is not None and n.holders() == {}
    n.w.new_ticket(by=n.w.customer_a)
    assert len(n.holders()["agent"]) == 1


def test_notifications_expire_after_the_configured_age() -> None:
    n = N(ttl_days=2)
    n.w.new_ticket(by=n.w.customer_a)
    note = n.of("agent")[0]
    created = int(n.w.clock.now().timestamp()) - 60   # new_ticket lets a minute pass
    assert note.expires_at == created + 2 * 86_400
    n.w.clock.advance(2 * 86_400)
    assert expired(note, int(n.w.clock.now().timestamp()))
    assert n.service.list(n.w.agent, 0, 100) == []
    with pytest.raises(NotFound):
        n.service.get(n.w.agent, note.id)


# --- the recipient's view --------------------------------------------------------------------------

def test_list_is_own_newest_first_and_paged(n: N) -> None:
    tickets = [n.w.new_ticket(by=n.w.customer_a) for _ in range(3)]
    listed = n.service.list(n.w.agent, 0, 100)
    assert [x.o_id for x in listed] == [t.id for t in reversed(tickets)]
    assert all(x.user_id == n.w.agent.id for x in listed)
    assert [x.o_id for x in n.service.list(n.w.agent, 1, 1)] == [tickets[1].id]
    assert n.service.list(n.w.agent, 3, 10) == []
    assert n.service.list(n.w.customer_a, 0, 100) == []


def test_show_own_refuses_others_and_unknown(n: N) -> None:
    n.w.new_ticket(by=n.w.customer_a)
    mine = n.of("agent")[0]
    assert n.service.get(n.w.agent, mine.id) == mine
    with pytest.raises(PermissionDenied):
        n.service.get(n.w.reader, mine.id)
    with pytest.raises(PermissionDenied):
        n.service.get(n.w.admin, mine.id)   # admins too: Zammad's policy is `own?` only
    with pytest.raises(NotFound) as missing:
        n.service.get(n.w.agent, 99_999)
    assert missing.value.message == "Couldn't find OnlineNotification with 'id'=99999"


def test_update_toggles_seen_and_nothing_else(n: N) -> None:
    n.w.new_ticket(by=n.w.customer_a)
    mine = n.of("agent")[0]
    n.w.clock.advance(5)
    seen = n.service.update(n.w.agent, mine.id, True)
    assert seen.seen is True and seen.updated_by_id == n.w.agent.id and seen.updated_at > mine.updated_at
    assert n.repo.get(n.w.agent.id, mine.id).seen is True
    assert n.service.update(n.w.agent, mine.id, None) == seen   # nothing asked: nothing changes
    assert n.service.update(n.w.agent, mine.id, False).seen is False
    with pytest.raises(PermissionDenied):
        n.service.update(n.w.reader, mine.id, True)
    assert n.repo.get(n.w.agent.id, mine.id).seen is False


def test_delete_own_only(n: N) -> None:
    n.w.new_ticket(by=n.w.customer_a)
    mine, theirs = n.of("agent")[0], n.of("reader")[0]
    with pytest.raises(PermissionDenied):
        n.service.delete(n.w.agent, theirs.id)
    n.service.delete(n.w.agent, mine.id)
    assert n.of("agent") == [] and n.of("reader") == [theirs]
    with pytest.raises(NotFound):
        n.service.delete(n.w.agent, mine.id)


def test_mark_all_as_read_marks_the_callers_unseen_ones(n: N) -> None:
    for _ in range(3):
        n.w.new_ticket(by=n.w.customer_a)
    first = n.of("agent")[-1]
    n.service.update(n.w.agent, first.id, True)
    assert n.service.mark_all_as_read(n.w.agent) == 2
    assert all(x.seen and x.updated_by_id == n.w.agent.id for x in n.of("agent"))
    assert not any(x.seen for x in n.of("reader"))
    assert n.service.mark_all_as_read(n.w.agent) == 0


def test_mark_all_as_read_is_bounded(n: N) -> None:
    uid = n.w.agent.id
    n.repo.add_many([OnlineNotification(id=i, user_id=uid, o_id=1) for i in range(1, MARK_ALL_LIMIT + 6)])
    assert n.service.mark_all_as_read(n.w.agent) == MARK_ALL_LIMIT
    assert [x.id for x in n.repo.page(uid, 0, 1000) if not x.seen] == [5, 4, 3, 2, 1]   # the oldest wait


def test_policy_is_ownership() -> None:
    w = make_world()
    note = OnlineNotification(id=1, user_id=w.agent.id, o_id=1)
    assert policy.can_read_notification(w.agent, note) and policy.can_change_notification(w.agent, note)
    for other in (w.admin, w.reader, w.customer_a):
        assert not policy.can_read_notification(other, note)
        assert not policy.can_change_notification(other, replace(note))
