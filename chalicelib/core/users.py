"""Users as tickets need them: find by id, login or email, and create customers on demand."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from .errors import InvalidInput, LookupFailed, NotFound
from .model import ROLE_CUSTOMER, Organization, User
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
                 ids: IdAllocator, clock: Clock) -> None:
        self.users = users
        self.organizations = organizations
        self._ids = ids
        self._clock = clock

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
