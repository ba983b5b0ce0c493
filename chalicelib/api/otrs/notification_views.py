"""OTRS-10 and OTRS-11: the customer's personal notifications (seed 000 L553-708).

Thin views over core.customer_notifications: parse the query or body, one core call, render
S-PersonalNotificationList. The notifications are the caller's own online notifications (an agent's
public reply, a state change), the same records /api/v1/online_notifications shows them.
"""
from __future__ import annotations

from typing import Any, Optional

from ...core.customer_notifications import LIST_WINDOW, OBJECT_TYPES, NotificationFilter
from ...core.errors import NotFound
from . import schema
from .routes import Call, message, route

DEFAULT_PER_PAGE = 25
SEEN_FLAGS = {"0": False, "1": True}
FILTER_ALL, FILTER_SINGLE = "All", "Single"   # seen-set's Filter (the seed names no values; see the report)
NOT_FOUND = "Notification not found."
SEEN_SET = "Seen flag was set."  # the seed's 200 description
MAX_ID_DIGITS = 18


# --- parsing -------------------------------------------------------------------------------------

def list_filter(params: dict[str, str]) -> NotificationFilter:
    """`Seen` 0/1 and `ObjectType` (Ticket); absent or empty: no filter; anything else: 422 on the field."""
    seen_raw = (params.get("Seen") or "").strip()
    if seen_raw and seen_raw not in SEEN_FLAGS:
        raise schema.invalid("Seen", "Seen must be 0 or 1.")
    object_type = (params.get("ObjectType") or "").strip() or None
    if object_type is not None and object_type not in OBJECT_TYPES:
        raise schema.invalid("ObjectType", f"ObjectType must be one of: {', '.join(OBJECT_TYPES)}.")
    return NotificationFilter(seen=SEEN_FLAGS.get(seen_raw), object_type=object_type)


def notification_id(value: Any) -> Optional[int]:
    """NotificationID as the seed types it (a string) or as the list renders it in `Marker` (a number)."""
    if value is None or value == "":
        return None
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not schema.is_whole_number(text, MAX_ID_DIGITS) or int(text) < 1:
        raise schema.invalid("NotificationID", "NotificationID must be a notification's id.")
    return int(text)


# --- routes ----------------------------------------------------------------------------------------

@route("/personal-notifications/list")
def list_personal_notifications(call: Call) -> Any:
    """Newest first; `TotalNotifications` counts every match (within the newest LIST_WINDOW), not the page."""
    params = call.params
    per_page = schema.query_int(params, "NotificationsPerPage", DEFAULT_PER_PAGE, LIST_WINDOW)
    page = schema.query_int(params, "Page", 1, LIST_WINDOW)
    found = call.container.customer_notifications.page(call.customer, list_filter(params), (page - 1) * per_page,
                                                       per_page)
    catalog = call.container.tickets.catalog()
    entries = []
    for notification in found.notifications:
        ticket = found.tickets[notification.o_id]
        state = catalog.state_by_id(ticket.state_id)
        entries.append(schema.personal_notification(notification, ticket, state.name if state is not None else ""))
    return {"List": entries, "TotalNotifications": found.total}


@route("/personal-notifications/seen-set", methods=("POST",))
def set_personal_notifications_seen(call: Call) -> Any:
    """Filter `All`: every unseen notification of the caller; `Single`: the one NotificationID names. An id
    that is not the caller's gets the same 422 as an unknown one (no hint whose it is)."""
    body = call.body()
    wanted = body.get("Filter")
    if wanted is None or wanted == "":
        raise schema.invalid("Filter", "Filter is required.")
    if wanted not in (FILTER_ALL, FILTER_SINGLE):
        raise schema.invalid("Filter", f"Filter must be {FILTER_ALL} or {FILTER_SINGLE}.")
    chosen = notification_id(body.get("NotificationID"))
    notifications = call.container.customer_notifications
    if wanted == FILTER_ALL:
        if chosen is not None:
            raise schema.invalid("NotificationID",
                                 f"NotificationID goes with Filter {FILTER_SINGLE}, not {FILTER_ALL}.")
        notifications.mark_all_seen(call.customer)
        return message(SEEN_SET)
    if chosen is None:
        raise schema.invalid("NotificationID", f"NotificationID is required with Filter {FILTER_SINGLE}.")
    try:
        notifications.mark_seen(call.customer, chosen)
    except NotFound:
        raise schema.invalid("NotificationID", NOT_FOUND) from None
    return message(SEEN_SET)
