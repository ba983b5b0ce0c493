"""/api/customer/ticket, /ticket/count, /ticket/list, /ticket/id/{TicketID}, /ticket/number/{TicketNumber}
(seed 000 L709-1204): a customer's tickets, and the same tickets and articles as agents see them in /api/v1."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

import pytest

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.tickets import TicketService
from tests.api.otrs.conftest import Otrs
from tests.conftest import Api, Reply

LIST_ITEM_KEYS = {
    "Marker", "Queue", "ResponsibleID", "Type", "QueueID", "EscalationResponseTime", "CreateBy", "OwnerID", "Created",
    "GroupID", "UntilTime", "RealTillTimeNotUsed", "StateType", "PriorityID", "CustomerID", "Lock", "TypeID",
    "StateID", "Owner", "Age", "State", "EscalationTime", "CustomerUserID", "EscalationUpdateTime", "CreatedByUser",
    "TicketNumber", "UnlockTimeout", "Changed", "Title", "EscalationSolutionTime", "ServiceID", "TicketID",
    "ArchiveFlag", "Responsible", "Priority", "LockID", "SLAID", "ChangeBy"}
DENIED = {"Error": "Access denied."}
DISABLED = {"Error": "Company tickets requested, but company tickets are disabled."}


def create(otrs: Otrs, who: str = "customer", **body: Any) -> Reply:
    return otrs.post("/ticket", {"Title": "Broken mouse", "Body": "The left button sticks.", **body}, who=who)


def created_id(otrs: Otrs, reply: Reply, who: str = "customer") -> int:
    assert reply.status == 200, reply
    return otrs.get(f"/ticket/number/{reply.json['TicketNumber']}", who=who).json["Ticket"]["TicketID"]


def listed(otrs: Otrs, query: str = "", who: str = "customer") -> dict[str, Any]:
    reply = otrs.get(f"/ticket/list{query}", who=who)
    assert reply.status == 200, reply
    return reply.json


def ids(otrs: Otrs, query: str = "", who: str = "customer") -> list[int]:
    return [t["TicketID"] for t in listed(otrs, query, who)["List"]]


def count(otrs: Otrs, query: str = "", who: str = "customer") -> int:
    reply = otrs.get(f"/ticket/count{query}", who=who)
    assert reply.status == 200 and set(reply.json) == {"TicketCount"}, reply
    return reply.json["TicketCount"]


def field_error(reply: Reply) -> str:
    assert reply.status == 422, reply
    assert len(reply.json["Errors"]) == 1 and reply.json["Errors"][next(iter(reply.json["Errors"]))]["Message"]
    return next(iter(reply.json["Errors"]))


def add_customer(api: Api, key: str, email: str, organization: Optional[str] = None) -> int:
    """A customer user (in `organization`) who can sign in here as `who=key`."""
    body = {"firstname": key.title(), "lastname": "Tester", "email": email, "password": f"{key}-password-1",
            **({"organization": organization} if organization else {})}
    reply = api.post("/api/v1/users", body)
    assert reply.status == 201, reply
    api.credentials[key] = {"email": email, "password": f"{key}-password-1", "id": reply.json["id"]}
    return reply.json["id"]


def demo_ticket_ids(api: Api) -> list[int]:
    """The customer's own tickets, as /api/v1 lists them."""
    own = api.credentials["customer"]["id"]
    return sorted(t["id"] for t in api.get("/api/v1/tickets", who="customer").json if t["customer_id"] == own)


def epoch(iso: str) -> int:
    return int(datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


# --- POST /ticket -----------------------------------------------------------------------------

def test_a_ticket_created_here_is_the_ticket_agents_see(otrs: Otrs, api: Api) -> None:
    reply = create(otrs, Title="Broken mouse", Body="The left button sticks.")
    assert reply.status == 200, reply
    assert set(reply.json) == {"NextScreenAfterNewTicket", "TicketNumber"}
    assert reply.json["NextScreenAfterNewTicket"] == "TicketOverview"
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    number = reply.json["TicketNumber"]
    ticket_id = created_id(otrs, reply)
    ticket = api.get(f"/api/v1/tickets/{ticket_id}", who="agent").json
    assert number == ticket["created_at"][:10].replace("-", "") + ticket["number"]
    assert ticket["title"] == "Broken mouse" and ticket["group_id"] == 1 and ticket["type"] is None
    assert ticket["customer_id"] == api.credentials["customer"]["id"] and ticket["state_id"] == 1
    [article] = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    assert (article["body"], article["subject"], article["type"], article["sender"], article["internal"]) == \
        ("The left button sticks.", "Broken mouse", "web", "Customer", False)
    assert article["content_type"] == "text/plain" and "nicole.braun@example.com" in article["from"]


def test_an_html_body_is_stored_as_html(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs, Body="<p>It <b>sticks</b>.</p>"))
    [article] = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    assert article["content_type"] == "text/html" and article["body"] == "<p>It <b>sticks</b>.</p>"


