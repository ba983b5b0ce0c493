"""The form upload cache (core.ports.UploadRepository) in the table: one partition per FormID.

Items (kind `upload`, storage/table.py UploadItem):
- `UPLOAD#<form id>` / `#FORM`: `owner_id`, `last_file_id` (the counter), `file_ids` (number set: the
  files the form holds; a file item outside it is a leftover of an expired generation and is ignored);
- `UPLOAD#<form id>` / `FILE#<padded file id>`: doc = the file's metadata.
Every write sets `expires` and the gsi7 expiry keys (storage/expiry.py), so the daily cleanup removes
abandoned forms without a scan; an upload moves the expiry of the form and all its files in the same write.
The bytes are in S3 (BlobStore) under `uploads/<form id>/<file id>`: a lifecycle rule on `uploads/` removes
the objects of forms nobody finished (the cleanup job only knows the table).

DynamoDB calls: read = 1 Query; reserve/restart = 1 UpdateItem; add = 1 TransactWriteItems (while the
form holds fewer than 99 files); remove = 1 TransactWriteItems; drop = 1 BatchWriteItem per 25 items.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Collection, Iterator, Optional, Sequence

from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from ..core.model import UploadedFile
from ..core.ports import UploadForm
from . import table
from .codec import from_doc, to_doc
from .errors import conditional
from .expiry import with_expiry_keys
from .table import UploadItem, sortable

FORM_SK = "#FORM"
FILE_PREFIX = "FILE#"
TRANSACTION_LIMIT = 100   # DynamoDB's actions per TransactWriteItems
LOST_RACE = "The upload form changed meanwhile."


def _partition(form_id: str) -> str:
    return f"UPLOAD#{form_id}"


def _file_sk(file_id: int) -> str:
    return FILE_PREFIX + sortable(file_id)


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _expiry_actions(pk: str, sk: str, expires_at: int) -> list[Any]:
    """SET `expires` and the gsi7 keys `with_expiry_keys` gives an item at that key and expiry."""
    keyed = with_expiry_keys(UploadItem(pk=pk, sk=sk, expires=_moment(expires_at)))
    return [UploadItem.expires.set(keyed.expires), UploadItem.gsi7pk.set(keyed.gsi7pk),
            UploadItem.gsi7sk.set(keyed.gsi7sk)]


def _form(form_id: str, item: UploadItem) -> UploadForm:
    return UploadForm(form_id=form_id, owner_id=int(item.owner_id), last_file_id=int(item.last_file_id or 0),
                      file_ids=frozenset(int(i) for i in item.file_ids or ()),
                      expires_at=int(item.expires.timestamp()) if item.expires else 0)


def _chunks(values: Sequence[int], size_: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size_):
        yield values[start:start + size_]


class UploadStore:
    def read(self, form_id: str) -> tuple[Optional[UploadForm], list[UploadedFile]]:
        """One consistent Query of the partition: the form and its file items (in FileID order)."""
        items = list(UploadItem.query(_partition(form_id), consistent_read=True))
        form_item = next((item for item in items if item.sk == FORM_SK and item.owner_id is not None), None)
        if form_item is None:
            return None, []
        form = _form(form_id, form_item)
        files = [from_doc(UploadedFile, item.doc) for item in items
                 if item.sk.startswith(FILE_PREFIX) and item.doc and int(item.doc["file_id"]) in form.file_ids]
        return form, files

    def reserve(self, form_id: str, owner_id: int, max_files: int, now_epoch: int, expires_at: int) -> UploadForm:
        """UpdateItem ADD on the counter, conditional on owner (absent or the caller), expiry and count."""
        item = UploadItem(pk=_partition(form_id), sk=FORM_SK)
        condition = ((UploadItem.owner_id.does_not_exist() | (UploadItem.owner_id == owner_id))
                     & (UploadItem.expires.does_not_exist() | (UploadItem.expires > _moment(now_epoch)))
                     & (UploadItem.file_ids.does_not_exist() | (size(UploadItem.file_ids) < max_files)))
        with conditional(LOST_RACE):
            item.update(actions=[UploadItem.kind.set(UploadItem), UploadItem.owner_id.set(owner_id),
                                 UploadItem.last_file_id.add(1), *_expiry_actions(item.pk, FORM_SK, expires_at)],
                        condition=condition)
        return _form(form_id, item)

    def restart(self, form_id: str, owner_id: int, now_epoch: int, expires_at: int) -> UploadForm:
        """UpdateItem: owner, counter 1, no files; only while the form is still expired (or absent)."""
        item = UploadItem(pk=_partition(form_id), sk=FORM_SK)
        with conditional(LOST_RACE):
            item.update(actions=[UploadItem.kind.set(UploadItem), UploadItem.owner_id.set(owner_id),
                                 UploadItem.last_file_id.set(1), UploadItem.file_ids.remove(),
                                 *_expiry_actions(item.pk, FORM_SK, expires_at)],
                        condition=UploadItem.pk.does_not_exist() | (UploadItem.expires <= _moment(now_epoch)))
        return _form(form_id, item)

    def add(self, form_id: str, owner_id: int, file: UploadedFile, others: Collection[int], max_files: int,
            expires_at: int) -> None:
        """One transaction: the file item (unconditional: an item left under this id by an expired
        generation is overwritten), the id into the form, the other files' new expiry. Files beyond one
        transaction's room are refreshed by further transactions (each only if the file still exists)."""
        pk = _partition(form_id)
        file_item = with_expiry_keys(UploadItem(pk=pk, sk=_file_sk(file.file_id), doc=to_doc(file),
                                                expires=_moment(expires_at)))
        admit = ((UploadItem.owner_id == owner_id) & ~UploadItem.file_ids.contains(file.file_id)
                 & (UploadItem.file_ids.does_not_exist() | (size(UploadItem.file_ids) < max_files)))
        refresh = sorted(others)
        room = TRANSACTION_LIMIT - 2
        with conditional(LOST_RACE):
            with TransactWrite(connection=table.connection()) as tx:
                tx.save(file_item)
                tx.update(UploadItem(pk=pk, sk=FORM_SK), actions=[UploadItem.file_ids.add({file.file_id})],
                          condition=admit)
                self._refresh(tx, pk, refresh[:room], expires_at)
        for chunk in _chunks(refresh[room:], TRANSACTION_LIMIT):
            with conditional(LOST_RACE):
                with TransactWrite(connection=table.connection()) as tx:
                    self._refresh(tx, pk, chunk, expires_at)

    @staticmethod
    def _refresh(tx: TransactWrite, pk: str, file_ids: Sequence[int], expires_at: int) -> None:
        for file_id in file_ids:
            sk = _file_sk(file_id)
            tx.update(UploadItem(pk=pk, sk=sk), actions=_expiry_actions(pk, sk, expires_at),
                      condition=UploadItem.pk.exists())

    def remove(self, form_id: str, owner_id: int, file_ids: Collection[int]) -> None:
        """One transaction per 99 files: their items deleted and their ids out of the owner's form."""
        pk = _partition(form_id)
        for chunk in _chunks(sorted(file_ids), TRANSACTION_LIMIT - 1):
            with conditional(LOST_RACE):
                with TransactWrite(connection=table.connection()) as tx:
                    tx.update(UploadItem(pk=pk, sk=FORM_SK), actions=[UploadItem.file_ids.delete(set(chunk))],
                              condition=UploadItem.owner_id == owner_id)
                    for file_id in chunk:
                        tx.delete(UploadItem(pk=pk, sk=_file_sk(file_id)))

    def drop(self, form_id: str, file_ids: Collection[int]) -> None:
        """BatchWriteItem deletes of the form and its files (PynamoDB retries unprocessed ones)."""
        pk = _partition(form_id)
        with UploadItem.batch_write() as batch:
            batch.delete(UploadItem(pk=pk, sk=FORM_SK))
            for file_id in sorted(file_ids):
                batch.delete(UploadItem(pk=pk, sk=_file_sk(file_id)))

