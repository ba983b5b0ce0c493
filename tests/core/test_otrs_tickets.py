"""core.otrs_tickets: the OTRS-only ticket attributes, watchers and files added to existing articles
(fakes only)."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

import pytest

from chalicelib.core import otrs_tickets
from chalicelib.core.errors import Conflict, NotFound, PermissionDenied, TooLarge
from chalicelib.core.model import Article
from chalicelib.core.otrs_tickets import ArticleAttachments, TicketWatchers
from chalicelib.core.tickets import AttachmentInput, AttachmentLimits, blob_key
from tests.core.fakes import World, make_world


class FakeArticleAttachments:
    """Articles of the world's ticket repository with an item version; `conflicts` failed writes first."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.versions: dict[int, int] = {}
        self.conflicts = 0
        self.error: Optional[Exception] = None

    def article_version(self, ticket_id: int, article_id: int) -> Optional[tuple[Article, int]]:
        article = self.world.ticket_repo.article(article_id)
        if article is None or article.ticket_id != ticket_id:
            return None
        return article, self.versions.get(article_id, 0)

    def save_attachments(self, article: Article, expected_version: int) -> None:
        if self.error is not None:
            raise self.error
        if self.conflicts:
            self.conflicts -= 1
            self.versions[article.id] = expected_version + 1  # someone else wrote it meanwhile
            raise Conflict("changed")
        assert self.versions.get(article.id, 0) == expected_version
        self.world.ticket_repo.articles_by_id[article.id] = replace(article)
        self.versions[article.id] = expected_version + 1


@pytest.fixture()
def world() -> World:
    return make_world()


def test_attributes_default_to_otrs_values(world: World) -> None:
    ticket = world.new_ticket()
    assert otrs_tickets.lock_name(ticket) == "unlock" and otrs_tickets.lock_id(ticket) == 1
    assert otrs_tickets.locked_by(ticket) is None and not otrs_tickets.is_archived(ticket)
    assert otrs_tickets.responsible_id(ticket) == ticket.owner_id and otrs_tickets.watcher_ids(ticket) == []
    ticket.owner_id = world.agent.id
    ticket.preferences.update({**otrs_tickets.lock_preferences("lock"), **otrs_tickets.archive_preferences(True),
                               **otrs_tickets.responsible_preferences(world.reader.id)})
    assert otrs_tickets.locked_by(ticket) == world.agent.id and otrs_tickets.lock_id(ticket) == 2
    assert otrs_tickets.is_archived(ticket) and otrs_tickets.responsible_id(ticket) == world.reader.id
    ticket.preferences.update(otrs_tickets.lock_preferences("unlock"))
    assert otrs_tickets.locked_by(ticket) is None


def test_watching_is_per_agent_and_needs_read_access(world: World) -> None:
    ticket = world.new_ticket()
    watchers = TicketWatchers(world.ticket_repo)
    watchers.set(world.reader, ticket.id, True)
    watchers.set(world.agent, ticket.id, True)
    saves = world.ticket_repo.saves
    watchers.set(world.agent, ticket.id, True)  # already watching: nothing written
    assert world.ticket_repo.saves == saves
    stored = world.ticket_repo.get(ticket.id)
    assert otrs_tickets.watcher_ids(stored) == sorted([world.reader.id, world.agent.id])
    assert stored.updated_at == ticket.updated_at  # watching is not a change of the ticket
    watchers.set(world.reader, ticket.id, False)
    assert otrs_tickets.watcher_ids(world.ticket_repo.get(ticket.id)) == [world.agent.id]
    with pytest.raises(PermissionDenied):
        watchers.set(world.no_groups, ticket.id, True)
    with pytest.raises(NotFound):
        watchers.set(world.agent, 999, True)


def test_a_concurrent_write_is_kept_when_watching(world: World) -> None:
    ticket = world.new_ticket()

    def meanwhile(ticket_id: int) -> None:  # another request changes the title between load and save
        world.ticket_repo.before_next_save = None
        current = world.ticket_repo.get(ticket_id)
        world.ticket_repo.save(replace(current, title="Changed meanwhile"), current.version)
    world.ticket_repo.before_next_save = meanwhile
    TicketWatchers(world.ticket_repo).set(world.agent, ticket.id, True)
    stored = world.ticket_repo.get(ticket.id)
    assert stored.title == "Changed meanwhile" and otrs_tickets.watcher_ids(stored) == [world.agent.id]


def attachments(world: World, store: FakeArticleAttachments, max_bytes: int = 1000) -> ArticleAttachments:
    return ArticleAttachments(world.ticket_repo, store, world.blobs, world.ids, AttachmentLimits(max_bytes, 3))


def test_a_file_is_added_to_an_existing_article_after_a_conflict(world: World) -> None:
    ticket = world.new_ticket()
    store = FakeArticleAttachments(world)
    store.conflicts = 1
    service = attachments(world, store)
    article_id = service.newest_article_id(world.agent, ticket.id)
    added = service.add(world.agent, ticket.id, article_id, AttachmentInput("a.txt", b"hello", "text/plain"))
    assert (added.filename, added.size, added.content_type) == ("a.txt", 5, "text/plain")
    assert [a.id for a in world.ticket_repo.article(article_id).attachments] == [added.id]
    assert world.blobs.get(blob_key(ticket.id, article_id, added.id)) == b"hello"


def test_a_failed_attachment_leaves_no_bytes_behind(world: World) -> None:
    ticket = world.new_ticket()
    store = FakeArticleAttachments(world)
    store.error = RuntimeError("table down")
    service = attachments(world, store)
    article_id = ticket.article_ids[-1]
    with pytest.raises(RuntimeError):
        service.add(world.agent, ticket.id, article_id, AttachmentInput("a.txt", b"hello", "text/plain"))
    assert world.blobs.objects == {} and len(world.blobs.deleted) == 1
    with pytest.raises(TooLarge):
        service.add(world.agent, ticket.id, article_id, AttachmentInput("big.bin", b"x" * 1001, "application/pdf"))
    with pytest.raises(PermissionDenied):  # ro is not enough to add files
        service.add(world.reader, ticket.id, article_id, AttachmentInput("a.txt", b"hi", "text/plain"))
    with pytest.raises(NotFound):
        service.add(world.agent, ticket.id, 999, AttachmentInput("a.txt", b"hi", "text/plain"))
    assert world.blobs.objects == {}
