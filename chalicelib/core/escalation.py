"""SLA arithmetic: business hours, deadlines and the events a scheduler acts on (pure, standard library).

Zammad measures every SLA target in business minutes of a calendar (weekly timeframes in a time zone,
minus public holidays) and stops the clock while a ticket is in a state that ignores escalation. This
module validates the admin-supplied shapes, counts business time, keeps the escalation fields of a
ticket current on every write, and lists what must happen when (warnings, escalations, pending times).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Iterator, Optional, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .catalog import Catalog
from .errors import InvalidInput
from .model import WEEKDAYS, Calendar, DueEvent, Sla, Ticket

MINUTES_PER_DAY = 24 * 60
HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# ---------------------------------------------------------------------------------------------------
# Timestamps: tickets hold ISO-8601 UTC strings with milliseconds ("2026-12-01T09:30:00.000Z").


def to_iso(moment: datetime) -> str:
    """The ticket timestamp format (users.iso's), for any aware datetime; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: Any) -> datetime:
    """An aware UTC datetime from an ISO-8601 string ("Z", an offset, or none = UTC); ValueError otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"not a timestamp: {text!r}")
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# ---------------------------------------------------------------------------------------------------
# Validators for calendars and SLAs (the admin API calls these before storing anything).

BUSINESS_HOURS_FIELD = "business_hours"
HOLIDAYS_FIELD = "public_holidays"
TIMEZONE_FIELD = "timezone"
CONDITION_FIELD = "condition"


def _minute_of_day(text: Any, allow_end_of_day: bool) -> int:
    """Minutes since midnight of an "HH:MM" string; "24:00" only where a timeframe may end."""
    if allow_end_of_day and text == "24:00":
        return MINUTES_PER_DAY
    match = HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput(f"Invalid time {text!r} in business hours, expected \"HH:MM\".",
                           field=BUSINESS_HOURS_FIELD)
    return int(match.group(1)) * 60 + int(match.group(2))


def _timeframes(day: str, raw: Any) -> list[tuple[int, int]]:
    """One day's timeframes, sorted, each a non-empty [start, end) that overlaps no other."""
    if not isinstance(raw, list):
        raise InvalidInput(f"Business hours of '{day}': timeframes must be a list of [\"HH:MM\", \"HH:MM\"] pairs.",
                           field=BUSINESS_HOURS_FIELD)
    frames = []
    for frame in raw:
        if not isinstance(frame, (list, tuple)) or len(frame) != 2:
            raise InvalidInput(f"Business hours of '{day}': timeframe {frame!r} is not a [\"HH:MM\", \"HH:MM\"] pair.",
                               field=BUSINESS_HOURS_FIELD)
        start, end = _minute_of_day(frame[0], False), _minute_of_day(frame[1], True)
        if start >= end:
            raise InvalidInput(f"Business hours of '{day}': timeframe {frame[0]}-{frame[1]} ends before it starts.",
                               field=BUSINESS_HOURS_FIELD)
        frames.append((start, end))
    frames.sort()
    for previous, current in zip(frames, frames[1:]):
        if current[0] < previous[1]:
            raise InvalidInput(f"Business hours of '{day}': timeframes overlap.", field=BUSINESS_HOURS_FIELD)
    return frames


def parse_business_hours(raw: Any) -> dict[int, list[tuple[int, int]]]:
    """Zammad's business_hours -> weekday (0 = Monday) -> sorted [(start_minute, end_minute)].

    Days that are missing or inactive have no frames (Zammad treats a missing "active" as inactive);
    a calendar without any business time is refused, since no deadline could ever be computed on it.
    """
    if not isinstance(raw, dict):
        raise InvalidInput("Business hours must be an object keyed by weekday (mon..sun).",
                           field=BUSINESS_HOURS_FIELD)
    hours: dict[int, list[tuple[int, int]]] = {index: [] for index in range(len(WEEKDAYS))}
    for day, meta in raw.items():
        if day not in WEEKDAYS:
            raise InvalidInput(f"Business hours: unknown day '{day}' (expected one of {', '.join(WEEKDAYS)}).",
                               field=BUSINESS_HOURS_FIELD)
        if not isinstance(meta, dict):
            raise InvalidInput(f"Business hours of '{day}' must be an object with 'active' and 'timeframes'.",
                               field=BUSINESS_HOURS_FIELD)
        active = meta.get("active", False)
        if not isinstance(active, bool):
            raise InvalidInput(f"Business hours of '{day}': 'active' must be true or false.",
                               field=BUSINESS_HOURS_FIELD)
        frames = _timeframes(day, meta.get("timeframes", []))
        if active and not frames:
            raise InvalidInput(f"Business hours of '{day}': an active day needs at least one timeframe.",
                               field=BUSINESS_HOURS_FIELD)
        if active:
            hours[WEEKDAYS.index(day)] = frames
    if not any(hours.values()):
        raise InvalidInput("Business hours: at least one day must be active.", field=BUSINESS_HOURS_FIELD)
    return hours


def parse_holidays(raw: Any) -> dict[date, bool]:
    """Zammad's public_holidays ({"2026-12-25": {"active": true, "summary": "..."}}) -> date -> active.

    As in Zammad, a missing "active" or a "removed" entry (an iCal feed's deleted day) counts as not
    a holiday. None is taken as no holidays (Zammad's column is nullable).
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("Public holidays must be an object keyed by date (YYYY-MM-DD).", field=HOLIDAYS_FIELD)
    holidays: dict[date, bool] = {}
    for day, meta in raw.items():
        try:
            if not isinstance(day, str) or not ISO_DATE.fullmatch(day):
                raise ValueError(day)
            parsed = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput(f"Public holidays: {day!r} is not a date (YYYY-MM-DD).", field=HOLIDAYS_FIELD) from None
        if not isinstance(meta, dict):
            raise InvalidInput(f"Public holiday {day} must be an object with 'active' and 'summary'.",
                               field=HOLIDAYS_FIELD)
        active, removed = meta.get("active", False), meta.get("removed", False)
        if not isinstance(active, bool) or not isinstance(removed, bool):
            raise InvalidInput(f"Public holiday {day}: 'active' and 'removed' must be true or false.",
                               field=HOLIDAYS_FIELD)
        if not isinstance(meta.get("summary", ""), (str, type(None))):
            raise InvalidInput(f"Public holiday {day}: 'summary' must be a string.", field=HOLIDAYS_FIELD)
        holidays[parsed] = active and not removed
    return holidays


def time_zone(name: Any) -> tzinfo:
    """The IANA zone of that name (Zammad's calendar timezone, e.g. "Europe/Berlin")."""
    if not isinstance(name, str) or not name:
        raise InvalidInput("Timezone must be an IANA time zone name such as 'Europe/Berlin'.", field=TIMEZONE_FIELD)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(f"Unknown timezone '{name}'.", field=TIMEZONE_FIELD) from None


CONDITION_ATTRIBUTES = ("ticket.priority_id", "ticket.group_id", "ticket.state_id", "ticket.organization_id",
                        "ticket.customer_id", "ticket.type")
CONDITION_OPERATORS = ("is", "is not")


def _condition_values(attribute: str, raw: Any) -> list[str]:
    """A selector value (one id/name or a list of them) as the list of strings matching compares."""
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise InvalidInput(f"Condition '{attribute}': 'value' must name at least one value.", field=CONDITION_FIELD)
    normalised = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidInput(f"Condition '{attribute}': values must be strings or integers, got {value!r}.",
                               field=CONDITION_FIELD)
        normalised.append(str(value))
    return normalised


def validate_condition(raw: Any) -> dict:
    """Zammad's selector for an SLA, normalised: {attribute: {"operator", "value": [str, ...]}}.

    Zammad's UI adds "pre_condition": "specific" to customer/organization selectors; that is the only
    pre-condition with a fixed meaning here, so it is kept and any other is refused.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("Condition must be an object keyed by attribute (e.g. 'ticket.priority_id').",
                           field=CONDITION_FIELD)
    normalised: dict[str, dict[str, Any]] = {}
    for attribute, selector in raw.items():
        if attribute not in CONDITION_ATTRIBUTES:
            raise InvalidInput(f"Condition: unsupported attribute '{attribute}' (supported: "
                               f"{', '.join(CONDITION_ATTRIBUTES)}).", field=CONDITION_FIELD)
        if not isinstance(selector, dict) or "value" not in selector:
            raise InvalidInput(f"Condition '{attribute}' must be an object with 'operator' and 'value'.",
                               field=CONDITION_FIELD)
        unknown = set(selector) - {"operator", "value", "pre_condition"}
        if unknown:
            raise InvalidInput(f"Condition '{attribute}': unknown key(s) {', '.join(sorted(unknown))}.",
                               field=CONDITION_FIELD)
        operator = selector.get("operator")
        if operator not in CONDITION_OPERATORS:
            raise InvalidInput(f"Condition '{attribute}': operator must be 'is' or 'is not', got {operator!r}.",
                               field=CONDITION_FIELD)
        entry: dict[str, Any] = {"operator": operator, "value": _condition_values(attribute, selector["value"])}
        if "pre_condition" in selector:
            if selector["pre_condition"] != "specific":
                raise InvalidInput(f"Condition '{attribute}': only pre_condition 'specific' is supported.",
                                   field=CONDITION_FIELD)
            entry["pre_condition"] = "specific"
        normalised[attribute] = entry
    return normalised


# ---------------------------------------------------------------------------------------------------
# Business-time arithmetic.

# How far ahead a deadline is looked for: the largest SLA target (525600 minutes) on Zammad's default
# calendar (45 hours a week) lies about 3.7 years out, so ten years covers every sensible calendar and
# still bounds the walk (about 3,650 days) for a calendar with almost no business time.
HORIZON_DAYS = 3653

Interval = tuple[datetime, datetime]
Pause = tuple[datetime, Optional[datetime]]


class HorizonExceeded(ValueError):
    """No such deadline within HORIZON_DAYS: the calendar has too little business time for the target."""


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken as UTC (tickets store UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _merge_pauses(pauses: Sequence[Pause]) -> list[Pause]:
    """Sorted, non-overlapping pauses in UTC; an open pause swallows everything after it."""
    merged: list[Pause] = []
    for start, end in sorted(((_utc(s), None if e is None else _utc(e)) for s, e in pauses),
                             key=lambda pause: pause[0]):
        if end is not None and end <= start:
            continue
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, None if last_end is None or end is None else max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _without_pauses(start: datetime, end: datetime, pauses: list[Pause]) -> Iterator[Interval]:
    """The parts of [start, end) that no pause covers, in order."""
    cursor = start
    for pause_start, pause_end in pauses:
        if pause_end is not None and pause_end <= cursor:
            continue
        if pause_start >= end:
            break
        if pause_start > cursor:
            yield cursor, pause_start
        if pause_end is None:
            return
        cursor = pause_end
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


class BusinessCalendar:
    """A Calendar's business time as UTC intervals, counted day by day in the calendar's wall time.

    Each timeframe is converted from local wall time to UTC for its own date, so DST changes move
    frames correctly. A wall time that occurs twice (autumn fold) maps to its first occurrence; one
    that does not exist (spring gap) maps to the instant the clocks jump. Both rules are monotonic,
    so a frame never runs backwards and back-to-back frames (a 24/7 calendar) stay seamless.
    """

    def __init__(self, calendar: Calendar) -> None:
        self.zone = time_zone(calendar.timezone)
        self.hours = parse_business_hours(calendar.business_hours)
        self.holidays = {day for day, active in parse_holidays(calendar.public_holidays).items() if active}
        self._days: dict[date, tuple[Interval, ...]] = {}

    def _instant(self, day: date, minute: int) -> datetime:
        """The UTC instant at which the local wall clock of `day` shows `minute` past midnight."""
        wall = datetime.combine(day, time()) + timedelta(minutes=minute)
        first = wall.replace(tzinfo=self.zone, fold=0).astimezone(timezone.utc)
        if first.astimezone(self.zone).replace(tzinfo=None) == wall:
            return first
        # Skipped by a spring-forward gap: find the jump, which lies between the two readings.
        low = wall.replace(tzinfo=self.zone, fold=1).astimezone(timezone.utc)
        high, before_jump = first, low.astimezone(self.zone).utcoffset()
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(self.zone).utcoffset() == before_jump:
                low = middle
            else:
                high = middle
        return high.replace(microsecond=0)

    def business_intervals(self, day: date) -> tuple[Interval, ...]:
        """The business hours of one local date in UTC (none on an active holiday), cached per date."""
        cached = self._days.get(day)
        if cached is None:
            frames = () if day in self.holidays else self.hours[day.weekday()]
            cached = tuple((start, end) for start, end in
                           ((self._instant(day, s), self._instant(day, e)) for s, e in frames) if start < end)
            self._days[day] = cached
        return cached

    def _segments(self, start: datetime, last_day: date, pauses: list[Pause]) -> Iterator[Interval]:
        """Unpaused business time from `start` on, in order, up to the end of local date `last_day`."""
        day = start.astimezone(self.zone).date()
        while day <= last_day:
            for frame_start, frame_end in self.business_intervals(day):
                if frame_end > start:
                    yield from _without_pauses(max(frame_start, start), frame_end, pauses)
            day += timedelta(days=1)

    def add_minutes(self, start: datetime, minutes: int, pauses: Sequence[Pause] = ()) -> datetime:
        """The instant at which `minutes` business minutes have passed since `start` (UTC)."""
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
            raise ValueError(f"minutes must be a non-negative integer, got {minutes!r}")
        if minutes == 0:
            return start
        if any(end is None for _, end in pauses):
            raise ValueError("the clock is stopped (open pause): there is no deadline")
        remaining = timedelta(minutes=minutes)
        start = _utc(start)
        last_day = start.astimezone(self.zone).date() + timedelta(days=HORIZON_DAYS)
        for segment_start, segment_end in self._segments(start, last_day, _merge_pauses(pauses)):
            if segment_end - segment_start >= remaining:
                return segment_start + remaining
            remaining -= segment_end - segment_start
        raise HorizonExceeded(f"{minutes} business minutes do not fit in {HORIZON_DAYS} days of this calendar")

    def minutes_between(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> int:
        """Whole business minutes in [start, end) that no pause covers (an open pause runs to `end`)."""
        start, end = _utc(start), _utc(end)
        if end <= start:
            return 0
        total = timedelta()
        for segment_start, segment_end in self._segments(start, end.astimezone(self.zone).date(),
                                                         _merge_pauses(pauses)):
            if segment_start >= end:
                break
            total += min(segment_end, end) - segment_start
        return int(total.total_seconds() // 60)


# ---------------------------------------------------------------------------------------------------
# Which SLA applies.


def _condition_holds(ticket: Ticket, condition: dict) -> bool:
    """Every selector of an (already normalised) condition holds for the ticket."""
    for attribute, selector in condition.items():
        value = getattr(ticket, attribute.split(".", 1)[1])
        listed = value is not None and str(value) in selector["value"]
        if listed != (selector["operator"] == "is"):
            return False
    return True


def matching_sla(ticket: Ticket, slas: list[Sla], calendars: list[Calendar]) -> Optional[Sla]:
    """The first active SLA (by name, case-insensitive, then id) with a calendar whose condition holds.

    A stored condition that no longer validates matches nothing rather than failing the ticket write.
    """
    calendar_ids = {calendar.id for calendar in calendars}
    for sla in sorted(slas, key=lambda s: (s.name.lower(), s.id)):
        if not sla.active or sla.calendar_id not in calendar_ids:
            continue
        try:
            condition = validate_condition(sla.condition)
        except InvalidInput:
            continue
        if _condition_holds(ticket, condition):
            return sla
    return None


# ---------------------------------------------------------------------------------------------------
# The escalation fields of a ticket, kept on every write.

TARGETS = ("first_response", "update", "close")
ESCALATION_FIELDS = ("sla_id", "escalation_at") + tuple(
    f"{target}_{suffix}" for target in TARGETS for suffix in ("escalation_at", "in_min", "diff_in_min"))


def _moment(text: Optional[str]) -> Optional[datetime]:
    """A ticket timestamp as a datetime, or None when absent or unreadable."""
    try:
        return parse_iso(text)
    except ValueError:
        return None


def _track_pause(pauses: list[list[Optional[str]]], stopped: bool, stamp: str) -> list[list[Optional[str]]]:
    """A new pause list: open a pause when the clock stops, close the open one when it restarts."""
    tracked = [list(pause) for pause in pauses]
    is_open = bool(tracked) and tracked[-1][1] is None
    if stopped and not is_open:
        tracked.append([stamp, None])
    elif not stopped and is_open:
        tracked[-1][1] = stamp
    return tracked


def _pause_intervals(pauses: list[list[Optional[str]]]) -> list[Pause]:
    """The stored pause list as datetimes for the calculator (unreadable entries are ignored)."""
    intervals: list[Pause] = []
    for pause in pauses:
        start = _moment(pause[0]) if pause else None
        if start is not None:
            intervals.append((start, _moment(pause[1]) if len(pause) > 1 else None))
    return intervals


def _update_base(ticket: Ticket) -> Optional[datetime]:
    """Where the update clock starts: the latest contact by either side (None if nobody wrote yet)."""
    contacts = [moment for moment in (_moment(ticket.last_contact_agent_at), _moment(ticket.last_contact_customer_at))
                if moment is not None]
    return max(contacts) if contacts else None


class _TargetClock:
    """Sets one target's fields (`<target>_escalation_at`, `_in_min`, `_diff_in_min`) on a ticket."""

    def __init__(self, ticket: Ticket, calendar: BusinessCalendar, pauses: list[Pause], running: bool) -> None:
        self.ticket, self.calendar, self.pauses, self.running = ticket, calendar, pauses, running

    def clear(self, target: str) -> None:
        for suffix in ("escalation_at", "in_min", "diff_in_min"):
            setattr(self.ticket, f"{target}_{suffix}", None)

    def measure(self, target: str, allowed: int, start: datetime, end: datetime) -> None:
        """Record how many business minutes the target took and how many were left (negative = late)."""
        used = self.calendar.minutes_between(start, end, self.pauses)
        setattr(self.ticket, f"{target}_in_min", used)
        setattr(self.ticket, f"{target}_diff_in_min", allowed - used)

    def deadline(self, target: str, start: datetime, allowed: Optional[int]) -> Optional[datetime]:
        """Set (and return) the target's deadline; none while the clock is stopped or out of reach."""
        due = None
        if allowed is not None and self.running:
            try:
                due = self.calendar.add_minutes(start, allowed, self.pauses)
            except HorizonExceeded:
                due = None
        setattr(self.ticket, f"{target}_escalation_at", None if due is None else to_iso(due))
        return due


def recompute(before: Optional[Ticket], ticket: Ticket, catalog: Catalog, now: datetime) -> None:
    """Bring the ticket's SLA, pauses, deadlines and achieved times up to date after a write.

    `before` is the stored version (None on create); `ticket` already carries the write's changes.
    """
    state = catalog.state_by_id(ticket.state_id)
    stopped = state is not None and state.ignore_escalation
    closed = state is not None and state.is_closed
    ticket.escalation_pauses = _track_pause(ticket.escalation_pauses, stopped, to_iso(now))

    sla = matching_sla(ticket, catalog.slas, catalog.calendars)
    calendar = catalog.calendar_by_id(sla.calendar_id) if sla is not None else None
    if sla is None or calendar is None:
        for name in ESCALATION_FIELDS:
            setattr(ticket, name, None)
        return
    ticket.sla_id = sla.id
    clock = _TargetClock(ticket, BusinessCalendar(calendar), _pause_intervals(ticket.escalation_pauses),
                         running=not (stopped or closed))
    created = _moment(ticket.created_at) or _utc(now)
    deadlines = []

    if sla.first_response_time:
        answered = _moment(ticket.first_response_at)
        if answered is not None:
            clock.measure("first_response", sla.first_response_time, created, answered)
        deadlines.append(clock.deadline("first_response", created, None if answered else sla.first_response_time))
    else:
        clock.clear("first_response")

    if sla.update_time:
        deadlines.append(clock.deadline("update", _update_base(ticket) or created, sla.update_time))
        agent_reply = _moment(ticket.last_contact_agent_at)
        replied = before is not None and ticket.last_contact_agent_at != before.last_contact_agent_at
        if replied and agent_reply is not None:
            clock.measure("update", sla.update_time, _update_base(before) or created, agent_reply)
    else:
        clock.clear("update")

    if sla.solution_time:
        closed_at = _moment(ticket.close_at) if closed else None
        if closed_at is not None:
            clock.measure("close", sla.solution_time, created, closed_at)
        deadlines.append(clock.deadline("close", created, None if closed_at else sla.solution_time))
    else:
        clock.clear("close")

    pending = [due for due in deadlines if due is not None]
    ticket.escalation_at = to_iso(min(pending)) if pending else None


# ---------------------------------------------------------------------------------------------------
# What a scheduler must do about a ticket, and OTRS's view of the deadlines.


def due_events(ticket: Ticket, catalog: Catalog, warning_minutes: int) -> tuple[DueEvent, ...]:
    """Warnings and escalations for each deadline, plus the pending state's reminder or auto-close."""
    if isinstance(warning_minutes, bool) or not isinstance(warning_minutes, int) or warning_minutes < 0:
        raise ValueError(f"warning_minutes must be a non-negative integer, got {warning_minutes!r}")
    events = []
    for target in TARGETS:
        due = _moment(getattr(ticket, f"{target}_escalation_at"))
        if due is None:
            continue
        deadline = to_iso(due)
        if warning_minutes:
            events.append(DueEvent(target, "warning", to_iso(due - timedelta(minutes=warning_minutes)), deadline))
        events.append(DueEvent(target, "escalation", deadline, deadline))
    state = catalog.state_by_id(ticket.state_id)
    pending_at = _moment(ticket.pending_time)
    if state is not None and pending_at is not None:
        at = to_iso(pending_at)
        if state.state_type == "pending reminder":
            events.append(DueEvent("pending_reminder", "reminder", at, at))
        elif state.state_type == "pending action" and state.next_state_id is not None:
            events.append(DueEvent("pending_close", "close", at, at))
    return tuple(sorted(events, key=lambda event: (event.at, event.kind, event.level)))


def _epoch(text: Optional[str]) -> int:
    """Epoch seconds of a ticket timestamp; 0 for none, as OTRS reports a missing escalation."""
    moment = _moment(text)
    return 0 if moment is None else int(moment.timestamp())


def otrs_escalation(ticket: Ticket) -> dict[str, int]:
    """OTRS's escalation attributes: each deadline and the earliest, epoch seconds, 0 when none."""
    times = {"EscalationResponseTime": _epoch(ticket.first_response_escalation_at),
             "EscalationUpdateTime": _epoch(ticket.update_escalation_at),
             "EscalationSolutionTime": _epoch(ticket.close_escalation_at)}
    set_times = [seconds for seconds in times.values() if seconds]
    times["EscalationTime"] = min(set_times) if set_times else 0
    return times
