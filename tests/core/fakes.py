"""In-memory implementations of every port in chalicelib/core/ports.py, and a seeded world to test in.

The fakes keep the contracts the storage adapters keep (tests/storage/test_contract.py checks those
on moto): objects are copied in and out, versions are checked on save, unique keys raise Conflict,
lists come back in id order. They also let a test inject failures and concurrent writers.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Optional

from chalicelib.bootstrap import DEFAULT_GROUPS, DEFAULT_PRIORITIES, DEFAULT_STATES
from chalicelib.core.access_tokens import AccessTokens
from chalicelib.core.catalog import Catalog, Ref
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.model import (ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER, SYSTEM_USER_ID, AccessToken, Article,
                                   Calendar, DueEvent, Group, Organization, Principal, Priority, Sla, State, Ticket,
                                   User)
from chalicelib.core.ports import CatalogSnapshot, DueEntry, NewBlob, TicketScope
from chalicelib.core.tickets import ArticleInput, AttachmentInput, TicketInput, TicketService
from chalicelib.core.users import CustomerRef, UserDirectory


def _copy(obj):
    return copy.deepcopy(obj)


class FakeClock:
    def __init__(self, start: Optional[datetime] = None) -> None:
        self.current = start or datetime(2024, 3, 1, 9, 0, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when

    def advance(self, seconds: float = 1) -> None:
        self.current += timedelta(seconds=seconds)


class FakeIds:
    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def next_id(self, sequence: str) -> int:
        return self.next_ids(sequence, 1)[0]

    def next_ids(self, sequence: str, count: int) -> list[int]:
        last = self.counters.get(sequence, 0) + count
        self.counters[sequence] = last
        return list(range(last - count + 1, last + 1))

    def ensure_at_least(self, sequence: str, value: int) -> None:
        self.counters[sequence] = max(self.counters.get(sequence, 0), value)


class FakeTicketRepository:
    def __init__(self) -> None:
        self.tickets: dict[int, Ticket] = {}
        self.articles_by_id: dict[int, Article] = {}
        self.numbers: dict[str, int] = {}
        # Failure injection: the next create/save raises this (once).
        self.fail_next_write: Optional[Exception] = None
        # Concurrency injection: called once, at the start of the next save, with the ticket id;
        # a test uses it to write the ticket "from another request" between load and save.
        self.before_next_save: Optional[Callable[[int], None]] = None
        self.saves = 0
        # The due index (DueIndex), kept with the tickets as the table keeps it: entries and fired events.
        self.due_entries: dict[int, DueEntry] = {}
        self.fired: set[tuple[int, str]] = set()

    def _schedule(self, ticket_id: int, version: int, schedule: Optional[tuple[DueEvent, ...]]) -> None:
        if schedule is None:
            return
        if schedule:
            self.due_entries[ticket_id] = DueEntry(ticket_id, tuple(schedule), version)
        else:
            self.due_entries.pop(ticket_id, None)

    def due(self, now_iso: str, limit: int) -> list[DueEntry]:
        found = sorted((min(e.at for e in entry.events), entry.ticket_id, entry)
                       for entry in self.due_entries.values() if min(e.at for e in entry.events) <= now_iso)
        return [entry for _, _, entry in found[:limit]]

    def claim(self, ticket_id: int, event: DueEvent, at: str) -> bool:
        if (ticket_id, event.key) in self.fired:
            return False
        self.fired.add((ticket_id, event.key))
        return True

    def advance(self, entry: DueEntry, remaining: tuple[DueEvent, ...]) -> bool:
        current = self.due_entries.get(entry.ticket_id)
        if current is None or current.version != entry.version:
            return False
        self._schedule(entry.ticket_id, entry.version, remaining)
        return True

    def _maybe_fail(self) -> None:
        if self.fail_next_write is not None:
            error, self.fail_next_write = self.fail_next_write, None
            raise error

    def get(self, ticket_id: int) -> Optional[Ticket]:
        return _copy(self.tickets.get(ticket_id))

    def get_many(self, ticket_ids: Iterable[int]) -> dict[int, Ticket]:
        return {tid: _copy(self.tickets[tid]) for tid in set(ticket_ids) if tid in self.tickets}

    def by_number(self, number: str) -> Optional[Ticket]:
        ticket_id = self.numbers.get(number)
        return None if ticket_id is None else self.get(ticket_id)

    def create(self, ticket: Ticket, article: Article, schedule: tuple[DueEvent, ...] = ()) -> None:
        self._maybe_fail()
        if ticket.id in self.tickets or ticket.number in self.numbers or article.id in self.articles_by_id:
            raise Conflict("A ticket with this id or number exists already.")
        ticket.version = 1
        self._schedule(ticket.id, 1, schedule)
        self.tickets[ticket.id] = _copy(ticket)
        self.numbers[ticket.number] = ticket.id
        self.articles_by_id[article.id] = _copy(article)

    def save(self, ticket: Ticket, expected_version: int, new_article: Optional[Article] = None,
             schedule: Optional[tuple[DueEvent, ...]] = None) -> None:
        if self.before_next_save is not None:
            hook, self.before_next_save = self.before_next_save, None
            hook(ticket.id)
        self._maybe_fail()
        current = self.tickets.get(ticket.id)
        if current is None or current.version != expected_version:
            raise Conflict("The ticket was changed by someone else at the same time.")
        if new_article is not None and new_article.id in self.articles_by_id:
            raise Conflict("The article exists already.")
        ticket.version = expected_version + 1
        self.tickets[ticket.id] = _copy(ticket)
        self._schedule(ticket.id, ticket.version, schedule)
        if new_article is not None:
            self.articles_by_id[new_article.id] = _copy(new_article)
        self.saves += 1

    def delete(self, ticket: Ticket) -> list[Article]:
        current = self.tickets.get(ticket.id)
        if current is None or current.version != ticket.version:
            raise Conflict("The ticket was changed by someone else at the same time.")
        articles = self.articles(ticket.id)
        del self.tickets[ticket.id]
        self.due_entries.pop(ticket.id, None)
        self.fired = {(tid, key) for tid, key in self.fired if tid != ticket.id}
        self.numbers.pop(current.number, None)
        for article in articles:
            del self.articles_by_id[article.id]
        return articles

    def articles(self, ticket_id: int) -> list[Article]:
        found = [a for a in self.articles_by_id.values() if a.ticket_id == ticket_id]
        return [_copy(a) for a in sorted(found, key=lambda a: a.id)]

    def article(self, article_id: int) -> Optional[Article]:
        return _copy(self.articles_by_id.get(article_id))

    def page(self, scope: TicketScope, offset: int, limit: int, newest_first: bool = False) -> list[Ticket]:
        def in_scope(t: Ticket) -> bool:
            return (scope.everything or t.group_id in scope.group_ids
                    or (scope.customer_id is not None and t.customer_id == scope.customer_id)
                    or (scope.organization_id is not None and t.organization_id == scope.organization_id))
        found = sorted((t for t in self.tickets.values() if in_scope(t)), key=lambda t: t.id, reverse=newest_first)
        return [_copy(t) for t in found[offset:offset + limit]] if limit > 0 else []


class FakeUserRepository:
    def __init__(self) -> None:
        self.users: dict[int, User] = {}

    def get(self, user_id: int) -> Optional[User]:
        return _copy(self.users.get(user_id))

    def get_many(self, user_ids: Iterable[int]) -> dict[int, User]:
        return {uid: _copy(self.users[uid]) for uid in set(user_ids) if uid in self.users}

    def by_login(self, login: str) -> Optional[User]:
        return next((_copy(u) for u in self.users.values() if u.login.lower() == login.lower()), None)

    def by_email(self, email: str) -> Optional[User]:
        return next((_copy(u) for u in self.users.values() if u.email and u.email.lower() == email.lower()), None)

    def _check_unique(self, user: User) -> None:
        for other in self.users.values():
            if other.id == user.id:
                continue
            if other.login.lower() == user.login.lower():
                raise Conflict(f"Login '{user.login}' is already used for another user.")
            if user.email and other.email.lower() == user.email.lower():
                raise Conflict(f"Email address '{user.email}' is already used for another user.")

    def create(self, user: User) -> None:
        if user.id in self.users:
            raise Conflict(f"User {user.id} exists already.")
        self._check_unique(user)
        self.users[user.id] = _copy(user)

    def save(self, user: User) -> None:
        self._check_unique(user)
        self.users[user.id] = _copy(user)

    def agents_in_group(self, group_id: int) -> list[User]:
        """Users holding any access level on the group, id order (the directory helper's contract)."""
        return [_copy(u) for _, u in sorted(self.users.items()) if u.group_access.get(str(group_id))]


class FakeOrganizationRepository:
    def __init__(self) -> None:
        self.organizations: dict[int, Organization] = {}

    def get(self, organization_id: int) -> Optional[Organization]:
        return _copy(self.organizations.get(organization_id))

    def get_many(self, organization_ids: Iterable[int]) -> dict[int, Organization]:
        return {oid: _copy(self.organizations[oid]) for oid in set(organization_ids) if oid in self.organizations}

    def by_name(self, name: str) -> Optional[Organization]:
        return next((_copy(o) for o in self.organizations.values() if o.name.lower() == name.lower()), None)

    def by_domain(self, domain: str) -> Optional[Organization]:
        return next((_copy(o) for o in self.organizations.values()
                     if o.domain_assignment and o.domain.lower() == domain.lower()), None)

    def create(self, organization: Organization) -> None:
        if organization.id in self.organizations or self.by_name(organization.name):
            raise Conflict(f"Organization '{organization.name}' already exists.")
        self.organizations[organization.id] = _copy(organization)


class FakeReferenceRepository:
    def __init__(self, groups: Iterable[Group] = (), states: Iterable[State] = (),
                 priorities: Iterable[Priority] = ()) -> None:
        self.groups = {g.id: _copy(g) for g in groups}
        self.states = {s.id: _copy(s) for s in states}
        self.priorities = {p.id: _copy(p) for p in priorities}
        self.calendars: dict[int, Calendar] = {}
        self.slas: dict[int, Sla] = {}
        self.snapshots = 0

    def snapshot(self) -> CatalogSnapshot:
        self.snapshots += 1
        return CatalogSnapshot(
            groups=[_copy(g) for _, g in sorted(self.groups.items())],
            states=[_copy(s) for _, s in sorted(self.states.items())],
            priorities=[_copy(p) for _, p in sorted(self.priorities.items())],
            calendars=[_copy(c) for _, c in sorted(self.calendars.items())],
            slas=[_copy(sla) for _, sla in sorted(self.slas.items())],
        )

    def put_group(self, group: Group) -> None:
        self.groups[group.id] = _copy(group)

    def put_state(self, state: State) -> None:
        self.states[state.id] = _copy(state)

    def put_priority(self, priority: Priority) -> None:
        self.priorities[priority.id] = _copy(priority)


class FakeAccessTokenRepository:
    def __init__(self) -> None:
        self.tokens: dict[str, AccessToken] = {}  # by hash

    def by_hash(self, token_hash: str) -> Optional[AccessToken]:
        return _copy(self.tokens.get(token_hash))

    def for_user(self, user_id: int) -> list[AccessToken]:
        return [_copy(t) for t in sorted(self.tokens.values(), key=lambda t: t.id) if t.user_id == user_id]

    def create(self, token: AccessToken) -> None:
        if token.token_hash in self.tokens:
            raise Conflict("Token exists already.")
        self.tokens[token.token_hash] = _copy(token)

    def delete(self, token: AccessToken) -> None:
        self.tokens.pop(token.token_hash, None)

    def touch(self, token: AccessToken, when: str) -> None:
        token.last_used_at = when
        self.tokens[token.token_hash] = _copy(token)


class FakeRevocationList:
    def __init__(self) -> None:
        self.until: dict[str, int] = {}

    def revoke(self, jti: str, until_epoch: int) -> None:
        self.until[jti] = until_epoch

    def is_revoked(self, jti: str, now_epoch: int) -> bool:
        return jti in self.until and self.until[jti] > now_epoch


class FakeBlobStore:
    def __init__(self) -> None:
        self.objects: dict[str, NewBlob] = {}
        # Failure injection: allow this many more puts, then every put raises `put_error`.
        self.fail_put_after: Optional[int] = None
        self.put_error: Exception = OSError("injected blob store failure")
        self.deleted: list[str] = []

    def put(self, blob: NewBlob) -> None:
        if self.fail_put_after is not None:
            if self.fail_put_after <= 0:
                raise self.put_error
            self.fail_put_after -= 1
        self.objects[blob.key] = _copy(blob)

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound("Store", key)
        return self.objects[key].data

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.deleted.append(key)
            self.objects.pop(key, None)


class FakeSearchIndex:
    def __init__(self) -> None:
        self.postings: dict[str, set[int]] = {}
        self.fail_next_add: Optional[Exception] = None

    def add(self, ticket_id: int, tokens: set[str]) -> None:
        if self.fail_next_add is not None:
            error, self.fail_next_add = self.fail_next_add, None
            raise error
        for token in tokens:
            self.postings.setdefault(token, set()).add(ticket_id)

    def replace(self, ticket_id: int, tokens: set[str]) -> None:
        self.forget(ticket_id)
        self.add(ticket_id, tokens)

    def forget(self, ticket_id: int) -> None:
        for token in list(self.postings):
            self.postings[token].discard(ticket_id)
            if not self.postings[token]:
                del self.postings[token]

    def hits(self, token: str) -> Iterator[int]:
        yield from sorted(self.postings.get(token, ()), reverse=True)

    def tokens_of(self, ticket_id: int) -> set[str]:
        """Every token still pointing at the ticket (for orphan checks)."""
        return {token for token, ids in self.postings.items() if ticket_id in ids}


# >>> catalog: states, priorities, groups, roles
class FakeCatalogAdminRepository:
    """CatalogAdminRepository over a FakeReferenceRepository (the same catalog the ticket service
    reads), deciding `in_use` from the fake tickets and users as the store decides it from indexes."""

    def __init__(self, reference: FakeReferenceRepository, tickets: FakeTicketRepository,
                 users: FakeUserRepository) -> None:
        self.reference, self.tickets, self.users = reference, tickets, users
        self.version = 0
        self.writes = 0
        # Concurrency injection: called once, at the start of the next write (another admin's change).
        self.before_next_write: Optional[Callable[[], None]] = None

    def snapshot(self) -> CatalogSnapshot:
        return self.reference.snapshot()

    def versioned_snapshot(self) -> tuple[CatalogSnapshot, int]:
        return self.reference.snapshot(), self.version

    def put_group(self, group: Group) -> None:
        self.reference.put_group(group)

    def put_state(self, state: State) -> None:
        self.reference.put_state(state)

    def put_priority(self, priority: Priority) -> None:
        self.reference.put_priority(priority)

    def _table(self, kind: str) -> dict:
        return {"group": self.reference.groups, "state": self.reference.states,
                "priority": self.reference.priorities, "calendar": self.reference.calendars,
                "sla": self.reference.slas}[kind]

    def write(self, expected_version: int, puts: Iterable, deletes: Iterable[tuple[str, int]] = ()) -> None:
        if self.before_next_write is not None:
            hook, self.before_next_write = self.before_next_write, None
            hook()
        if expected_version != self.version:
            raise Conflict("The catalog was changed by someone else at the same time.")
        kinds = {Group: "group", State: "state", Priority: "priority", Calendar: "calendar", Sla: "sla"}
        for obj in puts:
            self._table(kinds[type(obj)])[obj.id] = _copy(obj)
        for kind, object_id in deletes:
            self._table(kind).pop(object_id, None)
        self.version += 1
        self.writes += 1

    def in_use(self, kind: str, object_id: int) -> bool:
        tickets = self.tickets.tickets.values()
        if kind == "state":
            return any(t.state_id == object_id for t in tickets)
        if kind == "priority":
            return any(t.priority_id == object_id for t in tickets)
        if kind == "group":
            return any(t.group_id == object_id for t in tickets) or any(
                u.group_access.get(str(object_id)) for u in self.users.users.values())
        raise ValueError(f"unknown catalog kind {kind!r}")
# <<< catalog
# >>> directory: users and organizations
from chalicelib.core.users import organization_tokens, user_tokens  # noqa: E402


class FakeDirectoryUsers(FakeUserRepository):
    """FakeUserRepository plus what /users needs (DirectoryUserRepository)."""

    def page(self, offset: int, limit: int) -> list[User]:
        return [_copy(self.users[uid]) for uid in sorted(self.users)][offset:offset + max(limit, 0)]

    def delete(self, user: User) -> None:
        self.users.pop(user.id, None)

    def with_token(self, token: str, limit: int) -> list[int]:
        return [uid for uid in sorted(self.users) if token in user_tokens(self.users[uid])][:max(limit, 0)]

    def members(self, organization_id: int, limit: int) -> list[int]:
        return [uid for uid in sorted(self.users)
                if self.users[uid].organization_id == organization_id][:max(limit, 0)]


class FakeDirectoryOrganizations(FakeOrganizationRepository):
    """FakeOrganizationRepository plus what /organizations needs (DirectoryOrganizationRepository)."""

    def save(self, organization: Organization) -> None:
        for other in self.organizations.values():
            if other.id != organization.id and (
                    other.name.lower() == organization.name.lower() or (
                        organization.domain_assignment and other.domain_assignment and organization.domain
                        and other.domain.lower() == organization.domain.lower())):
                raise Conflict(f"Organization '{organization.name}' already exists.")
        self.organizations[organization.id] = _copy(organization)

    def delete(self, organization: Organization) -> None:
        self.organizations.pop(organization.id, None)

    def page(self, offset: int, limit: int) -> list[Organization]:
        return [_copy(self.organizations[oid]) for oid in sorted(self.organizations)][offset:offset + max(limit, 0)]

    def with_token(self, token: str, limit: int) -> list[int]:
        return [oid for oid in sorted(self.organizations)
                if token in organization_tokens(self.organizations[oid])][:max(limit, 0)]


class FakeTicketReferences:
    def __init__(self, tickets: FakeTicketRepository) -> None:
        self.tickets = tickets

    def customer_has_tickets(self, user_id: int) -> bool:
        return any(t.customer_id == user_id for t in self.tickets.tickets.values())

    def organization_has_tickets(self, organization_id: int) -> bool:
        return any(t.organization_id == organization_id for t in self.tickets.tickets.values())
# <<< directory
# >>> ticket-links: tags, links, merge, history
from chalicelib.core.model import HistoryEntry, TagItem, TicketLink, TicketTag  # noqa: E402


class FakeTicketLinkRepository:
    """TicketLinkRepository in memory: per-ticket tags, links and history; the tag registry with counts."""

    def __init__(self) -> None:
        self.history_items: dict[int, list[HistoryEntry]] = {}
        self.tag_items_by_ticket: dict[int, dict[str, TicketTag]] = {}
        self.registry: dict[str, TagItem] = {}
        self.link_items: dict[int, dict[tuple[int, str], TicketLink]] = {}
        self.fail_next_write: Optional[Exception] = None

    def _maybe_fail(self) -> None:
        if self.fail_next_write is not None:
            error, self.fail_next_write = self.fail_next_write, None
            raise error

    def history(self, ticket_id: int, limit: int) -> list[HistoryEntry]:
        found = sorted(self.history_items.get(ticket_id, []), key=lambda e: (e.created_at, e.id))
        return _copy(found[:limit])

    def append_history(self, entries: list[HistoryEntry]) -> None:
        self._maybe_fail()
        for entry in entries:
            self.history_items.setdefault(entry.ticket_id, []).append(_copy(entry))

    def tags(self, ticket_id: int) -> list[TicketTag]:
        found = self.tag_items_by_ticket.get(ticket_id, {}).values()
        return _copy(sorted(found, key=lambda t: (t.created_at, t.name.lower())))

    def add_tag(self, ticket_id: int, tag: TicketTag, item: TagItem) -> bool:
        self._maybe_fail()
        held = self.tag_items_by_ticket.setdefault(ticket_id, {})
        if tag.name.lower() in held:
            return False
        if item.name.lower() not in self.registry:
            raise Conflict(f"The tag '{tag.name}' was removed at the same time, please retry.")
        held[tag.name.lower()] = _copy(tag)
        self.registry[item.name.lower()].count += 1
        return True

    def remove_tag(self, ticket_id: int, name: str) -> bool:
        self._maybe_fail()
        held = self.tag_items_by_ticket.get(ticket_id, {})
        if held.pop(name.lower(), None) is None:
            return False
        if name.lower() in self.registry:
            self.registry[name.lower()].count -= 1
        return True

    def tag_item(self, name: str) -> Optional[TagItem]:
        return _copy(self.registry.get(name.lower()))

    def tag_item_by_id(self, tag_id: int) -> Optional[TagItem]:
        return next((_copy(i) for i in self.registry.values() if i.id == tag_id), None)

    def create_tag_item(self, item: TagItem) -> TagItem:
        self._maybe_fail()
        if item.name.lower() in self.registry:
            return _copy(self.registry[item.name.lower()])
        self.registry[item.name.lower()] = _copy(item)
        return _copy(item)

    def tag_items(self, limit: int) -> list[TagItem]:
        return _copy([self.registry[k] for k in sorted(self.registry)][:limit])

    def tagged_tickets(self, name: str, limit: int) -> list[int]:
        return sorted(tid for tid, held in self.tag_items_by_ticket.items() if name.lower() in held)[:limit]

    def rename_tag_item(self, item: TagItem, name: str) -> TagItem:
        self.registry[item.name.lower()].name = name
        return _copy(self.registry[item.name.lower()])

    def delete_tag_item(self, item: TagItem) -> None:
        self.registry.pop(item.name.lower(), None)

    def links(self, ticket_id: int) -> list[TicketLink]:
        return _copy([self.link_items[ticket_id][k] for k in sorted(self.link_items.get(ticket_id, {}))])

    def add_link(self, link: TicketLink) -> bool:
        self._maybe_fail()
        if (link.other_id, link.link_type) in self.link_items.get(link.ticket_id, {}):
            return False
        back = link.inverse()
        self.link_items.setdefault(link.ticket_id, {})[(link.other_id, link.link_type)] = _copy(link)
        self.link_items.setdefault(back.ticket_id, {})[(back.other_id, back.link_type)] = _copy(back)
        return True

    def remove_link(self, link: TicketLink) -> bool:
        self._maybe_fail()
        if self.link_items.get(link.ticket_id, {}).pop((link.other_id, link.link_type), None) is None:
            return False
        back = link.inverse()
        self.link_items.get(back.ticket_id, {}).pop((back.other_id, back.link_type), None)
        return True

    def forget_ticket(self, ticket_id: int) -> None:
        for tag in list(self.tag_items_by_ticket.get(ticket_id, {}).values()):
            self.remove_tag(ticket_id, tag.name)
        for link in list(self.link_items.get(ticket_id, {}).values()):
            back = link.inverse()
            self.link_items.get(back.ticket_id, {}).pop((back.other_id, back.link_type), None)
        self.link_items.pop(ticket_id, None)
        self.tag_items_by_ticket.pop(ticket_id, None)
        self.history_items.pop(ticket_id, None)


class FakeTicketMoves:
    """TicketMoves over FakeTicketRepository: all or nothing, versions checked."""

    def __init__(self, tickets: FakeTicketRepository) -> None:
        self.tickets = tickets
        self.fail_next_write: Optional[Exception] = None

    def merge(self, source: Ticket, source_version: int, target: Ticket, target_version: int,
              moved: list[Article], note: Article, source_schedule: Optional[tuple[DueEvent, ...]] = None,
              target_schedule: Optional[tuple[DueEvent, ...]] = None) -> None:
        if self.fail_next_write is not None:
            error, self.fail_next_write = self.fail_next_write, None
            raise error
        repo = self.tickets
        for ticket, version in ((source, source_version), (target, target_version)):
            current = repo.tickets.get(ticket.id)
            if current is None or current.version != version:
                raise Conflict("The ticket was changed by someone else at the same time.")
        if note.id in repo.articles_by_id:
            raise Conflict("The article exists already.")
        source.version, target.version = source_version + 1, target_version + 1
        repo.tickets[source.id], repo.tickets[target.id] = _copy(source), _copy(target)
        repo._schedule(source.id, source.version, source_schedule)
        repo._schedule(target.id, target.version, target_schedule)
        for article in moved:
            repo.articles_by_id[article.id] = _copy(article)
        repo.articles_by_id[note.id] = _copy(note)


def make_ticket_links(world: "World"):
    """The ticket-links service and its observers wired onto a world's ticket service."""
    from chalicelib.core.ticket_links import HistoryRecorder, TicketLinkService, TicketLinksJanitor
    repo, moves = FakeTicketLinkRepository(), FakeTicketMoves(world.ticket_repo)
    world.tickets.observers.append(HistoryRecorder(repo, world.ids, world.catalog, world.users,
                                                   world.users.organizations_by_id))
    world.tickets.observers.append(TicketLinksJanitor(repo))
    service = TicketLinkService(world.tickets, repo, moves, world.blobs, world.search, world.ids, world.clock)
    return service, repo, moves
# <<< ticket-links
# >>> notifications: online notifications
from chalicelib.core.model import OnlineNotification  # noqa: E402


class FakeNotificationRepository:
    """NotificationRepository in memory: per-user newest first, id pointers, conditional saves."""

    def __init__(self) -> None:
        self.items: dict[int, OnlineNotification] = {}
        self.fail_next_write: Optional[Exception] = None

    def _maybe_fail(self) -> None:
        if self.fail_next_write is not None:
            error, self.fail_next_write = self.fail_next_write, None
            raise error

    def add_many(self, notifications: list[OnlineNotification]) -> None:
        self._maybe_fail()
        for n in notifications:
            self.items[n.id] = _copy(n)

    def get(self, user_id: int, notification_id: int) -> Optional[OnlineNotification]:
        n = self.items.get(notification_id)
        return _copy(n) if n is not None and n.user_id == user_id else None

    def owner_of(self, notification_id: int) -> Optional[int]:
        n = self.items.get(notification_id)
        return n.user_id if n is not None else None

    def page(self, user_id: int, offset: int, limit: int) -> list[OnlineNotification]:
        own = sorted((n for n in self.items.values() if n.user_id == user_id), key=lambda n: n.id, reverse=True)
        return [_copy(n) for n in own[offset:offset + max(limit, 0)]]

    def save(self, notification: OnlineNotification) -> None:
        self._maybe_fail()
        if notification.id not in self.items:
            raise NotFound("OnlineNotification", notification.id)
        self.items[notification.id] = _copy(notification)

    def save_many(self, notifications: list[OnlineNotification]) -> None:
        self._maybe_fail()
        for n in notifications:
            if n.id in self.items:
                self.items[n.id] = _copy(n)

    def delete(self, notification: OnlineNotification) -> None:
        self.items.pop(notification.id, None)

    def remove_for_object(self, object_name: str, o_id: int, limit: int) -> int:
        doomed = sorted(nid for nid, n in self.items.items() if n.object == object_name and n.o_id == o_id)
        for nid in doomed[:max(limit, 0)]:
            del self.items[nid]
        return len(doomed[:max(limit, 0)])
# <<< notifications
# >>> object-attributes: custom ticket fields (object_manager_attributes)
from chalicelib.core.model import ObjectAttribute  # noqa: E402


class FakeObjectAttributeRepository:
    """ObjectAttributeRepository in memory: unique (object, name), versions checked on save/delete."""

    def __init__(self) -> None:
        self.attributes: dict[tuple[str, str], ObjectAttribute] = {}
        self.reads = 0

    def all(self) -> list[ObjectAttribute]:
        self.reads += 1
        return [_copy(a) for _, a in sorted(self.attributes.items())]

    def create(self, attribute: ObjectAttribute) -> None:
        key = (attribute.object, attribute.name)
        if key in self.attributes:
            raise Conflict(f"{attribute.object}.{attribute.name} already exists")
        attribute.version = 1
        self.attributes[key] = _copy(attribute)

    def save(self, attribute: ObjectAttribute, expected_version: int) -> None:
        key = (attribute.object, attribute.name)
        current = self.attributes.get(key)
        if current is None or current.version != expected_version:
            raise Conflict("The attribute was changed by someone else at the same time, please retry.")
        attribute.version = expected_version + 1
        self.attributes[key] = _copy(attribute)

    def delete(self, attribute: ObjectAttribute) -> None:
        key = (attribute.object, attribute.name)
        current = self.attributes.get(key)
        if current is None or current.version != attribute.version:
            raise Conflict("The attribute was changed by someone else at the same time, please retry.")
        del self.attributes[key]
# <<< object-attributes


# --- a seeded world ---------------------------------------------------------------------------

SALES_GROUP = 2      # nobody but admins has access
ARCHIVE_GROUP = 3    # follow_up_possible = "new_ticket"


@dataclass
class World:
    tickets: TicketService
    users: UserDirectory
    access_tokens: AccessTokens
    clock: FakeClock
    ids: FakeIds
    ticket_repo: FakeTicketRepository
    user_repo: FakeUserRepository
    org_repo: FakeOrganizationRepository
    reference: FakeReferenceRepository
    token_repo: FakeAccessTokenRepository
    revocations: FakeRevocationList
    blobs: FakeBlobStore
    search: FakeSearchIndex
    principals: dict[str, Principal] = field(default_factory=dict)

    # Principals by role, for readable tests: w.admin, w.agent, ...
    @property
    def admin(self) -> Principal:
        return self.principals["admin"]

    @property
    def agent(self) -> Principal:
        """Full access to group 1."""
        return self.principals["agent"]

    @property
    def reader(self) -> Principal:
        """Read-only access to group 1."""
        return self.principals["reader"]

    @property
    def no_groups(self) -> Principal:
        """An agent without any group access."""
        return self.principals["no_groups"]

    @property
    def customer_a(self) -> Principal:
        return self.principals["customer_a"]

    @property
    def customer_b(self) -> Principal:
        """A's colleague in shared organization 1."""
        return self.principals["customer_b"]

    @property
    def customer_c(self) -> Principal:
        """In organization 2, which is not shared."""
        return self.principals["customer_c"]

    @property
    def customer_d(self) -> Principal:
        """C's colleague in unshared organization 2."""
        return self.principals["customer_d"]

    def catalog(self) -> Catalog:
        return Catalog(self.reference)

    def principal_for(self, user: User) -> Principal:
        organization = self.org_repo.get(user.organization_id) if user.organization_id else None
        return Principal(user=user, permissions=user.permissions,
                         shared_organization=bool(organization and organization.shared))

    def add_user(self, key: str, login: str, role_ids: list[int], group_access: Optional[dict] = None,
                 organization_id: Optional[int] = None, **extra) -> Principal:
        user = User(id=self.ids.next_id("user"), login=login, email=login, firstname=key.replace("_", " ").title(),
                    role_ids=role_ids, group_access=group_access or {}, organization_id=organization_id, **extra)
        self.user_repo.create(user)
        self.principals[key] = self.principal_for(user)
        return self.principals[key]

    def ticket_input(self, for_customer: Optional[Principal] = None, **overrides) -> TicketInput:
        """A valid create request for group 1 (customer A unless `for_customer`); keywords replace fields."""
        values = dict(
            title="Printer is broken",
            group=Ref("group", id=1),
            customer=CustomerRef(id=(for_customer or self.customer_a).id),
            article=ArticleInput(subject="Printer", body="The printer on floor 2 shows E42."),
        )
        values.update(overrides)
        return TicketInput(**values)

    def new_ticket(self, by: Optional[Principal] = None, for_customer: Optional[Principal] = None,
                   **overrides) -> Ticket:
        """Create a ticket (by the group 1 agent unless `by`), then let a minute pass."""
        ticket, _ = self.tickets.create(by or self.agent, self.ticket_input(for_customer, **overrides))
        self.clock.advance(60)
        return ticket


def make_world() -> World:
    clock, ids = FakeClock(), FakeIds()
    reference = FakeReferenceRepository(
        groups=copy.deepcopy(DEFAULT_GROUPS) + [Group(SALES_GROUP, "Sales"),
                                                 Group(ARCHIVE_GROUP, "Archive", follow_up_possible="new_ticket")],
        states=copy.deepcopy(DEFAULT_STATES),
        priorities=copy.deepcopy(DEFAULT_PRIORITIES),
    )
    ticket_repo, user_repo, org_repo = FakeTicketRepository(), FakeUserRepository(), FakeOrganizationRepository()
    token_repo, blobs, search = FakeAccessTokenRepository(), FakeBlobStore(), FakeSearchIndex()
    users = UserDirectory(user_repo, org_repo, ids, clock)
    world = World(
        tickets=TicketService(ticket_repo, lambda: Catalog(reference), users, blobs, search, ids, clock),
        users=users, access_tokens=AccessTokens(token_repo, ids, clock), clock=clock, ids=ids,
        ticket_repo=ticket_repo, user_repo=user_repo, org_repo=org_repo, reference=reference,
        token_repo=token_repo, revocations=FakeRevocationList(), blobs=blobs, search=search,
    )
    user_repo.create(User(id=SYSTEM_USER_ID, login="-", firstname="-", active=False))
    ids.ensure_at_least("user", SYSTEM_USER_ID)
    org_repo.create(Organization(id=ids.next_id("organization"), name="Shared Org", shared=True))     # 1
    org_repo.create(Organization(id=ids.next_id("organization"), name="Private Org", shared=False))   # 2
    world.add_user("admin", "admin@example.com", [ROLE_ADMIN, ROLE_AGENT])
    world.add_user("agent", "agent@example.com", [ROLE_AGENT], {"1": ["full"]})
    world.add_user("reader", "reader@example.com", [ROLE_AGENT], {"1": ["read"]})
    world.add_user("no_groups", "idle@example.com", [ROLE_AGENT])
    world.add_user("customer_a", "a@shared.example", [ROLE_CUSTOMER], organization_id=1)
    world.add_user("customer_b", "b@shared.example", [ROLE_CUSTOMER], organization_id=1)
    world.add_user("customer_c", "c@private.example", [ROLE_CUSTOMER], organization_id=2)
    world.add_user("customer_d", "d@private.example", [ROLE_CUSTOMER], organization_id=2)
    return world


__all__ = [
    "ARCHIVE_GROUP", "SALES_GROUP", "ArticleInput", "AttachmentInput", "CustomerRef", "FakeAccessTokenRepository",
    "FakeBlobStore", "FakeClock", "FakeIds", "FakeOrganizationRepository", "FakeReferenceRepository",
    "FakeRevocationList", "FakeSearchIndex", "FakeTicketRepository", "FakeUserRepository", "Ref", "TicketInput",
    "World", "make_world",
]
# >>> escalation: calendars, SLAs, due work
from chalicelib.core.model import WEEKDAYS, Mail  # noqa: E402


class FakeMailer:
    """The Mailer port: remembers what was sent."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)


def round_the_clock(calendar_id: int = 1) -> Calendar:
    """A calendar whose every minute is a business minute: job tests reason in plain minutes."""
    return Calendar(calendar_id, "24/7", timezone="UTC", default=True,
                    business_hours={day: {"active": True, "timeframes": [["00:00", "24:00"]]} for day in WEEKDAYS})
# <<< escalation
# >>> mail-cleanup: expiry index
from datetime import date  # noqa: E402
from typing import Sequence  # noqa: E402

from chalicelib.core.ports import Expiring  # noqa: E402


class FakeExpiryStore:
    """ExpiryStore in memory: keys with their expiry, ordered like the index (epoch, then key).
    `throttle` makes delete leave that many of each call's items behind, as unprocessed items would."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], int] = {}
        self.day: Optional[date] = None
        self.throttle = 0
        self.reads: list[date] = []

    def add(self, pk: str, sk: str, expires_at: int) -> None:
        self.items[(pk, sk)] = expires_at

    @staticmethod
    def _position(key: tuple[str, str], expires_at: int) -> str:
        return f"{expires_at:012d}#{key[0]}#{key[1]}"

    def expired(self, day: date, until_epoch: int, limit: int, after: Optional[Expiring] = None) -> list[Expiring]:
        self.reads.append(day)
        found = [
            Expiring(position=self._position(key, at), key=key, expires_at=at) for key, at in self.items.items()
            if datetime.fromtimestamp(at, tz=timezone.utc).date() == day and at <= until_epoch
            and (after is None or self._position(key, at) > after.position)]
        return sorted(found, key=lambda item: item.position)[:max(limit, 0)]

    def delete(self, items: Sequence[Expiring]) -> int:
        done = items[:max(len(items) - self.throttle, 0)]
        for item in done:
            self.items.pop(item.key, None)
        return len(done)

    def cursor(self) -> Optional[date]:
        return self.day

    def set_cursor(self, day: date) -> None:
        if self.day is None or day > self.day:
            self.day = day
# <<< mail-cleanup
# >>> customer-accounts: password reset tokens, a mailer that fails
from chalicelib.core.ports import ResetToken  # noqa: E402


class FakeResetTokenRepository:
    """ResetTokenRepository in memory. `before_consume` runs just before a consume takes effect, so a
    test can let another request get there first."""

    def __init__(self) -> None:
        self.tokens: dict[str, ResetToken] = {}
        self.before_consume: Optional[Callable[[], None]] = None

    def create(self, token: ResetToken) -> None:
        if token.token_hash in self.tokens:
            raise Conflict("This reset token exists already.")
        self.tokens[token.token_hash] = token

    def get(self, token_hash: str) -> Optional[ResetToken]:
        return self.tokens.get(token_hash)

    def consume(self, token_hash: str) -> bool:
        if self.before_consume is not None:
            hook, self.before_consume = self.before_consume, None
            hook()
        return self.tokens.pop(token_hash, None) is not None

    def delete(self, token_hash: str) -> None:
        self.tokens.pop(token_hash, None)


class FailingMailer(FakeMailer):
    """A Mailer whose sends fail while `failing` is set (SES refusing, an outage)."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = False

    def send(self, mail: Mail) -> None:
        if self.failing:
            raise OSError("mail transport unavailable")
        super().send(mail)
# <<< customer-accounts
# >>> uploads: the form upload cache (OTRS FormID)
from dataclasses import replace  # noqa: E402
from typing import Collection  # noqa: E402

from chalicelib.core.model import UploadedFile  # noqa: E402
from chalicelib.core.ports import UploadForm  # noqa: E402


class FakeUploadRepository:
    """UploadRepository in memory, with the DynamoDB store's conditions (tests/storage/test_uploads_contract.py
    runs both). `file_expiry` is what the table's TTL attribute of each file item would say. `before_write`,
    when set, runs once before the next add or remove is applied: a concurrent request's change."""

    def __init__(self) -> None:
        self.forms: dict[str, UploadForm] = {}
        self.file_items: dict[tuple[str, int], UploadedFile] = {}
        self.file_expiry: dict[tuple[str, int], int] = {}
        self.before_write: Optional[Callable[[], None]] = None

    def read(self, form_id: str) -> tuple[Optional[UploadForm], list[UploadedFile]]:
        form = self.forms.get(form_id)
        if form is None:
            return None, []
        return form, [self.file_items[(form_id, i)] for i in sorted(form.file_ids) if (form_id, i) in self.file_items]

    def reserve(self, form_id: str, owner_id: int, max_files: int, now_epoch: int, expires_at: int) -> UploadForm:
        form = self.forms.get(form_id)
        if form is not None and not (form.owner_id == owner_id and form.expires_at > now_epoch
                                     and len(form.file_ids) < max_files):
            raise Conflict("The upload form changed meanwhile.")
        reserved = UploadForm(form_id, owner_id, (form.last_file_id if form else 0) + 1,
                              form.file_ids if form else frozenset(), expires_at)
        self.forms[form_id] = reserved
        return reserved

    def restart(self, form_id: str, owner_id: int, now_epoch: int, expires_at: int) -> UploadForm:
        form = self.forms.get(form_id)
        if form is not None and form.expires_at > now_epoch:
            raise Conflict("The upload form changed meanwhile.")
        self.forms[form_id] = UploadForm(form_id, owner_id, 1, frozenset(), expires_at)
        return self.forms[form_id]

    def _concurrently(self) -> None:
        hook, self.before_write = self.before_write, None
        if hook is not None:
            hook()

    def add(self, form_id: str, owner_id: int, file: UploadedFile, others: Collection[int], max_files: int,
            expires_at: int) -> None:
        self._concurrently()
        form = self.forms.get(form_id)
        if (form is None or form.owner_id != owner_id or file.file_id in form.file_ids
                or len(form.file_ids) >= max_files or any((form_id, i) not in self.file_items for i in others)):
            raise Conflict("The upload form changed meanwhile.")
        self.file_items[(form_id, file.file_id)] = file
        for file_id in (file.file_id, *others):
            self.file_expiry[(form_id, file_id)] = expires_at
        self.forms[form_id] = replace(form, file_ids=form.file_ids | {file.file_id})

    def remove(self, form_id: str, owner_id: int, file_ids: Collection[int]) -> None:
        self._concurrently()
        form = self.forms.get(form_id)
        if form is None or form.owner_id != owner_id:
            raise Conflict("The upload form changed meanwhile.")
        self._forget(form_id, file_ids)
        self.forms[form_id] = replace(form, file_ids=form.file_ids - set(file_ids))

    def drop(self, form_id: str, file_ids: Collection[int]) -> None:
        self.forms.pop(form_id, None)
        self._forget(form_id, file_ids)

    def _forget(self, form_id: str, file_ids: Collection[int]) -> None:
        for file_id in file_ids:
            self.file_items.pop((form_id, file_id), None)
            self.file_expiry.pop((form_id, file_id), None)
