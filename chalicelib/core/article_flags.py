"""Per-user article flags: OTRS's `article_flag` ("Seen", and any other key a client sets), what the
OTRS customer API's `POST .../article/{ArticleID}/flag` writes and the ticket list's `Marker` reads.

A flag belongs to one user and one article; reading or setting it needs read access to the article
(`policy.can_read_article`: customers never flag internal articles). Values are strings as OTRS keeps
them; a flag counts as set when its value is Perl-true (not "" and not "0"), as OTRS tests it.
"""
from __future__ import annotations

import re
from typing import Optional

from . import policy
from .errors import InvalidInput, NotFound
from .model import Article, Principal, Ticket
from .ports import ArticleFlagRepository, TicketChange, TicketRepository

SEEN = "Seen"
FLAG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,49}$")
MAX_VALUE_LENGTH = 100
MAX_FLAGS_PER_ARTICLE = 20  # per user: bounds the item whatever a client sends


def is_set(value: Optional[str]) -> bool:
    """OTRS tests flags for Perl truth: absent, "" and "0" are not set."""
    return value not in (None, "", "0")


class ArticleFlags:
    def __init__(self, tickets: TicketRepository, flags: ArticleFlagRepository) -> None:
        self._tickets = tickets
        self._flags = flags

    def set(self, principal: Principal, ticket_id: int, article_id: int, name: str, value: str) -> dict[str, str]:
        """Set one flag of the caller's on the article; returns all of the caller's flags on it."""
        if not isinstance(name, str) or not FLAG_NAME.match(name):
            raise InvalidInput("Flag must be 1-50 letters, digits or _.:- starting with a letter.", field="Flag")
        if not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
            raise InvalidInput(f"Value must be a string of 1-{MAX_VALUE_LENGTH} characters.", field="Value")
        ticket, article = self.readable(principal, ticket_id, article_id)
        flags = self._flags.get(ticket.id, article.id, principal.id)
        if flags.get(name) == value:
            return flags  # nothing to write
        if name not in flags and len(flags) >= MAX_FLAGS_PER_ARTICLE:
            raise InvalidInput(f"At most {MAX_FLAGS_PER_ARTICLE} flags per article.", field="Flag")
        flags[name] = value
        self._flags.put(ticket.id, article.id, principal.id, flags)
        return flags

    def get(self, principal: Principal, ticket_id: int, article_id: int) -> dict[str, str]:
        ticket, article = self.readable(principal, ticket_id, article_id)
        return self._flags.get(ticket.id, article.id, principal.id)

    def unseen(self, principal: Principal, ticket: Ticket, articles: Optional[list[Article]] = None) -> bool:
        """Whether the ticket holds an article the caller may read, did not write and has not flagged
        Seen (OTRS's "Unread" marker). `articles`: the ticket's articles when the caller has them
        already (a ticket view); otherwise one Query reads them. The flags are one more Query."""
        policy.require(policy.can_read_ticket(principal, ticket))
        if articles is None:
            articles = self._tickets.articles(ticket.id)
        candidates = [a.id for a in articles
                      if a.ticket_id == ticket.id and a.created_by_id != principal.id
                      and policy.can_read_article(principal, ticket, a)]
        if not candidates:
            return False
        flags = self._flags.for_user(ticket.id, principal.id)
        return any(not is_set(flags.get(article_id, {}).get(SEEN)) for article_id in candidates)

    def readable(self, principal: Principal, ticket_id: int, article_id: int) -> tuple[Ticket, Article]:
        """The ticket and its article, if the caller may read that article. The ticket's permission is
        checked before the article is looked at, so nobody learns which article ids exist elsewhere."""
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("Ticket", ticket_id)
        policy.require(policy.can_read_ticket(principal, ticket))
        article = self._tickets.article(article_id)
        if article is None or article.ticket_id != ticket.id:
            raise NotFound("Ticket::Article", article_id)
        policy.require(policy.can_read_article(principal, ticket, article))
        return ticket, article


class ArticleFlagsJanitor:
    """A TicketObserver: a deleted ticket's article flags go with it (they live in its partition)."""

    def __init__(self, flags: ArticleFlagRepository) -> None:
        self._flags = flags

    def ticket_changed(self, change: TicketChange) -> None:
        if change.kind == "deleted" and change.before is not None:
            self._flags.forget_ticket(change.before.id)
