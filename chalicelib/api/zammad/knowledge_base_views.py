"""Zammad's knowledge base management (`/api/v1/knowledge_bases/...`): categories and answers, the
answers' publication state and attachments. Editors only (`knowledge_base.editor`, admins too);
customers get 403. One knowledge base, id 1, in one locale (kb_locale_id 1): a translation's id is
its category's or answer's id, as is an answer's content id.

Shapes follow Zammad's: categories as plain objects, answers as `{"id", "assets": {...}}`, `init` as
the assets bundle. Extensions (documented in docs/api/zammad.yaml): a category's `title` and
`comment`; an answer's `fields` (OTRS's Symptom/Problem/Comment), `language`, and `votes` on show.
"""
from __future__ import annotations

from typing import Any, Optional

from chalice import Response

from ...core.errors import InvalidInput, NotFound
from ...core.knowledge_base import KNOWLEDGE_BASE_ID, AnswerInput, CategoryInput
from ...core.model import KB_EXTRA_FIELDS, KbAnswer, KbCategory, KbSnapshot
from ..application import binary_type
from ..http import download_headers, multipart_file
from .routes import Call, path_id, route
from .schema import _object, attachment_input

KB = "/knowledge_bases/{kb_id}"
KB_LOCALE_ID = 1


# --- parsing -----------------------------------------------------------------------------------------

def knowledge_base_id(raw: str) -> None:
    """The one knowledge base is id 1; any other id is Zammad's 404."""
    if path_id(raw, "KnowledgeBase") != KNOWLEDGE_BASE_ID:
        raise NotFound("KnowledgeBase", raw)


def translation(body: dict[str, Any]) -> dict[str, Any]:
    """The first of `translations_attributes` (one locale here), or {} when none is sent."""
    translations = body.get("translations_attributes")
    if translations is None:
        return {}
    if not isinstance(translations, list) or not translations or not isinstance(translations[0], dict):
        raise InvalidInput("translations_attributes must be a list of objects", field="translations_attributes")
    return translations[0]


def content_body(entry: dict[str, Any]) -> Optional[str]:
    content = entry.get("content_attributes")
    if content is None:
        return None
    if not isinstance(content, dict):
        raise InvalidInput("content_attributes must be an object", field="content_attributes")
    return content.get("body")


def optional_int(body: dict[str, Any], name: str) -> Optional[int]:
    """An id or position given as a number or a digit string ("" or null: not given)."""
    raw = body.get(name)
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not str(raw).strip().isdigit():
        raise InvalidInput(f"Invalid value for param '{name}': {raw}", field=name)
    return int(str(raw).strip())


def category_input(raw: Any) -> CategoryInput:
    body = _object(raw)
    entry = translation(body)
    return CategoryInput(name=entry.get("title"), comment=content_body(entry), icon=body.get("category_icon"),
                         parent_id=optional_int(body, "parent_id"), parent_given="parent_id" in body,
                         position=optional_int(body, "position"))


def answer_input(raw: Any) -> AnswerInput:
    body = _object(raw)
    entry = translation(body)
    fields = body.get("fields")
    if fields is not None and (not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values())):
        raise InvalidInput(f"fields must be an object of texts: {list(KB_EXTRA_FIELDS)}", field="fields")
    tags = body.get("tags")
    if tags is not None and not isinstance(tags, list):
        raise InvalidInput("tags must be a list of strings", field="tags")
    return AnswerInput(category_id=optional_int(body, "category_id"), title=entry.get("title"),
                       body=content_body(entry), fields=fields, keywords=tags, language=body.get("language"),
                       position=optional_int(body, "position"))


# --- rendering -----------------------------------------------------------------------------------------

def knowledge_base(snapshot: KbSnapshot) -> dict[str, Any]:
    return {"id": 1, "iconset": "FontAwesome", "active": True, "translation_ids": [1],
            "kb_locale_ids": [KB_LOCALE_ID], "category_ids": [c.id for c in snapshot.categories],
            "answer_ids": [a.id for a in snapshot.answers], "permission_ids": [], "permissions_effective": []}


def category(c: KbCategory, snapshot: KbSnapshot) -> dict[str, Any]:
    return {
        "id": c.id, "knowledge_base_id": 1, "parent_id": c.parent_id, "category_icon": c.icon,
        "position": c.position, "created_at": c.created_at, "updated_at": c.updated_at, "translation_ids": [c.id],
        "answer_ids": [a.id for a in snapshot.answers if a.category_id == c.id],
        "child_ids": [x.id for x in snapshot.categories if x.parent_id == c.id],
        "permission_ids": [], "permissions_effective": [], "title": c.name, "comment": c.comment,
    }


