"""Zammad's wire format: parse request bodies into core inputs, render core objects as Zammad does."""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import datetime, timezone
from typing import Any, Iterable, Optional

from ...core.catalog import Catalog, Ref
from ...core.errors import DomainError, InvalidInput
from ...core.model import (PERMISSIONS, AccessToken, Article, Group, Organization, Principal, Priority, State,
                           Ticket, User)
from ...core.tickets import ArticleInput, AttachmentInput, AttachmentLimits, TicketInput
from ...core.object_attributes import TICKET_COLUMNS
from ...core.users import CustomerRef

API = "/api/v1"
ATTACHMENT_REQUIRED_KEYS = ("mime-type", "filename", "data")
_CID = re.compile(r"""(["'])cid:([^"']+)\1""")
CUSTOM_NAME = re.compile(r"^[a-z0-9_]{1,100}$")

# --- parsing -----------------------------------------------------------------------------


def _object(body: Any, what: str = "payload") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput(f"Invalid {what}, expected a JSON object")
    return body


def _text(body: dict[str, Any], name: str) -> Optional[str]:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InvalidInput(f"Invalid value for param '{name}': {value!r}", field=name)
    return value


def _datetime(body: dict[str, Any], name: str) -> Optional[str]:
    """An ISO-8601 time, answered back in Zammad's UTC-with-milliseconds form."""
    value = _text(body, name)
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _decimal(body: dict[str, Any], name: str) -> Optional[str]:
    value = _text(body, name)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name) from None
    if not 0 <= number < 1e9:
        raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name)
    return value


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name)


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    if isinstance(value, int):
        return bool(value)
    raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name)


def ref(body: dict[str, Any], name: str) -> Optional[Ref]:
    """`<name>` by name wins over `<name>_id`, as Zammad's association_name_to_id_convert does."""
    by_name = body.get(name)
    if by_name is not None:
        if isinstance(by_name, bool) or not isinstance(by_name, (str, int)):
            raise InvalidInput(f"Invalid value for param '{name}': {by_name!r}", field=name)
        return Ref(name, name=str(by_name))
    by_id = body.get(f"{name}_id")
    if by_id is not None:
        return Ref(name, id=_int(by_id, f"{name}_id"))
    return None


def customer_ref(body: dict[str, Any]) -> Optional[CustomerRef]:
    customer_id = body.get("customer_id")
    if isinstance(customer_id, str) and customer_id.startswith("guess:"):
        return CustomerRef(guess=customer_id[len("guess:"):])
    if customer_id not in (None, ""):
        return CustomerRef(id=_int(customer_id, "customer_id"))
    customer = body.get("customer")
    if isinstance(customer, dict):  # a customer hash: found by email or login, created when missing
        email = customer.get("email")
        if isinstance(email, str) and email:
            return CustomerRef(guess=email)
        login = customer.get("login")
        if isinstance(login, str) and login:
            return CustomerRef(login=login)
        raise InvalidInput("Customer can't be blank", field="customer")
    if isinstance(customer, str) and customer:
        return CustomerRef(email=customer)
    if customer is not None:
        raise InvalidInput(f"Invalid value for param 'customer': {customer!r}", field="customer")
    return None


def ticket_input(body: Any, limits: AttachmentLimits) -> TicketInput:
    body = _object(body)
    preferences = body.get("preferences")
    if preferences is not None and not isinstance(preferences, dict):
        raise InvalidInput("Invalid value for param 'preferences'", field="preferences")
    owner = body.get("owner_id")
    return TicketInput(
        title=_text(body, "title"), group=ref(body, "group"), state=ref(body, "state"),
        priority=ref(body, "priority"), owner_id=None if owner in (None, "") else _int(owner, "owner_id"),
        customer=customer_ref(body), note=_text(body, "note"), type=_text(body, "type"),
        pending_time=_datetime(body, "pending_time"), preferences=preferences,
        article=None if body.get("article") is None else article_input(body["article"], limits),
        attributes=custom_fields(body),
    )


def custom_fields(body: dict[str, Any]) -> Optional[dict[str, Any]]:
    """Top-level keys that may name custom fields (object_manager_attributes). The core keeps the ones
    defined, migrated and active, checks their values and ignores the rest, as Zammad ignores unknown keys."""
    found = {k: v for k, v in body.items() if k not in TICKET_COLUMNS and CUSTOM_NAME.match(k)}
    return found or None


