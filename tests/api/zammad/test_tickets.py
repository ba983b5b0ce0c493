"""/api/v1/tickets through HTTP: statuses, bodies and Zammad's error texts."""
from __future__ import annotations

import base64

import pytest

ZAMMAD_TICKET_KEYS = [
    "id", "group_id", "priority_id", "state_id", "organization_id", "number", "title", "owner_id", "customer_id",
    "note", "first_response_at", "first_response_escalation_at", "first_response_in_min",
    "first_response_diff_in_min", "close_at", "close_escalation_at", "close_in_min", "close_diff_in_min",
    "update_escalation_at", "update_in_min", "update_diff_in_min", "last_contact_at", "last_contact_agent_at",
    "last_contact_customer_at", "last_owner_update_at", "create_article_type_id", "create_article_sender_id",
    "article_count", "escalation_at", "pending_time", "type", "time_unit", "preferences", "updated_by_id",
    "created_by_id", "created_at", "updated_at",
]


def new_ticket(api, who="admin", **overrides):
    body = {
        "title": "Help me!", "group": "Users", "customer": "nicole.braun@example.com",
        "article": {"subject": "some subject", "body": "some message", "type": "note", "internal": False},
    }
    body.update(overrides)
    return api.post("/api/v1/tickets", body, who=who)


def test_create_returns_201_with_zammad_fields(api):
    reply = new_ticket(api, note="some note")
    assert reply.status == 201, reply
    ticket = reply.json
    assert list(ticket)[:len(ZAMMAD_TICKET_KEYS)] == ZAMMAD_TICKET_KEYS
    assert ticket["title"] == "Help me!" and ticket["note"] == "some note"
    assert ticket["group_id"] == 1 and ticket["state_id"] == 1 and ticket["priority_id"] == 2
    assert ticket["customer_id"] == api.credentials["customer"]["id"]
    assert ticket["organization_id"] == 1
    assert ticket["number"].isdigit() and isinstance(ticket["number"], str)
    assert ticket["article_count"] == 1 and len(ticket["article_ids"]) == 1
    assert ticket["ticket_time_accounting_ids"] == []
    assert ticket["create_article_type_id"] == 10 and ticket["create_article_sender_id"] == 1
    assert ticket["created_at"].endswith("Z") and len(ticket["created_at"]) == 24


def test_create_by_ids_and_names(api):
    reply = new_ticket(api, group=None, group_id=1, state="open", priority_id=3,
                       customer=None, customer_id=api.credentials["customer"]["id"])
    assert reply.status == 201, reply
    assert (reply.json["state_id"], reply.json["priority_id"]) == (2, 3)


def test_create_with_guess_customer_creates_the_customer(api):
    reply = new_ticket(api, customer=None, customer_id="guess:new.person@example.org")
    assert reply.status == 201, reply
    customer_id = reply.json["customer_id"]
    expanded = api.get(f"/api/v1/tickets/{reply.json['id']}?expand=true").json
    assert expanded["customer"] == "new.person@example.org"
    again = new_ticket(api, customer=None, customer_id="guess:New.Person@example.org")
    assert again.json["customer_id"] == customer_id


def test_create_with_invalid_guess_email(api):
    reply = new_ticket(api, customer=None, customer_id="guess:not-an-email")
    assert reply.status == 422
    assert reply.json["error"] == "Invalid email 'not-an-email' of customer"


@pytest.mark.parametrize("overrides, message", [
    ({"group": None}, "The required value 'group_id' is missing."),
    ({"group": "not_existing"}, "No lookup value found for 'group': \"not_existing\""),
    ({"state": "nope"}, "No lookup value found for 'state': \"nope\""),
    ({"priority_id": 99}, "No lookup value found for 'priority': 99"),
    ({"customer": "nobody@example.com"}, "No lookup value found for 'customer': \"nobody@example.com\""),
    ({"customer": None}, "The required value 'customer_id' is missing."),
    ({"title": ""}, "Missing required value for field 'title'!"),
    ({"article": {}}, "Need at least an 'article body' field."),
    ({"article": {"body": " \n "}}, "Need at least an 'article body' field."),
    ({"article": None}, "article hash is missing"),
    ({"owner_id": 0}, "Invalid value for param 'owner_id': 0"),
    ({"owner_id": 99999}, "Invalid value for param 'owner_id': 99999"),
    ({"article": {"body": "x", "attachments": [{"filename": "a.txt", "data": "aGVsbG8="}]}},
     "Attachment needs 'mime-type' param for attachment with index '0'"),
    ({"article": {"body": "x", "attachments": [{"mime-type": "text/plain", "data": "aGVsbG8="}]}},
     "Attachment needs 'filename' param for attachment with index '0'"),
    ({"article": {"body": "x", "attachments": [{"filename": "a", "mime-type": "text/plain", "data": "!!"}]}},
     "Invalid base64 for attachment with index '0'"),
    ({"article": {"body": "x", "attachments": [{"filename": "a", "mime-type": "text/plain", "data": "aGVsbG8"}]}},
     "Invalid base64 for attachment with index '0'"),
])
def test_create_errors(api, overrides, message):
    before = api.get("/api/v1/tickets").json
    reply = new_ticket(api, **overrides)
    assert reply.status == 422, reply
    assert reply.json == {"error": message, "error_human": message}
    assert api.get("/api/v1/tickets").json == before


