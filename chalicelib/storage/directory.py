"""Users and organizations, each with unique-key pointer items (login, email, name, domain).

Besides the object item and its pointers, each write keeps the derived items of the object:
- search tokens: `USERWORD#<token>` / `ORGWORD#<token>`, sort key the zero-padded id
  (`core.users.user_tokens` / `organization_tokens` decide the tokens);
- group memberships of users: `GROUPAGENTS#<gid>` / `USER#<zero-padded uid>` (agents_in_group);
- organization membership: the user item itself carries gsi3 `ORGMEMBERS#<oid>` (members).
The object, its pointers and its memberships are one transaction; tokens are written right after it
(like the ticket search index), so a failed token write can only make an object harder to find.
"""
from __future__ import annotations

import logging
from typing import Generic, Iterable, Optional, TypeVar

from pynamodb.transactions import TransactWrite

from ..core.model import Organization, User
from ..core.users import organization_tokens, user_tokens
from .codec import from_doc, to_doc
from .errors import conditional
from . import table
from .table import DirectoryIndexItem, Item, OrganizationItem, PointerItem, UserItem, sortable

log = logging.getLogger(__name__)
T = TypeVar("T", User, Organization)
POINTER_SK = "#POINTER"
BATCH_GET_LIMIT = 100
TRANSACTION_LIMIT = 100  # DynamoDB's actions per TransactWriteItems
QUERY_PAGE = 500


class _Directory(Generic[T]):
    """Objects addressed by integer id plus unique lower-cased keys, kept consistent in transactions."""
    prefix: str
    sort_key: str
    item_class: type[Item]
    model: type
    conflict_message: str
    list_partition: str
    word_prefix: str

    def __init__(self, region: str) -> None:
        self._region = region

    def unique_keys(self, obj: T) -> list[str]:
        raise NotImplementedError

    def tokens(self, obj: T) -> set[str]:
        raise NotImplementedError

    def memberships(self, obj: T) -> set[tuple[str, str]]:
        """(pk, sk) of membership items written in the object's transaction."""
        return set()

    def _item(self, obj: T) -> Item:
        return self.item_class(pk=f"{self.prefix}#{obj.id}", sk=self.sort_key, doc=to_doc(obj),
                               gsi4pk=self.list_partition, gsi4sk=sortable(obj.id))

    def _token_key(self, token: str, obj_id: int) -> tuple[str, str]:
        return f"{self.word_prefix}#{token}", sortable(obj_id)

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

    def _transact(self, obj: T, put_item: Optional[Item], condition_new: bool, add_keys: set[str],
                  drop_keys: set[str], add_members: set[tuple[str, str]], drop_members: set[tuple[str, str]],
                  delete_item: bool = False) -> None:
        inline = 1 + len(add_keys) + len(drop_keys) + len(add_members) + len(drop_members) <= TRANSACTION_LIMIT
        with conditional(self.conflict_message(obj)):
            with TransactWrite(connection=table.connection()) as tx:
                if delete_item:
                    tx.delete(self.item_class(pk=f"{self.prefix}#{obj.id}", sk=self.sort_key))
                elif put_item is not None:
                    tx.save(put_item, condition=Item.pk.does_not_exist() if condition_new else None)
                for unique_key in add_keys:
                    tx.save(PointerItem(pk=unique_key, sk=POINTER_SK, doc={"id": obj.id}),
                            condition=Item.pk.does_not_exist())
                for unique_key in drop_keys:
                    tx.delete(PointerItem(pk=unique_key, sk=POINTER_SK))
                if inline:
                    for pk, sk in add_members:
                        tx.save(DirectoryIndexItem(pk=pk, sk=sk, doc={"id": obj.id}))
                    for pk, sk in drop_members:
                        tx.delete(DirectoryIndexItem(pk=pk, sk=sk))
        if not inline:  # more groups than a transaction holds: right after it, in batches
            self._batch(obj.id, add_members, drop_members)

    @staticmethod
    def _batch(obj_id: int, add: set[tuple[str, str]], drop: set[tuple[str, str]]) -> None:
        with DirectoryIndexItem.batch_write() as batch:
            for pk, sk in add:
                batch.save(DirectoryIndexItem(pk=pk, sk=sk, doc={"id": obj_id}))
            for pk, sk in drop:
                batch.delete(DirectoryIndexItem(pk=pk, sk=sk))

    def _reindex(self, obj_id: int, old: set[str], new: set[str]) -> None:
        add = {self._token_key(t, obj_id) for t in new - old}
        drop = {self._token_key(t, obj_id) for t in old - new}
        if not (add or drop):
            return
        try:
            self._batch(obj_id, add, drop)
        except Exception:  # the write stands; the object is only harder to find (logged, like ticket search)
            log.exception("directory search index update failed for %s %s", self.prefix, obj_id)

    def create(self, obj: T) -> None:
        self._transact(obj, self._item(obj), True, set(self.unique_keys(obj)), set(), self.memberships(obj), set())
        self._reindex(obj.id, set(), self.tokens(obj))

    def save(self, obj: T) -> None:
        """Rewrite the object; unique keys and memberships that changed move with it in the same transaction."""
        previous = self.get(obj.id)
        old_keys = set(self.unique_keys(previous)) if previous else set()
        new_keys = set(self.unique_keys(obj))
        old_members = self.memberships(previous) if previous else set()
        new_members = self.memberships(obj)
        self._transact(obj, self._item(obj), False, new_keys - old_keys, old_keys - new_keys,
                       new_members - old_members, old_members - new_members)
        self._reindex(obj.id, self.tokens(previous) if previous else set(), self.tokens(obj))

    def delete(self, obj: T) -> None:
        """The object, its pointers, memberships and tokens (as stored, not as the caller holds it)."""
        stored = self.get(obj.id)
        if stored is None:
            return
        self._transact(stored, None, False, set(), set(self.unique_keys(stored)), set(),
                       self.memberships(stored), delete_item=True)
        self._reindex(stored.id, self.tokens(stored), set())

    def page(self, offset: int, limit: int) -> list[T]:
        """Id order through the list partition (gsi4), reading at most offset + limit items."""
        if limit <= 0:
            return []
        wanted = offset + limit
        items = Item.gsi4.query(self.list_partition, scan_index_forward=True, limit=wanted,
                                page_size=min(wanted, QUERY_PAGE))
        found = [from_doc(self.model, item.doc) for item in items]
        return found[offset:offset + limit]

    def with_token(self, token: str, limit: int) -> list[int]:
        if limit <= 0 or not token:
            return []
        items = DirectoryIndexItem.query(f"{self.word_prefix}#{token}", limit=limit,
                                         page_size=min(limit, QUERY_PAGE))
        return [int(item.sk) for item in items]


