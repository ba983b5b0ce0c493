"""OTRS's public knowledge base (OTRS-82..94) through HTTP, fed by Zammad's /api/v1 management."""
from __future__ import annotations

import json
from typing import Any, Optional

import pytest

from tests.api.zammad.test_knowledge_base import KB, attachment_body, create_answer, create_category
from tests.conftest import Api, Reply

PUBLIC = "/api/public/knowledge-base"


class Public:
    """Anonymous requests to /api/public, as one browser (its user agent) unless told otherwise."""

    def __init__(self, api: Api, user_agent: str = "Mozilla/5.0 (kb tests)") -> None:
        self.api = api
        self.user_agent = user_agent

    def request(self, method: str, path: str, body: Any = None, user_agent: Optional[str] = None) -> Reply:
        headers = {"Content-Type": "application/json", "Accept": "*/*", "User-Agent": user_agent or self.user_agent}
        payload = b"" if body is None else json.dumps(body).encode()
        return Reply(self.api.client.http.request(method, PUBLIC + path, headers=headers, body=payload))

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)


@pytest.fixture()
def public(api: Api) -> Public:
    return Public(api)


@pytest.fixture()
def tree(api: Api) -> dict[str, Any]:
    """Hardware > Computer > Notebook with published answers, an empty category, and hidden answers."""
    hardware = create_category(api, "Hardware", comment="For all Hardware questions.")
    computer = create_category(api, "Computer", parent_id=hardware["id"], comment="For Computer.")
    notebook = create_category(api, "Notebook", parent_id=computer["id"], comment="For Notebooks.")
    empty = create_category(api, "Empty", parent_id=hardware["id"])
    drafts = create_category(api, "Drafts only")
    e42 = create_answer(api, notebook["id"], "Printer shows E42", "<p>Reset the printer toner.</p>",
                        fields={"symptom": "E42 on the display", "problem": "Toner sensor"}, tags=["printer"])
    jam = create_answer(api, computer["id"], "Printer paper jam", "<p>Open the printer tray.</p>")
    vpn = create_answer(api, hardware["id"], "VPN does not connect", "<p>Renew the certificate.</p>")
    draft = create_answer(api, drafts["id"], "Secret printer draft", "<p>printer toner internals</p>", publish=False)
    internal = create_answer(api, notebook["id"], "Internal printer note", "<p>printer toner staff</p>",
                             publish=False)
    assert api.post(f"{KB}/answers/{internal['id']}/internal", who="agent").status == 200
    return {"hardware": hardware, "computer": computer, "notebook": notebook, "empty": empty, "drafts": drafts,
            "e42": e42, "jam": jam, "vpn": vpn, "draft": draft, "internal": internal}


def assert_otrs(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, reply
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    return reply.json if reply.headers.get("content-type", "").startswith("application/json") else reply.body


# --- categories ----------------------------------------------------------------------------------------

def test_category_list_root_and_nested(public: Public, tree: dict[str, Any]) -> None:
    root = assert_otrs(public.get("/categorylist"))
    assert root["Category"] == {"CategoryID": 0, "Name": "Knowledge Base", "Comment": ""}
    assert root["SubCategories"] == [{"CategoryID": tree["hardware"]["id"], "Name": "Hardware",
                                      "Comment": "For all Hardware questions."}]
    assert root["CategoryPath"] == []
    notebook = assert_otrs(public.get(f"/categorylist/{tree['notebook']['id']}"))
    assert notebook["Category"]["Name"] == "Notebook" and notebook["SubCategories"] == []
    assert [c["Name"] for c in notebook["CategoryPath"]] == ["Hardware", "Computer", "Notebook"]
    hardware = assert_otrs(public.get(f"/categorylist/{tree['hardware']['id']}"))
    assert [c["Name"] for c in hardware["SubCategories"]] == ["Computer"]   # "Empty" has nothing published


@pytest.mark.parametrize("which", ["empty", "drafts"])
def test_categories_without_published_answers_do_not_exist(public: Public, tree: dict[str, Any], which: str) -> None:
    reply = public.get(f"/categorylist/{tree[which]['id']}")
    assert assert_otrs(reply, 422) == {"Errors": {"CategoryID": {"Message": "No such category."}}}
    assert assert_otrs(public.get(f"/article/list/{tree[which]['id']}"), 422)["Errors"]["CategoryID"]


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "99999"])
def test_bad_category_ids_are_422(public: Public, tree: dict[str, Any], raw: str) -> None:
    assert "CategoryID" in assert_otrs(public.get(f"/categorylist/{raw}"), 422)["Errors"]


# --- article lists -------------------------------------------------------------------------------------

