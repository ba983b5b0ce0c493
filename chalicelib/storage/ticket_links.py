"""Tags, links and history in each ticket's partition, and the tag registry.

- `TICKET#<id>` / `TAG#<lower name>`: a tag on the ticket (gsi1 `TAGGED#<lower name>` / padded ticket id,
  so renaming or deleting a tag finds its tickets without a scan).
- `TICKET#<id>` / `LINK#<padded other id>#<type>`: a link as this ticket sees it; the other ticket holds
  the inverse item, both written in one transaction.
- `TICKET#<id>` / `HISTORY#<created_at>#<padded id>`: history lines, oldest first.
- `TAGS` / `<lower name>`: the registry (doc `{id, name}`, `uses` kept with every tag write);
  `TAGID#<id>` / `#POINTER` finds a registry item by id.
"""
from __future__ import annotations

from typing import Optional

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..core.errors import Conflict
from ..core.model import HistoryEntry, TagItem, TicketLink, TicketTag
from . import table
from .codec import from_doc, to_doc
from .errors import CONDITION_FAILED
from .table import Item, TagRegistryItem, TicketExtraItem, sortable

TAG_PREFIX, LINK_PREFIX, HISTORY_PREFIX = "TAG#", "LINK#", "HISTORY#"
REGISTRY_PK, POINTER_SK = "TAGS", "#POINTER"
PAGE = 500


def _pk(ticket_id: int) -> str:
    return f"TICKET#{ticket_id}"


def _key(name: str) -> str:
    return name.lower()


def _tag_sk(name: str) -> str:
    return TAG_PREFIX + _key(name)


def _link_sk(link: TicketLink) -> str:
    return f"{LINK_PREFIX}{sortable(link.other_id)}#{link.link_type}"


def _history_sk(entry: HistoryEntry) -> str:
    return f"{HISTORY_PREFIX}{entry.created_at}#{sortable(entry.id)}"


def _link_item(link: TicketLink) -> TicketExtraItem:
    return TicketExtraItem(pk=_pk(link.ticket_id), sk=_link_sk(link), doc=to_doc(link))


def _registry(item: Item) -> TagItem:
    return TagItem(id=int(item.doc["id"]), name=item.doc["name"], count=max(int(item.uses or 0), 0))


def _failed(error: TransactWriteError) -> bool:
    return error.cause_response_code in CONDITION_FAILED