def test_wrong_types_are_422_not_500(api):
    for overrides in ({"title": {"a": 1}}, {"group": None, "group_id": "abc"}, {"article": "text"}, {"preferences": []},
                      {"article": {"body": "x", "internal": "maybe"}}, {"article": {"body": ["x"]}}):
        reply = new_ticket(api, **overrides)
        assert reply.status == 422, (overrides, reply)
        assert "error" in reply.json


def test_invalid_json_and_non_object(api):
    assert api.post("/api/v1/tickets", raw=b"{nope").status == 422
    assert api.post("/api/v1/tickets", raw=b"[1, 2]").status == 422
    deep = b"[" * 100 + b"]" * 100
    assert api.post("/api/v1/tickets", raw=deep).status == 422


def test_attachment_with_line_breaks_and_download(api):
    data = base64.encodebytes(b"x" * 200).decode()  # base64 with line breaks, as mail clients send it
    reply = new_ticket(api, article={"body": "see attached", "attachments": [
        {"filename": "report.txt", "data": data, "mime-type": "text/plain"}]})
    assert reply.status == 201, reply
    ticket_id = reply.json["id"]
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}").json[0]
    attachment = article["attachments"][0]
    assert attachment["filename"] == "report.txt" and attachment["size"] == "200"
    assert attachment["preferences"]["Mime-Type"] == "text/plain"
    download = api.get(f"/api/v1/ticket_attachment/{ticket_id}/{article['id']}/{attachment['id']}")
    assert download.status == 200
    assert download.body == b"x" * 200
    assert download.headers["content-type"] == "text/plain"
    assert download.headers["content-disposition"] == \
        "attachment; filename=\"report.txt\"; filename*=UTF-8''report.txt"
    assert download.headers["x-content-type-options"] == "nosniff"


def test_html_is_never_served_inline(api):
    payload = base64.b64encode(b"<script>alert(1)</script>").decode()
    reply = new_ticket(api, article={"body": "x", "attachments": [
        {"filename": "evil.html", "data": payload, "mime-type": "text/html"}]})
    ticket_id = reply.json["id"]
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}").json[0]
    url = f"/api/v1/ticket_attachment/{ticket_id}/{article['id']}/{article['attachments'][0]['id']}"
    download = api.get(url + "?disposition=inline")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-security-policy"] == "default-src 'none'"
    assert api.get(url + "?disposition=evil").status == 403


def test_inline_images_become_attachments(api):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    body = f'<b>some</b> message with inline image <img src="data:image/png;base64,{png}">'
    reply = new_ticket(api, article={"content_type": "text/html", "subject": "s", "body": body})
    assert reply.status == 201, reply
    ticket_id = reply.json["id"]
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket_id}").json[0]
    assert "data:image" not in article["body"]
    assert f"/api/v1/ticket_attachment/{ticket_id}/{article['id']}/" in article["body"]
    assert article["attachments"] == []  # linked from the body, as Zammad lists them
    url = article["body"].split('src="')[1].split('"')[0]
    image = api.get(url)
    assert image.status == 200 and image.body == b"\x89PNG\r\n\x1a\nfake"
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline;")


