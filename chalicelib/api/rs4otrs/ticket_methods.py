"""RS4OTRS tickets/* (RS4OTRS-METHODS.md §3.16-3.38): create tickets, articles and attachments, read
tickets, articles and files, mark them seen, change one attribute at a time or several (updateTicket),
watch tickets.

Every method first checks its "Need permissions" line with policy.otrs_permission on the ticket's
queue (group), then makes one call into the core (TicketService and friends), which checks again.
OTRS-only attributes (lock, archive flag, responsible, watchers) live on the ticket (core.otrs_tickets).
A core failure that is not a permission or a missing ticket becomes the method's documented
"Cannot update X" message.
"""
from __future__ import annotations

import base64
import binascii
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Optional

from chalice import Response

from ...core import otrs_tickets, policy
from ...core.catalog import Ref
from ...core.errors import DomainError, NotFound, PermissionDenied
from ...core.escalation import to_iso
from ...core.model import Article, Principal, Ticket, User
from ...core.tickets import SEARCH_SCAN_CAP, ArticleInput, AttachmentInput, TicketInput
from ...core.users import CustomerRef, SearchRequest
from ..application import binary_type
from ..http import download_headers
from . import ticket_schema as schema
from .routes import NO_PERMISSION, NO_TICKET, Call, RpcError, method, ok

FLAGS = {"1": True, "0": False, "true": True, "false": False, "y": True, "n": False, "yes": True, "no": False}
# ArticleType (RS4OTRS) -> the core's article type; Internal is a note not visible for the customer.
ARTICLE_TYPES = {"phone": "phone", "email": "email", "chat": "chat", "internal": "note"}
SENDER_TYPES = {"agent": "Agent", "system": "System", "customer": "Customer"}
PENDING_PARTS = ("Year", "Month", "Day", "Hour", "Minute")
DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 200
MUST_OWN = "You must be an owner of the ticket"


# --- parameters ------------------------------------------------------------------------------

def given(params: dict[str, Any], name: str) -> bool:
    return params.get(name) not in (None, "")


def whole(value: Any, message: str) -> int:
    """A whole number (a JSON number or a digit string), else the method's message."""
    if isinstance(value, bool):
        raise RpcError(message)
    if isinstance(value, int):
        return value
    text = str(value).strip() if isinstance(value, (str, float)) else ""
    if text.lstrip("-").isdigit() and len(text) <= 18:
        return int(text)
    raise RpcError(message)


def flag(value: Any, message: str) -> bool:
    choice = FLAGS.get(str(value).strip().lower()) if not isinstance(value, (dict, list)) else None
    if choice is None:
        raise RpcError(message)
    return choice


def id_list(value: Any) -> list[str]:
    """An array filter: a JSON array, or (GET) a comma-separated string; items as strings."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def ticket_id_of(call: Call) -> int:
    call.require("TicketID")
    return whole(call.params["TicketID"], NO_TICKET)


def ref(call: Call, name: str, id_name: str, field: str, values: Optional[dict[str, Any]] = None,
        failure: str = "") -> Ref:
    """`Name | NameID` as the core's by-name-or-id reference (the core checks it exists)."""
    params = call.params if values is None else values
    if given(params, id_name):
        return Ref(field, id=whole(params[id_name], failure or f"Invalid value for {id_name}"))
    if given(params, name):
        return Ref(field, name=str(params[name]))
    raise RpcError(f"Required fields is not defined: {name} or {id_name}")


def pending_time(params: dict[str, Any], agent: User, failure: str) -> Optional[str]:
    """UntilTimeDateUnix, or Year/Month/Day/Hour/Minute in the agent's time zone (6.44.0); None if neither."""
    if given(params, "UntilTimeDateUnix"):
        seconds = whole(params["UntilTimeDateUnix"], failure)
        try:
            return to_iso(datetime.fromtimestamp(seconds, tz=timezone.utc))
        except (OverflowError, OSError, ValueError):
            raise RpcError(failure) from None
    if not any(given(params, part) for part in PENDING_PARTS):
        return None
    zone, _ = schema.user_zone(agent)
    try:
        parts = [whole(params.get(part, ""), failure) for part in PENDING_PARTS]
        return to_iso(datetime(*parts, tzinfo=zone))
    except ValueError:
        raise RpcError(failure) from None


def user_by(call: Call, login: Any, user_id: Any, failure: str) -> User:
    """An agent named by login (`NewUser`) or id (`NewUserID`), else the method's failure message."""
    users = call.container.users.users
    found = users.get(whole(user_id, failure)) if user_id not in (None, "") else \
        users.by_login(str(login).strip().lower()) if login not in (None, "") else None
    if found is None or not found.active or "ticket.agent" not in found.permissions:
        raise RpcError(failure)
    return found


# --- loading, permissions, writing -----------------------------------------------------------

def load(call: Call, ticket_id: int, *permissions: str) -> Ticket:
    """The ticket if the agent holds one of `permissions` (OTRS names) on its queue."""
    ticket = call.container.tickets.tickets.get(ticket_id)
    if ticket is None:
        raise RpcError(NO_TICKET)
    if not any(policy.otrs_permission(call.agent, ticket.group_id, name) for name in permissions):
        raise RpcError(NO_PERMISSION)
    return ticket


@contextmanager
def failing_as(message: str) -> Iterator[None]:
    """Permission and missing-ticket errors keep their messages; any other core refusal is `message`."""
    try:
        yield
    except PermissionDenied:
        raise RpcError(NO_PERMISSION) from None
    except NotFound as failure:
        raise RpcError(NO_TICKET if failure.entity == "Ticket" else message) from None
    except DomainError:
        raise RpcError(message) from None


