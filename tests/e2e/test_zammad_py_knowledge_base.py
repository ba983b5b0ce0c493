"""zammad_py's knowledge base calls against the real local server — categories, answers, publication,
a multipart attachment — and the OTRS public knowledge base showing only what was published."""
from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from zammad_py.api import KnowledgeBaseAnswerPublicity

pytestmark = pytest.mark.e2e


def test_an_answer_made_with_zammad_py_appears_publicly_once_published(client: Any, live_server: Any) -> None:
    category = client.knowledge_bases_categories.create({
        "knowledge_base_id": 1, "category_icon": "f115",
        "translations_attributes": [{"title": "E2E printers", "kb_locale_id": 1}]})
    answer = client.knowledge_bases_answers.create({
        "knowledge_base_id": 1, "category_id": category["id"],
        "translations_attributes": [{"title": "E2E toner reset", "kb_locale_id": 1,
                                     "content_attributes": {"body": "<p>Hold the reset key.</p>"}}]})
    answer_id = answer["id"]
    with_file = client.knowledge_bases_answers.add_attachment(1, answer_id, ("steps.txt", io.BytesIO(b"1. hold"),
                                                                             "text/plain"))
    assert with_file["id"] == answer_id

    public = live_server.base_url.split("/api/")[0] + "/api/public/knowledge-base"
    listed = requests.get(f"{public}/article/list", timeout=30).json()
    assert all(a["Title"] != "E2E toner reset" for a in listed["Articles"])        # a draft: not public
    client.knowledge_bases_answers.change_answer_visibility(1, answer_id, KnowledgeBaseAnswerPublicity.PUBLICLY)
    listed = requests.get(f"{public}/article/list", timeout=30).json()
    shown = next(a for a in listed["Articles"] if a["Title"] == "E2E toner reset")
    article = requests.get(f"{public}/article/{shown['ID']}", timeout=30)
    assert article.status_code == 200 and article.headers["X-OTRS-API-Version"] == "1.0.0"
    files = article.json()["Attachments"]
    assert [f["Filename"] for f in files] == ["steps.txt"]
    client.knowledge_bases_answers.change_answer_visibility(1, answer_id, KnowledgeBaseAnswerPublicity.INTERNALLY)
    listed = requests.get(f"{public}/article/list", timeout=30).json()
    assert all(a["Title"] != "E2E toner reset" for a in listed["Articles"])        # internal again: gone
