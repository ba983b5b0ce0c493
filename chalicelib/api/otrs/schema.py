"""The OTRS dialect's formats: PascalCase fields, `YYYY-MM-DD HH:MM:SS` times, string values where
OTRS sends strings, date-based ticket numbers, customer users and companies."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Optional

from ...core.errors import DomainError, InvalidInput
from ...core.model import Organization, Ticket, User
from ...core.users import customer_id

# Core field names -> the OTRS request fields they come from (for 422 `Errors` keys).
FIELD_NAMES = {
    "title": "Title", "article.body": "Body", "article": "Body", "group": "QueueID", "state": "NextStateID",
    "priority": "PriorityID", "customer": "CustomerUserID", "attachments": "FormID", "owner_id": "OwnerID",
}
NUMBER = re.compile(r"^(\d{8})(\d+)$")


def otrs_time(value: Optional[str]) -> Optional[str]:
    """ISO-8601 UTC (the core's) -> OTRS's `2018-08-13 07:28:21`."""
    if not value:
        return None
    return value[:10] + " " + value[11:19]


def epoch(value: Optional[str]) -> int:
    if not value:
        return 0
    return int(datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


def field_errors(error: DomainError) -> dict[str, Any]:
    """`{"Field": {"Message": ...}}` (plus `Data` where the core gives it, as OTRS's password rule)."""
    field = getattr(error, "field", None) or error.details.get("field")
    name = FIELD_NAMES.get(field or "", field) or "Request"
    entry: dict[str, Any] = {"Message": error.message}
    if error.details.get("data") is not None:
        entry["Data"] = error.details["data"]
    return {name: entry}


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, field=field)


# --- ticket numbers ------------------------------------------------------------------------------

def ticket_number(ticket: Ticket) -> str:
    """OTRS's date-based number: the creation day (`YYYYMMDD`) followed by the core's number (system
    prefix + counter), so `45012` created on 2026-12-01 reads `2026120145012` and parses back."""
    return ticket.created_at[:10].replace("-", "") + ticket.number


def core_number(otrs_number: str) -> Optional[tuple[str, str]]:
    """(creation day `YYYY-MM-DD`, the core's number) of an OTRS ticket number, or None."""
    match = NUMBER.match(otrs_number or "")
    if not match:
        return None
    day = match.group(1)
    return f"{day[:4]}-{day[4:6]}-{day[6:]}", match.group(2)


# --- customer users and companies --------------------------------------------------------------------

# customer_id (OTRS's company key of a customer user) lives in core.users: RS4OTRS renders it too.


def customer_user(user: User, organization: Optional[Organization]) -> dict[str, Any]:
    """S-CustomerUser (seed L27-62): every value a string or null, as OTRS sends them."""
    preferences = user.preferences or {}
    full = f"{user.firstname} {user.lastname}".strip() or user.login
    last_login = user.last_login
    return {
        "UserID": user.login, "UserLogin": user.login, "UserEmail": user.email,
        "UserFirstname": user.firstname, "UserLastname": user.lastname, "UserFullname": full,
        "UserTitle": str(preferences.get("UserTitle", "")),
        "UserMailString": f"\"{full}\" <{user.email}>" if user.email else "",
        "UserCustomerID": customer_id(user, organization),
        "CustomerCompanyValidID": None if organization is None else ("1" if organization.active else "2"),
        "UserPhone": user.phone, "UserMobile": user.mobile, "UserFax": user.fax, "UserStreet": user.street,
        "UserZip": user.zip, "UserCity": user.city, "UserCountry": user.country, "UserComment": user.note,
        "UserAvatar": "", "Source": "CustomerUser", "ValidID": "1" if user.active else "2",
        "UserLoginFailed": str(user.login_failed),
        "UserLastLogin": str(epoch(last_login)) if last_login else "",
        "UserLastLoginTimestamp": otrs_time(last_login) or "",
        "UserShowTickets": str(preferences.get("UserShowTickets", "25")),
        "TicketListTicketsPerPage": str(preferences.get("TicketListTicketsPerPage", "10")),
        "TicketListSortBy": str(preferences.get("TicketListSortBy", "Created")),
        "TicketListOrderBy": str(preferences.get("TicketListOrderBy", "Down")),
        "MultipleArticlesView": str(preferences.get("MultipleArticlesView", "0")),
        "UserRefreshTime": str(preferences.get("UserRefreshTime", "0")),
        "CreateTime": otrs_time(user.created_at), "ChangeTime": otrs_time(user.updated_at),
        "CreateBy": str(user.created_by_id), "ChangeBy": str(user.updated_by_id),
    }


# Renderers of tickets, articles, notifications: one region per area.
# >>> otrs-schema
# <<< otrs-schema
# >>> otrs-tickets
from dataclasses import dataclass  # noqa: E402

from ...core.catalog import Catalog  # noqa: E402
from ...core.escalation import otrs_escalation  # noqa: E402
from ...core.otrs_tickets import is_archived, lock_id, lock_name, responsible_id  # noqa: E402

# Zammad has no ticket type catalogue: every ticket reads as OTRS's default type.
TICKET_TYPE_ID, TICKET_TYPE = 1, "Unclassified"


@dataclass(frozen=True)
class TicketContext:
    """What rendering a page of tickets needs besides the tickets, read once per page (no read per ticket)."""
    catalog: Catalog
    users: dict[int, User]
    organizations: dict[int, Organization]
    now_epoch: int
    unread: frozenset[int] = frozenset()  # tickets with articles the customer has not seen
    translatable: Optional[dict[str, bool]] = None  # DynamicFields=1: custom field name -> translated values


def ticket_list_item(ticket: Ticket, context: TicketContext) -> dict[str, Any]:
    """S-TicketListItem (seed L1020-1063): queues are the core's groups; lock, responsible agent and archive
    flag as RS4OTRS sets them (core.otrs_tickets; the responsible is the owner until one is set); escalation
    times are epoch seconds (0: none), pending times count only in pending states."""
    catalog = context.catalog
    group = catalog.group_by_id(ticket.group_id)
    state = catalog.state_by_id(ticket.state_id)
    priority = catalog.priority_by_id(ticket.priority_id)
    owner = context.users.get(ticket.owner_id)
    responsible = context.users.get(responsible_id(ticket))
    customer = context.users.get(ticket.customer_id)
    creator = context.users.get(ticket.created_by_id)
    organization = context.organizations.get(ticket.organization_id) if ticket.organization_id else None
    pending_until = epoch(ticket.pending_time) if state is not None and state.state_type.startswith("pending") \
        and ticket.pending_time else 0
    item: dict[str, Any] = {
        "TicketID": ticket.id, "TicketNumber": ticket_number(ticket), "Title": ticket.title,
        "QueueID": ticket.group_id, "Queue": group.name if group else "", "GroupID": ticket.group_id,
        "TypeID": TICKET_TYPE_ID, "Type": TICKET_TYPE,
        "StateID": ticket.state_id, "State": state.name if state else "",
        "StateType": state.state_type if state else "",
        "PriorityID": ticket.priority_id, "Priority": priority.name if priority else "",
        "ServiceID": "", "SLAID": ticket.sla_id if ticket.sla_id is not None else "",
        "OwnerID": ticket.owner_id, "Owner": owner.login if owner else "",
        "ResponsibleID": responsible_id(ticket), "Responsible": responsible.login if responsible else "",
        "LockID": lock_id(ticket), "Lock": lock_name(ticket),
        "CustomerID": customer_id(customer, organization) if customer else "",
        "CustomerUserID": customer.login if customer else "",
        "Created": otrs_time(ticket.created_at), "Changed": otrs_time(ticket.updated_at),
        "CreateBy": ticket.created_by_id, "ChangeBy": ticket.updated_by_id,
        "CreatedByUser": creator.fullname if creator else "",
        "Age": max(0, context.now_epoch - epoch(ticket.created_at)), "ArchiveFlag": "y" if is_archived(ticket) else "n",
        "RealTillTimeNotUsed": pending_until, "UntilTime": pending_until - context.now_epoch if pending_until else 0,
        "UnlockTimeout": 0, "Marker": "Unread" if ticket.id in context.unread else "Seen",
        **otrs_escalation(ticket),
    }
    if context.translatable is not None:
        for name, value in sorted(ticket.attributes.items()):
            item[f"DynamicField_{name}"] = {"Value": value, "TranslatableValues": int(context.translatable.get(name, False))}
    return item


def ticket_extended(ticket: Ticket) -> dict[str, Any]:
    """`Extended=1`, OTRS's TicketGet extended data: first response and solution figures, present only when
    the ticket has them (as OTRS omits them); minutes are business minutes of the SLA that applied."""
    figures = {
        "FirstResponse": otrs_time(ticket.first_response_at),
        "FirstResponseInMin": ticket.first_response_in_min, "FirstResponseDiffInMin": ticket.first_response_diff_in_min,
        "SolutionTime": otrs_time(ticket.close_at),
        "SolutionInMin": ticket.close_in_min, "SolutionDiffInMin": ticket.close_diff_in_min,
    }
    return {key: value for key, value in figures.items() if value is not None}
# <<< otrs-tickets
# >>> otrs-notifications: personal notifications (S-PersonalNotificationList, seed L579-604)
from ...core.model import OnlineNotification  # noqa: E402

# Title and Description per notification kind; the Body is the ticket's title. Rendered when listed, so
# the state named is the ticket's state at that moment.
NOTIFICATION_TEXTS = {
    "agent_reply": ("New reply to your ticket", "An agent replied to your ticket {number}."),
    "state_change": ("The state of your ticket changed", "Your ticket {number} is now \"{state}\"."),
}
NOTIFICATION_FALLBACK = ("Your ticket was updated", "Your ticket {number} was updated.")


def is_whole_number(text: str, max_digits: int) -> bool:
    """ASCII digits only, and few enough that int() is cheap (no '²', no 5,000-digit strings)."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def query_int(params: dict[str, str], name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` in the query (`name` absent or empty: `default`), else 422 on it."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not is_whole_number(raw, len(str(maximum))) or not 1 <= int(raw) <= maximum:
        raise invalid(name, f"{name} must be a whole number from 1 to {maximum}.")
    return int(raw)


def personal_notification(notification: OnlineNotification, ticket: Ticket, state_name: str) -> dict[str, Any]:
    """One list entry: the id is a number in `Marker` and a string in `Content`, as the seed's example has it;
    the reference is the ticket's OTRS number (OTRS's NotificationAdd: "like the TicketNumber")."""
    title, description = NOTIFICATION_TEXTS.get(notification.type, NOTIFICATION_FALLBACK)
    number = ticket_number(ticket)
    return {
        "Marker": {"NotificationID": notification.id, "Status": "Read" if notification.seen else "Unread"},
        "Content": {
            "Description": description.format(number=number, state=state_name), "UserID": notification.user_id,
            "TicketNumber": number, "UserType": "Customer", "Seen": int(notification.seen),
            "CreateTime": otrs_time(notification.created_at), "ObjectReference": number, "Body": ticket.title,
            "Comment": "", "Title": title, "ObjectType": notification.object, "ObjectID": notification.o_id,
            "NotificationID": str(notification.id),
        },
    }
# <<< otrs-notifications
# >>> otrs-articles
from ...core.model import Article, Attachment  # noqa: E402
from ...core.text import html_to_text, human_size  # noqa: E402

# OTRS's communication channels and sender types (ids as a fresh OTRS 7 numbers them). Zammad's article
# types map to the channel a customer would recognise; web forms, notes and the rest are "Internal"
# (OTRS stores a customer's web follow-up in that channel, visible for the customer).
CHANNELS = {"email": "Email", "phone": "Phone", "chat": "Chat"}
CHANNEL_IDS = {"Email": 1, "Phone": 2, "Internal": 3, "Chat": 4}
SENDER_TYPE_IDS = {"agent": 1, "system": 2, "customer": 3}
def attachment(item: Attachment) -> dict[str, Any]:
    """One entry of an article's `Attachments`; `FileID` is what the attachment endpoints take."""
    charset = item.preferences.get("Charset")
    inline = bool(item.content_id) or item.preferences.get("Content-Disposition") == "inline"
    return {
        "FileID": item.id, "Filename": item.filename,
        "ContentType": f"{item.content_type}; charset={charset}" if charset else item.content_type,
        "FilesizeRaw": item.size, "Filesize": human_size(item.size), "ContentID": item.content_id or "",
        "Disposition": "inline" if inline else "attachment",
    }


