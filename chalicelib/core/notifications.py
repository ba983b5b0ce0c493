"""Online notifications (Zammad's `online_notification`): derived from ticket writes, read and changed
by their recipient only.

`Notifier` is a `TicketObserver`: the ticket service tells it about each committed create, update and
delete, and it writes one notification per recipient (the write is derived data: a failure is logged
by the ticket service and never undoes the ticket write). `OnlineNotifications` serves the recipient's
list, show, seen toggle, delete and "mark all as read".

Recipients (Zammad's Transaction::Notification, reduced to the events this service knows):
- ticket created: the active agents holding read access on the ticket's group, and the owner;
- owner changed: the new owner;
- a customer's article (sender Customer): the owner, or the group's agents while unassigned;
never the actor, never an inactive user or a non-agent.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from . import policy
from .errors import NotFound, PermissionDenied
from .model import SYSTEM_USER_ID, OnlineNotification, Principal, Ticket, User
from .ports import Clock, GroupAgents, IdAllocator, NotificationRepository, TicketChange
from .users import iso

# Zammad's ObjectLookup / TypeLookup rows, numbered in the order Zammad creates them on a fresh system.
OBJECT_LOOKUP_IDS = {"Ticket": 1}
TYPE_LOOKUP_IDS = {"create": 1, "update": 2, "reminder_reached": 3, "escalation": 4, "escalation_warning": 5}
MARK_ALL_LIMIT = 200     # Zammad's mark_all_as_read walks OnlineNotification.list(user, 200)
REMOVE_LIMIT = 1_000     # notifications removed with a deleted ticket, per delete
DEFAULT_TTL_DAYS = 30
DEFAULT_SEEN_DAYS = 7    # a seen notification goes this long after it was seen (settings.seen_notification_days)
DAY = 86_400
ENTITY = "OnlineNotification"


def _epoch(timestamp: str) -> Optional[int]:
    """Epoch seconds of an ISO-8601 timestamp (naive means UTC); None when it is not one."""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def expired(notification: OnlineNotification, now_epoch: int) -> bool:
    """TTL deletion can lag by days: an expired notification is gone for every reader."""
    return notification.expires_at is not None and notification.expires_at <= now_epoch


class Notifier:
    """Writes the online notifications a ticket change causes (a TicketObserver)."""

    def __init__(self, notifications: NotificationRepository, users: GroupAgents, ids: IdAllocator, clock: Clock,
                 ttl_days: int = DEFAULT_TTL_DAYS) -> None:
        self._notifications = notifications
        self._users = users
        self._ids = ids
        self._clock = clock
        self._ttl_seconds = max(1, ttl_days) * DAY

    def ticket_changed(self, change: TicketChange) -> None:
        if change.kind == "deleted":
            if change.before is not None:  # Zammad: OnlineNotification.remove('Ticket', id)
                self._notifications.remove_for_object("Ticket", change.before.id, REMOVE_LIMIT)
            return
        ticket = change.after
        if ticket is None:
            return
        recipients = self.recipients(change)
        if not recipients:
            return
        self.notify(ticket.id, "create" if change.kind == "created" else "update", recipients, change.actor.id,
                    change.at)

    def notify(self, ticket_id: int, kind: str, recipients: list[int], actor_id: int, at: str) -> None:
        """One notification of `kind` about the ticket per recipient (also the scheduled jobs' way in)."""
        if not recipients:
            return
        ids = self._ids.next_ids("online_notification", len(recipients))
        expires = int(self._clock.now().timestamp()) + self._ttl_seconds
        self._notifications.add_many([
            OnlineNotification(id=nid, user_id=uid, o_id=ticket_id, object="Ticket", type=kind, seen=False,
                               created_by_id=actor_id, updated_by_id=actor_id,
                               created_at=at, updated_at=at, expires_at=expires)
            for nid, uid in zip(ids, recipients)
        ])

    def responsible(self, ticket: Ticket) -> list[User]:
        """Who answers for a ticket: its owner and the agents of its group (active agents only)."""
        agents = [u for u in self._users.agents_for_group(ticket.group_id) if policy.receives_ticket_notifications(u)]
        if ticket.owner_id != SYSTEM_USER_ID and all(u.id != ticket.owner_id for u in agents):
            owner = self._users.many([ticket.owner_id]).get(ticket.owner_id)
            if owner is not None and policy.receives_ticket_notifications(owner):
                agents.insert(0, owner)
        return agents

    def recipients(self, change: TicketChange) -> list[int]:
        """User ids to notify about the change, in a stable order, without the actor."""
        ticket = change.after
        if ticket is None:
            return []
        group_agents = False
        owners: list[int] = []
        if change.kind == "created":
            group_agents = True
            owners.append(ticket.owner_id)
        elif change.kind == "updated":
            before = change.before
            if before is not None and before.owner_id != ticket.owner_id:
                owners.append(ticket.owner_id)
            if change.article is not None and change.article.sender == "Customer":
                if ticket.owner_id != SYSTEM_USER_ID:
                    owners.append(ticket.owner_id)
                else:
                    group_agents = True
        wanted: list[int] = []
        if group_agents:
            wanted += [u.id for u in self._users.agents_for_group(ticket.group_id)
                       if policy.receives_ticket_notifications(u)]
        owners = [uid for uid in owners if uid != SYSTEM_USER_ID and uid not in wanted]
        if owners:
            found = self._users.many(owners)
            wanted += [uid for uid in owners if uid in found and policy.receives_ticket_notifications(found[uid])]
        seen: set[int] = set()
        out = []
        for uid in wanted:
            if uid != change.actor.id and uid not in seen:
                seen.add(uid)
                out.append(uid)
        return out


class OnlineNotifications:
    """The recipient's view: list, show, mark seen/unseen, delete, mark all as read."""

    def __init__(self, notifications: NotificationRepository, clock: Clock, ttl_days: int = DEFAULT_TTL_DAYS,
                 seen_days: int = DEFAULT_SEEN_DAYS) -> None:
        self._notifications = notifications
        self._clock = clock
        self._ttl_seconds = max(1, ttl_days) * DAY
        self._seen_seconds = max(0, seen_days) * DAY

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def list(self, principal: Principal, offset: int, limit: int) -> list[OnlineNotification]:
        """The caller's own, newest first. Expired ones are dropped: mostly the oldest, which only shortens
        the last page; one seen long enough ago shortens its page until the daily cleanup removes it."""
        now = self._now()
        return [n for n in self._notifications.page(principal.id, offset, limit)
                if not expired(n, now) and policy.can_read_notification(principal, n)]

    def get(self, principal: Principal, notification_id: int) -> OnlineNotification:
        notification = self._load(principal, notification_id)
        policy.require(policy.can_read_notification(principal, notification))
        return notification

    def update(self, principal: Principal, notification_id: int, seen: Optional[bool]) -> OnlineNotification:
        """Only `seen` may change; everything else a client sends is ignored (Zammad's own? policy)."""
        notification = self._load(principal, notification_id)
        policy.require(policy.can_change_notification(principal, notification))
        if seen is not None and seen != notification.seen:
            self._mark(principal, notification, seen)
            self._notifications.save(notification)
        return notification

    def delete(self, principal: Principal, notification_id: int) -> None:
        notification = self._load(principal, notification_id)
        policy.require(policy.can_change_notification(principal, notification))
        self._notifications.delete(notification)

    def mark_all_as_read(self, principal: Principal) -> int:
        """The unseen ones among the caller's newest MARK_ALL_LIMIT (Zammad's bound); returns how many."""
        now = self._now()
        changed = []
        for notification in self._notifications.page(principal.id, 0, MARK_ALL_LIMIT):
            if notification.seen or expired(notification, now):
                continue
            if not policy.can_change_notification(principal, notification):
                continue
            self._mark(principal, notification, True)
            changed.append(notification)
        if changed:
            self._notifications.save_many(changed)
        return len(changed)

    def _mark(self, principal: Principal, notification: OnlineNotification, seen: bool) -> None:
        """Seen ones expire early, so storage sheds them without a scan: min(expiry, now + seen_days).
        Unseen again: back to created + TTL (now + TTL if the creation time is unreadable)."""
        notification.seen = seen
        if seen:
            early = self._now() + self._seen_seconds
            current = notification.expires_at
            notification.expires_at = early if current is None else min(current, early)
        else:
            created = _epoch(notification.created_at)
            notification.expires_at = (created if created is not None else self._now()) + self._ttl_seconds
        self._touch(principal, notification)

    def _touch(self, principal: Principal, notification: OnlineNotification) -> None:
        notification.updated_by_id = principal.id
        notification.updated_at = iso(self._clock)

    def _load(self, principal: Principal, notification_id: int) -> OnlineNotification:
        """One key read in the caller's partition; only a miss asks the id pointer whose it is (403 vs 404)."""
        notification = self._notifications.get(principal.id, notification_id)
        if notification is not None and not expired(notification, self._now()):
            return notification
        if notification is None:
            owner = self._notifications.owner_of(notification_id)
            if owner is not None and owner != principal.id:
                raise PermissionDenied()  # Zammad's authorize!: someone else's notification
        raise NotFound(ENTITY, notification_id)

# >>> otrs-notifications: the kinds core/customer_notifications.py writes for a ticket's customer
AGENT_REPLY = "agent_reply"      # an agent added a public article
STATE_CHANGE = "state_change"    # the ticket's state changed
# Zammad's TypeLookup adds a row for each new type name, so these get the next ids after Zammad's own.
TYPE_LOOKUP_IDS.update({AGENT_REPLY: 6, STATE_CHANGE: 7})
# <<< otrs-notifications
