"""/api/v1/users and /api/v1/organizations through HTTP: statuses, bodies, permissions, Zammad's texts."""
from __future__ import annotations

import pytest

from chalicelib.core.model import ROLE_AGENT, ROLE_CUSTOMER
from tests.api.zammad.test_permissions import add_org, add_user
from tests.api.zammad.test_tickets import new_ticket

USER_KEYS = {"id", "organization_id", "login", "firstname", "lastname", "email", "image", "image_source", "web",
             "phone", "fax", "mobile", "department", "street", "zip", "city", "country", "address", "vip",
             "verified", "active", "note", "last_login", "source", "login_failed", "out_of_office",
             "out_of_office_start_at", "out_of_office_end_at", "out_of_office_replacement_id", "preferences",
             "updated_by_id", "created_by_id", "created_at", "updated_at", "role_ids", "organization_ids",
             "authorization_ids", "group_ids"}
ORG_KEYS = {"id", "name", "shared", "domain", "domain_assignment", "active", "vip", "note", "updated_by_id",
            "created_by_id", "created_at", "updated_at", "member_ids"}


def error(reply):
    assert set(reply.json) == {"error", "error_human"}, reply
    assert reply.json["error"] == reply.json["error_human"]
    return reply.json["error"]


def create_user(api, who="admin", **body):
    body.setdefault("firstname", "Bob")
    body.setdefault("lastname", "Smith")
    body.setdefault("email", "bob.smith@example.org")
    return api.post("/api/v1/users", body, who=who)


def demo_org_id(api):
    return api.get("/api/v1/users/me", who="customer").json["organization_id"]


# --- users: create -------------------------------------------------------------------------------

def test_create_user_as_the_seed_shows(api):
    reply = create_user(api)
    assert reply.status == 201, reply
    user = reply.json
    assert set(user) == USER_KEYS and "password" not in user
    assert user["login"] == "bob.smith@example.org" and user["email"] == "bob.smith@example.org"
    assert user["role_ids"] == [ROLE_CUSTOMER] and user["active"] is True and user["group_ids"] == {}
    assert user["preferences"] == {"locale": "en-us"}
    assert user["created_at"].endswith("Z") and user["created_by_id"] == api.credentials["admin"]["id"]
    assert api.get(f"/api/v1/users/{user['id']}").json == user


def test_admin_grants_roles_groups_and_password(api):
    reply = create_user(api, email="new.agent@example.org", role_ids=[ROLE_AGENT], group_ids={"1": ["read"]},
                        password="s3cret-pass", organization="Demo Company")
    assert reply.status == 201, reply
    user = reply.json
    assert user["role_ids"] == [ROLE_AGENT] and user["group_ids"] == {"1": ["read"]}
    assert user["organization_id"] == demo_org_id(api)
    api.credentials["new_agent"] = {"email": "new.agent@example.org", "password": "s3cret-pass"}
    me = api.get("/api/v1/users/me", who="new_agent")
    assert me.status == 200 and me.json["id"] == user["id"]


def test_roles_and_groups_by_name(api):
    reply = create_user(api, email="named@example.org", roles=["Agent", "Customer"], groups={"Users": "full"})
    assert reply.status == 201, reply
    assert reply.json["role_ids"] == [ROLE_AGENT, ROLE_CUSTOMER] and reply.json["group_ids"] == {"1": ["full"]}
    bad = create_user(api, email="bad@example.org", roles=["Wizard"])
    assert bad.status == 422 and error(bad) == "No lookup value found for 'roles': \"Wizard\""
    assert create_user(api, email="bad2@example.org", group_ids={"999": ["read"]}).status == 422
    assert create_user(api, email="bad3@example.org", group_ids={"1": ["root"]}).status == 422
    assert api.get("/api/v1/users/search?query=email:bad@example.org").json == []


def test_agent_creates_customers_only_roles_and_groups_are_ignored(api):
    reply = create_user(api, who="agent", email="sneaky@example.org", role_ids=[1, 2], group_ids={"1": ["full"]})
    assert reply.status == 201, reply
    assert reply.json["role_ids"] == [ROLE_CUSTOMER] and reply.json["group_ids"] == {}


def test_customer_cannot_create_users(api):
    reply = create_user(api, who="customer", email="friend@example.org")
    assert reply.status == 403 and error(reply) == "Not authorized"
    assert reply.headers["x-failure"] == "Not authorized"


