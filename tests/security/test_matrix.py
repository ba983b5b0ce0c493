"""The security matrix: every registered route, who may call it, and how a refusal looks.

`ACCESS` is the one table of who may call what. A new route fails `test_every_route_is_classified`
until it is given a row, so nothing is served without someone deciding who may call it. Rows are
keyed by the full path, so the OTRS, RS4OTRS and Tickets-API dialects add their rows here, and
their refusal shape to `DIALECT_ERROR_SHAPE` (by path prefix).

Classes:
  public  no credentials needed (health probe, OAuth endpoints)
  any     any authenticated user; the answer is scoped to the caller (lists, me, reference data)
  own     any authenticated user, on objects of their own only (personal access tokens)
  object  ticket-scoped: the answer depends on the caller's access to the ticket
  agent   agents (and admins) only
  admin   admins only
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

import pytest

from chalicelib.core.model import ROLE_AGENT, ROLE_CUSTOMER
from tests.api.zammad.test_directory import MATRIX_BODIES as DIRECTORY_BODIES
from tests.api.zammad.test_directory import matrix_params as directory_matrix_params
from tests.api.zammad.test_catalog import MATRIX_BODIES as CATALOG_BODIES  # catalog
from tests.api.zammad.test_catalog import matrix_params as catalog_matrix_params  # catalog
from tests.api.zammad.test_notifications import MATRIX_BODIES as NOTIFICATION_BODIES
from tests.api.zammad.test_notifications import matrix_params as notification_matrix_params
from tests.api.zammad.test_object_attributes import MATRIX_BODIES as OBJECT_ATTRIBUTE_BODIES
from tests.api.zammad.test_object_attributes import matrix_params as object_attribute_matrix_params
from tests.api.zammad.test_ticket_links import MATRIX_BODIES as TICKET_LINKS_BODIES  # ticket-links
from tests.api.zammad.test_ticket_links import matrix_params as ticket_links_matrix_params  # ticket-links
from tests.api.zammad.test_permissions import add_group, add_org, add_user
from tests.api.zammad.test_sla_admin import MATRIX_BODIES as SLA_ADMIN_BODIES  # sla-admin
from tests.api.zammad.test_sla_admin import matrix_params as sla_admin_matrix_params  # sla-admin

PUBLIC, ANY, OWN, OBJECT, AGENT, ADMIN = "public", "any", "own", "object", "agent", "admin"
CUSTOMER = "customer"  # the OTRS customer interface: signed-in customer users, on their own objects only
CLASSES = {PUBLIC, ANY, OWN, OBJECT, AGENT, ADMIN, CUSTOMER}
# >>> tickets-api: the numbered Tickets API's callers: a customer's X-Token, on the customer's own (and shared
# organization's) tickets; agents' tokens are refused (tests/security/test_tickets_api_matrix.py calls them)
TICKETS_CLIENT = "tickets-client"
CLASSES.add(TICKETS_CLIENT)
# <<< tickets-api

ACCESS: dict[tuple[str, str], str] = {
    # service and OAuth (RFC 6749 / 7009): no credentials
    ("GET", "/health"): PUBLIC,
    ("POST", "/oauth/token"): PUBLIC,
    ("POST", "/oauth/revoke"): PUBLIC,
    # Zammad /api/v1: tickets
    ("GET", "/api/v1/tickets"): ANY,
    ("POST", "/api/v1/tickets"): ANY,
    ("GET", "/api/v1/tickets/search"): ANY,
    ("GET", "/api/v1/tickets/{ticket_id}"): OBJECT,
    ("PUT", "/api/v1/tickets/{ticket_id}"): OBJECT,
    ("DELETE", "/api/v1/tickets/{ticket_id}"): ADMIN,
    # articles and attachments
    ("GET", "/api/v1/ticket_articles/by_ticket/{ticket_id}"): OBJECT,
    ("GET", "/api/v1/ticket_articles/{article_id}"): OBJECT,
    ("POST", "/api/v1/ticket_articles"): OBJECT,
    ("GET", "/api/v1/ticket_attachment/{ticket_id}/{article_id}/{attachment_id}"): OBJECT,
    # the caller and reference data
    ("GET", "/api/v1/users/me"): ANY,
    ("GET", "/api/v1/ticket_states"): ANY,
    ("GET", "/api/v1/ticket_states/{state_id}"): ANY,
    ("GET", "/api/v1/ticket_priorities"): ANY,
    ("GET", "/api/v1/ticket_priorities/{priority_id}"): ANY,
    ("GET", "/api/v1/groups"): AGENT,
    ("GET", "/api/v1/groups/{group_id}"): AGENT,
    # personal access tokens
    ("GET", "/api/v1/user_access_token"): ANY,
    ("POST", "/api/v1/user_access_token"): ANY,
    ("DELETE", "/api/v1/user_access_token/{token_id}"): OWN,
    ("PUT", "/api/v1/user_access_token/{token_id}"): OWN,
    # >>> catalog: states, priorities, groups, roles
    ("POST", "/api/v1/ticket_states"): ADMIN,                    # admin.object
    ("PUT", "/api/v1/ticket_states/{state_id}"): ADMIN,
    ("DELETE", "/api/v1/ticket_states/{state_id}"): ADMIN,
    ("POST", "/api/v1/ticket_priorities"): ADMIN,                # admin.object
    ("PUT", "/api/v1/ticket_priorities/{priority_id}"): ADMIN,
    ("DELETE", "/api/v1/ticket_priorities/{priority_id}"): ADMIN,
    ("POST", "/api/v1/groups"): ADMIN,                           # admin.group
    ("PUT", "/api/v1/groups/{group_id}"): ADMIN,
    ("DELETE", "/api/v1/groups/{group_id}"): ADMIN,
    ("GET", "/api/v1/roles"): ANY,                               # the roles the caller holds (admins: all)
    ("GET", "/api/v1/roles/{role_id}"): AGENT,   # role_id 2 (Agent): customers read only their own role
    # <<< catalog
    # >>> directory: users and organizations
    ("POST", "/api/v1/users"): PUBLIC,  # self-signup without credentials (Zammad's `signup: true`)
    ("GET", "/api/v1/users"): ANY,
    ("GET", "/api/v1/users/search"): AGENT,
    ("GET", "/api/v1/users/{user_id}"): AGENT,   # matrix user: a customer outside every organization
    ("PUT", "/api/v1/users/{user_id}"): AGENT,   # agents change customers (not agents/admins)
    ("DELETE", "/api/v1/users/{user_id}"): ADMIN,
    ("GET", "/api/v1/organizations"): ANY,
    ("GET", "/api/v1/organizations/search"): AGENT,
    ("GET", "/api/v1/organizations/{organization_id}"): AGENT,  # customers: their own organization only
    ("POST", "/api/v1/organizations"): ADMIN,
    ("PUT", "/api/v1/organizations/{organization_id}"): ADMIN,
    ("DELETE", "/api/v1/organizations/{organization_id}"): ADMIN,
    ("DELETE", "/api/v1/organization/{org_id}"): ADMIN,
    # <<< directory
    # >>> ticket-links: tags, links, merge, history
    ("GET", "/api/v1/tags"): OBJECT,                 # ticket.agent/admin.tag with read access to the ticket
    ("POST", "/api/v1/tags/add"): OBJECT,            # agents with change access (Zammad's agent_update_access?)
    ("DELETE", "/api/v1/tags/remove"): OBJECT,
    ("GET", "/api/v1/tag_search"): ANY,              # tag names only, as Zammad's TagsControllerPolicy#search?
    ("GET", "/api/v1/tag_list"): ADMIN,              # admin.tag
    ("POST", "/api/v1/tag_list"): ADMIN,
    ("PUT", "/api/v1/tag_list/{tag_id}"): ADMIN,
    ("DELETE", "/api/v1/tag_list/{tag_id}"): ADMIN,
    ("GET", "/api/v1/links"): OBJECT,                # whoever reads the ticket; linked tickets filtered
    ("POST", "/api/v1/links/add"): OBJECT,           # change access on the target, read on the source
    ("DELETE", "/api/v1/links/remove"): OBJECT,
    ("PUT", "/api/v1/ticket_merge/{source_ticket_id}/{target_ticket_number}"): OBJECT,  # change on both
    ("GET", "/api/v1/ticket_history/{ticket_id}"): OBJECT,   # ticket.agent with read access
    # <<< ticket-links
    # >>> notifications: online notifications
    # the caller's own only (Zammad's `own?`); OBJECT: the {notification_id} of the matrix is the demo agent's,
    # so intruders (another organization's customer, another group's agent, anonymous) must be refused
    ("GET", "/api/v1/online_notifications"): ANY,
    ("POST", "/api/v1/online_notifications/mark_all_as_read"): ANY,
    ("GET", "/api/v1/online_notifications/{notification_id}"): OBJECT,
    ("PUT", "/api/v1/online_notifications/{notification_id}"): OBJECT,
    ("DELETE", "/api/v1/online_notifications/{notification_id}"): OBJECT,
    # <<< notifications
    # >>> object-attributes: custom ticket fields (object_manager_attributes)
    ("GET", "/api/v1/object_manager_attributes"): ADMIN,   # admin.object
    ("GET", "/api/v1/object_manager_attributes/{attribute_id}"): ADMIN,
    ("POST", "/api/v1/object_manager_attributes"): ADMIN,
    ("PUT", "/api/v1/object_manager_attributes/{attribute_id}"): ADMIN,
    ("DELETE", "/api/v1/object_manager_attributes/{attribute_id}"): ADMIN,
    ("POST", "/api/v1/object_manager_attributes_execute_migrations"): ADMIN,
    ("POST", "/api/v1/object_manager_attributes_discard_changes"): ADMIN,
    # <<< object-attributes
    # >>> sla-admin: calendars and SLAs (admin.calendar / admin.sla write; agents read too)
    ("GET", "/api/v1/calendars"): AGENT,
    ("POST", "/api/v1/calendars"): ADMIN,
    ("GET", "/api/v1/calendars/timezones"): AGENT,
    ("GET", "/api/v1/calendars/{calendar_id}"): AGENT,
    ("PUT", "/api/v1/calendars/{calendar_id}"): ADMIN,
    ("DELETE", "/api/v1/calendars/{calendar_id}"): ADMIN,
    ("GET", "/api/v1/slas"): AGENT,
    ("POST", "/api/v1/slas"): ADMIN,
    ("GET", "/api/v1/slas/{sla_id}"): AGENT,
    ("PUT", "/api/v1/slas/{sla_id}"): ADMIN,
    ("DELETE", "/api/v1/slas/{sla_id}"): ADMIN,
    # <<< sla-admin
    # >>> otrs: the OTRS 7 customer interface (tests/security/test_otrs_matrix.py calls these with tokens)
    ("POST", "/api/customer/auth/login"): PUBLIC,
    ("POST", "/api/customer/auth/logout"): PUBLIC,      # revokes the token it is given, if any
    ("GET", "/api/customer/auth/cookie"): PUBLIC,       # sets the cookie from a valid token, else clears it
    ("GET", "/api/customer/auth/check"): PUBLIC,        # says whether the token given is valid, nothing else
    ("POST", "/api/customer/account/register"): PUBLIC,
    ("POST", "/api/customer/account/recover"): PUBLIC,
    ("POST", "/api/customer/account/reset"): PUBLIC,
    ("GET", "/api/customer/account"): CUSTOMER,
    ("POST", "/api/customer/account/personal-preferences"): CUSTOMER,
    ("GET", "/api/customer/personal-notifications/list"): CUSTOMER,
    ("POST", "/api/customer/personal-notifications/seen-set"): CUSTOMER,
    ("POST", "/api/customer/ticket"): CUSTOMER,
    ("GET", "/api/customer/ticket/count"): CUSTOMER,
    ("GET", "/api/customer/ticket/list"): CUSTOMER,
    ("GET", "/api/customer/ticket/id/{TicketID}"): CUSTOMER,
    ("GET", "/api/customer/ticket/number/{TicketNumber}"): CUSTOMER,
    ("GET", "/api/customer/ticket/process/{ProcessEntityIDOrTicketID}"): CUSTOMER,
    ("POST", "/api/customer/ticket/process/{ProcessEntityIDOrTicketID}"): CUSTOMER,
    ("POST", "/api/customer/ticket/{TicketID}/process/{ProcessEntityID}"): CUSTOMER,
    ("POST", "/api/customer/ticket/{TicketID}/article"): CUSTOMER,
    ("GET", "/api/customer/ticket/{TicketID}/article/{ArticleID}"): CUSTOMER,
    ("GET", "/api/customer/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}"): CUSTOMER,
    ("HEAD", "/api/customer/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}"): CUSTOMER,
    ("GET", "/api/customer/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}/{Download}"): CUSTOMER,
    ("HEAD", "/api/customer/ticket/{TicketID}/article/{ArticleID}/attachment/{AttachmentID}/{Download}"): CUSTOMER,
    ("GET", "/api/customer/ticket/{TicketID}/article/{ArticleID}/body"): CUSTOMER,
    ("POST", "/api/customer/ticket/{TicketID}/article/{ArticleID}/flag"): CUSTOMER,
    ("POST", "/api/customer/upload/{FormID}"): CUSTOMER,
    ("GET", "/api/customer/upload/{FormID}"): CUSTOMER,
    ("DELETE", "/api/customer/upload/{FormID}"): CUSTOMER,
    # <<< otrs
    # >>> rs4otrs: one dispatcher; each method checks the session itself (tests/security/test_rs4otrs_matrix.py)
    ("GET", "/otrs/api/{group}/{name}"): PUBLIC,
    ("POST", "/otrs/api/{group}/{name}"): PUBLIC,
    # <<< rs4otrs
    # >>> kb: knowledge base management (editors: a class of its own, see the end of this file) and the
    # public knowledge base (tests/security/test_kb_public.py checks nothing unpublished shows there)
    ("POST", "/api/v1/knowledge_bases/init"): "editor",
    ("POST", "/api/v1/knowledge_bases/{kb_id}/categories"): "editor",
    ("GET", "/api/v1/knowledge_bases/{kb_id}/categories/{category_id}"): "editor",
    ("PATCH", "/api/v1/knowledge_bases/{kb_id}/categories/{category_id}"): "editor",
    ("DELETE", "/api/v1/knowledge_bases/{kb_id}/categories/{category_id}"): "editor",
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers"): "editor",
    ("GET", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}"): "editor",
    ("PATCH", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}"): "editor",
    ("DELETE", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}"): "editor",
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/publish"): "editor",
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/internal"): "editor",
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/archive"): "editor",
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/unarchive"): "editor",
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/attachments"): "editor",
    ("GET", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/attachments/{attachment_id}"): "editor",
    ("DELETE", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/attachments/{attachment_id}"): "editor",
    ("GET", "/api/public/knowledge-base/categorylist"): PUBLIC,
    ("GET", "/api/public/knowledge-base/categorylist/{CategoryID}"): PUBLIC,
    ("GET", "/api/public/knowledge-base/article/list"): PUBLIC,
    ("GET", "/api/public/knowledge-base/article/list/{CategoryID}"): PUBLIC,
    ("POST", "/api/public/knowledge-base/article/related-articles"): PUBLIC,
    ("GET", "/api/public/knowledge-base/article/{ArticleID}"): PUBLIC,
    ("GET", "/api/public/knowledge-base/article/{ArticleID}/attachment/{AttachmentID}"): PUBLIC,
    ("HEAD", "/api/public/knowledge-base/article/{ArticleID}/attachment/{AttachmentID}"): PUBLIC,
    ("GET", "/api/public/knowledge-base/article/{ArticleID}/attachment/{AttachmentID}/download"): PUBLIC,
    ("HEAD", "/api/public/knowledge-base/article/{ArticleID}/attachment/{AttachmentID}/download"): PUBLIC,
    ("GET", "/api/public/knowledge-base/article/{ArticleID}/related-articles"): PUBLIC,
    ("GET", "/api/public/knowledge-base/article/{ArticleID}/vote/check"): PUBLIC,
    ("POST", "/api/public/knowledge-base/article/{ArticleID}/vote/send"): PUBLIC,
    # <<< kb
    # >>> external: OTRS's external frontend (/api/frontend/external); its public knowledge base rows are kb's
    ("GET", "/api/frontend/external/config"): PUBLIC,
    ("GET", "/api/frontend/external/custom-page/content/{Slug}"): PUBLIC,
    ("GET", "/api/frontend/external/custom-page/content/{Slug}/{Language}"): PUBLIC,
    ("GET", "/api/frontend/external/custom-page/inline-image"): PUBLIC,
    ("GET", "/api/frontend/external/homepage/config"): PUBLIC,
    ("GET", "/api/frontend/external/homepage/config/{Language}"): PUBLIC,
    ("GET", "/api/frontend/external/homepage/image"): PUBLIC,
    ("GET", "/api/frontend/external/layout/favicon"): PUBLIC,
    ("GET", "/api/frontend/external/layout/image"): PUBLIC,
    ("GET", "/api/frontend/external/menu"): PUBLIC,  # a customer token adds the private entries
    ("POST", "/api/frontend/external/service-catalogue"): PUBLIC,
    ("POST", "/api/frontend/external/service-catalogue/categories"): PUBLIC,
    ("GET", "/api/frontend/external/service-catalogue/item-content/{ItemContentID}"): PUBLIC,
    ("POST", "/api/frontend/external/service-catalogue/track/{ItemID}"): PUBLIC,
    ("POST", "/api/frontend/external/service-catalogue/{CategoryID}"): PUBLIC,
    ("GET", "/api/frontend/external/ticketlist/config"): PUBLIC,
    ("GET", "/api/frontend/external/personal-preferences/categories"): CUSTOMER,
    ("GET", "/api/frontend/external/ticket/create"): CUSTOMER,
    ("GET", "/api/frontend/external/ticket/detail-view"): CUSTOMER,
    ("GET", "/api/frontend/external/ticket/detail-view/{TicketNumber}"): CUSTOMER,
    # <<< external
    # >>> chat: classes of their own (tests at the end of this file): the public chat's requesters act on their own
    # chats only (token or chat cookie), OTRS-31 serves the customer's own chats, chat.agent works sessions, admins
    # manage topics; listing channels, the configuration, requesting a chat and one's own history need nothing
    **{("GET" if path in ("/available-channels", "/history") else "POST", f"/api/public/chat{form}{path}"): PUBLIC
       for form in ("", "/{UserID}") for path in ("/available-channels", "/history", "/request-create")},
    ("GET", "/api/public/chat/config"): PUBLIC,
    **{(method, f"/api/public/chat{form}{path}"): "chat-requester"
       for form in ("", "/{UserID}")
       for method, path in (("POST", "/accept-request"), ("POST", "/close"), ("POST", "/send-mail"),
                            ("POST", "/send-message"), ("GET", "/video/config"), ("GET", "/video/signal"),
                            ("POST", "/video/signal"))},
    ("GET", "/api/frontend/external/chat/{FromChatID}/messages"): "chat-customer",
    ("GET", "/api/v1/chats"): "chat-agent",
    ("GET", "/api/v1/chats/{chat_id}"): "chat-agent",
    ("POST", "/api/v1/chats"): "chat-admin",
    ("PUT", "/api/v1/chats/{chat_id}"): "chat-admin",
    ("DELETE", "/api/v1/chats/{chat_id}"): "chat-admin",
    ("GET", "/api/v1/chat_sessions"): "chat-agent",
    ("POST", "/api/v1/chat_sessions"): "chat-agent",
    ("GET", "/api/v1/chat_sessions/search"): "chat-agent",
    ("POST", "/api/v1/chat_sessions/search"): "chat-agent",
    ("GET", "/api/v1/chat_sessions/{session_id}"): "chat-agent",
    ("POST", "/api/v1/chat_sessions/{session_id}/accept"): "chat-agent",
    ("POST", "/api/v1/chat_sessions/{session_id}/messages"): "chat-agent",
    ("POST", "/api/v1/chat_sessions/{session_id}/close"): "chat-agent",
    ("GET", "/api/v1/chat_sessions/{session_id}/video_config"): "chat-agent",
    ("GET", "/api/v1/chat_sessions/{session_id}/video_signals"): "chat-agent",
    ("POST", "/api/v1/chat_sessions/{session_id}/video_signals"): "chat-agent",
    # <<< chat
    # >>> forms: the external frontend's form schemas (validating writes nothing)
    ("POST", "/api/frontend/external/form/account/recover"): PUBLIC,  # 403 while recovery is switched off
    ("POST", "/api/frontend/external/form/account/register"): PUBLIC,  # 403 while registration is switched off
    ("POST", "/api/frontend/external/form/auth/login"): PUBLIC,
    ("POST", "/api/frontend/external/form/personal-preferences/{Category}"): CUSTOMER,
    ("POST", "/api/frontend/external/form/ticket"): CUSTOMER,
    ("POST", "/api/frontend/external/form/ticket/process"): CUSTOMER,
    ("POST", "/api/frontend/external/form/ticket/process/{ProcessEntityID}"): CUSTOMER,
    ("POST", "/api/frontend/external/form/ticket/{TicketID}/article"): CUSTOMER,  # the customer's own ticket
    ("POST", "/api/frontend/external/form/ticket/{TicketID}/process"): CUSTOMER,  # the customer's own ticket
    # <<< forms
    # >>> docsearch: document search (a customer token adds the customer's own tickets), the calendar feed
    # (a personal access token in the query), the package repository; package management is its own class
    # (the body names the package: see the end of this file)
    ("POST", "/api/public/documentsearch"): PUBLIC,
    ("POST", "/api/public/documentsearch/simple"): PUBLIC,
    ("GET", "/api/public/calendar"): PUBLIC,
    ("GET", "/api/public/package/repository"): PUBLIC,
    ("GET", "/api/v1/packages"): "package-admin",
    ("POST", "/api/v1/packages"): "package-admin",
    ("DELETE", "/api/v1/packages"): "package-admin",
    # <<< docsearch
    # >>> tickets-api: the numbered Tickets API (X-Token of a customer; agents 403)
    ("POST", "/api/tickets/v1/tickets"): TICKETS_CLIENT,
    ("GET", "/api/tickets/v1/tickets"): TICKETS_CLIENT,
    ("GET", "/api/tickets/v1/tickets/{ticket_number}"): TICKETS_CLIENT,
    ("PATCH", "/api/tickets/v1/tickets/{ticket_number}"): TICKETS_CLIENT,
    ("POST", "/api/tickets/v1/tickets/{ticket_number}/close"): TICKETS_CLIENT,
    ("POST", "/api/tickets/v1/tickets/{ticket_number}/reopen"): TICKETS_CLIENT,
    ("POST", "/api/tickets/v1/tickets/{ticket_number}/vote"): TICKETS_CLIENT,
    ("POST", "/api/tickets/v1/tickets/{ticket_number}/comments"): TICKETS_CLIENT,
    ("GET", "/api/tickets/v1/tickets/{ticket_number}/comments"): TICKETS_CLIENT,
    ("GET", "/api/tickets/v1/comments/{comment_id}"): TICKETS_CLIENT,
    ("POST", "/api/tickets/v1/comments/{comment_id}/vote"): TICKETS_CLIENT,
    ("GET", "/api/tickets/v1/topics"): TICKETS_CLIENT,
    ("POST", "/api/tickets/v1/files"): TICKETS_CLIENT,
    # <<< tickets-api
}


# --- how each dialect refuses ---------------------------------------------------------------

def zammad_refusal(reply: Any, message: Optional[str] = None) -> list[str]:
    """Zammad: JSON `{"error": text, "error_human": text}`; 401/403 repeat the text in X-Failure."""
    problems = []
    if not reply.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content type {reply.headers.get('content-type')!r}, not JSON")
    try:
        body = reply.json
    except ValueError:
        return problems + [f"body is not JSON: {reply.body[:200]!r}"]
    if not isinstance(body, dict) or set(body) != {"error", "error_human"}:
        return problems + [f"body is not Zammad's error shape: {body!r}"[:300]]
    if not isinstance(body["error"], str) or not body["error"] or body["error"] != body["error_human"]:
        problems.append(f"error/error_human differ or are empty: {body!r}")
    if reply.status in (401, 403) and reply.headers.get("x-failure") != body["error"]:
        problems.append(f"X-Failure {reply.headers.get('x-failure')!r} != error {body['error']!r}")
    if message is not None and body.get("error") != message:
        problems.append(f"error {body.get('error')!r}, expected {message!r}")
    return problems


@dataclass(frozen=True)
class Refusal:
    """A dialect's refusal: the shape check, and its answer to a call without any credentials."""
    check: Callable[..., list[str]]
    anonymous_status: int
    anonymous_error: str


