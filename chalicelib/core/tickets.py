"""The ticket aggregate's use cases: load -> authorize -> change -> save, for every dialect."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional, Sequence

from . import escalation, policy
from .catalog import Catalog, Ref
from .errors import Conflict, FollowUpRejected, InvalidInput, LookupFailed, NotFound, PermissionDenied, TooLarge
from .model import (ARTICLE_SENDERS, ARTICLE_TYPES, SYSTEM_USER_ID, Article, Attachment, DueEvent, Principal,
                    Ticket, User)
from .object_attributes import TicketFields, value_matches
from .ports import (BlobStore, Clock, DueEntry, IdAllocator, NewBlob, SearchIndex, TicketChange, TicketObserver,
                    TicketRepository)
from .text import extract_inline_images, html_to_text, tokens
from .users import CustomerRef, SearchRequest, UserDirectory, iso

log = logging.getLogger(__name__)

CUSTOMER_ARTICLE_TYPES = ("note", "web")
SAVE_ATTEMPTS = 5
# The scheduled jobs' actor: Zammad's "-" system user, with agent rights for the changes jobs make.
SYSTEM = Principal(user=User(id=SYSTEM_USER_ID, login="-", firstname="-"), permissions=frozenset({"ticket.agent"}))


@dataclass(frozen=True)
class AttachmentLimits:
    """Per article: how many files (attachments and inline images together) and how big each."""
    max_bytes: int = 4 * 1024 * 1024
    max_count: int = 20

    def check_count(self, count: int) -> None:
        if count > self.max_count:
            raise InvalidInput(f"Too many attachments (at most {self.max_count})", field="attachments")

    def check_size(self, size: int, label: str) -> None:
        if size > self.max_bytes:
            raise TooLarge(f"{label} exceeds {self.max_bytes} bytes")


@dataclass
class AttachmentInput:
    filename: str
    data: bytes
    mime_type: str
    charset: Optional[str] = None


@dataclass
class ArticleInput:
    body: Optional[str] = None
    subject: str = ""
    content_type: str = "text/plain"
    type: Optional[Ref] = None
    sender: Optional[Ref] = None
    internal: bool = False
    to: str = ""
    cc: str = ""
    from_: Optional[str] = None
    reply_to: Optional[str] = None
    message_id: Optional[str] = None
    in_reply_to: Optional[str] = None
    time_unit: Optional[str] = None
    preferences: dict[str, Any] = field(default_factory=dict)
    attachments: list[AttachmentInput] = field(default_factory=list)


@dataclass
class TicketInput:
    """What a caller asked to set; None means "not given" (partial updates)."""
    title: Optional[str] = None
    group: Optional[Ref] = None
    state: Optional[Ref] = None
    priority: Optional[Ref] = None
    owner_id: Optional[int] = None
    customer: Optional[CustomerRef] = None
    note: Optional[str] = None
    type: Optional[str] = None
    pending_time: Optional[str] = None
    preferences: Optional[dict[str, Any]] = None
    article: Optional[ArticleInput] = None
    attributes: Optional[dict[str, Any]] = None  # custom fields; the TicketFields check keeps the defined ones


@dataclass
class SearchResult:
    tickets: list[Ticket]
    total_count: int


SORTABLE = {"id", "number", "title", "created_at", "updated_at", "state_id", "priority_id",
            "group_id", "customer_id", "owner_id", "organization_id", "pending_time"}
FIELD_FILTERS: dict[str, Callable[[Ticket, str, Catalog], bool]] = {
    "number": lambda t, v, c: t.number == v,
    "id": lambda t, v, c: str(t.id) == v,
    "title": lambda t, v, c: v.lower() in t.title.lower(),
    "state_id": lambda t, v, c: str(t.state_id) == v,
    "group_id": lambda t, v, c: str(t.group_id) == v,
    "priority_id": lambda t, v, c: str(t.priority_id) == v,
    "customer_id": lambda t, v, c: str(t.customer_id) == v,
    "owner_id": lambda t, v, c: str(t.owner_id) == v,
    "organization_id": lambda t, v, c: str(t.organization_id) == v,
    "state": lambda t, v, c: _name_is(c.state_by_id(t.state_id), v),
    "state.name": lambda t, v, c: _name_is(c.state_by_id(t.state_id), v),
    "group": lambda t, v, c: _name_is(c.group_by_id(t.group_id), v),
    "group.name": lambda t, v, c: _name_is(c.group_by_id(t.group_id), v),
    "priority": lambda t, v, c: _name_is(c.priority_by_id(t.priority_id), v),
    "priority.name": lambda t, v, c: _name_is(c.priority_by_id(t.priority_id), v),
}
# Index tokens of words that only internal articles hold: "~" never occurs in a word.
INTERNAL_TOKEN = "~"
# How many scoped tickets a search without words may examine: bounded work per request.
SEARCH_SCAN_CAP = 1000


def _name_is(item: Any, value: str) -> bool:
    return item is not None and item.name.lower() == value.lower()


def parse_query(query: str, attribute_names: frozenset[str] = frozenset()) -> tuple[set[str], list[tuple[str, str]]]:
    """Free words (all must match) and `field:value` filters, Zammad's everyday query forms
    (custom ticket fields, `attribute_names`, filter like columns)."""
    words: set[str] = set()
    filters: list[tuple[str, str]] = []
    for part in _split_query(query):
        if part.upper() in ("AND", "*"):
            continue
        name, sep, value = part.partition(":")
        if sep and (name in FIELD_FILTERS or name in attribute_names) and value:
            filters.append((name, value.strip('"')))
        else:
            words |= tokens(part)
    return words, filters


def _split_query(query: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in query.strip():
        if char == '"':
            quoted = not quoted
            current += char
        elif char.isspace() and not quoted:
            if current:
                parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts


class TicketService:
    def __init__(self, tickets: TicketRepository, catalog: Callable[[], Catalog], users: UserDirectory,
                 blobs: BlobStore, search: SearchIndex, ids: IdAllocator, clock: Clock,
                 fqdn: str = "helpdesk.local", number_prefix: str = "45",
                 limits: AttachmentLimits = AttachmentLimits(),
                 observers: Sequence[TicketObserver] = (),
                 fields: Optional[Callable[[], TicketFields]] = None, escalation_warning_minutes: int = 15) -> None:
        self.tickets = tickets
        self._catalog = catalog
        self.users = users
        self._blobs = blobs
        self._search = search
        self._ids = ids
        self._clock = clock
        self._fqdn = fqdn
        self._number_prefix = number_prefix
        self._limits = limits
        self.observers = list(observers)
        self.fields = fields  # the request's custom ticket fields (object_attributes); None: none defined
        self.escalation_warning_minutes = escalation_warning_minutes

    def catalog(self) -> Catalog:
        return self._catalog()

    # --- reads ---------------------------------------------------------------------------

    def get(self, principal: Principal, ticket_id: int) -> Ticket:
        ticket = self._load(ticket_id)
        policy.require(policy.can_read_ticket(principal, ticket))
        return self._shown([ticket])[0]

    def page(self, principal: Principal, offset: int, limit: int) -> list[Ticket]:
        scope = policy.ticket_scope(principal)
        if scope.is_empty:
            return []
        return self._shown([t for t in self.tickets.page(scope, offset, limit) if policy.can_read_ticket(principal, t)])

    def search(self, principal: Principal, request: SearchRequest) -> SearchResult:
        fields = self.fields  # definitions are read only when the query may hold a custom field filter
        custom = fields is not None and any(
            ":" in part and part.partition(":")[0] not in FIELD_FILTERS for part in _split_query(request.query))
        words, filters = parse_query(request.query, fields().names() if fields is not None and custom else frozenset())
        catalog = self.catalog()
        if words:
            candidates = self._word_candidates(principal, words)
        else:
            scope = policy.ticket_scope(principal)
            # the newest SEARCH_SCAN_CAP of the scope: what a list sorted by recency needs first
            candidates = [] if scope.is_empty else self.tickets.page(scope, 0, SEARCH_SCAN_CAP, newest_first=True)
        found = [
            t for t in candidates
            if policy.can_read_ticket(principal, t)
            and all(FIELD_FILTERS[name](t, value, catalog) if name in FIELD_FILTERS
                    else value_matches(t.attributes.get(name), value) for name, value in filters)
        ]
        sort_by = request.sort_by if request.sort_by in SORTABLE else "created_at"
        found.sort(key=lambda t: (getattr(t, sort_by) is None, getattr(t, sort_by) or "", t.id),
                   reverse=request.order_by.lower() != "asc")
        return SearchResult(self._shown(found[request.offset:request.offset + request.limit]), len(found))

    def _word_candidates(self, principal: Principal, words: set[str]) -> list[Ticket]:
        """Tickets holding every word. A word found only in internal articles counts only for
        callers who may read that ticket's internal articles (customers never query those)."""
        public: dict[str, set[int]] = {}
        internal: dict[str, set[int]] = {}
        ids: Optional[set[int]] = None
        for word in sorted(words, key=len, reverse=True):
            public[word] = self._hit_ids(word)
            internal[word] = self._hit_ids(INTERNAL_TOKEN + word) if principal.is_agent else set()
            matching = public[word] | internal[word]
            ids = matching if ids is None else ids & matching
            if not ids:
                return []
        tickets = self.tickets.get_many(ids or set()).values()
        return [t for t in tickets if all(
            t.id in public[w] or (t.id in internal[w] and policy.sees_internal(principal, t)) for w in words)]

    def _hit_ids(self, token: str) -> set[int]:
        hits: set[int] = set()
        for ticket_id in self._search.hits(token):
            hits.add(ticket_id)
            if len(hits) >= SEARCH_SCAN_CAP:
                break
        return hits

    def articles(self, principal: Principal, ticket_id: int) -> tuple[Ticket, list[Article]]:
        ticket = self.get(principal, ticket_id)
        visible = [a for a in self.tickets.articles(ticket_id) if policy.can_read_article(principal, ticket, a)]
        return ticket, visible

    def article(self, principal: Principal, article_id: int) -> tuple[Ticket, Article]:
        article = self.tickets.article(article_id)
        if article is None:
            raise NotFound("Ticket::Article", article_id)
        ticket = self._load(article.ticket_id)
        policy.require(policy.can_read_article(principal, ticket, article))
        return ticket, article

    def attachment(self, principal: Principal, ticket_id: int, article_id: int,
                   attachment_id: int) -> tuple[Attachment, bytes]:
        ticket, article = self.article(principal, article_id)
        if ticket.id != ticket_id:
            raise PermissionDenied("The article does not belong to the specified ticket.")
        for attachment in article.attachments:
            if attachment.id == attachment_id:
                return attachment, self._blobs.get(blob_key(ticket.id, article.id, attachment.id))
        raise PermissionDenied("The file does not belong to the specified article.")

    # --- writes --------------------------------------------------------------------------

    def create(self, principal: Principal, data: TicketInput) -> tuple[Ticket, Article]:
        catalog = self.catalog()
        if not principal.is_agent:
            data = replace(data, owner_id=None, customer=None, preferences=None)
        if not (data.title or "").strip():
            raise InvalidInput("Missing required value for field 'title'!", field="title")
        if data.group is None:
            raise InvalidInput("The required value 'group_id' is missing.", field="group")
        group = catalog.group(data.group)
        if data.article is None:
            raise InvalidInput("article hash is missing", field="article")
        _check_body(data.article)
        self._article_type(data.article.type)
        self._article_sender(data.article.sender, principal.is_agent)
        policy.require(policy.can_create_in_group(principal, group.id))
        state = catalog.state(data.state) if data.state else catalog.default_create_state()
        priority = catalog.priority(data.priority) if data.priority else catalog.default_priority()
        owner_id = self._valid_owner(data.owner_id, group.id)
        attributes = self._attributes(principal, data, {})
        if not principal.is_agent:
            customer = principal.user
        elif data.customer is None:
            raise InvalidInput("The required value 'customer_id' is missing.", field="customer")
        else:  # last: a guessed customer is created only once everything else is known to be valid
            customer = self.users.resolve_customer(data.customer, principal.id)
        now = iso(self._clock)
        ticket = Ticket(
            id=self._ids.next_id("ticket"), number="", title=data.title.strip(), group_id=group.id,
            state_id=state.id, priority_id=priority.id, customer_id=customer.id, owner_id=owner_id,
            organization_id=customer.organization_id, note=data.note, type=data.type,
            pending_time=data.pending_time, preferences=data.preferences or {}, attributes=attributes,
            created_by_id=principal.id, updated_by_id=principal.id, created_at=now, updated_at=now,
        )
        article, blobs = self._build_article(principal, ticket, data.article, now)
        ticket.number = f"{self._number_prefix}{ticket.id:03d}"
        ticket.article_ids = [article.id]
        ticket.create_article_type_id = article.type_id
        ticket.create_article_sender_id = article.sender_id
        self._touch_contacts(ticket, article, now)
        schedule = self.escalate(None, ticket) or ()
        self._write_with_blobs(blobs, lambda: self.tickets.create(ticket, article, schedule))
        self._searchable(lambda: self._search.add(ticket.id, self._words(ticket, [article])))
        self._announce(TicketChange("created", principal, now, after=ticket, article=article))
        return ticket, article

    def update(self, principal: Principal, ticket_id: int, data: TicketInput) -> tuple[Ticket, Optional[Article]]:
        """Apply the given fields to the newest version; a concurrent writer makes us re-apply, never overwrite."""
        for _ in range(SAVE_ATTEMPTS):
            ticket = self._load(ticket_id)
            policy.require(policy.can_read_ticket(principal, ticket))
            policy.require(policy.can_change_ticket(principal, ticket))
            expected = ticket.version
            changed, article, blobs = self._apply(principal, ticket, data)
            schedule = self.escalate(ticket, changed)
            try:
                self._write_with_blobs(blobs, lambda: self.tickets.save(changed, expected, article, schedule))
            except Conflict:
                continue
            self._reindex(ticket, changed, article)
            self._announce(TicketChange("updated", principal, changed.updated_at, ticket, changed, article))
            return changed, article
        raise Conflict("The ticket was changed by someone else at the same time, please retry.")

    def add_article(self, principal: Principal, ticket_id: int, data: ArticleInput) -> tuple[Ticket, Article]:
        ticket, article = self.update(principal, ticket_id, TicketInput(article=data))
        assert article is not None
        return ticket, article

    def delete(self, principal: Principal, ticket_id: int) -> None:
        ticket = self._load(ticket_id)
        policy.require(policy.can_delete_ticket(principal, ticket), "Not authorized (admin permission required)!")
        articles = self.tickets.delete(ticket)
        keys = [blob_key(ticket.id, a.id, att.id) for a in articles for att in a.attachments]
        if keys:
            self._blobs.delete(keys)
        self._search.forget(ticket.id)
        self._announce(TicketChange("deleted", principal, iso(self._clock), before=ticket))

    def escalate(self, before: Optional[Ticket], after: Ticket) -> Optional[tuple[DueEvent, ...]]:
        """Recompute `after`'s SLA deadlines (business minutes, core.escalation) and say what the due
        index must hold for it: the events, or None when they are the ones `before` had (no index write)."""
        catalog = self.catalog()
        escalation.recompute(before, after, catalog, self._clock.now())
        events = escalation.due_events(after, catalog, self.escalation_warning_minutes)
        if before is not None and events == escalation.due_events(before, catalog, self.escalation_warning_minutes):
            return None
        return events

    def refresh_escalation(self, ticket: Ticket) -> Optional[tuple[Ticket, DueEntry]]:
        """Deadlines recomputed with the current SLAs and calendars: if they moved (an SLA or calendar
        was edited after the ticket's last write), store them and the ticket's due entry, and return
        both; None when nothing moved or another write got there first (it rewrote the entry itself)."""
        changed = replace(ticket, escalation_pauses=[list(p) for p in ticket.escalation_pauses])
        catalog = self.catalog()
        escalation.recompute(ticket, changed, catalog, self._clock.now())
        if all(getattr(changed, name) == getattr(ticket, name) for name in escalation.ESCALATION_FIELDS):
            return None
        events = escalation.due_events(changed, catalog, self.escalation_warning_minutes)
        try:
            self.tickets.save(changed, ticket.version, None, events)
        except Conflict:
            return None
        return changed, DueEntry(changed.id, events, changed.version)

    def close_pending(self, ticket_id: int, pending_time: str) -> bool:
        """The pending-close job: a ticket still waiting in a "pending close" state for `pending_time`
        moves to that state's next state (closed). The version-checked write re-checks the state, so of
        two overlapping runs exactly one closes the ticket (and tells the observers)."""
        for _ in range(SAVE_ATTEMPTS):
            ticket = self.tickets.get(ticket_id)
            if ticket is None:
                return False
            catalog = self.catalog()
            if not any(event.kind == "pending_close" and event.deadline == pending_time
                       for event in escalation.due_events(ticket, catalog, 0)):
                return False  # closed, reopened or rescheduled meanwhile
            state = catalog.state_by_id(ticket.state_id)
            assert state is not None and state.next_state_id is not None  # due_events checked both
            changed, _, _ = self._apply(SYSTEM, ticket, TicketInput(state=Ref("state", id=state.next_state_id)))
            schedule = self.escalate(ticket, changed)
            try:
                self.tickets.save(changed, ticket.version, None, schedule)
            except Conflict:
                continue
            self._announce(TicketChange("updated", SYSTEM, changed.updated_at, ticket, changed))
            return True
        return False

    # --- rules ---------------------------------------------------------------------------

    def _load(self, ticket_id: int) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("Ticket", ticket_id)
        return ticket

    def _valid_owner(self, owner_id: Optional[int], group_id: int) -> int:
        """Owners are agents who may work in the ticket's group; unassigned is the system user."""
        if owner_id is None or owner_id == 1:
            return 1
        owner = self.users.users.get(owner_id)
        if owner is None or not _may_own(owner, group_id):
            raise InvalidInput(f"Invalid value for param 'owner_id': {owner_id}", field="owner_id")
        return owner.id

    def _apply(self, principal: Principal, ticket: Ticket,
               data: TicketInput) -> tuple[Ticket, Optional[Article], list[NewBlob]]:
        catalog = self.catalog()
        now = iso(self._clock)
        changed = replace(ticket, article_ids=list(ticket.article_ids), preferences=dict(ticket.preferences))
        changed.attributes = self._attributes(principal, data, ticket.attributes)
        if data.title is not None:
            if not data.title.strip():
                raise InvalidInput("Missing required value for field 'title'!", field="title")
            changed.title = data.title.strip()
        if principal.is_agent:
            if data.group is not None:
                group = catalog.group(data.group)
                policy.require(policy.has_group_access(principal, group.id, "change")
                               or policy.has_group_access(principal, group.id, "create"))
                changed.group_id = group.id
            if data.owner_id is not None and data.owner_id != ticket.owner_id:
                changed.owner_id = self._valid_owner(data.owner_id, changed.group_id)
                changed.last_owner_update_at = now
            elif data.group is not None and changed.owner_id != 1:
                owner = self.users.users.get(changed.owner_id)
                if owner is None or not _may_own(owner, changed.group_id):
                    changed.owner_id = 1
            if data.preferences is not None:
                changed.preferences.update(data.preferences)
        if data.state is not None:
            changed.state_id = catalog.state(data.state).id
        if data.priority is not None:
            changed.priority_id = catalog.priority(data.priority).id
        for name in ("note", "type", "pending_time"):
            value = getattr(data, name)
            if value is not None:
                setattr(changed, name, value)
        article, blobs = None, []
        if data.article is not None:
            article, blobs = self._build_article(principal, changed, data.article, now)
            self._follow_up(principal, ticket, changed, article, catalog)
            changed.article_ids.append(article.id)
            self._touch_contacts(changed, article, now)
        if principal.is_agent and data.customer is not None:  # last: a guessed customer may be created
            customer = self.users.resolve_customer(data.customer, principal.id)
            changed.customer_id = customer.id
            changed.organization_id = customer.organization_id
        state = catalog.state_by_id(changed.state_id)
        if state is not None and state.is_closed and changed.state_id != ticket.state_id:
            changed.close_at = changed.close_at or now
        changed.updated_at = now
        changed.updated_by_id = principal.id
        return changed, article, blobs

    def _attributes(self, principal: Principal, data: TicketInput, current: dict[str, Any]) -> dict[str, Any]:
        """Custom field values after this write: the given ones checked against their definitions."""
        if not (current or data.attributes) or self.fields is None:
            return dict(current)
        fields = self.fields()
        merged = {k: v for k, v in current.items() if k in fields.existing}  # a removed field's value goes
        if data.attributes:
            for name, value in fields.check(principal, data.attributes, self._clock.now()).items():
                if value is None:
                    merged.pop(name, None)
                else:
                    merged[name] = value
        return merged

    def _shown(self, tickets: list[Ticket]) -> list[Ticket]:
        """Custom field values of fields that still exist: a removed field's values stay stored in the
        tickets that held them (no scan purges them) but are not shown. No extra read without values."""
        if self.fields is None or not any(t.attributes for t in tickets):
            return tickets
        existing = self.fields().existing
        for ticket in tickets:
            ticket.attributes = {k: v for k, v in ticket.attributes.items() if k in existing}
        return tickets

    def _follow_up(self, principal: Principal, before: Ticket, ticket: Ticket, article: Article,
                   catalog: Catalog) -> None:
        """A customer's reply to a closed ticket reopens it, if the group allows follow-ups."""
        if article.sender != "Customer":
            return
        state = catalog.state_by_id(before.state_id)
        if state is None or not state.is_closed:
            return
        group = catalog.group_by_id(ticket.group_id)
        if group is not None and group.follow_up_possible == "new_ticket" and \
                not policy.has_group_access(principal, ticket.group_id, "change"):  # also with a state given
            raise FollowUpRejected("Cannot follow-up on a closed ticket. Please create a new ticket.")
        if ticket.state_id == before.state_id:
            ticket.state_id = catalog.default_follow_up_state().id

    def _build_article(self, principal: Principal, ticket: Ticket, data: ArticleInput,
                       now: str) -> tuple[Article, list[NewBlob]]:
        _check_body(data)
        is_agent = principal.is_agent
        type_id = self._article_type(data.type)
        sender_id = self._article_sender(data.sender, is_agent)
        internal = bool(data.internal)
        if not is_agent:
            sender_id = 2
            if ARTICLE_TYPES[type_id] not in CUSTOMER_ARTICLE_TYPES:
                type_id = 10
            internal = False
        body = data.body or ""
        uploads: list[tuple[AttachmentInput, Optional[str]]] = []
        content_type = data.content_type or "text/plain"
        if "html" in content_type.lower():
            body, images = extract_inline_images(body, self._fqdn)
            uploads += [(AttachmentInput(i.filename, i.data, i.content_type), i.content_id) for i in images]
        uploads += [(upload, None) for upload in data.attachments]
        self._limits.check_count(len(uploads))
        for upload, _ in uploads:
            self._limits.check_size(len(upload.data), f"Attachment '{upload.filename}'")
        article = Article(
            id=self._ids.next_id("article"), ticket_id=ticket.id, type_id=type_id, sender_id=sender_id,
            body=body, content_type=content_type, subject=data.subject or "",
            from_=self._author(principal, type_id, data.from_), to=data.to or "", cc=data.cc or "",
            reply_to=data.reply_to, message_id=data.message_id, in_reply_to=data.in_reply_to,
            internal=internal, time_unit=data.time_unit if is_agent else None,
            preferences=dict(data.preferences), origin_by_id=principal.real_user_id,
            created_by_id=principal.id, updated_by_id=principal.id, created_at=now, updated_at=now,
        )
        blobs: list[NewBlob] = []
        ids = self._ids.next_ids("attachment", len(uploads)) if uploads else []
        for attachment_id, (upload, content_id) in zip(ids, uploads):
            self._attach(article, blobs, attachment_id, upload, content_id)
        return article, blobs

    @staticmethod
    def _author(principal: Principal, type_id: int, given: Optional[str]) -> str:
        """Agents may write on someone's behalf (a phone call); a customer is always themself,
        with the address on web and phone articles, as Zammad's AddsMetadataGeneral sets it."""
        user = principal.user
        if principal.is_agent and given is not None:
            return given
        if not principal.is_agent and ARTICLE_TYPES[type_id] in ("web", "phone") and user.email:
            return f"{user.fullname} <{user.email}>"
        return user.fullname

    @staticmethod
    def _attach(article: Article, blobs: list[NewBlob], attachment_id: int, upload: AttachmentInput,
                content_id: Optional[str]) -> None:
        preferences: dict[str, Any] = {"Mime-Type": upload.mime_type}
        if upload.charset:
            preferences["Charset"] = upload.charset
        if content_id:
            preferences.update({"Content-ID": content_id, "Content-Disposition": "inline"})
        article.attachments.append(Attachment(
            id=attachment_id, filename=upload.filename, size=len(upload.data),
            content_type=upload.mime_type, preferences=preferences, content_id=content_id,
        ))
        blobs.append(NewBlob(blob_key(article.ticket_id, article.id, attachment_id), upload.data,
                             upload.mime_type, upload.filename))

    @staticmethod
    def _article_type(ref: Optional[Ref]) -> int:
        return _catalogue_id(ARTICLE_TYPES, ref, 10)

    @staticmethod
    def _article_sender(ref: Optional[Ref], is_agent: bool) -> int:
        return _catalogue_id(ARTICLE_SENDERS, ref, 1 if is_agent else 2)

    @staticmethod
    def _touch_contacts(ticket: Ticket, article: Article, now: str) -> None:
        if article.time_unit:
            ticket.time_unit = _add_time(ticket.time_unit, article.time_unit)
        if article.internal:
            return
        if article.sender == "Customer":
            ticket.last_contact_customer_at = now
            ticket.last_contact_at = now
        elif article.sender == "Agent" and ticket.article_ids[:1] != [article.id]:
            ticket.last_contact_agent_at = now
            ticket.last_contact_at = now
            ticket.first_response_at = ticket.first_response_at or now

    def _write_with_blobs(self, blobs: list[NewBlob], write: Callable[[], None]) -> None:
        """Bytes first, then the items; if the items fail, the bytes go too (no orphan objects)."""
        written: list[str] = []
        try:
            for blob in blobs:
                self._blobs.put(blob)
                written.append(blob.key)
            write()
        except BaseException:
            if written:
                try:
                    self._blobs.delete(written)
                except Exception:  # the original error matters more; the sweep is logged
                    log.exception("could not remove blobs of a failed write: %s", written)
            raise

    def _reindex(self, before: Ticket, after: Ticket, article: Optional[Article]) -> None:
        """A new title replaces the old title's words; a new article only adds its own."""
        if after.title != before.title:
            self._searchable(lambda: self._search.replace(
                after.id, self._words(after, self.tickets.articles(after.id))))
        elif article is not None:
            self._searchable(lambda: self._search.add(after.id, self._words(after, [article])))

    def _words(self, ticket: Ticket, articles: list[Article]) -> set[str]:
        """Index tokens: public words as they are, internal articles' words marked apart."""
        words = tokens(ticket.title, ticket.number)
        for article in articles:
            found = tokens(self._article_text(article))
            words |= {INTERNAL_TOKEN + w for w in found} if article.internal else found
        return words

    def _announce(self, change: TicketChange) -> None:
        """Observers keep derived data (history, notifications): their failure never undoes the write."""
        for observer in self.observers:
            try:
                observer.ticket_changed(change)
            except Exception:
                log.exception("ticket observer %s failed", type(observer).__name__)

    @staticmethod
    def _searchable(index: Callable[[], None]) -> None:
        """Search is derived data: a failure here is logged, the ticket write already stands."""
        try:
            index()
        except Exception:
            log.exception("search indexing failed")

    @staticmethod
    def _article_text(article: Article) -> str:
        body = html_to_text(article.body) if "html" in article.content_type else article.body
        return f"{article.subject} {article.from_} {article.to} {body}"


def _add_time(total: Optional[str], more: str) -> str:
    """Accounted time, as Zammad shows it: a decimal string ("12.0")."""
    return f"{float(total or 0) + float(more):.1f}"


def _check_body(article: ArticleInput) -> None:
    if article.body is None or (not article.body.strip() and not article.attachments):
        raise InvalidInput("Need at least an 'article body' field.", field="article.body")


def _catalogue_id(catalogue: dict[int, str], ref: Optional[Ref], default: int) -> int:
    if ref is None:
        return default
    if ref.id is not None:
        if ref.id in catalogue:
            return ref.id
        raise LookupFailed(ref.field, ref.id)
    for key, name in catalogue.items():
        if name.lower() == (ref.name or "").lower():
            return key
    raise LookupFailed(ref.field, ref.name)


def _may_own(user: User, group_id: int) -> bool:
    if not user.active or not {"ticket.agent"} & user.permissions:
        return False
    levels = user.group_access.get(str(group_id), [])
    return "full" in levels or "change" in levels or "admin" in user.permissions


def blob_key(ticket_id: int, article_id: int, attachment_id: int) -> str:
    return f"tickets/{ticket_id}/articles/{article_id}/{attachment_id}"
