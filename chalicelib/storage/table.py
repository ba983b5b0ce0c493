"""The single DynamoDB table: PynamoDB models with a discriminator, key builders and indexes.

Every item has `pk`/`sk`; aggregates own partitions (`TICKET#<id>` holds the ticket and its
articles). Overloaded, sparse GSIs serve the list patterns; see docs/decisions.md for the
access-pattern table. Domain fields travel as one JSON document (`doc`) so the domain dataclasses
stay the single description of each object; only keys, version and TTL are typed attributes.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional

from pynamodb.attributes import (DiscriminatorAttribute, JSONAttribute, NumberAttribute,
                                 TTLAttribute, UnicodeAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .. import settings

ID_WIDTH = 10


def sortable(number: int) -> str:
    """Zero-padded so that string order is numeric order in range keys."""
    return f"{number:0{ID_WIDTH}d}"


def _index(number: int) -> GlobalSecondaryIndex:
    """An overloaded, sparse index `gsi<n>` on `gsi<n>pk`/`gsi<n>sk`, projecting every attribute."""
    meta = type("Meta", (), {"index_name": f"gsi{number}", "projection": AllProjection()})
    cls = type(f"Gsi{number}", (GlobalSecondaryIndex,), {
        "Meta": meta,
        f"gsi{number}pk": UnicodeAttribute(hash_key=True),
        f"gsi{number}sk": UnicodeAttribute(range_key=True),
    })
    return cls()


class Item(Model):
    """Base of every stored item. `kind` picks the subclass when a query returns mixed items."""

    class Meta:
        table_name = "helpdesk"  # replaced by configure() before first use
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    doc = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    expires = TTLAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)  # catalog: tickets by state (`STATE#<id>`), reference checks
    gsi5sk = UnicodeAttribute(null=True)
    gsi6pk = UnicodeAttribute(null=True)  # catalog: tickets by priority (`PRIORITY#<id>`)
    gsi6sk = UnicodeAttribute(null=True)
    gsi7pk = UnicodeAttribute(null=True)  # work by time: `DUE#<shard>` (ticket events), `EXPIRES#<day>` (cleanup)
    gsi7sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)
    gsi3 = _index(3)
    gsi4 = _index(4)
    gsi5 = _index(5)
    gsi6 = _index(6)
    gsi7 = _index(7)


class TicketItem(Item, discriminator="ticket"):
    pass


class ArticleItem(Item, discriminator="article"):
    pass


class UserItem(Item, discriminator="user"):
    pass


class OrganizationItem(Item, discriminator="organization"):
    pass


class CatalogItem(Item, discriminator="catalog"):
    pass


class PointerItem(Item, discriminator="pointer"):
    """A unique key (login, email, ticket number, article id) pointing at its owner."""


class CounterItem(Item, discriminator="counter"):
    value = NumberAttribute(default=0)


class AccessTokenItem(Item, discriminator="access_token"):
    pass


class RevokedItem(Item, discriminator="revoked"):
    pass


class SearchItem(Item, discriminator="search"):
    pass


# >>> catalog: states, priorities, groups, roles
# <<< catalog
# >>> directory: users and organizations
class DirectoryIndexItem(Item, discriminator="directory_index"):
    """Derived directory items: search tokens (`USERWORD#<t>`, `ORGWORD#<t>` / zero-padded id) and
    group memberships (`GROUPAGENTS#<gid>` / `USER#<zero-padded uid>`)."""
# <<< directory
# >>> ticket-links: tags, links, merge, history
class TicketExtraItem(Item, discriminator="ticket_extra"):
    """In the ticket's partition: `TAG#<lower name>` (gsi1 `TAGGED#<lower name>` / padded ticket id),
    `LINK#<padded other id>#<type>`, `HISTORY#<created_at>#<padded id>`."""


class TagRegistryItem(Item, discriminator="tag_registry"):
    """The tag registry (`TAGS` / `<lower name>`, doc `{id, name}`, `count`) and its id pointer
    (`TAGID#<id>` / `#POINTER`, doc `{name}`). `uses` (not `count`: that is Model.count) is kept by ADD."""
    uses = NumberAttribute(null=True)
# <<< ticket-links
# >>> notifications: online notifications
class NotificationItem(Item, discriminator="online_notification"):
    """A user's online notification (`NOTIFY#<uid>` / zero-padded id, gsi1 `NOTIFYOBJ#<object>#<o_id>`)
    and its id pointer (`NOTIFYID#<id>` / `#POINTER`, doc `{"user_id"}`); both carry the TTL `expires`."""
# <<< notifications
# >>> object-attributes: custom ticket fields (object_manager_attributes)
class ObjectAttributeItem(Item, discriminator="object_attribute"):
    """A custom attribute definition: `OBJATTR` / `<object>#<name>` (the whole set is one Query)."""
# <<< object-attributes

# >>> escalation: calendars, SLAs, due work
class DueItem(Item, discriminator="due"):
    """A ticket's pending events (`TICKET#<id>` / `#DUE`, doc `{"events": [...]}`, gsi7 `DUE#<shard>` /
    `<earliest event time>#<padded id>`) and the record of each fired event (`#DUE#FIRED#<event key>`)."""
# <<< escalation


def configure() -> None:
    """Point the models at this stage's table; called by the composition root, not at import."""
    current = settings.get()
    if (Item.Meta.table_name, getattr(Item.Meta, "region", None)) == (current.table_name, current.region):
        return  # keep the connection: creating a botocore client costs more than most requests
    Item.Meta.table_name = current.table_name
    Item.Meta.region = current.region
    for model in _models(Item):
        if "_connection" in model.__dict__:
            delattr(model, "_connection")  # inherit the base class's from now on
    # One connection (one botocore client) on the base class, inherited by every item kind:
    # PynamoDB would otherwise build a client per model class on its first use.
    Item._connection = None
    Item._get_connection()


