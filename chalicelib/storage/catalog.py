"""Groups, states, priorities, calendars and SLAs live together in one partition: the whole catalog
is one Query (the ticket service reads calendars and SLAs with the rest, for escalation deadlines).

The partition also holds the catalog's version item (`CATALOG` / `#VERSION`). Every administrative
change (`write`) is one transaction: the changed items, the deleted items and the version item,
conditional on the version the change was computed from. Whether tickets still refer to a state,
priority or group is one Query with Limit 1 on a sparse index of the ticket items (gsi5 `STATE#<id>`,
gsi6 `PRIORITY#<id>`, gsi1 `GROUP#<id>`) plus, for groups, the directory's `GROUPAGENTS#<gid>`
membership partition. Calendars are referred to only by SLAs, which are in the catalog itself: the
core checks those references against the snapshot its write is conditional on (no `in_use` call).
"""
from __future__ import annotations

import logging
from typing import Iterable, Union

from pynamodb.transactions import TransactWrite

from ..core.model import Calendar, Group, Priority, Sla, State
from ..core.ports import CatalogSnapshot
from . import table
from .codec import from_doc, to_doc
from .errors import conditional
from .table import CatalogItem, Item, TicketItem

log = logging.getLogger(__name__)
PARTITION = "CATALOG"
VERSION_SK = "#VERSION"
KINDS: dict[str, type] = {"GROUP": Group, "STATE": State, "PRIORITY": Priority, "CALENDAR": Calendar, "SLA": Sla}
KIND_PREFIX = {"group": "GROUP", "state": "STATE", "priority": "PRIORITY", "calendar": "CALENDAR", "sla": "SLA"}
PREFIX_OF: dict[type, str] = {cls: prefix for prefix, cls in KINDS.items()}
CatalogItemObject = Union[Group, State, Priority, Calendar, Sla]


def _sk(prefix: str, object_id: int) -> str:
    return f"{prefix}#{object_id:05d}"


class CatalogStore:
    def snapshot(self) -> CatalogSnapshot:
        return self.versioned_snapshot()[0]

    def versioned_snapshot(self) -> tuple[CatalogSnapshot, int]:
        found: dict[str, list] = {name: [] for name in KINDS}
        version = 0
        for item in Item.query(PARTITION, consistent_read=True):
            if item.sk == VERSION_SK:
                version = int(item.version or 0)
                continue
            kind = item.sk.split("#", 1)[0]
            if kind in KINDS:
                found[kind].append(from_doc(KINDS[kind], item.doc))
        return CatalogSnapshot(groups=found["GROUP"], states=found["STATE"], priorities=found["PRIORITY"],
                               calendars=found["CALENDAR"], slas=found["SLA"]), version

    def _put(self, kind: str, obj: CatalogItemObject) -> None:
        CatalogItem(pk=PARTITION, sk=_sk(kind, obj.id), doc=to_doc(obj)).save()

    def put_group(self, group: Group) -> None:
        self._put("GROUP", group)

    def put_state(self, state: State) -> None:
        self._put("STATE", state)

    def put_priority(self, priority: Priority) -> None:
        self._put("PRIORITY", priority)

    def write(self, expected_version: int, puts: Iterable[CatalogItemObject],
              deletes: Iterable[tuple[str, int]] = ()) -> None:
        """Puts, deletes and the next version, all or nothing, only from `expected_version`."""
        version_item = CatalogItem(pk=PARTITION, sk=VERSION_SK, version=expected_version + 1)
        condition = Item.pk.does_not_exist() if expected_version == 0 else Item.version == expected_version
        with conditional("The catalog was changed by someone else at the same time."):
            with TransactWrite(connection=table.connection()) as tx:
                tx.save(version_item, condition=condition)
                for obj in puts:
                    tx.save(CatalogItem(pk=PARTITION, sk=_sk(PREFIX_OF[type(obj)], obj.id), doc=to_doc(obj)))
                for kind, object_id in deletes:
                    tx.delete(CatalogItem(pk=PARTITION, sk=_sk(KIND_PREFIX[kind], object_id)))

    def in_use(self, kind: str, object_id: int) -> bool:
        if kind == "state":
            return _any(Item.gsi5, f"STATE#{object_id}")
        if kind == "priority":
            return _any(Item.gsi6, f"PRIORITY#{object_id}")
        if kind == "group":
            return _any(Item.gsi1, f"GROUP#{object_id}") or any(
                True for _ in Item.query(f"GROUPAGENTS#{object_id}", limit=1, page_size=1))
        raise ValueError(f"unknown catalog kind {kind!r}")


def _any(index: object, partition: str) -> bool:
    return any(True for _ in index.query(partition, limit=1, page_size=1))  # type: ignore[attr-defined]


def backfill_reference_keys() -> int:
    """Give ticket items written before gsi5/gsi6 existed their state and priority keys.

    Not a request path: the dev server runs it once after restoring a snapshot. It walks the
    id-ordered `TICKETS` partition of gsi4 (a Query), and rewrites only items that lack the keys.
    """
    from .tickets import _ticket  # the ticket store owns the ticket item's shape

    fixed = 0
    for item in Item.gsi4.query("TICKETS", page_size=500):
        if not isinstance(item, TicketItem) or (item.gsi5pk and item.gsi6pk):
            continue
        ticket = _ticket(item)
        item.gsi5pk, item.gsi5sk = f"STATE#{ticket.state_id}", table.sortable(ticket.id)
        item.gsi6pk, item.gsi6sk = f"PRIORITY#{ticket.priority_id}", table.sortable(ticket.id)
        item.update(actions=[Item.gsi5pk.set(item.gsi5pk), Item.gsi5sk.set(item.gsi5sk),
                             Item.gsi6pk.set(item.gsi6pk), Item.gsi6sk.set(item.gsi6sk)])
        fixed += 1
    if fixed:
        log.info("gave %d ticket items their state/priority index keys", fixed)
    return fixed
