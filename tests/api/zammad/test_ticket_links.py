"""/api/v1 tags, tag_list, tag_search, links, ticket_merge and ticket_history through HTTP."""
from __future__ import annotations

import base64

from chalicelib.core.model import ROLE_AGENT
from tests.api.zammad.test_permissions import add_group, add_user
from tests.api.zammad.test_tickets import new_ticket


def error(reply) -> str:
    assert set(reply.json) == {"error", "error_human"}, reply
    assert reply.json["error"] == reply.json["error_human"]
    return reply.json["error"]


def ticket(api, **kw) -> dict:
    reply = new_ticket(api, **kw)
    assert reply.status == 201, reply
    return reply.json


def tags_of(api, ticket_id, who="admin"):
    return api.get(f"/api/v1/tags?object=Ticket&o_id={ticket_id}", who=who)


# --- tags ------------------------------------------------------------------------------------------

def test_tags_add_list_remove(api):
    t = ticket(api)
    added = api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"], "item": "printer"}, who="agent")
    assert added.status == 201 and added.json is True
    assert api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": str(t["id"]), "item": "urgent"}).status == 201
    assert api.post(f"/api/v1/tags/add?object=Ticket&o_id={t['id']}&item=Printer").status == 201   # query form
    reply = tags_of(api, t["id"], who="agent")
    assert reply.status == 200 and reply.json == {"tags": ["printer", "urgent"]}
    removed = api.delete("/api/v1/tags/remove", {"object": "Ticket", "o_id": t["id"], "item": "printer"}, who="agent")
    assert removed.status == 200 and removed.json is True
    assert api.delete("/api/v1/tags/remove", {"object": "Ticket", "o_id": t["id"], "item": "gone"}).status == 200
    assert tags_of(api, t["id"]).json == {"tags": ["urgent"]}


def test_tag_errors_and_permissions(api):
    t = ticket(api)
    api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"], "item": "vip"})
    for who in ("customer",):
        reply = tags_of(api, t["id"], who=who)
        assert reply.status == 403 and error(reply) == "Not authorized"
        reply = api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"], "item": "x"}, who=who)
        assert reply.status == 403
        assert api.delete("/api/v1/tags/remove", {"object": "Ticket", "o_id": t["id"], "item": "vip"},
                          who=who).status == 403
    assert tags_of(api, t["id"], who=None).status == 403
    missing = tags_of(api, 9999)
    assert missing.status == 404 and error(missing) == "Couldn't find Ticket with 'id'=9999"
    assert api.get("/api/v1/tags").status == 404
    assert api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"]}).status == 422
    assert api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"], "item": "  "}).status == 422
    wrong = api.post("/api/v1/tags/add", {"object": "KnowledgeBase::Answer", "o_id": t["id"], "item": "x"})
    assert wrong.status == 422 and "object" in error(wrong)
    assert api.post("/api/v1/tags/add", raw=b"[1, 2]").status == 422
    assert tags_of(api, t["id"]).json == {"tags": ["vip"]}


def test_agent_without_change_access_cannot_tag(api):
    reader_group = add_group("Readers")
    add_user(api, "reader", "reader@example.com", [ROLE_AGENT], {"1": ["read"], str(reader_group.id): ["full"]})
    t = ticket(api)
    assert tags_of(api, t["id"], who="reader").status == 200
    assert api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"], "item": "x"}, who="reader").status == 403


