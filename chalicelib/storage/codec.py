"""Domain dataclasses <-> the JSON document stored in an item's `doc` attribute."""
from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from ..core.model import Article, Attachment

T = TypeVar("T")
_FIELDS: dict[type, frozenset[str]] = {}


def to_doc(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def from_doc(cls: type[T], doc: dict[str, Any]) -> T:
    """Build `cls` from a stored document, ignoring fields a newer or older version wrote."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    values = {k: v for k, v in doc.items() if k in names}
    if cls is Article:
        values["attachments"] = [from_doc(Attachment, a) for a in values.get("attachments", [])]
    return cls(**values)
