"""Zammad's tags (/tags, /tag_search, /tag_list), links (/links), merge (/ticket_merge) and history
(/ticket_history): thin views over core.ticket_links.TicketLinkService.

Parameters come from the JSON (or form) body and the query string alike, as Rails merges them; the
DELETE routes read their JSON body.
"""
from __future__ import annotations

from typing import Any, Optional

from chalice import Response

from ...core.errors import InvalidInput, NotFound
from ...core.model import HistoryEntry, TagItem, Ticket, TicketLink
from ...core.ticket_links import TAG_SEARCH_DEFAULT_LIMIT, LinkRequest, MergeFailed
from ..http import int_param
from . import schema
from .routes import Call, json_response, path_id, route

OBJECT = "Ticket"

# --- parsing -------------------------------------------------------------------------------------


def params(call: Call, with_body: bool = True) -> dict[str, Any]:
    """Rails' params: the query string, overridden by the body's fields."""
    merged: dict[str, Any] = dict(call.params)
    if with_body and call.raw_body:
        body = call.body()
        if isinstance(body, dict):
            merged.update(body)
        elif body not in (None, "", []):
            raise InvalidInput("Invalid payload, expected a JSON object")
    return merged


def _object(values: dict[str, Any], name: str) -> None:
    """Only tickets carry tags and links here; Zammad's other objects (knowledge base answers) do not exist."""
    value = values.get(name)
    if value not in (None, "", OBJECT):
        raise InvalidInput(f"Invalid value for param '{name}': {value}", field=name)


