"""zammad_py's `OnlineNotification` resource against the real local server.

ZammadAPI has no property for it, so the resource is built on the client's connection, as its class allows.
"""
from __future__ import annotations

import pytest
from requests.exceptions import HTTPError
from zammad_py import ZammadAPI
from zammad_py.api import OnlineNotification

pytestmark = pytest.mark.e2e


def test_customer_ticket_reaches_the_agent_who_marks_and_deletes(agent, customer, client, live_server) -> None:
    ticket = customer.ticket.create({"title": "e2e notification", "group": "Users",
                                     "article": {"subject": "e2e", "body": "please help", "type": "web"}})
    notifications = OnlineNotification(connection=agent, per_page=50)
    listed = notifications.all()                     # zammad_py sends page, per_page and expand=true
    mine = [n for n in listed if n["o_id"] == ticket["id"]]
    assert len(mine) == 1
    note = mine[0]
    assert (note["type"], note["object"], note["seen"]) == ("create", "Ticket", False)
    assert note["user"] == live_server.agent["email"] and note["created_by"] == live_server.customer["email"]
    assert notifications.find(note["id"])["id"] == note["id"]
    assert notifications.update(note["id"], {"seen": True})["seen"] is True

    with pytest.raises(HTTPError) as refused:          # someone else's notification
        OnlineNotification(connection=client).find(note["id"])
    assert "Not authorized" in str(refused.value)
    with pytest.raises(HTTPError) as missing:
        notifications.find(999_999)
    assert "Couldn't find OnlineNotification" in str(missing.value)

    assert notifications.mark_all_read() == {}
    assert all(n["seen"] for n in notifications.all())
    assert notifications.destroy(note["id"]) == {}
    assert note["id"] not in [n["id"] for n in notifications.all()]
    # customers get no agent notifications; only the customer kinds (the OTRS personal notifications of
    # their tickets, which other tests of this server may have caused) can be theirs
    customer_kinds = {"agent_reply", "state_change"}
    assert [n for n in OnlineNotification(connection=customer).all() if n["type"] not in customer_kinds] == []


def test_paging_follows_zammad_py(agent, customer) -> None:
    for i in range(3):
        customer.ticket.create({"title": f"e2e paging {i}", "group": "Users",
                                "article": {"subject": "e2e", "body": "paging", "type": "web"}})
    notifications = OnlineNotification(connection=agent, per_page=2)
    first = notifications.all()
    assert len(first) == 2 and not first.is_last_page()
    second = first.next_page()
    assert second[0]["id"] < first[-1]["id"]           # newest first across pages