def write(call: Call, ticket: Ticket, data: TicketInput, failure: str) -> Ticket:
    with failing_as(failure):
        changed, _ = call.container.tickets.update(call.agent, ticket.id, data)
    return changed


def not_locked_by_other(call: Call, ticket: Ticket, message: str = MUST_OWN) -> None:
    holder = otrs_tickets.locked_by(ticket)
    if holder is not None and holder != call.agent.id:
        raise RpcError(message)


def locked_by_caller(call: Call, ticket: Ticket) -> None:
    """updateTicket (6.41.0): State, Owner and Priority change only on a ticket the agent has locked."""
    if otrs_tickets.locked_by(ticket) != call.agent.id:
        raise RpcError(MUST_OWN)


# --- one attribute each (shared by the single methods and updateTicket) -----------------------

def set_title(call: Call, ticket: Ticket, title: Any) -> Ticket:
    failure = "Cannot update Title"
    if not isinstance(title, str) or not title.strip():
        raise RpcError(failure)
    return write(call, ticket, TicketInput(title=title), failure)


def set_queue(call: Call, ticket: Ticket, target: Ref) -> Ticket:
    """RW on the current queue (checked by the caller) and MOVE_INTO on the new one."""
    failure = "Cannot update Queue"
    with failing_as(failure):
        group = call.container.catalog().group(target)
    if not group.active:
        raise RpcError(failure)
    if not policy.otrs_permission(call.agent, group.id, "move_into"):
        raise RpcError(NO_PERMISSION)
    not_locked_by_other(call, ticket, "You must be owner of ticket")
    return write(call, ticket, TicketInput(group=Ref("group", id=group.id)), failure)


def set_state(call: Call, ticket: Ticket, state: Ref) -> Ticket:
    """Closing a ticket also unlocks it (6.41.0), in the same write."""
    failure = "Cannot update State"
    not_locked_by_other(call, ticket)
    with failing_as(failure):
        found = call.container.catalog().state(state)
    if not found.active:
        raise RpcError(failure)
    unlock = otrs_tickets.lock_preferences(otrs_tickets.UNLOCKED) if found.is_closed else None
    return write(call, ticket, TicketInput(state=Ref("state", id=found.id), preferences=unlock), failure)


def set_priority(call: Call, ticket: Ticket, priority: Ref) -> Ticket:
    not_locked_by_other(call, ticket)
    return write(call, ticket, TicketInput(priority=priority), "Cannot update Priority")


def set_owner(call: Call, ticket: Ticket, login: Any, user_id: Any) -> Ticket:
    """The new owner also holds the lock (owner and lock in one write, so the lock cannot fail apart)."""
    failure = "Cannot update Owner"
    owner = user_by(call, login, user_id, failure)
    if owner.id == ticket.owner_id == call.agent.id:
        raise RpcError("'Already you are an owner")
    not_locked_by_other(call, ticket)
    return write(call, ticket, TicketInput(owner_id=owner.id, preferences=otrs_tickets.lock_preferences("lock")),
                 failure)


def set_responsible(call: Call, ticket: Ticket, login: Any, user_id: Any) -> Ticket:
    failure = "Cannot update Responsible"
    user = user_by(call, login, user_id, failure)
    if not (policy.reads_group(user, ticket.group_id) or "admin" in user.permissions):
        raise RpcError(failure)
    return write(call, ticket, TicketInput(preferences=otrs_tickets.responsible_preferences(user.id)), failure)


def set_lock(call: Call, ticket: Ticket, values: dict[str, Any]) -> Ticket:
    """Locking makes the agent the owner (OTRS's lock holder is the owner); unlocking keeps the owner."""
    failure = "Couldn't update lock state"
    if given(values, "LockID"):
        name = otrs_tickets.LOCKS.get(whole(values["LockID"], failure))
    else:
        name = str(values.get("Lock", "")).strip().lower() or None
    if name not in otrs_tickets.LOCK_IDS:
        raise RpcError(failure)
    if name == otrs_tickets.UNLOCKED:
        return write(call, ticket, TicketInput(preferences=otrs_tickets.lock_preferences(name)), failure)
    not_locked_by_other(call, ticket, failure)
    return write(call, ticket, TicketInput(owner_id=call.agent.id, preferences=otrs_tickets.lock_preferences(name)),
                 failure)


def set_archive_flag(call: Call, ticket: Ticket, value: Any) -> Ticket:
    failure = "Cannot update ArchiveFlag"
    return write(call, ticket, TicketInput(preferences=otrs_tickets.archive_preferences(flag(value, failure))),
                 failure)


def set_customer(call: Call, ticket: Ticket, company: Any, login: Any) -> Ticket:
    """The customer user by login; CustomerID must be that user's company (as getTicketList shows it)."""
    failure = "Cannot update Customer"
    user = call.container.users.users.by_login(str(login or "").strip().lower())
    if user is None:
        raise RpcError(failure)
    organization = call.container.users.organizations_by_id([user.organization_id]).get(user.organization_id or 0)
    if str(company or "").strip().lower() != (schema.customer_company(user, organization) or "").lower():
        raise RpcError(failure)
    return write(call, ticket, TicketInput(customer=CustomerRef(id=user.id)), failure)


def set_pending_time(call: Call, ticket: Ticket, values: dict[str, Any]) -> Ticket:
    failure = "Cannot update PendingTime"
    until = pending_time(values, call.agent.user, failure)
    if until is None:
        raise RpcError(failure)
    return write(call, ticket, TicketInput(pending_time=until), failure)