def test_tag_search_and_admin_tag_list(api):
    one, two = ticket(api), ticket(api)
    for t, names in ((one, ["printer", "network"]), (two, ["network"])):
        for name in names:
            api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"], "item": name})
    found = api.get("/api/v1/tag_search?term=NET", who="customer")
    assert found.status == 200 and [f["value"] for f in found.json] == ["network"]
    assert set(found.json[0]) == {"id", "value"}
    assert [f["value"] for f in api.get("/api/v1/tag_search?term=").json] == ["network", "printer"]
    listed = api.get("/api/v1/tag_list")
    assert listed.status == 200
    assert [(i["name"], i["count"]) for i in listed.json] == [("network", 2), ("printer", 1)]
    assert set(listed.json[0]) == {"id", "name", "count"}
    for who in ("agent", "customer"):
        assert api.get("/api/v1/tag_list", who=who).status == 403
        assert api.post("/api/v1/tag_list", {"name": "x"}, who=who).status == 403
    assert api.post("/api/v1/tag_list", {"name": "hardware"}).json == {}
    printer = next(i for i in api.get("/api/v1/tag_list").json if i["name"] == "printer")
    renamed = api.put(f"/api/v1/tag_list/{printer['id']}", {"name": "printers"})
    assert renamed.status == 200 and renamed.json == {}
    assert tags_of(api, one["id"]).json == {"tags": ["network", "printers"]}
    network = next(i for i in api.get("/api/v1/tag_list").json if i["name"] == "network")
    assert api.delete(f"/api/v1/tag_list/{network['id']}").json == {}
    assert tags_of(api, two["id"]).json == {"tags": []}
    assert [(i["name"], i["count"]) for i in api.get("/api/v1/tag_list").json] == [("hardware", 0), ("printers", 1)]
    gone = api.delete(f"/api/v1/tag_list/{network['id']}")
    assert gone.status == 404 and error(gone) == f"Couldn't find Tag::Item with 'id'={network['id']}"
    assert api.put(f"/api/v1/tag_list/{printer['id']}", {"name": ""}).status == 422
    assert next(i for i in api.get("/api/v1/tag_list").json if i["name"] == "printers")["id"] == printer["id"]


# --- links -----------------------------------------------------------------------------------------

def link_body(target, source, link_type="normal"):
    return {"link_type": link_type, "link_object_target": "Ticket", "link_object_target_value": target["id"],
            "link_object_source": "Ticket", "link_object_source_number": source["number"]}


def test_links_add_list_remove(api):
    child, parent = ticket(api, title="child"), ticket(api, title="parent")
    added = api.post("/api/v1/links/add", link_body(child, parent, "parent"), who="agent")
    assert added.status == 201, added
    assert added.json["link_object_target_value"] == child["id"]
    assert added.json["link_object_source_value"] == parent["id"] and added.json["link_type"] == "parent"
    reply = api.get(f"/api/v1/links?link_object=Ticket&link_object_value={child['id']}", who="agent")
    assert reply.status == 200
    assert reply.json["links"] == [{"link_type": "parent", "link_object": "Ticket", "link_object_value": parent["id"]}]
    assert reply.json["assets"]["Ticket"][str(parent["id"])]["title"] == "parent"
    other_side = api.get(f"/api/v1/links?link_object=Ticket&link_object_value={parent['id']}").json["links"]
    assert other_side == [{"link_type": "child", "link_object": "Ticket", "link_object_value": child["id"]}]
    customer_view = api.get(f"/api/v1/links?link_object=Ticket&link_object_value={child['id']}", who="customer")
    assert customer_view.status == 200 and len(customer_view.json["links"]) == 1   # both are the customer's
    removed = api.delete("/api/v1/links/remove", link_body(child, parent, "parent"), who="agent")
    assert removed.status == 201 and len(removed.json) == 1
    assert api.get(f"/api/v1/links?link_object=Ticket&link_object_value={child['id']}").json["links"] == []
    assert api.delete("/api/v1/links/remove", link_body(child, parent, "parent")).json == []


def test_link_errors_and_permissions(api):
    a, b = ticket(api), ticket(api)
    assert api.post("/api/v1/links/add", link_body(a, b), who="customer").status == 403
    assert api.post("/api/v1/links/add", link_body(a, b), who=None).status == 403
    unknown = api.post("/api/v1/links/add", {**link_body(a, b), "link_object_source_number": "1"})
    assert unknown.status == 422 and error(unknown) == "The object could not be found."
    missing = api.post("/api/v1/links/add", {**link_body(a, b), "link_object_target_value": 9999})
    assert missing.status == 404
    assert api.post("/api/v1/links/add", link_body(a, b, "sibling")).status == 422
    assert api.post("/api/v1/links/add", {**link_body(a, b), "link_type": None}).status == 422
    assert api.post("/api/v1/links/add", link_body(a, a)).status == 422
    secret = add_group("Secret")
    add_user(api, "outsider", "outsider@example.com", [ROLE_AGENT], {str(secret.id): ["full"]})
    assert api.get(f"/api/v1/links?link_object=Ticket&link_object_value={a['id']}", who="outsider").status == 403
    assert api.post("/api/v1/links/add", link_body(a, b), who="outsider").status == 403
    assert api.get(f"/api/v1/links?link_object=Ticket&link_object_value={a['id']}").json["links"] == []


