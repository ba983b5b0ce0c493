"""/api/frontend/external/form/* (seed 000 OTRS-35..43): each form's schema, its validation with
`X-OTRS-API-ValidateFormData` (200 with the schema, or 422 per refused field) by the same rules as the
customer API's endpoint, the token checks, and that validating writes nothing."""
from __future__ import annotations

from typing import Any, Iterator, Optional

import pytest

from chalicelib import bootstrap, settings
from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
from chalicelib.core import frontend_content as fc
from tests.api.otrs.conftest import Otrs
from tests.api.otrs.test_frontend import Frontend, admin, content
from tests.api.otrs.test_process import ACTIVITY, DIALOG, PROCESS, agent_decides, started
from tests.api.otrs.test_tickets import add_customer, demo_ticket_ids
from tests.conftest import Api, Reply
from tests.core.fakes import FakeMailer

VALIDATE = {"X-OTRS-API-ValidateFormData": "1"}
CONTEXT = {"EndpointContext": "CustomerTicketProcess"}
DENIED = {"Error": "Access denied."}


@pytest.fixture()
def front(otrs: Otrs) -> Iterator[Frontend]:
    yield Frontend(otrs)


@pytest.fixture()
def mails(otrs: Otrs) -> Iterator[FakeMailer]:
    fake = FakeMailer()
    bootstrap.container().customer_accounts._mailer = fake
    yield fake


def form(front: Frontend, path: str, body: Any = None, who: Optional[str] = "customer",
         validate: bool = False, headers: Optional[dict[str, str]] = None) -> Reply:
    return front.post("/form" + path, body, who=who, headers={**(VALIDATE if validate else {}), **(headers or {})})


def fields_of(reply: Reply) -> dict[str, dict[str, Any]]:
    assert reply.status == 200, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    return {field["Name"]: field for field in reply.json["Schema"]["Fields"]}


def errors_of(reply: Reply) -> dict[str, Any]:
    assert reply.status == 422, reply
    return reply.json["Errors"]


def options(field: dict[str, Any]) -> list[str]:
    return [option["Value"] for option in field["Options"]]


def agent_token() -> str:
    c = bootstrap.container()
    token, _ = c.authenticator.issue_jwt(c.user_store.by_email("agent@example.com"), OTRS_CUSTOMER_AUDIENCE)
    return token


# --- OTRS-37 login ------------------------------------------------------------------------------------

def test_login_form_gives_the_login_fields_and_checks_presence_only(front: Frontend, api: Api) -> None:
    fields = fields_of(form(front, "/auth/login", who=None))
    assert list(fields) == ["Username", "Password"]
    assert fields["Username"] == {"Name": "Username", "Label": "Username", "Description": "Your login or email address.",
                                  "Type": "Text", "Required": 1}
    assert fields["Password"]["Type"] == "Password" and fields["Password"]["Required"] == 1
    # an unknown account and a wrong password validate alike: the form reveals no account
    for username in ("nobody@example.org", api.credentials["customer"]["email"]):
        assert fields_of(form(front, "/auth/login", {"Username": username, "Password": "wrong"}, who=None,
                              validate=True)) == fields
    errors = errors_of(form(front, "/auth/login", {"Username": " ", "Password": 7}, who=None, validate=True))
    assert errors == {"Username": {"Message": "Username is required.", "Data": {"Value": " "}},
                      "Password": {"Message": "Password must be a text.", "Data": {}}}


def test_the_validate_header_must_be_truthy(front: Frontend) -> None:
    assert form(front, "/auth/login", {}, who=None, headers={"X-OTRS-API-ValidateFormData": "0"}).status == 200
    assert form(front, "/auth/login", {}, who=None, headers={"X-OTRS-API-ValidateFormData": "true"}).status == 422


# --- OTRS-35, 36 registration and recovery ---------------------------------------------------------------------

