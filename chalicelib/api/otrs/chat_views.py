"""The OTRS chat for visitors and customers (seed 000 OTRS-59..79 under `/api/public/chat`, each also in
the `/api/public/chat/{UserID}/...` form, and OTRS-31 under `/api/frontend/external`). The rules live in
core/chat.py; these views find out who is asking and render OTRS's shapes.

Who is asking (the seed secures nothing here, yet documents 403 "Access unauthorized."):
- a customer's token (`Authentication: Bearer`, or the customer cookie), when valid, makes the customer
  user the requester: their chats follow them across browsers;
- otherwise the httpOnly cookie `OTRSChatRequester`, a random secret handed out by request-create (the chat
  stores only its SHA-256), makes an anonymous visitor the requester of the chats they opened;
- in the `{UserID}` forms the UserID (id or login) must name the token's user, else 403.
Without either, calls about a chat answer 403; history answers empty lists and the channel list the
public channels.
"""
from __future__ import annotations

import html
import re
from typing import Any, Optional

from ...core import chat as ch
from ...core.errors import InvalidInput, PermissionDenied
from . import schema
from .routes import Call, frontend_route, message, optional_customer, public_route
from .ticket_views import access_denied, positive_int

REQUESTER_COOKIE = "OTRSChatRequester"
REQUESTER_COOKIE_DAYS = 30
WHOLE_NUMBER = re.compile(r"^[0-9]{1,12}$")
OTRS_STATUS = {ch.REQUEST: "request", ch.WAITING: "request", ch.ACTIVE: "active", ch.CLOSED: "closed"}


def chat_route(path: str, methods: tuple[str, ...] = ("GET",)) -> Any:
    """Register a view under `/chat<path>` and `/chat/{UserID}<path>`; the view gets UserID or None."""
    def decorator(view: Any) -> Any:
        def anonymous_form(call: Call) -> Any:
            return view(call, None)

        def user_form(call: Call, UserID: str) -> Any:
            return view(call, UserID)

        anonymous_form.__name__, user_form.__name__ = f"chat_{view.__name__}", f"chat_{view.__name__}_for_user"
        anonymous_form.__doc__ = user_form.__doc__ = view.__doc__
        public_route(f"/chat{path}", methods=methods, auth=False)(anonymous_form)
        public_route(f"/chat/{{UserID}}{path}", methods=methods, auth=False)(user_form)
        return view
    return decorator


# --- who is asking ---------------------------------------------------------------------------------