def set_type(call: Call, ticket: Ticket, type_ref: Ref) -> Ticket:
    """The one ticket type, 1 "Unclassified", is every ticket's: naming it changes nothing."""
    if type_ref.id != schema.TICKET_TYPE_ID and (type_ref.name or "").lower() != schema.TICKET_TYPE.lower():
        raise RpcError("Cannot update Type")
    return ticket


def set_service(call: Call, ticket: Ticket, service: Ref) -> Ticket:
    raise RpcError("Cannot update Service")  # no services exist (services/getServiceList is empty)


def set_sla(call: Call, ticket: Ticket, sla: Ref) -> Ticket:
    """SLAs apply by their conditions (core.escalation), never by hand: the SLA the ticket has is accepted."""
    found = next((s for s in call.container.catalog().slas
                  if s.id == sla.id or (sla.name is not None and s.name.lower() == sla.name.lower())), None)
    if found is None or found.id != ticket.sla_id:
        raise RpcError("Cannot update SLA")
    return ticket


# --- the single-attribute methods ---------------------------------------------------------------

def single(name: str, permissions: tuple[str, ...], apply: Callable[[Call, Ticket], Ticket],
           required: tuple[str, ...] = ()) -> None:
    """Register `tickets/<name>`: required parameters, the ticket, the permission, the change."""
    def handler(call: Call) -> dict[str, Any]:
        call.require(*required, "TicketID")
        ticket = load(call, whole(call.params["TicketID"], NO_TICKET), *permissions)
        apply(call, ticket)
        return ok()
    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = f"tickets/{name}: needs {' or '.join(p.upper() for p in permissions)}."
    method("tickets", name)(handler)


single("updateTitle", ("rw",), lambda c, t: set_title(c, t, c.params["Title"]), ("Title",))
single("updateQueue", ("rw",), lambda c, t: set_queue(c, t, ref(c, "Queue", "QueueID", "group", failure="Cannot update Queue")))
single("updateState", ("rw",), lambda c, t: set_state(c, t, ref(c, "State", "StateID", "state", failure="Cannot update State")))
single("updatePriority", ("rw", "priority"),
       lambda c, t: set_priority(c, t, ref(c, "Priority", "PriorityID", "priority", failure="Cannot update Priority")))
single("updateType", ("rw",), lambda c, t: set_type(c, t, ref(c, "Type", "TypeID", "type", failure="Cannot update Type")))
single("updateService", ("rw",),
       lambda c, t: set_service(c, t, ref(c, "Service", "ServiceID", "service", failure="Cannot update Service")))
single("updateSLA", ("rw",), lambda c, t: set_sla(c, t, ref(c, "SLA", "SLAID", "sla", failure="Cannot update SLA")))
single("updateArchiveFlag", ("rw",), lambda c, t: set_archive_flag(c, t, c.params["ArchiveFlag"]), ("ArchiveFlag",))
single("updateCustomer", ("rw",), lambda c, t: set_customer(c, t, c.params["CustomerID"], c.params["CustomerUserID"]),
       ("CustomerID", "CustomerUserID"))


@method("tickets", "updatePendingTime")
def update_pending_time(call: Call) -> dict[str, Any]:
    if not given(call.params, "UntilTimeDateUnix"):
        call.require(*PENDING_PARTS)
    set_pending_time(call, load(call, ticket_id_of(call), "rw"), call.params)
    return ok()


@method("tickets", "updateResponsible")
def update_responsible(call: Call) -> dict[str, Any]:
    call.one_of("NewUser", "NewUserID")
    ticket = load(call, ticket_id_of(call), "rw")
    set_responsible(call, ticket, call.params.get("NewUser"), call.params.get("NewUserID"))
    return ok()


@method("tickets", "updateOwner")
def update_owner(call: Call) -> dict[str, Any]:
    """OWNER or RW; `Rule` (6.41.0, its algorithm undocumented) is accepted and changes nothing here."""
    call.one_of("NewUser", "NewUserID")
    ticket = load(call, ticket_id_of(call), "owner", "rw")
    set_owner(call, ticket, call.params.get("NewUser"), call.params.get("NewUserID"))
    return ok()


@method("tickets", "updateLock")
def update_lock(call: Call) -> dict[str, Any]:
    """RW, or the agent owns the ticket."""
    call.one_of("Lock", "LockID")
    ticket = load(call, ticket_id_of(call), "ro")
    if ticket.owner_id != call.agent.id and not policy.otrs_permission(call.agent, ticket.group_id, "rw"):
        raise RpcError(NO_PERMISSION)
    set_lock(call, ticket, call.params)
    return ok()


# --- updateTicket ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TicketField:
    """One field of updateTicket: its label in the "wasn't updated" list, the parameters that give it,
    and how it is applied (the same function as the single method's)."""
    label: str
    names: tuple[str, ...]
    apply: Callable[[Call, Ticket, dict[str, Any]], Ticket]
    needs_lock: bool = False


