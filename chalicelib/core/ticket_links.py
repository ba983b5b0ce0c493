"""Tags, links, merge and history of tickets (Zammad's /tags, /tag_list, /links, /ticket_merge,
/ticket_history): load -> authorize (core.policy) -> change -> save, on top of TicketService.

History is derived data: `HistoryRecorder` observes every committed ticket write (TicketObserver) and
writes Zammad's history lines; tag, link and merge operations add their own lines explicitly.
`TicketLinksJanitor` removes a deleted ticket's tags, links (both sides) and history.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Optional

from . import policy
from .errors import InvalidInput, NotFound
from .model import (LINK_TYPES, SYSTEM_USER_ID, Article, HistoryEntry, Principal, TagItem, Ticket, TicketLink,
                    TicketTag)
from .ports import (BlobStore, Clock, IdAllocator, NewBlob, SearchIndex, TicketChange, TicketLinkRepository,
                    TicketMoves)
from .text import html_to_text, tokens
from .tickets import INTERNAL_TOKEN, TicketService, blob_key
from .users import iso

log = logging.getLogger(__name__)

HISTORY_LIMIT = 1000          # lines a history answer reads at most
TAG_LIST_LIMIT = 1000         # Zammad's admin tag list default
TAG_SEARCH_SCAN = 1000        # registry items a tag search examines at most
TAG_SEARCH_DEFAULT_LIMIT = 10
TAG_NAME_MAX = 250
TAG_ADMIN_TICKET_LIMIT = 10000  # tickets a rename/delete of a tag walks at most
MERGE_ARTICLE_LIMIT = 30      # one DynamoDB transaction holds 100 items: 3 per moved article + 5
MERGED_STATE_TYPE = "merged"

# Ticket attributes whose changes the history records: (history_attribute, Ticket field, kind)
TRACKED: tuple[tuple[str, str, str], ...] = (
    ("title", "title", "text"),
    ("state", "state_id", "state"),
    ("priority", "priority_id", "priority"),
    ("group", "group_id", "group"),
    ("owner", "owner_id", "user"),
    ("customer", "customer_id", "user"),
    ("organization", "organization_id", "organization"),
    ("pending_time", "pending_time", "text"),
    ("type", "type", "text"),
    ("note", "note", "text"),
)


# --- history from ticket writes --------------------------------------------------------------------

class HistoryRecorder:
    """A TicketObserver: Zammad's history lines for ticket creates, attribute changes and new articles."""

    def __init__(self, repository: TicketLinkRepository, ids: IdAllocator, catalog: Callable[[], Any],
                 users: Any, organizations: Optional[Callable[[Iterable[Optional[int]]], dict]] = None) -> None:
        self._repo = repository
        self._ids = ids
        self._catalog = catalog
        self._users = users              # UserDirectory-like: many(ids) -> {id: User}
        self._organizations = organizations

    def ticket_changed(self, change: TicketChange) -> None:
        if change.kind == "deleted":
            return
        ticket = change.after
        assert ticket is not None
        drafts: list[dict[str, Any]] = []
        if change.kind == "created":
            drafts.append({"o_id": ticket.id, "history_type": "created", "history_object": "Ticket"})
        elif change.before is not None:
            drafts += self._updates(change.before, ticket)
        if change.article is not None:
            drafts.append({"o_id": change.article.id, "history_type": "created", "history_object": "Ticket::Article",
                           "related_o_id": ticket.id, "related_history_object": "Ticket"})
        if drafts:
            write_history(self._repo, self._ids, ticket.id, change.actor.id, change.at, drafts)

    def _updates(self, before: Ticket, after: Ticket) -> list[dict[str, Any]]:
        changed = [(attr, name, kind) for attr, name, kind in TRACKED if getattr(before, name) != getattr(after, name)]
        custom = _custom_changes(before, after)
        if not changed:
            return custom
        user_ids = {getattr(t, name) for _, name, kind in changed if kind == "user" for t in (before, after)}
        users = self._users.many(user_ids) if user_ids else {}
        org_ids = {getattr(t, name) for _, name, kind in changed if kind == "organization" for t in (before, after)}
        orgs = self._organizations(org_ids) if org_ids and self._organizations else {}
        catalog = self._catalog()
        lookups: dict[str, Callable[[Any], Optional[str]]] = {
            "state": lambda v: _name(catalog.state_by_id(v)),
            "priority": lambda v: _name(catalog.priority_by_id(v)),
            "group": lambda v: _name(catalog.group_by_id(v)),
            "user": lambda v: users[v].fullname if v in users else None,
            "organization": lambda v: _name(orgs.get(v)),
        }
        drafts = []
        for attribute, name, kind in changed:
            old, new = getattr(before, name), getattr(after, name)
            draft: dict[str, Any] = {"o_id": after.id, "history_type": "updated", "history_object": "Ticket",
                                     "history_attribute": attribute}
            if kind == "text":
                draft.update(value_from=old, value_to=new)
            else:
                draft.update(value_from=lookups[kind](old) if old is not None else None,
                             value_to=lookups[kind](new) if new is not None else None, id_from=old, id_to=new)
            drafts.append(draft)
        return drafts + custom


