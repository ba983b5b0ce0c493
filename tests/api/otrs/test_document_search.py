"""OTRS-80/81 document search through HTTP: published answers for everybody, a customer's own tickets only
with a token (never another customer's, never internal articles), filters, paging and the 422s."""
from __future__ import annotations

import json
from typing import Any, Optional

import pytest

from tests.api.otrs.conftest import Otrs
from tests.api.otrs.test_articles import agent_article, other_customers_ticket
from tests.api.zammad.test_knowledge_base import KB, create_answer, create_category
from tests.conftest import Api, Reply

PUBLIC = "/api/public"


class Public:
    """Requests to /api/public, anonymous or with a customer's token (`who`)."""

    def __init__(self, otrs: Otrs) -> None:
        self.otrs = otrs

    def post(self, path: str, body: Any = None, who: Optional[str] = None,
             headers: Optional[dict[str, str]] = None) -> Reply:
        sent = {"Content-Type": "application/json", "Accept": "*/*", **(headers or {})}
        if who is not None:
            sent["Authentication"] = f"Bearer {self.otrs.login(who)}"
        payload = b"" if body is None else json.dumps(body).encode()
        return Reply(self.otrs.api.client.http.request("POST", PUBLIC + path, headers=sent, body=payload))

    def search(self, body: dict[str, Any], who: Optional[str] = None, status: int = 200) -> Any:
        reply = self.post("/documentsearch", body, who=who)
        assert reply.status == status, reply
        assert reply.headers["x-otrs-api-version"] == "1.0.0"
        return reply.json


@pytest.fixture()
def public(otrs: Otrs) -> Public:
    return Public(otrs)


@pytest.fixture()
def kb(api: Api) -> dict[str, Any]:
    """Two categories: published printer answers, a draft and an internal one."""
    hardware = create_category(api, "Hardware")
    network = create_category(api, "Network")
    jam = create_answer(api, hardware["id"], "Printer paper jam", "<p>Open the printer tray.</p>")
    toner = create_answer(api, hardware["id"], "Printer toner empty", "<p>Replace the toner cartridge.</p>")
    share = create_answer(api, network["id"], "Share a printer", "<p>Add it on the print server.</p>")
    draft = create_answer(api, hardware["id"], "Printer draft", "<p>printer secrets</p>", publish=False)
    internal = create_answer(api, hardware["id"], "Printer internal", "<p>printer staff</p>", publish=False)
    assert api.post(f"{KB}/answers/{internal['id']}/internal", who="agent").status == 200
    return {"hardware": hardware, "network": network, "jam": jam, "toner": toner, "share": share, "draft": draft,
            "internal": internal}


def ids(result: dict[str, Any]) -> list[int]:
    return [item["DocumentID"] for item in result["SearchResult"]]


def test_anonymous_search_finds_published_answers_only(public: Public, kb: dict[str, Any]) -> None:
    result = public.search({"SearchQuery": "printer"})
    assert result["DocumentSearchTypes"] == [{"Identifier": "FAQ", "Label": "Knowledge Base Articles", "Hits": 3}]
    assert sorted(ids(result)) == sorted([kb["jam"]["id"], kb["toner"]["id"], kb["share"]["id"]])
    first = result["SearchResult"][0]
    assert set(first) == {"DocumentSearchType", "DocumentID", "Title", "Score", "Teasertext", "IsFromAttachment",
                          "Categories"}
    assert first["DocumentSearchType"] == "FAQ" and float(first["Score"]) > 0 and "<em>" in first["Teasertext"]
    current = result["CurrentDocumentSearchType"]
    assert (current["Identifier"], current["Hits"]) == ("FAQ", 3)
    categories = next(f for f in current["Filters"] if f["Identifier"] == "Category")
    assert {s["Label"]: s["Hits"] for s in categories["SubFilters"]} == {"Hardware": 2, "Network": 1}


def test_filters_paging_and_switches(public: Public, kb: dict[str, Any]) -> None:
    hardware = f"Category{kb['hardware']['id']}"
    narrowed = public.search({"SearchQuery": "printer", "ActiveFilters": json.dumps({"Category": [hardware]}),
                              "LoadDocumentSearchTypes": "0", "FilterAggregations": "0"})
    assert sorted(ids(narrowed)) == sorted([kb["jam"]["id"], kb["toner"]["id"]])
    assert "DocumentSearchTypes" not in narrowed and "Filters" not in narrowed["CurrentDocumentSearchType"]
    pages = [ids(public.search({"SearchQuery": "printer", "SearchItemsPerPage": "2", "Page": str(n)}))
             for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 1, 0] and len(set(pages[0] + pages[1])) == 3
    assert ids(public.search({"SearchQuery": "printer", "LanguageFilter": "de"})) == []


