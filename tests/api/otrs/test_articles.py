"""/api/customer/ticket/{TicketID}/article...: follow-ups, article data, attachments (GET/HEAD, download),
the sanitised body, flags (seed 000 OTRS-19..26), and the round trips with agents in /api/v1."""
from __future__ import annotations

import base64
from typing import Any

import pytest

from chalicelib.core.text import sanitize_html, text_as_html
from tests.api.otrs.conftest import Otrs
from tests.api.zammad.test_tickets import new_ticket
from tests.conftest import Api

ARTICLE_KEYS = {
    "ArticleID", "TicketID", "ArticleNumber", "SenderType", "SenderTypeID", "CommunicationChannel",
    "CommunicationChannelID", "IsVisibleForCustomer", "From", "To", "Cc", "ReplyTo", "Subject", "Body",
    "ContentType", "MimeType", "Charset", "MessageID", "InReplyTo", "References", "IncomingTime", "CreateTime",
    "ChangeTime", "Attachments"}
ATTACHMENT_KEYS = {"FileID", "Filename", "ContentType", "FilesizeRaw", "Filesize", "ContentID", "Disposition"}
DENIED = {"Error": "Access denied."}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
BINARY = {"Accept": "*/*"}  # what browsers send for downloads; chalice wants it for binary answers


def customer_ticket(api: Api, who: str = "agent", **overrides: Any) -> dict[str, Any]:
    """A ticket of the demo customer, opened in /api/v1 (by the agent unless `who`)."""
    reply = new_ticket(api, who=who, **overrides)
    assert reply.status == 201, reply
    return reply.json


def agent_article(api: Api, ticket_id: int, body: str = "Please restart it.", **fields: Any) -> dict[str, Any]:
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket_id, "subject": "Re: printer", "body": body,
                                                 "type": "email", "to": "nicole.braun@example.com", **fields},
                     who="agent")
    assert reply.status == 201, reply
    return reply.json


def upload(name: str, data: bytes, mime: str) -> dict[str, str]:
    return {"filename": name, "data": base64.b64encode(data).decode(), "mime-type": mime}


@pytest.fixture()
def ticket(api: Api) -> dict[str, Any]:
    return customer_ticket(api)


def other_customers_ticket(api: Api) -> dict[str, Any]:
    other = api.post("/api/v1/users", {"firstname": "Otto", "lastname": "Other", "email": "otto@elsewhere.example",
                                       "roles": ["Customer"]})
    assert other.status == 201, other
    return customer_ticket(api, customer=other.json["email"])


# --- POST /ticket/{TicketID}/article ---------------------------------------------------------------

def test_follow_up_is_the_agents_article_in_api_v1(otrs: Otrs, api: Api, ticket: dict) -> None:
    reply = otrs.post(f"/ticket/{ticket['id']}/article", {"Subject": "Still broken", "Body": "It shows E42 again."})
    assert reply.status == 200, reply
    assert set(reply.json) == {"ArticleID", "NextScreenAfterFollowUp"}
    assert reply.json["NextScreenAfterFollowUp"] == "TicketOverview"
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    seen_by_agent = api.get(f"/api/v1/ticket_articles/{reply.json['ArticleID']}", who="agent").json
    assert (seen_by_agent["ticket_id"], seen_by_agent["subject"], seen_by_agent["body"]) == \
        (ticket["id"], "Still broken", "It shows E42 again.")
    assert (seen_by_agent["sender"], seen_by_agent["type"], seen_by_agent["internal"]) == ("Customer", "web", False)
    assert seen_by_agent["content_type"] == "text/plain"
    assert seen_by_agent["from"] == "Nicole Braun <nicole.braun@example.com>"