class UserStore(_Directory[User]):
    prefix, sort_key, item_class, model, list_partition = "USER", "#USER", UserItem, User, "USERS"
    word_prefix = "USERWORD"

    @staticmethod
    def conflict_message(user: User) -> str:
        return f"Email address '{user.email}' is already used for another user." if user.email \
            else f"Login '{user.login}' is already used for another user."

    def unique_keys(self, user: User) -> list[str]:
        keys = [f"LOGIN#{user.login.lower()}"]
        if user.email:
            keys.append(f"EMAIL#{user.email.lower()}")
        return keys

    def tokens(self, user: User) -> set[str]:
        return user_tokens(user)

    def memberships(self, user: User) -> set[tuple[str, str]]:
        return {(f"GROUPAGENTS#{int(gid)}", f"USER#{sortable(user.id)}")
                for gid, levels in user.group_access.items() if levels}

    def _item(self, user: User) -> Item:
        item = super()._item(user)
        if user.organization_id:
            item.gsi3pk, item.gsi3sk = f"ORGMEMBERS#{user.organization_id}", sortable(user.id)
        return item

    def by_login(self, login: str) -> Optional[User]:
        return self._by_unique(f"LOGIN#{login.lower()}")

    def by_email(self, email: str) -> Optional[User]:
        return self._by_unique(f"EMAIL#{email.lower()}")

    def members(self, organization_id: int, limit: int) -> list[int]:
        if limit <= 0:
            return []
        items = Item.gsi3.query(f"ORGMEMBERS#{organization_id}", scan_index_forward=True, limit=limit,
                                page_size=min(limit, QUERY_PAGE))
        return [int(item.gsi3sk) for item in items]

    def agents_in_group(self, group_id: int) -> list[User]:
        ids = [int(item.sk[len("USER#"):]) for item in DirectoryIndexItem.query(f"GROUPAGENTS#{group_id}")]
        found = self.get_many(ids)
        return [found[uid] for uid in sorted(found)]


class OrganizationStore(_Directory[Organization]):
    prefix, sort_key, item_class, model, list_partition = "ORG", "#ORG", OrganizationItem, Organization, "ORGS"
    word_prefix = "ORGWORD"

    @staticmethod
    def conflict_message(organization: Organization) -> str:
        return f"Organization '{organization.name}' already exists."

    def unique_keys(self, organization: Organization) -> list[str]:
        keys = [f"ORGNAME#{organization.name.lower()}"]
        if organization.domain and organization.domain_assignment:
            keys.append(f"ORGDOMAIN#{organization.domain.lower()}")
        return keys

    def tokens(self, organization: Organization) -> set[str]:
        return organization_tokens(organization)

    def by_name(self, name: str) -> Optional[Organization]:
        return self._by_unique(f"ORGNAME#{name.lower()}")

    def by_domain(self, domain: str) -> Optional[Organization]:
        return self._by_unique(f"ORGDOMAIN#{domain.lower()}")


class TicketReferenceIndex:
    """Whether a ticket still names a user (as customer) or an organization: one Query, Limit 1."""

    @staticmethod
    def _any(index: object, partition: str) -> bool:
        return any(True for _ in index.query(partition, limit=1, page_size=1))  # type: ignore[attr-defined]

    def customer_has_tickets(self, user_id: int) -> bool:
        return self._any(Item.gsi2, f"CUSTOMER#{user_id}")

    def organization_has_tickets(self, organization_id: int) -> bool:
        return self._any(Item.gsi3, f"ORG#{organization_id}")