def test_queue_priority_type_and_sla_are_taken(otrs: Otrs, api: Api) -> None:
    gold = api.post("/api/v1/slas", {"name": "Gold", "calendar_id": 1, "first_response_time": 60,
                                      "condition": {}}).json
    reply = create(otrs, QueueID="1", PriorityID=3, TypeID="1", SLAID=str(gold["id"]), ServiceID="")
    ticket_id = created_id(otrs, reply)
    ticket = api.get(f"/api/v1/tickets/{ticket_id}", who="agent").json
    assert ticket["priority_id"] == 3 and ticket["group_id"] == 1 and ticket["type"] is None
    # the SLA applies by its condition (every ticket), which is how SLAs apply
    assert otrs.get(f"/ticket/id/{ticket_id}").json["Ticket"]["SLAID"] == gold["id"]


@pytest.mark.parametrize("body, field", [
    ({"Title": ""}, "Title"), ({"Title": None}, "Title"), ({"Title": 7}, "Title"),
    ({"Body": "  "}, "Body"), ({"Body": ["x"]}, "Body"),
    ({"QueueID": "999"}, "QueueID"), ({"QueueID": "one"}, "QueueID"), ({"QueueID": 0}, "QueueID"),
    ({"TypeID": "2"}, "TypeID"), ({"TypeID": "x"}, "TypeID"),
    ({"ServiceID": "1"}, "ServiceID"),
    ({"SLAID": "999"}, "SLAID"), ({"SLAID": True}, "SLAID"),
    ({"PriorityID": "99"}, "PriorityID"), ({"PriorityID": "-1"}, "PriorityID"),
    ({"FormID": 12}, "FormID"),
])
def test_create_refuses_bad_fields_with_their_name(otrs: Otrs, api: Api, body: dict, field: str) -> None:
    before = demo_ticket_ids(api)
    assert field_error(create(otrs, **body)) == field
    assert demo_ticket_ids(api) == before  # nothing written


def test_create_requires_both_title_and_body(otrs: Otrs) -> None:
    assert field_error(otrs.post("/ticket", {"Body": "x"})) == "Title"
    assert field_error(otrs.post("/ticket", {"Title": "x"})) == "Body"
    assert field_error(otrs.post("/ticket", ["not", "an", "object"])) == "Body"


def test_an_inactive_queue_is_refused_and_the_default_is_the_lowest_active_group(otrs: Otrs, api: Api) -> None:
    first = api.post("/api/v1/groups", {"name": "Archive", "active": False})
    assert first.status == 201, first
    assert field_error(create(otrs, QueueID=first.json["id"])) == "QueueID"
    ticket = api.get(f"/api/v1/tickets/{created_id(otrs, create(otrs))}", who="agent").json
    assert ticket["group_id"] == 1


def test_a_write_that_keeps_conflicting_is_could_not_create_ticket(otrs: Otrs, monkeypatch: pytest.MonkeyPatch) -> None:
    def conflict(self: TicketService, principal: Any, data: Any) -> Any:
        raise Conflict("The ticket number is taken.")
    monkeypatch.setattr(TicketService, "create", conflict)
    reply = create(otrs)
    assert reply.status == 900, reply
    assert reply.json == [{"ErrorIdentifier": "CouldNotCreateTicket",
                           "ErrorMessage": "The system was unable to create the ticket."}]