def test_follow_up_with_form_uploads_carries_them_as_attachments(otrs: Otrs, api: Api, ticket: dict) -> None:
    from chalicelib import bootstrap
    container = bootstrap.container()
    customer = container.authenticator.otrs_customer({"authentication": f"Bearer {otrs.login()}"})
    container.uploads.add(customer, "form-1@localhost", "screen.png", "image/png", PNG)
    reply = otrs.post(f"/ticket/{ticket['id']}/article", {"Subject": "Photo", "Body": "See the screen.",
                                                          "FormID": "form-1@localhost"})
    assert reply.status == 200, reply
    article = api.get(f"/api/v1/ticket_articles/{reply.json['ArticleID']}", who="agent").json
    assert [(a["filename"], a["size"]) for a in article["attachments"]] == [("screen.png", str(len(PNG)))]
    url = f"/api/v1/ticket_attachment/{ticket['id']}/{article['id']}/{article['attachments'][0]['id']}"
    assert api.get(url, who="agent").body == PNG
    assert container.uploads.files(customer, "form-1@localhost") == []  # the form is emptied


@pytest.mark.parametrize("body, field", [
    ({"Body": "no subject"}, "Subject"),
    ({"Subject": "  ", "Body": "blank subject"}, "Subject"),
    ({"Subject": "no body"}, "Body"),
    ({"Subject": "s", "Body": 42}, "Body"),
    ({"Subject": "s", "Body": "b", "NextStateID": 3}, "NextStateID"),     # pending reminder: agents' choice
    ({"Subject": "s", "Body": "b", "NextStateID": 5}, "NextStateID"),     # merged
    ({"Subject": "s", "Body": "b", "NextStateID": 1}, "NextStateID"),     # new
    ({"Subject": "s", "Body": "b", "NextStateID": 999}, "NextStateID"),
    ({"Subject": "s", "Body": "b", "NextStateID": "open"}, "NextStateID"),
    ({"Subject": "s", "Body": "b", "PriorityID": 999}, "PriorityID"),
    ({"Subject": "s", "Body": "b", "PriorityID": -1}, "PriorityID"),
    ({"Subject": "s", "Body": "b", "FormID": 12}, "FormID"),
])
def test_invalid_follow_ups_are_422_on_the_field(otrs: Otrs, api: Api, ticket: dict, body: dict, field: str) -> None:
    reply = otrs.post(f"/ticket/{ticket['id']}/article", body)
    assert reply.status == 422, reply
    assert list(reply.json["Errors"]) == [field] and reply.json["Errors"][field]["Message"]
    assert len(api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}", who="agent").json) == 1


def test_next_state_and_priority_apply(otrs: Otrs, api: Api, ticket: dict) -> None:
    reply = otrs.post(f"/ticket/{ticket['id']}/article",
                      {"Subject": "Solved", "Body": "Works now, thanks.", "NextStateID": "4", "PriorityID": 3})
    assert reply.status == 200, reply
    after = api.get(f"/api/v1/tickets/{ticket['id']}", who="agent").json
    assert (after["state_id"], after["priority_id"]) == (4, 3)


def test_follow_up_reopens_a_closed_ticket(otrs: Otrs, api: Api) -> None:
    ticket = customer_ticket(api, state="closed")
    assert ticket["state_id"] == 4  # closed
    reply = otrs.post(f"/ticket/{ticket['id']}/article", {"Subject": "Again", "Body": "It broke again."})
    assert reply.status == 200, reply
    assert api.get(f"/api/v1/tickets/{ticket['id']}", who="agent").json["state_id"] == 2  # open


def test_follow_up_in_a_queue_without_follow_ups_is_403_and_changes_nothing(otrs: Otrs, api: Api) -> None:
    group = api.post("/api/v1/groups", {"name": "Archive", "follow_up_possible": "new_ticket"})
    assert group.status == 201, group
    ticket = customer_ticket(api, group="Archive", state="closed", who="admin")
    assert ticket["state_id"] == 4
    for body in ({"Subject": "Again", "Body": "It broke again."},
                 {"Subject": "Again", "Body": "Reopen it myself.", "NextStateID": 2}):  # no way round it
        reply = otrs.post(f"/ticket/{ticket['id']}/article", body)
        assert reply.status == 403 and reply.json == {"Error": "Can't reopen ticket, not possible in this queue!"}
    after = api.get(f"/api/v1/tickets/{ticket['id']}").json
    assert after["state_id"] == 4 and after["article_count"] == 1  # still closed, no article


