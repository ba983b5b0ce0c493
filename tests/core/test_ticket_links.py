"""Tags, links, merge and history on in-memory fakes (core.ticket_links)."""
from __future__ import annotations

import base64

import pytest

from chalicelib.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chalicelib.core.ticket_links import LinkRequest, MergeFailed
from chalicelib.core.tickets import blob_key
from tests.core.fakes import (SALES_GROUP, ArticleInput, AttachmentInput, Ref, TicketInput, World, make_ticket_links,
                              make_world)


@pytest.fixture()
def w() -> World:
    return make_world()


@pytest.fixture()
def links(w: World):
    return make_ticket_links(w)


def kinds(entries) -> list[tuple]:
    return [(e.history_type, e.history_object, e.history_attribute, e.value_from, e.value_to) for e in entries]


# --- history ---------------------------------------------------------------------------------------

def test_history_records_create_updates_and_articles(w: World, links) -> None:
    service, repo, _ = links
    ticket = w.new_ticket()
    w.tickets.update(w.agent, ticket.id, TicketInput(state=Ref("state", name="open"), priority=Ref("priority", id=3),
                                                     owner_id=w.agent.id, title="Printer on fire"))
    w.tickets.add_article(w.agent, ticket.id, ArticleInput(body="On my way."))
    _, entries = service.history(w.agent, ticket.id)
    article_ids = w.ticket_repo.tickets[ticket.id].article_ids
    assert kinds(entries) == [
        ("created", "Ticket", None, None, None),
        ("created", "Ticket::Article", None, None, None),
        ("updated", "Ticket", "title", "Printer is broken", "Printer on fire"),
        ("updated", "Ticket", "state", "new", "open"),
        ("updated", "Ticket", "priority", "2 normal", "3 high"),
        ("updated", "Ticket", "owner", "-", w.agent.user.fullname),
        ("created", "Ticket::Article", None, None, None),
    ]
    state = entries[3]
    assert (state.id_from, state.id_to, state.o_id, state.created_by_id) == (1, 2, ticket.id, w.agent.id)
    assert [e.o_id for e in entries if e.history_object == "Ticket::Article"] == article_ids
    assert entries[1].related_o_id == ticket.id and entries[1].related_history_object == "Ticket"
    assert len({e.id for e in entries}) == len(entries)


def test_history_nothing_for_an_update_without_changes(w: World, links) -> None:
    service, _, _ = links
    ticket = w.new_ticket()
    w.tickets.update(w.agent, ticket.id, TicketInput(title="Printer is broken"))
    assert len(service.history(w.agent, ticket.id)[1]) == 2


def test_history_records_custom_field_changes(w: World, links) -> None:
    from dataclasses import replace as copy_with
    from chalicelib.core.ports import TicketChange
    from chalicelib.core.ticket_links import HistoryRecorder
    service, repo, _ = links
    ticket = w.new_ticket()
    recorder = HistoryRecorder(repo, w.ids, w.catalog, w.users)
    before = copy_with(ticket, attributes={"rank": 1, "product": "a"})
    after = copy_with(ticket, attributes={"rank": 2, "product": "a", "vip": True})
    recorder.ticket_changed(TicketChange("updated", w.agent, "2024-03-01T10:00:00.000Z", before, after))
    lines = [k for k in kinds(service.history(w.agent, ticket.id)[1]) if k[0] == "updated"]
    assert lines == [("updated", "Ticket", "rank", "1", "2"), ("updated", "Ticket", "vip", None, "True")]


def test_history_is_for_agents_who_may_read_the_ticket(w: World, links) -> None:
    service, _, _ = links
    ticket = w.new_ticket()
    assert service.history(w.reader, ticket.id)[1]
    for who in (w.customer_a, w.no_groups):
        with pytest.raises(PermissionDenied):
            service.history(who, ticket.id)
    with pytest.raises(NotFound):
        service.history(w.agent, 999)


def test_history_failure_never_undoes_the_write(w: World, links) -> None:
    _, repo, _ = links
    repo.fail_next_write = OSError("history store down")
    ticket = w.new_ticket()
    assert ticket.id in w.ticket_repo.tickets


# --- tags ------------------------------------------------------------------------------------------

