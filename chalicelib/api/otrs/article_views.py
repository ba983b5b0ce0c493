"""OTRS customer articles (seed 000 OTRS-19..26): follow-up articles, an article's data, its attachments
(GET and HEAD, inline or as a download), its body as sanitised HTML, and the customer's article flags.

The core decides who sees what (TicketService.article / policy.can_read_article): customers read the
public articles of their own tickets (and their shared organization's), never internal ones. Every
"not yours" answer is 403 Access denied, whether the ticket or article is someone else's, internal, of
another ticket, or does not exist at all, so ids reveal nothing; only an attachment id the (visible)
article does not hold is 404 "Attachment not found.".
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from chalice import Response

from ...core.catalog import Ref
from ...core.errors import Conflict, FollowUpRejected, NotFound, OperationFailed, PermissionDenied
from ...core.model import Article, Attachment, Ticket
from ...core.text import sanitize_html, text_as_html
from ...core.tickets import ArticleInput, AttachmentInput, TicketInput
from ..application import binary_type
from ..http import download_headers
from . import schema
from .routes import Call, message, route
from .ticket_views import access_denied, body_content_type, flag_param, optional_id, positive_int, required_text

PREFIX = "/api/customer"
NEXT_SCREEN = "TicketOverview"
CANNOT_REOPEN = "Can't reopen ticket, not possible in this queue!"
ATTACHMENT_NOT_FOUND = "Attachment not found."
# States a customer may move their ticket to with a follow-up (OTRS: the configured next states of the
# customer's ticket zoom): open and closed ones; new, pending, merged and removed are the agents'.
CUSTOMER_NEXT_STATE_TYPES = ("open", "closed")
DOWNLOAD = {"1": True, "true": True, "0": False, "false": False}
BODY_POLICY = "sandbox; default-src 'none'; img-src 'self' https: http: data:; style-src 'unsafe-inline'"


@contextmanager
def no_existence_leak() -> Iterator[None]:
    """A ticket or article that does not exist answers like one the customer may not see."""
    try:
        yield
    except NotFound:
        raise access_denied() from None


def visible_article(call: Call, ticket_id: str, article_id: str) -> tuple[Ticket, Article]:
    """The article if the customer may read it and it belongs to the ticket in the path; 403 otherwise."""
    wanted_ticket = positive_int(ticket_id, "TicketID")
    wanted_article = positive_int(article_id, "ArticleID")
    with no_existence_leak():
        ticket, article = call.container.tickets.article(call.customer, wanted_article)
    if ticket.id != wanted_ticket:
        raise access_denied()
    return ticket, article


# --- follow-up articles ----------------------------------------------------------------------

def _next_state(call: Call, body: dict[str, Any]) -> Optional[Ref]:
    state_id = optional_id(body, "NextStateID")
    if state_id is None:
        return None
    state = call.container.catalog().state_by_id(state_id)
    if state is None or not state.active or state.state_type not in CUSTOMER_NEXT_STATE_TYPES:
        raise schema.invalid("NextStateID", f"State {state_id} is not a state customers may choose.")
    return Ref("state", id=state.id)


def _priority(call: Call, body: dict[str, Any]) -> Optional[Ref]:
    priority_id = optional_id(body, "PriorityID")
    if priority_id is None:
        return None
    priority = call.container.catalog().priority_by_id(priority_id)
    if priority is None or not priority.active:
        raise schema.invalid("PriorityID", f"Priority {priority_id} is not available.")
    return Ref("priority", id=priority.id)


def _form_id(body: dict[str, Any]) -> Optional[str]:
    form_id = body.get("FormID")
    if form_id in (None, ""):
        return None
    if not isinstance(form_id, str):
        raise schema.invalid("FormID", "FormID must be a string.")
    return form_id


@dataclass(frozen=True)
class ArticleRequest:
    """A checked follow-up body: the create view writes it, the article form only validates it."""
    subject: str
    text: str
    state: Optional[Ref]
    priority: Optional[Ref]
    form_id: Optional[str]


def parse_article_request(call: Call, body: dict[str, Any]) -> ArticleRequest:
    """The follow-up view's checks of its body, first problem first (422 on that field); reads no upload."""
    subject, text = required_text(body, "Subject"), required_text(body, "Body")
    state, priority = _next_state(call, body), _priority(call, body)
    return ArticleRequest(subject, text, state, priority, _form_id(body))


@route("/ticket/{TicketID}/article", methods=("POST",))
def create_article(call: Call, TicketID: str) -> Any:
    """The customer's follow-up (web, sender Customer) with the FormID's uploads as attachments. On a
    closed ticket it reopens the ticket (the core's follow-up rule), unless the queue takes no
    follow-ups: then 403 "Can't reopen ticket, not possible in this queue!"."""
    ticket_id = positive_int(TicketID, "TicketID")
    request = parse_article_request(call, call.body())
    form_id = request.form_id
    attachments: list[AttachmentInput] = call.container.uploads.take(call.customer, form_id) if form_id else []
    data = TicketInput(state=request.state, priority=request.priority, article=ArticleInput(
        body=request.text, subject=request.subject.strip(), content_type=body_content_type(request.text),
        type=Ref("type", name="web"), sender=Ref("sender", name="Customer"), attachments=attachments))
    try:
        with no_existence_leak():
            _, article = call.container.tickets.update(call.customer, ticket_id, data)
    except FollowUpRejected:
        raise PermissionDenied(CANNOT_REOPEN) from None
    except Conflict:
        raise OperationFailed("CouldNotCreateArticle", "The system was unable to create the article.") from None
    assert article is not None
    if form_id:
        call.container.uploads.clear(call.customer, form_id)
    return {"ArticleID": article.id, "NextScreenAfterFollowUp": NEXT_SCREEN}