# --- merge -----------------------------------------------------------------------------------------

def test_merge_as_zammad_answers(api):
    source = ticket(api, title="duplicate", article={
        "body": "log attached", "type": "note", "attachments": [
            {"filename": "log.txt", "data": base64.b64encode(b"log bytes").decode(), "mime-type": "text/plain"}]})
    target = ticket(api, title="original")
    article_id = source["article_ids"][0]
    reply = api.put(f"/api/v1/ticket_merge/{source['id']}/{target['number']}", who="agent")
    assert reply.status == 200, reply
    assert reply.json["result"] == "success"
    assert reply.json["target_ticket"]["id"] == target["id"] and reply.json["source_ticket"]["id"] == source["id"]
    merged_state = next(s for s in api.get("/api/v1/ticket_states").json if s["name"] == "merged")
    assert reply.json["source_ticket"]["state_id"] == merged_state["id"]
    assert api.get(f"/api/v1/tickets/{source['id']}").json["owner_id"] == 1
    target_articles = api.get(f"/api/v1/ticket_articles/by_ticket/{target['id']}").json
    moved = next(a for a in target_articles if a["id"] == article_id)
    assert moved["ticket_id"] == target["id"]
    download = api.get(f"/api/v1/ticket_attachment/{target['id']}/{article_id}/{moved['attachments'][0]['id']}")
    assert download.status == 200 and download.body == b"log bytes"
    assert [a["body"] for a in api.get(f"/api/v1/ticket_articles/by_ticket/{source['id']}").json] == ["merged"]
    links = api.get(f"/api/v1/links?link_object=Ticket&link_object_value={source['id']}").json["links"]
    assert links == [{"link_type": "parent", "link_object": "Ticket", "link_object_value": target["id"]}]
    again = api.put(f"/api/v1/ticket_merge/{source['id']}/{target['number']}")
    assert again.status == 422 and error(again) == "ticket already merged, no merge into merged ticket possible"


def test_merge_refusals(api):
    a, b = ticket(api), ticket(api)
    same = api.put(f"/api/v1/ticket_merge/{a['id']}/{a['number']}")
    assert same.status == 422 and error(same) == "Can't merge ticket with itself!"
    assert api.put(f"/api/v1/ticket_merge/{a['id']}/{b['number']}", who="customer").status == 403
    assert api.put(f"/api/v1/ticket_merge/{a['id']}/{b['number']}", who=None).status == 403
    no_target = api.put(f"/api/v1/ticket_merge/{a['id']}/99999")
    assert no_target.status == 200
    assert no_target.json == {"result": "failed", "message": "The target ticket number could not be found."}
    no_source = api.put(f"/api/v1/ticket_merge/9999/{b['number']}")
    assert no_source.json == {"result": "failed", "message": "The source ticket could not be found."}
    assert api.get(f"/api/v1/tickets/{a['id']}").json["state_id"] == 1


# --- history ---------------------------------------------------------------------------------------

