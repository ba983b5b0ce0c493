"""The numbered Tickets API (seed 004, "Tickets API v1.1.0") at /api/tickets/v1: thin views over
core.client_tickets and core.client_files, in the routes ENDPOINTS.md §2.4 proposes, plus `POST /files`.

The route wrapper authenticates `X-Token: <personal access token>` (customers only: 401 without a valid
token, 403 for an agent's), counts the request against the token's rate limit (429 with Retry-After),
runs the view and maps domain errors to statuses and the dialect's error body (schema.error); never a
traceback. Ticket numbers the caller may not see answer 404 like unknown ones.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from chalice import Blueprint, Response

from ... import bootstrap
from ...core.client_tickets import ARTICLE_SCORES, TICKET_SCORES, ClientTickets, NewComment
from ...core.errors import (AuthenticationFailed, DomainError, FollowUpRejected, InvalidInput, RateLimited,
                            TooLarge)
from ...core.model import Article, ClientFile, Principal, Ticket, TicketExtras
from ..application import BINARY_TYPES
from ..errors import logged_failure, status_for
from ..http import MULTIPART, disposition_filename, json_body, multipart_file
from . import schema

# >>> request-log
from .. import request_log
# <<< request-log

log = logging.getLogger(__name__)
blueprint = Blueprint(__name__)
JSON_TYPES = ["application/json", "text/plain"]
FILE_TYPES = sorted(set(BINARY_TYPES) | {MULTIPART, "application/json"})
FILE_FIELDS = ("file", "files", "upload")
DEFAULT_FILE_TYPE = "application/octet-stream"


@dataclass
class Call:
    """One request as the views see it."""
    container: bootstrap.Container
    principal: Principal
    params: dict[str, str]
    headers: dict[str, str]
    raw_body: Optional[bytes]

    def body(self) -> Any:
        try:
            return json_body(self.raw_body, self.container.settings.max_body_bytes)
        except InvalidInput as error:  # not JSON, or nested too deeply
            raise schema.BadRequest([("body", error.message)]) from None

    @property
    def tickets(self) -> ClientTickets:
        return self.container.client_tickets


def json_response(data: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(body=json.dumps(data, ensure_ascii=False), status_code=status, headers={
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", **(headers or {})})


def status_of(error: DomainError) -> int:
    if isinstance(error, schema.BadRequest):
        return 400
    if isinstance(error, AuthenticationFailed):
        return 401
    if isinstance(error, FollowUpRejected):
        return 409  # the ticket's state forbids it, as closing a closed ticket does
    return status_for(error)


def error_response(error: DomainError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(error, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'X-Token realm="tickets-api"'
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return json_response(schema.error(error), status_of(error), headers)


def route(path: str, methods: tuple[str, ...] = ("GET",), content_types: Sequence[str] = JSON_TYPES) -> Callable:
    """Register a view under /api/tickets/v1: X-Token, the rate limit, the view, errors in this dialect's shape."""
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        def handler(**path_params: str) -> Response:
            request = blueprint.current_request
            try:
                container = bootstrap.container()
                container.begin_request()
                headers = {k.lower(): v for k, v in (request.headers or {}).items()}
                principal, token_key = container.authenticator.tickets_api(headers)
                # >>> request-log
                request_log.note_principal(principal)
                # <<< request-log
                container.tickets_api_rate.check(f"tickets-api#{token_key}")
                call = Call(container, principal, dict(request.query_params or {}), headers, request.raw_body)
                result = view(call, **path_params)
                return result if isinstance(result, Response) else json_response(result)
            except DomainError as error:
                return error_response(error)
            except Exception:  # never a traceback to the client; the log has it under this id
                message = logged_failure(log)
                return json_response({"error": message, "error_human": message}, 500)
        handler.__name__ = view.__name__
        handler.__doc__ = view.__doc__
        blueprint.route(path, methods=list(methods), content_types=list(content_types))(handler)
        return view
    return decorator


# --- helpers ------------------------------------------------------------------------------------