def _custom_changes(before: Ticket, after: Ticket) -> list[dict[str, Any]]:
    """Custom ticket fields (object_manager_attributes) are history attributes under their own names."""
    old, new = getattr(before, "attributes", None) or {}, getattr(after, "attributes", None) or {}
    return [{"o_id": after.id, "history_type": "updated", "history_object": "Ticket", "history_attribute": name,
             "value_from": _text(old.get(name)), "value_to": _text(new.get(name))}
            for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]


def _text(value: Any) -> Optional[str]:
    return None if value is None else str(value)


class TicketLinksJanitor:
    """A TicketObserver: a deleted ticket's tags, links and history go with it (no orphans)."""

    def __init__(self, repository: TicketLinkRepository) -> None:
        self._repo = repository

    def ticket_changed(self, change: TicketChange) -> None:
        if change.kind == "deleted" and change.before is not None:
            self._repo.forget_ticket(change.before.id)


def write_history(repo: TicketLinkRepository, ids: IdAllocator, ticket_id: int, actor_id: int, at: str,
                  drafts: list[dict[str, Any]]) -> list[HistoryEntry]:
    entry_ids = ids.next_ids("history", len(drafts))
    entries = [HistoryEntry(id=entry_id, ticket_id=ticket_id, created_by_id=actor_id, created_at=at, **draft)
               for entry_id, draft in zip(entry_ids, drafts)]
    repo.append_history(entries)
    return entries


def _name(item: Any) -> Optional[str]:
    return getattr(item, "name", None) if item is not None else None


# --- the service -----------------------------------------------------------------------------------

@dataclass
class LinkRequest:
    """Zammad's /links/add and /links/remove parameters (objects other than Ticket are refused)."""
    link_type: str
    target_id: int
    source_number: Optional[str] = None
    source_id: Optional[int] = None


@dataclass
class LinkedTickets:
    links: list[TicketLink]
    tickets: dict[int, Ticket]


@dataclass
class MergeResult:
    target: Ticket
    source: Ticket


class MergeFailed(NotFound):
    """Zammad answers a merge with an unknown ticket `200 {"result": "failed", "message": ...}`."""

    def __init__(self, message: str) -> None:
        super().__init__("Ticket", None)
        self.message = message
        self.args = (message,)


