"""/api/customer process tickets (seed 000 OTRS-17, OTRS-18, OTRS-27): start the example process
"Hardware request" (seeded with the demo data), read where the ticket stands, fill the customer's
dialog after an agent's approval; every documented error; the same ticket and articles in /api/v1."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
from chalicelib.core.errors import Conflict
from chalicelib.core.model import Principal
from chalicelib.core.processes import AGENT_INTERFACE, Submission, entity_id
from chalicelib.core.tickets import TicketService
from tests.api.otrs.conftest import Otrs
from tests.api.otrs.test_tickets import add_customer, demo_ticket_ids
from tests.conftest import Api, Reply

PROCESS = entity_id("Process", "Hardware request")
ACTIVITY = {name: entity_id("Activity", name) for name in ("Request", "Approval", "Delivery", "Declined")}
DIALOG = {name: entity_id("ActivityDialog", name) for name in ("Request", "Approval", "Delivery")}
CONTEXT = {"EndpointContext": "CustomerTicketProcess", "Interface": "CustomerInterface"}
DENIED = {"Error": "Access denied."}
NO_ACTIVITY = {"Error": "No activity found to the current ticket state."}
REQUIRED = {"Validator": "Required", "Attributes": {"Arguments": None, "Value": None, "Source": None}}
# For the security matrix: bodies that pass validation (the shared segment holds a ProcessEntityID for
# POST and a TicketID for GET; the GET also needs `?EndpointContext=...`).
MATRIX_BODIES = {
    ("POST", "/api/customer/ticket/process/{ProcessEntityIDOrTicketID}"): {**CONTEXT, "Title": "Matrix", "Body": "x"},
    ("POST", "/api/customer/ticket/{TicketID}/process/{ProcessEntityID}"): {**CONTEXT, "Body": "x"},
}


def start(otrs: Otrs, who: str = "customer", **body: Any) -> Reply:
    return otrs.post(f"/ticket/process/{PROCESS}", {**CONTEXT, "Title": "A new laptop",
                                                    "Body": "Mine broke this morning.", **body}, who=who)


def started(otrs: Otrs, who: str = "customer", **body: Any) -> int:
    reply = start(otrs, who, **body)
    assert reply.status == 200, reply
    return reply.json["TicketID"]


def information(otrs: Otrs, ticket_id: Any, who: str = "customer") -> Reply:
    return otrs.get(f"/ticket/process/{ticket_id}?EndpointContext=CustomerTicketProcess", who=who)


def fill(otrs: Otrs, ticket_id: Any, process_id: str = PROCESS, who: str = "customer", **body: Any) -> Reply:
    return otrs.post(f"/ticket/{ticket_id}/process/{process_id}", {**CONTEXT, **body}, who=who)


def agent_decides(api: Api, ticket_id: int, state_id: int) -> None:
    """The approval dialog is the agents' (no agent route exists for it: the core call it would make)."""
    container = bootstrap.container()
    container.begin_request()
    agent = container.authenticator.password_login(api.credentials["agent"]["email"],
                                                   api.credentials["agent"]["password"])
    container.processes.submit(Principal(user=agent, permissions=agent.permissions), ticket_id, PROCESS,
                               Submission(AGENT_INTERFACE, DIALOG["Approval"], {"StateID": state_id, "Body": "OK"}))


# --- POST /ticket/process/{ProcessEntityID} --------------------------------------------------------

def test_starting_the_process_creates_the_ticket_agents_see(otrs: Otrs, api: Api) -> None:
    reply = start(otrs, PriorityID=3)
    assert reply.status == 200, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    body = reply.json
    assert body["Message"] == "Successfully saved." and body["ProcessEntityID"] == PROCESS
    assert body["ActivityEntityID"] == ACTIVITY["Approval"]
    ticket = api.get(f"/api/v1/tickets/{body['TicketID']}", who="agent").json
    assert body["TicketNumber"] == ticket["created_at"][:10].replace("-", "") + ticket["number"]
    assert (ticket["title"], ticket["group_id"], ticket["priority_id"]) == ("A new laptop", 1, 3)
    assert ticket["customer_id"] == api.credentials["customer"]["id"]
    assert ticket["preferences"]["process"] == {"ProcessEntityID": PROCESS, "ActivityEntityID": ACTIVITY["Approval"]}
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{body['TicketID']}", who="agent").json
    assert [(a["subject"], a["body"], a["sender"], a["type"]) for a in articles] == [
        ("A new laptop", "Mine broke this morning.", "Customer", "web")]