class TicketLinkStore:
    def _transaction(self) -> TransactWrite:
        return TransactWrite(connection=table.connection())

    # --- history -----------------------------------------------------------------------------

    def history(self, ticket_id: int, limit: int) -> list[HistoryEntry]:
        items = Item.query(_pk(ticket_id), Item.sk.startswith(HISTORY_PREFIX), consistent_read=True,
                           limit=limit, page_size=min(limit, PAGE))
        return [from_doc(HistoryEntry, item.doc) for item in items]

    def append_history(self, entries: list[HistoryEntry]) -> None:
        with Item.batch_write() as batch:
            for entry in entries:
                batch.save(TicketExtraItem(pk=_pk(entry.ticket_id), sk=_history_sk(entry), doc=to_doc(entry)))

    # --- tags --------------------------------------------------------------------------------

    def tags(self, ticket_id: int) -> list[TicketTag]:
        items = Item.query(_pk(ticket_id), Item.sk.startswith(TAG_PREFIX), consistent_read=True)
        found = [from_doc(TicketTag, item.doc) for item in items]
        return sorted(found, key=lambda t: (t.created_at, _key(t.name)))

    def _has_tag(self, ticket_id: int, name: str) -> bool:
        return TicketExtraItem.count(_pk(ticket_id), Item.sk == _tag_sk(name), consistent_read=True) > 0

    def add_tag(self, ticket_id: int, tag: TicketTag, item: TagItem) -> bool:
        """The ticket's tag item and the registry count in one transaction."""
        tag_item = TicketExtraItem(pk=_pk(ticket_id), sk=_tag_sk(tag.name), doc=to_doc(tag),
                                   gsi1pk=f"TAGGED#{_key(tag.name)}", gsi1sk=sortable(ticket_id))
        registry = TagRegistryItem(pk=REGISTRY_PK, sk=_key(item.name))
        try:
            with self._transaction() as tx:
                tx.save(tag_item, condition=Item.pk.does_not_exist())
                tx.update(registry, actions=[TagRegistryItem.uses.add(1)], condition=Item.pk.exists())
        except TransactWriteError as error:
            if not _failed(error):
                raise
            if self._has_tag(ticket_id, tag.name):
                return False
            raise Conflict(f"The tag '{tag.name}' was removed at the same time, please retry.") from error
        return True

    def remove_tag(self, ticket_id: int, name: str) -> bool:
        tag_item = TicketExtraItem(pk=_pk(ticket_id), sk=_tag_sk(name))
        registry = TagRegistryItem(pk=REGISTRY_PK, sk=_key(name))
        try:
            with self._transaction() as tx:
                tx.delete(tag_item, condition=Item.pk.exists())
                tx.update(registry, actions=[TagRegistryItem.uses.add(-1)], condition=Item.pk.exists())
        except TransactWriteError as error:
            if not _failed(error):
                raise
            if not self._has_tag(ticket_id, name):
                return False
            tag_item.delete()  # the registry item is gone (the tag is being deleted): nothing to count
        return True

    def tag_item(self, name: str) -> Optional[TagItem]:
        try:
            return _registry(TagRegistryItem.get(REGISTRY_PK, _key(name), consistent_read=True))
        except TagRegistryItem.DoesNotExist:
            return None

    def tag_item_by_id(self, tag_id: int) -> Optional[TagItem]:
        try:
            pointer = TagRegistryItem.get(f"TAGID#{tag_id}", POINTER_SK, consistent_read=True)
        except TagRegistryItem.DoesNotExist:
            return None
        return self.tag_item(pointer.doc["name"])

    def create_tag_item(self, item: TagItem) -> TagItem:
        try:
            with self._transaction() as tx:
                tx.save(TagRegistryItem(pk=REGISTRY_PK, sk=_key(item.name), doc={"id": item.id, "name": item.name},
                                        uses=item.count), condition=Item.pk.does_not_exist())
                tx.save(TagRegistryItem(pk=f"TAGID#{item.id}", sk=POINTER_SK, doc={"name": item.name}),
                        condition=Item.pk.does_not_exist())
        except TransactWriteError as error:
            if not _failed(error):
                raise
            existing = self.tag_item(item.name)
            if existing is None:
                raise Conflict("The tag was changed at the same time, please retry.") from error
            return existing
        return item

    def tag_items(self, limit: int) -> list[TagItem]:
        items = TagRegistryItem.query(REGISTRY_PK, limit=limit, page_size=min(limit, PAGE))
        return [_registry(item) for item in items]

    def tagged_tickets(self, name: str, limit: int) -> list[int]:
        items = Item.gsi1.query(f"TAGGED#{_key(name)}", limit=limit, page_size=min(limit, PAGE))
        return [int(item.gsi1sk) for item in items]

    def rename_tag_item(self, item: TagItem, name: str) -> TagItem:
        registry = TagRegistryItem(pk=REGISTRY_PK, sk=_key(item.name))
        registry.update(actions=[TagRegistryItem.doc.set({"id": item.id, "name": name})])
        TagRegistryItem(pk=f"TAGID#{item.id}", sk=POINTER_SK, doc={"name": name}).save()
        return self.tag_item(name) or TagItem(item.id, name, item.count)

    def delete_tag_item(self, item: TagItem) -> None:
        with Item.batch_write() as batch:
            batch.delete(TagRegistryItem(pk=REGISTRY_PK, sk=_key(item.name)))
            batch.delete(TagRegistryItem(pk=f"TAGID#{item.id}", sk=POINTER_SK))

    # --- links -------------------------------------------------------------------------------

    def links(self, ticket_id: int) -> list[TicketLink]:
        items = Item.query(_pk(ticket_id), Item.sk.startswith(LINK_PREFIX), consistent_read=True)
        return [from_doc(TicketLink, item.doc) for item in items]

    def add_link(self, link: TicketLink) -> bool:
        try:
            with self._transaction() as tx:
                tx.save(_link_item(link), condition=Item.pk.does_not_exist())
                tx.save(_link_item(link.inverse()))
        except TransactWriteError as error:
            if not _failed(error):
                raise
            return False
        return True

    def remove_link(self, link: TicketLink) -> bool:
        back = link.inverse()
        try:
            with self._transaction() as tx:
                tx.delete(TicketExtraItem(pk=_pk(link.ticket_id), sk=_link_sk(link)), condition=Item.pk.exists())
                tx.delete(TicketExtraItem(pk=_pk(back.ticket_id), sk=_link_sk(back)))
        except TransactWriteError as error:
            if not _failed(error):
                raise
            return False
        return True

    # --- a deleted ticket --------------------------------------------------------------------

    def forget_ticket(self, ticket_id: int) -> None:
        """One Query of the partition; tag counts go down, the other side of each link goes too."""
        doomed: list[Item] = []
        for item in Item.query(_pk(ticket_id), consistent_read=True):
            if item.sk.startswith(TAG_PREFIX):
                tag = from_doc(TicketTag, item.doc)
                self.remove_tag(ticket_id, tag.name)
            elif item.sk.startswith(LINK_PREFIX):
                back = from_doc(TicketLink, item.doc).inverse()
                doomed += [item, TicketExtraItem(pk=_pk(back.ticket_id), sk=_link_sk(back))]
            elif item.sk.startswith(HISTORY_PREFIX):
                doomed.append(item)
        with Item.batch_write() as batch:
            for item in doomed:
                batch.delete(TicketExtraItem(pk=item.pk, sk=item.sk))
