"""OTRS ticket attributes the Zammad-shaped core has no column for, kept on the ticket itself so every
dialect sees the same state (Zammad's /api/v1 shows them in the ticket's `preferences`):

- lock (`otrs_lock`: "lock" or "tmp_lock"; absent = "unlock"). The lock's holder is the owner, as in OTRS.
- archive flag (`otrs_archive_flag`: "y"; absent = "n").
- responsible agent (`otrs_responsible_id`; absent = the owner, as the OTRS customer dialect shows it).
- watchers (`otrs_watcher_ids`: sorted agent ids).

One flat preference key per attribute: TicketService.update merges preferences key by key, so changes
of different attributes never overwrite each other. Watching is not a change of the ticket (no history,
no `updated_at`): TicketWatchers writes it with the repository's version check, retrying on a conflict.

Also here: adding a file to an existing article (RS4OTRS createAttachment), bytes first, then the
article item, each attempt checked against the article's version.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Optional, Protocol

from . import policy
from .errors import Conflict, NotFound
from .model import SYSTEM_USER_ID, Article, Attachment, Principal, Ticket
from .ports import BlobStore, IdAllocator, NewBlob, PushTokenRepository, TicketRepository
from .tickets import AttachmentInput, AttachmentLimits, TicketService, blob_key

log = logging.getLogger(__name__)

LOCK_KEY = "otrs_lock"
ARCHIVE_KEY = "otrs_archive_flag"
RESPONSIBLE_KEY = "otrs_responsible_id"
WATCHERS_KEY = "otrs_watcher_ids"
LOCKS = {1: "unlock", 2: "lock", 3: "tmp_lock"}  # OTRS's ticket_lock_type ids
LOCK_IDS = {name: lock_id for lock_id, name in LOCKS.items()}
UNLOCKED = "unlock"
SAVE_ATTEMPTS = 5


def lock_name(ticket: Ticket) -> str:
    value = ticket.preferences.get(LOCK_KEY)
    return value if value in LOCK_IDS else UNLOCKED


def lock_id(ticket: Ticket) -> int:
    return LOCK_IDS[lock_name(ticket)]


def locked_by(ticket: Ticket) -> Optional[int]:
    """The agent holding the lock (OTRS: the owner of a locked ticket), None when unlocked."""
    if lock_name(ticket) == UNLOCKED or ticket.owner_id == SYSTEM_USER_ID:
        return None
    return ticket.owner_id


def lock_preferences(name: str) -> dict[str, Any]:
    """The preference change that sets the lock ("unlock" clears it to None: absent and None read alike)."""
    return {LOCK_KEY: None if name == UNLOCKED else name}


def is_archived(ticket: Ticket) -> bool:
    return ticket.preferences.get(ARCHIVE_KEY) == "y"


def archive_preferences(archived: bool) -> dict[str, Any]:
    return {ARCHIVE_KEY: "y" if archived else None}


def responsible_id(ticket: Ticket) -> int:
    value = ticket.preferences.get(RESPONSIBLE_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else ticket.owner_id


def responsible_preferences(user_id: int) -> dict[str, Any]:
    return {RESPONSIBLE_KEY: user_id}


def watcher_ids(ticket: Ticket) -> list[int]:
    value = ticket.preferences.get(WATCHERS_KEY)
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


class TicketWatchers:
    """Agents watching a ticket (OTRS's ticket_watcher): who may read the ticket may watch it."""

    def __init__(self, tickets: TicketRepository) -> None:
        self._tickets = tickets

    def set(self, principal: Principal, ticket_id: int, watching: bool) -> Ticket:
        for _ in range(SAVE_ATTEMPTS):
            ticket = self._tickets.get(ticket_id)
            if ticket is None:
                raise NotFound("Ticket", ticket_id)
            policy.require(policy.otrs_permission(principal, ticket.group_id, "ro"))
            current = set(watcher_ids(ticket))
            wanted = current | {principal.id} if watching else current - {principal.id}
            if wanted == current:
                return ticket
            changed = replace(ticket, preferences={**ticket.preferences, WATCHERS_KEY: sorted(wanted)})
            try:
                self._tickets.save(changed, ticket.version)
            except Conflict:
                continue
            return changed
        raise Conflict("The ticket was changed by someone else at the same time, please retry.")


class ArticleAttachmentRepository(Protocol):
    def article_version(self, ticket_id: int, article_id: int) -> Optional[tuple[Article, int]]:
        """The article (of that ticket) and its item's version, or None."""
    def save_attachments(self, article: Article, expected_version: int) -> None:
        """Write the article's attachment list if the item still has `expected_version` (else Conflict)."""


class ArticleAttachments:
    """A file added to an article that exists already (the agent may add notes to the ticket's group)."""

    def __init__(self, tickets: TicketRepository, store: ArticleAttachmentRepository, blobs: BlobStore,
                 ids: IdAllocator, limits: AttachmentLimits) -> None:
        self._tickets = tickets
        self._store = store
        self._blobs = blobs
        self._ids = ids
        self._limits = limits

    def newest_article_id(self, principal: Principal, ticket_id: int) -> Optional[int]:
        """The ticket's newest article (where a file sent with only a TicketID goes), after the check."""
        ticket = self.writable(principal, ticket_id)
        return ticket.article_ids[-1] if ticket.article_ids else None

    def writable(self, principal: Principal, ticket_id: int) -> Ticket:
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("Ticket", ticket_id)
        policy.require(any(policy.otrs_permission(principal, ticket.group_id, name) for name in ("note", "create")))
        return ticket

    def add(self, principal: Principal, ticket_id: int, article_id: int, upload: AttachmentInput) -> Attachment:
        self.writable(principal, ticket_id)
        self._limits.check_size(len(upload.data), f"Attachment '{upload.filename}'")
        attachment_id = self._ids.next_id("attachment")
        key = blob_key(ticket_id, article_id, attachment_id)
        written = False
        try:
            for _ in range(SAVE_ATTEMPTS):
                found = self._store.article_version(ticket_id, article_id)
                if found is None:
                    raise NotFound("Ticket::Article", article_id)
                article, version = found
                self._limits.check_count(len(article.attachments) + 1)
                blobs: list[NewBlob] = []
                TicketService._attach(article, blobs, attachment_id, upload, None)
                if not written:
                    self._blobs.put(blobs[0])
                    written = True
                try:
                    self._store.save_attachments(article, version)
                except Conflict:
                    continue
                return article.attachments[-1]
            raise Conflict("The article was changed by someone else at the same time, please retry.")
        except BaseException:
            if written:
                try:
                    self._blobs.delete([key])
                except Exception:  # the original error matters more
                    log.exception("could not remove the blob of a failed attachment: %s", key)
            raise


def needs_push_token(tokens: PushTokenRepository, user_id: int) -> bool:
    """RS4OTRS's NeedTokenUpdate: the agent has no device token registered (setPushNotificationToken)."""
    return user_id not in tokens.get_many([user_id])
