"""The chat: channels (Zammad's chat topics), chats between a requester and agents, their messages,
transcripts by mail and WebRTC video signalling (seed 000's `/api/public/chat`, the agents' side under
Zammad's /api/v1).

A chat moves through four states:
- `waiting`: a visitor's or customer's request, queued for an agent of its channel (OTRS "request",
  listed under the requester's OutgoingRequests);
- `request`: an agent's invitation to a customer user, waiting for that customer to accept it (OTRS
  "request", under the invited customer's IncomingRequests; accept-request answers it);
- `active`: an agent and the customer talk;
- `closed`: either side left; nobody can write any more, the transcript can still be mailed.

Who is who: every participant is a `Chatter` with a storage key (`visitor#<sha256 of the requester
secret>`, `customer#<user id>`, `agent#<user id>`). An anonymous visitor proves to be the requester of a
chat only by the random secret handed out when the chat was created (only its hash is stored); a signed-in
customer by the token. Anybody else gets 403 "Access unauthorized." and learns nothing about the chat.

Messages are numbered 1, 2, 3... per chat (the chat's `last_seq`, advanced in the same conditional write
that stores the message, so two writers never take the same number and a message never lands in a chat
closed meanwhile). Video signals wait for their target and are consumed when it reads them.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Optional

from . import policy
from .errors import Conflict, DomainError, InvalidInput, NotFound, OperationFailed, PermissionDenied
from .model import Mail, Principal, User
from .ports import ChatRepository, Clock, IdAllocator, Mailer
from .text import MAIL_ADDRESS, MAX_MAIL_ADDRESS
from .users import iso

REQUEST, WAITING, ACTIVE, CLOSED = "request", "waiting", "active", "closed"
STATUSES = (REQUEST, WAITING, ACTIVE, CLOSED)
OPEN_STATUSES = (REQUEST, WAITING, ACTIVE)
CUSTOMER, AGENT = "Customer", "User"   # OTRS's ChatterType / RequesterType / TargetType values

ACCESS_UNAUTHORIZED = "Access unauthorized."
VIDEO_DISABLED = "Video chat feature is disabled."
NOT_AS_REQUEST = ("ChatNotAsRequest", "The system was unable to process the chat request!")
TARGET_TYPE_DONT_MATCH = ("ChatTargetTypeDontMatch", "The system was unable to process the chat request!")
COULD_NOT_CLOSE = ("CouldNotCloseChat", "The system was unable to close the chat!")
NO_DEFAULT_CHANNEL = ("NoDefaultChatChannelDefined", "No default chat channel found!")
COULD_NOT_MAIL = ("CouldNotSendChatMail", "The system was unable to send the chat history email!")
ALREADY_CLOSED = ("ChatAlreadyClosed", "The chat is already closed, it is not possible to send any more messages!")
TOO_BIG = ("ChatMessageTooBig", "The chat message is too big!")
COULD_NOT_SEND = ("CouldNotSendMessage", "The system was unable to send the chat message!")
SENDING_FAILED = ("SendingFailed", "The system was unable to send video chat signal data.")

WRITE_ATTEMPTS = 3            # a chat write lost to a concurrent one is retried on a fresh read this often
HISTORY_CHATS = 20            # a requester's history shows their newest chats, this many per list read
SEARCH_WINDOW = 200           # agent search looks at the newest chats of each channel and state, this many
SIGNAL_TTL_SECONDS = 3600     # an unread video signal is stale after an hour
MAX_SIGNAL_BYTES = 32_000     # an SDP offer is a few KB; far below DynamoDB's item limit
TURN_CREDENTIAL_SECONDS = 24 * 3600
SIGNAL_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_NAME = 100


@dataclass
class ChatChannel:
    """A chat topic (Zammad's `chats`): `public` channels are offered to anonymous visitors too, the others
    only to signed-in customers; `max_queue` bounds how many requests may wait in it."""
    id: int
    name: str
    note: str = ""
    active: bool = True
    public: bool = True
    max_queue: int = 5
    created_by_id: int = 1
    updated_by_id: int = 1
    created_at: str = ""
    updated_at: str = ""
    version: int = 0


@dataclass(frozen=True)
class Chatter:
    """Somebody who takes part in chats, as the chat shows them (`chatter_id`, `name`, `type`) and as it
    recognises them (`key`). `principal` is set for signed-in users."""
    key: str
    chatter_id: str
    name: str
    type: str
    principal: Optional[Principal] = None

    @property
    def user_id(self) -> Optional[int]:
        return self.principal.id if self.principal else None


@dataclass
class Chat:
    """A chat's header. `participants` are dicts (key, chatter_id, name, type, user_id, active,
    last_message_at) so that the stored document stays plain JSON."""
    id: int
    channel_id: int
    channel_name: str
    status: str
    requester_key: str
    requester_id: str
    requester_name: str
    requester_type: str
    target_type: str                  # AGENT: a request to the agents; CUSTOMER: an agent's invitation
    target_key: str = ""              # the invited customer's key (invitations only)
    customer_id: Optional[int] = None  # the customer user the chat is with, when signed in
    agent_id: Optional[int] = None     # the agent who accepted (or sent the invitation)
    ticket_id: int = 0
    participants: list[dict[str, Any]] = field(default_factory=list)
    last_seq: int = 0
    preview: str = ""                  # the first message, for agents' lists and search
    created_at: str = ""
    updated_at: str = ""
    closed_at: Optional[str] = None
    version: int = 0

    @property
    def is_invitation(self) -> bool:
        return self.target_type == CUSTOMER

    def participant(self, key: str) -> Optional[dict[str, Any]]:
        return next((p for p in self.participants if p["key"] == key), None)


@dataclass(frozen=True)
class ChatMessage:
    """One message; `id` counts per chat. `text` is what was written (plain text; dialects escape it)."""
    id: int
    chat_id: int
    text: str
    chatter_key: str
    chatter_id: str
    chatter_name: str
    chatter_type: str
    system: bool
    created_at: str
    user_id: Optional[int] = None


@dataclass(frozen=True)
class VideoSignal:
    """A WebRTC signalling message (offer, answer, ICE candidate, invite...) waiting for its target."""
    chat_id: int
    key: str
    value: Any
    target_key: str
    target_type: str
    target_id: str
    requester_type: str
    requester_id: str
    created_at: str
    expires_at: int   # epoch seconds


@dataclass(frozen=True)
class ChatSettings:
    max_message_chars: int = 4000
    closed_ttl_days: int = 90
    video_enabled: bool = True
    default_agent_name: str = ""      # shown instead of agents' names when set
    no_answer_minutes: int = 5
    ice_servers: tuple[str, ...] = ()  # stun:/turn: URLs without credentials
    turn_url: str = ""                 # a TURN server sharing `turn_secret` (TURN REST API credentials)
    turn_secret: str = ""


@dataclass
class History:
    """A requester's chats as OTRS's history groups them, each with its messages."""
    active: list[tuple[Chat, list[ChatMessage]]] = field(default_factory=list)
    closed: list[tuple[Chat, list[ChatMessage]]] = field(default_factory=list)
    incoming: list[tuple[Chat, list[ChatMessage]]] = field(default_factory=list)
    outgoing: list[tuple[Chat, list[ChatMessage]]] = field(default_factory=list)


@dataclass(frozen=True)
class VideoConfig:
    chat: Chat
    participant: dict[str, Any]
    owner: bool
    ice_servers: list[dict[str, str]]


@dataclass
class ChannelInput:
    """What an admin may set on a channel; None leaves a field as it is (update) or at its default."""
    name: Optional[str] = None
    note: Optional[str] = None
    active: Optional[bool] = None
    public: Optional[bool] = None
    max_queue: Optional[int] = None


# --- identities ----------------------------------------------------------------------------------

def new_requester_secret() -> str:
    """The random secret that makes an anonymous visitor the requester of their chats (43 url-safe chars)."""
    return secrets.token_urlsafe(32)


def is_requester_secret(value: Optional[str]) -> bool:
    return bool(value) and bool(SECRET.fullmatch(value or ""))


def visitor(secret: str, name: str = "") -> Chatter:
    """An anonymous visitor known by their secret: the key holds only its SHA-256."""
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return Chatter(key=f"visitor#{digest}", chatter_id=f"public-{digest[:12]}",
                   name=clean_name(name) or "Visitor", type=CUSTOMER)


def customer(principal: Principal) -> Chatter:
    return Chatter(key=f"customer#{principal.id}", chatter_id=principal.user.login,
                   name=principal.user.fullname, type=CUSTOMER, principal=principal)


def clean_name(name: Any) -> str:
    if name is None:
        return ""
    if not isinstance(name, str):
        raise InvalidInput("Name must be a string.", field="Name")
    return " ".join(name.split())[:MAX_NAME]


def joined(name: str) -> str:
    return f"{name} has joined this chat."


def left(name: str) -> str:
    return f"{name} has left this chat."


class ChatService:
    def __init__(self, store: ChatRepository, ids: IdAllocator, clock: Clock, mailer: Mailer,
                 settings: ChatSettings, ticket_readable: Callable[[Principal, int], bool],
                 user_by_id: Callable[[int], Optional[User]]) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._mailer = mailer
        self.settings = settings
        self._ticket_readable = ticket_readable
        self._user_by_id = user_by_id

    def agent(self, principal: Principal) -> Chatter:
        """An agent as chats show them: the configured default agent name, else their own."""
        return Chatter(key=f"agent#{principal.id}", chatter_id=str(principal.id),
                       name=self.settings.default_agent_name or principal.user.fullname, type=AGENT,
                       principal=principal)

    # --- channels --------------------------------------------------------------------------------

    def available_channels(self, signed_in: bool) -> list[ChatChannel]:
        """Active channels a requester may choose: public ones for visitors, every active one for customers."""
        return [c for c in self._store.channels() if c.active and (c.public or signed_in)]

    def channels(self, principal: Principal) -> list[ChatChannel]:
        policy.require(policy.can_work_chats(principal) or policy.can_manage_chat_channels(principal))
        return self._store.channels()

    def channel(self, principal: Principal, channel_id: int) -> ChatChannel:
        policy.require(policy.can_work_chats(principal) or policy.can_manage_chat_channels(principal))
        found = self._store.channel(channel_id)
        if found is None:
            raise NotFound("Chat", channel_id)
        return found

    def save_channel(self, principal: Principal, channel_id: Optional[int], data: ChannelInput) -> ChatChannel:
        """Create (`channel_id` None) or change a channel; the name is required and unique."""
        policy.require(policy.can_manage_chat_channels(principal))
        now = iso(self._clock)
        if channel_id is None:
            channel = ChatChannel(id=0, name="", created_by_id=principal.id, created_at=now)
        else:
            current = self._store.channel(channel_id)
            if current is None:
                raise NotFound("Chat", channel_id)
            channel = current
        if data.name is not None:
            channel.name = " ".join(str(data.name).split())[:MAX_NAME]
        if not channel.name:
            raise InvalidInput("name is required.", field="name")
        if any(c.name.casefold() == channel.name.casefold() and c.id != channel.id for c in self._store.channels()):
            raise InvalidInput(f"A chat topic named '{channel.name}' exists already.", field="name")
        if data.note is not None:
            channel.note = str(data.note)[:5000]
        if data.active is not None:
            channel.active = bool(data.active)
        if data.public is not None:
            channel.public = bool(data.public)
        if data.max_queue is not None:
            queue = data.max_queue
            if isinstance(queue, bool) or not isinstance(queue, int) or not 1 <= queue <= 1000:
                raise InvalidInput("max_queue must be a whole number between 1 and 1000.", field="max_queue")
            channel.max_queue = data.max_queue
        channel.updated_by_id, channel.updated_at = principal.id, now
        expected = channel.version
        if channel.id == 0:
            channel.id = self._ids.next_id("chat_channel")
        self._store.put_channel(channel, expected)
        return channel

    def delete_channel(self, principal: Principal, channel_id: int) -> None:
        """Only a channel without open chats: their requesters would be left waiting for nobody."""
        policy.require(policy.can_manage_chat_channels(principal))
        channel = self._store.channel(channel_id)
        if channel is None:
            raise NotFound("Chat", channel_id)
        if any(self._store.by_state(channel_id, status, 0, 1) for status in OPEN_STATUSES):
            raise InvalidInput("The chat topic still has open chats; close them or deactivate the topic.",
                               field="id")
        self._store.delete_channel(channel_id, channel.version)

    # --- requesters (the public side) --------------------------------------------------------------

    def request(self, requester: Chatter, text: Any, channel_id: Optional[int] = None, ticket_id: int = 0) -> Chat:
        """A chat request to the agents of a channel (the first available one unless named), with the
        requester's first message; it waits until an agent accepts it."""
        text = self._text(text, too_big=InvalidInput(TOO_BIG[1], field="Message"))
        channel = self._requested_channel(requester, channel_id)
        if ticket_id and (requester.principal is None or not self._ticket_readable(requester.principal, ticket_id)):
            raise InvalidInput("TicketID is not a ticket of yours.", field="TicketID")
        if len(self._store.by_state(channel.id, WAITING, 0, channel.max_queue)) >= channel.max_queue:
            raise InvalidInput("All agents of this chat channel are busy, please try again later.",
                               field="ChatChannelID")
        now = iso(self._clock)
        chat = Chat(id=self._ids.next_id("chat"), channel_id=channel.id, channel_name=channel.name, status=WAITING,
                    requester_key=requester.key, requester_id=requester.chatter_id,
                    requester_name=requester.name, requester_type=requester.type, target_type=AGENT,
                    customer_id=requester.user_id, ticket_id=ticket_id, preview=text[:200],
                    created_at=now, updated_at=now)
        self._join(chat, requester, now)
        messages = [self._message(chat, requester, joined(requester.name), now, system=True),
                    self._message(chat, requester, text, now)]
        self._store.create(chat, messages)
        return chat

    def _requested_channel(self, requester: Chatter, channel_id: Optional[int]) -> ChatChannel:
        available = self.available_channels(requester.principal is not None)
        if channel_id is None:
            if not available:
                raise OperationFailed(*NO_DEFAULT_CHANNEL)
            return available[0]
        chosen = next((c for c in available if c.id == channel_id), None)
        if chosen is None:
            raise InvalidInput("ChatChannelID is not an available chat channel.", field="ChatChannelID")
        return chosen

    def accept_invitation(self, requester: Chatter, chat_id: int) -> Chat:
        """The invited customer accepts an agent's chat request (OTRS accept-request)."""
        def change(chat: Chat, now: str) -> list[ChatMessage]:
            if chat.status != REQUEST or not chat.is_invitation:
                self._visible(chat, requester)  # a stranger learns nothing about other chats
                raise OperationFailed(*NOT_AS_REQUEST)
            if chat.target_key != requester.key:
                raise OperationFailed(*TARGET_TYPE_DONT_MATCH)
            chat.status = ACTIVE
            self._join(chat, requester, now)
            return [self._message(chat, requester, joined(requester.name), now, system=True)]
        return self._change(chat_id, change, OperationFailed(*NOT_AS_REQUEST), missing=self._unauthorized())[0]

    def send(self, requester: Chatter, chat_id: int, text: Any) -> ChatMessage:
        """A message from the requester (or the invited customer, once they accepted)."""
        def change(chat: Chat, now: str) -> list[ChatMessage]:
            self._visible(chat, requester)
            return [self._write(chat, requester, text, now)]
        return self._change(chat_id, change, OperationFailed(*COULD_NOT_SEND), missing=self._unauthorized())[1][0]

    def close(self, requester: Chatter, chat_id: int) -> Chat:
        """The requester leaves (or the invited customer declines): nobody can write any more."""
        def change(chat: Chat, now: str) -> list[ChatMessage]:
            self._visible(chat, requester)
            return self._close(chat, requester, now)
        chat, _ = self._change(chat_id, change, OperationFailed(*COULD_NOT_CLOSE), missing=self._unauthorized())
        self._expire(chat)
        return chat

    def history(self, requester: Chatter) -> History:
        """The requester's newest chats and the invitations sent to them, each with its messages."""
        history = History()
        seen: set[int] = set()
        mine = self._store.by_requester(requester.key, HISTORY_CHATS)
        invited = self._store.by_target(requester.key, HISTORY_CHATS)
        for chat in sorted([*mine, *invited], key=lambda c: c.id):
            if chat.id in seen:
                continue
            seen.add(chat.id)
            entry = (chat, self._store.messages(chat.id))
            if chat.status == ACTIVE:
                history.active.append(entry)
            elif chat.status == CLOSED:
                history.closed.append(entry)
            elif chat.status == REQUEST and chat.target_key == requester.key:
                history.incoming.append(entry)
            elif chat.requester_key == requester.key:
                history.outgoing.append(entry)
        return history

    def messages(self, requester: Chatter, chat_id: int, after: int = 0) -> tuple[Chat, list[ChatMessage]]:
        """A chat of the requester's with its messages numbered above `after` (a client polling for more)."""
        chat = self._own(requester, chat_id)
        return chat, self._store.messages(chat.id, after)

    def send_transcript(self, requester: Chatter, chat_id: int, email: Any) -> Mail:
        """Mail the chat's messages to an address the requester gives (OTRS send-mail)."""
        if not isinstance(email, str) or not MAIL_ADDRESS.fullmatch(email.strip()) or len(email) > MAX_MAIL_ADDRESS:
            raise InvalidInput("Email must be a valid email address.", field="Email")
        chat, messages = self.messages(requester, chat_id)
        lines = [f"[{m.created_at[:10]} {m.created_at[11:19]}] {m.chatter_name}: {m.text}" for m in messages]
        mail = Mail(to=(email.strip(),), subject=f"Chat transcript #{chat.id} ({chat.channel_name})",
                    body="\n".join([f"Your chat #{chat.id} in '{chat.channel_name}':", "", *lines, ""]))
        try:
            self._mailer.send(mail)
        except Exception as error:  # any transport failure is the documented E900, never a 500
            raise OperationFailed(*COULD_NOT_MAIL) from error
        return mail

    # --- video --------------------------------------------------------------------------------------

    def video_config(self, chatter: Chatter, chat_id: int) -> VideoConfig:
        """What the caller's browser needs to set up the call: who they are in the chat and the ICE servers."""
        self._video_enabled()
        chat = self._own(chatter, chat_id)
        participant = chat.participant(chatter.key)
        if participant is None:  # an invited customer before accepting
            raise PermissionDenied(ACCESS_UNAUTHORIZED)
        return VideoConfig(chat, participant, chatter.key == chat.requester_key, self._ice_servers(chatter))

    def _ice_servers(self, chatter: Chatter) -> list[dict[str, str]]:
        servers = [{"url": url} for url in self.settings.ice_servers]
        if self.settings.turn_url and self.settings.turn_secret:
            username = f"{int(self._clock.now().timestamp()) + TURN_CREDENTIAL_SECONDS}:{chatter.chatter_id}"
            digest = hmac.new(self.settings.turn_secret.encode(), username.encode(), hashlib.sha1).digest()
            credential = base64.b64encode(digest).decode()
            for transport in ("udp", "tcp"):
                servers.append({"url": f"{self.settings.turn_url}?transport={transport}", "username": username,
                                "credential": credential})
        return servers

    def send_signal(self, chatter: Chatter, chat_id: int, key: Any, value: Any, target_type: Any,
                    target_id: Any) -> VideoSignal:
        """A signal from one participant of an active chat to another; it waits until the target reads it."""
        self._video_enabled()
        if not isinstance(key, str) or not SIGNAL_KEY.fullmatch(key):
            raise InvalidInput("SignalKey must be a name of letters, digits, '_' and '-'.", field="SignalKey")
        if value is None or value == "" or len(json.dumps(value)) > MAX_SIGNAL_BYTES:
            raise InvalidInput(f"SignalValue is required and at most {MAX_SIGNAL_BYTES} bytes.", field="SignalValue")
        if target_type not in (CUSTOMER, AGENT):
            raise InvalidInput(f"TargetType must be {CUSTOMER} or {AGENT}.", field="TargetType")
        chat = self._own(chatter, chat_id)
        me = chat.participant(chatter.key)
        if chat.status != ACTIVE or me is None or not me["active"]:  # nobody to call, or the call is over
            raise OperationFailed(*SENDING_FAILED)
        target = next((p for p in chat.participants if p["active"] and p["type"] == target_type
                       and p["chatter_id"] == str(target_id) and p["key"] != chatter.key), None)
        if target is None:
            raise InvalidInput("TargetID is not another participant of this chat.", field="TargetID")
        now = self._clock.now()
        signal = VideoSignal(chat.id, key, value, target["key"], target["type"], target["chatter_id"], chatter.type,
                             chatter.chatter_id, iso(self._clock), int(now.timestamp()) + SIGNAL_TTL_SECONDS)
        try:
            self._store.add_signal(signal)
        except DomainError as error:
            raise OperationFailed(*SENDING_FAILED) from error
        return signal

    def take_signals(self, chatter: Chatter, chat_id: int) -> list[VideoSignal]:
        """The signals waiting for the caller in the chat, oldest first; reading them removes them."""
        self._video_enabled()
        chat = self._own(chatter, chat_id)
        now = int(self._clock.now().timestamp())
        return [s for s in self._store.take_signals(chat.id, chatter.key) if s.expires_at > now]

    def _video_enabled(self) -> None:
        if not self.settings.video_enabled:
            raise PermissionDenied(VIDEO_DISABLED)

    # --- agents (Zammad's chat_sessions) -------------------------------------------------------------

    def sessions(self, principal: Principal, status: str, offset: int, limit: int) -> list[Chat]:
        """Chats in one state over all channels: waiting ones oldest first (the queue), others newest first."""
        policy.require(policy.can_work_chats(principal))
        if status not in STATUSES:
            raise InvalidInput(f"state must be one of {', '.join(STATUSES)}.", field="state")
        oldest_first = status == WAITING
        found: list[Chat] = []
        for channel in self._store.channels():
            found += self._store.by_state(channel.id, status, 0, offset + limit, newest_first=not oldest_first)
        found.sort(key=lambda c: c.id, reverse=not oldest_first)
        return found[offset:offset + limit]

    def session(self, principal: Principal, chat_id: int) -> tuple[Chat, list[ChatMessage]]:
        policy.require(policy.can_work_chats(principal))
        chat = self._store.get(chat_id)
        if chat is None:
            raise NotFound("Chat::Session", chat_id)
        return chat, self._store.messages(chat_id)

    def search(self, principal: Principal, query: str, limit: int) -> list[Chat]:
        """Chats whose requester, channel, chatter id or first message contains the query (case-insensitive),
        newest first, among the newest SEARCH_WINDOW chats of each channel and state (no table scan)."""
        policy.require(policy.can_work_chats(principal))
        needle = query.strip().casefold()
        found: dict[int, Chat] = {}
        for channel in self._store.channels():
            for status in STATUSES:
                for chat in self._store.by_state(channel.id, status, 0, SEARCH_WINDOW, newest_first=True):
                    text = " ".join((chat.requester_name, chat.requester_id, chat.channel_name, chat.preview))
                    if needle in text.casefold():
                        found[chat.id] = chat
        return sorted(found.values(), key=lambda c: c.id, reverse=True)[:limit]

    def accept(self, principal: Principal, chat_id: int) -> Chat:
        """An agent takes a waiting chat: it becomes active with them in it."""
        policy.require(policy.can_work_chats(principal))
        agent = self.agent(principal)

        def change(chat: Chat, now: str) -> list[ChatMessage]:
            if chat.status != WAITING:
                raise InvalidInput(f"The chat is {chat.status}, not waiting for an agent.", field="state")
            chat.status, chat.agent_id = ACTIVE, principal.id
            self._join(chat, agent, now)
            return [self._message(chat, agent, joined(agent.name), now, system=True)]
        return self._change(chat_id, change, Conflict("The chat was changed meanwhile, please retry."))[0]

    def reply(self, principal: Principal, chat_id: int, text: Any) -> ChatMessage:
        """A message from an agent in the chat (the one who accepted it or sent the invitation)."""
        policy.require(policy.can_work_chats(principal))
        agent = self.agent(principal)

        def change(chat: Chat, now: str) -> list[ChatMessage]:
            self._agent_in(chat, agent)
            return [self._write(chat, agent, text, now)]
        return self._change(chat_id, change, Conflict("The chat was changed meanwhile, please retry."))[1][0]

    def agent_close(self, principal: Principal, chat_id: int) -> Chat:
        """The agent in the chat (or an admin) ends it."""
        policy.require(policy.can_work_chats(principal))
        agent = self.agent(principal)

        def change(chat: Chat, now: str) -> list[ChatMessage]:
            if not principal.is_admin:
                self._agent_in(chat, agent)
            if chat.status == CLOSED:
                raise InvalidInput("The chat is already closed.", field="state")
            return self._close(chat, agent, now)
        chat, _ = self._change(chat_id, change, Conflict("The chat was changed meanwhile, please retry."))
        self._expire(chat)
        return chat

    def invite(self, principal: Principal, channel_id: int, customer_id: int, text: Any) -> Chat:
        """An agent asks a customer user to chat; the customer answers with accept-request (or close)."""
        policy.require(policy.can_work_chats(principal))
        text = self._text(text, too_big=InvalidInput(TOO_BIG[1], field="content"))
        channel = self._store.channel(channel_id)
        if channel is None or not channel.active:
            raise InvalidInput("chat_id is not an active chat topic.", field="chat_id")
        user = self._user_by_id(customer_id)
        if user is None or not user.active or "ticket.customer" not in user.permissions \
                or "ticket.agent" in user.permissions:
            raise InvalidInput("customer_id is not an active customer user.", field="customer_id")
        agent = self.agent(principal)
        now = iso(self._clock)
        chat = Chat(id=self._ids.next_id("chat"), channel_id=channel.id, channel_name=channel.name, status=REQUEST,
                    requester_key=agent.key, requester_id=agent.chatter_id, requester_name=agent.name,
                    requester_type=AGENT, target_type=CUSTOMER, target_key=f"customer#{user.id}",
                    customer_id=user.id, agent_id=principal.id, preview=text[:200], created_at=now, updated_at=now)
        self._join(chat, agent, now)
        self._store.create(chat, [self._message(chat, agent, joined(agent.name), now, system=True),
                                  self._message(chat, agent, text, now)])
        return chat

    def agent_video_config(self, principal: Principal, chat_id: int) -> VideoConfig:
        policy.require(policy.can_work_chats(principal))
        return self.video_config(self.agent(principal), chat_id)

    def agent_take_signals(self, principal: Principal, chat_id: int) -> list[VideoSignal]:
        policy.require(policy.can_work_chats(principal))
        return self.take_signals(self.agent(principal), chat_id)

    def agent_send_signal(self, principal: Principal, chat_id: int, key: Any, value: Any, target_type: Any,
                          target_id: Any) -> VideoSignal:
        policy.require(policy.can_work_chats(principal))
        return self.send_signal(self.agent(principal), chat_id, key, value, target_type, target_id)

    # --- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _unauthorized() -> PermissionDenied:
        return PermissionDenied(ACCESS_UNAUTHORIZED)

    def _own(self, chatter: Chatter, chat_id: int) -> Chat:
        chat = self._store.get(chat_id)
        if chat is None:
            raise self._unauthorized()
        self._visible(chat, chatter)
        return chat

    def _visible(self, chat: Chat, chatter: Chatter) -> None:
        """The requester, the invited customer and the chat's participants see a chat; nobody else."""
        if chatter.key not in (chat.requester_key, chat.target_key) and chat.participant(chatter.key) is None:
            raise self._unauthorized()

    @staticmethod
    def _agent_in(chat: Chat, agent: Chatter) -> None:
        if chat.participant(agent.key) is None:
            raise PermissionDenied("You are not in this chat; accept it first.")

    def _text(self, text: Any, too_big: DomainError) -> str:
        if not isinstance(text, str) or not text.strip():
            field_name = too_big.details.get("field") or "Message"
            raise InvalidInput(f"{field_name} is required.", field=field_name)
        text = text.replace("\r\n", "\n").strip()
        if len(text) > self.settings.max_message_chars:
            raise too_big
        return text

    def _write(self, chat: Chat, chatter: Chatter, text: Any, now: str) -> ChatMessage:
        """A message by a participant: refused in a closed chat, when too big, or before they joined. The
        customer side gets OTRS's documented E900s; agents (Zammad's side) plain 422 / 403."""
        if chat.status == CLOSED:
            raise OperationFailed(*ALREADY_CLOSED) if chatter.type == CUSTOMER else \
                InvalidInput("The chat is already closed.", field="state")
        checked = self._text(text, too_big=OperationFailed(*TOO_BIG) if chatter.type == CUSTOMER else
                             InvalidInput(TOO_BIG[1], field="content"))
        participant = chat.participant(chatter.key)
        if participant is None or not participant["active"]:
            raise OperationFailed(*COULD_NOT_SEND) if chatter.type == CUSTOMER else \
                PermissionDenied("You are not in this chat; accept it first.")
        return self._message(chat, chatter, checked, now)

    def _close(self, chat: Chat, chatter: Chatter, now: str) -> list[ChatMessage]:
        if chat.status == CLOSED:
            raise OperationFailed(*COULD_NOT_CLOSE)
        chat.status, chat.closed_at = CLOSED, now
        for participant in chat.participants:
            participant["active"] = False
        name = (chat.participant(chatter.key) or {}).get("name", chatter.name)
        return [self._message(chat, chatter, left(name), now, system=True)]

    @staticmethod
    def _join(chat: Chat, chatter: Chatter, now: str) -> None:
        present = chat.participant(chatter.key)
        if present is not None:
            present["active"] = True
            return
        chat.participants.append({"key": chatter.key, "chatter_id": chatter.chatter_id, "name": chatter.name,
                                  "type": chatter.type, "user_id": chatter.user_id, "active": True,
                                  "last_message_at": now})

    @staticmethod
    def _message(chat: Chat, chatter: Chatter, text: str, now: str, system: bool = False) -> ChatMessage:
        """The chat's next message; advances `last_seq` (stored with it in one conditional write)."""
        chat.last_seq += 1
        chat.updated_at = now
        participant = chat.participant(chatter.key)
        if participant is not None and not system:
            participant["last_message_at"] = now
        name = participant["name"] if participant else chatter.name
        return ChatMessage(id=chat.last_seq, chat_id=chat.id, text=text, chatter_key=chatter.key,
                           chatter_id=chatter.chatter_id, chatter_name=name, chatter_type=chatter.type,
                           system=system, created_at=now, user_id=chatter.user_id if chatter.type == AGENT else None)

    def _change(self, chat_id: int, change: Callable[[Chat, str], list[ChatMessage]], failure: DomainError,
                missing: Optional[DomainError] = None) -> tuple[Chat, list[ChatMessage]]:
        """Read the chat, apply `change` (which checks access and state, and makes the new messages), write
        header and messages in one write conditional on the version read; on a lost race read again."""
        for _ in range(WRITE_ATTEMPTS):
            chat = self._store.get(chat_id)
            if chat is None:
                raise missing or NotFound("Chat::Session", chat_id)
            expected = chat.version
            messages = change(chat, iso(self._clock))
            try:
                self._store.save(chat, expected, messages)
            except Conflict:
                continue
            return chat, messages
        raise failure

    def _expire(self, chat: Chat) -> None:
        """A closed chat and its messages go after `closed_ttl_days` (TTL and the expiry index)."""
        if self.settings.closed_ttl_days > 0:
            until = self._clock.now() + timedelta(days=self.settings.closed_ttl_days)
            self._store.expire(chat.id, int(until.timestamp()))
