"""The client's side of a ticket, as the numbered Tickets API (seed 004) sees it, over the core's tickets.

- A ticket is addressed by its number; one the caller may not read is "not found" exactly like a number
  that does not exist (no existence leak). Comments are the ticket's articles the caller may read
  (`policy.can_read_article`: internal notes never).
- Topics are the active groups a customer may open tickets in, keyed by a slug of the group's name.
- Close moves the ticket to the first active state of type "closed" (a comment becomes an article, a score
  the ticket's vote); reopen needs a closed ticket and a comment, and moves it to the default follow-up
  state (the group's follow-up rule applies, as to any customer reply).
- Votes: one per ticket (score 1..10) and one per article (1 or -1), each replaced by a later vote, by the
  ticket's customers only (`policy.can_rate_ticket`). Client details (`client_aliased_name`,
  `client_emails`) are the ticket's customers' to change.
- Read state: an article counts as read by the caller when they wrote it or flagged it "Seen" (the same
  per-user article flags as OTRS's customer interface, core.article_flags); `mark_seen` flags the
  articles a client has just been shown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional, Sequence

from . import policy
from .article_flags import SEEN, is_set
from .catalog import Ref
from .errors import Conflict, InvalidInput, NotFound, PermissionDenied
from .model import Article, ClientDetails, Group, Principal, State, Ticket, TicketExtras, Vote
from .ports import ArticleFlagRepository, ClientTicketRepository, Clock, TicketChange
from .tickets import SEARCH_SCAN_CAP, ArticleInput, AttachmentInput, TicketInput, TicketService
from .users import EMAIL, SearchRequest, iso

TICKET_SCORES = range(1, 11)
ARTICLE_SCORES = (1, -1)
FILES_PREFERENCE = "client_file_ids"  # article preference: the uploaded files' uuids, in attachment order
MAX_NUMBER_DIGITS = 19                # a ticket number beyond int64 names no ticket
_SLUG_NOISE = re.compile(r"[^a-z0-9]+")
KEEP = object()                       # set_details: leave this field as it is


@dataclass(frozen=True)
class Topic:
    key: str
    group: Group


@dataclass
class NewComment:
    """What a client writes: the text and the uploaded files (with their uuids) it carries."""
    body: str
    attachments: list[AttachmentInput] = field(default_factory=list)
    file_ids: Sequence[str] = ()

    def article(self, subject: str = "") -> ArticleInput:
        return ArticleInput(body=self.body, subject=subject, content_type="text/plain", type=Ref("type", name="web"),
                            sender=Ref("sender", name="Customer"), attachments=list(self.attachments),
                            preferences={FILES_PREFERENCE: list(self.file_ids)} if self.file_ids else {})


def slug(name: str) -> str:
    """Lower-case ASCII letters and digits joined by "-"; "" when the name has none."""
    return _SLUG_NOISE.sub("-", name.lower()).strip("-")


def topic_keys(groups: Iterable[Group]) -> list[Topic]:
    """Active groups by id, each keyed by its name's slug (`group-<id>` when the name gives none); a slug two
    groups share gets `-<id>` on the later one."""
    topics: list[Topic] = []
    taken: set[str] = set()
    for group in sorted((g for g in groups if g.active), key=lambda g: g.id):
        key = slug(group.name) or f"group-{group.id}"
        if key in taken:
            key = f"{key}-{group.id}"
        taken.add(key)
        topics.append(Topic(key, group))
    return topics


def check_score(score: int, allowed: Iterable[int]) -> None:
    if isinstance(score, bool) or not isinstance(score, int) or score not in allowed:
        raise InvalidInput(f"score must be one of {', '.join(str(s) for s in allowed)}.", field="score")


def check_emails(emails: Iterable[str]) -> tuple[str, ...]:
    cleaned = tuple(e.strip().lower() for e in emails)
    for position, email in enumerate(cleaned):
        if not EMAIL.match(email):
            raise InvalidInput(f"client_emails[{position}] is not an email address.", field="client_emails")
    return tuple(dict.fromkeys(cleaned))


class ClientTickets:
    def __init__(self, tickets: TicketService, store: ClientTicketRepository, flags: ArticleFlagRepository,
                 clock: Clock) -> None:
        self._tickets = tickets
        self._store = store
        self._flags = flags
        self._clock = clock

    # --- reading ----------------------------------------------------------------------------

    def topics(self, principal: Principal) -> list[Topic]:
        return [t for t in topic_keys(self._tickets.catalog().groups)
                if policy.can_create_in_group(principal, t.group.id)]

    def by_number(self, principal: Principal, number: int) -> Ticket:
        """The ticket with this number if the caller may read it; NotFound alike for unknown and hidden ones."""
        ticket = self._tickets.tickets.by_number(str(number)) if 0 < number < 10 ** MAX_NUMBER_DIGITS else None
        if ticket is None or not policy.can_read_ticket(principal, ticket):
            raise NotFound("Ticket", number, "number")
        return ticket

    def search(self, principal: Principal, query: str, closed: Optional[bool]) -> list[Ticket]:
        """The caller's tickets (the core's scope and word search, newest first, at most SEARCH_SCAN_CAP of
        them), only the closed (True) or only the open (False) ones when asked."""
        found = self._tickets.search(principal, SearchRequest(query=query, limit=SEARCH_SCAN_CAP)).tickets
        if closed is None:
            return found
        catalog = self._tickets.catalog()
        return [t for t in found if (state := catalog.state_by_id(t.state_id)) is not None
                and state.is_closed == closed]

    def comments(self, principal: Principal, ticket: Ticket) -> list[Article]:
        """The articles of the ticket the caller may read, oldest first."""
        return sorted(self._tickets.articles(principal, ticket.id)[1], key=lambda a: a.id)

    def comment(self, principal: Principal, article_id: int) -> tuple[Ticket, Article]:
        """An article the caller may read; NotFound alike for unknown ones and others' (or internal) ones."""
        try:
            return self._tickets.article(principal, article_id)
        except (PermissionDenied, NotFound):
            raise NotFound("Comment", article_id) from None

    def extras(self, tickets: Sequence[Ticket]) -> dict[int, TicketExtras]:
        return self._store.extras(t.id for t in tickets) if tickets else {}

    def article_votes(self, ticket: Ticket) -> dict[int, Vote]:
        return self._store.article_votes(ticket.id)

    def unread(self, principal: Principal, tickets: Sequence[Ticket],
               articles: Optional[dict[int, list[Article]]] = None) -> frozenset[int]:
        """Ids of the tickets holding an article the caller may read, did not write and has not seen.
        `articles`: the tickets' articles when the caller has them; else one Query per ticket reads them."""
        unread = set()
        for ticket in tickets:
            shown = articles.get(ticket.id) if articles else None
            if shown is None:
                shown = [a for a in self._tickets.tickets.articles(ticket.id)
                         if policy.can_read_article(principal, ticket, a)]
            if self.unseen_ids(principal, ticket, shown):
                unread.add(ticket.id)
        return frozenset(unread)

    def unseen_ids(self, principal: Principal, ticket: Ticket, articles: Sequence[Article]) -> set[int]:
        """Which of the (readable) articles the caller neither wrote nor flagged Seen: one Query of the flags."""
        candidates = {a.id for a in articles if a.created_by_id != principal.id}
        if not candidates:
            return set()
        flags = self._flags.for_user(ticket.id, principal.id)
        return {aid for aid in candidates if not is_set(flags.get(aid, {}).get(SEEN))}

    # --- writing ----------------------------------------------------------------------------

    def create(self, principal: Principal, summary: str, comment: NewComment, topic_key: Optional[str],
               details: ClientDetails) -> tuple[Ticket, TicketExtras]:
        details = replace(details, emails=check_emails(details.emails))
        topics = self.topics(principal)
        if topic_key is None:
            if not topics:
                raise InvalidInput("No topic is available for new tickets.", field="topic_key")
            topic = topics[0]
        else:
            topic = next((t for t in topics if t.key == topic_key), None)
            if topic is None:
                raise InvalidInput(f"Unknown topic_key '{topic_key}'.", field="topic_key")
        ticket, _ = self._tickets.create(principal, TicketInput(
            title=summary, group=Ref("group", id=topic.group.id), article=comment.article(subject=summary.strip())))
        if details != ClientDetails():
            details = replace(details, updated_at=iso(self._clock))
            self._store.put_details(ticket.id, details)
        return ticket, TicketExtras(None, details)

    def add_comment(self, principal: Principal, ticket: Ticket, comment: NewComment) -> tuple[Ticket, Article]:
        """A reply; on a closed ticket it is a follow-up (the core reopens it, or refuses per the group)."""
        return self._tickets.add_article(principal, ticket.id, comment.article())

    def close(self, principal: Principal, ticket: Ticket, comment: Optional[str], score: Optional[int]) -> Ticket:
        """Closed state, the comment as an article and the score (with the comment) as the ticket's vote."""
        if score is not None:
            check_score(score, TICKET_SCORES)
            policy.require(policy.can_rate_ticket(principal, ticket))
        if self._state(ticket).is_closed:
            raise Conflict("The ticket is closed already.")
        closed = next((s for s in sorted(self._tickets.catalog().states, key=lambda s: s.id)
                       if s.active and s.state_type == "closed"), None)
        if closed is None:
            raise Conflict("No closed state is available.")
        article = NewComment(comment).article() if comment is not None else None
        changed, _ = self._tickets.update(principal, ticket.id, TicketInput(state=Ref("state", id=closed.id),
                                                                             article=article))
        if score is not None:
            self._put_vote(principal, changed.id, None, score, comment)
        return changed

    def reopen(self, principal: Principal, ticket: Ticket, comment: NewComment) -> Ticket:
        state = self._state(ticket)
        if state.state_type != "closed":
            raise Conflict("Only a closed ticket can be reopened." if not state.is_closed
                           else f"A {state.state_type} ticket cannot be reopened.")
        follow_up = self._tickets.catalog().default_follow_up_state()
        changed, _ = self._tickets.update(principal, ticket.id, TicketInput(state=Ref("state", id=follow_up.id),
                                                                             article=comment.article()))
        return changed

    def vote_ticket(self, principal: Principal, ticket: Ticket, score: int, comment: Optional[str]) -> Vote:
        check_score(score, TICKET_SCORES)
        policy.require(policy.can_rate_ticket(principal, ticket))
        return self._put_vote(principal, ticket.id, None, score, comment)

    def vote_article(self, principal: Principal, ticket: Ticket, article: Article, score: int,
                     comment: Optional[str]) -> Vote:
        check_score(score, ARTICLE_SCORES)
        policy.require(policy.can_rate_ticket(principal, ticket)
                       and policy.can_read_article(principal, ticket, article))
        return self._put_vote(principal, ticket.id, article.id, score, comment)

    def set_details(self, principal: Principal, ticket: Ticket, aliased_name: object = KEEP,
                    emails: object = KEEP) -> TicketExtras:
        """Change the given details (KEEP: leave as is; None / (): clear); the ticket's customers only."""
        policy.require(policy.can_change_ticket(principal, ticket) and not principal.is_agent)
        current = self._store.extras([ticket.id])[ticket.id]
        details = current.details
        if aliased_name is not KEEP:
            details = replace(details, aliased_name=aliased_name)
        if emails is not KEEP:
            details = replace(details, emails=check_emails(emails))
        if details != current.details:
            details = replace(details, updated_at=iso(self._clock))
            self._store.put_details(ticket.id, details)
        return TicketExtras(current.vote, details)

    def mark_seen(self, principal: Principal, ticket: Ticket, unseen: Iterable[int]) -> None:
        """Flag the articles Seen for the caller (they have just been shown), keeping their other flags."""
        ids = sorted(set(unseen))
        if not ids:
            return
        flags = self._flags.for_user(ticket.id, principal.id)
        for article_id in ids:
            self._flags.put(ticket.id, article_id, principal.id, {**flags.get(article_id, {}), SEEN: "1"})

    # --- helpers ----------------------------------------------------------------------------

    def _state(self, ticket: Ticket) -> State:
        state = self._tickets.catalog().state_by_id(ticket.state_id)
        if state is None:
            raise Conflict(f"The ticket's state {ticket.state_id} no longer exists.")
        return state

    def _put_vote(self, principal: Principal, ticket_id: int, article_id: Optional[int], score: int,
                  comment: Optional[str]) -> Vote:
        vote = Vote(score=score, user_id=principal.id, created_at=iso(self._clock), comment=comment)
        self._store.put_vote(ticket_id, article_id, vote)
        return vote


class ClientTicketsJanitor:
    """A TicketObserver: a deleted ticket's votes and client details go with it (they live in its partition)."""

    def __init__(self, store: ClientTicketRepository) -> None:
        self._store = store

    def ticket_changed(self, change: TicketChange) -> None:
        if change.kind == "deleted" and change.before is not None:
            self._store.forget_ticket(change.before.id)