def test_registration_form_validates_with_the_registration_rules_and_registers_nobody(
        front: Frontend, mails: FakeMailer) -> None:
    fields = fields_of(form(front, "/account/register", who=None))
    assert list(fields) == ["FirstName", "LastName", "EmailAddress"]
    assert fields["EmailAddress"]["Type"] == "Email" and fields["EmailAddress"]["MaxLength"] == 255
    errors = errors_of(form(front, "/account/register", {"EmailAddress": "not-an-address", "FirstName": "A"},
                            who=None, validate=True))
    assert errors == {"LastName": {"Message": "LastName is required.", "Data": {"Value": None}},
                      "EmailAddress": {"Message": "'not-an-address' is not a valid email address.",
                                       "Data": {"Value": "not-an-address"}}}
    good = {"EmailAddress": "new.person@example.org", "FirstName": "New", "LastName": "Person"}
    assert fields_of(form(front, "/account/register", good, who=None, validate=True)) == fields
    assert bootstrap.container().user_store.by_email("new.person@example.org") is None and mails.sent == []


def test_recovery_form_validates_the_address_and_mails_nothing(front: Frontend, api: Api, mails: FakeMailer) -> None:
    fields = fields_of(form(front, "/account/recover", who=None))
    assert list(fields) == ["EmailAddress"]
    assert errors_of(form(front, "/account/recover", {"EmailAddress": "x@"}, who=None, validate=True)) == {
        "EmailAddress": {"Message": "'x@' is not a valid email address.", "Data": {"Value": "x@"}}}
    known = {"EmailAddress": api.credentials["customer"]["email"]}
    assert form(front, "/account/recover", known, who=None, validate=True).status == 200
    assert mails.sent == []


@pytest.mark.parametrize("switch, path", [("HELPDESK_CUSTOMER_REGISTRATION", "/account/register"),
                                          ("HELPDESK_CUSTOMER_PASSWORD_RECOVERY", "/account/recover")])
def test_a_switched_off_feature_has_no_form(front: Frontend, monkeypatch: pytest.MonkeyPatch, switch: str,
                                            path: str) -> None:
    monkeypatch.setenv(switch, "0")
    settings.reset()
    bootstrap.container().settings = settings.get()
    reply = form(front, path, who=None)
    assert reply.status == 403 and reply.json == DENIED


# --- OTRS-38 personal preferences -------------------------------------------------------------------------------

def test_profile_preferences_default_to_the_current_values_and_validate_as_saving_does(
        front: Frontend, otrs: Otrs) -> None:
    assert otrs.post("/account/personal-preferences", {"UserLanguage": "de", "TicketListTicketsPerPage": 25}).status == 200
    fields = fields_of(form(front, "/personal-preferences/UserProfile"))
    assert list(fields) == ["UserLanguage", "UserTimeZone", "TicketListTicketsPerPage", "UserShowTickets"]
    assert fields["UserLanguage"]["Default"] == "de" and fields["TicketListTicketsPerPage"]["Default"] == 25
    assert fields["TicketListTicketsPerPage"]["Type"] == "Number" and fields["UserShowTickets"]["Max"] == 1000
    assert fields["UserTimeZone"]["Type"] == "Dropdown" and "Europe/Berlin" in options(fields["UserTimeZone"])
    errors = errors_of(form(front, "/personal-preferences/UserProfile",
                            {"UserLanguage": "d e", "UserShowTickets": "0", "UserTimeZone": "Mars/Base"},
                            validate=True))
    assert errors == {
        "UserLanguage": {"Message": "UserLanguage must be a language code such as 'en' or 'pt_BR'.",
                         "Data": {"Value": "d e"}},
        "UserTimeZone": {"Message": "UserTimeZone must be one of the offered options.", "Data": {"Value": "Mars/Base"}},
        "UserShowTickets": {"Message": "UserShowTickets must be a whole number from 1 to 1000.", "Data": {"Value": "0"}}}
    valid = {"UserLanguage": "pt_BR", "UserTimeZone": "Europe/Berlin", "UserShowTickets": "30"}
    assert form(front, "/personal-preferences/UserProfile", valid, validate=True).status == 200
    assert fields_of(form(front, "/personal-preferences/UserProfile"))["UserLanguage"]["Default"] == "de"


def test_security_preferences_check_the_password_length_without_echoing_it(front: Frontend) -> None:
    fields = fields_of(form(front, "/personal-preferences/Security"))
    assert fields["Password"]["Type"] == "Password" and fields["Password"]["MinLength"] == 8
    errors = errors_of(form(front, "/personal-preferences/Security", {"Password": "short"}, validate=True))
    assert errors == {"Password": {"Message": "Password must have at least %d character(s).", "Data": {"Arguments": ["8"]}}}
    assert form(front, "/personal-preferences/Security", {"Password": "long-enough-1"}, validate=True).status == 200