def test_follow_up_on_tickets_not_the_customers_is_403(otrs: Otrs, api: Api) -> None:
    foreign = other_customers_ticket(api)
    for ticket_id in (foreign["id"], 999_999):  # someone else's, and none at all: the same answer
        reply = otrs.post(f"/ticket/{ticket_id}/article", {"Subject": "Mine?", "Body": "Let me in."})
        assert reply.status == 403 and reply.json == DENIED
    assert api.get(f"/api/v1/tickets/{foreign['id']}").json["article_count"] == 1
    assert otrs.post("/ticket/abc/article", {"Subject": "s", "Body": "b"}).json["Errors"].keys() == {"TicketID"}


def test_follow_up_that_cannot_be_saved_is_e900(otrs: Otrs, ticket: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core.errors import Conflict
    from chalicelib.core.tickets import TicketService

    def always_conflicting(*args: Any, **kwargs: Any) -> Any:
        raise Conflict("The ticket was changed by someone else at the same time, please retry.")
    monkeypatch.setattr(TicketService, "update", always_conflicting)
    reply = otrs.post(f"/ticket/{ticket['id']}/article", {"Subject": "s", "Body": "b"})
    assert reply.status == 900
    assert reply.json == [{"ErrorIdentifier": "CouldNotCreateArticle",
                           "ErrorMessage": "The system was unable to create the article."}]


def test_agents_are_refused(otrs: Otrs, ticket: dict) -> None:
    from chalicelib import bootstrap
    from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
    container = bootstrap.container()
    token, _ = container.authenticator.issue_jwt(container.user_store.by_email("agent@example.com"),
                                                 OTRS_CUSTOMER_AUDIENCE)
    reply = otrs.post(f"/ticket/{ticket['id']}/article", {"Subject": "s", "Body": "b"}, who=None,
                      headers={"Authentication": f"Bearer {token}"})
    assert reply.status == 403 and reply.json == DENIED


# --- GET /ticket/{TicketID}/article/{ArticleID} ----------------------------------------------------

def test_an_agents_reply_is_shown_with_otrs_fields(otrs: Otrs, api: Api, ticket: dict) -> None:
    reply_article = agent_article(api, ticket["id"],
                                  attachments=[upload("manual.pdf", b"%PDF-1.4 manual", "application/pdf")])
    reply = otrs.get(f"/ticket/{ticket['id']}/article/{reply_article['id']}")
    assert reply.status == 200, reply
    article = reply.json["Article"]
    assert set(article) == ARTICLE_KEYS
    assert (article["ArticleID"], article["TicketID"], article["ArticleNumber"]) == \
        (reply_article["id"], ticket["id"], 2)
    assert (article["SenderType"], article["SenderTypeID"]) == ("agent", 1)
    assert (article["CommunicationChannel"], article["CommunicationChannelID"]) == ("Email", 1)
    assert (article["Subject"], article["Body"], article["IsVisibleForCustomer"]) == \
        ("Re: printer", "Please restart it.", 1)
    assert (article["MimeType"], article["ContentType"], article["Charset"]) == \
        ("text/plain", "text/plain; charset=utf-8", "utf-8")
    assert article["To"] == "nicole.braun@example.com"
    assert article["CreateTime"] == reply_article["created_at"][:10] + " " + reply_article["created_at"][11:19]
    [attachment] = article["Attachments"]
    assert set(attachment) == ATTACHMENT_KEYS
    assert attachment == {"FileID": reply_article["attachments"][0]["id"], "Filename": "manual.pdf",
                          "ContentType": "application/pdf", "FilesizeRaw": 15, "Filesize": "15 B", "ContentID": "",
                          "Disposition": "attachment"}


def test_html_articles_give_their_text_as_body(otrs: Otrs, api: Api, ticket: dict) -> None:
    article = agent_article(api, ticket["id"], body="<p>Restart <b>it</b>.</p>", content_type="text/html")
    shown = otrs.get(f"/ticket/{ticket['id']}/article/{article['id']}").json["Article"]
    assert shown["MimeType"] == "text/html" and shown["Body"] == "Restart it."


def test_avatar_and_dynamic_fields_on_request(otrs: Otrs, ticket: dict) -> None:
    first = ticket["article_ids"][0]
    plain = otrs.get(f"/ticket/{ticket['id']}/article/{first}").json["Article"]
    extra = otrs.get(f"/ticket/{ticket['id']}/article/{first}?Avatar=1&DynamicFields=1").json["Article"]
    assert "Avatar" not in plain and "DynamicFields" not in plain
    assert extra["Avatar"] == {"Initials": "AS", "Image": None} and extra["DynamicFields"] == []
    bad = otrs.get(f"/ticket/{ticket['id']}/article/{first}?Avatar=yes-please")
    assert bad.status == 422 and list(bad.json["Errors"]) == ["Avatar"]


def test_articles_the_customer_may_not_read_are_403(otrs: Otrs, api: Api, ticket: dict) -> None:
    internal = agent_article(api, ticket["id"], body="secret", internal=True, type="note")
    foreign = other_customers_ticket(api)
    other = customer_ticket(api)
    for path in (f"/ticket/{ticket['id']}/article/{internal['id']}",              # internal note
                 f"/ticket/{foreign['id']}/article/{foreign['article_ids'][0]}",  # someone else's ticket
                 f"/ticket/{ticket['id']}/article/{other['article_ids'][0]}",     # her article, another ticket
                 f"/ticket/{ticket['id']}/article/999999"):                       # no such article
        reply = otrs.get(path)
        assert reply.status == 403 and reply.json == DENIED, path
    assert otrs.get(f"/ticket/{ticket['id']}/article/x").json["Errors"].keys() == {"ArticleID"}


# --- attachments ----------------------------------------------------------------------------------

@pytest.fixture()
def with_files(api: Api, ticket: dict) -> dict[str, Any]:
    article = agent_article(api, ticket["id"], attachments=[
        upload("report.pdf", b"%PDF-1.4 report", "application/pdf"), upload("screen.png", PNG, "image/png"),
        upload("page.html", b"<script>alert(1)</script>", "text/html")])
    files = {a["filename"]: a["id"] for a in article["attachments"]}
    return {"ticket": ticket["id"], "article": article["id"], **files}


def attachment_path(f: dict[str, Any], name: str, suffix: str = "") -> str:
    return f"/ticket/{f['ticket']}/article/{f['article']}/attachment/{f[name]}{suffix}"


def test_attachment_bytes_with_type_and_disposition(otrs: Otrs, with_files: dict) -> None:
    pdf = otrs.get(attachment_path(with_files, "report.pdf"), headers=BINARY)
    assert pdf.status == 200 and pdf.body == b"%PDF-1.4 report"
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment; filename=\"report.pdf\"")
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["x-otrs-api-version"] == "1.0.0"
    png = otrs.get(attachment_path(with_files, "screen.png"), headers=BINARY)
    assert png.body == PNG and png.headers["content-disposition"].startswith("inline;")
    html = otrs.get(attachment_path(with_files, "page.html"), headers=BINARY)
    assert html.headers["content-disposition"].startswith("attachment;")  # never HTML in place
    assert "sandbox" in html.headers["content-security-policy"]


