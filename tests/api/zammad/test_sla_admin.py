"""/api/v1/calendars and /api/v1/slas through HTTP: statuses, bodies, Zammad's texts, permissions, the one
default calendar and the reference checks on delete."""
from __future__ import annotations

import pytest

from tests.api.zammad.test_catalog import REFERENCED, admin_id, error

CALENDAR_KEYS = {"id", "name", "timezone", "business_hours", "default", "ical_url", "public_holidays", "note",
                 "last_log", "last_sync", "created_by_id", "updated_by_id", "created_at", "updated_at"}
SLA_KEYS = {"id", "name", "calendar_id", "first_response_time", "update_time", "solution_time", "condition",
            "created_by_id", "updated_by_id", "created_at", "updated_at"}
CALENDARS, SLAS = "/api/v1/calendars", "/api/v1/slas"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE_HOURS = {day: {"active": day not in ("sat", "sun"), "timeframes": [["09:00", "12:00"], ["13:00", "17:00"]]}
                for day in WEEKDAYS}
BERLIN = {"name": "Berlin office", "timezone": "Europe/Berlin", "business_hours": OFFICE_HOURS, "default": False,
          "ical_url": "", "note": "HQ",
          "public_holidays": {"2026-12-25": {"active": True, "summary": "Christmas Day"},
                              "2026-12-26": {"active": False, "summary": "Boxing Day"}}}
GOLD = {"name": "Gold", "calendar_id": 1, "first_response_time": 60, "update_time": 120, "solution_time": 480,
        "condition": {"ticket.priority_id": {"operator": "is", "value": "3"}}}


def calendar(api, **overrides):
    reply = api.post(CALENDARS, {**BERLIN, **overrides})
    assert reply.status == 201, reply
    return reply.json


def sla(api, **overrides):
    reply = api.post(SLAS, {**GOLD, **overrides})
    assert reply.status == 201, reply
    return reply.json


def defaults(api):
    return [c["name"] for c in api.get(CALENDARS).json if c["default"]]


# --- what a fresh stage has ----------------------------------------------------------------------

def test_the_default_calendar_is_provisioned_and_no_sla(api):
    calendars = api.get(CALENDARS).json
    assert [(c["id"], c["name"], c["timezone"], c["default"]) for c in calendars] == [(1, "Default", "UTC", True)]
    default = calendars[0]
    assert set(default) == CALENDAR_KEYS and default["public_holidays"] == {} and default["ical_url"] is None
    hours = default["business_hours"]
    assert [day for day in WEEKDAYS if hours[day]["active"]] == ["mon", "tue", "wed", "thu", "fri"]
    assert hours["mon"]["timeframes"] == [["08:00", "17:00"]]
    assert api.get(SLAS).json == []
    # a new calendar gets the next id of the "calendar" sequence, not the provisioned one
    assert calendar(api)["id"] == 2


# --- calendars -------------------------------------------------------------------------------------

def test_create_calendar(api):
    created = api.post(CALENDARS, {**BERLIN, "id": 99, "last_sync": "2020-01-01", "created_by_id": 7})
    assert created.status == 201, created
    body = created.json
    assert set(body) == CALENDAR_KEYS
    assert {key: body[key] for key in BERLIN} == BERLIN
    assert body["id"] != 99 and body["last_sync"] is None and body["last_log"] is None
    assert body["created_by_id"] == body["updated_by_id"] == admin_id(api)
    assert body["created_at"].endswith("Z") and body["created_at"] == body["updated_at"]
    assert api.get(f"{CALENDARS}/{body['id']}").json == body
    assert body in api.get(CALENDARS).json


def test_calendar_defaults_for_what_is_not_sent(api):
    body = api.post(CALENDARS, {"name": "Minimal"}).json
    assert (body["timezone"], body["default"], body["public_holidays"], body["ical_url"]) == ("UTC", False, {}, None)
    assert body["business_hours"] == api.get(f"{CALENDARS}/1").json["business_hours"]  # Mon-Fri 08:00-17:00


@pytest.mark.parametrize("change, names", [
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"timezone": None}, "timezone"),
    ({"business_hours": "always"}, "business hours"),
    ({"business_hours": {"monday": {"active": True, "timeframes": [["09:00", "17:00"]]}}}, "business hours"),
    ({"business_hours": {"mon": {"active": True, "timeframes": [["17:00", "09:00"]]}}}, "business hours"),
    ({"business_hours": {"mon": {"active": True, "timeframes": [["09:00", "12:00"], ["11:00", "17:00"]]}}},
     "business hours"),
    ({"business_hours": {day: {"active": False, "timeframes": []} for day in WEEKDAYS}}, "business hours"),
    ({"public_holidays": {"25.12.2026": {"active": True, "summary": "x"}}}, "public holiday"),
    ({"public_holidays": ["2026-12-25"]}, "public holiday"),
    ({"default": "perhaps"}, "'default'"),
    ({"ical_url": {"url": "x"}}, "'ical_url'"),
    ({"ical_url": "https://example.com/" + "x" * 300}, "'ical_url'"),
])
def test_calendar_validation(api, change, names):
    """Each refusal names what is wrong (the escalation validators' texts for the calendar's rules)."""
    reply = api.post(CALENDARS, {**BERLIN, **change})
    assert reply.status == 422, reply
    assert names in error(reply).lower(), error(reply)
    assert [c["name"] for c in api.get(CALENDARS).json] == ["Default"]