def test_preference_categories_are_the_configured_ones(front: Frontend) -> None:
    assert fields_of(form(front, "/personal-preferences/Notifications")) == {}
    reply = form(front, "/personal-preferences/Nope")
    assert errors_of(reply) == {"Category": {"Message": "Unknown personal preference category.",
                                             "Data": {"Category": "Nope"}}}


def test_customer_forms_need_a_customer_token(front: Frontend, api: Api) -> None:
    ticket_id = demo_ticket_ids(api)[0]
    agent = {"Authentication": f"Bearer {agent_token()}"}
    for path in ("/personal-preferences/UserProfile", "/ticket", "/ticket/process", f"/ticket/process/{PROCESS}",
                 f"/ticket/{ticket_id}/article", f"/ticket/{ticket_id}/process"):
        assert form(front, path, CONTEXT, who=None).status == 401, path
        reply = form(front, path, CONTEXT, who=None, headers=agent)
        assert reply.status == 403 and reply.json == DENIED, path


# --- OTRS-39 ticket ----------------------------------------------------------------------------------------------

def test_ticket_form_offers_what_ticket_create_accepts(front: Frontend, otrs: Otrs, api: Api) -> None:
    fields = fields_of(form(front, "/ticket"))
    assert list(fields) == ["Title", "QueueID", "TypeID", "PriorityID", "Body", "FormID"]
    groups = [g for g in api.get("/api/v1/groups", who="admin").json if g["active"]]
    assert options(fields["QueueID"]) == [str(g["id"]) for g in sorted(groups, key=lambda g: g["id"])]
    assert fields["QueueID"]["Default"] == options(fields["QueueID"])[0]
    assert fields["PriorityID"]["Default"] == "2" and fields["Body"]["Type"] == "RichText"
    assert fields["FormID"]["Type"] == "Attachment"
    before = demo_ticket_ids(api)
    errors = errors_of(form(front, "/ticket", {"Title": "", "QueueID": "999", "Body": "Hi"}, validate=True))
    assert errors == {"Title": {"Message": "Title is required.", "Data": {"Value": ""}},
                      "QueueID": {"Message": "QueueID must be one of the offered options.", "Data": {"Value": "999"}}}
    assert errors_of(form(front, "/ticket", {"Title": "T", "Body": "B", "FormID": "a/b"}, validate=True)) == {
        "FormID": {"Message": "FormID must be 1 to 250 characters of letters, digits and @ . _ : -",
                   "Data": {"Value": "a/b"}}}
    valid = {"Title": "Printer", "Body": "It jams.", "QueueID": options(fields["QueueID"])[0], "PriorityID": 3}
    assert form(front, "/ticket", valid, validate=True).status == 200
    assert demo_ticket_ids(api) == before
    assert otrs.post("/ticket", valid).status == 200  # what the form accepted, the endpoint takes


def test_ticket_form_shows_the_custom_fields_the_create_screen_turns_on(front: Frontend) -> None:
    reply = front.otrs.api.post("/api/v1/object_manager_attributes", {
        "object": "Ticket", "name": "device", "display": "Device", "data_type": "select",
        "data_option": {"default": "", "options": {"laptop": "Laptop", "phone": "Phone"}},
        "screens": {}, "active": True, "position": 5})
    assert reply.status in (200, 201), reply
    assert front.otrs.api.post("/api/v1/object_manager_attributes_execute_migrations", {}).status == 200
    assert "DynamicField_device" not in fields_of(form(front, "/ticket"))
    create_screen = content().setting_value(fc.TICKET_CREATE)
    content().put_setting(admin(), fc.TICKET_CREATE, {**create_screen, "DynamicField": {"device": 2}})
    field = fields_of(form(front, "/ticket"))["DynamicField_device"]
    assert (field["Label"], field["Type"], field["Required"]) == ("Device", "Dropdown", 1)
    assert options(field) == ["laptop", "phone"]
    errors = errors_of(form(front, "/ticket", {"Title": "T", "Body": "B", "DynamicField_device": "tablet"},
                            validate=True))
    assert list(errors) == ["DynamicField_device"]
    assert errors["DynamicField_device"]["Message"].startswith("Validation failed: Device has an invalid value 'tablet'")  # the core's
    assert form(front, "/ticket", {"Title": "T", "Body": "B", "DynamicField_device": "phone"},
                validate=True).status == 200
    # the create endpoint takes what the form offers, with the same checks, and stores it on the ticket
    otrs, api = front.otrs, front.otrs.api
    missing = otrs.post("/ticket", {"Title": "T", "Body": "B"})
    assert missing.status == 422 and list(missing.json["Errors"]) == ["DynamicField_device"]
    assert otrs.post("/ticket", {"Title": "T", "Body": "B", "DynamicField_device": "tablet"}).status == 422
    created = otrs.post("/ticket", {"Title": "Phone broke", "Body": "B", "DynamicField_device": "phone",
                                    "DynamicField_unknown": "ignored"})
    assert created.status == 200, created
    [ticket] = [t for t in api.get("/api/v1/tickets?per_page=100", who="admin").json if t["title"] == "Phone broke"]
    assert ticket["device"] == "phone" and "unknown" not in ticket


