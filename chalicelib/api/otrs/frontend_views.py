"""The OTRS external frontend's configuration and service catalogue (seed 000 OTRS-32..34, 44..57, under
`/api/frontend/external`). The content is data admins manage (core/frontend_content.py); these views
parse OTRS's requests and render its shapes. Public endpoints show only active content; images come from
S3 with their content type, `Cache-Control: public` and an ETag (a matching If-None-Match gets 304).

Where the seed marks a path parameter optional (`{Language}`, `{TicketNumber}`), the path without it is
registered too and means "the default".
"""
from __future__ import annotations

from typing import Any, Optional

from chalice import Response

from ...core import frontend_content as fc
from ...core.errors import NotFound, PermissionDenied
from ..application import binary_type
from . import schema
from .routes import API_VERSION, Call, frontend_route, message, optional_customer
from .ticket_views import access_denied, positive_int

IMAGE_MAX_AGE = 3600            # seconds a browser or CDN may keep an image without asking again
DEFAULT_ITEMS_PER_PAGE = 20
MAX_ITEMS_PER_PAGE = 100
IMAGE_NOT_FOUND = "Image not found."
CONTENT_NOT_FOUND = "Service catalogue item was not found."



def dynamic_fields(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """DynamicFieldsConfig entries with OTRS's `YYYY-MM-DD HH:MM:SS` times."""
    return [{**entry, "CreateTime": schema.otrs_time(entry.get("CreateTime")),
             "ChangeTime": schema.otrs_time(entry.get("ChangeTime"))} for entry in entries]

def _content(call: Call) -> fc.FrontendContent:
    return call.container.frontend_content


def _not_found(entity: str, key: Any, text: str) -> NotFound:
    error = NotFound(entity, key)
    error.details["otrs_message"] = text
    return error


def _image_response(call: Call, image: fc.Image, data: bytes) -> Response:
    """The bytes under their stored type with public caching; 304 when the client holds this version."""
    etag = f'"{image.etag}"'
    headers = {"Cache-Control": f"public, max-age={IMAGE_MAX_AGE}", "ETag": etag,
               "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
               "X-OTRS-API-Version": API_VERSION}
    wanted = [tag.strip() for tag in call.headers.get("if-none-match", "").split(",")]
    if etag in wanted or "*" in wanted:
        return Response(body="", status_code=304, headers=headers)
    headers["Content-Type"] = binary_type(image.content_type)
    headers["Content-Length"] = str(len(data))
    return Response(body=data, status_code=200, headers=headers)


def _image(call: Call, area: str, path: Optional[str]) -> Response:
    try:
        image, data = _content(call).image(area, path or "")
    except NotFound:
        raise _not_found("Image", path, IMAGE_NOT_FOUND) from None
    return _image_response(call, image, data)


# --- OTRS-32 config ---------------------------------------------------------------------------------

@frontend_route("/config", auth=False)
def external_config(call: Call) -> Any:
    """Whether the interface offers self-registration and password recovery (settings)."""
    settings = call.container.settings
    return {"WebApp::API::Customer::Account::Recover": "1" if settings.customer_password_recovery else "0",
            "WebApp::API::Customer::Account::Register": "1" if settings.customer_registration else "0"}


# --- OTRS-33, 34 custom pages -------------------------------------------------------------------------

def _custom_page(call: Call, slug: str, language: Optional[str]) -> Any:
    page = _content(call).custom_page(slug.strip().lower(), fc.language_of(language))
    return {"Content": page.content, "Title": page.title, "Language": page.language}


@frontend_route("/custom-page/content/{Slug}", auth=False)
def custom_page_default_language(call: Call, Slug: str) -> Any:
    return _custom_page(call, Slug, None)


@frontend_route("/custom-page/content/{Slug}/{Language}", auth=False)
def custom_page(call: Call, Slug: str, Language: str) -> Any:
    return _custom_page(call, Slug, Language)


@frontend_route("/custom-page/inline-image", auth=False)
def custom_page_inline_image(call: Call) -> Response:
    """The image bytes (an <img src> in the page's content points here), like the other image endpoints."""
    content_id = call.params.get("ContentID")
    if not content_id:
        raise schema.invalid("ContentID", "ContentID is required.")
    page_id = positive_int(call.params.get("CustomPageID", ""), "CustomPageID")
    try:
        image, data = _content(call).custom_page_image(page_id, content_id)
    except NotFound as error:
        if error.entity == "CustomPage":
            raise
        raise _not_found("Image", content_id, IMAGE_NOT_FOUND) from None
    return _image_response(call, image, data)


# --- OTRS-44..47 home page and layout -------------------------------------------------------------------

def _home_page(call: Call, language: Optional[str]) -> Any:
    try:
        page = _content(call).home_page(fc.language_of(language))
    except NotFound:
        raise _not_found("HomePage", language, "Home page configuration was not found.") from None
    return {"Key": page.key, "Value": page.value, "CreateTime": schema.otrs_time(page.created_at),
            "CreateBy": page.created_by_id, "ChangeTime": schema.otrs_time(page.updated_at),
            "ChangeBy": page.updated_by_id}


@frontend_route("/homepage/config", auth=False)
def home_page_default_language(call: Call) -> Any:
    return _home_page(call, None)


@frontend_route("/homepage/config/{Language}", auth=False)
def home_page(call: Call, Language: str) -> Any:
    return _home_page(call, Language)


@frontend_route("/homepage/image", auth=False)
def home_page_image(call: Call) -> Response:
    return _image(call, "homepage", call.params.get("Path"))


@frontend_route("/layout/favicon", auth=False)
def favicon(call: Call) -> Response:
    """`Path` is optional: the configured favicon without it."""
    return _image(call, "layout", call.params.get("Path") or _content(call).favicon_path())


@frontend_route("/layout/image", auth=False)
def layout_image(call: Call) -> Response:
    return _image(call, "layout", call.params.get("Path"))


# --- OTRS-48 menu, OTRS-49 personal preference categories ------------------------------------------------

def _menu_item(item: fc.MenuItem) -> dict[str, Any]:
    return {"Prio": str(item.prio), "Name": item.name, "Description": item.description,
            "RouteLink": item.route_link, "ExternalLink": item.external_link, "Target": item.target,
            "IsPublic": "1" if item.is_public else "", "Group": list(item.groups), "GroupRo": list(item.groups_ro)}


@frontend_route("/menu", auth=False)
def menu(call: Call) -> Any:
    """Public entries for anonymous callers; a signed-in customer also gets the private ones they may use."""
    found = _content(call).menu(optional_customer(call))
    return {position: [_menu_item(item) for item in items] for position, items in found.items()}


@frontend_route("/personal-preferences/categories")
def personal_preference_categories(call: Call) -> Any:
    categories = _content(call).setting_value(fc.PREFERENCE_CATEGORIES).get("Categories", [])
    return {"Categories": sorted(categories, key=lambda c: int(str(c.get("Prio", 0)) or 0))}


# --- OTRS-50..54 service catalogue ---------------------------------------------------------------------------

def _item_page(call: Call, category_id: Optional[int]) -> Any:
    body = call.optional_body()
    per_page = positive_int(body.get("ItemsPerPage", DEFAULT_ITEMS_PER_PAGE), "ItemsPerPage", MAX_ITEMS_PER_PAGE)
    page = positive_int(body.get("Page", 1), "Page")
    found = _content(call).items(fc.language_of(body.get("Language")), (page - 1) * per_page, per_page,
                                 category_id)
    return {"Items": [{"ItemID": item.id, "ItemContentID": content.content_id, "Title": content.title,
                       "Description": content.description, "Link": item.link, "CategoryID": list(item.category_ids)}
                      for item, content in found.items],
            "TotalItems": found.total, "Language": found.language}


@frontend_route("/service-catalogue", methods=("POST",), auth=False)
def service_catalogue_items(call: Call) -> Any:
    return _item_page(call, None)


@frontend_route("/service-catalogue/{CategoryID}", methods=("POST",), auth=False)
def service_catalogue_category_items(call: Call, CategoryID: str) -> Any:
    return _item_page(call, positive_int(CategoryID, "CategoryID"))


@frontend_route("/service-catalogue/categories", methods=("POST",), auth=False)
def service_catalogue_categories(call: Call) -> Any:
    language, categories = _content(call).categories(fc.language_of(call.optional_body().get("Language")))
    out = []
    for category, title in categories:
        entry = {"CategoryID": str(category.id), "Title": title}
        if category.parent_id is not None:
            entry["ParentID"] = str(category.parent_id)
        out.append(entry)
    return {"Language": language, "Categories": out}


@frontend_route("/service-catalogue/item-content/{ItemContentID}", auth=False)
def service_catalogue_item_content(call: Call, ItemContentID: str) -> Any:
    try:
        item, content = _content(call).item_content(positive_int(ItemContentID, "ItemContentID"))
    except NotFound:
        raise _not_found("ServiceCatalogueItemContent", ItemContentID, CONTENT_NOT_FOUND) from None
    return {"ItemID": item.id, "ItemContentID": content.content_id, "Title": content.title,
            "Description": content.description, "Link": item.link, "CategoryIDs": list(item.category_ids)}


@frontend_route("/service-catalogue/track/{ItemID}", methods=("POST",), auth=False)
def service_catalogue_track(call: Call, ItemID: str) -> Any:
    _content(call).track(positive_int(ItemID, "ItemID"))
    return message("Item usage counter has been increased successfully.")


# --- OTRS-55..57 ticket screens --------------------------------------------------------------------------------

@frontend_route("/ticket/create")
def ticket_create_config(call: Call) -> Any:
    """What the create screen needs: where to go after creating, and how many processes the customer may start."""
    settings = _content(call).setting_value(fc.TICKET_CREATE)
    return {"NextScreenAfterNewTicket": settings.get("NextScreenAfterNewTicket", "TicketOverview"),
            "ProcessCount": len(call.container.processes.startable(call.customer))}


def _detail_view(call: Call, ticket_number: Optional[str]) -> Any:
    content = _content(call)
    settings = content.setting_value(fc.TICKET_DETAIL_VIEW)
    answer = {"NextScreenAfterFollowUp": settings.get("NextScreenAfterFollowUp", "TicketOverview"),
              "ArticleSort": settings.get("ArticleSort", "Ascending"),
              "DynamicFieldsConfig": dynamic_fields(content.dynamic_fields(settings.get("DynamicField") or {}))}
    if ticket_number is not None:
        answer["TicketNumber"] = _visible_ticket_number(call, ticket_number)
    return answer


def _visible_ticket_number(call: Call, ticket_number: str) -> str:
    """The number of a ticket the customer may see; 403 Access denied for malformed, unknown and other
    customers' numbers alike (the endpoint documents 401 and 403 only)."""
    parsed = schema.core_number(ticket_number.strip())
    ticket = call.container.tickets.tickets.by_number(parsed[1]) if parsed else None
    if ticket is None or parsed is None or ticket.created_at[:10] != parsed[0]:
        raise access_denied()
    try:
        return schema.ticket_number(call.container.tickets.get(call.customer, ticket.id))
    except (NotFound, PermissionDenied):
        raise access_denied() from None


@frontend_route("/ticket/detail-view")
def ticket_detail_view_config(call: Call) -> Any:
    return _detail_view(call, None)


@frontend_route("/ticket/detail-view/{TicketNumber}")
def ticket_detail_view_config_for(call: Call, TicketNumber: str) -> Any:
    return _detail_view(call, TicketNumber)


@frontend_route("/ticketlist/config", auth=False)
def ticket_list_config(call: Call) -> Any:
    """S-TicketListConfig: the overview's settings, the status labels and the dynamic fields it shows."""
    content = _content(call)
    overview = content.setting_value(fc.TICKET_OVERVIEW)
    return {"ExternalFrontend::TicketOverview": overview, "StatusMap": content.setting_value(fc.STATUS_MAP),
            "DynamicFieldsConfig": dynamic_fields(content.dynamic_fields(overview.get("DynamicField") or {}))}
