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
                                   Group, Organization, Principal, Priority, State, Ticket, User)
from chalicelib.core.ports import CatalogSnapshot, NewBlob, TicketScope
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

    def create(self, ticket: Ticket, article: Article) -> None:
        self._maybe_fail()
        if ticket.id in self.tickets or ticket.number in self.numbers or article.id in self.articles_by_id:
            raise Conflict("A ticket with this id or number exists already.")
        ticket.version = 1
        self.tickets[ticket.id] = _copy(ticket)
        self.numbers[ticket.number] = ticket.id
        self.articles_by_id[article.id] = _copy(article)

    def save(self, ticket: Ticket, expected_version: int, new_article: Optional[Article] = None) -> None:
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
        if new_article is not None:
            self.articles_by_id[new_article.id] = _copy(new_article)
        self.saves += 1

    def delete(self, ticket: Ticket) -> list[Article]:
        current = self.tickets.get(ticket.id)
        if current is None or current.version != ticket.version:
            raise Conflict("The ticket was changed by someone else at the same time.")
        articles = self.articles(ticket.id)
        del self.tickets[ticket.id]
        self.numbers.pop(current.number, None)
        for article in articles:
            del self.articles_by_id[article.id]
        return articles

    def articles(self, ticket_id: int) -> list[Article]:
        found = [a for a in self.articles_by_id.values() if a.ticket_id == ticket_id]
        return [_copy(a) for a in sorted(found, key=lambda a: a.id)]

    def article(self, article_id: int) -> Optional[Article]:
        return _copy(self.articles_by_id.get(article_id))

    def page(self, scope: TicketScope, offset: int, limit: int) -> list[Ticket]:
        def in_scope(t: Ticket) -> bool:
            return (scope.everything or t.group_id in scope.group_ids
                    or (scope.customer_id is not None and t.customer_id == scope.customer_id)
                    or (scope.organization_id is not None and t.organization_id == scope.organization_id))
        found = sorted((t for t in self.tickets.values() if in_scope(t)), key=lambda t: t.id)
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
        self.snapshots = 0

    def snapshot(self) -> CatalogSnapshot:
        self.snapshots += 1
        return CatalogSnapshot(
            groups=[_copy(g) for _, g in sorted(self.groups.items())],
            states=[_copy(s) for _, s in sorted(self.states.items())],
            priorities=[_copy(p) for _, p in sorted(self.priorities.items())],
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
# <<< ticket-links
# >>> notifications: online notifications
# <<< notifications
# >>> object-attributes: custom ticket fields (object_manager_attributes)
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