def test_tags_add_list_remove_with_counts_and_history(w: World, links) -> None:
    service, repo, _ = links
    one, two = w.new_ticket(), w.new_ticket()
    assert service.add_tag(w.agent, one.id, "printer") is True
    service.add_tag(w.agent, one.id, "  urgent ")
    service.add_tag(w.agent, one.id, "Printer")          # the same tag, any spelling: no duplicate
    service.add_tag(w.agent, two.id, "printer")
    assert service.tags(w.agent, one.id) == ["printer", "urgent"]
    assert {i.name: i.count for i in service.tag_list(w.admin)} == {"printer": 2, "urgent": 1}
    service.remove_tag(w.agent, one.id, "PRINTER")
    service.remove_tag(w.agent, one.id, "never-there")
    assert service.tags(w.agent, one.id) == ["urgent"]
    assert {i.name: i.count for i in service.tag_list(w.admin)} == {"printer": 1, "urgent": 1}
    lines = [k for k in kinds(service.history(w.agent, one.id)[1]) if k[2] == "tag"]
    assert lines == [("added", "Ticket", "tag", None, "printer"), ("added", "Ticket", "tag", None, "urgent"),
                     ("removed", "Ticket", "tag", None, "printer")]


def test_tag_permissions(w: World, links) -> None:
    service, _, _ = links
    ticket = w.new_ticket()
    service.add_tag(w.agent, ticket.id, "vip")
    assert service.tags(w.reader, ticket.id) == ["vip"]
    for who in (w.customer_a, w.no_groups):
        with pytest.raises(PermissionDenied):
            service.tags(who, ticket.id)
    for who in (w.customer_a, w.reader, w.no_groups):
        with pytest.raises(PermissionDenied):
            service.add_tag(who, ticket.id, "x")
        with pytest.raises(PermissionDenied):
            service.remove_tag(who, ticket.id, "vip")
    with pytest.raises(NotFound):
        service.add_tag(w.agent, 999, "x")
    for bad in ("", "   ", None, 5, "x" * 251):
        with pytest.raises(InvalidInput):
            service.add_tag(w.agent, ticket.id, bad)
    for who in (w.agent, w.customer_a):
        with pytest.raises(PermissionDenied):
            service.tag_list(who)
    assert service.tags(w.agent, ticket.id) == ["vip"]


def test_tag_search_by_part_of_the_name_or_most_used(w: World, links) -> None:
    service, _, _ = links
    one, two = w.new_ticket(), w.new_ticket()
    for ticket, names in ((one, ["printer", "network"]), (two, ["network", "paper jam"])):
        for name in names:
            service.add_tag(w.agent, ticket.id, name)
    assert [i.name for i in service.search_tags(w.customer_a, "NET", 10)] == ["network"]
    assert [i.name for i in service.search_tags(w.agent, "p", 10)] == ["paper jam", "printer"]
    assert [i.name for i in service.search_tags(w.agent, "", 2)] == ["network", "paper jam"]


def test_admin_creates_renames_and_deletes_tags(w: World, links) -> None:
    service, _, _ = links
    one, two = w.new_ticket(), w.new_ticket()
    service.add_tag(w.agent, one.id, "prnter")
    service.add_tag(w.agent, two.id, "prnter")
    service.add_tag(w.agent, two.id, "printer")
    created = service.create_tag(w.admin, "hardware")
    assert service.create_tag(w.admin, "Hardware").id == created.id
    typo = next(i for i in service.tag_list(w.admin) if i.name == "prnter")
    service.rename_tag(w.admin, typo.id, "printer")     # onto an existing name: merged
    assert service.tags(w.agent, one.id) == ["printer"] and service.tags(w.agent, two.id) == ["printer"]
    assert {i.name: i.count for i in service.tag_list(w.admin)} == {"hardware": 0, "printer": 2}
    printer = next(i for i in service.tag_list(w.admin) if i.name == "printer")
    service.rename_tag(w.admin, printer.id, "Printer")  # another spelling
    assert service.tags(w.agent, one.id) == ["Printer"]
    assert {i.name: i.count for i in service.tag_list(w.admin)} == {"hardware": 0, "Printer": 2}
    service.delete_tag(w.admin, printer.id)
    assert service.tags(w.agent, one.id) == [] and service.tags(w.agent, two.id) == []
    assert [i.name for i in service.tag_list(w.admin)] == ["hardware"]
    with pytest.raises(NotFound):
        service.delete_tag(w.admin, printer.id)
    with pytest.raises(PermissionDenied):
        service.rename_tag(w.agent, created.id, "x")