def test_show_plain_expand_full_all(api):
    ticket_id = new_ticket(api).json["id"]
    plain = api.get(f"/api/v1/tickets/{ticket_id}").json
    assert list(plain) == ZAMMAD_TICKET_KEYS
    expanded = api.get(f"/api/v1/tickets/{ticket_id}?expand=true").json
    assert expanded["group"] == "Users" and expanded["state"] == "new" and expanded["priority"] == "2 normal"
    assert expanded["owner"] == "-" and expanded["customer"] == "nicole.braun@example.com"
    assert expanded["organization"] == "Demo Company" and expanded["created_by"] == "admin@example.com"
    assert expanded["create_article_type"] == "note" and expanded["create_article_sender"] == "Agent"
    full = api.get(f"/api/v1/tickets/{ticket_id}?full=true").json
    assert full["id"] == ticket_id
    assert full["assets"]["Ticket"][str(ticket_id)]["title"] == "Help me!"
    assert "password_hash" not in str(full) and "scrypt" not in str(full)
    assert set(full["assets"]) >= {"Ticket", "User", "Group", "TicketState", "TicketPriority", "Organization"}
    everything = api.get(f"/api/v1/tickets/{ticket_id}?all=true").json
    assert everything["ticket_id"] == ticket_id and len(everything["ticket_article_ids"]) == 1
    assert str(everything["ticket_article_ids"][0]) in everything["assets"]["TicketArticle"]


def test_show_missing_ticket(api):
    for path in ("/api/v1/tickets/999999", "/api/v1/tickets/abc"):
        reply = api.get(path)
        assert reply.status == 404
    assert api.get("/api/v1/tickets/999999").json["error"] == "Couldn't find Ticket with 'id'=999999"


def test_list_pages_are_exact(api):
    for index in range(5):
        assert new_ticket(api, title=f"page test {index}").status == 201
    everything = api.get("/api/v1/tickets?per_page=100").json
    ids = [t["id"] for t in everything]
    assert ids == sorted(ids) and len(ids) == 7  # two demo tickets + five
    page1 = api.get("/api/v1/tickets?page=1&per_page=3").json
    page3 = api.get("/api/v1/tickets?page=3&per_page=3").json
    assert [t["id"] for t in page1] == ids[:3] and [t["id"] for t in page3] == ids[6:]
    assert api.get("/api/v1/tickets?page=4&per_page=3").json == []
    assert len(api.get("/api/v1/tickets?per_page=1000").json) == 7  # capped at 100, not refused
    full = api.get("/api/v1/tickets?per_page=2&full=true").json
    assert full["record_ids"] == ids[:2] and set(full["assets"]["Ticket"]) == {str(i) for i in ids[:2]}
    expanded = api.get("/api/v1/tickets?per_page=2&expand=true").json
    assert expanded[0]["group"] == "Users"


def test_bad_paging_params_are_422(api):
    assert api.get("/api/v1/tickets?page=abc").status == 422
    assert api.get("/api/v1/tickets?page=-3&per_page=2").status == 200  # clamped like Zammad


def test_search(api):
    target = new_ticket(api, title="Printer xerox on fire", article={"body": "smoke everywhere"}).json
    new_ticket(api, title="Coffee machine")
    found = api.get("/api/v1/tickets/search?query=xerox&limit=10").json
    assert [t["id"] for t in found] == [target["id"]]
    assert [t["id"] for t in api.get("/api/v1/tickets/search?query=smoke").json] == [target["id"]]
    assert [t["id"] for t in api.get(f"/api/v1/tickets/search?query=number:{target['number']}").json] == [
        target["id"]]
    assert api.get("/api/v1/tickets/search?query=nonexistentword").json == []
    full = api.get("/api/v1/tickets/search?query=printer&full=true").json
    assert set(full) == {"record_ids", "assets", "total_count"}
    assert full["total_count"] == 2 and full["record_ids"][0] == target["id"]  # newest first
    ordered = api.get("/api/v1/tickets/search?query=printer&sort_by=title&order_by=asc").json
    assert [t["title"] for t in ordered] == sorted(t["title"] for t in ordered)
    page2 = api.get("/api/v1/tickets/search?query=printer&per_page=1&page=2").json
    assert len(page2) == 1 and page2[0]["id"] != target["id"]
    expanded = api.get("/api/v1/tickets/search?query=xerox&expand=true").json
    assert expanded[0]["state"] == "new"


def test_update_by_names_and_partial(api):
    ticket = new_ticket(api).json
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"id": ticket["id"], "title": "Help me now!",
                                                         "state": "open", "priority": "3 high"})
    assert reply.status == 200, reply
    assert (reply.json["title"], reply.json["state_id"], reply.json["priority_id"]) == ("Help me now!", 2, 3)
    assert reply.json["updated_at"] >= ticket["updated_at"]
    partial = api.put(f"/api/v1/tickets/{ticket['id']}", {"title": "Only the title"}).json
    assert partial["state_id"] == 2 and partial["title"] == "Only the title"


