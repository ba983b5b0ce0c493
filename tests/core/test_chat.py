"""core/chat.py on fakes: the chat's states, who may read and write which chat, message order and
limits, transcripts, invitations, video signals, the agents' side and channel administration."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

import pytest

from chalicelib.core import chat as ch
from chalicelib.core.errors import InvalidInput, NotFound, OperationFailed, PermissionDenied
from chalicelib.core.model import Principal
from tests.core.fakes import FailingMailer, FakeChatStore, World, make_world

SECRET_A, SECRET_B = ch.new_requester_secret(), ch.new_requester_secret()


class Setup:
    def __init__(self, w: World, settings: Optional[ch.ChatSettings] = None) -> None:
        self.w = w
        self.store = FakeChatStore()
        self.mailer = FailingMailer()

        def readable(principal: Principal, ticket_id: int) -> bool:
            try:
                w.tickets.get(principal, ticket_id)
            except (NotFound, PermissionDenied):
                return False
            return True

        self.chat = ch.ChatService(self.store, w.ids, w.clock, self.mailer, settings or ch.ChatSettings(),
                                   readable, w.user_repo.get)

    def channel(self, name: str = "Support", **values: object) -> ch.ChatChannel:
        return self.chat.save_channel(self.w.admin, None, ch.ChannelInput(name=name, **values))


@pytest.fixture()
def w() -> World:
    return make_world()


@pytest.fixture()
def s(w: World) -> Setup:
    return Setup(w)


def identifier(error: pytest.ExceptionInfo) -> str:
    assert isinstance(error.value, OperationFailed)
    return error.value.identifier


visitor_a = ch.visitor(SECRET_A, "Theo Test")
visitor_b = ch.visitor(SECRET_B, "Someone Else")


# --- channels ------------------------------------------------------------------------------------------

def test_no_channel_means_no_default_channel(s: Setup) -> None:
    with pytest.raises(OperationFailed) as error:
        s.chat.request(visitor_a, "help")
    assert identifier(error) == "NoDefaultChatChannelDefined"


def test_only_admins_manage_channels(w: World, s: Setup) -> None:
    for principal in (w.agent, w.customer_a):
        with pytest.raises(PermissionDenied):
            s.chat.save_channel(principal, None, ch.ChannelInput(name="Sales"))
    channel = s.channel()
    assert s.chat.channels(w.agent) == [channel]
    with pytest.raises(PermissionDenied):
        s.chat.channels(w.customer_a)
    with pytest.raises(InvalidInput):
        s.channel("support")  # names are unique regardless of case
    with pytest.raises(InvalidInput):
        s.chat.save_channel(w.admin, channel.id, ch.ChannelInput(max_queue=0))
    renamed = s.chat.save_channel(w.admin, channel.id, ch.ChannelInput(name="Help desk", public=False))
    assert (renamed.name, renamed.public, renamed.version) == ("Help desk", False, 2)


def test_visitors_see_public_channels_customers_all_active(s: Setup) -> None:
    public = s.channel("Public")
    private = s.channel("Customers only", public=False)
    s.channel("Closed down", active=False)
    assert [c.id for c in s.chat.available_channels(signed_in=False)] == [public.id]
    assert [c.id for c in s.chat.available_channels(signed_in=True)] == [public.id, private.id]
    with pytest.raises(InvalidInput) as error:
        s.chat.request(visitor_a, "hello", channel_id=private.id)
    assert error.value.details["field"] == "ChatChannelID"


def test_a_channel_with_open_chats_cannot_be_deleted(w: World, s: Setup) -> None:
    channel = s.channel()
    chat = s.chat.request(visitor_a, "help")
    with pytest.raises(InvalidInput):
        s.chat.delete_channel(w.admin, channel.id)
    s.chat.close(visitor_a, chat.id)
    s.chat.delete_channel(w.admin, channel.id)
    assert s.chat.available_channels(signed_in=True) == []


# --- a chat from request to transcript ---------------------------------------------------------------------

def test_request_accept_talk_close_and_mail(w: World, s: Setup) -> None:
    s.channel()
    chat = s.chat.request(visitor_a, "help\r\nplease")
    assert chat.status == ch.WAITING
    assert [c.id for c in s.chat.sessions(w.agent, ch.WAITING, 0, 10)] == [chat.id]
    assert [c.id for c, _ in s.chat.history(visitor_a).outgoing] == [chat.id]

    w.clock.advance(5)
    accepted = s.chat.accept(w.agent, chat.id)
    assert accepted.status == ch.ACTIVE and accepted.agent_id == w.agent.id
    w.clock.advance(5)
    s.chat.reply(w.agent, chat.id, "How can I help?")
    s.chat.send(visitor_a, chat.id, "The printer.")
    history = s.chat.history(visitor_a)
    assert [c.id for c, _ in history.active] == [chat.id] and not history.outgoing
    _, messages = history.active[0]
    assert [m.id for m in messages] == [1, 2, 3, 4, 5]
    assert [m.text for m in messages] == ["Theo Test has joined this chat.", "help\nplease",
                                          "Agent has joined this chat.", "How can I help?", "The printer."]
    assert [m.system for m in messages] == [True, False, True, False, False]
    assert messages[3].user_id == w.agent.id and messages[4].chatter_type == ch.CUSTOMER

    closed = s.chat.close(visitor_a, chat.id)
    assert closed.status == ch.CLOSED and s.store.expiries[chat.id] > 0
    with pytest.raises(OperationFailed) as error:
        s.chat.send(visitor_a, chat.id, "one more thing")
    assert identifier(error) == "ChatAlreadyClosed"
    with pytest.raises(OperationFailed) as error:
        s.chat.close(visitor_a, chat.id)
    assert identifier(error) == "CouldNotCloseChat"
    with pytest.raises(InvalidInput):
        s.chat.reply(w.agent, chat.id, "hello?")

    mail = s.chat.send_transcript(visitor_a, chat.id, "theo@example.com")
    assert s.mailer.sent == [mail] and mail.to == ("theo@example.com",)
    assert "Theo Test: The printer." in mail.body and "Agent: How can I help?" in mail.body
    assert mail.body.index("help\nplease") < mail.body.index("The printer.")
    assert [c.id for c, _ in s.chat.history(visitor_a).closed] == [chat.id]


def test_messages_after_a_number(s: Setup) -> None:
    s.channel()
    chat = s.chat.request(visitor_a, "first")
    s.chat.send(visitor_a, chat.id, "second")
    _, messages = s.chat.messages(visitor_a, chat.id, after=2)
    assert [(m.id, m.text) for m in messages] == [(3, "second")]


def test_another_visitor_gets_nothing(w: World, s: Setup) -> None:
    s.channel()
    chat = s.chat.request(visitor_a, "private matter")
    for attempt in (lambda: s.chat.send(visitor_b, chat.id, "hi"), lambda: s.chat.close(visitor_b, chat.id),
                    lambda: s.chat.messages(visitor_b, chat.id),
                    lambda: s.chat.send_transcript(visitor_b, chat.id, "x@example.com"),
                    lambda: s.chat.accept_invitation(visitor_b, chat.id),
                    lambda: s.chat.video_config(visitor_b, chat.id),
                    lambda: s.chat.send(visitor_b, 999, "unknown chat")):
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert error.value.message == ch.ACCESS_UNAUTHORIZED
    history = s.chat.history(visitor_b)
    assert not (history.active or history.closed or history.incoming or history.outgoing)
    assert s.chat.history(ch.customer(w.customer_a)).outgoing == []


def test_message_limits(s: Setup, w: World) -> None:
    limited = Setup(w, ch.ChatSettings(max_message_chars=10))
    limited.channel()
    with pytest.raises(InvalidInput) as too_big:
        limited.chat.request(visitor_a, "x" * 11)
    assert too_big.value.details["field"] == "Message"
    chat = limited.chat.request(visitor_a, "x" * 10)
    with pytest.raises(OperationFailed) as error:
        limited.chat.send(visitor_a, chat.id, "y" * 11)
    assert identifier(error) == "ChatMessageTooBig"
    with pytest.raises(InvalidInput):
        limited.chat.send(visitor_a, chat.id, "   ")


def test_a_full_queue_refuses_more_requests(s: Setup) -> None:
    s.channel(max_queue=1)
    s.chat.request(visitor_a, "first")
    with pytest.raises(InvalidInput) as error:
        s.chat.request(visitor_b, "second")
    assert error.value.details["field"] == "ChatChannelID"


def test_a_chat_links_only_the_customers_own_ticket(w: World, s: Setup) -> None:
    s.channel()
    ticket = w.new_ticket(for_customer=w.customer_a)
    chat = s.chat.request(ch.customer(w.customer_a), "about my ticket", ticket_id=ticket.id)
    assert chat.ticket_id == ticket.id and chat.customer_id == w.customer_a.id
    for requester in (visitor_a, ch.customer(w.customer_c)):
        with pytest.raises(InvalidInput) as error:
            s.chat.request(requester, "someone's ticket", ticket_id=ticket.id)
        assert error.value.details["field"] == "TicketID"


def test_a_lost_race_is_retried_then_reported(s: Setup) -> None:
    s.channel()
    chat = s.chat.request(visitor_a, "hello")
    s.store.lose_next_saves = 1
    assert s.chat.send(visitor_a, chat.id, "again").id == 3
    s.store.lose_next_saves = ch.WRITE_ATTEMPTS
    with pytest.raises(OperationFailed) as error:
        s.chat.send(visitor_a, chat.id, "lost")
    assert identifier(error) == "CouldNotSendMessage"


def test_transcript_errors(s: Setup) -> None:
    s.channel()
    chat = s.chat.request(visitor_a, "hello")
    with pytest.raises(InvalidInput):
        s.chat.send_transcript(visitor_a, chat.id, "not an address")
    s.mailer.failing = True
    with pytest.raises(OperationFailed) as error:
        s.chat.send_transcript(visitor_a, chat.id, "theo@example.com")
    assert identifier(error) == "CouldNotSendChatMail"


# --- invitations ----------------------------------------------------------------------------------------------

def test_an_agent_invites_a_customer(w: World, s: Setup) -> None:
    channel = s.channel()
    invitation = s.chat.invite(w.agent, channel.id, w.customer_a.id, "May I help you with your order?")
    assert invitation.status == ch.REQUEST and invitation.is_invitation
    invited, colleague = ch.customer(w.customer_a), ch.customer(w.customer_b)

    assert [c.id for c, _ in s.chat.history(invited).incoming] == [invitation.id]
    for someone in (colleague, visitor_a):
        with pytest.raises(OperationFailed) as error:
            s.chat.accept_invitation(someone, invitation.id)
        assert identifier(error) == "ChatTargetTypeDontMatch"
    with pytest.raises(OperationFailed) as error:
        s.chat.send(invited, invitation.id, "before accepting")
    assert identifier(error) == "CouldNotSendMessage"

    accepted = s.chat.accept_invitation(invited, invitation.id)
    assert accepted.status == ch.ACTIVE
    s.chat.send(invited, invitation.id, "Yes please")
    with pytest.raises(OperationFailed) as error:
        s.chat.accept_invitation(invited, invitation.id)
    assert identifier(error) == "ChatNotAsRequest"
    _, messages = s.chat.session(w.agent, invitation.id)
    assert [m.text for m in messages][-2:] == [f"{w.customer_a.user.fullname} has joined this chat.", "Yes please"]


def test_accepting_a_request_that_is_no_invitation(s: Setup) -> None:
    s.channel()
    own = s.chat.request(visitor_a, "hello")
    with pytest.raises(OperationFailed) as error:
        s.chat.accept_invitation(visitor_a, own.id)
    assert identifier(error) == "ChatNotAsRequest"
    with pytest.raises(PermissionDenied):
        s.chat.accept_invitation(visitor_b, own.id)


def test_invitations_go_to_active_customers_only(w: World, s: Setup) -> None:
    channel = s.channel()
    for user_id in (w.agent.id, 999):
        with pytest.raises(InvalidInput) as error:
            s.chat.invite(w.agent, channel.id, user_id, "hello")
        assert error.value.details["field"] == "customer_id"
    with pytest.raises(PermissionDenied):
        s.chat.invite(w.customer_b, channel.id, w.customer_a.id, "hello")


# --- the agents' side ------------------------------------------------------------------------------------------

def test_agents_lists_search_and_who_may_act(w: World, s: Setup) -> None:
    s.channel()
    first = s.chat.request(visitor_a, "printer jammed")
    second = s.chat.request(visitor_b, "password reset")
    assert [c.id for c in s.chat.sessions(w.agent, ch.WAITING, 0, 10)] == [first.id, second.id]
    assert [c.id for c in s.chat.sessions(w.agent, ch.WAITING, 1, 10)] == [second.id]
    assert [c.id for c in s.chat.search(w.agent, "PRINTER", 10)] == [first.id]
    assert [c.id for c in s.chat.search(w.agent, "someone", 10)] == [second.id]
    with pytest.raises(InvalidInput):
        s.chat.sessions(w.agent, "running", 0, 10)
    with pytest.raises(PermissionDenied):
        s.chat.sessions(w.customer_a, ch.WAITING, 0, 10)

    s.chat.accept(w.agent, first.id)
    with pytest.raises(InvalidInput):
        s.chat.accept(w.reader, first.id)  # taken already
    with pytest.raises(PermissionDenied):
        s.chat.reply(w.reader, first.id, "I am not in it")
    with pytest.raises(PermissionDenied):
        s.chat.agent_close(w.reader, first.id)
    s.chat.agent_close(w.admin, first.id)  # admins may end any chat
    assert s.chat.session(w.agent, first.id)[0].status == ch.CLOSED
    with pytest.raises(NotFound):
        s.chat.session(w.agent, 999)


def test_default_agent_name_hides_agents(w: World) -> None:
    s = Setup(w, ch.ChatSettings(default_agent_name="Support Agent"))
    s.channel()
    chat = s.chat.request(visitor_a, "hello")
    s.chat.accept(w.agent, chat.id)
    s.chat.reply(w.agent, chat.id, "Hi")
    _, messages = s.chat.messages(visitor_a, chat.id)
    assert [m.chatter_name for m in messages[2:]] == ["Support Agent", "Support Agent"]


# --- video ---------------------------------------------------------------------------------------------------------

def test_signals_reach_their_target_once(w: World) -> None:
    s = Setup(w, ch.ChatSettings(ice_servers=("stun:stun.example.com:3478",), turn_url="turn:turn.example.com:3478",
                                 turn_secret="shared"))
    s.channel()
    chat = s.chat.request(visitor_a, "video?")
    with pytest.raises(OperationFailed) as error:  # no call before an agent joined
        s.chat.send_signal(visitor_a, chat.id, "VideoChatInvite", 1, ch.AGENT, str(w.agent.id))
    assert identifier(error) == "SendingFailed"
    s.chat.accept(w.agent, chat.id)
    signal = s.chat.send_signal(s.chat.agent(w.agent), chat.id, "VideoChatInvite", {"sdp": "v=0"}, ch.CUSTOMER,
                                visitor_a.chatter_id)
    assert signal.requester_id == str(w.agent.id)
    assert [x.value for x in s.chat.take_signals(visitor_a, chat.id)] == [{"sdp": "v=0"}]
    assert s.chat.take_signals(visitor_a, chat.id) == []

    config = s.chat.video_config(visitor_a, chat.id)
    assert config.owner and config.participant["chatter_id"] == visitor_a.chatter_id
    assert config.ice_servers[0] == {"url": "stun:stun.example.com:3478"}
    turn = config.ice_servers[1]
    assert turn["url"] == "turn:turn.example.com:3478?transport=udp" and turn["username"].endswith(visitor_a.chatter_id)
    assert not s.chat.agent_video_config(w.agent, chat.id).owner


def test_signal_checks(w: World, s: Setup) -> None:
    s.channel()
    chat = s.chat.request(visitor_a, "video?")
    s.chat.accept(w.agent, chat.id)
    for target_id in ("42", visitor_a.chatter_id):  # nobody, or the sender themselves
        with pytest.raises(InvalidInput) as error:
            s.chat.send_signal(visitor_a, chat.id, "VideoChatInvite", 1, ch.AGENT, target_id)
        assert error.value.details["field"] == "TargetID"
    for key, value, target_type, field in (("bad key!", 1, ch.AGENT, "SignalKey"),
                                           ("Offer", "", ch.AGENT, "SignalValue"),
                                           ("Offer", 1, "Robot", "TargetType")):
        with pytest.raises(InvalidInput) as error:
            s.chat.send_signal(visitor_a, chat.id, key, value, target_type, str(w.agent.id))
        assert error.value.details["field"] == field
    s.chat.close(visitor_a, chat.id)
    with pytest.raises(OperationFailed) as closed:
        s.chat.send_signal(visitor_a, chat.id, "VideoChatInvite", 1, ch.AGENT, str(w.agent.id))
    assert identifier(closed) == "SendingFailed"


def test_video_can_be_turned_off(w: World) -> None:
    s = Setup(w, ch.ChatSettings(video_enabled=False))
    s.channel()
    chat = s.chat.request(visitor_a, "video?")
    for attempt in (lambda: s.chat.video_config(visitor_a, chat.id), lambda: s.chat.take_signals(visitor_a, chat.id),
                    lambda: s.chat.send_signal(visitor_a, chat.id, "VideoChatInvite", 1, ch.AGENT, "1")):
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert error.value.message == ch.VIDEO_DISABLED


def test_requester_secrets() -> None:
    assert ch.is_requester_secret(SECRET_A) and not ch.is_requester_secret("short")
    assert ch.visitor(SECRET_A).key == visitor_a.key != visitor_b.key
    assert SECRET_A not in visitor_a.key and ch.visitor(SECRET_A).name == "Visitor"
    assert replace(visitor_a, name="x").key == visitor_a.key