def test_email_taken_is_zammads_422(api):
    reply = create_user(api, email="Nicole.Braun@example.com")
    assert reply.status == 422
    assert error(reply) == "Email address 'nicole.braun@example.com' is already used for other user."


def test_taken_login_gets_a_suffix_as_in_zammad(api):
    first = create_user(api, login="bob", email="b1@example.org").json
    second = create_user(api, login="bob", email="b2@example.org").json
    assert first["login"] == "bob" and second["login"] == "bob1"


def test_create_needs_an_identifier_and_valid_input(api):
    reply = api.post("/api/v1/users", {"note": "nobody"})
    assert reply.status == 422 and "identifier" in error(reply)
    assert create_user(api, email="not-an-email").status == 422
    assert api.post("/api/v1/users", ["not", "an", "object"]).status == 422
    assert create_user(api, email="x@example.org", organization="No Such Org").status == 422
    assert create_user(api, email="y@example.org", active="maybe").status == 422


def test_domain_assignment_puts_new_customers_in_the_organization(api):
    acme = api.post("/api/v1/organizations", {"name": "Acme", "domain": "acme.test", "domain_assignment": True})
    assert acme.status == 201, acme
    user = create_user(api, email="wile@acme.test").json
    assert user["organization_id"] == acme.json["id"]
    assert user["id"] in api.get(f"/api/v1/organizations/{acme.json['id']}").json["member_ids"]


# --- users: signup ---------------------------------------------------------------------------------

def test_anonymous_signup_creates_a_customer_without_saying_much(api):
    reply = api.post("/api/v1/users", {"firstname": "Self", "lastname": "Made", "email": "self@example.org",
                                       "password": "self-pass-1", "signup": True, "role_ids": [1],
                                       "group_ids": {"1": ["full"]}}, who=None)
    assert reply.status == 201 and reply.json == {"message": "ok"}
    api.credentials["self"] = {"email": "self@example.org", "password": "self-pass-1"}
    me = api.get("/api/v1/users/me", who="self").json
    assert me["role_ids"] == [ROLE_CUSTOMER] and me["group_ids"] == {} and me["source"] == "signup"
    # a taken address answers the same (no account probing) and changes nothing
    again = api.post("/api/v1/users", {"email": "nicole.braun@example.com", "password": "x", "signup": True},
                     who=None)
    assert again.status == 201 and again.json == {"message": "ok"}
    assert api.get("/api/v1/users/me", who="customer").status == 200


def test_anonymous_create_without_signup_or_email_is_refused(api):
    reply = api.post("/api/v1/users", {"email": "anon@example.org"}, who=None)
    assert reply.status == 422 and error(reply) == "Only signup with not authenticate user possible!"
    reply = api.post("/api/v1/users", {"firstname": "x", "signup": True}, who=None)
    assert reply.status == 422 and error(reply) == "Attribute 'email' required!"
    bad = api.post("/api/v1/users", {"signup": True}, who=None,
                   headers={"Authorization": "Basic Ym9ndXM6Ym9ndXM="})
    assert bad.status == 401  # credentials that are sent are checked


# --- users: read, list, search ------------------------------------------------------------------------

def test_show_and_list_permissions(api):
    c = api.credentials
    colleague = add_user(api, "colleague", "colleague@example.com", [ROLE_CUSTOMER],
                         organization_id=demo_org_id(api))
    other_org = add_org("Other Inc", shared=True)
    stranger = add_user(api, "stranger", "stranger@other.example", [ROLE_CUSTOMER], organization_id=other_org.id)
    assert api.get(f"/api/v1/users/{c['customer']['id']}", who="agent").status == 200
    assert api.get(f"/api/v1/users/{c['customer']['id']}", who="customer").status == 200
    assert api.get(f"/api/v1/users/{colleague.id}", who="customer").status == 200   # same organization
    denied = api.get(f"/api/v1/users/{stranger.id}", who="customer")
    assert denied.status == 403 and error(denied) == "Not authorized"
    assert api.get(f"/api/v1/users/{c['agent']['id']}", who="stranger").status == 403
    assert api.get(f"/api/v1/users/{c['customer']['id']}", who=None).status == 403
    missing = api.get("/api/v1/users/99999")
    assert missing.status == 404 and error(missing) == "Couldn't find User with 'id'=99999"
    assert api.get("/api/v1/users/abc").status == 404
    # lists: agents see everyone in id order, customers only themselves
    everyone = [u["id"] for u in api.get("/api/v1/users", who="agent").json]
    assert everyone == sorted(everyone) and {colleague.id, stranger.id, c["admin"]["id"]} <= set(everyone)
    assert [u["id"] for u in api.get("/api/v1/users", who="customer").json] == [c["customer"]["id"]]
    assert api.get("/api/v1/users?page=2", who="customer").json == []