def otrs_refusal(reply: Any, message: Optional[str] = None) -> list[str]:
    """OTRS: JSON `{"Error": text}` (401/403/404) or `{"Errors": {...}}` (422), always with
    X-OTRS-API-Version."""
    problems = [] if reply.headers.get("x-otrs-api-version") else ["no X-OTRS-API-Version header"]
    if reply.status == 405:
        return problems
    try:
        body = reply.json
    except ValueError:
        return problems + [f"body is not JSON: {reply.body[:200]!r}"]
    if not isinstance(body, dict) or not (set(body) == {"Error"} or set(body) == {"Errors"}):
        return problems + [f"body is not OTRS's error shape: {body!r}"[:300]]
    if message is not None and body.get("Error") != message:
        problems.append(f"Error {body.get('Error')!r}, expected {message!r}")
    return problems


# >>> tickets-api: how the numbered Tickets API refuses
def tickets_api_refusal(reply: Any, message: Optional[str] = None) -> list[str]:
    """The Tickets API: JSON `{"error": text, "error_human": text}` (plus `errors`, the fields at fault, where
    fields are); a 401 names the scheme in WWW-Authenticate. Another customer's ticket or comment is a 404."""
    problems = []
    if not reply.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content type {reply.headers.get('content-type')!r}, not JSON")
    try:
        body = reply.json
    except ValueError:
        return problems + [f"body is not JSON: {reply.body[:200]!r}"]
    if not isinstance(body, dict) or not {"error", "error_human"} <= set(body) <= {"error", "error_human", "errors"}:
        return problems + [f"body is not the Tickets API's error shape: {body!r}"[:300]]
    if not isinstance(body["error"], str) or not body["error"] or body["error"] != body["error_human"]:
        problems.append(f"error/error_human differ or are empty: {body!r}")
    if reply.status == 401 and reply.headers.get("www-authenticate") != 'X-Token realm="tickets-api"':
        problems.append(f"401 without the X-Token challenge: {reply.headers.get('www-authenticate')!r}")
    if message is not None and body.get("error") != message:
        problems.append(f"error {body.get('error')!r}, expected {message!r}")
    return problems
