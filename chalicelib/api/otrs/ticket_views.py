"""OTRS customer tickets (seed 000 OTRS-12..16): create a ticket, count and list the customer's tickets,
show one by id or by number.

The core does the work (TicketService: permissions, the scoped search, the first article); these views
translate OTRS's parameters and shapes. Which tickets a list holds: the customer's own tickets, or with
`CompanyTickets=1` their organization's (only when it is shared, as Zammad's customers see it), narrowed
by `StateFilter` (Open, Closed, All) and `Search` (the core's word search). A list reads at most
`SEARCH_SCAN_CAP` tickets of the scope (the core's bound), then sorts and pages them here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from ...core import policy
from ...core.catalog import Catalog, Ref
from ...core import frontend_content as fc
from ...core.errors import Conflict, DomainError, InvalidInput, NotFound, OperationFailed, PermissionDenied
from ...core.model import Article, Group, Principal, State, Ticket
from ...core.object_attributes import ObjectAttribute, check_value
from ...core.processes import PREFERENCE as PROCESS_PREFERENCE
from ...core.tickets import SEARCH_SCAN_CAP, ArticleInput, AttachmentInput, TicketInput
from ...core.otrs_tickets import responsible_id
from ...core.users import SearchRequest
from ...auth.authorizers import OTRS_ACCESS_DENIED
from . import schema
from .routes import Call, route

COMPANY_TICKETS_DISABLED = "Company tickets requested, but company tickets are disabled."
NEXT_SCREEN = "TicketOverview"
DIGITS = re.compile(r"[0-9]+")
HTML_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>")
FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True}

# StateFilter (OTRS's customer overview filters; OTRS's default is Open): closed covers merged and removed.
STATE_FILTERS: dict[str, Callable[[State], bool]] = {
    "open": lambda state: not state.is_closed,
    "closed": lambda state: state.is_closed,
    "all": lambda state: True,
}
DEFAULT_STATE_FILTER = "open"
DEFAULT_TICKETS_PER_PAGE = 10
MAX_TICKETS_PER_PAGE = 100


def _number_key(ticket: Ticket, catalog: Catalog) -> Any:
    return int(schema.ticket_number(ticket))


def _name_key(item: Any) -> str:
    return item.name.lower() if item is not None else ""


# SortBy values: OTRS's sortable overview columns the core's data has. Age sorts by creation time, as
# OTRS's ticket search does (ascending = oldest first). Ties fall back to the ticket id.
SORT_KEYS: dict[str, Callable[[Ticket, Catalog], Any]] = {
    "Age": lambda t, c: t.created_at,
    "Created": lambda t, c: t.created_at,
    "Changed": lambda t, c: t.updated_at,
    "TicketNumber": _number_key,
    "Title": lambda t, c: t.title.lower(),
    "State": lambda t, c: _name_key(c.state_by_id(t.state_id)),
    "Queue": lambda t, c: _name_key(c.group_by_id(t.group_id)),
    "Priority": lambda t, c: t.priority_id,
}
DEFAULT_SORT_BY = "Created"
# The list's 0/1 switches and the render_tickets option each one turns on.
LIST_OPTIONS = {"DynamicFields": "dynamic_fields", "Extended": "extended", "LastCustomerSubject": "last_customer_subject"}


# --- parameters ------------------------------------------------------------------------------

def flag_param(params: dict[str, str], name: str) -> bool:
    """OTRS's 0/1 switches (true/false also taken); anything else is a 422 on that parameter."""
    value = FLAGS.get(str(params.get(name, "")).strip().lower())
    if value is None:
        raise schema.invalid(name, f"{name} must be 0 or 1.")
    return value


def positive_int(raw: Any, name: str, maximum: Optional[int] = None) -> int:
    """A whole number >= 1 (and <= `maximum`), given as a number or a digit string; else 422 on `name`."""
    text = str(raw).strip() if isinstance(raw, (int, str)) and not isinstance(raw, bool) else ""
    value = int(text) if DIGITS.fullmatch(text) else 0
    if value < 1 or (maximum is not None and value > maximum):
        bound = f" between 1 and {maximum}" if maximum is not None else ""
        raise schema.invalid(name, f"{name} must be a whole number{bound}.")
    return value