# --- reading ---------------------------------------------------------------------------------

@route("/ticket/{TicketID}/article/{ArticleID}")
def get_article(call: Call, TicketID: str, ArticleID: str) -> Any:
    avatar, dynamic_fields = flag_param(call.params, "Avatar"), flag_param(call.params, "DynamicFields")
    ticket, article = visible_article(call, TicketID, ArticleID)
    return {"Article": schema.article(article, ticket, avatar=avatar, dynamic_fields=dynamic_fields)}


def attachment_url(ticket_id: int, article_id: int, attachment_id: int) -> str:
    return f"{PREFIX}/ticket/{ticket_id}/article/{article_id}/attachment/{attachment_id}"


@route("/ticket/{TicketID}/article/{ArticleID}/body", cookie=True)
def article_body(call: Call, TicketID: str, ArticleID: str) -> Response:
    """The body as HTML to show in a sandboxed frame: plain text escaped in `<pre>`, HTML reduced to an
    allow-list (core.text.sanitize_html) with inline images pointing at their attachment URLs."""
    ticket, article = visible_article(call, TicketID, ArticleID)
    if "html" in (article.content_type or "").lower():
        inline = {a.content_id: attachment_url(ticket.id, article.id, a.id) for a in article.attachments
                  if a.content_id}
        html = sanitize_html(article.body, inline.get)
    else:
        html = text_as_html(article.body)
    return Response(body=html.encode("utf-8"), status_code=200, headers={
        "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": BODY_POLICY,
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def _attachment_of(article: Article, attachment_id: str) -> Attachment:
    wanted = positive_int(attachment_id, "AttachmentID")
    found = next((a for a in article.attachments if a.id == wanted), None)
    if found is None:
        error = NotFound("Attachment", wanted)
        error.details["otrs_message"] = ATTACHMENT_NOT_FOUND
        raise error
    return found


def _download(value: Optional[str]) -> bool:
    if value is None:
        return False
    choice = DOWNLOAD.get(value.strip().lower())
    if choice is None:
        raise schema.invalid("Download", "Download must be 0 or 1.")
    return choice


def attachment_response(call: Call, ticket_id: str, article_id: str, attachment_id: str,
                        download: Optional[str], head: bool) -> Response:
    """The stored bytes under their stored type; inline only for safe images and only without Download.
    HEAD answers the same headers (Content-Length included) without reading the bytes."""
    as_download = _download(download)
    ticket, article = visible_article(call, ticket_id, article_id)
    meta = _attachment_of(article, attachment_id)
    headers = download_headers(binary_type(meta.content_type or ""), meta.filename, meta.size, not as_download)
    if head:
        return Response(body=b"", status_code=200, headers=headers)
    _, data = call.container.tickets.attachment(call.customer, ticket.id, article.id, meta.id)
    headers["Content-Length"] = str(len(data))
    return Response(body=data, status_code=200, headers=headers)


ATTACHMENT = "/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}"


@route(ATTACHMENT, cookie=True)
def get_attachment(call: Call, TicketID: str, ArticleID: str, AttachmentID: str) -> Response:
    return attachment_response(call, TicketID, ArticleID, AttachmentID, None, head=False)


@route(ATTACHMENT, methods=("HEAD",), cookie=True)
def head_attachment(call: Call, TicketID: str, ArticleID: str, AttachmentID: str) -> Response:
    return attachment_response(call, TicketID, ArticleID, AttachmentID, None, head=True)


@route(ATTACHMENT + "/{Download}", cookie=True)
def download_attachment(call: Call, TicketID: str, ArticleID: str, AttachmentID: str, Download: str) -> Response:
    return attachment_response(call, TicketID, ArticleID, AttachmentID, Download, head=False)


@route(ATTACHMENT + "/{Download}", methods=("HEAD",), cookie=True)
def head_download_attachment(call: Call, TicketID: str, ArticleID: str, AttachmentID: str,
                             Download: str) -> Response:
    return attachment_response(call, TicketID, ArticleID, AttachmentID, Download, head=True)


# --- flags -----------------------------------------------------------------------------------

@route("/ticket/{TicketID}/article/{ArticleID}/flag", methods=("POST",))
def set_article_flag(call: Call, TicketID: str, ArticleID: str) -> Any:
    """One of the customer's flags on the article ("Seen" = "1" marks it read for the ticket list)."""
    ticket_id, article_id = positive_int(TicketID, "TicketID"), positive_int(ArticleID, "ArticleID")
    body = call.body()
    name, value = body.get("Flag"), body.get("Value")
    if name in (None, ""):
        raise schema.invalid("Flag", "Flag is required.")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # OTRS clients send 1 as often as "1"
    if value in (None, ""):
        raise schema.invalid("Value", "Value is required.")
    with no_existence_leak():
        call.container.article_flags.set(call.customer, ticket_id, article_id, name, value)
    return message("Article flag set successfully.")