def test_calendar_names_are_unique_and_required(api):
    for name, message in (("default", "Name has already been taken"), ("  ", "Name can't be blank"),
                          (None, "Name can't be blank")):
        reply = api.post(CALENDARS, {**BERLIN, "name": name})
        assert reply.status == 422 and error(reply) == message
    assert api.post(CALENDARS, {k: v for k, v in BERLIN.items() if k != "name"}).status == 422


def test_update_calendar(api):
    created = calendar(api)
    holidays = {"2027-01-01": {"active": True, "summary": "New Year's Day"}}
    reply = api.put(f"{CALENDARS}/{created['id']}", {"timezone": "America/New_York", "public_holidays": holidays,
                                                     "id": 5, "created_by_id": 9, "last_log": "forged"})
    assert reply.status == 200, reply
    changed = reply.json
    assert (changed["id"], changed["timezone"], changed["public_holidays"]) == (created["id"], "America/New_York",
                                                                               holidays)
    assert changed["name"] == BERLIN["name"] and changed["business_hours"] == OFFICE_HOURS  # the rest stays
    assert changed["last_log"] is None and changed["created_by_id"] == admin_id(api)
    assert api.get(f"{CALENDARS}/{created['id']}").json == changed
    refused = api.put(f"{CALENDARS}/{created['id']}", {"timezone": "Nowhere/Land"})
    assert refused.status == 422 and api.get(f"{CALENDARS}/{created['id']}").json == changed
    assert api.put(f"{CALENDARS}/{created['id']}", {"name": "DEFAULT"}).status == 422


def test_one_default_calendar(api):
    first = calendar(api, name="First", default=True)
    assert first["default"] is True and defaults(api) == ["First"]  # taken from "Default"
    second = calendar(api, name="Second")
    assert second["default"] is False and defaults(api) == ["First"]
    moved = api.put(f"{CALENDARS}/{second['id']}", {"default": True})
    assert moved.status == 200 and moved.json["default"] is True and defaults(api) == ["Second"]
    # taking the default away hands it to the first other calendar (by id)
    assert api.put(f"{CALENDARS}/{second['id']}", {"default": False}).json["default"] is False
    assert defaults(api) == ["Default"]


def test_the_only_calendar_keeps_the_default(api):
    reply = api.put(f"{CALENDARS}/1", {"default": False})
    assert reply.status == 200 and reply.json["default"] is True and defaults(api) == ["Default"]


def test_delete_calendar(api):
    created = calendar(api)
    reply = api.delete(f"{CALENDARS}/{created['id']}")
    assert reply.status == 200 and reply.json == {}
    gone = api.get(f"{CALENDARS}/{created['id']}")
    assert gone.status == 404 and error(gone) == f"Couldn't find Calendar with 'id'={created['id']}"
    assert calendar(api)["name"] == BERLIN["name"]  # the name is free again


def test_the_default_calendar_is_not_deleted(api):
    reply = api.delete(f"{CALENDARS}/1")
    assert reply.status == 422 and error(reply) == REFERENCED
    assert api.get(f"{CALENDARS}/1").status == 200


def test_a_calendar_an_sla_uses_is_not_deleted(api):
    used = calendar(api)
    gold = sla(api, calendar_id=used["id"])
    reply = api.delete(f"{CALENDARS}/{used['id']}")
    assert reply.status == 422 and error(reply) == REFERENCED
    # once the SLA uses another calendar, the calendar can go
    assert api.put(f"{SLAS}/{gold['id']}", {"calendar_id": 1}).status == 200
    assert api.delete(f"{CALENDARS}/{used['id']}").status == 200


# --- SLAs ------------------------------------------------------------------------------------------

def test_create_sla(api):
    reply = api.post(SLAS, {**GOLD, "id": 42, "created_by_id": 9})
    assert reply.status == 201, reply
    body = reply.json
    assert set(body) == SLA_KEYS
    assert (body["name"], body["calendar_id"], body["first_response_time"], body["update_time"],
            body["solution_time"]) == ("Gold", 1, 60, 120, 480)
    assert body["condition"] == {"ticket.priority_id": {"operator": "is", "value": ["3"]}}  # normalised
    assert body["id"] != 42 and body["created_by_id"] == admin_id(api)
    assert api.get(f"{SLAS}/{body['id']}").json == body
    assert api.get(SLAS).json == [body]