# --- links -----------------------------------------------------------------------------------------

def test_links_are_symmetric_and_typed(w: World, links) -> None:
    service, _, _ = links
    child, parent = w.new_ticket(), w.new_ticket()
    # Zammad's UI on the child: "add link, type parent, ticket <parent number>"
    service.add_link(w.agent, LinkRequest("parent", target_id=child.id, source_number=parent.number))
    assert [(l.link_type, l.other_id) for l in service.links(w.agent, child.id).links] == [("parent", parent.id)]
    assert [(l.link_type, l.other_id) for l in service.links(w.agent, parent.id).links] == [("child", child.id)]
    service.add_link(w.agent, LinkRequest("parent", target_id=child.id, source_number=parent.number))  # no dup
    assert len(service.links(w.agent, child.id).links) == 1
    removed = service.remove_link(w.agent, LinkRequest("parent", target_id=child.id, source_id=parent.id))
    assert len(removed) == 1
    assert service.links(w.agent, child.id).links == [] and service.links(w.agent, parent.id).links == []
    assert service.remove_link(w.agent, LinkRequest("parent", target_id=child.id, source_id=parent.id)) == []
    history = [k for k in kinds(service.history(w.agent, parent.id)[1]) if k[2] == "link"]
    assert history == [("added", "Ticket", "link", "child", child.number),
                       ("removed", "Ticket", "link", "child", child.number)]


def test_links_show_only_readable_tickets_and_need_change_access(w: World, links) -> None:
    service, _, _ = links
    mine = w.new_ticket()
    secret = w.new_ticket(by=w.admin, for_customer=w.customer_c, group=Ref("group", id=SALES_GROUP))
    service.add_link(w.admin, LinkRequest("normal", target_id=mine.id, source_number=secret.number))
    assert [l.other_id for l in service.links(w.admin, mine.id).links] == [secret.id]
    assert service.links(w.agent, mine.id).links == []              # agent cannot read the Sales ticket
    assert service.links(w.customer_a, mine.id).links == []
    with pytest.raises(PermissionDenied):
        service.links(w.customer_c, mine.id)
    other = w.new_ticket()
    for who in (w.reader, w.customer_a, w.no_groups):
        with pytest.raises(PermissionDenied):
            service.add_link(who, LinkRequest("normal", target_id=mine.id, source_number=other.number))
    with pytest.raises(PermissionDenied):   # the agent may not read the source
        service.add_link(w.agent, LinkRequest("normal", target_id=mine.id, source_number=secret.number))
    with pytest.raises(InvalidInput, match="could not be found"):
        service.add_link(w.agent, LinkRequest("normal", target_id=mine.id, source_number="nope"))
    with pytest.raises(InvalidInput):
        service.add_link(w.agent, LinkRequest("sibling", target_id=mine.id, source_number=other.number))
    with pytest.raises(InvalidInput):
        service.add_link(w.agent, LinkRequest("normal", target_id=mine.id, source_number=mine.number))
    with pytest.raises(NotFound):
        service.add_link(w.agent, LinkRequest("normal", target_id=999, source_number=other.number))


def test_deleting_a_ticket_removes_its_tags_links_and_history(w: World, links) -> None:
    service, repo, _ = links
    gone, stays = w.new_ticket(), w.new_ticket()
    service.add_tag(w.agent, gone.id, "doomed")
    service.add_link(w.agent, LinkRequest("normal", target_id=stays.id, source_number=gone.number))
    w.tickets.delete(w.admin, gone.id)
    assert repo.history_items.get(gone.id) is None and repo.tag_items_by_ticket.get(gone.id) is None
    assert service.links(w.agent, stays.id).links == [] and repo.links(stays.id) == []
    assert repo.tag_item("doomed").count == 0


# --- merge -----------------------------------------------------------------------------------------

def with_file(w: World, ticket_id: int, data: bytes = b"log bytes") -> int:
    _, article = w.tickets.add_article(w.agent, ticket_id, ArticleInput(
        body="see log", attachments=[AttachmentInput("log.txt", data, "text/plain")]))
    return article.id