def test_a_customer_also_finds_own_tickets_never_others_or_internal_articles(
        public: Public, api: Api, kb: dict[str, Any]) -> None:
    others = other_customers_ticket(api)                   # Otto's printer ticket, another organization
    mine = public.search({"SearchQuery": "printer"}, who="customer")
    assert [t["Identifier"] for t in mine["DocumentSearchTypes"]] == ["Ticket", "FAQ"]
    assert mine["CurrentDocumentSearchType"]["Identifier"] == "Ticket"
    titles = [item["Title"] for item in mine["SearchResult"]]
    assert titles == ["Printer on floor 2 is jammed"] and others["id"] not in ids(mine)
    assert mine["SearchResult"][0]["TicketNumber"].endswith(
        api.get(f"/api/v1/tickets/{ids(mine)[0]}", who="agent").json["number"])
    states = next(f for f in mine["CurrentDocumentSearchType"]["Filters"] if f["Identifier"] == "State")
    assert [s["Identifier"] for s in states["SubFilters"]] == ["StateNew"]
    agent_article(api, ids(mine)[0], body="kangaroo firmware", internal=True)
    assert public.search({"SearchQuery": "kangaroo", "DocumentSearchType": "Ticket"},
                         who="customer")["SearchResult"] == []
    agent_article(api, ids(mine)[0], body="Please update the wombat firmware & retry.")
    wombat = public.search({"SearchQuery": "wombat"}, who="customer")["SearchResult"]
    assert [item["DocumentID"] for item in wombat] == ids(mine)
    assert wombat[0]["ChildDocumentSearchType"] == "ArticleMIME"          # the teaser comes from the article
    assert wombat[0]["Teasertext"] == "Re: printer Please update the <em>wombat</em> firmware &amp; retry."
    # without a token (or with a bad one) tickets are not searched at all
    assert public.search({"SearchQuery": "printer", "DocumentSearchType": "Ticket"}, status=422)["Errors"] == {
        "DocumentSearchType": {"Message": "DocumentSearchType must be one of: FAQ."}}
    bad = public.post("/documentsearch", {"SearchQuery": "printer"}, headers={"Authentication": "Bearer nonsense"})
    assert bad.status == 200 and [t["Identifier"] for t in bad.json["DocumentSearchTypes"]] == ["FAQ"]


def test_simple_search(public: Public, kb: dict[str, Any]) -> None:
    reply = public.post("/documentsearch/simple", {"SearchQuery": "printer toner"}, who="customer")
    assert reply.status == 200, reply
    assert reply.json == {"Result": [{"SectionType": "FAQ", "SectionTitle": "Knowledge Base Articles",
                                      "SectionResult": [{
                                          "DocumentSearchType": "FAQ", "DocumentID": kb["toner"]["id"],
                                          "Title": "Printer toner empty", "Categories": ["Hardware"],
                                          "Score": reply.json["Result"][0]["SectionResult"][0]["Score"]}]}]}
    tickets = public.post("/documentsearch/simple", {"SearchQuery": "jammed"}, who="customer").json["Result"]
    assert [(s["SectionType"], [i["Title"] for i in s["SectionResult"]]) for s in tickets] == \
        [("Ticket", ["Printer on floor 2 is jammed"])]
    assert public.post("/documentsearch/simple", {"SearchQuery": "jammed"}).json == {"Result": []}
    refused = public.post("/documentsearch/simple", {"LanguageFilter": "en"})
    assert refused.status == 422
    assert refused.json == {"Errors": {"SearchQuery": {"Message": "SearchQuery is required."}}}


@pytest.mark.parametrize("body, field", [
    ({}, "SearchQuery"),
    ({"SearchQuery": 5}, "SearchQuery"),
    ({"SearchQuery": "the"}, "SearchQuery"),
    ({"SearchQuery": "x" * 501}, "SearchQuery"),
    ({"SearchQuery": "printer", "Page": "0"}, "Page"),
    ({"SearchQuery": "printer", "Page": "first"}, "Page"),
    ({"SearchQuery": "printer", "SearchItemsPerPage": "101"}, "SearchItemsPerPage"),
    ({"SearchQuery": "printer", "MaxSearchItems": "-1"}, "MaxSearchItems"),
    ({"SearchQuery": "printer", "ActiveFilters": "not json"}, "ActiveFilters"),
    ({"SearchQuery": "printer", "ActiveFilters": {"State": [1]}}, "ActiveFilters"),
    ({"SearchQuery": "printer", "ActiveFilters": {"Owner": ["Me"]}}, "ActiveFilters"),
    ({"SearchQuery": "printer", "DocumentSearchType": "Wiki"}, "DocumentSearchType"),
    ({"SearchQuery": "printer", "FilterAggregations": "maybe"}, "FilterAggregations"),
    ({"SearchQuery": "printer", "LoadDocumentSearchTypes": [1]}, "LoadDocumentSearchTypes"),
    ({"SearchQuery": "printer", "LanguageFilter": "<script>"}, "LanguageFilter"),
    ({"SearchQuery": "printer", "LanguageFilter": {"en": 1}}, "LanguageFilter"),
])
def test_bad_input_is_422_naming_the_field(public: Public, body: dict[str, Any], field: str) -> None:
    assert list(public.search(body, status=422)["Errors"]) == [field]


def test_the_dev_servers_demo_knowledge_base_is_public_and_searchable(public: Public, api: Api) -> None:
    from chalicelib import bootstrap
    bootstrap.seed_demo_knowledge_base(bootstrap.container())
    bootstrap.seed_demo_knowledge_base(bootstrap.container())          # once only
    categories = Reply(api.client.http.request("GET", PUBLIC + "/knowledge-base/categorylist", headers={}, body=b""))
    assert [c["Name"] for c in categories.json["SubCategories"]] == ["Getting started", "Printing", "Network & VPN"]
    printing = public.search({"SearchQuery": "printer"})
    assert sorted(item["Title"] for item in printing["SearchResult"]) == \
        ["Clearing a paper jam", "The printer shows error E42"]         # the draft is not public
    assert public.search({"SearchQuery": "rotate quarter"})["SearchResult"] == []      # internal
    e42 = public.search({"SearchQuery": "E42"}, who="customer")
    assert [(t["Identifier"], t["Hits"]) for t in e42["DocumentSearchTypes"]] == [("Ticket", 1), ("FAQ", 1)]
