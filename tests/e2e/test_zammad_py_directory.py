"""zammad_py's `user` and `organization` resources against the real local server."""
from __future__ import annotations

import pytest
from requests.exceptions import HTTPError

from .zammad_client import status_of

pytestmark = pytest.mark.e2e


def test_me_and_find(client, customer, live_server):
    me = customer.user.me()
    assert me["email"] == live_server.customer["email"] and "password" not in me
    assert client.user.find(me["id"])["login"] == me["login"]
    with pytest.raises(HTTPError) as refused:
        customer.user.find(live_server.admin["id"])
    assert status_of(refused) == 403


def test_user_all_pages_and_search(client, live_server):
    first = client.user.all(filters={"per_page": 2})   # each `client.user` is a new resource object
    ids = [u["id"] for u in first]
    assert len(ids) == 2 and "roles" in first[0]            # zammad_py asks for expand=true
    second = first.next_page()
    assert [u["id"] for u in second][0] > ids[-1]
    found = client.user.search("nicole")
    assert [u["email"] for u in found] == [live_server.customer["email"]]
    assert found[0]["organization"] == "Demo Company"
    assert [u["id"] for u in client.user.search(f"email:{live_server.customer['email']}")] == [
        live_server.customer["id"]]


def test_user_create_update_destroy(client, agent):
    created = agent.user.create({"firstname": "Py", "lastname": "Client", "email": "py.client@example.org",
                                 "role_ids": [1]})
    assert created["login"] == "py.client@example.org" and created["role_ids"] == [3]
    updated = agent.user.update(created["id"], {"phone": "+1 555", "note": "from zammad_py"})
    assert updated["phone"] == "+1 555" and updated["note"] == "from zammad_py"
    with pytest.raises(HTTPError) as refused:
        agent.user.destroy(created["id"])
    assert status_of(refused) == 403
    assert client.user.destroy(created["id"]) == {}
    with pytest.raises(HTTPError) as gone:
        client.user.find(created["id"])
    assert status_of(gone) == 404


def test_duplicate_email_is_zammads_422(client, live_server):
    with pytest.raises(HTTPError) as duplicate:
        client.user.create({"email": live_server.customer["email"]})
    assert status_of(duplicate) == 422
    assert f"Email address '{live_server.customer['email']}' is already used for other user." in str(duplicate.value)


def test_organization_lifecycle(client, customer, agent):
    org = client.organization.create({"name": "Py Org", "shared": True, "active": True, "note": "e2e"})
    assert org["name"] == "Py Org" and org["member_ids"] == []
    assert client.organization.find(org["id"])["note"] == "e2e"
    assert client.organization.update(org["id"], {"id": org["id"], "name": "Py Org 2"})["name"] == "Py Org 2"
    assert [o["id"] for o in agent.organization.search("py")] == [org["id"]]
    assert org["id"] in [o["id"] for o in agent.organization.all()]
    assert [o["name"] for o in customer.organization.all()] == ["Demo Company"]
    with pytest.raises(HTTPError) as refused:
        customer.organization.find(org["id"])
    assert status_of(refused) == 403
    with pytest.raises(HTTPError) as not_admin:
        agent.organization.destroy(org["id"])
    assert status_of(not_admin) == 403
    assert client.organization.destroy(org["id"]) == {}
    with pytest.raises(HTTPError) as gone:
        client.organization.find(org["id"])
    assert status_of(gone) == 404
