"""The external frontend's content (core.ports.FrontendContentRepository): one partition `FRONTEND`,
sort key `<kind>#<key>`. A kind is one Query (`begins_with`), a piece one GetItem; writes are
conditional on the version, and a service catalogue item's usage counter is an atomic ADD that only
succeeds on an existing item."""
from __future__ import annotations

from typing import Optional

from pynamodb.exceptions import UpdateError

from ..core.errors import NotFound
from ..core.ports import StoredContent
from .errors import conditional
from .table import FrontendItem, Item

PARTITION = "FRONTEND"
CONFLICT = "The frontend content was changed by someone else at the same time, please retry."


def _sk(kind: str, key: str) -> str:
    return f"{kind}#{key}"


def _stored(item: FrontendItem) -> StoredContent:
    kind, key = item.sk.split("#", 1)
    return StoredContent(kind, key, item.doc or {}, int(item.version or 0), int(item.uses or 0))


class FrontendContentStore:
    def get(self, kind: str, key: str) -> Optional[StoredContent]:
        try:
            return _stored(FrontendItem.get(PARTITION, _sk(kind, key), consistent_read=True))
        except FrontendItem.DoesNotExist:
            return None

    def list(self, kind: str) -> list[StoredContent]:
        return [_stored(item) for item in Item.query(PARTITION, Item.sk.startswith(f"{kind}#"), consistent_read=True)
                if isinstance(item, FrontendItem)]

    def put(self, content: StoredContent, expected_version: int) -> None:
        """An UpdateItem (not a Put) so that the usage counter written by `count_use` stays."""
        item = FrontendItem(pk=PARTITION, sk=_sk(content.kind, content.key))
        condition = Item.pk.does_not_exist() if expected_version == 0 else FrontendItem.version == expected_version
        with conditional(CONFLICT):
            item.update(actions=[FrontendItem.doc.set(content.doc), FrontendItem.version.set(expected_version + 1),
                                 FrontendItem.kind.set(FrontendItem)], condition=condition)
        content.version = expected_version + 1

    def delete(self, kind: str, key: str, expected_version: int) -> None:
        with conditional(CONFLICT):
            FrontendItem(pk=PARTITION, sk=_sk(kind, key)).delete(condition=FrontendItem.version == expected_version)

    def count_use(self, kind: str, key: str) -> int:
        item = FrontendItem(pk=PARTITION, sk=_sk(kind, key))
        try:
            item.update(actions=[FrontendItem.uses.add(1)], condition=Item.pk.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound(kind, key) from None
            raise
        return int(item.uses or 0)
