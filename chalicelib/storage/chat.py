"""Chats (core.ports.ChatRepository) in the single table.

- A chat is one partition `CHAT#<id>`: the header `#CHAT` (version attribute), its messages
  `MSG#<number, 8 digits>` (so a Query returns them in order) and the video signals waiting for a
  participant `SIGNAL#<target key>#<created>#<nonce>` (TTL). Header and new messages are written in one
  transaction: the header conditional on its version, each message on its number being free.
- The header is indexed three ways (all sparse, sort key = padded chat id): gsi1 `CHATBY#<requester key>`
  (a requester's history), gsi2 `CHATFOR#<invited customer key>` (invitations) and gsi4
  `CHATSTATE#<channel id>#<status>` (the agents' queue and lists). A status change moves the gsi4 entry.
- Channels: one small partition `CHATCHANNELS`, one Query for all of them.
- Closing schedules the chat's removal: every item of the partition gets `expires` and the gsi7 expiry keys
  (storage/expiry.py), so the daily cleanup removes the whole chat; reads treat an expired header as gone.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Optional

from pynamodb.exceptions import DeleteError
from pynamodb.transactions import TransactWrite

from ..core.chat import Chat, ChatChannel, ChatMessage, VideoSignal
from . import table
from .codec import from_doc, to_doc
from .errors import CONDITION_FAILED, conditional
from .expiry import with_expiry_keys
from .table import ChatChannelItem, ChatItem, ChatMessageItem, ChatSignalItem, Item, sortable

HEADER_SK = "#CHAT"
MESSAGE_PREFIX = "MSG#"
SIGNAL_PREFIX = "SIGNAL#"
CHANNELS = "CHATCHANNELS"
QUERY_PAGE = 500
CONFLICT = "The chat was changed by someone else at the same time, please retry."


def _pk(chat_id: int) -> str:
    return f"CHAT#{chat_id}"


def _message_sk(number: int) -> str:
    return f"{MESSAGE_PREFIX}{number:08d}"


def _header(chat: Chat, version: int) -> ChatItem:
    doc = to_doc(chat)
    doc["version"] = version
    return ChatItem(pk=_pk(chat.id), sk=HEADER_SK, doc=doc, version=version,
                    gsi1pk=f"CHATBY#{chat.requester_key}", gsi1sk=sortable(chat.id),
                    gsi2pk=f"CHATFOR#{chat.target_key}" if chat.target_key else None,
                    gsi2sk=sortable(chat.id) if chat.target_key else None,
                    gsi4pk=f"CHATSTATE#{chat.channel_id}#{chat.status}", gsi4sk=sortable(chat.id))


def _message_item(message: ChatMessage) -> ChatMessageItem:
    return ChatMessageItem(pk=_pk(message.chat_id), sk=_message_sk(message.id), doc=to_doc(message))


def _chat(item: Item) -> Optional[Chat]:
    """The header's chat; None once it has expired (DynamoDB's TTL deletion can lag by days)."""
    if item.expires is not None and item.expires <= datetime.now(timezone.utc):
        return None
    chat = from_doc(Chat, item.doc)
    chat.version = int(item.version or 0)
    return chat


class ChatStore:
    # --- channels --------------------------------------------------------------------------------

    def channels(self) -> list[ChatChannel]:
        found = []
        for item in ChatChannelItem.query(CHANNELS, consistent_read=True):
            channel = from_doc(ChatChannel, item.doc)
            channel.version = int(item.version or 0)
            found.append(channel)
        return found

    def channel(self, channel_id: int) -> Optional[ChatChannel]:
        try:
            item = ChatChannelItem.get(CHANNELS, sortable(channel_id), consistent_read=True)
        except ChatChannelItem.DoesNotExist:
            return None
        channel = from_doc(ChatChannel, item.doc)
        channel.version = int(item.version or 0)
        return channel

    def put_channel(self, channel: ChatChannel, expected_version: int) -> None:
        version = expected_version + 1
        doc = to_doc(channel)
        doc["version"] = version
        condition = Item.pk.does_not_exist() if expected_version == 0 else ChatChannelItem.version == expected_version
        with conditional("The chat topic was changed by someone else at the same time, please retry."):
            ChatChannelItem(pk=CHANNELS, sk=sortable(channel.id), doc=doc, version=version).save(condition=condition)
        channel.version = version

    def delete_channel(self, channel_id: int, expected_version: int) -> None:
        with conditional("The chat topic was changed by someone else at the same time, please retry."):
            ChatChannelItem(pk=CHANNELS, sk=sortable(channel_id)).delete(
                condition=ChatChannelItem.version == expected_version)

    # --- chats -----------------------------------------------------------------------------------------

    def get(self, chat_id: int) -> Optional[Chat]:
        try:
            return _chat(ChatItem.get(_pk(chat_id), HEADER_SK, consistent_read=True))
        except ChatItem.DoesNotExist:
            return None

    def messages(self, chat_id: int, after: int = 0) -> list[ChatMessage]:
        """One Query on the partition, message range only, in number order."""
        condition = Item.sk.between(_message_sk(after + 1), _message_sk(10 ** 8 - 1))
        return [from_doc(ChatMessage, item.doc)
                for item in ChatMessageItem.query(_pk(chat_id), condition, consistent_read=True, page_size=QUERY_PAGE)]

    def create(self, chat: Chat, messages: list[ChatMessage]) -> None:
        with conditional(CONFLICT):
            with TransactWrite(connection=table.connection()) as tx:
                tx.save(_header(chat, 1), condition=Item.pk.does_not_exist())
                for message in messages:
                    tx.save(_message_item(message), condition=Item.pk.does_not_exist())
        chat.version = 1

    def save(self, chat: Chat, expected_version: int, messages: list[ChatMessage]) -> None:
        version = expected_version + 1
        with conditional(CONFLICT):
            with TransactWrite(connection=table.connection()) as tx:
                tx.save(_header(chat, version), condition=ChatItem.version == expected_version)
                for message in messages:
                    tx.save(_message_item(message), condition=Item.pk.does_not_exist())
        chat.version = version

    def _index(self, index: object, key: str, limit: int, newest_first: bool = True) -> list[Chat]:
        if limit <= 0:
            return []
        items = index.query(key, scan_index_forward=not newest_first, limit=limit,  # type: ignore[attr-defined]
                            page_size=min(limit, QUERY_PAGE))
        return [chat for chat in (_chat(item) for item in items) if chat is not None]

    def by_requester(self, requester_key: str, limit: int) -> list[Chat]:
        return self._index(Item.gsi1, f"CHATBY#{requester_key}", limit)

    def by_target(self, target_key: str, limit: int) -> list[Chat]:
        return self._index(Item.gsi2, f"CHATFOR#{target_key}", limit)

    def by_state(self, channel_id: int, status: str, offset: int, limit: int,
                 newest_first: bool = False) -> list[Chat]:
        found = self._index(Item.gsi4, f"CHATSTATE#{channel_id}#{status}", offset + limit, newest_first)
        return found[offset:offset + limit]

    # --- video signals ----------------------------------------------------------------------------------

    def add_signal(self, signal: VideoSignal) -> None:
        sk = f"{SIGNAL_PREFIX}{signal.target_key}#{signal.created_at}#{uuid.uuid4().hex[:12]}"
        with_expiry_keys(ChatSignalItem(pk=_pk(signal.chat_id), sk=sk, doc=to_doc(signal),
                                        expires=datetime.fromtimestamp(signal.expires_at, tz=timezone.utc))).save()

    def take_signals(self, chat_id: int, target_key: str) -> list[VideoSignal]:
        """Query the target's signals, then a conditional DeleteItem each: a signal read by two polls at once
        goes to the one whose delete removed it, so every signal is delivered once."""
        taken = []
        items = ChatSignalItem.query(_pk(chat_id), Item.sk.startswith(f"{SIGNAL_PREFIX}{target_key}#"),
                                     consistent_read=True, page_size=QUERY_PAGE)
        for item in items:
            try:
                item.delete(condition=Item.pk.exists())
            except DeleteError as error:
                if error.cause_response_code in CONDITION_FAILED:
                    continue
                raise
            taken.append(from_doc(VideoSignal, item.doc))
        return taken

    # --- expiry ------------------------------------------------------------------------------------------

    def expire(self, chat_id: int, at_epoch: int) -> None:
        """Every item of the chat gets the TTL and its expiry-index entry (BatchWriteItem, 25 a call)."""
        expires = datetime.fromtimestamp(at_epoch, tz=timezone.utc)
        with Item.batch_write() as batch:
            for item in Item.query(_pk(chat_id), consistent_read=True, page_size=QUERY_PAGE):
                if isinstance(item, ChatSignalItem):
                    continue  # signals keep their own, shorter life
                item.expires = expires
                batch.save(with_expiry_keys(item))