# --- OTRS-42 follow-up article -----------------------------------------------------------------------------------

def test_article_form_validates_a_follow_up_on_the_customers_own_ticket(front: Frontend, api: Api) -> None:
    ticket_id = demo_ticket_ids(api)[0]
    fields = fields_of(form(front, f"/ticket/{ticket_id}/article"))
    assert list(fields) == ["Subject", "Body", "NextStateID", "PriorityID", "FormID"]
    states = {s["id"]: s for s in api.get("/api/v1/ticket_states", who="admin").json}
    assert {states[int(v)]["name"] for v in options(fields["NextStateID"])} <= {"open", "closed"}
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    new_state = next(v for v in [str(s) for s in states] if v not in options(fields["NextStateID"]))
    errors = errors_of(form(front, f"/ticket/{ticket_id}/article", {"Body": "More", "NextStateID": new_state},
                            validate=True))
    assert set(errors) == {"Subject", "NextStateID"}
    assert form(front, f"/ticket/{ticket_id}/article", {"Subject": "Re", "Body": "More"}, validate=True).status == 200
    assert api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json == articles


def test_article_form_of_another_customers_ticket_is_denied(front: Frontend, api: Api) -> None:
    add_customer(api, "other", "other.customer@example.org")
    theirs = front.otrs.post("/ticket", {"Title": "Mine", "Body": "Private"}, who="other")
    assert theirs.status == 200, theirs
    own_ids = demo_ticket_ids(api)
    foreign = max(t["id"] for t in api.get("/api/v1/tickets", who="admin").json if t["id"] not in own_ids)
    for ticket_id in (foreign, 999999):
        reply = form(front, f"/ticket/{ticket_id}/article", {"Subject": "x", "Body": "y"}, validate=True)
        assert reply.status == 403 and reply.json == DENIED, ticket_id
    assert errors_of(form(front, "/ticket/abc/article")) == {
        "TicketID": {"Message": "TicketID must be a whole number."}}


def test_article_form_applies_the_queues_follow_up_rule(front: Frontend, api: Api) -> None:
    ticket_id = demo_ticket_ids(api)[0]
    ticket = api.get(f"/api/v1/tickets/{ticket_id}", who="agent").json
    closed = next(s["id"] for s in api.get("/api/v1/ticket_states", who="admin").json if s["name"] == "closed")
    assert api.put(f"/api/v1/tickets/{ticket_id}", {"state_id": closed}, who="agent").status == 200
    assert api.put(f"/api/v1/groups/{ticket['group_id']}", {"follow_up_possible": "new_ticket"},
                   who="admin").status == 200
    reply = form(front, f"/ticket/{ticket_id}/article")
    assert reply.status == 403 and reply.json == {"Error": "Can't reopen ticket, not possible in this queue!"}


# --- OTRS-40, 41, 43 process dialogs -------------------------------------------------------------------------------

def test_process_form_without_a_process_offers_the_startable_ones(front: Frontend) -> None:
    assert errors_of(form(front, "/ticket/process", {})) == {
        "EndpointContext": {"Message": "EndpointContext is required."}}
    fields = fields_of(form(front, "/ticket/process", CONTEXT))
    assert list(fields) == ["ProcessID"] and fields["ProcessID"]["Required"] == 1
    assert fields["ProcessID"]["Options"] == [{"Value": PROCESS, "Label": "Hardware request"}]
    assert errors_of(form(front, "/ticket/process", CONTEXT, validate=True)) == {
        "ProcessID": {"Message": "ProcessID is required.", "Data": {"Value": None}}}


