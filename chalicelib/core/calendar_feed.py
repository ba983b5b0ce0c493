"""A calendar subscription feed (OTRS's `GET /api/public/calendar`, RFC 5545 iCalendar) of one Zammad
calendar: its active public holidays as all-day events and, for an agent, the escalation deadlines of the
tickets the agent owns whose SLA runs on this calendar (first response, update, solution).

The subscriber is whoever a personal access token belongs to (the API view checks it): calendars are
for agents and admins (policy.can_read_calendars). Owned tickets come from the core's ticket search with
an `owner_id:` filter: it walks only the newest tickets of the agent's groups (bounded: no full-table read), so
a deadline of a ticket older than that window is left out of the feed (the ticket views still show it).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterator, Optional

from . import policy
from .errors import InvalidInput
from .escalation import parse_holidays, parse_iso
from .model import Calendar, Principal, Ticket
from .ports import Clock
from .tickets import TicketService
from .users import SearchRequest

FEED_TICKETS = 200          # owned tickets at most that get deadlines in one feed
DEADLINE_MINUTES = 15       # a deadline shows as a short event starting at the deadline
DEADLINES = (("first_response_escalation_at", "first response"), ("update_escalation_at", "update"),
             ("close_escalation_at", "solution"))
PRODUCT = "-//Helpdesk//Calendar feed//EN"


def escape_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded, parts = line.encode("utf-8"), []
    while len(encoded) > 75:
        cut = 75 if not parts else 74
        while cut > 0 and (encoded[cut] & 0xC0) == 0x80:   # never inside a UTF-8 sequence
            cut -= 1
        parts.append(encoded[:cut].decode("utf-8"))
        encoded = encoded[cut:]
    parts.append(encoded.decode("utf-8"))
    return "\r\n ".join(parts)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class CalendarFeed:
    def __init__(self, tickets: TicketService, clock: Clock, fqdn: str) -> None:
        self.tickets = tickets
        self.clock = clock
        self.fqdn = fqdn

    def render(self, principal: Principal, calendar_id: int) -> str:
        """The feed's text; 403 for a subscriber who may not read calendars, 422 for an unknown calendar."""
        policy.require(policy.can_read_calendars(principal))
        catalog = self.tickets.catalog()
        calendar = catalog.calendar_by_id(calendar_id)
        if calendar is None:
            raise InvalidInput("No calendar with this CalendarID.", field="CalendarID")
        now = utc_stamp(self.clock.now())
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                 f"X-WR-CALNAME:{escape_text(calendar.name)}"]
        lines += self._holidays(calendar, now)
        if principal.is_agent:
            sla_ids = {sla.id for sla in catalog.slas if sla.calendar_id == calendar.id}
            lines += self._deadlines(principal, sla_ids, now)
        lines.append("END:VCALENDAR")
        return "".join(fold(line) + "\r\n" for line in lines)

    def _holidays(self, calendar: Calendar, now: str) -> Iterator[str]:
        summaries = calendar.public_holidays or {}
        for day in holiday_days(calendar):
            summary = (summaries.get(day.isoformat()) or {}).get("summary") or "Public holiday"
            yield from self._event(f"holiday-{calendar.id}-{day.isoformat()}", now, [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{escape_text(summary)}", "TRANSP:TRANSPARENT", "CATEGORIES:Holiday"])

    def owned_tickets(self, principal: Principal) -> list[Ticket]:
        """The agent's own tickets among the newest of the groups the agent reads (the core's bounded search)."""
        found = self.tickets.search(principal, SearchRequest(query=f"owner_id:{principal.id}", limit=FEED_TICKETS,
                                                             sort_by="updated_at", order_by="desc"))
        return found.tickets

    def _deadlines(self, principal: Principal, sla_ids: set[int], now: str) -> Iterator[str]:
        for ticket in self.owned_tickets(principal):
            if ticket.sla_id not in sla_ids:
                continue
            for attribute, what in DEADLINES:
                at = _moment(getattr(ticket, attribute))
                if at is None:
                    continue
                yield from self._event(f"ticket-{ticket.id}-{attribute}", now, [
                    f"DTSTART:{utc_stamp(at)}", f"DTEND:{utc_stamp(at + timedelta(minutes=DEADLINE_MINUTES))}",
                    f"SUMMARY:{escape_text(f'Ticket #{ticket.number} {what} due: {ticket.title}')}",
                    f"URL:https://{self.fqdn}/#ticket/zoom/{ticket.id}", "CATEGORIES:Escalation"])

    def _event(self, key: str, now: str, properties: list[str]) -> Iterator[str]:
        yield "BEGIN:VEVENT"
        yield f"UID:{key}@{self.fqdn}"
        yield f"DTSTAMP:{now}"
        yield from properties
        yield "END:VEVENT"


def _moment(value: Optional[str]) -> Optional[datetime]:
    return parse_iso(value) if value else None


def holiday_days(calendar: Calendar) -> list[date]:
    """The calendar's active holidays, in order (what the feed lists)."""
    return sorted(day for day, active in parse_holidays(calendar.public_holidays).items() if active)