TICKET_FIELDS = (  # Lock first: a client locks and changes State/Owner/Priority in one call
    TicketField("Lock", ("Lock", "LockID"), lambda c, t, v: set_lock(c, t, v)),
    TicketField("Title", ("Title",), lambda c, t, v: set_title(c, t, v["Title"])),
    TicketField("Queue", ("Queue", "QueueID"), lambda c, t, v: set_queue(c, t, ref(c, "Queue", "QueueID", "group", v))),
    TicketField("Type", ("Type", "TypeID"), lambda c, t, v: set_type(c, t, ref(c, "Type", "TypeID", "type", v))),
    TicketField("Service", ("Service", "ServiceID"),
                lambda c, t, v: set_service(c, t, ref(c, "Service", "ServiceID", "service", v))),
    TicketField("SLA", ("SLA", "SLAID"), lambda c, t, v: set_sla(c, t, ref(c, "SLA", "SLAID", "sla", v))),
    TicketField("Customer", ("CustomerID", "CustomerUserID"),
                lambda c, t, v: set_customer(c, t, v.get("CustomerID"), v.get("CustomerUserID"))),
    TicketField("ArchiveFlag", ("ArchiveFlag",), lambda c, t, v: set_archive_flag(c, t, v["ArchiveFlag"])),
    TicketField("State", ("State", "StateID"), lambda c, t, v: set_state(c, t, ref(c, "State", "StateID", "state", v)),
                needs_lock=True),
    TicketField("Owner", ("NewOwner", "NewOwnerID"),
                lambda c, t, v: set_owner(c, t, v.get("NewOwner"), v.get("NewOwnerID")), needs_lock=True),
    TicketField("Responsible", ("NewResponsibleUser", "NewResponsibleUserID"),
                lambda c, t, v: set_responsible(c, t, v.get("NewResponsibleUser"), v.get("NewResponsibleUserID"))),
    TicketField("Priority", ("Priority", "PriorityID"),
                lambda c, t, v: set_priority(c, t, ref(c, "Priority", "PriorityID", "priority", v)), needs_lock=True),
    TicketField("PendingTime", ("UntilTimeDateUnix",) + PENDING_PARTS, lambda c, t, v: set_pending_time(c, t, v)),
    TicketField("DynamicFields", ("DynamicFields",), lambda c, t, v: set_dynamic_fields(c, t, v["DynamicFields"])),
)


def set_dynamic_fields(call: Call, ticket: Ticket, values: Any) -> Ticket:
    failure = "Cannot update DynamicFields"
    if not isinstance(values, dict):
        raise RpcError(failure)
    return write(call, ticket, TicketInput(attributes=values), failure)


@method("tickets", "updateTicket")
def update_ticket(call: Call) -> dict[str, Any]:
    """Each given field through its single method's rule, in TICKET_FIELDS order; the ones that failed are
    listed. MOVE_INTO, OWNER, PRIORITY or RW lets the agent start; each field checks its own permission."""
    ticket = load(call, ticket_id_of(call), "move_into", "owner", "priority", "rw")
    wanted = [f for f in TICKET_FIELDS if any(given(call.params, name) for name in f.names)]
    if not wanted:
        raise RpcError("Pass some fields for ticket update: " + ", ".join(f.label for f in TICKET_FIELDS))
    failed: list[str] = []
    for field in wanted:
        try:
            if field.needs_lock:
                locked_by_caller(call, ticket)
            ticket = field.apply(call, ticket, call.params)
        except RpcError:
            failed.append(field.label)
            ticket = call.container.tickets.tickets.get(ticket.id) or ticket
    if failed:
        raise RpcError("The follow parameters wasn't updated: " + ", ".join(failed))
    return ok()


# --- creating tickets and articles ----------------------------------------------------------------

def article_input(call: Call, subject: str, body: Any, failure: str, customer: Optional[User] = None) -> ArticleInput:
    """The article parameters createTicket and createArticle share (ArticleType Phone by default,
    SenderType customer by default, as documented). An agent's Email article without `To` goes to the
    ticket's customer, as OTRS's agent reply does (core.article_mail sends it)."""
    params = call.params
    channel = ARTICLE_TYPES.get(str(params.get("ArticleType") or "phone").strip().lower())
    sender = SENDER_TYPES.get(str(params.get("SenderType") or "customer").strip().lower())
    if channel is None or sender is None or not isinstance(body, str):
        raise RpcError(failure)
    content_type = str(params.get("MimeType") or params.get("ContentType") or "text/plain").split(";")[0].strip()
    estimated = params.get("Estimated")
    to = str(params.get("To") or "")
    if not to and customer is not None and channel == "email" and sender == "Agent":
        to = customer.email or ""
    return ArticleInput(
        body=body, subject=subject, content_type=content_type or "text/plain",
        type=Ref("type", name=channel), sender=Ref("sender", name=sender),
        internal=str(params.get("ArticleType") or "").strip().lower() == "internal",
        to=to, cc=str(params.get("Cc") or ""),
        in_reply_to=str(params["ReplyTo"]) if given(params, "ReplyTo") else None,
        time_unit=str(float(whole(estimated, failure))) if given(params, "Estimated") else None)


def ticket_changes(call: Call, failure: str) -> TicketInput:
    """State, owner (with LockByOwner / Lock), pending time and dynamic fields given with a new ticket or
    article: all set in the same write as the article."""
    params = call.params
    data = TicketInput(pending_time=pending_time(params, call.agent.user, failure))
    if given(params, "StateID") or given(params, "State"):
        data.state = ref(call, "State", "StateID", "state", failure=failure)
    if given(params, "OwnerID"):
        data.owner_id = whole(params["OwnerID"], failure)
    lock = str(params.get("Lock") or "").strip().lower()
    if lock and lock not in otrs_tickets.LOCK_IDS:
        raise RpcError(failure)
    if not lock and data.owner_id is not None and flag(params.get("LockByOwner", "1"), failure):
        lock = "lock"
    if lock:
        data.preferences = otrs_tickets.lock_preferences(lock)
    if given(params, "DynamicFields"):
        if not isinstance(params["DynamicFields"], dict):
            raise RpcError(failure)
        data.attributes = params["DynamicFields"]
    return data