# <<< uploads
# >>> otrs-articles: per-user article flags
class FakeArticleFlagRepository:
    """ArticleFlagRepository in memory: (ticket id, article id, user id) -> flags."""

    def __init__(self) -> None:
        self.items: dict[tuple[int, int, int], dict[str, str]] = {}

    def get(self, ticket_id: int, article_id: int, user_id: int) -> dict[str, str]:
        return dict(self.items.get((ticket_id, article_id, user_id), {}))

    def put(self, ticket_id: int, article_id: int, user_id: int, flags: dict[str, str]) -> None:
        self.items[(ticket_id, article_id, user_id)] = dict(flags)

    def for_user(self, ticket_id: int, user_id: int) -> dict[int, dict[str, str]]:
        return {aid: dict(flags) for (tid, aid, uid), flags in self.items.items()
                if tid == ticket_id and uid == user_id}

    def forget_ticket(self, ticket_id: int) -> None:
        for key in [k for k in self.items if k[0] == ticket_id]:
            del self.items[key]
# <<< otrs-articles
# >>> otrs-process: process definitions
from chalicelib.core.ports import StoredProcess  # noqa: E402


class FakeProcessRepository:
    """ProcessRepository in memory: definitions by EntityID, versions checked on put."""

    def __init__(self) -> None:
        self.processes: dict[str, StoredProcess] = {}
        self.reads = 0

    def get(self, entity_id: str) -> Optional[StoredProcess]:
        self.reads += 1
        return _copy(self.processes.get(entity_id))

    def all(self) -> list[StoredProcess]:
        self.reads += 1
        return [_copy(p) for _, p in sorted(self.processes.items())]

    def put(self, process: StoredProcess, expected_version: int) -> None:
        current = self.processes.get(process.entity_id)
        if (current.version if current else 0) != expected_version:
            raise Conflict("The process was changed by someone else at the same time, please retry.")
        process.version = expected_version + 1
        self.processes[process.entity_id] = _copy(process)
