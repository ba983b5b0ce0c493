"""Zammad's /online_notifications: thin views over core.notifications.OnlineNotifications.

Parse the request here, one core call, render as Zammad does (`expand`, `full`). Every route acts on
the caller's own notifications only (Zammad's OnlineNotificationsControllerPolicy `own?`).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from chalice import Response

from ...core.model import OnlineNotification
from ...core.notifications import OBJECT_LOOKUP_IDS, TYPE_LOOKUP_IDS
from . import schema
from .routes import Call, Forms, list_window, path_id, render_many, render_one, route

ENTITY = "OnlineNotification"

# --- parsing -------------------------------------------------------------------------------------


def seen_input(body: Any) -> Optional[bool]:
    """PUT takes `seen` (true/false); the other attributes a client echoes back are ignored."""
    body = schema._object(body)
    if body.get("seen") is None:
        return None
    return schema._bool(body["seen"], "seen")


# --- rendering -----------------------------------------------------------------------------------


def notification_out(n: OnlineNotification) -> dict[str, Any]:
    """Zammad's columns, with the lookup names (`object`, `type`) its controller documents."""
    return {
        "id": n.id, "o_id": n.o_id,
        "object_lookup_id": OBJECT_LOOKUP_IDS.get(n.object), "object": n.object,
        "type_lookup_id": TYPE_LOOKUP_IDS.get(n.type), "type": n.type,
        "seen": n.seen, "user_id": n.user_id,
        "created_by_id": n.created_by_id, "updated_by_id": n.updated_by_id,
        "created_at": n.created_at, "updated_at": n.updated_at,
    }


class Logins:
    """The logins an expanded rendering names (recipient, creator, updater), in one batch read."""

    def __init__(self, call: Call, notifications: Iterable[OnlineNotification]) -> None:
        ids = {uid for n in notifications for uid in (n.user_id, n.created_by_id, n.updated_by_id)}
        self.users = call.container.users.many(ids)

    def __call__(self, user_id: Optional[int]) -> Optional[str]:
        user = self.users.get(user_id) if user_id is not None else None
        return user.login if user else None


def notification_expanded(n: OnlineNotification, logins: Logins) -> dict[str, Any]:
    out = notification_out(n)
    out.update({"user": logins(n.user_id), "created_by": logins(n.created_by_id),
                "updated_by": logins(n.updated_by_id)})
    return out


def assets(notifications: list[OnlineNotification]) -> dict[str, Any]:
    return {"OnlineNotification": {str(n.id): notification_out(n) for n in notifications}}


def notification_forms(call: Call) -> Forms:
    return Forms(plain=notification_out,
                 expanded=lambda ns: [notification_expanded(n, logins) for logins in [Logins(call, ns)] for n in ns],
                 assets=assets)


def render_notifications(call: Call, notifications: list[OnlineNotification]) -> Any:
    return render_many(call, notifications, notification_forms(call))


def render_notification(call: Call, n: OnlineNotification) -> Response:
    return render_one(call, n, notification_forms(call))


# --- routes ----------------------------------------------------------------------------------------

@route("/online_notifications")
def list_notifications(call: Call) -> Any:
    offset, limit = list_window(call)
    return render_notifications(call, call.container.online_notifications.list(call.principal, offset, limit))


@route("/online_notifications/mark_all_as_read", methods=("POST",))
def mark_all_notifications_read(call: Call) -> Any:
    """Zammad's verb is POST; the body (Zammad's clients send `{}` or nothing) is not read."""
    call.container.online_notifications.mark_all_as_read(call.principal)
    return {}


@route("/online_notifications/{notification_id}")
def show_notification(call: Call, notification_id: str) -> Any:
    found = call.container.online_notifications.get(call.principal, path_id(notification_id, ENTITY))
    return render_notification(call, found)


@route("/online_notifications/{notification_id}", methods=("PUT",))
def update_notification(call: Call, notification_id: str) -> Any:
    seen = seen_input(call.body())
    changed = call.container.online_notifications.update(call.principal, path_id(notification_id, ENTITY), seen)
    return render_notification(call, changed)


@route("/online_notifications/{notification_id}", methods=("DELETE",))
def delete_notification(call: Call, notification_id: str) -> Any:
    call.container.online_notifications.delete(call.principal, path_id(notification_id, ENTITY))
    return {}
