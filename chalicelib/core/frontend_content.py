"""The OTRS external frontend's content (seed 000, `/api/frontend/external`): interface settings, the
navigation menu, home pages per language, custom pages, images, the ticket screens' configuration and
the service catalogue (categories, items, usage counters).

All of it is data an admin manages (`policy.can_manage_frontend`) and anybody may read where it is
published: public readers never see an inactive menu item, page, category or item, and images are
served only from the areas (`homepage`, `layout`, `custom-page`) they were stored under. The store is
one small partition read per kind (`FrontendContentRepository`); image bytes live in S3 (BlobStore).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Optional, TypeVar

from . import policy
from .catalog import Catalog
from .errors import Conflict, InvalidInput, NotFound, OperationFailed, TooLarge
from .model import ObjectAttribute, Principal
from .ports import BlobStore, Clock, FrontendContentRepository, IdAllocator, NewBlob, StoredContent
from .users import iso

DEFAULT_LANGUAGE = "en"
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?$")
MENU_POSITIONS = ("Top", "Main", "Bottom")
IMAGE_AREAS = ("homepage", "layout", "custom-page")
IMAGE_TYPES = frozenset(("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "image/x-icon",
                         "image/vnd.microsoft.icon"))
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_DOCUMENT_BYTES = 200_000          # one setting or page stays far below DynamoDB's 400 KB item
IMAGE_PATH = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
MAX_PATH = 200
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
USAGE_FAILED = ("UsageCounterIncreaseFailed",
                "Increase of the service usage counter failed. Please contact the administrator.")
PAGE_NOT_FOUND = "Custom page was not found."

# Settings an admin may store (a JSON object each). HomePage::<language> is one per language.
HOME_PAGE_PREFIX = "HomePage::"
TICKET_OVERVIEW = "ExternalFrontend::TicketOverview"
TICKET_DETAIL_VIEW = "ExternalFrontend::TicketDetailView"
TICKET_CREATE = "ExternalFrontend::TicketCreate"
STATUS_MAP = "ExternalFrontend::StatusMap"
LAYOUT = "ExternalFrontend::Layout"
PREFERENCE_CATEGORIES = "ExternalFrontend::PersonalPreferences"
SETTING_KEYS = (TICKET_OVERVIEW, TICKET_DETAIL_VIEW, TICKET_CREATE, STATUS_MAP, LAYOUT, PREFERENCE_CATEGORIES)

# Zammad data types -> the dynamic field types OTRS's frontend renders.
FIELD_TYPES = {"input": "Text", "textarea": "TextArea", "richtext": "TextArea", "select": "Dropdown",
               "multiselect": "Multiselect", "boolean": "Checkbox", "checkbox": "Checkbox", "integer": "Text",
               "date": "Date", "datetime": "DateTime"}

# Stored kinds (one sort-key prefix each).
SETTING, MENU, PAGE, CATEGORY, ITEM, IMAGE = "SETTING", "MENU", "PAGE", "SCCATEGORY", "SCITEM", "IMAGE"


@dataclass
class Setting:
    key: str
    value: dict[str, Any]
    created_at: str = ""
    updated_at: str = ""
    created_by_id: int = 1
    updated_by_id: int = 1
    version: int = 0


@dataclass
class MenuItem:
    """A navigation entry. `groups` (rw) / `groups_ro` name queue groups: a customer sees an item naming
    any only when holding that permission on one of them; anonymous callers see `is_public` items only."""
    id: int
    position: str
    name: str
    route_link: str = ""
    external_link: str = ""
    target: str = ""
    description: str = ""
    prio: int = 100
    is_public: bool = False
    groups: list[str] = field(default_factory=list)
    groups_ro: list[str] = field(default_factory=list)
    active: bool = True
    version: int = 0


@dataclass
class CustomPage:
    id: int
    slug: str
    language: str
    title: str
    content: str
    active: bool = True
    created_at: str = ""
    updated_at: str = ""
    version: int = 0


@dataclass
class CatalogueCategory:
    id: int
    titles: dict[str, str]               # language -> title
    parent_id: Optional[int] = None
    active: bool = True
    version: int = 0


@dataclass
class ItemContent:
    """An item's text in one language; `content_id` is what OTRS calls ItemContentID."""
    content_id: int
    title: str
    description: str = ""


