"""RS4OTRS's ticket and article shapes (RS4OTRS-METHODS.md §3.19, §3.21): PascalCase, ids as numbers,
empty strings and empty dates as null (6.41.0), times in the agent's time zone with the zone in brackets
next to the server's (UTC). Tickets spell the Unix creation time `CreateTimeUnix`, articles
`CreatedTimeUnix`. Queues are the core's groups; type, service, lock, archive flag, responsible and
watchers come from core.otrs_tickets (one ticket type "Unclassified", no services)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...core import otrs_tickets
from ...core.catalog import Catalog
from ...core.escalation import otrs_escalation, parse_iso
from ...core.model import Article, Attachment, Organization, Ticket, User
from ...core.object_attributes import TicketFields
from ...core.text import human_size
from ...core.users import customer_id

TICKET_TYPE_ID, TICKET_TYPE = 1, "Unclassified"  # the core has no ticket types: OTRS's default one
SENDER_TYPE_IDS = {"agent": 1, "system": 2, "customer": 3}
# Zammad article types as OTRS communication channels (RS4OTRS's ArticleType values are their lower names).
CHANNELS = {"email": ("email", 1), "phone": ("phone", 2), "chat": ("chat", 4)}
INTERNAL_CHANNEL = ("internal", 3)
# The core's custom field data types as OTRS dynamic field types.
FIELD_TYPES = {"input": "Text", "textarea": "TextArea", "select": "Dropdown", "multiselect": "Multiselect",
               "tree_select": "Dropdown", "multi_tree_select": "Multiselect", "boolean": "Checkbox",
               "integer": "Text", "date": "Date", "datetime": "DateTime"}


def user_zone(user: User) -> tuple[tzinfo, str]:
    """The agent's time zone (preference `timezone`, an IANA name), UTC when unset or unknown."""
    name = (user.preferences or {}).get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return timezone.utc, "UTC"


def unix(value: Optional[str]) -> Optional[int]:
    return int(parse_iso(value).timestamp()) if value else None


def server_time(value: Optional[str]) -> Optional[str]:
    """ISO-8601 UTC -> OTRS's `2019-06-16 00:23:59` (server time is UTC here)."""
    return value[:10] + " " + value[11:19] if value else None


