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
        # >>> infra: the signing key (Secrets Manager in AWS, fetched on first use; fixed locally)
        from .auth.tokens import SigningKeys, StaticKeys
        from .storage.signing_keys import SecretsManagerKeys
        self.signing_keys: SigningKeys = (SecretsManagerKeys(current.jwt_secret_arn, current.region)
                                          if current.jwt_secret_arn else StaticKeys(current.jwt_secret))
        # <<< infra
        self.authenticator = Authenticator(
            self.user_store, self.organization_store, self.token_store, RevocationStore(),
            JwtCodec(self.signing_keys, current.jwt_issuer, current.jwt_ttl_seconds), self.clock,
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
        from .core.article_mail import ArticleMailer
        self.tickets.observers.append(ArticleMailer(self.mailer))  # agents' email articles leave by mail
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
        # >>> rs4otrs-core: agents' lost passwords, mobile push tokens and pushes
        from .core.agent_accounts import AgentPasswordRecovery
        from .core.push import PushNotifier, PushTokens
        from .storage.push import LoggedPushSender, PushTokenStore
        from .storage.reset_tokens import ResetTokenStore
        self.agent_password_recovery = AgentPasswordRecovery(
            self.user_store, ResetTokenStore(), self.mailer, self.clock,
            hasher=lambda password: hash_password(password, current.password_cost),
            reset_token_minutes=current.reset_token_minutes, password_min_length=current.password_min_length,
            redeem_hint=f'POST https://{current.system_fqdn}/otrs/api/auth/lostPassword {{"Token": "..."}}',
        )
        push_token_store = PushTokenStore()
        self.push_tokens = PushTokens(push_token_store, self.clock)
        self.tickets.observers.append(PushNotifier(push_token_store, LoggedPushSender(current.system_fqdn),
                                                   self.notifier.recipients))
        # <<< rs4otrs-core
        # >>> rs4otrs-tickets: OTRS ticket watchers, files added to existing articles
        from .core.otrs_tickets import ArticleAttachments, TicketWatchers
        from .storage.article_attachments import ArticleAttachmentStore
        from .storage.push import PushTokenStore
        self.registered_push_tokens = PushTokenStore()  # getTicketList's NeedTokenUpdate reads it
        self.ticket_watchers = TicketWatchers(self.tickets.tickets)
        self.article_attachments = ArticleAttachments(self.tickets.tickets, ArticleAttachmentStore(), self.blobs,
                                                      self.ids, self.attachment_limits)
        # <<< rs4otrs-tickets
        # >>> tickets-api: the numbered Tickets API's votes, client details, uploaded files and rate limit
        from .core.client_files import ClientFiles, FileLimits
        from .core.client_tickets import ClientTickets, ClientTicketsJanitor
        from .core.rate_limit import RateLimiter
        from .storage.client_files import ClientFileStore
        from .storage.client_tickets import ClientTicketStore
        from .storage.rate_windows import RateWindowStore
        client_ticket_store = ClientTicketStore()
        self.client_tickets = ClientTickets(self.tickets, client_ticket_store, self.article_flag_store, self.clock)
        self.tickets.observers.append(ClientTicketsJanitor(client_ticket_store))
        self.client_files = ClientFiles(ClientFileStore(), self.blobs, self.clock,
                                        FileLimits(max_bytes=current.max_attachment_bytes,
                                                   max_files=current.upload_max_files,
                                                   ttl_hours=current.upload_ttl_hours))
        self.tickets_api_rate = RateLimiter(RateWindowStore(), self.clock, current.tickets_api_rate)
        # the public parts of seed 000 (knowledge base, frontend configuration): per client address
        self.public_rate = RateLimiter(RateWindowStore(), self.clock, current.public_rate)
        # password recovery and self-registration mail an address the caller names (all dialects)
        self.account_mail_rate = RateLimiter(RateWindowStore(), self.clock, current.account_mail_rate,
                                             window_seconds=3600)
        # <<< tickets-api
        # >>> kb: the knowledge base (Zammad management, OTRS public pages)
        from .core.knowledge_base import KnowledgeBase
        from .storage.knowledge_base import KnowledgeBaseStore
        self.knowledge_base = KnowledgeBase(KnowledgeBaseStore(), self.blobs, self.ids, self.clock,
                                            current.max_attachment_bytes)
        # <<< kb
        # >>> otrs-frontend: the external frontend's content and the service catalogue
        from .core.frontend_content import FrontendContent
        from .storage.frontend_content import FrontendContentStore
        self.frontend_content = FrontendContent(
            FrontendContentStore(), self.blobs, self.ids, self.clock, self.catalog,
            lambda: self.object_definitions().stored())
        # <<< otrs-frontend
        # >>> chat
        from .core.chat import ChatService, ChatSettings
        from .storage.chat import ChatStore
        self.chat = ChatService(
            ChatStore(), self.ids, self.clock, self.mailer,
            ChatSettings(max_message_chars=current.chat_max_message_chars,
                         closed_ttl_days=current.chat_closed_ttl_days, video_enabled=current.chat_video_enabled,
                         default_agent_name=current.chat_default_agent_name,
                         no_answer_minutes=current.chat_no_answer_minutes,
                         ice_servers=tuple(url.strip() for url in current.chat_ice_servers.split(",") if url.strip()),
                         turn_url=current.chat_turn_url, turn_secret=current.chat_turn_secret),
            self._ticket_readable, self.user_store.get)
        # <<< chat
        # >>> docsearch
        from .core.document_search import DocumentSearch, KnowledgeBaseSource, TicketSource
        self.document_search = DocumentSearch([TicketSource(self.tickets), KnowledgeBaseSource(self.knowledge_base)])
        from .core.calendar_feed import CalendarFeed
        from .core.packages import PackageRepository
        from .storage.frontend_content import FrontendContentStore
        self.calendar_feed = CalendarFeed(self.tickets, self.clock, current.system_fqdn)
        self.packages = PackageRepository(FrontendContentStore(), self.blobs, self.ids, self.clock)
        # <<< docsearch

    # >>> chat
    def _ticket_readable(self, principal: Principal, ticket_id: int) -> bool:
        """May the chat link to this ticket: one the requester may read."""
        from .core.errors import NotFound, PermissionDenied
        try:
            self.tickets.get(principal, ticket_id)
        except (NotFound, PermissionDenied):
            return False
        return True
    # <<< chat

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
# >>> otrs-frontend: default external frontend content, so a fresh stage answers every endpoint
def solid_png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A square PNG of one colour (standard library only): the default favicon, logo and hero image."""
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def default_frontend_images() -> list[tuple[str, str, bytes]]:
    """(area, path, PNG bytes) of the favicon, the logo and the home page's hero image."""
    return [("layout", "favicon.png", solid_png((37, 99, 235))), ("layout", "logo.png", solid_png((17, 24, 39), 32)),
            ("homepage", "hero.png", solid_png((31, 41, 55), 64))]


def seed_frontend_content(c: Container, admin: User) -> None:
    """Home pages (en, de), the ticket screens' settings, a menu, two custom pages, images and a small
    service catalogue. Written once (marker `SEED#frontend`): an admin's later changes stay."""
    from .core import frontend_content as fc
    from .storage.table import PointerItem

    if PointerItem.count("SEED#frontend"):
        return
    actor = Principal(user=admin, permissions=admin.permissions)
    content = c.frontend_content
    for language, title, rows in (("en", "How can we help you?", "Your tickets"),
                                  ("de", "Wie können wir helfen?", "Ihre Tickets")):
        content.put_setting(actor, fc.HOME_PAGE_PREFIX + language, {
            "TicketList": {"RowTitle": rows, "Show": "1"},
            "HeroUnit": {"Title": title, "BackgroundStyle": "Image", "BackgroundImage": "hero.png",
                         "BackgroundColor": "#1f2937"}})
    content.put_setting(actor, fc.TICKET_OVERVIEW, {
        "DynamicField": {}, "Owner": 0, "Queue": 1, "ColumnHeader": "TicketTitle",
        "CustomEmptyText": {"Title": "Welcome!", "Text": "Please click the button below to create your first ticket.",
                            "Button": "Create your first ticket"}})
    content.put_setting(actor, fc.STATUS_MAP, {"new": "new", "open": "open", "pending reminder": "pending",
                                               "pending close": "pending", "closed": "closed"})
    content.put_setting(actor, fc.TICKET_CREATE, {"NextScreenAfterNewTicket": "TicketOverview"})
    content.put_setting(actor, fc.TICKET_DETAIL_VIEW, {"NextScreenAfterFollowUp": "TicketOverview",
                                                       "ArticleSort": "Ascending", "DynamicField": {}})
    content.put_setting(actor, fc.LAYOUT, {"Favicon": "favicon.png", "Logo": "logo.png"})
    content.put_setting(actor, fc.PREFERENCE_CATEGORIES, {"Categories": [
        {"Key": "UserProfile", "Name": "User Profile", "Description": "Name, language and contact data.",
         "Prio": "1000"},
        {"Key": "Security", "Name": "Security", "Description": "Change your password.", "Prio": "2000"},
        {"Key": "Notifications", "Name": "Notification Settings",
         "Description": "Which personal notifications you get.", "Prio": "3000"}]})
    for position, name, route, public, description in (
            ("Main", "Home", "/home", True, "The help center's home page."),
            ("Main", "Tickets", "/tickets", False, "Your tickets."),
            ("Main", "New Ticket", "/ticket/create", False, "Ask us something."),
            ("Main", "Service Catalogue", "/service-catalogue", True, "What we offer."),
            ("Main", "Knowledge Base", "/knowledge-base", True, "Knowledge base."),
            ("Bottom", "Imprint", "/page/imprint", True, "Who we are."),
            ("Bottom", "Privacy", "/page/privacy", True, "How we handle your data.")):
        content.save_menu_item(actor, fc.MenuItem(0, position, name, route_link=route, is_public=public,
                                                  description=description))
    for slug, title, text in (("imprint", "Imprint", "<h1>Imprint</h1><p>Helpdesk, operated by its owner.</p>"),
                              ("privacy", "Privacy", "<h1>Privacy</h1><p>We keep what you send us to answer it.</p>")):
        content.save_custom_page(actor, fc.CustomPage(0, slug, "en", title, text))
    for area, path, data in default_frontend_images():
        content.put_image(actor, area, path, "image/png", data)
    home = content.save_category(actor, fc.CatalogueCategory(0, {"en": "Home", "de": "Startseite"}))
    hardware = content.save_category(actor, fc.CatalogueCategory(0, {"en": "Hardware", "de": "Hardware"},
                                                                 parent_id=home.id))
    content.save_item(actor, fc.CatalogueItem(0, [home.id], "/ticket/create", {
        "en": fc.ItemContent(0, "Ask a question", "Anything we can help with: we answer within a business day."),
        "de": fc.ItemContent(0, "Eine Frage stellen", "Alles, wobei wir helfen können.")}))
    content.save_item(actor, fc.CatalogueItem(0, [hardware.id], "/ticket/create", {
        "en": fc.ItemContent(0, "Request hardware", "Laptops, screens and phones for your work."),
        "de": fc.ItemContent(0, "Hardware anfordern", "Laptops, Bildschirme und Telefone.")}))
    PointerItem(pk="SEED#frontend", sk="#POINTER", doc={}).save()
# <<< otrs-frontend
# >>> chat: the demo chat channel


def seed_demo_chat_channel(c: Container, admin: User) -> None:
    """A public chat channel, so the demo's visitors can request a chat right away (a stage without any
    channel answers NoDefaultChatChannelDefined, as OTRS does)."""
    from .core.chat import ChannelInput
    from .storage.table import PointerItem
    if PointerItem.count("SEED#chat"):
        return
    actor = Principal(user=admin, permissions=admin.permissions)
    c.chat.save_channel(actor, None, ChannelInput(
        name="Support", note="Questions about your tickets, orders and accounts.", public=True, max_queue=10))
    PointerItem(pk="SEED#chat", sk="#POINTER", doc={}).save()
# <<< chat


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
    # >>> otrs-frontend
    seed_frontend_content(c, admin)
    # <<< otrs-frontend
    # >>> chat
    if demo:
        seed_demo_chat_channel(c, admin)
    # <<< chat
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
# >>> docsearch: a small knowledge base for `make run` (the dev server seeds it with the demo data)
DEMO_KB_CATEGORIES = (("Getting started", "Using the helpdesk."), ("Printing", "Printers on every floor."),
                      ("Network & VPN", "Wi-Fi, VPN and remote access."))
# (category, title, body, symptom, keywords, state): state "publish", "internal" (staff only) or None (draft)
DEMO_KB_ANSWERS = (
    ("Getting started", "How do I open a ticket?",
     "<p>Sign in, choose <b>New Ticket</b>, describe what happened and send it. We answer within a business "
     "day; replies arrive by email and on the ticket page.</p>", "", ["ticket", "support"], "publish"),
    ("Getting started", "Who can see my tickets?",
     "<p>You and the agents working on them. In a shared organization your colleagues see them too.</p>", "",
     ["privacy", "organization"], "publish"),
    ("Printing", "The printer shows error E42",
     "<p>Open the front cover, take the toner cartridge out, shake it gently and put it back. If E42 stays, "
     "open a ticket with the printer's floor and name.</p>", "The display shows E42 and nothing prints.",
     ["printer", "toner", "E42"], "publish"),
    ("Printing", "Clearing a paper jam",
     "<p>Open the tray the display names, pull the jammed sheet out towards you and close the tray.</p>",
     "The printer stops with a paper jam message.", ["printer", "paper", "jam"], "publish"),
    ("Network & VPN", "The VPN does not connect",
     "<p>Check that your certificate has not expired (VPN client, <i>Certificates</i>), renew it there, "
     "then connect again.</p>", "The VPN client says the certificate is not valid.", ["vpn", "certificate"],
     "publish"),
    ("Network & VPN", "Rotating the VPN server certificate",
     "<p>Staff only: rotate on the first Monday of the quarter, then tell the service desk.</p>", "",
     ["vpn", "certificate", "rotation"], "internal"),
    ("Printing", "Printer fleet replacement plan",
     "<p>Draft: which printers are replaced next year.</p>", "", ["printer", "plan"], None),
)


def seed_demo_knowledge_base(c: Container) -> None:
    """Three categories and seven answers (five published, one internal, one draft) through the knowledge
    base service, so the public knowledge base and the document search have something to show. Written
    once (marker `SEED#kb-demo`): editors' later changes stay. Not part of `provision(demo=True)`: tests
    build their own knowledge bases on an empty one."""
    from .core.knowledge_base import AnswerInput, CategoryInput
    from .storage.table import PointerItem

    if PointerItem.count("SEED#kb-demo"):
        return
    admin = c.user_store.by_email(c.settings.admin_email)
    if admin is None:
        raise RuntimeError("provision() first: the demo knowledge base is written by the admin")
    actor = Principal(user=admin, permissions=admin.permissions)
    kb = c.knowledge_base
    category_ids = {name: kb.create_category(actor, CategoryInput(name=name, comment=comment, position=position)).id
                    for position, (name, comment) in enumerate(DEMO_KB_CATEGORIES)}
    for position, (category, title, body, symptom, keywords, state) in enumerate(DEMO_KB_ANSWERS):
        answer = kb.create_answer(actor, AnswerInput(category_id=category_ids[category], title=title, body=body,
                                                     fields={"symptom": symptom} if symptom else {},
                                                     keywords=keywords, language="en", position=position))
        if state is not None:
            kb.change_visibility(actor, answer.id, state)
    PointerItem(pk="SEED#kb-demo", sk="#POINTER", doc={}).save()
# <<< docsearch