# <<< otrs-process
# >>> kb: knowledge base categories, answers and votes
from chalicelib.core.model import KbAnswer, KbCategory, KbSnapshot, VoteSummary  # noqa: E402


class FakeKnowledgeBaseRepository:
    """KnowledgeBaseRepository in memory: versions checked on put, one vote per (answer, visitor);
    `fail_next_vote` makes the next add_vote raise it (a store failure)."""

    def __init__(self) -> None:
        self.categories: dict[int, KbCategory] = {}
        self.answers: dict[int, KbAnswer] = {}
        self.votes: dict[tuple[int, str], int] = {}
        self.fail_next_vote: Optional[Exception] = None

    def snapshot(self) -> KbSnapshot:
        return KbSnapshot([_copy(c) for _, c in sorted(self.categories.items())],
                          [_copy(a) for _, a in sorted(self.answers.items())])

    def category(self, category_id: int) -> Optional[KbCategory]:
        return _copy(self.categories.get(category_id))

    def answer(self, answer_id: int) -> Optional[KbAnswer]:
        return _copy(self.answers.get(answer_id))

    def _put(self, store: dict, obj, expected_version: int) -> None:
        current = store.get(obj.id)
        if (current.version if current else 0) != expected_version:
            raise Conflict("The knowledge base entry was changed by someone else at the same time, please retry.")
        obj.version = expected_version + 1
        store[obj.id] = _copy(obj)

    def put_category(self, category: KbCategory, expected_version: int) -> None:
        self._put(self.categories, category, expected_version)

    def put_answer(self, answer: KbAnswer, expected_version: int) -> None:
        self._put(self.answers, answer, expected_version)

    def delete_category(self, category_id: int) -> None:
        self.categories.pop(category_id, None)

    def delete_answer(self, answer_id: int) -> None:
        self.answers.pop(answer_id, None)
        for key in [k for k in self.votes if k[0] == answer_id]:
            del self.votes[key]

    def add_vote(self, answer_id: int, visitor: str, rate: int, at: str) -> bool:
        if self.fail_next_vote is not None:
            error, self.fail_next_vote = self.fail_next_vote, None
            raise error
        if (answer_id, visitor) in self.votes:
            return False
        self.votes[(answer_id, visitor)] = rate
        return True

    def has_voted(self, answer_id: int, visitor: str) -> bool:
        return (answer_id, visitor) in self.votes

    def vote_summary(self, answer_id: int) -> VoteSummary:
        rates = [rate for (aid, _), rate in self.votes.items() if aid == answer_id]
        return VoteSummary(len(rates), round(sum(rates) / len(rates), 1) if rates else None)