@method("tickets", "createTicket")
def create_ticket(call: Call) -> dict[str, Any]:
    """CREATE (or RW) on the queue. The customer is `CustomerUserID` (a login; the core needs one);
    `CustomerID`, when given, must be that user's company. Type 1 only, no services, existing SLAs."""
    call.require("Title", "QueueID", "PriorityID", "Body")
    failure = "Couldn't create ticket"
    params = call.params
    catalog = call.container.catalog()
    group = catalog.group_by_id(whole(params["QueueID"], "Queue is incorrect"))
    if group is None or not group.active:
        raise RpcError("Queue is incorrect")
    if not any(policy.otrs_permission(call.agent, group.id, name) for name in ("create", "rw")):
        raise RpcError(NO_PERMISSION)
    call.require("CustomerUserID")
    if given(params, "TypeID") and whole(params["TypeID"], failure) != schema.TICKET_TYPE_ID:
        raise RpcError(failure)
    if given(params, "ServiceID"):
        raise RpcError(failure)
    if given(params, "SLAID") and not any(s.id == whole(params["SLAID"], failure) for s in catalog.slas):
        raise RpcError(failure)
    customer = call.container.users.users.by_login(str(params["CustomerUserID"]).strip().lower())
    if customer is None:
        raise RpcError(failure)
    if given(params, "CustomerID"):
        organization = call.container.users.organizations_by_id([customer.organization_id]).get(
            customer.organization_id or 0)
        if str(params["CustomerID"]).strip().lower() != (schema.customer_company(customer, organization) or "").lower():
            raise RpcError(failure)
    data = ticket_changes(call, failure)
    data.title = str(params["Title"])
    data.group = Ref("group", id=group.id)
    data.priority = Ref("priority", id=whole(params["PriorityID"], failure))
    data.customer = CustomerRef(id=customer.id)
    data.article = article_input(call, str(params["Title"]), params["Body"], failure, customer)
    with failing_as(failure):
        ticket, _ = call.container.tickets.create(call.agent, data)
    return ok(TicketID=ticket.id)


@method("tickets", "createArticle")
def create_article(call: Call) -> dict[str, Any]:
    """NOTE or RW. The article and the other given changes (state, owner, lock, pending time, fields)
    are one write, so "Article was created but these operations are failed" cannot happen here."""
    call.require("TicketID", "Subject", "Body")
    failure = "Cannot add article"
    ticket = load(call, whole(call.params["TicketID"], NO_TICKET), "note", "rw")
    if given(call.params, "State") or given(call.params, "StateID") or given(call.params, "OwnerID"):
        not_locked_by_other(call, ticket)
    data = ticket_changes(call, failure)
    customer = call.container.users.users.get(ticket.customer_id) if ticket.customer_id else None
    data.article = article_input(call, str(call.params["Subject"]), call.params["Body"], failure, customer)
    with failing_as(failure):
        _, article = call.container.tickets.update(call.agent, ticket.id, data)
    assert article is not None
    return ok(ArticleID=article.id)


# --- attachments ----------------------------------------------------------------------------

@method("tickets", "createAttachment")
def create_attachment(call: Call) -> dict[str, Any]:
    """NOTE, RW or CREATE. The file goes to `ArticleID`, or with only a TicketID to the ticket's newest
    article (clients upload right after createTicket / createArticle). `File.Content` is base64."""
    call.one_of("TicketID", "ArticleID")
    params = call.params
    file = params.get("File")
    if not isinstance(file, dict) or not all(given(file, name) for name in ("Content", "ContentType", "Filename")):
        raise RpcError("No Content, ContentType or Filename parameters")
    ticket_id = whole(params["TicketID"], "Ticket is incorrect") if given(params, "TicketID") else None
    article_id = whole(params["ArticleID"], "Article is incorrect") if given(params, "ArticleID") else None
    try:
        content = base64.b64decode(str(file["Content"]), validate=True)
    except (binascii.Error, ValueError):
        raise RpcError("Cannot add attachment") from None
    attachments = call.container.article_attachments
    if article_id is not None:
        article = call.container.tickets.tickets.article(article_id)
        if article is None or (ticket_id is not None and article.ticket_id != ticket_id):
            raise RpcError("Article is incorrect")
        ticket_id = article.ticket_id
    assert ticket_id is not None
    with failing_as("Cannot add attachment"):
        if article_id is None:
            article_id = attachments.newest_article_id(call.agent, ticket_id)
            if article_id is None:
                raise RpcError("Article is incorrect")
        added = attachments.add(call.agent, ticket_id, article_id, AttachmentInput(
            filename=str(file["Filename"]), data=content, mime_type=str(file["ContentType"])))
    return ok(**schema.attachment(added))


@method("tickets", "getAttachment")
def get_attachment(call: Call) -> Response:
    """RO or RW. The raw bytes under their stored type, always as a download; errors stay JSON."""
    call.require("FileID")
    call.one_of("TicketID", "ArticleID")
    params = call.params
    file_id = whole(params["FileID"], "No attachment!")
    ticket_id = whole(params["TicketID"], "No article!") if given(params, "TicketID") else None
    tickets = call.container.tickets
    try:
        if given(params, "ArticleID"):
            ticket, article = tickets.article(call.agent, whole(params["ArticleID"], "No article!"))
            if ticket_id is not None and ticket.id != ticket_id:
                raise RpcError("No article!")
        else:
            assert ticket_id is not None
            ticket, articles = tickets.articles(call.agent, ticket_id)
            article = next((a for a in articles if any(f.id == file_id for f in a.attachments)), None)
            if article is None:
                raise RpcError("No attachment!")
        meta = next((f for f in article.attachments if f.id == file_id), None)
        if meta is None:
            raise RpcError("No attachment!")
        _, data = tickets.attachment(call.agent, ticket.id, article.id, meta.id)
    except NotFound as failure:
        raise RpcError("No article!" if failure.entity == "Ticket::Article" else "No attachment!") from None
    except PermissionDenied:
        raise RpcError("No attachment!") from None
    headers = download_headers(binary_type(meta.content_type or ""), meta.filename, len(data), False)
    return Response(body=data, status_code=200, headers=headers)


