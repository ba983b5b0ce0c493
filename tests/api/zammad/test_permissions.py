"""Who sees and changes what, through HTTP: customers, organizations, agents' groups."""
from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.auth.tokens import hash_password
from chalicelib.core.model import ROLE_AGENT, ROLE_CUSTOMER, Group, Organization, User
from tests.api.zammad.test_tickets import new_ticket


def add_user(api, name, email, role_ids, group_access=None, organization_id=None, password="pw-123456"):
    c = bootstrap.container()
    user = User(id=c.ids.next_id("user"), login=email, email=email, firstname=name, password_hash=hash_password(
        password, 10), role_ids=role_ids, group_access=group_access or {}, organization_id=organization_id)
    c.user_store.create(user)
    api.credentials[name] = {"email": email, "password": password, "id": user.id}
    return user


def add_org(name, shared):
    c = bootstrap.container()
    org = Organization(id=c.ids.next_id("organization"), name=name, shared=shared)
    c.organization_store.create(org)
    return org


def add_group(name):
    c = bootstrap.container()
    group = Group(id=c.ids.next_id("group"), name=name)
    c.catalog_store.put_group(group)
    return group


def test_customer_sees_own_and_shared_organization_tickets(api):
    colleague = add_user(api, "colleague", "colleague@example.com", [ROLE_CUSTOMER], organization_id=1)
    outsider_org = add_org("Other Inc", shared=True)
    add_user(api, "outsider", "outsider@other.example", [ROLE_CUSTOMER], organization_id=outsider_org.id)
    mine = new_ticket(api, customer="colleague@example.com").json
    visible = {t["id"] for t in api.get("/api/v1/tickets", who="customer").json}
    assert mine["id"] in visible  # same shared organization
    assert api.get(f"/api/v1/tickets/{mine['id']}", who="customer").status == 200
    assert {t["id"] for t in api.get("/api/v1/tickets", who="outsider").json} == set()
    reply = api.get(f"/api/v1/tickets/{mine['id']}", who="outsider")
    assert reply.status == 403 and reply.json["error"] == "Not authorized"
    assert "Help me!" not in reply.body.decode()
    assert api.put(f"/api/v1/tickets/{mine['id']}", {"title": "hijack"}, who="outsider").status == 403
    assert api.get(f"/api/v1/ticket_articles/by_ticket/{mine['id']}", who="outsider").status == 403
    assert api.get("/api/v1/tickets/search?query=help", who="outsider").json == []
    assert colleague.id == mine["customer_id"]


def test_unshared_organization_hides_colleagues_tickets(api):
    org = add_org("Private Ltd", shared=False)
    add_user(api, "alice", "alice@private.example", [ROLE_CUSTOMER], organization_id=org.id)
    add_user(api, "bob", "bob@private.example", [ROLE_CUSTOMER], organization_id=org.id)
    alices = new_ticket(api, customer="alice@private.example").json
    assert api.get(f"/api/v1/tickets/{alices['id']}", who="alice").status == 200
    assert api.get(f"/api/v1/tickets/{alices['id']}", who="bob").status == 403
    assert api.get("/api/v1/tickets", who="bob").json == []


def test_customer_create_is_forced_to_self(api):
    reply = api.post("/api/v1/tickets", {"title": "mine", "group": "Users", "customer_id": 2, "owner_id": 3,
                                         "article": {"body": "hello", "internal": True, "sender": "Agent"}},
                     who="customer")
    assert reply.status == 201, reply
    assert reply.json["customer_id"] == api.credentials["customer"]["id"] and reply.json["owner_id"] == 1
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{reply.json['id']}", who="customer").json[0]
    assert (article["sender"], article["internal"]) == ("Customer", False)


def test_agent_group_access(api):
    secret = add_group("Secret")
    add_user(api, "reader", "reader@example.com", [ROLE_AGENT], {"1": ["read"]})
    add_user(api, "outsider_agent", "oa@example.com", [ROLE_AGENT], {str(secret.id): ["full"]})
    ticket = new_ticket(api).json
    assert api.get(f"/api/v1/tickets/{ticket['id']}", who="reader").status == 200
    assert api.put(f"/api/v1/tickets/{ticket['id']}", {"title": "x"}, who="reader").status == 403
    denied = new_ticket(api, who="reader", title="reader create")
    assert denied.status == 403 and denied.json["error"] == "Not authorized"
    for method, path in (("GET", f"/api/v1/tickets/{ticket['id']}"), ("PUT", f"/api/v1/tickets/{ticket['id']}"),
                         ("GET", f"/api/v1/ticket_articles/by_ticket/{ticket['id']}")):
        reply = api.request(method, path, {"title": "x"}, who="outsider_agent")
        assert reply.status == 403 and "Help me!" not in reply.body.decode(), path
    assert api.get("/api/v1/tickets", who="outsider_agent").json == []
    moved = api.put(f"/api/v1/tickets/{ticket['id']}", {"group": "Secret"}, who="admin").json
    assert moved["group_id"] == secret.id
    assert api.get(f"/api/v1/tickets/{ticket['id']}", who="outsider_agent").status == 200
    assert api.get(f"/api/v1/tickets/{ticket['id']}", who="reader").status == 403


def test_agent_can_assign_owner_with_group_access(api):
    ticket = new_ticket(api).json
    agent_id = api.credentials["agent"]["id"]
    reply = api.put(f"/api/v1/tickets/{ticket['id']}", {"owner_id": agent_id}, who="agent")
    assert reply.status == 200 and reply.json["owner_id"] == agent_id
    assert reply.json["last_owner_update_at"] is not None
    customer_id = api.credentials["customer"]["id"]
    bad = api.put(f"/api/v1/tickets/{ticket['id']}", {"owner_id": customer_id}, who="agent")
    assert bad.status == 422 and bad.json["error"] == f"Invalid value for param 'owner_id': {customer_id}"


def test_reference_data_and_me(api):
    states = api.get("/api/v1/ticket_states", who="customer").json
    assert [s["name"] for s in states][:2] == ["new", "open"]
    assert states[0]["default_create"] is True and states[1]["default_follow_up"] is True
    priorities = api.get("/api/v1/ticket_priorities").json
    assert [p["name"] for p in priorities] == ["1 low", "2 normal", "3 high"]
    assert api.get("/api/v1/ticket_priorities/2").json["default_create"] is True
    assert api.get("/api/v1/ticket_states/99").status == 404
    groups = api.get("/api/v1/groups").json
    assert groups[0]["name"] == "Users" and groups[0]["follow_up_possible"] == "yes"
    assert api.get("/api/v1/groups", who="customer").status == 403
    me = api.get("/api/v1/users/me", who="agent").json
    assert me["group_ids"] == {"1": ["full"]} and me["role_ids"] == [2]
    assert set(me) >= {"id", "login", "firstname", "lastname", "email", "organization_id", "preferences",
                       "role_ids", "organization_ids", "authorization_ids", "group_ids", "active"}


def test_health_needs_no_credentials(api):
    reply = api.get("/health", who=None)
    assert reply.status == 200 and reply.json == {"status": "ok"}
