"""The due index: which tickets have scheduled work (escalation warnings and deadlines, pending
reminders and closes), found by time through the sparse gsi7 — never by scanning tickets.

- `TICKET#<id>` / `#DUE`: the ticket's events, `version` = the ticket version that wrote it, gsi7
  `DUE#<id mod SHARDS>` / `<earliest event time>#<padded id>`. Written (or deleted) in the same
  transaction as the ticket (see tickets.py), so the index never disagrees with the ticket.
- `TICKET#<id>` / `#DUE#FIRED#<kind>#<level>#<deadline>`: one per fired event, written with a
  condition that it does not exist: the first job run to claim an event is the only one to act.

Sharding the index partition spreads the ticket writes' index updates (one partition takes about
1,000 writes a second); the job reads each shard with one Query.
"""
from __future__ import annotations

from typing import Any, Optional

from ..core.errors import Conflict
from ..core.model import DueEvent
from ..core.ports import DueEntry
from .errors import conditional
from .table import DueItem, Item, sortable

SHARDS = 4
DUE_SK = "#DUE"
FIRED_PREFIX = "#DUE#FIRED#"


def _pk(ticket_id: int) -> str:
    return f"TICKET#{ticket_id}"


def _index_keys(ticket_id: int, events: tuple[DueEvent, ...]) -> tuple[str, str]:
    earliest = min(event.at for event in events)
    return f"DUE#{ticket_id % SHARDS}", f"{earliest}#{sortable(ticket_id)}"


def due_item(ticket_id: int, events: tuple[DueEvent, ...], version: int) -> Optional[DueItem]:
    """The item a ticket write stores for its events; None when there is nothing to schedule."""
    if not events:
        return None
    gsi7pk, gsi7sk = _index_keys(ticket_id, events)
    return DueItem(pk=_pk(ticket_id), sk=DUE_SK, version=version, gsi7pk=gsi7pk, gsi7sk=gsi7sk,
                   doc={"events": [[e.kind, e.level, e.at, e.deadline] for e in events]})


def due_key(ticket_id: int) -> DueItem:
    return DueItem(pk=_pk(ticket_id), sk=DUE_SK)


def _entry(item: Any) -> DueEntry:
    events = tuple(DueEvent(*event) for event in (item.doc or {}).get("events", []))
    return DueEntry(ticket_id=int(item.pk.split("#", 1)[1]), events=events, version=int(item.version or 0))


class DueStore:
    def due(self, now_iso: str, limit: int) -> list[DueEntry]:
        """One Query per shard for entries whose earliest event is at or before now; earliest first."""
        bound = now_iso + "~"  # "~" sorts after "#<id>": every entry of that very instant is included
        found: list[tuple[str, Any]] = []
        for shard in range(SHARDS):
            for item in Item.gsi7.query(f"DUE#{shard}", Item.gsi7sk <= bound, limit=limit,
                                        page_size=min(limit, 500)):
                found.append((item.gsi7sk, item))
        found.sort(key=lambda pair: pair[0])
        return [_entry(item) for _, item in found[:limit]]

    def claim(self, ticket_id: int, event: DueEvent, at: str) -> bool:
        try:
            with conditional("The event fired already."):
                DueItem(pk=_pk(ticket_id), sk=FIRED_PREFIX + event.key, doc={"at": at}).save(
                    condition=Item.pk.does_not_exist())
        except Conflict:
            return False
        return True

    def advance(self, entry: DueEntry, remaining: tuple[DueEvent, ...]) -> bool:
        """Rewrite the entry with what is left (or delete it) unless a ticket write replaced it meanwhile."""
        replacement = due_item(entry.ticket_id, remaining, entry.version)
        try:
            with conditional("A ticket write replaced the entry."):
                if replacement is None:
                    due_key(entry.ticket_id).delete(condition=Item.version == entry.version)
                else:
                    replacement.save(condition=Item.version == entry.version)
        except Conflict:
            return False
        return True

    def forget(self, ticket_id: int) -> None:
        """The ticket is gone: its entry and fired-event records go too (one Query, batched deletes)."""
        with Item.batch_write() as batch:
            for item in Item.query(_pk(ticket_id), Item.sk.startswith(DUE_SK)):
                batch.delete(item)