def category_translation(c: KbCategory) -> dict[str, Any]:
    return {"id": c.id, "title": c.name, "kb_locale_id": KB_LOCALE_ID, "category_id": c.id,
            "created_at": c.created_at, "updated_at": c.updated_at}


def attachment_url(answer_id: int, attachment_id: int) -> str:
    return f"/api/v1/knowledge_bases/1/answers/{answer_id}/attachments/{attachment_id}"


def answer(a: KbAnswer) -> dict[str, Any]:
    return {
        "id": a.id, "category_id": a.category_id, "promoted": False, "internal_note": None, "position": a.position,
        "archived_at": a.archived_at, "archived_by_id": a.archived_by_id, "internal_at": a.internal_at,
        "internal_by_id": a.internal_by_id, "published_at": a.published_at, "published_by_id": a.published_by_id,
        "created_at": a.created_at, "updated_at": a.updated_at, "translation_ids": [a.id],
        "attachments": [{"id": f.id, "url": attachment_url(a.id, f.id), "filename": f.filename, "size": str(f.size),
                         "preferences": {"Content-Type": f.content_type}} for f in a.attachments],
        "tags": a.keywords, "fields": a.fields, "language": a.language,
    }


def answer_translation(a: KbAnswer) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "kb_locale_id": KB_LOCALE_ID, "answer_id": a.id, "content_id": a.id,
            "created_by_id": a.created_by_id, "updated_by_id": a.updated_by_id,
            "created_at": a.created_at, "updated_at": a.updated_at}


def answer_assets(call: Call, a: KbAnswer, with_votes: bool = False) -> dict[str, Any]:
    """Zammad's answer shape: the answer, its translation and content, and its category."""
    rendered = answer(a)
    if with_votes:
        summary = call.container.knowledge_base.votes(call.principal, a.id)
        rendered["votes"] = {"count": summary.count, "average": summary.average}
    assets: dict[str, Any] = {
        "KnowledgeBaseAnswer": {str(a.id): rendered},
        "KnowledgeBaseAnswerTranslation": {str(a.id): answer_translation(a)},
        "KnowledgeBaseAnswerTranslationContent": {str(a.id): {"id": a.id, "body": a.body,
                                                              "attachments": rendered["attachments"]}},
    }
    snapshot = call.container.knowledge_base.overview(call.principal)
    found = next((c for c in snapshot.categories if c.id == a.category_id), None)
    if found is not None:
        assets["KnowledgeBaseCategory"] = {str(found.id): category(found, snapshot)}
        assets["KnowledgeBaseCategoryTranslation"] = {str(found.id): category_translation(found)}
    return {"id": a.id, "assets": assets}


# --- the overview --------------------------------------------------------------------------------------

@route("/knowledge_bases/init", methods=("POST",))
def init(call: Call) -> Any:
    """Everything an editor's screen starts from (answers without their bodies, as Zammad's init)."""
    snapshot = call.container.knowledge_base.overview(call.principal)
    return {
        "KnowledgeBase": {"1": knowledge_base(snapshot)},
        "KnowledgeBaseCategory": {str(c.id): category(c, snapshot) for c in snapshot.categories},
        "KnowledgeBaseCategoryTranslation": {str(c.id): category_translation(c) for c in snapshot.categories},
        "KnowledgeBaseAnswer": {str(a.id): answer(a) for a in snapshot.answers},
        "KnowledgeBaseAnswerTranslation": {str(a.id): answer_translation(a) for a in snapshot.answers},
    }


# --- categories ----------------------------------------------------------------------------------------

def category_answer(call: Call, c: KbCategory) -> dict[str, Any]:
    return category(c, call.container.knowledge_base.overview(call.principal))


@route(KB + "/categories", methods=("POST",))
def create_category(call: Call, kb_id: str) -> Any:
    knowledge_base_id(kb_id)
    created = call.container.knowledge_base.create_category(call.principal, category_input(call.body()))
    return category_answer(call, created)


@route(KB + "/categories/{category_id}")
def show_category(call: Call, kb_id: str, category_id: str) -> Any:
    knowledge_base_id(kb_id)
    found = call.container.knowledge_base.category(call.principal, path_id(category_id, "KnowledgeBase::Category"))
    return category_answer(call, found)


@route(KB + "/categories/{category_id}", methods=("PATCH",))
def update_category(call: Call, kb_id: str, category_id: str) -> Any:
    knowledge_base_id(kb_id)
    changed = call.container.knowledge_base.update_category(
        call.principal, path_id(category_id, "KnowledgeBase::Category"), category_input(call.body()))
    return category_answer(call, changed)


@route(KB + "/categories/{category_id}", methods=("DELETE",))
def delete_category(call: Call, kb_id: str, category_id: str) -> Any:
    knowledge_base_id(kb_id)
    call.container.knowledge_base.delete_category(call.principal, path_id(category_id, "KnowledgeBase::Category"))
    return {}