def _ticket_id(values: dict[str, Any], name: str) -> int:
    """An unknown or missing id is Zammad's 404 (its policy does `Ticket.find(params[...])`)."""
    value = values.get(name)
    if isinstance(value, bool) or value is None:
        raise NotFound(OBJECT, "" if value is None else value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isdigit():
        raise NotFound(OBJECT, text)
    return int(text)


def _optional_text(values: dict[str, Any], name: str) -> Optional[str]:
    value = values.get(name)
    if value is None or isinstance(value, bool) or isinstance(value, (dict, list)):
        return None
    return str(value).strip() or None


def link_request(values: dict[str, Any]) -> LinkRequest:
    _object(values, "link_object_target")
    _object(values, "link_object_source")
    target_id = _ticket_id(values, "link_object_target_value")
    link_type = values.get("link_type")
    source_id = _optional_text(values, "link_object_source_value")
    return LinkRequest(link_type=link_type if isinstance(link_type, str) else "", target_id=target_id,
                       source_number=_optional_text(values, "link_object_source_number"),
                       source_id=int(source_id) if source_id and source_id.isdigit() else None)


# --- rendering -----------------------------------------------------------------------------------


def tag_item(item: TagItem) -> dict[str, Any]:
    return {"id": item.id, "name": item.name, "count": item.count}


def link_out(link: TicketLink) -> dict[str, Any]:
    """Zammad's Link.list entry: what the other object is to this one."""
    return {"link_type": link.link_type, "link_object": OBJECT, "link_object_value": link.other_id}


def link_record(link: TicketLink) -> dict[str, Any]:
    """The stored link as Zammad's /links/add answers it (source -> target)."""
    return {"link_type": link.link_type, "link_object_source": OBJECT, "link_object_source_value": link.other_id,
            "link_object_target": OBJECT, "link_object_target_value": link.ticket_id,
            "created_at": link.created_at or None, "updated_at": link.created_at or None}


def history_entry(e: HistoryEntry) -> dict[str, Any]:
    """Zammad's History.list item (`type`, `object`, `attribute`, `related_object`), with the
    descriptive names (`history_type`, ...) alongside; empty pairs left out as Zammad does."""
    out: dict[str, Any] = {"id": e.id, "o_id": e.o_id, "type": e.history_type, "object": e.history_object,
                           "history_type": e.history_type, "history_object": e.history_object,
                           "created_by_id": e.created_by_id, "created_at": e.created_at}
    if e.history_attribute is not None:
        out["attribute"] = out["history_attribute"] = e.history_attribute
    if e.id_from is not None or e.id_to is not None:
        out.update(id_from=e.id_from, id_to=e.id_to)
    if e.value_from is not None or e.value_to is not None:
        out.update(value_from=e.value_from, value_to=e.value_to)
    if e.related_o_id is not None:
        out["related_o_id"] = e.related_o_id
    if e.related_history_object is not None:
        out["related_object"] = out["related_history_object"] = e.related_history_object
    return out


def ticket_assets(call: Call, tickets: list[Ticket], extra_user_ids: set[int] = frozenset()) -> dict[str, Any]:
    names = call.names(tickets)
    missing = set(extra_user_ids) - set(names.users)
    if missing:
        names.users.update(call.container.users.many(missing))
    out = schema.assets(tickets, names)
    for user_id in extra_user_ids:
        if user_id in names.users:
            out.setdefault("User", {})[str(user_id)] = schema.user(names.users[user_id])
    return out


# --- tags ----------------------------------------------------------------------------------------

@route("/tags")
def list_tags(call: Call) -> Any:
    values = params(call, with_body=False)
    _object(values, "object")
    return {"tags": call.container.ticket_links.tags(call.principal, _ticket_id(values, "o_id"))}


@route("/tags/add", methods=("POST",))
def add_tag(call: Call) -> Any:
    values = params(call)
    _object(values, "object")
    ok = call.container.ticket_links.add_tag(call.principal, _ticket_id(values, "o_id"), values.get("item"))
    return json_response(ok, 201)


@route("/tags/remove", methods=("DELETE",))
def remove_tag(call: Call) -> Any:
    values = params(call)
    _object(values, "object")
    return json_response(call.container.ticket_links.remove_tag(call.principal, _ticket_id(values, "o_id"),
                                                                values.get("item")))


@route("/tag_search")
def search_tags(call: Call) -> Any:
    limit = int_param(call.params, "limit", TAG_SEARCH_DEFAULT_LIMIT, maximum=1000)
    found = call.container.ticket_links.search_tags(call.principal, call.params.get("term", "") or "", limit)
    return [{"id": i.id, "value": i.name} for i in found]


@route("/tag_list")
def tag_list(call: Call) -> Any:
    """Zammad answers every tag (up to `limit`, default 1000) by name; `page`/`per_page` are not used."""
    limit = int_param(call.params, "limit", 1000, maximum=1000)
    return [tag_item(i) for i in call.container.ticket_links.tag_list(call.principal, limit)]


@route("/tag_list", methods=("POST",))
def create_tag(call: Call) -> Any:
    call.container.ticket_links.create_tag(call.principal, params(call).get("name"))
    return {}


@route("/tag_list/{tag_id}", methods=("PUT",))
def rename_tag(call: Call, tag_id: str) -> Any:
    call.container.ticket_links.rename_tag(call.principal, path_id(tag_id, "Tag::Item"), params(call).get("name"))
    return {}


@route("/tag_list/{tag_id}", methods=("DELETE",))
def delete_tag(call: Call, tag_id: str) -> Any:
    call.container.ticket_links.delete_tag(call.principal, path_id(tag_id, "Tag::Item"))
    return {}


# --- links ---------------------------------------------------------------------------------------

@route("/links")
def list_links(call: Call) -> Any:
    values = params(call, with_body=False)
    _object(values, "link_object")
    found = call.container.ticket_links.links(call.principal, _ticket_id(values, "link_object_value"))
    return {"links": [link_out(link) for link in found.links],
            "assets": ticket_assets(call, list(found.tickets.values()))}


@route("/links/add", methods=("POST",))
def add_link(call: Call) -> Any:
    link = call.container.ticket_links.add_link(call.principal, link_request(params(call)))
    return json_response(link_record(link), 201)


@route("/links/remove", methods=("DELETE",))
def remove_link(call: Call) -> Any:
    """Zammad answers the removed links with 201 (its controller renders `status: :created`)."""
    removed = call.container.ticket_links.remove_link(call.principal, link_request(params(call)))
    return json_response([link_record(link) for link in removed], 201)


# --- merge and history ---------------------------------------------------------------------------

@route("/ticket_merge/{source_ticket_id}/{target_ticket_number}", methods=("PUT",))
def merge_tickets(call: Call, source_ticket_id: str, target_ticket_number: str) -> Any:
    source_id = int(source_ticket_id) if source_ticket_id.isdigit() else None
    try:
        result = call.container.ticket_links.merge(call.principal, source_id, target_ticket_number)
    except MergeFailed as failed:  # Zammad: an unknown ticket is a 200 with result "failed"
        return {"result": "failed", "message": failed.message}
    return {"result": "success", "target_ticket": schema.ticket(result.target),
            "source_ticket": schema.ticket(result.source)}


@route("/ticket_history/{ticket_id}")
def ticket_history(call: Call, ticket_id: str) -> Response:
    ticket, entries = call.container.ticket_links.history(call.principal, path_id(ticket_id, "Ticket"))
    assets = ticket_assets(call, [ticket], {e.created_by_id for e in entries})
    return json_response({"history": [history_entry(e) for e in entries], "assets": assets})
