"""Zammad's knowledge base management through HTTP: categories, answers, publication, attachments."""
from __future__ import annotations

import base64
from typing import Any, Optional

import pytest

KB = "/api/v1/knowledge_bases/1"


def create_category(api: Any, title: str = "Hardware", parent_id: Optional[int] = None, comment: str = "",
                    who: str = "agent") -> dict[str, Any]:
    reply = api.post(f"{KB}/categories", {
        "category_icon": "f115", "parent_id": parent_id or "",
        "translations_attributes": [{"title": title, "kb_locale_id": 1, "content_attributes": {"body": comment}}],
    }, who=who)
    assert reply.status == 200, reply
    return reply.json


def create_answer(api: Any, category_id: int, title: str = "Printer shows E42",
                  body: str = "<p>Reset the toner.</p>", publish: bool = True, who: str = "agent",
                  **extra: Any) -> dict[str, Any]:
    reply = api.post(f"{KB}/answers", {
        "category_id": str(category_id), **extra,
        "translations_attributes": [{"title": title, "kb_locale_id": 1, "content_attributes": {"body": body}}],
    }, who=who)
    assert reply.status == 200, reply
    if publish:
        reply = api.post(f"{KB}/answers/{reply.json['id']}/publish", who=who)
        assert reply.status == 200, reply
    return reply.json["assets"]["KnowledgeBaseAnswer"][str(reply.json["id"])]


def attachment_body(filename: str = "manual.txt", data: bytes = b"read me first") -> dict[str, str]:
    return {"filename": filename, "data": base64.b64encode(data).decode(), "mime-type": "text/plain"}


# --- categories ------------------------------------------------------------------------------------------

def test_category_lifecycle(api: Any) -> None:
    top = create_category(api, "Hardware", comment="All hardware questions")
    assert top["knowledge_base_id"] == 1 and top["parent_id"] is None and top["title"] == "Hardware"
    assert top["comment"] == "All hardware questions" and top["child_ids"] == [] and top["answer_ids"] == []
    child = create_category(api, "Notebooks", parent_id=top["id"])
    assert child["parent_id"] == top["id"]
    shown = api.get(f"{KB}/categories/{top['id']}", who="agent")
    assert shown.status == 200 and shown.json["child_ids"] == [child["id"]]
    changed = api.request("PATCH", f"{KB}/categories/{child['id']}", {
        "category_icon": "f00c", "parent_id": "", "translations_attributes": [{"id": child["id"], "title": "Laptops"}]},
        who="agent")
    assert changed.status == 200, changed
    assert (changed.json["title"], changed.json["parent_id"], changed.json["category_icon"]) == ("Laptops", None, "f00c")
    assert api.delete(f"{KB}/categories/{child['id']}", who="agent").json == {}
    assert api.get(f"{KB}/categories/{child['id']}", who="agent").status == 404


def test_category_errors(api: Any) -> None:
    top = create_category(api)
    create_answer(api, top["id"])
    refused = api.delete(f"{KB}/categories/{top['id']}", who="agent")
    assert refused.status == 422 and "still holds" in refused.json["error"]
    missing_title = api.post(f"{KB}/categories", {"translations_attributes": [{"title": " "}]}, who="agent")
    assert missing_title.status == 422
    cycle = api.request("PATCH", f"{KB}/categories/{top['id']}", {"parent_id": top["id"]}, who="agent")
    assert cycle.status == 422
    assert api.get(f"{KB}/categories/999", who="agent").status == 404
    assert api.get("/api/v1/knowledge_bases/2/categories/1", who="agent").status == 404
    bad = api.post(f"{KB}/categories", {"translations_attributes": "title"}, who="agent")
    assert bad.status == 422 and set(bad.json) == {"error", "error_human"}


# --- answers ---------------------------------------------------------------------------------------------

