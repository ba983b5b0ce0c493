"""zammad_py's tags (`ticket.tags`, `ticket_tag`, `taglist`), links (`link`), merge (`ticket.merge`) and the
ticket history (zammad_py has no call for it: its session, as a client would use it) against the real server."""
from __future__ import annotations

import pytest
from requests.exceptions import HTTPError
from zammad_py import ZammadAPI

pytestmark = pytest.mark.e2e


def new_ticket(api: ZammadAPI, title: str, live_server) -> dict:
    return api.ticket.create({"title": title, "group": "Users", "customer": live_server.customer["email"],
                              "article": {"subject": title, "body": f"{title} body", "type": "note"}})


def test_tags_through_ticket_tag_and_taglist(client, agent, customer, live_server):
    ticket = new_ticket(agent, "e2e tags", live_server)
    assert agent.ticket_tag.add(ticket["id"], "e2e-printer") is True
    assert agent.ticket_tag.add(ticket["id"], "e2e-urgent") is True
    assert agent.ticket.tags(ticket["id"]) == {"tags": ["e2e-printer", "e2e-urgent"]}
    assert agent.ticket_tag.remove(ticket["id"], "e2e-urgent") is True
    assert agent.ticket.tags(ticket["id"]) == {"tags": ["e2e-printer"]}
    with pytest.raises(HTTPError) as refused:
        customer.ticket.tags(ticket["id"])
    assert "Not authorized" in str(refused.value)
    with pytest.raises(HTTPError):
        customer.ticket_tag.add(ticket["id"], "nope")

    listed = {t["name"]: t for t in client.taglist.all()}
    assert listed["e2e-printer"]["count"] == 1 and listed["e2e-urgent"]["count"] == 0
    assert client.taglist.create({"name": "e2e-hardware"}) == {}
    assert client.taglist.update(listed["e2e-printer"]["id"], {"name": "e2e-printers"}) == {}
    assert agent.ticket.tags(ticket["id"]) == {"tags": ["e2e-printers"]}
    assert client.taglist.destroy(listed["e2e-urgent"]["id"]) == {}
    names = {t["name"] for t in client.taglist.all()}
    assert {"e2e-printers", "e2e-hardware"} <= names and "e2e-urgent" not in names
    with pytest.raises(HTTPError):
        agent.taglist.all()


def test_links_add_get_remove(agent, customer, live_server):
    child, parent = new_ticket(agent, "e2e child", live_server), new_ticket(agent, "e2e parent", live_server)
    added = agent.link.add(child["id"], parent["number"], link_type="parent")
    assert added["link_object_target_value"] == child["id"] and added["link_object_source_value"] == parent["id"]
    got = agent.link.get(child["id"])
    assert got["links"] == [{"link_type": "parent", "link_object": "Ticket", "link_object_value": parent["id"]}]
    assert str(parent["id"]) in got["assets"]["Ticket"]
    assert agent.link.get(parent["id"])["links"][0]["link_type"] == "child"
    assert len(customer.link.get(child["id"])["links"]) == 1     # the customer's own tickets
    with pytest.raises(HTTPError):
        customer.link.add(child["id"], parent["number"])
    removed = agent.link.remove(child["id"], parent["number"], link_type="parent")
    assert len(removed) == 1
    assert agent.link.get(child["id"])["links"] == [] and agent.link.get(parent["id"])["links"] == []


def test_merge_and_history(agent, customer, live_server):
    source, target = new_ticket(agent, "e2e duplicate", live_server), new_ticket(agent, "e2e original", live_server)
    with pytest.raises(HTTPError):
        customer.ticket.merge(source["id"], target["number"])
    result = agent.ticket.merge(source["id"], target["number"])
    assert result["result"] == "success"
    assert result["source_ticket"]["id"] == source["id"] and result["target_ticket"]["id"] == target["id"]
    moved = agent.ticket.articles(target["id"])
    assert source["article_ids"][0] in [a["id"] for a in moved]
    assert [a["body"] for a in agent.ticket.articles(source["id"])] == ["merged"]
    again = agent.ticket.merge(target["id"], "99999999")
    assert again == {"result": "failed", "message": "The target ticket number could not be found."}

    history = agent.session.get(agent.url + f"ticket_history/{source['id']}")
    assert history.status_code == 200
    lines = [(h["type"], h.get("attribute")) for h in history.json()["history"]]
    assert lines[0] == ("created", None) and ("merged_into", None) in lines and ("updated", "state") in lines
    assert customer.session.get(customer.url + f"ticket_history/{source['id']}").status_code == 403
