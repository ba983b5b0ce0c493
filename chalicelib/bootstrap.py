"""Composition root: builds services and adapters once per container; `reset()` for tests.

Nothing here runs at import time. The first request (or job, or the dev server) calls
`container()`, which reads settings and wires storage adapters into the core services.
"""
from __future__ import annotations

import contextvars
import threading
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Optional

from . import settings
from .auth.authorizers import Authenticator
from .auth.tokens import JwtCodec, hash_password
from .core.access_tokens import AccessTokens
from .core.catalog import Catalog, Ref
from .core.object_attributes import Definitions
from .core.model import (ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER, SYSTEM_USER_ID, Group, Organization, Principal,
                         Priority, State, User)
from .core.tickets import ArticleInput, AttachmentLimits, TicketInput, TicketService
from .core.users import CustomerRef, UserDirectory, iso

if TYPE_CHECKING:
    from .core.due_work import DueWorker

_request_catalog: contextvars.ContextVar[Optional[Catalog]] = contextvars.ContextVar("catalog", default=None)
_request_definitions: contextvars.ContextVar[Optional[Definitions]] = contextvars.ContextVar("definitions",
                                                                                               default=None)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class Container:
    def __init__(self) -> None:
        from .storage import table
        from .storage.blobs import S3BlobStore
        from .storage.catalog import CatalogStore
        from .storage.counters import Counters
        from .storage.credentials import AccessTokenStore, RevocationStore
        from .storage.directory import OrganizationStore, UserStore
        from .storage.search import TableSearchIndex
        from .storage.tickets import TicketStore

        current = settings.get()
        table.configure()
        self.settings = current
        self.clock = SystemClock()
        self.ids = Counters()
        self.catalog_store = CatalogStore()
        self.user_store = UserStore(current.region)
        self.organization_store = OrganizationStore(current.region)
        self.token_store = AccessTokenStore()
        self.blobs = S3BlobStore(current.bucket_name, current.region)
        self.users = UserDirectory(self.user_store, self.organization_store, self.ids, self.clock)
        self.attachment_limits = AttachmentLimits(current.max_attachment_bytes, current.max_attachments)
        self.tickets = TicketService(
            TicketStore(current.region), self.catalog, self.users, self.blobs, TableSearchIndex(), self.ids,
            self.clock, fqdn=current.system_fqdn, number_prefix=current.ticket_number_prefix,
            limits=self.attachment_limits, escalation_warning_minutes=current.escalation_warning_minutes,
        )
        self.access_tokens = AccessTokens(self.token_store, self.ids, self.clock)
        self.authenticator = Authenticator(
            self.user_store, self.organization_store, self.token_store, RevocationStore(),
            JwtCodec(current.jwt_secret, current.jwt_issuer, current.jwt_ttl_seconds), self.clock,
        )
        # >>> catalog: states, priorities, groups, roles
        from .core.catalog_admin import CatalogAdmin
        self.catalog_admin = CatalogAdmin(self.catalog_store, self.ids, self.clock)
        # <<< catalog
        # >>> directory: users and organizations
        from .core.users import OrganizationDirectory
        from .storage.directory import TicketReferenceIndex
        cost = current.password_cost
        self.ticket_references = TicketReferenceIndex()
        self.users.configure(hasher=lambda password: hash_password(password, cost),
                             references=self.ticket_references, catalog=self.catalog)
        self.organizations = OrganizationDirectory(self.organization_store, self.users, self.ids, self.clock,
                                                   self.ticket_references)
        # <<< directory
        # >>> ticket-links: tags, links, merge, history
        from .core.ticket_links import HistoryRecorder, TicketLinkService, TicketLinksJanitor
        from .storage.ticket_links import TicketLinkStore
        self.ticket_link_store = TicketLinkStore()
        self.tickets.observers.append(HistoryRecorder(self.ticket_link_store, self.ids, self.catalog, self.users,
                                                      self.users.organizations_by_id))
        self.tickets.observers.append(TicketLinksJanitor(self.ticket_link_store))
        self.ticket_links = TicketLinkService(self.tickets, self.ticket_link_store, self.tickets.tickets, self.blobs,
                                              TableSearchIndex(), self.ids, self.clock)
        # <<< ticket-links
        # >>> notifications: online notifications
        from .core.notifications import Notifier, OnlineNotifications
        from .storage.notifications import NotificationStore
        self.notification_store = NotificationStore()
        self.online_notifications = OnlineNotifications(self.notification_store, self.clock,
                                                        ttl_days=current.notification_ttl_days,
                                                        seen_days=current.seen_notification_days)
        self.notifier = Notifier(self.notification_store, self.users, self.ids, self.clock,
                                 ttl_days=current.notification_ttl_days)
        self.tickets.observers.append(self.notifier)
        # <<< notifications
        # >>> object-attributes: custom ticket fields (object_manager_attributes)
        from .core.object_attributes import ObjectAttributes
        from .storage.object_attributes import ObjectAttributeStore
        self.object_attribute_store = ObjectAttributeStore()
        self.object_attributes = ObjectAttributes(self.object_attribute_store, self.object_definitions, self.ids,
                                                  self.clock)
        self.tickets.fields = lambda: self.object_definitions().ticket_fields()
        # <<< object-attributes
        # >>> mail-cleanup: mailer, cleanup of expired items
        from .core.cleanup import Cleanup
        from .core.ports import Mailer
        from .storage.expiry import ExpiryStore
        from .storage.mail import OutboxMailer, SesMailer
        mailers = {"ses": lambda: SesMailer(current.region, current.mail_from),  # its client: on the first mail
                   "outbox": lambda: OutboxMailer(current.outbox_dir, current.mail_from)}
        if current.mailer not in mailers:
            raise ValueError(f"HELPDESK_MAILER must be one of {sorted(mailers)}, not {current.mailer!r}")
        self.mailer: Mailer = mailers[current.mailer]()
        self.cleanup = Cleanup(ExpiryStore(), self.clock, current.cleanup_batch)
        # <<< mail-cleanup
        # >>> customer-accounts: register, password recovery and reset, personal preferences
        from .core.customer_accounts import CustomerAccounts
        from .storage.reset_tokens import ResetTokenStore
        self.customer_accounts = CustomerAccounts(
            self.users, ResetTokenStore(), self.mailer, self.clock,
            hasher=lambda password: hash_password(password, current.password_cost),
            reset_token_minutes=current.reset_token_minutes, password_min_length=current.password_min_length,
            fqdn=current.system_fqdn,
        )
        # <<< customer-accounts
        # >>> otrs-notifications: a ticket's customer is told of agents' replies and state changes
        from .core.customer_notifications import CustomerNotifications, CustomerNotifier
        self.tickets.observers.append(CustomerNotifier(self.notifier, self.users))
        self.customer_notifications = CustomerNotifications(self.online_notifications, self.tickets.tickets)
        # <<< otrs-notifications
        # >>> otrs-articles: per-user article flags
        from .core.article_flags import ArticleFlags, ArticleFlagsJanitor
        from .storage.article_flags import ArticleFlagStore
        self.article_flag_store = ArticleFlagStore()
        self.article_flags = ArticleFlags(self.tickets.tickets, self.article_flag_store)
        self.tickets.observers.append(ArticleFlagsJanitor(self.article_flag_store))
        # <<< otrs-articles
        # >>> otrs-process: process definitions and the process ticket engine
        from .core.processes import ProcessAdmin, ProcessEngine
        from .storage.processes import ProcessStore
        self.process_store = ProcessStore()
        self.process_admin = ProcessAdmin(self.process_store)
        self.processes = ProcessEngine(self.process_store, self.tickets, self.clock)
        # <<< otrs-process
        # >>> uploads: the form upload cache (OTRS FormID)
        from .core.uploads import UploadCache, UploadLimits
        from .storage.uploads import UploadStore
        self.uploads = UploadCache(UploadStore(), self.blobs, self.clock,
                                   UploadLimits(max_bytes=current.max_attachment_bytes,
                                                max_files=current.upload_max_files, ttl_hours=current.upload_ttl_hours),
                                   fqdn=current.system_fqdn)
        # <<< uploads

    # >>> escalation: calendars, SLAs, due work
    @cached_property
    def due_worker(self) -> "DueWorker":
        """The escalation job's service (built on first use: requests never need it)."""
        from .core.due_work import DueWorker
        from .storage.due import DueStore
        return DueWorker(DueStore(), self.tickets, self.notifier, self.mailer, self.ticket_link_store, self.ids,
                         fqdn=self.settings.system_fqdn)
    # <<< escalation

    def catalog(self) -> Catalog:
        """The request's catalog (one read per request at most); a fresh one outside requests."""
        return _request_catalog.get() or Catalog(self.catalog_store)

    def object_definitions(self) -> Definitions:
        """The request's custom field definitions (one read per request at most), like the catalog."""
        return _request_definitions.get() or Definitions(self.object_attribute_store)

    def begin_request(self) -> None:
        _request_catalog.set(Catalog(self.catalog_store))
        _request_definitions.set(Definitions(self.object_attribute_store))


