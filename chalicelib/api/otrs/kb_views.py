"""OTRS's public knowledge base (seed 000 OTRS-82..94, `/api/public/knowledge-base/...`): category
lists, article lists and articles, attachments, related articles and votes. No token needed.

Only published answers (core/knowledge_base.py) and the categories above them exist here: a draft,
internal, archived or unknown id all get the same answer (422 on the id; 403 for an attachment's
article, as the seed documents), so ids reveal nothing. Votes: one per visitor (a keyed hash of the
client's address and user agent), a second one is the 900 `CouldNotVote`.
"""
from __future__ import annotations

from typing import Any, Optional

from chalice import Response

from ...core.knowledge_base import PublicView, page, parse_rate, visitor_key
from ...core.model import KbAnswer, KbCategory
from ...core.text import sanitize_html, tokens
from ..application import binary_type
from ..http import download_headers
from . import schema
from .routes import Call, public_route
from .ticket_views import positive_int, required_text

PREFIX = "/knowledge-base"
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100
DEFAULT_RELATED, MAX_RELATED = 10, 100
ROOT_NAME = "Knowledge Base"
ANSWER_FIELDS = (("Symptom", "symptom"), ("Problem", "problem"), ("Solution", None), ("Comment", "comment"))


# --- rendering -------------------------------------------------------------------------------------

def category(c: KbCategory) -> dict[str, Any]:
    return {"CategoryID": c.id, "Name": c.name, "Comment": c.comment}


def article_item(a: KbAnswer) -> dict[str, Any]:
    return {"ID": a.id, "Title": a.title}


def article(a: KbAnswer) -> dict[str, Any]:
    """The seed's keys (ID, Number, Title, CategoryID, Fields) plus what a reader needs to fetch the
    attachments and show the answer's data. Field contents are HTML reduced to the safe allow-list."""
    fields = []
    for caption, name in ANSWER_FIELDS:
        content = a.body if name is None else a.fields.get(name, "")
        if content or name is None:
            fields.append({"Caption": caption, "Content": sanitize_html(content)})
    return {
        "ID": a.id, "Number": a.number, "Title": a.title, "CategoryID": a.category_id, "Fields": fields,
        "Keywords": a.keywords, "Language": a.language,
        "Created": schema.otrs_time(a.created_at), "Changed": schema.otrs_time(a.updated_at),
        "Attachments": [{"AttachmentID": f.id, "Filename": f.filename, "ContentType": f.content_type,
                         "FilesizeRaw": f.size} for f in a.attachments],
    }


# --- parameters ------------------------------------------------------------------------------------

def id_param(raw: str, name: str) -> int:
    return positive_int(raw, name)


def optional_number(params: dict[str, str], name: str, default: int, maximum: int) -> int:
    raw = params.get(name)
    return default if raw in (None, "") else positive_int(raw, name, maximum)


def public_category(view: PublicView, raw_id: str) -> KbCategory:
    found = view.categories.get(id_param(raw_id, "CategoryID"))
    if found is None:
        raise schema.invalid("CategoryID", "No such category.")
    return found


def visitor(call: Call) -> str:
    """The voter: the client's address as API Gateway saw it (never a forwarded header the client
    could set) and its user agent, hashed with the service's secret."""
    return visitor_key(call.container.signing_keys.current(), call.client, call.headers.get("user-agent", ""))


# --- categories --------------------------------------------------------------------------------------

def category_list(call: Call, raw_id: Optional[str]) -> dict[str, Any]:
    view = call.container.knowledge_base.public_view()
    if raw_id is None:
        current = {"CategoryID": 0, "Name": ROOT_NAME, "Comment": ""}
        return {"Category": current, "SubCategories": [category(c) for c in view.children(None)],
                "CategoryPath": []}
    found = public_category(view, raw_id)
    return {"Category": category(found), "SubCategories": [category(c) for c in view.children(found.id)],
            "CategoryPath": [category(c) for c in view.path(found)]}


@public_route(PREFIX + "/categorylist", auth=False)
def root_categories(call: Call) -> Any:
    """OTRS-93: the top level (CategoryID 0) and its public categories."""
    return category_list(call, None)


@public_route(PREFIX + "/categorylist/{CategoryID}", auth=False)
def sub_categories(call: Call, CategoryID: str) -> Any:
    """OTRS-94: a public category, its public subcategories and its path from the top."""
    return category_list(call, CategoryID)


# --- article lists -------------------------------------------------------------------------------------

