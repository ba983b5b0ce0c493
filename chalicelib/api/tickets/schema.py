"""The numbered Tickets API's shapes (seed 004): request parsing with every documented constraint, and the
ticket, comment, vote, topic and file renderers.

Errors: a request that breaks the documented schema (a type, a length, a range, a format, a required
field, only_opened with only_closed) is a 400 naming every offending field; a well-formed request naming
something unusable (an unknown topic_key, a file uuid that is not the caller's) is a 422 from the core.
Both bodies are `{"error": ..., "error_human": ..., "errors": [{"field": ..., "message": ...}]}`.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

from ...core.client_tickets import FILES_PREFERENCE, KEEP, TICKET_SCORES, Topic
from ...core.errors import DomainError, InvalidInput
from ...core.model import Article, Attachment, ClientDetails, ClientFile, Principal, State, Ticket, TicketExtras, Vote
from ...core.text import html_to_text
from ...core.users import EMAIL

SUMMARY_MAX = 255
BODY_MAX = 50_000
FILES_MAX = 10
ITEMS_PER_PAGE_DEFAULT, ITEMS_PER_PAGE_MAX = 10, 1000
INT32_MAX = 2 ** 31 - 1
MAX_PATH_DIGITS = 19
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A stable uuid for attachments that did not come through POST /files (an agent's reply, an email).
ATTACHMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "helpdesk:tickets-api:attachment")

# `status` names per language for the core's built-in states; other states show their own name.
STATUS_NAMES: dict[str, dict[str, str]] = {
    "new": {"en": "New", "ru": "Новая"},
    "open": {"en": "Open", "ru": "Открыта"},
    "pending reminder": {"en": "Pending reminder", "ru": "Ожидает напоминания"},
    "pending close": {"en": "Pending close", "ru": "Ожидает закрытия"},
    "closed": {"en": "Closed", "ru": "Закрыта"},
    "merged": {"en": "Merged", "ru": "Объединена"},
    "removed": {"en": "Removed", "ru": "Удалена"},
}


class BadRequest(InvalidInput):
    """The request breaks the documented schema (HTTP 400); `problems` names every offending field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems), field=problems[0][0])
        self.problems = problems


# --- parsing ------------------------------------------------------------------------------------

