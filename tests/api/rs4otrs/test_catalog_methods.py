"""RS4OTRS filters, queues, services, settings, sla and system methods (RS4OTRS-METHODS.md §3.8-3.15)."""
from __future__ import annotations

import logging

import pytest

from tests.api.rs4otrs.conftest import SESSION_INVALID, Rpc, failed, ok

METHODS = [("filters", "getTicketViews"), ("queues", "getQueueList"), ("services", "getServiceList"),
           ("settings", "getLanguageList"), ("settings", "setPushNotificationToken"), ("sla", "getSLAList"),
           ("system", "getPackageList"), ("system", "getDynamicFieldList")]


@pytest.mark.parametrize("group, name", METHODS)
def test_every_method_needs_the_session(rpc: Rpc, group: str, name: str) -> None:
    assert failed(rpc.call(group, name, who=None)) == SESSION_INVALID
    assert failed(rpc.get(group, name, who=None)) == SESSION_INVALID


def groups_by_name(reply: object) -> dict[str, dict]:
    return {g["Name"]: g for g in ok(reply)["Groups"]}  # type: ignore[arg-type]


def test_ticket_views(rpc: Rpc) -> None:
    groups = groups_by_name(rpc.call("filters", "getTicketViews"))
    assert list(groups) == ["View", "Priority", "Type", "State", "Sort"]
    views = groups["View"]
    assert views["Exclusive"] == 1 and views["Items"][0] == {"ID": -1, "Name": "Assigned to me", "Default": 1}
    assert [v["ID"] for v in views["Items"]] == [-1, -2, -3, -4, -5, -6, -7]
    priorities = {p["Name"]: p for p in groups["Priority"]["Items"]}
    assert priorities["2 normal"]["Default"] == 1 and priorities["1 low"]["Default"] == 0
    assert all(p["Color"].startswith("#") for p in priorities.values())
    assert groups["Type"]["Items"] == [{"ID": 1, "Name": "Unclassified", "Abbr": "Unc", "Color": "#ffffff",
                                        "BackgroundColor": "#ffffff"}]
    states = {s["Name"]: s for s in groups["State"]["Items"]}
    assert "merged" not in states and states["new"]["Default"] == 1 and states["new"]["Screens"] == {}
    assert states["open"]["OnTicketCreateScreen"] == 1 and states["new"]["OnTicketCreateScreen"] == 0
    assert [s["Value"] for s in groups["Sort"]["Items"]] == ["EscalationSolutionTime", "Age", "Priority", "Changed"]
    assert groups_by_name(rpc.get("filters", "getTicketViews")) == groups


def test_ticket_views_for_a_queue_fill_the_screens(rpc: Rpc) -> None:
    states = {s["Name"]: s for s in groups_by_name(rpc.call("filters", "getTicketViews", QueueID=1))["State"]["Items"]}
    assert "new" not in states  # not offered when creating or changing a ticket on the phone screen
    assert states["open"]["Screens"] == {"AgentMobileNewTicket": 1, "AgentMobileTicketNote": 1,
                                         "AgentMobileEditTicket": 1, "AgentMobileTicketStatus": 1}
    assert states["closed"]["Screens"]["AgentMobileTicketClose"] == 1
    assert failed(rpc.call("filters", "getTicketViews", QueueID=999)) == "No queue with QueueID 999"
    assert failed(rpc.get("filters", "getTicketViews", QueueID="x")) == "Invalid value for QueueID: 'x'"
    group = rpc.api.post("/api/v1/groups", {"name": "Secret"}, who="admin").json
    assert failed(rpc.call("filters", "getTicketViews", QueueID=group["id"])) == "No permission"


def test_queue_list_by_permission_and_as_a_tree(rpc: Rpc) -> None:
    admin = lambda path, body: rpc.api.post(path, body, who="admin").json  # noqa: E731
    sales = admin("/api/v1/groups", {"name": "Sales"})
    europe = admin("/api/v1/groups", {"name": "Sales::Europe"})
    inbox = admin("/api/v1/groups", {"name": "Inbox"})
    agent_id = rpc.credentials["agent"]["id"]
    rpc.api.put(f"/api/v1/users/{agent_id}", {"group_ids": {"1": ["full"], str(europe["id"]): ["read"],
                                                            str(inbox["id"]): ["create"]}}, who="admin")
    body = ok(rpc.call("queues", "getQueueList"))
    assert body["Queues"] == [{"ID": europe["id"], "Name": "Sales::Europe", "FullName": "Sales::Europe", "Accessible": 1},
                              {"ID": 1, "Name": "Users", "FullName": "Users", "Accessible": 1}]
    assert body["QueueTree"] == [
        {"ID": sales["id"], "Name": "Sales", "FullName": "Sales", "Accessible": 0, "Childs": [
            {"ID": europe["id"], "Name": "Sales::Europe", "FullName": "Sales::Europe", "Accessible": 1, "Childs": []}]},
        {"ID": 1, "Name": "Users", "FullName": "Users", "Accessible": 1, "Childs": []}]
    for_create = ok(rpc.get("queues", "getQueueList", ForCreateTicket=1))["Queues"]
    assert [q["Name"] for q in for_create] == ["Inbox", "Sales::Europe", "Users"]
    for_move = ok(rpc.call("queues", "getQueueList", ForUpdateQueue="1"))["Queues"]
    assert [q["Name"] for q in for_move] == ["Sales::Europe", "Users"]
    # the admin holds every permission everywhere
    assert len(ok(rpc.call("queues", "getQueueList", who="admin"))["Queues"]) == 4


