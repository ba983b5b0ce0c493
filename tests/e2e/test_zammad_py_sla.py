"""Calendars and SLAs through the real zammad_py client against the real local server.

zammad_py has no calendar or SLA resource; integrations add one the way zammad_py defines its own
(a `Resource` with a `path_attribute`), and get list/find/create/update/destroy from it."""
from __future__ import annotations

import pytest
from requests.exceptions import HTTPError
from zammad_py.api import Resource

from .zammad_client import status_of

pytestmark = pytest.mark.e2e


class Calendar(Resource):
    path_attribute = "calendars"


class Sla(Resource):
    path_attribute = "slas"


WORKDAY = {"active": True, "timeframes": [["09:00", "17:00"]]}
WEEKEND = {"active": False, "timeframes": [["09:00", "17:00"]]}


def test_calendar_lifecycle(client, agent):
    calendars = Calendar(connection=client)
    provisioned = calendars.find(1)
    assert (provisioned["name"], provisioned["default"], provisioned["timezone"]) == ("Default", True, "UTC")
    listed = calendars.all(filters={"per_page": 100})  # zammad_py asks for expand=true
    assert listed[0]["name"] == "Default" and listed[0]["created_by"] is not None
    created = calendars.create({
        "name": "Py Berlin", "timezone": "Europe/Berlin", "default": False, "ical_url": "",
        "business_hours": {**{day: WORKDAY for day in ("mon", "tue", "wed", "thu", "fri")},
                           "sat": WEEKEND, "sun": WEEKEND},
        "public_holidays": {"2026-12-25": {"active": True, "summary": "Christmas Day"}}})
    assert created["timezone"] == "Europe/Berlin" and created["default"] is False
    assert calendars.find(created["id"])["public_holidays"]["2026-12-25"]["summary"] == "Christmas Day"
    assert created["id"] in [c["id"] for c in Calendar(connection=agent).all()]
    changed = calendars.update(created["id"], {"timezone": "America/New_York", "default": True})
    assert changed["timezone"] == "America/New_York" and changed["default"] is True
    assert calendars.find(1)["default"] is False  # one default
    with pytest.raises(HTTPError) as is_default:
        calendars.destroy(created["id"])
    assert status_of(is_default) == 422
    calendars.update(1, {"default": True})  # give the default back
    assert calendars.destroy(created["id"]) == {}
    with pytest.raises(HTTPError) as gone:
        calendars.find(created["id"])
    assert status_of(gone) == 404


def test_invalid_calendars_are_refused(client):
    calendars = Calendar(connection=client)
    with pytest.raises(HTTPError) as bad_zone:
        calendars.create({"name": "Py nowhere", "timezone": "Nowhere/Land"})
    assert "Unknown timezone 'Nowhere/Land'." in str(bad_zone.value)
    with pytest.raises(HTTPError) as duplicate:
        calendars.create({"name": "DEFAULT"})
    assert status_of(duplicate) == 422


def test_timezones(client):
    reply = client.session.get(Calendar(connection=client).url + "/timezones")
    assert reply.status_code == 200, reply.text
    zones = reply.json()["timezones"]
    assert zones["UTC"] == 0 and zones["Europe/Berlin"] in (1, 2)


def test_sla_lifecycle(client, agent, customer):
    calendar = Calendar(connection=client).create({"name": "Py SLA hours"})
    slas = Sla(connection=client)
    gold = slas.create({"name": "Py Gold", "calendar_id": calendar["id"], "first_response_time": 60,
                        "update_time": 120, "solution_time": 480,
                        "condition": {"ticket.priority_id": {"operator": "is", "value": "3"}}})
    assert gold["condition"] == {"ticket.priority_id": {"operator": "is", "value": ["3"]}}
    listed = Sla(connection=agent).all()
    assert [(s["name"], s["calendar"]) for s in listed if s["id"] == gold["id"]] == [("Py Gold", "Py SLA hours")]
    with pytest.raises(HTTPError) as used:
        Calendar(connection=client).destroy(calendar["id"])
    assert status_of(used) == 422
    assert slas.update(gold["id"], {"solution_time": None})["solution_time"] is None
    with pytest.raises(HTTPError) as no_calendar:
        slas.create({"name": "Py Silver", "calendar_id": 999999})
    assert "No lookup value found for 'calendar_id': 999999" in str(no_calendar.value)
    with pytest.raises(HTTPError) as agent_write:
        Sla(connection=agent).update(gold["id"], {"solution_time": 5})
    assert status_of(agent_write) == 403
    with pytest.raises(HTTPError) as customer_read:
        Sla(connection=customer).find(gold["id"])
    assert status_of(customer_read) == 403
    assert slas.destroy(gold["id"]) == {}
    assert Calendar(connection=client).destroy(calendar["id"]) == {}
    with pytest.raises(HTTPError) as gone:
        slas.find(gold["id"])
    assert status_of(gone) == 404
