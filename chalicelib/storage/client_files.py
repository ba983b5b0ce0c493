"""Uploaded files' metadata (core.ports.ClientFileRepository): `CLIENTFILES#<owner id>` / `FILE#<uuid>`
(ClientFileItem, doc = core.model.ClientFile), each with the TTL `expires` and the gsi7 expiry keys, so the
daily cleanup removes files nobody attached. Keyed by owner: someone else's uuid is simply not found.

put = one PutItem; owned = one BatchGetItem (a request names at most 10 files); count_live = one Query of
the owner's partition (bounded by the per-owner limit plus expired leftovers the cleanup has not removed
yet); delete = one BatchWriteItem.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from ..core.model import ClientFile
from .codec import from_doc, to_doc
from .expiry import with_expiry_keys
from .table import ClientFileItem

PREFIX = "FILE#"
BATCH_GET_LIMIT = 100


def _pk(owner_id: int) -> str:
    return f"CLIENTFILES#{owner_id}"


class ClientFileStore:
    def put(self, file: ClientFile) -> None:
        expires = datetime.fromtimestamp(file.expires_at, tz=timezone.utc)
        with_expiry_keys(ClientFileItem(pk=_pk(file.owner_id), sk=PREFIX + file.id, doc=to_doc(file),
                                        expires=expires)).save()

    def owned(self, owner_id: int, file_ids: Sequence[str]) -> dict[str, ClientFile]:
        keys = [(_pk(owner_id), PREFIX + file_id) for file_id in dict.fromkeys(file_ids)]
        found: dict[str, ClientFile] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            for item in ClientFileItem.batch_get(keys[start:start + BATCH_GET_LIMIT], consistent_read=True):
                file = from_doc(ClientFile, item.doc)
                found[file.id] = file
        return found

    def count_live(self, owner_id: int, now_epoch: int) -> int:
        return sum(1 for item in ClientFileItem.query(_pk(owner_id), ClientFileItem.sk.startswith(PREFIX),
                                                      attributes_to_get=["pk", "sk", "kind", "expires"],
                                                      consistent_read=True)
                   if item.expires is not None and item.expires.timestamp() > now_epoch)

    def delete(self, owner_id: int, file_ids: Sequence[str]) -> None:
        with ClientFileItem.batch_write() as batch:
            for file_id in dict.fromkeys(file_ids):
                batch.delete(ClientFileItem(pk=_pk(owner_id), sk=PREFIX + file_id))