def test_list_pages_and_expand(api):
    for n in range(4):
        create_user(api, email=f"page{n}@example.org")
    first = [u["id"] for u in api.get("/api/v1/users?per_page=2&page=1").json]
    second = [u["id"] for u in api.get("/api/v1/users?per_page=2&page=2").json]
    assert len(first) == 2 and len(second) == 2 and first[-1] < second[0]
    expanded = api.get("/api/v1/users?expand=true").json
    nicole = next(u for u in expanded if u["email"] == "nicole.braun@example.com")
    assert nicole["roles"] == ["Customer"] and nicole["organization"] == "Demo Company"
    agent = next(u for u in expanded if u["email"] == "agent@example.com")
    assert agent["groups"] == {"Users": ["full"]}
    full = api.get("/api/v1/users?full=true").json
    assert set(full) == {"record_ids", "assets"} and str(nicole["id"]) in full["assets"]["User"]
    assert len(api.get("/api/v1/users?per_page=500").json) <= 100
    assert api.get("/api/v1/users?page=x").status == 422


def test_search_words_prefixes_fields_and_organization(api):
    create_user(api, firstname="Zelda", lastname="Quux", email="zq@example.org")
    ids = lambda path, who="agent": [u["id"] for u in api.get(path, who=who).json]  # noqa: E731
    nicole = api.credentials["customer"]["id"]
    assert ids("/api/v1/users/search?query=nicole") == [nicole]
    assert ids("/api/v1/users/search?query=nic") == [nicole]            # prefix, as Zammad's search finds it
    assert ids("/api/v1/users/search?query=Nicole%20Braun") == [nicole]
    assert ids("/api/v1/users/search?query=nicole%20quux") == []         # words are ANDed
    assert ids("/api/v1/users/search?query=email:nicole.braun@example.com") == [nicole]
    assert ids("/api/v1/users/search?query=login:nicole.braun@example.com") == [nicole]
    assert ids("/api/v1/users/search?query=firstname:zelda") != []
    assert nicole in ids("/api/v1/users/search?query=demo")              # the organization's name
    assert ids("/api/v1/users/search?query=zzznothing") == []
    by_login = [u["login"] for u in api.get("/api/v1/users/search?query=example&sort_by=login&order_by=asc&limit=200",
                                            who="agent").json]
    assert by_login == sorted(by_login)
    assert len(api.get("/api/v1/users/search?query=example&limit=1").json) == 1
    expanded = api.get("/api/v1/users/search?query=nicole&expand=true").json
    assert expanded[0]["organization"] == "Demo Company"
    full = api.get("/api/v1/users/search?query=nicole&full=true").json
    assert full["user_ids"] == [nicole] and str(nicole) in full["assets"]["User"]


def test_search_is_for_agents_and_user_admins(api):
    reply = api.get("/api/v1/users/search?query=nicole", who="customer")
    assert reply.status == 403 and error(reply) == "Not authorized"
    assert api.get("/api/v1/users/search?query=nicole", who=None).status == 403


def test_search_follows_changes_and_deletes(api):
    user = create_user(api, firstname="Quentin", email="qz1@example.org").json
    assert [u["id"] for u in api.get("/api/v1/users/search?query=quentin").json] == [user["id"]]
    api.put(f"/api/v1/users/{user['id']}", {"firstname": "Rupert"})
    assert api.get("/api/v1/users/search?query=quentin").json == []
    assert [u["id"] for u in api.get("/api/v1/users/search?query=rupert").json] == [user["id"]]
    assert api.delete(f"/api/v1/users/{user['id']}").status == 200
    assert api.get("/api/v1/users/search?query=rupert").json == []