def test_article_list_pages_published_articles(public: Public, tree: dict[str, Any]) -> None:
    everything = assert_otrs(public.get("/article/list"))
    titles = [a["Title"] for a in everything["Articles"]]
    assert everything["TotalArticles"] == 3
    assert set(titles) == {"Printer shows E42", "Printer paper jam", "VPN does not connect"}
    first = assert_otrs(public.get("/article/list?ArticlesPerPage=2&Page=1"))
    second = assert_otrs(public.get("/article/list?ArticlesPerPage=2&Page=2"))
    assert len(first["Articles"]) == 2 and len(second["Articles"]) == 1 and first["TotalArticles"] == 3
    assert {a["ID"] for a in first["Articles"] + second["Articles"]} == {a["ID"] for a in everything["Articles"]}
    in_notebook = assert_otrs(public.get(f"/article/list/{tree['notebook']['id']}"))
    assert in_notebook == {"Articles": [{"ID": tree["e42"]["id"], "Title": "Printer shows E42"}], "TotalArticles": 1}


@pytest.mark.parametrize("query,field", [("ArticlesPerPage=x", "ArticlesPerPage"), ("Page=0", "Page"),
                                         ("ArticlesPerPage=1000", "ArticlesPerPage")])
def test_article_list_paging_errors(public: Public, tree: dict[str, Any], query: str, field: str) -> None:
    assert field in assert_otrs(public.get(f"/article/list?{query}"), 422)["Errors"]


# --- one article ---------------------------------------------------------------------------------------

def test_article_shows_its_fields(public: Public, tree: dict[str, Any]) -> None:
    shown = assert_otrs(public.get(f"/article/{tree['e42']['id']}"))
    assert shown["ID"] == tree["e42"]["id"] and shown["Number"] == 100000 + tree["e42"]["id"]
    assert shown["Title"] == "Printer shows E42" and shown["CategoryID"] == tree["notebook"]["id"]
    assert shown["Fields"] == [{"Caption": "Symptom", "Content": "E42 on the display"},
                               {"Caption": "Problem", "Content": "Toner sensor"},
                               {"Caption": "Solution", "Content": "<p>Reset the printer toner.</p>"}]
    assert shown["Keywords"] == ["printer"] and shown["Attachments"] == []


def test_article_content_is_sanitised(api: Api, public: Public) -> None:
    category = create_category(api)
    answer = create_answer(api, category["id"], "XSS", '<p onclick="x()">Hi<script>alert(1)</script></p>')
    solution = assert_otrs(public.get(f"/article/{answer['id']}"))["Fields"][-1]["Content"]
    assert solution == "<p>Hi</p>"


@pytest.mark.parametrize("which", ["draft", "internal"])
def test_hidden_articles_answer_like_missing_ones(public: Public, tree: dict[str, Any], which: str) -> None:
    hidden = public.get(f"/article/{tree[which]['id']}")
    missing = public.get("/article/99999")
    assert assert_otrs(hidden, 422) == assert_otrs(missing, 422) == {
        "Errors": {"ArticleID": {"Message": "No such published article."}}}


# --- attachments ---------------------------------------------------------------------------------------

def test_attachments_get_head_and_download(api: Api, public: Public, tree: dict[str, Any]) -> None:
    added = api.post(f"{KB}/answers/{tree['e42']['id']}/attachments", attachment_body("guide.txt", b"step one"),
                     who="agent")
    file_id = added.json["assets"]["KnowledgeBaseAnswer"][str(tree["e42"]["id"])]["attachments"][0]["id"]
    listed = assert_otrs(public.get(f"/article/{tree['e42']['id']}"))["Attachments"]
    assert listed == [{"AttachmentID": file_id, "Filename": "guide.txt", "ContentType": "text/plain",
                       "FilesizeRaw": 8}]
    base = f"/article/{tree['e42']['id']}/attachment/{file_id}"
    for path in (base, base + "/download"):
        got = public.get(path)
        assert got.status == 200 and got.body == b"step one", path
        assert got.headers["content-disposition"].startswith('attachment; filename="guide.txt"')
        assert got.headers["content-type"] == "text/plain" and got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["x-otrs-api-version"] == "1.0.0"
        head = public.request("HEAD", path)
        assert head.status == 200 and head.body in (b"", None) and head.headers["content-length"] == "8"


def test_attachment_errors(api: Api, public: Public, tree: dict[str, Any]) -> None:
    added = api.post(f"{KB}/answers/{tree['draft']['id']}/attachments", attachment_body("secret.txt", b"qzkbsecret"),
                     who="agent")
    draft_file = added.json["assets"]["KnowledgeBaseAnswer"][str(tree["draft"]["id"])]["attachments"][0]["id"]
    for path in (f"/article/{tree['draft']['id']}/attachment/{draft_file}",
                 f"/article/{tree['draft']['id']}/attachment/{draft_file}/download",
                 f"/article/99999/attachment/{draft_file}"):
        refused = public.get(path)
        assert assert_otrs(refused, 403) == {"Error": "No access to the knowledge-base article."}, path
        assert public.request("HEAD", path).status == 403
    missing = public.get(f"/article/{tree['e42']['id']}/attachment/{draft_file}")
    assert assert_otrs(missing, 404) == {"Error": "Attachment not found."}
    assert "AttachmentID" in assert_otrs(public.get(f"/article/{tree['e42']['id']}/attachment/x"), 422)["Errors"]


