"""Contract of the object attribute store, run on DynamoDB (moto) and on the fake."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.model import ObjectAttribute
from tests.core.fakes import FakeObjectAttributeRepository
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.object_attributes import ObjectAttributeStore
    return _adapter(request, ObjectAttributeStore, FakeObjectAttributeRepository)


def definition(attribute_id: int, name: str, **kw: Any) -> ObjectAttribute:
    kw.setdefault("data_option", {"options": {"a": "A"}, "default": ""})
    kw.setdefault("display", name.title())
    return ObjectAttribute(id=attribute_id, object="Ticket", name=name, data_type="select", to_create=True, **kw)


def test_create_and_read_back(store: Any) -> None:
    assert store.all() == []
    second, first = definition(102, "zeta"), definition(101, "alpha", screens={"edit": {"-all-": {"null": True}}})
    store.create(second)
    store.create(first)
    assert (first.version, second.version) == (1, 1)
    found = store.all()
    assert [a.name for a in found] == ["alpha", "zeta"]  # object, then name
    assert found[0] == first and found[0].data_option == {"options": {"a": "A"}, "default": ""}


def test_names_are_unique_per_object(store: Any) -> None:
    store.create(definition(101, "product"))
    with pytest.raises(Conflict):
        store.create(definition(102, "product", display="Other"))
    assert [(a.id, a.display) for a in store.all()] == [(101, "Product")]


def test_save_checks_the_version(store: Any) -> None:
    attribute = definition(101, "product")
    store.create(attribute)
    attribute.to_create = False
    store.save(attribute, 1)
    assert attribute.version == 2 and store.all()[0].to_create is False and store.all()[0].version == 2
    stale = definition(101, "product", display="Stale")
    with pytest.raises(Conflict):
        store.save(stale, 1)
    assert store.all()[0].display == "Product"


def test_delete_checks_the_version(store: Any) -> None:
    attribute = definition(101, "product")
    store.create(attribute)
    stale = definition(101, "product")
    stale.version = 7
    with pytest.raises(Conflict):
        store.delete(stale)
    store.delete(attribute)
    assert store.all() == []
    store.create(definition(103, "product"))  # the name is free again
    assert [a.id for a in store.all()] == [103]


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
def test_all_is_one_query(store: Any, dynamodb_calls: list[str]) -> None:  # noqa: F811
    for index in range(5):
        store.create(definition(101 + index, f"field{index}"))
    dynamodb_calls.clear()
    assert len(store.all()) == 5
    assert dynamodb_calls == ["Query"]