# --- users: update ---------------------------------------------------------------------------------

def test_admin_updates_anything(api):
    agent_id = api.credentials["agent"]["id"]
    reply = api.put(f"/api/v1/users/{agent_id}", {"lastname": "Jones", "group_ids": {"1": ["read", "create"]},
                                                  "vip": True})
    assert reply.status == 200, reply
    assert reply.json["lastname"] == "Jones" and reply.json["group_ids"] == {"1": ["read", "create"]}
    assert reply.json["vip"] is True and reply.json["updated_by_id"] == api.credentials["admin"]["id"]


def test_agent_updates_customers_but_cannot_grant(api):
    nicole = api.credentials["customer"]["id"]
    reply = api.put(f"/api/v1/users/{nicole}", {"phone": "+49 1234", "role_ids": [1, 2], "group_ids": {"1": ["full"]}},
                    who="agent")
    assert reply.status == 200, reply
    assert reply.json["phone"] == "+49 1234" and reply.json["role_ids"] == [ROLE_CUSTOMER]
    assert reply.json["group_ids"] == {}
    denied = api.put(f"/api/v1/users/{api.credentials['admin']['id']}", {"email": "mine@evil.example"}, who="agent")
    assert denied.status == 403
    assert api.get("/api/v1/users/me").json["email"] == "admin@example.com"


def test_customers_cannot_update_users_not_even_themselves(api):
    nicole = api.credentials["customer"]["id"]
    reply = api.put(f"/api/v1/users/{nicole}", {"role_ids": [1]}, who="customer")
    assert reply.status == 403 and error(reply) == "Not authorized"
    assert api.get("/api/v1/users/me", who="customer").json["role_ids"] == [ROLE_CUSTOMER]


def test_update_errors_and_email_move(api):
    user = create_user(api, email="mover@example.org").json
    taken = api.put(f"/api/v1/users/{user['id']}", {"email": "agent@example.com"})
    assert taken.status == 422 and error(taken) == "Email address 'agent@example.com' is already used for other user."
    moved = api.put(f"/api/v1/users/{user['id']}", {"email": "moved@example.org"}).json
    assert moved["email"] == "moved@example.org" and moved["login"] == "moved@example.org"  # login followed it
    assert api.put("/api/v1/users/99999", {"note": "x"}).status == 404
    assert api.put(f"/api/v1/users/{user['id']}", {"organization_id": 99999}).status == 422
    cleared = api.put(f"/api/v1/users/{api.credentials['customer']['id']}", {"organization_id": None}).json
    assert cleared["organization_id"] is None


def test_password_change_by_admin(api):
    nicole = api.credentials["customer"]["id"]
    assert api.put(f"/api/v1/users/{nicole}", {"password": "brand-new-pw"}).status == 200
    assert api.get("/api/v1/users/me", who="customer").status == 401
    api.credentials["customer"]["password"] = "brand-new-pw"
    assert api.get("/api/v1/users/me", who="customer").status == 200


# --- users: delete ---------------------------------------------------------------------------------

def test_delete_user(api):
    user = create_user(api, email="gone@example.org").json
    assert api.delete(f"/api/v1/users/{user['id']}", who="agent").status == 403
    assert api.delete(f"/api/v1/users/{user['id']}", who="customer").status == 403
    reply = api.delete(f"/api/v1/users/{user['id']}", {"id": user["id"]})  # DELETE with a body, as the seed's samples
    assert reply.status == 200 and reply.json == {}
    assert api.get(f"/api/v1/users/{user['id']}").status == 404
    assert api.get("/api/v1/users/search?query=email:gone@example.org").json == []
    again = create_user(api, email="gone@example.org")   # login and email are free again
    assert again.status == 201 and again.json["login"] == "gone@example.org"


@pytest.mark.parametrize("who_is_deleted", ["customer", "admin", "system", "agent"])
def test_delete_refusals(api, who_is_deleted):
    ids = {"customer": api.credentials["customer"]["id"], "admin": api.credentials["admin"]["id"], "system": 1,
           "agent": api.credentials["agent"]["id"]}
    reply = api.delete(f"/api/v1/users/{ids[who_is_deleted]}")
    assert reply.status == 422
    expected = "It is not possible to delete your current account." if who_is_deleted == "admin" \
        else "Can't delete, object has references."
    assert error(reply) == expected
    assert api.get(f"/api/v1/users/{ids[who_is_deleted]}").status == 200


