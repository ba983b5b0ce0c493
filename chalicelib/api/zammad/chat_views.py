"""The agents' side of the chat in Zammad's style: `/chats` (chat topics, i.e. channels: agents read, admins
with `admin.channel_chat` manage) and `/chat_sessions` (list by state, show with messages, search). Zammad's
agents act on chats over its websocket; here the same actions are REST calls: accept a waiting chat, reply,
close, invite a customer user (whom accept-request under /api/public/chat then answers) and exchange WebRTC
video signals. The rules are core/chat.py's, shared with the OTRS public side.

States as Zammad names them: `waiting`, `running` (OTRS "active"), `closed`, and `invited` for an agent's
invitation that the customer has not accepted yet. `state=` takes either name.
"""
from __future__ import annotations

from typing import Any

from ...core import chat as ch
from ...core.errors import InvalidInput
from ..http import int_param
from . import schema
from .routes import Call, json_response, list_window, path_id, route

ZAMMAD_STATE = {ch.WAITING: "waiting", ch.ACTIVE: "running", ch.CLOSED: "closed", ch.REQUEST: "invited"}
CORE_STATE = {**{name: status for status, name in ZAMMAD_STATE.items()}, **{s: s for s in ch.STATUSES}}
SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT = 50, 200


# --- rendering ------------------------------------------------------------------------------------------

def chat_topic(channel: ch.ChatChannel) -> dict[str, Any]:
    return {"id": channel.id, "name": channel.name, "note": channel.note, "active": channel.active,
            "public": channel.public, "max_queue": channel.max_queue, "created_by_id": channel.created_by_id,
            "updated_by_id": channel.updated_by_id, "created_at": channel.created_at, "updated_at": channel.updated_at}


def chat_session(chat: ch.Chat) -> dict[str, Any]:
    return {"id": chat.id, "chat_id": chat.channel_id, "name": chat.requester_name, "state": ZAMMAD_STATE[chat.status],
            "user_id": chat.agent_id, "customer_id": chat.customer_id, "ticket_id": chat.ticket_id or None,
            "invitation": chat.is_invitation, "preview": chat.preview, "message_count": chat.last_seq,
            "preferences": {"participants": [{"chatter_id": p["chatter_id"], "name": p["name"], "type": p["type"],
                                              "user_id": p["user_id"], "active": p["active"]}
                                             for p in chat.participants]},
            "created_at": chat.created_at, "updated_at": chat.updated_at, "closed_at": chat.closed_at}


def chat_message(message: ch.ChatMessage) -> dict[str, Any]:
    return {"id": message.id, "chat_session_id": message.chat_id, "content": message.text,
            "created_by_id": message.user_id, "chatter_name": message.chatter_name,
            "chatter_type": message.chatter_type, "system_generated": message.system,
            "created_at": message.created_at, "updated_at": message.created_at}


def video_signal(signal: ch.VideoSignal) -> dict[str, Any]:
    return {"chat_session_id": signal.chat_id, "signal_key": signal.key, "signal_value": signal.value,
            "target_type": signal.target_type, "target_id": signal.target_id, "requester_type": signal.requester_type,
            "requester_id": signal.requester_id, "created_at": signal.created_at}


# --- parsing --------------------------------------------------------------------------------------------------

def channel_input(body: Any) -> ch.ChannelInput:
    """Zammad's chat params; anything else (ids, timestamps, creators) is ignored, as Zammad's strong params do."""
    body = schema._object(body)
    data = ch.ChannelInput()
    for name in ("name", "note"):
        if body.get(name) is not None:
            if not isinstance(body[name], str):
                raise InvalidInput(f"Invalid value for param '{name}': {body[name]}", field=name)
            setattr(data, name, body[name])
    for name in ("active", "public"):
        if body.get(name) is not None:
            setattr(data, name, schema._bool(body[name], name))
    if body.get("max_queue") is not None:
        data.max_queue = schema._int(body["max_queue"], "max_queue")
    return data


def _session_id(raw: str) -> int:
    return path_id(raw, "Chat::Session")


def _content(call: Call) -> Any:
    return schema._object(call.body()).get("content")


# --- chat topics ------------------------------------------------------------------------------------------------

@route("/chats")
def list_chats(call: Call) -> Any:
    offset, limit = list_window(call)
    return [chat_topic(c) for c in call.container.chat.channels(call.principal)[offset:offset + limit]]


@route("/chats", methods=("POST",))
def create_chat(call: Call) -> Any:
    channel = call.container.chat.save_channel(call.principal, None, channel_input(call.body()))
    return json_response(chat_topic(channel), 201)


@route("/chats/{chat_id}")
def show_chat(call: Call, chat_id: str) -> Any:
    return chat_topic(call.container.chat.channel(call.principal, path_id(chat_id, "Chat")))


