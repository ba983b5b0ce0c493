"""OTRS process management as data: process definitions (activities, the dialogs filled in each, the
transitions and the path between activities), their validation, and the engine that starts a ticket
in a process and moves it on as dialogs are submitted.

A process ticket is an ordinary core ticket: every write goes through TicketService (permissions,
history, notifications, escalation all apply). Its place in the process is kept in
`ticket.preferences["process"] = {"ProcessEntityID", "ActivityEntityID"}`, visible to agents in
/api/v1 as OTRS shows agents the process fields. Definitions are a few small documents read by id.

The definition format is OTRS's ProcessManagement model, reduced:
    {"EntityID": "Process-<32 hex>", "Name": ..., "State": "Active"|"FadeAway"|"Inactive",
     "StartActivity": <Activity id>, "StartActivityDialog": <ActivityDialog id>,
     "Activities": {id: {"Name", "ActivityDialogs": [dialog ids]}},
     "ActivityDialogs": {id: {"Name", "Interface": ["CustomerInterface", "AgentInterface"],
                              "Fields": {name: {"Display": 0|1|2, "DescriptionShort", "DefaultValue"}},
                              "FieldOrder": [names]}},
     "Transitions": {id: {"Name", "Condition": {field: value}}},
     "Path": {activity id: {transition id: {"ActivityEntityID": next activity id}}}}
Fields: Title, Article (submitted as Subject + Body), PriorityID, QueueID, StateID and
DynamicField_<name> (a custom ticket field of core.object_attributes).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from . import policy
from .catalog import Ref
from .errors import (Conflict, DomainError, FollowUpRejected, InvalidInput, NotFound, OperationFailed,
                     PermissionDenied)
from .model import Principal, Ticket
from .object_attributes import value_matches
from .ports import Clock, ProcessRepository, StoredProcess
from .tickets import SAVE_ATTEMPTS, ArticleInput, AttachmentInput, TicketInput, TicketService

ACTIVE, FADE_AWAY, INACTIVE = "Active", "FadeAway", "Inactive"
PROCESS_STATES = (ACTIVE, FADE_AWAY, INACTIVE)  # FadeAway: running tickets go on, no new ones start
CUSTOMER_INTERFACE, AGENT_INTERFACE = "CustomerInterface", "AgentInterface"
INTERFACES = (CUSTOMER_INTERFACE, AGENT_INTERFACE)
HIDDEN, OPTIONAL, REQUIRED = 0, 1, 2
ARTICLE = "Article"
ID_FIELDS = {"PriorityID": "priority", "QueueID": "group", "StateID": "state"}  # -> the core's Ref field
TICKET_FIELDS = ("Title", ARTICLE, *ID_FIELDS)
DYNAMIC_FIELD = re.compile(r"^DynamicField_([a-z0-9_]+)$")
ENTITY_ID = {kind: re.compile(rf"^{kind}-[0-9a-f]{{32}}$")
             for kind in ("Process", "Activity", "ActivityDialog", "Transition")}
MAX_DEFINITION_CHARS = 100_000  # one item stays far below DynamoDB's 400 KB
PREFERENCE = "process"          # the ticket.preferences key holding the ticket's place

NO_ACTIVITY = "No activity found to the current ticket state."
INVALID_TICKET_DATA = "Invalid ticket data."
# OTRS's custom error identifiers of a failed save step (seed 000, OTRS-17/27).
COULD_NOT_CREATE_TICKET = ("CouldNotCreateTicket", "The system was unable to create the ticket.")
COULD_NOT_CREATE_ARTICLE = ("CouldNotCreateTicketArticle", "The system was unable to create the ticket article.")
COULD_NOT_PREPARE_DATA = ("CouldNotPrepareData", "The system was unable to prepare the data to store it.")
COULD_NOT_SET_DYNAMIC_FIELD = ("CouldNotSetDynamicFieldValue", "The system was unable to set dynamic ticket data.")
COULD_NOT_SET_PROCESS_STATE = ("CouldNotSetTicketProcessState",
                               "The system was unable to set the ticket process state.")
COULD_NOT_UPDATE_TICKET = ("CouldNotUpdateTicket", "The system was unable to update ticket information.")

# Where a submitted key goes: the dialog field it fills.
SUBMITTED_KEYS = {"Title": "Title", "Subject": ARTICLE, "Body": ARTICLE, "FormID": ARTICLE,
                  **{name: name for name in ID_FIELDS}}
# Core field names (InvalidInput.field) -> the submitted key they came from.
CORE_FIELDS = {"title": "Title", "article": "Body", "article.body": "Body", "attachments": "FormID",
               **{core: name for name, core in ID_FIELDS.items()}}


# --- errors --------------------------------------------------------------------------------------

class NoActivity(NotFound):
    """The process, its current activity or the dialog asked for is not there (OTRS's 404)."""

    def __init__(self, key: Any) -> None:
        super().__init__("Process activity", key)
        self.message = NO_ACTIVITY


@dataclass(frozen=True)
class FieldProblem:
    """One field of a rejected submission, as OTRS's validators name it: `Required` (missing),
    `IncorrectDisplayConfig` (not shown in the dialog) or `Invalid` (the value was refused: `message`)."""
    validator: str
    value: Any = None
    message: str = ""


class SubmissionInvalid(InvalidInput):
    """A dialog submission with field problems, keyed by the submitted field name."""

    def __init__(self, problems: dict[str, FieldProblem]) -> None:
        super().__init__(INVALID_TICKET_DATA, field=next(iter(problems), None))
        self.problems = problems


def failed(step: tuple[str, str]) -> OperationFailed:
    return OperationFailed(*step)


# --- definitions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DialogField:
    name: str
    display: int
    description: str = ""
    default: Any = None

    @property
    def shown(self) -> bool:
        return self.display != HIDDEN


@dataclass(frozen=True)
class ActivityDialog:
    entity_id: str
    name: str
    interfaces: tuple[str, ...]
    fields: tuple[DialogField, ...]  # in FieldOrder

    def field(self, name: str) -> Optional[DialogField]:
        return next((f for f in self.fields if f.name == name), None)

    def shows(self, name: str) -> bool:
        found = self.field(name)
        return found is not None and found.shown

    def offered_to(self, interface: str) -> bool:
        return interface in self.interfaces


@dataclass(frozen=True)
class Activity:
    entity_id: str
    name: str
    dialog_ids: tuple[str, ...]


@dataclass(frozen=True)
class Transition:
    entity_id: str
    name: str
    condition: tuple[tuple[str, Any], ...]  # every (field, value) must hold; none: always


@dataclass(frozen=True)
class Process:
    entity_id: str
    name: str
    state: str
    start_activity: str
    start_dialog: str
    activities: dict[str, Activity]
    dialogs: dict[str, ActivityDialog]
    transitions: dict[str, Transition]
    path: dict[str, tuple[tuple[str, str], ...]]  # activity -> ((transition, next activity), ...) in order
    definition: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)
    version: int = 0