def test_create_needs_a_customer_token(otrs: Otrs) -> None:
    assert create(otrs, who=None).status == 401
    from chalicelib import bootstrap
    from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
    container = bootstrap.container()
    agent = container.user_store.by_email("agent@example.com")
    token, _ = container.authenticator.issue_jwt(agent, OTRS_CUSTOMER_AUDIENCE)
    reply = otrs.post("/ticket", {"Title": "x", "Body": "y"}, who=None, headers={"Authentication": f"Bearer {token}"})
    assert reply.status == 403 and reply.json == DENIED


# --- GET /ticket/list and /ticket/count --------------------------------------------------------

def test_the_list_item_has_every_seed_key_with_the_core_values(otrs: Otrs, api: Api) -> None:
    body = listed(otrs)
    assert body["TotalTickets"] == 2 and len(body["List"]) == 2
    item = body["List"][0]
    assert set(item) == LIST_ITEM_KEYS
    ticket = api.get(f"/api/v1/tickets/{item['TicketID']}", who="agent").json
    assert item["TicketNumber"] == ticket["created_at"][:10].replace("-", "") + ticket["number"]
    assert (item["Title"], item["Queue"], item["QueueID"], item["GroupID"]) == (ticket["title"], "Users", 1, 1)
    assert (item["State"], item["StateType"], item["StateID"]) == ("new", "new", 1)
    assert (item["Priority"], item["PriorityID"]) == ("2 normal", 2)
    assert (item["Type"], item["TypeID"], item["Lock"], item["LockID"], item["ArchiveFlag"]) == \
        ("Unclassified", 1, "unlock", 1, "n")
    assert (item["CustomerUserID"], item["CustomerID"]) == ("nicole.braun@example.com", "example.com")
    assert (item["Owner"], item["OwnerID"], item["Responsible"], item["ResponsibleID"]) == ("-", 1, "-", 1)
    assert item["CreatedByUser"] == "Admin Helpdesk" and item["CreateBy"] == api.credentials["admin"]["id"]
    assert item["Created"] == ticket["created_at"][:10] + " " + ticket["created_at"][11:19]
    assert 0 <= item["Age"] < 600 and item["ServiceID"] == "" and item["SLAID"] == ""
    assert item["EscalationTime"] == 0 and item["UntilTime"] == 0 and item["Marker"] == "Unread"  # written by the admin


def test_escalation_and_pending_times_come_from_the_ticket(otrs: Otrs, api: Api) -> None:
    gold = api.post("/api/v1/slas", {"name": "Gold", "calendar_id": 1, "first_response_time": 60,
                                      "solution_time": 600, "condition": {}}).json
    ticket_id = created_id(otrs, create(otrs, Title="Escalating"))
    ticket = api.get(f"/api/v1/tickets/{ticket_id}", who="agent").json
    item = next(t for t in listed(otrs)["List"] if t["TicketID"] == ticket_id)
    assert item["SLAID"] == gold["id"]
    assert item["EscalationResponseTime"] == epoch(ticket["first_response_escalation_at"])
    assert item["EscalationSolutionTime"] == epoch(ticket["close_escalation_at"])
    assert item["EscalationTime"] == min(item["EscalationResponseTime"], item["EscalationSolutionTime"])
    pending = api.put(f"/api/v1/tickets/{ticket_id}", {"state": "pending reminder",
                                                       "pending_time": "2099-01-01T10:00:00Z"}, who="agent")
    assert pending.status == 200, pending
    item = next(t for t in listed(otrs)["List"] if t["TicketID"] == ticket_id)
    assert item["RealTillTimeNotUsed"] == epoch("2099-01-01T10:00:00") and item["UntilTime"] > 0
    assert item["StateType"] == "pending reminder"


def test_state_filter_open_closed_all(otrs: Otrs, api: Api) -> None:
    first, second = demo_ticket_ids(api)
    assert api.put(f"/api/v1/tickets/{first}", {"state": "closed"}, who="agent").status == 200
    assert ids(otrs) == [second] == ids(otrs, "?StateFilter=Open")
    assert ids(otrs, "?StateFilter=Closed") == [first] == ids(otrs, "?StateFilter=closed")
    assert sorted(ids(otrs, "?StateFilter=All")) == [first, second]
    assert (count(otrs), count(otrs, "?StateFilter=Closed"), count(otrs, "?StateFilter=All")) == (1, 1, 2)
    assert field_error(otrs.get("/ticket/list?StateFilter=Pending")) == "StateFilter"
    assert field_error(otrs.get("/ticket/count?StateFilter=Pending")) == "StateFilter"