# --- related articles ----------------------------------------------------------------------------------

def test_related_to_subject_and_body(public: Public, tree: dict[str, Any]) -> None:
    found = assert_otrs(public.post("/article/related-articles",
                                    {"Subject": "Printer problem", "Body": "my printer says E42 and toner"}))
    assert found[0] == {"ID": tree["e42"]["id"], "Title": "Printer shows E42"}
    assert {a["ID"] for a in found} == {tree["e42"]["id"], tree["jam"]["id"]}   # never drafts or internal ones
    limited = assert_otrs(public.post("/article/related-articles",
                                      {"Subject": "printer", "Body": "toner", "Limit": "1"}))
    assert len(limited) == 1
    other_language = assert_otrs(public.post("/article/related-articles",
                                             {"Subject": "printer", "Body": "toner", "Languages": ["de"]}))
    assert other_language == []


@pytest.mark.parametrize("body,field", [({"Body": "x"}, "Subject"), ({"Subject": "x"}, "Body"),
                                        ({"Subject": "x", "Body": "y", "Limit": "many"}, "Limit"),
                                        ({"Subject": "x", "Body": "y", "Languages": 5}, "Languages")])
def test_related_errors(public: Public, tree: dict[str, Any], body: dict[str, Any], field: str) -> None:
    assert field in assert_otrs(public.post("/article/related-articles", body), 422)["Errors"]


def test_related_to_an_article(public: Public, tree: dict[str, Any]) -> None:
    found = assert_otrs(public.get(f"/article/{tree['e42']['id']}/related-articles"))
    assert found == [{"ID": tree["jam"]["id"], "Title": "Printer paper jam"}]
    assert "ArticleID" in assert_otrs(public.get(f"/article/{tree['draft']['id']}/related-articles"), 422)["Errors"]


# --- votes ---------------------------------------------------------------------------------------------

def test_one_vote_per_visitor(api: Api, public: Public, tree: dict[str, Any]) -> None:
    article = tree["e42"]["id"]
    assert assert_otrs(public.get(f"/article/{article}/vote/check")) == {"ShowVotingButtons": 1}
    sent = assert_otrs(public.post(f"/article/{article}/vote/send", {"Vote": "Yes"}))
    assert sent == {"ShowVotingButtons": 0, "VoteSuccess": 1}
    assert assert_otrs(public.get(f"/article/{article}/vote/check")) == {"ShowVotingButtons": 0}
    again = public.post(f"/article/{article}/vote/send", {"Vote": "No"})
    assert assert_otrs(again, 900) == [{"ErrorIdentifier": "CouldNotVote",
                                        "ErrorMessage": "The system was unable to save the vote."}]
    other_browser = public.post(f"/article/{article}/vote/send", {"Vote": "0"}, user_agent="Other browser")
    assert assert_otrs(other_browser)["VoteSuccess"] == 1
    votes = api.get(f"{KB}/answers/{article}", who="agent").json["assets"]["KnowledgeBaseAnswer"][str(article)]["votes"]
    assert votes == {"count": 2, "average": 50.0}


def test_vote_errors(public: Public, tree: dict[str, Any]) -> None:
    article = tree["e42"]["id"]
    assert "Vote" in assert_otrs(public.post(f"/article/{article}/vote/send", {}), 422)["Errors"]
    assert "Vote" in assert_otrs(public.post(f"/article/{article}/vote/send", {"Vote": "maybe"}), 422)["Errors"]
    for hidden in (tree["draft"]["id"], tree["internal"]["id"], 99999):
        assert "ArticleID" in assert_otrs(public.post(f"/article/{hidden}/vote/send", {"Vote": "Yes"}), 422)["Errors"]
        assert "ArticleID" in assert_otrs(public.get(f"/article/{hidden}/vote/check"), 422)["Errors"]


# --- the rule: content from /api/v1 is public only while published ---------------------------------------

def test_content_appears_publicly_only_when_published(api: Api, public: Public) -> None:
    category = create_category(api, "Lifecycle")
    answer = create_answer(api, category["id"], "Lifecycle answer", "<p>qzlifecycle</p>", publish=False)
    answer_id = answer["id"]

    def visible() -> bool:
        listed = [a["ID"] for a in assert_otrs(public.get("/article/list"))["Articles"]]
        shown = public.get(f"/article/{answer_id}").status == 200
        assert (answer_id in listed) == shown
        return shown

    assert not visible()
    for action, expected in (("internal", False), ("publish", True), ("archive", False), ("unarchive", True),
                             ("internal", False), ("publish", True)):
        assert api.post(f"{KB}/answers/{answer_id}/{action}", who="agent").status == 200
        assert visible() is expected, action
    api.request("PATCH", f"{KB}/answers/{answer_id}", {
        "translations_attributes": [{"title": "Renamed publicly"}]}, who="agent")
    assert assert_otrs(public.get(f"/article/{answer_id}"))["Title"] == "Renamed publicly"
    assert api.delete(f"{KB}/answers/{answer_id}", who="agent").status == 200
    assert not visible()
