"""/api/public/chat (seed 000 OTRS-59..79, both the plain and the `{UserID}` forms) and OTRS-31
(/api/frontend/external/chat/{FromChatID}/messages): a chat carried from the request through an agent
(Zammad's /api/v1/chat_sessions) to the transcript mail, who may see which chat, and the documented errors."""
from __future__ import annotations

import json
import re
from typing import Any, Iterator, Optional

import pytest

from chalicelib import bootstrap
from chalicelib.api.otrs.chat_views import REQUESTER_COOKIE
from tests.api.otrs.conftest import Otrs
from tests.conftest import Reply
from tests.core.fakes import FailingMailer


class Visitor:
    """A browser on /api/public: keeps the chat cookie it was given; signs in as `who` when set."""

    def __init__(self, otrs: Otrs, who: Optional[str] = None, user_path: Optional[str] = None) -> None:
        self.otrs = otrs
        self.who = who
        self.user_path = user_path  # "/<UserID>" for the {UserID} forms
        self.cookie: Optional[str] = None

    def request(self, method: str, path: str, body: Any = None) -> Reply:
        headers = {"Content-Type": "application/json", "Accept": "*/*"}
        if self.who is not None:
            headers["Authentication"] = f"Bearer {self.otrs.login(self.who)}"
        if self.cookie is not None:
            headers["Cookie"] = f"{REQUESTER_COOKIE}={self.cookie}"
        full = "/api/public/chat" + (self.user_path or "") + path
        reply = Reply(self.otrs.api.client.http.request(method, full, headers=headers,
                                                        body=b"" if body is None else json.dumps(body).encode()))
        found = re.match(rf"{REQUESTER_COOKIE}=([^;]+);", reply.headers.get("set-cookie", ""))
        if found:
            self.cookie = found.group(1)
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Reply:
        return self.request("POST", path, body)


def ok(reply: Reply) -> Any:
    assert reply.status == 200, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    return reply.json


def failed(reply: Reply, identifier: str) -> None:
    assert reply.status == 900, reply
    assert [e["ErrorIdentifier"] for e in reply.json] == [identifier]


def invalid(reply: Reply, field: str) -> None:
    assert reply.status == 422, reply
    assert field in reply.json["Errors"], reply


def unauthorized(reply: Reply) -> None:
    assert reply.status == 403, reply
    assert reply.json == {"Error": "Access unauthorized."}


@pytest.fixture()
def mails(otrs: Otrs) -> Iterator[FailingMailer]:
    fake = FailingMailer()
    bootstrap.container().chat._mailer = fake
    yield fake


def agent_session(otrs: Otrs, chat_id: int) -> Any:
    reply = otrs.api.get(f"/api/v1/chat_sessions/{chat_id}", who="agent")
    assert reply.status == 200, reply
    return reply.json