def test_process_form_gives_the_start_dialog_and_validates_it_without_starting(front: Frontend, api: Api) -> None:
    by_body = form(front, "/ticket/process", {**CONTEXT, "ProcessID": PROCESS})
    by_path = form(front, f"/ticket/process/{PROCESS}", CONTEXT)
    assert by_body.json == by_path.json
    schema = by_path.json["Schema"]
    assert (schema["ProcessEntityID"], schema["ActivityDialogEntityID"]) == (PROCESS, DIALOG["Request"])
    fields = fields_of(by_path)
    assert list(fields) == ["Title", "Subject", "Body", "FormID", "PriorityID"]  # QueueID is hidden
    assert fields["Title"]["Required"] == 1 and fields["Title"]["Description"] == "What do you need?"
    assert fields["PriorityID"]["Default"] == "2" and fields["Subject"]["Required"] == 0
    before = demo_ticket_ids(api)
    errors = errors_of(form(front, f"/ticket/process/{PROCESS}", {**CONTEXT, "Body": "Soon"}, validate=True))
    assert errors == {"Title": {"Message": "Title is required.", "Data": {"Value": None}}}
    hidden = errors_of(form(front, f"/ticket/process/{PROCESS}",
                            {**CONTEXT, "Title": "Laptop", "Body": "Soon", "QueueID": 1}, validate=True))
    assert hidden == {"QueueID": {"Message": "QueueID is not a field of this dialog.",
                                  "Data": {"Validator": "IncorrectDisplayConfig", "Value": 1}}}
    valid = {**CONTEXT, "Title": "Laptop", "Body": "Soon", "PriorityID": "3"}
    assert form(front, f"/ticket/process/{PROCESS}", valid, validate=True).status == 200
    assert demo_ticket_ids(api) == before


def test_process_form_names_the_unknown_selection(front: Frontend) -> None:
    unknown = "Process-" + "0" * 32
    assert list(errors_of(form(front, f"/ticket/process/{unknown}", CONTEXT))) == ["ProcessEntityID"]
    assert list(errors_of(form(front, "/ticket/process", {**CONTEXT, "ProcessID": unknown}))) == ["ProcessID"]
    assert list(errors_of(form(front, f"/ticket/process/{PROCESS}",
                               {**CONTEXT, "ActivityDialogEntityID": DIALOG["Delivery"]}))) == ["ActivityDialogEntityID"]


def test_process_ticket_form_gives_the_dialog_the_customer_may_fill_now(front: Frontend, otrs: Otrs, api: Api) -> None:
    ticket_id = started(otrs)
    waiting = errors_of(form(front, f"/ticket/{ticket_id}/process", CONTEXT))  # the agents' approval is next
    assert list(waiting) == ["ActivityDialogEntityID"]
    open_state = next(s["id"] for s in api.get("/api/v1/ticket_states", who="admin").json if s["name"] == "open")
    agent_decides(api, ticket_id, open_state)
    reply = form(front, f"/ticket/{ticket_id}/process", CONTEXT)
    assert reply.json["Schema"]["ActivityDialogEntityID"] == DIALOG["Delivery"]
    assert list(fields_of(reply)) == ["Subject", "Body", "FormID"]
    assert form(front, f"/ticket/{ticket_id}/process", {**CONTEXT, "Body": "Got it"}, validate=True).status == 200
    assert otrs.get(f"/ticket/process/{ticket_id}?EndpointContext=x").json["ActivityEntityID"] == ACTIVITY["Delivery"]
    assert list(errors_of(form(front, f"/ticket/{ticket_id}/process",
                               {**CONTEXT, "ProcessID": "Process-" + "1" * 32}))) == ["ProcessID"]
    plain = demo_ticket_ids(api)[0]
    assert list(errors_of(form(front, f"/ticket/{plain}/process", CONTEXT))) == ["TicketID"]


def test_process_ticket_form_of_another_customers_ticket_is_denied(front: Frontend, otrs: Otrs, api: Api) -> None:
    add_customer(api, "other", "other.customer@example.org")
    theirs = started(otrs, who="other")
    reply = form(front, f"/ticket/{theirs}/process", CONTEXT)
    assert reply.status == 403 and reply.json == DENIED
