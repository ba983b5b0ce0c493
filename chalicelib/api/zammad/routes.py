"""Zammad's /api/v1: thin views. Parse with `schema`, one core call, render with `schema`."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from chalice import Blueprint, Response

from ... import bootstrap
from ...core import policy
from ...core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from ...core.model import Article, Principal, Ticket
from ...core.tickets import AttachmentLimits
from ...core.users import SearchRequest
from ..application import binary_type
from ..errors import logged_failure, status_for
from ..http import content_disposition, flag, int_param, request_body
from . import schema

# >>> request-log
from .. import request_log
# <<< request-log

log = logging.getLogger(__name__)
blueprint = Blueprint(__name__)
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
# Zammad's paginate_with limits.
LIST_DEFAULT_PER_PAGE, LIST_MAX_PER_PAGE = 100, 100
SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT = 50, 200
INLINE_SAFE_TYPES = ("image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp")


@dataclass
class Call:
    """One request as the views see it."""
    container: bootstrap.Container
    principal: Optional[Principal]  # None only in views registered with anonymous=True
    params: dict[str, str]
    raw_body: Optional[bytes]
    content_type: Optional[str] = None

    def body(self) -> Any:
        return request_body(self.raw_body, self.content_type, self.container.settings.max_body_bytes)

    def limits(self) -> AttachmentLimits:
        return self.container.attachment_limits

    def names(self, tickets: Iterable[Ticket], articles: Iterable[Article] = ()) -> schema.Names:
        """Users and organizations the rendering mentions, in one batch read each."""
        tickets, articles = list(tickets), list(articles)
        user_ids = {uid for t in tickets for uid in (t.owner_id, t.customer_id, t.created_by_id, t.updated_by_id)}
        user_ids |= {uid for a in articles for uid in (a.created_by_id, a.updated_by_id)}
        users = self.container.users
        return schema.Names(self.container.catalog(), users.many(user_ids),
                            users.organizations_by_id(t.organization_id for t in tickets))


def json_response(data: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(body=json.dumps(data), status_code=status, headers={
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", **(headers or {})})


def error_response(error: DomainError) -> Response:
    status = status_for(error)
    headers = {"X-Failure": error.message} if status in (401, 403) else {}
    return json_response(schema.error(error), status, headers)


def route(path: str, methods: tuple[str, ...] = ("GET",), anonymous: bool = False) -> Callable:
    """Register a view: authenticate as Zammad does, run it, map domain errors to Zammad's shape.

    `anonymous` views also run without an Authorization header, with `call.principal` None
    (Zammad's self-signup); credentials that are sent are always checked."""
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        def handler(**path_params: str) -> Response:
            request = blueprint.current_request
            try:
                container = bootstrap.container()
                container.begin_request()
                unauthenticated = anonymous and not (request.headers.get("authorization") or "").strip()
                principal = None if unauthenticated else container.authenticator.zammad(request.headers)
                # >>> request-log
                request_log.note_principal(principal)
                # <<< request-log
                call = Call(container, principal, dict(request.query_params or {}), request.raw_body,
                            request.headers.get("content-type"))
                result = view(call, **path_params)
                return result if isinstance(result, Response) else json_response(result)
            except DomainError as error:
                return error_response(error)
            except Exception:  # never a traceback to the client; the log has it under this id
                message = logged_failure(log)
                return json_response({"error": message, "error_human": message}, 500)
        handler.__name__ = view.__name__
        handler.__doc__ = view.__doc__
        blueprint.route(path, methods=list(methods), content_types=CONTENT_TYPES)(handler)
        return view
    return decorator


def path_id(value: str, entity: str) -> int:
    if not value.isdigit():
        raise NotFound(entity, value)
    return int(value)


def list_window(call: Call) -> tuple[int, int]:
    """(offset, limit) from `page` and `per_page`, with Zammad's cap: every plain list."""
    per_page = int_param(call.params, "per_page", LIST_DEFAULT_PER_PAGE, maximum=LIST_MAX_PER_PAGE)
    page = int_param(call.params, "page", 1)
    return (page - 1) * per_page, per_page


def search_request(call: Call) -> SearchRequest:
    """`query`, `limit` or `per_page` (which wins) with `page`, `sort_by`, `order_by`: every /search."""
    limit = int_param(call.params, "limit", SEARCH_DEFAULT_LIMIT, maximum=SEARCH_MAX_LIMIT)
    per_page = int_param(call.params, "per_page", limit, maximum=SEARCH_MAX_LIMIT)
    page = int_param(call.params, "page", 1)
    return SearchRequest(query=call.params.get("query", "") or "", offset=(page - 1) * per_page, limit=per_page,
                         sort_by=call.params.get("sort_by") or "", order_by=call.params.get("order_by") or "")


@dataclass(frozen=True)
class Forms:
    """How one kind of object renders in Zammad's three forms: plain, `expand=true` (with names;
    built for a whole list at once so names are read once) and `full=true` (as assets)."""
    plain: Callable[[Any], dict[str, Any]]
    expanded: Callable[[list[Any]], list[dict[str, Any]]]
    assets: Callable[[list[Any]], dict[str, Any]]


def render_many(call: Call, items: list[Any], forms: Forms, full_key: str = "record_ids") -> Any:
    """Zammad's precedence everywhere: expand, then full, else plain."""
    if wants_expand(call):
        return forms.expanded(items)
    if wants_full(call):
        return {full_key: [item.id for item in items], "assets": forms.assets(items)}
    return [forms.plain(item) for item in items]


def render_one(call: Call, item: Any, forms: Forms, status: int = 200) -> Response:
    if wants_expand(call):
        return json_response(forms.expanded([item])[0], status)
    if wants_full(call):
        return json_response({"id": item.id, "assets": forms.assets([item])}, status)
    return json_response(forms.plain(item), status)


def wants_expand(call: Call) -> bool:
    return flag(call.params, "expand")


def wants_full(call: Call) -> bool:
    return flag(call.params, "full")


# --- tickets -------------------------------------------------------------------------------

def render_tickets(call: Call, tickets: list[Ticket]) -> Any:
    """Zammad's precedence everywhere: expand, then full."""
    if wants_expand(call):
        names = call.names(tickets)
        return [schema.ticket_expanded(t, names) for t in tickets]
    if wants_full(call):
        return {"record_ids": [t.id for t in tickets], "assets": schema.assets(tickets, call.names(tickets))}
    return [schema.ticket(t) for t in tickets]


def render_ticket(call: Call, ticket: Ticket, status: int = 200, with_ids: bool = True) -> Response:
    """Create and update answer with the association ids; a plain show has the columns only."""
    if wants_expand(call):
        return json_response(schema.ticket_expanded(ticket, call.names([ticket])), status)
    if wants_full(call):
        return json_response({"id": ticket.id, "assets": schema.assets([ticket], call.names([ticket]))}, status)
    return json_response(schema.ticket_with_ids(ticket) if with_ids else schema.ticket(ticket), status)


@route("/tickets")
def list_tickets(call: Call) -> Any:
    return render_tickets(call, call.container.tickets.page(call.principal, *list_window(call)))


@route("/tickets/search")
def search_tickets(call: Call) -> Any:
    result = call.container.tickets.search(call.principal, search_request(call))
    if wants_full(call) and not wants_expand(call):
        names = call.names(result.tickets)
        return {"record_ids": [t.id for t in result.tickets], "assets": schema.assets(result.tickets, names),
                "total_count": result.total_count}
    return render_tickets(call, result.tickets)


@route("/tickets/{ticket_id}")
def show_ticket(call: Call, ticket_id: str) -> Any:
    ticket = call.container.tickets.get(call.principal, path_id(ticket_id, "Ticket"))
    if flag(call.params, "all") and not (wants_expand(call) or wants_full(call)):
        from .ticket_links_views import link_out  # registered below; loaded by the time a request runs
        _, articles = call.container.tickets.articles(call.principal, ticket.id)
        links, tags = call.container.ticket_links.overview(call.principal, ticket)
        names = call.names([ticket], articles)
        return {"ticket_id": ticket.id, "ticket_article_ids": [a.id for a in articles],
                "assets": schema.assets([ticket], names, articles), "links": [link_out(link) for link in links],
                "tags": tags, "mentions": [],
                "time_accountings": [], "form_meta": {"filter": {}, "dependencies": {}}}
    return render_ticket(call, ticket, with_ids=False)


@route("/tickets", methods=("POST",))
def create_ticket(call: Call) -> Any:
    data = schema.ticket_input(call.body(), call.limits())
    ticket, _ = call.container.tickets.create(call.principal, data)
    return render_ticket(call, ticket, 201)


@route("/tickets/{ticket_id}", methods=("PUT",))
def update_ticket(call: Call, ticket_id: str) -> Any:
    data = schema.ticket_input(call.body(), call.limits())
    ticket, _ = call.container.tickets.update(call.principal, path_id(ticket_id, "Ticket"), data)
    return render_ticket(call, ticket)


@route("/tickets/{ticket_id}", methods=("DELETE",))
def delete_ticket(call: Call, ticket_id: str) -> Any:
    call.container.tickets.delete(call.principal, path_id(ticket_id, "Ticket"))
    return {}


# --- articles and attachments --------------------------------------------------------------

@route("/ticket_articles/by_ticket/{ticket_id}")
def articles_by_ticket(call: Call, ticket_id: str) -> Any:
    ticket, articles = call.container.tickets.articles(call.principal, path_id(ticket_id, "Ticket"))
    names = call.names([], articles)
    return [schema.article(a, names) for a in articles]


@route("/ticket_articles/{article_id}")
def show_article(call: Call, article_id: str) -> Any:
    _, article = call.container.tickets.article(call.principal, path_id(article_id, "Ticket::Article"))
    return schema.article(article, call.names([], [article]))


@route("/ticket_articles", methods=("POST",))
def create_article(call: Call) -> Any:
    body = call.body()
    if not isinstance(body, dict) or body.get("ticket_id") in (None, ""):
        raise InvalidInput("Need ticket_id!", field="ticket_id")
    ticket_id = schema._int(body["ticket_id"], "ticket_id")
    data = schema.article_input(body, call.limits())
    _, article = call.container.tickets.add_article(call.principal, ticket_id, data)
    return json_response(schema.article(article, call.names([], [article])), 201)


@route("/ticket_attachment/{ticket_id}/{article_id}/{attachment_id}")
def download_attachment(call: Call, ticket_id: str, article_id: str, attachment_id: str) -> Response:
    attachment, data = call.container.tickets.attachment(
        call.principal, path_id(ticket_id, "Ticket"), path_id(article_id, "Ticket::Article"),
        path_id(attachment_id, "Store"))
    disposition = call.params.get("disposition") or "inline"
    if disposition not in ("inline", "attachment"):
        raise PermissionDenied(f"Invalid disposition {disposition} requested. Only inline, attachment are valid.")
    content_type = binary_type(attachment.content_type or "")
    inline = disposition == "inline" and content_type in INLINE_SAFE_TYPES
    return Response(body=data, status_code=200, headers={
        "Content-Type": content_type,
        "Content-Disposition": content_disposition("inline" if inline else "attachment", attachment.filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
        "Cache-Control": "private, no-store",
    })


# --- users and reference data the tickets need ------------------------------------------------

@route("/users/me")
def me(call: Call) -> Any:
    return schema.user(call.principal.user)


def reference_forms(call: Call, plain: Callable[[Any], dict[str, Any]], asset_key: str,
                    names: Callable[[Any], dict[str, Any]] = lambda item: {}) -> Forms:
    """States, priorities and groups: `expand=true` adds the names of what they refer to and the
    creators' logins (one batch read per list), `full=true` lists them as assets."""
    def expanded(items: list[Any]) -> list[dict[str, Any]]:
        users = call.container.users.many({uid for i in items for uid in (i.created_by_id, i.updated_by_id)})
        login = (lambda uid: users[uid].login if uid in users else None)
        return [{**plain(i), **names(i), "created_by": login(i.created_by_id), "updated_by": login(i.updated_by_id)}
                for i in items]
    return Forms(plain=plain, expanded=expanded, assets=lambda items: {asset_key: {str(i.id): plain(i) for i in items}})


def state_forms(call: Call) -> Forms:
    states = {s.id: s.name for s in call.container.catalog().states}
    return reference_forms(call, schema.state, "TicketState", lambda s: {
        "state_type": s.state_type, "next_state": states.get(s.next_state_id) if s.next_state_id else None})


def catalog_page(call: Call, items: list[Any], forms: Forms) -> Any:
    offset, limit = list_window(call)
    return render_many(call, items[offset:offset + limit], forms)


def catalog_item(items: list, raw_id: str, entity: str) -> Any:
    wanted = path_id(raw_id, entity)
    for item in items:
        if item.id == wanted:
            return item
    raise NotFound(entity, raw_id)


@route("/ticket_states")
def list_states(call: Call) -> Any:
    return catalog_page(call, call.container.catalog().states, state_forms(call))


@route("/ticket_states/{state_id}")
def show_state(call: Call, state_id: str) -> Any:
    state = catalog_item(call.container.catalog().states, state_id, "Ticket::State")
    return render_one(call, state, state_forms(call))


@route("/ticket_priorities")
def list_priorities(call: Call) -> Any:
    forms = reference_forms(call, schema.priority, "TicketPriority")
    return catalog_page(call, call.container.catalog().priorities, forms)


@route("/ticket_priorities/{priority_id}")
def show_priority(call: Call, priority_id: str) -> Any:
    priority = catalog_item(call.container.catalog().priorities, priority_id, "Ticket::Priority")
    return render_one(call, priority, reference_forms(call, schema.priority, "TicketPriority"))


@route("/groups")
def list_groups(call: Call) -> Any:
    policy.require(policy.can_read_groups(call.principal))
    return catalog_page(call, call.container.catalog().groups, reference_forms(call, schema.group, "Group"))


@route("/groups/{group_id}")
def show_group(call: Call, group_id: str) -> Any:
    policy.require(policy.can_read_groups(call.principal))
    group = catalog_item(call.container.catalog().groups, group_id, "Group")
    return render_one(call, group, reference_forms(call, schema.group, "Group"))


# --- personal access tokens ------------------------------------------------------------------

@route("/user_access_token")
def list_access_tokens(call: Call) -> Any:
    tokens = call.container.access_tokens.list(call.principal)
    return {"tokens": [schema.access_token(t) for t in tokens], "permissions": schema.permissions(call.principal)}


@route("/user_access_token", methods=("POST",))
def create_access_token(call: Call) -> Any:
    body = schema.access_token_input(call.body())
    _, raw = call.container.access_tokens.create(call.principal, *body)
    return {"name": raw, "token": raw}  # Zammad answers 200 here


@route("/user_access_token/{token_id}", methods=("DELETE", "PUT"))
def delete_access_token(call: Call, token_id: str) -> Any:
    """The seed documents PUT for this delete; its samples and Zammad use DELETE. Both work."""
    call.container.access_tokens.delete(call.principal, path_id(token_id, "Token"))
    return {}
