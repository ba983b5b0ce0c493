"""Users and organizations, each with unique-key pointer items (login, email, name, domain)."""
from __future__ import annotations

from typing import Callable, Generic, Iterable, Optional, TypeVar

from pynamodb.transactions import TransactWrite

from ..core.model import Organization, User
from .codec import from_doc, to_doc
from .errors import conditional
from . import table
from .table import Item, OrganizationItem, PointerItem, UserItem, sortable

T = TypeVar("T", User, Organization)
POINTER_SK = "#POINTER"
BATCH_GET_LIMIT = 100


class _Directory(Generic[T]):
    """Objects addressed by integer id plus unique lower-cased keys, kept consistent in transactions."""
    prefix: str
    sort_key: str
    item_class: type[Item]
    model: type
    conflict_message: str
    list_partition: str

    def __init__(self, region: str) -> None:
        self._region = region

    def unique_keys(self, obj: T) -> list[str]:
        raise NotImplementedError

    def _item(self, obj: T) -> Item:
        return self.item_class(pk=f"{self.prefix}#{obj.id}", sk=self.sort_key, doc=to_doc(obj),
                               gsi4pk=self.list_partition, gsi4sk=sortable(obj.id))

    def get(self, object_id: int) -> Optional[T]:
        try:
            item = self.item_class.get(f"{self.prefix}#{object_id}", self.sort_key, consistent_read=True)
            return from_doc(self.model, item.doc)
        except self.item_class.DoesNotExist:
            return None

    def get_many(self, object_ids: Iterable[int]) -> dict[int, T]:
        keys = [(f"{self.prefix}#{oid}", self.sort_key) for oid in set(object_ids)]
        found: dict[int, T] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            for item in Item.batch_get(keys[start:start + BATCH_GET_LIMIT]):
                obj = from_doc(self.model, item.doc)
                found[obj.id] = obj
        return found

    def _by_unique(self, unique_key: str) -> Optional[T]:
        try:
            pointer = PointerItem.get(unique_key, POINTER_SK, consistent_read=True)
        except PointerItem.DoesNotExist:
            return None
        return self.get(pointer.doc["id"])

    def create(self, obj: T) -> None:
        with conditional(self.conflict_message(obj)):
            with TransactWrite(connection=table.connection()) as tx:
                tx.save(self._item(obj), condition=Item.pk.does_not_exist())
                for unique_key in self.unique_keys(obj):
                    tx.save(PointerItem(pk=unique_key, sk=POINTER_SK, doc={"id": obj.id}),
                            condition=Item.pk.does_not_exist())

    def save(self, obj: T) -> None:
        """Rewrite the object; unique keys that changed move with it in the same transaction."""
        previous = self.get(obj.id)
        old_keys = set(self.unique_keys(previous)) if previous else set()
        new_keys = set(self.unique_keys(obj))
        with conditional(self.conflict_message(obj)):
            with TransactWrite(connection=table.connection()) as tx:
                tx.save(self._item(obj))
                for unique_key in new_keys - old_keys:
                    tx.save(PointerItem(pk=unique_key, sk=POINTER_SK, doc={"id": obj.id}),
                            condition=Item.pk.does_not_exist())
                for unique_key in old_keys - new_keys:
                    tx.delete(PointerItem(pk=unique_key, sk=POINTER_SK))


class UserStore(_Directory[User]):
    prefix, sort_key, item_class, model, list_partition = "USER", "#USER", UserItem, User, "USERS"

    @staticmethod
    def conflict_message(user: User) -> str:
        return f"Email address '{user.email}' is already used for another user." if user.email \
            else f"Login '{user.login}' is already used for another user."

    def unique_keys(self, user: User) -> list[str]:
        keys = [f"LOGIN#{user.login.lower()}"]
        if user.email:
            keys.append(f"EMAIL#{user.email.lower()}")
        return keys

    def by_login(self, login: str) -> Optional[User]:
        return self._by_unique(f"LOGIN#{login.lower()}")

    def by_email(self, email: str) -> Optional[User]:
        return self._by_unique(f"EMAIL#{email.lower()}")


class OrganizationStore(_Directory[Organization]):
    prefix, sort_key, item_class, model, list_partition = "ORG", "#ORG", OrganizationItem, Organization, "ORGS"

    @staticmethod
    def conflict_message(organization: Organization) -> str:
        return f"Organization '{organization.name}' already exists."

    def unique_keys(self, organization: Organization) -> list[str]:
        keys = [f"ORGNAME#{organization.name.lower()}"]
        if organization.domain and organization.domain_assignment:
            keys.append(f"ORGDOMAIN#{organization.domain.lower()}")
        return keys

    def by_name(self, name: str) -> Optional[Organization]:
        return self._by_unique(f"ORGNAME#{name.lower()}")

    def by_domain(self, domain: str) -> Optional[Organization]:
        return self._by_unique(f"ORGDOMAIN#{domain.lower()}")
