"""/api/frontend/external: configuration, menu, pages, images, ticket screens and the service catalogue
(seed 000 OTRS-32..34, 44..57), on the content bootstrap provisions plus what a test adds as admin."""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import pytest

from chalicelib import bootstrap, settings
from chalicelib.bootstrap import solid_png
from chalicelib.core import frontend_content as fc
from chalicelib.core.model import Principal
from tests.api.otrs.conftest import Otrs
from tests.conftest import Reply

PREFIX = "/api/frontend/external"


class Frontend:
    """Requests to the external frontend, anonymous by default or as a customer (token from the login)."""

    def __init__(self, otrs: Otrs) -> None:
        self.otrs = otrs

    def request(self, method: str, path: str, body: Any = None, who: Optional[str] = None,
                headers: Optional[dict[str, str]] = None) -> Reply:
        sent = {"Content-Type": "application/json", "Accept": "*/*"}
        if who is not None:
            sent["Authentication"] = f"Bearer {self.otrs.login(who)}"
        sent.update(headers or {})
        payload = b"" if body is None else json.dumps(body).encode()
        return Reply(self.otrs.api.client.http.request(method, PREFIX + path, headers=sent, body=payload))

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)


@pytest.fixture()
def front(otrs: Otrs) -> Iterator[Frontend]:
    yield Frontend(otrs)


def admin() -> Principal:
    c = bootstrap.container()
    user = c.user_store.by_email(c.settings.admin_email)
    return Principal(user=user, permissions=user.permissions)


def content() -> fc.FrontendContent:
    return bootstrap.container().frontend_content


def ok(reply: Reply) -> Any:
    assert reply.status == 200, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    return reply.json


def errors_of(reply: Reply) -> list[str]:
    assert reply.status == 422, reply
    return list(reply.json["Errors"])


# --- config, pages ------------------------------------------------------------------------------------

