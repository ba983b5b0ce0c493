"""Online notifications: one partition per recipient, newest first, plus an id pointer per notification.

Items (kind `online_notification`):
- the notification: `NOTIFY#<user id>` / `<zero-padded id>`, gsi1 `NOTIFYOBJ#<object>#<o_id>` /
  `<zero-padded id>` (to remove a deleted ticket's notifications), TTL `expires`;
- its pointer: `NOTIFYID#<id>` / `#POINTER`, doc `{"user_id": ...}`, same TTL: whose an id is, so a
  request for someone else's id answers 403 and an unknown id 404, without a search.
The caller is known on every request, so show/update/delete are one GetItem in the caller's partition;
the pointer is read only when that misses. TTL deletion can lag: the core also checks `expires_at`.
Both items are in the expiry index (storage/expiry.py), so the daily cleanup removes them on time. When
a seen notification's expiry is brought forward the pointer keeps its own (created + TTL): keeping it in
step would cost a write per seen toggle, and meanwhile it only answers 403 rather than 404 to someone
else asking for that id.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Optional

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..core.errors import Conflict, NotFound
from ..core.model import OnlineNotification
from . import table
from .codec import from_doc, to_doc
from .errors import conditional
from .expiry import with_expiry_keys
from .table import Item, NotificationItem, sortable

POINTER_SK = "#POINTER"
TRANSACTION_LIMIT = 100  # DynamoDB's actions per TransactWriteItems
QUERY_PAGE = 500
ENTITY = "OnlineNotification"


def _expires(notification: OnlineNotification) -> Optional[datetime]:
    if notification.expires_at is None:
        return None
    return datetime.fromtimestamp(notification.expires_at, tz=timezone.utc)


def _partition(user_id: int) -> str:
    return f"NOTIFY#{user_id}"


def _pointer_key(notification_id: int) -> str:
    return f"NOTIFYID#{notification_id}"


class NotificationStore:
    @staticmethod
    def _item(notification: OnlineNotification) -> NotificationItem:
        return with_expiry_keys(NotificationItem(
            pk=_partition(notification.user_id), sk=sortable(notification.id), doc=to_doc(notification),
            expires=_expires(notification),
            gsi1pk=f"NOTIFYOBJ#{notification.object}#{notification.o_id}", gsi1sk=sortable(notification.id)))

    @staticmethod
    def _pointer(notification: OnlineNotification) -> NotificationItem:
        return with_expiry_keys(NotificationItem(pk=_pointer_key(notification.id), sk=POINTER_SK,
                                                 doc={"user_id": notification.user_id},
                                                 expires=_expires(notification)))

    def add_many(self, notifications: list[OnlineNotification]) -> None:
        """BatchWriteItem, 25 items a call (two per notification); PynamoDB retries unprocessed items."""
        with NotificationItem.batch_write() as batch:
            for notification in notifications:
                batch.save(self._item(notification))
                batch.save(self._pointer(notification))

    def get(self, user_id: int, notification_id: int) -> Optional[OnlineNotification]:
        try:
            item = NotificationItem.get(_partition(user_id), sortable(notification_id), consistent_read=True)
        except NotificationItem.DoesNotExist:
            return None
        return from_doc(OnlineNotification, item.doc)

    def owner_of(self, notification_id: int) -> Optional[int]:
        try:
            item = NotificationItem.get(_pointer_key(notification_id), POINTER_SK, consistent_read=True)
        except NotificationItem.DoesNotExist:
            return None
        return int(item.doc["user_id"])

    def page(self, user_id: int, offset: int, limit: int) -> list[OnlineNotification]:
        """Newest first: a Query on the user's partition backwards, reading at most offset + limit items."""
        if limit <= 0:
            return []
        wanted = offset + limit
        items = NotificationItem.query(_partition(user_id), scan_index_forward=False, limit=wanted,
                                       page_size=min(wanted, QUERY_PAGE), consistent_read=True)
        found = [from_doc(OnlineNotification, item.doc) for item in items]
        return found[offset:offset + limit]

    def save(self, notification: OnlineNotification) -> None:
        """Conditional on the item still existing: a deleted notification is not brought back."""
        try:
            with conditional("gone"):
                self._item(notification).save(condition=Item.pk.exists())
        except Conflict as error:
            raise NotFound(ENTITY, notification.id) from error

    def save_many(self, notifications: list[OnlineNotification]) -> None:
        """One conditional transaction per 100; if one was deleted meanwhile, that chunk goes item by item."""
        for start in range(0, len(notifications), TRANSACTION_LIMIT):
            chunk = notifications[start:start + TRANSACTION_LIMIT]
            try:
                with TransactWrite(connection=table.connection()) as tx:
                    for notification in chunk:
                        tx.save(self._item(notification), condition=Item.pk.exists())
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                for notification in chunk:
                    try:
                        self.save(notification)
                    except NotFound:
                        continue  # deleted by its owner meanwhile: stays deleted

    def delete(self, notification: OnlineNotification) -> None:
        with TransactWrite(connection=table.connection()) as tx:
            tx.delete(NotificationItem(pk=_partition(notification.user_id), sk=sortable(notification.id)))
            tx.delete(NotificationItem(pk=_pointer_key(notification.id), sk=POINTER_SK))

    def remove_for_object(self, object_name: str, o_id: int, limit: int) -> int:
        """Query gsi1 `NOTIFYOBJ#<object>#<o_id>` (at most `limit`), then BatchWriteItem deletes."""
        if limit <= 0:
            return 0
        items = list(Item.gsi1.query(f"NOTIFYOBJ#{object_name}#{o_id}", limit=limit,
                                     page_size=min(limit, QUERY_PAGE)))
        self._delete_keys((item.pk, item.sk, int(item.gsi1sk)) for item in items)
        return len(items)

    @staticmethod
    def _delete_keys(keys: Iterable[tuple[str, str, int]]) -> None:
        with NotificationItem.batch_write() as batch:
            for pk, sk, notification_id in keys:
                batch.delete(NotificationItem(pk=pk, sk=sk))
                batch.delete(NotificationItem(pk=_pointer_key(notification_id), sk=POINTER_SK))