def test_a_chat_from_request_to_transcript(otrs: Otrs, mails: FailingMailer) -> None:
    visitor = Visitor(otrs)
    assert ok(visitor.get("/available-channels")) == [{"ID": 1, "Name": "Support"}]
    created = visitor.post("/request-create", {"Message": "My <b>printer</b>\nis jammed", "Name": "Theo Test"})
    chat_id = ok(created)["ChatID"]
    assert "HttpOnly" in created.headers["set-cookie"] and "Secure" in created.headers["set-cookie"]
    history = ok(visitor.get("/history"))
    assert [c["ChatID"] for c in history["OutgoingRequests"]] == [chat_id] and history["Active"] == []
    outgoing = history["OutgoingRequests"][0]
    assert (outgoing["Status"], outgoing["RequesterName"], outgoing["RequesterType"], outgoing["TargetType"],
            outgoing["Invitation"], outgoing["Channel"]) == ("request", "Theo Test", "Customer", "User", 0, "Support")
    assert [m["MessageText"] for m in outgoing["ChatMessages"]] == [
        "Theo Test has joined this chat.<br/>\n", "My &lt;b&gt;printer&lt;/b&gt;<br/>\nis jammed<br/>\n"]

    waiting = otrs.api.get("/api/v1/chat_sessions?state=waiting", who="agent").json
    assert chat_id in [s["id"] for s in waiting]
    accepted = otrs.api.post(f"/api/v1/chat_sessions/{chat_id}/accept", who="agent")
    assert accepted.status == 200 and accepted.json["state"] == "running", accepted
    reply = otrs.api.post(f"/api/v1/chat_sessions/{chat_id}/messages", {"content": "Which model?"}, who="agent")
    assert reply.status == 201 and reply.json["content"] == "Which model?", reply
    assert ok(visitor.post("/send-message", {"ChatID": str(chat_id), "Message": "LaserJet 4"})) == {
        "Message": "The chat message was successfully sent."}

    active = ok(visitor.get("/history"))["Active"]
    assert [c["ChatID"] for c in active] == [chat_id] and active[0]["Status"] == "active"
    assert [(m["ID"], m["ChatterType"], m["SystemGenerated"]) for m in active[0]["ChatMessages"]] == [
        (1, "Customer", 1), (2, "Customer", 0), (3, "User", 1), (4, "User", 0), (5, "Customer", 0)]
    assert {u["ChatterType"] for u in active[0]["ActiveUsers"]} == {"Customer", "User"}
    assert [m["content"] for m in agent_session(otrs, chat_id)["messages"]][-1] == "LaserJet 4"

    assert ok(visitor.post("/close", {"ChatID": chat_id})) == {"Message": "The chat was successfully closed."}
    failed(visitor.post("/send-message", {"ChatID": chat_id, "Message": "one more"}), "ChatAlreadyClosed")
    failed(visitor.post("/close", {"ChatID": chat_id}), "CouldNotCloseChat")
    assert agent_session(otrs, chat_id)["state"] == "closed"
    assert [c["ChatID"] for c in ok(visitor.get("/history"))["Closed"]] == [chat_id]

    assert ok(visitor.post("/send-mail", {"ChatID": chat_id, "Email": "theo@example.com"})) == {
        "Message": "The chat history email was successfully sent."}
    assert [m.to for m in mails.sent] == [("theo@example.com",)]
    assert "Agent Smith: Which model?" in mails.sent[0].body and "Theo Test: LaserJet 4" in mails.sent[0].body
    mails.failing = True
    failed(visitor.post("/send-mail", {"ChatID": chat_id, "Email": "theo@example.com"}), "CouldNotSendChatMail")
    invalid(visitor.post("/send-mail", {"ChatID": chat_id, "Email": "nobody"}), "Email")


def test_another_visitor_gets_403(otrs: Otrs) -> None:
    owner, stranger, cookieless = Visitor(otrs), Visitor(otrs), Visitor(otrs)
    chat_id = ok(owner.post("/request-create", {"Message": "private"}))["ChatID"]
    ok(stranger.post("/request-create", {"Message": "mine"}))
    assert stranger.cookie != owner.cookie
    for visitor in (stranger, cookieless):
        unauthorized(visitor.post("/send-message", {"ChatID": chat_id, "Message": "hi"}))
        unauthorized(visitor.post("/close", {"ChatID": chat_id}))
        unauthorized(visitor.post("/send-mail", {"ChatID": chat_id, "Email": "x@example.com"}))
        unauthorized(visitor.get(f"/video/config?ChatID={chat_id}"))
        unauthorized(visitor.get(f"/video/signal?ChatID={chat_id}"))
    assert chat_id not in [c["ChatID"] for c in ok(stranger.get("/history"))["OutgoingRequests"]]
    assert ok(cookieless.get("/history")) == {"Active": [], "Closed": [], "IncomingRequests": [],
                                              "OutgoingRequests": []}
    forged = Visitor(otrs)
    forged.cookie = "A" * 43
    unauthorized(forged.post("/send-message", {"ChatID": chat_id, "Message": "guessing"}))
    unauthorized(owner.post("/send-message", {"ChatID": 99999, "Message": "no such chat"}))


def test_request_errors(otrs: Otrs) -> None:
    visitor = Visitor(otrs)
    invalid(visitor.post("/request-create", {}), "Message")
    invalid(visitor.post("/request-create", {"Message": "x" * 4001}), "Message")
    invalid(visitor.post("/request-create", {"Message": "hi", "ChatChannelID": "99"}), "ChatChannelID")
    invalid(visitor.post("/request-create", {"Message": "hi", "ChatChannelID": "abc"}), "ChatChannelID")
    invalid(visitor.post("/request-create", {"Message": "hi", "TicketID": "1"}), "TicketID")  # not theirs
    invalid(visitor.post("/send-message", {"Message": "hi"}), "ChatID")
    invalid(visitor.get("/history?HasWebRTC=yes"), "HasWebRTC")
    chat_id = ok(visitor.post("/request-create", {"Message": "hello"}))["ChatID"]
    failed(visitor.post("/send-message", {"ChatID": chat_id, "Message": "y" * 4001}), "ChatMessageTooBig")
    invalid(visitor.post("/send-message", {"ChatID": chat_id, "Message": ""}), "Message")