@pytest.mark.parametrize("download, disposition", [("/1", "attachment"), ("/true", "attachment"), ("/0", "inline")])
def test_the_download_variant_always_downloads(otrs: Otrs, with_files: dict, download: str, disposition: str) -> None:
    reply = otrs.get(attachment_path(with_files, "screen.png", download), headers=BINARY)
    assert reply.status == 200 and reply.body == PNG
    assert reply.headers["content-disposition"].split(";")[0] == disposition


def test_head_gives_the_headers_without_the_bytes(otrs: Otrs, with_files: dict) -> None:
    for suffix in ("", "/1"):
        got = otrs.get(attachment_path(with_files, "report.pdf", suffix), headers=BINARY)
        head = otrs.request("HEAD", attachment_path(with_files, "report.pdf", suffix), headers=BINARY)
        assert head.status == 200 and head.body in (b"", "")
        for name in ("content-type", "content-disposition", "x-content-type-options", "x-otrs-api-version"):
            assert head.headers[name] == got.headers[name]
        assert head.headers["content-length"] == str(len(b"%PDF-1.4 report"))


def test_attachment_errors(otrs: Otrs, api: Api, with_files: dict) -> None:
    missing = otrs.get(f"/ticket/{with_files['ticket']}/article/{with_files['article']}/attachment/999999",
                       headers=BINARY)
    assert missing.status == 404 and missing.json == {"Error": "Attachment not found."}
    internal = agent_article(api, with_files["ticket"], internal=True, type="note",
                             attachments=[upload("secret.txt", b"secret", "text/plain")])
    hidden = otrs.get(f"/ticket/{with_files['ticket']}/article/{internal['id']}/attachment/"
                      f"{internal['attachments'][0]['id']}", headers=BINARY)
    assert hidden.status == 403 and hidden.json == DENIED
    wrong_ticket = customer_ticket(api)["id"]
    moved = otrs.get(f"/ticket/{wrong_ticket}/article/{with_files['article']}/attachment/{with_files['report.pdf']}",
                     headers=BINARY)
    assert moved.status == 403 and moved.json == DENIED
    head = otrs.request("HEAD", f"/ticket/{with_files['ticket']}/article/{internal['id']}/attachment/"
                                f"{internal['attachments'][0]['id']}", headers=BINARY)
    assert head.status == 403
    bad = otrs.get(attachment_path(with_files, "report.pdf", "/maybe"), headers=BINARY)
    assert bad.status == 422 and list(bad.json["Errors"]) == ["Download"]