# <<< tickets-api


DIALECT_ERROR_SHAPE: dict[str, Refusal] = {
    "/api/v1/": Refusal(zammad_refusal, 403, "Authentication required"),
    "/api/customer/": Refusal(otrs_refusal, 401, "Bad token."),
    "/api/frontend/external/": Refusal(otrs_refusal, 401, "Bad token."),  # external
    "/api/public/": Refusal(otrs_refusal, 401, "Bad token."),  # external
    "/api/tickets/v1/": Refusal(tickets_api_refusal, 401, "X-Token header is required."),  # tickets-api
}


def dialect_of(path: str) -> Refusal:
    prefixes = [p for p in DIALECT_ERROR_SHAPE if path.startswith(p)]
    assert prefixes, f"no DIALECT_ERROR_SHAPE for {path}: add the dialect's refusal shape"
    return DIALECT_ERROR_SHAPE[max(prefixes, key=len)]


def registered_routes() -> set[tuple[str, str]]:
    from app import app
    return {(method, path) for path, methods in app.routes.items() for method in methods}


def routes_of(*classes: str) -> list[tuple[str, str]]:
    return sorted(key for key, who in ACCESS.items() if who in classes)


# --- the world an attack runs in --------------------------------------------------------------

TITLE = "Qzmarker confidential title"
BODY = "qzmarkerbody the first article text"
FILE = "qzmarkerfile-public.txt"
BYTES = b"qzmarkerbytes public attachment"
INTERNAL_BODY = "qzinternalbody agents only note"
INTERNAL_FILE = "qzinternalfile-notes.txt"
INTERNAL_BYTES = b"qzinternalbytes internal attachment"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class World:
    """One ticket of the demo customer in group Users, with a public and an internal article."""
    ticket: dict[str, Any]
    article: dict[str, Any]
    internal: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ticket_id(self) -> int:
        return self.ticket["id"]

    @property
    def public_secrets(self) -> list[str]:
        """What only those who may read the ticket may see."""
        return [TITLE, self.ticket["number"], BODY, FILE, BYTES.decode(), b64(BYTES)]

    @property
    def internal_secrets(self) -> list[str]:
        """What only agents of the ticket's group may see."""
        return [INTERNAL_BODY, INTERNAL_FILE, INTERNAL_BYTES.decode(), b64(INTERNAL_BYTES)]

    def internal_params(self) -> dict[str, Any]:
        return {**self.params, "article_id": self.internal["id"],
                "attachment_id": self.internal["attachments"][0]["id"]}


