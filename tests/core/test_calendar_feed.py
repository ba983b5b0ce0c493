"""The calendar feed on fakes: RFC 5545 text (escaping, folding), holidays, the owner's deadlines."""
from __future__ import annotations

import pytest

from chalicelib.core.calendar_feed import CalendarFeed, escape_text, fold
from chalicelib.core.errors import InvalidInput, PermissionDenied
from chalicelib.core.model import Calendar, Sla
from tests.core.fakes import World, make_world, round_the_clock


def test_text_is_escaped_and_long_lines_fold_between_characters() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "ü" * 60
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


@pytest.fixture()
def w() -> World:
    world = make_world()
    office = round_the_clock(5)
    office.name, office.default = "Office", False
    office.public_holidays = {"2026-12-24": {"active": True, "summary": "Christmas Eve, half day"},
                              "2026-12-31": {"active": False, "summary": "New Year's Eve"}}
    world.reference.calendars[5] = office
    world.reference.calendars[1] = Calendar(1, "Default", default=True)
    world.reference.slas[1] = Sla(id=1, name="All", calendar_id=5, first_response_time=60, solution_time=480)
    return world


def test_holidays_and_the_agents_own_deadlines(w: World) -> None:
    mine = w.new_ticket(owner_id=w.agent.id, title="Mine")
    w.new_ticket(title="Nobody's")
    feed = CalendarFeed(w.tickets, w.clock, "helpdesk.test")
    text = feed.render(w.agent, 5).replace("\r\n ", "")
    assert "SUMMARY:Christmas Eve\\, half day" in text and "New Year" not in text
    assert f"SUMMARY:Ticket #{mine.number} first response due: Mine" in text
    assert f"SUMMARY:Ticket #{mine.number} solution due: Mine" in text
    assert "Nobody's" not in text and text.count("BEGIN:VEVENT") == 3
    assert f"UID:ticket-{mine.id}-first_response_escalation_at@helpdesk.test" in text
    assert "BEGIN:VEVENT" not in feed.render(w.agent, 1)             # no holidays, no SLA on it


def test_customers_may_not_and_unknown_calendars_are_422(w: World) -> None:
    feed = CalendarFeed(w.tickets, w.clock, "helpdesk.test")
    with pytest.raises(PermissionDenied):
        feed.render(w.customer_a, 5)
    with pytest.raises(InvalidInput) as refused:
        feed.render(w.agent, 99)
    assert refused.value.field == "CalendarID"