@dataclass
class CatalogueItem:
    id: int
    category_ids: list[int]
    link: str
    contents: dict[str, ItemContent]     # language -> content
    active: bool = True
    uses: int = 0                        # the usage counter (`track`), kept by the store's atomic ADD
    version: int = 0


@dataclass
class Image:
    area: str
    path: str
    content_type: str
    size: int
    etag: str
    updated_at: str = ""
    version: int = 0

    @property
    def blob_key(self) -> str:
        return f"frontend/{self.area}/{self.path}"


Stored = TypeVar("Stored", Setting, MenuItem, CustomPage, CatalogueCategory, CatalogueItem, Image)


def padded(number: int) -> str:
    return f"{number:010d}"


def _decode(cls: type[Stored], stored: StoredContent) -> Stored:
    names = {f.name for f in fields(cls)}
    values = {k: v for k, v in stored.doc.items() if k in names}
    if cls is CatalogueItem:
        values["contents"] = {lang: ItemContent(**content) for lang, content in values.get("contents", {}).items()}
        values["uses"] = stored.uses
    values["version"] = stored.version
    return cls(**values)


def _encode(obj: Any) -> dict[str, Any]:
    doc = asdict(obj)
    doc.pop("version", None)
    doc.pop("uses", None)
    return doc


def language_of(raw: Optional[str], field_name: str = "Language") -> str:
    """A language code (`en`, `de`, `pt_BR`), the default when not given; 422 when malformed."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return DEFAULT_LANGUAGE
    if not isinstance(raw, str) or not LANGUAGE.fullmatch(raw.strip()):
        raise InvalidInput(f"{field_name} must be a language code such as 'en' or 'pt_BR'.", field=field_name)
    return raw.strip()


def image_path(raw: Optional[str], field_name: str = "Path") -> str:
    """A relative image path inside its area: no `..`, no absolute or backslash paths (422 otherwise)."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput(f"{field_name} is required.", field=field_name)
    path = raw.strip()
    if len(path) > MAX_PATH or not IMAGE_PATH.fullmatch(path) or ".." in path.split("/"):
        raise InvalidInput(f"{field_name} must be a relative path of letters, digits, '.', '_', '-' and '/', "
                           "without '..'.", field=field_name)
    return path


def _check_size(document: Any, field_name: str) -> None:
    import json
    if len(json.dumps(document, default=str)) > MAX_DOCUMENT_BYTES:
        raise TooLarge(f"{field_name} is larger than {MAX_DOCUMENT_BYTES} bytes.", field=field_name)


def _text(value: Any, field_name: str, required: bool = True, limit: int = 500) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field_name} is required.", field=field_name)
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"{field_name} must be a string of at most {limit} characters.", field=field_name)
    return value.strip()


def _localized(texts: dict[str, Any], language: str) -> Any:
    """The text in `language`, else the default language's, else the first there is."""
    if language in texts:
        return texts[language]
    if DEFAULT_LANGUAGE in texts:
        return texts[DEFAULT_LANGUAGE]
    return next(iter(texts.values()), None)


def dynamic_field_config(attribute: ObjectAttribute) -> dict[str, Any]:
    """A custom Ticket attribute as OTRS's DynamicFieldsConfig entry (S-TicketListConfig)."""
    option = attribute.data_option
    config: dict[str, Any] = {"DefaultValue": option.get("default", "")}
    if isinstance(option.get("options"), dict):
        config["PossibleValues"] = option["options"]
    return {"ID": attribute.id, "InternalField": 0 if attribute.editable else 1, "Name": attribute.name,
            "Label": attribute.display, "FieldOrder": attribute.position, "FieldType":
            FIELD_TYPES.get(attribute.data_type, "Text"), "ObjectType": attribute.object, "Config": config,
            "ValidID": 1 if attribute.active else 2, "CreateTime": attribute.created_at,
            "ChangeTime": attribute.updated_at}