def entity_id(kind: str, name: str) -> str:
    """A stable EntityID for a name (provisioning seeds the same ids on every run)."""
    return f"{kind}-{hashlib.md5(f'{kind}:{name}'.encode()).hexdigest()}"


def field_kind(name: str) -> Optional[str]:
    """"ticket" for the fixed fields, "dynamic" for DynamicField_<name>, None for anything else."""
    if name in TICKET_FIELDS:
        return "ticket"
    return "dynamic" if DYNAMIC_FIELD.match(name) else None


class _Problems:
    """Collects what is wrong with a definition, so an admin sees every problem at once."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, ok: bool, message: str) -> bool:
        if not ok:
            self.found.append(message)
        return ok

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        return value if self.check(isinstance(value, dict), f"{where} must be an object") else {}

    def name(self, value: Any, where: str) -> str:
        ok = isinstance(value, str) and bool(value.strip())
        return value.strip() if self.check(ok, f"{where}.Name must be a non-empty string") else ""

    def ids(self, values: dict[str, Any], kind: str, where: str) -> None:
        for key in values:
            self.check(bool(ENTITY_ID[kind].match(key)), f"{where}: '{key}' is not a {kind}-<32 hex> EntityID")


def parse_definition(doc: Any, version: int = 0) -> Process:
    """A definition document -> Process, or InvalidInput listing every problem (unknown references,
    fields or values that cannot work)."""
    p = _Problems()
    doc = p.mapping(doc, "The definition")
    if doc and p.check(len(json.dumps(doc)) <= MAX_DEFINITION_CHARS,
                       f"The definition exceeds {MAX_DEFINITION_CHARS} characters"):
        process_id = doc.get("EntityID")
        p.check(isinstance(process_id, str) and bool(ENTITY_ID["Process"].match(process_id)),
                "EntityID must be Process-<32 hex>")
        name = p.name(doc.get("Name"), "Process")
        state = doc.get("State", ACTIVE)
        p.check(state in PROCESS_STATES, f"State must be one of {', '.join(PROCESS_STATES)}")
        dialogs = _dialogs(p, p.mapping(doc.get("ActivityDialogs"), "ActivityDialogs"))
        activities = _activities(p, p.mapping(doc.get("Activities"), "Activities"), dialogs)
        transitions = _transitions(p, p.mapping(doc.get("Transitions", {}), "Transitions"))
        path = _path(p, p.mapping(doc.get("Path", {}), "Path"), activities, transitions)
        start, start_dialog = doc.get("StartActivity"), doc.get("StartActivityDialog")
        if p.check(isinstance(start, str) and start in activities, "StartActivity must name one of the Activities") and p.check(
                start_dialog in activities[start].dialog_ids,
                "StartActivityDialog must be one of the StartActivity's ActivityDialogs"):
            _check_start_dialog(p, dialogs[start_dialog])
        _check_customer_dialogs(p, activities, dialogs, start_dialog)
    if p.found:
        raise InvalidInput("Invalid process definition: " + "; ".join(p.found), field="definition",
                           problems=p.found)
    return Process(entity_id=process_id, name=name, state=state, start_activity=start, start_dialog=start_dialog,
                   activities=activities, dialogs=dialogs, transitions=transitions, path=path, definition=doc,
                   version=version)


def _dialogs(p: _Problems, raw: dict[str, Any]) -> dict[str, ActivityDialog]:
    p.ids(raw, "ActivityDialog", "ActivityDialogs")
    dialogs = {}
    for dialog_id, spec in raw.items():
        where = f"ActivityDialogs.{dialog_id}"
        spec = p.mapping(spec, where)
        interfaces = spec.get("Interface")
        p.check(isinstance(interfaces, list) and bool(interfaces) and all(i in INTERFACES for i in interfaces),
                f"{where}.Interface must list one or both of {', '.join(INTERFACES)}")
        fields = p.mapping(spec.get("Fields"), f"{where}.Fields")
        order = spec.get("FieldOrder", list(fields))
        p.check(isinstance(order, list) and sorted(map(str, order)) == sorted(fields),
                f"{where}.FieldOrder must list each of its Fields once")
        ordered = list(dict.fromkeys([n for n in (order if isinstance(order, list) else [])
                                      if isinstance(n, str) and n in fields]
                                     + list(fields)))  # every field is checked, listed in order or not
        dialogs[dialog_id] = ActivityDialog(
            entity_id=dialog_id, name=p.name(spec.get("Name"), where),
            interfaces=tuple(interfaces) if isinstance(interfaces, list) else (),
            fields=tuple(_field(p, name, fields[name], f"{where}.Fields.{name}") for name in ordered))
    return dialogs


def _field(p: _Problems, name: str, spec: Any, where: str) -> DialogField:
    spec = p.mapping(spec, where)
    p.check(field_kind(name) is not None,
            f"{where}: unknown field (use {', '.join(TICKET_FIELDS)} or DynamicField_<name>)")
    display = spec.get("Display")
    p.check(display in (HIDDEN, OPTIONAL, REQUIRED) and not isinstance(display, bool),
            f"{where}.Display must be 0 (hidden), 1 (optional) or 2 (required)")
    description = spec.get("DescriptionShort", "")
    p.check(isinstance(description, str), f"{where}.DescriptionShort must be a string")
    default = spec.get("DefaultValue")
    if name == ARTICLE:
        p.check(display != HIDDEN and default is None,
                f"{where}: the Article is written by whoever fills the dialog (no hidden Article, no DefaultValue)")
    elif display == HIDDEN:
        p.check(default is not None, f"{where}: a hidden field needs a DefaultValue")
    if name in ID_FIELDS and default is not None:
        p.check(_as_id(default) is not None, f"{where}.DefaultValue must be an integer id")
    if name == "Title" and default is not None:
        p.check(isinstance(default, str) and bool(default.strip()), f"{where}.DefaultValue must be a text")
    return DialogField(name=name, display=display if isinstance(display, int) else HIDDEN,
                       description=description if isinstance(description, str) else "", default=default)


def _activities(p: _Problems, raw: dict[str, Any], dialogs: dict[str, ActivityDialog]) -> dict[str, Activity]:
    p.check(bool(raw), "Activities must define at least one activity")
    p.ids(raw, "Activity", "Activities")
    activities = {}
    for activity_id, spec in raw.items():
        where = f"Activities.{activity_id}"
        spec = p.mapping(spec, where)
        dialog_ids = spec.get("ActivityDialogs", [])
        if not p.check(isinstance(dialog_ids, list), f"{where}.ActivityDialogs must be a list"):
            dialog_ids = []
        known = [d for d in dialog_ids if isinstance(d, str) and d in dialogs]
        for dialog_id in dialog_ids:
            p.check(dialog_id in known, f"{where}.ActivityDialogs: '{dialog_id}' is not defined")
        activities[activity_id] = Activity(activity_id, p.name(spec.get("Name"), where), tuple(known))
    return activities


def _transitions(p: _Problems, raw: dict[str, Any]) -> dict[str, Transition]:
    p.ids(raw, "Transition", "Transitions")
    transitions = {}
    for transition_id, spec in raw.items():
        where = f"Transitions.{transition_id}"
        spec = p.mapping(spec, where)
        condition = p.mapping(spec.get("Condition", {}), f"{where}.Condition")
        for name, wanted in condition.items():
            p.check(field_kind(name) is not None and name != ARTICLE, f"{where}.Condition: '{name}' is not a ticket field")
            p.check(isinstance(wanted, (str, int, float, bool)), f"{where}.Condition.{name} must be a single value")
        transitions[transition_id] = Transition(transition_id, p.name(spec.get("Name"), where),
                                                tuple(condition.items()))
    return transitions


def _path(p: _Problems, raw: dict[str, Any], activities: dict[str, Activity],
          transitions: dict[str, Transition]) -> dict[str, tuple[tuple[str, str], ...]]:
    path = {}
    for activity_id, steps in raw.items():
        where = f"Path.{activity_id}"
        p.check(activity_id in activities, f"{where}: the activity is not defined")
        found = []
        for transition_id, target in p.mapping(steps, where).items():
            next_id = target.get("ActivityEntityID") if isinstance(target, dict) else None
            if p.check(transition_id in transitions, f"{where}: transition '{transition_id}' is not defined") \
                    and p.check(isinstance(next_id, str) and next_id in activities,
                                f"{where}.{transition_id}.ActivityEntityID must name one of the Activities"):
                found.append((transition_id, next_id))
        path[activity_id] = tuple(found)
    return path


def _check_start_dialog(p: _Problems, dialog: ActivityDialog) -> None:
    """A new ticket needs a title, a queue and a first article (the core's ticket always has one)."""
    where = f"StartActivityDialog {dialog.entity_id}"
    article = dialog.field(ARTICLE)
    p.check(article is not None and article.display == REQUIRED, f"{where} must require the Article (Display 2)")
    for name in ("Title", "QueueID"):
        found = dialog.field(name)
        p.check(found is not None and (found.display == REQUIRED or found.default is not None),
                f"{where} must require {name} or give it a DefaultValue")


def _check_customer_dialogs(p: _Problems, activities: dict[str, Activity], dialogs: dict[str, ActivityDialog],
                            start_dialog: Any) -> None:
    """Customers cannot move a ticket to another queue: only the start dialog may set one for them."""
    used = {d for a in activities.values() for d in a.dialog_ids}
    for dialog_id in sorted(used):
        dialog = dialogs[dialog_id]
        if dialog_id != start_dialog and dialog.offered_to(CUSTOMER_INTERFACE):
            p.check(dialog.field("QueueID") is None,
                    f"ActivityDialogs.{dialog_id}: a customer dialog after the start cannot set QueueID")


def _as_id(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# --- administration --------------------------------------------------------------------------------

class ProcessAdmin:
    """Admins put definitions (validated) and read them. No HTTP route is documented for this; the
    provisioning seeds an example and the external frontend may expose it later."""

    def __init__(self, repository: ProcessRepository) -> None:
        self._repository = repository

    def put(self, principal: Principal, definition: dict[str, Any]) -> Process:
        """Create or replace the definition with this EntityID (never over a concurrent change)."""
        policy.require(policy.can_manage_processes(principal))
        process = parse_definition(definition)
        current = self._repository.get(process.entity_id)
        stored = StoredProcess(process.entity_id, process.definition)
        self._repository.put(stored, current.version if current else 0)
        return replace(process, version=stored.version)

    def get(self, principal: Principal, process_id: str) -> Process:
        policy.require(policy.can_manage_processes(principal))
        stored = self._repository.get(process_id)
        if stored is None:
            raise NotFound("Process", process_id)
        return parse_definition(stored.definition, stored.version)

    def list(self, principal: Principal) -> list[Process]:
        policy.require(policy.can_manage_processes(principal))
        return [parse_definition(s.definition, s.version) for s in self._repository.all()]


# --- the engine --------------------------------------------------------------------------------------

@dataclass
class Submission:
    """A filled-in dialog: the caller's interface, the dialog (None: the one the activity offers the
    caller), the values by submitted key (Title, Subject, Body, PriorityID, QueueID, StateID,
    DynamicField_<name>; other keys are ignored) and the uploaded files for the article."""
    interface: str
    dialog_id: Optional[str] = None
    values: dict[str, Any] = field(default_factory=dict)
    attachments: list[AttachmentInput] = field(default_factory=list)
    content_type: str = "text/plain"  # of the Body


@dataclass(frozen=True)
class Place:
    """Where a ticket stands: its process, current activity and the dialogs the caller may fill now."""
    ticket: Ticket
    process: Process
    activity: Activity
    dialogs: tuple[ActivityDialog, ...]


def interface_of(principal: Principal) -> str:
    return AGENT_INTERFACE if principal.is_agent else CUSTOMER_INTERFACE


def placement(ticket: Ticket) -> Optional[dict[str, str]]:
    """The ticket's `{"ProcessEntityID", "ActivityEntityID"}`, or None for a ticket in no process."""
    place = ticket.preferences.get(PREFERENCE)
    if isinstance(place, dict) and isinstance(place.get("ProcessEntityID"), str) \
            and isinstance(place.get("ActivityEntityID"), str):
        return place
    return None


def ticket_value(ticket: Ticket, name: str) -> Any:
    """A ticket's current value of a process field (for transition conditions)."""
    if name == "Title":
        return ticket.title
    if name in ID_FIELDS:
        return {"PriorityID": ticket.priority_id, "QueueID": ticket.group_id, "StateID": ticket.state_id}[name]
    match = DYNAMIC_FIELD.match(name)
    return ticket.attributes.get(match.group(1)) if match else None


def next_activity(process: Process, activity_id: str, ticket: Ticket) -> str:
    """The target of the first transition (in the Path's order) whose condition the ticket meets;
    the same activity when none does. One step per saved dialog, as OTRS does."""
    for transition_id, target in process.path.get(activity_id, ()):
        condition = process.transitions[transition_id].condition
        if all(value_matches(ticket_value(ticket, name), str(wanted)) for name, wanted in condition):
            return target
    return activity_id


def check_submission(dialog: ActivityDialog, submission: Submission) -> None:
    """Every submitted field shown in the dialog, every required one given (SubmissionInvalid)."""
    problems: dict[str, FieldProblem] = {}
    given = dict(submission.values)
    if submission.attachments:
        given["FormID"] = [a.filename for a in submission.attachments]
    for key, value in given.items():
        name = SUBMITTED_KEYS.get(key) or (key if DYNAMIC_FIELD.match(key) else None)
        if name is not None and not dialog.shows(name):
            problems[key] = FieldProblem("IncorrectDisplayConfig", value)
    for dialog_field in dialog.fields:
        key = "Body" if dialog_field.name == ARTICLE else dialog_field.name
        if dialog_field.display == REQUIRED and _blank(given.get(key)) and key not in problems:
            problems[key] = FieldProblem("Required")
    if problems:
        raise SubmissionInvalid(problems)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


class ProcessEngine:
    """Starts tickets in processes, tells where a ticket stands, and saves dialogs on process tickets."""

    def __init__(self, repository: ProcessRepository, tickets: TicketService, clock: Clock) -> None:
        self._repository = repository
        self._tickets = tickets
        self._clock = clock

    def process(self, process_id: str) -> Optional[Process]:
        stored = self._repository.get(process_id) if ENTITY_ID["Process"].match(process_id or "") else None
        if stored is None:
            return None
        try:
            return parse_definition(stored.definition, stored.version)
        except InvalidInput:  # stored before a rule existed: unusable, not the caller's fault
            raise failed(COULD_NOT_PREPARE_DATA) from None

    def startable(self, principal: Principal) -> list[Process]:
        """Active processes whose start dialog the caller's interface may fill (OTRS's ProcessCount)."""
        interface = interface_of(principal)
        found = []
        for stored in self._repository.all():
            try:
                process = parse_definition(stored.definition, stored.version)
            except InvalidInput:
                continue
            if process.state == ACTIVE and process.dialogs[process.start_dialog].offered_to(interface):
                found.append(process)
        return found

    def place(self, principal: Principal, ticket_id: int) -> Place:
        """The ticket's process, activity and the dialogs the caller may fill there now."""
        ticket = self._tickets.get(principal, ticket_id)
        process, activity = self._where(ticket)
        interface = interface_of(principal)
        dialogs = tuple(process.dialogs[d] for d in activity.dialog_ids if process.dialogs[d].offered_to(interface))
        return Place(ticket, process, activity, dialogs)

    def start(self, principal: Principal, process_id: str, submission: Submission) -> Place:
        """A new ticket from the process' start dialog, placed in the activity its transitions lead to."""
        process = self.process(process_id)
        if process is None or process.state != ACTIVE:
            raise NoActivity(process_id)
        activity = process.activities[process.start_activity]
        dialog = self._dialog(principal, process, activity, submission, (process.start_dialog,))
        data, submitted = self._ticket_input(principal, dialog, submission, None)
        try:
            ticket, _ = self._tickets.create(principal, data)
        except InvalidInput as error:
            raise _refused(error, submitted) from error
        except Conflict:
            raise failed(COULD_NOT_CREATE_TICKET) from None
        return self._advance(principal, ticket.id, process, activity, expected=None)

    def submit(self, principal: Principal, ticket_id: int, process_id: str, submission: Submission) -> Place:
        """Save a dialog of the ticket's current activity, then follow the first transition that holds."""
        ticket = self._tickets.get(principal, ticket_id)
        process, activity = self._where(ticket, process_id)
        dialog = self._dialog(principal, process, activity, submission, activity.dialog_ids)
        data, submitted = self._ticket_input(principal, dialog, submission, ticket)
        try:
            self._tickets.update(principal, ticket_id, data)
        except FollowUpRejected:  # a closed ticket in a queue without follow-ups
            raise PermissionDenied() from None
        except InvalidInput as error:
            raise _refused(error, submitted) from error
        except Conflict:
            only_article = data.article is not None and data == TicketInput(article=data.article)
            raise failed(COULD_NOT_CREATE_ARTICLE if only_article else COULD_NOT_UPDATE_TICKET) from None
        return self._advance(principal, ticket_id, process, activity, expected=placement(ticket))

    # --- steps -------------------------------------------------------------------------------

    def _where(self, ticket: Ticket, process_id: Optional[str] = None) -> tuple[Process, Activity]:
        place = placement(ticket)
        if place is None or (process_id is not None and place["ProcessEntityID"] != process_id):
            raise NoActivity(ticket.id)
        process = self.process(place["ProcessEntityID"])
        if process is None or process.state == INACTIVE or place["ActivityEntityID"] not in process.activities:
            raise NoActivity(ticket.id)
        return process, process.activities[place["ActivityEntityID"]]

    @staticmethod
    def _dialog(principal: Principal, process: Process, activity: Activity, submission: Submission,
                candidates: tuple[str, ...]) -> ActivityDialog:
        """The dialog asked for (it must be one of `candidates`), or the first the caller may fill; the
        submission must come from the caller's own interface, and the dialog must be offered there."""
        interface = interface_of(principal)
        if submission.dialog_id is not None:
            if submission.dialog_id not in candidates:
                raise NoActivity(submission.dialog_id)
            chosen = [process.dialogs[submission.dialog_id]]
        else:
            if not candidates:
                raise NoActivity(activity.entity_id)
            chosen = [process.dialogs[d] for d in candidates if process.dialogs[d].offered_to(interface)] \
                or [process.dialogs[candidates[0]]]
        dialog = chosen[0]
        if submission.interface != interface or not dialog.offered_to(interface):
            raise PermissionDenied()
        check_submission(dialog, submission)
        return dialog

    def _ticket_input(self, principal: Principal, dialog: ActivityDialog, submission: Submission,
                      current: Optional[Ticket]) -> tuple[TicketInput, set[str]]:
        """The ticket write of a checked submission (`current`: the ticket, None for a new one), and the
        keys the caller submitted. Hidden fields take their DefaultValue; so do optional ones left
        empty on a new ticket. An article without a Subject takes the ticket's title."""
        new = current is None
        values, submitted = submission.values, set()
        data = TicketInput()
        problems: dict[str, FieldProblem] = {}
        attributes: dict[str, Any] = {}
        for dialog_field in dialog.fields:
            name = dialog_field.name
            if name == ARTICLE:
                data.article = self._article(submission, problems, submitted)
                continue
            value = values.get(name) if dialog_field.shown else None
            if _blank(value):
                if not (dialog_field.display == HIDDEN or new) or dialog_field.default is None:
                    continue
                value = dialog_field.default
            else:
                submitted.add(name)
            if name == "Title":
                if isinstance(value, str):
                    data.title = value
                else:
                    problems[name] = FieldProblem("Invalid", value, "Title must be a text.")
            elif name in ID_FIELDS:
                number = _as_id(value)
                if number is None:
                    problems[name] = FieldProblem("Invalid", value, f"{name} must be an integer id.")
                else:
                    setattr(data, ID_FIELDS[name], Ref(ID_FIELDS[name], id=number))
            else:
                attributes[DYNAMIC_FIELD.match(name).group(1)] = value
        if problems:
            raise SubmissionInvalid(problems)
        if data.article is not None and not data.article.subject:
            data.article.subject = data.title or (current.title if current else "")
        if attributes:
            data.attributes = self._dynamic_values(principal, attributes, submitted)
        return data, submitted

    @staticmethod
    def _article(submission: Submission, problems: dict[str, FieldProblem], submitted: set[str]) -> Optional[ArticleInput]:
        body, subject, attachments = submission.values.get("Body"), submission.values.get("Subject"), submission.attachments
        for key, value in (("Body", body), ("Subject", subject)):
            if value is not None and not isinstance(value, str):
                problems[key] = FieldProblem("Invalid", value, f"{key} must be a text.")
        if (_blank(body) and not attachments) or problems:
            return None
        submitted.update({"Body", "Subject", "FormID"})
        return ArticleInput(body=body or "", subject=(subject or "").strip(), content_type=submission.content_type,
                            type=Ref("type", name="web"), attachments=list(attachments))

    def _dynamic_values(self, principal: Principal, values: dict[str, Any], submitted: set[str]) -> dict[str, Any]:
        """Values of custom ticket fields, checked before anything is written: a field that is not
        defined (any more) or not the caller's to set cannot be stored."""
        fields = self._tickets.fields() if self._tickets.fields is not None else None
        if fields is None or not set(values) <= fields.names():
            raise failed(COULD_NOT_SET_DYNAMIC_FIELD)
        try:
            checked = fields.check(principal, values, self._clock.now())
        except InvalidInput as error:
            raise _refused(error, submitted) from error
        if set(checked) != set(values):
            raise failed(COULD_NOT_SET_DYNAMIC_FIELD)
        return values

    def _advance(self, principal: Principal, ticket_id: int, process: Process, activity: Activity,
                 expected: Optional[dict[str, str]]) -> Place:
        """Record the ticket's new place: only while it still stands where the dialog was checked
        (`expected`; None for a new ticket), so two saves of one activity cannot both move it on."""
        repository = self._tickets.tickets
        for _ in range(SAVE_ATTEMPTS):
            ticket = repository.get(ticket_id)
            if ticket is None or placement(ticket) != expected:
                break
            target = next_activity(process, activity.entity_id, ticket)
            changed = replace(ticket, preferences={**ticket.preferences, PREFERENCE: {
                "ProcessEntityID": process.entity_id, "ActivityEntityID": target}})
            try:
                repository.save(changed, ticket.version)
            except Conflict:
                continue
            interface = interface_of(principal)
            reached = process.activities[target]
            return Place(changed, process, reached, tuple(
                process.dialogs[d] for d in reached.dialog_ids if process.dialogs[d].offered_to(interface)))
        raise failed(COULD_NOT_SET_PROCESS_STATE)


def _refused(error: InvalidInput, submitted: set[str]) -> DomainError:
    """A value the core refused: the caller's field (422), or the definition's own default (900)."""
    core_field = error.field or ""
    key = CORE_FIELDS.get(core_field) or (f"DynamicField_{core_field}" if core_field else "")
    if key in submitted:
        return SubmissionInvalid({key: FieldProblem("Invalid", getattr(error, "value", None), error.message)})
    if key.startswith("DynamicField_"):
        return failed(COULD_NOT_SET_DYNAMIC_FIELD)
    return failed(COULD_NOT_PREPARE_DATA)