def test_update_with_article_and_attachment(api):
    ticket = new_ticket(api).json
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"article": {
        "subject": "some subject of update", "body": "some message of update",
        "attachments": [{"filename": "a.txt", "data": "aGVsbG8=", "mime-type": "text/plain"}]}})
    assert reply.status == 200, reply
    assert reply.json["article_count"] == 2 and len(reply.json["article_ids"]) == 2
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}").json
    assert articles[1]["body"] == "some message of update" and articles[1]["attachments"][0]["size"] == "5"


def test_update_errors(api):
    ticket = new_ticket(api).json
    assert api.put(f"/api/v1/tickets/{ticket['id']}", {"state": "bogus"}).json["error"] == \
        "No lookup value found for 'state': \"bogus\""
    assert api.put("/api/v1/tickets/999999", {"title": "x"}).status == 404
    assert api.put(f"/api/v1/tickets/{ticket['id']}", {"article": {"subject": "no body"}}).status == 422
    assert api.get(f"/api/v1/tickets/{ticket['id']}").json["article_count"] == 1


def test_delete_is_admin_only(api):
    ticket = new_ticket(api).json
    denied = api.delete(f"/api/v1/tickets/{ticket['id']}", who="agent")
    assert denied.status == 403
    assert denied.json["error"] == "Not authorized (admin permission required)!"
    assert api.delete(f"/api/v1/tickets/{ticket['id']}", who="customer").status == 403
    assert api.delete(f"/api/v1/tickets/{ticket['id']}").json == {}
    assert api.get(f"/api/v1/tickets/{ticket['id']}").status == 404
    assert api.get(f"/api/v1/tickets/search?query=number:{ticket['number']}").json == []
    assert api.delete(f"/api/v1/tickets/{ticket['id']}").status == 404


def test_pending_time_time_unit_and_message_id(api):
    ticket = new_ticket(api, state="pending reminder", pending_time="2030-01-02T03:04:05+02:00").json
    assert ticket["pending_time"] == "2030-01-02T01:04:05.000Z"
    assert new_ticket(api, pending_time="tomorrow").json["error"] == \
        "Invalid value for param 'pending_time': tomorrow"
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"article": {"body": "worked", "time_unit": "12"}})
    assert reply.json["time_unit"] == "12.0"
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"article": {"body": "more", "time_unit": 3.5}})
    assert reply.json["time_unit"] == "15.5"
    assert api.put(f"/api/v1/tickets/{ticket['id']}", {"article": {"body": "x", "time_unit": "lots"}}).status == 422
    article = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["id"], "body": "m",
                                                   "message_id": "<abc@example.com>"}).json
    assert article["message_id_md5"] == "a5ddd17199fb031f9d4636e7cc7b0ab6"


def test_form_encoded_bodies_as_rails_reads_them(api):
    form = ("title=Form+ticket&group=Users&customer=nicole.braun%40example.com&article[body]=from+a+form"
            "&article[attachments][][filename]=a.txt&article[attachments][][data]=aGVsbG8%3D"
            "&article[attachments][][mime-type]=text%2Fplain"
            "&article[attachments][][filename]=b.txt&article[attachments][][data]=d29ybGQ%3D"
            "&article[attachments][][mime-type]=text%2Fplain")
    reply = api.post("/api/v1/tickets", raw=form.encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 201, reply
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{reply.json['id']}").json[0]
    assert article["body"] == "from a form"
    assert [a["filename"] for a in article["attachments"]] == ["a.txt", "b.txt"]
    as_json = api.post("/api/v1/tickets", raw=b'{"title": "curl -d", "group": "Users", "customer_id": 4, '
                                              b'"article": {"body": "x"}}',
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert as_json.status == 201, as_json


def test_any_filename_downloads(api):
    name = 'Bericht "Q3" \u6587\u4ef6\r\n.txt'
    reply = new_ticket(api, article={"body": "x", "attachments": [
        {"filename": name, "data": "aGVsbG8=", "mime-type": "text/plain"}]})
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{reply.json['id']}").json[0]
    assert article["attachments"][0]["filename"] == name
    download = api.get(f"/api/v1/ticket_attachment/{reply.json['id']}/{article['id']}/{article['attachments'][0]['id']}")
    assert download.status == 200 and download.body == b"hello"
    header = download.headers["content-disposition"]
    assert header.startswith('attachment; filename="Bericht _Q3_ ') and "\r" not in header and "\n" not in header
    assert header.endswith("filename*=UTF-8''Bericht%20%22Q3%22%20%E6%96%87%E4%BB%B6%0D%0A.txt")


def test_garbage_bearer_and_revoke_are_not_server_errors(api):
    reply = api.client.http.post("/oauth/revoke", headers={"Content-Type": "application/json"},
                                 body='{"token": "\\ud800"}'.encode())
    assert reply.status_code == 200