def test_attachments_and_body_take_the_cookie_article_data_does_not(otrs: Otrs, with_files: dict) -> None:
    cookie = {"Cookie": f"AuthenticationCustomer={otrs.login()}", **BINARY}
    assert otrs.get(attachment_path(with_files, "report.pdf"), who=None, headers=cookie).status == 200
    body = f"/ticket/{with_files['ticket']}/article/{with_files['article']}/body"
    assert otrs.get(body, who=None, headers=cookie).status == 200
    data = otrs.get(f"/ticket/{with_files['ticket']}/article/{with_files['article']}", who=None, headers=cookie)
    assert data.status == 401 and data.json == {"Error": "Bad token."}


def test_an_article_written_here_is_downloadable_in_api_v1_and_back(otrs: Otrs, api: Api, ticket: dict) -> None:
    """Round trip: the agent's attachment downloads here byte for byte, as /api/v1 serves it."""
    article = agent_article(api, ticket["id"], attachments=[upload("log.txt", b"line 1\nline 2\n", "text/plain")])
    file_id = article["attachments"][0]["id"]
    here = otrs.get(f"/ticket/{ticket['id']}/article/{article['id']}/attachment/{file_id}", headers=BINARY)
    there = api.get(f"/api/v1/ticket_attachment/{ticket['id']}/{article['id']}/{file_id}", who="agent")
    assert here.body == there.body == b"line 1\nline 2\n"


# --- GET .../body -----------------------------------------------------------------------------------

