"""Contract of the frontend content store, run on DynamoDB (moto) and on the fake."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.ports import StoredContent
from tests.core.fakes import FakeFrontendContentRepository
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.frontend_content import FrontendContentStore
    return _adapter(request, FrontendContentStore, FakeFrontendContentRepository)


def piece(kind: str, key: str, **doc: Any) -> StoredContent:
    return StoredContent(kind, key, dict(doc) or {"name": key})


def test_put_get_and_list_by_kind(store: Any) -> None:
    assert store.get("MENU", "0000000001") is None and store.list("MENU") == []
    for kind, key in (("MENU", "0000000002"), ("MENU", "0000000001"), ("MENUX", "0000000001"),
                      ("SETTING", "HomePage::en")):
        content = piece(kind, key)
        store.put(content, 0)
        assert content.version == 1
    assert [c.key for c in store.list("MENU")] == ["0000000001", "0000000002"]  # not the MENUX kind
    found = store.get("SETTING", "HomePage::en")
    assert (found.kind, found.key, found.doc, found.version, found.uses) == (
        "SETTING", "HomePage::en", {"name": "HomePage::en"}, 1, 0)


def test_put_and_delete_check_the_version(store: Any) -> None:
    content = piece("PAGE", "0000000001", title="a")
    store.put(content, 0)
    with pytest.raises(Conflict):
        store.put(piece("PAGE", "0000000001", title="b"), 0)
    store.put(piece("PAGE", "0000000001", title="c"), 1)
    with pytest.raises(Conflict):
        store.put(piece("PAGE", "0000000001", title="d"), 1)
    with pytest.raises(Conflict):
        store.delete("PAGE", "0000000001", 1)
    assert store.get("PAGE", "0000000001").doc == {"title": "c"}
    store.delete("PAGE", "0000000001", 2)
    assert store.get("PAGE", "0000000001") is None


def test_usage_counter_adds_and_survives_edits(store: Any) -> None:
    with pytest.raises(NotFound):
        store.count_use("SCITEM", "0000000001")
    assert store.get("SCITEM", "0000000001") is None  # the failed ADD wrote nothing
    store.put(piece("SCITEM", "0000000001"), 0)
    assert [store.count_use("SCITEM", "0000000001") for _ in range(3)] == [1, 2, 3]
    store.put(piece("SCITEM", "0000000001", title="edited"), 1)
    found = store.get("SCITEM", "0000000001")
    assert found.uses == 3 and found.doc == {"title": "edited"} and found.version == 2
    assert store.list("SCITEM")[0].uses == 3


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
def test_reads_are_one_call_each(store: Any, dynamodb_calls: list[str]) -> None:  # noqa: F811
    for key in ("a", "b", "c"):
        store.put(piece("SCCATEGORY", key), 0)
    dynamodb_calls.clear()
    assert len(store.list("SCCATEGORY")) == 3
    store.get("SCCATEGORY", "a")
    store.count_use("SCCATEGORY", "a")
    assert dynamodb_calls == ["Query", "GetItem", "UpdateItem"]
