"""Custom attribute definitions (object_manager_attributes): one partition, `OBJATTR`, sort key
`<object>#<name>`. The whole set is one Query; writes are conditional (unique name, version)."""
from __future__ import annotations

from ..core.model import ObjectAttribute
from .codec import from_doc, to_doc
from .errors import conditional
from .table import Item, ObjectAttributeItem

PARTITION = "OBJATTR"


def _sort_key(attribute: ObjectAttribute) -> str:
    return f"{attribute.object}#{attribute.name}"


def _doc(attribute: ObjectAttribute) -> dict:
    doc = to_doc(attribute)
    doc.pop("version", None)  # the typed attribute carries it
    return doc


class ObjectAttributeStore:
    def all(self) -> list[ObjectAttribute]:
        found = []
        for item in Item.query(PARTITION, consistent_read=True):
            if isinstance(item, ObjectAttributeItem):
                attribute = from_doc(ObjectAttribute, item.doc)
                attribute.version = int(item.version or 0)
                found.append(attribute)
        return found

    def create(self, attribute: ObjectAttribute) -> None:
        item = ObjectAttributeItem(pk=PARTITION, sk=_sort_key(attribute), doc=_doc(attribute), version=1)
        with conditional(f"{attribute.object}.{attribute.name} already exists"):
            item.save(condition=ObjectAttributeItem.pk.does_not_exist())
        attribute.version = 1

    def save(self, attribute: ObjectAttribute, expected_version: int) -> None:
        item = ObjectAttributeItem(pk=PARTITION, sk=_sort_key(attribute), doc=_doc(attribute),
                                   version=expected_version + 1)
        with conditional("The attribute was changed by someone else at the same time, please retry."):
            item.save(condition=ObjectAttributeItem.version == expected_version)
        attribute.version = expected_version + 1

    def delete(self, attribute: ObjectAttribute) -> None:
        item = ObjectAttributeItem(pk=PARTITION, sk=_sort_key(attribute))
        with conditional("The attribute was changed by someone else at the same time, please retry."):
            item.delete(condition=ObjectAttributeItem.version == attribute.version)