def build_world(api: Any) -> World:
    """Intruders and neighbours, then the ticket (created through HTTP, as clients do)."""
    organization_id = api.get("/api/v1/users/me", who="customer").json["organization_id"]
    assert organization_id, "the demo customer belongs to a (shared) organization"
    other = add_org("Other Inc", shared=True)
    secret = add_group("Secret")
    add_user(api, "stranger", "stranger@other.example", [ROLE_CUSTOMER], organization_id=other.id)
    add_user(api, "outsider_agent", "outsider.agent@example.com", [ROLE_AGENT], {str(secret.id): ["full"]})
    add_user(api, "colleague", "colleague@example.com", [ROLE_CUSTOMER], organization_id=organization_id)
    created = api.post("/api/v1/tickets", {
        "title": TITLE, "group": "Users", "customer": api.credentials["customer"]["email"],
        "article": {"subject": "first", "body": BODY, "type": "note", "internal": False,
                    "attachments": [{"filename": FILE, "data": b64(BYTES), "mime-type": "text/plain"}]},
    })
    assert created.status == 201, created
    ticket = created.json
    article = api.get(f"/api/v1/ticket_articles/{ticket['article_ids'][0]}").json
    internal = api.post("/api/v1/ticket_articles", {
        "ticket_id": ticket["id"], "body": INTERNAL_BODY, "internal": True,
        "attachments": [{"filename": INTERNAL_FILE, "data": b64(INTERNAL_BYTES), "mime-type": "text/plain"}],
    }, who="agent")
    assert internal.status == 201 and internal.json["internal"] is True, internal
    ticket = api.get(f"/api/v1/tickets/{ticket['id']}").json
    world = World(ticket, article, internal.json)
    world.params = {"ticket_id": ticket["id"], "article_id": article["id"],
                    "attachment_id": article["attachments"][0]["id"], "state_id": 1, "priority_id": 2,
                    "group_id": ticket["group_id"], "token_id": 1}
    world.params.update(directory_matrix_params(api))  # directory: user_id, organization_id, org_id
    world.params.update(ticket_links_matrix_params(api))  # ticket-links: merge source/target, tag_id
    world.params.update(catalog_matrix_params(api))  # catalog: unused state_id, priority_id, group_id; role_id
    world.params.update(notification_matrix_params(api))  # notifications: notification_id (the agent's)
    world.params.update(object_attribute_matrix_params(api))  # object attributes: attribute_id (migrated)
    world.params.update(sla_admin_matrix_params(api))  # sla-admin: an unused calendar_id, an sla_id
    return world