@route("/chats/{chat_id}", methods=("PUT",))
def update_chat(call: Call, chat_id: str) -> Any:
    channel = call.container.chat.save_channel(call.principal, path_id(chat_id, "Chat"), channel_input(call.body()))
    return chat_topic(channel)


@route("/chats/{chat_id}", methods=("DELETE",))
def delete_chat(call: Call, chat_id: str) -> Any:
    call.container.chat.delete_channel(call.principal, path_id(chat_id, "Chat"))
    return {}


# --- chat sessions ---------------------------------------------------------------------------------------------

@route("/chat_sessions")
def list_chat_sessions(call: Call) -> Any:
    """`state` (default waiting, the queue, oldest first; running/closed/invited newest first), `page`, `per_page`."""
    wanted = call.params.get("state") or "waiting"
    if wanted not in CORE_STATE:
        raise InvalidInput(f"state must be one of {', '.join(ZAMMAD_STATE.values())}.", field="state")
    offset, limit = list_window(call)
    return [chat_session(c) for c in call.container.chat.sessions(call.principal, CORE_STATE[wanted], offset, limit)]


def _search(call: Call, query: Any, raw_limit: Any) -> Any:
    if not isinstance(query, str):
        raise InvalidInput("query is required.", field="query")
    limit = int_param({"limit": str(raw_limit or "")}, "limit", SEARCH_DEFAULT_LIMIT, maximum=SEARCH_MAX_LIMIT)
    return [chat_session(c) for c in call.container.chat.search(call.principal, query, limit)]


@route("/chat_sessions/search")
def search_chat_sessions(call: Call) -> Any:
    return _search(call, call.params.get("query", ""), call.params.get("limit"))


@route("/chat_sessions/search", methods=("POST",))
def search_chat_sessions_posted(call: Call) -> Any:
    """Zammad's agent UI posts the search (`{"query": ..., "limit": ...}`)."""
    body = schema._object(call.body() or {})
    return _search(call, body.get("query", ""), body.get("limit"))


@route("/chat_sessions/{session_id}")
def show_chat_session(call: Call, session_id: str) -> Any:
    """The session with its messages in order."""
    chat, messages = call.container.chat.session(call.principal, _session_id(session_id))
    return {**chat_session(chat), "messages": [chat_message(m) for m in messages]}


@route("/chat_sessions", methods=("POST",))
def invite_customer(call: Call) -> Any:
    """An agent's invitation: `chat_id` (the topic), `customer_id`, `content` (the first message)."""
    body = schema._object(call.body())
    for name in ("chat_id", "customer_id"):
        if body.get(name) in (None, ""):
            raise InvalidInput(f"Need {name}!", field=name)
    chat = call.container.chat.invite(call.principal, schema._int(body["chat_id"], "chat_id"),
                                      schema._int(body["customer_id"], "customer_id"), body.get("content"))
    return json_response(chat_session(chat), 201)


@route("/chat_sessions/{session_id}/accept", methods=("POST",))
def accept_chat_session(call: Call, session_id: str) -> Any:
    return chat_session(call.container.chat.accept(call.principal, _session_id(session_id)))


@route("/chat_sessions/{session_id}/messages", methods=("POST",))
def reply_in_chat_session(call: Call, session_id: str) -> Any:
    message = call.container.chat.reply(call.principal, _session_id(session_id), _content(call))
    return json_response(chat_message(message), 201)


@route("/chat_sessions/{session_id}/close", methods=("POST",))
def close_chat_session(call: Call, session_id: str) -> Any:
    return chat_session(call.container.chat.agent_close(call.principal, _session_id(session_id)))


@route("/chat_sessions/{session_id}/video_signals")
def take_video_signals(call: Call, session_id: str) -> Any:
    """The WebRTC signals waiting for the calling agent in a chat they are in; each is delivered once."""
    signals = call.container.chat.agent_take_signals(call.principal, _session_id(session_id))
    return [video_signal(s) for s in signals]


@route("/chat_sessions/{session_id}/video_config")
def video_config(call: Call, session_id: str) -> Any:
    """The ICE servers for the agent's browser and who the agent is in the chat."""
    config = call.container.chat.agent_video_config(call.principal, _session_id(session_id))
    return {"chat_session_id": config.chat.id, "chatter_id": config.participant["chatter_id"],
            "chatter_name": config.participant["name"], "ice_servers": config.ice_servers}


@route("/chat_sessions/{session_id}/video_signals", methods=("POST",))
def send_video_signal(call: Call, session_id: str) -> Any:
    """`signal_key`, `signal_value`, `target_type` (Customer or User) and `target_id` (the chatter id)."""
    body = schema._object(call.body())
    signal = call.container.chat.agent_send_signal(call.principal, _session_id(session_id), body.get("signal_key"),
                                                   body.get("signal_value"), body.get("target_type"),
                                                   body.get("target_id"))
    return json_response(video_signal(signal), 201)