def test_no_channel_no_default(otrs: Otrs) -> None:
    for channel in otrs.api.get("/api/v1/chats", who="admin").json:
        assert otrs.api.put(f"/api/v1/chats/{channel['id']}", {"active": False}, who="admin").status == 200
    visitor = Visitor(otrs)
    assert ok(visitor.get("/available-channels")) == []
    failed(visitor.post("/request-create", {"Message": "anyone?"}), "NoDefaultChatChannelDefined")


def test_a_customer_chats_in_both_forms(otrs: Otrs) -> None:
    """The customer's token makes the chat theirs: the {UserID} form (id or login) and the plain form alike."""
    customer_id = otrs.api.get("/api/v1/users/me", who="customer").json["id"]
    login = otrs.credentials["customer"]["email"]
    by_id = Visitor(otrs, who="customer", user_path=f"/{customer_id}")
    by_login = Visitor(otrs, who="customer", user_path=f"/{login}")
    plain = Visitor(otrs, who="customer")
    ticket_id = otrs.api.get("/api/v1/tickets", who="customer").json[0]["id"]  # their own ticket may be linked
    created = by_id.post("/request-create", {"Message": "about my ticket", "TicketID": str(ticket_id)})
    chat_id = ok(created)["ChatID"]
    assert "set-cookie" not in created.headers  # the token is the identity
    assert [c["ChatID"] for c in ok(by_login.get("/history"))["OutgoingRequests"]] == [chat_id]
    outgoing = ok(plain.get("/history"))["OutgoingRequests"][0]
    assert outgoing["RequesterID"] == login and outgoing["TicketID"] == ticket_id
    ok(by_login.post("/send-message", {"ChatID": chat_id, "Message": "still there?"}))
    assert ok(plain.get("/available-channels")) == [{"ID": 1, "Name": "Support"}]

    someone_else = Visitor(otrs, who="customer", user_path=f"/{customer_id + 1000}")
    unauthorized(someone_else.post("/send-message", {"ChatID": chat_id, "Message": "hi"}))
    unauthorized(someone_else.get("/available-channels"))
    anonymous_user_form = Visitor(otrs, user_path=f"/{customer_id}")
    unauthorized(anonymous_user_form.get("/history"))

    front = otrs.api.client.http.request(
        "GET", f"/api/frontend/external/chat/{chat_id}/messages?FromMessageID=1",
        headers={"Authentication": f"Bearer {otrs.login('customer')}"}, body=b"")
    messages = ok(Reply(front))
    assert [(m["ID"], m["MessageText"]) for m in messages] == [(2, "about my ticket<br/>\n"),
                                                              (3, "still there?<br/>\n")]


def test_frontend_messages_only_for_the_customers_chats(otrs: Otrs) -> None:
    visitor_chat = ok(Visitor(otrs).post("/request-create", {"Message": "anonymous"}))["ChatID"]
    token = {"Authentication": f"Bearer {otrs.login('customer')}"}
    for path in (f"/chat/{visitor_chat}/messages", "/chat/abc/messages", "/chat/99999/messages"):
        reply = Reply(otrs.api.client.http.request("GET", "/api/frontend/external" + path, headers=token, body=b""))
        assert reply.status == 403 and reply.json == {"Error": "Access denied."}, reply
    polled = Reply(otrs.api.client.http.request(
        "GET", f"/api/frontend/external/chat/{visitor_chat}/messages?FromMessageID=\u00b2", headers=token, body=b""))
    assert polled.status == 422 and "FromMessageID" in polled.json["Errors"], polled
    anonymous = Reply(otrs.api.client.http.request("GET", f"/api/frontend/external/chat/{visitor_chat}/messages",
                                                   headers={}, body=b""))
    assert anonymous.status == 401


def test_an_agents_invitation_is_accepted_by_its_customer(otrs: Otrs) -> None:
    customer_id = otrs.api.get("/api/v1/users/me", who="customer").json["id"]
    invited = otrs.api.post("/api/v1/chat_sessions", {"chat_id": 1, "customer_id": customer_id,
                                                      "content": "Can I help with your order?"}, who="agent")
    assert invited.status == 201 and invited.json["state"] == "invited", invited
    chat_id = invited.json["id"]
    customer = Visitor(otrs, who="customer")
    incoming = ok(customer.get("/history"))["IncomingRequests"]
    assert [(c["ChatID"], c["Invitation"], c["RequesterType"], c["TargetType"]) for c in incoming] == [
        (chat_id, 1, "User", "Customer")]

    stranger = Visitor(otrs)
    ok(stranger.post("/request-create", {"Message": "me too"}))
    failed(stranger.post("/accept-request", {"ChatID": chat_id}), "ChatTargetTypeDontMatch")
    failed(customer.post("/send-message", {"ChatID": chat_id, "Message": "early"}), "CouldNotSendMessage")
    assert ok(customer.post("/accept-request", {"ChatID": chat_id, "Language": "en"})) == {
        "Message": "The chat was successfully accepted."}
    failed(customer.post("/accept-request", {"ChatID": chat_id}), "ChatNotAsRequest")
    ok(customer.post("/send-message", {"ChatID": chat_id, "Message": "Yes, order 42"}))
    assert [m["content"] for m in agent_session(otrs, chat_id)["messages"]][-1] == "Yes, order 42"
    own = ok(stranger.get("/history"))["OutgoingRequests"][0]["ChatID"]
    failed(stranger.post("/accept-request", {"ChatID": own}), "ChatNotAsRequest")
    unauthorized(Visitor(otrs).post("/accept-request", {"ChatID": own}))