def fill(template: str, params: dict[str, Any]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in params, f"{template}: no value for path parameter {{{name}}}; teach the matrix about it"
        return str(params[name])
    return re.sub(r"\{(\w+)\}", value, template)


def body_for(method: str, template: str, world: World) -> Any:
    """A plausible body for each write route (what a real client of the route would send)."""
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/tickets"): {
            "title": "matrix ticket", "group": "Users", "customer": "nicole.braun@example.com",
            "article": {"subject": "matrix", "body": "matrix body", "type": "note"}},
        ("PUT", "/api/v1/tickets/{ticket_id}"): {
            "title": "hijacked", "state": "closed", "priority_id": 3, "customer_id": 1, "group": "Secret",
            "article": {"body": "hijack attempt", "internal": False,
                        "attachments": [{"filename": "evil.txt", "data": b64(b"evil"), "mime-type": "text/plain"}]}},
        ("POST", "/api/v1/ticket_articles"): {
            "ticket_id": world.ticket_id, "body": "intrusion", "internal": False,
            "attachments": [{"filename": "evil.txt", "data": b64(b"evil"), "mime-type": "text/plain"}]},
        ("POST", "/api/v1/user_access_token"): {"label": "matrix", "permission": ["user_preferences.access_token"]},
        ("PUT", "/api/v1/user_access_token/{token_id}"): None,  # the seed's delete verb: no body
        **DIRECTORY_BODIES,
        **TICKET_LINKS_BODIES,  # ticket-links
        **CATALOG_BODIES,
        **NOTIFICATION_BODIES,
        **OBJECT_ATTRIBUTE_BODIES,
        **SLA_ADMIN_BODIES,  # sla-admin
    }
    if method in ("GET", "DELETE"):
        return None
    key = (method, template)
    assert key in bodies or ACCESS.get(key) == PUBLIC, f"{method} {template}: give the matrix a plausible body"
    return bodies.get(key)


def calls(world: World, classes: tuple[str, ...]) -> Iterator[tuple[str, str, str, str, Any]]:
    """(method, template, label, path, body) for every route of the classes; article routes twice:
    once for the public article and once for the internal one."""
    for method, template in routes_of(*classes):
        variants = [("public", world.params)]
        if "{article_id}" in template:
            variants.append(("internal", world.internal_params()))
        for label, params in variants:
            yield method, template, label, fill(template, params), body_for(method, template, world)


def leaked(reply: Any, secrets: list[str]) -> list[str]:
    seen = (reply.body or b"").decode("utf-8", "replace").lower() + "\n" + \
        "\n".join(f"{k}: {v}" for k, v in reply.headers.items()).lower()
    return [s for s in secrets if s.lower() in seen]


def refusal_problems(reply: Any, path: str, statuses: tuple[int, ...], message: Optional[str] = None) -> list[str]:
    problems = [] if reply.status in statuses else [f"status {reply.status}, expected one of {statuses}"]
    return problems + dialect_of(path).check(reply, message)


