"""Contract of the chat store, run on DynamoDB (moto) and on the fake: channels with versions, a chat's
header and numbered messages written together, the three indexes, signals read once, and expiry."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.chat import AGENT, CUSTOMER, REQUEST, WAITING, Chat, ChatChannel, ChatMessage, VideoSignal
from chalicelib.core.errors import Conflict
from tests.core.fakes import FakeChatStore
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)

NOW = "2024-03-01T09:00:00.000Z"


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.chat import ChatStore
    return _adapter(request, ChatStore, FakeChatStore)


def chat(chat_id: int, requester: str = "visitor#a", status: str = WAITING, channel_id: int = 1,
         target: str = "") -> Chat:
    return Chat(id=chat_id, channel_id=channel_id, channel_name="Support", status=status, requester_key=requester,
                requester_id="public-a", requester_name="Theo", requester_type=CUSTOMER,
                target_type=CUSTOMER if target else AGENT, target_key=target, created_at=NOW, updated_at=NOW)


def message(chat_id: int, number: int, text: str = "hello") -> ChatMessage:
    return ChatMessage(id=number, chat_id=chat_id, text=text, chatter_key="visitor#a", chatter_id="public-a",
                       chatter_name="Theo", chatter_type=CUSTOMER, system=False, created_at=NOW)


def test_channels_keep_versions(store: Any) -> None:
    assert store.channels() == [] and store.channel(1) is None
    second, first = ChatChannel(2, "Sales"), ChatChannel(1, "Support", public=False)
    for channel in (second, first):
        store.put_channel(channel, 0)
        assert channel.version == 1
    assert [(c.id, c.name, c.public, c.version) for c in store.channels()] == [
        (1, "Support", False, 1), (2, "Sales", True, 1)]
    with pytest.raises(Conflict):
        store.put_channel(ChatChannel(1, "Again"), 0)
    first.note = "changed"
    store.put_channel(first, 1)
    assert store.channel(1).note == "changed" and store.channel(1).version == 2
    with pytest.raises(Conflict):
        store.delete_channel(1, 1)
    store.delete_channel(1, 2)
    assert [c.id for c in store.channels()] == [2]


def test_header_and_messages_are_written_together(store: Any) -> None:
    first = chat(1)
    store.create(first, [message(1, 1, "joined"), message(1, 2, "help")])
    assert first.version == 1
    assert store.get(1).requester_name == "Theo" and store.get(2) is None
    first.last_seq = 3
    store.save(first, 1, [message(1, 3, "more")])
    assert first.version == 2
    with pytest.raises(Conflict):  # a writer that read version 1 lost the race
        store.save(chat(1), 1, [message(1, 4, "lost")])
    with pytest.raises(Conflict):  # a number already taken
        store.save(store.get(1), 2, [message(1, 3, "twice")])
    assert [(m.id, m.text) for m in store.messages(1)] == [(1, "joined"), (2, "help"), (3, "more")]
    assert [m.id for m in store.messages(1, after=1)] == [2, 3]
    assert store.get(1).version == 2
    with pytest.raises(Conflict):
        store.create(chat(1), [])


def test_indexes_by_requester_target_and_state(store: Any) -> None:
    store.create(chat(1, "visitor#a"), [])
    store.create(chat(2, "visitor#b"), [])
    store.create(chat(3, "visitor#a", channel_id=2), [])
    store.create(chat(4, "agent#5", status=REQUEST, target="customer#7"), [])
    assert [c.id for c in store.by_requester("visitor#a", 10)] == [3, 1]
    assert [c.id for c in store.by_requester("visitor#a", 1)] == [3]
    assert [c.id for c in store.by_target("customer#7", 10)] == [4] and store.by_target("visitor#a", 10) == []
    assert [c.id for c in store.by_state(1, WAITING, 0, 10)] == [1, 2]
    assert [c.id for c in store.by_state(1, WAITING, 0, 10, newest_first=True)] == [2, 1]
    assert [c.id for c in store.by_state(1, WAITING, 1, 10)] == [2]
    moved = store.get(1)
    moved.status = "active"
    store.save(moved, 1, [])
    assert [c.id for c in store.by_state(1, WAITING, 0, 10)] == [2]
    assert [c.id for c in store.by_state(1, "active", 0, 10)] == [1]


def test_signals_are_taken_once_by_their_target(store: Any) -> None:
    store.create(chat(1), [])
    for key, target in (("Offer", "agent#5"), ("Candidate", "agent#5"), ("Answer", "visitor#a")):
        store.add_signal(VideoSignal(1, key, {"sdp": key}, target, AGENT, "5", CUSTOMER, "public-a", NOW,
                                     4_000_000_000))
    assert sorted(s.key for s in store.take_signals(1, "agent#5")) == ["Candidate", "Offer"]
    assert store.take_signals(1, "agent#5") == []
    assert [s.value for s in store.take_signals(1, "visitor#a")] == [{"sdp": "Answer"}]


def test_expire_marks_the_whole_chat(store: Any) -> None:
    from datetime import datetime, timezone
    store.create(chat(1), [message(1, 1)])
    store.expire(1, 4_000_000_000)
    if isinstance(store, FakeChatStore):
        assert store.expiries == {1: 4_000_000_000}
        return
    from chalicelib.storage.table import ChatItem, ChatMessageItem
    for item in (ChatItem.get("CHAT#1", "#CHAT"), ChatMessageItem.get("CHAT#1", "MSG#00000001")):
        assert item.expires == datetime.fromtimestamp(4_000_000_000, tz=timezone.utc)
        assert item.gsi7pk.startswith("EXPIRES#")
    assert store.get(1) is not None  # not yet
    store.expire(1, 1_000_000_000)    # long past: gone for readers before DynamoDB deletes it
    assert store.get(1) is None


def test_reading_a_chat_with_messages_is_one_query(store: Any, request: pytest.FixtureRequest) -> None:
    if isinstance(store, FakeChatStore):
        return
    store.create(chat(1), [message(1, n) for n in (1, 2, 3)])
    calls = request.getfixturevalue("dynamodb_calls")
    store.messages(1)
    assert calls == ["Query"]
