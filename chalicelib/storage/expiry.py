"""The expiry index: every item with a TTL (`expires`) is also in the sparse gsi7 under the UTC day it
expires, so the daily cleanup finds what has expired with one Query per day, never by scanning the table.

- Any store writing an item with `expires` calls `with_expiry_keys(item)` before saving it: gsi7
  `EXPIRES#<YYYY-MM-DD>` / `<epoch seconds, 12 digits>#<pk>#<sk>` (earliest first within a day; the
  key makes the sort key unique). A rewrite with another `expires` moves the entry with the item.
- `JOB#cleanup` / `#CURSOR` (JobItem, `day`): the last day the cleanup finished completely.

DynamoDB's own TTL deletes these items too, but it can lag by days; the job keeps storage bounded and
readers already treat an expired item as gone (so deleting one unconditionally is always safe).
"""
from __future__ import annotations

import time
from datetime import date, datetime, timezone
from typing import Any, Optional, Sequence, TypeVar

from ..core.errors import Conflict
from ..core.ports import Expiring
from . import table
from .errors import conditional
from .table import Item, JobItem

PARTITION_PREFIX = "EXPIRES#"
CURSOR_KEY = ("JOB#cleanup", "#CURSOR")
EPOCH_WIDTH = 12
QUERY_PAGE = 1_000        # items per Query call (the caller's limit is usually smaller)
BATCH_WRITE_LIMIT = 25    # DynamoDB's requests per BatchWriteItem
MAX_ATTEMPTS = 6          # BatchWriteItem calls per chunk while DynamoDB leaves items unprocessed
FIRST_BACKOFF = 0.05      # seconds, doubled per retry

Expires = TypeVar("Expires", bound=Item)


def partition(day: date) -> str:
    return f"{PARTITION_PREFIX}{day.isoformat()}"


def with_expiry_keys(item: Expires) -> Expires:
    """Set the item's gsi7 keys from its `expires` (none: no entry) and return it. The one call a store
    makes for anything that expires, so the cleanup job finds it on its day."""
    if item.expires is None:
        item.gsi7pk = item.gsi7sk = None
        return item
    epoch = int(item.expires.timestamp())
    day = datetime.fromtimestamp(epoch, tz=timezone.utc).date()
    item.gsi7pk = partition(day)
    item.gsi7sk = f"{epoch:0{EPOCH_WIDTH}d}#{item.pk}#{item.sk}"
    return item


def _expiring(raw: dict[str, Any]) -> Expiring:
    position = raw["gsi7sk"]["S"]
    return Expiring(position=position, key=(raw["pk"]["S"], raw["sk"]["S"]),
                    expires_at=int(position.split("#", 1)[0]))


class ExpiryStore:
    """The cleanup job's view of the table (core.ports.ExpiryStore). Works on raw keys through PynamoDB's
    low-level connection, so it needs to know nothing of the item kinds it removes."""

    def expired(self, day: date, until_epoch: int, limit: int, after: Optional[Expiring] = None) -> list[Expiring]:
        """Query gsi7 for the day, keys only, sort key below `until_epoch + 1` (every item of that second)."""
        if limit <= 0:
            return []
        connection = table.connection()
        request: dict[str, Any] = {
            "TableName": Item.Meta.table_name, "IndexName": "gsi7",
            "KeyConditionExpression": "gsi7pk = :day AND gsi7sk < :bound",
            "ExpressionAttributeValues": {":day": {"S": partition(day)},
                                          ":bound": {"S": f"{until_epoch + 1:0{EPOCH_WIDTH}d}"}},
            "ProjectionExpression": "pk, sk, gsi7pk, gsi7sk",
        }
        if after is not None:  # resume after the last item seen, deleted or not (the index can lag)
            request["ExclusiveStartKey"] = {"pk": {"S": after.key[0]}, "sk": {"S": after.key[1]},
                                            "gsi7pk": {"S": partition(day)}, "gsi7sk": {"S": after.position}}
        found: list[Expiring] = []
        while len(found) < limit:
            request["Limit"] = min(limit - len(found), QUERY_PAGE)
            response = connection.dispatch("Query", request)
            found += [_expiring(raw) for raw in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found[:limit]

    def delete(self, items: Sequence[Expiring]) -> int:
        """BatchWriteItem, 25 deletes a call; unprocessed ones are retried with a growing pause, and those
        still left after MAX_ATTEMPTS are not counted (they stay in the index for the next run)."""
        connection = table.connection()
        name = Item.Meta.table_name
        removed = 0
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            chunk = items[start:start + BATCH_WRITE_LIMIT]
            pending = [{"DeleteRequest": {"Key": {"pk": {"S": e.key[0]}, "sk": {"S": e.key[1]}}}} for e in chunk]
            pause = FIRST_BACKOFF
            for attempt in range(MAX_ATTEMPTS):
                if attempt:
                    time.sleep(pause)
                    pause *= 2
                response = connection.dispatch("BatchWriteItem", {"RequestItems": {name: pending}})
                pending = (response.get("UnprocessedItems") or {}).get(name, [])
                if not pending:
                    break
            removed += len(chunk) - len(pending)
        return removed

    def cursor(self) -> Optional[date]:
        try:
            item = JobItem.get(*CURSOR_KEY, consistent_read=True)
        except JobItem.DoesNotExist:
            return None
        return date.fromisoformat(item.day) if item.day else None

    def set_cursor(self, day: date) -> None:
        """Conditional put: only forward (ISO dates compare as strings do)."""
        value = day.isoformat()
        try:
            with conditional("The cursor is further already."):
                JobItem(pk=CURSOR_KEY[0], sk=CURSOR_KEY[1], day=value).save(
                    condition=JobItem.pk.does_not_exist() | (JobItem.day < value))
        except Conflict:
            pass  # an overlapping run finished a later day: keep its cursor