def render_tickets(call: Call, tickets: list[Ticket], extras: Optional[dict[int, TicketExtras]] = None,
                   articles: Optional[dict[int, list[Article]]] = None) -> list[dict[str, Any]]:
    """Tickets with their vote and client details (one batch read for the page unless given) and read
    state (the caller's article flags: one or two Queries per ticket)."""
    extras = extras if extras is not None else call.tickets.extras(tickets)
    unread = call.tickets.unread(call.principal, tickets, articles)
    catalog = call.container.catalog()
    return [schema.ticket(t, catalog.state_by_id(t.state_id), extras.get(t.id, TicketExtras()), call.principal,
                          t.id in unread) for t in tickets]


def render_ticket(call: Call, ticket: Ticket, extras: Optional[TicketExtras] = None) -> dict[str, Any]:
    return render_tickets(call, [ticket], {ticket.id: extras} if extras is not None else None)[0]


def ticket_by_number(call: Call, ticket_number: str) -> Ticket:
    return call.tickets.by_number(call.principal, schema.path_number(ticket_number, "ticket_number"))


def comment_by_id(call: Call, comment_id: str) -> tuple[Ticket, Article]:
    """The comment and its ticket; the core answers an unknown id exactly as a hidden one."""
    return call.tickets.comment(call.principal, schema.path_number(comment_id, "comment_id"))


def with_files(call: Call, body: str, file_ids: list[str], write: Callable[[NewComment], Any]) -> Any:
    """Attach the caller's uploaded files to what `write` creates; the uploads go once it succeeded."""
    taken = call.container.client_files.take(call.principal, file_ids)
    result = write(NewComment(body, [attachment for _, attachment in taken], [f.id for f, _ in taken]))
    call.container.client_files.release(call.principal, [f for f, _ in taken])
    return result


def render_comments(call: Call, ticket: Ticket, articles: list[Article]) -> list[dict[str, Any]]:
    """Comments with their votes and read state as it was before this request; then they count as seen."""
    unseen = call.tickets.unseen_ids(call.principal, ticket, articles)
    votes = call.tickets.article_votes(ticket)
    rendered = [schema.comment(a, call.principal, a.id in unseen, votes.get(a.id)) for a in articles]
    call.tickets.mark_seen(call.principal, ticket, unseen)
    return rendered


# --- tickets ------------------------------------------------------------------------------------

@route("/tickets", methods=("POST",))
def create_ticket(call: Call) -> Any:
    """TAPI-01: the summary is the title, comment_body the first article, topic_key the group."""
    data = schema.ticket_create(call.body())
    ticket, extras = with_files(call, data.comment_body, data.file_ids, lambda comment: call.tickets.create(
        call.principal, data.summary, comment, data.topic_key, data.details))
    return render_ticket(call, ticket, extras)


