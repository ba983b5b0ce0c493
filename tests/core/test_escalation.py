"""core.escalation: business-hours arithmetic, validators, SLA matching, recompute and due events.

Pure unit tests: fixed datetimes, no clock, no storage. Expected instants are worked out by hand from
the calendar (the comments show the local wall times they come from).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.core.catalog import Catalog
from chalicelib.core.errors import InvalidInput
from chalicelib.core.escalation import (ESCALATION_FIELDS, HorizonExceeded, BusinessCalendar, due_events,
                                        matching_sla, otrs_escalation, parse_business_hours, parse_holidays,
                                        parse_iso, recompute, time_zone, to_iso, validate_condition)
from chalicelib.core.model import WEEKDAYS, Calendar, DueEvent, Sla, State, Ticket, default_business_hours
from chalicelib.core.ports import CatalogSnapshot


def utc(text: str) -> datetime:
    """'2026-12-01 09:00' (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def every_day(*frames: tuple[str, str], days: tuple[str, ...] = WEEKDAYS) -> dict:
    """Business hours with the same timeframes on the given days (others inactive)."""
    return {day: {"active": day in days, "timeframes": [list(f) for f in frames] if day in days else []}
            for day in WEEKDAYS}


OFFICE = Calendar(1, "Office (UTC)", timezone="UTC")  # Zammad's default: Mon-Fri 08:00-17:00
BERLIN = Calendar(2, "Berlin", timezone="Europe/Berlin")
NEW_YORK = Calendar(3, "New York", timezone="America/New_York",
                    business_hours=every_day(("09:00", "17:00"), days=WEEKDAYS[:5]))
ROUND_THE_CLOCK_BERLIN = Calendar(4, "24/7 Berlin", timezone="Europe/Berlin",
                                  business_hours=every_day(("00:00", "24:00")))
LUNCH = Calendar(5, "Lunch break", timezone="UTC",
                 business_hours=every_day(("09:00", "12:00"), ("13:00", "17:00"), days=WEEKDAYS[:5]))


def office(**changes) -> BusinessCalendar:
    return BusinessCalendar(replace(OFFICE, **changes))


# --- add_minutes / minutes_between --------------------------------------------------------------------

def test_within_one_day():
    assert office().add_minutes(utc("2026-12-01 09:30"), 90) == utc("2026-12-01 11:00")
    assert office().minutes_between(utc("2026-12-01 09:30"), utc("2026-12-01 11:00")) == 90


def test_spanning_a_night():
    # Tuesday 16:00-17:00 is 60 minutes, Wednesday 08:00-09:00 the other 60.
    assert office().add_minutes(utc("2026-12-01 16:00"), 120) == utc("2026-12-02 09:00")
    assert office().minutes_between(utc("2026-12-01 16:00"), utc("2026-12-02 09:00")) == 120


def test_friday_evening_to_monday():
    assert office().add_minutes(utc("2026-12-04 16:30"), 60) == utc("2026-12-07 08:30")
    assert office().minutes_between(utc("2026-12-04 16:30"), utc("2026-12-07 08:30")) == 60
    # Started on a Saturday: the clock starts at Monday's opening.
    assert office().add_minutes(utc("2026-12-05 11:00"), 15) == utc("2026-12-07 08:15")


def test_a_deadline_can_end_exactly_at_closing_time():
    assert office().add_minutes(utc("2026-12-01 08:00"), 540) == utc("2026-12-01 17:00")


def test_active_holiday_is_skipped_inactive_and_removed_are_not():
    holiday = office(public_holidays={"2026-12-07": {"active": True, "summary": "Bridge day"}})
    assert holiday.add_minutes(utc("2026-12-04 16:30"), 60) == utc("2026-12-08 08:30")
    inactive = office(public_holidays={"2026-12-07": {"active": False, "summary": "Not observed"}})
    assert inactive.add_minutes(utc("2026-12-04 16:30"), 60) == utc("2026-12-07 08:30")
    removed = office(public_holidays={"2026-12-07": {"active": True, "removed": True, "summary": "Gone"}})
    assert removed.add_minutes(utc("2026-12-04 16:30"), 60) == utc("2026-12-07 08:30")
    assert holiday.minutes_between(utc("2026-12-07 00:00"), utc("2026-12-08 00:00")) == 0


def test_two_timeframes_per_day_skip_the_lunch_break():
    lunch = BusinessCalendar(LUNCH)
    assert lunch.add_minutes(utc("2026-12-01 11:30"), 60) == utc("2026-12-01 13:30")
    assert lunch.minutes_between(utc("2026-12-01 11:00"), utc("2026-12-01 14:00")) == 120
    # Started during lunch: counting begins at 13:00.
    assert lunch.add_minutes(utc("2026-12-01 12:20"), 30) == utc("2026-12-01 13:30")


def test_business_hours_are_in_the_calendars_time_zone():
    # Berlin is UTC+1 in December: 08:00 local opening is 07:00Z.
    assert BusinessCalendar(BERLIN).add_minutes(utc("2026-12-01 06:00"), 60) == utc("2026-12-01 08:00")
    # New York is UTC-5 in December: 09:00-17:00 local is 14:00Z-22:00Z.
    new_york = BusinessCalendar(NEW_YORK)
    assert new_york.add_minutes(utc("2026-12-01 13:00"), 60) == utc("2026-12-01 15:00")
    # 16:30 local (21:30Z): 30 minutes today, 30 tomorrow from 09:00 local (14:00Z).
    assert new_york.add_minutes(utc("2026-12-01 21:30"), 60) == utc("2026-12-02 14:30")
    # The same instant in an offset notation gives the same answer.
    assert new_york.add_minutes(datetime.fromisoformat("2026-12-01T16:30:00-05:00"), 60) == utc("2026-12-02 14:30")


def test_holidays_are_local_dates():
    # Tuesday 2026-12-01 in New York runs 14:00Z to 22:00Z; a holiday there blanks exactly that.
    new_york = BusinessCalendar(replace(NEW_YORK, public_holidays={"2026-12-01": {"active": True}}))
    assert new_york.minutes_between(utc("2026-12-01 00:00"), utc("2026-12-02 12:00")) == 0
    assert new_york.add_minutes(utc("2026-12-01 12:00"), 1) == utc("2026-12-02 14:01")


def test_spring_forward_in_berlin():
    berlin = BusinessCalendar(BERLIN)
    # Friday 2026-03-27 16:00 CET (15:00Z): 60 minutes on Friday, then Monday 08:00 CEST is 06:00Z.
    assert berlin.add_minutes(utc("2026-03-27 15:00"), 120) == utc("2026-03-30 07:00")
    # Sunday 2026-03-29 has 23 hours: a 24/7 calendar counts 1380 minutes between the local midnights.
    round_the_clock = BusinessCalendar(ROUND_THE_CLOCK_BERLIN)
    assert round_the_clock.minutes_between(utc("2026-03-28 23:00"), utc("2026-03-29 22:00")) == 23 * 60
    # On a 24/7 calendar business minutes are real minutes, DST or not.
    assert round_the_clock.add_minutes(utc("2026-03-28 12:00"), 24 * 60) == utc("2026-03-29 12:00")


def test_fall_back_in_berlin():
    berlin = BusinessCalendar(BERLIN)
    # Friday 2026-10-23 16:00 CEST (14:00Z): 60 minutes on Friday, then Monday 08:00 CET is 07:00Z.
    assert berlin.add_minutes(utc("2026-10-23 14:00"), 120) == utc("2026-10-26 08:00")
    round_the_clock = BusinessCalendar(ROUND_THE_CLOCK_BERLIN)
    assert round_the_clock.minutes_between(utc("2026-10-24 22:00"), utc("2026-10-25 23:00")) == 25 * 60
    assert round_the_clock.add_minutes(utc("2026-10-24 22:00"), 25 * 60) == utc("2026-10-25 23:00")


def test_timeframes_inside_a_dst_gap_or_fold_do_not_crash():
    sunday = ("sun",)
    gap_frames = Calendar(6, "night shift", timezone="Europe/Berlin",
                          business_hours=every_day(("01:00", "02:30"), ("02:40", "02:50"), ("02:55", "04:00"),
                                                   days=sunday))
    night = BusinessCalendar(gap_frames)
    # 2026-03-29: the clock jumps from 02:00 CET to 03:00 CEST (01:00Z). 01:00-02:30 holds one real hour,
    # 02:40-02:50 never happens, 02:55-04:00 is 03:00-04:00 CEST.
    assert night.business_intervals(date(2026, 3, 29)) == (
        (utc("2026-03-29 00:00"), utc("2026-03-29 01:00")), (utc("2026-03-29 01:00"), utc("2026-03-29 02:00")))
    assert night.minutes_between(utc("2026-03-28 12:00"), utc("2026-03-30 00:00")) == 120
    # 2026-10-25: 02:00-03:00 happens twice; a wall time there means its first occurrence (CEST).
    assert night.business_intervals(date(2026, 10, 25)) == (
        (utc("2026-10-24 23:00"), utc("2026-10-25 00:30")), (utc("2026-10-25 00:40"), utc("2026-10-25 00:50")),
        (utc("2026-10-25 00:55"), utc("2026-10-25 03:00")))


def test_pause_intervals_are_not_counted():
    pauses = [(utc("2026-12-01 10:00"), utc("2026-12-01 10:30"))]
    assert office().add_minutes(utc("2026-12-01 09:00"), 120, pauses) == utc("2026-12-01 11:30")
    assert office().minutes_between(utc("2026-12-01 09:00"), utc("2026-12-01 11:30"), pauses) == 120
    # A pause over the night only removes the business time inside it; overlapping pauses count once.
    night = [(utc("2026-12-01 16:00"), utc("2026-12-02 09:00")), (utc("2026-12-01 20:00"), utc("2026-12-02 08:30"))]
    assert office().add_minutes(utc("2026-12-01 15:00"), 120, night) == utc("2026-12-02 10:00")
    assert office().minutes_between(utc("2026-12-01 15:00"), utc("2026-12-02 10:00"), night) == 120


def test_an_open_pause_stops_the_clock():
    open_pause = [(utc("2026-12-01 10:00"), None)]
    with pytest.raises(ValueError):
        office().add_minutes(utc("2026-12-01 09:00"), 120, open_pause)
    assert office().minutes_between(utc("2026-12-01 09:00"), utc("2026-12-03 12:00"), open_pause) == 60


@pytest.mark.parametrize("calendar", [OFFICE, BERLIN, NEW_YORK, LUNCH, ROUND_THE_CLOCK_BERLIN],
                         ids=lambda c: c.name)
@pytest.mark.parametrize("start", ["2026-03-26 17:45", "2026-10-23 12:10", "2026-12-04 21:59"])
@pytest.mark.parametrize("minutes", [1, 59, 600, 3000])
def test_minutes_between_inverts_add_minutes(calendar, start, minutes):
    business = BusinessCalendar(calendar)
    begin = utc(start) + timedelta(milliseconds=250)
    pauses = [(begin + timedelta(hours=3), begin + timedelta(hours=30))]
    for given in ((), pauses):
        deadline = business.add_minutes(begin, minutes, given)
        assert deadline > begin
        assert business.minutes_between(begin, deadline, given) == minutes
        assert business.minutes_between(begin, deadline - timedelta(seconds=1), given) == minutes - 1


def test_edge_values():
    saturday = utc("2026-12-05 11:00")
    assert office().add_minutes(saturday, 0) is saturday
    with pytest.raises(ValueError):
        office().add_minutes(saturday, -1)
    assert office().minutes_between(utc("2026-12-01 10:00"), utc("2026-12-01 09:00")) == 0
    assert office().minutes_between(utc("2026-12-01 09:00"), utc("2026-12-01 09:00:59")) == 0


def test_the_day_walk_is_bounded():
    one_minute_a_week = BusinessCalendar(replace(OFFICE, business_hours=every_day(("09:00", "09:01"), days=("mon",))))
    with pytest.raises(HorizonExceeded):
        one_minute_a_week.add_minutes(utc("2026-12-01 09:00"), 525600)
    # The largest SLA target on the default calendar (about 3.7 years out) is still found.
    assert office().add_minutes(utc("2026-12-01 09:00"), 525600).year == 2030


# --- validators ---------------------------------------------------------------------------------------

def test_parse_business_hours():
    raw = {"mon": {"active": True, "timeframes": [["13:00", "24:00"], ["00:00", "12:00"]]},
           "tue": {"active": False, "timeframes": [["09:00", "17:00"]]},
           "wed": {"timeframes": [["09:00", "17:00"]]}}
    assert parse_business_hours(raw) == {0: [(0, 720), (780, 1440)], 1: [], 2: [], 3: [], 4: [], 5: [], 6: []}
    assert parse_business_hours(default_business_hours())[4] == [(480, 1020)]
    # Touching frames are fine.
    assert parse_business_hours({"fri": {"active": True, "timeframes": [["09:00", "12:00"], ["12:00", "13:00"]]}})[4] \
        == [(540, 720), (720, 780)]


@pytest.mark.parametrize("raw", [
    None, [], "mon",
    {"monday": {"active": True, "timeframes": [["09:00", "17:00"]]}},
    {"mon": {"active": "yes", "timeframes": [["09:00", "17:00"]]}},
    {"mon": True},
    {"mon": {"active": True, "timeframes": "09:00-17:00"}},
    {"mon": {"active": True, "timeframes": [["09:00"]]}},
    {"mon": {"active": True, "timeframes": [[900, 1700]]}},
    {"mon": {"active": True, "timeframes": [["9:00", "17:00"]]}},
    {"mon": {"active": True, "timeframes": [["09:00\n", "17:00"]]}},
    {"mon": {"active": True, "timeframes": [["\u0660\u0669:00", "17:00"]]}},
    {"mon": {"active": True, "timeframes": [["09:00", "24:01"]]}},
    {"mon": {"active": True, "timeframes": [["24:00", "24:00"]]}},
    {"mon": {"active": True, "timeframes": [["09:60", "17:00"]]}},
    {"mon": {"active": True, "timeframes": [["17:00", "09:00"]]}},
    {"mon": {"active": True, "timeframes": [["09:00", "09:00"]]}},
    {"mon": {"active": True, "timeframes": [["09:00", "13:00"], ["12:00", "17:00"]]}},
    {"mon": {"active": True, "timeframes": []}},
    {"mon": {"active": False, "timeframes": [["09:00", "17:00"]]}},
    {},
], ids=repr)
def test_parse_business_hours_rejects(raw):
    with pytest.raises(InvalidInput) as error:
        parse_business_hours(raw)
    assert error.value.field == "business_hours"


def test_parse_holidays():
    raw = {"2026-12-25": {"active": True, "summary": "Christmas"}, "2026-12-26": {"active": False, "summary": "x"},
           "2026-12-31": {"summary": "no flag"}, "2027-01-01": {"active": True, "removed": True}}
    assert parse_holidays(raw) == {date(2026, 12, 25): True, date(2026, 12, 26): False,
                                   date(2026, 12, 31): False, date(2027, 1, 1): False}
    assert parse_holidays(None) == {} and parse_holidays({}) == {}


@pytest.mark.parametrize("raw", [
    [], "2026-12-25",
    {"2026-13-01": {"active": True}}, {"2026-02-30": {"active": True}}, {"20261225": {"active": True}},
    {"2026-12-25\n": {"active": True}},
    {"christmas": {"active": True}}, {"2026-12-25": True}, {"2026-12-25": {"active": "true"}},
    {"2026-12-25": {"active": True, "removed": 1}}, {"2026-12-25": {"active": True, "summary": 5}},
], ids=repr)
def test_parse_holidays_rejects(raw):
    with pytest.raises(InvalidInput) as error:
        parse_holidays(raw)
    assert error.value.field == "public_holidays"


def test_time_zone():
    assert str(time_zone("America/New_York")) == "America/New_York"
    for bad in (None, "", 3, "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime"):
        with pytest.raises(InvalidInput) as error:
            time_zone(bad)
        assert error.value.field == "timezone"


def test_validate_condition_normalises():
    raw = {"ticket.priority_id": {"operator": "is", "value": 2},
           "ticket.group_id": {"operator": "is not", "value": ["1", 3]},
           "ticket.customer_id": {"operator": "is", "pre_condition": "specific", "value": ["7"]},
           "ticket.type": {"operator": "is", "value": "Incident"}}
    assert validate_condition(raw) == {
        "ticket.priority_id": {"operator": "is", "value": ["2"]},
        "ticket.group_id": {"operator": "is not", "value": ["1", "3"]},
        "ticket.customer_id": {"operator": "is", "value": ["7"], "pre_condition": "specific"},
        "ticket.type": {"operator": "is", "value": ["Incident"]}}
    assert validate_condition({}) == {} and validate_condition(None) == {}


@pytest.mark.parametrize("raw", [
    [], "ticket.priority_id=2",
    {"ticket.title": {"operator": "is", "value": ["x"]}},
    {"ticket.priority_id": ["2"]},
    {"ticket.priority_id": {"operator": "is"}},
    {"ticket.priority_id": {"operator": "contains", "value": ["2"]}},
    {"ticket.priority_id": {"operator": "is", "value": []}},
    {"ticket.priority_id": {"operator": "is", "value": [True]}},
    {"ticket.priority_id": {"operator": "is", "value": [2.5]}},
    {"ticket.priority_id": {"operator": "is", "value": {"id": 2}}},
    {"ticket.priority_id": {"operator": "is", "value": ["2"], "extra": 1}},
    {"ticket.customer_id": {"operator": "is", "pre_condition": "current_user.id", "value": []}},
], ids=repr)
def test_validate_condition_rejects(raw):
    with pytest.raises(InvalidInput) as error:
        validate_condition(raw)
    assert error.value.field == "condition"


def test_iso_helpers():
    assert to_iso(parse_iso("2026-12-01T10:00:00+02:00")) == "2026-12-01T08:00:00.000Z"
    assert to_iso(parse_iso("2026-12-01T09:30:00.123456Z")) == "2026-12-01T09:30:00.123Z"
    assert parse_iso("2026-12-01T09:30:00") == utc("2026-12-01 09:30")
    for bad in (None, "", "tomorrow", "2026-13-01T00:00:00Z"):
        with pytest.raises(ValueError):
            parse_iso(bad)


# --- SLA matching -------------------------------------------------------------------------------------

def ticket(**changes) -> Ticket:
    base = Ticket(id=1, number="26001", title="Printer", group_id=1, state_id=1, priority_id=2, customer_id=7,
                  created_at="2026-12-01T09:00:00.000Z", updated_at="2026-12-01T09:00:00.000Z")
    return replace(base, **changes)


def sla(sla_id: int, name: str, condition: dict | None = None, **fields) -> Sla:
    return Sla(sla_id, name, condition=condition or {}, **{"calendar_id": OFFICE.id, **fields})


def is_(attribute: str, *values, operator: str = "is") -> dict:
    return {attribute: {"operator": operator, "value": list(values)}}


def test_matching_sla_takes_the_first_by_name_then_id():
    slas = [sla(5, "b-second"), sla(3, "A-first"), sla(2, "a-FIRST"), sla(1, "0 inactive", active=False),
            sla(9, "00 no calendar", calendar_id=99)]
    assert matching_sla(ticket(), slas, [OFFICE]).id == 2
    assert matching_sla(ticket(), [], [OFFICE]) is None


def test_matching_sla_operators():
    calendars = [OFFICE]
    high_only = sla(1, "a high", is_("ticket.priority_id", "3"))
    not_users = sla(2, "b not group 1", is_("ticket.group_id", "1", "2", operator="is not"))
    vip = sla(3, "c vip customers", {**is_("ticket.customer_id", 7, 8), **is_("ticket.type", "Incident")})
    catch_all = sla(4, "d everything")
    slas = [high_only, not_users, vip, catch_all]
    assert matching_sla(ticket(priority_id=3), slas, calendars) is high_only
    assert matching_sla(ticket(group_id=5), slas, calendars) is not_users
    assert matching_sla(ticket(type="Incident"), slas, calendars) is vip
    assert matching_sla(ticket(customer_id=9, type="Incident"), slas, calendars) is catch_all
    # A ticket without a value is never "is" that value, and always "is not".
    no_org = sla(5, "a no org 4", is_("ticket.organization_id", "4", operator="is not"))
    assert matching_sla(ticket(), [no_org], calendars) is no_org
    assert matching_sla(ticket(), [sla(6, "org 4", is_("ticket.organization_id", "4"))], calendars) is None


def test_an_invalid_stored_condition_matches_nothing():
    broken = sla(1, "a broken", {"ticket.title": {"operator": "is", "value": ["x"]}})
    assert matching_sla(ticket(), [broken, sla(2, "b fine")], [OFFICE]).id == 2


# --- recompute ----------------------------------------------------------------------------------------

NEW, OPEN, PENDING_REMINDER, CLOSED, PENDING_CLOSE, PENDING_NOWHERE = 1, 2, 3, 4, 7, 8
STATES = [State(NEW, "new", 1), State(OPEN, "open", 2),
          State(PENDING_REMINDER, "pending reminder", 3, ignore_escalation=True),
          State(CLOSED, "closed", 5, ignore_escalation=True),
          State(PENDING_CLOSE, "pending close", 4, next_state_id=CLOSED, ignore_escalation=True),
          State(PENDING_NOWHERE, "pending without target", 4, ignore_escalation=True)]


@dataclass
class FakeReference:
    """The one read Catalog makes."""
    contents: CatalogSnapshot

    def snapshot(self) -> CatalogSnapshot:
        return self.contents


def catalog(slas: list[Sla], calendars: list[Calendar] = (OFFICE,)) -> Catalog:
    return Catalog(FakeReference(CatalogSnapshot([], STATES, [], list(calendars), slas)))


# Normal priority tickets: answer within 2 business hours, update every 2 hours, solve within a day (480).
NORMAL = sla(1, "Normal", is_("ticket.priority_id", "2"), first_response_time=120, update_time=120,
             solution_time=480)


def created(cat: Catalog, **changes) -> Ticket:
    """A ticket created Tuesday 2026-12-01 09:00Z with its escalation fields computed."""
    new = ticket(**changes)
    recompute(None, new, cat, parse_iso(new.created_at))
    return new


def write(before: Ticket, at: str, cat: Catalog, **changes) -> Ticket:
    """The next version of a ticket after a write at `at` ("2026-12-01 10:00")."""
    after = replace(copy.deepcopy(before), updated_at=to_iso(utc(at)), **changes)
    recompute(before, after, cat, utc(at))
    return after


def stamp(text: str) -> str:
    return to_iso(utc(text))


def test_create_with_an_sla_sets_every_deadline():
    cat = catalog([NORMAL])
    new = created(cat)
    assert new.sla_id == NORMAL.id
    assert new.first_response_escalation_at == "2026-12-01T11:00:00.000Z"
    assert new.update_escalation_at == "2026-12-01T11:00:00.000Z"
    assert new.close_escalation_at == "2026-12-01T17:00:00.000Z"
    assert new.escalation_at == "2026-12-01T11:00:00.000Z"
    assert new.escalation_pauses == []
    assert (new.first_response_in_min, new.update_in_min, new.close_in_min) == (None, None, None)


def test_escalation_at_is_the_earliest_deadline():
    quick_update = replace(NORMAL, first_response_time=240, update_time=30, solution_time=None)
    new = created(catalog([quick_update]))
    assert new.update_escalation_at == new.escalation_at == "2026-12-01T09:30:00.000Z"
    assert new.first_response_escalation_at == "2026-12-01T13:00:00.000Z"
    assert (new.close_escalation_at, new.close_in_min, new.close_diff_in_min) == (None, None, None)


def test_agent_reply_records_first_response_and_rearms_update():
    cat = catalog([NORMAL])
    answered = write(created(cat), "2026-12-01 09:40", cat, first_response_at=stamp("2026-12-01 09:40"),
                     last_contact_agent_at=stamp("2026-12-01 09:40"), last_contact_at=stamp("2026-12-01 09:40"))
    assert (answered.first_response_in_min, answered.first_response_diff_in_min) == (40, 80)
    assert answered.first_response_escalation_at is None
    assert answered.update_escalation_at == "2026-12-01T11:40:00.000Z"
    assert (answered.update_in_min, answered.update_diff_in_min) == (40, 80)
    assert answered.escalation_at == "2026-12-01T11:40:00.000Z"


def test_customer_reply_rearms_update_from_the_customer_time_and_next_agent_reply_is_measured_from_it():
    cat = catalog([NORMAL])
    answered = write(created(cat), "2026-12-01 09:40", cat, first_response_at=stamp("2026-12-01 09:40"),
                     last_contact_agent_at=stamp("2026-12-01 09:40"))
    customer = write(answered, "2026-12-01 10:30", cat, last_contact_customer_at=stamp("2026-12-01 10:30"))
    assert customer.update_escalation_at == "2026-12-01T12:30:00.000Z"
    assert (customer.update_in_min, customer.update_diff_in_min) == (40, 80)  # kept: not an agent reply
    agent = write(customer, "2026-12-01 16:45", cat, last_contact_agent_at=stamp("2026-12-01 16:45"))
    # 10:30 -> 16:45 is 375 business minutes: 255 over the 120 allowed.
    assert (agent.update_in_min, agent.update_diff_in_min) == (375, -255)
    assert agent.update_escalation_at == "2026-12-02T09:45:00.000Z"  # 15 minutes today, 105 tomorrow


def test_a_pending_state_stops_the_clock_and_resuming_moves_deadlines_by_the_paused_business_time():
    cat = catalog([NORMAL])
    new = created(cat)
    pending = write(new, "2026-12-01 10:00", cat, state_id=PENDING_REMINDER, pending_time=stamp("2026-12-01 14:00"))
    assert pending.escalation_pauses == [["2026-12-01T10:00:00.000Z", None]]
    assert new.escalation_pauses == []
    assert all(getattr(pending, f"{t}_escalation_at") is None for t in ("first_response", "update", "close"))
    assert pending.escalation_at is None and pending.sla_id == NORMAL.id
    # Staying paused keeps the one open pause.
    still = write(pending, "2026-12-01 12:00", cat, title="Printer (waiting)")
    assert still.escalation_pauses == pending.escalation_pauses

    resumed = write(still, "2026-12-01 14:00", cat, state_id=OPEN)
    assert resumed.escalation_pauses == [["2026-12-01T10:00:00.000Z", "2026-12-01T14:00:00.000Z"]]
    # Four business hours later than without the pause.
    assert resumed.first_response_escalation_at == "2026-12-01T15:00:00.000Z"
    assert resumed.update_escalation_at == "2026-12-01T15:00:00.000Z"
    assert resumed.close_escalation_at == "2026-12-02T12:00:00.000Z"
    assert resumed.escalation_at == "2026-12-01T15:00:00.000Z"


def test_recompute_never_changes_the_stored_versions_pause_list():
    cat = catalog([NORMAL])
    before = created(cat, state_id=PENDING_REMINDER)
    after = copy.copy(before)  # shares the list object, as a careless caller might
    after.state_id = OPEN
    recompute(before, after, cat, utc("2026-12-01 11:00"))
    assert before.escalation_pauses == [["2026-12-01T09:00:00.000Z", None]]
    assert after.escalation_pauses == [["2026-12-01T09:00:00.000Z", "2026-12-01T11:00:00.000Z"]]


def test_created_in_a_pending_state_starts_paused():
    new = created(catalog([NORMAL]), state_id=PENDING_CLOSE)
    assert new.escalation_pauses == [["2026-12-01T09:00:00.000Z", None]]
    assert new.escalation_at is None and new.sla_id == NORMAL.id


def test_closing_clears_deadlines_and_records_the_solution_time():
    cat = catalog([NORMAL])
    answered = write(created(cat), "2026-12-01 09:40", cat, first_response_at=stamp("2026-12-01 09:40"),
                     last_contact_agent_at=stamp("2026-12-01 09:40"))
    closed = write(answered, "2026-12-01 15:00", cat, state_id=CLOSED, close_at=stamp("2026-12-01 15:00"))
    assert (closed.close_in_min, closed.close_diff_in_min) == (360, 120)
    assert (closed.first_response_escalation_at, closed.update_escalation_at, closed.close_escalation_at,
            closed.escalation_at) == (None, None, None, None)
    assert (closed.first_response_in_min, closed.update_in_min) == (40, 40)  # the figures stay
    assert closed.escalation_pauses == [["2026-12-01T15:00:00.000Z", None]]
    # Reopened: the solution clock runs again, without the time spent closed.
    reopened = write(closed, "2026-12-02 09:00", cat, state_id=OPEN)
    assert reopened.close_escalation_at == "2026-12-02T11:00:00.000Z"  # 360 used, 120 left from 09:00
    assert (reopened.close_in_min, reopened.close_diff_in_min) == (360, 120)


def test_a_ticket_whose_sla_stops_matching_loses_its_deadlines():
    cat = catalog([NORMAL])
    answered = write(created(cat), "2026-12-01 09:40", cat, first_response_at=stamp("2026-12-01 09:40"),
                     last_contact_agent_at=stamp("2026-12-01 09:40"))
    raised = write(answered, "2026-12-01 10:00", cat, priority_id=3)
    assert all(getattr(raised, name) is None for name in ESCALATION_FIELDS)
    assert len(ESCALATION_FIELDS) == 11


def test_no_sla_or_a_missing_calendar_means_no_deadlines():
    assert created(catalog([])).escalation_at is None
    orphan = created(catalog([NORMAL], calendars=[]))
    assert orphan.sla_id is None and orphan.first_response_escalation_at is None


def test_a_target_out_of_reach_has_no_deadline():
    sparse = Calendar(9, "one minute a week", business_hours=every_day(("09:00", "09:01"), days=("mon",)))
    new = created(catalog([replace(NORMAL, calendar_id=9, solution_time=525600)], calendars=[sparse]))
    assert new.close_escalation_at is None
    assert new.first_response_escalation_at is not None and new.escalation_at == new.first_response_escalation_at


# --- due events and OTRS figures ----------------------------------------------------------------------

def test_due_events_for_deadlines():
    cat = catalog([NORMAL])
    new = created(cat)
    events = due_events(new, cat, 30)
    assert events == (
        DueEvent("first_response", "warning", "2026-12-01T10:30:00.000Z", "2026-12-01T11:00:00.000Z"),
        DueEvent("update", "warning", "2026-12-01T10:30:00.000Z", "2026-12-01T11:00:00.000Z"),
        DueEvent("first_response", "escalation", "2026-12-01T11:00:00.000Z", "2026-12-01T11:00:00.000Z"),
        DueEvent("update", "escalation", "2026-12-01T11:00:00.000Z", "2026-12-01T11:00:00.000Z"),
        DueEvent("close", "warning", "2026-12-01T16:30:00.000Z", "2026-12-01T17:00:00.000Z"),
        DueEvent("close", "escalation", "2026-12-01T17:00:00.000Z", "2026-12-01T17:00:00.000Z"))
    assert [e.level for e in due_events(new, cat, 0)] == ["escalation"] * 3
    with pytest.raises(ValueError):
        due_events(new, cat, -5)


@pytest.mark.parametrize("pending_time", ["2026-12-03T10:00:00Z", "2026-12-03T11:00:00+01:00",
                                          "2026-12-03T10:00:00.000Z"])
def test_due_events_for_pending_states(pending_time):
    cat = catalog([])
    reminder = ticket(state_id=PENDING_REMINDER, pending_time=pending_time)
    at = "2026-12-03T10:00:00.000Z"
    assert due_events(reminder, cat, 30) == (DueEvent("pending_reminder", "reminder", at, at),)
    closing = ticket(state_id=PENDING_CLOSE, pending_time=pending_time)
    assert due_events(closing, cat, 30) == (DueEvent("pending_close", "close", at, at),)


def test_no_pending_event_without_a_usable_time_or_target_state():
    cat = catalog([])
    assert due_events(ticket(state_id=PENDING_REMINDER, pending_time="next week"), cat, 30) == ()
    assert due_events(ticket(state_id=PENDING_REMINDER), cat, 30) == ()
    assert due_events(ticket(state_id=PENDING_NOWHERE, pending_time="2026-12-03T10:00:00Z"), cat, 30) == ()
    assert due_events(ticket(state_id=OPEN, pending_time="2026-12-03T10:00:00Z"), cat, 30) == ()


def test_otrs_escalation():
    new = created(catalog([NORMAL]))
    eleven, five = int(utc("2026-12-01 11:00").timestamp()), int(utc("2026-12-01 17:00").timestamp())
    assert otrs_escalation(new) == {"EscalationResponseTime": eleven, "EscalationUpdateTime": eleven,
                                    "EscalationSolutionTime": five, "EscalationTime": eleven}
    assert otrs_escalation(ticket()) == {"EscalationResponseTime": 0, "EscalationUpdateTime": 0,
                                         "EscalationSolutionTime": 0, "EscalationTime": 0}