def article_input(body: Any, limits: AttachmentLimits) -> ArticleInput:
    body = _object(body, "article")
    attachments = body.get("attachments") or []
    if not isinstance(attachments, list):
        raise InvalidInput("Invalid value for param 'attachments'", field="attachments")
    limits.check_count(len(attachments))  # before decoding any of them
    preferences = body.get("preferences") or {}
    if not isinstance(preferences, dict):
        raise InvalidInput("Invalid value for param 'preferences'", field="preferences")
    return ArticleInput(
        body=_text(body, "body"), subject=_text(body, "subject") or "",
        content_type=_text(body, "content_type") or "text/plain",
        type=ref(body, "type"), sender=ref(body, "sender"),
        internal=_bool(body.get("internal", False), "internal"),
        to=_text(body, "to") or "", cc=_text(body, "cc") or "", from_=_text(body, "from"),
        reply_to=_text(body, "reply_to"), message_id=_text(body, "message_id"),
        in_reply_to=_text(body, "in_reply_to"), time_unit=_decimal(body, "time_unit"),
        preferences=preferences,
        attachments=[attachment_input(a, i, limits) for i, a in enumerate(attachments)],
    )


def attachment_input(raw: Any, index: int, limits: AttachmentLimits) -> AttachmentInput:
    if not isinstance(raw, dict):
        raise InvalidInput(f"Attachment needs 'mime-type' param for attachment with index '{index}'")
    for key in ATTACHMENT_REQUIRED_KEYS:
        if not raw.get(key):
            raise InvalidInput(f"Attachment needs '{key}' param for attachment with index '{index}'")
    data, filename, mime_type = raw["data"], raw["filename"], raw["mime-type"]
    if not all(isinstance(v, str) for v in (data, filename, mime_type)):
        raise InvalidInput(f"Invalid base64 for attachment with index '{index}'")
    label = f"Attachment with index '{index}'"
    limits.check_size((len(data) - data.count("\n") - data.count("\r")) * 3 // 4 - 2, label)  # before decoding
    try:
        decoded = base64.b64decode(data.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"Invalid base64 for attachment with index '{index}'") from None
    limits.check_size(len(decoded), label)
    charset = raw.get("charset")
    return AttachmentInput(filename=filename[:255], data=decoded, mime_type=mime_type[:255],
                           charset=charset if isinstance(charset, str) else None)


# --- rendering ---------------------------------------------------------------------------

def ticket(t: Ticket) -> dict[str, Any]:
    """Zammad's ticket attributes in Zammad's order (S-Z-Ticket). Escalation figures (business minutes)
    are kept by core.escalation on every write; all None while no SLA applies."""
    return {
        "id": t.id, "group_id": t.group_id, "priority_id": t.priority_id, "state_id": t.state_id,
        "organization_id": t.organization_id, "number": t.number, "title": t.title, "owner_id": t.owner_id,
        "customer_id": t.customer_id, "note": t.note, "first_response_at": t.first_response_at,
        "first_response_escalation_at": t.first_response_escalation_at,
        "first_response_in_min": t.first_response_in_min, "first_response_diff_in_min": t.first_response_diff_in_min,
        "close_at": t.close_at, "close_escalation_at": t.close_escalation_at, "close_in_min": t.close_in_min,
        "close_diff_in_min": t.close_diff_in_min, "update_escalation_at": t.update_escalation_at,
        "update_in_min": t.update_in_min, "update_diff_in_min": t.update_diff_in_min,
        "last_contact_at": t.last_contact_at, "last_contact_agent_at": t.last_contact_agent_at,
        "last_contact_customer_at": t.last_contact_customer_at, "last_owner_update_at": t.last_owner_update_at,
        "create_article_type_id": t.create_article_type_id, "create_article_sender_id": t.create_article_sender_id,
        "article_count": t.article_count, "escalation_at": t.escalation_at, "pending_time": t.pending_time, "type": t.type,
        "time_unit": t.time_unit, "preferences": t.preferences, "updated_by_id": t.updated_by_id,
        "created_by_id": t.created_by_id, "created_at": t.created_at, "updated_at": t.updated_at,
        **{k: v for k, v in t.attributes.items() if k not in TICKET_COLUMNS},  # custom fields, never shadowing
    }


def ticket_with_ids(t: Ticket) -> dict[str, Any]:
    """What create and update answer: the attributes plus the association ids."""
    out = ticket(t)
    out["article_ids"] = list(t.article_ids)
    out["ticket_time_accounting_ids"] = []
    return out


class Names:
    """Everything needed to show names instead of ids for a set of tickets, loaded in batches."""

    def __init__(self, catalog: Catalog, users: dict[int, User], organizations: dict[int, Organization]) -> None:
        self.catalog = catalog
        self.users = users
        self.organizations = organizations

    def login(self, user_id: Optional[int]) -> Optional[str]:
        user = self.users.get(user_id) if user_id is not None else None
        return user.login if user else None


def ticket_expanded(t: Ticket, names: Names) -> dict[str, Any]:
    out = ticket_with_ids(t)
    group = names.catalog.group_by_id(t.group_id)
    state = names.catalog.state_by_id(t.state_id)
    priority = names.catalog.priority_by_id(t.priority_id)
    organization = names.organizations.get(t.organization_id) if t.organization_id else None
    out.update({
        "group": group.name if group else None,
        "state": state.name if state else None,
        "priority": priority.name if priority else None,
        "owner": names.login(t.owner_id),
        "customer": names.login(t.customer_id),
        "organization": organization.name if organization else None,
        "created_by": names.login(t.created_by_id),
        "updated_by": names.login(t.updated_by_id),
        "create_article_type": _article_type_name(t.create_article_type_id),
        "create_article_sender": _article_sender_name(t.create_article_sender_id),
    })
    return out


def _article_type_name(type_id: Optional[int]) -> Optional[str]:
    from ...core.model import ARTICLE_TYPES
    return ARTICLE_TYPES.get(type_id) if type_id else None


def _article_sender_name(sender_id: Optional[int]) -> Optional[str]:
    from ...core.model import ARTICLE_SENDERS
    return ARTICLE_SENDERS.get(sender_id) if sender_id else None


def attachment_url(ticket_id: int, article_id: int, attachment_id: int) -> str:
    return f"{API}/ticket_attachment/{ticket_id}/{article_id}/{attachment_id}"


def article(a: Article, names: Names) -> dict[str, Any]:
    """S-Z-Article; inline images point at their download URL instead of cid: references."""
    by_cid = {att.content_id: att.id for att in a.attachments if att.content_id}

    def link(match: re.Match) -> str:
        attachment_id = by_cid.get(match.group(2))
        if attachment_id is None:
            return match.group(0)
        linked.add(attachment_id)
        quote = match.group(1)
        return f"{quote}{attachment_url(a.ticket_id, a.id, attachment_id)}?view=inline{quote}"

    linked: set[int] = set()
    body = _CID.sub(link, a.body) if by_cid else a.body
    return {
        "id": a.id, "ticket_id": a.ticket_id, "type_id": a.type_id, "sender_id": a.sender_id,
        "from": a.from_, "to": a.to, "cc": a.cc, "subject": a.subject, "reply_to": a.reply_to,
        "message_id": a.message_id,
        "message_id_md5": hashlib.md5(a.message_id.encode()).hexdigest() if a.message_id else None,
        "in_reply_to": a.in_reply_to,
        "content_type": a.content_type, "references": a.references, "body": body, "internal": a.internal,
        "preferences": a.preferences, "updated_by_id": a.updated_by_id, "created_by_id": a.created_by_id,
        "origin_by_id": a.origin_by_id, "created_at": a.created_at, "updated_at": a.updated_at,
        "attachments": [  # inline images referenced from the body are not listed, as in Zammad
            {"id": att.id, "filename": att.filename, "size": str(att.size), "preferences": att.preferences}
            for att in a.attachments if att.id not in linked
        ],
        "type": a.type, "sender": a.sender,
        "created_by": names.login(a.created_by_id), "updated_by": names.login(a.updated_by_id),
        "time_unit": a.time_unit,
    }


def user(u: User) -> dict[str, Any]:
    """S-Z-User. Never the password hash."""
    return {
        "id": u.id, "organization_id": u.organization_id, "login": u.login, "firstname": u.firstname,
        "lastname": u.lastname, "email": u.email, "image": u.image, "image_source": None, "web": u.web,
        "phone": u.phone, "fax": u.fax, "mobile": u.mobile, "department": u.department, "street": u.street,
        "zip": u.zip, "city": u.city, "country": u.country, "address": u.address, "vip": u.vip,
        "verified": u.verified, "active": u.active, "note": u.note, "last_login": u.last_login,
        "source": u.source, "login_failed": u.login_failed, "out_of_office": False,
        "out_of_office_start_at": None, "out_of_office_end_at": None, "out_of_office_replacement_id": None,
        "preferences": u.preferences, "updated_by_id": u.updated_by_id, "created_by_id": u.created_by_id,
        "created_at": u.created_at, "updated_at": u.updated_at, "role_ids": list(u.role_ids),
        "organization_ids": [], "authorization_ids": [],
        "group_ids": {gid: list(levels) for gid, levels in u.group_access.items()},
    }


def organization(o: Organization, member_ids: Iterable[int] = ()) -> dict[str, Any]:
    return {
        "id": o.id, "name": o.name, "shared": o.shared, "domain": o.domain,
        "domain_assignment": o.domain_assignment, "active": o.active, "note": o.note,
        "updated_by_id": o.updated_by_id, "created_by_id": o.created_by_id, "created_at": o.created_at,
        "updated_at": o.updated_at, "member_ids": list(member_ids),
    }


def group(g: Group) -> dict[str, Any]:
    return {
        "id": g.id, "signature_id": g.signature_id, "email_address_id": g.email_address_id, "name": g.name,
        "assignment_timeout": g.assignment_timeout, "follow_up_possible": g.follow_up_possible,
        "follow_up_assignment": g.follow_up_assignment, "active": g.active, "note": g.note,
        "updated_by_id": g.updated_by_id, "created_by_id": g.created_by_id, "created_at": g.created_at,
        "updated_at": g.updated_at,
    }


def state(s: State) -> dict[str, Any]:
    return {
        "id": s.id, "state_type_id": s.state_type_id, "name": s.name, "next_state_id": s.next_state_id,
        "ignore_escalation": s.ignore_escalation, "default_create": s.default_create,
        "default_follow_up": s.default_follow_up, "note": s.note, "active": s.active,
        "updated_by_id": s.updated_by_id, "created_by_id": s.created_by_id, "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def priority(p: Priority) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "default_create": p.default_create, "ui_icon": p.ui_icon,
        "ui_color": p.ui_color, "note": p.note, "active": p.active, "updated_by_id": p.updated_by_id,
        "created_by_id": p.created_by_id, "created_at": p.created_at, "updated_at": p.updated_at,
    }


def assets(tickets: Iterable[Ticket], names: Names, articles: Iterable[Article] = ()) -> dict[str, Any]:
    """Zammad's `assets` map: every object the tickets refer to, keyed by class and id."""
    out: dict[str, dict[str, Any]] = {}
    for t in tickets:
        out.setdefault("Ticket", {})[str(t.id)] = ticket_with_ids(t)
        g = names.catalog.group_by_id(t.group_id)
        if g:
            out.setdefault("Group", {})[str(g.id)] = group(g)
        s = names.catalog.state_by_id(t.state_id)
        if s:
            out.setdefault("TicketState", {})[str(s.id)] = state(s)
        p = names.catalog.priority_by_id(t.priority_id)
        if p:
            out.setdefault("TicketPriority", {})[str(p.id)] = priority(p)
        if t.organization_id and t.organization_id in names.organizations:
            out.setdefault("Organization", {})[str(t.organization_id)] = organization(
                names.organizations[t.organization_id])
        for user_id in (t.customer_id, t.owner_id, t.created_by_id, t.updated_by_id):
            if user_id in names.users:
                out.setdefault("User", {})[str(user_id)] = user(names.users[user_id])
    for a in articles:
        out.setdefault("TicketArticle", {})[str(a.id)] = article(a, names)
    return out


def error(e: DomainError) -> dict[str, str]:
    """Zammad's error body: `error` and `error_human` carry the same humanized message."""
    return {"error": e.message, "error_human": e.message}


def access_token_input(body: Any) -> tuple[str, list[str], Optional[str]]:
    body = _object(body)
    permission = body.get("permission", [])
    if isinstance(permission, str):
        permission = [permission]
    if not isinstance(permission, list) or not all(isinstance(p, str) for p in permission):
        raise InvalidInput("Invalid value for param 'permission'", field="permission")
    return _text(body, "label") or "", permission, _text(body, "expires_at")


def access_token(t: AccessToken) -> dict[str, Any]:
    """A listed token: its label and scope, never the secret."""
    return {
        "id": t.id, "user_id": t.user_id, "label": t.label,
        "preferences": {"permission": list(t.permissions)}, "expires_at": t.expires_at,
        "last_used_at": t.last_used_at, "created_at": t.created_at, "updated_at": t.updated_at,
    }


def permissions(principal: Principal) -> list[dict[str, Any]]:
    """The permissions a token of this user may carry."""
    return [
        {"id": pid, "name": name, "note": note, "preferences": {}, "active": True}
        for pid, name, note in PERMISSIONS if principal.has(name)
    ]
# >>> sla-admin: calendars and SLAs
from ...core.model import Calendar, Sla  # noqa: E402


def calendar(c: Calendar) -> dict[str, Any]:
    """Zammad's Calendar (no `active`: every calendar is usable)."""
    return {
        "id": c.id, "name": c.name, "timezone": c.timezone, "business_hours": c.business_hours,
        "default": c.default, "ical_url": c.ical_url, "public_holidays": c.public_holidays, "note": c.note,
        "last_log": c.last_log, "last_sync": c.last_sync, "created_by_id": c.created_by_id,
        "updated_by_id": c.updated_by_id, "created_at": c.created_at, "updated_at": c.updated_at,
    }


def sla(s: Sla) -> dict[str, Any]:
    """Zammad's Sla; the times are business minutes of the calendar, null for no target."""
    return {
        "id": s.id, "name": s.name, "calendar_id": s.calendar_id, "first_response_time": s.first_response_time,
        "update_time": s.update_time, "solution_time": s.solution_time, "condition": s.condition,
        "created_by_id": s.created_by_id, "updated_by_id": s.updated_by_id, "created_at": s.created_at,
        "updated_at": s.updated_at,
    }
# <<< sla-admin