@dataclass(frozen=True)
class ItemPage:
    items: list[tuple[CatalogueItem, ItemContent]]
    total: int
    language: str


class FrontendContent:
    """Reads for the external frontend (public, or the signed-in customer's) and the admin's writes."""

    def __init__(self, repository: FrontendContentRepository, blobs: BlobStore, ids: IdAllocator, clock: Clock,
                 catalog: Callable[[], Catalog], ticket_attributes: Callable[[], list[ObjectAttribute]]) -> None:
        self._repository = repository
        self._blobs = blobs
        self._ids = ids
        self._clock = clock
        self._catalog = catalog
        self._ticket_attributes = ticket_attributes

    # --- reads ---------------------------------------------------------------------------------

    def _all(self, cls: type[Stored], kind: str) -> list[Stored]:
        return [_decode(cls, stored) for stored in self._repository.list(kind)]

    def _one(self, cls: type[Stored], kind: str, key: str) -> Optional[Stored]:
        stored = self._repository.get(kind, key)
        return _decode(cls, stored) if stored is not None else None

    def setting(self, key: str) -> Optional[Setting]:
        return self._one(Setting, SETTING, key)

    def setting_value(self, key: str) -> dict[str, Any]:
        found = self.setting(key)
        return dict(found.value) if found else {}

    def home_page(self, language: str) -> Setting:
        """The language's home page, else the default language's (the Key says which was served)."""
        for candidate in dict.fromkeys((language, DEFAULT_LANGUAGE)):
            found = self.setting(HOME_PAGE_PREFIX + candidate)
            if found is not None:
                return found
        raise NotFound("HomePage", language)

    def menu(self, principal: Optional[Principal]) -> dict[str, list[MenuItem]]:
        """Active items by position, Prio then name order: public ones for anonymous callers; for a
        customer also the private ones whose group condition the customer meets."""
        out: dict[str, list[MenuItem]] = {position: [] for position in MENU_POSITIONS}
        catalog = self._catalog()
        for item in self._all(MenuItem, MENU):
            if not item.active or item.position not in out:
                continue
            if principal is None and not item.is_public:
                continue
            if principal is not None and (item.groups or item.groups_ro) and not self._meets_groups(
                    principal, item, catalog):
                continue
            out[item.position].append(item)
        for items in out.values():
            items.sort(key=lambda i: (i.prio, i.name.lower(), i.id))
        return out

    @staticmethod
    def _meets_groups(principal: Principal, item: MenuItem, catalog: Catalog) -> bool:
        by_name = {group.name: group.id for group in catalog.groups}
        rw = [by_name[name] for name in item.groups if name in by_name]
        ro = [by_name[name] for name in item.groups_ro if name in by_name]
        return (any(policy.customer_group_permission(principal, gid, "rw") for gid in rw)
                or any(policy.customer_group_permission(principal, gid, "ro") for gid in ro))

    def custom_page(self, slug: str, language: str) -> CustomPage:
        """The active page with the slug in the language, else in the default language; 404 otherwise."""
        pages = [p for p in self._all(CustomPage, PAGE) if p.active and p.slug == slug]
        for candidate in dict.fromkeys((language, DEFAULT_LANGUAGE)):
            for page in pages:
                if page.language == candidate:
                    return page
        raise self._page_not_found(slug)

    @staticmethod
    def _page_not_found(key: Any) -> NotFound:
        error = NotFound("CustomPage", key)
        error.details["otrs_message"] = PAGE_NOT_FOUND
        return error

    def image(self, area: str, path: str) -> tuple[Image, bytes]:
        """A stored image of the area by its relative path (validated: it cannot leave the area)."""
        if area not in IMAGE_AREAS:
            raise ValueError(f"unknown image area {area!r}")
        found = self._one(Image, IMAGE, f"{area}#{image_path(path)}")
        if found is None:
            raise NotFound("Image", path)
        return found, self._blobs.get(found.blob_key)

    def favicon_path(self) -> str:
        return str(self.setting_value(LAYOUT).get("Favicon") or "favicon.png")

    def custom_page_image(self, page_id: int, content_id: str) -> tuple[Image, bytes]:
        """An inline image of an active custom page."""
        page = self._one(CustomPage, PAGE, padded(page_id))
        if page is None or not page.active:
            raise self._page_not_found(page_id)
        return self.image("custom-page", f"{page_id}/{image_path(content_id, 'ContentID')}")

    def _visible_categories(self) -> dict[int, CatalogueCategory]:
        """Active categories whose ancestors are all active too."""
        categories = {c.id: c for c in self._all(CatalogueCategory, CATEGORY)}

        def shown(category: CatalogueCategory, depth: int = 0) -> bool:
            if not category.active or depth > len(categories):
                return False
            if category.parent_id is None:
                return True
            parent = categories.get(category.parent_id)
            return parent is not None and shown(parent, depth + 1)

        return {cid: c for cid, c in categories.items() if shown(c)}

    def categories(self, language: str) -> tuple[str, list[tuple[CatalogueCategory, str]]]:
        """(the language served, [(category, title)]) for the visible categories, id order."""
        visible = sorted(self._visible_categories().values(), key=lambda c: c.id)
        served = language if any(language in c.titles for c in visible) else DEFAULT_LANGUAGE
        return served, [(c, str(_localized(c.titles, served) or "")) for c in visible]

    def items(self, language: str, offset: int, limit: int, category_id: Optional[int] = None) -> ItemPage:
        """Active items of visible categories (of one category when given: 422 if it is not visible), most
        used first, then by id."""
        visible = self._visible_categories()
        if category_id is not None and category_id not in visible:
            raise InvalidInput("CategoryID is not a service catalogue category.", field="CategoryID")
        found = [item for item in self._all(CatalogueItem, ITEM) if item.active and item.contents
                 and (not item.category_ids or any(c in visible for c in item.category_ids))
                 and (category_id is None or category_id in item.category_ids)]
        found.sort(key=lambda i: (-i.uses, i.id))
        served = language if any(language in i.contents for i in found) else DEFAULT_LANGUAGE
        window = found[offset:offset + limit]
        return ItemPage([(item, _localized(item.contents, served)) for item in window], len(found), served)

    def item_content(self, content_id: int) -> tuple[CatalogueItem, ItemContent]:
        """An active item by the id of one of its language contents; 404 otherwise."""
        visible = self._visible_categories()
        for item in self._all(CatalogueItem, ITEM):
            for content in item.contents.values():
                if content.content_id == content_id and item.active and (
                        not item.category_ids or any(c in visible for c in item.category_ids)):
                    return item, content
        raise NotFound("ServiceCatalogueItemContent", content_id)

    def track(self, item_id: int) -> int:
        """Count one use of an active item (atomic ADD); E900 UsageCounterIncreaseFailed when the item is
        not there to count (unknown, inactive, deleted meanwhile) or the write fails."""
        item = self._one(CatalogueItem, ITEM, padded(item_id))
        if item is None or not item.active:
            raise OperationFailed(*USAGE_FAILED)
        try:
            return self._repository.count_use(ITEM, padded(item_id))
        except (NotFound, Conflict):
            raise OperationFailed(*USAGE_FAILED) from None

    def dynamic_fields(self, enabled: dict[str, Any]) -> list[dict[str, Any]]:
        """DynamicFieldsConfig: the usable custom Ticket attributes a screen's `DynamicField` map turns on
        (value 1 or 2, OTRS's enabled / enabled and shown)."""
        chosen = [a for a in self._ticket_attributes()
                  if a.object == "Ticket" and a.usable and str(enabled.get(a.name, 0)) in ("1", "2")]
        return [dynamic_field_config(a) for a in sorted(chosen, key=lambda a: (a.position, a.name))]

    # --- admin writes ----------------------------------------------------------------------------

    def _authorize(self, principal: Principal) -> None:
        policy.require(policy.can_manage_frontend(principal))

    def _put(self, principal: Principal, kind: str, key: str, obj: Any) -> None:
        self._authorize(principal)
        stored = StoredContent(kind, key, _encode(obj))
        self._repository.put(stored, obj.version)
        obj.version = stored.version

    def put_setting(self, principal: Principal, key: str, value: Any) -> Setting:
        """Store a setting (a JSON object); HomePage::<language> for any language code."""
        self._authorize(principal)
        if key.startswith(HOME_PAGE_PREFIX):
            language_of(key[len(HOME_PAGE_PREFIX):], "Key")
        elif key not in SETTING_KEYS:
            raise InvalidInput(f"Key must be one of {', '.join(SETTING_KEYS)} or {HOME_PAGE_PREFIX}<language>.",
                               field="Key")
        if not isinstance(value, dict):
            raise InvalidInput("Value must be a JSON object.", field="Value")
        _check_size(value, "Value")
        now = iso(self._clock)
        current = self.setting(key)
        setting = Setting(key, value, created_at=current.created_at if current else now, updated_at=now,
                          created_by_id=current.created_by_id if current else principal.id,
                          updated_by_id=principal.id, version=current.version if current else 0)
        self._put(principal, SETTING, key, setting)
        return setting

    def save_menu_item(self, principal: Principal, item: MenuItem) -> MenuItem:
        """Create (id 0) or replace a menu item; `item.version` must be the stored one on replace."""
        self._authorize(principal)
        if item.position not in MENU_POSITIONS:
            raise InvalidInput(f"Position must be one of {', '.join(MENU_POSITIONS)}.", field="Position")
        item.name = _text(item.name, "Name", limit=100)
        item.description = _text(item.description, "Description", required=False)
        item.route_link = _text(item.route_link, "RouteLink", required=False, limit=200)
        item.external_link = _text(item.external_link, "ExternalLink", required=False, limit=500)
        if not item.route_link and not item.external_link:
            raise InvalidInput("RouteLink or ExternalLink is required.", field="RouteLink")
        if item.route_link and not item.route_link.startswith("/"):
            raise InvalidInput("RouteLink must start with '/'.", field="RouteLink")
        if item.external_link and not re.match(r"^https?://", item.external_link):
            raise InvalidInput("ExternalLink must be an http(s) URL.", field="ExternalLink")
        if item.target not in ("", "_blank", "_self"):
            raise InvalidInput("Target must be '', '_blank' or '_self'.", field="Target")
        for name in [*item.groups, *item.groups_ro]:
            _text(name, "Group", limit=160)
        if item.id == 0:
            item.id = self._ids.next_id("frontend_menu")
        self._put(principal, MENU, padded(item.id), item)
        return item

    def save_custom_page(self, principal: Principal, page: CustomPage) -> CustomPage:
        self._authorize(principal)
        if not isinstance(page.slug, str) or not SLUG.fullmatch(page.slug):
            raise InvalidInput("Slug must be lower-case letters, digits and '-'.", field="Slug")
        page.language = language_of(page.language)
        page.title = _text(page.title, "Title", limit=200)
        if not isinstance(page.content, str):
            raise InvalidInput("Content must be a string.", field="Content")
        _check_size(page.content, "Content")
        clash = next((p for p in self._all(CustomPage, PAGE)
                      if p.slug == page.slug and p.language == page.language and p.id != page.id), None)
        if clash is not None:
            raise Conflict(f"A custom page '{page.slug}' in '{page.language}' exists already.")
        now = iso(self._clock)
        if page.id == 0:
            page.id = self._ids.next_id("frontend_page")
            page.created_at = now
        page.updated_at = now
        self._put(principal, PAGE, padded(page.id), page)
        return page

    def save_category(self, principal: Principal, category: CatalogueCategory) -> CatalogueCategory:
        self._authorize(principal)
        if not category.titles:
            raise InvalidInput("Title is required (one per language).", field="Title")
        category.titles = {language_of(lang): _text(title, "Title", limit=200)
                           for lang, title in category.titles.items()}
        existing = {c.id: c for c in self._all(CatalogueCategory, CATEGORY)}
        if category.id == 0:
            category.id = self._ids.next_id("service_catalogue_category")
        ancestor, seen = category.parent_id, set()
        while ancestor is not None:
            if ancestor == category.id or ancestor in seen or ancestor not in existing:
                raise InvalidInput("ParentID must be another existing category, not a descendant.",
                                   field="ParentID")
            seen.add(ancestor)
            ancestor = existing[ancestor].parent_id
        self._put(principal, CATEGORY, padded(category.id), category)
        return category

    def save_item(self, principal: Principal, item: CatalogueItem) -> CatalogueItem:
        """Create (id 0) or replace an item; contents without a content id get one."""
        self._authorize(principal)
        if not item.contents:
            raise InvalidInput("Title is required (one per language).", field="Title")
        existing = {c.id for c in self._all(CatalogueCategory, CATEGORY)}
        unknown = [cid for cid in item.category_ids if cid not in existing]
        if unknown:
            raise InvalidInput(f"Unknown CategoryIDs: {unknown}.", field="CategoryIDs")
        item.link = _text(item.link, "Link", required=False, limit=500)
        contents = {}
        for lang, content in item.contents.items():
            contents[language_of(lang)] = ItemContent(
                content_id=content.content_id or self._ids.next_id("service_catalogue_content"),
                title=_text(content.title, "Title", limit=200),
                description=_text(content.description, "Description", required=False, limit=10_000))
        item.contents = contents
        if item.id == 0:
            item.id = self._ids.next_id("service_catalogue_item")
        self._put(principal, ITEM, padded(item.id), item)
        return item

    def put_image(self, principal: Principal, area: str, path: str, content_type: str, data: bytes) -> Image:
        """Store an image's bytes (S3) and then its metadata (the table), so a served image always has bytes."""
        self._authorize(principal)
        if area not in IMAGE_AREAS:
            raise InvalidInput(f"Area must be one of {', '.join(IMAGE_AREAS)}.", field="Area")
        path = image_path(path)
        content_type = (content_type or "").split(";", 1)[0].strip().lower()
        if content_type not in IMAGE_TYPES:
            raise InvalidInput(f"ContentType must be one of {', '.join(sorted(IMAGE_TYPES))}.", field="ContentType")
        if not data:
            raise InvalidInput("The image is empty.", field="Content")
        if len(data) > MAX_IMAGE_BYTES:
            raise TooLarge(f"The image is larger than {MAX_IMAGE_BYTES} bytes.", field="Content")
        current = self._one(Image, IMAGE, f"{area}#{path}")
        image = Image(area, path, content_type, len(data), hashlib.sha256(data).hexdigest()[:32],
                      updated_at=iso(self._clock), version=current.version if current else 0)
        self._blobs.put(NewBlob(key=image.blob_key, data=data, content_type=content_type,
                                filename=path.rsplit("/", 1)[-1]))
        self._put(principal, IMAGE, f"{area}#{path}", image)
        return image

    def put_page_image(self, principal: Principal, page_id: int, content_id: str, content_type: str,
                       data: bytes) -> Image:
        """An inline image of a custom page (its ContentID), served while the page is active."""
        self._authorize(principal)
        if self._one(CustomPage, PAGE, padded(page_id)) is None:
            raise self._page_not_found(page_id)
        return self.put_image(principal, "custom-page", f"{page_id}/{image_path(content_id, 'ContentID')}",
                              content_type, data)

    def delete(self, principal: Principal, kind: str, object_id: int) -> None:
        """Remove a menu item, custom page, category or item (a category only when nothing refers to it)."""
        self._authorize(principal)
        classes = {MENU: MenuItem, PAGE: CustomPage, CATEGORY: CatalogueCategory, ITEM: CatalogueItem}
        if kind not in classes:
            raise ValueError(f"unknown kind {kind!r}")
        found = self._one(classes[kind], kind, padded(object_id))
        if found is None:
            raise NotFound(kind, object_id)
        if kind == CATEGORY:
            in_use = any(c.parent_id == object_id for c in self._all(CatalogueCategory, CATEGORY)) or any(
                object_id in i.category_ids for i in self._all(CatalogueItem, ITEM))
            if in_use:
                raise Conflict("The category still has subcategories or items.")
        self._repository.delete(kind, padded(object_id), found.version)