def test_paging_by_page_and_tickets_per_page(otrs: Otrs, api: Api) -> None:
    for n in range(3):
        create(otrs, Title=f"Paged {n}")
    everything = listed(otrs, "?SortBy=Created&SortAscending=1")
    assert everything["TotalTickets"] == 5 and len(everything["List"]) == 5
    order = [t["TicketID"] for t in everything["List"]]
    assert order == sorted(order)
    second = listed(otrs, "?SortBy=Created&SortAscending=1&TicketsPerPage=2&Page=2")
    assert second["TotalTickets"] == 5 and [t["TicketID"] for t in second["List"]] == order[2:4]
    assert listed(otrs, "?TicketsPerPage=2&Page=9") == {"TotalTickets": 5, "List": []}


def test_tickets_per_page_defaults_to_the_customers_preference(otrs: Otrs, api: Api) -> None:
    for n in range(10):
        create(otrs, Title=f"Many {n}")
    assert len(listed(otrs)["List"]) == 10 and listed(otrs)["TotalTickets"] == 12
    from chalicelib import bootstrap
    store = bootstrap.container().user_store
    user = store.by_email("nicole.braun@example.com")
    user.preferences["TicketListTicketsPerPage"] = "5"
    store.save(user)
    assert len(listed(otrs)["List"]) == 5


@pytest.mark.parametrize("query, field", [
    ("Page=0", "Page"), ("Page=x", "Page"), ("Page=-1", "Page"),
    ("TicketsPerPage=0", "TicketsPerPage"), ("TicketsPerPage=101", "TicketsPerPage"),
    ("TicketsPerPage=1.5", "TicketsPerPage"),
    ("SortBy=Color", "SortBy"), ("SortAscending=maybe", "SortAscending"),
    ("CompanyTickets=yes please", "CompanyTickets"), ("DynamicFields=2", "DynamicFields"),
    ("Extended=x", "Extended"), ("LastCustomerSubject=x", "LastCustomerSubject"),
])
def test_bad_list_parameters_are_422(otrs: Otrs, query: str, field: str) -> None:
    assert field_error(otrs.get(f"/ticket/list?{query}")) == field


def test_sorting(otrs: Otrs, api: Api) -> None:
    demo = demo_ticket_ids(api)
    created = [created_id(otrs, create(otrs, Title=title)) for title in ("banana", "Apple", "cherry")]
    by_title = ids(otrs, "?SortBy=Title&SortAscending=1")
    titles = {t["TicketID"]: t["Title"].lower() for t in listed(otrs, "?TicketsPerPage=10")["List"]}
    assert by_title == sorted(titles, key=lambda i: (titles[i], i))
    assert ids(otrs, "?SortBy=Title&SortAscending=0") == list(reversed(by_title))
    newest_first = ids(otrs)  # the preference's default: Created, Down
    assert newest_first == sorted(demo + created, reverse=True)
    assert ids(otrs, "?SortBy=Age&SortAscending=1") == sorted(demo + created)
    assert ids(otrs, "?SortBy=TicketNumber&SortAscending=1") == sorted(demo + created)
    assert api.put(f"/api/v1/tickets/{created[0]}", {"priority": "3 high"}, who="agent").status == 200
    assert ids(otrs, "?SortBy=Priority&SortAscending=0")[0] == created[0]
    assert api.put(f"/api/v1/tickets/{created[1]}", {"title": "Apple pie"}, who="agent").status == 200
    assert ids(otrs, "?SortBy=Changed&SortAscending=0")[0] == created[1]
    for column in ("State", "Queue"):
        assert sorted(ids(otrs, f"?SortBy={column}")) == sorted(demo + created)


def test_search_finds_words_of_title_and_articles(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs, Title="Scanner offline", Body="The scanner says E77."))
    assert ids(otrs, "?Search=scanner") == [ticket_id]
    assert ids(otrs, "?Search=e77") == [ticket_id]
    assert count(otrs, "?Search=printer") == 1  # a demo ticket
    assert ids(otrs, "?Search=nothingmatches") == [] and count(otrs, "?Search=nothingmatches") == 0