_container: Optional[Container] = None
_lock = threading.Lock()


def container() -> Container:
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = Container()
    return _container


def reset() -> None:
    """Forget the container and settings (tests switch environments between cases)."""
    global _container
    _container = None
    settings.reset()
    _request_catalog.set(None)
    _request_definitions.set(None)


# --- provisioning: table, bucket, Zammad's defaults, admin, demo data ------------------------

DEFAULT_STATES = [
    State(1, "new", 1, default_create=True),
    State(2, "open", 2, default_follow_up=True),
    State(3, "pending reminder", 3, ignore_escalation=True),
    State(4, "closed", 5, ignore_escalation=True),
    State(5, "merged", 6, ignore_escalation=True),
    State(6, "removed", 7, ignore_escalation=True, active=False),
    State(7, "pending close", 4, next_state_id=4, ignore_escalation=True),
]
DEFAULT_PRIORITIES = [
    Priority(1, "1 low", ui_icon="low-priority", ui_color="low-priority"),
    Priority(2, "2 normal", default_create=True),
    Priority(3, "3 high", ui_icon="important", ui_color="high-priority"),
]
DEFAULT_GROUPS = [Group(1, "Users", note="Standard Group/Pool for Tickets.")]
# >>> sla-admin: calendars and SLAs
from .core.model import Calendar  # noqa: E402