def test_sla_times_are_optional_and_the_condition_defaults_to_every_ticket(api):
    body = sla(api, name="Any", first_response_time=None, update_time="", solution_time=None, condition=None)
    assert (body["first_response_time"], body["update_time"], body["solution_time"]) == (None, None, None)
    assert body["condition"] == {}
    minimal = api.post(SLAS, {"name": "Minimal", "calendar_id": "1"})
    assert minimal.status == 201 and minimal.json["condition"] == {} and minimal.json["calendar_id"] == 1


@pytest.mark.parametrize("change, message", [
    ({"calendar_id": None}, "Attribute 'calendar_id' required!"),
    ({"calendar_id": 999}, "No lookup value found for 'calendar_id': 999"),
    ({"calendar_id": "one"}, "Invalid value for param 'calendar_id': one"),
    ({"first_response_time": 0}, "Invalid value for param 'first_response_time': 0 (minutes, 1 to 525600)"),
    ({"update_time": -5}, "Invalid value for param 'update_time': -5 (minutes, 1 to 525600)"),
    ({"solution_time": 525601}, "Invalid value for param 'solution_time': 525601 (minutes, 1 to 525600)"),
    ({"solution_time": "soon"}, "Invalid value for param 'solution_time': soon"),
    ({"name": "gold "}, None),  # taken by the SLA the test creates first
])
def test_sla_validation(api, change, message):
    sla(api)
    reply = api.post(SLAS, {**GOLD, "name": "Silver", **change})
    assert reply.status == 422, reply
    assert error(reply) == (message or "Name has already been taken")
    assert [s["name"] for s in api.get(SLAS).json] == ["Gold"]


@pytest.mark.parametrize("condition", [
    "priority is 3",
    {"ticket.title": {"operator": "is", "value": ["x"]}},
    {"ticket.priority_id": {"operator": "contains", "value": ["3"]}},
    {"ticket.priority_id": {"operator": "is", "value": []}},
    {"ticket.priority_id": {"operator": "is", "value": [True]}},
    {"ticket.priority_id": "3"},
])
def test_sla_condition_validation(api, condition):
    reply = api.post(SLAS, {**GOLD, "condition": condition})
    assert reply.status == 422 and "condition" in error(reply).lower(), reply
    assert api.get(SLAS).json == []


def test_update_sla(api):
    created = calendar(api)
    gold = sla(api)
    reply = api.put(f"{SLAS}/{gold['id']}", {"calendar_id": created["id"], "update_time": None,
                                              "condition": {"ticket.group_id": {"operator": "is not", "value": 1}},
                                              "created_at": "2000-01-01T00:00:00.000Z"})
    assert reply.status == 200, reply
    body = reply.json
    assert (body["calendar_id"], body["update_time"], body["first_response_time"]) == (created["id"], None, 60)
    assert body["condition"] == {"ticket.group_id": {"operator": "is not", "value": ["1"]}}
    assert body["created_at"] == gold["created_at"] and body["updated_at"] >= gold["updated_at"]
    assert api.get(f"{SLAS}/{gold['id']}").json == body
    refused = api.put(f"{SLAS}/{gold['id']}", {"calendar_id": 777})
    assert refused.status == 422 and error(refused) == "No lookup value found for 'calendar_id': 777"
    assert api.get(f"{SLAS}/{gold['id']}").json == body


def test_delete_sla(api):
    gold = sla(api)
    reply = api.delete(f"{SLAS}/{gold['id']}", {"force": True})  # a JSON body is accepted
    assert reply.status == 200 and reply.json == {}
    assert api.get(SLAS).json == []
    assert api.get(f"{SLAS}/{gold['id']}").status == 404


@pytest.mark.parametrize("path, entity", [(CALENDARS, "Calendar"), (SLAS, "Sla")])
def test_unknown_ids_are_404(api, path, entity):
    for reply in (api.get(f"{path}/9"), api.put(f"{path}/9", {"name": "x"}), api.delete(f"{path}/9")):
        assert reply.status == 404 and error(reply) == f"Couldn't find {entity} with 'id'=9"
    assert api.get(f"{path}/abc").status == 404


@pytest.mark.parametrize("path", [CALENDARS, SLAS])
def test_bad_payloads_are_422_not_500(api, path):
    assert api.post(path, raw=b"[1, 2]").status == 422
    assert api.post(path, raw=b"{not json").status == 422
    assert api.put(path + "/1", raw=b"\"text\"").status == 422


# --- reading: lists, expand, full, time zones ---------------------------------------------------------

