"""The operations the benchmark measures: ONE registry, one row per operation.

A dialect adds its operations by appending `Operation` rows to `OPERATIONS` (or registering them
with `register`): a name, an optional setup (run once per table size, not measured), and the i-th
HTTP request to send through `chalice.test.Client`. The harness (bench/run.py) does the rest:
warm-up, repetitions, latency, AWS call counts and the tables.
"""
from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlencode

from .seed import COHORT, COMMON_WORD, Seeded

ATTACHMENT = random.Random(10).randbytes(10 * 1024)  # 10 KB, incompressible, same every run
ATTACHMENT_B64 = base64.b64encode(ATTACHMENT).decode()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None                 # JSON-encoded unless bytes
    who: Optional[str] = "admin"     # whose Basic credentials ("admin", "agent"), or None
    headers: Mapping[str, str] = field(default_factory=dict)


class Context:
    """What an operation sees: the client, the seeded store, and helpers to call the API."""

    def __init__(self, client: Any, seeded: Seeded) -> None:
        self.client = client
        self.seeded = seeded

    def headers(self, who: Optional[str], extra: Mapping[str, str]) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "*/*"}
        if who is not None:
            person = {"admin": self.seeded.admin, "agent": self.seeded.agent}[who]
            token = base64.b64encode(f"{person.email}:{person.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        headers.update(extra)
        return headers

    def send(self, request: Request) -> Any:
        body = request.body
        payload = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        return self.client.http.request(request.method, request.path, headers=self.headers(request.who,
                                                                                           request.headers),
                                        body=payload)

    def json(self, request: Request, status: int = 200) -> Any:
        """For setups: send, insist on the status, return the JSON body."""
        response = self.send(request)
        if response.status_code != status:
            raise RuntimeError(f"{request.method} {request.path}: {response.status_code} {response.body[:300]!r}")
        return json.loads(response.body)

    def spread(self, i: int) -> int:
        """The i-th of the seeded tickets, spread over the whole id range."""
        ids = self.seeded.ticket_ids
        return ids[(i * 7919) % len(ids)]


@dataclass(frozen=True)
class Operation:
    name: str
    call: Callable[[Context, Any, int], Request]         # the i-th request (i = 0 is the warm-up)
    setup: Callable[[Context], Any] = lambda ctx: None   # once per table size, not measured
    status: int = 200
    flat: bool = True   # its cost must not grow with the table (the smoke test checks the calls)
    dialect: str = "zammad"
    note: str = ""


OPERATIONS: list[Operation] = []


def register(*operations: Operation) -> None:
    names = {op.name for op in OPERATIONS}
    for op in operations:
        if op.name in names:
            raise ValueError(f"operation {op.name!r} is registered twice")
        names.add(op.name)
        OPERATIONS.append(op)


# --- Zammad (/api/v1) ----------------------------------------------------------------------------

def new_ticket(ctx: Context, i: int) -> dict[str, Any]:
    """The same text every time, so every create writes the same number of index items."""
    customers = ctx.seeded.customer_ids
    return {
        "title": "Scanner in the mail room rejects every job", "group": "Sales",
        "customer_id": customers[i % len(customers)],
        "article": {
            "subject": "Scanner in the mail room rejects every job", "type": "phone", "internal": False,
            "body": "The scanner shows a paper size error for every document since Monday.",
            "attachments": [{"filename": "scan-log.pdf", "data": ATTACHMENT_B64, "mime-type": "application/pdf"}],
        },
    }


def _attachment_setup(ctx: Context) -> str:
    """A ticket with a 10 KB attachment, created through the API; returns its download path."""
    ticket = ctx.json(Request("POST", "/api/v1/tickets", new_ticket(ctx, 0)), 201)
    article_id = ticket["article_ids"][0]
    article = ctx.json(Request("GET", f"/api/v1/ticket_articles/{article_id}"))
    return f"/api/v1/ticket_attachment/{ticket['id']}/{article_id}/{article['attachments'][0]['id']}"


def _search(query: str) -> str:
    return "/api/v1/tickets/search?" + urlencode({"query": query, "limit": 50})


register(
    Operation(
        "create ticket (1 article, 10 KB attachment)",
        lambda ctx, _, i: Request("POST", "/api/v1/tickets", new_ticket(ctx, i)), status=201,
        note="counters, S3 PutObject, one transaction, then the search tokens"),
    Operation(
        "show ticket",
        lambda ctx, _, i: Request("GET", f"/api/v1/tickets/{ctx.spread(i)}")),
    Operation(
        "list tickets, page of 50 (admin)",
        lambda ctx, _, i: Request("GET", "/api/v1/tickets?page=1&per_page=50")),
    Operation(
        "list tickets, page of 50 (agent, 4 groups)",
        lambda ctx, _, i: Request("GET", "/api/v1/tickets?page=1&per_page=50", who="agent"),
        note="one index Query per readable group, merged"),
    Operation(
        f"search, one word with {COHORT} hits",
        lambda ctx, _, i: Request("GET", _search(ctx.seeded.full_cohorts[(i * 13) % len(ctx.seeded.full_cohorts)]))),
    Operation(
        "search, common word (hits grow with the table)",
        lambda ctx, _, i: Request("GET", _search(COMMON_WORD)), flat=False,
        note="reads every hit up to the 1,000-id cap, then loads those tickets"),
    Operation(
        "add article",
        lambda ctx, _, i: Request("POST", "/api/v1/ticket_articles", {
            "ticket_id": ctx.spread(i + 1000), "body": "Thanks, we are looking into it.", "type": "note",
            "internal": False}),
        status=201),
    Operation(
        "download attachment (10 KB)",
        lambda ctx, path, i: Request("GET", path), setup=_attachment_setup),
)
register(
    Operation(
        "show user",
        lambda ctx, _, i: Request("GET", f"/api/v1/users/{ctx.seeded.customer_ids[i % len(ctx.seeded.customer_ids)]}")),
    Operation(
        "list users, page of 50",
        lambda ctx, _, i: Request("GET", "/api/v1/users?page=1&per_page=50")),
    Operation(
        "search users, one word",
        lambda ctx, _, i: Request("GET", "/api/v1/users/search?" + urlencode({"query": "customer7", "limit": 50})),
        note="the directory's own token index, then one BatchGet"),
)
register(
    Operation(
        "add tag",
        lambda ctx, _, i: Request("POST", "/api/v1/tags/add", {"object": "Ticket", "o_id": ctx.spread(i + 2000),
                                                                "item": f"bench-{i % 5}"}),
        status=201, note="tag item and its count in one transaction, a history line"),
    Operation(
        "ticket history",
        lambda ctx, _, i: Request("GET", f"/api/v1/ticket_history/{ctx.spread(i)}")),
    Operation(
        "online notifications, page of 50 (agent)",
        lambda ctx, _, i: Request("GET", "/api/v1/online_notifications?page=1&per_page=50", who="agent")),
)
# >>> otrs: the OTRS customer interface, as one seeded customer (a JWT issued in the setup)


def _otrs_setup(ctx: Context) -> dict[str, Any]:
    """A token for the first seeded customer and the tickets that customer owns (every 24th)."""
    from chalicelib import bootstrap
    from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
    container = bootstrap.container()
    customer = container.user_store.get(ctx.seeded.customer_ids[0])
    token, _ = container.authenticator.issue_jwt(customer, OTRS_CUSTOMER_AUDIENCE)
    return {"headers": {"Authentication": f"Bearer {token}"},
            "tickets": ctx.seeded.ticket_ids[::len(ctx.seeded.customer_ids)]}


def _otrs(method: str, path: str, state: dict[str, Any], body: Any = None) -> Request:
    return Request(method, "/api/customer" + path, body, who=None, headers=state["headers"])


register(
    Operation(
        "OTRS: ticket list, page of 10 (customer)",
        lambda ctx, s, i: _otrs("GET", "/ticket/list?StateFilter=All&TicketsPerPage=10", s), setup=_otrs_setup,
        flat=False, dialect="otrs",
        note="the customer's newest tickets, up to the 1,000 the core's search reads, then sorted and paged"),
    Operation(
        "OTRS: ticket details (customer)",
        lambda ctx, s, i: _otrs("GET", f"/ticket/id/{s['tickets'][i % len(s['tickets'])]}", s), setup=_otrs_setup,
        dialect="otrs"),
    Operation(
        "OTRS: create ticket (customer)",
        lambda ctx, s, i: _otrs("POST", "/ticket", s, {"Title": f"Bench {i}", "Body": "Created by the benchmark."}),
        setup=_otrs_setup, dialect="otrs"),
    Operation(
        "OTRS: follow-up article (customer)",
        lambda ctx, s, i: _otrs("POST", f"/ticket/{s['tickets'][0]}/article", s,
                                {"Subject": "More", "Body": "Any news?"}),
        setup=_otrs_setup, dialect="otrs", note="on the customer's first ticket every time: the same work"),
)
# <<< otrs
# >>> rs4otrs and tickets-api: the agent RPC and the numbered Tickets API


def _rpc_setup(ctx: Context) -> dict[str, Any]:
    """The bench agent's RS4OTRS session (a JWT issued in the setup, as /auth/login would give it)."""
    from chalicelib import bootstrap
    from chalicelib.auth.authorizers import RS4OTRS_AUDIENCE
    container = bootstrap.container()
    agent = container.user_store.get(ctx.seeded.agent.id)
    return {"OTRSAgentInterface": container.authenticator.issue_jwt(agent, RS4OTRS_AUDIENCE)[0]}


def _rpc(group: str, name: str, session: dict[str, Any], **params: Any) -> Request:
    return Request("POST", f"/otrs/api/{group}/{name}", {**session, **params}, who=None)


def _x_token_setup(ctx: Context) -> dict[str, Any]:
    """A personal access token of the first seeded customer, and that customer's ticket numbers."""
    from chalicelib import bootstrap
    from chalicelib.core.model import Principal
    container = bootstrap.container()
    customer = container.user_store.get(ctx.seeded.customer_ids[0])
    principal = Principal(user=customer, permissions=customer.permissions)
    _, raw = container.access_tokens.create(principal, "bench", ["ticket.customer"], None)
    numbers = [container.tickets.tickets.get(tid).number for tid in ctx.seeded.ticket_ids[::len(ctx.seeded.customer_ids)][:50]]
    return {"headers": {"X-Token": raw}, "numbers": numbers}


def _x(method: str, path: str, state: dict[str, Any], body: Any = None) -> Request:
    return Request(method, "/api/tickets/v1" + path, body, who=None, headers=state["headers"])


register(
    Operation(
        "RS4OTRS: getTicketList, 20 (agent)",
        lambda ctx, s, i: _rpc("tickets", "getTicketList", s, Limit=20), setup=_rpc_setup, flat=False,
        dialect="rs4otrs", note="the newest tickets of the agent's groups, up to the core's 1,000, then paged"),
    Operation(
        "RS4OTRS: updateTitle (agent)",
        lambda ctx, s, i: _rpc("tickets", "updateTitle", s, TicketID=ctx.spread(i + 3000), Title=f"Renamed {i}"),
        setup=_rpc_setup, dialect="rs4otrs"),
    Operation(
        "Tickets API: ticket by number (customer)",
        lambda ctx, s, i: _x("GET", f"/tickets/{s['numbers'][0]}", s), setup=_x_token_setup, dialect="tickets",
        note="the same ticket each time: the first read also marks its comments read (a write)"),
    Operation(
        "Tickets API: create ticket (customer)",
        lambda ctx, s, i: _x("POST", "/tickets", s, {"summary": f"Bench {i}", "comment_body": "From the bench."}),
        setup=_x_token_setup, dialect="tickets"),
)
# <<< rs4otrs and tickets-api
# >>> chat: a visitor's chat (cookie) and a customer's (token), both accepted by the agent, and the agent's queue
CHAT_VISITOR_SECRET = "bench-visitor-secret-".ljust(43, "0")  # a requester secret's shape: 43 url-safe chars


def _chat_setup(ctx: Context) -> dict[str, Any]:
    """A chat topic (made once per store), a visitor's and a customer's chat the agent accepted, and one chat
    waiting in the queue."""
    from chalicelib import bootstrap
    from chalicelib.auth.authorizers import OTRS_CUSTOMER_AUDIENCE
    topics = ctx.json(Request("GET", "/api/v1/chats"))
    if not any(topic["name"] == "Bench chat" for topic in topics):
        ctx.json(Request("POST", "/api/v1/chats", {"name": "Bench chat", "max_queue": 1000}), 201)
    container = bootstrap.container()
    customer = container.user_store.get(ctx.seeded.customer_ids[0])
    token, _ = container.authenticator.issue_jwt(customer, OTRS_CUSTOMER_AUDIENCE)
    state: dict[str, Any] = {"visitor": {"Cookie": f"OTRSChatRequester={CHAT_VISITOR_SECRET}"},
                             "customer": {"Authentication": f"Bearer {token}"}}
    for who in ("visitor", "customer", "waiting"):
        headers = state["customer" if who == "waiting" else who]
        chat = ctx.json(Request("POST", "/api/public/chat/request-create", {"Message": "Benchmark chat"}, who=None,
                                headers=headers))
        state[f"{who}_chat"] = chat["ChatID"]
        if who != "waiting":
            ctx.json(Request("POST", f"/api/v1/chat_sessions/{chat['ChatID']}/accept", who="agent"))
    return state


def _public_chat(method: str, path: str, state: dict[str, Any], body: Any = None) -> Request:
    return Request(method, "/api/public/chat" + path, body, who=None, headers=state["visitor"])


register(
    Operation(
        "Chat: send a message (visitor)",
        lambda ctx, s, i: _public_chat("POST", "/send-message", s, {"ChatID": s["visitor_chat"], "Message": f"m{i}"}),
        setup=_chat_setup, dialect="otrs", note="the chat's header and the message in one conditional transaction"),
    Operation(
        "Chat: history (visitor)",
        lambda ctx, s, i: _public_chat("GET", "/history", s), setup=_chat_setup, dialect="otrs",
        note="the requester's newest chats (index), then each chat's messages"),
    Operation(
        "Chat: new messages (customer, OTRS-31)",
        lambda ctx, s, i: Request("GET", f"/api/frontend/external/chat/{s['customer_chat']}/messages?FromMessageID=2",
                                  who=None, headers=s["customer"]),
        setup=_chat_setup, dialect="otrs"),
    Operation(
        "Chat: waiting queue (agent)",
        lambda ctx, s, i: Request("GET", "/api/v1/chat_sessions?state=waiting&per_page=20", who="agent"),
        setup=_chat_setup, note="one Query per chat topic"),
    Operation(
        "Chat: reply (agent)",
        lambda ctx, s, i: Request("POST", f"/api/v1/chat_sessions/{s['customer_chat']}/messages",
                                  {"content": f"reply {i}"}, who="agent"),
        setup=_chat_setup, status=201),
)
# <<< chat
# >>> forms: the external frontend's form schemas, validating what a customer typed (nothing is written)
def _form(path: str, state: dict[str, Any], body: Any) -> Request:
    return Request("POST", "/api/frontend/external/form" + path, body, who=None,
                   headers={**state["headers"], "X-OTRS-API-ValidateFormData": "1"})


register(
    Operation(
        "OTRS forms: validate a new ticket (customer)",
        lambda ctx, s, i: _form("/ticket", s, {"Title": f"Bench {i}", "Body": "Validated by the benchmark."}),
        setup=_otrs_setup, dialect="otrs", note="the catalog, the create screen's setting, no write"),
    Operation(
        "OTRS forms: validate a follow-up (customer)",
        lambda ctx, s, i: _form(f"/ticket/{s['tickets'][i % len(s['tickets'])]}/article", s,
                                {"Subject": "More", "Body": "Any news?"}),
        setup=_otrs_setup, dialect="otrs", note="reads the ticket (whose it is, its queue's follow-up rule)"),
)
# <<< forms
# >>> docsearch: document search (anonymous: the knowledge base; a customer: also the own tickets), the
# calendar feed of an agent (a personal access token made in the setup), the package repository index
def _calendar_setup(ctx: Context) -> dict[str, Any]:
    from chalicelib import bootstrap
    from chalicelib.core.model import Principal
    container = bootstrap.container()
    agent = container.user_store.by_email(ctx.seeded.agent.email)
    _, raw = container.access_tokens.create(Principal(user=agent, permissions=agent.permissions), "bench feed",
                                            ["ticket.agent"], None)
    return {"query": urlencode({"CalendarID": 1, "User": agent.login, "Token": raw})}


def _document_search(body: dict[str, Any], state: Optional[dict[str, Any]] = None, simple: bool = False) -> Request:
    return Request("POST", "/api/public/documentsearch" + ("/simple" if simple else ""), body, who=None,
                   headers=(state or {}).get("headers", {}))


register(
    Operation(
        "OTRS document search: knowledge base (anonymous)",
        lambda ctx, s, i: _document_search({"SearchQuery": COMMON_WORD}), dialect="otrs",
        note="one knowledge-base snapshot read; no ticket is looked at"),
    Operation(
        "OTRS document search: order number (customer)",
        lambda ctx, s, i: _document_search(
            {"SearchQuery": ctx.seeded.full_cohorts[i % len(ctx.seeded.full_cohorts)]}, s),
        setup=_otrs_setup, dialect="otrs", note="the token index's hits for the word, then the customer's of them"),
    Operation(
        "OTRS document search: common word, simple (customer)",
        lambda ctx, s, i: _document_search({"SearchQuery": COMMON_WORD}, s, simple=True), setup=_otrs_setup, flat=False,
        dialect="otrs", note="hits of a common word grow with the table, up to the core search's cap"),
    Operation(
        "OTRS calendar feed (agent's token)",
        lambda ctx, s, i: Request("GET", "/api/public/calendar?" + s["query"], who=None), setup=_calendar_setup,
        flat=False, dialect="otrs",
        note="the agent's own tickets among the newest 1,000 of the agent's groups (the core's owner_id search)"),
    Operation(
        "OTRS package repository index",
        lambda ctx, s, i: Request("GET", "/api/public/package/repository?File=otrs.xml", who=None), dialect="otrs",
        note="one Query of the package entries"),
)
# <<< docsearch