def test_answer_lifecycle(api: Any) -> None:
    category = create_category(api)
    created = api.post(f"{KB}/answers", {
        "category_id": category["id"], "tags": ["printer", "toner"], "language": "en",
        "fields": {"symptom": "The printer shows E42", "comment": "Since firmware 2"},
        "translations_attributes": [{"title": "E42", "content_attributes": {"body": "<p>Reset</p>"}}],
    }, who="agent")
    assert created.status == 200, created
    answer_id = created.json["id"]
    assets = created.json["assets"]
    answer = assets["KnowledgeBaseAnswer"][str(answer_id)]
    assert answer["published_at"] is None and answer["internal_at"] is None and answer["tags"] == ["printer", "toner"]
    assert answer["fields"] == {"symptom": "The printer shows E42", "comment": "Since firmware 2"}
    assert assets["KnowledgeBaseAnswerTranslation"][str(answer_id)]["title"] == "E42"
    assert assets["KnowledgeBaseAnswerTranslationContent"][str(answer_id)]["body"] == "<p>Reset</p>"
    assert str(category["id"]) in assets["KnowledgeBaseCategory"]
    for action, stamp in (("internal", "internal_at"), ("publish", "published_at"), ("archive", "archived_at")):
        reply = api.post(f"{KB}/answers/{answer_id}/{action}", who="agent")
        assert reply.status == 200 and reply.json["assets"]["KnowledgeBaseAnswer"][str(answer_id)][stamp], action
    unarchived = api.post(f"{KB}/answers/{answer_id}/unarchive", who="agent").json
    assert unarchived["assets"]["KnowledgeBaseAnswer"][str(answer_id)]["archived_at"] is None
    changed = api.request("PATCH", f"{KB}/answers/{answer_id}", {
        "translations_attributes": [{"id": answer_id, "title": "E42 again",
                                     "content_attributes": {"body": "<p>Changed</p>"}}]}, who="agent")
    assert changed.status == 200
    assert changed.json["assets"]["KnowledgeBaseAnswerTranslationContent"][str(answer_id)]["body"] == "<p>Changed</p>"
    shown = api.get(f"{KB}/answers/{answer_id}", who="agent").json
    assert shown["assets"]["KnowledgeBaseAnswerTranslation"][str(answer_id)]["title"] == "E42 again"
    assert shown["assets"]["KnowledgeBaseAnswer"][str(answer_id)]["votes"] == {"count": 0, "average": None}
    init = api.post("/api/v1/knowledge_bases/init", who="agent").json
    assert init["KnowledgeBase"]["1"]["answer_ids"] == [answer_id]
    assert str(answer_id) in init["KnowledgeBaseAnswer"] and "KnowledgeBaseAnswerTranslationContent" not in init
    assert api.delete(f"{KB}/answers/{answer_id}", who="agent").json == {}
    assert api.get(f"{KB}/answers/{answer_id}", who="agent").status == 404


def test_answer_errors(api: Any) -> None:
    category = create_category(api)
    no_category = api.post(f"{KB}/answers", {"translations_attributes": [{"title": "x"}]}, who="agent")
    assert no_category.status == 422 and "category_id" in no_category.json["error"]
    unknown = api.post(f"{KB}/answers", {"category_id": 999, "translations_attributes": [{"title": "x"}]},
                       who="agent")
    assert unknown.status == 422
    bad_fields = api.post(f"{KB}/answers", {"category_id": category["id"], "fields": {"owner": "x"},
                                            "translations_attributes": [{"title": "x"}]}, who="agent")
    assert bad_fields.status == 422
    assert api.post(f"{KB}/answers/999/publish", who="agent").status == 404
    assert api.get(f"{KB}/answers/abc", who="agent").status == 404


def test_attachments(api: Any) -> None:
    answer = create_answer(api, create_category(api)["id"])
    added = api.post(f"{KB}/answers/{answer['id']}/attachments", attachment_body(), who="agent")
    assert added.status == 200, added
    file = added.json["assets"]["KnowledgeBaseAnswer"][str(answer["id"])]["attachments"][0]
    assert (file["filename"], file["size"], file["preferences"]) == ("manual.txt", "13", {"Content-Type": "text/plain"})
    download = api.get(file["url"], who="agent")
    assert download.status == 200 and download.body == b"read me first"
    assert download.headers["content-disposition"].startswith("attachment")
    assert api.post(f"{KB}/answers/{answer['id']}/attachments", {"filename": "x"}, who="agent").status == 422
    removed = api.delete(file["url"], who="agent")
    assert removed.status == 200 and removed.json["assets"]["KnowledgeBaseAnswer"][str(answer["id"])]["attachments"] == []
    assert api.get(file["url"], who="agent").status == 404


@pytest.mark.parametrize("who", ["customer", None])
def test_customers_and_anonymous_are_refused(api: Any, who: Optional[str]) -> None:
    category = create_category(api)
    for method, path, body in (("POST", f"{KB}/categories", {"translations_attributes": [{"title": "x"}]}),
                               ("GET", f"{KB}/categories/{category['id']}", None),
                               ("POST", "/api/v1/knowledge_bases/init", None)):
        reply = api.request(method, path, body, who=who)
        assert reply.status in (401, 403) and set(reply.json) == {"error", "error_human"}, (method, path)


def test_admins_manage_too(api: Any) -> None:
    category = create_category(api, who="admin")
    assert create_answer(api, category["id"], who="admin")["published_at"]


# --- the security matrix's inputs (tests/security/test_matrix.py, `editor` class) ------------------------

