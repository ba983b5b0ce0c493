"""Process definitions (core.ports.ProcessRepository): one small partition, `PROCESS` / `<EntityID>`,
doc = the definition as the admin gave it. Read by id (GetItem) or whole (one Query); writes are
conditional on the version, so two admins never silently overwrite each other."""
from __future__ import annotations

from typing import Optional

from ..core.ports import StoredProcess
from .errors import conditional
from .table import Item, ProcessItem

PARTITION = "PROCESS"


def _stored(item: ProcessItem) -> StoredProcess:
    return StoredProcess(entity_id=item.sk, definition=item.doc or {}, version=int(item.version or 0))


class ProcessStore:
    def get(self, entity_id: str) -> Optional[StoredProcess]:
        try:
            return _stored(ProcessItem.get(PARTITION, entity_id, consistent_read=True))
        except ProcessItem.DoesNotExist:
            return None

    def all(self) -> list[StoredProcess]:
        return [_stored(item) for item in Item.query(PARTITION, consistent_read=True) if isinstance(item, ProcessItem)]

    def put(self, process: StoredProcess, expected_version: int) -> None:
        item = ProcessItem(pk=PARTITION, sk=process.entity_id, doc=process.definition, version=expected_version + 1)
        condition = Item.pk.does_not_exist() if expected_version == 0 else ProcessItem.version == expected_version
        with conditional("The process was changed by someone else at the same time, please retry."):
            item.save(condition=condition)
        process.version = expected_version + 1