# --- answers -------------------------------------------------------------------------------------------

def answer_key(raw: str) -> int:
    return path_id(raw, "KnowledgeBase::Answer")


@route(KB + "/answers", methods=("POST",))
def create_answer(call: Call, kb_id: str) -> Any:
    """A new answer is a draft until published."""
    knowledge_base_id(kb_id)
    return answer_assets(call, call.container.knowledge_base.create_answer(call.principal, answer_input(call.body())))


@route(KB + "/answers/{answer_id}")
def show_answer(call: Call, kb_id: str, answer_id: str) -> Any:
    knowledge_base_id(kb_id)
    found = call.container.knowledge_base.answer(call.principal, answer_key(answer_id))
    return answer_assets(call, found, with_votes=True)


@route(KB + "/answers/{answer_id}", methods=("PATCH",))
def update_answer(call: Call, kb_id: str, answer_id: str) -> Any:
    knowledge_base_id(kb_id)
    changed = call.container.knowledge_base.update_answer(call.principal, answer_key(answer_id),
                                                          answer_input(call.body()))
    return answer_assets(call, changed)


@route(KB + "/answers/{answer_id}", methods=("DELETE",))
def delete_answer(call: Call, kb_id: str, answer_id: str) -> Any:
    knowledge_base_id(kb_id)
    call.container.knowledge_base.delete_answer(call.principal, answer_key(answer_id))
    return {}


def visibility(call: Call, kb_id: str, raw_answer: str, action: str) -> Any:
    knowledge_base_id(kb_id)
    return answer_assets(call, call.container.knowledge_base.change_visibility(call.principal, answer_key(raw_answer),
                                                                               action))


@route(KB + "/answers/{answer_id}/publish", methods=("POST",))
def publish_answer(call: Call, kb_id: str, answer_id: str) -> Any:
    """Public from now on (OTRS's /api/public shows it)."""
    return visibility(call, kb_id, answer_id, "publish")


@route(KB + "/answers/{answer_id}/internal", methods=("POST",))
def internal_answer(call: Call, kb_id: str, answer_id: str) -> Any:
    """Staff only from now on (withdrawn from the public if it was published)."""
    return visibility(call, kb_id, answer_id, "internal")


@route(KB + "/answers/{answer_id}/archive", methods=("POST",))
def archive_answer(call: Call, kb_id: str, answer_id: str) -> Any:
    return visibility(call, kb_id, answer_id, "archive")


@route(KB + "/answers/{answer_id}/unarchive", methods=("POST",))
def unarchive_answer(call: Call, kb_id: str, answer_id: str) -> Any:
    return visibility(call, kb_id, answer_id, "unarchive")


# --- attachments ---------------------------------------------------------------------------------------

@route(KB + "/answers/{answer_id}/attachments", methods=("POST",))
def add_attachment(call: Call, kb_id: str, answer_id: str) -> Any:
    """One file: multipart/form-data (the part `file`, as Zammad's UI and zammad_py send it), or as
    Zammad's ticket attachments travel in JSON: `{"filename", "data" (base64), "mime-type"}`."""
    knowledge_base_id(kb_id)
    if (call.content_type or "").lower().startswith("multipart/form-data"):
        found = multipart_file(call.raw_body or b"", call.content_type or "", ("file",))
        if found is None or not found[0]:
            raise InvalidInput("Need a file to upload (multipart part 'file').", field="file")
        filename, mime_type, data = found
        call.limits().check_size(len(data), f"Attachment '{filename}'")
    else:
        file = attachment_input(_object(call.body()), 0, call.limits())
        filename, mime_type, data = file.filename, file.mime_type, file.data
    changed = call.container.knowledge_base.add_attachment(call.principal, answer_key(answer_id),
                                                           filename, mime_type, data)
    return answer_assets(call, changed)


ATTACHMENT = KB + "/answers/{answer_id}/attachments/{attachment_id}"


@route(ATTACHMENT)
def download_attachment(call: Call, kb_id: str, answer_id: str, attachment_id: str) -> Response:
    """An editor's download of any answer's file (drafts' too), always as an attachment."""
    knowledge_base_id(kb_id)
    meta, data = call.container.knowledge_base.attachment(call.principal, answer_key(answer_id),
                                                          path_id(attachment_id, "Store"))
    return Response(body=data, status_code=200,
                    headers=download_headers(binary_type(meta.content_type), meta.filename, len(data), False))


@route(ATTACHMENT, methods=("DELETE",))
def delete_attachment(call: Call, kb_id: str, answer_id: str, attachment_id: str) -> Any:
    knowledge_base_id(kb_id)
    changed = call.container.knowledge_base.remove_attachment(call.principal, answer_key(answer_id),
                                                              path_id(attachment_id, "Store"))
    return answer_assets(call, changed)