# --- organizations ---------------------------------------------------------------------------------

def test_organization_crud(api):
    created = api.post("/api/v1/organizations", {"name": "Globex", "shared": False, "note": "big", "vip": True,
                                                 "domain": "globex.test"})
    assert created.status == 201, created
    org = created.json
    assert set(org) == ORG_KEYS and org["name"] == "Globex" and org["shared"] is False and org["vip"] is True
    assert org["member_ids"] == [] and org["domain"] == "globex.test" and org["domain_assignment"] is False
    shown = api.get(f"/api/v1/organizations/{org['id']}")
    assert shown.status == 200 and shown.json == org
    updated = api.put(f"/api/v1/organizations/{org['id']}", {"id": org["id"], "name": "Globex Corp", "active": False})
    assert updated.status == 200 and updated.json["name"] == "Globex Corp" and updated.json["active"] is False
    assert [o["id"] for o in api.get("/api/v1/organizations/search?query=globex").json] == [org["id"]]
    assert api.get("/api/v1/organizations/search?query=name:globex*").json[0]["id"] == org["id"]
    deleted = api.delete(f"/api/v1/organizations/{org['id']}", {})
    assert deleted.status == 200 and deleted.json == {}
    assert api.get(f"/api/v1/organizations/{org['id']}").status == 404
    assert api.get("/api/v1/organizations/search?query=globex").json == []


def test_organization_delete_at_the_seeds_singular_path(api):
    org = api.post("/api/v1/organizations", {"name": "Initech"}).json
    assert api.delete(f"/api/v1/organization/{org['id']}", who="agent").status == 403
    assert api.delete(f"/api/v1/organization/{org['id']}").status == 200
    missing = api.delete(f"/api/v1/organization/{org['id']}")
    assert missing.status == 404 and error(missing) == f"Couldn't find Organization with 'id'={org['id']}"


def test_organization_with_members_or_tickets_is_not_deleted(api):
    demo = demo_org_id(api)
    reply = api.delete(f"/api/v1/organizations/{demo}")
    assert reply.status == 422 and error(reply) == "Can't delete, object has references."
    lonely = api.post("/api/v1/organizations", {"name": "Lonely"}).json
    user = create_user(api, email="lonely@example.org", organization_id=lonely["id"]).json
    new_ticket(api, customer="lonely@example.org")
    api.put(f"/api/v1/users/{user['id']}", {"organization_id": None})      # no members left, a ticket remains
    assert api.get(f"/api/v1/organizations/{lonely['id']}").json["member_ids"] == []
    assert api.delete(f"/api/v1/organizations/{lonely['id']}").status == 422


def test_organization_errors(api):
    dup = api.post("/api/v1/organizations", {"name": "demo company"})
    assert dup.status == 422 and error(dup) == "Name has already been taken"
    blank = api.post("/api/v1/organizations", {"shared": True})
    assert blank.status == 422 and error(blank) == "Name can't be blank"
    assert api.post("/api/v1/organizations", {"name": "X", "domain_assignment": True}).status == 422
    assert api.post("/api/v1/organizations", {"name": "Y", "shared": "perhaps"}).status == 422
    assert api.put("/api/v1/organizations/9999", {"name": "Z"}).status == 404
    assert api.get("/api/v1/organizations/abc").status == 404


def test_organization_permissions(api):
    demo = demo_org_id(api)
    other = add_org("Other Inc", shared=True)
    assert api.get(f"/api/v1/organizations/{demo}", who="customer").json["member_ids"] == [
        api.credentials["customer"]["id"]]
    denied = api.get(f"/api/v1/organizations/{other.id}", who="customer")
    assert denied.status == 403 and error(denied) == "Not authorized"
    assert api.get(f"/api/v1/organizations/{other.id}", who="agent").status == 200
    assert [o["id"] for o in api.get("/api/v1/organizations", who="customer").json] == [demo]
    assert {demo, other.id} <= {o["id"] for o in api.get("/api/v1/organizations", who="agent").json}
    assert api.get("/api/v1/organizations/search?query=demo", who="customer").status == 403
    assert api.get("/api/v1/organizations/search?query=demo", who="agent").status == 200
    for who in ("agent", "customer"):
        assert api.post("/api/v1/organizations", {"name": f"By {who}"}, who=who).status == 403
        assert api.put(f"/api/v1/organizations/{demo}", {"shared": False}, who=who).status == 403
        assert api.delete(f"/api/v1/organizations/{other.id}", who=who).status == 403
    assert api.get("/api/v1/organizations", who=None).status == 403
    expanded = api.get("/api/v1/organizations?expand=true").json
    assert all("created_by" in o for o in expanded)
    full = api.get("/api/v1/organizations/search?query=demo&full=true").json
    assert full["organization_ids"] == [demo]