def _cookie_secret(call: Call) -> Optional[str]:
    for part in (call.headers.get("cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == REQUESTER_COOKIE and ch.is_requester_secret(value.strip()):
            return value.strip()
    return None


def _requester(call: Call, user_id: Optional[str], name: Any = None) -> Optional[ch.Chatter]:
    """The requester: the signed-in customer, else the visitor whose chat cookie came along; None for an
    anonymous caller without one."""
    customer = optional_customer(call)
    if user_id is not None:
        wanted = user_id.strip().lower()
        if customer is None or wanted not in (str(customer.id), customer.user.login.lower()):
            raise PermissionDenied(ch.ACCESS_UNAUTHORIZED)
    if customer is not None:
        return ch.customer(customer)
    secret = _cookie_secret(call)
    return ch.visitor(secret, name) if secret is not None else None


def _new_visitor(call: Call, name: Any) -> ch.Chatter:
    """An anonymous caller becomes a visitor: a new secret, handed out as the httpOnly chat cookie."""
    secret = ch.new_requester_secret()
    call.response_headers["Set-Cookie"] = (
        f"{REQUESTER_COOKIE}={secret}; Max-Age={REQUESTER_COOKIE_DAYS * 86400}; Path=/api/public/chat; "
        "HttpOnly; Secure; SameSite=Strict")
    return ch.visitor(secret, name)


def _identified(call: Call, user_id: Optional[str]) -> ch.Chatter:
    requester = _requester(call, user_id)
    if requester is None:
        raise PermissionDenied(ch.ACCESS_UNAUTHORIZED)
    return requester


def _chat_id(raw: Any) -> int:
    return positive_int(raw, "ChatID")


# --- rendering --------------------------------------------------------------------------------------

def message_text(text: str) -> str:
    """OTRS's MessageText: HTML, each line ending in `<br/>` (what was written is escaped, never markup)."""
    return html.escape(text, quote=False).replace("\n", "<br/>\n") + "<br/>\n"


def chat_message(m: ch.ChatMessage) -> dict[str, Any]:
    return {"ID": m.id, "MessageText": message_text(m.text), "ChatterID": m.chatter_id, "ChatterName": m.chatter_name,
            "ChatterType": m.chatter_type, "SystemGenerated": 1 if m.system else 0,
            "CreateTime": schema.otrs_time(m.created_at)}


def chat_entry(chat: ch.Chat, messages: list[ch.ChatMessage], has_webrtc: bool) -> dict[str, Any]:
    """S-ChatHistory's Chat."""
    return {"ChatID": chat.id, "ChannelID": chat.channel_id, "Channel": chat.channel_name,
            "Status": OTRS_STATUS[chat.status], "Invitation": 1 if chat.is_invitation else 0, "Order": 0,
            "RequesterID": chat.requester_id, "RequesterName": chat.requester_name,
            "RequesterType": chat.requester_type, "TargetType": chat.target_type, "TicketID": chat.ticket_id,
            "HasWebRTC": "1" if has_webrtc else "0", "CreateTime": schema.otrs_time(chat.created_at),
            "ActiveUsers": [{"ChatterID": p["chatter_id"], "ChatterName": p["name"], "ChatterType": p["type"],
                             "LastMessageTime": schema.otrs_time(p["last_message_at"])}
                            for p in chat.participants if p["active"]],
            "ChatMessages": [chat_message(m) for m in messages]}


def video_signal(signal: ch.VideoSignal) -> dict[str, Any]:
    return {"ChatID": signal.chat_id, "SignalKey": signal.key, "SignalValue": signal.value,
            "TargetID": signal.target_id, "TargetType": signal.target_type, "RequesterID": signal.requester_id,
            "RequesterType": signal.requester_type, "SignalTime": schema.otrs_time(signal.created_at)}


def video_config(config: ch.VideoConfig) -> dict[str, Any]:
    """S-VideoConfig: who the caller is in the chat and the ICE servers for their browser."""
    participant = config.participant
    return {"ChatterType": participant["type"], "ChatterID": participant["chatter_id"],
            "ChatterName": participant["name"], "ChatterActive": 1 if participant["active"] else 0,
            "PermissionLevel": "Owner" if config.owner else "Participant", "Monitoring": 0,
            "Status": 1 if config.chat.status == ch.ACTIVE else 0,
            "TURNServers": {"iceServers": config.ice_servers}}


# --- OTRS-59/70 .. OTRS-69/79 ---------------------------------------------------------------------------

@chat_route("/accept-request", methods=("POST",))
def accept_request(call: Call, user_id: Optional[str]) -> Any:
    """The invited customer accepts an agent's chat request."""
    chat_id = _chat_id(call.optional_body().get("ChatID"))
    call.container.chat.accept_invitation(_identified(call, user_id), chat_id)
    return message("The chat was successfully accepted.")


@chat_route("/available-channels")
def available_channels(call: Call, user_id: Optional[str]) -> Any:
    """Public channels for visitors; every active channel for a signed-in customer."""
    requester = _requester(call, user_id)
    signed_in = requester is not None and requester.principal is not None
    return [{"ID": c.id, "Name": c.name} for c in call.container.chat.available_channels(signed_in)]


@chat_route("/close", methods=("POST",))
def close(call: Call, user_id: Optional[str]) -> Any:
    chat_id = _chat_id(call.optional_body().get("ChatID"))
    call.container.chat.close(_identified(call, user_id), chat_id)
    return message("The chat was successfully closed.")


@chat_route("/history")
def history(call: Call, user_id: Optional[str]) -> Any:
    """S-ChatHistory. `HasWebRTC=1`: the client can do video, so its chats say whether video is offered."""
    raw = call.params.get("HasWebRTC")
    if raw not in (None, "", "0", "1"):
        raise InvalidInput("HasWebRTC must be 0 or 1.", field="HasWebRTC")
    webrtc = raw == "1" and call.container.chat.settings.video_enabled
    requester = _requester(call, user_id)
    found = call.container.chat.history(requester) if requester is not None else ch.History()

    def entries(chats: list[tuple[ch.Chat, list[ch.ChatMessage]]]) -> list[dict[str, Any]]:
        return [chat_entry(chat, messages, webrtc) for chat, messages in chats]
    return {"Active": entries(found.active), "Closed": entries(found.closed),
            "IncomingRequests": entries(found.incoming), "OutgoingRequests": entries(found.outgoing)}


@chat_route("/request-create", methods=("POST",))
def request_create(call: Call, user_id: Optional[str]) -> Any:
    """A chat request to the agents; an anonymous caller gets the requester cookie with the answer."""
    body = call.optional_body()
    channel_id = positive_int(body["ChatChannelID"], "ChatChannelID") \
        if body.get("ChatChannelID") not in (None, "") else None
    ticket_id = positive_int(body["TicketID"], "TicketID") if body.get("TicketID") not in (None, "", 0, "0") else 0
    requester = _requester(call, user_id, body.get("Name")) or _new_visitor(call, body.get("Name"))
    chat = call.container.chat.request(requester, body.get("Message"), channel_id, ticket_id)
    return {"ChatID": chat.id}


@chat_route("/send-mail", methods=("POST",))
def send_mail(call: Call, user_id: Optional[str]) -> Any:
    body = call.optional_body()
    chat_id = _chat_id(body.get("ChatID"))
    call.container.chat.send_transcript(_identified(call, user_id), chat_id, body.get("Email"))
    return message("The chat history email was successfully sent.")


@chat_route("/send-message", methods=("POST",))
def send_message(call: Call, user_id: Optional[str]) -> Any:
    body = call.optional_body()
    chat_id = _chat_id(body.get("ChatID"))
    call.container.chat.send(_identified(call, user_id), chat_id, body.get("Message"))
    return message("The chat message was successfully sent.")


@chat_route("/video/config")
def get_video_config(call: Call, user_id: Optional[str]) -> Any:
    chat_id = _chat_id(call.params.get("ChatID"))
    return video_config(call.container.chat.video_config(_identified(call, user_id), chat_id))


@chat_route("/video/signal")
def receive_video_signals(call: Call, user_id: Optional[str]) -> Any:
    """The signals waiting for the caller; each is delivered once."""
    chat_id = _chat_id(call.params.get("ChatID"))
    return [video_signal(s) for s in call.container.chat.take_signals(_identified(call, user_id), chat_id)]


@chat_route("/video/signal", methods=("POST",))
def send_video_signal(call: Call, user_id: Optional[str]) -> Any:
    body = call.optional_body()
    chat_id = _chat_id(body.get("ChatID"))
    call.container.chat.send_signal(_identified(call, user_id), chat_id, body.get("SignalKey"),
                                    body.get("SignalValue"), body.get("TargetType"), body.get("TargetID"))
    return message("Signal sent successfully.")


# --- OTRS-62 config -------------------------------------------------------------------------------------------

@public_route("/chat/config", auth=False)
def chat_config(call: Call) -> Any:
    """The chat feature's configuration, from the settings."""
    settings = call.container.chat.settings
    video = 1 if settings.video_enabled else 0
    return {"ChatEngine::ChatDirection::PublicToAgent": 1, "ChatEngine::ChatDirection::CustomerToAgent": 1,
            "ChatEngine::ChatIntegration::VideoChatEnabled": video,
            "ChatEngine::ExternalFrontend::VideoChatEnabled": video,
            "ChatEngine::ExternalFrontend::NoAnswerThreshold": settings.no_answer_minutes,
            "ChatEngine::DefaultAgentName": settings.default_agent_name,
            "ChatEngine::DefaultAgentNameNumbers": 0,
            "ChatEngine::ExternalFrontend::AllowChatChannels": 1}


# --- OTRS-31 ------------------------------------------------------------------------------------------------------

@frontend_route("/chat/{FromChatID}/messages")
def chat_messages(call: Call, FromChatID: str) -> Any:
    """The messages of the signed-in customer's chat `FromChatID`, in order; `FromMessageID=n` (optional)
    returns only those after message n, for a client polling for new ones. Other chats: 403 Access denied."""
    after = call.params.get("FromMessageID") or "0"
    if not WHOLE_NUMBER.fullmatch(after):
        raise InvalidInput("FromMessageID must be a whole number.", field="FromMessageID")
    if not WHOLE_NUMBER.fullmatch(FromChatID) or int(FromChatID) < 1:
        raise access_denied()
    try:
        _, messages = call.container.chat.messages(ch.customer(call.customer), int(FromChatID), int(after))
    except PermissionDenied:
        raise access_denied() from None
    return [chat_message(m) for m in messages]
