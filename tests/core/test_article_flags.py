"""core.article_flags on fakes: who may flag which article, the Seen marker (`unseen`), limits, the
janitor; and the follow-up rule the OTRS article endpoint relies on (FollowUpRejected)."""
from __future__ import annotations

import pytest

from chalicelib.core.article_flags import MAX_FLAGS_PER_ARTICLE, ArticleFlags, ArticleFlagsJanitor, is_set
from chalicelib.core.catalog import Ref
from chalicelib.core.errors import FollowUpRejected, InvalidInput, NotFound, PermissionDenied
from chalicelib.core.model import Ticket
from chalicelib.core.tickets import ArticleInput, TicketInput
from tests.core.fakes import ARCHIVE_GROUP, FakeArticleFlagRepository, World, make_world


class F:
    def __init__(self) -> None:
        self.w: World = make_world()
        self.repo = FakeArticleFlagRepository()
        self.flags = ArticleFlags(self.w.ticket_repo, self.repo)
        self.w.tickets.observers.append(ArticleFlagsJanitor(self.repo))

    def ticket(self) -> Ticket:
        """Customer A's ticket, opened by the agent (one public article)."""
        return self.w.new_ticket()

    def reply(self, ticket: Ticket, internal: bool = False) -> int:
        _, article = self.w.tickets.add_article(self.w.agent, ticket.id, ArticleInput(body="Reply", internal=internal))
        return article.id

    def current(self, ticket: Ticket) -> Ticket:
        return self.w.ticket_repo.get(ticket.id)


@pytest.fixture()
def f() -> F:
    return F()


def test_set_and_get_are_per_user_and_article(f: F) -> None:
    ticket = f.ticket()
    first = ticket.article_ids[0]
    assert f.flags.set(f.w.customer_a, ticket.id, first, "Seen", "1") == {"Seen": "1"}
    assert f.flags.set(f.w.customer_a, ticket.id, first, "Starred", "yes") == {"Seen": "1", "Starred": "yes"}
    assert f.flags.get(f.w.customer_b, ticket.id, first) == {}       # her colleague keeps his own
    f.flags.set(f.w.customer_b, ticket.id, first, "Seen", "1")        # shared organization: he may read it
    assert f.flags.get(f.w.customer_a, ticket.id, first) == {"Seen": "1", "Starred": "yes"}


def test_unseen_until_every_readable_article_of_others_is_seen(f: F) -> None:
    ticket = f.ticket()
    reply = f.reply(ticket)
    f.reply(ticket, internal=True)                                    # never counts for customers
    a = f.w.customer_a
    assert f.flags.unseen(a, f.current(ticket))
    f.flags.set(a, ticket.id, ticket.article_ids[0], "Seen", "1")
    assert f.flags.unseen(a, f.current(ticket))
    f.flags.set(a, ticket.id, reply, "Seen", "0")                     # Perl-false: still unseen
    assert f.flags.unseen(a, f.current(ticket))
    f.flags.set(a, ticket.id, reply, "Seen", "1")
    assert not f.flags.unseen(a, f.current(ticket))
    f.w.tickets.add_article(a, ticket.id, ArticleInput(body="Thanks"))  # her own article needs no flag
    assert not f.flags.unseen(a, f.current(ticket))
    assert f.flags.unseen(f.w.agent, f.current(ticket))              # the agent has seen nothing yet


def test_unseen_uses_the_articles_given(f: F) -> None:
    ticket = f.ticket()
    articles = f.w.ticket_repo.articles(ticket.id)
    f.flags.set(f.w.customer_a, ticket.id, ticket.article_ids[0], "Seen", "1")
    f.reply(ticket)  # not among the articles handed in
    assert not f.flags.unseen(f.w.customer_a, f.current(ticket), articles)
    assert f.flags.unseen(f.w.customer_a, f.current(ticket))


def test_unseen_needs_read_access(f: F) -> None:
    with pytest.raises(PermissionDenied):
        f.flags.unseen(f.w.customer_c, f.ticket())


def test_who_may_flag_what(f: F) -> None:
    ticket = f.ticket()
    internal = f.reply(ticket, internal=True)
    other = f.w.new_ticket(for_customer=f.w.customer_c)
    with pytest.raises(PermissionDenied):
        f.flags.set(f.w.customer_a, ticket.id, internal, "Seen", "1")
    with pytest.raises(PermissionDenied):                              # the ticket is checked first
        f.flags.set(f.w.customer_a, other.id, 999_999, "Seen", "1")
    with pytest.raises(NotFound):
        f.flags.set(f.w.customer_a, ticket.id, other.article_ids[0], "Seen", "1")  # not this ticket's
    with pytest.raises(NotFound):
        f.flags.set(f.w.customer_a, 999_999, 1, "Seen", "1")
    assert f.flags.set(f.w.agent, ticket.id, internal, "Seen", "1") == {"Seen": "1"}
    assert f.repo.items.keys() == {(ticket.id, internal, f.w.agent.id)}


@pytest.mark.parametrize("name, value, field", [
    ("", "1", "Flag"), ("1Seen", "1", "Flag"), ("Se en", "1", "Flag"), ("x" * 51, "1", "Flag"), (None, "1", "Flag"),
    ("Seen", "", "Value"), ("Seen", "x" * 101, "Value"), ("Seen", 1, "Value"),
])
def test_invalid_flags(f: F, name, value, field: str) -> None:
    ticket = f.ticket()
    with pytest.raises(InvalidInput) as caught:
        f.flags.set(f.w.customer_a, ticket.id, ticket.article_ids[0], name, value)
    assert caught.value.field == field
    assert f.repo.items == {}


def test_flags_per_article_are_bounded(f: F) -> None:
    ticket = f.ticket()
    first = ticket.article_ids[0]
    for number in range(MAX_FLAGS_PER_ARTICLE):
        f.flags.set(f.w.customer_a, ticket.id, first, f"F{number}", "1")
    f.flags.set(f.w.customer_a, ticket.id, first, "F0", "2")           # changing one is fine
    with pytest.raises(InvalidInput):
        f.flags.set(f.w.customer_a, ticket.id, first, "OneTooMany", "1")


def test_flags_go_with_a_deleted_ticket(f: F) -> None:
    kept, doomed = f.ticket(), f.ticket()
    for ticket in (kept, doomed):
        f.flags.set(f.w.customer_a, ticket.id, ticket.article_ids[0], "Seen", "1")
    f.w.tickets.delete(f.w.admin, doomed.id)
    assert {key[0] for key in f.repo.items} == {kept.id}


@pytest.mark.parametrize("value, expected", [(None, False), ("", False), ("0", False), ("1", True), ("yes", True)])
def test_is_set_is_perl_truth(value, expected: bool) -> None:
    assert is_set(value) is expected


# --- the follow-up rule (core.tickets._follow_up) ----------------------------------------------------

def test_a_rejected_follow_up_is_its_own_error_even_with_a_state_chosen(f: F) -> None:
    ticket = f.w.new_ticket(by=f.w.admin, group=Ref("group", id=ARCHIVE_GROUP), state=Ref("state", name="closed"))
    for data in (TicketInput(article=ArticleInput(body="again")),
                 TicketInput(state=Ref("state", name="open"), article=ArticleInput(body="again"))):
        with pytest.raises(FollowUpRejected) as caught:
            f.w.tickets.update(f.w.customer_a, ticket.id, data)
        assert isinstance(caught.value, InvalidInput)  # Zammad still answers it as a 422
    assert f.w.catalog().state_by_id(f.current(ticket).state_id).name == "closed"
    assert len(f.w.ticket_repo.articles(ticket.id)) == 1