def optional_id(body: dict[str, Any], name: str) -> Optional[int]:
    """An optional id field of a request body: absent, null or "" mean not given."""
    raw = body.get(name)
    return None if raw in (None, "") else positive_int(raw, name)


def required_text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise schema.invalid(name, f"{name} is required.")
    return value


def access_denied() -> PermissionDenied:
    return PermissionDenied(OTRS_ACCESS_DENIED)


def company_tickets_disabled() -> NotFound:
    error = NotFound("Ticket", "CompanyTickets")
    error.details["otrs_message"] = COMPANY_TICKETS_DISABLED
    return error


# --- create ----------------------------------------------------------------------------------

def body_content_type(body: str) -> str:
    """OTRS's customer frontend sends rich text (HTML) when it is enabled and plain text otherwise, without
    saying which: a body holding an HTML tag is stored as text/html (its inline images then become
    attachments), any other as text/plain."""
    return "text/html" if HTML_TAG.search(body) else "text/plain"


def creatable_queues(catalog: Catalog, principal: Principal) -> list[Group]:
    """The active groups the caller may open tickets in (core/policy.py), lowest id first: the first is the
    default queue (the demo stage's "Users"). The create view and its form offer the same choice."""
    return sorted((g for g in catalog.groups if g.active and policy.can_create_in_group(principal, g.id)),
                  key=lambda g: g.id)


def _queue(catalog: Catalog, principal: Principal, queue_id: Optional[int]) -> int:
    """The named queue (one the caller may create in), or the default."""
    offered = creatable_queues(catalog, principal)
    if queue_id is None:
        if not offered:
            raise schema.invalid("QueueID", "No queue is available for new tickets.")
        return offered[0].id
    if not any(g.id == queue_id for g in offered):
        raise schema.invalid("QueueID", f"Queue {queue_id} is not available.")
    return queue_id


def _check_type_service_sla(body: dict[str, Any], catalog: Catalog) -> None:
    """The one ticket type is 1 "Unclassified"; no services exist; an SLA must exist (it applies to the
    ticket only if its condition matches: SLAs are assigned by condition, never by the customer)."""
    type_id = optional_id(body, "TypeID")
    if type_id is not None and type_id != schema.TICKET_TYPE_ID:
        raise schema.invalid("TypeID", f"Ticket type {type_id} is not available.")
    if body.get("ServiceID") not in (None, ""):
        raise schema.invalid("ServiceID", "Services are not available.")
    sla_id = optional_id(body, "SLAID")
    if sla_id is not None and not any(sla.id == sla_id for sla in catalog.slas):
        raise schema.invalid("SLAID", f"SLA {sla_id} is not available.")


@dataclass(frozen=True)
class TicketRequest:
    """A checked ticket-create body: the create view writes it, the ticket form only validates it."""
    title: str
    text: str
    queue_id: int
    priority_id: Optional[int]
    form_id: Optional[str]
    attributes: dict[str, Any]  # custom field values (`DynamicField_<name>`) the create screen offers


# The TicketCreate screen setting's DynamicField values: 1 shown, 2 shown and required.
SHOWN, SHOWN_REQUIRED = "1", "2"
DYNAMIC_FIELD = "DynamicField_"


def create_screen_fields(call: Call) -> list[tuple[ObjectAttribute, bool]]:
    """The custom fields the ticket-create screen offers this customer, in position order, with whether
    each is required: those the TicketCreate setting turns on (1, 2) that the customer may set."""
    shown = call.container.frontend_content.setting_value(fc.TICKET_CREATE).get("DynamicField") or {}
    definitions = call.container.tickets.fields
    if not shown or definitions is None:
        return []
    fields, now = definitions(), call.container.clock.now()
    offered = []
    for name, attribute in sorted(fields.attributes.items(), key=lambda item: item[1].position):
        setting = str(shown.get(name, ""))
        if setting in (SHOWN, SHOWN_REQUIRED) and name in fields.check(call.customer, {name: None}, now):
            offered.append((attribute, setting == SHOWN_REQUIRED))
    return offered


