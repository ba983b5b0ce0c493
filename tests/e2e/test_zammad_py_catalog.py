"""zammad_py's `ticket_state`, `ticket_priority`, `group` and `role` resources against the real local server."""
from __future__ import annotations

import pytest
from requests.exceptions import HTTPError

from .zammad_client import status_of

pytestmark = pytest.mark.e2e


def test_ticket_state_lifecycle(client, agent):
    state = client.ticket_state.create({"name": "Py waiting", "state_type_id": 2, "next_state_id": None,
                                        "ignore_escalation": True, "active": True, "note": "e2e"})
    assert state["name"] == "Py waiting" and state["ignore_escalation"] is True
    assert client.ticket_state.find(state["id"])["note"] == "e2e"
    assert state["id"] in [s["id"] for s in agent.ticket_state.all()]
    assert client.ticket_state.update(state["id"], {"name": "Py waiting 2"})["name"] == "Py waiting 2"
    with pytest.raises(HTTPError) as refused:
        agent.ticket_state.create({"name": "Agent state", "state_type_id": 2})
    assert status_of(refused) == 403
    with pytest.raises(HTTPError) as duplicate:
        client.ticket_state.create({"name": "OPEN", "state_type_id": 2})
    assert status_of(duplicate) == 422
    assert client.ticket_state.destroy(state["id"]) == {}
    with pytest.raises(HTTPError) as gone:
        client.ticket_state.find(state["id"])
    assert status_of(gone) == 404


def test_state_in_use_is_kept(client):
    state = client.ticket_state.create({"name": "Py in use", "state_type_id": 2})
    ticket = client.ticket.create({"title": "uses a state", "group": "Users", "customer": "nicole.braun@example.com",
                                   "state_id": state["id"], "article": {"body": "b", "type": "note"}})
    assert ticket["state_id"] == state["id"]
    with pytest.raises(HTTPError) as kept:
        client.ticket_state.destroy(state["id"])
    assert status_of(kept) == 422
    assert client.ticket_state.find(state["id"])["name"] == "Py in use"


def test_ticket_priority_lifecycle(client, customer):
    priority = client.ticket_priority.create({"name": "4 py urgent", "active": True, "note": "e2e",
                                              "default_create": True})
    try:
        assert priority["default_create"] is True
        names = [p["name"] for p in customer.ticket_priority.all() if p["default_create"]]
        assert names == ["4 py urgent"]
        with pytest.raises(HTTPError) as is_default:
            client.ticket_priority.destroy(priority["id"])
        assert status_of(is_default) == 422
    finally:
        client.ticket_priority.update(2, {"default_create": True})  # give the default back to "2 normal"
    assert client.ticket_priority.find(priority["id"])["default_create"] is False
    with pytest.raises(HTTPError) as refused:
        customer.ticket_priority.update(priority["id"], {"name": "mine"})
    assert status_of(refused) == 403
    assert client.ticket_priority.destroy(priority["id"]) == {}


def test_group_lifecycle(client, agent):
    group = client.group.create({"name": "Py Sales", "follow_up_possible": "new_ticket",
                                 "follow_up_assignment": True, "active": True, "note": "e2e"})
    assert group["follow_up_possible"] == "new_ticket"
    assert agent.group.find(group["id"])["name"] == "Py Sales"
    assert group["id"] in [g["id"] for g in agent.group.all()]
    assert client.group.update(group["id"], {"assignment_timeout": 15})["assignment_timeout"] == 15
    with pytest.raises(HTTPError) as refused:
        agent.group.destroy(group["id"])
    assert status_of(refused) == 403
    with pytest.raises(HTTPError) as used:
        client.group.destroy(1)
    assert status_of(used) == 422
    assert client.group.destroy(group["id"]) == {}
    with pytest.raises(HTTPError) as gone:
        client.group.find(group["id"])
    assert status_of(gone) == 404


def test_roles(client, agent, customer):
    roles = client.role.all()  # zammad_py asks for expand=true
    assert [r["name"] for r in roles] == ["Admin", "Agent", "Customer"]
    assert "ticket.agent" in roles[1]["permissions"]
    assert client.role.find(3)["default_at_signup"] is True
    assert [r["name"] for r in agent.role.all()] == ["Agent"]
    assert [r["id"] for r in customer.role.all()] == [3]
    with pytest.raises(HTTPError) as refused:
        agent.role.find(1)
    assert status_of(refused) == 403

