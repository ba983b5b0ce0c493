"""core/frontend_content.py on fakes: who may change the content, what public readers see, the usage
counter, image paths and the dynamic field configuration."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core import frontend_content as fc
from chalicelib.core.errors import Conflict, InvalidInput, NotFound, OperationFailed, PermissionDenied, TooLarge
from chalicelib.core.model import ObjectAttribute
from tests.core.fakes import FakeBlobStore, FakeFrontendContentRepository, World, make_world


@pytest.fixture()
def w() -> World:
    return make_world()


class Setup:
    def __init__(self, w: World) -> None:
        self.repo = FakeFrontendContentRepository()
        self.blobs = FakeBlobStore()
        self.attributes: list[ObjectAttribute] = []
        self.content = fc.FrontendContent(self.repo, self.blobs, w.ids, w.clock, w.catalog,
                                          lambda: self.attributes)


@pytest.fixture()
def s(w: World) -> Setup:
    return Setup(w)


def test_only_admins_change_content(w: World, s: Setup) -> None:
    for principal in (w.agent, w.customer_a):
        with pytest.raises(PermissionDenied):
            s.content.save_menu_item(principal, fc.MenuItem(0, "Main", "Home", route_link="/home"))
        with pytest.raises(PermissionDenied):
            s.content.put_setting(principal, fc.STATUS_MAP, {"open": "open"})
        with pytest.raises(PermissionDenied):
            s.content.put_image(principal, "layout", "logo.png", "image/png", b"png")
    assert s.repo.items == {} and s.blobs.objects == {}


def test_settings_are_validated_and_versioned(w: World, s: Setup) -> None:
    first = s.content.put_setting(w.admin, "HomePage::de", {"HeroUnit": {"Title": "Hallo"}})
    w.clock.advance(60)
    second = s.content.put_setting(w.admin, "HomePage::de", {"HeroUnit": {"Title": "Willkommen"}})
    assert second.version == 2 and second.created_at == first.created_at and second.updated_at > first.updated_at
    assert s.content.home_page("de").value == {"HeroUnit": {"Title": "Willkommen"}}
    with pytest.raises(InvalidInput) as bad_key:
        s.content.put_setting(w.admin, "Anything", {})
    assert bad_key.value.field == "Key"
    with pytest.raises(InvalidInput):
        s.content.put_setting(w.admin, "HomePage::../x", {})
    with pytest.raises(InvalidInput):
        s.content.put_setting(w.admin, fc.STATUS_MAP, ["not", "an", "object"])
    with pytest.raises(TooLarge):
        s.content.put_setting(w.admin, fc.STATUS_MAP, {"x": "y" * (fc.MAX_DOCUMENT_BYTES + 1)})


def test_home_page_falls_back_to_the_default_language(w: World, s: Setup) -> None:
    with pytest.raises(NotFound):
        s.content.home_page("de")
    s.content.put_setting(w.admin, "HomePage::en", {"HeroUnit": {}})
    assert s.content.home_page("de").key == "HomePage::en"


def test_menu_for_anonymous_callers_and_customers(w: World, s: Setup) -> None:
    add = lambda **kw: s.content.save_menu_item(w.admin, fc.MenuItem(0, route_link="/x", **kw))  # noqa: E731
    add(position="Main", name="b public", is_public=True, prio=200)
    add(position="Main", name="a public", is_public=True, prio=200)
    add(position="Main", name="first", is_public=True, prio=10)
    add(position="Main", name="private")
    add(position="Top", name="users queue", groups=["Users"])
    add(position="Top", name="read-only sales", groups_ro=["Sales"])
    add(position="Top", name="unknown group", groups=["Nope"])
    add(position="Bottom", name="inactive", is_public=True, active=False)
    anonymous = s.content.menu(None)
    assert [i.name for i in anonymous["Main"]] == ["first", "a public", "b public"]
    assert anonymous["Top"] == [] and anonymous["Bottom"] == []
    customer = s.content.menu(w.customer_a)
    assert [i.name for i in customer["Main"]] == ["first", "private", "a public", "b public"]  # Prio, then name
    assert [i.name for i in customer["Top"]] == ["read-only sales", "users queue"]


def test_menu_items_are_validated(w: World, s: Setup) -> None:
    for item, field in ((fc.MenuItem(0, "Side", "x", route_link="/x"), "Position"),
                        (fc.MenuItem(0, "Main", "", route_link="/x"), "Name"),
                        (fc.MenuItem(0, "Main", "x"), "RouteLink"),
                        (fc.MenuItem(0, "Main", "x", route_link="home"), "RouteLink"),
                        (fc.MenuItem(0, "Main", "x", external_link="javascript:alert(1)"), "ExternalLink"),
                        (fc.MenuItem(0, "Main", "x", route_link="/x", target="_top"), "Target")):
        with pytest.raises(InvalidInput) as error:
            s.content.save_menu_item(w.admin, item)
        assert error.value.field == field


def test_custom_pages(w: World, s: Setup) -> None:
    page = s.content.save_custom_page(w.admin, fc.CustomPage(0, "about", "en", "About", "<p>Us</p>"))
    assert s.content.custom_page("about", "fr").id == page.id
    with pytest.raises(Conflict):
        s.content.save_custom_page(w.admin, fc.CustomPage(0, "about", "en", "About again", ""))
    with pytest.raises(InvalidInput):
        s.content.save_custom_page(w.admin, fc.CustomPage(0, "../etc", "en", "Bad", ""))
    s.content.save_custom_page(w.admin, replace(page, active=False))
    with pytest.raises(NotFound) as hidden:
        s.content.custom_page("about", "en")
    assert hidden.value.details["otrs_message"] == fc.PAGE_NOT_FOUND


@pytest.mark.parametrize("path", ["../x.png", "/abs.png", "a/../../b.png", "a\\b.png", "", "a//b.png", ".hidden",
                                  "x" * 201])
def test_image_paths_stay_inside_their_area(path: str) -> None:
    with pytest.raises(InvalidInput):
        fc.image_path(path)


def test_images_keep_their_type_and_etag(w: World, s: Setup) -> None:
    image = s.content.put_image(w.admin, "layout", "img/logo.png", "image/png; charset=binary", b"\x89PNG-1")
    assert s.blobs.objects["frontend/layout/img/logo.png"].data == b"\x89PNG-1"
    found, data = s.content.image("layout", "img/logo.png")
    assert (found.content_type, data, found.etag) == ("image/png", b"\x89PNG-1", image.etag)
    changed = s.content.put_image(w.admin, "layout", "img/logo.png", "image/png", b"\x89PNG-2")
    assert changed.etag != image.etag and changed.version == 2
    with pytest.raises(NotFound):
        s.content.image("homepage", "img/logo.png")
    with pytest.raises(InvalidInput):
        s.content.put_image(w.admin, "layout", "x.html", "text/html", b"<script>")
    with pytest.raises(TooLarge):
        s.content.put_image(w.admin, "layout", "big.png", "image/png", b"0" * (fc.MAX_IMAGE_BYTES + 1))


def _catalogue(w: World, s: Setup) -> tuple[fc.CatalogueCategory, fc.CatalogueCategory, fc.CatalogueItem]:
    root = s.content.save_category(w.admin, fc.CatalogueCategory(0, {"en": "Home", "de": "Start"}))
    child = s.content.save_category(w.admin, fc.CatalogueCategory(0, {"en": "Child"}, parent_id=root.id))
    item = s.content.save_item(w.admin, fc.CatalogueItem(0, [child.id], "/x", {
        "en": fc.ItemContent(0, "Thing"), "de": fc.ItemContent(0, "Ding")}))
    return root, child, item


def test_catalogue_languages_and_visibility(w: World, s: Setup) -> None:
    root, child, item = _catalogue(w, s)
    language, categories = s.content.categories("de")
    assert language == "de" and [t for _, t in categories] == ["Start", "Child"]  # Child: the English title
    assert s.content.categories("fr")[0] == "en"
    page = s.content.items("de", 0, 10)
    assert page.total == 1 and page.items[0][1].title == "Ding"
    content_id = item.contents["de"].content_id
    assert s.content.item_content(content_id)[1].title == "Ding"
    s.content.save_category(w.admin, replace(root, active=False))
    assert s.content.categories("en")[1] == [] and s.content.items("en", 0, 10).total == 0
    with pytest.raises(NotFound):
        s.content.item_content(content_id)
    with pytest.raises(InvalidInput):
        s.content.items("en", 0, 10, category_id=child.id)


def test_categories_cannot_form_cycles_or_vanish_in_use(w: World, s: Setup) -> None:
    root, child, item = _catalogue(w, s)
    with pytest.raises(InvalidInput):
        s.content.save_category(w.admin, replace(root, parent_id=child.id))
    with pytest.raises(InvalidInput):
        s.content.save_item(w.admin, fc.CatalogueItem(0, [99], "/x", {"en": fc.ItemContent(0, "x")}))
    with pytest.raises(Conflict):
        s.content.delete(w.admin, fc.CATEGORY, child.id)
    s.content.delete(w.admin, fc.ITEM, item.id)
    s.content.delete(w.admin, fc.CATEGORY, child.id)
    assert [c.id for c, _ in s.content.categories("en")[1]] == [root.id]


def test_track_counts_active_items_only(w: World, s: Setup) -> None:
    _, _, item = _catalogue(w, s)
    assert s.content.track(item.id) == 1 and s.content.track(item.id) == 2
    s.content.save_item(w.admin, s.content.items("en", 0, 1).items[0][0])  # a later edit keeps the count
    assert s.content.items("en", 0, 1).items[0][0].uses == 2
    for missing in (999,):
        with pytest.raises(OperationFailed) as failed:
            s.content.track(missing)
        assert failed.value.identifier == "UsageCounterIncreaseFailed"
    s.repo.fail_count_use = NotFound("SCITEM", item.id)  # deleted between the read and the write
    with pytest.raises(OperationFailed):
        s.content.track(item.id)
    s.repo.fail_count_use = None
    hidden = replace(s.content.items("en", 0, 1).items[0][0], active=False)
    s.content.save_item(w.admin, hidden)
    with pytest.raises(OperationFailed):
        s.content.track(item.id)


def test_dynamic_fields_follow_the_screen_setting(s: Setup) -> None:
    def attribute(id: int, name: str, **kw: object) -> ObjectAttribute:
        return ObjectAttribute(id=id, object="Ticket", name=name, display=name.title(), data_type="select",
                               data_option={"default": "a", "options": {"a": "A"}}, position=id, **kw)
    s.attributes = [attribute(101, "shown"), attribute(102, "pending", to_create=True),
                    attribute(103, "inactive", active=False), attribute(104, "off")]
    config = s.content.dynamic_fields({"shown": 1, "pending": 2, "inactive": 1, "off": 0})
    assert [f["Name"] for f in config] == ["shown"]
    assert config[0]["FieldType"] == "Dropdown" and config[0]["Config"] == {"DefaultValue": "a",
                                                                            "PossibleValues": {"a": "A"}}
