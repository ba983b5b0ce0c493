"""RS4OTRS tickets/* (RS4OTRS-METHODS.md §3.16-3.38) through the agent RPC, and the same tickets seen
through Zammad's /api/v1 and the OTRS customer API."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.api.rs4otrs.conftest import Rpc, failed, ok

ROLE_AGENT = 2
CUSTOMER = "nicole.braun@example.com"


@pytest.fixture()
def people(rpc: Rpc) -> Rpc:
    """Besides admin and agent (full on group 1): `reader` (ro on group 1 only), `outsider` (no group),
    and group 2 "Sales" where only admins work."""
    api = rpc.api
    for who, access in (("reader", {"1": ["read"]}), ("outsider", {})):
        email = f"{who}@example.com"
        reply = api.post("/api/v1/users", {"email": email, "login": email, "firstname": who.title(), "lastname": "Agent",
                                           "password": f"{who}-password-1", "role_ids": [ROLE_AGENT],
                                           "group_ids": access})
        assert reply.status == 201, reply
        rpc.credentials[who] = {"email": email, "password": f"{who}-password-1", "id": reply.json["id"]}
    assert api.post("/api/v1/groups", {"name": "Sales"}).status == 201
    return rpc


def new_ticket(rpc: Rpc, who: str = "agent", **extra: Any) -> int:
    params = {"Title": "Mouse broken", "QueueID": 1, "PriorityID": 2, "Body": "It squeaks.",
              "CustomerUserID": CUSTOMER, **extra}
    return ok(rpc.call("tickets", "createTicket", who=who, **params))["TicketID"]


def listed(rpc: Rpc, ticket_id: int, who: str = "agent") -> dict[str, Any]:
    tickets = ok(rpc.call("tickets", "getTicketList", who=who, TicketID=ticket_id))["Tickets"]
    assert len(tickets) == 1
    return tickets[0]


# --- createTicket / getTicketList ------------------------------------------------------------------

def test_create_ticket_and_list_it_in_rs4otrs_shape(rpc: Rpc) -> None:
    ticket_id = new_ticket(rpc, OwnerID=rpc.credentials["agent"]["id"], DynamicFields={})
    item = listed(rpc, ticket_id)
    assert item["Title"] == "Mouse broken" and item["Queue"] == "Users" and item["Priority"] == "2 normal"
    assert item["State"] == "new" and item["StateType"] == "new" and item["Type"] == "Unclassified"
    assert item["Owner"] == "agent@example.com" and item["Lock"] == "lock" and item["LockID"] == 2  # LockByOwner
    assert item["CustomerUserID"] == CUSTOMER and item["CustomerID"] == "example.com"
    assert item["CustomerUserFirstname"] == "Nicole" and item["ArchiveFlag"] == "n"
    assert item["ServiceID"] is None and item["UntilTimeDate"] is None  # nulls, not "" or 0
    assert item["CreateTimeUnix"] > 0 and item["Created"].endswith("(UTC)")
    assert item["HasWatch"] == 0 and item["WatcherCount"] == 0 and item["LinkCount"] == 0
    body = ok(rpc.call("tickets", "getTicketList", Count=1))
    assert body["Count"] >= 3 and "Tickets" not in body and body["NeedTokenUpdate"] == 1
    ok(rpc.call("settings", "setPushNotificationToken", Token="device-1"))
    assert ok(rpc.call("tickets", "getTicketList", Count=1))["NeedTokenUpdate"] == 0


def test_create_ticket_errors(people: Rpc) -> None:
    rpc = people
    assert failed(rpc.call("tickets", "createTicket")) == \
        "Required fields is not defined: Title, QueueID, PriorityID, Body"
    assert failed(rpc.call("tickets", "createTicket", Title="t", QueueID=99, PriorityID=2, Body="b")) == \
        "Queue is incorrect"
    assert failed(rpc.call("tickets", "createTicket", Title="t", QueueID=2, PriorityID=2, Body="b",
                           CustomerUserID=CUSTOMER)) == "No permission"
    assert failed(rpc.call("tickets", "createTicket", who="reader", Title="t", QueueID=1, PriorityID=2, Body="b",
                           CustomerUserID=CUSTOMER)) == "No permission"
    for bad in ({"PriorityID": 9}, {"CustomerUserID": "nobody"}, {"TypeID": 2}, {"ServiceID": 1},
                {"CustomerID": "other.org"}):
        assert failed(rpc.call("tickets", "createTicket", **{"Title": "t", "QueueID": 1, "PriorityID": 2,
                                                              "Body": "b", "CustomerUserID": CUSTOMER, **bad})) == \
            "Couldn't create ticket"


def test_ticket_list_filters_sort_and_pages(people: Rpc) -> None:
    rpc = people
    first = new_ticket(rpc, Title="Alpha printer")
    second = new_ticket(rpc, Title="Beta printer", PriorityID=3)
    ids = [t["TicketID"] for t in ok(rpc.get("tickets", "getTicketList", FullTextSearch="%printer%",
                                             SortBy="Age", OrderBy="Up"))["Tickets"]]
    assert ids[-2:] == [first, second] and len(ids) == 3  # the demo "Printer on floor 2" too
    assert [t["TicketID"] for t in ok(rpc.call("tickets", "getTicketList", PriorityIDs=[3]))["Tickets"]] == [second]
    assert [t["TicketID"] for t in ok(rpc.get("tickets", "getTicketList", Priorities="3 high,1 low"))["Tickets"]] \
        == [second]
    page = ok(rpc.call("tickets", "getTicketList", Limit=1, Offset=1, SortBy=["Age"], OrderBy=["Down"]))["Tickets"]
    assert [t["TicketID"] for t in page] == [first]
    assert ok(rpc.call("tickets", "getTicketList", StateType="Closed", Count=1))["Count"] == 0
    assert ok(rpc.call("tickets", "getTicketList", ServiceIDs=[1], Count=1))["Count"] == 0
    assert ok(rpc.call("tickets", "getTicketList", CustomerUserLogin=CUSTOMER, Count=1))["Count"] == 4
    # scoped by the agent's groups: an agent without groups sees nothing
    assert ok(rpc.call("tickets", "getTicketList", who="outsider", Count=1))["Count"] == 0
    assert failed(rpc.call("tickets", "getTicketList", SortBy="Colour")).startswith("SortBy must be one of")
    assert failed(rpc.call("tickets", "getTicketList", Limit=0)) == "Limit must be a whole number from 1 to 200"


def test_views_assigned_locked_and_watched(rpc: Rpc) -> None:
    me = rpc.credentials["agent"]["id"]
    ticket_id = new_ticket(rpc, OwnerID=me)
    for view in (-1, -6):
        assert ticket_id in [t["TicketID"] for t in ok(rpc.call("tickets", "getTicketList", ViewID=view))["Tickets"]]
    assert ok(rpc.call("tickets", "getTicketList", ViewID=-7, Count=1))["Count"] == 0
    ok(rpc.call("tickets", "watchTicket", TicketID=ticket_id, Subscribe=1))
    watched = ok(rpc.call("tickets", "getTicketList", ViewID=-7))["Tickets"]
    assert [t["TicketID"] for t in watched] == [ticket_id] and watched[0]["HasWatch"] == 1
    assert watched[0]["WatcherCount"] == 1
    assert failed(rpc.call("tickets", "getTicketList", ViewID=-99)) == "Unknown ViewID"


# --- articles, seen flags, attachments --------------------------------------------------------------

def test_create_article_and_get_articles(rpc: Rpc) -> None:
    ticket_id = new_ticket(rpc)
    article_id = ok(rpc.call("tickets", "createArticle", TicketID=ticket_id, Subject="Note", Body="Checked it.",
                             ArticleType="Internal", SenderType="agent", StateID=2))["ArticleID"]
    articles = ok(rpc.call("tickets", "getArticles", TicketID=ticket_id))["Articles"]
    assert [a["ArticleID"] for a in articles][-1] == article_id
    note = articles[-1]
    assert note["Direction"] == "Internal" and note["IsVisibleForCustomer"] == 0 and note["SenderType"] == "agent"
    assert note["State"] == "open" and note["TicketID"] == ticket_id and note["CreatedTimeUnix"] > 0
    assert note["ArticleNumber"] == 2 and note["Seen"] == 1  # the agent wrote it
    first = articles[0]
    assert first["Direction"] == "Incoming" and first["SenderType"] == "customer" and first["ArticleType"] == "phone"
    assert ok(rpc.call("tickets", "getArticles", TicketID=ticket_id, Count=1))["Count"] == 2
    assert ok(rpc.call("tickets", "getArticles", TicketID=ticket_id, IsVisibleForCustomer=1, Count=1))["Count"] == 1
    newest = ok(rpc.call("tickets", "getArticles", TicketID=ticket_id, Order="DESC", Limit=1, Page=1))["Articles"]
    assert [a["ArticleID"] for a in newest] == [article_id]


def test_article_errors(people: Rpc) -> None:
    rpc = people
    ticket_id = new_ticket(rpc)
    assert failed(rpc.call("tickets", "createArticle")) == "Required fields is not defined: TicketID, Subject, Body"
    assert failed(rpc.call("tickets", "createArticle", TicketID=999999, Subject="s", Body="b")) == "No ticket"
    assert failed(rpc.call("tickets", "createArticle", who="reader", TicketID=ticket_id, Subject="s", Body="b")) == \
        "No permission"
    assert failed(rpc.call("tickets", "createArticle", TicketID=ticket_id, Subject="s", Body="b",
                           ArticleType="Fax")) == "Cannot add article"
    assert failed(rpc.call("tickets", "getArticles", who="outsider", TicketID=ticket_id)) == "No permission"
    assert failed(rpc.call("tickets", "getArticles", TicketID=999999)) == "No ticket"


def test_seen_flags(people: Rpc) -> None:
    rpc = people
    ticket_id = new_ticket(rpc)
    assert listed(rpc, ticket_id, "reader")["Seen"] == 0
    article_id = ok(rpc.call("tickets", "getArticles", who="reader", TicketID=ticket_id))["Articles"][0]["ArticleID"]
    body = ok(rpc.call("tickets", "markArticleAsSeen", who="reader", TicketID=ticket_id, ArticleID=article_id,
                       Seen=1))
    assert body == {"Response": "OK", "TicketID": ticket_id, "TicketSeen": 1}
    assert listed(rpc, ticket_id, "reader")["Seen"] == 1
    ok(rpc.call("tickets", "markTicketAsSeen", who="reader", TicketID=ticket_id, Seen=0))
    assert listed(rpc, ticket_id, "reader")["Seen"] == 0
    assert ok(rpc.call("tickets", "getTicketList", who="reader", ViewID=-5, TicketID=ticket_id))["Tickets"]
    assert failed(rpc.call("tickets", "markArticleAsSeen", who="reader", TicketID=ticket_id, ArticleID=999999,
                           Seen=1)) == "Couldn't mark article as seen"
    assert failed(rpc.call("tickets", "markTicketAsSeen", who="outsider", TicketID=ticket_id, Seen=1)) == \
        "No permission"
    assert failed(rpc.call("tickets", "markTicketAsSeen", TicketID=999999, Seen=1)) == "No ticket"
    assert failed(rpc.call("tickets", "markTicketAsSeen", TicketID=ticket_id, Seen="maybe")) == \
        "Couldn't mark ticket as seen"


def test_attachments_up_and_down(people: Rpc) -> None:
    rpc = people
    ticket_id = new_ticket(rpc)
    content = b"%PDF-1.4 " + bytes(range(256)) * 20
    file = {"Content": base64.b64encode(content).decode(), "ContentType": "application/pdf", "Filename": "scan.pdf"}
    added = ok(rpc.call("tickets", "createAttachment", TicketID=ticket_id, File=file))
    assert added["Filesize"] == "5.0 KB" and added["FilesizeRaw"] == len(content)
    assert added["Disposition"] == "attachment" and added["ContentType"] == "application/pdf"
    assert added["ContentID"] is None and added["ContentAlternative"] is None
    article = ok(rpc.call("tickets", "getArticles", TicketID=ticket_id))["Articles"][0]
    assert [a["FileID"] for a in article["Attachments"]] == [added["FileID"]]
    reply = rpc.call("tickets", "getAttachment", TicketID=ticket_id, FileID=added["FileID"])
    assert reply.status == 200 and reply.body == content
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"].startswith("attachment")
    by_article = rpc.get("tickets", "getAttachment", ArticleID=article["ArticleID"], FileID=added["FileID"])
    assert by_article.body == content
    second = ok(rpc.call("tickets", "createAttachment", ArticleID=article["ArticleID"],
                         File={**file, "Filename": "two.pdf"}))
    assert second["FileID"] != added["FileID"]
    # errors
    assert failed(rpc.call("tickets", "createAttachment", TicketID=ticket_id, File={"Content": "eA=="})) == \
        "No Content, ContentType or Filename parameters"
    assert failed(rpc.call("tickets", "createAttachment", TicketID="abc", File=file)) == "Ticket is incorrect"
    assert failed(rpc.call("tickets", "createAttachment", ArticleID=999999, File=file)) == "Article is incorrect"
    assert failed(rpc.call("tickets", "createAttachment", TicketID=999999, File=file)) == "No ticket"
    assert failed(rpc.call("tickets", "createAttachment", who="reader", TicketID=ticket_id, File=file)) == \
        "No permission"
    assert failed(rpc.call("tickets", "createAttachment", TicketID=ticket_id,
                           File={**file, "Content": "not base64!"})) == "Cannot add attachment"
    assert failed(rpc.call("tickets", "getAttachment", TicketID=ticket_id, FileID=999999)) == "No attachment!"
    assert failed(rpc.call("tickets", "getAttachment", ArticleID=999999, FileID=added["FileID"])) == "No article!"
    assert failed(rpc.call("tickets", "getAttachment", who="outsider", TicketID=ticket_id,
                           FileID=added["FileID"])) == "No attachment!"


# --- single-attribute updates -----------------------------------------------------------------------

def test_update_title_state_priority_pending(people: Rpc) -> None:
    rpc = people
    ticket_id = new_ticket(rpc)
    ok(rpc.call("tickets", "updateTitle", TicketID=ticket_id, Title="Mouse replaced"))
    ok(rpc.call("tickets", "updatePriority", TicketID=ticket_id, Priority="3 high"))
    ok(rpc.call("tickets", "updateState", TicketID=ticket_id, State="pending reminder"))
    ok(rpc.call("tickets", "updatePendingTime", TicketID=ticket_id, Year=2030, Month=1, Day=2, Hour=3, Minute=4))
    item = listed(rpc, ticket_id)
    assert (item["Title"], item["Priority"], item["State"]) == ("Mouse replaced", "3 high", "pending reminder")
    assert item["UntilTimeDate"] == "2030-01-02 03:04:00 (UTC)" and item["UntilTimeDateUnix"] == 1893553440
    ok(rpc.call("tickets", "updatePendingTime", TicketID=ticket_id, UntilTimeDateUnix=1893553500))
    assert listed(rpc, ticket_id)["UntilTimeDateUnix"] == 1893553500
    for name, params, message in (
            ("updateTitle", {"Title": " "}, "Cannot update Title"),
            ("updatePriority", {"PriorityID": 99}, "Cannot update Priority"),
            ("updateState", {"StateID": 99}, "Cannot update State"),
            ("updatePendingTime", {"UntilTimeDateUnix": "soon"}, "Cannot update PendingTime"),
            ("updatePendingTime", {"Month": 13, "Year": 2030, "Day": 1, "Hour": 1, "Minute": 1},
             "Cannot update PendingTime")):
        assert failed(rpc.call("tickets", name, TicketID=ticket_id, **params)) == message
    for name, params in (("updateTitle", {"Title": "x"}), ("updateState", {"StateID": 2}),
                         ("updatePriority", {"PriorityID": 1}), ("updatePendingTime", {"UntilTimeDateUnix": 1})):
        assert failed(rpc.call("tickets", name, TicketID=999999, **params)) == "No ticket"
        assert failed(rpc.call("tickets", name, who="reader", TicketID=ticket_id, **params)) == "No permission"


def test_closing_unlocks_and_a_lock_holder_guards_state_and_priority(people: Rpc) -> None:
    rpc = people
    ticket_id = new_ticket(rpc, who="admin", OwnerID=rpc.credentials["admin"]["id"])  # locked by admin
    assert failed(rpc.call("tickets", "updateState", TicketID=ticket_id, StateID=2)) == \
        "You must be an owner of the ticket"
    assert failed(rpc.call("tickets", "updatePriority", TicketID=ticket_id, PriorityID=1)) == \
        "You must be an owner of the ticket"
    ok(rpc.call("tickets", "updateState", who="admin", TicketID=ticket_id, State="closed"))
    item = listed(rpc, ticket_id)
    assert item["StateType"] == "closed" and item["Lock"] == "unlock"


def test_update_owner_lock_and_responsible(people: Rpc) -> None:
    rpc = people
    agent = rpc.credentials["agent"]
    ticket_id = new_ticket(rpc)
    ok(rpc.call("tickets", "updateOwner", TicketID=ticket_id, NewUser=agent["email"]))
    item = listed(rpc, ticket_id)
    assert item["OwnerID"] == agent["id"] and item["Lock"] == "lock"
    assert failed(rpc.call("tickets", "updateOwner", TicketID=ticket_id, NewUserID=agent["id"])) == \
        "'Already you are an owner"
    assert failed(rpc.call("tickets", "updateOwner", TicketID=ticket_id, NewUser="nobody")) == "Cannot update Owner"
    assert failed(rpc.call("tickets", "updateOwner", who="admin", TicketID=ticket_id,
                           NewUserID=rpc.credentials["admin"]["id"])) == "You must be an owner of the ticket"
    assert failed(rpc.call("tickets", "updateOwner", who="reader", TicketID=ticket_id, NewUserID=agent["id"])) == \
        "No permission"
    ok(rpc.call("tickets", "updateLock", TicketID=ticket_id, Lock="unlock"))
    assert listed(rpc, ticket_id)["LockID"] == 1
    ok(rpc.call("tickets", "updateLock", who="admin", TicketID=ticket_id, LockID=2))
    item = listed(rpc, ticket_id)
    assert item["Lock"] == "lock" and item["OwnerID"] == rpc.credentials["admin"]["id"]
    assert failed(rpc.call("tickets", "updateLock", TicketID=ticket_id, Lock="lock")) == "Couldn't update lock state"
    assert failed(rpc.call("tickets", "updateLock", who="admin", TicketID=ticket_id, Lock="sealed")) == \
        "Couldn't update lock state"
    assert failed(rpc.call("tickets", "updateLock", who="reader", TicketID=ticket_id, Lock="lock")) == \
        "No permission"
    ok(rpc.call("tickets", "updateResponsible", TicketID=ticket_id, NewUser="reader@example.com"))
    assert listed(rpc, ticket_id)["Responsible"] == "reader@example.com"
    assert failed(rpc.call("tickets", "updateResponsible", TicketID=ticket_id, NewUser="outsider@example.com")) == \
        "Cannot update Responsible"
    assert failed(rpc.call("tickets", "updateResponsible", TicketID=ticket_id)) == \
        "Required fields is not defined: NewUser or NewUserID"


def test_update_queue_customer_archive_type_service_sla(people: Rpc) -> None:
    rpc = people
    ticket_id = new_ticket(rpc)
    assert failed(rpc.call("tickets", "updateQueue", TicketID=ticket_id, Queue="Sales")) == "No permission"
    assert failed(rpc.call("tickets", "updateQueue", TicketID=ticket_id, QueueID=99)) == "Cannot update Queue"
    ok(rpc.call("tickets", "updateQueue", who="admin", TicketID=ticket_id, Queue="Sales"))
    assert listed(rpc, ticket_id, "admin")["Queue"] == "Sales"
    assert failed(rpc.call("tickets", "updateTitle", TicketID=ticket_id, Title="x")) == "No permission"
    ok(rpc.call("tickets", "updateArchiveFlag", who="admin", TicketID=ticket_id, ArchiveFlag="y"))
    assert listed(rpc, ticket_id, "admin")["ArchiveFlag"] == "y"
    assert failed(rpc.call("tickets", "updateArchiveFlag", who="admin", TicketID=ticket_id, ArchiveFlag="z")) == \
        "Cannot update ArchiveFlag"
    admin = rpc.credentials["admin"]["email"]
    ok(rpc.call("tickets", "updateCustomer", who="admin", TicketID=ticket_id, CustomerID=admin,
                CustomerUserID=admin))
    assert listed(rpc, ticket_id, "admin")["CustomerUserID"] == admin
    assert failed(rpc.call("tickets", "updateCustomer", who="admin", TicketID=ticket_id, CustomerID="example.com",
                           CustomerUserID=admin)) == "Cannot update Customer"
    ok(rpc.call("tickets", "updateType", who="admin", TicketID=ticket_id, TypeID=1))
    assert failed(rpc.call("tickets", "updateType", who="admin", TicketID=ticket_id, Type="Incident")) == \
        "Cannot update Type"
    assert failed(rpc.call("tickets", "updateService", who="admin", TicketID=ticket_id, ServiceID=1)) == \
        "Cannot update Service"
    assert failed(rpc.call("tickets", "updateSLA", who="admin", TicketID=ticket_id, SLAID=1)) == "Cannot update SLA"
    for name, params in (("updateQueue", {"QueueID": 1}), ("updateArchiveFlag", {"ArchiveFlag": "n"}),
                         ("updateCustomer", {"CustomerID": "x", "CustomerUserID": "x"}), ("updateType", {"TypeID": 1}),
                         ("updateService", {"ServiceID": 1}), ("updateSLA", {"SLAID": 1}),
                         ("updateResponsible", {"NewUserID": 1}), ("updateOwner", {"NewUserID": 1}),
                         ("updateLock", {"LockID": 1})):
        assert failed(rpc.call("tickets", name, TicketID=999999, **params)) == "No ticket"


def test_watch_ticket(people: Rpc) -> None:
    rpc = people
    ticket_id = new_ticket(rpc)
    ok(rpc.call("tickets", "watchTicket", who="reader", TicketID=ticket_id, Subscribe=1))
    ok(rpc.call("tickets", "watchTicket", TicketID=ticket_id, Subscribe="1"))
    assert listed(rpc, ticket_id)["WatcherCount"] == 2
    ok(rpc.get("tickets", "watchTicket", who="reader", TicketID=ticket_id, Subscribe=0))
    item = listed(rpc, ticket_id, "reader")
    assert item["WatcherCount"] == 1 and item["HasWatch"] == 0
    reader_id = rpc.credentials["reader"]["id"]
    agent_id = rpc.credentials["agent"]["id"]
    assert ok(rpc.call("tickets", "getTicketList", WatchUserIDs=[agent_id], TicketID=ticket_id, Count=1))["Count"] == 1
    assert ok(rpc.call("tickets", "getTicketList", WatchUserIDs=[reader_id], TicketID=ticket_id, Count=1))["Count"] == 0
    assert failed(rpc.call("tickets", "watchTicket", Subscribe=1)) == "No TicketID"
    assert failed(rpc.call("tickets", "watchTicket", TicketID=999999, Subscribe=1)) == "No ticket"
    assert failed(rpc.call("tickets", "watchTicket", who="outsider", TicketID=ticket_id, Subscribe=1)) == \
        "No permission"
    assert failed(rpc.call("tickets", "watchTicket", TicketID=ticket_id, Subscribe="x")) == \
        "Could not subscribe to ticket"


# --- updateTicket --------------------------------------------------------------------------------------

def test_update_ticket_applies_fields_and_lists_the_failed_ones(people: Rpc) -> None:
    rpc = people
    agent = rpc.credentials["agent"]
    ticket_id = new_ticket(rpc)
    ok(rpc.call("tickets", "updateTicket", TicketID=ticket_id, Title="Renamed", Lock="lock", StateID=2,
                PriorityID=3, NewResponsibleUser="reader@example.com"))
    item = listed(rpc, ticket_id)
    assert (item["Title"], item["State"], item["Priority"], item["Lock"]) == ("Renamed", "open", "3 high", "lock")
    assert item["Responsible"] == "reader@example.com" and item["OwnerID"] == agent["id"]
    assert failed(rpc.call("tickets", "updateTicket", TicketID=ticket_id, Title="Again", SLAID=5, ServiceID=1)) == \
        "The follow parameters wasn't updated: Service, SLA"
    assert listed(rpc, ticket_id)["Title"] == "Again"  # the others still applied
    # State, Owner and Priority need the caller's lock (6.41.0)
    other = new_ticket(rpc)
    assert failed(rpc.call("tickets", "updateTicket", TicketID=other, StateID=2, Title="x")) == \
        "The follow parameters wasn't updated: State"
    assert failed(rpc.call("tickets", "updateTicket", TicketID=other)).startswith(
        "Pass some fields for ticket update: Lock, Title, Queue")
    assert failed(rpc.call("tickets", "updateTicket", TicketID=999999, Title="x")) == "No ticket"
    assert failed(rpc.call("tickets", "updateTicket", who="reader", TicketID=other, Title="x")) == "No permission"


# --- one ticket, three dialects ---------------------------------------------------------------------------

def test_round_trip_with_zammad_and_the_otrs_customer_api(rpc: Rpc) -> None:
    """A customer's ticket (Zammad /api/v1 as the customer) is handled through RS4OTRS (owner, state,
    a reply) and the result shows in /api/v1 and in the OTRS customer API."""
    api = rpc.api
    created = api.post("/api/v1/tickets", {"title": "VPN down", "group": "Users",
                                           "article": {"subject": "VPN down", "body": "Cannot connect."}},
                       who="customer")
    assert created.status == 201, created
    ticket_id = created.json["id"]
    agent = rpc.credentials["agent"]
    assert listed(rpc, ticket_id)["CustomerUserID"] == CUSTOMER
    ok(rpc.call("tickets", "updateOwner", TicketID=ticket_id, NewUserID=agent["id"]))
    reply_id = ok(rpc.call("tickets", "createArticle", TicketID=ticket_id, Subject="Re: VPN down",
                           Body="Restarted the gateway.", ArticleType="Email", SenderType="agent",
                           State="pending reminder", UntilTimeDateUnix=1893553440))["ArticleID"]
    ok(rpc.call("tickets", "updateState", TicketID=ticket_id, State="open"))
    ok(rpc.call("tickets", "updateResponsible", TicketID=ticket_id, NewUser=rpc.credentials["admin"]["email"]))
    zammad = api.get(f"/api/v1/tickets/{ticket_id}", who="agent").json
    assert zammad["owner_id"] == agent["id"] and zammad["state_id"] == 2
    assert zammad["preferences"]["otrs_lock"] == "lock"
    customer_view = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}", who="customer").json
    assert [(a["id"], a["body"]) for a in customer_view][-1] == (reply_id, "Restarted the gateway.")
    otrs_token = otrs_session(api)
    otrs = api.client.http.request("GET", f"/api/customer/ticket/id/{ticket_id}",
                                   headers={"Authentication": f"Bearer {otrs_token}"}, body=b"")
    assert otrs.status_code == 200, otrs.body
    ticket = json.loads(otrs.body)["Ticket"]
    assert ticket["State"] == "open" and ticket["Owner"] == agent["email"]
    # what RS4OTRS set is what the customer portal shows: the owner's lock and the responsible agent
    assert (ticket["Lock"], ticket["LockID"]) == ("lock", 2)
    assert (ticket["Responsible"], ticket["ResponsibleID"]) == (rpc.credentials["admin"]["email"],
                                                                rpc.credentials["admin"]["id"])
    assert ticket["Articles"][-1]["Body"] == "Restarted the gateway."


def otrs_session(api: Any) -> str:
    """The demo customer's OTRS customer API token."""
    c = api.credentials["customer"]
    response = api.client.http.request("POST", "/api/customer/auth/login", headers={"Content-Type": "application/json"},
                                       body=json.dumps({"Username": c["email"], "Password": c["password"]}).encode())
    assert response.status_code == 200, response.body
    return json.loads(response.body)["Token"]