def test_shared_organization_lets_colleagues_see_tickets_and_unshared_does_not(api):
    demo = demo_org_id(api)
    add_user(api, "colleague", "colleague@example.com", [ROLE_CUSTOMER], organization_id=demo)
    ticket = new_ticket(api, customer="nicole.braun@example.com").json
    assert ticket["organization_id"] == demo
    assert api.get(f"/api/v1/tickets/{ticket['id']}", who="colleague").status == 200
    assert ticket["id"] in {t["id"] for t in api.get("/api/v1/tickets", who="colleague").json}
    assert api.put(f"/api/v1/organizations/{demo}", {"shared": False}).json["shared"] is False
    assert api.get(f"/api/v1/tickets/{ticket['id']}", who="colleague").status == 403
    assert ticket["id"] not in {t["id"] for t in api.get("/api/v1/tickets", who="colleague").json}
    assert api.get(f"/api/v1/tickets/{ticket['id']}", who="customer").status == 200   # own ticket still


# --- what the security matrix (tests/security/test_matrix.py) needs for these routes -------------------

def matrix_params(api) -> dict:
    """Objects only admins and agents may read: a customer outside every organization, two empty organizations
    (one per delete path). Admins may delete all three (no tickets, no members)."""
    from chalicelib import bootstrap
    from chalicelib.core.model import Organization, User
    c = bootstrap.container()
    user = User(id=c.ids.next_id("user"), login="matrix.customer@example.org", email="matrix.customer@example.org",
                firstname="Matrix", role_ids=[ROLE_CUSTOMER])
    c.user_store.create(user)
    org_ids = []
    for name in ("Matrix Org", "Matrix Org Two"):
        org = Organization(id=c.ids.next_id("organization"), name=name)
        c.organization_store.create(org)
        org_ids.append(org.id)
    return {"user_id": user.id, "organization_id": org_ids[0], "org_id": org_ids[1]}


MATRIX_BODIES = {
    ("PUT", "/api/v1/users/{user_id}"): {"note": "matrix", "role_ids": [1], "group_ids": {"1": ["full"]}},
    ("PUT", "/api/v1/organizations/{organization_id}"): {"note": "matrix", "shared": False},
    ("POST", "/api/v1/organizations"): {"name": "Matrix created", "shared": True},
}


def test_agents_cannot_set_passwords(api):
    nicole = api.credentials["customer"]["id"]
    assert api.put(f"/api/v1/users/{nicole}", {"password": "agent-chosen"}, who="agent").status == 200
    assert api.get("/api/v1/users/me", who="customer").status == 200   # the old password still works
    created = create_user(api, who="agent", email="pw@example.org", password="agent-chosen")
    assert created.status == 201
    api.credentials["pw"] = {"email": "pw@example.org", "password": "agent-chosen"}
    assert api.get("/api/v1/users/me", who="pw").status == 401


def test_provisioned_and_new_agents_are_group_members(api):
    from chalicelib import bootstrap
    directory = bootstrap.container().users
    c = api.credentials
    assert [u.id for u in directory.agents_for_group(1)] == sorted([c["admin"]["id"], c["agent"]["id"]])
    new = create_user(api, email="grp@example.org", role_ids=[ROLE_AGENT], group_ids={"1": ["read"]}).json
    assert new["id"] in [u.id for u in directory.agents_for_group(1)]
    api.put(f"/api/v1/users/{new['id']}", {"group_ids": {}})
    assert new["id"] not in [u.id for u in directory.agents_for_group(1)]
    api.put(f"/api/v1/users/{c['agent']['id']}", {"active": False})
    assert c["agent"]["id"] not in [u.id for u in directory.agents_for_group(1)]
