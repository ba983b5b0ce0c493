"""Personal notifications of a ticket's customer (OTRS's customer interface, `/personal-notifications`).

They are online notifications (core/notifications.py), in the same per-user store with its TTL, expiry
index and seen handling; only who gets them and when differ:
- `CustomerNotifier` (a TicketObserver): on a committed ticket update, the ticket's customer (active, a
  customer and not an agent, not the actor) gets one `agent_reply` notification when an agent added a
  public article, and one `state_change` notification when the state changed. Internal notes never
  notify; ticket creation does not either (the customer either wrote it or was told by the agent).
- `CustomerNotifications`: the customer's filtered, paged list with its total, and the seen flag.
The OTRS texts (Title, Description, Body) are not stored: the dialect renders them from the kind and
the ticket when it lists them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from . import policy
from .errors import NotFound, PermissionDenied
from .model import OnlineNotification, Principal, Ticket
from .notifications import AGENT_REPLY, ENTITY, STATE_CHANGE, Notifier, OnlineNotifications
from .ports import GroupAgents, TicketChange, TicketRepository

# A list reads at most this many of the caller's newest notifications, filters them, and counts the
# matches for the total: one Query page. Notifications expire (30 days, seen ones after 7), so a customer
# rarely holds more; beyond it the oldest are neither listed nor counted.
LIST_WINDOW = 500
OBJECT_TYPES = ("Ticket",)  # what this service notifies about


class CustomerNotifier:
    """Writes the customer's notifications a ticket update causes, through the online Notifier."""

    def __init__(self, notifier: Notifier, users: GroupAgents) -> None:
        self._notifier = notifier
        self._users = users

    def ticket_changed(self, change: TicketChange) -> None:
        kinds = self.kinds(change)
        ticket = change.after
        if not kinds or ticket is None or ticket.customer_id == change.actor.id:
            return
        customer = self._users.many([ticket.customer_id]).get(ticket.customer_id)
        if customer is None or not policy.receives_customer_notifications(customer):
            return
        for kind in kinds:
            self._notifier.notify(ticket.id, kind, [customer.id], change.actor.id, change.at)

    @staticmethod
    def kinds(change: TicketChange) -> list[str]:
        """What the update tells the customer: an agent's public article, a new state, both, or nothing."""
        if change.kind != "updated" or change.before is None or change.after is None:
            return []
        kinds = []
        article = change.article
        if article is not None and not article.internal and article.sender == "Agent":
            kinds.append(AGENT_REPLY)
        if change.before.state_id != change.after.state_id:
            kinds.append(STATE_CHANGE)
        return kinds


@dataclass(frozen=True)
class NotificationFilter:
    """The list's filters: seen or not (None: both), and the object type (None: every type)."""
    seen: Optional[bool] = None
    object_type: Optional[str] = None

    def matches(self, notification: OnlineNotification) -> bool:
        return (notification.object in OBJECT_TYPES
                and (self.seen is None or notification.seen == self.seen)
                and (self.object_type is None or notification.object == self.object_type))


@dataclass
class NotificationPage:
    """One page of the caller's notifications, the number matching the filters, and the page's tickets."""
    notifications: list[OnlineNotification]
    total: int
    tickets: dict[int, Ticket] = field(default_factory=dict)


class CustomerNotifications:
    """The customer's side: list (filtered, paged, counted) and mark seen, one or all."""

    def __init__(self, online: OnlineNotifications, tickets: TicketRepository) -> None:
        self._online = online
        self._tickets = tickets

    def page(self, principal: Principal, filters: NotificationFilter, offset: int, limit: int) -> NotificationPage:
        """Newest first. The page's tickets come in one batch read; a notification about a ticket the
        caller can no longer read (given to another customer since) is left out of the page, so that
        nothing of the ticket shows, and the page is one shorter."""
        matching = [n for n in self._online.list(principal, 0, LIST_WINDOW) if filters.matches(n)]
        window = matching[offset:offset + max(limit, 0)] if offset < len(matching) else []
        wanted = {n.o_id for n in window}
        found = self._tickets.get_many(wanted) if wanted else {}
        readable = {tid: t for tid, t in found.items() if policy.can_read_ticket(principal, t)}
        return NotificationPage([n for n in window if n.o_id in readable], len(matching), readable)

    def mark_seen(self, principal: Principal, notification_id: int) -> None:
        """Someone else's notification is answered like a missing one: ids leak nothing across users."""
        try:
            self._online.update(principal, notification_id, True)
        except PermissionDenied:
            raise NotFound(ENTITY, notification_id) from None

    def mark_all_seen(self, principal: Principal) -> int:
        """Every unseen one of the caller's newest (the online notifications' bound); returns how many."""
        return self._online.mark_all_as_read(principal)
