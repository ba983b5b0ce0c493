"""The domain's data. Plain dataclasses shared by every dialect; each dialect renders them its way."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

# Agent access levels on a group, Zammad's names. "full" implies all others.
GROUP_ACCESS_LEVELS = ("read", "create", "change", "overview", "full")

# Zammad's fixed article type and sender catalogues (ids as Zammad seeds them).
ARTICLE_TYPES = {
    1: "email", 2: "sms", 3: "chat", 4: "fax", 5: "phone", 6: "twitter status",
    7: "twitter direct-message", 8: "facebook feed post", 9: "facebook feed comment",
    10: "note", 11: "web", 12: "telegram personal-message",
}
ARTICLE_SENDERS = {1: "Agent", 2: "Customer", 3: "System"}

# State types as Zammad numbers them; OTRS state types use the same names.
STATE_TYPES = {
    1: "new", 2: "open", 3: "pending reminder", 4: "pending action", 5: "closed",
    6: "merged", 7: "removed",
}

ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER = 1, 2, 3
ROLE_PERMISSIONS = {
    ROLE_ADMIN: ("admin", "user_preferences", "report"),
    ROLE_AGENT: ("ticket.agent", "chat.agent", "knowledge_base.editor", "user_preferences"),
    ROLE_CUSTOMER: ("ticket.customer", "user_preferences.password", "user_preferences.language",
                    "user_preferences.access_token", "knowledge_base.reader"),
}
ROLE_NAMES = {ROLE_ADMIN: "Admin", ROLE_AGENT: "Agent", ROLE_CUSTOMER: "Customer"}

SYSTEM_USER_ID = 1  # Zammad's "-" user: owner of unassigned tickets, author of system changes


@dataclass(kw_only=True)
class Audited:
    """Bookkeeping every administered object carries, as Zammad shows it."""
    active: bool = True
    note: str = ""
    created_by_id: int = SYSTEM_USER_ID
    updated_by_id: int = SYSTEM_USER_ID
    created_at: str = ""
    updated_at: str = ""


@dataclass
class Group(Audited):
    id: int
    name: str
    follow_up_possible: str = "yes"          # "yes" | "new_ticket"
    follow_up_assignment: bool = True
    assignment_timeout: Optional[int] = None
    signature_id: Optional[int] = None
    email_address_id: Optional[int] = None


@dataclass
class State(Audited):
    id: int
    name: str
    state_type_id: int
    next_state_id: Optional[int] = None
    ignore_escalation: bool = False
    default_create: bool = False
    default_follow_up: bool = False

    @property
    def state_type(self) -> str:
        return STATE_TYPES.get(self.state_type_id, "open")

    @property
    def is_closed(self) -> bool:
        return self.state_type in ("closed", "merged", "removed")


@dataclass
class Priority(Audited):
    id: int
    name: str
    default_create: bool = False
    ui_icon: Optional[str] = None
    ui_color: Optional[str] = None


@dataclass
class Organization(Audited):
    id: int
    name: str
    shared: bool = True
    domain: str = ""
    domain_assignment: bool = False
    vip: bool = False


@dataclass
class User:
    id: int
    login: str
    email: str = ""
    firstname: str = ""
    lastname: str = ""
    password_hash: str = ""
    role_ids: list[int] = field(default_factory=list)
    # group id (as str, JSON-friendly) -> access levels, Zammad's `group_ids` shape
    group_access: dict[str, list[str]] = field(default_factory=dict)
    organization_id: Optional[int] = None
    active: bool = True
    verified: bool = False
    vip: bool = False
    phone: str = ""
    mobile: str = ""
    fax: str = ""
    web: str = ""
    department: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    country: str = ""
    address: str = ""
    note: str = ""
    source: Optional[str] = None
    image: Optional[str] = None
    preferences: dict[str, Any] = field(default_factory=lambda: {"locale": "en-us"})
    login_failed: int = 0
    last_login: Optional[str] = None
    created_by_id: int = SYSTEM_USER_ID
    updated_by_id: int = SYSTEM_USER_ID
    created_at: str = ""
    updated_at: str = ""

    @property
    def fullname(self) -> str:
        name = f"{self.firstname} {self.lastname}".strip()
        return name or self.email or self.login

    @property
    def permissions(self) -> frozenset[str]:
        names: set[str] = set()
        for role_id in self.role_ids:
            names.update(ROLE_PERMISSIONS.get(role_id, ()))
        return frozenset(names)


@dataclass
class Attachment:
    id: int
    filename: str
    size: int
    content_type: str
    preferences: dict[str, Any] = field(default_factory=dict)
    content_id: Optional[str] = None  # set for inline images referenced as cid: in HTML bodies


@dataclass
class Article:
    id: int
    ticket_id: int
    type_id: int
    sender_id: int
    body: str
    content_type: str = "text/plain"
    subject: str = ""
    from_: str = ""
    to: str = ""
    cc: str = ""
    reply_to: Optional[str] = None
    message_id: Optional[str] = None
    in_reply_to: Optional[str] = None
    references: Optional[str] = None
    internal: bool = False
    time_unit: Optional[str] = None
    preferences: dict[str, Any] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    origin_by_id: Optional[int] = None
    created_by_id: int = SYSTEM_USER_ID
    updated_by_id: int = SYSTEM_USER_ID
    created_at: str = ""
    updated_at: str = ""

    @property
    def type(self) -> str:
        return ARTICLE_TYPES.get(self.type_id, "note")

    @property
    def sender(self) -> str:
        return ARTICLE_SENDERS.get(self.sender_id, "Agent")


@dataclass
class Ticket:
    id: int
    number: str
    title: str
    group_id: int
    state_id: int
    priority_id: int
    customer_id: int
    owner_id: int = SYSTEM_USER_ID
    organization_id: Optional[int] = None
    note: Optional[str] = None
    type: Optional[str] = None
    pending_time: Optional[str] = None
    preferences: dict[str, Any] = field(default_factory=dict)
    article_ids: list[int] = field(default_factory=list)
    time_unit: Optional[str] = None
    create_article_type_id: Optional[int] = None
    create_article_sender_id: Optional[int] = None
    first_response_at: Optional[str] = None
    close_at: Optional[str] = None
    last_contact_at: Optional[str] = None
    last_contact_agent_at: Optional[str] = None
    last_contact_customer_at: Optional[str] = None
    last_owner_update_at: Optional[str] = None
    created_by_id: int = SYSTEM_USER_ID
    updated_by_id: int = SYSTEM_USER_ID
    created_at: str = ""
    updated_at: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)  # custom fields (object_manager_attributes)
    # Escalation (core.escalation keeps these on every write): deadlines as ISO timestamps, figures in
    # business minutes, the SLA that applied, and the periods the clock stood still ([from, to|None]).
    sla_id: Optional[int] = None
    first_response_escalation_at: Optional[str] = None
    first_response_in_min: Optional[int] = None
    first_response_diff_in_min: Optional[int] = None
    update_escalation_at: Optional[str] = None
    update_in_min: Optional[int] = None
    update_diff_in_min: Optional[int] = None
    close_escalation_at: Optional[str] = None
    close_in_min: Optional[int] = None
    close_diff_in_min: Optional[int] = None
    escalation_at: Optional[str] = None
    escalation_pauses: list[list[Optional[str]]] = field(default_factory=list)
    version: int = 0

    @property
    def article_count(self) -> int:
        return len(self.article_ids)


@dataclass
class AccessToken:
    """A long-lived personal token (Zammad's user_access_token). Only its hash is stored."""
    id: int
    user_id: int
    label: str
    token_hash: str
    permissions: list[str] = field(default_factory=list)
    expires_at: Optional[str] = None  # a date, "YYYY-MM-DD", as Zammad takes it
    last_used_at: Optional[str] = None
    created_at: str = ""
    updated_at: str = ""


def grants(held: frozenset[str] | set[str], permission: str) -> bool:
    """Zammad's permission tree: holding "admin" grants "admin.user" and so on."""
    parts = permission.split(".")
    return any(".".join(parts[:i]) in held for i in range(1, len(parts) + 1))


@dataclass(frozen=True)
class Principal:
    """Who is calling, resolved once per request by the auth layer."""
    user: User
    permissions: frozenset[str]
    shared_organization: bool = False
    auth_type: str = "basic_auth"
    real_user_id: Optional[int] = None  # set when acting through X-On-Behalf-Of

    @property
    def id(self) -> int:
        return self.user.id

    def has(self, permission: str) -> bool:
        return grants(self.permissions, permission)

    @property
    def is_agent(self) -> bool:
        return self.has("ticket.agent")

    @property
    def is_admin(self) -> bool:
        return self.has("admin")

    @property
    def is_customer(self) -> bool:
        return not self.is_agent and self.has("ticket.customer")


# Zammad's permission catalogue (the part this service acts on), as user_access_token lists it.
PERMISSIONS: tuple[tuple[int, str, str], ...] = (
    (1, "admin", "Admin Interface"),
    (2, "admin.user", "Manage Users"),
    (3, "admin.group", "Manage Groups"),
    (4, "admin.organization", "Manage Organizations"),
    (5, "admin.object", "Manage Objects"),
    (6, "admin.tag", "Manage Tags"),
    (7, "admin.api", "Manage API"),
    (8, "admin.calendar", "Manage Calendars"),
    (9, "admin.sla", "Manage SLAs"),
    (20, "user_preferences", "User Preferences"),
    (21, "user_preferences.password", "Change password"),
    (22, "user_preferences.language", "Change language"),
    (23, "user_preferences.access_token", "Manage personal API tokens"),
    (50, "ticket.agent", "Access to Ticket in Agent mode"),
    (51, "ticket.customer", "Access to Ticket in Customer mode"),
    (60, "chat.agent", "Access to Chat"),
    (70, "knowledge_base.editor", "Knowledge Base Editor"),
    (71, "knowledge_base.reader", "Knowledge Base Reader"),
    (80, "report", "Report Interface"),
)


# >>> catalog: states, priorities, groups, roles
ROLE_NOTES = {ROLE_ADMIN: "To configure your system.", ROLE_AGENT: "To work on Tickets.",
              ROLE_CUSTOMER: "People who create Tickets ask for help."}
ROLES_DEFINED_AT = "2024-01-01T00:00:00.000Z"  # built in: the roles are part of the release, not of the data


@dataclass(frozen=True)
class Role:
    """One of the fixed roles (Zammad's Admin, Agent, Customer); users hold them by id in `role_ids`."""
    id: int
    name: str
    permissions: tuple[str, ...]
    default_at_signup: bool = False
    note: str = ""
    active: bool = True

    @property
    def permission_ids(self) -> list[int]:
        ids = {name: pid for pid, name, _ in PERMISSIONS}
        return [ids[name] for name in self.permissions if name in ids]


ROLES: tuple[Role, ...] = tuple(
    Role(rid, ROLE_NAMES[rid], ROLE_PERMISSIONS[rid], default_at_signup=rid == ROLE_CUSTOMER, note=ROLE_NOTES[rid])
    for rid in (ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER))
# <<< catalog
# >>> directory: users and organizations
# <<< directory
# >>> ticket-links: tags, links, merge, history
LINK_TYPES = ("normal", "parent", "child")
LINK_INVERSE = {"normal": "normal", "parent": "child", "child": "parent"}


@dataclass
class HistoryEntry:
    """One line of a ticket's history, Zammad's History record (`history_type` created, updated, added,
    removed, merged_into, received_merge; `history_object` Ticket or Ticket::Article)."""
    id: int
    ticket_id: int             # the partition the entry lives in
    o_id: int                  # the changed object: the ticket or the article
    history_type: str
    history_object: str = "Ticket"
    history_attribute: Optional[str] = None
    value_from: Optional[str] = None
    value_to: Optional[str] = None
    id_from: Optional[int] = None
    id_to: Optional[int] = None
    related_o_id: Optional[int] = None
    related_history_object: Optional[str] = None
    created_by_id: int = SYSTEM_USER_ID
    created_at: str = ""


@dataclass
class TicketTag:
    """A tag on a ticket, as its ticket holds it."""
    name: str
    created_by_id: int = SYSTEM_USER_ID
    created_at: str = ""


@dataclass
class TagItem:
    """A tag name in the registry (Zammad's Tag::Item) with how many objects carry it."""
    id: int
    name: str
    count: int = 0


@dataclass
class TicketLink:
    """A link as one ticket sees it: `link_type` is what the other ticket is to this one
    (Zammad's Link.list: "parent" means the other ticket is this ticket's parent)."""
    ticket_id: int
    link_type: str
    other_id: int
    created_by_id: int = SYSTEM_USER_ID
    created_at: str = ""

    def inverse(self) -> "TicketLink":
        return TicketLink(self.other_id, LINK_INVERSE[self.link_type], self.ticket_id,
                          self.created_by_id, self.created_at)
# <<< ticket-links
# >>> notifications: online notifications
@dataclass
class OnlineNotification:
    """One user's notice about an object (a ticket) that changed: Zammad's online_notification."""
    id: int
    user_id: int                 # the recipient, the only one who may see or change it
    o_id: int                    # the object's id (the ticket id)
    object: str = "Ticket"
    type: str = "update"         # "create", "update", "reminder_reached", "escalation", ...
    seen: bool = False
    created_by_id: int = SYSTEM_USER_ID
    updated_by_id: int = SYSTEM_USER_ID
    created_at: str = ""
    updated_at: str = ""
    expires_at: Optional[int] = None  # epoch seconds; stored as the TTL attribute, also checked on read
# <<< notifications
# >>> object-attributes: custom ticket fields (object_manager_attributes)
@dataclass
class ObjectAttribute:
    """A field of an object (Zammad's ObjectManager::Attribute). Custom ones are stored; built-in ones
    describe the fixed Ticket columns. Pending changes wait for execute_migrations (the `to_*` flags,
    the next options in `data_option_new`)."""
    id: int
    object: str
    name: str
    display: str
    data_type: str
    data_option: dict[str, Any] = field(default_factory=dict)
    data_option_new: dict[str, Any] = field(default_factory=dict)
    editable: bool = True
    active: bool = True
    screens: dict[str, Any] = field(default_factory=dict)
    to_create: bool = False
    to_migrate: bool = False
    to_delete: bool = False
    to_config: bool = False
    position: int = 1550
    created_by_id: int = SYSTEM_USER_ID
    updated_by_id: int = SYSTEM_USER_ID
    created_at: str = ""
    updated_at: str = ""
    version: int = 0

    @property
    def usable(self) -> bool:
        """A field objects may hold values of: migrated (its column exists) and active."""
        return self.active and not self.to_create
# <<< object-attributes
# >>> escalation: calendars, SLAs, due work
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_business_hours() -> dict[str, Any]:
    """Zammad's default calendar: Monday to Friday, 08:00 to 17:00."""
    return {day: {"active": day not in ("sat", "sun"), "timeframes": [["08:00", "17:00"]]} for day in WEEKDAYS}


@dataclass
class Calendar(Audited):
    """Business hours in a time zone, with public holidays (Zammad's Calendar). `business_hours` is
    Zammad's shape: {"mon": {"active": true, "timeframes": [["09:00", "17:00"]]}, ...}; `public_holidays`
    maps "YYYY-MM-DD" to {"active": bool, "summary": str}."""
    id: int
    name: str
    timezone: str = "UTC"
    business_hours: dict[str, Any] = field(default_factory=default_business_hours)
    default: bool = False
    ical_url: Optional[str] = None
    public_holidays: dict[str, Any] = field(default_factory=dict)
    last_log: Optional[str] = None
    last_sync: Optional[str] = None


@dataclass
class Sla(Audited):
    """Which tickets (`condition`, Zammad's selector: {"ticket.priority_id": {"operator": "is",
    "value": ["2"]}}) must be answered, updated and solved within how many business minutes of
    `calendar_id`. None means no such target."""
    id: int
    name: str
    calendar_id: int = 0
    first_response_time: Optional[int] = None
    update_time: Optional[int] = None
    solution_time: Optional[int] = None
    condition: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DueEvent:
    """Something a scheduled job must do at `at` about a ticket: warn or escalate a deadline
    (kind first_response | update | close; level warning | escalation), remind at the pending time
    (pending_reminder/reminder) or close at it (pending_close/close). `deadline` is the time the
    event is about; with kind and level it names the event, so it fires once however often it is seen."""
    kind: str
    level: str
    at: str
    deadline: str

    @property
    def key(self) -> str:
        return f"{self.kind}#{self.level}#{self.deadline}"


@dataclass(frozen=True)
class Mail:
    """An email the service sends (escalations, reminders, password resets, agents' email articles) through
    the Mailer port."""
    to: tuple[str, ...]
    subject: str
    body: str
    reply_to: Optional[str] = None
    cc: tuple[str, ...] = ()
# <<< escalation
# >>> uploads: the form upload cache (OTRS FormID)
@dataclass(frozen=True)
class UploadedFile:
    """A file in a form's upload cache, waiting to become an attachment of the ticket or article the form
    creates. `file_id` counts 1, 2, 3... per form; `content_id` is unique and is how a client fetches it."""
    file_id: int
    filename: str
    size: int
    content_type: str
    content_id: str
    created_at: str
# <<< uploads
# >>> tickets-api: what the numbered Tickets API keeps beyond the core ticket
@dataclass(frozen=True)
class Vote:
    """A client's evaluation of a ticket (score 1..10) or of one of its articles (score 1 or -1).
    One per ticket and one per article: a later vote replaces the earlier one."""
    score: int
    user_id: int
    created_at: str
    comment: Optional[str] = None


@dataclass(frozen=True)
class ClientDetails:
    """How the client wants to be addressed on a ticket (`client_aliased_name`) and who else hears of it
    (`client_emails`)."""
    aliased_name: Optional[str] = None
    emails: tuple[str, ...] = ()
    updated_at: str = ""


@dataclass(frozen=True)
class TicketExtras:
    """A ticket's vote and client details, read together for a page of tickets."""
    vote: Optional[Vote] = None
    details: ClientDetails = ClientDetails()


@dataclass(frozen=True)
class ClientFile:
    """A file a client uploaded (`POST /files`), waiting to be attached by uuid to a ticket or comment.
    Only its owner can attach it; it expires `expires_at` (epoch seconds) if never used."""
    id: str
    owner_id: int
    filename: str
    size: int
    content_type: str
    created_at: str
    expires_at: int
# <<< tickets-api
# >>> kb: knowledge base categories, answers, attachments and votes (core/knowledge_base.py)
KB_NUMBER_BASE = 100000                   # OTRS FAQ numbers: the seed's article 32 is number 100032
KB_EXTRA_FIELDS = ("symptom", "problem", "comment")   # OTRS's FAQ fields besides the solution (the body)


@dataclass
class KbCategory:
    id: int
    name: str
    comment: str = ""
    parent_id: Optional[int] = None
    position: int = 0
    icon: str = "f115"
    created_at: str = ""
    updated_at: str = ""
    created_by_id: int = 1
    updated_by_id: int = 1
    version: int = 0


@dataclass
class KbAttachment:
    id: int
    filename: str
    content_type: str
    size: int
    key: str          # the bytes' key in the BlobStore


@dataclass
class KbAnswer:
    id: int
    category_id: int
    title: str
    body: str = ""                                          # HTML; OTRS shows it as the "Solution"
    fields: dict[str, str] = field(default_factory=dict)    # symptom / problem / comment
    keywords: list[str] = field(default_factory=list)
    language: str = "en"
    position: int = 0
    attachments: list[KbAttachment] = field(default_factory=list)
    published_at: Optional[str] = None
    published_by_id: Optional[int] = None
    internal_at: Optional[str] = None
    internal_by_id: Optional[int] = None
    archived_at: Optional[str] = None
    archived_by_id: Optional[int] = None
    created_at: str = ""
    updated_at: str = ""
    created_by_id: int = 1
    updated_by_id: int = 1
    version: int = 0

    def visibility(self, now: str) -> str:
        """Zammad's answer states: archived, published (publicly), internal (staff only) or draft."""
        if self.archived_at and self.archived_at <= now:
            return "archived"
        if self.published_at and self.published_at <= now:
            return "published"
        if self.internal_at and self.internal_at <= now:
            return "internal"
        return "draft"

    @property
    def number(self) -> int:
        return KB_NUMBER_BASE + self.id


@dataclass
class KbSnapshot:
    categories: list[KbCategory]
    answers: list[KbAnswer]


@dataclass(frozen=True)
class VoteSummary:
    count: int = 0
    average: Optional[float] = None
# <<< kb