def test_plain_body_is_escaped_in_pre(otrs: Otrs, api: Api, ticket: dict) -> None:
    article = agent_article(api, ticket["id"], body="if a < b && c > d:\n  <script>x()</script>")
    reply = otrs.get(f"/ticket/{ticket['id']}/article/{article['id']}/body", headers={"Accept": "text/html"})
    assert reply.status == 200
    assert reply.body == b"<pre>if a &lt; b &amp;&amp; c &gt; d:\n  &lt;script&gt;x()&lt;/script&gt;</pre>"
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["content-security-policy"].startswith("sandbox")
    assert reply.headers["x-otrs-api-version"] == "1.0.0"


def test_html_body_is_sanitised_and_inline_images_point_at_their_attachment(otrs: Otrs, api: Api,
                                                                            ticket: dict) -> None:
    image = base64.b64encode(PNG).decode()
    article = agent_article(api, ticket["id"], content_type="text/html", body=(
        f'<p onclick="steal()">Hello <img src="data:image/png;base64,{image}"></p>'
        '<script>steal()</script><iframe src="https://evil.example"></iframe>'
        '<a href="javascript:steal()">click</a>'))
    [inline] = otrs.get(f"/ticket/{ticket['id']}/article/{article['id']}").json["Article"]["Attachments"]
    assert inline["Disposition"] == "inline" and inline["ContentID"] and inline["FilesizeRaw"] == len(PNG)
    inline_id = inline["FileID"]
    reply = otrs.get(f"/ticket/{ticket['id']}/article/{article['id']}/body", headers={"Accept": "text/html"})
    html = reply.body.decode()
    assert html == (f'<p>Hello <img src="/api/customer/ticket/{ticket["id"]}/article/{article["id"]}/attachment/'
                    f'{inline_id}"></p><a>click</a>')


def test_body_of_an_invisible_article_is_403(otrs: Otrs, api: Api, ticket: dict) -> None:
    internal = agent_article(api, ticket["id"], body="secret", internal=True, type="note")
    reply = otrs.get(f"/ticket/{ticket['id']}/article/{internal['id']}/body", headers={"Accept": "text/html"})
    assert reply.status == 403 and reply.json == DENIED


# --- POST .../flag ----------------------------------------------------------------------------------

def test_seen_flag_clears_the_unread_marker(otrs: Otrs, api: Api, ticket: dict) -> None:
    from chalicelib import bootstrap
    container = bootstrap.container()
    customer = container.authenticator.otrs_customer({"authentication": f"Bearer {otrs.login()}"})
    flags = container.article_flags
    reply_article = agent_article(api, ticket["id"])
    current = container.tickets.get(customer, ticket["id"])
    assert flags.unseen(customer, current)  # the agent's opening article and reply are unread
    for article_id in (ticket["article_ids"][0], reply_article["id"]):
        reply = otrs.post(f"/ticket/{ticket['id']}/article/{article_id}/flag", {"Flag": "Seen", "Value": 1})
        assert reply.status == 200 and reply.json == {"Message": "Article flag set successfully."}
    assert not flags.unseen(customer, current)
    assert flags.get(customer, ticket["id"], reply_article["id"]) == {"Seen": "1"}
    agent_article(api, ticket["id"], body="One more thing.")
    assert flags.unseen(customer, container.tickets.get(customer, ticket["id"]))
    otrs.post(f"/ticket/{ticket['id']}/article", {"Subject": "ok", "Body": "my own words are never unread"})
    assert flags.unseen(customer, container.tickets.get(customer, ticket["id"]))  # still the agent's last one


@pytest.mark.parametrize("body, field", [
    ({"Value": "1"}, "Flag"), ({"Flag": "Seen"}, "Value"), ({"Flag": "Seen", "Value": ""}, "Value"),
    ({"Flag": "no spaces allowed", "Value": "1"}, "Flag"), ({"Flag": "Seen", "Value": "x" * 101}, "Value"),
    ({"Flag": ["Seen"], "Value": "1"}, "Flag"),
])
def test_invalid_flags_are_422(otrs: Otrs, ticket: dict, body: dict, field: str) -> None:
    reply = otrs.post(f"/ticket/{ticket['id']}/article/{ticket['article_ids'][0]}/flag", body)
    assert reply.status == 422 and list(reply.json["Errors"]) == [field], reply