def test_extended_and_last_customer_subject(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs, Title="Needs an answer"))
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket_id, "body": "On it.", "subject": "Agent answer",
                                                  "type": "email", "to": "nicole.braun@example.com"}, who="agent")
    assert reply.status == 201, reply
    plain = next(t for t in listed(otrs)["List"] if t["TicketID"] == ticket_id)
    assert "FirstResponse" not in plain and "LastCustomerSubject" not in plain
    item = next(t for t in listed(otrs, "?Extended=1&LastCustomerSubject=1")["List"] if t["TicketID"] == ticket_id)
    ticket = api.get(f"/api/v1/tickets/{ticket_id}", who="agent").json
    assert item["FirstResponse"] == ticket["first_response_at"][:10] + " " + ticket["first_response_at"][11:19]
    assert item["LastCustomerSubject"] == "Needs an answer"
    assert "SolutionTime" not in item  # not closed


def test_dynamic_fields_are_the_tickets_custom_fields(otrs: Otrs, api: Api) -> None:
    attribute = api.post("/api/v1/object_manager_attributes", {
        "name": "product", "object": "Ticket", "display": "Product", "active": True, "data_type": "select",
        "data_option": {"options": {"mouse": "Mouse", "pad": "Pad"}, "translate": True}})
    assert attribute.status == 201, attribute
    assert api.post("/api/v1/object_manager_attributes_execute_migrations", {}).status == 200
    ticket_id = created_id(otrs, create(otrs))
    assert api.put(f"/api/v1/tickets/{ticket_id}", {"product": "mouse"}, who="agent").status == 200
    item = next(t for t in listed(otrs, "?DynamicFields=1")["List"] if t["TicketID"] == ticket_id)
    assert item["DynamicField_product"] == {"Value": "mouse", "TranslatableValues": 1}
    assert not any(k.startswith("DynamicField_") for k in next(
        t for t in listed(otrs)["List"] if t["TicketID"] == ticket_id))
    details = otrs.get(f"/ticket/id/{ticket_id}?DynamicFields=1").json["Ticket"]
    assert details["DynamicField_product"]["Value"] == "mouse"


def test_other_customers_tickets_are_invisible(otrs: Otrs, api: Api) -> None:
    add_customer(api, "stranger", "stranger@elsewhere.test")
    mine = demo_ticket_ids(api)
    assert listed(otrs, who="stranger") == {"TotalTickets": 0, "List": []}
    assert count(otrs, "?StateFilter=All", who="stranger") == 0
    assert ids(otrs, "?Search=printer", who="stranger") == []
    number = listed(otrs)["List"][0]["TicketNumber"]
    assert otrs.get(f"/ticket/id/{mine[0]}", who="stranger").json == DENIED
    assert otrs.get(f"/ticket/number/{number}", who="stranger").status == 403
    theirs = created_id(otrs, create(otrs, who="stranger", Title="Stranger's"), who="stranger")
    assert theirs not in ids(otrs, "?StateFilter=All") and otrs.get(f"/ticket/id/{theirs}").status == 403


def test_company_tickets_of_a_shared_organization(otrs: Otrs, api: Api) -> None:
    add_customer(api, "colleague", "colleague@example.com", organization="Demo Company")
    theirs = created_id(otrs, create(otrs, who="colleague", Title="Colleague's"), who="colleague")
    mine = demo_ticket_ids(api)
    assert ids(otrs) == sorted(mine, reverse=True)  # own tickets only without CompanyTickets
    assert sorted(ids(otrs, "?CompanyTickets=1")) == sorted(mine + [theirs])
    assert count(otrs, "?CompanyTickets=1") == 3 and count(otrs, "?CompanyTickets=0") == 2
    assert ids(otrs, "?CompanyTickets=1&Search=colleague") == [theirs]
    # the organization's tickets are the customer's to read (Zammad's shared organization)
    assert otrs.get(f"/ticket/id/{theirs}").json["Ticket"]["CustomerUserID"] == "colleague@example.com"


def test_company_tickets_are_disabled_without_a_shared_organization(otrs: Otrs, api: Api) -> None:
    assert api.post("/api/v1/organizations", {"name": "Solo Inc", "shared": False}).status == 201
    add_customer(api, "solo", "solo@solo.test", organization="Solo Inc")
    add_customer(api, "loner", "loner@nowhere.test")
    for who in ("solo", "loner"):
        for path in ("/ticket/list?CompanyTickets=1", "/ticket/count?CompanyTickets=1"):
            reply = otrs.get(path, who=who)
            assert reply.status == 404 and reply.json == DISABLED, (who, path, reply)
        assert listed(otrs, who=who)["TotalTickets"] == 0