def _models(base: type) -> Iterator[type]:
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


def ensure_table() -> None:
    """Create the table with its indexes and TTL when it is missing (local runs and tests); add the
    indexes a table made by an older version lacks."""
    configure()
    if not Item.exists():
        Item.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
        Item._get_connection().connection.update_time_to_live(Item.Meta.table_name, "expires")
        return
    add_missing_indexes()


def add_missing_indexes() -> list[str]:
    """UpdateTable for each global secondary index the models define and the table lacks (one at a
    time, as DynamoDB requires). Returns the names it added."""
    client = Item._get_connection().connection.client
    name = Item.Meta.table_name
    present = {index["IndexName"] for index in
               client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])}
    added = []
    for index in Item._indexes.values():
        index_name = index.Meta.index_name
        if index_name in present:
            continue
        keys = [(attribute.attr_name, "HASH" if attribute.is_hash_key else "RANGE")
                for attribute in index.Meta.attributes.values() if attribute.is_hash_key or attribute.is_range_key]
        client.update_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": attr, "AttributeType": "S"} for attr, _ in keys],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": index_name,
                "KeySchema": [{"AttributeName": attr, "KeyType": key_type} for attr, key_type in keys],
                "Projection": {"ProjectionType": "ALL"},
            }}],
        )
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        added.append(index_name)
    return added


def connection() -> Any:
    """The low-level PynamoDB connection, for transactions."""
    return Item._get_connection().connection


# >>> mail-cleanup: the cleanup job's cursor
class JobItem(Item, discriminator="job"):
    """A scheduled job's progress: `JOB#<job>` / `#CURSOR`, `day` = the last UTC day it finished.
    A typed attribute (not in `doc`) so that the cursor's advance can be conditional on it."""
    day = UnicodeAttribute(null=True)
# <<< mail-cleanup
# >>> customer-accounts: password reset tokens
class ResetTokenItem(Item, discriminator="reset_token"):
    """A password reset token by the SHA-256 of its value: `RESET#<sha256 hex>` / `#RESET`, doc
    `{user_id, created_at}`, TTL `expires` (and the gsi7 expiry keys, storage/expiry.py)."""
# <<< customer-accounts
# >>> uploads: the form upload cache (OTRS FormID)
from pynamodb.attributes import NumberSetAttribute  # noqa: E402


class UploadItem(Item, discriminator="upload"):
    """A form's upload cache, one partition `UPLOAD#<form id>`: the form (`#FORM`: `owner_id`,
    `last_file_id` = the counter, `file_ids` = the FileIDs it holds) and a file's metadata per file
    (`FILE#<padded id>`, doc = core.model.UploadedFile). Every item carries the TTL `expires` and the gsi7
    expiry keys (storage/expiry.py); the bytes are in S3 under `uploads/<form id>/<file id>`."""
    owner_id = NumberAttribute(null=True)
    last_file_id = NumberAttribute(null=True)
    file_ids = NumberSetAttribute(null=True)