def article_number(item: Article, ticket: Ticket) -> int:
    """OTRS's ArticleNumber: the article's place among the ticket's articles, 1-based, in creation order."""
    return ticket.article_ids.index(item.id) + 1 if item.id in ticket.article_ids else len(ticket.article_ids) + 1


def initials(name: str) -> str:
    words = [w for w in re.split(r"[\s<>\"@]+", name) if w and w[0].isalpha()]
    return "".join(w[0].upper() for w in words[:2])


def article(item: Article, ticket: Ticket, avatar: bool = False, dynamic_fields: bool = False) -> dict[str, Any]:
    """An article as OTRS 7's ArticleGet gives it (the value of `{"Article": ...}`). `Body` is text: an
    HTML body's text here, the sanitised HTML at `.../article/{ArticleID}/body`."""
    html = "html" in (item.content_type or "").lower()
    channel = CHANNELS.get(item.type, "Internal")
    sender = item.sender.lower()
    data: dict[str, Any] = {
        "ArticleID": item.id, "TicketID": item.ticket_id, "ArticleNumber": article_number(item, ticket),
        "SenderType": sender, "SenderTypeID": SENDER_TYPE_IDS.get(sender, 1),
        "CommunicationChannel": channel, "CommunicationChannelID": CHANNEL_IDS[channel],
        "IsVisibleForCustomer": 0 if item.internal else 1,
        "From": item.from_, "To": item.to, "Cc": item.cc, "ReplyTo": item.reply_to or "",
        "Subject": item.subject, "Body": html_to_text(item.body).strip() if html else item.body,
        "ContentType": f"{'text/html' if html else 'text/plain'}; charset=utf-8",
        "MimeType": "text/html" if html else "text/plain", "Charset": "utf-8",
        "MessageID": item.message_id or "", "InReplyTo": item.in_reply_to or "", "References": item.references or "",
        "IncomingTime": epoch(item.created_at),
        "CreateTime": otrs_time(item.created_at), "ChangeTime": otrs_time(item.updated_at or item.created_at),
        "Attachments": [attachment(a) for a in item.attachments],
    }
    if avatar:  # no avatar images are stored: the initials OTRS shows in their place
        data["Avatar"] = {"Initials": initials(item.from_), "Image": None}
    if dynamic_fields:  # articles carry no custom fields here (ticket fields are the ticket's)
        data["DynamicFields"] = []
    return data
