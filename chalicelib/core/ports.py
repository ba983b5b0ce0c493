"""What the core needs from the outside world. Storage adapters implement these; tests use fakes."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, Optional, Protocol

from .model import (AccessToken, Article, Calendar, DueEvent, Group, Mail, Organization, Principal, Priority, Sla,
                    State, Ticket, User)


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdAllocator(Protocol):
    """Integer ids from atomic counters, one sequence per kind of object."""
    def next_id(self, sequence: str) -> int: ...
    def next_ids(self, sequence: str, count: int) -> list[int]: ...


@dataclass(frozen=True)
class TicketScope:
    """Which tickets a list may return: all of them, or the union of the named partitions."""
    everything: bool = False
    group_ids: tuple[int, ...] = ()
    customer_id: Optional[int] = None
    organization_id: Optional[int] = None

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.group_ids or self.customer_id or self.organization_id)


@dataclass
class NewBlob:
    key: str
    data: bytes
    content_type: str
    filename: str = ""


class TicketRepository(Protocol):
    def get(self, ticket_id: int) -> Optional[Ticket]: ...
    def get_many(self, ticket_ids: Iterable[int]) -> dict[int, Ticket]: ...
    def by_number(self, number: str) -> Optional[Ticket]: ...
    def create(self, ticket: Ticket, article: Article, schedule: tuple[DueEvent, ...] = ()) -> None:
        """Ticket, its first article, the number's uniqueness, the article pointer and the ticket's
        due-index entry (`schedule`): all or nothing."""
    def save(self, ticket: Ticket, expected_version: int, new_article: Optional[Article] = None,
             schedule: Optional[tuple[DueEvent, ...]] = None) -> None:
        """Write the ticket only if it still has `expected_version` (else Conflict); with `schedule`,
        replace its due-index entry in the same write (None: leave the entry as it is)."""
    def delete(self, ticket: Ticket) -> list[Article]: ...
    def articles(self, ticket_id: int) -> list[Article]: ...
    def article(self, article_id: int) -> Optional[Article]: ...
    def page(self, scope: TicketScope, offset: int, limit: int, newest_first: bool = False) -> list[Ticket]:
        """Tickets in the scope ordered by id (ascending, or descending with `newest_first`), `limit` of
        them after skipping `offset`."""


class UserRepository(Protocol):
    def get(self, user_id: int) -> Optional[User]: ...
    def get_many(self, user_ids: Iterable[int]) -> dict[int, User]: ...
    def by_login(self, login: str) -> Optional[User]: ...
    def by_email(self, email: str) -> Optional[User]: ...
    def create(self, user: User) -> None:
        """Fails with Conflict when the login or email is taken."""
    def save(self, user: User) -> None: ...


@dataclass
class CatalogSnapshot:
    groups: list[Group]
    states: list[State]
    priorities: list[Priority]
    calendars: list["Calendar"] = field(default_factory=list)   # escalation: read with the rest, no extra call
    slas: list["Sla"] = field(default_factory=list)


class ReferenceRepository(Protocol):
    """Small, rarely changing catalogues read together: groups, states, priorities."""
    def snapshot(self) -> CatalogSnapshot: ...
    def put_group(self, group: Group) -> None: ...
    def put_state(self, state: State) -> None: ...
    def put_priority(self, priority: Priority) -> None: ...


class OrganizationRepository(Protocol):
    def get(self, organization_id: int) -> Optional[Organization]: ...
    def get_many(self, organization_ids: Iterable[int]) -> dict[int, Organization]: ...
    def by_name(self, name: str) -> Optional[Organization]: ...
    def by_domain(self, domain: str) -> Optional[Organization]: ...
    def create(self, organization: Organization) -> None: ...


class AccessTokenRepository(Protocol):
    def by_hash(self, token_hash: str) -> Optional[AccessToken]: ...
    def for_user(self, user_id: int) -> list[AccessToken]: ...
    def create(self, token: AccessToken) -> None: ...
    def delete(self, token: AccessToken) -> None: ...
    def touch(self, token: AccessToken, when: str) -> None: ...


class RevocationList(Protocol):
    """Revoked JWT ids, each remembered until the token would have expired anyway."""
    def revoke(self, jti: str, until_epoch: int) -> None: ...
    def is_revoked(self, jti: str, now_epoch: int) -> bool: ...


class BlobStore(Protocol):
    def put(self, blob: NewBlob) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, keys: list[str]) -> None: ...


@dataclass(frozen=True)
class TicketChange:
    """One committed ticket write, as observers (history, notifications) see it.

    kind: "created" | "updated" | "deleted". `before` is None on create, `after` None on delete;
    `article` is the article the write added, if any.
    """
    kind: str
    actor: Principal
    at: str
    before: Optional[Ticket] = None
    after: Optional[Ticket] = None
    article: Optional[Article] = None


class TicketObserver(Protocol):
    """Told after a ticket write is committed. Derived data only: a failure is logged, the write stands."""
    def ticket_changed(self, change: TicketChange) -> None: ...


class SearchIndex(Protocol):
    """Token -> ticket ids. Permission is applied by the core to the tickets it then loads."""
    def add(self, ticket_id: int, tokens: set[str]) -> None:
        """Also find the ticket by these tokens."""
    def replace(self, ticket_id: int, tokens: set[str]) -> None:
        """Find the ticket by exactly these tokens from now on."""
    def forget(self, ticket_id: int) -> None:
        """The ticket is gone: remove every entry of it."""
    def hits(self, token: str) -> Iterator[int]:
        """Ids of the tickets holding the token, newest first, lazily paged."""


# >>> catalog: states, priorities, groups, roles
CatalogObject = Group | State | Priority | Calendar | Sla


class CatalogAdminRepository(ReferenceRepository, Protocol):
    """The catalog as /ticket_states, /ticket_priorities and /groups manage it.

    `kind` is "group", "state" or "priority". Every change is one atomic write that also moves the
    catalog's version on, and only if the version is still the one `versioned_snapshot` read
    (else Conflict): two admins' changes never interleave (one default per catalogue, unique names).
    """
    def versioned_snapshot(self) -> tuple[CatalogSnapshot, int]: ...
    def write(self, expected_version: int, puts: Iterable[CatalogObject],
              deletes: Iterable[tuple[str, int]] = ()) -> None: ...
    def in_use(self, kind: str, object_id: int) -> bool:
        """Whether any ticket (or, for a group, any user's group access) still refers to the object:
        one bounded index read (Query, Limit 1), never a scan."""
# <<< catalog
# >>> directory: users and organizations
class DirectoryUserRepository(UserRepository, Protocol):
    """Users as /users manages them. The adapter keeps, with each write, the derived items:
    unique login/email, search tokens (`core.users.user_tokens`), organization membership and
    group membership (`agents_in_group`)."""
    def page(self, offset: int, limit: int) -> list[User]:
        """All users by id ascending, `limit` of them after skipping `offset`."""
    def delete(self, user: User) -> None: ...
    def with_token(self, token: str, limit: int) -> list[int]:
        """Ids of users indexed under the token, at most `limit`."""
    def members(self, organization_id: int, limit: int) -> list[int]:
        """Ids of the organization's users, id ascending, at most `limit`."""
    def agents_in_group(self, group_id: int) -> list[User]:
        """Users holding any access level on the group (the core filters active agents)."""


class DirectoryOrganizationRepository(OrganizationRepository, Protocol):
    def save(self, organization: Organization) -> None: ...
    def delete(self, organization: Organization) -> None: ...
    def page(self, offset: int, limit: int) -> list[Organization]: ...
    def with_token(self, token: str, limit: int) -> list[int]: ...


class TicketReferences(Protocol):
    """Whether tickets still refer to a user or an organization (one bounded index read each)."""
    def customer_has_tickets(self, user_id: int) -> bool: ...
    def organization_has_tickets(self, organization_id: int) -> bool: ...
# <<< directory
# >>> ticket-links: tags, links, merge, history
from .model import HistoryEntry, TagItem, TicketLink, TicketTag  # noqa: E402


class TicketLinkRepository(Protocol):
    """Tags, links and history: items in the ticket's partition, plus the tag registry."""
    def history(self, ticket_id: int, limit: int) -> list[HistoryEntry]:
        """Oldest first, at most `limit` entries."""
    def append_history(self, entries: list[HistoryEntry]) -> None: ...
    def tags(self, ticket_id: int) -> list[TicketTag]:
        """In the order they were added."""
    def add_tag(self, ticket_id: int, tag: TicketTag, item: TagItem) -> bool:
        """False when the ticket has the tag already; counts it in the registry item otherwise."""
    def remove_tag(self, ticket_id: int, name: str) -> bool:
        """False when the ticket does not have the tag."""
    def tag_item(self, name: str) -> Optional[TagItem]: ...
    def tag_item_by_id(self, tag_id: int) -> Optional[TagItem]: ...
    def create_tag_item(self, item: TagItem) -> TagItem:
        """Register the name; if it is registered already (a race), the registered item."""
    def tag_items(self, limit: int) -> list[TagItem]:
        """The registry by name, at most `limit`."""
    def tagged_tickets(self, name: str, limit: int) -> list[int]:
        """Ids of tickets carrying the tag, at most `limit`."""
    def rename_tag_item(self, item: TagItem, name: str) -> TagItem:
        """Another spelling of the same name (same key); the count stays."""
    def delete_tag_item(self, item: TagItem) -> None: ...
    def links(self, ticket_id: int) -> list[TicketLink]: ...
    def add_link(self, link: TicketLink) -> bool:
        """Both sides at once; False when the link exists already."""
    def remove_link(self, link: TicketLink) -> bool:
        """Both sides at once; False when there was no such link."""
    def forget_ticket(self, ticket_id: int) -> None:
        """The ticket is gone: its tags (and their counts), links (both sides) and history go too."""


class TicketMoves(Protocol):
    """Merging: the source's articles move to the target, the source gets its note; one transaction."""
    def merge(self, source: Ticket, source_version: int, target: Ticket, target_version: int,
              moved: list[Article], note: Article, source_schedule: Optional[tuple[DueEvent, ...]] = None,
              target_schedule: Optional[tuple[DueEvent, ...]] = None) -> None: ...
# <<< ticket-links
# >>> notifications: online notifications
from .model import OnlineNotification  # noqa: E402


class NotificationRepository(Protocol):
    """Online notifications in a partition per recipient, newest first; one pointer per id to its owner."""
    def add_many(self, notifications: list[OnlineNotification]) -> None:
        """Write new notifications (and their id pointers)."""
    def get(self, user_id: int, notification_id: int) -> Optional[OnlineNotification]:
        """The user's own notification by id (one key read), or None."""
    def owner_of(self, notification_id: int) -> Optional[int]:
        """Whose notification the id is, or None if it does not exist."""
    def page(self, user_id: int, offset: int, limit: int) -> list[OnlineNotification]:
        """The user's notifications, newest (highest id) first, `limit` after skipping `offset`."""
    def save(self, notification: OnlineNotification) -> None:
        """Rewrite an existing notification; NotFound if it was deleted meanwhile."""
    def save_many(self, notifications: list[OnlineNotification]) -> None:
        """Rewrite existing notifications; ones deleted meanwhile stay deleted."""
    def delete(self, notification: OnlineNotification) -> None: ...
    def remove_for_object(self, object_name: str, o_id: int, limit: int) -> int:
        """Delete up to `limit` notifications about the object (of every user); returns how many."""


class GroupAgents(Protocol):
    """What the notifier needs from the user directory (core.users.UserDirectory implements it)."""
    def agents_for_group(self, group_id: int) -> list[User]: ...
    def many(self, user_ids: Iterable[int]) -> dict[int, User]: ...
# <<< notifications
# >>> object-attributes: custom ticket fields (object_manager_attributes)
from .model import ObjectAttribute  # noqa: E402


class ObjectAttributeRepository(Protocol):
    """Custom attribute definitions: one small partition, read whole with one Query."""
    def all(self) -> list[ObjectAttribute]:
        """Every stored definition, ordered by object and name."""
    def create(self, attribute: ObjectAttribute) -> None:
        """Fails with Conflict when the object already has an attribute of that name."""
    def save(self, attribute: ObjectAttribute, expected_version: int) -> None:
        """Write only if the stored version is still `expected_version` (else Conflict)."""
    def delete(self, attribute: ObjectAttribute) -> None:
        """Remove the definition if it still has `attribute.version` (else Conflict)."""
# <<< object-attributes
# >>> escalation: calendars, SLAs, due work
@dataclass(frozen=True)
class DueEntry:
    """A ticket's pending events as the due index holds them; `version` guards the job's advance."""
    ticket_id: int
    events: tuple[DueEvent, ...]
    version: int


class DueIndex(Protocol):
    """The sparse due index: one entry per ticket with events, keyed by its earliest event time.

    Ticket writes replace a ticket's entry (in the same transaction as the ticket, see
    TicketRepository.save's `schedule`); the escalation job reads what is due and advances entries."""
    def due(self, now_iso: str, limit: int) -> list[DueEntry]:
        """Entries whose earliest event is at or before `now_iso`, earliest first, at most `limit`."""
    def claim(self, ticket_id: int, event: DueEvent, at: str) -> bool:
        """Record that the event fired (conditional put): True for the first caller only."""
    def advance(self, entry: DueEntry, remaining: tuple[DueEvent, ...]) -> bool:
        """Keep only `remaining` (none: leave the index) if the entry is still `entry.version`."""


class Mailer(Protocol):
    """Outgoing email: SES in AWS, a readable local outbox in development and tests."""
    def send(self, mail: Mail) -> None: ...
# <<< escalation
# >>> mail-cleanup: expired items, the cleanup job's cursor
from datetime import date  # noqa: E402
from typing import Sequence  # noqa: E402


@dataclass(frozen=True)
class Expiring:
    """An item the expiry index holds. `position` orders it within its day, so a page can resume after
    it; `key` is the store's address of the item. The core hands both back to the store untouched."""
    position: str
    key: tuple[str, ...]
    expires_at: int  # epoch seconds


class ExpiryStore(Protocol):
    """Everything that expires (notifications, revoked token ids, upload caches), by the UTC day it
    expires: the cleanup job reads a day's index partition, never scans the store."""
    def expired(self, day: date, until_epoch: int, limit: int,
                after: Optional[Expiring] = None) -> list[Expiring]:
        """Items expiring on `day` at or before `until_epoch`, earliest first, after `after`, at most `limit`."""
    def delete(self, items: Sequence[Expiring]) -> int:
        """Remove the items (one already gone is no error); returns how many were removed. Items the
        store could not remove (throttled) stay in the index for the next run."""
    def cursor(self) -> Optional[date]:
        """The last day the cleanup finished completely; None before the first finished day."""
    def set_cursor(self, day: date) -> None:
        """Remember `day` as finished; never moves the cursor back (an overlapping run got further)."""
# <<< mail-cleanup
# >>> customer-accounts: self-registration, password recovery and reset
@dataclass(frozen=True)
class ResetToken:
    """A password reset token as stored: only its SHA-256 hash (hex), so a leaked table cannot reset
    anyone's password."""
    token_hash: str
    user_id: int
    created_at: str  # ISO-8601 UTC
    expires_at: int  # epoch seconds


class ResetTokenRepository(Protocol):
    """Password reset tokens by hash, each expiring (DynamoDB TTL plus the cleanup job's expiry index)."""
    def create(self, token: ResetToken) -> None:
        """Fails with Conflict when a token with that hash exists."""
    def get(self, token_hash: str) -> Optional[ResetToken]:
        """The stored token, expired ones included (TTL deletion lags: the caller checks `expires_at`)."""
    def consume(self, token_hash: str) -> bool:
        """Delete the token if it is still there (a conditional delete): True for exactly one caller."""
    def delete(self, token_hash: str) -> None:
        """Remove the token; one already gone is no error."""
# <<< customer-accounts
# >>> uploads: the form upload cache (OTRS FormID)
from typing import Collection  # noqa: E402

from .model import UploadedFile  # noqa: E402


@dataclass(frozen=True)
class UploadForm:
    """A form's upload cache as stored. `file_ids` is the authority on which files the form holds: file
    items outside it are leftovers of an expired generation of the same FormID, never shown."""
    form_id: str
    owner_id: int
    last_file_id: int   # the counter: the FileID most recently given out
    file_ids: frozenset[int]
    expires_at: int     # epoch seconds; at or before it the form reads as empty


class UploadRepository(Protocol):
    """One partition per FormID: the form (owner, counter, file ids, expiry) and its files' metadata.
    Every write carries the expiry, so the cleanup job removes forms nobody finished."""
    def read(self, form_id: str) -> tuple[Optional[UploadForm], list[UploadedFile]]:
        """The form and the files it holds (ordered by FileID), in one consistent read; (None, []) if absent."""
    def reserve(self, form_id: str, owner_id: int, max_files: int, now_epoch: int, expires_at: int) -> UploadForm:
        """Give out the next FileID (the returned form's `last_file_id`), set the owner, move the expiry to
        `expires_at`; only while the form is absent, or live (expires after `now_epoch`), the owner's and
        holding fewer than `max_files`. Conflict otherwise, with nothing written."""
    def restart(self, form_id: str, owner_id: int, now_epoch: int, expires_at: int) -> UploadForm:
        """Take over an expired form as a new generation: the caller owns it, FileID 1 is given out, it holds
        no file. Conflict (nothing written) if the form is no longer expired at `now_epoch`."""
    def add(self, form_id: str, owner_id: int, file: UploadedFile, others: Collection[int], max_files: int,
            expires_at: int) -> None:
        """All or nothing: the file's item, its FileID into the form (the owner's, not there yet, fewer than
        `max_files` there) and the expiry of each of `others` moved to `expires_at` (each must still exist).
        Conflict, with nothing written, when any of that does not hold."""
    def remove(self, form_id: str, owner_id: int, file_ids: Collection[int]) -> None:
        """All or nothing: the files' items and their ids out of the owner's form. Conflict otherwise."""
    def drop(self, form_id: str, file_ids: Collection[int]) -> None:
        """Delete the form and the named file items (any already gone is no error)."""
# <<< uploads
# >>> otrs-articles: per-user article flags
class ArticleFlagRepository(Protocol):
    """A user's flags on an article (name -> string value), kept in the article's ticket partition."""
    def get(self, ticket_id: int, article_id: int, user_id: int) -> dict[str, str]:
        """The user's flags on the article ({} when none): one key read."""
    def put(self, ticket_id: int, article_id: int, user_id: int, flags: dict[str, str]) -> None:
        """Replace the user's flags on the article."""
    def for_user(self, ticket_id: int, user_id: int) -> dict[int, dict[str, str]]:
        """Article id -> the user's flags, for every article of the ticket the user flagged: one Query."""
    def forget_ticket(self, ticket_id: int) -> None:
        """The ticket is gone: every flag on its articles goes too."""
# <<< otrs-articles
# >>> otrs-process: process definitions (OTRS process management)
from typing import Any  # noqa: E402


@dataclass
class StoredProcess:
    """A process definition as stored: OTRS's ProcessManagement document, kept as given."""
    entity_id: str
    definition: dict[str, Any]
    version: int = 0


class ProcessRepository(Protocol):
    """Process definitions: one small partition (`PROCESS`), read by id or whole with one Query."""
    def get(self, entity_id: str) -> Optional[StoredProcess]:
        """The definition with this EntityID, or None."""
    def all(self) -> list[StoredProcess]:
        """Every definition, ordered by EntityID."""
    def put(self, process: StoredProcess, expected_version: int) -> None:
        """Write it only if the stored version is still `expected_version` (0: only if absent), else
        Conflict; sets `process.version` to the new version."""
# <<< otrs-process
# >>> rs4otrs-core: mobile push tokens and the push sender
class PushTokenRepository(Protocol):
    """One device token per agent (RS4OTRS setPushNotificationToken): `PUSHTOKEN#<user id>`."""
    def put(self, user_id: int, token: str, at: str) -> None:
        """Store (replace) the agent's device token."""
    def get_many(self, user_ids: Iterable[int]) -> dict[int, str]:
        """User id -> device token for those of the users who registered one: one batch read."""


class PushSender(Protocol):
    """Sends one push message to a device (FCM in RS4OTRS_Mobile's setup; a logged local adapter here)."""
    def send(self, device_token: str, title: str, detail: str, ticket_id: int) -> None: ...
# <<< rs4otrs-core
# >>> tickets-api: votes, client details, client files, rate windows
from .model import ClientDetails, ClientFile, TicketExtras, Vote  # noqa: E402


class ClientTicketRepository(Protocol):
    """Votes and client details in the ticket's partition (they go when the ticket goes)."""
    def extras(self, ticket_ids: Iterable[int]) -> dict[int, TicketExtras]:
        """Each ticket's vote and client details (missing ones: empty extras): one batch read."""
    def article_votes(self, ticket_id: int) -> dict[int, Vote]:
        """Article id -> its vote, for the ticket's voted articles: one Query."""
    def put_vote(self, ticket_id: int, article_id: Optional[int], vote: Vote) -> None:
        """The ticket's vote (article_id None) or an article's, replacing an earlier one."""
    def put_details(self, ticket_id: int, details: ClientDetails) -> None: ...
    def forget_ticket(self, ticket_id: int) -> None:
        """The ticket is gone: its votes and details go too."""


class ClientFileRepository(Protocol):
    """Uploaded files' metadata, one partition per owner; every item expires (TTL + the expiry index)."""
    def put(self, file: ClientFile) -> None: ...
    def owned(self, owner_id: int, file_ids: Sequence[str]) -> dict[str, ClientFile]:
        """The owner's files among `file_ids` (expired ones included: the caller checks): one batch read."""
    def count_live(self, owner_id: int, now_epoch: int) -> int:
        """How many of the owner's files have not expired: one Query of the owner's partition."""
    def delete(self, owner_id: int, file_ids: Sequence[str]) -> None: ...


class RateWindows(Protocol):
    """Fixed-window request counters, each expiring after its window."""
    def hit(self, key: str, window_start: int, expires_at: int) -> int:
        """Count one request in the key's window starting at `window_start` (epoch seconds); returns the
        window's count including it (one atomic UpdateItem ADD)."""
# <<< tickets-api
# >>> kb: knowledge base categories, answers and votes
from .model import KbAnswer, KbCategory, KbSnapshot, VoteSummary  # noqa: E402


class KnowledgeBaseRepository(Protocol):
    """Categories and answers in one small partition (`KB`), votes in each answer's own partition."""
    def snapshot(self) -> KbSnapshot:
        """Every category and answer, in id order: one Query."""
    def category(self, category_id: int) -> Optional[KbCategory]: ...
    def answer(self, answer_id: int) -> Optional[KbAnswer]: ...
    def put_category(self, category: KbCategory, expected_version: int) -> None:
        """Write only if the stored version is `expected_version` (0: only if absent), else Conflict;
        moves `category.version` on."""
    def put_answer(self, answer: KbAnswer, expected_version: int) -> None:
        """As put_category."""
    def delete_category(self, category_id: int) -> None: ...
    def delete_answer(self, answer_id: int) -> None:
        """The answer and every vote on it."""
    def add_vote(self, answer_id: int, visitor: str, rate: int, at: str) -> bool:
        """Record the visitor's vote unless they voted on the answer before (then False, nothing written)."""
    def has_voted(self, answer_id: int, visitor: str) -> bool: ...
    def vote_summary(self, answer_id: int) -> VoteSummary:
        """Count and average rate of the answer's votes: one Query of its partition."""
# <<< kb
# >>> otrs-frontend: the external frontend's content and the service catalogue
@dataclass
class StoredContent:
    """One piece of frontend content as stored: `kind` (SETTING, MENU, PAGE, SCCATEGORY, SCITEM, IMAGE),
    its `key` within the kind, the document, its version and (items) the usage counter."""
    kind: str
    key: str
    doc: dict[str, Any]
    version: int = 0
    uses: int = 0


class FrontendContentRepository(Protocol):
    """One small partition (`FRONTEND`); each kind is one Query by sort-key prefix, one piece a GetItem."""
    def get(self, kind: str, key: str) -> Optional[StoredContent]: ...
    def list(self, kind: str) -> list[StoredContent]:
        """Every piece of the kind, in key order."""
    def put(self, content: StoredContent, expected_version: int) -> None:
        """Write only if the stored version is still `expected_version` (0: only if absent), else Conflict;
        sets `content.version`. The usage counter is kept as it is."""
    def delete(self, kind: str, key: str, expected_version: int) -> None:
        """Remove it if it still has `expected_version` (else Conflict)."""
    def count_use(self, kind: str, key: str) -> int:
        """Add one to the piece's usage counter (an atomic ADD) and return the new count; NotFound when the
        piece does not exist (nothing is written)."""
# <<< otrs-frontend
# >>> chat
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from .chat import Chat, ChatChannel, ChatMessage, VideoSignal


class ChatRepository(Protocol):
    """Chats (one partition each: the header, its messages in order, the video signals waiting), found by
    requester, by invited customer and by channel and state through indexes; channels in a small partition."""
    def channels(self) -> list["ChatChannel"]:
        """Every channel, id order (one Query)."""
    def channel(self, channel_id: int) -> Optional["ChatChannel"]: ...
    def put_channel(self, channel: "ChatChannel", expected_version: int) -> None:
        """Write only if the stored version is still `expected_version` (0: only if absent), else Conflict;
        sets `channel.version`."""
    def delete_channel(self, channel_id: int, expected_version: int) -> None: ...
    def get(self, chat_id: int) -> Optional["Chat"]:
        """The header (None when absent or expired)."""
    def messages(self, chat_id: int, after: int = 0) -> list["ChatMessage"]:
        """The chat's messages numbered above `after`, in order."""
    def create(self, chat: "Chat", messages: list["ChatMessage"]) -> None:
        """Header and first messages, all or nothing; sets `chat.version`."""
    def save(self, chat: "Chat", expected_version: int, messages: list["ChatMessage"]) -> None:
        """Header (only if it still has `expected_version`, else Conflict) and new messages (only if their
        numbers are free), all or nothing; sets `chat.version`."""
    def by_requester(self, requester_key: str, limit: int) -> list["Chat"]:
        """The requester's newest chats, newest first."""
    def by_target(self, target_key: str, limit: int) -> list["Chat"]:
        """The newest invitations sent to the customer with this key, newest first."""
    def by_state(self, channel_id: int, status: str, offset: int, limit: int,
                 newest_first: bool = False) -> list["Chat"]:
        """A channel's chats in one state, id order."""
    def add_signal(self, signal: "VideoSignal") -> None: ...
    def take_signals(self, chat_id: int, target_key: str) -> list["VideoSignal"]:
        """The signals waiting for the target, oldest first, removed as they are returned."""
    def expire(self, chat_id: int, at_epoch: int) -> None:
        """Every item of the chat expires at `at_epoch` (TTL and the expiry index)."""
# <<< chat
# >>> docsearch
@dataclass(frozen=True)
class Facet:
    """One value a document can be filtered by: filter `State` ("State"), value `StateOpen` ("open")."""
    filter_id: str
    filter_label: str
    value_id: str
    value_label: str


@dataclass(frozen=True)
class Document:
    """A search hit as a source found it: `words` are the document's tokens (title ones in `title_words`,
    counted double), `text` the plain text the teaser is cut from, `item` the ticket or answer behind it
    (for the renderer)."""
    kind: str
    id: int
    title: str
    text: str
    words: frozenset[str]
    title_words: frozenset[str]
    facets: tuple[Facet, ...] = ()
    categories: tuple[str, ...] = ()
    changed_at: str = ""
    item: object = None
    child_type: Optional[str] = None   # where the teaser text came from, e.g. "ArticleMIME" (an article)


class DocumentSource(Protocol):
    """One kind of searchable document (OTRS's DocumentSearchType): its identifier and label, and a
    bounded, permission-checked lookup of the documents that hold every word."""
    identifier: str
    label: str
    filters: dict[str, str]   # the filters its documents carry facets of: identifier -> label

    def available(self, principal: Optional[Principal]) -> bool:
        """Whether this caller (None: anonymous) can have documents of this kind at all."""
    def find(self, words: frozenset[str], principal: Optional[Principal], languages: frozenset[str],
             limit: int) -> list[Document]:
        """At most `limit` documents the caller may read that hold every word (`languages`: only
        documents in one of them, where a document has a language; empty: any)."""
    def expand(self, document: Document, words: frozenset[str], principal: Optional[Principal]) -> Document:
        """The document with the text its teaser is cut from; called for one page of hits only, so it
        may read more (a ticket's articles)."""
# <<< docsearch
