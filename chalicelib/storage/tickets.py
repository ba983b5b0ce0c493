"""Tickets and their articles in one partition per ticket; lists through the sparse GSIs."""
from __future__ import annotations

import heapq
from typing import Iterable, Iterator, Optional

from pynamodb.transactions import TransactWrite

from ..core.model import Article, DueEvent, Ticket
from ..core.ports import TicketScope
from .codec import from_doc, to_doc
from .due import DueStore, due_item, due_key
from .errors import conditional
from . import table
from .table import ArticleItem, Item, PointerItem, TicketItem, sortable

TICKET_SK = "#TICKET"
POINTER_SK = "#POINTER"
ARTICLE_PREFIX = "ARTICLE#"
BATCH_GET_LIMIT = 100


def _ticket_pk(ticket_id: int) -> str:
    return f"TICKET#{ticket_id}"


def _ticket_item(ticket: Ticket, version: int) -> TicketItem:
    doc = to_doc(ticket)
    doc.pop("version")
    item = TicketItem(pk=_ticket_pk(ticket.id), sk=TICKET_SK, doc=doc, version=version,
                      gsi1pk=f"GROUP#{ticket.group_id}", gsi1sk=sortable(ticket.id),
                      gsi2pk=f"CUSTOMER#{ticket.customer_id}", gsi2sk=sortable(ticket.id),
                      gsi4pk="TICKETS", gsi4sk=sortable(ticket.id),
                      gsi5pk=f"STATE#{ticket.state_id}", gsi5sk=sortable(ticket.id),
                      gsi6pk=f"PRIORITY#{ticket.priority_id}", gsi6sk=sortable(ticket.id))
    if ticket.organization_id:
        item.gsi3pk, item.gsi3sk = f"ORG#{ticket.organization_id}", sortable(ticket.id)
    return item


def _ticket(item: Item) -> Ticket:
    ticket = from_doc(Ticket, item.doc)
    ticket.version = int(item.version or 0)
    return ticket


def _schedule(tx: TransactWrite, ticket_id: int, version: int, schedule: Optional[tuple[DueEvent, ...]]) -> None:
    """The ticket's due-index entry, in the ticket's transaction: replaced, removed, or (None) left alone.
    `version` is the ticket version the transaction writes: the job's advance is conditional on it."""
    if schedule is None:
        return
    item = due_item(ticket_id, schedule, version)
    if item is None:
        tx.delete(due_key(ticket_id))
    else:
        tx.save(item)


def _article_items(article: Article) -> list[Item]:
    return [
        ArticleItem(pk=_ticket_pk(article.ticket_id), sk=ARTICLE_PREFIX + sortable(article.id), doc=to_doc(article)),
        PointerItem(pk=f"ARTICLE#{article.id}", sk=POINTER_SK, doc={"ticket_id": article.ticket_id}),
    ]