DEFAULT_CALENDAR_ID = 1


def seed_default_calendar(c: Container, now: str) -> None:
    """Zammad's default calendar ("Default", Monday to Friday 08:00-17:00, UTC here: no setting names a
    time zone) and no SLA, so no ticket gets deadlines until an admin defines one.

    Idempotent without a seed marker: once written, a catalogue always holds a default calendar (the
    default cannot be deleted), so an empty list means never seeded, including stages provisioned
    before calendars existed."""
    snapshot, version = c.catalog_store.versioned_snapshot()
    c.ids.ensure_at_least("calendar", DEFAULT_CALENDAR_ID)
    if snapshot.calendars:
        return
    c.catalog_store.write(version, [Calendar(id=DEFAULT_CALENDAR_ID, name="Default", timezone="UTC", default=True,
                                             created_at=now, updated_at=now)])
# <<< sla-admin
# >>> otrs-process: the example process customers can start
def example_process(queue_id: int, open_state_id: int, closed_state_id: int) -> dict:
    """"Hardware request": the customer asks (title, text, priority; the queue is preset), an agent
    approves (state open -> "Delivery") or declines (state closed -> "Declined"), and the customer
    confirms the delivery, which closes the ticket."""
    from .core.processes import entity_id

    activity = {name: entity_id("Activity", name) for name in ("Request", "Approval", "Delivery", "Declined")}
    dialog = {name: entity_id("ActivityDialog", name) for name in ("Request", "Approval", "Delivery")}
    transition = {name: entity_id("Transition", name) for name in ("Submitted", "Approved", "Declined")}
    return {
        "EntityID": entity_id("Process", "Hardware request"), "Name": "Hardware request", "State": "Active",
        "StartActivity": activity["Request"], "StartActivityDialog": dialog["Request"],
        "Activities": {
            activity["Request"]: {"Name": "Request", "ActivityDialogs": [dialog["Request"]]},
            activity["Approval"]: {"Name": "Approval", "ActivityDialogs": [dialog["Approval"]]},
            activity["Delivery"]: {"Name": "Delivery", "ActivityDialogs": [dialog["Delivery"]]},
            activity["Declined"]: {"Name": "Declined", "ActivityDialogs": []},
        },
        "ActivityDialogs": {
            dialog["Request"]: {
                "Name": "Request hardware", "Interface": ["CustomerInterface", "AgentInterface"],
                "Fields": {
                    "Title": {"Display": 2, "DescriptionShort": "What do you need?"},
                    "Article": {"Display": 2, "DescriptionShort": "Why, and by when?"},
                    "PriorityID": {"Display": 1, "DescriptionShort": "How urgent is it?", "DefaultValue": 2},
                    "QueueID": {"Display": 0, "DefaultValue": queue_id},
                },
                "FieldOrder": ["Title", "Article", "PriorityID", "QueueID"],
            },
            dialog["Approval"]: {
                "Name": "Approve or decline", "Interface": ["AgentInterface"],
                "Fields": {"StateID": {"Display": 2, "DescriptionShort": "open: approved, closed: declined"},
                           "Article": {"Display": 1, "DescriptionShort": "A note for the customer"}},
                "FieldOrder": ["StateID", "Article"],
            },
            dialog["Delivery"]: {
                "Name": "Confirm delivery", "Interface": ["CustomerInterface"],
                "Fields": {"Article": {"Display": 1, "DescriptionShort": "Anything to add?"},
                           "StateID": {"Display": 0, "DefaultValue": closed_state_id}},
                "FieldOrder": ["Article", "StateID"],
            },
        },
        "Transitions": {
            transition["Submitted"]: {"Name": "Request submitted", "Condition": {}},
            transition["Approved"]: {"Name": "Approved", "Condition": {"StateID": open_state_id}},
            transition["Declined"]: {"Name": "Declined", "Condition": {"StateID": closed_state_id}},
        },
        "Path": {
            activity["Request"]: {transition["Submitted"]: {"ActivityEntityID": activity["Approval"]}},
            activity["Approval"]: {transition["Approved"]: {"ActivityEntityID": activity["Delivery"]},
                                   transition["Declined"]: {"ActivityEntityID": activity["Declined"]}},
        },
    }


