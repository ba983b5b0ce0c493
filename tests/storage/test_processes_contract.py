"""Contract of the process definition store, run on DynamoDB (moto) and on the fake."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.bootstrap import example_process
from chalicelib.core.errors import Conflict
from chalicelib.core.ports import StoredProcess
from chalicelib.core.processes import entity_id
from tests.core.fakes import FakeProcessRepository
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.processes import ProcessStore
    return _adapter(request, ProcessStore, FakeProcessRepository)


def stored(name: str = "Hardware request") -> StoredProcess:
    definition = example_process(1, 2, 4)
    definition.update(EntityID=entity_id("Process", name), Name=name)
    return StoredProcess(definition["EntityID"], definition)


def test_put_and_read_back_as_given(store: Any) -> None:
    process = stored()
    assert store.get(process.entity_id) is None
    store.put(process, 0)
    assert process.version == 1
    found = store.get(process.entity_id)
    assert found == process and found.definition == example_process(1, 2, 4)
    assert list(found.definition["Path"]) == list(process.definition["Path"])  # order kept: transitions run in it


def test_put_checks_the_version(store: Any) -> None:
    process = stored()
    store.put(process, 0)
    with pytest.raises(Conflict):
        store.put(stored(), 0)  # exists already
    process.definition["Name"] = "Renamed"
    store.put(process, 1)
    assert store.get(process.entity_id).version == 2
    with pytest.raises(Conflict):
        store.put(stored(), 1)  # stale
    assert store.get(process.entity_id).definition["Name"] == "Renamed"


def test_all_in_entity_id_order(store: Any) -> None:
    assert store.all() == []
    processes = [stored(name) for name in ("b", "a", "c")]
    for process in processes:
        store.put(process, 0)
    assert [p.entity_id for p in store.all()] == sorted(p.entity_id for p in processes)


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
def test_reads_are_one_call_each(store: Any, dynamodb_calls: list[str]) -> None:  # noqa: F811
    for name in ("a", "b", "c"):
        store.put(stored(name), 0)
    dynamodb_calls.clear()
    assert len(store.all()) == 3
    store.get(entity_id("Process", "a"))
    assert dynamodb_calls == ["Query", "GetItem"]