def matrix_params(api: Any) -> dict[str, Any]:
    """A published answer with a file, in its own category, for the matrix to act on; new answers go to
    another category, so that the first is empty once its answer is deleted."""
    category = create_category(api, "Matrix category")
    other = create_category(api, "Matrix other")
    answer = create_answer(api, category["id"], "Matrix answer")
    added = api.post(f"{KB}/answers/{answer['id']}/attachments", attachment_body("matrix.txt"), who="agent")
    file = added.json["assets"]["KnowledgeBaseAnswer"][str(answer["id"])]["attachments"][0]
    return {"kb_id": 1, "category_id": category["id"], "answer_id": answer["id"], "attachment_id": file["id"],
            "other_category_id": other["id"]}


MATRIX_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/knowledge_bases/init"): None,
    ("POST", "/api/v1/knowledge_bases/{kb_id}/categories"): {"translations_attributes": [{"title": "Matrix new"}]},
    ("PATCH", "/api/v1/knowledge_bases/{kb_id}/categories/{category_id}"): {"category_icon": "f00c"},
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers"): None,  # filled in by matrix_bodies (needs the category)
    ("PATCH", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}"): {"tags": ["matrix"]},
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/publish"): None,
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/internal"): None,
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/archive"): None,
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/unarchive"): None,
    ("POST", "/api/v1/knowledge_bases/{kb_id}/answers/{answer_id}/attachments"): attachment_body("matrix2.txt"),
}


def matrix_bodies(params: dict[str, Any]) -> dict[tuple[str, str], Any]:
    bodies = dict(MATRIX_BODIES)
    bodies[("POST", "/api/v1/knowledge_bases/{kb_id}/answers")] = {
        "category_id": params["other_category_id"], "translations_attributes": [{"title": "Matrix answer 2"}]}
    return bodies


# --- the OpenAPI document (docs/api/zammad.yaml) against real answers ------------------------------------

def test_answers_match_the_document(api: Any) -> None:
    from tests.api.test_openapi import check_reply, check_request
    doc = "zammad.yaml"
    template = "/api/v1/knowledge_bases/{kb_id}"

    def call(method: str, path: str, documented: str, body: Any = None, who: Optional[str] = "agent") -> Any:
        if body is not None:
            check_request(doc, method, template + documented, body)
        reply = api.request(method, path, body, who=who)
        check_reply(doc, method, template + documented if documented != "init" else "/api/v1/knowledge_bases/init",
                    reply)
        return reply

    category_body = {"category_icon": "f115", "parent_id": "",
                     "translations_attributes": [{"title": "Docs", "content_attributes": {"body": "About"}}]}
    category = call("POST", f"{KB}/categories", "/categories", category_body).json
    call("GET", f"{KB}/categories/{category['id']}", "/categories/{category_id}")
    call("PATCH", f"{KB}/categories/{category['id']}", "/categories/{category_id}", {"category_icon": "f00c"})
    answer_body = {"category_id": category["id"], "tags": ["docs"], "fields": {"symptom": "s"},
                   "translations_attributes": [{"title": "Doc answer", "content_attributes": {"body": "<p>b</p>"}}]}
    answer_id = call("POST", f"{KB}/answers", "/answers", answer_body).json["id"]
    for action in ("internal", "publish", "archive", "unarchive"):
        call("POST", f"{KB}/answers/{answer_id}/{action}", "/answers/{answer_id}/" + action)
    call("PATCH", f"{KB}/answers/{answer_id}", "/answers/{answer_id}", {"tags": ["docs", "more"]})
    added = call("POST", f"{KB}/answers/{answer_id}/attachments", "/answers/{answer_id}/attachments",
                 attachment_body()).json
    file_id = added["assets"]["KnowledgeBaseAnswer"][str(answer_id)]["attachments"][0]["id"]
    attachment = "/answers/{answer_id}/attachments/{attachment_id}"
    call("GET", f"{KB}/answers/{answer_id}/attachments/{file_id}", attachment)
    call("GET", f"{KB}/answers/{answer_id}", "/answers/{answer_id}")
    call("POST", "/api/v1/knowledge_bases/init", "init")
    call("GET", f"{KB}/answers/{answer_id}", "/answers/{answer_id}", who="customer")            # 403
    call("PATCH", f"{KB}/answers/{answer_id}", "/answers/{answer_id}", {"category_id": 999})    # 422
    call("DELETE", f"{KB}/categories/{category['id']}", "/categories/{category_id}")             # 422: not empty
    call("DELETE", f"{KB}/answers/{answer_id}/attachments/{file_id}", attachment)
    call("DELETE", f"{KB}/answers/{answer_id}", "/answers/{answer_id}")
    call("GET", f"{KB}/answers/{answer_id}", "/answers/{answer_id}")                             # 404
    call("DELETE", f"{KB}/categories/{category['id']}", "/categories/{category_id}")