class Fields:
    """Reads a request's fields and collects what is wrong with them, so one 400 names them all."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.problems: list[tuple[str, str]] = []

    def problem(self, name: str, message: str) -> None:
        self.problems.append((name, message))

    def done(self) -> None:
        if self.problems:
            raise BadRequest(self.problems)

    def given(self, name: str) -> bool:
        return name in self.values

    def text(self, name: str, required: bool = False, maximum: Optional[int] = None,
             nullable: bool = False) -> Optional[str]:
        """A string of at least one non-blank character (and at most `maximum`); None when absent (or null)."""
        if name not in self.values or (nullable and self.values[name] is None):
            if required:
                self.problem(name, "is required.")
            return None
        value = self.values[name]
        if not isinstance(value, str):
            self.problem(name, "must be a string.")
        elif not value.strip():
            self.problem(name, "must not be empty.")
        elif maximum is not None and len(value) > maximum:
            self.problem(name, f"must be at most {maximum} characters.")
        else:
            return value
        return None

    def array(self, name: str, check: Callable[[Any], bool], item: str, non_empty: bool = False,
              maximum: Optional[int] = None) -> Optional[list[Any]]:
        """A list whose items pass `check` (described as `item` in the error); None when absent."""
        if name not in self.values:
            return None
        value = self.values[name]
        if not isinstance(value, list):
            self.problem(name, f"must be an array of {item}s.")
            return None
        if non_empty and not value:
            self.problem(name, "must not be empty.")
        if maximum is not None and len(value) > maximum:
            self.problem(name, f"must hold at most {maximum} items.")
        bad = [position for position, entry in enumerate(value) if not check(entry)]
        if bad:
            self.problem(f"{name}[{bad[0]}]", f"must be {item}.")
            return None
        return value

    def files(self) -> list[str]:
        """`files`: 1 to 10 distinct uuids (lower-cased), [] when absent."""
        value = self.array("files", lambda v: isinstance(v, str) and bool(UUID.match(v)), "a uuid",
                           non_empty=True, maximum=FILES_MAX)
        ids = [v.lower() for v in value or []]
        if len(set(ids)) != len(ids):
            self.problem("files", "must not name a file twice.")
        return ids

    def emails(self, non_empty: bool) -> Optional[list[str]]:
        return self.array("client_emails", lambda v: isinstance(v, str) and bool(EMAIL.match(v.strip())),
                          "an email address", non_empty=non_empty)

    def score(self, allowed: Sequence[int], required: bool) -> Optional[int]:
        if "score" not in self.values:
            if required:
                self.problem("score", "is required.")
            return None
        value = self.values["score"]
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            self.problem("score", f"must be {describe_scores(allowed)}.")
            return None
        return value


def describe_scores(allowed: Sequence[int]) -> str:
    values = list(allowed)
    if values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"an integer from {values[0]} to {values[-1]}"
    return " or ".join(str(v) for v in values)


def body_object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest([("body", "must be a JSON object.")])
    return body


@dataclass
class NewTicket:
    summary: str
    comment_body: str
    topic_key: Optional[str]
    file_ids: list[str]
    details: ClientDetails


def ticket_create(body: Any) -> NewTicket:
    fields = Fields(body_object(body))
    summary = fields.text("summary", required=True, maximum=SUMMARY_MAX)
    comment_body = fields.text("comment_body", required=True, maximum=BODY_MAX)
    topic_key = fields.text("topic_key")
    aliased_name = fields.text("client_aliased_name")
    emails = fields.emails(non_empty=True)
    file_ids = fields.files()
    fields.done()
    assert summary is not None and comment_body is not None
    return NewTicket(summary, comment_body, topic_key, file_ids,
                     ClientDetails(aliased_name=aliased_name, emails=tuple(emails or ())))


def ticket_patch(body: Any) -> dict[str, Any]:
    """The details to change: `aliased_name` (a string, or None to clear) and `emails` (a list, [] clears)."""
    fields = Fields(body_object(body))
    changes: dict[str, Any] = {"aliased_name": KEEP, "emails": KEEP}
    if fields.given("client_aliased_name"):
        changes["aliased_name"] = fields.text("client_aliased_name", nullable=True)
    emails = fields.emails(non_empty=False)
    if emails is not None:
        changes["emails"] = emails
    fields.done()
    return changes


@dataclass
class Close:
    comment: Optional[str]
    score: Optional[int]


def close_input(body: Any) -> Close:
    fields = Fields(body_object(body))
    comment = fields.text("comment", maximum=BODY_MAX)
    score = fields.score(TICKET_SCORES, required=False)
    fields.done()
    return Close(comment, score)


@dataclass
class CommentInput:
    body: str
    file_ids: list[str] = field(default_factory=list)


def comment_input(body: Any) -> CommentInput:
    """Reopen and comment create: `body` 1..50000 characters, `files` 1..10 uuids."""
    fields = Fields(body_object(body))
    text = fields.text("body", required=True, maximum=BODY_MAX)
    file_ids = fields.files()
    fields.done()
    assert text is not None
    return CommentInput(text, file_ids)


def vote_input(body: Any, allowed: Sequence[int]) -> Close:
    """Ticket (score 1..10) and comment (1 or -1) evaluation: `score` required, `comment` optional."""
    fields = Fields(body_object(body))
    comment = fields.text("comment", maximum=BODY_MAX)
    score = fields.score(allowed, required=True)
    fields.done()
    return Close(comment, score)


@dataclass
class ListQuery:
    page: int
    items_per_page: int
    q: str
    closed: Optional[bool]  # None: all tickets; True: only closed ones; False: only open ones


def list_query(params: Mapping[str, str]) -> ListQuery:
    fields = Fields(params)
    page = _int_param(fields, "page", 1, 1, INT32_MAX)
    per_page = _int_param(fields, "items_per_page", ITEMS_PER_PAGE_DEFAULT, 1, ITEMS_PER_PAGE_MAX)
    only_opened = _bool_param(fields, "only_opened")
    only_closed = _bool_param(fields, "only_closed")
    if only_opened and only_closed:
        fields.problem("only_closed", "cannot be combined with only_opened.")
    q = fields.text("q") or ""
    fields.done()
    closed = True if only_closed else False if only_opened else None
    return ListQuery(page, per_page, q, closed)


def _int_param(fields: Fields, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = fields.values.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not re.fullmatch(r"-?[0-9]{1,10}", text) or not minimum <= int(text) <= maximum:
        fields.problem(name, f"must be an integer from {minimum} to {maximum}.")
        return default
    return int(text)


def _bool_param(fields: Fields, name: str) -> bool:
    raw = fields.values.get(name)
    if raw is None:
        return False
    value = BOOLEANS.get(raw.strip().lower())
    if value is None:
        fields.problem(name, "must be true or false.")
        return False
    return value


def path_number(raw: str, name: str) -> int:
    """An integer path parameter; 400 naming it when it is not one."""
    if not re.fullmatch(r"[0-9]{1,%d}" % MAX_PATH_DIGITS, raw or ""):
        raise BadRequest([(name, "must be a positive integer.")])
    return int(raw)


# --- rendering ----------------------------------------------------------------------------------

def timestamp(value: Optional[str]) -> Optional[str]:
    """RFC 3339 in UTC without fractions, as the seed's samples show ("2019-08-24T14:15:22Z")."""
    if not value:
        return None
    return value[:19] + "Z"