def article_list(call: Call, raw_category: Optional[str]) -> dict[str, Any]:
    per_page = optional_number(call.params, "ArticlesPerPage", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    page_number = optional_number(call.params, "Page", 1, 1_000_000)
    view = call.container.knowledge_base.public_view()
    answers = view.answers
    if raw_category is not None:
        wanted = public_category(view, raw_category).id
        answers = [a for a in answers if a.category_id == wanted]
    return {"Articles": [article_item(a) for a in page(answers, page_number, per_page)],
            "TotalArticles": len(answers)}


@public_route(PREFIX + "/article/list", auth=False)
def list_articles(call: Call) -> Any:
    """OTRS-82: every published article, paged (`ArticlesPerPage`, `Page`), with the total."""
    return article_list(call, None)


@public_route(PREFIX + "/article/list/{CategoryID}", auth=False)
def list_category_articles(call: Call, CategoryID: str) -> Any:
    """OTRS-83: the published articles of one category, paged."""
    return article_list(call, CategoryID)


@public_route(PREFIX + "/article/related-articles", methods=("POST",), auth=False)
def related_to_text(call: Call) -> Any:
    """OTRS-84: published articles sharing the most words with a subject and body (a customer's new
    ticket), best first."""
    body = call.body()
    subject, text = required_text(body, "Subject"), required_text(body, "Body")
    languages = body.get("Languages") or []
    if isinstance(languages, str):
        languages = languages.split(",")
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise schema.invalid("Languages", "Languages must be a list of language codes.")
    raw_limit = body.get("Limit")
    limit = DEFAULT_RELATED if raw_limit in (None, "") else positive_int(raw_limit, "Limit", MAX_RELATED)
    found = call.container.knowledge_base.related(tokens(subject, text), languages, limit)
    return [article_item(a) for a in found]


# --- one article ---------------------------------------------------------------------------------------

@public_route(PREFIX + "/article/{ArticleID}", auth=False)
def show_article(call: Call, ArticleID: str) -> Any:
    """OTRS-85: a published article with its fields (Symptom, Problem, Solution, Comment)."""
    return article(call.container.knowledge_base.public_answer(id_param(ArticleID, "ArticleID")))


@public_route(PREFIX + "/article/{ArticleID}/related-articles", auth=False)
def related_to_article(call: Call, ArticleID: str) -> Any:
    """OTRS-90: other published articles sharing the most words with this one."""
    found = call.container.knowledge_base.related_to_answer(id_param(ArticleID, "ArticleID"), DEFAULT_RELATED)
    return [article_item(a) for a in found]


def attachment_response(call: Call, raw_article: str, raw_attachment: str, download: bool, head: bool) -> Response:
    """The stored bytes under their stored type: as a download, or inline for safe images only on the
    plain route; HEAD answers the same headers without reading the bytes."""
    kb = call.container.knowledge_base
    meta, data = kb.public_attachment(id_param(raw_article, "ArticleID"), id_param(raw_attachment, "AttachmentID"),
                                      with_bytes=not head)
    headers = download_headers(binary_type(meta.content_type), meta.filename, meta.size, inline_wanted=not download)
    return Response(body=b"" if head else data, status_code=200, headers=headers)


ATTACHMENT = PREFIX + "/article/{ArticleID}/attachment/{AttachmentID}"


@public_route(ATTACHMENT, auth=False)
def get_attachment(call: Call, ArticleID: str, AttachmentID: str) -> Response:
    """OTRS-86."""
    return attachment_response(call, ArticleID, AttachmentID, download=False, head=False)


@public_route(ATTACHMENT, methods=("HEAD",), auth=False)
def head_attachment(call: Call, ArticleID: str, AttachmentID: str) -> Response:
    """OTRS-87."""
    return attachment_response(call, ArticleID, AttachmentID, download=False, head=True)


@public_route(ATTACHMENT + "/download", auth=False)
def download_attachment(call: Call, ArticleID: str, AttachmentID: str) -> Response:
    """OTRS-88: always `Content-Disposition: attachment`."""
    return attachment_response(call, ArticleID, AttachmentID, download=True, head=False)


@public_route(ATTACHMENT + "/download", methods=("HEAD",), auth=False)
def head_download_attachment(call: Call, ArticleID: str, AttachmentID: str) -> Response:
    """OTRS-89."""
    return attachment_response(call, ArticleID, AttachmentID, download=True, head=True)


# --- votes ---------------------------------------------------------------------------------------------

@public_route(PREFIX + "/article/{ArticleID}/vote/check", auth=False)
def vote_check(call: Call, ArticleID: str) -> Any:
    """OTRS-91: 1 while this visitor has not voted on the article."""
    shown = call.container.knowledge_base.can_vote(id_param(ArticleID, "ArticleID"), visitor(call))
    return {"ShowVotingButtons": int(shown)}


@public_route(PREFIX + "/article/{ArticleID}/vote/send", methods=("POST",), auth=False)
def vote_send(call: Call, ArticleID: str) -> Any:
    """OTRS-92: `Vote` is Yes/No or a rate 0..100; a visitor's second vote is CouldNotVote (900)."""
    answer_id = id_param(ArticleID, "ArticleID")
    body = call.body()
    if body.get("Vote") in (None, ""):
        raise schema.invalid("Vote", "Vote is required.")
    rate = parse_rate(body["Vote"])
    call.container.knowledge_base.vote(answer_id, visitor(call), rate)
    return {"ShowVotingButtons": 0, "VoteSuccess": 1}