def user_time(value: Optional[str], zone: tzinfo, zone_name: str) -> Optional[str]:
    """`2019-06-16 04:23:53 (Europe/Moscow)`: the agent's local time and zone."""
    if not value:
        return None
    return parse_iso(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") + f" ({zone_name})"


def blank(value: Optional[str]) -> Optional[str]:
    """6.41.0: empty strings are null."""
    return value if value else None


@dataclass
class TicketContext:
    """What rendering a page of tickets needs besides them, read once per page."""
    catalog: Catalog
    users: dict[int, User]
    organizations: dict[int, Organization]
    agent: User
    now: int
    seen: set[int] = field(default_factory=set)            # tickets without articles unseen by the agent
    link_counts: dict[int, int] = field(default_factory=dict)
    fields: Optional[TicketFields] = None                   # DynamicFieldsMode: the field definitions


def customer_company(user: Optional[User], organization: Optional[Organization]) -> Optional[str]:
    """OTRS's company key (CustomerID) of a ticket's customer (core.users.customer_id), None without one."""
    return customer_id(user, organization) if user is not None else None


def _login(users: dict[int, User], user_id: int) -> Optional[str]:
    user = users.get(user_id)
    return user.login if user else None


def _pending(ticket: Ticket, state_type: str) -> Optional[str]:
    """The pending time counts only while the ticket is in a pending state, as in OTRS."""
    return ticket.pending_time if state_type.startswith("pending") and ticket.pending_time else None


def ticket_core(ticket: Ticket, context: TicketContext) -> dict[str, Any]:
    """The ticket fields getTicketList and getArticles share."""
    catalog = context.catalog
    group = catalog.group_by_id(ticket.group_id)
    state = catalog.state_by_id(ticket.state_id)
    priority = catalog.priority_by_id(ticket.priority_id)
    customer = context.users.get(ticket.customer_id)
    organization = context.organizations.get(ticket.organization_id) if ticket.organization_id else None
    state_type = state.state_type if state else ""
    until = unix(_pending(ticket, state_type))
    responsible = otrs_tickets.responsible_id(ticket)
    escalation = {name: value or None for name, value in otrs_escalation(ticket).items()}
    return {
        "TicketID": ticket.id, "TicketNumber": ticket.number, "Title": ticket.title,
        "Seen": int(ticket.id in context.seen),
        "Age": max(0, context.now - (unix(ticket.created_at) or context.now)),
        "PriorityID": ticket.priority_id, "Priority": priority.name if priority else None,
        "ServiceID": None, "TypeID": TICKET_TYPE_ID, "Type": TICKET_TYPE,
        "StateID": ticket.state_id, "State": state.name if state else None, "StateType": blank(state_type),
        "QueueID": ticket.group_id, "Queue": group.name if group else None, "GroupID": ticket.group_id,
        "OwnerID": ticket.owner_id, "Owner": _login(context.users, ticket.owner_id),
        "ResponsibleID": responsible, "Responsible": _login(context.users, responsible),
        "LockID": otrs_tickets.lock_id(ticket), "Lock": otrs_tickets.lock_name(ticket),
        "SLAID": ticket.sla_id, "CustomerID": customer_company(customer, organization),
        "CustomerUserID": customer.login if customer else None,
        "ArchiveFlag": "y" if otrs_tickets.is_archived(ticket) else "n",
        "UnlockTimeout": None, "RealTillTimeNotUsed": until,
        "UntilTime": until - context.now if until else None,
        "CreateBy": ticket.created_by_id, "ChangeBy": ticket.updated_by_id,
        **escalation,
    }


def ticket(item: Ticket, context: TicketContext) -> dict[str, Any]:
    """One entry of getTicketList's `Tickets`."""
    zone, zone_name = user_zone(context.agent)
    customer = context.users.get(item.customer_id)
    watchers = otrs_tickets.watcher_ids(item)
    data = ticket_core(item, context)
    data.update({
        "CustomerUserFirstname": blank(customer.firstname) if customer else None,
        "CustomerUserLastname": blank(customer.lastname) if customer else None,
        "HasWatch": int(context.agent.id in watchers), "WatcherCount": len(watchers),
        "LinkCount": context.link_counts.get(item.id, 0),
        "UntilTimeDate": user_time(item.pending_time if data["RealTillTimeNotUsed"] else None, zone, zone_name),
        "UntilTimeDateUnix": data["RealTillTimeNotUsed"],
        "Created": user_time(item.created_at, zone, zone_name), "Changed": user_time(item.updated_at, zone, zone_name),
        "CreatedServer": server_time(item.created_at), "ChangedServer": server_time(item.updated_at),
        "CreateTimeUnix": unix(item.created_at),
    })
    if context.fields is not None:
        data["DynamicFields"] = dynamic_fields(item, context.fields)
    return data


def dynamic_fields(item: Ticket, fields: TicketFields) -> dict[str, Any]:
    """Every defined ticket field (empty ones too, 6.44.0), with the ticket's value; a select's value is
    its display text (6.44.0)."""
    out: dict[str, Any] = {}
    for name, attribute in sorted(fields.attributes.items()):
        value = item.attributes.get(name)
        options = attribute.data_option.get("options")
        if isinstance(options, dict) and isinstance(value, str):
            value = options.get(value, value)
        out[name] = {"Name": name, "Value": value, "Type": FIELD_TYPES.get(attribute.data_type, "Text"),
                     "Screens": {"AgentMobileTicketStatus": "rw" if attribute.editable else "ro"}}
    return out


def attachment(item: Attachment) -> dict[str, Any]:
    """An attachment as createAttachment answers it and getArticles lists it; FileID is getAttachment's key."""
    inline = bool(item.content_id) or item.preferences.get("Content-Disposition") == "inline"
    return {"FileID": item.id, "Filename": item.filename, "ContentType": item.content_type,
            "Filesize": human_size(item.size), "FilesizeRaw": item.size, "ContentID": blank(item.content_id),
            "ContentAlternative": None, "Disposition": "inline" if inline else "attachment"}


def direction(item: Article) -> str:
    if item.internal:
        return "Internal"
    return "Incoming" if item.sender == "Customer" else "Outgoing"


def article(item: Article, ticket_data: dict[str, Any], ticket_item: Ticket, seen: bool,
            context: TicketContext) -> dict[str, Any]:
    """One entry of getArticles' `Articles`: the ticket's fields merged with the article's."""
    zone, zone_name = user_zone(context.agent)
    channel, channel_id = CHANNELS.get(item.type, INTERNAL_CHANNEL)
    sender = item.sender.lower()
    html = "html" in (item.content_type or "").lower()
    mime = "text/html" if html else "text/plain"
    number = ticket_item.article_ids.index(item.id) + 1 if item.id in ticket_item.article_ids else None
    files = [a for a in item.attachments if not a.content_id]
    return {
        **ticket_data, "Seen": int(seen),
        "ArticleID": item.id, "ArticleNumber": number, "ArticleType": channel, "CommunicationChannelID": channel_id,
        "SenderType": sender, "SenderTypeID": SENDER_TYPE_IDS.get(sender, 1),
        "IsVisibleForCustomer": 0 if item.internal else 1,
        "From": blank(item.from_), "FromRealname": blank(item.from_), "To": blank(item.to), "ToRealname": blank(item.to),
        "Cc": blank(item.cc), "Bcc": None, "ReplyTo": blank(item.reply_to), "InReplyTo": blank(item.in_reply_to),
        "References": blank(item.references), "MessageID": blank(item.message_id),
        "Subject": blank(item.subject), "Body": item.body, "ContentType": f"{mime}; charset=utf-8",
        "Charset": "utf-8", "ContentCharset": "utf-8", "MimeType": mime,
        "IncomingTime": unix(item.created_at), "Avatar": None, "Direction": direction(item),
        "HTMLBody": None, "Attachments": [attachment(a) for a in files],
        "Created": user_time(item.created_at, zone, zone_name), "CreateTime": user_time(item.created_at, zone, zone_name),
        "Changed": server_time(item.updated_at or item.created_at),
        "ChangeTime": server_time(item.updated_at or item.created_at),
        "CreateTimeServer": server_time(item.created_at), "ChangeTimeServer": server_time(item.updated_at or item.created_at),
        "CreatedTimeUnix": unix(item.created_at),
        "CreateBy": item.created_by_id, "ChangeBy": item.updated_by_id,
    }


def now_epoch(moment: datetime) -> int:
    return int(moment.timestamp())
