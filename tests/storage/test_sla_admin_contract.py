"""The catalog store with calendars and SLAs (DynamoDB on moto): they travel in the one catalog Query,
in the same versioned all-or-nothing writes as states, priorities and groups, and come back intact."""
from __future__ import annotations

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.model import Calendar, Group, Sla, State, default_business_hours
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)

BERLIN = Calendar(id=2, name="Berlin", timezone="Europe/Berlin", note="office",
                  business_hours={**default_business_hours(),
                                  "sat": {"active": True, "timeframes": [["09:00", "12:00"], ["13:00", "24:00"]]}},
                  public_holidays={"2026-12-25": {"active": True, "summary": "Christmas Day"}},
                  ical_url="https://example.com/holidays.ics", created_by_id=3, created_at="2026-01-01T00:00:00.000Z")
GOLD = Sla(id=1, name="Gold", calendar_id=2, first_response_time=60, update_time=None, solution_time=480,
           condition={"ticket.priority_id": {"operator": "is", "value": ["3"]}})


@pytest.fixture()
def store(dynamo: None):
    from chalicelib.storage.catalog import CatalogStore
    return CatalogStore()


def test_calendars_and_slas_round_trip_in_the_snapshot(store) -> None:
    assert (store.snapshot().calendars, store.snapshot().slas) == ([], [])
    default = Calendar(id=1, name="Default", default=True)
    store.write(0, [BERLIN, default, GOLD, State(1, "new", 1)])
    snapshot, version = store.versioned_snapshot()
    assert version == 1
    assert snapshot.calendars == [default, BERLIN]  # by id, every attribute as written
    assert snapshot.slas == [GOLD] and snapshot.states == [State(1, "new", 1)]
    assert snapshot.groups == [] and snapshot.priorities == []


def test_one_query_reads_every_kind(store, request: pytest.FixtureRequest) -> None:
    store.write(0, [BERLIN, GOLD, Group(1, "Users"), State(1, "new", 1)])
    calls = request.getfixturevalue("dynamodb_calls")
    snapshot = store.snapshot()
    assert calls == ["Query"]
    assert [c.name for c in snapshot.calendars] == ["Berlin"] and [s.name for s in snapshot.slas] == ["Gold"]


def test_writes_and_deletes_are_versioned(store) -> None:
    store.write(0, [BERLIN, GOLD])
    with pytest.raises(Conflict):  # computed from an old catalogue: none of it is written
        store.write(0, [Sla(id=2, name="Lost", calendar_id=2)], [("calendar", 2)])
    snapshot = store.snapshot()
    assert [c.id for c in snapshot.calendars] == [2] and [s.id for s in snapshot.slas] == [1]
    changed = Sla(id=1, name="Gold", calendar_id=2, first_response_time=30)
    store.write(1, [changed, Calendar(id=3, name="Night", default=True)], [("calendar", 2)])
    snapshot, version = store.versioned_snapshot()
    assert version == 2 and snapshot.slas == [changed]
    assert [(c.id, c.default) for c in snapshot.calendars] == [(3, True)]
    store.write(2, [], [("sla", 1), ("calendar", 3)])
    assert (store.snapshot().calendars, store.snapshot().slas) == ([], [])


def test_ids_sort_numerically_beyond_nine(store) -> None:
    store.write(0, [Calendar(id=n, name=f"Calendar {n}") for n in (10, 9, 100)])
    assert [c.id for c in store.snapshot().calendars] == [9, 10, 100]
