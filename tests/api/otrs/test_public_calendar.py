"""OTRS-58 `GET /api/public/calendar`: an iCalendar feed of a Zammad calendar's holidays and the subscribing
agent's ticket deadlines, for a personal access token of `User`."""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

import pytest

from tests.api.zammad.test_auth import token_for
from tests.api.zammad.test_sla_admin import calendar, sla
from tests.api.zammad.test_tickets import new_ticket
from tests.conftest import Api, Reply

AGENT = "agent@example.com"


def feed(api: Api, **params: Any) -> Reply:
    return Reply(api.client.http.request("GET", "/api/public/calendar?" + urlencode(params),
                                         headers={"Accept": "*/*"}, body=b""))


@pytest.fixture()
def setup(api: Api) -> dict[str, Any]:
    """The Berlin calendar (Christmas Day active, Boxing Day not), an SLA on it for high priority, a high
    ticket the agent owns, one the admin owns, and the agent's token."""
    berlin = calendar(api)
    sla(api, calendar_id=berlin["id"], first_response_time=60, update_time=None, solution_time=480)
    agent_id = api.credentials["agent"]["id"]
    owned = new_ticket(api, title="Server room too hot", priority="3 high", owner_id=agent_id)
    assert owned.status == 201, owned
    others = new_ticket(api, title="Someone else's ticket", priority="3 high",
                        owner_id=api.credentials["admin"]["id"])
    assert others.status == 201, others
    return {"calendar": berlin, "owned": owned.json, "others": others.json,
            "token": token_for(api, who="agent", permissions=("ticket.agent",))}


def lines(reply: Reply) -> list[str]:
    assert reply.status == 200, reply
    text = reply.body.decode()
    assert text.endswith("\r\n") and all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    return text.replace("\r\n ", "").split("\r\n")        # unfolded


def test_agent_gets_holidays_and_own_ticket_deadlines(api: Api, setup: dict[str, Any]) -> None:
    reply = feed(api, CalendarID=setup["calendar"]["id"], User=AGENT, Token=setup["token"])
    assert reply.headers["content-type"].startswith("text/calendar")
    assert reply.headers["content-disposition"] == 'inline; filename="calendar.ics"'
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    found = lines(reply)
    assert found[0] == "BEGIN:VCALENDAR" and found[-2] == "END:VCALENDAR" and "X-WR-CALNAME:Berlin office" in found
    assert "DTSTART;VALUE=DATE:20261225" in found and "DTEND;VALUE=DATE:20261226" in found
    assert "SUMMARY:Christmas Day" in found and not any("Boxing" in line for line in found)
    owned = setup["owned"]
    summaries = [line for line in found if line.startswith("SUMMARY:Ticket")]
    assert sorted(summaries) == sorted([
        f"SUMMARY:Ticket #{owned['number']} first response due: Server room too hot",
        f"SUMMARY:Ticket #{owned['number']} solution due: Server room too hot"])
    deadline = owned["first_response_escalation_at"]
    assert f"DTSTART:{deadline[:4]}{deadline[5:7]}{deadline[8:10]}T{deadline[11:13]}{deadline[14:16]}" \
        f"{deadline[17:19]}Z" in found
    assert found.count("BEGIN:VEVENT") == found.count("END:VEVENT") == 3


def test_login_or_email_and_other_calendars(api: Api, setup: dict[str, Any]) -> None:
    default = lines(feed(api, CalendarID=1, User=AGENT.upper(), Token=setup["token"]))
    assert "X-WR-CALNAME:Default" in default and "BEGIN:VEVENT" not in default   # the SLA runs on Berlin


def test_customers_are_refused_with_403(api: Api, setup: dict[str, Any]) -> None:
    token = token_for(api, who="customer", permissions=("ticket.customer",))
    reply = feed(api, CalendarID=setup["calendar"]["id"], User="nicole.braun@example.com", Token=token)
    assert reply.status == 403 and reply.json == {"Error": "Access denied."}


def refused_field(reply: Reply) -> Optional[str]:
    assert reply.status == 422, reply
    return next(iter(reply.json["Errors"]))


def test_wrong_tokens_are_one_422(api: Api, setup: dict[str, Any]) -> None:
    calendar_id = setup["calendar"]["id"]
    admin_token = token_for(api, who="admin", permissions=("ticket.agent",))
    answers = [feed(api, CalendarID=calendar_id, User=AGENT, Token="not-a-token"),
               feed(api, CalendarID=calendar_id, User=AGENT, Token=admin_token),         # someone else's
               feed(api, CalendarID=calendar_id, User="nobody@example.com", Token=setup["token"])]
    assert {refused_field(r) for r in answers} == {"Token"} and len({r.body for r in answers}) == 1
    listed = api.get("/api/v1/user_access_token", who="agent").json["tokens"]
    assert api.delete(f"/api/v1/user_access_token/{listed[-1]['id']}", who="agent").status == 200
    assert refused_field(feed(api, CalendarID=calendar_id, User=AGENT, Token=setup["token"])) == "Token"


@pytest.mark.parametrize("params, field", [
    ({"User": AGENT, "Token": "x"}, "CalendarID"),
    ({"CalendarID": "1", "Token": "x"}, "User"),
    ({"CalendarID": "1", "User": AGENT}, "Token"),
    ({"CalendarID": "abc", "User": AGENT, "Token": "x"}, "CalendarID"),
])
def test_missing_or_malformed_parameters(api: Api, params: dict[str, str], field: str) -> None:
    assert refused_field(feed(api, **params)) == field


def test_unknown_calendar_after_a_valid_token(api: Api, setup: dict[str, Any]) -> None:
    assert refused_field(feed(api, CalendarID=999, User=AGENT, Token=setup["token"])) == "CalendarID"
