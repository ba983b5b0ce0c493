"""The OpenAPI documents in docs/api/ against the app: valid, complete, and true to real answers.

A dialect plugs in with one row in DOCUMENTS (its document and the route prefixes it covers) and,
for the contract checks, rows in CASES (real requests whose answers must match the document).
"""
from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional
from urllib.parse import urlencode

import pytest
import yaml
from jsonschema import Draft4Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import StoreState, provisioned_api

# Document file in docs/api/ -> the route prefixes (as registered on the app) it documents.
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "zammad.yaml": ("/api/v1", "/oauth"),
    "otrs-customer.yaml": ("/api/customer",),
    "rs4otrs.yaml": ("/otrs/api",),
    "otrs-external.yaml": ("/api/frontend/external", "/api/public"),  # external-openapi
    "tickets.yaml": ("/api/tickets/v1",),  # tickets-openapi
}

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "api"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SCHEMA_VALUES = ("items", "not", "additionalProperties")


# --- reading the documents ---------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def document(name: str) -> dict[str, Any]:
    with open(DOCS_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def documented_routes(name: str) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document(name).get("paths", {}).items()
            for method in item if method in HTTP_METHODS}


def registered_routes(prefixes: Iterable[str]) -> set[tuple[str, str]]:
    """(METHOD, path template) for every route Chalice registered under one of the prefixes."""
    from app import app
    prefixes = tuple(prefixes)
    return {(method.upper(), path) for path, methods in app.routes.items() for method in methods
            if any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in prefixes)}


def dereference(doc: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s of non-schema objects (responses, headers, parameters)."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/") and ref not in seen, f"unresolvable or circular $ref {ref!r}"
        seen.add(ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# --- OpenAPI 3.0 schema -> JSON Schema ---------------------------------------------------------

def json_schema(schema: Any, base: str) -> Any:
    """OpenAPI 3.0's dialect as Draft 4: `nullable` becomes a null alternative, `$ref`s point at `base`."""
    if not isinstance(schema, dict):
        return schema  # `additionalProperties: true`, for instance
    out = dict(schema)
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("#"):
        out["$ref"] = base + out["$ref"]
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: json_schema(s, base) for name, s in out["properties"].items()}
    for key in SCHEMA_LISTS:
        if key in out:
            out[key] = [json_schema(s, base) for s in out[key]]
    for key in SCHEMA_VALUES:
        if key in out:
            out[key] = json_schema(out[key], base)
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.lru_cache(maxsize=None)
def registry(name: str) -> Registry:
    """The document's component schemas, converted, as one resource that `$ref`s resolve against."""
    base = f"urn:openapi:{name}"
    schemas = document(name).get("components", {}).get("schemas", {})
    contents = {"components": {"schemas": {key: json_schema(s, base) for key, s in schemas.items()}}}
    return Registry().with_resource(base, Resource.from_contents(contents, default_specification=DRAFT4))


def schema_errors(name: str, schema: dict[str, Any], instance: Any) -> list[str]:
    converted = json_schema(schema, f"urn:openapi:{name}")
    validator = Draft4Validator(converted, registry=registry(name), format_checker=Draft4Validator.FORMAT_CHECKER)
    messages = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "<body>"
        messages.append(f"{where}: {error.message[:300]}")
        for sub in sorted(error.context or (), key=lambda e: list(e.absolute_path))[:6]:
            messages.append(f"    {'/'.join(str(p) for p in sub.absolute_path) or '<body>'}: {sub.message[:200]}")
    return messages


def component(name: str, schema_name: str) -> dict[str, Any]:
    assert schema_name in document(name)["components"]["schemas"], f"{name} has no schema {schema_name}"
    return {"$ref": f"#/components/schemas/{schema_name}"}


def media_type_matches(documented: str, actual: str) -> bool:
    kind, _, sub = documented.partition("/")
    actual_kind, _, actual_sub = actual.partition("/")
    return (kind in ("*", actual_kind)) and (sub in ("*", actual_sub))


def check_reply(name: str, method: str, template: str, reply: Any, schema_name: Optional[str] = None) -> None:
    """The reply is one the document promises for this operation: status, headers, body."""
    doc = document(name)
    operation = doc.get("paths", {}).get(template, {}).get(method.lower())
    assert operation is not None, f"{method} {template} is not documented in {name}"
    responses = operation.get("responses", {})
    status = str(reply.status)
    assert status in responses or "default" in responses, (
        f"{method} {template} answered {reply.status}, which {name} does not document "
        f"(documented: {', '.join(sorted(responses))}); body: {reply.body[:300]!r}")
    response = dereference(doc, responses.get(status, responses.get("default")))
    for header_name, header in (response.get("headers") or {}).items():
        header = dereference(doc, header)
        value = reply.headers.get(header_name.lower())
        if header.get("required"):
            assert value is not None, f"{method} {template} {status}: documented header {header_name} is missing"
        if value is not None and "schema" in header:
            errors = schema_errors(name, header["schema"], value)
            assert not errors, f"{method} {template} {status}: header {header_name}={value!r}: {errors}"
    content = response.get("content") or {}
    actual_type = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    if not content:
        assert not reply.body, f"{method} {template} {status}: documented without a body, got {reply.body[:200]!r}"
        return
    matching = [media for media in content if media_type_matches(media.lower(), actual_type)]
    assert matching, (f"{method} {template} {status}: Content-Type {actual_type!r} is not one of the documented "
                      f"{sorted(content)}")
    if "json" not in actual_type:
        return  # binary downloads: the media type and headers are the contract
    schema = content[matching[0]].get("schema")
    assert schema is not None, f"{method} {template} {status}: {matching[0]} has no schema"
    body = reply.json
    errors = schema_errors(name, schema, body)
    assert not errors, f"{method} {template} {status}: the body does not match {name}:\n" + "\n".join(errors)
    if schema_name is not None:
        expected = component(name, schema_name)
        items = body if isinstance(body, list) else [body]
        assert items, f"{method} {template} {status}: an empty list cannot show the {schema_name} shape"
        for index, item in enumerate(items):
            errors = schema_errors(name, expected, item)
            assert not errors, f"{method} {template} {status}: item {index} is not a {schema_name}:\n" + \
                "\n".join(errors)


def check_request(name: str, method: str, template: str, body: Any) -> None:
    operation = document(name)["paths"][template][method.lower()]
    request = dereference(document(name), operation.get("requestBody"))
    assert request is not None, f"{method} {template} takes a body, but {name} documents none"
    media = request.get("content", {}).get("application/json")
    assert media is not None and "schema" in media, f"{method} {template}: no application/json request schema"
    errors = schema_errors(name, media["schema"], body)
    assert not errors, f"{method} {template}: an accepted request body does not match {name}:\n" + "\n".join(errors)


def check_query(name: str, method: str, template: str, params: dict[str, Any]) -> None:
    """Accepted query parameters are documented ones, each as its schema says; the required ones are there."""
    doc = document(name)
    operation = doc["paths"][template][method.lower()]
    documented = {p["name"]: p for p in (dereference(doc, p) for p in operation.get("parameters", []))
                  if p["in"] == "query"}
    problems = [f"{key}: not documented" for key in params if key not in documented]
    problems += [f"{key}: required, not sent" for key, p in documented.items()
                 if p.get("required") and key not in params]
    for key, value in params.items():
        if key in documented:
            problems += [f"{key}: {e}" for e in schema_errors(name, documented[key].get("schema", {}), value)]
    assert not problems, f"{method} {template}: accepted query parameters do not match {name}:\n" + "\n".join(problems)


def check_sent(name: str, method: str, template: str, sent: Any) -> None:
    """The body against the operation's request body, or (an operation without one) the query parameters."""
    if document(name)["paths"][template][method.lower()].get("requestBody") is None and isinstance(sent, dict):
        check_query(name, method, template, sent)
    else:
        check_request(name, method, template, sent)


# --- the document itself ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_openapi(name):
    validate(document(name))
    assert str(document(name).get("openapi", "")).startswith("3.0"), "the schema helpers here speak OpenAPI 3.0"


def app_routes(name: str) -> set[tuple[str, str]]:
    """What the document must cover: the Chalice routes under its prefixes, or what its ROUTE_TABLES hook
    lists instead (a dispatcher route standing for many documented operations)."""
    table = ROUTE_TABLES.get(name)
    return table() if table is not None else registered_routes(DOCUMENTS[name])


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_covers_exactly_the_registered_routes(name):
    registered = app_routes(name)
    documented = documented_routes(name)
    missing = sorted(registered - documented)
    extra = sorted(documented - registered)
    lines = [f"{name} and the routes the app registers under {', '.join(DOCUMENTS[name])} differ:"]
    lines += [f"  registered, not documented: {method} {path}" for method, path in missing]
    lines += [f"  documented, not registered: {method} {path}" for method, path in extra]
    assert not missing and not extra, "\n".join(lines)


def test_documents_do_not_share_prefixes():
    owners: dict[str, str] = {}
    for name, prefixes in DOCUMENTS.items():
        for prefix in prefixes:
            assert prefix not in owners, f"{prefix} is claimed by both {owners[prefix]} and {name}"
            owners[prefix] = name


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_component_schema_compiles(name):
    for schema_name in document(name).get("components", {}).get("schemas", {}):
        converted = json_schema(component(name, schema_name), f"urn:openapi:{name}")
        Draft4Validator.check_schema(converted)
        Draft4Validator(converted, registry=registry(name)).is_valid({})  # resolves every $ref it reaches


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_examples_match_their_schemas(name):
    doc = document(name)
    problems = []
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            bodies = [("request", dereference(doc, operation.get("requestBody")))]
            bodies += [(status, dereference(doc, r)) for status, r in operation.get("responses", {}).items()]
            for where, holder in bodies:
                for media_type, media in ((holder or {}).get("content") or {}).items():
                    examples = [media["example"]] if "example" in media else []
                    examples += [dereference(doc, e).get("value") for e in (media.get("examples") or {}).values()]
                    for example in examples:
                        for error in schema_errors(name, media.get("schema", {}), example):
                            problems.append(f"{method.upper()} {path} {where} {media_type}: {error}")
    assert not problems, "\n".join(problems)


def test_zammad_ticket_schema_is_zammads_key_list():
    from tests.api.zammad.test_tickets import ZAMMAD_TICKET_KEYS
    ticket = document("zammad.yaml")["components"]["schemas"]["Ticket"]
    assert ticket["required"] == ZAMMAD_TICKET_KEYS
    assert list(ticket["properties"]) == ZAMMAD_TICKET_KEYS
    assert ticket.get("additionalProperties") is True


# --- real answers against the documents ----------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    document: str
    method: str
    template: str           # the documented path template
    status: int
    url: str = ""           # the request URL; `{name}` is filled from the fixture's ids. Default: template
    who: Optional[str] = "admin"
    body: Any = None        # JSON; strings "{name}" are replaced by the fixture's ids
    raw: Optional[bytes] = None
    headers: dict[str, str] = field(default_factory=dict)
    schema: Optional[str] = None  # also check the body (or each item of a list) against this component
    message: Optional[str] = None  # rs4otrs.yaml (always HTTP 200): the error Message expected; None: "OK"

    @property
    def id(self) -> str:
        outcome = f" {self.message!r}" if self.message is not None else ""
        return f"{self.method} {self.url or self.template} {self.who or 'anonymous'} -> {self.status}{outcome}"


def new_ticket_body(**overrides: Any) -> dict[str, Any]:
    body = {"title": "Contract test", "group": "Users", "customer": "nicole.braun@example.com",
            "article": {"subject": "s", "body": "contract body", "type": "note", "internal": False,
                        "attachments": [{"filename": "a.txt", "data": "aGVsbG8=", "mime-type": "text/plain"}]}}
    body.update(overrides)
    return body


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WRONG_BASIC = {"Authorization": "Basic " + base64.b64encode(b"admin@example.com:wrong").decode()}
Z = "zammad.yaml"
T = "/api/v1/tickets/{ticket_id}"
ATTACHMENT = "/api/v1/ticket_attachment/{ticket_id}/{article_id}/{attachment_id}"

# >>> otrs-openapi: what the OTRS customer cases send (docs/api/otrs-customer.yaml)
O = "otrs-customer.yaml"
OC = "/api/customer"
OTRS_TICKET = OC + "/ticket/id/{TicketID}"
OTRS_NUMBER = OC + "/ticket/number/{TicketNumber}"
OTRS_PROCESS = OC + "/ticket/process/{ProcessEntityIDOrTicketID}"
OTRS_DIALOG = OC + "/ticket/{TicketID}/process/{ProcessEntityID}"
OTRS_ARTICLES = OC + "/ticket/{TicketID}/article"
OTRS_ARTICLE = OTRS_ARTICLES + "/{ArticleID}"
OTRS_ATTACHMENT = OTRS_ARTICLE + "/attachment/{AttachmentID}"
OTRS_DOWNLOAD = OTRS_ATTACHMENT + "/{Download}"
OTRS_UPLOAD = OC + "/upload/{FormID}"
# the ids make_ids' otrs block made: the customer's ticket, its first article and that article's attachment
OTRS_MINE = OC + "/ticket/{otrs_ticket_id}/article/{otrs_article_id}"
OTRS_PROCESS_CONTEXT = {"EndpointContext": "CustomerTicketProcess", "Interface": "CustomerInterface"}
OTRS_RESET_TOKEN = "contract-reset-token-0123456789abcdefghijklmnopq"
OTRS_BOUNDARY = "contract-boundary"
OTRS_MULTIPART = {"Content-Type": f"multipart/form-data; boundary={OTRS_BOUNDARY}"}
OTRS_OCTETS = {"Content-Type": "application/octet-stream"}
OTRS_ATTACHMENT_LIMIT = 4 * 1024 * 1024  # HELPDESK_MAX_ATTACHMENT_BYTES' default, which the tests run with