def test_history_of_a_ticket(api):
    t = ticket(api)
    api.put(f"/api/v1/tickets/{t['id']}", {"state": "open", "priority": "3 high"}, who="agent")
    api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": t["id"], "item": "vip"}, who="agent")
    reply = api.get(f"/api/v1/ticket_history/{t['id']}", who="agent")
    assert reply.status == 200, reply
    history = reply.json["history"]
    summary = [(h["type"], h["object"], h.get("attribute"), h.get("value_from"), h.get("value_to")) for h in history]
    assert summary == [
        ("created", "Ticket", None, None, None),
        ("created", "Ticket::Article", None, None, None),
        ("updated", "Ticket", "state", "new", "open"),
        ("updated", "Ticket", "priority", "2 normal", "3 high"),
        ("added", "Ticket", "tag", None, "vip"),
    ]
    state = history[2]
    assert (state["id_from"], state["id_to"], state["o_id"], state["history_type"]) == (1, 2, t["id"], "updated")
    assert state["created_by_id"] == api.credentials["agent"]["id"] and state["created_at"].endswith("Z")
    assert history[1]["related_o_id"] == t["id"] and history[1]["related_object"] == "Ticket"
    assets = reply.json["assets"]
    assert str(t["id"]) in assets["Ticket"] and str(api.credentials["agent"]["id"]) in assets["User"]
    assert api.get(f"/api/v1/ticket_history/{t['id']}", who="customer").status == 403
    assert api.get(f"/api/v1/ticket_history/{t['id']}", who=None).status == 403
    missing = api.get("/api/v1/ticket_history/9999")
    assert missing.status == 404 and error(missing) == "Couldn't find Ticket with 'id'=9999"


def test_deleting_a_ticket_removes_its_links_tags_and_history(api):
    gone, stays = ticket(api), ticket(api)
    api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": gone["id"], "item": "doomed"})
    api.post("/api/v1/links/add", link_body(stays, gone))
    assert api.delete(f"/api/v1/tickets/{gone['id']}").status == 200
    assert api.get(f"/api/v1/links?link_object=Ticket&link_object_value={stays['id']}").json["links"] == []
    assert [(i["name"], i["count"]) for i in api.get("/api/v1/tag_list").json] == [("doomed", 0)]
    from chalicelib.storage.table import Item
    assert [i.sk for i in Item.query(f"TICKET#{gone['id']}")] == []


# --- the security matrix's inputs (tests/security/test_matrix.py) ------------------------------------

# Filled in by matrix_params (the world ticket exists only then); body_for spreads it on every call.
MATRIX_BODIES: dict = {
    ("POST", "/api/v1/tags/add"): {"object": "Ticket", "o_id": None, "item": "matrix"},
    ("POST", "/api/v1/links/add"): {"link_type": "normal", "link_object_target": "Ticket",
                                    "link_object_target_value": None, "link_object_source": "Ticket",
                                    "link_object_source_number": None},
    ("PUT", "/api/v1/ticket_merge/{source_ticket_id}/{target_ticket_number}"): None,
    ("POST", "/api/v1/tag_list"): {"name": "matrix created"},
    ("PUT", "/api/v1/tag_list/{tag_id}"): {"name": "matrix renamed"},
}


def matrix_params(api) -> dict:
    """The matrix's world ticket (found by its marker title) as the object of the tag, link and merge
    routes; a second ticket of the same group to link and merge with; a tag for the admin routes."""
    world = api.get("/api/v1/tickets/search?query=qzmarker").json
    assert len(world) == 1, world
    other = ticket(api, title="matrix merge target")
    api.post("/api/v1/tag_list", {"name": "matrix-tag"})
    tag_id = next(i["id"] for i in api.get("/api/v1/tag_list").json if i["name"] == "matrix-tag")
    MATRIX_BODIES[("POST", "/api/v1/tags/add")]["o_id"] = world[0]["id"]
    MATRIX_BODIES[("POST", "/api/v1/links/add")].update(link_object_target_value=world[0]["id"],
                                                         link_object_source_number=other["number"])
    return {"source_ticket_id": world[0]["id"], "target_ticket_number": other["number"], "tag_id": tag_id}


def test_full_ticket_view_lists_links_and_tags_for_agents_only(api):
    child, parent = ticket(api, title="child"), ticket(api, title="parent")
    assert api.post("/api/v1/links/add", link_body(child, parent, "parent")).status == 201
    assert api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": child["id"], "item": "printer"}).status == 201
    everything = api.get(f"/api/v1/tickets/{child['id']}?all=true", who="agent").json
    assert everything["links"] == [{"link_type": "parent", "link_object": "Ticket", "link_object_value": parent["id"]}]
    assert everything["tags"] == ["printer"]
    as_customer = api.get(f"/api/v1/tickets/{child['id']}?all=true", who="customer")
    assert as_customer.status == 200 and as_customer.json["tags"] == []   # customers do not read tags
    assert len(as_customer.json["links"]) == 1                          # both tickets are the customer's
