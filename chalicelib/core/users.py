"""Users as tickets need them: find by id, login or email, and create customers on demand."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from . import policy
from .errors import Conflict, InvalidInput, LookupFailed, NotFound
from .model import (GROUP_ACCESS_LEVELS, ROLE_CUSTOMER, ROLE_NAMES, SYSTEM_USER_ID, Organization, Principal,
                    User)
from .ports import Clock, IdAllocator, OrganizationRepository, UserRepository

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def iso(clock: Clock) -> str:
    """Zammad's timestamp format: ISO-8601 UTC with milliseconds."""
    return clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class CustomerRef:
    """The customer of a ticket as the caller named it."""
    id: Optional[int] = None
    email: Optional[str] = None   # must exist (Zammad `customer: "<email>"`)
    guess: Optional[str] = None   # found or created (Zammad `customer_id: "guess:<email>"`)
    login: Optional[str] = None


class UserDirectory:
    def __init__(self, users: UserRepository, organizations: OrganizationRepository,
                 ids: IdAllocator, clock: Clock, hasher: Optional[Callable[[str], str]] = None,
                 references: Optional[Any] = None, catalog: Optional[Callable[[], Any]] = None) -> None:
        self.users = users
        self.organizations = organizations
        self._ids = ids
        self._clock = clock
        self._hasher = hasher          # password -> stored hash, injected (the core never imports auth)
        self._references = references  # TicketReferences: may a user/organization be deleted?
        self._catalog = catalog        # groups, to check group_ids

    def get(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise NotFound("User", user_id)
        return user

    def many(self, user_ids: Iterable[int]) -> dict[int, User]:
        wanted = {uid for uid in user_ids if uid is not None}
        return self.users.get_many(wanted) if wanted else {}

    def organizations_by_id(self, organization_ids: Iterable[Optional[int]]) -> dict[int, Organization]:
        wanted = {oid for oid in organization_ids if oid is not None}
        return self.organizations.get_many(wanted) if wanted else {}

    def find(self, key: str) -> Optional[User]:
        """By id, login or email, in that order (Zammad's X-On-Behalf-Of rule)."""
        if key.isdigit():
            user = self.users.get(int(key))
            if user:
                return user
        return self.users.by_login(key.lower()) or self.users.by_email(key.lower())

    def resolve_customer(self, ref: CustomerRef, actor_id: int) -> User:
        if ref.guess is not None:
            return self._find_or_create_customer(ref.guess, actor_id)
        if ref.id is not None:
            user = self.users.get(ref.id)
            if user is None:
                raise LookupFailed("customer_id", ref.id)
            return user
        if ref.email is not None:
            user = self.users.by_login(ref.email.lower()) or self.users.by_email(ref.email.lower())
            if user is None:
                raise LookupFailed("customer", ref.email)
            return user
        if ref.login is not None:
            user = self.users.by_login(ref.login.lower())
            if user is None:
                raise LookupFailed("customer", ref.login)
            return user
        raise InvalidInput("The required value 'customer_id' is missing.", field="customer")

    def _find_or_create_customer(self, email: str, actor_id: int) -> User:
        email = email.strip()
        if not EMAIL.match(email):
            raise InvalidInput(f"Invalid email '{email}' of customer", field="customer_id")
        existing = self.users.by_email(email.lower())
        if existing:
            return existing
        return self.create_customer(email=email, actor_id=actor_id)

    def create_customer(self, email: str, actor_id: int, firstname: str = "", lastname: str = "",
                        password_hash: str = "", organization_id: Optional[int] = None) -> User:
        now = iso(self._clock)
        user = User(
            id=self._ids.next_id("user"), login=email.lower(), email=email.lower(),
            firstname=firstname, lastname=lastname, password_hash=password_hash,
            role_ids=[ROLE_CUSTOMER], organization_id=organization_id or self._organization_for(email),
            created_by_id=actor_id, updated_by_id=actor_id, created_at=now, updated_at=now,
        )
        self.users.create(user)
        return user

    def _organization_for(self, email: str) -> Optional[int]:
        """Zammad's domain assignment: a new customer joins the organization owning its domain."""
        domain = email.rsplit("@", 1)[-1].lower()
        organization = self.organizations.by_domain(domain)
        if organization and organization.domain_assignment:
            return organization.id
        return None

    def configure(self, hasher: Optional[Callable[[str], str]] = None, references: Optional[Any] = None,
                  catalog: Optional[Callable[[], Any]] = None) -> None:
        """Late wiring by the composition root: password hasher, ticket references, group catalog."""
        self._hasher = hasher or self._hasher
        self._references = references or self._references
        self._catalog = catalog or self._catalog

    # --- /users: Zammad's users controller ------------------------------------------------------

    def _repo(self) -> Any:
        return self.users  # a DirectoryUserRepository where the directory routes are served

    def show(self, principal: Principal, user_id: int) -> User:
        user = self.get(user_id)
        policy.require(policy.can_read_user(principal, user))
        return user

    def page(self, principal: Principal, offset: int, limit: int) -> list[User]:
        """Agents and user admins list everyone (id order); anybody else only themselves."""
        if policy.reads_all_users(principal):
            return self._repo().page(offset, limit)
        return [principal.user] if offset == 0 and limit > 0 else []

    def search(self, principal: Principal, request: "SearchRequest") -> list[User]:
        policy.require(policy.can_search_users(principal))
        words, filters = _split_query(request.query)
        candidates: Optional[set[int]] = None
        for word in words:
            for token in query_tokens(word):
                found = set(self._repo().with_token(token, SEARCH_CAP))
                org_ids = self._orgs().with_token(token, ORG_WORD_ORGS) if self._orgs() else []
                for org_id in org_ids:  # "words match the organization name": its members match
                    found.update(self._repo().members(org_id, SEARCH_CAP))
                candidates = _intersect(candidates, found)
        for name, value in filters:
            exact = None
            if name in ("email", "login") and "*" not in value:
                hit = self.users.by_email(value) if name == "email" else self.users.by_login(value)
                exact = {hit.id} if hit else set()
            elif name == "organization_id" and value.isdigit():
                exact = set(self._repo().members(int(value), SEARCH_CAP))
            elif name == "id" and value.isdigit():
                exact = {int(value)}
            elif name in ("login", "email", "firstname", "lastname"):  # the indexed fields
                for token in query_tokens(value):
                    exact = _intersect(exact, set(self._repo().with_token(token, SEARCH_CAP)))
            if exact is not None:
                candidates = _intersect(candidates, exact)
        if candidates is None:  # no word narrowed it: walk the list, capped like ticket search
            users = self._repo().page(0, SEARCH_CAP)
        else:
            users = list(self.users.get_many(sorted(candidates)[:SEARCH_CAP]).values())
        users = [u for u in users if u.id != SYSTEM_USER_ID
                 and all(_matches(u, name, value) for name, value in filters)]
        users = _sort(users, request.sort_by, request.order_by, SORTABLE_USER_FIELDS, "updated_at")
        return users[request.offset:request.offset + request.limit]

    def create(self, principal: Principal, data: "UserInput") -> User:
        policy.require(policy.can_create_users(principal))
        admin = policy.can_assign_roles_and_groups(principal)
        if not admin:
            data.password = None  # agents do not set passwords (it would hand them the account)
        role_ids = self._role_ids(data) if (admin and data.sets_roles) else [ROLE_CUSTOMER]
        group_access = self._group_access(data) if (admin and data.sets_groups) else {}
        return self._create(data, principal.id, role_ids, group_access, source=None)

    def signup(self, data: "UserInput") -> Optional[User]:
        """Self-signup without credentials: a Customer, never roles or groups. An email that is taken
        gives no error (Zammad mails the owner instead), so signup cannot probe for accounts."""
        email = (data.text.get("email") or "").strip()
        if not email:
            raise InvalidInput("Attribute 'email' required!", field="email")
        if self.users.by_email(email.lower()):
            return None
        safe = UserInput(text={k: v for k, v in data.text.items() if k != "note"}, password=data.password,
                         preferences=data.preferences)
        safe.text["login"] = email
        return self._create(safe, SYSTEM_USER_ID, [ROLE_CUSTOMER], {}, source="signup")

    def update(self, principal: Principal, user_id: int, data: "UserInput") -> User:
        user = self.get(user_id)
        policy.require(policy.can_change_user(principal, user))
        if not policy.can_assign_roles_and_groups(principal):
            data.password = None  # agents do not set customers' passwords (it would hand them the account)
        before_email, before_login = user.email, user.login
        self._apply(user, data, creating=False)
        if policy.can_assign_roles_and_groups(principal):
            if data.sets_roles:
                user.role_ids = self._role_ids(data)
            if data.sets_groups:
                user.group_access = self._group_access(data)
            if user.id == principal.id and "admin.user" not in user.permissions and principal.has("admin.user"):
                raise InvalidInput("You can't remove your own admin permission.", field="role_ids")
        if user.email != before_email and before_login == before_email and "login" not in data.text:
            user.login = user.email  # Zammad: a login that was the old email follows the email
        if user.login != before_login:
            user.login = self._free_login(user.login, user.id)
        user.updated_by_id = principal.id
        user.updated_at = iso(self._clock)
        self._write(lambda: self._repo().save(user), user)
        return user

    def delete(self, principal: Principal, user_id: int) -> None:
        user = self.get(user_id)
        policy.require(policy.can_delete_user(principal, user))
        if user.id == principal.id or user.id == principal.real_user_id:
            raise InvalidInput("It is not possible to delete your current account.")
        if user.id == SYSTEM_USER_ID or "ticket.agent" in user.permissions:
            # the system user owns unassigned tickets; agents own tickets (no owner index): deactivate them
            raise InvalidInput(REFERENCED)
        if self._references is not None and self._references.customer_has_tickets(user.id):
            raise InvalidInput(REFERENCED)
        self._repo().delete(user)

    def agents_for_group(self, group_id: int) -> list[User]:
        """Active agents who may read the group, by explicit access (admins' implicit access excluded)."""
        return sorted((u for u in self._repo().agents_in_group(group_id) if policy.reads_group(u, group_id)),
                      key=lambda u: u.id)

    def member_ids(self, organization_id: int) -> list[int]:
        return self._repo().members(organization_id, MEMBER_IDS_LIMIT)

    # --- helpers ---------------------------------------------------------------------------

    def _orgs(self) -> Any:
        return self.organizations

    def _create(self, data: "UserInput", actor_id: int, role_ids: list[int], group_access: dict[str, list[str]],
                source: Optional[str]) -> User:
        now = iso(self._clock)
        user = User(id=0, login="", role_ids=role_ids, group_access=group_access, source=source,
                    created_by_id=actor_id, updated_by_id=actor_id, created_at=now, updated_at=now)
        self._apply(user, data, creating=True)
        if not user.login:
            user.login = user.email
        if not user.login:
            if not (user.firstname or user.lastname or user.phone or user.mobile):
                raise InvalidInput("At least one identifier (firstname, lastname, phone, mobile or email) "
                                   "for user is required.")
            user.login = f"auto-{now}-{self._ids.next_id('autologin')}".lower()
        if user.organization_id is None and user.email and not data.clear_organization:
            user.organization_id = self._organization_for(user.email)
        user.login = self._free_login(user.login, None)
        user.id = self._ids.next_id("user")
        self._write(lambda: self._repo().create(user), user)
        return user

    def _write(self, action: Callable[[], None], user: User) -> None:
        """Uniqueness is a property of the write; its failure is Zammad's 422, not a 409."""
        try:
            action()
        except Conflict:
            if user.email and (other := self.users.by_email(user.email)) and other.id != user.id:
                raise InvalidInput(EMAIL_TAKEN.format(user.email), field="email") from None
            raise

    def _free_login(self, login: str, own_id: Optional[int]) -> str:
        """Zammad's check_login: a taken login gets the first free suffix 1..20."""
        base = login.strip().lower()
        for suffix in [""] + [str(n) for n in range(1, LOGIN_ALTERNATIVES + 1)]:
            other = self.users.by_login(base + suffix)
            if other is None or other.id == own_id:
                return base + suffix
        raise InvalidInput(f"Login '{base}' is already used for other user.", field="login")

    def _apply(self, user: User, data: "UserInput", creating: bool) -> None:
        for name, value in data.text.items():
            if name not in USER_TEXT_FIELDS:
                continue
            value = value.strip() if name in ("login", "email") else value
            if name == "email":
                value = value.lower()
                if value and not EMAIL.match(value):
                    raise InvalidInput(f"Invalid email '{value}'", field="email")
                if value and value != user.email:
                    other = self.users.by_email(value)
                    if other is not None and other.id != user.id:
                        raise InvalidInput(EMAIL_TAKEN.format(value), field="email")
            if name == "login" and not value:
                continue
            setattr(user, name, value[:255] if name != "note" else value[:5000])
        for name, flag in data.flags.items():
            if name in USER_FLAG_FIELDS:
                setattr(user, name, flag)
        if data.clear_organization:
            user.organization_id = None
        elif data.organization_name is not None:
            organization = self.organizations.by_name(data.organization_name)
            if organization is None:
                raise LookupFailed("organization", data.organization_name)
            user.organization_id = organization.id
        elif data.organization_id is not None:
            if self.organizations.get(data.organization_id) is None:
                raise LookupFailed("organization_id", data.organization_id)
            user.organization_id = data.organization_id
        if data.password is not None:
            if not data.password:
                raise InvalidInput("Invalid password, it must be at least 1 character long!", field="password")
            if self._hasher is None:
                raise InvalidInput("Passwords cannot be set here.", field="password")
            user.password_hash = self._hasher(data.password)
        if data.preferences is not None:
            user.preferences = {**user.preferences, **data.preferences}

    def _role_ids(self, data: "UserInput") -> list[int]:
        wanted: list[int] = []
        if data.role_names is not None:
            by_name = {name.lower(): rid for rid, name in ROLE_NAMES.items()}
            for name in data.role_names:
                if name.lower() not in by_name:
                    raise LookupFailed("roles", name)
                wanted.append(by_name[name.lower()])
        else:
            for rid in data.role_ids or []:
                if rid not in ROLE_NAMES:
                    raise LookupFailed("role_ids", rid)
                wanted.append(rid)
        return sorted(set(wanted))

    def _group_access(self, data: "UserInput") -> dict[str, list[str]]:
        catalog = self._catalog() if self._catalog else None
        access: dict[str, list[str]] = {}
        if data.group_names is not None:
            for name, levels in data.group_names.items():
                group = next((g for g in catalog.groups if g.name.lower() == name.lower()), None) \
                    if catalog else None
                if group is None:
                    raise LookupFailed("groups", name)
                access[str(group.id)] = levels
        else:
            for gid, levels in (data.group_ids or {}).items():
                if catalog is not None and catalog.group_by_id(int(gid)) is None:
                    raise LookupFailed("group_ids", int(gid))
                access[str(int(gid))] = levels
        for gid, levels in access.items():
            bad = [lv for lv in levels if lv not in GROUP_ACCESS_LEVELS]
            if bad:
                raise InvalidInput(f"Invalid value for param 'group_ids': {bad[0]}", field="group_ids")
            access[gid] = sorted(set(levels), key=GROUP_ACCESS_LEVELS.index)
        return {gid: levels for gid, levels in access.items() if levels}


# --- the directory: users and organizations as Zammad's /users and /organizations manage them ------

USER_TEXT_FIELDS = ("login", "email", "firstname", "lastname", "phone", "mobile", "fax", "web", "department",
                    "street", "zip", "city", "country", "address", "note")
USER_FLAG_FIELDS = ("active", "vip", "verified")
ORGANIZATION_TEXT_FIELDS = ("name", "domain", "note")
ORGANIZATION_FLAG_FIELDS = ("shared", "domain_assignment", "active", "vip")
PREFIX_MAX = 15          # words are also indexed by their prefixes up to this length ("nic" finds Nicole)
MAX_INDEX_TOKENS = 150   # per user or organization
SEARCH_CAP = 1000        # ids read per word at most (the same cap as ticket search)
MEMBER_IDS_LIMIT = 1000  # member_ids shown for an organization (one bounded index query)
ORG_WORD_ORGS = 20       # organizations a word may name when it is matched against members' organizations
LOGIN_ALTERNATIVES = 20  # Zammad's check_login: "login", "login1" ... "login20"
SORTABLE_USER_FIELDS = frozenset(USER_TEXT_FIELDS + USER_FLAG_FIELDS + (
    "id", "organization_id", "created_at", "updated_at", "last_login", "login_failed"))
SORTABLE_ORGANIZATION_FIELDS = frozenset(ORGANIZATION_TEXT_FIELDS + ORGANIZATION_FLAG_FIELDS + (
    "id", "created_at", "updated_at"))
EMAIL_TAKEN = "Email address '{}' is already used for other user."
REFERENCED = "Can't delete, object has references."


def index_tokens(*texts: str) -> set[str]:
    """What a directory object is found by: its words, their prefixes, and whole logins/emails."""
    from .text import tokens as words
    found: set[str] = set()
    for text in texts:
        text = (text or "").strip().lower()
        if not text:
            continue
        if " " not in text and 2 <= len(text) <= 60:
            found.add(text)  # the whole value ("nicole.braun@example.com")
        for word in words(text):
            found.update(word[:n] for n in range(2, min(len(word), PREFIX_MAX) + 1))
            found.add(word)
    return set(sorted(found, key=lambda t: (len(t), t))[:MAX_INDEX_TOKENS])


def user_tokens(user: User) -> set[str]:
    return index_tokens(user.login, user.email, user.firstname, user.lastname)


def organization_tokens(organization: Organization) -> set[str]:
    return index_tokens(organization.name, organization.domain)


def query_tokens(word: str) -> set[str]:
    """Index tokens a query word must all match: the whole word if indexed so, else its parts."""
    from .text import tokens as words
    word = word.strip().lower().strip("*")
    if not word:
        return set()
    return set(words(word)) or {word}


@dataclass
class UserInput:
    """The attributes a caller sent; None means "not sent" (an update leaves it alone)."""
    text: dict[str, str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    organization_id: Optional[int] = None
    organization_name: Optional[str] = None
    clear_organization: bool = False
    role_ids: Optional[list[int]] = None
    role_names: Optional[list[str]] = None
    group_ids: Optional[dict[str, list[str]]] = None
    group_names: Optional[dict[str, list[str]]] = None
    password: Optional[str] = None
    preferences: Optional[dict[str, Any]] = None

    @property
    def sets_roles(self) -> bool:
        return self.role_ids is not None or self.role_names is not None

    @property
    def sets_groups(self) -> bool:
        return self.group_ids is not None or self.group_names is not None


@dataclass
class OrganizationInput:
    text: dict[str, str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchRequest:
    """A search as every Zammad search endpoint takes it; empty sort fields mean the entity's default."""
    query: str = ""
    offset: int = 0
    limit: int = 50
    sort_by: str = ""
    order_by: str = ""


def _split_query(query: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Plain words, and `field:value` filters (Zammad's Elasticsearch field syntax, the common part)."""
    words, filters = [], []
    for part in (query or "").split():
        name, sep, value = part.partition(":")
        if sep and name and value and re.fullmatch(r"[a-z_]+", name.lower()):
            filters.append((name.lower(), value.strip('"').lower()))
        elif part.strip("*"):
            words.append(part)
    return words, filters


def _matches(obj: Any, name: str, value: str) -> bool:
    if not hasattr(obj, name):
        return False
    actual = getattr(obj, name)
    if isinstance(actual, list):
        return any(str(v).lower() == value for v in actual)
    if isinstance(actual, bool):
        return str(actual).lower() == value
    text = "" if actual is None else str(actual).lower()
    if "*" in value:
        return re.fullmatch(re.escape(value).replace(r"\*", ".*"), text) is not None
    return text == value if name.endswith("id") else value in text


def _sort(items: list, sort_by: str, order_by: str, allowed: frozenset[str], default: str) -> list:
    key = sort_by if sort_by in allowed else default
    descending = (order_by or ("desc" if key in ("created_at", "updated_at") else "asc")).lower() == "desc"
    present = [i for i in items if getattr(i, key, None) not in (None, "")]
    missing = [i for i in items if getattr(i, key, None) in (None, "")]

    def value(item: Any) -> Any:
        v = getattr(item, key)
        return v.lower() if isinstance(v, str) else v
    return sorted(present, key=value, reverse=descending) + missing


def _intersect(candidates: Optional[set[int]], found: set[int]) -> set[int]:
    return found if candidates is None else candidates & found


class OrganizationDirectory:
    """/organizations: Zammad's organizations controller and OrganizationPolicy."""

    def __init__(self, organizations: Any, users: UserDirectory, ids: IdAllocator, clock: Clock,
                 references: Optional[Any] = None) -> None:
        self.organizations = organizations  # a DirectoryOrganizationRepository
        self.users = users
        self._ids = ids
        self._clock = clock
        self._references = references

    def get(self, organization_id: int) -> Organization:
        organization = self.organizations.get(organization_id)
        if organization is None:
            raise NotFound("Organization", organization_id)
        return organization

    def show(self, principal: Principal, organization_id: int) -> Organization:
        policy.require(policy.can_read_organization(principal, organization_id))
        return self.get(organization_id)

    def member_ids(self, principal: Principal, organization: Organization) -> list[int]:
        return self.users.member_ids(organization.id)

    def page(self, principal: Principal, offset: int, limit: int) -> list[Organization]:
        if policy.reads_all_organizations(principal):
            return self.organizations.page(offset, limit)
        own = principal.user.organization_id
        organization = self.organizations.get(own) if own else None
        return [organization] if organization and offset == 0 and limit > 0 else []

    def search(self, principal: Principal, request: SearchRequest) -> list[Organization]:
        policy.require(policy.can_search_organizations(principal))
        words, filters = _split_query(request.query)
        candidates: Optional[set[int]] = None
        for word in words:
            for token in query_tokens(word):
                candidates = _intersect(candidates, set(self.organizations.with_token(token, SEARCH_CAP)))
        for name, value in filters:
            if name in ("name", "domain"):
                for token in query_tokens(value):
                    candidates = _intersect(candidates, set(self.organizations.with_token(token, SEARCH_CAP)))
            elif name == "id" and value.isdigit():
                candidates = _intersect(candidates, {int(value)})
        if candidates is None:
            found = self.organizations.page(0, SEARCH_CAP)
        else:
            found = list(self.organizations.get_many(sorted(candidates)[:SEARCH_CAP]).values())
        found = [o for o in found if all(_matches(o, name, value) for name, value in filters)]
        found = _sort(found, request.sort_by, request.order_by, SORTABLE_ORGANIZATION_FIELDS, "updated_at")
        return found[request.offset:request.offset + request.limit]

    def create(self, principal: Principal, data: OrganizationInput) -> Organization:
        policy.require(policy.can_manage_organizations(principal))
        now = iso(self._clock)
        organization = Organization(id=0, name="", created_by_id=principal.id, updated_by_id=principal.id,
                                    created_at=now, updated_at=now)
        self._apply(organization, data)
        if not organization.name.strip():
            raise InvalidInput("Name can't be blank", field="name")
        self._check_unique(organization)
        organization.id = self._ids.next_id("organization")
        self._write(lambda: self.organizations.create(organization), organization)
        return organization

    def update(self, principal: Principal, organization_id: int, data: OrganizationInput) -> Organization:
        policy.require(policy.can_manage_organizations(principal))
        organization = self.get(organization_id)
        self._apply(organization, data)
        if not organization.name.strip():
            raise InvalidInput("Name can't be blank", field="name")
        self._check_unique(organization)
        organization.updated_by_id = principal.id
        organization.updated_at = iso(self._clock)
        self._write(lambda: self.organizations.save(organization), organization)
        return organization

    def delete(self, principal: Principal, organization_id: int) -> None:
        policy.require(policy.can_manage_organizations(principal))
        organization = self.get(organization_id)
        if self.users.member_ids(organization.id)[:1] or (
                self._references is not None and self._references.organization_has_tickets(organization.id)):
            raise InvalidInput(REFERENCED)
        self.organizations.delete(organization)

    @staticmethod
    def _apply(organization: Organization, data: OrganizationInput) -> None:
        for name, value in data.text.items():
            if name in ORGANIZATION_TEXT_FIELDS:
                value = value.strip() if name != "note" else value
                setattr(organization, name, value.lower() if name == "domain" else value[:5000])
        for name, flag in data.flags.items():
            if name in ORGANIZATION_FLAG_FIELDS:
                setattr(organization, name, flag)
        if organization.domain_assignment and not organization.domain:
            raise InvalidInput("Domain is required if domain assignment is enabled.", field="domain")

    def _check_unique(self, organization: Organization) -> None:
        other = self.organizations.by_name(organization.name)
        if other is not None and other.id != organization.id:
            raise InvalidInput("Name has already been taken", field="name")
        if organization.domain and organization.domain_assignment:
            other = self.organizations.by_domain(organization.domain)
            if other is not None and other.id != organization.id:
                raise InvalidInput("Domain has already been taken", field="domain")

    def _write(self, action: Callable[[], None], organization: Organization) -> None:
        try:
            action()
        except Conflict:  # lost a race for the name or the domain
            raise InvalidInput("Name has already been taken", field="name") from None
# >>> rs4otrs-core: OTRS's company key of a customer user (shared by the OTRS and RS4OTRS dialects)


def customer_id(user: User, organization: Optional[Organization]) -> str:
    """OTRS's company key (`CustomerID`) of a customer user: the organization's mail domain (OTRS
    installations key companies by it, the seed shows `example.com`), else its name; the user's own
    login for customers without one."""
    return company_id(organization) if organization is not None else user.login


def company_id(organization: Organization) -> str:
    return organization.domain or organization.name


def organization_by_customer_id(organizations: OrganizationRepository, key: str) -> Optional[Organization]:
    """The organization a `CustomerID` names (the reverse of customer_id): by its unique domain or name,
    else through the search index (a domain is unique only with domain assignment), the lowest id."""
    wanted = key.strip()
    if not wanted:
        return None
    found = organizations.by_domain(wanted.lower()) or organizations.by_name(wanted)
    if found is not None and company_id(found).lower() == wanted.lower():
        return found
    candidates: Optional[set[int]] = None
    for token in query_tokens(wanted):
        candidates = _intersect(candidates, set(organizations.with_token(token, SEARCH_CAP)))  # type: ignore[attr-defined]
    matches = organizations.get_many(sorted(candidates or ())[:SEARCH_CAP]).values()
    return min((o for o in matches if company_id(o).lower() == wanted.lower()), key=lambda o: o.id, default=None)
# <<< rs4otrs-core