# --- reading --------------------------------------------------------------------------------------

def render_context(call: Call, tickets: list[Ticket], seen: set[int], dynamic_fields: bool = False,
                   link_counts: Optional[dict[int, int]] = None) -> schema.TicketContext:
    """Users (owners, responsibles, customers) and organizations of a page: one batch read each."""
    users = call.container.users
    ids = {uid for t in tickets for uid in (t.owner_id, t.customer_id, otrs_tickets.responsible_id(t))}
    fields = call.container.tickets.fields if dynamic_fields else None
    return schema.TicketContext(
        catalog=call.container.catalog(), users=users.many(ids),
        organizations=users.organizations_by_id(t.organization_id for t in tickets), agent=call.agent.user,
        now=schema.now_epoch(call.container.clock.now()), seen=seen, link_counts=link_counts or {},
        fields=fields() if fields is not None else None)


def seen_tickets(call: Call, tickets: list[Ticket]) -> set[int]:
    """Tickets without an article the agent may read, did not write and has not flagged Seen."""
    flags = call.container.article_flags
    return {t.id for t in tickets if not flags.unseen(call.agent, t)}


def window(call: Call, default: int, maximum: int) -> int:
    """Limit: a whole number from 1 to `maximum` (default `default`)."""
    if not given(call.params, "Limit"):
        return default
    limit = whole(call.params["Limit"], f"Limit must be a whole number from 1 to {maximum}")
    if not 1 <= limit <= maximum:
        raise RpcError(f"Limit must be a whole number from 1 to {maximum}")
    return limit


@method("tickets", "getArticles")
def get_articles(call: Call) -> dict[str, Any]:
    """RO or RW. Articles oldest first (Order DESC: newest first), Limit per Page (1-based); Count=1:
    only how many (after IsVisibleForCustomer)."""
    ticket = load(call, ticket_id_of(call), "ro", "rw")
    ticket, articles = call.container.tickets.articles(call.agent, ticket.id)
    params = call.params
    if given(params, "IsVisibleForCustomer"):
        visible = flag(params["IsVisibleForCustomer"], "IsVisibleForCustomer must be 0 or 1")
        articles = [a for a in articles if a.internal != visible]
    if given(params, "Count") and flag(params["Count"], "Count must be 0 or 1"):
        return ok(Count=len(articles))
    order = str(params.get("Order") or "ASC").strip().upper()
    if order not in ("ASC", "DESC"):
        raise RpcError("Order must be ASC or DESC")
    articles.sort(key=lambda a: a.id, reverse=order == "DESC")
    if given(params, "Limit"):
        limit = window(call, len(articles) or 1, 1000)
        page = whole(params.get("Page") or 1, "Page must be a whole number from 1")
        if page < 1:
            raise RpcError("Page must be a whole number from 1")
        articles = articles[(page - 1) * limit:page * limit]
    flags = call.container.article_flag_store.for_user(ticket.id, call.agent.id)
    seen_ids = {a.id for a in articles if a.created_by_id == call.agent.id
                or flags.get(a.id, {}).get("Seen") not in (None, "", "0")}
    context = render_context(call, [ticket], seen_tickets(call, [ticket]))
    ticket_data = schema.ticket_core(ticket, context)
    return ok(Articles=[schema.article(a, ticket_data, ticket, a.id in seen_ids, context) for a in articles])


def mark_seen(call: Call, ticket_id: int, articles: list[Article], seen: bool, failure: str) -> None:
    with failing_as(failure):
        for item in articles:
            call.container.article_flags.set(call.agent, ticket_id, item.id, "Seen", "1" if seen else "0")


@method("tickets", "markArticleAsSeen")
def mark_article_as_seen(call: Call) -> dict[str, Any]:
    """RO. Seen=1 flags the article read for the agent, Seen=0 unread; TicketSeen: no unread article left."""
    call.require("Seen", "ArticleID", "TicketID")
    failure = "Couldn't mark article as seen"
    ticket = load(call, whole(call.params["TicketID"], NO_TICKET), "ro")
    seen = flag(call.params["Seen"], failure)
    with failing_as(failure):
        _, article = call.container.article_flags.readable(call.agent, ticket.id,
                                                            whole(call.params["ArticleID"], failure))
    mark_seen(call, ticket.id, [article], seen, failure)
    return ok(TicketID=ticket.id, TicketSeen=int(not call.container.article_flags.unseen(call.agent, ticket)))


@method("tickets", "markTicketAsSeen")
def mark_ticket_as_seen(call: Call) -> dict[str, Any]:
    """RO. Every article the agent may read, flagged Seen (1) or not (0)."""
    call.require("Seen", "TicketID")
    failure = "Couldn't mark ticket as seen"
    ticket = load(call, whole(call.params["TicketID"], NO_TICKET), "ro")
    seen = flag(call.params["Seen"], failure)
    with failing_as(failure):
        _, articles = call.container.tickets.articles(call.agent, ticket.id)
    mark_seen(call, ticket.id, articles, seen, failure)
    return ok()