# --- GET /ticket/id/{TicketID} and /ticket/number/{TicketNumber} --------------------------------

def test_details_by_id_and_by_number_are_the_same(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs, Title="Details"))
    by_id = otrs.get(f"/ticket/id/{ticket_id}")
    assert by_id.status == 200 and set(by_id.json) == {"Ticket"}
    ticket = by_id.json["Ticket"]
    assert LIST_ITEM_KEYS <= set(ticket) and ticket["TicketID"] == ticket_id and ticket["Title"] == "Details"
    by_number = otrs.get(f"/ticket/number/{ticket['TicketNumber']}").json["Ticket"]
    assert {**by_number, "Age": 0, "UntilTime": 0} == {**ticket, "Age": 0, "UntilTime": 0}  # both tick on
    [article] = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    [shown] = ticket["Articles"]
    assert (shown["ArticleID"], shown["Subject"], shown["Body"], shown["SenderType"]) == \
        (article["id"], "Details", "The left button sticks.", "customer")
    assert ticket["LastCustomerSubject"] == "Details"
    assert "FollowUpPossible" not in ticket and "ProcessData" not in ticket


def test_an_agents_reply_is_listed_here_and_an_internal_note_is_not(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs))
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket_id, "body": "Try a new battery.",
                                                  "type": "email", "to": "nicole.braun@example.com"}, who="agent")
    note = api.post("/api/v1/ticket_articles", {"ticket_id": ticket_id, "body": "Customer again.", "type": "note",
                                                 "internal": True}, who="agent")
    assert reply.status == 201 and note.status == 201
    article_ids = [a["ArticleID"] for a in otrs.get(f"/ticket/id/{ticket_id}").json["Ticket"]["Articles"]]
    assert reply.json["id"] in article_ids and note.json["id"] not in article_ids and len(article_ids) == 2
    agent_ids = [a["id"] for a in api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json]
    assert article_ids == [i for i in agent_ids if i != note.json["id"]]


def test_follow_up_possible_follows_state_and_queue(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs))
    assert otrs.get(f"/ticket/id/{ticket_id}?FollowUpPossible=1").json["Ticket"]["FollowUpPossible"] == 1
    assert api.put(f"/api/v1/tickets/{ticket_id}", {"state": "closed"}, who="agent").status == 200
    assert otrs.get(f"/ticket/id/{ticket_id}?FollowUpPossible=1").json["Ticket"]["FollowUpPossible"] == 1
    assert api.put("/api/v1/groups/1", {"follow_up_possible": "new_ticket"}).status == 200
    assert otrs.get(f"/ticket/id/{ticket_id}?FollowUpPossible=1").json["Ticket"]["FollowUpPossible"] == 0


def test_unknown_and_foreign_tickets_answer_alike(otrs: Otrs, api: Api) -> None:
    demo = demo_ticket_ids(api)
    number = listed(otrs)["List"][0]["TicketNumber"]
    day, core = number[:8], number[8:]
    for path in ("/ticket/id/99999", f"/ticket/number/{day}99999",
                 f"/ticket/number/19990101{core}"):  # a real core number under another day is no ticket
        reply = otrs.get(path)
        assert reply.status == 403 and reply.json == DENIED, (path, reply)
    assert otrs.get(f"/ticket/id/{demo[0]}").status == 200


@pytest.mark.parametrize("path, field", [
    ("/ticket/id/abc", "TicketID"), ("/ticket/id/0", "TicketID"), ("/ticket/number/12-3", "TicketNumber"),
    ("/ticket/number/2024", "TicketNumber"),
])
def test_malformed_ids_and_numbers_are_422(otrs: Otrs, path: str, field: str) -> None:
    assert field_error(otrs.get(path)) == field


def test_bad_detail_switches_are_422(otrs: Otrs, api: Api) -> None:
    ticket_id = demo_ticket_ids(api)[0]
    for name in ("DynamicFields", "FollowUpPossible", "ProcessData"):
        assert field_error(otrs.get(f"/ticket/id/{ticket_id}?{name}=maybe")) == name