def test_flags_on_articles_the_customer_may_not_read_are_403(otrs: Otrs, api: Api, ticket: dict) -> None:
    internal = agent_article(api, ticket["id"], body="secret", internal=True, type="note")
    foreign = other_customers_ticket(api)
    for path in (f"/ticket/{ticket['id']}/article/{internal['id']}/flag",
                 f"/ticket/{foreign['id']}/article/{foreign['article_ids'][0]}/flag",
                 f"/ticket/{ticket['id']}/article/999999/flag"):
        reply = otrs.post(path, {"Flag": "Seen", "Value": "1"})
        assert reply.status == 403 and reply.json == DENIED, path


# --- the sanitiser (core.text.sanitize_html) ----------------------------------------------------------

@pytest.mark.parametrize("dirty, clean", [
    ("<p>Hi <b>there</b></p>", "<p>Hi <b>there</b></p>"),
    ("<script>alert(1)</script>ok", "ok"),
    ("<SCRIPT>alert(1)</SCRIPT>ok", "ok"),
    ('<img src=x onerror="alert(1)">', '<img src="x">'),
    ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="java&#x09;script:alert(1)">x</a>', "<a>x</a>"),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="vbscript:x">x</a>', "<a>x</a>"),
    ('<a href="https://example.com/?a=1&b=2">x</a>',
     '<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer nofollow">x</a>'),
    ('<a href="mailto:a@example.com">mail</a>',
     '<a href="mailto:a@example.com" rel="noopener noreferrer nofollow">mail</a>'),
    ('<iframe src="https://evil.example">inner</iframe>after', "after"),
    ('<object data="x"><param name="a"></object><embed src="x">after', "after"),
    ('<form action="https://evil.example"><input name="pw"><button>Go</button>text</form>', "text"),
    ('<div style="color: red; width: expression(alert(1))">x</div>', '<div style="color: red">x</div>'),
    ('<div style="background: url(javascript:alert(1))">x</div>', "<div>x</div>"),
    ('<div style="color: rgb(1, 2, 3); -moz-binding: url(x)">x</div>', '<div style="color: rgb(1, 2, 3)">x</div>'),
    ('<p style="color:\\72 ed">x</p>', "<p>x</p>"),
    ("<svg><script>alert(1)</script><circle/></svg>after", "after"),
    ("<style>p { color: red }</style><p>x</p>", "<p>x</p>"),
    ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img>"),
    ('<img src="data:image/png;base64,iVBORw0KGgo=">', '<img src="data:image/png;base64,iVBORw0KGgo=">'),
    ("<b>unclosed <i>tags", "<b>unclosed <i>tags</i></b>"),
    ("</div>stray end", "stray end"),
    ("<!-- <script>x</script> -->text<![CDATA[x]]>", "text"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example">ok', "ok"),
    ("<p title='\"><script>'>quoted</p>", '<p title="&quot;&gt;&lt;script&gt;">quoted</p>'),
    ("1 &lt; 2 &amp; <b>&quot;bold&quot;</b>", '1 &lt; 2 &amp; <b>"bold"</b>'),
    ('<table border="1" onmouseover="x"><tr><td colspan="2" class="c">cell</td></tr></table>',
     '<table border="1"><tr><td colspan="2">cell</td></tr></table>'),
    ("<br/>line<hr>", "<br>line<hr>"),
])
def test_sanitiser(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def test_sanitiser_resolves_inline_images_and_drops_unknown_ones() -> None:
    html = '<img src="cid:a@x"><img src="cid:b@x" alt="gone">'
    assert sanitize_html(html, {"a@x": "/files/1"}.get) == '<img src="/files/1"><img alt="gone">'
    assert sanitize_html(html) == '<img><img alt="gone">'


def test_plain_text_as_html() -> None:
    assert text_as_html('a <b> & "c"\n') == '<pre>a &lt;b&gt; &amp; "c"\n</pre>'
