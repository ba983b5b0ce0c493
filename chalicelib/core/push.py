"""Mobile push notifications (RS4OTRS_Mobile): agents register their device token, and the agents a
ticket change concerns (the online notifications' recipients) get a push on their registered device.

Sending goes through the PushSender port; delivery failures are logged and never undo the ticket write
(this is a TicketObserver, like the online notifications it mirrors).
"""
from __future__ import annotations

import logging
from typing import Callable

from .errors import InvalidInput
from .model import Principal
from .ports import Clock, PushSender, PushTokenRepository, TicketChange
from .users import iso

log = logging.getLogger(__name__)

TOKEN_EMPTY = "Token cannot be empty"
TOKEN_MAX_LENGTH = 4096  # FCM registration tokens are ~160 characters; anything far longer is not one
KIND_TITLES = {"created": "New Ticket", "updated": "Ticket Update"}


class PushTokens:
    def __init__(self, repository: PushTokenRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    def register(self, principal: Principal, token: object) -> None:
        """The caller's device token replaces any earlier one (one device per agent, as RS4OTRS keeps it)."""
        value = token.strip() if isinstance(token, str) else ""
        if not value:
            raise InvalidInput(TOKEN_EMPTY, field="Token")
        if len(value) > TOKEN_MAX_LENGTH or not value.isprintable():
            raise InvalidInput("Token is not a device token.", field="Token")
        self._repository.put(principal.id, value, iso(self._clock))


class PushNotifier:
    """Pushes a ticket change to the devices of the agents the change notifies (a TicketObserver)."""

    def __init__(self, repository: PushTokenRepository, sender: PushSender,
                 recipients: Callable[[TicketChange], list[int]]) -> None:
        self._repository = repository
        self._sender = sender
        self._recipients = recipients  # Notifier.recipients: the same people the online notifications reach

    def ticket_changed(self, change: TicketChange) -> None:
        ticket = change.after
        if ticket is None or change.kind not in KIND_TITLES:
            return
        recipients = self._recipients(change)
        if not recipients:
            return
        title = f"[Ticket#{ticket.number}] {KIND_TITLES[change.kind]}: {ticket.title}"
        detail = change.article.subject if change.article is not None and change.article.subject else ticket.title
        for user_id, device in self._repository.get_many(recipients).items():
            try:
                self._sender.send(device, title, detail, ticket.id)
            except Exception:  # one unreachable device must not keep the others from their push
                log.exception("push to user %s failed", user_id)