def test_uploads_of_the_form_are_attached_and_then_cleared(otrs: Otrs, api: Api) -> None:
    container = bootstrap.container()
    customer = container.user_store.by_email(api.credentials["customer"]["email"])
    principal = Principal(user=customer, permissions=customer.permissions, shared_organization=True)
    container.uploads.add(principal, "form-1", "specs.txt", "text/plain", b"16 GB RAM")
    ticket_id = started(otrs, FormID="form-1")
    (article,) = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    assert [a["filename"] for a in article["attachments"]] == ["specs.txt"]
    assert container.uploads.files(principal, "form-1") == []


def test_missing_context_and_interface_are_required(otrs: Otrs) -> None:
    reply = otrs.post(f"/ticket/process/{PROCESS}", {"Title": "x", "Body": "y"})
    assert reply.status == 422, reply
    assert reply.json == {"Errors": {"EndpointContext": REQUIRED, "Interface": REQUIRED}}
    assert reply.headers["x-otrs-api-version"] == "1.0.0"


def test_missing_and_undisplayed_fields_use_the_validator_body(otrs: Otrs, api: Api) -> None:
    before = len(api.get("/api/v1/tickets", who="agent").json)
    reply = otrs.post(f"/ticket/process/{PROCESS}", {**CONTEXT, "StateID": 4, "QueueID": 1})
    assert reply.status == 422, reply
    assert reply.json == {"Errors": {
        "StateID": {"Validator": "IncorrectDisplayConfig"}, "QueueID": {"Validator": "IncorrectDisplayConfig"},
        "Title": REQUIRED, "Body": REQUIRED}}
    assert len(api.get("/api/v1/tickets", who="agent").json) == before


@pytest.mark.parametrize("body, field", [
    ({"PriorityID": 99}, "PriorityID"), ({"PriorityID": "urgent"}, "PriorityID"),
    ({"Interface": "Kiosk"}, "Interface"), ({"ActivityDialogEntityID": 7}, "ActivityDialogEntityID"),
    ({"FormID": "bad form id!"}, "FormID"),
])
def test_refused_values_are_invalid_with_a_message(otrs: Otrs, body: dict, field: str) -> None:
    reply = start(otrs, **body)
    assert reply.status == 422, reply
    error = reply.json["Errors"][field]
    assert error["Validator"] == "Invalid" and error["Message"] and set(error["Attributes"]) == {
        "Arguments", "Value", "Source"}


def test_a_body_that_is_no_object_is_422(otrs: Otrs) -> None:
    reply = otrs.request("POST", f"/ticket/process/{PROCESS}", raw=b"[1, 2]")
    assert reply.status == 422 and reply.json["Errors"]["Body"]["Validator"] == "Invalid"


@pytest.mark.parametrize("process_id", [entity_id("Process", "unknown"), "Process-123", "1"])
def test_an_unknown_process_is_no_activity(otrs: Otrs, process_id: str) -> None:
    reply = otrs.post(f"/ticket/process/{process_id}", {**CONTEXT, "Title": "x", "Body": "y"})
    assert reply.status == 404 and reply.json == NO_ACTIVITY


def test_the_agent_interface_is_not_the_customers(otrs: Otrs) -> None:
    reply = start(otrs, Interface="AgentInterface")
    assert reply.status == 403 and reply.json == DENIED