def offered_values(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    """The `DynamicField_<name>` values of the offered custom fields, checked as the ticket checks them
    (422 on `DynamicField_<name>`); a required one must be given. Other DynamicField keys are ignored."""
    values: dict[str, Any] = {}
    now = call.container.clock.now()
    for attribute, required in create_screen_fields(call):
        key = DYNAMIC_FIELD + attribute.name
        raw = body.get(key)
        try:
            value = check_value(attribute, raw, now)
        except InvalidInput as error:
            raise schema.invalid(key, error.message) from None
        if value is None or value == "":
            if required:
                raise schema.invalid(key, f"{attribute.display} is required.")
            continue
        values[attribute.name] = value
    return values


def parse_ticket_request(call: Call, body: dict[str, Any]) -> TicketRequest:
    """The create view's checks of its body, first problem first (422 on that field); reads no upload."""
    title, text = required_text(body, "Title"), required_text(body, "Body")
    catalog = call.container.catalog()
    queue_id = _queue(catalog, call.customer, optional_id(body, "QueueID"))
    priority_id = optional_id(body, "PriorityID")
    if priority_id is not None:
        catalog.priority(Ref("priority", id=priority_id))
    _check_type_service_sla(body, catalog)
    form_id = body.get("FormID")
    if form_id not in (None, "") and not isinstance(form_id, str):
        raise schema.invalid("FormID", "FormID must be a string.")
    return TicketRequest(title, text, queue_id, priority_id, form_id or None, offered_values(call, body))


@route("/ticket", methods=("POST",))
def create_ticket(call: Call) -> Any:
    """A new ticket whose first article (web, from the customer) holds Body and the FormID's uploads."""
    request = parse_ticket_request(call, call.body())
    form_id = request.form_id
    attachments: list[AttachmentInput] = call.container.uploads.take(call.customer, form_id) if form_id else []
    data = TicketInput(
        title=request.title, group=Ref("group", id=request.queue_id),
        priority=Ref("priority", id=request.priority_id) if request.priority_id is not None else None,
        attributes=request.attributes or None,
        article=ArticleInput(body=request.text, subject=request.title.strip(),
                             content_type=body_content_type(request.text), type=Ref("type", name="web"),
                             sender=Ref("sender", name="Customer"), attachments=attachments))
    try:
        ticket, _ = call.container.tickets.create(call.customer, data)
    except Conflict:
        raise OperationFailed("CouldNotCreateTicket", "The system was unable to create the ticket.") from None
    if form_id:
        call.container.uploads.clear(call.customer, form_id)
    return {"NextScreenAfterNewTicket": NEXT_SCREEN, "TicketNumber": schema.ticket_number(ticket)}


# --- count and list --------------------------------------------------------------------------

def _scope(call: Call) -> Principal:
    """Whose tickets: the customer's own (their principal without the organization's scope), or with
    CompanyTickets=1 the shared organization's; 404 when the customer has no shared organization."""
    customer = call.customer
    if not flag_param(call.params, "CompanyTickets"):
        return replace(customer, shared_organization=False)
    if not (customer.shared_organization and customer.user.organization_id):
        raise company_tickets_disabled()
    return customer


def _state_filter(call: Call) -> Callable[[State], bool]:
    name = (call.params.get("StateFilter") or DEFAULT_STATE_FILTER).strip().lower()
    if name not in STATE_FILTERS:
        raise schema.invalid("StateFilter", "StateFilter must be Open, Closed or All.")
    return STATE_FILTERS[name]


def selected_tickets(call: Call) -> list[Ticket]:
    """The tickets CompanyTickets, StateFilter and Search select, through the core's scoped search
    (at most SEARCH_SCAN_CAP tickets read); parameters are checked before anything is read."""
    state_matches = _state_filter(call)
    principal = _scope(call)
    query = call.params.get("Search") or ""
    found = call.container.tickets.search(principal, SearchRequest(query=query, limit=SEARCH_SCAN_CAP)).tickets
    catalog = call.container.catalog()
    return [t for t in found if (state := catalog.state_by_id(t.state_id)) is not None and state_matches(state)]


@route("/ticket/count")
def count_tickets(call: Call) -> Any:
    """`{"TicketCount": n}`: how many tickets the same selection as /ticket/list holds (TotalTickets)."""
    return {"TicketCount": len(selected_tickets(call))}


def _window(call: Call) -> tuple[int, int]:
    """(offset, limit) from Page (1-based) and TicketsPerPage (default: the customer's preference)."""
    preference = str((call.customer.user.preferences or {}).get("TicketListTicketsPerPage", ""))
    default = int(preference) if DIGITS.fullmatch(preference) and 0 < int(preference) <= MAX_TICKETS_PER_PAGE \
        else DEFAULT_TICKETS_PER_PAGE
    raw_per_page = call.params.get("TicketsPerPage")
    per_page = default if raw_per_page in (None, "") else positive_int(raw_per_page, "TicketsPerPage",
                                                                         MAX_TICKETS_PER_PAGE)
    raw_page = call.params.get("Page")
    page = 1 if raw_page in (None, "") else positive_int(raw_page, "Page")
    return (page - 1) * per_page, per_page


def _order(call: Call) -> tuple[str, bool]:
    """(SortBy, ascending): the parameters, else the customer's preferences (TicketListSortBy,
    TicketListOrderBy "Up"/"Down"), else Created descending."""
    preferences = call.customer.user.preferences or {}
    sort_by = call.params.get("SortBy") or ""
    if not sort_by:
        preferred = str(preferences.get("TicketListSortBy", ""))
        sort_by = preferred if preferred in SORT_KEYS else DEFAULT_SORT_BY
    elif sort_by not in SORT_KEYS:
        raise schema.invalid("SortBy", f"SortBy must be one of {', '.join(SORT_KEYS)}.")
    if call.params.get("SortAscending") in (None, ""):
        return sort_by, str(preferences.get("TicketListOrderBy", "Down")) == "Up"
    return sort_by, flag_param(call.params, "SortAscending")


@route("/ticket/list")
def list_tickets(call: Call) -> Any:
    offset, limit = _window(call)
    sort_by, ascending = _order(call)
    options = {option: flag_param(call.params, name) for name, option in LIST_OPTIONS.items()}
    tickets = selected_tickets(call)
    catalog = call.container.catalog()
    key = SORT_KEYS[sort_by]
    tickets.sort(key=lambda t: (key(t, catalog), t.id), reverse=not ascending)
    page = tickets[offset:offset + limit]
    return {"TotalTickets": len(tickets), "List": render_tickets(call, page, **options)}


# --- rendering -------------------------------------------------------------------------------

def _visible_articles(call: Call, tickets: list[Ticket]) -> dict[int, list[Article]]:
    """Each ticket's articles the customer may read (internal ones never): two reads per ticket, so only
    for what a page shows (LastCustomerSubject) or one ticket's details."""
    return {t.id: call.container.tickets.articles(call.customer, t.id)[1] for t in tickets}


def ticket_context(call: Call, tickets: list[Ticket], dynamic_fields: bool,
                   articles: Optional[dict[int, list[Article]]] = None) -> schema.TicketContext:
    """Users, organizations and (DynamicFields=1) field definitions for a page: one batch read each. The
    `Marker` asks the article flags per ticket (the articles given, else one article Query, plus the
    customer's flags), bounded by the page size."""
    users = call.container.users
    user_ids = {uid for t in tickets for uid in (t.owner_id, responsible_id(t), t.customer_id, t.created_by_id)}
    translatable: Optional[dict[str, bool]] = None
    if dynamic_fields:
        fields = call.container.tickets.fields
        definitions = fields().attributes if fields is not None and any(t.attributes for t in tickets) else {}
        translatable = {name: bool(a.data_option.get("translate")) for name, a in definitions.items()}
    flags = call.container.article_flags
    unread = frozenset(t.id for t in tickets if flags.unseen(call.customer, t, (articles or {}).get(t.id)))
    return schema.TicketContext(
        catalog=call.container.catalog(), users=users.many(user_ids),
        organizations=users.organizations_by_id(t.organization_id for t in tickets),
        now_epoch=int(call.container.clock.now().timestamp()), unread=unread, translatable=translatable)


def _last_customer_subject(articles: list[Article]) -> str:
    return next((a.subject for a in reversed(articles) if a.sender == "Customer"), "")


def render_tickets(call: Call, tickets: list[Ticket], dynamic_fields: bool = False, extended: bool = False,
                   last_customer_subject: bool = False,
                   articles: Optional[dict[int, list[Article]]] = None) -> list[dict[str, Any]]:
    """S-TicketListItem per ticket, plus the extended figures and the last customer subject when asked
    (`articles`: the tickets' visible articles when the caller has read them already)."""
    if last_customer_subject and articles is None:
        articles = _visible_articles(call, tickets)
    context = ticket_context(call, tickets, dynamic_fields, articles)
    items = []
    for ticket in tickets:
        item = schema.ticket_list_item(ticket, context)
        if extended:
            item.update(schema.ticket_extended(ticket))
        if last_customer_subject and articles is not None:
            item["LastCustomerSubject"] = _last_customer_subject(articles[ticket.id])
        items.append(item)
    return items


# --- details ---------------------------------------------------------------------------------

def _visible(call: Call, ticket_id: int) -> Ticket:
    """The ticket if the customer may see it; 403 Access denied both when it is another customer's and
    when it does not exist, so ids and numbers reveal nothing."""
    try:
        return call.container.tickets.get(call.customer, ticket_id)
    except (NotFound, PermissionDenied):
        raise access_denied() from None


def follow_up_possible(call: Call, ticket: Ticket) -> bool:
    """A customer may follow up on an open ticket, and on a closed one if its queue reopens tickets
    (the same rule as the core's follow-up on reply)."""
    catalog = call.container.catalog()
    state = catalog.state_by_id(ticket.state_id)
    if state is None or not state.is_closed:
        return True
    group = catalog.group_by_id(ticket.group_id)
    return group is not None and group.follow_up_possible != "new_ticket"


def _process_data(ticket: Ticket) -> dict[str, Any]:
    """Where a process ticket stands (the otrs-process area keeps it in the ticket's preferences); {} for
    a ticket that is in no process."""
    place = ticket.preferences.get(PROCESS_PREFERENCE)
    if not isinstance(place, dict):
        return {}
    return {key: place[key] for key in ("ProcessEntityID", "ActivityEntityID") if key in place}


def ticket_details(call: Call, ticket: Ticket) -> dict[str, Any]:
    """`{"Ticket": {S-TicketListItem..., extended figures, "LastCustomerSubject", "Articles": [...]}}` with the
    customer-visible articles oldest first (the otrs-articles renderer); `FollowUpPossible` (0/1) and
    `ProcessData` when asked. E900 ArticleLoadingFailed when the articles cannot be loaded."""
    dynamic_fields = flag_param(call.params, "DynamicFields")
    follow_up = flag_param(call.params, "FollowUpPossible")
    process_data = flag_param(call.params, "ProcessData")
    try:
        articles = _visible_articles(call, [ticket])
    except DomainError:
        raise OperationFailed("ArticleLoadingFailed", "The system was unable to load the articles.") from None
    item = render_tickets(call, [ticket], dynamic_fields=dynamic_fields, extended=True, last_customer_subject=True,
                          articles=articles)[0]
    item["Articles"] = [schema.article(a, ticket) for a in articles[ticket.id]]
    if follow_up:
        item["FollowUpPossible"] = int(follow_up_possible(call, ticket))
    if process_data:
        item["ProcessData"] = _process_data(ticket)
    return {"Ticket": item}


@route("/ticket/id/{TicketID}")
def ticket_by_id(call: Call, TicketID: str) -> Any:
    return ticket_details(call, _visible(call, positive_int(TicketID, "TicketID")))


@route("/ticket/number/{TicketNumber}")
def ticket_by_number(call: Call, TicketNumber: str) -> Any:
    """The OTRS number carries the creation day: a core number under another day is no ticket."""
    parsed = schema.core_number(TicketNumber)
    if parsed is None:
        raise schema.invalid("TicketNumber", "TicketNumber must be a ticket number.")
    day, number = parsed
    ticket = call.container.tickets.tickets.by_number(number)
    if ticket is None or ticket.created_at[:10] != day:
        raise access_denied()
    return ticket_details(call, _visible(call, ticket.id))
