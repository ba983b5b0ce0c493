"""Security tests: the access matrix, mass assignment and size limits, integrity under failure.

Helpers shared by these modules: what is stored, read straight from the table and the bucket
(a Scan is fine here, in a test; the service itself never scans).
"""
from __future__ import annotations

from typing import Any


def table_items() -> dict[tuple[str, str], Any]:
    """Every item in the table by (pk, sk), except id counters (a failed write may burn ids; that is fine)."""
    from chalicelib import bootstrap
    from chalicelib.storage.table import Item
    client = Item._get_connection().connection.client
    items: dict[tuple[str, str], Any] = {}
    kwargs: dict[str, Any] = {"TableName": bootstrap.container().settings.table_name, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        for item in page.get("Items", []):
            if item["pk"]["S"] != "COUNTER" and item.get("kind", {}).get("S") != "counter":
                items[(item["pk"]["S"], item["sk"]["S"])] = item
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def bucket_keys(prefix: str = "") -> set[str]:
    from chalicelib import bootstrap
    c = bootstrap.container()
    keys: set[str] = set()
    kwargs: dict[str, Any] = {"Bucket": c.settings.bucket_name, "Prefix": prefix}
    while True:
        page = c.blobs.client.list_objects_v2(**kwargs)
        keys |= {o["Key"] for o in page.get("Contents", [])}
        if not page.get("IsTruncated"):
            return keys
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def stored() -> dict[str, Any]:
    """A snapshot of everything written: compare before and after a refused request."""
    return {"items": table_items(), "objects": bucket_keys()}


def ticket_version(ticket_id: int) -> int:
    from chalicelib import bootstrap
    ticket = bootstrap.container().tickets.tickets.get(ticket_id)
    assert ticket is not None, ticket_id
    return ticket.version
