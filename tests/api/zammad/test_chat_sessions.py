"""/api/v1/chats (chat topics) and /api/v1/chat_sessions (the agents' side of the chat) through HTTP:
shapes, who may do what, Zammad's error body, and the REST actions that stand in for Zammad's websocket."""
from __future__ import annotations

from typing import Any

from tests.conftest import Api

TOPIC_KEYS = {"id", "name", "note", "active", "public", "max_queue", "created_by_id", "updated_by_id", "created_at",
              "updated_at"}
SESSION_KEYS = {"id", "chat_id", "name", "state", "user_id", "customer_id", "ticket_id", "invitation", "preview",
                "message_count", "preferences", "created_at", "updated_at", "closed_at"}


def error(reply: Any, status: int) -> str:
    assert reply.status == status, reply
    assert set(reply.json) == {"error", "error_human"}, reply
    return reply.json["error"]


def request_chat(api: Api, text: str = "help") -> int:
    """A visitor's chat request through the public endpoint (anonymous, no token)."""
    reply = api.post("/api/public/chat/request-create", {"Message": text, "Name": "Theo Test"}, who=None)
    assert reply.status == 200, reply
    return reply.json["ChatID"]


def customer_id(api: Api) -> int:
    return api.get("/api/v1/users/me", who="customer").json["id"]


def test_topics_admins_manage_agents_read(api: Api) -> None:
    listed = api.get("/api/v1/chats", who="agent")
    assert listed.status == 200 and [t["name"] for t in listed.json] == ["Support"]
    assert set(listed.json[0]) == TOPIC_KEYS
    error(api.get("/api/v1/chats", who="customer"), 403)
    error(api.post("/api/v1/chats", {"name": "Sales"}, who="agent"), 403)

    created = api.post("/api/v1/chats", {"name": "Sales", "note": "orders", "public": False, "max_queue": 3,
                                         "id": 999, "created_by_id": 42}, who="admin")
    assert created.status == 201, created
    topic = created.json
    assert (topic["name"], topic["public"], topic["max_queue"], topic["active"]) == ("Sales", False, 3, True)
    assert topic["id"] != 999 and topic["created_by_id"] != 42
    assert api.get(f"/api/v1/chats/{topic['id']}", who="agent").json == topic
    updated = api.put(f"/api/v1/chats/{topic['id']}", {"active": False, "max_queue": "4"}, who="admin")
    assert updated.status == 200 and (updated.json["active"], updated.json["max_queue"]) == (False, 4), updated

    assert "name" in error(api.post("/api/v1/chats", {"note": "no name"}, who="admin"), 422)
    error(api.post("/api/v1/chats", {"name": "sales"}, who="admin"), 422)  # taken, whatever the case
    error(api.put(f"/api/v1/chats/{topic['id']}", {"active": "maybe"}, who="admin"), 422)
    error(api.put(f"/api/v1/chats/{topic['id']}", {"max_queue": 0}, who="admin"), 422)
    error(api.get("/api/v1/chats/9999", who="agent"), 404)
    error(api.get("/api/v1/chats/abc", who="agent"), 404)

    assert api.delete(f"/api/v1/chats/{topic['id']}", who="admin").json == {}
    error(api.get(f"/api/v1/chats/{topic['id']}", who="agent"), 404)
    request_chat(api)
    error(api.delete("/api/v1/chats/1", who="admin"), 422)  # a visitor is waiting in it