@route("/tickets")
def list_tickets(call: Call) -> Any:
    """TAPI-02: newest first; `q` is the core's word search, only_opened/only_closed the state type."""
    query = schema.list_query(call.params)
    found = call.tickets.search(call.principal, query.q, query.closed)
    start = (query.page - 1) * query.items_per_page
    page = found[start:start + query.items_per_page]
    return {"item_count": len(found), "items": render_tickets(call, page), "items_per_page": query.items_per_page,
            "page": query.page, "page_count": -(-len(found) // query.items_per_page)}


@route("/tickets/{ticket_number}")
def show_ticket(call: Call, ticket_number: str) -> Any:
    return render_ticket(call, ticket_by_number(call, ticket_number))


@route("/tickets/{ticket_number}", methods=("PATCH",))
def modify_ticket(call: Call, ticket_number: str) -> Any:
    """TAPI-04: client_aliased_name (null clears) and client_emails ([] clears)."""
    changes = schema.ticket_patch(call.body())
    ticket = ticket_by_number(call, ticket_number)
    return render_ticket(call, ticket, call.tickets.set_details(call.principal, ticket, **changes))


@route("/tickets/{ticket_number}/close", methods=("POST",))
def close_ticket(call: Call, ticket_number: str) -> Any:
    data = schema.close_input(call.body())
    ticket = call.tickets.close(call.principal, ticket_by_number(call, ticket_number), data.comment, data.score)
    return render_ticket(call, ticket)


@route("/tickets/{ticket_number}/reopen", methods=("POST",))
def reopen_ticket(call: Call, ticket_number: str) -> Any:
    data = schema.comment_input(call.body())
    ticket = ticket_by_number(call, ticket_number)
    reopened = with_files(call, data.body, data.file_ids,
                          lambda comment: call.tickets.reopen(call.principal, ticket, comment))
    return render_ticket(call, reopened)


@route("/tickets/{ticket_number}/vote", methods=("POST",))
def evaluate_ticket(call: Call, ticket_number: str) -> Any:
    data = schema.vote_input(call.body(), TICKET_SCORES)
    ticket = ticket_by_number(call, ticket_number)
    return schema.vote(call.tickets.vote_ticket(call.principal, ticket, data.score, data.comment))


# --- comments -----------------------------------------------------------------------------------

@route("/tickets/{ticket_number}/comments", methods=("POST",))
def create_comment(call: Call, ticket_number: str) -> Any:
    """TAPI-08: a reply from the client (on a closed ticket: a follow-up that reopens it)."""
    data = schema.comment_input(call.body())
    ticket = ticket_by_number(call, ticket_number)
    _, article = with_files(call, data.body, data.file_ids,
                                  lambda comment: call.tickets.add_comment(call.principal, ticket, comment))
    return schema.comment(article, call.principal, False, None)


@route("/tickets/{ticket_number}/comments")
def list_comments(call: Call, ticket_number: str) -> Any:
    ticket = ticket_by_number(call, ticket_number)
    return {"items": render_comments(call, ticket, call.tickets.comments(call.principal, ticket))}


@route("/comments/{comment_id}")
def show_comment(call: Call, comment_id: str) -> Any:
    ticket, article = comment_by_id(call, comment_id)
    return render_comments(call, ticket, [article])[0]


@route("/comments/{comment_id}/vote", methods=("POST",))
def evaluate_comment(call: Call, comment_id: str) -> Any:
    data = schema.vote_input(call.body(), ARTICLE_SCORES)
    ticket, article = comment_by_id(call, comment_id)
    return schema.vote(call.tickets.vote_article(call.principal, ticket, article, data.score, data.comment))


# --- topics and files ---------------------------------------------------------------------------

@route("/topics")
def list_topics(call: Call) -> Any:
    return {"items": [schema.topic(t) for t in call.tickets.topics(call.principal)]}


@route("/files", methods=("POST",), content_types=FILE_TYPES)
def upload_file(call: Call) -> Any:
    """A multipart/form-data file part, or the raw body (its name from Content-Disposition or `?filename=`).
    Answers the uuid to name in `files`."""
    filename, content_type, data = uploaded_file(call)
    file: ClientFile = call.container.client_files.upload(call.principal, filename or "", content_type, data)
    return schema.uploaded(file)


def uploaded_file(call: Call) -> tuple[Optional[str], str, bytes]:
    raw = call.raw_body or b""
    if len(raw) > call.container.settings.max_body_bytes:
        raise TooLarge(f"Request body exceeds {call.container.settings.max_body_bytes} bytes", field="file")
    content_type = call.headers.get("content-type") or DEFAULT_FILE_TYPE
    if content_type.lower().startswith(MULTIPART):
        part = multipart_file(raw, content_type, FILE_FIELDS)
        if part is None:
            raise schema.BadRequest([("file", "the multipart body holds no file part.")])
        return part
    if not raw:
        raise schema.BadRequest([("file", "the request body is empty: send the file's bytes or a multipart form.")])
    name = disposition_filename(call.headers.get("content-disposition")) or call.params.get("filename")
    return name, content_type, raw