def test_a_create_that_keeps_conflicting_is_could_not_create_ticket(otrs: Otrs, monkeypatch: pytest.MonkeyPatch) -> None:
    def conflict(self: TicketService, principal: Any, data: Any) -> Any:
        raise Conflict("The ticket number is taken.")
    monkeypatch.setattr(TicketService, "create", conflict)
    reply = start(otrs)
    assert reply.status == 900, reply
    assert reply.json == [{"ErrorIdentifier": "CouldNotCreateTicket",
                           "ErrorMessage": "The system was unable to create the ticket."}]


def test_a_process_state_that_cannot_be_written_is_900(otrs: Otrs, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.storage.tickets import TicketStore

    def conflict(*args: Any, **kwargs: Any) -> None:
        raise Conflict("Someone else wrote.")
    monkeypatch.setattr(TicketStore, "save", conflict)
    reply = start(otrs)
    assert reply.status == 900 and reply.json[0]["ErrorIdentifier"] == "CouldNotSetTicketProcessState"


def test_agents_and_anonymous_callers_are_turned_away(otrs: Otrs, api: Api) -> None:
    assert otrs.post(f"/ticket/process/{PROCESS}", {**CONTEXT, "Title": "x", "Body": "y"}, who=None).status == 401
    container = bootstrap.container()
    agent = container.user_store.by_email(api.credentials["agent"]["email"])
    token, _ = container.authenticator.issue_jwt(agent, OTRS_CUSTOMER_AUDIENCE)
    reply = otrs.post(f"/ticket/process/{PROCESS}", {**CONTEXT, "Title": "x", "Body": "y"}, who=None,
                      headers={"Authentication": f"Bearer {token}"})
    assert reply.status == 403 and reply.json == DENIED


# --- GET /ticket/process/{TicketID} -------------------------------------------------------------------

def test_information_shows_process_activity_and_the_customers_dialogs(otrs: Otrs, api: Api) -> None:
    ticket_id = started(otrs)
    reply = information(otrs, ticket_id)
    assert reply.status == 200, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    body = reply.json
    assert {k: body[k] for k in ("TicketID", "ProcessEntityID", "ProcessName", "ProcessState", "ActivityEntityID",
                                 "ActivityName", "ActivityDialogs")} == {
        "TicketID": ticket_id, "ProcessEntityID": PROCESS, "ProcessName": "Hardware request", "ProcessState": "Active",
        "ActivityEntityID": ACTIVITY["Approval"], "ActivityName": "Approval", "ActivityDialogs": []}
    agent_decides(api, ticket_id, state_id=2)
    body = information(otrs, ticket_id).json
    assert body["ActivityName"] == "Delivery"
    assert body["ActivityDialogs"] == [{
        "ActivityDialogEntityID": DIALOG["Delivery"], "Name": "Confirm delivery", "Interface": ["CustomerInterface"],
        "Fields": [{"Name": "Article", "Display": 1, "Required": 0, "DescriptionShort": "Anything to add?",
                    "DefaultValue": None, "Parameters": ["Subject", "Body", "FormID"]}]}]  # StateID is hidden


def test_information_needs_the_endpoint_context_and_a_ticket_id(otrs: Otrs) -> None:
    ticket_id = started(otrs)
    reply = otrs.get(f"/ticket/process/{ticket_id}")
    assert reply.status == 422 and list(reply.json["Errors"]) == ["EndpointContext"]
    assert reply.json["Errors"]["EndpointContext"]["Message"]
    reply = information(otrs, "abc")
    assert reply.status == 422 and list(reply.json["Errors"]) == ["TicketID"]


def test_information_of_a_ticket_in_no_process_is_no_activity(otrs: Otrs, api: Api) -> None:
    reply = information(otrs, demo_ticket_ids(api)[0])
    assert reply.status == 404 and reply.json == NO_ACTIVITY


def test_unknown_and_foreign_tickets_answer_access_denied(otrs: Otrs, api: Api) -> None:
    ticket_id = started(otrs)
    add_customer(api, "stranger", "stranger@elsewhere.test")
    assert information(otrs, ticket_id, who="stranger").json == DENIED
    assert information(otrs, 999999).json == DENIED
    assert information(otrs, 999999).status == 403


# --- POST /ticket/{TicketID}/process/{ProcessEntityID} -------------------------------------------------

def test_the_customer_confirms_the_delivery_after_the_approval(otrs: Otrs, api: Api) -> None:
    ticket_id = started(otrs)
    agent_decides(api, ticket_id, state_id=2)
    reply = fill(otrs, ticket_id, ActivityDialogEntityID=DIALOG["Delivery"], Body="It arrived, thanks.")
    assert reply.status == 200, reply
    assert reply.json["Message"] == "Successfully saved." and reply.json["TicketID"] == ticket_id
    assert reply.json["ActivityEntityID"] == ACTIVITY["Delivery"]
    ticket = api.get(f"/api/v1/tickets/{ticket_id}", who="agent").json
    assert ticket["state_id"] == 4  # the dialog's hidden default: closed
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    assert [a["body"] for a in articles] == ["Mine broke this morning.", "OK", "It arrived, thanks."]


def test_the_agents_dialog_is_denied_to_the_customer(otrs: Otrs) -> None:
    ticket_id = started(otrs)
    reply = fill(otrs, ticket_id, ActivityDialogEntityID=DIALOG["Approval"], StateID=2)
    assert reply.status == 403 and reply.json == DENIED
    assert fill(otrs, ticket_id, Body="Any news?").json == DENIED  # the activity offers customers nothing


def test_fields_the_dialog_does_not_show_are_incorrect_display_config(otrs: Otrs, api: Api) -> None:
    ticket_id = started(otrs)
    agent_decides(api, ticket_id, state_id=2)
    reply = fill(otrs, ticket_id, Body="Done", StateID=2, DynamicField_model="x")
    assert reply.status == 422, reply
    assert reply.json == {"Errors": {"StateID": {"Validator": "IncorrectDisplayConfig"},
                                     "DynamicField_model": {"Validator": "IncorrectDisplayConfig"}}}


def test_a_dialog_of_another_activity_or_process_is_no_activity(otrs: Otrs, api: Api) -> None:
    ticket_id = started(otrs)
    assert fill(otrs, ticket_id, ActivityDialogEntityID=DIALOG["Delivery"], Body="x").json == NO_ACTIVITY
    assert fill(otrs, ticket_id, entity_id("Process", "other"), Body="x").status == 404
    agent_decides(api, ticket_id, state_id=4)  # declined: an activity without dialogs
    assert fill(otrs, ticket_id, Body="Why?").json == NO_ACTIVITY
    assert fill(otrs, demo_ticket_ids(api)[0], Body="x").json == NO_ACTIVITY  # no process ticket


def test_foreign_unknown_and_malformed_tickets(otrs: Otrs, api: Api) -> None:
    ticket_id = started(otrs)
    add_customer(api, "stranger", "stranger@elsewhere.test")
    assert fill(otrs, ticket_id, who="stranger", Body="x").json == DENIED
    assert fill(otrs, 999999, Body="x").status == 403
    reply = fill(otrs, "abc", Body="x")
    assert reply.status == 422 and reply.json["Errors"]["TicketID"]["Validator"] == "Invalid"
    reply = otrs.post(f"/ticket/{ticket_id}/process/{PROCESS}", {"Body": "x"})
    assert reply.status == 422 and reply.json == {"Errors": {"EndpointContext": REQUIRED, "Interface": REQUIRED}}


def test_an_update_that_keeps_conflicting_is_could_not_update_ticket(otrs: Otrs, api: Api,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ticket_id = started(otrs)
    agent_decides(api, ticket_id, state_id=2)

    def conflict(*args: Any, **kwargs: Any) -> Any:
        raise Conflict("Someone else wrote.")
    monkeypatch.setattr(TicketService, "update", conflict)
    reply = fill(otrs, ticket_id, Body="Arrived.")
    assert reply.status == 900 and reply.json == [{
        "ErrorIdentifier": "CouldNotUpdateTicket", "ErrorMessage": "The system was unable to update ticket information."}]