# <<< kb
# >>> otrs-frontend: the external frontend's content
from chalicelib.core.ports import StoredContent  # noqa: E402


class FakeFrontendContentRepository:
    """FrontendContentRepository in memory: (kind, key) -> content, versions checked, usage kept apart."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], StoredContent] = {}
        self.fail_count_use: Optional[Exception] = None

    def get(self, kind: str, key: str) -> Optional[StoredContent]:
        return _copy(self.items.get((kind, key)))

    def list(self, kind: str) -> list[StoredContent]:
        return [_copy(c) for (k, _), c in sorted(self.items.items()) if k == kind]

    def put(self, content: StoredContent, expected_version: int) -> None:
        current = self.items.get((content.kind, content.key))
        if (current.version if current else 0) != expected_version:
            raise Conflict("The frontend content was changed by someone else at the same time, please retry.")
        content.version = expected_version + 1
        stored = _copy(content)
        stored.uses = current.uses if current else 0
        self.items[(content.kind, content.key)] = stored

    def delete(self, kind: str, key: str, expected_version: int) -> None:
        current = self.items.get((kind, key))
        if current is None or current.version != expected_version:
            raise Conflict("The frontend content was changed by someone else at the same time, please retry.")
        del self.items[(kind, key)]

    def count_use(self, kind: str, key: str) -> int:
        if self.fail_count_use is not None:
            raise self.fail_count_use
        current = self.items.get((kind, key))
        if current is None:
            raise NotFound(kind, key)
        current.uses += 1
        return current.uses
# <<< otrs-frontend


# >>> chat
from chalicelib.core.chat import Chat, ChatChannel, ChatMessage, VideoSignal  # noqa: E402


class FakeChatStore:
    """ChatRepository in memory: versions checked on channel and chat writes, message numbers unique,
    signals removed as they are read. `lose_next_saves` makes that many chat saves fail with Conflict (a
    concurrent writer won), to test the service's retry."""

    def __init__(self) -> None:
        self.channel_items: dict[int, ChatChannel] = {}
        self.chats: dict[int, Chat] = {}
        self.chat_messages: dict[int, dict[int, ChatMessage]] = {}
        self.signals: list[VideoSignal] = []
        self.expiries: dict[int, int] = {}
        self.lose_next_saves = 0

    def channels(self) -> list[ChatChannel]:
        return [_copy(c) for _, c in sorted(self.channel_items.items())]

    def channel(self, channel_id: int) -> Optional[ChatChannel]:
        return _copy(self.channel_items.get(channel_id))

    def put_channel(self, channel: ChatChannel, expected_version: int) -> None:
        current = self.channel_items.get(channel.id)
        if (current.version if current else 0) != expected_version:
            raise Conflict("The chat topic was changed by someone else at the same time, please retry.")
        channel.version = expected_version + 1
        self.channel_items[channel.id] = _copy(channel)

    def delete_channel(self, channel_id: int, expected_version: int) -> None:
        current = self.channel_items.get(channel_id)
        if current is None or current.version != expected_version:
            raise Conflict("The chat topic was changed by someone else at the same time, please retry.")
        del self.channel_items[channel_id]

    def get(self, chat_id: int) -> Optional[Chat]:
        return _copy(self.chats.get(chat_id))

    def messages(self, chat_id: int, after: int = 0) -> list[ChatMessage]:
        return [m for n, m in sorted(self.chat_messages.get(chat_id, {}).items()) if n > after]

    def _put_messages(self, chat_id: int, messages: list[ChatMessage]) -> None:
        stored = self.chat_messages.setdefault(chat_id, {})
        if any(m.id in stored for m in messages):
            raise Conflict("The chat was changed by someone else at the same time, please retry.")
        stored.update({m.id: m for m in messages})

    def create(self, chat: Chat, messages: list[ChatMessage]) -> None:
        if chat.id in self.chats:
            raise Conflict("The chat was changed by someone else at the same time, please retry.")
        self._put_messages(chat.id, messages)
        chat.version = 1
        self.chats[chat.id] = _copy(chat)

    def save(self, chat: Chat, expected_version: int, messages: list[ChatMessage]) -> None:
        current = self.chats.get(chat.id)
        if self.lose_next_saves:
            self.lose_next_saves -= 1
            raise Conflict("The chat was changed by someone else at the same time, please retry.")
        if current is None or current.version != expected_version:
            raise Conflict("The chat was changed by someone else at the same time, please retry.")
        self._put_messages(chat.id, messages)
        chat.version = expected_version + 1
        self.chats[chat.id] = _copy(chat)

    def _newest(self, keep: Callable[[Chat], bool], limit: int) -> list[Chat]:
        return [_copy(c) for _, c in sorted(self.chats.items(), reverse=True) if keep(c)][:limit]

    def by_requester(self, requester_key: str, limit: int) -> list[Chat]:
        return self._newest(lambda c: c.requester_key == requester_key, limit)

    def by_target(self, target_key: str, limit: int) -> list[Chat]:
        return self._newest(lambda c: bool(c.target_key) and c.target_key == target_key, limit)

    def by_state(self, channel_id: int, status: str, offset: int, limit: int,
                 newest_first: bool = False) -> list[Chat]:
        found = [_copy(c) for _, c in sorted(self.chats.items(), reverse=newest_first)
                 if c.channel_id == channel_id and c.status == status]
        return found[offset:offset + limit]

    def add_signal(self, signal: VideoSignal) -> None:
        self.signals.append(signal)

    def take_signals(self, chat_id: int, target_key: str) -> list[VideoSignal]:
        taken = [s for s in self.signals if s.chat_id == chat_id and s.target_key == target_key]
        self.signals = [s for s in self.signals if s not in taken]
        return taken

    def expire(self, chat_id: int, at_epoch: int) -> None:
        self.expiries[chat_id] = at_epoch
# <<< chat


# >>> docsearch
# <<< docsearch
