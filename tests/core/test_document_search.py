"""Document search on fakes: published answers for everybody, a customer's own tickets, ranking, filters,
counts per filter value, paging and the refusals."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.document_search import (FAQ, TICKET, DocumentSearch, DocumentSearchRequest,
                                             KnowledgeBaseSource, TicketSource, identifier, teaser)
from chalicelib.core.errors import InvalidInput
from chalicelib.core.knowledge_base import AnswerInput, CategoryInput, KnowledgeBase
from chalicelib.core.tickets import ArticleInput, TicketInput
from tests.core.fakes import FakeKnowledgeBaseRepository, Ref, World, make_world


class Setup:
    def __init__(self) -> None:
        self.w: World = make_world()
        self.kb = KnowledgeBase(FakeKnowledgeBaseRepository(), self.w.blobs, self.w.ids, self.w.clock, 1000)
        self.search = DocumentSearch([TicketSource(self.w.tickets), KnowledgeBaseSource(self.kb)])
        editor = self.w.agent
        self.hardware = self.kb.create_category(editor, CategoryInput(name="Hardware"))
        self.network = self.kb.create_category(editor, CategoryInput(name="Network"))

    def answer(self, category_id: int, title: str, body: str, publish: bool = True, language: str = "en") -> Any:
        created = self.kb.create_answer(self.w.agent, AnswerInput(category_id=category_id, title=title, body=body,
                                                                  language=language))
        if publish:
            created = self.kb.change_visibility(self.w.agent, created.id, "publish")
        self.w.clock.advance(60)
        return created

    def run(self, who: Any, query: str, **kw: Any) -> Any:
        return self.search.search(who, DocumentSearchRequest(query=query, **kw))


@pytest.fixture()
def s() -> Setup:
    return Setup()


def ids(result: Any) -> list[int]:
    return [hit.document.id for hit in result.page]


def test_anonymous_callers_search_published_answers_only(s: Setup) -> None:
    shown = s.answer(s.hardware.id, "Printer shows E42", "<p>Reset the printer toner.</p>")
    s.answer(s.hardware.id, "Printer draft", "<p>printer toner secrets</p>", publish=False)
    internal = s.answer(s.hardware.id, "Printer internal", "<p>printer toner staff only</p>", publish=False)
    s.kb.change_visibility(s.w.agent, internal.id, "internal")
    s.w.new_ticket(title="Printer toner empty")           # a ticket: never for anonymous callers
    result = s.run(None, "printer toner")
    assert [(t.identifier, t.hits) for t in result.types] == [(FAQ, 1)]
    assert result.current is not None and result.current.identifier == FAQ and ids(result) == [shown.id]
    with pytest.raises(InvalidInput) as refused:
        s.run(None, "printer", document_type=TICKET)
    assert refused.value.field == "DocumentSearchType"


def test_every_word_must_match_and_common_words_do_not_count(s: Setup) -> None:
    both = s.answer(s.hardware.id, "Printer toner", "<p>Change the toner of the printer.</p>")
    s.answer(s.hardware.id, "Printer paper", "<p>Open the tray.</p>")
    assert ids(s.run(None, "how do I change the printer toner")) == [both.id]
    for query in ("the and of", "a", "  "):
        with pytest.raises(InvalidInput) as refused:
            s.run(None, query)
        assert refused.value.field == "SearchQuery"


def test_a_customer_finds_own_and_shared_organization_tickets_never_others_or_internal_words(s: Setup) -> None:
    w = s.w
    own = w.new_ticket(title="Laptop battery drains")
    colleague = w.new_ticket(for_customer=w.customer_b, title="Laptop screen flickers")
    w.new_ticket(for_customer=w.customer_c, title="Laptop keyboard sticky")          # another organization
    w.tickets.add_article(w.agent, own.id, ArticleInput(body="laptop firmware zebra", internal=True,
                                                         type=Ref("type", name="note")))
    result = s.run(w.customer_a, "laptop")
    assert [t.identifier for t in result.types] == [TICKET, FAQ]
    assert result.current is not None and result.current.identifier == TICKET
    assert sorted(ids(result)) == sorted([own.id, colleague.id])
    assert s.run(w.customer_a, "zebra").current.hits == 0        # only an internal article holds it
    assert ids(s.run(w.customer_c, "laptop")) != [] and own.id not in ids(s.run(w.customer_c, "laptop"))
    assert [t.identifier for t in s.run(w.agent, "laptop").types] == [FAQ]   # agents have their own search


def test_title_hits_rank_first_and_teasers_mark_the_words(s: Setup) -> None:
    body_only = s.answer(s.hardware.id, "Paper jam", "<p>When the printer jams, open the tray.</p>")
    in_title = s.answer(s.hardware.id, "Printer jams", "<p>Open the tray & pull the sheet.</p>")
    result = s.run(None, "printer")
    assert ids(result) == [in_title.id, body_only.id]
    assert result.page[0].score > result.page[1].score
    assert "<em>printer</em>" in result.page[1].teaser and "&amp;" in result.page[0].teaser
    assert teaser("x" * 200 + " printer " + "y" * 200, frozenset({"printer"})).startswith("…")


def test_filters_narrow_and_counts_are_taken_with_the_other_filters(s: Setup) -> None:
    en = s.answer(s.hardware.id, "Printer setup", "<p>printer</p>")
    s.answer(s.network.id, "Printer sharing", "<p>printer</p>")
    de = s.answer(s.hardware.id, "Drucker printer", "<p>printer</p>", language="de")
    hardware = identifier("Category", str(s.hardware.id))
    result = s.run(None, "printer", active_filters={"Category": (hardware,)})
    assert sorted(ids(result)) == sorted([en.id, de.id]) and result.current.hits == 2
    assert [t.hits for t in result.types] == [3]                     # kinds count before filters
    filters = {f.identifier: {v.label: v.hits for v in f.values} for f in result.filters}
    assert filters["Category"] == {"Hardware": 2, "Network": 1}      # its own filter left out
    assert filters["Language"] == {"en": 1, "de": 1}                 # within Hardware
    german = s.run(None, "printer", active_filters={"Category": (hardware,), "Language": ("LanguageDe",)})
    assert ids(german) == [de.id]
    assert ids(s.run(None, "printer", languages=frozenset({"de"}))) == [de.id]
    with pytest.raises(InvalidInput) as refused:
        s.run(None, "printer", active_filters={"State": ("StateOpen",)})
    assert refused.value.field == "ActiveFilters"


def test_ticket_states_are_filters(s: Setup) -> None:
    w = s.w
    first = w.new_ticket(title="Monitor flickers")
    second = w.new_ticket(title="Monitor is dark")
    w.tickets.update(w.agent, second.id, TicketInput(state=Ref("state", name="closed")))
    result = s.run(w.customer_a, "monitor", active_filters={"State": (identifier("State", "closed"),)})
    assert ids(result) == [second.id]
    states = {v.identifier: v.hits for f in result.filters if f.identifier == "State" for v in f.values}
    assert states == {"StateNew": 1, "StateClosed": 1} and first.id not in ids(result)


def test_paging_and_the_item_bound(s: Setup) -> None:
    made = [s.answer(s.hardware.id, f"Printer {n}", "<p>printer</p>") for n in range(5)]
    newest_first = [a.id for a in reversed(made)]
    assert ids(s.run(None, "printer", per_page=2, page=1)) == newest_first[:2]
    assert ids(s.run(None, "printer", per_page=2, page=3)) == newest_first[4:]
    assert ids(s.run(None, "printer", per_page=2, page=4)) == []
    bounded = s.run(None, "printer", max_items=3)
    assert bounded.current.hits == 3 and len(ids(bounded)) == 3


def test_simple_search_gives_sections_of_kinds_with_hits(s: Setup) -> None:
    answer = s.answer(s.network.id, "VPN certificate", "<p>Renew it.</p>")
    ticket = s.w.new_ticket(title="VPN broken")
    sections = s.search.simple(s.w.customer_a, "vpn", frozenset(), 5)
    assert [(x.identifier, [h.document.id for h in x.hits]) for x in sections] == \
        [(TICKET, [ticket.id]), (FAQ, [answer.id])]
    assert [x.identifier for x in s.search.simple(None, "vpn", frozenset(), 5)] == [FAQ]
    assert s.search.simple(None, "nothing matches", frozenset(), 5) == []
    assert s.search.simple(None, "vpn", frozenset(), 5)[0].hits[0].document.categories == ("Network",)


def test_a_customers_ticket_teaser_comes_from_an_article_they_may_read(s: Setup) -> None:
    w = s.w
    ticket = w.new_ticket(title="Battery drains")
    w.tickets.add_article(w.agent, ticket.id, ArticleInput(body="kiwi secret plan", internal=True,
                                                           type=Ref("type", name="note")))
    w.tickets.add_article(w.agent, ticket.id, ArticleInput(body="kiwi public answer", type=Ref("type", name="note")))
    [hit] = s.run(w.customer_a, "kiwi").page
    assert hit.document.child_type == "ArticleMIME" and hit.teaser == "<em>kiwi</em> public answer"
    [by_title] = s.run(w.customer_a, "battery").page                 # the title holds it: no article read
    assert by_title.document.child_type is None and by_title.teaser == "<em>Battery</em> drains"