def test_lists_page_expand_and_full(api):
    second = calendar(api)
    gold = sla(api, calendar_id=second["id"])
    page = api.get(f"{CALENDARS}?page=2&per_page=1")
    assert page.status == 200 and [c["id"] for c in page.json] == [second["id"]]
    assert api.get(f"{CALENDARS}?per_page=abc").status == 422
    expanded = api.get(f"{SLAS}?expand=true").json
    assert expanded[0]["calendar"] == BERLIN["name"] and expanded[0]["created_by"] == "admin@example.com"
    assert api.get(f"{SLAS}/{gold['id']}?expand=true").json["calendar"] == BERLIN["name"]
    full = api.get(f"{CALENDARS}?full=true").json
    assert full["record_ids"] == [1, second["id"]] and full["assets"]["Calendar"][str(second["id"])] == second
    one = api.get(f"{SLAS}/{gold['id']}?full=true").json
    assert one == {"id": gold["id"], "assets": {"Sla": {str(gold["id"]): gold}}}
    assert api.post(f"{SLAS}?expand=true", {**GOLD, "name": "Expanded"}).json["calendar"] == "Default"


def test_timezones(api):
    reply = api.get(f"{CALENDARS}/timezones")
    assert reply.status == 200 and set(reply.json) == {"timezones"}
    zones = reply.json["timezones"]
    assert len(zones) > 300 and zones["UTC"] == 0 and zones["Asia/Kolkata"] == 5.5
    assert zones["Europe/Berlin"] in (1, 2) and zones["America/New_York"] in (-5, -4)
    assert all(isinstance(offset, (int, float)) and -12 <= offset <= 14 for offset in zones.values())
    # every listed zone is one a calendar accepts
    assert api.put(f"{CALENDARS}/1", {"timezone": "Pacific/Chatham"}).json["timezone"] == "Pacific/Chatham"


# --- permissions ------------------------------------------------------------------------------------

READS = [CALENDARS, f"{CALENDARS}/1", f"{CALENDARS}/timezones", SLAS]


def test_agents_read(api):
    gold = sla(api)
    for path in READS + [f"{SLAS}/{gold['id']}", f"{SLAS}?expand=true"]:
        assert api.get(path, who="agent").status == 200, path
    assert api.get(f"{SLAS}/{gold['id']}", who="agent").json == gold


def test_customers_read_nothing(api):
    gold = sla(api)
    for path in READS + [f"{SLAS}/{gold['id']}"]:
        reply = api.get(path, who="customer")
        assert reply.status == 403 and error(reply) == "Not authorized", path
        assert reply.headers["x-failure"] == "Not authorized"


@pytest.mark.parametrize("who", ["agent", "customer"])
def test_writes_are_for_admins(api, who):
    gold = sla(api)
    before = (api.get(CALENDARS).json, api.get(SLAS).json)
    for reply in (api.post(CALENDARS, BERLIN, who=who), api.put(f"{CALENDARS}/1", {"timezone": "Europe/Berlin"},
                                                                 who=who),
                  api.delete(f"{CALENDARS}/1", who=who), api.post(SLAS, {**GOLD, "name": "Mine"}, who=who),
                  api.put(f"{SLAS}/{gold['id']}", {"solution_time": 5}, who=who),
                  api.delete(f"{SLAS}/{gold['id']}", who=who)):
        assert reply.status == 403 and error(reply) == "Not authorized", reply
    assert (api.get(CALENDARS).json, api.get(SLAS).json) == before


def test_anonymous_is_refused(api):
    for reply in (api.get(CALENDARS, who=None), api.post(SLAS, GOLD, who=None),
                  api.get(f"{CALENDARS}/timezones", who=None)):
        assert reply.status == 403 and error(reply) == "Authentication required"


# --- for the security matrix (tests/security/test_matrix.py) ----------------------------------------

def matrix_params(api) -> dict:
    """A calendar nothing uses (admins may change and delete it) and an SLA on the default calendar (so
    deleting the calendar does not depend on deleting the SLA first)."""
    made = calendar(api, name="Matrix calendar")
    gold = sla(api, name="Matrix SLA", calendar_id=1)
    return {"calendar_id": made["id"], "sla_id": gold["id"]}


MATRIX_BODIES = {
    ("POST", "/api/v1/calendars"): {"name": "Matrix created calendar", "timezone": "Europe/Berlin"},
    ("PUT", "/api/v1/calendars/{calendar_id}"): {"note": "matrix", "timezone": "America/New_York"},
    ("POST", "/api/v1/slas"): {"name": "Matrix created SLA", "calendar_id": 1, "solution_time": 60},
    ("PUT", "/api/v1/slas/{sla_id}"): {"first_response_time": 15, "condition": {}},
}