@method("tickets", "watchTicket")
def watch_ticket(call: Call) -> dict[str, Any]:
    """RO. Subscribe=1 watches the ticket, 0 stops watching (per agent, kept on the ticket)."""
    if not given(call.params, "TicketID"):
        raise RpcError("No TicketID")
    call.require("Subscribe")
    ticket = load(call, whole(call.params["TicketID"], NO_TICKET), "ro")
    subscribe = flag(call.params["Subscribe"], "Could not subscribe to ticket")
    with failing_as("Could not subscribe to ticket" if subscribe else "Could not unsubscribe from ticket"):
        call.container.ticket_watchers.set(call.agent, ticket.id, subscribe)
    return ok()


# --- getTicketList ---------------------------------------------------------------------------------

# ViewID (filters/getTicketViews' View items): which tickets each view holds for the agent.
TICKET_VIEWS: dict[int, tuple[str, Callable[[Principal, Ticket, bool], bool]]] = {
    -1: ("Assigned to me", lambda me, t, closed: t.owner_id == me.id),
    -2: ("My Queues", lambda me, t, closed: not closed),  # 6.41.0: the same as Open
    -3: ("Open", lambda me, t, closed: not closed),
    -4: ("Closed", lambda me, t, closed: closed),
    -5: ("New notes", lambda me, t, closed: True),  # narrowed to tickets with unseen articles below
    -6: ("My locked", lambda me, t, closed: otrs_tickets.locked_by(t) == me.id),
    -7: ("My watched", lambda me, t, closed: me.id in otrs_tickets.watcher_ids(t)),
}
NEW_NOTES_VIEW = -5
# SortBy values (getTicketViews' Sort items) and each ticket's key; Up = ascending.
SORT_KEYS: dict[str, Callable[[Ticket], Any]] = {
    "Age": lambda t: t.created_at, "Changed": lambda t: t.updated_at, "Priority": lambda t: t.priority_id,
    "EscalationSolutionTime": lambda t: t.close_escalation_at or "", "TicketNumber": lambda t: int(t.number),
    "Title": lambda t: t.title.lower(), "State": lambda t: t.state_id, "Queue": lambda t: t.group_id,
}


def _matches_any(values: list[str], *candidates: Any) -> bool:
    lowered = {v.lower() for v in values}
    return any(str(c).lower() in lowered for c in candidates if c is not None)


def ticket_filters(call: Call) -> list[Callable[[Ticket], bool]]:
    """The documented filters, each a predicate over a ticket (names or ids, case-insensitive)."""
    params, catalog, me = call.params, call.container.catalog(), call.agent

    def named(ids_name: str, names_name: str, lookup: Callable[[Ticket], tuple[Any, Any]]) -> None:
        wanted = id_list(params.get(ids_name)) + id_list(params.get(names_name))
        if wanted:
            checks.append(lambda t: _matches_any(wanted, *lookup(t)))

    def name_of(item: Any) -> Any:
        return item.name if item is not None else None

    checks: list[Callable[[Ticket], bool]] = []
    named("QueueIDs", "Queues", lambda t: (t.group_id, name_of(catalog.group_by_id(t.group_id))))
    named("StateIDs", "States", lambda t: (t.state_id, name_of(catalog.state_by_id(t.state_id))))
    named("PriorityIDs", "Priorities", lambda t: (t.priority_id, name_of(catalog.priority_by_id(t.priority_id))))
    named("TypeIDs", "Types", lambda t: (schema.TICKET_TYPE_ID, schema.TICKET_TYPE))
    named("ServiceIDs", "Services", lambda t: (None, None))  # no services: nothing matches
    named("SLAIDs", "SLAs", lambda t: (t.sla_id, next((s.name for s in catalog.slas if s.id == t.sla_id), None)))
    named("LockIDs", "Locks", lambda t: (otrs_tickets.lock_id(t), otrs_tickets.lock_name(t)))
    named("OwnerIDs", "", lambda t: (t.owner_id, None))
    named("ResponsibleIDs", "", lambda t: (otrs_tickets.responsible_id(t), None))
    watchers = id_list(params.get("WatchUserIDs"))
    if watchers:
        checks.append(lambda t: _matches_any(watchers, *otrs_tickets.watcher_ids(t)))
    if given(params, "TicketID"):
        checks.append(lambda t: str(t.id) == str(params["TicketID"]).strip())
    if given(params, "TicketNumber"):
        checks.append(lambda t: t.number == str(params["TicketNumber"]).strip())
    if given(params, "Title"):
        title = str(params["Title"]).replace("%", "").strip().lower()
        checks.append(lambda t: title in t.title.lower())
    if given(params, "StateType"):
        kind = str(params["StateType"]).strip().lower()
        if kind not in ("open", "closed"):
            raise RpcError("StateType must be Open or Closed")
        checks.append(lambda t: _closed(call, t) == (kind == "closed"))
    if given(params, "ViewID"):
        view = TICKET_VIEWS.get(whole(params["ViewID"], "Unknown ViewID"))
        if view is None:
            raise RpcError("Unknown ViewID")
        view_matches = view[1]
        checks.append(lambda t: view_matches(me, t, _closed(call, t)))
    customer_checks(call, checks)
    checks.extend(created_checks(call))
    return checks


def _closed(call: Call, ticket: Ticket) -> bool:
    state = call.container.catalog().state_by_id(ticket.state_id)
    return state is not None and state.is_closed


def customer_checks(call: Call, checks: list[Callable[[Ticket], bool]]) -> None:
    """CustomerUserLogin (a login) and CustomerID (a company key) through the customers' users."""
    params = call.params
    if given(params, "CustomerUserLogin"):
        user = call.container.users.users.by_login(str(params["CustomerUserLogin"]).strip().lower())
        checks.append(lambda t: user is not None and t.customer_id == user.id)
    if given(params, "CustomerID"):
        company = str(params["CustomerID"]).strip().lower()
        users = call.container.users

        def in_company(ticket: Ticket) -> bool:
            customer = users.users.get(ticket.customer_id)
            org = users.organizations_by_id([ticket.organization_id]).get(ticket.organization_id or 0)
            return (schema.customer_company(customer, org) or "").lower() == company
        checks.append(in_company)