def status(state: Optional[State]) -> dict[str, str]:
    if state is None:
        return {"en": "Unknown"}
    return dict(STATUS_NAMES.get(state.name.lower()) or {"en": state.name[:1].upper() + state.name[1:]})


def is_resolved(state: Optional[State]) -> bool:
    """Closed successfully: a state of type closed (merged and removed are closed, not resolved), and not
    one named "closed unsuccessful" as OTRS calls its failure state."""
    return state is not None and state.state_type == "closed" and "unsuccessful" not in state.name.lower()


def vote(value: Optional[Vote]) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    return {"comment": value.comment, "created_at": timestamp(value.created_at), "score": value.score}


def ticket(t: Ticket, state: Optional[State], extras: TicketExtras, principal: Principal,
           unread: bool) -> dict[str, Any]:
    closed = state is not None and state.is_closed
    return {
        "client_aliased_name": extras.details.aliased_name,
        "client_emails": list(extras.details.emails),
        "closed_at": timestamp(t.close_at) if closed else None,
        "created_at": timestamp(t.created_at),
        "is_client_author": t.created_by_id == principal.id,
        "is_client_read": not unread,
        "is_closed": closed,
        "is_resolved": is_resolved(state),
        "number": int(t.number),
        "splitted_from_ticket_number": None,
        "status": status(state),
        "summary": t.title,
        "type": None,
        "updated_at": timestamp(t.updated_at),
        "vote": vote(extras.vote),
    }


def file(file_id: str, filename: str, size: int, content_type: str) -> dict[str, Any]:
    return {"id": file_id, "name": filename, "size": size, "content_type": content_type}


def uploaded(f: ClientFile) -> dict[str, Any]:
    return file(f.id, f.filename, f.size, f.content_type)


def attachment_id(article: Article, attachment: Attachment, position: int) -> str:
    """The uuid the client uploaded the file under, else a stable one derived from the attachment."""
    uploaded_ids = article.preferences.get(FILES_PREFERENCE) or []
    if position < len(uploaded_ids):
        return str(uploaded_ids[position])
    return str(uuid.uuid5(ATTACHMENT_NAMESPACE, f"{article.id}/{attachment.id}"))


def comment(a: Article, principal: Principal, unseen: bool, article_vote: Optional[Vote]) -> dict[str, Any]:
    """An article as a comment: plain text (an HTML body is converted), its files (inline images of an
    HTML body are part of the text, not files)."""
    files = [a_ for a_ in a.attachments if a_.content_id is None]
    return {
        "files": [file(attachment_id(a, att, position), att.filename, att.size, att.content_type)
                  for position, att in enumerate(files)],
        "body": html_to_text(a.body) if "html" in (a.content_type or "").lower() else a.body,
        "id": a.id,
        "is_client_author": a.created_by_id == principal.id,
        "is_client_read": not unseen,
        "sent_at": timestamp(a.created_at),
        "splitted_at": None,
        "splitted_to_ticket_number": None,
        "vote": vote(article_vote),
    }


def topic(t: Topic) -> dict[str, Any]:
    return {"key": t.key, "name": t.group.name}


def error(e: DomainError) -> dict[str, Any]:
    """Zammad's `error`/`error_human` (the project's common shape) plus the fields at fault."""
    body: dict[str, Any] = {"error": e.message, "error_human": e.message}
    if isinstance(e, BadRequest):
        body["errors"] = [{"field": name, "message": message} for name, message in e.problems]
    elif e.details.get("field"):  # a core InvalidInput or TooLarge naming its field
        body["errors"] = [{"field": e.details["field"], "message": e.message}]
    return body