def test_merge_moves_articles_and_marks_the_source(w: World, links) -> None:
    service, repo, _ = links
    source, target = w.new_ticket(), w.new_ticket()
    article_id = with_file(w, source.id)
    attachment_id = w.ticket_repo.articles_by_id[article_id].attachments[0].id
    moved_ids = list(w.ticket_repo.tickets[source.id].article_ids)
    result = service.merge(w.agent, source.id, target.number)
    merged = w.ticket_repo.tickets[source.id]
    assert w.catalog().state_by_id(merged.state_id).name == "merged" and merged.owner_id == 1
    assert result.source.state_id == merged.state_id and result.target.id == target.id
    target_articles = w.tickets.articles(w.agent, target.id)[1]
    assert set(moved_ids) <= {a.id for a in target_articles}
    assert [a.body for a in w.tickets.articles(w.agent, source.id)[1]] == ["merged"]
    _, data = w.tickets.attachment(w.agent, target.id, article_id, attachment_id)
    assert data == b"log bytes"
    assert blob_key(source.id, article_id, attachment_id) not in w.blobs.objects
    assert [(l.link_type, l.other_id) for l in service.links(w.agent, source.id).links] == [("parent", target.id)]
    assert [(l.link_type, l.other_id) for l in service.links(w.agent, target.id).links] == [("child", source.id)]
    source_history = kinds(service.history(w.agent, source.id)[1])
    assert ("merged_into", "Ticket", None, source.number, target.number) in source_history
    assert ("updated", "Ticket", "state", "new", "merged") in source_history
    assert ("received_merge", "Ticket", None, source.number, target.number) in kinds(
        service.history(w.agent, target.id)[1])
    found = w.tickets.search(w.agent, __import__("chalicelib.core.tickets", fromlist=["SearchRequest"])
                             .SearchRequest(query="log")).tickets
    assert target.id in [t.id for t in found]


def test_merge_moves_links_to_the_target(w: World, links) -> None:
    service, _, _ = links
    source, target, third = w.new_ticket(), w.new_ticket(), w.new_ticket()
    service.add_link(w.agent, LinkRequest("normal", target_id=source.id, source_number=third.number))
    service.merge(w.agent, source.id, target.number)
    assert {(l.link_type, l.other_id) for l in service.links(w.agent, target.id).links} == \
        {("normal", third.id), ("child", source.id)}
    assert [(l.link_type, l.other_id) for l in service.links(w.agent, third.id).links] == [("normal", target.id)]


def test_merge_refusals(w: World, links) -> None:
    service, _, _ = links
    source, target = w.new_ticket(), w.new_ticket()
    with pytest.raises(InvalidInput, match="Can't merge ticket with itself!"):
        service.merge(w.agent, source.id, source.number)
    with pytest.raises(MergeFailed, match="target ticket number could not be found"):
        service.merge(w.agent, source.id, "999999")
    with pytest.raises(MergeFailed, match="source ticket could not be found"):
        service.merge(w.agent, 999, target.number)
    for who in (w.customer_a, w.reader, w.no_groups):
        with pytest.raises(PermissionDenied):
            service.merge(who, source.id, target.number)
    service.merge(w.agent, source.id, target.number)
    with pytest.raises(InvalidInput, match="ticket already merged"):
        service.merge(w.agent, target.id, source.number)
    other = w.new_ticket()
    with pytest.raises(InvalidInput, match="ticket already merged"):
        service.merge(w.agent, source.id, other.number)


def test_failed_merge_writes_nothing(w: World, links) -> None:
    service, repo, moves = links
    source, target = w.new_ticket(), w.new_ticket()
    article_id = with_file(w, source.id, b"keep me")
    before = dict(w.blobs.objects)
    moves.fail_next_write = Conflict("The ticket was changed by someone else at the same time.")
    with pytest.raises(Conflict):
        service.merge(w.agent, source.id, target.number)
    assert w.blobs.objects.keys() == before.keys()
    assert w.ticket_repo.articles_by_id[article_id].ticket_id == source.id
    assert w.catalog().state_by_id(w.ticket_repo.tickets[source.id].state_id).name == "new"
    assert service.links(w.agent, source.id).links == []