CREATED_UNITS = {"Minutes": 60, "Days": 86400}


def created_checks(call: Call) -> list[Callable[[Ticket], bool]]:
    """Created{Newer,Older}{Minutes,Days} (relative to now) and Created{Newer,Older}Date (`YYYY-MM-DD
    HH:MM:SS`, the agent's time zone)."""
    params, now = call.params, schema.now_epoch(call.container.clock.now())
    checks: list[Callable[[Ticket], bool]] = []
    for side in ("Newer", "Older"):
        newer = side == "Newer"
        for unit, seconds in CREATED_UNITS.items():
            name = f"Created{side}{unit}"
            if given(params, name):
                bound = now - whole(params[name], f"{name} must be a whole number") * seconds
                checks.append(_created_bound(bound, newer))
        name = f"Created{side}Date"
        if given(params, name):
            zone, _ = schema.user_zone(call.agent.user)
            try:
                moment = datetime.strptime(str(params[name]).strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
            except ValueError:
                raise RpcError(f"{name} must be a date like 2024-01-31 23:59:59") from None
            checks.append(_created_bound(int(moment.timestamp()), newer))
    return checks


def _created_bound(bound: int, newer: bool) -> Callable[[Ticket], bool]:
    def check(ticket: Ticket) -> bool:
        created = schema.unix(ticket.created_at) or 0
        return created >= bound if newer else created <= bound
    return check


def smart_key(now: int, down: bool) -> Callable[[Ticket], tuple]:
    """SmartSort (EscalationSolutionTime): Up = overdue (most first), due (soonest first), then none (oldest
    first); Down = due (latest first), overdue (most first), then none (newest first)."""
    def key(ticket: Ticket) -> tuple:
        due = schema.unix(ticket.close_escalation_at)
        created = schema.unix(ticket.created_at) or 0
        if due is None:
            return (2, -created if down else created)
        if due <= now:
            return (1 if down else 0, due)
        return (0 if down else 1, -due if down else due)
    return key


def sorted_tickets(call: Call, tickets: list[Ticket]) -> list[Ticket]:
    params = call.params
    orders = [str(o).strip().lower() for o in (id_list(params.get("OrderBy")) or ["down"])]
    if any(o not in ("up", "down") for o in orders):
        raise RpcError("OrderBy must be Up or Down")
    if given(params, "SmartSort") and flag(params["SmartSort"], "SmartSort must be 0 or 1"):
        return sorted(tickets, key=smart_key(schema.now_epoch(call.container.clock.now()), orders[0] == "down"))
    names = id_list(params.get("SortBy")) or ["Age"]
    unknown = [n for n in names if n not in SORT_KEYS]
    if unknown:
        raise RpcError(f"SortBy must be one of {', '.join(SORT_KEYS)}")
    result = sorted(tickets, key=lambda t: t.id)
    for index in reversed(range(len(names))):  # stable sorts, last key first
        down = (orders[index] if index < len(orders) else orders[-1]) == "down"
        result.sort(key=lambda t: SORT_KEYS[names[index]](t), reverse=down)
    return result


@method("tickets", "getTicketList")
def get_ticket_list(call: Call) -> dict[str, Any]:
    """RO or RW: the tickets of the agent's readable queues, through the core's scoped search (the newest
    SEARCH_SCAN_CAP of the scope, or FullTextSearch's word hits), filtered, sorted, then Offset/Limit.
    Count=1: only how many. Article filters (From, To, Cc, Subject, Body) are words of the full-text
    search, which covers subject, sender, recipients and body."""
    params = call.params
    limit = window(call, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)
    offset = whole(params.get("Offset") or 0, "Offset must be a whole number")
    if offset < 0:
        raise RpcError("Offset must be a whole number")
    checks = ticket_filters(call)
    words = " ".join(str(params[name]).replace("%", " ") for name in ("FullTextSearch", "From", "To", "Cc",
                                                                        "Subject", "Body") if given(params, name))
    found = call.container.tickets.search(call.agent, SearchRequest(query=words, limit=SEARCH_SCAN_CAP)).tickets
    tickets = [t for t in found if policy.otrs_permission(call.agent, t.group_id, "ro") and all(c(t) for c in checks)]
    if given(params, "ViewID") and whole(params["ViewID"], "Unknown ViewID") == NEW_NOTES_VIEW:
        seen = seen_tickets(call, tickets)
        tickets = [t for t in tickets if t.id not in seen]
    need_token = int(otrs_tickets.needs_push_token(call.container.registered_push_tokens, call.agent.id))
    if given(params, "Count") and flag(params["Count"], "Count must be 0 or 1"):
        return ok(NeedTokenUpdate=need_token, Count=len(tickets))
    page = sorted_tickets(call, tickets)[offset:offset + limit]
    mode = str(params.get("DynamicFieldsMode") or "").strip().lower()
    if mode not in ("", "mobile", "all"):
        raise RpcError("DynamicFieldsMode must be mobile or all")
    links = {t.id: len(call.container.ticket_link_store.links(t.id)) for t in page}
    context = render_context(call, page, seen_tickets(call, page), dynamic_fields=bool(mode), link_counts=links)
    return ok(NeedTokenUpdate=need_token, Tickets=[schema.ticket(t, context) for t in page])
