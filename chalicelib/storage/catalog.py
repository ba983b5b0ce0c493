"""Groups, states and priorities live together in one partition: the whole catalog is one Query."""
from __future__ import annotations

from typing import Union

from ..core.model import Group, Priority, State
from ..core.ports import CatalogSnapshot
from .codec import from_doc, to_doc
from .table import CatalogItem, Item

PARTITION = "CATALOG"
KINDS: dict[str, type] = {"GROUP": Group, "STATE": State, "PRIORITY": Priority}


class CatalogStore:
    def snapshot(self) -> CatalogSnapshot:
        found: dict[str, list] = {name: [] for name in KINDS}
        for item in Item.query(PARTITION, consistent_read=True):
            kind = item.sk.split("#", 1)[0]
            if kind in KINDS:
                found[kind].append(from_doc(KINDS[kind], item.doc))
        return CatalogSnapshot(groups=found["GROUP"], states=found["STATE"], priorities=found["PRIORITY"])

    def _put(self, kind: str, obj: Union[Group, State, Priority]) -> None:
        CatalogItem(pk=PARTITION, sk=f"{kind}#{obj.id:05d}", doc=to_doc(obj)).save()

    def put_group(self, group: Group) -> None:
        self._put("GROUP", group)

    def put_state(self, state: State) -> None:
        self._put("STATE", state)

    def put_priority(self, priority: Priority) -> None:
        self._put("PRIORITY", priority)
