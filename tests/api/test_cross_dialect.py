"""One ticket through three dialects, as issue 8 describes it: a control panel opens it through the
numbered Tickets API, an agent's mobile app works it through RS4OTRS (owner, reply, state), and the
control panel sees the agent's reply as a comment and the new status; the customer's OTRS portal
and /api/v1 show the same ticket."""
from __future__ import annotations

from typing import Any

from tests.api.otrs.conftest import Otrs, otrs  # noqa: F401  (fixture)
from tests.api.rs4otrs.conftest import Rpc, ok, rpc  # noqa: F401  (fixture)
from tests.api.tickets_api.conftest import TicketsApi, tapi  # noqa: F401  (fixture)


def test_numbered_api_ticket_worked_through_rs4otrs(tapi: TicketsApi, rpc: Rpc, otrs: Otrs, api: Any) -> None:
    created = tapi.create(summary="VPN drops", comment_body="Every ten minutes.")
    number = created["number"]
    ticket = api.get(f"/api/v1/tickets/search?query=number:{number}", who="agent").json[0]
    agent_id = api.credentials["agent"]["id"]

    ok(rpc.call("tickets", "updateOwner", TicketID=ticket["id"], NewUserID=agent_id))
    ok(rpc.call("tickets", "createArticle", TicketID=ticket["id"], Subject="Re: VPN drops",
                Body="Please update the client to 5.2.", IsVisibleForCustomer=1))
    ok(rpc.call("tickets", "updateState", TicketID=ticket["id"], State="open"))

    comments = tapi.get(f"/tickets/{number}/comments").json["items"]
    assert [c["body"] for c in comments] == ["Every ten minutes.", "Please update the client to 5.2."]
    assert [c["is_client_author"] for c in comments] == [True, False]
    shown = tapi.get(f"/tickets/{number}").json
    assert shown["status"]["en"].lower() == "open" and shown["is_closed"] is False

    zammad = api.get(f"/api/v1/tickets/{ticket['id']}", who="agent").json
    assert zammad["owner_id"] == agent_id and zammad["state_id"] == 2 and zammad["article_count"] == 2
    portal = otrs.get(f"/ticket/id/{ticket['id']}").json["Ticket"]
    assert portal["Title"] == "VPN drops" and portal["State"] == "open"
    assert [a["Body"] for a in portal["Articles"]][-1] == "Please update the client to 5.2."