def test_waiting_accept_reply_close(api: Api) -> None:
    first, second = request_chat(api, "printer jammed"), request_chat(api, "password reset")
    waiting = api.get("/api/v1/chat_sessions?state=waiting", who="agent")
    assert waiting.status == 200 and [s["id"] for s in waiting.json] == [first, second], waiting
    assert set(waiting.json[0]) == SESSION_KEYS
    assert (waiting.json[0]["state"], waiting.json[0]["name"], waiting.json[0]["preview"]) == (
        "waiting", "Theo Test", "printer jammed")
    assert [s["id"] for s in api.get("/api/v1/chat_sessions", who="agent").json] == [first, second]  # default
    assert [s["id"] for s in api.get("/api/v1/chat_sessions?state=waiting&per_page=1&page=2",
                                     who="agent").json] == [second]
    error(api.get("/api/v1/chat_sessions?state=bogus", who="agent"), 422)
    error(api.get("/api/v1/chat_sessions", who="customer"), 403)

    accepted = api.post(f"/api/v1/chat_sessions/{first}/accept", who="agent").json
    agent_id = api.get("/api/v1/users/me", who="agent").json["id"]
    assert (accepted["state"], accepted["user_id"]) == ("running", agent_id)
    error(api.post(f"/api/v1/chat_sessions/{first}/accept", who="admin"), 422)  # taken already
    assert [s["id"] for s in api.get("/api/v1/chat_sessions?state=running", who="agent").json] == [first]

    reply = api.post(f"/api/v1/chat_sessions/{first}/messages", {"content": "Which model?"}, who="agent")
    assert reply.status == 201, reply
    assert (reply.json["content"], reply.json["created_by_id"], reply.json["chat_session_id"], reply.json["id"]) == (
        "Which model?", agent_id, first, 4)
    error(api.post(f"/api/v1/chat_sessions/{second}/messages", {"content": "not accepted"}, who="agent"), 403)
    error(api.post(f"/api/v1/chat_sessions/{first}/messages", {"content": ""}, who="agent"), 422)
    error(api.post(f"/api/v1/chat_sessions/{first}/messages", {"content": "x" * 4001}, who="agent"), 422)

    shown = api.get(f"/api/v1/chat_sessions/{first}", who="agent").json
    assert [(m["id"], m["system_generated"]) for m in shown["messages"]] == [(1, True), (2, False), (3, True),
                                                                            (4, False)]
    assert shown["message_count"] == 4
    error(api.get("/api/v1/chat_sessions/99999", who="agent"), 404)

    closed = api.post(f"/api/v1/chat_sessions/{first}/close", who="agent")
    assert closed.status == 200 and closed.json["state"] == "closed" and closed.json["closed_at"], closed
    error(api.post(f"/api/v1/chat_sessions/{first}/close", who="agent"), 422)
    error(api.post(f"/api/v1/chat_sessions/{first}/messages", {"content": "hello?"}, who="agent"), 422)
    assert [s["id"] for s in api.get("/api/v1/chat_sessions?state=closed", who="agent").json] == [first]


def test_search(api: Api) -> None:
    printer, password = request_chat(api, "printer jammed"), request_chat(api, "password reset")
    found = api.get("/api/v1/chat_sessions/search?query=PRINTER", who="agent")
    assert found.status == 200 and [s["id"] for s in found.json] == [printer], found
    posted = api.post("/api/v1/chat_sessions/search", {"query": "theo", "limit": 1}, who="agent")
    assert [s["id"] for s in posted.json] == [password]
    error(api.get("/api/v1/chat_sessions/search?query=x", who="customer"), 403)


def test_invitations(api: Api) -> None:
    invited = api.post("/api/v1/chat_sessions", {"chat_id": 1, "customer_id": customer_id(api),
                                                 "content": "Can I help?"}, who="agent")
    assert invited.status == 201 and invited.json["state"] == "invited" and invited.json["invitation"], invited
    assert [s["id"] for s in api.get("/api/v1/chat_sessions?state=invited", who="agent").json] == [invited.json["id"]]
    agent_id = api.get("/api/v1/users/me", who="agent").json["id"]
    for body, field in (({"customer_id": customer_id(api), "content": "x"}, "chat_id"),
                        ({"chat_id": 1, "content": "x"}, "customer_id"),
                        ({"chat_id": 1, "customer_id": agent_id, "content": "x"}, "customer_id"),
                        ({"chat_id": 99, "customer_id": customer_id(api), "content": "x"}, "chat_id"),
                        ({"chat_id": 1, "customer_id": customer_id(api)}, "content")):
        assert field in error(api.post("/api/v1/chat_sessions", body, who="agent"), 422)
    error(api.post("/api/v1/chat_sessions", {"chat_id": 1, "customer_id": customer_id(api), "content": "x"},
                   who="customer"), 403)


def test_video_signals_need_a_chat_the_agent_is_in(api: Api) -> None:
    chat_id = request_chat(api)
    error(api.get(f"/api/v1/chat_sessions/{chat_id}/video_signals", who="agent"), 403)
    api.post(f"/api/v1/chat_sessions/{chat_id}/accept", who="agent")
    config = api.get(f"/api/v1/chat_sessions/{chat_id}/video_config", who="agent")
    assert config.status == 200 and config.json["ice_servers"] == [], config
    error(api.post(f"/api/v1/chat_sessions/{chat_id}/video_signals",
                   {"signal_key": "Offer", "signal_value": "sdp", "target_type": "Customer", "target_id": "nobody"},
                   who="agent"), 422)
    error(api.get(f"/api/v1/chat_sessions/{chat_id}/video_signals", who="customer"), 403)
