"""Mobile push (core.ports.PushTokenRepository, PushSender): one item per agent `PUSHTOKEN#<user id>` /
`#PUSHTOKEN` (put is one PutItem, get_many one BatchGetItem per 100 agents), and the local sender that
logs what it would send (no push service is configured for this deployment)."""
from __future__ import annotations

import logging
from typing import Iterable

from .directory import BATCH_GET_LIMIT
from .table import Item, PushTokenItem

log = logging.getLogger(__name__)
SORT_KEY = "#PUSHTOKEN"


def _key(user_id: int) -> str:
    return f"PUSHTOKEN#{user_id}"


class PushTokenStore:
    def put(self, user_id: int, token: str, at: str) -> None:
        PushTokenItem(pk=_key(user_id), sk=SORT_KEY, doc={"user_id": user_id, "token": token, "updated_at": at}).save()

    def get_many(self, user_ids: Iterable[int]) -> dict[int, str]:
        keys = [(_key(uid), SORT_KEY) for uid in sorted(set(user_ids))]
        found: dict[int, str] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            for item in Item.batch_get(keys[start:start + BATCH_GET_LIMIT]):
                found[int(item.doc["user_id"])] = str(item.doc["token"])
        return found


class LoggedPushSender:
    """The local PushSender: logs the message FCM would get (the device token shortened: it addresses a
    device and is not for logs)."""

    def __init__(self, server: str) -> None:
        self._server = server

    def send(self, device_token: str, title: str, detail: str, ticket_id: int) -> None:
        log.info("push to device %s…: %s", device_token[:8],
                 {"server": self._server, "ticket_id": str(ticket_id), "title": title, "detail": detail})