class TicketStore:
    def __init__(self, region: str) -> None:
        self._region = region

    def _transaction(self) -> TransactWrite:
        return TransactWrite(connection=table.connection())

    def get(self, ticket_id: int) -> Optional[Ticket]:
        try:
            return _ticket(TicketItem.get(_ticket_pk(ticket_id), TICKET_SK, consistent_read=True))
        except TicketItem.DoesNotExist:
            return None

    def get_many(self, ticket_ids: Iterable[int]) -> dict[int, Ticket]:
        keys = [(_ticket_pk(tid), TICKET_SK) for tid in set(ticket_ids)]
        found: dict[int, Ticket] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            for item in Item.batch_get(keys[start:start + BATCH_GET_LIMIT]):
                ticket = _ticket(item)
                found[ticket.id] = ticket
        return found

    def by_number(self, number: str) -> Optional[Ticket]:
        try:
            pointer = PointerItem.get(f"TICKETNUMBER#{number}", POINTER_SK, consistent_read=True)
        except PointerItem.DoesNotExist:
            return None
        return self.get(pointer.doc["ticket_id"])

    def create(self, ticket: Ticket, article: Article, schedule: tuple[DueEvent, ...] = ()) -> None:
        """Ticket, first article, article pointer, number and due entry: one transaction."""
        with conditional("A ticket with this id or number exists already."):
            with self._transaction() as tx:
                tx.save(_ticket_item(ticket, 1), condition=Item.pk.does_not_exist())
                for item in _article_items(article):
                    tx.save(item, condition=Item.pk.does_not_exist())
                tx.save(PointerItem(pk=f"TICKETNUMBER#{ticket.number}", sk=POINTER_SK,
                                    doc={"ticket_id": ticket.id}), condition=Item.pk.does_not_exist())
                if schedule:
                    _schedule(tx, ticket.id, 1, schedule)
        ticket.version = 1

    def save(self, ticket: Ticket, expected_version: int, new_article: Optional[Article] = None,
             schedule: Optional[tuple[DueEvent, ...]] = None) -> None:
        item = _ticket_item(ticket, expected_version + 1)
        message = "The ticket was changed by someone else at the same time."
        with conditional(message):
            if new_article is None and schedule is None:
                item.save(condition=Item.version == expected_version)
            else:
                with self._transaction() as tx:
                    tx.save(item, condition=Item.version == expected_version)
                    for article_item in _article_items(new_article) if new_article else ():
                        tx.save(article_item, condition=Item.pk.does_not_exist())
                    _schedule(tx, ticket.id, expected_version + 1, schedule)
        ticket.version = expected_version + 1

    def delete(self, ticket: Ticket) -> list[Article]:
        """The ticket item goes first (the ticket is gone from then on), then its parts."""
        articles = self.articles(ticket.id)
        with conditional("The ticket was changed by someone else at the same time."):
            TicketItem(pk=_ticket_pk(ticket.id), sk=TICKET_SK).delete(condition=Item.version == ticket.version)
        with Item.batch_write() as batch:
            for article in articles:
                batch.delete(ArticleItem(pk=_ticket_pk(ticket.id), sk=ARTICLE_PREFIX + sortable(article.id)))
                batch.delete(PointerItem(pk=f"ARTICLE#{article.id}", sk=POINTER_SK))
            batch.delete(PointerItem(pk=f"TICKETNUMBER#{ticket.number}", sk=POINTER_SK))
        DueStore().forget(ticket.id)
        return articles

    def articles(self, ticket_id: int) -> list[Article]:
        items = Item.query(_ticket_pk(ticket_id), Item.sk.startswith(ARTICLE_PREFIX), consistent_read=True)
        return [from_doc(Article, item.doc) for item in items]

    def article(self, article_id: int) -> Optional[Article]:
        try:
            pointer = PointerItem.get(f"ARTICLE#{article_id}", POINTER_SK, consistent_read=True)
            item = ArticleItem.get(_ticket_pk(pointer.doc["ticket_id"]), ARTICLE_PREFIX + sortable(article_id),
                                   consistent_read=True)
        except (PointerItem.DoesNotExist, ArticleItem.DoesNotExist):
            return None
        return from_doc(Article, item.doc)

    def page(self, scope: TicketScope, offset: int, limit: int, newest_first: bool = False) -> list[Ticket]:
        """Merge the scope's id-ordered index partitions (ascending, or newest first); reads at most
        offset+limit items per partition."""
        wanted = offset + limit
        if wanted <= 0:
            return []
        streams: list[Iterator[Ticket]] = []
        forward = not newest_first
        if scope.everything:
            streams.append(self._stream(Item.gsi4, "TICKETS", wanted, forward))
        for group_id in scope.group_ids:
            streams.append(self._stream(Item.gsi1, f"GROUP#{group_id}", wanted, forward))
        if scope.customer_id:
            streams.append(self._stream(Item.gsi2, f"CUSTOMER#{scope.customer_id}", wanted, forward))
        if scope.organization_id:
            streams.append(self._stream(Item.gsi3, f"ORG#{scope.organization_id}", wanted, forward))
        result: list[Ticket] = []
        last_id = None
        for ticket in heapq.merge(*streams, key=lambda t: t.id, reverse=newest_first):
            if ticket.id == last_id:
                continue
            last_id = ticket.id
            result.append(ticket)
            if len(result) >= wanted:
                break
        return result[offset:]

    @staticmethod
    def _stream(index, partition: str, limit: int, forward: bool = True) -> Iterator[Ticket]:
        for item in index.query(partition, limit=limit, page_size=min(limit, 500), scan_index_forward=forward):
            yield _ticket(item)

    # ticket-links: merging (TicketMoves port) ------------------------------------------------

    def merge(self, source: Ticket, source_version: int, target: Ticket, target_version: int,
              moved: list[Article], note: Article, source_schedule: Optional[tuple[DueEvent, ...]] = None,
              target_schedule: Optional[tuple[DueEvent, ...]] = None) -> None:
        """Both tickets (each conditional on its version), the moved articles (old item deleted, new item
        and pointer written under the target) and the source's merge note: one transaction."""
        with conditional("The ticket was changed by someone else at the same time."):
            with self._transaction() as tx:
                tx.save(_ticket_item(source, source_version + 1), condition=Item.version == source_version)
                tx.save(_ticket_item(target, target_version + 1), condition=Item.version == target_version)
                for article in moved:
                    tx.delete(ArticleItem(pk=_ticket_pk(source.id), sk=ARTICLE_PREFIX + sortable(article.id)))
                    for item in _article_items(article):
                        tx.save(item)
                for item in _article_items(note):
                    tx.save(item, condition=Item.pk.does_not_exist())
                _schedule(tx, source.id, source_version + 1, source_schedule)
                _schedule(tx, target.id, target_version + 1, target_schedule)
        source.version = source_version + 1
        target.version = target_version + 1