class TicketLinkService:
    def __init__(self, tickets: TicketService, repository: TicketLinkRepository, moves: TicketMoves,
                 blobs: BlobStore, search: SearchIndex, ids: IdAllocator, clock: Clock) -> None:
        self._tickets = tickets
        self._repo = repository
        self._moves = moves
        self._blobs = blobs
        self._search = search
        self._ids = ids
        self._clock = clock

    def _load(self, ticket_id: int) -> Ticket:
        ticket = self._tickets.tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("Ticket", ticket_id)
        return ticket

    def _history(self, ticket_id: int, principal: Principal, at: str, drafts: list[dict[str, Any]]) -> None:
        """Explicit history lines are derived data too: a failure is logged, the change stands."""
        try:
            write_history(self._repo, self._ids, ticket_id, principal.id, at, drafts)
        except Exception:
            log.exception("writing ticket history failed")

    # --- history ---------------------------------------------------------------------------

    def history(self, principal: Principal, ticket_id: int) -> tuple[Ticket, list[HistoryEntry]]:
        ticket = self._load(ticket_id)
        policy.require(policy.can_read_ticket_history(principal, ticket))
        return ticket, self._repo.history(ticket_id, HISTORY_LIMIT)

    # --- tags ------------------------------------------------------------------------------

    def tags(self, principal: Principal, ticket_id: int) -> list[str]:
        ticket = self._load(ticket_id)
        policy.require(policy.can_read_ticket_tags(principal, ticket))
        return [t.name for t in self._repo.tags(ticket_id)]

    def add_tag(self, principal: Principal, ticket_id: int, name: str) -> bool:
        ticket = self._load(ticket_id)
        policy.require(policy.can_change_ticket_tags(principal, ticket))
        name = _tag_name(name)
        item = self._registered(name)
        now = iso(self._clock)
        if self._repo.add_tag(ticket_id, TicketTag(item.name, principal.id, now), item):
            self._history(ticket_id, principal, now, [{"o_id": ticket_id, "history_type": "added",
                                                       "history_attribute": "tag", "value_to": item.name}])
        return True

    def remove_tag(self, principal: Principal, ticket_id: int, name: str) -> bool:
        ticket = self._load(ticket_id)
        policy.require(policy.can_change_ticket_tags(principal, ticket))
        name = _tag_name(name)
        if self._repo.remove_tag(ticket_id, name):
            item = self._repo.tag_item(name)
            self._history(ticket_id, principal, iso(self._clock), [{
                "o_id": ticket_id, "history_type": "removed", "history_attribute": "tag",
                "value_to": item.name if item else name}])
        return True

    def _registered(self, name: str) -> TagItem:
        return self._repo.tag_item(name) or self._repo.create_tag_item(TagItem(self._ids.next_id("tag"), name))

    def search_tags(self, principal: Principal, term: str, limit: int) -> list[TagItem]:
        """Zammad's tag_search: names holding the term (by name); without a term the most used."""
        policy.require(policy.can_search_tags(principal))
        items = self._repo.tag_items(TAG_SEARCH_SCAN)
        term = (term or "").strip().lower()
        if not term:
            return sorted(items, key=lambda i: (-i.count, i.name.lower()))[:limit]
        return [i for i in items if term in i.name.lower()][:limit]

    def tag_list(self, principal: Principal, limit: int = TAG_LIST_LIMIT) -> list[TagItem]:
        policy.require(policy.can_manage_tags(principal))
        return self._repo.tag_items(limit)

    def create_tag(self, principal: Principal, name: str) -> TagItem:
        policy.require(policy.can_manage_tags(principal))
        return self._registered(_tag_name(name))

    def rename_tag(self, principal: Principal, tag_id: int, name: str) -> TagItem:
        """Zammad's Tag::Item.rename: every ticket carrying the tag carries the new name; renaming onto an
        existing name merges the two."""
        policy.require(policy.can_manage_tags(principal))
        item = self._tag_item(tag_id)
        name = _tag_name(name)
        if name == item.name:
            return item
        now = iso(self._clock)
        tagged = self._repo.tagged_tickets(item.name, TAG_ADMIN_TICKET_LIMIT)
        if name.lower() == item.name.lower():  # the same key, another spelling
            for ticket_id in tagged:
                self._repo.remove_tag(ticket_id, item.name)
                self._repo.add_tag(ticket_id, TicketTag(name, principal.id, now), item)
            return self._repo.rename_tag_item(item, name)
        new_item = self._repo.tag_item(name)
        if new_item is None:  # a new name: the item keeps its id (Zammad renames the Tag::Item)
            self._repo.delete_tag_item(item)
            new_item = self._repo.create_tag_item(TagItem(item.id, name))
        for ticket_id in tagged:
            self._repo.remove_tag(ticket_id, item.name)
            self._repo.add_tag(ticket_id, TicketTag(new_item.name, principal.id, now), new_item)
        if new_item.id != item.id:
            self._repo.delete_tag_item(item)
        return new_item

    def delete_tag(self, principal: Principal, tag_id: int) -> None:
        policy.require(policy.can_manage_tags(principal))
        item = self._tag_item(tag_id)
        for ticket_id in self._repo.tagged_tickets(item.name, TAG_ADMIN_TICKET_LIMIT):
            self._repo.remove_tag(ticket_id, item.name)
        self._repo.delete_tag_item(item)

    def _tag_item(self, tag_id: int) -> TagItem:
        item = self._repo.tag_item_by_id(tag_id)
        if item is None:
            raise NotFound("Tag::Item", tag_id)
        return item

    # --- links -----------------------------------------------------------------------------

    def links(self, principal: Principal, ticket_id: int) -> LinkedTickets:
        """The ticket's links to tickets the caller may read; links to deleted tickets are dropped."""
        ticket = self._load(ticket_id)
        policy.require(policy.can_read_ticket_links(principal, ticket))
        links = self._repo.links(ticket_id)
        others = self._tickets.tickets.get_many({link.other_id for link in links}) if links else {}
        visible = [link for link in links
                   if link.other_id in others and policy.can_read_ticket(principal, others[link.other_id])]
        return LinkedTickets(visible, {link.other_id: others[link.other_id] for link in visible})

    def overview(self, principal: Principal, ticket: Ticket) -> tuple[list[TicketLink], list[str]]:
        """What a ticket's full view (`GET /tickets/{id}?all=true`) adds: its readable links, and its
        tags for those who may read tags (customers may not)."""
        links = self.links(principal, ticket.id).links
        may_read_tags = policy.can_read_ticket_tags(principal, ticket)
        return links, [t.name for t in self._repo.tags(ticket.id)] if may_read_tags else []

    def _link_ends(self, principal: Principal, request: LinkRequest, adding: bool) -> tuple[Ticket, Ticket]:
        target = self._load(request.target_id)
        source: Optional[Ticket] = None
        if request.source_number not in (None, ""):
            source = self._tickets.tickets.by_number(str(request.source_number))
        if source is None and request.source_id is not None:
            source = self._tickets.tickets.get(request.source_id)
        policy.require(policy.can_change_ticket_links(principal, target))
        if source is None:
            raise InvalidInput("The object could not be found.")
        policy.require(policy.can_read_ticket(principal, source))
        if not request.link_type:
            raise InvalidInput("The required value 'link_type' is missing.", field="link_type")
        if request.link_type not in LINK_TYPES:
            raise InvalidInput(f"Invalid link_type '{request.link_type}' (normal, parent or child)",
                               field="link_type")
        if adding and source.id == target.id:
            raise InvalidInput("A ticket cannot be linked to itself.")
        return target, source

    def add_link(self, principal: Principal, request: LinkRequest) -> TicketLink:
        """Zammad's Link.add(link_type, source, target): the target sees the source as its `link_type`."""
        target, source = self._link_ends(principal, request, adding=True)
        now = iso(self._clock)
        link = TicketLink(target.id, request.link_type, source.id, principal.id, now)
        if self._repo.add_link(link):
            self._link_history(principal, now, link, target, source, "added")
        return link

    def remove_link(self, principal: Principal, request: LinkRequest) -> list[TicketLink]:
        target, source = self._link_ends(principal, request, adding=False)
        link = TicketLink(target.id, request.link_type, source.id)
        if not self._repo.remove_link(link):
            return []
        self._link_history(principal, iso(self._clock), link, target, source, "removed")
        return [link]

    def _link_history(self, principal: Principal, now: str, link: TicketLink, target: Ticket, source: Ticket,
                      history_type: str) -> None:
        back = link.inverse()
        self._history(target.id, principal, now, [{
            "o_id": target.id, "history_type": history_type, "history_attribute": "link",
            "value_from": link.link_type, "value_to": source.number, "id_to": source.id}])
        self._history(source.id, principal, now, [{
            "o_id": source.id, "history_type": history_type, "history_attribute": "link",
            "value_from": back.link_type, "value_to": target.number, "id_to": target.id}])

    # --- merge -----------------------------------------------------------------------------

    def merge(self, principal: Principal, source_id: Optional[int], target_number: str) -> MergeResult:
        """Zammad's ticket_merge + Ticket#merge_to: the source's articles move to the target, the source
        gets a `merged` note, state merged, no owner, and becomes the target's child; both get history."""
        policy.require(principal.is_agent)
        target = self._tickets.tickets.by_number(target_number)
        if target is None:
            raise MergeFailed("The target ticket number could not be found.")
        policy.require(policy.can_merge_ticket(principal, target))
        source = self._tickets.tickets.get(source_id) if source_id is not None else None
        if source is None:
            raise MergeFailed("The source ticket could not be found.")
        policy.require(policy.can_merge_ticket(principal, source))
        catalog = self._tickets.catalog()
        for ticket in (target, source):
            state = catalog.state_by_id(ticket.state_id)
            if state is not None and state.state_type == MERGED_STATE_TYPE:
                raise InvalidInput("ticket already merged, no merge into merged ticket possible")
        if source.id == target.id:
            raise InvalidInput("Can't merge ticket with itself!")
        merged_state = next((s for s in catalog.states if s.state_type == MERGED_STATE_TYPE), None)
        if merged_state is None:
            raise InvalidInput("No ticket state of type 'merged' is configured.")
        articles = self._tickets.tickets.articles(source.id)
        if len(articles) > MERGE_ARTICLE_LIMIT:
            raise InvalidInput(f"Tickets with more than {MERGE_ARTICLE_LIMIT} articles cannot be merged yet.")
        now = iso(self._clock)
        moved = [replace(a, ticket_id=target.id, updated_at=now) for a in articles]
        note = Article(id=self._ids.next_id("article"), ticket_id=source.id, type_id=10, sender_id=1, body="merged",
                       from_=principal.user.fullname, created_by_id=principal.id, updated_by_id=principal.id,
                       created_at=now, updated_at=now)
        new_source = replace(source, state_id=merged_state.id, owner_id=SYSTEM_USER_ID, article_ids=[note.id],
                             close_at=source.close_at or now, updated_at=now, updated_by_id=principal.id)
        new_target = replace(target, article_ids=sorted(set(target.article_ids) | {a.id for a in moved}),
                             updated_at=now, updated_by_id=principal.id)
        copied = self._copy_blobs(articles, target.id)
        try:
            self._moves.merge(new_source, source.version, new_target, target.version, moved, note,
                              self._tickets.escalate(source, new_source), self._tickets.escalate(target, new_target))
        except BaseException:
            self._drop_blobs([key for _, key in copied])
            raise
        self._drop_blobs([key for key, _ in copied])
        self._after_merge(principal, now, source, new_source, target, new_target, moved, note)
        return MergeResult(new_target, new_source)

    def _copy_blobs(self, articles: list[Article], target_id: int) -> list[tuple[str, str]]:
        """Attachment bytes are keyed by ticket: copy them under the target first (old key, new key)."""
        copied: list[tuple[str, str]] = []
        try:
            for article in articles:
                for attachment in article.attachments:
                    old = blob_key(article.ticket_id, article.id, attachment.id)
                    new = blob_key(target_id, article.id, attachment.id)
                    self._blobs.put(NewBlob(new, self._blobs.get(old), attachment.content_type, attachment.filename))
                    copied.append((old, new))
        except BaseException:
            self._drop_blobs([new for _, new in copied])
            raise
        return copied

    def _drop_blobs(self, keys: list[str]) -> None:
        if not keys:
            return
        try:
            self._blobs.delete(keys)
        except Exception:
            log.exception("could not remove attachment objects %s", keys)

    def _after_merge(self, principal: Principal, now: str, source: Ticket, new_source: Ticket, target: Ticket,
                     new_target: Ticket, moved: list[Article], note: Article) -> None:
        """Derived data, each step logged on failure: links move to the target, the merge link, history,
        search words, and the observers (history lines of the state change, notifications)."""
        steps: list[Callable[[], None]] = [
            lambda: self._move_links(principal, now, source.id, target.id),
            lambda: self._repo.add_link(TicketLink(source.id, "parent", target.id, principal.id, now)),
            lambda: self._history(target.id, principal, now, [{
                "o_id": target.id, "history_type": "received_merge", "id_from": source.id, "id_to": target.id,
                "value_from": source.number, "value_to": target.number}]),
            lambda: self._history(source.id, principal, now, [{
                "o_id": source.id, "history_type": "merged_into", "id_from": source.id, "id_to": target.id,
                "value_from": source.number, "value_to": target.number}]),
            lambda: self._search.add(target.id, _words(moved)),
        ]
        for step in steps:
            try:
                step()
            except Exception:
                log.exception("merge follow-up failed")
        for observer in self._tickets.observers:
            for change in (TicketChange("updated", principal, now, source, new_source, note),
                           TicketChange("updated", principal, now, target, new_target)):
                try:
                    observer.ticket_changed(change)
                except Exception:
                    log.exception("ticket observer %s failed", type(observer).__name__)

    def _move_links(self, principal: Principal, now: str, source_id: int, target_id: int) -> None:
        for link in self._repo.links(source_id):
            self._repo.remove_link(link)
            if link.other_id != target_id:
                self._repo.add_link(TicketLink(target_id, link.link_type, link.other_id, principal.id, now))


def _words(articles: list[Article]) -> set[str]:
    words: set[str] = set()
    for article in articles:
        body = html_to_text(article.body) if "html" in article.content_type else article.body
        found = tokens(f"{article.subject} {article.from_} {article.to} {body}")
        words |= {INTERNAL_TOKEN + w for w in found} if article.internal else found
    return words


def _tag_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("The required value 'item' is missing.", field="item")
    name = " ".join(value.split())
    if len(name) > TAG_NAME_MAX:
        raise InvalidInput(f"Tag names are at most {TAG_NAME_MAX} characters long.", field="item")
    return name


__all__ = ["HistoryRecorder", "LinkRequest", "LinkedTickets", "MergeFailed", "MergeResult", "TicketLinkService",
           "TicketLinksJanitor", "write_history"]
