"""Contract of the ticket-links stores (tags, links, history, merge moves), on DynamoDB (moto) and the fakes."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.model import HistoryEntry, TagItem, TicketLink, TicketTag
from tests.core.fakes import FakeTicketLinkRepository, FakeTicketMoves, FakeTicketRepository
from tests.storage.test_contract import BOTH, REGION, _adapter, create, make_article
from tests.storage.test_contract import dynamo  # noqa: F401  (fixture)


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.ticket_links import TicketLinkStore
    return _adapter(request, TicketLinkStore, FakeTicketLinkRepository)


@pytest.fixture(params=BOTH)
def moves(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """(ticket repository, TicketMoves) over the same tickets."""
    if request.param == "dynamodb":
        request.getfixturevalue("dynamo")
        from chalicelib.storage.tickets import TicketStore
        tickets = TicketStore(REGION)
        return tickets, tickets
    tickets = FakeTicketRepository()
    return tickets, FakeTicketMoves(tickets)


def entry(eid: int, ticket_id: int, at: str, **kw: Any) -> HistoryEntry:
    return HistoryEntry(id=eid, ticket_id=ticket_id, o_id=ticket_id, history_type=kw.pop("history_type", "updated"),
                        created_at=at, **kw)


def test_history_oldest_first_per_ticket_and_capped(store: Any) -> None:
    store.append_history([entry(3, 1, "2024-01-01T10:00:00.000Z", history_attribute="state", value_from="new",
                                value_to="open", id_from=1, id_to=2),
                          entry(1, 1, "2024-01-01T09:00:00.000Z", history_type="created"),
                          entry(2, 2, "2024-01-01T09:30:00.000Z", history_type="created")])
    found = store.history(1, 10)
    assert [e.id for e in found] == [1, 3]
    assert found[1] == entry(3, 1, "2024-01-01T10:00:00.000Z", history_attribute="state", value_from="new",
                             value_to="open", id_from=1, id_to=2)
    assert [e.id for e in store.history(1, 1)] == [1]
    assert store.history(99, 10) == []


def test_tags_and_registry_counts(store: Any) -> None:
    printer = store.create_tag_item(TagItem(1, "Printer"))
    assert store.create_tag_item(TagItem(2, "printer")) == printer   # a race: the registered one wins
    store.create_tag_item(TagItem(3, "urgent"))
    assert store.add_tag(1, TicketTag("Printer", 5, "2024-01-01T09:00:00.000Z"), printer) is True
    assert store.add_tag(1, TicketTag("printer", 5, "2024-01-01T09:01:00.000Z"), printer) is False
    assert store.add_tag(1, TicketTag("urgent", 5, "2024-01-01T09:02:00.000Z"), store.tag_item("urgent")) is True
    assert store.add_tag(2, TicketTag("Printer", 5, "2024-01-01T09:03:00.000Z"), printer) is True
    assert [t.name for t in store.tags(1)] == ["Printer", "urgent"]
    assert store.tag_item("PRINTER") == TagItem(1, "Printer", 2)
    assert store.tag_item_by_id(3) == TagItem(3, "urgent", 1)
    assert store.tag_item_by_id(99) is None and store.tag_item("nope") is None
    assert store.tagged_tickets("printer", 10) == [1, 2] and store.tagged_tickets("printer", 1) == [1]
    assert [(i.name, i.count) for i in store.tag_items(10)] == [("Printer", 2), ("urgent", 1)]
    assert store.remove_tag(1, "PRINTER") is True and store.remove_tag(1, "printer") is False
    assert store.tag_item("printer").count == 1 and store.tagged_tickets("printer", 10) == [2]
    renamed = store.rename_tag_item(store.tag_item("printer"), "PRINTER")
    assert (renamed.id, renamed.name, renamed.count) == (1, "PRINTER", 1)
    assert store.tag_item_by_id(1).name == "PRINTER"
    store.delete_tag_item(store.tag_item("urgent"))
    assert store.tag_item("urgent") is None and store.tag_item_by_id(3) is None
    assert store.remove_tag(1, "urgent") is True     # a tag whose registry item is gone still goes
    assert store.tags(1) == []


def test_adding_a_tag_whose_registry_item_is_gone_is_a_conflict(store: Any) -> None:
    item = store.create_tag_item(TagItem(1, "gone"))
    store.delete_tag_item(item)
    with pytest.raises(Conflict):
        store.add_tag(1, TicketTag("gone"), item)
    assert store.tags(1) == []


def test_links_are_kept_on_both_sides(store: Any) -> None:
    link = TicketLink(1, "parent", 2, 5, "2024-01-01T09:00:00.000Z")
    assert store.add_link(link) is True and store.add_link(link) is False
    store.add_link(TicketLink(1, "normal", 3))
    assert store.links(1) == [link, TicketLink(1, "normal", 3)]
    assert store.links(2) == [TicketLink(2, "child", 1, 5, "2024-01-01T09:00:00.000Z")]
    assert store.remove_link(TicketLink(2, "child", 1)) is True and store.remove_link(link) is False
    assert store.links(1) == [TicketLink(1, "normal", 3)] and store.links(2) == []


def test_forget_ticket_removes_its_items_and_the_other_sides(store: Any) -> None:
    item = store.create_tag_item(TagItem(1, "doomed"))
    store.add_tag(1, TicketTag("doomed"), item)
    store.add_tag(2, TicketTag("doomed"), item)
    store.add_link(TicketLink(1, "normal", 2))
    store.append_history([entry(1, 1, "2024-01-01T09:00:00.000Z")])
    store.forget_ticket(1)
    assert store.tags(1) == [] and store.links(1) == [] and store.history(1, 10) == []
    assert store.links(2) == [] and store.tag_item("doomed").count == 1 and store.tagged_tickets("doomed", 5) == [2]


def test_merge_moves_articles_in_one_write(moves: tuple[Any, Any]) -> None:
    tickets, mover = moves
    source, target = create(tickets, 1), create(tickets, 2)
    source, target = tickets.get(1), tickets.get(2)
    moved = [replace(make_article(1), ticket_id=2)]
    note = make_article(1, 11, body="merged")
    new_source = replace(source, state_id=5, article_ids=[11])
    new_target = replace(target, article_ids=[10, 20])
    mover.merge(new_source, source.version, new_target, target.version, moved, note)
    assert (new_source.version, new_target.version) == (source.version + 1, target.version + 1)
    assert [a.id for a in tickets.articles(2)] == [10, 20] and [a.body for a in tickets.articles(1)] == ["merged"]
    assert tickets.article(10).ticket_id == 2 and tickets.article(11).ticket_id == 1
    assert tickets.get(1).state_id == 5 and tickets.get(2).article_ids == [10, 20]


def test_merge_with_a_stale_version_writes_nothing(moves: tuple[Any, Any]) -> None:
    tickets, mover = moves
    create(tickets, 1), create(tickets, 2)
    source, target = tickets.get(1), tickets.get(2)
    with pytest.raises(Conflict):
        mover.merge(replace(source, state_id=5), source.version, target, target.version - 1,
                    [replace(make_article(1), ticket_id=2)], make_article(1, 11))
    assert tickets.get(1).state_id == 1 and [a.id for a in tickets.articles(1)] == [10]
    assert tickets.article(11) is None and tickets.article(10).ticket_id == 1