def otrs_multipart(filename: str, data: bytes) -> bytes:
    """A form upload as OTRS's frontend sends it: the file in the part named `Upload`."""
    return (f"--{OTRS_BOUNDARY}\r\nContent-Disposition: form-data; name=\"Upload\"; filename=\"{filename}\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{OTRS_BOUNDARY}--\r\n".encode()
# <<< otrs-openapi

# >>> rpc-openapi: what the RS4OTRS agent RPC cases send (docs/api/rs4otrs.yaml)
R = "rs4otrs.yaml"
RPC = "/otrs/api"
RPC_SESSION = "OTRSAgentInterface"  # the parameter login names as SessionName
RPC_SESSION_INVALID = "Session invalid. Please log in again."
RPC_UPDATABLE = ("Lock, Title, Queue, Type, Service, SLA, Customer, ArchiveFlag, State, Owner, Responsible, Priority, "
                 "PendingTime, DynamicFields")


def rpc(verb: str, method: str, params: Optional[dict[str, Any]] = None, who: Optional[str] = "agent",
        message: Optional[str] = None, schema: Optional[str] = None) -> Case:
    """One RS4OTRS call (`method` is `group/name`): `params` in the JSON body (POST) or the query string (GET),
    with `who`'s session unless they name their own. Always HTTP 200: the method's OK answer (`schema`, by
    default its 200's first `oneOf`), or with `message` the error body with exactly that Message."""
    return Case(R, verb, f"{RPC}/{method}", 200, who=who, body=params or {},
                schema="Error" if message is not None else schema, message=message)
# <<< rpc-openapi

# >>> tickets-openapi: what the numbered Tickets API cases send (docs/api/tickets.yaml)
TK = "tickets.yaml"
TKP = "/api/tickets/v1"
TK_TICKET = TKP + "/tickets/{ticket_number}"
TK_MINE = TKP + "/tickets/{tk_number}"  # the customer's open ticket (tickets_ids below)
TK_COMMENT = TKP + "/comments/{comment_id}"
TK_NEW = {"summary": "Contract ticket", "comment_body": "Created by the contract."}
TK_UNKNOWN_FILE = "3750eeba-7836-4bd3-bb90-903539461b2f"  # a well-formed uuid no upload has
TK_OCTETS = {"Content-Type": "application/octet-stream", "Content-Disposition": 'attachment; filename="server.log"'}
# <<< tickets-openapi

# >>> external-openapi: what the OTRS external frontend and public cases send (docs/api/otrs-external.yaml)
E = "otrs-external.yaml"
EF = "/api/frontend/external"
EXTERNAL_IMAGE_HELD = {"If-None-Match": "*"}  # the client holds some version: 304 whatever the current one is
EXTERNAL_PAGE_IMAGE = EF + "/custom-page/inline-image?CustomPageID={ext_page_id}&ContentID="
EXTERNAL_DETAIL_VIEW = EF + "/ticket/detail-view/{TicketNumber}"
KBP = "/api/public/knowledge-base"
KB_ARTICLE = KBP + "/article/{ArticleID}"
KB_ATTACHMENT = KB_ARTICLE + "/attachment/{AttachmentID}"
KB_MINE = KBP + "/article/{kb_article_id}"  # external_ids' published article with a file (its AttachmentID)
# <<< external-openapi

CASES = [
    # tickets
    Case(Z, "GET", "/api/v1/tickets", 200, schema="Ticket"),
    Case(Z, "GET", "/api/v1/tickets", 200, url="/api/v1/tickets?expand=true&per_page=5", schema="TicketExpanded"),
    Case(Z, "GET", "/api/v1/tickets", 200, url="/api/v1/tickets?full=true", schema="TicketListFull"),
    Case(Z, "GET", "/api/v1/tickets", 200, who="customer", schema="Ticket"),
    Case(Z, "GET", "/api/v1/tickets/search", 200, url="/api/v1/tickets/search?query=contract", schema="Ticket"),
    Case(Z, "GET", "/api/v1/tickets/search", 200, url="/api/v1/tickets/search?query=contract&expand=true",
         schema="TicketExpanded"),
    Case(Z, "GET", "/api/v1/tickets/search", 200, url="/api/v1/tickets/search?query=contract&full=true",
         schema="TicketSearchFull"),
    Case(Z, "GET", T, 200, schema="Ticket"),
    Case(Z, "GET", T, 200, url=T + "?expand=true", schema="TicketExpanded"),
    Case(Z, "GET", T, 200, url=T + "?full=true", schema="TicketFull"),
    Case(Z, "GET", T, 200, url=T + "?all=true", schema="TicketAll"),
    Case(Z, "POST", "/api/v1/tickets", 201, body=new_ticket_body(), schema="TicketWithIds"),
    Case(Z, "POST", "/api/v1/tickets", 201, url="/api/v1/tickets?expand=true", body=new_ticket_body(),
         schema="TicketExpanded"),
    Case(Z, "POST", "/api/v1/tickets", 201, who="customer",
         body={"title": "mine", "group": "Users", "article": {"body": "x"}}, schema="TicketWithIds"),
    Case(Z, "PUT", T, 200, body={"title": "changed", "state": "open", "article": {"body": "more"}},
         schema="TicketWithIds"),
    Case(Z, "DELETE", T, 200, schema="Empty"),
    # articles and attachments
    Case(Z, "GET", "/api/v1/ticket_articles/by_ticket/{ticket_id}", 200, schema="Article"),
    Case(Z, "GET", "/api/v1/ticket_articles/{article_id}", 200, schema="Article"),
    Case(Z, "POST", "/api/v1/ticket_articles", 201, body={"ticket_id": "{ticket_id}", "body": "reply",
                                                          "internal": True, "time_unit": 5}, schema="Article"),
    Case(Z, "GET", ATTACHMENT, 200),
    Case(Z, "GET", ATTACHMENT, 200, url=ATTACHMENT + "?disposition=attachment"),
    # users and reference data
    Case(Z, "GET", "/api/v1/users/me", 200, schema="User"),
    Case(Z, "GET", "/api/v1/users/me", 200, who="customer", schema="User"),
    Case(Z, "GET", "/api/v1/users/me", 200, headers={"From": "nicole.braun@example.com"}, schema="User"),
    Case(Z, "GET", "/api/v1/ticket_states", 200, schema="State"),
    Case(Z, "GET", "/api/v1/ticket_states/{state_id}", 200, url="/api/v1/ticket_states/1", schema="State"),
    Case(Z, "GET", "/api/v1/ticket_priorities", 200, schema="Priority"),
    Case(Z, "GET", "/api/v1/ticket_priorities/{priority_id}", 200, url="/api/v1/ticket_priorities/2",
         schema="Priority"),
    Case(Z, "GET", "/api/v1/groups", 200, schema="Group"),
    Case(Z, "GET", "/api/v1/ticket_states", 200, url="/api/v1/ticket_states?expand=true&per_page=3",
         schema="ReferenceExpanded"),
    Case(Z, "GET", "/api/v1/ticket_priorities", 200, url="/api/v1/ticket_priorities?full=true",
         schema="ReferenceListFull"),
    Case(Z, "GET", "/api/v1/groups/{group_id}", 200, url="/api/v1/groups/1?expand=true", schema="ReferenceExpanded"),
    Case(Z, "GET", "/api/v1/ticket_states/{state_id}", 200, url="/api/v1/ticket_states/2?full=true",
         schema="ReferenceFull"),
    Case(Z, "GET", "/api/v1/groups/{group_id}", 200, url="/api/v1/groups/1", schema="Group"),
    # access tokens
    Case(Z, "GET", "/api/v1/user_access_token", 200, schema="AccessTokenList"),
    Case(Z, "POST", "/api/v1/user_access_token", 200, body={"label": "ci", "permission": ["ticket.agent"],
                                                            "expires_at": "2099-01-01"}, schema="AccessTokenCreated"),
    Case(Z, "DELETE", "/api/v1/user_access_token/{token_id}", 200, schema="Empty"),
    Case(Z, "PUT", "/api/v1/user_access_token/{token_id}", 200, schema="Empty"),
    # errors
    Case(Z, "GET", "/api/v1/tickets", 422, url="/api/v1/tickets?page=abc", schema="Error"),
    Case(Z, "POST", "/api/v1/tickets", 422, body=new_ticket_body(title=""), schema="Error"),
    Case(Z, "POST", "/api/v1/tickets", 422, raw=b"{nope", schema="Error"),
    Case(Z, "POST", "/api/v1/ticket_articles", 422, body={"body": "no ticket"}, schema="Error"),
    Case(Z, "POST", "/api/v1/user_access_token", 422, body={"label": "x", "permission": ["root"]}, schema="Error"),
    Case(Z, "GET", "/api/v1/groups", 403, who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/users/me", 403, who=None, schema="Error"),
    Case(Z, "GET", "/api/v1/users/me", 403, who="agent", headers={"From": "nicole.braun@example.com"},
         schema="Error"),
    Case(Z, "DELETE", T, 403, who="agent", schema="Error"),
    Case(Z, "GET", ATTACHMENT, 403, url=ATTACHMENT + "?disposition=evil", schema="Error"),
    Case(Z, "GET", "/api/v1/users/me", 401, who=None, headers=WRONG_BASIC, schema="Error"),
    Case(Z, "GET", "/api/v1/users/me", 401, who=None, headers={"Authorization": "Token token=nope"},
         schema="Error"),
    Case(Z, "GET", T, 404, url="/api/v1/tickets/999999", schema="Error"),
    Case(Z, "GET", "/api/v1/ticket_articles/{article_id}", 404, url="/api/v1/ticket_articles/abc", schema="Error"),
    Case(Z, "DELETE", "/api/v1/user_access_token/{token_id}", 422, url="/api/v1/user_access_token/999",
         schema="Error"),
    # OAuth2
    Case(Z, "POST", "/oauth/token", 200, who=None, headers=FORM,
         raw=b"grant_type=password&username=admin@example.com&password=admin-password", schema="OAuthToken"),
    Case(Z, "POST", "/oauth/token", 200, who=None,
         body={"grant_type": "password", "username": "admin@example.com", "password": "admin-password"},
         schema="OAuthToken"),
    Case(Z, "POST", "/oauth/token", 400, who=None, headers=FORM,
         raw=b"grant_type=password&username=admin@example.com&password=wrong", schema="OAuthError"),
    Case(Z, "POST", "/oauth/token", 400, who=None, body={"grant_type": "client_credentials"}, schema="OAuthError"),
    Case(Z, "POST", "/oauth/revoke", 200, who=None, headers=FORM, raw=b"token=not-a-jwt", schema="Empty"),
    # >>> catalog: states, priorities, groups, roles
    Case(Z, "POST", "/api/v1/ticket_states", 201, body={"name": "Contract state", "state_type_id": 2,
                                                         "ignore_escalation": True, "note": "n"}, schema="State"),
    Case(Z, "POST", "/api/v1/ticket_states", 422, body={"name": "Open", "state_type_id": 2}, schema="Error"),
    Case(Z, "POST", "/api/v1/ticket_states", 403, who="agent", body={"name": "x", "state_type_id": 2},
         schema="Error"),
    Case(Z, "PUT", "/api/v1/ticket_states/{state_id}", 200, url="/api/v1/ticket_states/{cat_state_id}",
         body={"name": "Contract state renamed", "next_state_id": 4}, schema="State"),
    Case(Z, "PUT", "/api/v1/ticket_states/{state_id}", 404, url="/api/v1/ticket_states/999999",
         body={"note": "x"}, schema="Error"),
    Case(Z, "DELETE", "/api/v1/ticket_states/{state_id}", 200, url="/api/v1/ticket_states/{cat_state_id}",
         schema="Empty"),
    Case(Z, "DELETE", "/api/v1/ticket_states/{state_id}", 422, url="/api/v1/ticket_states/1", schema="Error"),
    Case(Z, "POST", "/api/v1/ticket_priorities", 201, body={"name": "Contract priority", "ui_color": "high-priority"},
         schema="Priority"),
    Case(Z, "POST", "/api/v1/ticket_priorities", 403, who="customer", body={"name": "x"}, schema="Error"),
    Case(Z, "PUT", "/api/v1/ticket_priorities/{priority_id}", 200,
         url="/api/v1/ticket_priorities/{cat_priority_id}", body={"default_create": True}, schema="Priority"),
    Case(Z, "DELETE", "/api/v1/ticket_priorities/{priority_id}", 200,
         url="/api/v1/ticket_priorities/{cat_priority_id}", schema="Empty"),
    Case(Z, "DELETE", "/api/v1/ticket_priorities/{priority_id}", 404, url="/api/v1/ticket_priorities/999999",
         schema="Error"),
    Case(Z, "POST", "/api/v1/groups", 201, body={"name": "Contract group", "follow_up_possible": "new_ticket",
                                                  "assignment_timeout": 60}, schema="Group"),
    Case(Z, "POST", "/api/v1/groups", 422, body={"name": "Contract group 2", "follow_up_possible": "x"},
         schema="Error"),
    Case(Z, "PUT", "/api/v1/groups/{group_id}", 200, url="/api/v1/groups/{cat_group_id}",
         body={"note": "changed", "active": False}, schema="Group"),
    Case(Z, "PUT", "/api/v1/groups/{group_id}", 403, url="/api/v1/groups/{cat_group_id}", who="agent",
         body={"note": "x"}, schema="Error"),
    Case(Z, "DELETE", "/api/v1/groups/{group_id}", 200, url="/api/v1/groups/{cat_group_id}", schema="Empty"),
    Case(Z, "DELETE", "/api/v1/groups/{group_id}", 422, url="/api/v1/groups/1", schema="Error"),
    Case(Z, "GET", "/api/v1/roles", 200, schema="Role"),
    Case(Z, "GET", "/api/v1/roles", 200, url="/api/v1/roles?expand=true", schema="Role"),
    Case(Z, "GET", "/api/v1/roles", 200, url="/api/v1/roles?full=true", schema="RoleListFull"),
    Case(Z, "GET", "/api/v1/roles", 200, who="customer", schema="Role"),
    Case(Z, "GET", "/api/v1/roles/{role_id}", 200, url="/api/v1/roles/1", schema="Role"),
    Case(Z, "GET", "/api/v1/roles/{role_id}", 200, url="/api/v1/roles/2?full=true", schema="RoleFull"),
    Case(Z, "GET", "/api/v1/roles/{role_id}", 403, url="/api/v1/roles/1", who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/roles/{role_id}", 404, url="/api/v1/roles/99", schema="Error"),
    # <<< catalog
    # >>> directory: users and organizations
    Case(Z, "GET", "/api/v1/users", 200, schema="User"),
    Case(Z, "GET", "/api/v1/users", 200, url="/api/v1/users?expand=true", schema="UserExpanded"),
    Case(Z, "GET", "/api/v1/users", 200, url="/api/v1/users?full=true", schema="UserListFull"),
    Case(Z, "GET", "/api/v1/users", 200, who="customer", schema="User"),
    Case(Z, "GET", "/api/v1/users/search", 200, url="/api/v1/users/search?query=nicole", schema="User"),
    Case(Z, "GET", "/api/v1/users/search", 200, url="/api/v1/users/search?query=nic&expand=true",
         schema="UserExpanded"),
    Case(Z, "GET", "/api/v1/users/search", 200, url="/api/v1/users/search?query=nicole&full=true",
         schema="UserSearchFull"),
    Case(Z, "GET", "/api/v1/users/search", 403, who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/users/{user_id}", 200, url="/api/v1/users/{dir_user_id}", schema="User"),
    Case(Z, "GET", "/api/v1/users/{user_id}", 200, url="/api/v1/users/{dir_user_id}?expand=true",
         schema="UserExpanded"),
    Case(Z, "GET", "/api/v1/users/{user_id}", 200, url="/api/v1/users/{dir_user_id}?full=true", schema="UserFull"),
    Case(Z, "GET", "/api/v1/users/{user_id}", 404, url="/api/v1/users/999999", schema="Error"),
    Case(Z, "GET", "/api/v1/users/{user_id}", 403, url="/api/v1/users/{dir_user_id}", who="customer",
         schema="Error"),
    Case(Z, "POST", "/api/v1/users", 201, body={"firstname": "Bob", "lastname": "Smith", "email": "bob@example.org",
                                                 "roles": ["Agent"], "group_ids": {"1": ["read"]}}, schema="User"),
    Case(Z, "POST", "/api/v1/users", 201, who=None, body={"email": "signup@example.org", "password": "pw-12345",
                                                          "signup": True}, schema="SignupAccepted"),
    Case(Z, "POST", "/api/v1/users", 422, body={"email": "nicole.braun@example.com"}, schema="Error"),
    Case(Z, "POST", "/api/v1/users", 422, who=None, body={"email": "anon@example.org"}, schema="Error"),
    Case(Z, "POST", "/api/v1/users", 403, who="customer", body={"email": "x@example.org"}, schema="Error"),
    Case(Z, "PUT", "/api/v1/users/{user_id}", 200, url="/api/v1/users/{dir_user_id}",
         body={"lastname": "Changed", "organization_id": None}, schema="User"),
    Case(Z, "PUT", "/api/v1/users/{user_id}", 403, url="/api/v1/users/{dir_user_id}", who="customer",
         body={"lastname": "x"}, schema="Error"),
    Case(Z, "DELETE", "/api/v1/users/{user_id}", 200, url="/api/v1/users/{dir_user_id}", schema="Empty"),
    Case(Z, "DELETE", "/api/v1/users/{user_id}", 422, url="/api/v1/users/1", schema="Error"),
    Case(Z, "GET", "/api/v1/organizations", 200, schema="Organization"),
    Case(Z, "GET", "/api/v1/organizations", 200, url="/api/v1/organizations?full=true",
         schema="OrganizationListFull"),
    Case(Z, "GET", "/api/v1/organizations", 200, who="customer", schema="Organization"),
    Case(Z, "GET", "/api/v1/organizations/search", 200, url="/api/v1/organizations/search?query=dir",
         schema="Organization"),
    Case(Z, "GET", "/api/v1/organizations/search", 200, url="/api/v1/organizations/search?query=dir&full=true",
         schema="OrganizationSearchFull"),
    Case(Z, "GET", "/api/v1/organizations/{organization_id}", 200, url="/api/v1/organizations/{dir_org_id}",
         schema="Organization"),
    Case(Z, "GET", "/api/v1/organizations/{organization_id}", 200,
         url="/api/v1/organizations/{dir_org_id}?full=true", schema="OrganizationFull"),
    Case(Z, "GET", "/api/v1/organizations/{organization_id}", 403, url="/api/v1/organizations/{dir_org_id}",
         who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/organizations/{organization_id}", 404, url="/api/v1/organizations/999999",
         schema="Error"),
    Case(Z, "POST", "/api/v1/organizations", 201, body={"name": "Contract Org", "shared": True, "note": "n"},
         schema="Organization"),
    Case(Z, "POST", "/api/v1/organizations", 422, body={"name": "Demo Company"}, schema="Error"),
    Case(Z, "POST", "/api/v1/organizations", 403, who="agent", body={"name": "Nope"}, schema="Error"),
    Case(Z, "PUT", "/api/v1/organizations/{organization_id}", 200, url="/api/v1/organizations/{dir_org_id}",
         body={"name": "Dir Org Renamed", "shared": False, "vip": True}, schema="Organization"),
    Case(Z, "DELETE", "/api/v1/organizations/{organization_id}", 200, url="/api/v1/organizations/{dir_org_id}",
         schema="Empty"),
    Case(Z, "DELETE", "/api/v1/organizations/{organization_id}", 422, url="/api/v1/organizations/{demo_org_id}",
         schema="Error"),
    Case(Z, "DELETE", "/api/v1/organization/{org_id}", 200, url="/api/v1/organization/{dir_org_id}",
         schema="Empty"),
    Case(Z, "DELETE", "/api/v1/organization/{org_id}", 404, url="/api/v1/organization/999999", schema="Error"),
    # <<< directory
    # >>> ticket-links: tags, links, merge, history
    Case(Z, "GET", "/api/v1/tags", 200, url="/api/v1/tags?object=Ticket&o_id={ticket_id}", schema="TicketTags"),
    Case(Z, "GET", "/api/v1/tags", 403, url="/api/v1/tags?object=Ticket&o_id={ticket_id}", who="customer",
         schema="Error"),
    Case(Z, "GET", "/api/v1/tags", 404, url="/api/v1/tags?object=Ticket&o_id=999999", schema="Error"),
    Case(Z, "POST", "/api/v1/tags/add", 201, body={"object": "Ticket", "o_id": "{ticket_id}", "item": "added"}),
    Case(Z, "POST", "/api/v1/tags/add", 422, body={"object": "Ticket", "o_id": "{ticket_id}"}, schema="Error"),
    Case(Z, "POST", "/api/v1/tags/add", 403, who="customer", body={"object": "Ticket", "o_id": "{ticket_id}",
                                                                   "item": "x"}, schema="Error"),
    Case(Z, "DELETE", "/api/v1/tags/remove", 200, body={"object": "Ticket", "o_id": "{ticket_id}",
                                                        "item": "contract-tag"}),
    Case(Z, "DELETE", "/api/v1/tags/remove", 404, schema="Error"),
    Case(Z, "GET", "/api/v1/tag_search", 200, url="/api/v1/tag_search?term=contract", who="customer",
         schema="TagSearchHit"),
    Case(Z, "GET", "/api/v1/tag_list", 200, schema="TagItem"),
    Case(Z, "GET", "/api/v1/tag_list", 403, who="agent", schema="Error"),
    Case(Z, "POST", "/api/v1/tag_list", 200, body={"name": "registered"}, schema="Empty"),
    Case(Z, "POST", "/api/v1/tag_list", 422, body={"name": ""}, schema="Error"),
    Case(Z, "PUT", "/api/v1/tag_list/{tag_id}", 200, url="/api/v1/tag_list/{tl_tag_id}", body={"name": "renamed"},
         schema="Empty"),
    Case(Z, "PUT", "/api/v1/tag_list/{tag_id}", 404, url="/api/v1/tag_list/999999", body={"name": "x"},
         schema="Error"),
    Case(Z, "DELETE", "/api/v1/tag_list/{tag_id}", 200, url="/api/v1/tag_list/{tl_tag_id}", schema="Empty"),
    Case(Z, "DELETE", "/api/v1/tag_list/{tag_id}", 403, url="/api/v1/tag_list/{tl_tag_id}", who="customer",
         schema="Error"),
    Case(Z, "GET", "/api/v1/links", 200, url="/api/v1/links?link_object=Ticket&link_object_value={ticket_id}",
         schema="LinkList"),
    Case(Z, "GET", "/api/v1/links", 404, url="/api/v1/links?link_object=Ticket&link_object_value=999999",
         schema="Error"),
    Case(Z, "POST", "/api/v1/links/add", 201, schema="LinkRecord", body={
        "link_type": "parent", "link_object_target": "Ticket", "link_object_target_value": "{ticket_id}",
        "link_object_source": "Ticket", "link_object_source_number": "{tl_other_number}"}),
    Case(Z, "POST", "/api/v1/links/add", 422, schema="Error", body={
        "link_type": "normal", "link_object_target": "Ticket", "link_object_target_value": "{ticket_id}",
        "link_object_source": "Ticket", "link_object_source_number": "0"}),
    Case(Z, "DELETE", "/api/v1/links/remove", 201, schema="LinkRecord", body={
        "link_type": "normal", "link_object_target": "Ticket", "link_object_target_value": "{ticket_id}",
        "link_object_source": "Ticket", "link_object_source_number": "{tl_other_number}"}),
    Case(Z, "PUT", "/api/v1/ticket_merge/{source_ticket_id}/{target_ticket_number}", 200,
         url="/api/v1/ticket_merge/{tl_other_id}/{tl_number}", schema="MergeResult"),
    Case(Z, "PUT", "/api/v1/ticket_merge/{source_ticket_id}/{target_ticket_number}", 200,
         url="/api/v1/ticket_merge/{tl_other_id}/99999999", schema="MergeFailed"),
    Case(Z, "PUT", "/api/v1/ticket_merge/{source_ticket_id}/{target_ticket_number}", 422,
         url="/api/v1/ticket_merge/{ticket_id}/{tl_number}", schema="Error"),
    Case(Z, "PUT", "/api/v1/ticket_merge/{source_ticket_id}/{target_ticket_number}", 403,
         url="/api/v1/ticket_merge/{tl_other_id}/{tl_number}", who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/ticket_history/{ticket_id}", 200, schema="TicketHistory"),
    Case(Z, "GET", "/api/v1/ticket_history/{ticket_id}", 403, who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/ticket_history/{ticket_id}", 404, url="/api/v1/ticket_history/999999", schema="Error"),
    # <<< ticket-links
    # >>> notifications: online notifications
    Case(Z, "GET", "/api/v1/online_notifications", 200, who="agent", schema="OnlineNotification"),
    Case(Z, "GET", "/api/v1/online_notifications", 200, url="/api/v1/online_notifications?expand=true",
         who="agent", schema="OnlineNotification"),
    Case(Z, "GET", "/api/v1/online_notifications", 200, url="/api/v1/online_notifications?full=true",
         who="agent", schema="OnlineNotificationListFull"),
    Case(Z, "GET", "/api/v1/online_notifications", 200, who="customer"),
    Case(Z, "GET", "/api/v1/online_notifications", 422, url="/api/v1/online_notifications?per_page=abc",
         who="agent", schema="Error"),
    Case(Z, "GET", "/api/v1/online_notifications", 403, who=None, schema="Error"),
    Case(Z, "GET", "/api/v1/online_notifications/{notification_id}", 200, who="agent", schema="OnlineNotification"),
    Case(Z, "GET", "/api/v1/online_notifications/{notification_id}", 200,
         url="/api/v1/online_notifications/{notification_id}?full=true", who="agent",
         schema="OnlineNotificationFull"),
    Case(Z, "GET", "/api/v1/online_notifications/{notification_id}", 403, who="admin", schema="Error"),
    Case(Z, "GET", "/api/v1/online_notifications/{notification_id}", 404,
         url="/api/v1/online_notifications/999999", who="agent", schema="Error"),
    Case(Z, "PUT", "/api/v1/online_notifications/{notification_id}", 200, who="agent", body={"seen": True},
         schema="OnlineNotification"),
    Case(Z, "PUT", "/api/v1/online_notifications/{notification_id}", 422, who="agent", body={"seen": "maybe"},
         schema="Error"),
    Case(Z, "PUT", "/api/v1/online_notifications/{notification_id}", 403, who="customer", body={"seen": True},
         schema="Error"),
    Case(Z, "DELETE", "/api/v1/online_notifications/{notification_id}", 200, who="agent", schema="Empty"),
    Case(Z, "DELETE", "/api/v1/online_notifications/{notification_id}", 404,
         url="/api/v1/online_notifications/999999", who="agent", schema="Error"),
    Case(Z, "POST", "/api/v1/online_notifications/mark_all_as_read", 200, who="agent", body={}, schema="Empty"),
    Case(Z, "POST", "/api/v1/online_notifications/mark_all_as_read", 403, who=None, schema="Error"),
    # <<< notifications
    # >>> object-attributes: custom ticket fields (object_manager_attributes)
    Case(Z, "GET", "/api/v1/object_manager_attributes", 200, schema="ObjectAttributeListed"),
    Case(Z, "GET", "/api/v1/object_manager_attributes", 200, url="/api/v1/object_manager_attributes?per_page=3",
         schema="ObjectAttributeListed"),
    Case(Z, "GET", "/api/v1/object_manager_attributes", 403, who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/object_manager_attributes/{attribute_id}", 200,
         url="/api/v1/object_manager_attributes/{oa_id}", schema="ObjectAttribute"),
    Case(Z, "GET", "/api/v1/object_manager_attributes/{attribute_id}", 200,
         url="/api/v1/object_manager_attributes/1", schema="ObjectAttribute"),
    Case(Z, "GET", "/api/v1/object_manager_attributes/{attribute_id}", 404,
         url="/api/v1/object_manager_attributes/999999", schema="Error"),
    Case(Z, "POST", "/api/v1/object_manager_attributes", 201, schema="ObjectAttribute",
         body={"name": "product", "object": "Ticket", "display": "Produkt", "active": True, "data_type": "select",
               "data_option": {"options": {"wert1": "anzeige1", "wert2": "anzeige12"}}}),
    Case(Z, "POST", "/api/v1/object_manager_attributes", 422, schema="Error",
         body={"name": "title", "object": "Ticket", "display": "T", "data_type": "input",
               "data_option": {"type": "text", "maxlength": 20}}),
    Case(Z, "POST", "/api/v1/object_manager_attributes", 403, who="agent", schema="Error",
         body={"name": "nope", "object": "Ticket", "display": "N", "data_type": "boolean"}),
    Case(Z, "PUT", "/api/v1/object_manager_attributes/{attribute_id}", 200,
         url="/api/v1/object_manager_attributes/{oa_id}", schema="ObjectAttribute",
         body={"display": "Rank", "data_option": {"min": 1, "max": 5}}),
    Case(Z, "PUT", "/api/v1/object_manager_attributes/{attribute_id}", 422,
         url="/api/v1/object_manager_attributes/{oa_id}", body={"name": "product1234"}, schema="Error"),
    Case(Z, "PUT", "/api/v1/object_manager_attributes/{attribute_id}", 404,
         url="/api/v1/object_manager_attributes/999999", body={"display": "x"}, schema="Error"),
    Case(Z, "DELETE", "/api/v1/object_manager_attributes/{attribute_id}", 200,
         url="/api/v1/object_manager_attributes/{oa_id}", schema="Empty"),
    Case(Z, "DELETE", "/api/v1/object_manager_attributes/{attribute_id}", 422,
         url="/api/v1/object_manager_attributes/1", schema="Error"),
    Case(Z, "POST", "/api/v1/object_manager_attributes_execute_migrations", 200, schema="Empty"),
    Case(Z, "POST", "/api/v1/object_manager_attributes_execute_migrations", 403, who="agent", schema="Error"),
    Case(Z, "POST", "/api/v1/object_manager_attributes_discard_changes", 200, schema="Empty"),
    Case(Z, "POST", "/api/v1/tickets", 201, body=new_ticket_body(contract_rank=3), schema="Ticket"),
    Case(Z, "POST", "/api/v1/tickets", 422, body=new_ticket_body(contract_rank=99), schema="Error"),
    # <<< object-attributes
    # >>> sla-admin: calendars and SLAs
    Case(Z, "GET", "/api/v1/calendars", 200, schema="Calendar"),
    Case(Z, "GET", "/api/v1/calendars", 200, url="/api/v1/calendars?expand=true", schema="CalendarExpanded"),
    Case(Z, "GET", "/api/v1/calendars", 200, url="/api/v1/calendars?full=true", schema="CalendarListFull"),
    Case(Z, "GET", "/api/v1/calendars", 200, who="agent", schema="Calendar"),
    Case(Z, "GET", "/api/v1/calendars", 403, who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/calendars", 422, url="/api/v1/calendars?page=x", schema="Error"),
    Case(Z, "POST", "/api/v1/calendars", 201, schema="Calendar", body={
        "name": "Contract calendar", "timezone": "Europe/Berlin", "default": True, "ical_url": "",
        "business_hours": {"mon": {"active": True, "timeframes": [["09:00", "12:00"], ["13:00", "24:00"]]}},
        "public_holidays": {"2026-12-25": {"active": True, "summary": "Christmas Day"}}}),
    Case(Z, "POST", "/api/v1/calendars", 201, url="/api/v1/calendars?expand=true", body={"name": "Expanded"},
         schema="CalendarExpanded"),
    Case(Z, "POST", "/api/v1/calendars", 422, body={"name": "Bad zone", "timezone": "Mars/Base"}, schema="Error"),
    Case(Z, "POST", "/api/v1/calendars", 403, who="agent", body={"name": "Agent calendar"}, schema="Error"),
    Case(Z, "GET", "/api/v1/calendars/timezones", 200, schema="CalendarTimezones"),
    Case(Z, "GET", "/api/v1/calendars/timezones", 403, who="customer", schema="Error"),
    Case(Z, "GET", "/api/v1/calendars/{calendar_id}", 200, url="/api/v1/calendars/1", schema="Calendar"),
    Case(Z, "GET", "/api/v1/calendars/{calendar_id}", 200, url="/api/v1/calendars/1?full=true",
         schema="CalendarFull"),
    Case(Z, "GET", "/api/v1/calendars/{calendar_id}", 404, url="/api/v1/calendars/999999", schema="Error"),
    Case(Z, "PUT", "/api/v1/calendars/{calendar_id}", 200, url="/api/v1/calendars/{sla_calendar_id}",
         body={"timezone": "America/New_York", "public_holidays": None, "note": "changed"}, schema="Calendar"),
    Case(Z, "PUT", "/api/v1/calendars/{calendar_id}", 422, url="/api/v1/calendars/{sla_calendar_id}",
         body={"business_hours": {"mon": {"active": True, "timeframes": [["10:00", "09:00"]]}}}, schema="Error"),
    Case(Z, "PUT", "/api/v1/calendars/{calendar_id}", 404, url="/api/v1/calendars/999999", body={"note": "x"},
         schema="Error"),
    Case(Z, "DELETE", "/api/v1/calendars/{calendar_id}", 200, url="/api/v1/calendars/{sla_spare_calendar_id}",
         schema="Empty"),
    Case(Z, "DELETE", "/api/v1/calendars/{calendar_id}", 422, url="/api/v1/calendars/{sla_calendar_id}",
         schema="Error"),
    Case(Z, "DELETE", "/api/v1/calendars/{calendar_id}", 403, url="/api/v1/calendars/{sla_spare_calendar_id}",
         who="agent", schema="Error"),
    Case(Z, "GET", "/api/v1/slas", 200, schema="Sla"),
    Case(Z, "GET", "/api/v1/slas", 200, url="/api/v1/slas?expand=true", schema="SlaExpanded"),
    Case(Z, "GET", "/api/v1/slas", 200, url="/api/v1/slas?full=true", schema="SlaListFull"),
    Case(Z, "GET", "/api/v1/slas", 200, who="agent", schema="Sla"),
    Case(Z, "GET", "/api/v1/slas", 403, who="customer", schema="Error"),
    Case(Z, "POST", "/api/v1/slas", 201, schema="Sla", body={
        "name": "Contract SLA", "calendar_id": 1, "first_response_time": 60, "update_time": None,
        "solution_time": 480, "condition": {"ticket.priority_id": {"operator": "is", "value": ["3"]},
                                            "ticket.group_id": {"operator": "is not", "value": 2}}}),
    Case(Z, "POST", "/api/v1/slas", 422, body={"name": "No calendar", "calendar_id": 999999}, schema="Error"),
    Case(Z, "POST", "/api/v1/slas", 403, who="agent", body={"name": "Agent SLA", "calendar_id": 1},
         schema="Error"),
    Case(Z, "GET", "/api/v1/slas/{sla_id}", 200, schema="Sla"),
    Case(Z, "GET", "/api/v1/slas/{sla_id}", 200, url="/api/v1/slas/{sla_id}?expand=true", schema="SlaExpanded"),
    Case(Z, "GET", "/api/v1/slas/{sla_id}", 200, url="/api/v1/slas/{sla_id}?full=true", schema="SlaFull"),
    Case(Z, "GET", "/api/v1/slas/{sla_id}", 404, url="/api/v1/slas/999999", schema="Error"),
    Case(Z, "PUT", "/api/v1/slas/{sla_id}", 200, body={"calendar_id": 1, "first_response_time": None,
                                                        "condition": {}}, schema="Sla"),
    Case(Z, "PUT", "/api/v1/slas/{sla_id}", 422, body={"solution_time": 0}, schema="Error"),
    Case(Z, "PUT", "/api/v1/slas/{sla_id}", 403, who="customer", body={"solution_time": 5}, schema="Error"),
    Case(Z, "DELETE", "/api/v1/slas/{sla_id}", 200, schema="Empty"),
    Case(Z, "DELETE", "/api/v1/slas/{sla_id}", 404, url="/api/v1/slas/999999", schema="Error"),
    # <<< sla-admin
    # >>> otrs-openapi: the OTRS customer interface; `who` signs in through /api/customer/auth/login
    Case(O, "POST", OC + "/auth/login", 200, who=None, schema="Token",
         body={"Username": "nicole.braun@example.com", "Password": "customer-password"}),
    Case(O, "POST", OC + "/auth/login", 422, who=None, schema="Errors",
         body={"Username": "nicole.braun@example.com", "Password": "wrong"}),
    Case(O, "POST", OC + "/auth/login", 422, who=None, raw=b"{nope", schema="Errors"),
    Case(O, "GET", OC + "/auth/check", 200, who="customer", schema="Message"),
    Case(O, "GET", OC + "/auth/check", 401, who=None, schema="Error"),
    Case(O, "GET", OC + "/auth/check", 403, who="agent", schema="Error"),
    Case(O, "GET", OC + "/auth/cookie", 200, who="customer", schema="Message"),
    Case(O, "GET", OC + "/auth/cookie", 200, who=None, schema="Message"),
    Case(O, "POST", OC + "/auth/logout", 200, who="customer", schema="Message"),
    Case(O, "POST", OC + "/auth/logout", 200, who=None, schema="Message"),
    Case(O, "GET", OC + "/account", 200, who="customer", schema="CustomerUser"),
    Case(O, "GET", OC + "/account", 401, who=None, schema="Error"),
    Case(O, "GET", OC + "/account", 401, who=None, headers={"Authentication": "Bearer not-a-jwt"}, schema="Error"),
    Case(O, "GET", OC + "/account", 403, who="agent", schema="Error"),
    Case(O, "POST", OC + "/account/personal-preferences", 200, who="customer", schema="Message",
         body={"UserLanguage": "de", "UserTimeZone": "Europe/Berlin", "TicketListTicketsPerPage": "25"}),
    Case(O, "POST", OC + "/account/personal-preferences", 422, who="customer", body={"Password": "short"},
         schema="Errors"),
    Case(O, "POST", OC + "/account/personal-preferences", 401, who=None, body={"UserLanguage": "de"}, schema="Error"),
    Case(O, "POST", OC + "/account/register", 200, who=None, schema="UserLogin",
         body={"EmailAddress": "theo.contract@example.org", "FirstName": "Theo", "LastName": "Test"}),
    Case(O, "POST", OC + "/account/register", 422, who=None, body={"EmailAddress": "theo@example.org"},
         schema="Errors"),
    Case(O, "POST", OC + "/account/register", 900, who=None,  # a taken address: the custom error list
         body={"EmailAddress": "nicole.braun@example.com", "FirstName": "N", "LastName": "B"}),
    Case(O, "POST", OC + "/account/recover", 200, who=None, body={"EmailAddress": "nicole.braun@example.com"},
         schema="Message"),
    Case(O, "POST", OC + "/account/recover", 422, who=None, body={}, schema="Errors"),
    Case(O, "POST", OC + "/account/reset", 200, who=None, body={"Token": OTRS_RESET_TOKEN}, schema="Message"),
    Case(O, "POST", OC + "/account/reset", 900, who=None, body={"Token": "x" * 43}),
    Case(O, "POST", OC + "/account/reset", 422, who=None, body={}, schema="Errors"),
    Case(O, "GET", OC + "/personal-notifications/list", 200, who="customer", schema="PersonalNotificationList",
         url=OC + "/personal-notifications/list?Seen=0&ObjectType=Ticket&NotificationsPerPage=5&Page=1"),
    Case(O, "GET", OC + "/personal-notifications/list", 422, who="customer", schema="Errors",
         url=OC + "/personal-notifications/list?Seen=2"),
    Case(O, "POST", OC + "/personal-notifications/seen-set", 200, who="customer", schema="Message",
         body={"Filter": "Single", "NotificationID": "{otrs_notification_id}"}),
    Case(O, "POST", OC + "/personal-notifications/seen-set", 200, who="customer", body={"Filter": "All"},
         schema="Message"),
    Case(O, "POST", OC + "/personal-notifications/seen-set", 422, who="customer", schema="Errors",
         body={"Filter": "Single", "NotificationID": "999999"}),
    Case(O, "POST", OC + "/ticket", 200, who="customer", schema="TicketCreated",
         body={"Title": "From the contract", "Body": "<p>Rich text</p>", "QueueID": "1", "PriorityID": 3,
               "TypeID": 1, "SLAID": "", "ServiceID": "", "FormID": "{otrs_form_id}"}),
    Case(O, "POST", OC + "/ticket", 422, who="customer", body={"Body": "no title"}, schema="Errors"),
    Case(O, "POST", OC + "/ticket", 401, who=None, body={"Title": "t", "Body": "b"}, schema="Error"),
    Case(O, "POST", OC + "/ticket", 403, who="agent", body={"Title": "t", "Body": "b"}, schema="Error"),
    Case(O, "GET", OC + "/ticket/count", 200, who="customer", url=OC + "/ticket/count?StateFilter=All&CompanyTickets=1",
         schema="TicketCount"),
    Case(O, "GET", OC + "/ticket/count", 404, who="otrs_loner", url=OC + "/ticket/count?CompanyTickets=1",
         schema="Error"),
    Case(O, "GET", OC + "/ticket/count", 422, who="customer", url=OC + "/ticket/count?StateFilter=Someday",
         schema="Errors"),
    Case(O, "GET", OC + "/ticket/list", 200, who="customer", schema="TicketList",
         url=OC + "/ticket/list?StateFilter=All&Extended=1&DynamicFields=1&LastCustomerSubject=1&SortBy=Title"
                  "&SortAscending=1&TicketsPerPage=5&Page=1&CompanyTickets=1&Search="),
    Case(O, "GET", OC + "/ticket/list", 200, who="otrs_loner", schema="TicketList"),
    Case(O, "GET", OC + "/ticket/list", 404, who="otrs_loner", url=OC + "/ticket/list?CompanyTickets=1",
         schema="Error"),
    Case(O, "GET", OC + "/ticket/list", 422, who="customer", url=OC + "/ticket/list?SortBy=Colour", schema="Errors"),
    Case(O, "GET", OTRS_TICKET, 200, who="customer", schema="TicketDetails",
         url=OC + "/ticket/id/{otrs_ticket_id}?DynamicFields=1&FollowUpPossible=1&ProcessData=1"),
    Case(O, "GET", OTRS_TICKET, 200, who="customer", url=OC + "/ticket/id/{otrs_process_ticket_id}?ProcessData=1",
         schema="TicketDetails"),
    Case(O, "GET", OTRS_TICKET, 403, who="customer", url=OC + "/ticket/id/999999", schema="Error"),
    Case(O, "GET", OTRS_TICKET, 422, who="customer", url=OC + "/ticket/id/abc", schema="Errors"),
    Case(O, "GET", OTRS_NUMBER, 200, who="customer", url=OC + "/ticket/number/{otrs_number}", schema="TicketDetails"),
    Case(O, "GET", OTRS_NUMBER, 403, who="customer", url=OC + "/ticket/number/2026010199999999", schema="Error"),
    Case(O, "GET", OTRS_NUMBER, 422, who="customer", url=OC + "/ticket/number/not-a-number", schema="Errors"),
    Case(O, "POST", OTRS_PROCESS, 200, who="customer", url=OC + "/ticket/process/{otrs_process}", schema="ProcessSaved",
         body={**OTRS_PROCESS_CONTEXT, "Title": "A contract laptop", "Body": "Mine broke.", "PriorityID": 3}),
    Case(O, "POST", OTRS_PROCESS, 422, who="customer", url=OC + "/ticket/process/{otrs_process}",
         body={**OTRS_PROCESS_CONTEXT, "Body": "no title"}, schema="ProcessErrors"),
    Case(O, "POST", OTRS_PROCESS, 404, who="customer", url=OC + "/ticket/process/Process-unknown",
         body={**OTRS_PROCESS_CONTEXT, "Title": "t", "Body": "b"}, schema="Error"),
    Case(O, "GET", OTRS_PROCESS, 200, who="customer", schema="ProcessInformation",
         url=OC + "/ticket/process/{otrs_process_ticket_id}?EndpointContext=CustomerTicketProcess"),
    Case(O, "GET", OTRS_PROCESS, 404, who="customer", schema="Error",  # a ticket in no process
         url=OC + "/ticket/process/{otrs_ticket_id}?EndpointContext=CustomerTicketProcess"),
    Case(O, "GET", OTRS_PROCESS, 422, who="customer", url=OC + "/ticket/process/{otrs_process_ticket_id}",
         schema="Errors"),
    Case(O, "POST", OTRS_DIALOG, 200, who="customer", schema="ProcessSaved",
         url=OC + "/ticket/{otrs_process_ticket_id}/process/{otrs_process}",
         body={**OTRS_PROCESS_CONTEXT, "ActivityDialogEntityID": "{otrs_delivery_dialog}", "Body": "It arrived."}),
    Case(O, "POST", OTRS_DIALOG, 403, who="customer", url=OC + "/ticket/999999/process/{otrs_process}",
         body={**OTRS_PROCESS_CONTEXT, "Body": "x"}, schema="Error"),
    Case(O, "POST", OTRS_ARTICLES, 200, who="customer", url=OC + "/ticket/{otrs_ticket_id}/article",
         body={"Subject": "Still broken", "Body": "It shows E42 again.", "PriorityID": "3", "FormID": "{otrs_form_id}"},
         schema="ArticleCreated"),
    Case(O, "POST", OTRS_ARTICLES, 422, who="customer", url=OC + "/ticket/{otrs_ticket_id}/article",
         body={"Subject": "no body"}, schema="Errors"),
    Case(O, "POST", OTRS_ARTICLES, 403, who="customer", url=OC + "/ticket/999999/article",
         body={"Subject": "s", "Body": "b"}, schema="Error"),
    Case(O, "GET", OTRS_ARTICLE, 200, who="customer", url=OTRS_MINE + "?Avatar=1&DynamicFields=1",
         schema="ArticleDetails"),
    Case(O, "GET", OTRS_ARTICLE, 403, who="customer", url=OC + "/ticket/{otrs_ticket_id}/article/999999",
         schema="Error"),
    Case(O, "GET", OTRS_ARTICLE, 422, who="customer", url=OC + "/ticket/{otrs_ticket_id}/article/x", schema="Errors"),
    Case(O, "GET", OTRS_ARTICLE + "/body", 200, who="customer", url=OTRS_MINE + "/body",
         headers={"Accept": "text/html"}),
    Case(O, "GET", OTRS_ARTICLE + "/body", 401, who=None, url=OTRS_MINE + "/body", schema="Error"),
    Case(O, "POST", OTRS_ARTICLE + "/flag", 200, who="customer", url=OTRS_MINE + "/flag",
         body={"Flag": "Seen", "Value": "1"}, schema="Message"),
    Case(O, "POST", OTRS_ARTICLE + "/flag", 422, who="customer", url=OTRS_MINE + "/flag", body={"Flag": "Seen"},
         schema="Errors"),
    Case(O, "GET", OTRS_ATTACHMENT, 200, who="customer", url=OTRS_MINE + "/attachment/{otrs_attachment_id}"),
    Case(O, "GET", OTRS_ATTACHMENT, 404, who="customer", url=OTRS_MINE + "/attachment/999999", schema="Error"),
    Case(O, "GET", OTRS_ATTACHMENT, 401, who=None, url=OTRS_MINE + "/attachment/{otrs_attachment_id}",
         schema="Error"),
    Case(O, "HEAD", OTRS_ATTACHMENT, 200, who="customer", url=OTRS_MINE + "/attachment/{otrs_attachment_id}"),
    Case(O, "HEAD", OTRS_ATTACHMENT, 404, who="customer", url=OTRS_MINE + "/attachment/999999"),
    Case(O, "GET", OTRS_DOWNLOAD, 200, who="customer", url=OTRS_MINE + "/attachment/{otrs_attachment_id}/1"),
    Case(O, "GET", OTRS_DOWNLOAD, 422, who="customer", url=OTRS_MINE + "/attachment/{otrs_attachment_id}/maybe",
         schema="Errors"),
    Case(O, "HEAD", OTRS_DOWNLOAD, 200, who="customer", url=OTRS_MINE + "/attachment/{otrs_attachment_id}/0"),
    Case(O, "POST", OTRS_UPLOAD, 200, who="customer", url=OC + "/upload/contract-new-form", raw=otrs_multipart(
        "notes.txt", b"hello"), headers=OTRS_MULTIPART, schema="UploadSaved"),
    Case(O, "POST", OTRS_UPLOAD, 200, who="customer", url=OC + "/upload/contract-new-form?Upload=raw.bin",
         raw=b"\x00\x01", headers=OTRS_OCTETS, schema="UploadSaved"),
    Case(O, "POST", OTRS_UPLOAD, 413, who="customer", url=OC + "/upload/contract-new-form?Upload=big.bin",
         raw=b"x" * (OTRS_ATTACHMENT_LIMIT + 1), headers=OTRS_OCTETS, schema="Errors"),
    Case(O, "POST", OTRS_UPLOAD, 422, who="customer", url=OC + "/upload/contract-new-form", raw=b"no name",
         headers={"Content-Type": "text/plain"}, schema="Errors"),
    Case(O, "POST", OTRS_UPLOAD, 404, who="otrs_loner", url=OC + "/upload/{otrs_form_id}?Upload=mine.bin",
         raw=b"x", headers=OTRS_OCTETS, schema="Error"),  # the customer's live form
    Case(O, "GET", OTRS_UPLOAD, 200, who="customer", url=OC + "/upload/{otrs_form_id}?ContentID={otrs_content_id}"),
    Case(O, "GET", OTRS_UPLOAD, 404, who="customer", url=OC + "/upload/{otrs_form_id}?ContentID=nothing",
         schema="Error"),
    Case(O, "GET", OTRS_UPLOAD, 422, who="customer", url=OC + "/upload/{otrs_form_id}", schema="Errors"),
    Case(O, "DELETE", OTRS_UPLOAD, 200, who="customer", url=OC + "/upload/{otrs_form_id}",
         body={"Filename": "kept.txt"}, schema="Message"),
    Case(O, "DELETE", OTRS_UPLOAD, 404, who="customer", url=OC + "/upload/{otrs_form_id}",
         body={"Filename": "absent.txt"}, schema="Error"),
    Case(O, "DELETE", OTRS_UPLOAD, 422, who="customer", url=OC + "/upload/{otrs_form_id}", body={}, schema="Errors"),
    # <<< otrs-openapi
    # >>> rpc-openapi: the RS4OTRS agent RPC; `who` logs in through /otrs/api/auth/login (rpc_login)
    rpc("POST", "auth/login", {"User": "{rpc_agent_user}", "Password": "{rpc_agent_password}"}, who=None),
    rpc("GET", "auth/login", {"User": "{rpc_agent_user}", "Password": "wrong"}, who=None,
        message="Login failed! Your user name or password was entered incorrectly."),
    rpc("POST", "auth/login", {"User": "nicole.braun@example.com", "Password": "{rpc_customer_password}"}, who=None,
        message="Login failed! Your user name or password was entered incorrectly."),  # agents only
    rpc("POST", "auth/login", {}, who=None, message="Required fields is not defined: User, Password"),
    rpc("POST", "auth/logout", {"ChallengeToken": "{rpc_challenge}"}),
    rpc("GET", "auth/logout", {"ChallengeToken": "not-the-challenge"}, message="Invalid Challenge Token!"),
    rpc("POST", "auth/lostPassword", {"User": "{rpc_agent_user}"}, who=None),
    rpc("GET", "auth/lostPassword", {"Token": "no-such-token"}, who=None, message="Invalid token."),
    rpc("POST", "customers/createCustomerUser", {"Firstname": "Rita", "Lastname": "Lee", "CustomerID": "example.com",
                                                 "Login": "rita", "Email": "rita@example.com", "City": "Berlin"}),
    rpc("POST", "customers/createCustomerUser", {"Firstname": "Rita"},
        message="Required fields is not defined: Lastname, CustomerID, Login, Email"),
    rpc("GET", "customers/getCustomerList"),
    rpc("GET", "customers/getCustomerUser", {"CustomerUser": "nicole.braun@example.com"}),
    rpc("POST", "customers/getCustomerUser", {"CustomerUser": "nobody"}, message="No CustomerUser"),
    rpc("POST", "customers/getCustomerUserList", {"Search": "nicole", "Limit": 10}),
    rpc("GET", "filters/getTicketViews", {"QueueID": 1}),
    rpc("POST", "filters/getTicketViews"),
    rpc("GET", "queues/getQueueList", {"ForCreateTicket": 1}),
    rpc("POST", "queues/getQueueList", who="admin"),
    rpc("POST", "services/getServiceList"),
    rpc("GET", "services/getServiceList", {"CustomerUserLogin": "nicole.braun@example.com"}),
    rpc("GET", "settings/getLanguageList"),
    rpc("POST", "settings/setPushNotificationToken", {"Token": "contract-device"}),
    rpc("GET", "settings/setPushNotificationToken", {"Token": ""}, message="Token cannot be empty"),
    rpc("GET", "sla/getSLAList", {"ServiceID": 1}),
    rpc("GET", "system/getPackageList"),
    rpc("POST", "system/getDynamicFieldList"),
    rpc("GET", "users/getUserList", {"QueueID": 1}),
    rpc("POST", "users/getUserList"),
    rpc("POST", "users/getUserPermissions"),
    rpc("POST", "tickets/createTicket", {"Title": "RPC contract", "QueueID": 1, "PriorityID": 2, "Body": "b",
                                         "CustomerUserID": "nicole.braun@example.com", "OwnerID": "{rpc_agent_id}",
                                         "DynamicFields": {"contract_rank": 3}}),
    rpc("POST", "tickets/createTicket", {"Title": "t"},
        message="Required fields is not defined: QueueID, PriorityID, Body"),
    rpc("POST", "tickets/createTicket", {"Title": "t", "QueueID": "{rpc_group_id}", "PriorityID": 2, "Body": "b",
                                         "CustomerUserID": "nicole.braun@example.com"}, message="No permission"),
    rpc("POST", "tickets/createArticle", {"TicketID": "{ticket_id}", "Subject": "s", "Body": "b",
                                          "ArticleType": "Internal", "SenderType": "agent"}),
    rpc("GET", "tickets/createArticle", {"TicketID": "{ticket_id}"},
        message="Required fields is not defined: Subject, Body"),
    rpc("POST", "tickets/createAttachment", {"TicketID": "{ticket_id}", "File": {
        "Content": "aGVsbG8=", "ContentType": "text/plain", "Filename": "hello.txt"}}),
    rpc("GET", "tickets/createAttachment", {"TicketID": "{ticket_id}"},
        message="No Content, ContentType or Filename parameters"),  # a query string cannot carry File
    rpc("GET", "tickets/getArticles", {"TicketID": "{ticket_id}"}),
    rpc("POST", "tickets/getArticles", {"TicketID": "{ticket_id}", "Count": 1}, schema="CountOk"),
    rpc("POST", "tickets/getArticles", {"TicketID": "{rpc_foreign_ticket_id}"}, message="No permission"),
    rpc("GET", "tickets/getArticles", {"TicketID": 999999}, message="No ticket"),
    rpc("GET", "tickets/getAttachment", {"TicketID": "{ticket_id}", "FileID": "{attachment_id}"}),
    rpc("POST", "tickets/getAttachment", {"ArticleID": "{article_id}", "FileID": "{attachment_id}"}),
    rpc("POST", "tickets/getAttachment", {"TicketID": "{ticket_id}", "FileID": 999999}, message="No attachment!"),
    rpc("POST", "tickets/getTicketList", {"ViewID": -3, "Limit": 5, "DynamicFieldsMode": "all"}),
    rpc("GET", "tickets/getTicketList", {"QueueIDs": [1, 2], "SortBy": ["Title"], "OrderBy": ["Up"]}),
    rpc("GET", "tickets/getTicketList", {"Count": 1}, schema="TicketCountOk"),
    rpc("POST", "tickets/getTicketList", who=None, message=RPC_SESSION_INVALID),
    rpc("GET", "tickets/getTicketList", {RPC_SESSION: "not-a-session"}, message=RPC_SESSION_INVALID),
    rpc("POST", "tickets/markArticleAsSeen", {"TicketID": "{ticket_id}", "ArticleID": "{article_id}", "Seen": 1}),
    rpc("GET", "tickets/markTicketAsSeen", {"TicketID": "{ticket_id}", "Seen": 1}),
    rpc("POST", "tickets/updateArchiveFlag", {"TicketID": "{ticket_id}", "ArchiveFlag": "y"}),
    rpc("POST", "tickets/updateCustomer", {"TicketID": "{ticket_id}", "CustomerID": "example.com",
                                           "CustomerUserID": "nicole.braun@example.com"}),
    rpc("GET", "tickets/updateLock", {"TicketID": "{ticket_id}", "Lock": "lock"}),
    rpc("POST", "tickets/updateOwner", {"TicketID": "{ticket_id}", "NewUser": "{rpc_agent_user}"}),
    rpc("POST", "tickets/updatePendingTime", {"TicketID": "{ticket_id}", "UntilTimeDateUnix": 1893456000}),
    rpc("GET", "tickets/updatePriority", {"TicketID": "{ticket_id}", "PriorityID": 3}),
    rpc("POST", "tickets/updateQueue", {"TicketID": "{ticket_id}", "QueueID": "{rpc_group_id}"}, who="admin"),
    rpc("POST", "tickets/updateQueue", {"TicketID": "{ticket_id}", "QueueID": "{rpc_group_id}"},
        message="No permission"),  # the agent has no move_into on the new queue
    rpc("POST", "tickets/updateResponsible", {"TicketID": "{ticket_id}", "NewUser": "{rpc_agent_user}"}),
    rpc("POST", "tickets/updateService", {"TicketID": "{ticket_id}", "ServiceID": 1},
        message="Cannot update Service"),  # no services exist: never OK
    rpc("POST", "tickets/updateSLA", {"TicketID": "{rpc_sla_ticket_id}", "SLAID": "{sla_id}"}),
    rpc("POST", "tickets/updateState", {"TicketID": "{ticket_id}", "State": "open"}),
    rpc("POST", "tickets/updateTicket", {"TicketID": "{ticket_id}", "Lock": "lock", "StateID": 2, "Title": "Both"}),
    rpc("POST", "tickets/updateTicket", {"TicketID": "{ticket_id}", "StateID": 2},
        message="The follow parameters wasn't updated: State"),  # State needs the caller's lock
    rpc("GET", "tickets/updateTicket", {"TicketID": "{ticket_id}"},
        message="Pass some fields for ticket update: " + RPC_UPDATABLE),
    rpc("GET", "tickets/updateTitle", {"TicketID": "{ticket_id}", "Title": "Renamed"}),
    rpc("POST", "tickets/updateTitle", {"TicketID": 999999, "Title": "x"}, message="No ticket"),
    rpc("POST", "tickets/updateType", {"TicketID": "{ticket_id}", "TypeID": 1}),
    rpc("POST", "tickets/watchTicket", {"TicketID": "{ticket_id}", "Subscribe": 1}),
    rpc("POST", "tickets/watchTicket", {"Subscribe": 1}, message="No TicketID"),
    # <<< rpc-openapi
    # >>> tickets-openapi: the numbered Tickets API; `who` sends the X-Token tickets_ids made (or none)
    Case(TK, "POST", TKP + "/tickets", 200, who="customer", schema="S-T-Ticket", body={
        **TK_NEW, "topic_key": "users", "client_aliased_name": "Ops desk", "client_emails": ["ops@example.com"],
        "files": ["{tk_file_id}"]}),
    Case(TK, "POST", TKP + "/tickets", 400, who="customer", body={"summary": "", "files": []}, schema="Error"),
    Case(TK, "POST", TKP + "/tickets", 400, who="customer", raw=b"{nope", schema="Error"),
    Case(TK, "POST", TKP + "/tickets", 422, who="customer", body={**TK_NEW, "topic_key": "nope"}, schema="Error"),
    Case(TK, "POST", TKP + "/tickets", 422, who="customer", body={**TK_NEW, "files": [TK_UNKNOWN_FILE]},
         schema="Error"),
    Case(TK, "POST", TKP + "/tickets", 413, who="customer", raw=b" " * (6 * 1024 * 1024 + 1), schema="Error"),
    Case(TK, "POST", TKP + "/tickets", 401, who=None, body=TK_NEW, schema="Error"),
    Case(TK, "POST", TKP + "/tickets", 403, who="agent", body=TK_NEW, schema="Error"),
    Case(TK, "GET", TKP + "/tickets", 200, who="customer", schema="S-T-TicketList"),
    Case(TK, "GET", TKP + "/tickets", 200, who="customer", schema="S-T-TicketList",
         url=TKP + "/tickets?page=1&items_per_page=5&only_opened=true&q=contract"),
    Case(TK, "GET", TKP + "/tickets", 400, who="customer", url=TKP + "/tickets?only_opened=true&only_closed=1",
         schema="Error"),
    Case(TK, "GET", TKP + "/tickets", 401, who=None, headers={"X-Token": "not-a-token"}, schema="Error"),
    Case(TK, "GET", TK_TICKET, 200, who="customer", url=TK_MINE, schema="S-T-Ticket"),
    Case(TK, "GET", TK_TICKET, 200, who="customer", url=TKP + "/tickets/{tk_closed_number}", schema="S-T-Ticket"),
    Case(TK, "GET", TK_TICKET, 400, who="customer", url=TKP + "/tickets/abc", schema="Error"),
    Case(TK, "GET", TK_TICKET, 404, who="customer", url=TKP + "/tickets/999999", schema="Error"),
    Case(TK, "GET", TK_TICKET, 404, who="customer", url=TKP + "/tickets/{tk_foreign_number}", schema="Error"),
    Case(TK, "PATCH", TK_TICKET, 200, who="customer", url=TK_MINE, schema="S-T-Ticket",
         body={"client_aliased_name": None, "client_emails": []}),
    Case(TK, "PATCH", TK_TICKET, 400, who="customer", url=TK_MINE, body={"client_emails": ["no address"]},
         schema="Error"),
    Case(TK, "POST", TK_TICKET + "/close", 200, who="customer", url=TK_MINE + "/close", schema="S-T-Ticket",
         body={"comment": "thanks", "score": 9}),
    Case(TK, "POST", TK_TICKET + "/close", 400, who="customer", url=TK_MINE + "/close", body={"score": 11},
         schema="Error"),
    Case(TK, "POST", TK_TICKET + "/close", 409, who="customer", url=TKP + "/tickets/{tk_closed_number}/close",
         body={}, schema="Error"),
    Case(TK, "POST", TK_TICKET + "/reopen", 200, who="customer", url=TKP + "/tickets/{tk_closed_number}/reopen",
         body={"body": "It broke again.", "files": ["{tk_file_id}"]}, schema="S-T-Ticket"),
    Case(TK, "POST", TK_TICKET + "/reopen", 409, who="customer", url=TK_MINE + "/reopen", body={"body": "x"},
         schema="Error"),
    Case(TK, "POST", TK_TICKET + "/vote", 200, who="customer", url=TK_MINE + "/vote", schema="S-T-Vote",
         body={"score": 10, "comment": "fast"}),
    Case(TK, "POST", TK_TICKET + "/vote", 400, who="customer", url=TK_MINE + "/vote", body={"score": 0},
         schema="Error"),
    Case(TK, "POST", TK_TICKET + "/vote", 404, who="customer", url=TKP + "/tickets/{tk_foreign_number}/vote",
         body={"score": 1}, schema="Error"),
    Case(TK, "POST", TK_TICKET + "/comments", 200, who="customer", url=TK_MINE + "/comments", schema="S-T-Comment",
         body={"body": "my second comment", "files": ["{tk_file_id}"]}),
    Case(TK, "POST", TK_TICKET + "/comments", 422, who="customer", url=TK_MINE + "/comments",
         body={"body": "x", "files": [TK_UNKNOWN_FILE]}, schema="Error"),
    Case(TK, "POST", TK_TICKET + "/comments", 400, who="customer", url=TK_MINE + "/comments", body={"body": " "},
         schema="Error"),
    Case(TK, "GET", TK_TICKET + "/comments", 200, who="customer", url=TK_MINE + "/comments",
         schema="S-T-CommentList"),
    Case(TK, "GET", TK_TICKET + "/comments", 404, who="customer", url=TKP + "/tickets/999999/comments",
         schema="Error"),
    Case(TK, "GET", TK_COMMENT, 200, who="customer", url=TKP + "/comments/{tk_reply_id}", schema="S-T-Comment"),
    Case(TK, "GET", TK_COMMENT, 404, who="customer", url=TKP + "/comments/{tk_internal_id}", schema="Error"),
    Case(TK, "GET", TK_COMMENT, 400, who="customer", url=TKP + "/comments/x", schema="Error"),
    Case(TK, "POST", TK_COMMENT + "/vote", 200, who="customer", url=TKP + "/comments/{tk_reply_id}/vote",
         body={"score": -1}, schema="S-T-Vote"),
    Case(TK, "POST", TK_COMMENT + "/vote", 400, who="customer", url=TKP + "/comments/{tk_reply_id}/vote",
         body={"score": 2}, schema="Error"),
    Case(TK, "POST", TK_COMMENT + "/vote", 404, who="customer", url=TKP + "/comments/{tk_internal_id}/vote",
         body={"score": 1}, schema="Error"),
    Case(TK, "GET", TKP + "/topics", 200, who="customer", schema="S-T-TopicList"),
    Case(TK, "GET", TKP + "/topics", 401, who=None, schema="Error"),
    Case(TK, "GET", TKP + "/topics", 403, who="agent", schema="Error"),
    Case(TK, "GET", TKP + "/topics", 429, who="customer", schema="Error"),  # run against a full window
    Case(TK, "POST", TKP + "/files", 200, who="customer", raw=b"log line\n", headers=TK_OCTETS, schema="S-T-File"),
    Case(TK, "POST", TKP + "/files", 200, who="customer", raw=otrs_multipart("notes.txt", b"notes"),
         headers=OTRS_MULTIPART, schema="S-T-File"),
    Case(TK, "POST", TKP + "/files", 400, who="customer", raw=b"", headers=TK_OCTETS, schema="Error"),
    Case(TK, "POST", TKP + "/files", 413, who="customer", raw=b"x" * (OTRS_ATTACHMENT_LIMIT + 1), headers=TK_OCTETS,
         schema="Error"),
    # <<< tickets-openapi
    # >>> external-openapi: anonymous unless `who` names a caller (OTRS bearer tokens, as for otrs-customer.yaml)
    Case(E, "GET", EF + "/config", 200, who=None, schema="ExternalConfig"),
    Case(E, "GET", EF + "/custom-page/content/{Slug}", 200, who=None, url=EF + "/custom-page/content/imprint",
         schema="CustomPage"),
    Case(E, "GET", EF + "/custom-page/content/{Slug}", 404, who=None, url=EF + "/custom-page/content/nothing-here",
         schema="Error"),
    Case(E, "GET", EF + "/custom-page/content/{Slug}/{Language}", 200, who=None,
         url=EF + "/custom-page/content/Imprint/de", schema="CustomPage"),  # no German imprint: the English one
    Case(E, "GET", EF + "/custom-page/content/{Slug}/{Language}", 422, who=None,
         url=EF + "/custom-page/content/imprint/x", schema="Errors"),
    Case(E, "GET", EF + "/custom-page/inline-image", 200, who=None, url=EXTERNAL_PAGE_IMAGE + "photo.png"),
    Case(E, "GET", EF + "/custom-page/inline-image", 304, who=None, url=EXTERNAL_PAGE_IMAGE + "photo.png",
         headers=EXTERNAL_IMAGE_HELD),
    Case(E, "GET", EF + "/custom-page/inline-image", 404, who=None, url=EXTERNAL_PAGE_IMAGE + "absent.png",
         schema="Error"),
    Case(E, "GET", EF + "/custom-page/inline-image", 404, who=None,
         url=EF + "/custom-page/inline-image?CustomPageID=999999&ContentID=photo.png", schema="Error"),
    Case(E, "GET", EF + "/custom-page/inline-image", 422, who=None,
         url=EF + "/custom-page/inline-image?CustomPageID={ext_page_id}", schema="Errors"),
    Case(E, "GET", EF + "/homepage/config", 200, who=None, schema="HomePage"),
    Case(E, "GET", EF + "/homepage/config/{Language}", 200, who=None, url=EF + "/homepage/config/de",
         schema="HomePage"),
    Case(E, "GET", EF + "/homepage/config/{Language}", 422, who=None, url=EF + "/homepage/config/x", schema="Errors"),
    Case(E, "GET", EF + "/homepage/image", 200, who=None, url=EF + "/homepage/image?Path=hero.png"),
    Case(E, "GET", EF + "/homepage/image", 304, who=None, url=EF + "/homepage/image?Path=hero.png",
         headers=EXTERNAL_IMAGE_HELD),
    Case(E, "GET", EF + "/homepage/image", 404, who=None, url=EF + "/homepage/image?Path=logo.png",
         schema="Error"),  # a layout image: not in the home page's area
    Case(E, "GET", EF + "/homepage/image", 422, who=None, schema="Errors"),
    Case(E, "GET", EF + "/layout/favicon", 200, who=None),
    Case(E, "GET", EF + "/layout/favicon", 422, who=None, url=EF + "/layout/favicon?Path=.hidden", schema="Errors"),
    Case(E, "GET", EF + "/layout/image", 200, who=None, url=EF + "/layout/image?Path=logo.png"),
    Case(E, "GET", EF + "/layout/image", 404, who=None, url=EF + "/layout/image?Path=none.png", schema="Error"),
    Case(E, "GET", EF + "/menu", 200, who=None, schema="Menu"),
    Case(E, "GET", EF + "/menu", 200, who="customer", schema="Menu"),
    Case(E, "GET", EF + "/menu", 200, who="agent", schema="Menu"),  # not a customer: the public menu, no error
    Case(E, "GET", EF + "/personal-preferences/categories", 200, who="customer", schema="PreferenceCategories"),
    Case(E, "GET", EF + "/personal-preferences/categories", 401, who=None, schema="Error"),
    Case(E, "GET", EF + "/personal-preferences/categories", 403, who="agent", schema="Error"),
    Case(E, "POST", EF + "/service-catalogue", 200, who=None, body={"Language": "de", "ItemsPerPage": "1", "Page": 2},
         schema="ItemPage"),
    Case(E, "POST", EF + "/service-catalogue", 200, who=None, schema="ItemPage"),
    Case(E, "POST", EF + "/service-catalogue", 422, who=None, body={"ItemsPerPage": 101}, schema="Errors"),
    Case(E, "POST", EF + "/service-catalogue", 422, who=None, raw=b"[1]", schema="Errors"),
    Case(E, "POST", EF + "/service-catalogue/{CategoryID}", 200, who=None, url=EF + "/service-catalogue/2",
         body={"Language": "en"}, schema="ItemPage"),
    Case(E, "POST", EF + "/service-catalogue/{CategoryID}", 422, who=None, url=EF + "/service-catalogue/999999",
         schema="Errors"),
    Case(E, "POST", EF + "/service-catalogue/categories", 200, who=None, body={"Language": "de"}, schema="Categories"),
    Case(E, "POST", EF + "/service-catalogue/categories", 422, who=None, body={"Language": 5}, schema="Errors"),
    Case(E, "GET", EF + "/service-catalogue/item-content/{ItemContentID}", 200, who=None,
         url=EF + "/service-catalogue/item-content/1", schema="ItemContent"),
    Case(E, "GET", EF + "/service-catalogue/item-content/{ItemContentID}", 404, who=None,
         url=EF + "/service-catalogue/item-content/999999", schema="Error"),
    Case(E, "GET", EF + "/service-catalogue/item-content/{ItemContentID}", 422, who=None,
         url=EF + "/service-catalogue/item-content/x", schema="Errors"),
    Case(E, "POST", EF + "/service-catalogue/track/{ItemID}", 200, who=None, url=EF + "/service-catalogue/track/1",
         schema="Message"),
    Case(E, "POST", EF + "/service-catalogue/track/{ItemID}", 900, who=None,
         url=EF + "/service-catalogue/track/999999"),  # an unknown item: the custom error list
    Case(E, "POST", EF + "/service-catalogue/track/{ItemID}", 422, who=None, url=EF + "/service-catalogue/track/0",
         schema="Errors"),
    Case(E, "GET", EF + "/ticket/create", 200, who="customer", schema="TicketCreateConfig"),
    Case(E, "GET", EF + "/ticket/create", 401, who=None, schema="Error"),
    Case(E, "GET", EF + "/ticket/create", 403, who="agent", schema="Error"),
    Case(E, "GET", EF + "/ticket/detail-view", 200, who="customer", schema="DetailViewConfig"),
    Case(E, "GET", EF + "/ticket/detail-view", 401, who=None, headers={"Authentication": "Bearer not-a-jwt"},
         schema="Error"),
    Case(E, "GET", EXTERNAL_DETAIL_VIEW, 200, who="customer", url=EF + "/ticket/detail-view/{otrs_number}",
         schema="DetailViewConfig"),
    Case(E, "GET", EXTERNAL_DETAIL_VIEW, 403, who="otrs_loner", url=EF + "/ticket/detail-view/{otrs_number}",
         schema="Error"),  # another customer's ticket
    Case(E, "GET", EXTERNAL_DETAIL_VIEW, 403, who="customer", url=EF + "/ticket/detail-view/2026010199999999",
         schema="Error"),
    Case(E, "GET", EF + "/ticketlist/config", 200, who=None, schema="TicketListConfig"),
    Case(E, "GET", KBP + "/categorylist", 200, who=None, schema="KbCategoryList"),
    Case(E, "GET", KBP + "/categorylist/{CategoryID}", 200, who=None, url=KBP + "/categorylist/{kb_category_id}",
         schema="KbCategoryList"),
    Case(E, "GET", KBP + "/categorylist/{CategoryID}", 422, who=None, url=KBP + "/categorylist/{kb_draft_category_id}",
         schema="Errors"),  # nothing published in it: it does not exist here
    Case(E, "GET", KBP + "/article/list", 200, who=None, url=KBP + "/article/list?ArticlesPerPage=1&Page=2",
         schema="KbArticleList"),
    Case(E, "GET", KBP + "/article/list", 422, who=None, url=KBP + "/article/list?ArticlesPerPage=101",
         schema="Errors"),
    Case(E, "GET", KBP + "/article/list/{CategoryID}", 200, who=None, url=KBP + "/article/list/{kb_category_id}",
         schema="KbArticleList"),
    Case(E, "GET", KBP + "/article/list/{CategoryID}", 422, who=None, url=KBP + "/article/list/999999",
         schema="Errors"),
    Case(E, "POST", KBP + "/article/related-articles", 200, who=None, schema="KbArticleItem",
         body={"Subject": "Printer problem", "Body": "my printer says E42", "Languages": ["en"], "Limit": "5"}),
    Case(E, "POST", KBP + "/article/related-articles", 422, who=None, body={"Subject": "no body"}, schema="Errors"),
    Case(E, "GET", KB_ARTICLE, 200, who=None, url=KB_MINE, schema="KbArticle"),
    Case(E, "GET", KB_ARTICLE, 422, who=None, url=KBP + "/article/{kb_draft_id}", schema="Errors"),
    Case(E, "GET", KB_ATTACHMENT, 200, who=None, url=KB_MINE + "/attachment/{kb_attachment_id}"),
    Case(E, "GET", KB_ATTACHMENT, 403, who=None, url=KBP + "/article/{kb_draft_id}/attachment/{kb_draft_attachment_id}",
         schema="Error"),
    Case(E, "GET", KB_ATTACHMENT, 404, who=None, url=KB_MINE + "/attachment/999999", schema="Error"),
    Case(E, "GET", KB_ATTACHMENT, 422, who=None, url=KB_MINE + "/attachment/x", schema="Errors"),
    Case(E, "HEAD", KB_ATTACHMENT, 200, who=None, url=KB_MINE + "/attachment/{kb_attachment_id}"),
    Case(E, "HEAD", KB_ATTACHMENT, 404, who=None, url=KB_MINE + "/attachment/999999"),
    Case(E, "GET", KB_ATTACHMENT + "/download", 200, who=None, url=KB_MINE + "/attachment/{kb_attachment_id}/download"),
    Case(E, "GET", KB_ATTACHMENT + "/download", 403, who=None, url=KBP + "/article/999999/attachment/1/download",
         schema="Error"),
    Case(E, "HEAD", KB_ATTACHMENT + "/download", 200, who=None,
         url=KB_MINE + "/attachment/{kb_attachment_id}/download"),
    Case(E, "GET", KB_ARTICLE + "/related-articles", 200, who=None, url=KB_MINE + "/related-articles",
         schema="KbArticleItem"),
    Case(E, "GET", KB_ARTICLE + "/related-articles", 422, who=None, url=KBP + "/article/0/related-articles",
         schema="Errors"),
    Case(E, "GET", KB_ARTICLE + "/vote/check", 200, who=None, url=KB_MINE + "/vote/check", schema="KbVoteCheck"),
    Case(E, "GET", KB_ARTICLE + "/vote/check", 200, who=None, url=KBP + "/article/{kb_voted_id}/vote/check",
         schema="KbVoteCheck"),
    Case(E, "GET", KB_ARTICLE + "/vote/check", 422, who=None, url=KBP + "/article/{kb_draft_id}/vote/check",
         schema="Errors"),
    Case(E, "POST", KB_ARTICLE + "/vote/send", 200, who=None, url=KB_MINE + "/vote/send", body={"Vote": "Yes"},
         schema="KbVoted"),
    Case(E, "POST", KB_ARTICLE + "/vote/send", 900, who=None, url=KBP + "/article/{kb_voted_id}/vote/send",
         body={"Vote": 75}),  # this visitor voted in external_ids: CouldNotVote
    Case(E, "POST", KB_ARTICLE + "/vote/send", 422, who=None, url=KB_MINE + "/vote/send", body={"Vote": "maybe"},
         schema="Errors"),
    # <<< external-openapi
    # >>> chat: the public chat as the demo customer (OTRS token) or anonymous, the agents' side; chat_ids below
    Case(E, "GET", "/api/public/chat/available-channels", 200, who=None),
    Case(E, "GET", "/api/public/chat/{UserID}/available-channels", 200, who="customer",
         url="/api/public/chat/{chat_customer_id}/available-channels"),
    Case(E, "GET", "/api/public/chat/config", 200, who=None, schema="ChatConfig"),
    Case(E, "POST", "/api/public/chat/request-create", 200, who=None, body={"Message": "Contract", "Name": "Theo"},
         schema="ChatCreated"),
    Case(E, "POST", "/api/public/chat/request-create", 422, who=None, body={}, schema="Errors"),
    Case(E, "POST", "/api/public/chat/{UserID}/request-create", 200, who="customer",
         url="/api/public/chat/{chat_customer_id}/request-create", body={"Message": "Mine", "ChatChannelID": "1"},
         schema="ChatCreated"),
    Case(E, "GET", "/api/public/chat/history", 200, who="customer", schema="ChatHistory"),
    Case(E, "GET", "/api/public/chat/{UserID}/history", 200, who="customer",
         url="/api/public/chat/{chat_customer_id}/history?HasWebRTC=1", schema="ChatHistory"),
    Case(E, "GET", "/api/public/chat/{UserID}/history", 403, who=None,
         url="/api/public/chat/{chat_customer_id}/history", schema="Error"),
    Case(E, "POST", "/api/public/chat/send-message", 200, who="customer",
         body={"ChatID": "{chat_active_id}", "Message": "Hello"}, schema="Message"),
    Case(E, "POST", "/api/public/chat/send-message", 900, who="customer",
         body={"ChatID": "{chat_active_id}", "Message": "x" * 4001}),
    Case(E, "POST", "/api/public/chat/send-message", 403, who=None,
         body={"ChatID": "{chat_active_id}", "Message": "Hello"}, schema="Error"),
    Case(E, "POST", "/api/public/chat/{UserID}/send-message", 200, who="customer",
         url="/api/public/chat/{chat_customer_id}/send-message",
         body={"ChatID": "{chat_active_id}", "Message": "Hello"}, schema="Message"),
    Case(E, "POST", "/api/public/chat/accept-request", 900, who="customer", body={"ChatID": "{chat_waiting_id}"}),
    Case(E, "POST", "/api/public/chat/{UserID}/accept-request", 403, who="customer",
         url="/api/public/chat/999999/accept-request", body={"ChatID": "{chat_waiting_id}"}, schema="Error"),
    Case(E, "POST", "/api/public/chat/close", 200, who="customer", body={"ChatID": "{chat_waiting_id}"},
         schema="Message"),
    Case(E, "POST", "/api/public/chat/{UserID}/close", 422, who="customer",
         url="/api/public/chat/{chat_customer_id}/close", body={}, schema="Errors"),
    Case(E, "POST", "/api/public/chat/send-mail", 200, who="customer",
         body={"ChatID": "{chat_active_id}", "Email": "nicole.braun@example.com"}, schema="Message"),
    Case(E, "POST", "/api/public/chat/{UserID}/send-mail", 422, who="customer",
         url="/api/public/chat/{chat_customer_id}/send-mail", body={"ChatID": "{chat_active_id}", "Email": "nope"},
         schema="Errors"),
    Case(E, "GET", "/api/public/chat/video/config", 200, who="customer",
         url="/api/public/chat/video/config?ChatID={chat_active_id}", schema="VideoConfig"),
    Case(E, "GET", "/api/public/chat/{UserID}/video/config", 422, who="customer",
         url="/api/public/chat/{chat_customer_id}/video/config", schema="Errors"),
    Case(E, "GET", "/api/public/chat/video/signal", 200, who="customer",
         url="/api/public/chat/video/signal?ChatID={chat_active_id}"),
    Case(E, "GET", "/api/public/chat/{UserID}/video/signal", 403, who=None,
         url="/api/public/chat/{chat_customer_id}/video/signal?ChatID={chat_active_id}", schema="Error"),
    Case(E, "POST", "/api/public/chat/video/signal", 200, who="customer",
         body={"ChatID": "{chat_active_id}", "SignalKey": "VideoChatInvite", "SignalValue": 1,
               "TargetID": "{chat_agent_id}", "TargetType": "User"}, schema="Message"),
    Case(E, "POST", "/api/public/chat/{UserID}/video/signal", 900, who="customer",
         url="/api/public/chat/{chat_customer_id}/video/signal",
         body={"ChatID": "{chat_waiting_id}", "SignalKey": "VideoChatInvite", "SignalValue": 1,
               "TargetID": "{chat_agent_id}", "TargetType": "User"}),
    Case(E, "GET", EF + "/chat/{FromChatID}/messages", 200, who="customer", url=EF + "/chat/{chat_active_id}/messages",
         schema="ChatMessage"),
    Case(E, "GET", EF + "/chat/{FromChatID}/messages", 403, who="customer", url=EF + "/chat/999999/messages",
         schema="Error"),
    Case(E, "GET", EF + "/chat/{FromChatID}/messages", 401, who=None, url=EF + "/chat/{chat_active_id}/messages",
         schema="Error"),
    Case(Z, "GET", "/api/v1/chats", 200, who="agent", schema="ChatTopic"),
    Case(Z, "POST", "/api/v1/chats", 201, body={"name": "Contract topic", "max_queue": 3}, schema="ChatTopic"),
    Case(Z, "POST", "/api/v1/chats", 403, who="agent", body={"name": "Agents' topic"}, schema="Error"),
    Case(Z, "POST", "/api/v1/chats", 422, body={"note": "no name"}, schema="Error"),
    Case(Z, "GET", "/api/v1/chats/{chat_id}", 200, who="agent", url="/api/v1/chats/1", schema="ChatTopic"),
    Case(Z, "GET", "/api/v1/chats/{chat_id}", 404, url="/api/v1/chats/999", schema="Error"),
    Case(Z, "PUT", "/api/v1/chats/{chat_id}", 200, url="/api/v1/chats/1", body={"note": "Contract"},
         schema="ChatTopic"),
    Case(Z, "DELETE", "/api/v1/chats/{chat_id}", 422, url="/api/v1/chats/1", schema="Error"),  # chats are open in it
    Case(Z, "DELETE", "/api/v1/chats/{chat_id}", 200, url="/api/v1/chats/{chat_spare_topic_id}", schema="Empty"),
    Case(Z, "GET", "/api/v1/chat_sessions", 200, who="agent", schema="ChatSession"),
    Case(Z, "GET", "/api/v1/chat_sessions", 200, who="agent", url="/api/v1/chat_sessions?state=running&per_page=5",
         schema="ChatSession"),
    Case(Z, "GET", "/api/v1/chat_sessions", 422, url="/api/v1/chat_sessions?state=bogus", schema="Error"),
    Case(Z, "GET", "/api/v1/chat_sessions", 403, who="customer", schema="Error"),
    Case(Z, "POST", "/api/v1/chat_sessions", 201, who="agent",
         body={"chat_id": 1, "customer_id": "{chat_customer_id}", "content": "Can I help?"}, schema="ChatSession"),
    Case(Z, "POST", "/api/v1/chat_sessions", 422, who="agent", body={"chat_id": 1, "content": "Hello"},
         schema="Error"),
    Case(Z, "GET", "/api/v1/chat_sessions/search", 200, who="agent",
         url="/api/v1/chat_sessions/search?query=contract&limit=5", schema="ChatSession"),
    Case(Z, "POST", "/api/v1/chat_sessions/search", 200, who="agent", body={"query": "contract"},
         schema="ChatSession"),
    Case(Z, "GET", "/api/v1/chat_sessions/{session_id}", 200, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}", schema="ChatSessionWithMessages"),
    Case(Z, "GET", "/api/v1/chat_sessions/{session_id}", 404, url="/api/v1/chat_sessions/999999", schema="Error"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/accept", 200, who="agent",
         url="/api/v1/chat_sessions/{chat_waiting_id}/accept", schema="ChatSession"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/accept", 422, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}/accept", schema="Error"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/messages", 201, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}/messages", body={"content": "Which model?"},
         schema="ChatSessionMessage"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/messages", 403, who="admin",
         url="/api/v1/chat_sessions/{chat_active_id}/messages", body={"content": "Not my chat"}, schema="Error"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/close", 200, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}/close", schema="ChatSession"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/close", 404, who="agent",
         url="/api/v1/chat_sessions/999999/close", schema="Error"),
    Case(Z, "GET", "/api/v1/chat_sessions/{session_id}/video_config", 200, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}/video_config", schema="ChatVideoConfig"),
    Case(Z, "GET", "/api/v1/chat_sessions/{session_id}/video_signals", 200, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}/video_signals"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/video_signals", 201, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}/video_signals",
         body={"signal_key": "VideoChatInvite", "signal_value": 1, "target_type": "Customer",
               "target_id": "{chat_customer_login}"}, schema="ChatVideoSignal"),
    Case(Z, "POST", "/api/v1/chat_sessions/{session_id}/video_signals", 422, who="agent",
         url="/api/v1/chat_sessions/{chat_active_id}/video_signals",
         body={"signal_key": "VideoChatInvite", "signal_value": 1, "target_type": "Customer", "target_id": "nobody"},
         schema="Error"),
    # <<< chat
    # >>> forms: the form schemas, and a validation each way (the header makes the body the form's data)
    *[Case(E, "POST", EF + "/form" + path, status, who=who, url=EF + "/form" + (url or path), body=body,
           headers={"X-OTRS-API-ValidateFormData": "1"} if validate else {}, schema=schema)
      for path, url, who, body, validate, status, schema in (
          ("/auth/login", None, None, None, False, 200, "FormSchema"),
          ("/auth/login", None, None, {"Username": "someone"}, True, 422, "FormErrors"),
          ("/account/register", None, None, {"EmailAddress": "new@example.org", "FirstName": "N", "LastName": "P"},
           True, 200, "FormSchema"),
          ("/account/recover", None, None, {"EmailAddress": "x@"}, True, 422, "FormErrors"),
          ("/personal-preferences/{Category}", "/personal-preferences/UserProfile", "customer", None, False, 200,
           "FormSchema"),
          ("/personal-preferences/{Category}", "/personal-preferences/Nope", "customer", None, False, 422,
           "FormErrors"),
          ("/personal-preferences/{Category}", "/personal-preferences/Security", None, None, False, 401, "Error"),
          ("/ticket", None, "customer", {"Title": "Contract", "Body": "form"}, True, 200, "FormSchema"),
          ("/ticket", None, "customer", {"Title": "Contract", "QueueID": "999999"}, True, 422, "FormErrors"),
          ("/ticket", None, "agent", None, False, 403, "Error"),
          ("/ticket/process", None, "customer", {"EndpointContext": "x"}, False, 200, "FormSchema"),
          ("/ticket/process/{ProcessEntityID}", "/ticket/process/{otrs_process}", "customer",
           {"EndpointContext": "x", "Title": "Laptop", "Body": "Please."}, True, 200, "FormSchema"),
          ("/ticket/process/{ProcessEntityID}", "/ticket/process/{otrs_process}", "customer", {}, False, 422,
           "FormErrors"),
          ("/ticket/{TicketID}/article", "/ticket/{otrs_ticket_id}/article", "customer",
           {"Subject": "Re", "Body": "More"}, True, 200, "FormSchema"),
          ("/ticket/{TicketID}/article", "/ticket/{otrs_ticket_id}/article", "otrs_loner", None, False, 403, "Error"),
          ("/ticket/{TicketID}/process", "/ticket/{otrs_process_ticket_id}/process", "customer",
           {"EndpointContext": "x"}, False, 200, "FormSchema"),
          ("/ticket/{TicketID}/process", "/ticket/{otrs_ticket_id}/process", "customer", {"EndpointContext": "x"},
           False, 422, "FormErrors"),
      )],
    # <<< forms
    # >>> docsearch: document search (the contract world's knowledge base and the customer's tickets),
    # the calendar feed's refusals, the package repository and its management
    Case(E, "POST", "/api/public/documentsearch", 200, who=None, body={"SearchQuery": "printer"},
         schema="DocumentSearchResult"),
    Case(E, "POST", "/api/public/documentsearch", 200, who="customer",
         body={"SearchQuery": "contract", "DocumentSearchType": "Ticket", "ActiveFilters": {"State": ["StateNew"]},
               "Page": "1", "SearchItemsPerPage": "5", "MaxSearchItems": "50", "FilterAggregations": "1",
               "LoadDocumentSearchTypes": "1", "LanguageFilter": "en"}, schema="DocumentSearchResult"),
    Case(E, "POST", "/api/public/documentsearch", 422, who=None, body={"SearchQuery": "printer", "Page": "0"},
         schema="Errors"),
    Case(E, "POST", "/api/public/documentsearch/simple", 200, who="customer",
         body={"SearchQuery": "printer", "LanguageFilter": "en"}, schema="SimpleDocumentSearchResult"),
    Case(E, "POST", "/api/public/documentsearch/simple", 422, who=None, body={}, schema="Errors"),
    Case(E, "GET", "/api/public/calendar", 422, who=None,
         url="/api/public/calendar?CalendarID=1&User=agent@example.com&Token=not-a-token", schema="Errors"),
    Case(E, "GET", "/api/public/calendar", 422, who=None, url="/api/public/calendar?CalendarID=1", schema="Errors"),
    Case(E, "GET", "/api/public/package/repository", 200, who=None,
         url="/api/public/package/repository?File=otrs.xml"),
    Case(E, "GET", "/api/public/package/repository", 404, who=None,
         url="/api/public/package/repository?File=Nothing-1.0.opm", schema="Error"),
    Case(E, "GET", "/api/public/package/repository", 422, who=None, url="/api/public/package/repository",
         schema="Errors"),
    Case(Z, "GET", "/api/v1/packages", 200),
    Case(Z, "GET", "/api/v1/packages", 403, who="agent"),
    Case(Z, "POST", "/api/v1/packages", 200, schema="Package", body={
        "filename": "FAQ-7.0.1.opm", "mime-type": "application/octet-stream",
        "data": base64.b64encode(b"<otrs_package version='1.0'><Name>FAQ</Name><Version>7.0.1</Version>"
                                 b"</otrs_package>").decode()}),
    Case(Z, "POST", "/api/v1/packages", 422, body={
        "filename": "x.opm", "mime-type": "application/octet-stream", "data": base64.b64encode(b"no xml").decode()}),
    Case(Z, "DELETE", "/api/v1/packages", 404, body={"id": 999999}),
    # <<< docsearch
]


def fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def make_ids(api) -> dict[str, int]:
    """Something of everything to ask about: a ticket with an attachment, an access token."""
    ticket = api.post("/api/v1/tickets", new_ticket_body())
    assert ticket.status == 201, ticket
    article = api.get(f"/api/v1/ticket_articles/by_ticket/{ticket.json['id']}").json[0]
    token = api.post("/api/v1/user_access_token", {"label": "listed", "permission": ["ticket.agent"]})
    assert token.status == 200, token
    token_id = api.get("/api/v1/user_access_token").json["tokens"][0]["id"]
    found = {"ticket_id": ticket.json["id"], "article_id": article["id"],
             "attachment_id": article["attachments"][0]["id"], "token_id": token_id}
    # >>> catalog: states, priorities, groups, roles
    made = {name: api.post(path, body) for name, path, body in (
        ("cat_state_id", "/api/v1/ticket_states", {"name": "Cat state", "state_type_id": 2}),
        ("cat_priority_id", "/api/v1/ticket_priorities", {"name": "Cat priority"}),
        ("cat_group_id", "/api/v1/groups", {"name": "Cat group"}))}
    assert all(reply.status == 201 for reply in made.values()), made
    found.update({name: reply.json["id"] for name, reply in made.items()})
    # <<< catalog
    # >>> directory: users and organizations
    dir_org = api.post("/api/v1/organizations", {"name": "Dir Org"})
    dir_user = api.post("/api/v1/users", {"firstname": "Dir", "email": "dir.user@example.org"})
    assert dir_org.status == 201 and dir_user.status == 201, (dir_org, dir_user)
    found.update(dir_user_id=dir_user.json["id"], dir_org_id=dir_org.json["id"],
                 demo_org_id=api.get("/api/v1/users/me", who="customer").json["organization_id"])
    # <<< directory
    # >>> ticket-links: tags, links, merge, history
    # by the agent: its own change notifies nobody it reads (the notifications block below reads the agent's)
    other = api.post("/api/v1/tickets", new_ticket_body(title="link and merge partner"), who="agent")
    tagged = api.post("/api/v1/tags/add", {"object": "Ticket", "o_id": ticket.json["id"], "item": "contract-tag"})
    linked = api.post("/api/v1/links/add", {"link_type": "normal", "link_object_target_value": ticket.json["id"],
                                            "link_object_source_number": other.json["number"]})
    assert other.status == 201 and tagged.status == 201 and linked.status == 201, (other, tagged, linked)
    found.update(tl_other_id=other.json["id"], tl_other_number=other.json["number"], tl_number=ticket.json["number"],
                 tl_tag_id=api.get("/api/v1/tag_list").json[0]["id"])
    # <<< ticket-links
    # >>> notifications: online notifications
    agent_notes = api.get("/api/v1/online_notifications", who="agent").json
    assert agent_notes and agent_notes[0]["o_id"] == ticket.json["id"], agent_notes
    found.update(notification_id=agent_notes[0]["id"])   # the agent's, about the ticket the admin created
    # <<< notifications
    # >>> object-attributes: custom ticket fields (object_manager_attributes)
    rank = api.post("/api/v1/object_manager_attributes", {"name": "contract_rank", "object": "Ticket",
                    "display": "Rank", "data_type": "integer", "data_option": {"min": 1, "max": 9}})
    migrated = api.post("/api/v1/object_manager_attributes_execute_migrations", {})
    assert rank.status == 201 and migrated.status == 200, (rank, migrated)
    found["oa_id"] = rank.json["id"]
    # <<< object-attributes
    # >>> sla-admin: calendars and SLAs
    used = api.post("/api/v1/calendars", {"name": "SLA calendar", "timezone": "Europe/Berlin"})
    spare = api.post("/api/v1/calendars", {"name": "Spare calendar"})
    assert used.status == 201 and spare.status == 201, (used, spare)
    gold = api.post("/api/v1/slas", {"name": "Contract gold", "calendar_id": used.json["id"], "solution_time": 480})
    assert gold.status == 201, gold
    found.update(sla_calendar_id=used.json["id"], sla_spare_calendar_id=spare.json["id"], sla_id=gold.json["id"])
    # <<< sla-admin
    # >>> otrs-openapi: the OTRS customer's things (otrs_ids below)
    found.update(otrs_ids(api, found))
    # <<< otrs-openapi
    # >>> rpc-openapi: RS4OTRS sessions and tickets (rpc_ids below)
    found.update(rpc_ids(api, found))
    # <<< rpc-openapi
    # >>> tickets-openapi: the Tickets API's X-Tokens and things (tickets_ids below)
    found.update(tickets_ids(api))
    # <<< tickets-openapi
    # >>> external-openapi: an inline image of the imprint, a custom field on the ticket overview
    found.update(external_ids(api))
    # <<< external-openapi
    # >>> chat: a chat of the demo customer's waiting for an agent, one the agent accepted (chat_ids below)
    found.update(chat_ids(api, found))
    # <<< chat
    return found


# >>> otrs-openapi: OTRS customer tokens and things to ask about
OTRS_TOKENS = "otrs_tokens"  # the key in a world's ids that caches its bearer tokens by `who`


def otrs_token(api, ids: dict[str, Any], who: str) -> str:
    """The bearer token of `who`, signed in through /api/customer/auth/login once per world. Agents cannot
    sign in there (422, like a wrong password): theirs is minted for the interface's audience, the token
    the 403 `Access denied.` answers are about."""
    tokens = ids.setdefault(OTRS_TOKENS, {})
    if who not in tokens:
        credentials = api.credentials[who]
        reply = api.post(OC + "/auth/login", {"Username": credentials["email"], "Password": credentials["password"]},
                         who=None)
        if reply.status == 200:
            tokens[who] = reply.json["Token"]
        else:
            from chalicelib import bootstrap
            from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
            container = bootstrap.container()
            user = container.user_store.by_email(credentials["email"])
            assert reply.status == 422 and "ticket.agent" in user.permissions, reply
            tokens[who] = container.authenticator.issue_jwt(user, OTRS_CUSTOMER_AUDIENCE)[0]
    return tokens[who]


def otrs_headers(api, ids: dict[str, Any], who: Optional[str]) -> dict[str, str]:
    return {} if who is None else {"Authentication": f"Bearer {otrs_token(api, ids, who)}"}


def otrs_ids(api, ids: dict[str, Any]) -> dict[str, Any]:
    """A ticket the customer created here with an uploaded attachment (its number, first article and
    attachment), an upload form holding `kept.txt`, a notification from an agent's public reply, a
    process ticket waiting for the customer's delivery dialog, a customer without organization
    (`otrs_loner`, signed in) and a password reset token of theirs."""
    from chalicelib import bootstrap
    from chalicelib.core.customer_accounts import token_hash
    from chalicelib.core.ports import ResetToken
    from chalicelib.core.processes import entity_id
    from chalicelib.storage.reset_tokens import ResetTokenStore
    from tests.api.otrs.test_process import agent_decides

    def otrs(method: str, path: str, body: Any = None, who: Optional[str] = "customer", raw: Optional[bytes] = None,
             headers: Optional[dict[str, str]] = None) -> Any:
        return api.request(method, OC + path, body=body, who=None, raw=raw,
                           headers={**otrs_headers(api, ids, who), **(headers or {})})

    attached = otrs("POST", "/upload/contract-ticket-form", raw=otrs_multipart("otrs.txt", b"otrs"),
                    headers=OTRS_MULTIPART)
    created = otrs("POST", "/ticket", {"Title": "OTRS contract", "Body": "otrs contract body",
                                       "FormID": "contract-ticket-form"})
    assert attached.status == 200 and created.status == 200, (attached, created)
    number = created.json["TicketNumber"]
    ticket = otrs("GET", f"/ticket/number/{number}").json["Ticket"]
    article = ticket["Articles"][0]
    kept = otrs("POST", "/upload/contract-form", raw=otrs_multipart("kept.txt", b"kept"), headers=OTRS_MULTIPART)
    assert kept.status == 200, kept
    container = bootstrap.container()
    customer = container.authenticator.otrs_customer({"authentication": f"Bearer {otrs_token(api, ids, 'customer')}"})
    content_id = container.uploads.files(customer, "contract-form")[0].content_id
    reply = api.post("/api/v1/ticket_articles", {"ticket_id": ticket["TicketID"], "body": "An agent's answer.",
                                                 "type": "note", "internal": False}, who="agent")
    assert reply.status == 201, reply
    notifications = otrs("GET", "/personal-notifications/list").json["List"]
    assert notifications, "the agent's public reply notifies the customer"
    process = entity_id("Process", "Hardware request")
    started = otrs("POST", f"/ticket/process/{process}", {**OTRS_PROCESS_CONTEXT, "Title": "A laptop", "Body": "Please."})
    assert started.status == 200, started
    agent_decides(api, started.json["TicketID"], state_id=2)  # approved: the customer's delivery dialog is next
    loner = api.post("/api/v1/users", {"firstname": "Lone", "lastname": "Customer", "email": "lone@example.net",
                                       "password": "lone-password-1", "roles": ["Customer"]})
    assert loner.status == 201 and not loner.json["organization_id"], loner
    api.credentials["otrs_loner"] = {"email": "lone@example.net", "password": "lone-password-1"}
    otrs_token(api, ids, "otrs_loner")
    now = container.clock.now()
    ResetTokenStore().create(ResetToken(token_hash(OTRS_RESET_TOKEN), loner.json["id"], now.isoformat(),
                                        int(now.timestamp()) + 3600))
    return {"otrs_ticket_id": ticket["TicketID"], "otrs_number": number, "otrs_article_id": article["ArticleID"],
            "otrs_attachment_id": article["Attachments"][0]["FileID"], "otrs_form_id": "contract-form",
            "otrs_content_id": content_id, "otrs_notification_id": notifications[0]["Marker"]["NotificationID"],
            "otrs_process": process, "otrs_process_ticket_id": started.json["TicketID"],
            "otrs_delivery_dialog": entity_id("ActivityDialog", "Delivery")}


def check_otrs_document_headers(name: str = O) -> list[str]:
    """Every response of an OTRS document promises `X-OTRS-API-Version`, as every answer carries it."""
    doc = document(name)
    missing = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for status, response in operation["responses"].items():
                header = dereference(doc, (dereference(doc, response).get("headers") or {}).get("X-OTRS-API-Version"))
                if not (header or {}).get("required"):
                    missing.append(f"{method.upper()} {path} {status}")
    return missing


def test_every_otrs_answer_documents_the_api_version_header():
    assert check_otrs_document_headers() == []
# <<< otrs-openapi


# >>> rpc-openapi: RS4OTRS sessions, the dispatcher's route table, answers
RPC_LOGINS = "rpc_logins"  # the key in a world's ids that caches the login answers by `who`


def rpc_routes() -> set[tuple[str, str]]:
    """The dispatcher's one route `/otrs/api/{group}/{name}` stands for its fixed METHODS table: each method
    is documented as a path of its own, GET and POST."""
    import app  # noqa: F401  (the blueprints and their method modules register on import)
    from chalicelib.api.rs4otrs.dialect import METHODS
    return {(verb, f"{RPC}/{group}/{name}") for group, name in METHODS for verb in ("GET", "POST")}


def rpc_login(api, ids: dict[str, Any], who: str) -> dict[str, Any]:
    """`who`'s auth/login answer (SessionValue, ChallengeToken), logged in once per world."""
    logins = ids.setdefault(RPC_LOGINS, {})
    if who not in logins:
        credentials = api.credentials[who]
        reply = api.post(RPC + "/auth/login", {"User": credentials["email"], "Password": credentials["password"]},
                         who=None)
        assert reply.status == 200 and reply.json["Response"] == "OK", reply
        logins[who] = reply.json
    return logins[who]


def rpc_request(api, ids: dict[str, Any], case: Case, url: str,
                params: Optional[dict[str, Any]]) -> tuple[str, Optional[dict[str, Any]], dict[str, Any]]:
    """(url, JSON body, the parameters as sent): `who`'s session added unless the case names its own; a GET
    carries them in the query string (arrays comma-separated), a POST in the body."""
    params = dict(params or {})
    if case.who is not None and RPC_SESSION not in params:
        params[RPC_SESSION] = rpc_login(api, ids, case.who)["SessionValue"]
    if case.method != "GET":
        return url, params, params
    query = {key: ",".join(map(str, value)) if isinstance(value, list) else str(value) for key, value in params.items()}
    return (f"{url}?{urlencode(query)}" if query else url), None, query


def rpc_ok_schema(template: str) -> Optional[str]:
    """The component of the method's OK answer: the first `oneOf` of its 200 (None for getAttachment's file)."""
    doc = document(R)
    response = dereference(doc, doc["paths"][template]["post"]["responses"]["200"])
    schema = response["content"]["application/json"]["schema"]
    first = schema.get("oneOf", [schema])[0].get("$ref", "")
    return None if first.endswith("/Error") else first.rsplit("/", 1)[-1]


def check_rpc_answer(case: Case, reply: Any) -> bool:
    """The call did what the case expects: OK in the method's OK shape (or getAttachment's file), or the
    error with its exact Message. True when the request was accepted."""
    if "json" not in reply.headers.get("content-type", ""):
        assert case.message is None, f"{case.id}: expected the error {case.message!r}, got a file"
        return True
    body = reply.json
    if case.message is None:
        assert body.get("Response") == "OK", f"{case.id}: expected OK, got {body}"
        ok_schema = case.schema or rpc_ok_schema(case.template)
        errors = schema_errors(R, component(R, ok_schema), body) if ok_schema else []
        assert not errors, f"{case.id}: the answer is not a {ok_schema}:\n" + "\n".join(errors)
        return True
    assert body == {"Response": "ERROR", "Message": case.message}, f"{case.id}: got {body}"
    return False


def rpc_ids(api, ids: dict[str, Any]) -> dict[str, Any]:
    """The agent's and the admin's sessions (before the world is saved, so every case finds them), the
    agent's credentials, a group only admins work in with a ticket there, and a ticket the contract SLA
    applies to."""
    agent, customer = api.credentials["agent"], api.credentials["customer"]
    for who in ("agent", "admin"):
        rpc_login(api, ids, who)
    group = api.post("/api/v1/groups", {"name": "RPC Sales"})  # admins only; its own, so no other case's group
    foreign = api.post("/api/v1/tickets", new_ticket_body(group="RPC Sales"))
    assert group.status == 201 and foreign.status == 201, (group, foreign)
    session = {RPC_SESSION: rpc_login(api, ids, "agent")["SessionValue"]}
    created = api.post(RPC + "/tickets/createTicket", {**session, "Title": "RPC SLA", "QueueID": 1, "PriorityID": 2,
                                                        "Body": "b", "CustomerUserID": "nicole.braun@example.com"},
                       who=None)
    assert created.json["Response"] == "OK", created
    listed = api.post(RPC + "/tickets/getTicketList", {**session, "TicketID": created.json["TicketID"]}, who=None)
    assert listed.json["Tickets"][0]["SLAID"] == ids["sla_id"], listed  # the contract SLA applies to every ticket
    return {"rpc_agent_user": agent["email"], "rpc_agent_password": agent["password"],
            "rpc_customer_password": customer["password"], "rpc_agent_id": agent["id"],
            "rpc_challenge": ids[RPC_LOGINS]["agent"]["ChallengeToken"], "rpc_foreign_ticket_id": foreign.json["id"],
            "rpc_sla_ticket_id": created.json["TicketID"], "rpc_group_id": group.json["id"]}


# Documents whose operations are not the Chalice routes under their prefixes: what to compare them with instead.
ROUTE_TABLES = {R: rpc_routes}


def rpc_request_schema(path: str) -> dict[str, Any]:
    """The component a method's POST body is (`<Method>Request`)."""
    doc = document(R)
    body = dereference(doc, doc["paths"][path]["post"]["requestBody"])["content"]["application/json"]["schema"]
    return doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]


def rpc_property_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A body property's schema without its description (`allOf: [$ref]` is how a `$ref` gets one)."""
    schema = {key: value for key, value in prop.items() if key != "description"}
    return schema["allOf"][0] if list(schema) == ["allOf"] and len(schema["allOf"]) == 1 else schema


def test_rs4otrs_get_takes_the_post_body_as_query_parameters():
    """GET and POST of a method take the same parameters, with the same schemas and the same required
    ones; objects (File, DynamicFields) only in a POST body, as a query string cannot carry them."""
    doc, schemas = document(R), document(R)["components"]["schemas"]
    problems = []
    for path, item in doc["paths"].items():
        body = rpc_request_schema(path)
        query = {p["name"]: p for p in (dereference(doc, p) for p in item["get"].get("parameters", []))}
        for name, prop in body["properties"].items():
            schema = rpc_property_schema(prop)
            target = schemas.get(schema.get("$ref", "/").rsplit("/", 1)[-1], schema)
            param = query.pop(name, None)
            if target.get("type") == "object":
                problems += [f"{path}: {name} is an object, a query string cannot carry it"] if param else []
            elif param is None:
                problems.append(f"{path}: {name} is in the POST body, not in the GET query")
            elif schema != param["schema"] or bool(param.get("required")) != (name in body.get("required", [])):
                problems.append(f"{path}: {name} differs between GET and POST")
        problems += [f"{path}: GET {name} is not in the POST body" for name in query]
    assert not problems, "\n".join(problems)


def test_rs4otrs_documents_the_session_exactly_where_the_method_needs_it():
    routes = rpc_routes()  # imports the app: every method module has registered
    from chalicelib.api.rs4otrs.dialect import METHODS
    assert routes and METHODS
    for (group, name), method in METHODS.items():
        required = rpc_request_schema(f"{RPC}/{group}/{name}").get("required", [])
        assert (RPC_SESSION in required) == method.session, f"{group}/{name}"


def test_every_rs4otrs_method_has_an_ok_and_an_error_case():
    """At least one accepted call per method (updateService cannot be: no services exist) and the session,
    ticket, permission and required-field errors among the cases."""
    ok = {case.template for case in CASES if case.document == R and case.message is None}
    missing = sorted({path for _, path in rpc_routes()} - ok - {RPC + "/tickets/updateService"})
    assert not missing, f"no OK case for {missing}"
    messages = {case.message or "" for case in CASES if case.document == R}
    for expected in (RPC_SESSION_INVALID, "No ticket", "No permission", "Required fields is not defined: "):
        assert any(m.startswith(expected) for m in messages), expected
# <<< rpc-openapi


# >>> tickets-openapi: X-Tokens and things to ask about
from contextlib import contextmanager  # noqa: E402

TK_TOKENS = "tk_tokens"  # the key in a world's ids that holds the X-Tokens by `who`


def tickets_ids(api) -> dict[str, Any]:
    """X-Tokens of the customer and the agent, made as clients make them (before the world is saved, so every
    case finds them); the customer's open ticket with an agent's public reply and internal note, a closed
    one, a waiting upload, and another customer's ticket."""
    from tests.api.otrs.test_tickets import add_customer
    from tests.api.tickets_api.conftest import TicketsApi
    from tests.api.tickets_api.test_comments import agent_reply
    tapi = TicketsApi(api)
    add_customer(api, "tk_stranger", "tk.stranger@example.net")
    foreign = tapi.post("/tickets", TK_NEW, who="tk_stranger")
    assert foreign.status == 200, foreign
    mine, closed = tapi.create(summary="Contract ticket"), tapi.create(summary="Contract closed ticket")
    assert tapi.post(f"/tickets/{closed['number']}/close", {}).status == 200
    reply = agent_reply(tapi, mine["number"], "An agent's answer.")
    internal = agent_reply(tapi, mine["number"], "Agents only.", internal=True)
    return {TK_TOKENS: {who: tapi.token(who) for who in ("customer", "agent")}, "tk_number": mine["number"],
            "tk_closed_number": closed["number"], "tk_foreign_number": foreign.json["number"],
            "tk_reply_id": reply["id"], "tk_internal_id": internal["id"], "tk_file_id": tapi.upload()["id"]}


def tickets_headers(ids: dict[str, Any], who: Optional[str]) -> dict[str, str]:
    return {} if who is None else {"X-Token": ids[TK_TOKENS][who]}


class FullWindows:
    """Rate windows that are always full: every request is one too many."""

    def hit(self, key: str, window_start: int, expires_at: int) -> int:
        return 2 ** 31


@contextmanager
def tickets_rate_limit(case: Case) -> Iterator[None]:
    """A Tickets API case expecting 429 runs against a full window (a minute's first half: Retry-After 30)."""
    if case.document != TK or case.status != 429:
        yield
        return
    from datetime import datetime, timezone

    from chalicelib import bootstrap
    from chalicelib.core.rate_limit import RateLimiter
    from tests.api.tickets_api.test_files_and_access import FrozenClock
    container = bootstrap.container()
    kept = container.tickets_api_rate
    container.tickets_api_rate = RateLimiter(FullWindows(), FrozenClock(datetime(2030, 5, 1, 12, 0, 30,
                                                                                 tzinfo=timezone.utc)), limit=1)
    try:
        yield
    finally:
        container.tickets_api_rate = kept


def test_every_tickets_api_operation_has_a_success_case():
    succeeded = {(case.method, case.template) for case in CASES if case.document == TK and case.status == 200}
    assert succeeded == documented_routes(TK)
# <<< tickets-openapi


# >>> external-openapi: the external frontend's things to ask about, its answers' version header
def external_ids(api) -> dict[str, Any]:
    """An inline image on the imprint page, and make_ids' custom field `contract_rank` turned on in the ticket
    overview, so its DynamicFieldsConfig has an entry to check; and the public knowledge base's things."""
    from chalicelib import bootstrap
    from chalicelib.bootstrap import solid_png
    from chalicelib.core import frontend_content as fc
    from chalicelib.core.model import Principal
    container = bootstrap.container()
    admin = container.user_store.by_email(container.settings.admin_email)
    actor, content = Principal(user=admin, permissions=admin.permissions), container.frontend_content
    page = content.custom_page("imprint", "en")
    content.put_page_image(actor, page.id, "photo.png", "image/png", solid_png((1, 2, 3)))
    overview = content.setting_value(fc.TICKET_OVERVIEW)
    content.put_setting(actor, fc.TICKET_OVERVIEW, {**overview, "DynamicField": {"contract_rank": 1}})
    assert content.dynamic_fields({"contract_rank": 1}), "contract_rank is a usable custom field"
    return {"ext_page_id": page.id, **kb_ids(api)}


def kb_ids(api) -> dict[str, Any]:
    """Made through /api/v1 as agents make them: a published article with a symptom, a tag and a file, a
    related one this test client's visitor has voted on, and a draft with a file in a category of its own."""
    from tests.api.zammad.test_knowledge_base import KB, attachment_body, create_answer, create_category
    hardware = create_category(api, "Contract hardware", comment="Printers and more.", who="admin")
    drafts = create_category(api, "Contract drafts", who="admin")
    article = create_answer(api, hardware["id"], "Printer shows E42", "<p>Reset the printer toner.</p>",
                            fields={"symptom": "E42 on the display"}, tags=["printer"], who="admin")
    voted = create_answer(api, hardware["id"], "Printer paper jam", "<p>Open the printer tray.</p>", who="admin")
    draft = create_answer(api, drafts["id"], "Draft printer note", publish=False, who="admin")
    for answer in (article, draft):
        reply = api.post(f"{KB}/answers/{answer['id']}/attachments", attachment_body("guide.txt", b"guide me"))
        assert reply.status == 200, reply
    shown = api.get(f"{KBP}/article/{article['id']}", who=None)
    vote = api.post(f"{KBP}/article/{voted['id']}/vote/send", {"Vote": "Yes"}, who=None)
    assert shown.status == 200 and vote.status == 200, (shown, vote)
    draft_file = api.get(f"{KB}/answers/{draft['id']}").json["assets"]["KnowledgeBaseAnswerTranslationContent"]
    return {"kb_category_id": hardware["id"], "kb_draft_category_id": drafts["id"], "kb_article_id": article["id"],
            "kb_attachment_id": shown.json["Attachments"][0]["AttachmentID"], "kb_voted_id": voted["id"],
            "kb_draft_id": draft["id"],
            "kb_draft_attachment_id": next(iter(draft_file.values()))["attachments"][0]["id"]}


def test_every_external_answer_documents_the_api_version_header():
    assert check_otrs_document_headers(E) == []
# <<< external-openapi


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Any, dict[str, int], StoreState]]:
    """Built once: the store with something of everything, saved so each case starts from it."""
    with provisioned_api() as api:
        ids = make_ids(api)
        yield api, ids, StoreState.save()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_real_answer_matches_document(world, case):
    api, ids, saved = world
    saved.restore()  # what an earlier case changed is gone: every case sees the same store
    check_case(api, ids, case)


def check_case(api, ids: dict[str, int], case: Case) -> None:
    assert case.document in DOCUMENTS, f"{case.document} is not in DOCUMENTS"
    url = (case.url or case.template).format(**ids)
    who, headers, body = case.who, case.headers, fill(case.body, ids)
    sent = body  # the parameters the document must allow when the request is accepted
    if case.document in (O, E):  # the OTRS interfaces take their own bearer tokens, not Basic auth
        who, headers = None, {**otrs_headers(api, ids, case.who), **case.headers}
    if case.document == R:  # the RS4OTRS session is a parameter: in the JSON body (POST) or the query (GET)
        url, body, sent = rpc_request(api, ids, case, url, body)
        who = None
    if case.document == TK:  # the Tickets API takes a customer's X-Token, not Basic auth
        who, headers = None, {**tickets_headers(ids, case.who), **case.headers}
    with tickets_rate_limit(case):
        reply = api.request(case.method, url, body=body, who=who, headers=headers, raw=case.raw)
    assert reply.status == case.status, f"{case.method} {url}: expected {case.status}, got {reply!r}"
    check_reply(case.document, case.method, case.template, reply, case.schema)
    if case.document == R:  # HTTP 200 either way: the answer itself says whether the call was accepted
        accepted = check_rpc_answer(case, reply)
    else:
        accepted = 200 <= case.status < 300
    if case.body is not None and accepted:  # an accepted request is one the document allows
        check_sent(case.document, case.method, case.template, sent)


def test_cases_use_documented_operations():
    for case in CASES:
        operation = document(case.document)["paths"].get(case.template, {}).get(case.method.lower())
        assert operation is not None, f"{case.id}: {case.method} {case.template} is not in {case.document}"
        assert documents_status(case.document, operation, case.status), f"{case.id}: status not documented"


def documents_status(name: str, operation: dict[str, Any], status: int) -> bool:
    """The status is listed, or is the one a `default` response stands for (`x-status`: OTRS's custom
    900, which OpenAPI 3.0 cannot list)."""
    responses = operation["responses"]
    default = dereference(document(name), responses.get("default")) or {}
    return str(status) in responses or default.get("x-status") == status


def test_contract_check_catches_a_wrong_body():
    """The checker itself: wrong types, missing keys, the wrong shape and undocumented statuses fail."""
    class Reply:
        headers = {"content-type": "application/json; charset=utf-8"}
        body = b"{}"

        def __init__(self, json_body: Any, status: int = 200) -> None:
            self.json = json_body
            self.status = status

    required = document(Z)["components"]["schemas"]["Ticket"]["required"]
    with pytest.raises(AssertionError, match="does not match"):
        check_reply(Z, "GET", "/api/v1/tickets", Reply([{key: None for key in required}]))  # ids are not nullable
    with pytest.raises(AssertionError, match="does not match"):
        check_reply(Z, "GET", "/api/v1/users/me", Reply({"id": 1}))
    with pytest.raises(AssertionError, match="not a TicketExpanded"):
        ticket = {key: None for key in required}
        ticket.update({key: 1 for key in ("id", "group_id", "priority_id", "state_id", "owner_id", "customer_id",
                                          "article_count", "updated_by_id", "created_by_id")})
        ticket.update(number="1", title="t", preferences={}, created_at="2024-01-01T00:00:00.000Z",
                      updated_at="2024-01-01T00:00:00.000Z")
        check_reply(Z, "GET", "/api/v1/tickets", Reply([ticket]), "Ticket")  # a valid plain ticket passes
        check_reply(Z, "GET", "/api/v1/tickets", Reply([ticket]), "TicketExpanded")
    with pytest.raises(AssertionError, match="does not document"):
        check_reply(Z, "GET", "/api/v1/users/me", Reply({"error": "x", "error_human": "x"}, status=404))


# >>> chat: the chats the contract cases ask about
def chat_ids(api, ids: dict[str, Any]) -> dict[str, Any]:
    """Two chats the demo customer requested with their OTRS token (one waiting, one the demo agent accepted)
    and a chat topic nothing refers to."""
    headers = otrs_headers(api, ids, "customer")
    made = [api.post("/api/public/chat/request-create", {"Message": f"Contract chat {n}"}, who=None, headers=headers)
            for n in (1, 2)]
    assert all(reply.status == 200 for reply in made), made
    waiting_id, active_id = (reply.json["ChatID"] for reply in made)
    accepted = api.post(f"/api/v1/chat_sessions/{active_id}/accept", who="agent")
    spare = api.post("/api/v1/chats", {"name": "Contract spare topic"})
    assert accepted.status == 200 and spare.status == 201, (accepted, spare)
    customer = api.get("/api/v1/users/me", who="customer").json
    return {"chat_waiting_id": waiting_id, "chat_active_id": active_id, "chat_agent_id": accepted.json["user_id"],
            "chat_customer_id": customer["id"], "chat_customer_login": customer["login"],
            "chat_spare_topic_id": spare.json["id"]}
# <<< chat
