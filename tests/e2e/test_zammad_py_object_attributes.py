"""zammad_py's `Object` resource (object_manager_attributes) against the real local server, and the
custom field it defines used through `ticket` as an integration would."""
from __future__ import annotations

import pytest
from requests.exceptions import HTTPError
from zammad_py.api import Object

pytestmark = pytest.mark.e2e


def test_define_migrate_and_use_a_ticket_field(client, live_server):
    objects = Object(connection=client)
    created = objects.create(params={
        "name": "e2e_product", "object": "Ticket", "display": "Produkt", "active": True, "data_type": "select",
        "data_option": {"options": {"wert1": "anzeige1", "wert2": "anzeige12"}}})
    assert created["to_create"] is True and created["to_migrate"] is True and created["position"] == 1550
    assert objects.find(created["id"])["name"] == "e2e_product"
    assert objects.execute_migrations() == {}
    assert objects.find(created["id"])["to_create"] is False
    listed = objects.all(filters={"per_page": 100})
    assert "e2e_product" in [a["name"] for a in listed] and "title" in [a["name"] for a in listed]

    ticket = client.ticket.create(params={
        "title": "e2e custom field", "group": "Users", "customer": live_server.customer["email"],
        "e2e_product": "wert1", "article": {"subject": "s", "body": "b", "type": "note"}})
    assert ticket["e2e_product"] == "wert1"
    assert client.ticket.find(ticket["id"])["e2e_product"] == "wert1"
    with pytest.raises(HTTPError) as refused:
        client.ticket.update(ticket["id"], {"e2e_product": "nope"})
    assert "has an invalid value 'nope'" in str(refused.value)
    assert client.ticket.update(ticket["id"], {"e2e_product": "wert2"})["e2e_product"] == "wert2"
    found = client.ticket.search("e2e_product:wert2")
    assert ticket["id"] in [t["id"] for t in found]

    updated = objects.update(created["id"], {"display": "Product", "data_option": {"options": {"wert2": "B"}}})
    assert updated["to_config"] is True and updated["data_option_new"]["options"] == {"wert2": "B"}
    objects.execute_migrations()
    assert objects.destroy(created["id"]) == {}
    objects.execute_migrations()
    with pytest.raises(HTTPError) as gone:
        objects.find(created["id"])
    assert "Couldn't find ObjectManager::Attribute" in str(gone.value)
    assert "e2e_product" not in client.ticket.find(ticket["id"])


def test_agents_are_refused(agent):
    with pytest.raises(HTTPError) as refused:
        Object(connection=agent).all()
    assert "Not authorized" in str(refused.value)