def seed_example_process(c: Container, admin: User) -> None:
    """Put the example process unless it exists (an admin's later edits stay)."""
    state_id = {state.name: state.id for state in DEFAULT_STATES}
    definition = example_process(DEFAULT_GROUPS[0].id, state_id["open"], state_id["closed"])
    if c.process_store.get(definition["EntityID"]) is None:
        c.process_admin.put(Principal(user=admin, permissions=admin.permissions), definition)
# <<< otrs-process


def provision(demo: bool) -> dict:
    """Create what a fresh stage needs. Safe to run again: existing data is left as it is."""
    from .storage import table
    from .storage.table import PointerItem

    table.ensure_table()
    c = container()
    c.blobs.ensure_bucket()
    now = iso(c.clock)
    if not PointerItem.count("SEED#defaults"):
        for state in DEFAULT_STATES:
            state.created_at = state.updated_at = now
            c.catalog_store.put_state(state)
        for priority in DEFAULT_PRIORITIES:
            priority.created_at = priority.updated_at = now
            c.catalog_store.put_priority(priority)
        for group in DEFAULT_GROUPS:
            group.created_at = group.updated_at = now
            c.catalog_store.put_group(group)
        for sequence, value in (("state", 7), ("priority", 3), ("group", 1), ("user", SYSTEM_USER_ID)):
            c.ids.ensure_at_least(sequence, value)
        if c.user_store.get(SYSTEM_USER_ID) is None:
            c.user_store.create(User(id=SYSTEM_USER_ID, login="-", firstname="-", active=False,
                                     created_at=now, updated_at=now))
        PointerItem(pk="SEED#defaults", sk="#POINTER", doc={"at": now}).save()
    seed_default_calendar(c, now)  # sla-admin: the default calendar (also for stages seeded before it existed)
    s = c.settings
    admin = _ensure_user(c, s.admin_email, s.admin_password, "Admin", "Helpdesk", [ROLE_ADMIN, ROLE_AGENT],
                         {"1": ["full"]})
    credentials = {"admin": {"email": s.admin_email, "password": s.admin_password, "id": admin.id}}
    if demo:
        credentials.update(_seed_demo(c, admin))
        seed_example_process(c, admin)  # otrs-process: the example process (demo data)
    return credentials