def test_services_and_slas(rpc: Rpc) -> None:
    assert ok(rpc.call("services", "getServiceList")) == {"Response": "OK", "Services": []}
    assert ok(rpc.get("services", "getServiceList", CustomerUserLogin="nicole.braun@example.com")) == \
        {"Response": "OK", "Services": [], "ServiceTree": []}
    assert failed(rpc.call("sla", "getSLAList")) == "Required fields is not defined: ServiceID"
    assert ok(rpc.call("sla", "getSLAList", ServiceID=1))["SLAList"] == []
    sla = rpc.api.post("/api/v1/slas", {"name": "Gold", "calendar_id": 1, "first_response_time": 60,
                                        "condition": {}}, who="admin")
    assert sla.status == 201, sla
    assert ok(rpc.get("sla", "getSLAList", ServiceID=7))["SLAList"] == [{"ID": sla.json["id"], "Title": "Gold"}]


def test_languages_and_packages(rpc: Rpc) -> None:
    languages = ok(rpc.call("settings", "getLanguageList"))["Languages"]
    assert {"ID": "en", "Name": "English (United States)"} in languages and {"ID": "de", "Name": "German"} in languages
    assert ok(rpc.get("settings", "getLanguageList"))["Languages"] == languages
    packages = ok(rpc.call("system", "getPackageList"))["Packages"]
    assert [p["Name"] for p in packages] == ["RS4OTRS_API", "RS4OTRS_Mobile"] and all(p["Version"] for p in packages)
    assert ok(rpc.get("system", "getPackageList"))["Packages"] == packages


def test_dynamic_fields_are_the_usable_custom_ticket_attributes(rpc: Rpc) -> None:
    assert ok(rpc.call("system", "getDynamicFieldList"))["DynamicFields"] == {}
    created = rpc.api.post("/api/v1/object_manager_attributes", {
        "object": "Ticket", "name": "severity", "display": "Severity", "data_type": "select",
        "data_option": {"options": {"low": "Low", "high": "High"}, "default": "low"}, "position": 1600,
    }, who="admin")
    assert created.status == 201, created
    # not migrated yet: not a field tickets hold
    assert ok(rpc.call("system", "getDynamicFieldList"))["DynamicFields"] == {}
    assert rpc.api.post("/api/v1/object_manager_attributes_execute_migrations", who="admin").status == 200
    fields = ok(rpc.get("system", "getDynamicFieldList"))["DynamicFields"]
    assert fields == {"Ticket": [{"ID": created.json["id"], "Name": "severity", "Label": "Severity",
                                  "FieldType": "Dropdown", "ObjectType": "Ticket", "Screens": {},
                                  "Config": {"PossibleValues": {"low": "Low", "high": "High"}, "DefaultValue": "low"}}]}


def test_push_token_is_stored_and_a_ticket_change_pushes_to_it(rpc: Rpc, caplog: pytest.LogCaptureFixture) -> None:
    assert failed(rpc.call("settings", "setPushNotificationToken")) == "Token cannot be empty"
    assert failed(rpc.call("settings", "setPushNotificationToken", Token="  ")) == "Token cannot be empty"
    assert ok(rpc.call("settings", "setPushNotificationToken", Token="device-one")) == {"Response": "OK"}
    assert ok(rpc.get("settings", "setPushNotificationToken", Token="device-two-of-agent"))
    caplog.set_level(logging.INFO, logger="chalicelib.storage.push")
    # the admin creates a ticket in the agent's group: the agent is notified, on the latest device
    created = rpc.api.post("/api/v1/tickets", {"title": "Pushed", "group": "Users", "customer_id": "guess:p@example.com",
                                               "article": {"subject": "Pushed", "body": "hi"}}, who="admin")
    assert created.status == 201, created
    pushes = [r.getMessage() for r in caplog.records if r.name == "chalicelib.storage.push"]
    assert len(pushes) == 1 and "device-t" in pushes[0] and "device-one" not in pushes[0]
    assert f"[Ticket#{created.json['number']}] New Ticket: Pushed" in pushes[0]