def test_video_config_and_signals(otrs: Otrs) -> None:
    visitor = Visitor(otrs)
    chat_id = ok(visitor.post("/request-create", {"Message": "video please", "Name": "Theo"}))["ChatID"]
    failed(visitor.post("/video/signal", {"ChatID": chat_id, "SignalKey": "VideoChatInvite", "SignalValue": 1,
                                          "TargetID": "2", "TargetType": "User"}), "SendingFailed")
    agent = otrs.api.post(f"/api/v1/chat_sessions/{chat_id}/accept", who="agent").json
    agent_id = str(agent["user_id"])
    config = ok(visitor.get(f"/video/config?ChatID={chat_id}"))
    assert (config["ChatterType"], config["ChatterName"], config["PermissionLevel"], config["Status"]) == (
        "Customer", "Theo", "Owner", 1)
    assert config["TURNServers"] == {"iceServers": []}
    invalid(visitor.get("/video/config"), "ChatID")

    assert ok(visitor.post("/video/signal", {"ChatID": chat_id, "SignalKey": "VideoChatInvite", "SignalValue": 1,
                                             "TargetID": agent_id, "TargetType": "User"})) == {
        "Message": "Signal sent successfully."}
    invalid(visitor.post("/video/signal", {"ChatID": chat_id, "SignalKey": "VideoChatInvite", "SignalValue": 1,
                                           "TargetID": "nobody", "TargetType": "User"}), "TargetID")
    signals = otrs.api.get(f"/api/v1/chat_sessions/{chat_id}/video_signals", who="agent")
    assert [(s["signal_key"], s["requester_id"]) for s in signals.json] == [("VideoChatInvite", config["ChatterID"])]
    assert otrs.api.get(f"/api/v1/chat_sessions/{chat_id}/video_signals", who="agent").json == []

    answer = otrs.api.post(f"/api/v1/chat_sessions/{chat_id}/video_signals",
                           {"signal_key": "VideoChatInviteAccept", "signal_value": 1, "target_type": "Customer",
                            "target_id": config["ChatterID"]}, who="agent")
    assert answer.status == 201, answer
    received = ok(visitor.get(f"/video/signal?ChatID={chat_id}"))
    assert [(s["SignalKey"], s["RequesterID"], s["RequesterType"], s["TargetType"], s["ChatID"]) for s in received] == [
        ("VideoChatInviteAccept", agent_id, "User", "Customer", chat_id)]
    assert ok(visitor.get(f"/video/signal?ChatID={chat_id}")) == []


def test_config_reports_the_settings(otrs: Otrs) -> None:
    config = ok(Visitor(otrs).get("/config"))
    assert config["ChatEngine::ExternalFrontend::VideoChatEnabled"] == 1
    assert config["ChatEngine::ExternalFrontend::NoAnswerThreshold"] == 5
    assert set(config) >= {"ChatEngine::ChatDirection::PublicToAgent", "ChatEngine::DefaultAgentName",
                           "ChatEngine::ExternalFrontend::AllowChatChannels"}


def test_video_disabled(otrs: Otrs, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace
    chat = bootstrap.container().chat
    monkeypatch.setattr(chat, "settings", replace(chat.settings, video_enabled=False))
    visitor = Visitor(otrs)
    chat_id = ok(visitor.post("/request-create", {"Message": "video?"}))["ChatID"]
    for reply in (visitor.get(f"/video/config?ChatID={chat_id}"), visitor.get(f"/video/signal?ChatID={chat_id}"),
                  visitor.post("/video/signal", {"ChatID": chat_id, "SignalKey": "VideoChatInvite", "SignalValue": 1,
                                                 "TargetID": "2", "TargetType": "User"})):
        assert reply.status == 403 and reply.json == {"Error": "Video chat feature is disabled."}, reply
    assert ok(visitor.get("/config"))["ChatEngine::ExternalFrontend::VideoChatEnabled"] == 0