def _ensure_user(c: Container, email: str, password: str, firstname: str, lastname: str, role_ids: list[int],
                 group_access: dict[str, list[str]], organization_id: Optional[int] = None) -> User:
    existing = c.user_store.by_email(email.lower())
    if existing:
        return existing
    now = iso(c.clock)
    user = User(id=c.ids.next_id("user"), login=email.lower(), email=email.lower(), firstname=firstname,
                lastname=lastname, password_hash=hash_password(password, c.settings.password_cost), role_ids=role_ids,
                group_access=group_access, organization_id=organization_id, verified=True,
                created_at=now, updated_at=now)
    c.user_store.create(user)
    return user


DEMO_AGENT = ("agent@example.com", "agent-password")
DEMO_CUSTOMER = ("nicole.braun@example.com", "customer-password")


def _seed_demo(c: Container, admin: User) -> dict:
    from .storage.table import PointerItem

    organization = c.organization_store.by_name("Demo Company")
    if organization is None:
        now = iso(c.clock)
        organization = Organization(id=c.ids.next_id("organization"), name="Demo Company", shared=True,
                                    domain="example.com", created_at=now, updated_at=now)
        c.organization_store.create(organization)
    agent = _ensure_user(c, *DEMO_AGENT, "Agent", "Smith", [ROLE_AGENT], {"1": ["full"]})
    customer = _ensure_user(c, *DEMO_CUSTOMER, "Nicole", "Braun", [ROLE_CUSTOMER], {}, organization.id)
    if not PointerItem.count("SEED#demo"):
        actor = Principal(user=admin, permissions=admin.permissions)
        for title, body in (("Welcome to the helpdesk!", "Your helpdesk is running. Reply to try it out."),
                            ("Printer on floor 2 is jammed", "It shows error E42 since this morning.")):
            c.tickets.create(actor, TicketInput(
                title=title, group=Ref("group", name="Users"), customer=CustomerRef(id=customer.id),
                article=ArticleInput(subject=title, body=body, type=Ref("type", name="phone")),
            ))
        PointerItem(pk="SEED#demo", sk="#POINTER", doc={}).save()
    return {"agent": {"email": DEMO_AGENT[0], "password": DEMO_AGENT[1], "id": agent.id},
            "customer": {"email": DEMO_CUSTOMER[0], "password": DEMO_CUSTOMER[1], "id": customer.id}}
