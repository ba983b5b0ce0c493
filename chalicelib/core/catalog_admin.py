"""Administering the catalog: ticket states, ticket priorities, groups, calendars and SLAs (Zammad's
admin screens), and the fixed roles.

Load -> authorize -> change -> save, like every service. The whole catalog is one small partition,
so a change reads it once (`versioned_snapshot`), checks names, defaults and references against it,
and writes every item it touches in one atomic write that is conditional on the catalog's version:
a concurrent change makes the write fail, and the service starts over on the new catalog (a few
times, then Conflict). Nothing is half written: setting a new default and clearing the old one is
one write.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from . import policy
from .errors import Conflict, InvalidInput, LookupFailed, NotFound
from .escalation import parse_business_hours, parse_holidays, time_zone, validate_condition
from .model import ROLES, STATE_TYPES, Calendar, Group, Principal, Priority, Role, Sla, State
from .ports import CatalogAdminRepository, CatalogObject, CatalogSnapshot, Clock, IdAllocator
from .users import iso

REFERENCED = "Can't delete, object has references."
NAME_TAKEN = "Name has already been taken"
NAME_MAX = 250
NOTE_MAX = 5000
FOLLOW_UP_OPTIONS = ("yes", "new_ticket")
MAX_ATTEMPTS = 5
T = TypeVar("T")

# Field kinds: how a view parses the value a caller sent. OBJECT: any JSON value, passed on as sent
# (the kind's validator checks it: business hours, holidays, SLA conditions).
TEXT, OPTIONAL_TEXT, FLAG, NUMBER, OPTIONAL_NUMBER = "text", "optional_text", "flag", "number", "optional_number"
OBJECT = "object"

COMMON_FIELDS = {"name": TEXT, "note": TEXT, "active": FLAG}
STATE_FIELDS = {**COMMON_FIELDS, "state_type_id": NUMBER, "next_state_id": OPTIONAL_NUMBER,
                "ignore_escalation": FLAG, "default_create": FLAG, "default_follow_up": FLAG}
PRIORITY_FIELDS = {**COMMON_FIELDS, "default_create": FLAG, "ui_icon": OPTIONAL_TEXT, "ui_color": OPTIONAL_TEXT}
GROUP_FIELDS = {**COMMON_FIELDS, "follow_up_possible": TEXT, "follow_up_assignment": FLAG,
                "assignment_timeout": OPTIONAL_NUMBER, "signature_id": OPTIONAL_NUMBER,
                "email_address_id": OPTIONAL_NUMBER}
# Zammad's Calendar and Sla have no `active`; `last_log`/`last_sync` belong to the iCal sync, not to callers.
CALENDAR_FIELDS = {"name": TEXT, "note": TEXT, "timezone": TEXT, "business_hours": OBJECT, "default": FLAG,
                   "ical_url": OPTIONAL_TEXT, "public_holidays": OBJECT}
SLA_TIMES = ("first_response_time", "update_time", "solution_time")
SLA_FIELDS = {"name": TEXT, "calendar_id": NUMBER, **{name: OPTIONAL_NUMBER for name in SLA_TIMES},
              "condition": OBJECT}
MAX_SLA_MINUTES = 525600  # one year


@dataclass
class CatalogInput:
    """The attributes a caller sent, already typed by the view (absent = leave alone).

    `state_type` is a state type named instead of `state_type_id` (Zammad's name-to-id convention);
    the name wins when both are sent.
    """
    values: dict[str, Any] = field(default_factory=dict)
    state_type: Optional[str] = None


def _no_checks(obj: Any, snapshot: CatalogSnapshot) -> None:
    """Kinds whose rules all live in `CatalogAdmin._validate`."""


def _unreferenced(obj: Any, snapshot: CatalogSnapshot) -> bool:
    return False


def _next_state_of_another(state: State, snapshot: CatalogSnapshot) -> bool:
    return any(s.next_state_id == state.id for s in snapshot.states if s.id != state.id)


def _used_by_an_sla(calendar: Calendar, snapshot: CatalogSnapshot) -> bool:
    return any(sla.calendar_id == calendar.id for sla in snapshot.slas)


def _check_calendar(calendar: Calendar, snapshot: CatalogSnapshot) -> None:
    """The escalation arithmetic must be able to use every stored calendar: same parsers."""
    time_zone(calendar.timezone)
    parse_business_hours(calendar.business_hours)
    if calendar.public_holidays is None:  # Zammad's "no holidays" as clients send it
        calendar.public_holidays = {}
    parse_holidays(calendar.public_holidays)


def _check_sla(sla: Sla, snapshot: CatalogSnapshot) -> None:
    if not sla.calendar_id:
        raise InvalidInput("Attribute 'calendar_id' required!", field="calendar_id")
    if not any(calendar.id == sla.calendar_id for calendar in snapshot.calendars):
        raise LookupFailed("calendar_id", sla.calendar_id)
    for name in SLA_TIMES:
        minutes = getattr(sla, name)
        if minutes is not None and not 0 < minutes <= MAX_SLA_MINUTES:
            raise InvalidInput(f"Invalid value for param '{name}': {minutes} (minutes, 1 to {MAX_SLA_MINUTES})",
                               field=name)
    sla.condition = validate_condition(sla.condition)  # stored normalised: values as lists of strings


@dataclass(frozen=True)
class Kind:
    name: str                       # "state" | "priority" | "group" | "calendar" | "sla": store kind and id sequence
    entity: str                     # Zammad's class name, for 404s
    fields: dict[str, str]
    defaults: tuple[str, ...]       # flags exactly one item of the catalogue holds
    may_manage: Callable[[Principal], bool]
    may_read: Callable[[Principal], bool]
    items: Callable[[CatalogSnapshot], list]
    new: Callable[[int], CatalogObject]
    check: Callable[[Any, CatalogSnapshot], None] = _no_checks        # kind-specific rules (may normalise)
    referenced: Callable[[Any, CatalogSnapshot], bool] = _unreferenced  # by another item of the catalogue
    ticket_references: bool = True  # tickets (or agents) refer to it: ask the store's `in_use` before a delete


def _anyone(principal: Principal) -> bool:
    """States and priorities: every signed-in user reads them (customers pick them on their tickets)."""
    return True


KINDS: dict[str, Kind] = {
    "state": Kind("state", "Ticket::State", STATE_FIELDS, ("default_create", "default_follow_up"),
                  policy.can_manage_states, _anyone, lambda s: s.states,
                  lambda i: State(id=i, name="", state_type_id=0), referenced=_next_state_of_another),
    "priority": Kind("priority", "Ticket::Priority", PRIORITY_FIELDS, ("default_create",),
                     policy.can_manage_priorities, _anyone, lambda s: s.priorities, lambda i: Priority(id=i, name="")),
    "group": Kind("group", "Group", GROUP_FIELDS, (), policy.can_manage_groups, policy.can_read_groups,
                  lambda s: s.groups, lambda i: Group(id=i, name="")),
    # Tickets keep the id of the SLA that applied, but that is a record, not a reference: the next write
    # of such a ticket matches the SLAs again. Calendars are referred to by SLAs only.
    "calendar": Kind("calendar", "Calendar", CALENDAR_FIELDS, ("default",), policy.can_manage_calendars,
                     policy.can_read_calendars, lambda s: s.calendars, lambda i: Calendar(id=i, name=""),
                     check=_check_calendar, referenced=_used_by_an_sla, ticket_references=False),
    "sla": Kind("sla", "Sla", SLA_FIELDS, (), policy.can_manage_slas, policy.can_read_slas, lambda s: s.slas,
                lambda i: Sla(id=i, name=""), check=_check_sla, ticket_references=False),
}


class CatalogAdmin:
    def __init__(self, store: CatalogAdminRepository, ids: IdAllocator, clock: Clock) -> None:
        self.store = store
        self._ids = ids
        self._clock = clock

    # --- states, priorities, groups, calendars, SLAs ---------------------------------------------

    def items(self, principal: Principal, kind_name: str) -> list:
        """Every item of the kind, by id (one read of the catalogue)."""
        kind = KINDS[kind_name]
        policy.require(kind.may_read(principal))
        return kind.items(self.store.snapshot())

    def item(self, principal: Principal, kind_name: str, object_id: int) -> CatalogObject:
        kind = KINDS[kind_name]
        policy.require(kind.may_read(principal))
        return self._find(kind, self.store.snapshot(), object_id)

    def create(self, principal: Principal, kind_name: str, data: CatalogInput) -> CatalogObject:
        kind = KINDS[kind_name]
        policy.require(kind.may_manage(principal))
        new_id: Optional[int] = None

        def attempt(snapshot: CatalogSnapshot, version: Any) -> CatalogObject:
            nonlocal new_id
            now = iso(self._clock)
            obj = kind.new(0)
            obj.created_by_id = obj.updated_by_id = principal.id
            obj.created_at = obj.updated_at = now
            self._apply(kind, obj, data, snapshot)
            taken = {item.id for item in kind.items(snapshot)}
            while new_id is None or new_id in taken:  # validated before an id is spent; never overwrite
                new_id = self._ids.next_id(kind.name)
            obj.id = new_id
            self.store.write(version, [obj, *self._settle_defaults(kind, obj, kind.items(snapshot), principal, now)])
            return obj
        return self._committed(attempt)

    def update(self, principal: Principal, kind_name: str, object_id: int, data: CatalogInput) -> CatalogObject:
        kind = KINDS[kind_name]
        policy.require(kind.may_manage(principal))

        def attempt(snapshot: CatalogSnapshot, version: Any) -> CatalogObject:
            obj = self._find(kind, snapshot, object_id)
            now = iso(self._clock)
            self._apply(kind, obj, data, snapshot)
            obj.updated_by_id = principal.id
            obj.updated_at = now
            self.store.write(version, [obj, *self._settle_defaults(kind, obj, kind.items(snapshot), principal, now)])
            return obj
        return self._committed(attempt)

    def delete(self, principal: Principal, kind_name: str, object_id: int) -> None:
        """Only what nothing refers to: no ticket, no agent's group access, no other state's
        `next_state_id`, no SLA (calendars), and never the catalogue's default. References inside the
        catalogue are read from the snapshot the write is conditional on, so they cannot appear meanwhile."""
        kind = KINDS[kind_name]
        policy.require(kind.may_manage(principal))

        def attempt(snapshot: CatalogSnapshot, version: Any) -> None:
            obj = self._find(kind, snapshot, object_id)
            if any(getattr(obj, flag) for flag in kind.defaults) or kind.referenced(obj, snapshot):
                raise InvalidInput(REFERENCED)
            if kind.ticket_references and self.store.in_use(kind.name, obj.id):
                raise InvalidInput(REFERENCED)
            self.store.write(version, [], [(kind.name, obj.id)])
        self._committed(attempt)

    def timezones(self, principal: Principal) -> dict[str, float]:
        """The time zones a calendar may name, with their UTC offsets now (calendar readers)."""
        policy.require(KINDS["calendar"].may_read(principal))
        return utc_offsets(self._clock.now())

    def _committed(self, attempt: Callable[[CatalogSnapshot, Any], T]) -> T:
        """Read the catalogue, change it, write only if nobody wrote meanwhile (the store raises
        Conflict then): on a race, start over from a fresh read, a few times."""
        for _ in range(MAX_ATTEMPTS):
            snapshot, version = self.store.versioned_snapshot()
            try:
                return attempt(snapshot, version)
            except Conflict:
                continue
        raise Conflict("The catalog was changed by someone else at the same time, please retry.")

    # --- roles (fixed: Admin, Agent, Customer) --------------------------------------------------

    def roles(self, principal: Principal) -> list[Role]:
        policy.require(policy.reads_all_roles(principal) or principal.is_agent or principal.has("ticket.customer"))
        return [role for role in ROLES if policy.can_read_role(principal, role.id)]

    def role(self, principal: Principal, role_id: int) -> Role:
        role = next((r for r in ROLES if r.id == role_id), None)
        if role is None:
            raise NotFound("Role", role_id)
        policy.require(policy.can_read_role(principal, role.id))
        return role

    # --- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _find(kind: Kind, snapshot: CatalogSnapshot, object_id: int) -> Any:
        found = next((item for item in kind.items(snapshot) if item.id == object_id), None)
        if found is None:
            raise NotFound(kind.entity, object_id)
        return found

    def _apply(self, kind: Kind, obj: Any, data: CatalogInput, snapshot: CatalogSnapshot) -> None:
        for name, value in data.values.items():
            if name not in kind.fields:
                continue
            if name == "name":
                value = value.strip()
            elif name == "note":
                value = value[:NOTE_MAX]
            elif isinstance(value, str) and len(value) > NAME_MAX:  # ui_icon, ui_color, follow_up_possible
                raise InvalidInput(f"Invalid value for param '{name}': longer than {NAME_MAX} characters", field=name)
            setattr(obj, name, value)
        if data.state_type is not None and kind.name == "state":
            wanted = data.state_type.strip().lower()
            type_id = next((tid for tid, name in STATE_TYPES.items() if name == wanted), None)
            if type_id is None:
                raise LookupFailed("state_type", data.state_type)
            obj.state_type_id = type_id
        self._validate(kind, obj, snapshot)

    @staticmethod
    def _validate(kind: Kind, obj: Any, snapshot: CatalogSnapshot) -> None:
        if not obj.name:
            raise InvalidInput("Name can't be blank", field="name")
        if len(obj.name) > NAME_MAX:
            raise InvalidInput(f"Name is too long (maximum is {NAME_MAX} characters)", field="name")
        lowered = obj.name.lower()
        if any(other.id != obj.id and other.name.lower() == lowered for other in kind.items(snapshot)):
            raise InvalidInput(NAME_TAKEN, field="name")
        if isinstance(obj, State):
            if not obj.state_type_id:
                raise InvalidInput("Attribute 'state_type_id' required!", field="state_type_id")
            if obj.state_type_id not in STATE_TYPES:
                raise LookupFailed("state_type_id", obj.state_type_id)
            if obj.next_state_id is not None and obj.next_state_id != obj.id and \
                    not any(s.id == obj.next_state_id for s in snapshot.states):
                raise LookupFailed("next_state_id", obj.next_state_id)
        if isinstance(obj, Group):
            if obj.follow_up_possible not in FOLLOW_UP_OPTIONS:
                raise InvalidInput(f"Invalid value for param 'follow_up_possible': {obj.follow_up_possible} "
                                   f"(one of {', '.join(FOLLOW_UP_OPTIONS)})", field="follow_up_possible")
            for name in ("assignment_timeout", "signature_id", "email_address_id"):
                value = getattr(obj, name)
                if value is not None and value < (0 if name == "assignment_timeout" else 1):
                    raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name)
        kind.check(obj, snapshot)

    @staticmethod
    def _settle_defaults(kind: Kind, obj: Any, items: list, principal: Principal, now: str) -> list:
        """One default per catalogue (Zammad's ensure_defaults): the item that takes a default
        clears it on the others; when the default is taken away, the first active other item
        (by id) gets it, and if there is none the item keeps it."""
        changed: dict[int, Any] = {}
        others = sorted((item for item in items if item.id != obj.id), key=lambda item: item.id)
        for flag in kind.defaults:
            if getattr(obj, flag):
                holders = [o for o in others if getattr(o, flag)]
            else:
                if any(getattr(o, flag) for o in others):
                    continue
                heir = next((o for o in others if o.active), None)
                if heir is None:
                    setattr(obj, flag, True)
                    continue
                holders = [heir]
            for other in holders:
                other = changed.get(other.id, other)
                setattr(other, flag, not getattr(other, flag))
                other.updated_by_id = principal.id
                other.updated_at = now
                changed[other.id] = other
        return list(changed.values())


def utc_offsets(now: datetime) -> dict[str, float]:
    """Every IANA time zone a calendar may use -> its offset from UTC at `now`, in hours (Zammad's
    /calendars/timezones; whole hours as integers, others as fractions: Asia/Kolkata 5.5)."""
    offsets: dict[str, float] = {}
    for name in sorted(available_timezones()):
        offset = now.astimezone(ZoneInfo(name)).utcoffset()
        if offset is not None:
            hours = offset.total_seconds() / 3600
            offsets[name] = int(hours) if hours.is_integer() else round(hours, 2)
    return offsets