# <<< uploads
# >>> otrs-articles: per-user article flags
class ArticleFlagItem(Item, discriminator="article_flag"):
    """A user's flags on an article, in the ticket's partition: `TICKET#<id>` / `FLAG#<padded article
    id>#<user id>`, doc `{"flags": {name: value}}`."""
# <<< otrs-articles
# >>> otrs-process: process definitions
class ProcessItem(Item, discriminator="process"):
    """A process definition: `PROCESS` / `<EntityID>`, doc = the definition (the set is one Query)."""
# <<< otrs-process
# >>> rs4otrs-core: mobile push tokens
class PushTokenItem(Item, discriminator="push_token"):
    """An agent's mobile device token (RS4OTRS setPushNotificationToken): `PUSHTOKEN#<user id>` /
    `#PUSHTOKEN`, doc `{user_id, token, updated_at}`."""
# <<< rs4otrs-core
# >>> tickets-api: votes, client details, client files, rate windows
class ClientTicketItem(Item, discriminator="client_ticket"):
    """In the ticket's partition: the ticket's vote (`VOTE#TICKET`), an article's (`VOTE#ARTICLE#<padded
    article id>`) and the client details (`CLIENT#DETAILS`); doc = core.model.Vote / ClientDetails."""


class ClientFileItem(Item, discriminator="client_file"):
    """An uploaded file's metadata: `CLIENTFILES#<owner id>` / `FILE#<uuid>`, doc = core.model.ClientFile,
    with the TTL `expires` and the gsi7 expiry keys (storage/expiry.py). Bytes: S3 `uploads/tickets-api/...`."""


class RateWindowItem(Item, discriminator="rate_window"):
    """A rate limit counter: `RATE#<key>` / `<padded window start>`, `hits` kept by ADD, TTL `expires`
    and the gsi7 expiry keys."""
    hits = NumberAttribute(null=True)
# <<< tickets-api
# >>> kb: knowledge base categories, answers and votes
class KbItem(Item, discriminator="kb"):
    """A category (`KB` / `CATEGORY#<padded id>`) or an answer (`KB` / `ANSWER#<padded id>`); doc = the
    core dataclass. The whole knowledge base is one Query of `KB` (a few hundred items)."""


class KbVoteItem(Item, discriminator="kb_vote"):
    """A visitor's vote in the answer's own partition: `KBANSWER#<id>` / `VOTE#<visitor key>`, doc
    `{rate, at}`; written only if absent (one vote per visitor)."""
# <<< kb
# >>> otrs-frontend: the external frontend's content and the service catalogue
class FrontendItem(Item, discriminator="frontend"):
    """External frontend content: `FRONTEND` / `<kind>#<key>` (kinds: SETTING, MENU, PAGE, SCCATEGORY, SCITEM,
    IMAGE), doc = the piece; `uses` is a service catalogue item's usage counter, kept by ADD."""
    uses = NumberAttribute(null=True)
# <<< otrs-frontend
# >>> chat: chats, their messages and video signals, chat channels
class ChatItem(Item, discriminator="chat"):
    """A chat's header: `CHAT#<id>` / `#CHAT`, doc = core.chat.Chat; gsi1 `CHATBY#<requester key>`, gsi2
    `CHATFOR#<invited customer key>` (invitations only) and gsi4 `CHATSTATE#<channel id>#<status>`, each with
    the padded chat id as sort key."""


class ChatMessageItem(Item, discriminator="chat_message"):
    """A message in its chat's partition: `CHAT#<id>` / `MSG#<number, 8 digits>`, doc = core.chat.ChatMessage."""


class ChatSignalItem(Item, discriminator="chat_signal"):
    """A video signal waiting for its target: `CHAT#<id>` / `SIGNAL#<target key>#<created>#<nonce>`, doc =
    core.chat.VideoSignal, TTL `expires` and the gsi7 expiry keys."""


class ChatChannelItem(Item, discriminator="chat_channel"):
    """A chat channel (Zammad's chat topic): `CHATCHANNELS` / padded id, doc = core.chat.ChatChannel."""
# <<< chat