def test_config_follows_the_settings(front: Frontend, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ok(front.get("/config")) == {"WebApp::API::Customer::Account::Recover": "1",
                                        "WebApp::API::Customer::Account::Register": "1"}
    monkeypatch.setenv("HELPDESK_CUSTOMER_REGISTRATION", "0")
    settings.reset()
    bootstrap.container().settings = settings.get()
    assert ok(front.get("/config"))["WebApp::API::Customer::Account::Register"] == "0"


def test_custom_page_by_slug_and_language(front: Frontend) -> None:
    page = ok(front.get("/custom-page/content/imprint/en"))
    assert page["Content"].startswith("<h1>Imprint</h1>") and page["Language"] == "en"
    assert ok(front.get("/custom-page/content/imprint"))["Content"] == page["Content"]
    # no German imprint: the default language's page
    assert ok(front.get("/custom-page/content/imprint/de"))["Language"] == "en"
    content().save_custom_page(admin(), fc.CustomPage(0, "imprint", "de", "Impressum", "<h1>Impressum</h1>"))
    assert ok(front.get("/custom-page/content/imprint/de"))["Content"] == "<h1>Impressum</h1>"


def test_missing_and_inactive_pages_are_404(front: Frontend) -> None:
    missing = front.get("/custom-page/content/nothing-here/en")
    assert missing.status == 404 and missing.json == {"Error": "Custom page was not found."}
    draft = content().save_custom_page(admin(), fc.CustomPage(0, "draft", "en", "Draft", "secret", active=False))
    assert front.get("/custom-page/content/draft/en").status == 404
    assert errors_of(front.get("/custom-page/content/imprint/not a language")) == ["Language"]
    assert draft.id


def test_custom_page_inline_image(front: Frontend) -> None:
    c, actor = content(), admin()
    page = c.save_custom_page(actor, fc.CustomPage(0, "team", "en", "Team", '<img src="...">'))
    c.put_page_image(actor, page.id, "photo.png", "image/png", solid_png((1, 2, 3)))
    reply = front.get(f"/custom-page/inline-image?CustomPageID={page.id}&ContentID=photo.png")
    assert reply.status == 200 and reply.headers["content-type"] == "image/png"
    assert reply.body == solid_png((1, 2, 3))
    assert front.get(f"/custom-page/inline-image?CustomPageID={page.id}&ContentID=other.png").status == 404
    assert errors_of(front.get(f"/custom-page/inline-image?CustomPageID={page.id}")) == ["ContentID"]
    assert errors_of(front.get("/custom-page/inline-image?CustomPageID=x&ContentID=a.png")) == ["CustomPageID"]
    assert errors_of(front.get(f"/custom-page/inline-image?CustomPageID={page.id}&ContentID=../x")) == ["ContentID"]
    page.active = False
    c.save_custom_page(actor, page)
    hidden = front.get(f"/custom-page/inline-image?CustomPageID={page.id}&ContentID=photo.png")
    assert hidden.status == 404 and hidden.json == {"Error": "Custom page was not found."}


# --- home page and images ---------------------------------------------------------------------------------

def test_home_page_config_per_language(front: Frontend) -> None:
    german = ok(front.get("/homepage/config/de"))
    assert german["Key"] == "HomePage::de" and german["Value"]["HeroUnit"]["Title"] == "Wie können wir helfen?"
    assert set(german) == {"Key", "Value", "CreateTime", "CreateBy", "ChangeTime", "ChangeBy"}
    assert len(german["ChangeTime"]) == 19 and german["ChangeTime"][10] == " "
    assert ok(front.get("/homepage/config"))["Key"] == "HomePage::en"
    assert ok(front.get("/homepage/config/fr"))["Key"] == "HomePage::en"  # falls back to the default language
    assert errors_of(front.get("/homepage/config/..")) == ["Language"]


@pytest.mark.parametrize("path, query", [("/homepage/image", "?Path=hero.png"), ("/layout/image", "?Path=logo.png"),
                                         ("/layout/favicon", ""), ("/layout/favicon", "?Path=favicon.png")])
def test_images_with_content_type_and_cache_headers(front: Frontend, path: str, query: str) -> None:
    reply = front.get(path + query)
    assert reply.status == 200, reply
    assert reply.headers["content-type"] == "image/png" and reply.body.startswith(b"\x89PNG")
    assert reply.headers["cache-control"] == "public, max-age=3600"
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    etag = reply.headers["etag"]
    again = front.get(path + query, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["etag"] == etag


@pytest.mark.parametrize("path", ["/homepage/image?Path=../layout/logo.png", "/homepage/image?Path=/etc/passwd",
                                  "/layout/image?Path=a/../../b.png", "/layout/image", "/layout/image?Path=a%5Cb.png",
                                  "/layout/favicon?Path=..%2Fx"])
def test_image_paths_cannot_leave_their_area(front: Frontend, path: str) -> None:
    assert errors_of(front.get(path)) == ["Path"]


def test_an_image_of_another_area_or_none_is_404(front: Frontend) -> None:
    reply = front.get("/homepage/image?Path=logo.png")  # a layout image, not a home page one
    assert reply.status == 404 and reply.json == {"Error": "Image not found."}


def test_a_changed_image_gets_a_new_etag(front: Frontend) -> None:
    before = front.get("/layout/image?Path=logo.png").headers["etag"]
    content().put_image(admin(), "layout", "logo.png", "image/png", solid_png((200, 0, 0)))
    after = front.get("/layout/image?Path=logo.png", headers={"If-None-Match": before})
    assert after.status == 200 and after.headers["etag"] != before and after.body == solid_png((200, 0, 0))


# --- menu, preferences ---------------------------------------------------------------------------------------

def _names(menu: dict, position: str = "Main") -> list[str]:
    return [item["Name"] for item in menu[position]]


def test_anonymous_callers_get_the_public_menu(front: Frontend) -> None:
    menu = ok(front.get("/menu"))
    assert set(menu) == {"Top", "Main", "Bottom"}
    assert _names(menu) == ["Home", "Knowledge Base", "Service Catalogue"]
    assert all(item["IsPublic"] == "1" for items in menu.values() for item in items)
    assert set(menu["Main"][0]) == {"Prio", "Name", "ExternalLink", "Target", "IsPublic", "RouteLink", "Description",
                                    "GroupRo", "Group"}
    # a bad token is no error here: the public menu
    assert _names(ok(front.get("/menu", headers={"Authentication": "Bearer nope"}))) == _names(menu)


def test_customers_also_get_private_entries_they_may_use(front: Frontend) -> None:
    c, actor = content(), admin()
    c.save_menu_item(actor, fc.MenuItem(0, "Top", "Queue help", route_link="/queue-help", groups=["Users"], prio=5))
    c.save_menu_item(actor, fc.MenuItem(0, "Top", "Other queue", route_link="/other", groups_ro=["Nope"]))
    c.save_menu_item(actor, fc.MenuItem(0, "Top", "Hidden", route_link="/hidden", is_public=True, active=False))
    menu = ok(front.get("/menu", who="customer"))
    assert _names(menu) == ["Home", "Knowledge Base", "New Ticket", "Service Catalogue", "Tickets"]
    assert _names(menu, "Top") == ["Queue help"] and menu["Top"][0]["Group"] == ["Users"]
    assert _names(ok(front.get("/menu")), "Top") == []


def test_personal_preference_categories_need_a_customer(front: Frontend) -> None:
    categories = ok(front.get("/personal-preferences/categories", who="customer"))["Categories"]
    assert [c["Key"] for c in categories] == ["UserProfile", "Security", "Notifications"]
    assert front.get("/personal-preferences/categories").json == {"Error": "Bad token."}
    assert front.get("/personal-preferences/categories").status == 401


# --- service catalogue ----------------------------------------------------------------------------------------

def test_categories_in_a_language(front: Frontend) -> None:
    english = ok(front.post("/service-catalogue/categories", {"Language": "en"}))
    assert english == {"Language": "en", "Categories": [{"CategoryID": "1", "Title": "Home"},
                                                        {"CategoryID": "2", "Title": "Hardware", "ParentID": "1"}]}
    assert ok(front.post("/service-catalogue/categories", {"Language": "de"}))["Categories"][0]["Title"] == "Startseite"
    assert ok(front.post("/service-catalogue/categories", {"Language": "fr"}))["Language"] == "en"
    assert ok(front.post("/service-catalogue/categories"))["Language"] == "en"
    assert errors_of(front.post("/service-catalogue/categories", {"Language": 5})) == ["Language"]


def test_items_paged_and_by_category(front: Frontend) -> None:
    items = ok(front.post("/service-catalogue", {"Language": "en"}))
    assert [i["Title"] for i in items["Items"]] == ["Ask a question", "Request hardware"]
    assert items["TotalItems"] == 2 and items["Items"][0]["CategoryID"] == [1] and items["Items"][0]["Link"]
    second = ok(front.post("/service-catalogue", {"ItemsPerPage": "1", "Page": "2", "Language": "de"}))
    assert [i["Title"] for i in second["Items"]] == ["Hardware anfordern"]
    assert [i["ItemID"] for i in ok(front.post("/service-catalogue/2", {}))["Items"]] == [2]
    assert errors_of(front.post("/service-catalogue", {"ItemsPerPage": "0"})) == ["ItemsPerPage"]
    assert errors_of(front.post("/service-catalogue", {"Page": "x"})) == ["Page"]
    assert errors_of(front.post("/service-catalogue/99", {})) == ["CategoryID"]
    assert errors_of(front.post("/service-catalogue/abc", {})) == ["CategoryID"]


def test_inactive_categories_hide_their_subtree_and_items(front: Frontend) -> None:
    c, actor = content(), admin()
    home = _decoded_category(1)
    home.active = False
    c.save_category(actor, home)
    assert ok(front.post("/service-catalogue/categories", {}))["Categories"] == []
    assert ok(front.post("/service-catalogue", {}))["Items"] == []
    assert errors_of(front.post("/service-catalogue/2", {})) == ["CategoryID"]


def _decoded_category(category_id: int) -> fc.CatalogueCategory:
    return next(cat for cat, _ in content().categories("en")[1] if cat.id == category_id)


def test_item_content(front: Frontend) -> None:
    listed = ok(front.post("/service-catalogue", {"Language": "de"}))["Items"][0]
    item = ok(front.get(f"/service-catalogue/item-content/{listed['ItemContentID']}"))
    assert item == {"ItemID": listed["ItemID"], "ItemContentID": listed["ItemContentID"], "Title": "Eine Frage stellen",
                    "Description": listed["Description"], "Link": "/ticket/create", "CategoryIDs": [1]}
    assert errors_of(front.get("/service-catalogue/item-content/x")) == ["ItemContentID"]
    missing = front.get("/service-catalogue/item-content/999")
    assert missing.status == 404 and missing.json == {"Error": "Service catalogue item was not found."}


def test_track_counts_and_orders_by_use(front: Frontend) -> None:
    for _ in range(2):
        reply = front.post("/service-catalogue/track/2")
        assert ok(reply) == {"Message": "Item usage counter has been increased successfully."}
    assert [i["ItemID"] for i in ok(front.post("/service-catalogue", {}))["Items"]] == [2, 1]
    failed = front.post("/service-catalogue/track/999")
    assert failed.status == 900 and failed.json == [{
        "ErrorIdentifier": "UsageCounterIncreaseFailed",
        "ErrorMessage": "Increase of the service usage counter failed. Please contact the administrator."}]
    assert errors_of(front.post("/service-catalogue/track/0")) == ["ItemID"]


# --- ticket screens ------------------------------------------------------------------------------------------

def test_ticket_create_config_counts_startable_processes(front: Frontend) -> None:
    config = ok(front.get("/ticket/create", who="customer"))
    assert config == {"NextScreenAfterNewTicket": "TicketOverview", "ProcessCount": 1}  # the demo process
    assert front.get("/ticket/create").status == 401


def test_an_agent_token_is_403(front: Frontend) -> None:
    c = bootstrap.container()
    from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
    token, _ = c.authenticator.issue_jwt(c.user_store.by_email("agent@example.com"), OTRS_CUSTOMER_AUDIENCE)
    reply = front.get("/ticket/create", headers={"Authentication": f"Bearer {token}"})
    assert reply.status == 403 and reply.json == {"Error": "Access denied."}


def _custom_checkbox(front: Frontend) -> None:
    reply = front.otrs.api.post("/api/v1/object_manager_attributes", {
        "object": "Ticket", "name": "vip_customer", "display": "VIP", "data_type": "boolean",
        "data_option": {"default": False, "options": {"true": "yes", "false": "no"}},
        "screens": {}, "active": True, "position": 4})
    assert reply.status in (200, 201), reply
    assert front.otrs.api.post("/api/v1/object_manager_attributes_execute_migrations", {}).status == 200


def test_ticket_list_config_shows_the_enabled_dynamic_fields(front: Frontend) -> None:
    config = ok(front.get("/ticketlist/config"))
    assert set(config) == {"ExternalFrontend::TicketOverview", "StatusMap", "DynamicFieldsConfig"}
    assert config["ExternalFrontend::TicketOverview"]["ColumnHeader"] == "TicketTitle"
    assert config["StatusMap"]["open"] == "open" and config["DynamicFieldsConfig"] == []
    _custom_checkbox(front)
    overview = dict(config["ExternalFrontend::TicketOverview"], DynamicField={"vip_customer": 1})
    content().put_setting(admin(), fc.TICKET_OVERVIEW, overview)
    fields = ok(front.get("/ticketlist/config"))["DynamicFieldsConfig"]
    assert len(fields) == 1 and fields[0]["Name"] == "vip_customer" and fields[0]["FieldType"] == "Checkbox"
    assert fields[0]["Label"] == "VIP" and fields[0]["ObjectType"] == "Ticket" and fields[0]["ValidID"] == 1


def test_detail_view_config_checks_the_ticket(front: Frontend) -> None:
    config = ok(front.get("/ticket/detail-view", who="customer"))
    assert config["NextScreenAfterFollowUp"] == "TicketOverview" and config["DynamicFieldsConfig"] == []
    tickets = ok(front.otrs.get("/ticket/list"))["List"]
    number = tickets[0]["TicketNumber"]
    assert ok(front.get(f"/ticket/detail-view/{number}", who="customer"))["TicketNumber"] == number
    for wrong in ("12", "20200101999999", number[:8] + "0" + number[8:]):
        denied = front.get(f"/ticket/detail-view/{wrong}", who="customer")
        assert denied.status == 403 and denied.json == {"Error": "Access denied."}
    assert front.get(f"/ticket/detail-view/{number}").status == 401


def test_a_ticket_created_from_the_catalogue_link_reaches_agents(front: Frontend) -> None:
    """Round trip: the catalogue item's link leads to ticket creation; the ticket is what agents see in
    /api/v1, and the create screen's config matches the create answer."""
    link = ok(front.post("/service-catalogue", {}))["Items"][0]["Link"]
    assert link == "/ticket/create"
    screen = ok(front.get(link, who="customer"))
    created = ok(front.otrs.post("/ticket", {"Title": "From the catalogue", "Body": "Please help."}))
    assert created["NextScreenAfterNewTicket"] == screen["NextScreenAfterNewTicket"]
    found = front.otrs.api.get("/api/v1/tickets/search?query=catalogue", who="agent")
    assert found.status == 200, found
    titles = [t["title"] for t in found.json] if isinstance(found.json, list) else \
        [t["title"] for t in found.json["assets"]["Ticket"].values()]
    assert "From the catalogue" in titles
