"""The public knowledge base never shows what is not published: every public KB route (all rows of
test_matrix.ACCESS under /api/public/knowledge-base), called with the ids of drafts, internal and archived
answers, their files and their categories, and asked for related articles with their words, answers
without a trace of them; and no vote lands on them."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.otrs.test_knowledge_base import Public
from tests.api.zammad.test_knowledge_base import KB, attachment_body, create_answer, create_category
from tests.security.test_matrix import ACCESS, PUBLIC, leaked

PREFIX = "/api/public/knowledge-base"
SECRET_WORDS = ["qzkbdraft", "qzkbinternal", "qzkbarchived", "qzkbhiddencat"]
SECRET_BYTES = b"qzkbfilebytes"


@pytest.fixture()
def hidden(api: Any) -> dict[str, Any]:
    """One published answer (so the KB is not empty) and, each with a file, a draft, an internal and an
    archived answer, one of them alone in its category."""
    shown_category = create_category(api, "Visible")
    shown = create_answer(api, shown_category["id"], "Visible answer", "<p>printer visible words</p>")
    hidden_category = create_category(api, "qzkbhiddencat category", comment="qzkbhiddencat comment")
    answers = {}
    for word, category_id, action in (("qzkbdraft", hidden_category["id"], None),
                                      ("qzkbinternal", shown_category["id"], "internal"),
                                      ("qzkbarchived", shown_category["id"], "archive")):
        answer = create_answer(api, category_id, f"{word} title", f"<p>{word} body printer</p>", publish=False,
                               fields={"symptom": f"{word} symptom"}, tags=[word])
        if action == "archive":
            assert api.post(f"{KB}/answers/{answer['id']}/publish", who="agent").status == 200
        if action:
            assert api.post(f"{KB}/answers/{answer['id']}/{action}", who="agent").status == 200
        added = api.post(f"{KB}/answers/{answer['id']}/attachments",
                         attachment_body(f"{word}-file.txt", SECRET_BYTES), who="agent")
        answers[word] = (answer["id"], added.json["assets"]["KnowledgeBaseAnswer"][str(answer["id"])]["attachments"][0]["id"])
    return {"shown": shown, "shown_category": shown_category, "hidden_category": hidden_category, "answers": answers}


def public_routes() -> list[tuple[str, str]]:
    return sorted(key for key, who in ACCESS.items() if key[1].startswith(PREFIX) and who == PUBLIC)


def test_the_public_routes_are_all_in_the_matrix() -> None:
    assert len(public_routes()) == 13   # OTRS-82..94


def test_nothing_unpublished_appears_in_any_public_answer(api: Any, hidden: dict[str, Any]) -> None:
    public = Public(api)
    secrets = SECRET_WORDS + [SECRET_BYTES.decode()]
    problems = []
    ids = [(answer_id, file_id, hidden["hidden_category"]["id"]) for answer_id, file_id in hidden["answers"].values()]
    ids.append((hidden["shown"]["id"], ids[0][1], hidden["shown_category"]["id"]))  # a hidden file on a shown answer
    for method, template in public_routes():
        for answer_id, file_id, category_id in ids:
            values = {"ArticleID": answer_id, "AttachmentID": file_id, "CategoryID": category_id}
            path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)[len(PREFIX):]
            body = None
            if template.endswith("related-articles") and method == "POST":
                body = {"Subject": " ".join(SECRET_WORDS), "Body": "printer " + " ".join(SECRET_WORDS)}
            elif template.endswith("vote/send"):
                body = {"Vote": "Yes"}
            reply = public.request(method, path, body)
            problems += [f"{method} {path}: leaks {s!r}" for s in leaked(reply, secrets)]
            if reply.headers.get("x-otrs-api-version") != "1.0.0":
                problems.append(f"{method} {path}: no X-OTRS-API-Version")
            if reply.status >= 500:
                problems.append(f"{method} {path}: status {reply.status}")
    assert not problems, "\n".join(problems)
    for word, (answer_id, _) in hidden["answers"].items():   # votes on hidden answers were refused
        shown = api.get(f"{KB}/answers/{answer_id}", who="agent").json
        assert shown["assets"]["KnowledgeBaseAnswer"][str(answer_id)]["votes"]["count"] == 0, word
    # the published answer stays reachable: the refusals above were not blanket ones
    assert public.get(f"/article/{hidden['shown']['id']}").status == 200


def test_withdrawn_answers_disappear_at_once(api: Any, hidden: dict[str, Any]) -> None:
    public = Public(api)
    answer_id = hidden["shown"]["id"]
    assert api.post(f"{KB}/answers/{answer_id}/internal", who="agent").status == 200
    for path in (f"/article/{answer_id}", "/article/list", "/categorylist",
                 f"/categorylist/{hidden['shown_category']['id']}"):
        reply = public.get(path)
        assert "Visible" not in (reply.body or b"").decode(), path
