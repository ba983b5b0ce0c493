"""An OTRS 7 customer portal's session against the real local server over real HTTP (requests), with
an agent answering through the real Zammad client: what a portal built for OTRS 7 would do."""
from __future__ import annotations

from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def portal(live_server: Any) -> dict[str, Any]:
    base = live_server.base_url.split("/api/")[0] + "/api/customer"
    creds = live_server.customer
    login = requests.post(f"{base}/auth/login", json={"Username": creds["email"], "Password": creds["password"]},
                          timeout=30)
    assert login.status_code == 200 and login.headers["X-OTRS-API-Version"] == "1.0.0", login.text
    return {"base": base, "headers": {"Authentication": f"Bearer {login.json()['Token']}"}}


def test_a_portal_ticket_with_an_upload_answered_by_an_agent(portal: dict[str, Any], agent: Any) -> None:
    base, headers = portal["base"], portal["headers"]
    form = "e2e-form-1@localhost"
    uploaded = requests.post(f"{base}/upload/{form}", headers=headers, timeout=30,
                             files={"Upload": ("screenshot.png", b"\x89PNG e2e bytes", "image/png")})
    assert uploaded.status_code == 200 and uploaded.json()["FileID"] == 1, uploaded.text
    created = requests.post(f"{base}/ticket", headers=headers, timeout=30, json={
        "Title": "Portal e2e", "Body": "The screen stays black.", "FormID": form})
    assert created.status_code == 200, created.text
    number = created.json()["TicketNumber"]
    details = requests.get(f"{base}/ticket/number/{number}", headers=headers, timeout=30)
    assert details.status_code == 200, details.text
    ticket = details.json()["Ticket"]
    assert ticket["Title"] == "Portal e2e" and ticket["TicketNumber"] == number
    first = ticket["Articles"][0]
    assert [a["Filename"] for a in first["Attachments"]] == ["screenshot.png"]

    # the agent answers through /api/v1 with the real Zammad client
    agent.ticket_article.create({"ticket_id": ticket["TicketID"], "body": "Please restart it.", "type": "email",
                                 "internal": False})
    agent.ticket_article.create({"ticket_id": ticket["TicketID"], "body": "agents only e2e", "type": "note",
                                 "internal": True})
    again = requests.get(f"{base}/ticket/id/{ticket['TicketID']}", headers=headers, timeout=30).json()["Ticket"]
    bodies = [a["Body"] for a in again["Articles"]]
    assert "Please restart it." in bodies and "agents only e2e" not in bodies
    notifications = requests.get(f"{base}/personal-notifications/list", headers=headers, timeout=30).json()
    assert any(n["Content"]["ObjectID"] == ticket["TicketID"] for n in notifications["List"])

    # the attachment through the httpOnly cookie, as a browser's <img> would load it
    cookie = requests.get(f"{base}/auth/cookie", headers=headers, timeout=30)
    jar = cookie.headers["Set-Cookie"].split(";", 1)[0]
    url = f"{base}/ticket/{ticket['TicketID']}/article/{first['ArticleID']}/attachment/{first['Attachments'][0]['FileID']}"
    download = requests.get(url, headers={"Cookie": jar}, timeout=30)
    assert download.status_code == 200 and download.content == b"\x89PNG e2e bytes"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_the_custom_900_status_over_real_http(portal: dict[str, Any], live_server: Any) -> None:
    """chalice local passes OTRS's custom status as it is (behind API Gateway it is 422 + a header)."""
    taken = requests.post(f"{portal['base']}/account/register", timeout=30, json={
        "EmailAddress": live_server.customer["email"], "FirstName": "A", "LastName": "B"})
    assert taken.status_code == 900, taken.text
    assert taken.json()[0]["ErrorIdentifier"] == "EmailAddressAlreadyExists"
    assert taken.headers["X-OTRS-API-Version"] == "1.0.0"


def test_logout_ends_the_token(live_server: Any) -> None:
    base = live_server.base_url.split("/api/")[0] + "/api/customer"
    creds = live_server.customer
    token = requests.post(f"{base}/auth/login", json={"Username": creds["email"], "Password": creds["password"]},
                          timeout=30).json()["Token"]
    headers = {"Authentication": f"Bearer {token}"}
    assert requests.get(f"{base}/account", headers=headers, timeout=30).status_code == 200
    assert requests.post(f"{base}/auth/logout", headers=headers, timeout=30).status_code == 200
    refused = requests.get(f"{base}/account", headers=headers, timeout=30)
    assert refused.status_code == 401 and refused.json() == {"Error": "Bad token."}


def test_head_sends_the_get_headers_and_no_body_on_a_kept_alive_connection(portal: dict[str, Any]) -> None:
    """The dev server answers HEAD with the GET's Content-Length and nothing after the headers: the next
    request on the same connection is read cleanly."""
    base, headers = portal["base"], portal["headers"]
    form = "e2e-head@localhost"
    requests.post(f"{base}/upload/{form}", headers=headers, timeout=30, files={"Upload": ("a.txt", b"12345", "text/plain")})
    number = requests.post(f"{base}/ticket", headers=headers, timeout=30, json={
        "Title": "HEAD e2e", "Body": "x", "FormID": form}).json()["TicketNumber"]
    ticket = requests.get(f"{base}/ticket/number/{number}", headers=headers, timeout=30).json()["Ticket"]
    article = ticket["Articles"][0]
    url = f"{base}/ticket/{ticket['TicketID']}/article/{article['ArticleID']}/attachment/{article['Attachments'][0]['FileID']}"
    with requests.Session() as session:
        head = session.head(url, headers=headers, timeout=30)
        assert head.status_code == 200 and head.headers["Content-Length"] == "5" and head.content == b""
        missing = session.head(url + "9", headers=headers, timeout=30)
        assert missing.status_code in (403, 404) and missing.content == b""
        after = session.get(url, headers=headers, timeout=30)
        assert after.status_code == 200 and after.content == b"12345"