def assert_none(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


def snapshot(api: Any, world: World) -> dict[str, Any]:
    """What an intruder must not be able to change."""
    ticket = api.get(f"/api/v1/tickets/{world.ticket_id}").json
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{world.ticket_id}").json
    return {"ticket": ticket, "articles": [(a["id"], a["body"], a["internal"], len(a["attachments"]))
                                           for a in articles]}


@pytest.fixture()
def world(api: Any) -> World:
    return build_world(api)


# --- the table itself ---------------------------------------------------------------------------

def test_every_route_is_classified():
    registered = registered_routes()
    unclassified = sorted(registered - set(ACCESS))
    stale = sorted(set(ACCESS) - registered)
    assert not unclassified, f"routes without a row in ACCESS (classify them): {unclassified}"
    assert not stale, f"ACCESS rows for routes the app does not register: {stale}"
    assert set(ACCESS.values()) <= CLASSES, set(ACCESS.values()) - CLASSES
    for method, path in ACCESS:
        if ACCESS[(method, path)] != PUBLIC:
            dialect_of(path)  # every guarded route has a known refusal shape


def test_public_routes_need_no_credentials(api):
    assert api.get("/health", who=None).status == 200
    grant = api.client.http.post("/oauth/token", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                 body=b"grant_type=password&username=agent@example.com&password=agent-password")
    assert grant.status_code == 200
    token = json.loads(grant.body)["access_token"]
    revoke = api.client.http.post("/oauth/revoke", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                  body=f"token={token}".encode())
    assert revoke.status_code == 200


def test_anonymous_is_refused_on_every_guarded_route(api, world):
    problems = []
    for method, template, label, path, body in calls(world, (ANY, OWN, OBJECT, AGENT, ADMIN)):
        reply = api.request(method, path, body, who=None)
        dialect = dialect_of(template)
        found = refusal_problems(reply, template, (dialect.anonymous_status,), dialect.anonymous_error)
        found += [f"leaks {s!r}" for s in leaked(reply, world.public_secrets + world.internal_secrets)]
        problems += [f"{method} {template} ({label}): {p}" for p in found]
    assert_none(problems)
    assert snapshot(api, world)["ticket"] == world.ticket


@pytest.mark.parametrize("intruder", ["stranger", "outsider_agent", None],
                         ids=["customer-of-another-organization", "agent-of-another-group", "anonymous"])
def test_intruders_are_refused_and_learn_nothing(api, world, intruder):
    before = snapshot(api, world)
    secrets = world.public_secrets + world.internal_secrets
    problems = []
    for method, template, label, path, body in calls(world, (OBJECT, ADMIN)):
        reply = api.request(method, path, body, who=intruder)
        found = refusal_problems(reply, template, (403, 404))
        found += [f"leaks {s!r}" for s in leaked(reply, secrets)]
        problems += [f"{method} {template} ({label}): {p}" for p in found]
    # the same object routes with Zammad's rendering flags: still refused
    for query in ("?expand=true", "?full=true", "?all=true"):
        reply = api.get(f"/api/v1/tickets/{world.ticket_id}{query}", who=intruder)
        found = refusal_problems(reply, "/api/v1/tickets/{ticket_id}", (403, 404)) + \
            [f"leaks {s!r}" for s in leaked(reply, secrets)]
        problems += [f"GET /api/v1/tickets/{{ticket_id}}{query}: {p}" for p in found]
    if intruder is not None:  # scoped lists and search never show the ticket either
        number = world.ticket["number"]
        for path in ("/api/v1/tickets", "/api/v1/tickets?expand=true", "/api/v1/tickets?full=true",
                     "/api/v1/tickets/search?query=qzmarker", "/api/v1/tickets/search?query=qzinternalbody",
                     f"/api/v1/tickets/search?query=number:{number}", "/api/v1/tickets/search?query=qzmarker&full=true",
                     "/api/v1/tickets/search?query=&expand=true"):
            reply = api.get(path, who=intruder)
            if reply.status != 200:
                problems.append(f"GET {path}: status {reply.status}")
            problems += [f"GET {path}: leaks {s!r}" for s in leaked(reply, secrets)]
    assert_none(problems)
    assert snapshot(api, world) == before, "an intruder changed the ticket"


@pytest.mark.parametrize("reader", ["colleague", "customer"], ids=["same-shared-organization", "ticket-customer"])
def test_customers_read_but_internal_articles_stay_hidden(api, world, reader):
    tid = world.ticket_id
    shown = api.get(f"/api/v1/tickets/{tid}", who=reader)
    assert shown.status == 200 and shown.json["title"] == TITLE
    articles = api.get(f"/api/v1/ticket_articles/by_ticket/{tid}", who=reader)
    assert articles.status == 200 and [a["id"] for a in articles.json] == [world.article["id"]]
    public = api.get(fill("/api/v1/ticket_articles/{article_id}", world.params), who=reader)
    assert public.status == 200 and public.json["body"] == BODY
    download = api.get(fill("/api/v1/ticket_attachment/{ticket_id}/{article_id}/{attachment_id}", world.params),
                       who=reader)
    assert download.status == 200 and download.body == BYTES
    readable = [shown, articles, public, download]
    for query in ("?all=true", "?full=true", "?expand=true"):
        readable.append(api.get(f"/api/v1/tickets/{tid}{query}", who=reader))
        assert readable[-1].status == 200, query
    readable.append(api.get("/api/v1/tickets?full=true", who=reader))
    problems = []
    for reply in readable:
        problems += [f"readable answer leaks {s!r}" for s in leaked(reply, world.internal_secrets)]
    for template in ("/api/v1/ticket_articles/{article_id}",
                     "/api/v1/ticket_attachment/{ticket_id}/{article_id}/{attachment_id}"):
        reply = api.get(fill(template, world.internal_params()), who=reader)
        found = refusal_problems(reply, template, (403,)) + \
            [f"leaks {s!r}" for s in leaked(reply, world.internal_secrets)]
        problems += [f"GET {template} (internal): {p}" for p in found]
    assert_none(problems)


def test_customer_search_does_not_match_internal_article_words(api, world):
    found = api.get("/api/v1/tickets/search?query=qzinternalbody", who="customer")
    assert found.status == 200
    assert world.ticket_id not in [t["id"] for t in found.json]


def test_admin_routes_are_refused_to_agents_and_customers(api, world):
    problems = []
    for who in ("agent", "customer", "colleague"):
        for method, template, label, path, body in calls(world, (ADMIN,)):
            reply = api.request(method, path, body, who=who)
            problems += [f"{who}: {method} {template}: {p}" for p in refusal_problems(reply, template, (403,))]
    assert_none(problems)
    assert api.get(f"/api/v1/tickets/{world.ticket_id}").status == 200  # nothing was deleted
    # deletes last (they remove what other admin routes act on); creates answer 201
    for method, template, label, path, body in sorted(calls(world, (ADMIN,)), key=lambda c: c[0] == "DELETE"):
        assert api.request(method, path, body, who="admin").status in (200, 201), (method, template)


def test_agent_routes_are_refused_to_customers(api, world):
    problems = []
    for method, template, label, path, body in calls(world, (AGENT,)):
        for who in ("customer", "stranger"):
            reply = api.request(method, path, body, who=who)
            problems += [f"{who}: {method} {template}: {p}" for p in refusal_problems(reply, template, (403,))]
        for who in ("agent", "outsider_agent", "admin"):
            reply = api.request(method, path, body, who=who)
            if reply.status != 200:
                problems.append(f"{who}: {method} {template}: status {reply.status}")
    assert_none(problems)


def test_any_routes_serve_every_authenticated_role(api, world):
    problems = []
    for method, template, label, path, body in calls(world, (ANY,)):
        for who in ("admin", "agent", "customer"):
            reply = api.request(method, path, body, who=who)
            if not 200 <= reply.status < 300:
                problems.append(f"{who}: {method} {template}: {reply!r}")
    assert_none(problems)


def test_own_routes_act_on_the_callers_objects_only(api, world):
    from tests.api.zammad.test_auth import token_for
    raw = {who: token_for(api, who=who, permissions=("user_preferences.access_token",))
           for who in ("agent", "customer")}
    ids = {who: api.get("/api/v1/user_access_token", who=who).json["tokens"][0]["id"] for who in raw}
    problems = []
    for method, template in routes_of(OWN):
        for who, victim in (("customer", "agent"), ("agent", "customer"), ("stranger", "customer")):
            path = fill(template, {**world.params, "token_id": ids[victim]})
            reply = api.request(method, path, None, who=who)
            problems += [f"{who} on {victim}'s token: {method} {template}: {p}"
                         for p in refusal_problems(reply, template, (403, 404, 422))]
    assert_none(problems)
    for who, token in raw.items():  # the victims' tokens still work
        assert api.get("/api/v1/users/me", who=None, headers={"Authorization": f"Token token={token}"}).status == 200
    for method, template in routes_of(OWN):  # and their owners can drop them (first route wins)
        path = fill(template, {**world.params, "token_id": ids["customer"]})
        assert api.request(method, path, None, who="customer").status == 200, (method, template)
        break


# >>> kb: knowledge base editors
# Agents hold `knowledge_base.editor` (admins may edit too), so these routes fit neither AGENT (whose test
# calls every route three times in path order, deletes first) nor ADMIN: they get a class and a test here.
EDITOR = "editor"
CLASSES.add(EDITOR)


def test_editor_routes_refuse_customers_and_anonymous_and_serve_editors(api, world):
    from tests.api.zammad.test_knowledge_base import matrix_bodies, matrix_params
    params = {**world.params, **matrix_params(api)}
    bodies = matrix_bodies(params)
    # deletes last, the attachment's before its answer's before the (then empty) category's
    routes = sorted(routes_of(EDITOR), key=lambda r: (r[0] == "DELETE", "attachments" not in r[1], "categories" in r[1]))
    problems = []
    for method, template in routes:
        path, body = fill(template, params), bodies.get((method, template))
        for who in (None, "customer", "stranger", "colleague"):
            reply = api.request(method, path, body, who=who)
            dialect = dialect_of(template)
            expected = (dialect.anonymous_status,) if who is None else (403,)
            found = refusal_problems(reply, template, expected, dialect.anonymous_error if who is None else None)
            found += [f"leaks {s!r}" for s in leaked(reply, ["Matrix answer", "matrix.txt"])]
            problems += [f"{who}: {method} {template}: {p}" for p in found]
    for method, template in routes:
        path, body = fill(template, params), bodies.get((method, template))
        for who in (("agent",) if method == "DELETE" else ("agent", "outsider_agent", "admin")):
            reply = api.request(method, path, body, who=who)
            if reply.status != 200:
                problems.append(f"{who}: {method} {template}: {reply!r}")
    assert_none(problems)
# <<< kb


# >>> docsearch: package management, admins only; the matrix's generic admin loop cannot name a package
PACKAGE_ADMIN = "package-admin"
CLASSES.add(PACKAGE_ADMIN)


def test_package_management_is_for_admins_only(api):
    from tests.api.otrs.test_package_repository import opm
    upload = {"filename": "p.opm", "data": b64(opm()), "mime-type": "application/octet-stream"}
    bodies = {"GET": None, "POST": upload, "DELETE": {"id": 1}}
    problems = []
    for method, template in routes_of(PACKAGE_ADMIN):
        for who, status in (("agent", 403), ("customer", 403), (None, 403)):
            reply = api.request(method, template, bodies[method], who=who)
            problems += [f"{who}: {method} {template}: {p}" for p in refusal_problems(reply, template, (status,))]
    assert_none(problems)
    assert api.get("/api/public/package/repository?File=FAQ-7.0.1.opm", who=None).status == 404   # nothing added
    added = api.post("/api/v1/packages", upload)
    assert added.status == 200, added
    assert api.request("DELETE", "/api/v1/packages", {"id": added.json["id"]}).json == {}
# <<< docsearch


# >>> chat: the public chat's requesters, OTRS-31's customers, chat agents and topic admins
CHAT_REQUESTER, CHAT_CUSTOMER, CHAT_AGENT, CHAT_ADMIN = "chat-requester", "chat-customer", "chat-agent", "chat-admin"
CLASSES.update({CHAT_REQUESTER, CHAT_CUSTOMER, CHAT_AGENT, CHAT_ADMIN})
CHAT_SECRET = "qzchatsecret my account number"


@dataclass
class ChatWorld:
    """The demo customer's chat (with a secret in it) that the demo agent accepted, a spare topic, and the
    headers of everybody who tries to reach it."""
    params: dict[str, Any]
    owner: dict[str, str]
    intruders: dict[str, dict[str, str]]


def chat_world(api: Any) -> ChatWorld:
    from tests.api.otrs.conftest import Otrs
    otrs = Otrs(api)
    add_user(api, "chat_stranger", "chat.stranger@other.example", [ROLE_CUSTOMER])
    owner = {"Authentication": f"Bearer {otrs.login('customer')}"}
    created = api.post("/api/public/chat/request-create", {"Message": CHAT_SECRET}, who=None, headers=owner)
    visitor = api.post("/api/public/chat/request-create", {"Message": "a visitor's own chat"}, who=None)
    assert created.status == 200 and visitor.status == 200, (created, visitor)
    chat_id = created.json["ChatID"]
    accepted = api.post(f"/api/v1/chat_sessions/{chat_id}/accept", who="agent")
    spare = api.post("/api/v1/chats", {"name": "Matrix spare topic"})
    assert accepted.status == 200 and spare.status == 201, (accepted, spare)
    cookie = visitor.headers["set-cookie"].split(";", 1)[0]
    customer = api.get("/api/v1/users/me", who="customer").json
    params = {"ChatID": chat_id, "UserID": customer["id"], "FromChatID": chat_id, "session_id": chat_id,
              "chat_id": spare.json["id"], "agent_id": accepted.json["user_id"], "login": customer["login"]}
    intruders = {"anonymous": {}, "another visitor": {"Cookie": cookie},
                 "another customer": {"Authentication": f"Bearer {otrs.login('chat_stranger')}"}}
    return ChatWorld(params, owner, intruders)


def chat_requester_call(method: str, template: str, chat: ChatWorld) -> tuple[str, Any]:
    """The path (ChatID in the query for GETs) and body a requester's client sends."""
    path = fill(template, chat.params)
    if method == "GET":
        return f"{path}?ChatID={chat.params['ChatID']}", None
    body: dict[str, Any] = {"ChatID": chat.params["ChatID"]}
    if template.endswith("/send-message"):
        body["Message"] = "intrusion"
    elif template.endswith("/send-mail"):
        body["Email"] = "intruder@evil.example"
    elif template.endswith("/video/signal"):
        body.update(SignalKey="VideoChatInvite", SignalValue=1, TargetID=str(chat.params["agent_id"]), TargetType="User")
    return path, body


def chat_messages(api: Any, chat: ChatWorld) -> int:
    return api.get(f"/api/v1/chat_sessions/{chat.params['ChatID']}", who="agent").json["message_count"]


def test_chat_requester_routes_serve_the_requester_only(api):
    chat = chat_world(api)
    before = chat_messages(api, chat)
    routes = sorted(routes_of(CHAT_REQUESTER), key=lambda r: r[1].endswith("/close"))  # closing last
    problems = []
    for method, template in routes:
        path, body = chat_requester_call(method, template, chat)
        for intruder, headers in chat.intruders.items():
            reply = api.request(method, path, body, who=None, headers=headers)
            found = refusal_problems(reply, template, (403,), "Access unauthorized.")
            found += [f"leaks {CHAT_SECRET!r}" for _ in leaked(reply, [CHAT_SECRET])]
            problems += [f"{intruder}: {method} {template}: {p}" for p in found]
    assert chat_messages(api, chat) == before, "an intruder wrote in the chat"
    closed = False
    for method, template in routes:  # the requester is served (accept-request: the chat is no invitation)
        path, body = chat_requester_call(method, template, chat)
        reply = api.request(method, path, body, who=None, headers=chat.owner)
        refused = template.endswith("/accept-request") or (template.endswith("/close") and closed)  # E900
        closed = closed or template.endswith("/close")
        if reply.status != (900 if refused else 200):
            problems.append(f"requester: {method} {template}: {reply!r}")
    assert_none(problems)


def test_chat_messages_serve_the_chats_customer_only(api):
    chat = chat_world(api)
    template = "/api/frontend/external/chat/{FromChatID}/messages"
    path = fill(template, chat.params)
    assert routes_of(CHAT_CUSTOMER) == [("GET", template)]
    problems = []
    for intruder, headers in chat.intruders.items():
        reply = api.request("GET", path, None, who=None, headers=headers)
        expected = (401, "Bad token.") if "Authentication" not in headers else (403, "Access denied.")
        found = refusal_problems(reply, template, (expected[0],), expected[1])
        problems += [f"{intruder}: {p}" for p in found + [f"leaks {s!r}" for s in leaked(reply, [CHAT_SECRET])]]
    owner = api.request("GET", path, None, who=None, headers=chat.owner)
    assert owner.status == 200 and CHAT_SECRET in owner.body.decode(), owner
    assert_none(problems)


CHAT_AGENT_CALLS: dict[tuple[str, str], tuple[Any, int]] = {  # body and the agent's status, in call order
    ("GET", "/api/v1/chats"): (None, 200),
    ("GET", "/api/v1/chats/{chat_id}"): (None, 200),
    ("GET", "/api/v1/chat_sessions"): (None, 200),
    ("GET", "/api/v1/chat_sessions/search"): (None, 200),
    ("POST", "/api/v1/chat_sessions/search"): ({"query": "qzchatsecret"}, 200),
    ("GET", "/api/v1/chat_sessions/{session_id}"): (None, 200),
    ("POST", "/api/v1/chat_sessions"): ({"chat_id": 1, "customer_id": "{UserID}", "content": "Can I help?"}, 201),
    ("POST", "/api/v1/chat_sessions/{session_id}/accept"): (None, 422),  # accepted already (by the world)
    ("POST", "/api/v1/chat_sessions/{session_id}/messages"): ({"content": "Which account?"}, 201),
    ("GET", "/api/v1/chat_sessions/{session_id}/video_config"): (None, 200),
    ("POST", "/api/v1/chat_sessions/{session_id}/video_signals"): (
        {"signal_key": "VideoChatInvite", "signal_value": 1, "target_type": "Customer", "target_id": "{login}"}, 201),
    ("GET", "/api/v1/chat_sessions/{session_id}/video_signals"): (None, 200),
    ("POST", "/api/v1/chat_sessions/{session_id}/close"): (None, 200),
}


def chat_body(body: Any, params: dict[str, Any]) -> Any:
    if not isinstance(body, dict):
        return body
    return {k: params[v[1:-1]] if isinstance(v, str) and v[1:-1] in params else v for k, v in body.items()}


def test_chat_agent_routes_refuse_customers_and_serve_agents(api, world):
    chat = chat_world(api)
    assert set(routes_of(CHAT_AGENT)) == set(CHAT_AGENT_CALLS), "give every chat-agent route a call here"
    problems = []
    for (method, template), (body, _) in CHAT_AGENT_CALLS.items():
        path, sent = fill(template, chat.params), chat_body(body, chat.params)
        for who in (None, "customer", "stranger", "colleague"):
            reply = api.request(method, path, sent, who=who)
            dialect = dialect_of(template)
            expected = (dialect.anonymous_status,) if who is None else (403,)
            found = refusal_problems(reply, template, expected, dialect.anonymous_error if who is None else None)
            problems += [f"{who}: {method} {template}: {p}" for p in found + [
                f"leaks {s!r}" for s in leaked(reply, [CHAT_SECRET])]]
    for (method, template), (body, status) in CHAT_AGENT_CALLS.items():
        reply = api.request(method, fill(template, chat.params), chat_body(body, chat.params), who="agent")
        if reply.status != status:
            problems.append(f"agent: {method} {template}: {reply!r}")
    outsider = api.post(fill("/api/v1/chat_sessions/{session_id}/messages", chat.params), {"content": "x"},
                        who="outsider_agent")  # an agent, but not in this chat
    problems += [f"outsider_agent: {p}" for p in refusal_problems(
        outsider, "/api/v1/chat_sessions/{session_id}/messages", (403,))]
    assert_none(problems)


def test_chat_topics_are_managed_by_admins_only(api, world):
    chat = chat_world(api)
    calls = {("POST", "/api/v1/chats"): ({"name": "Matrix topic"}, 201),
             ("PUT", "/api/v1/chats/{chat_id}"): ({"note": "changed"}, 200),
             ("DELETE", "/api/v1/chats/{chat_id}"): (None, 200)}
    assert set(routes_of(CHAT_ADMIN)) == set(calls)
    problems = []
    for (method, template), (body, status) in calls.items():
        path = fill(template, chat.params)
        for who in ("agent", "outsider_agent", "customer", None):
            reply = api.request(method, path, body, who=who)
            dialect = dialect_of(template)
            expected = (dialect.anonymous_status,) if who is None else (403,)
            problems += [f"{who}: {method} {template}: {p}" for p in refusal_problems(reply, template, expected)]
    for (method, template), (body, status) in calls.items():
        reply = api.request(method, fill(template, chat.params), body, who="admin")
        if reply.status != status:
            problems.append(f"admin: {method} {template}: {reply!r}")
    assert_none(problems)
# <<< chat