# <<< otrs-articles
# >>> otrs-process
from ...core.processes import REQUIRED, ActivityDialog, FieldProblem, Place  # noqa: E402


def process_errors(problems: dict[str, FieldProblem]) -> dict[str, Any]:
    """The process endpoints' 422 body (seed L1269-1291): per field its `Validator`, and for a missing
    or refused value the `Attributes` OTRS's validators report (`Invalid` adds the reason as `Message`)."""
    errors: dict[str, Any] = {}
    for name, problem in problems.items():
        entry: dict[str, Any] = {"Validator": problem.validator}
        if problem.validator != "IncorrectDisplayConfig":
            entry["Attributes"] = {"Arguments": None, "Value": problem.value, "Source": None}
        if problem.message:
            entry["Message"] = problem.message
        errors[name] = entry
    return {"Errors": errors}


# The request keys that fill each process field (the Article is written as Subject + Body).
PROCESS_FIELD_KEYS = {"Article": ["Subject", "Body", "FormID"]}


def process_dialog(dialog: ActivityDialog) -> dict[str, Any]:
    """An activity dialog the caller may fill, with its shown fields in order (hidden ones are the
    process' own business)."""
    return {
        "ActivityDialogEntityID": dialog.entity_id, "Name": dialog.name, "Interface": list(dialog.interfaces),
        "Fields": [{"Name": f.name, "Display": f.display, "Required": 1 if f.display == REQUIRED else 0,
                    "DescriptionShort": f.description, "DefaultValue": f.default,
                    "Parameters": PROCESS_FIELD_KEYS.get(f.name, [f.name])}
                   for f in dialog.fields if f.shown],
    }


def process_place(place: Place) -> dict[str, Any]:
    """Where a process ticket stands and what the customer may fill there now."""
    return {
        "TicketID": place.ticket.id, "TicketNumber": ticket_number(place.ticket),
        "ProcessEntityID": place.process.entity_id, "ProcessName": place.process.name,
        "ProcessState": place.process.state,
        "ActivityEntityID": place.activity.entity_id, "ActivityName": place.activity.name,
        "ActivityDialogs": [process_dialog(d) for d in place.dialogs],
    }
# <<< otrs-process