def test_articles_that_cannot_be_loaded_are_article_loading_failed(otrs: Otrs, api: Api,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ticket_id = demo_ticket_ids(api)[0]

    def vanished(self: TicketService, principal: Any, wanted: int) -> Any:
        raise NotFound("Ticket", wanted)  # deleted between the ticket read and the article read
    monkeypatch.setattr(TicketService, "articles", vanished)
    reply = otrs.get(f"/ticket/id/{ticket_id}")
    assert reply.status == 900 and reply.json == [
        {"ErrorIdentifier": "ArticleLoadingFailed", "ErrorMessage": "The system was unable to load the articles."}]


def test_the_marker_is_unread_until_the_customer_has_seen_every_reply(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs))

    def marker() -> str:
        return next(t for t in listed(otrs)["List"] if t["TicketID"] == ticket_id)["Marker"]
    assert marker() == "Seen"  # the customer's own article
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket_id, "body": "Which model?",
                                                  "type": "email", "to": "nicole.braun@example.com"}, who="agent")
    assert reply.status == 201 and marker() == "Unread"
    assert otrs.get(f"/ticket/id/{ticket_id}").json["Ticket"]["Marker"] == "Unread"
    flagged = otrs.post(f"/ticket/{ticket_id}/article/{reply.json['id']}/flag", {"Flag": "Seen", "Value": "1"})
    assert flagged.status == 200, flagged
    assert marker() == "Seen"


def test_process_data_is_the_tickets_place_in_its_process(otrs: Otrs, api: Api) -> None:
    ticket_id = created_id(otrs, create(otrs))
    assert otrs.get(f"/ticket/id/{ticket_id}?ProcessData=1").json["Ticket"]["ProcessData"] == {}
    place = {"ProcessEntityID": "Process-1", "ActivityEntityID": "Activity-2"}
    assert api.put(f"/api/v1/tickets/{ticket_id}", {"preferences": {"process": place}}, who="agent").status == 200
    assert otrs.get(f"/ticket/id/{ticket_id}?ProcessData=1").json["Ticket"]["ProcessData"] == place


def test_form_uploads_become_the_first_articles_attachments(otrs: Otrs, api: Api) -> None:
    from chalicelib import bootstrap
    container = bootstrap.container()
    nicole = container.authenticator.otrs_customer({"authentication": f"Bearer {otrs.login()}"})
    container.uploads.add(nicole, "form-1", "screen.png", "image/png", b"\x89PNG fake")
    container.uploads.add(nicole, "form-1", "notes.txt", "text/plain; charset=utf-8", b"written down")
    ticket_id = created_id(otrs, create(otrs, FormID="form-1"))
    [article] = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    files = {a["filename"]: a for a in article["attachments"]}
    assert set(files) == {"screen.png", "notes.txt"} and files["notes.txt"]["size"] == str(len(b"written down"))
    download = api.get(f"/api/v1/ticket_attachment/{ticket_id}/{article['id']}/{files['notes.txt']['id']}",
                       who="agent")
    assert download.status == 200 and download.body == b"written down"
    assert container.uploads.files(nicole, "form-1") == []  # the form was emptied
    shown = otrs.get(f"/ticket/id/{ticket_id}").json["Ticket"]["Articles"][0]["Attachments"]
    assert sorted(a["Filename"] for a in shown) == ["notes.txt", "screen.png"]


def test_a_bad_form_id_is_refused_and_another_users_form_adds_nothing(otrs: Otrs, api: Api) -> None:
    assert field_error(create(otrs, FormID="bad form/../id")) == "FormID"
    from chalicelib import bootstrap
    container = bootstrap.container()
    add_customer(api, "stranger", "stranger@elsewhere.test")
    stranger = container.authenticator.otrs_customer({"authentication": f"Bearer {otrs.login('stranger')}"})
    container.uploads.add(stranger, "form-2", "secret.txt", "text/plain", b"not for nicole")
    ticket_id = created_id(otrs, create(otrs, FormID="form-2"))
    [article] = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="agent").json
    assert article["attachments"] == []
    assert [f.filename for f in container.uploads.files(stranger, "form-2")] == ["secret.txt"]
