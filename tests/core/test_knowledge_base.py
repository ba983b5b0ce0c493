"""The knowledge base service on fakes: editors' changes, what the public sees, related answers, votes."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import (Conflict, InvalidInput, NotFound, OperationFailed, PermissionDenied,
                                    TooLarge)
from chalicelib.core.knowledge_base import (AnswerInput, CategoryInput, KnowledgeBase, parse_rate,
                                            visitor_key)
from tests.core.fakes import FakeKnowledgeBaseRepository, World, make_world


class Kb:
    def __init__(self) -> None:
        self.world: World = make_world()
        self.repo = FakeKnowledgeBaseRepository()
        self.service = KnowledgeBase(self.repo, self.world.blobs, self.world.ids, self.world.clock, 1000)

    @property
    def editor(self) -> Any:
        return self.world.agent

    def category(self, name: str = "Hardware", parent_id: Any = None, **kw: Any) -> Any:
        return self.service.create_category(self.editor, CategoryInput(name=name, parent_id=parent_id,
                                                                       parent_given=parent_id is not None, **kw))

    def answer(self, category_id: int, title: str = "Printer shows E42", body: str = "<p>Reset the toner.</p>",
               publish: bool = True, **kw: Any) -> Any:
        created = self.service.create_answer(self.editor, AnswerInput(category_id=category_id, title=title,
                                                                      body=body, **kw))
        if publish:
            created = self.service.change_visibility(self.editor, created.id, "publish")
        self.world.clock.advance(1)
        return created


@pytest.fixture()
def kb() -> Kb:
    return Kb()


def test_only_editors_manage(kb: Kb) -> None:
    for who in (kb.world.customer_a, None):
        with pytest.raises(PermissionDenied):
            kb.service.create_category(who, CategoryInput(name="x"))
        with pytest.raises(PermissionDenied):
            kb.service.overview(who)
    assert kb.service.create_category(kb.world.admin, CategoryInput(name="By admin")).id == 1


def test_a_new_answer_is_a_draft_and_public_only_once_published(kb: Kb) -> None:
    category = kb.category()
    draft = kb.answer(category.id, publish=False)
    assert kb.service.public_view().answers == [] and kb.service.public_view().categories == {}
    with pytest.raises(InvalidInput):
        kb.service.public_answer(draft.id)
    kb.service.change_visibility(kb.editor, draft.id, "internal")
    assert kb.service.public_view().answers == []
    kb.service.change_visibility(kb.editor, draft.id, "publish")
    view = kb.service.public_view()
    assert [a.id for a in view.answers] == [draft.id] and list(view.categories) == [category.id]
    kb.service.change_visibility(kb.editor, draft.id, "archive")
    assert kb.service.public_view().answers == []
    kb.service.change_visibility(kb.editor, draft.id, "unarchive")
    assert [a.id for a in kb.service.public_view().answers] == [draft.id]
    kb.service.change_visibility(kb.editor, draft.id, "internal")  # withdrawn from the public
    assert kb.service.public_view().answers == []


def test_scheduled_publication_waits_for_its_time(kb: Kb) -> None:
    answer = kb.answer(kb.category().id, publish=False)
    stored = kb.repo.answers[answer.id]
    stored.published_at = "2030-01-01T00:00:00.000Z"
    assert kb.service.public_view().answers == []


def test_categories_are_public_only_above_published_answers(kb: Kb) -> None:
    top = kb.category("Hardware")
    middle = kb.category("Computer", parent_id=top.id)
    leaf = kb.category("Notebook", parent_id=middle.id)
    empty = kb.category("Empty", parent_id=top.id)
    kb.answer(leaf.id)
    view = kb.service.public_view()
    assert set(view.categories) == {top.id, middle.id, leaf.id} and empty.id not in view.categories
    assert [c.name for c in view.path(view.categories[leaf.id])] == ["Hardware", "Computer", "Notebook"]
    assert [c.id for c in view.children(None)] == [top.id]


def test_category_moves_refuse_cycles_and_unknown_parents(kb: Kb) -> None:
    top = kb.category("Top")
    child = kb.category("Child", parent_id=top.id)
    with pytest.raises(InvalidInput):
        kb.service.update_category(kb.editor, top.id, CategoryInput(parent_id=child.id, parent_given=True))
    with pytest.raises(InvalidInput):
        kb.service.update_category(kb.editor, top.id, CategoryInput(parent_id=top.id, parent_given=True))
    with pytest.raises(InvalidInput):
        kb.category("Orphan", parent_id=99)
    moved = kb.service.update_category(kb.editor, child.id, CategoryInput(parent_id=None, parent_given=True))
    assert moved.parent_id is None


def test_only_empty_categories_are_deleted(kb: Kb) -> None:
    category = kb.category()
    answer = kb.answer(category.id)
    with pytest.raises(InvalidInput):
        kb.service.delete_category(kb.editor, category.id)
    kb.service.delete_answer(kb.editor, answer.id)
    kb.service.delete_category(kb.editor, category.id)
    with pytest.raises(NotFound):
        kb.service.category(kb.editor, category.id)


def test_answer_validation(kb: Kb) -> None:
    category = kb.category()
    for bad in (AnswerInput(title="no category"), AnswerInput(category_id=category.id),
                AnswerInput(category_id=category.id, title="  "), AnswerInput(category_id=99, title="x"),
                AnswerInput(category_id=category.id, title="x", fields={"secret": "y"}),
                AnswerInput(category_id=category.id, title="x" * 300)):
        with pytest.raises(InvalidInput):
            kb.service.create_answer(kb.editor, bad)
    assert kb.repo.answers == {}


def test_concurrent_answer_edits_conflict(kb: Kb) -> None:
    answer = kb.answer(kb.category().id)
    stale = kb.repo.answer(answer.id)
    kb.service.update_answer(kb.editor, answer.id, AnswerInput(title="First"))
    with pytest.raises(Conflict):
        kb.repo.put_answer(stale, stale.version)
    assert kb.repo.answers[answer.id].title == "First"


def test_attachments_are_public_with_their_answer_only(kb: Kb) -> None:
    answer = kb.answer(kb.category().id, publish=False)
    with_file = kb.service.add_attachment(kb.editor, answer.id, "manual.pdf", "application/pdf", b"%PDF-1")
    file = with_file.attachments[0]
    with pytest.raises(PermissionDenied):
        kb.service.public_attachment(answer.id, file.id)
    kb.service.change_visibility(kb.editor, answer.id, "publish")
    meta, data = kb.service.public_attachment(answer.id, file.id)
    assert (meta.filename, data) == ("manual.pdf", b"%PDF-1")
    with pytest.raises(NotFound):
        kb.service.public_attachment(answer.id, file.id + 1)
    with pytest.raises(TooLarge):
        kb.service.add_attachment(kb.editor, answer.id, "big.bin", "application/octet-stream", b"x" * 1001)
    with pytest.raises(InvalidInput):
        kb.service.add_attachment(kb.editor, answer.id, "../etc/passwd", "text/plain", b"x")
    kb.service.remove_attachment(kb.editor, answer.id, file.id)
    assert file.key in kb.world.blobs.deleted


def test_deleting_an_answer_removes_its_files_and_votes(kb: Kb) -> None:
    answer = kb.answer(kb.category().id)
    file = kb.service.add_attachment(kb.editor, answer.id, "a.txt", "text/plain", b"a").attachments[0]
    kb.service.vote(answer.id, "visitor", 100)
    kb.service.delete_answer(kb.editor, answer.id)
    assert file.key not in kb.world.blobs.objects and kb.repo.votes == {}


def test_related_answers_by_shared_words(kb: Kb) -> None:
    category = kb.category()
    printer = kb.answer(category.id, "Printer shows E42", "Reset the printer toner")
    kb.answer(category.id, "Printer paper jam", "Open the printer tray")
    kb.answer(category.id, "VPN does not connect", "Renew the certificate")
    hidden = kb.answer(category.id, "Printer secret draft", "printer toner e42", publish=False)
    german = kb.answer(category.id, "Drucker E42", "printer toner", language="de")
    found = kb.service.related({"printer", "toner", "e42"})
    assert found[0].id in (printer.id, german.id) and hidden.id not in [a.id for a in found]
    assert "VPN does not connect" not in [a.title for a in found]
    assert [a.id for a in kb.service.related({"printer", "toner"}, languages=["de"])] == [german.id]
    assert kb.service.related({"printer"}, limit=1) and len(kb.service.related({"printer"}, limit=1)) == 1
    related = kb.service.related_to_answer(printer.id)
    assert printer.id not in [a.id for a in related] and related
    assert kb.service.related({"nothing", "shared"}) == []


def test_one_vote_per_visitor(kb: Kb) -> None:
    answer = kb.answer(kb.category().id)
    assert kb.service.can_vote(answer.id, "v1")
    kb.service.vote(answer.id, "v1", 100)
    assert not kb.service.can_vote(answer.id, "v1") and kb.service.can_vote(answer.id, "v2")
    with pytest.raises(OperationFailed) as raised:
        kb.service.vote(answer.id, "v1", 0)
    assert raised.value.identifier == "CouldNotVote"
    kb.service.vote(answer.id, "v2", 0)
    summary = kb.service.votes(kb.editor, answer.id)
    assert (summary.count, summary.average) == (2, 50.0)


def test_a_failed_vote_write_is_could_not_vote(kb: Kb) -> None:
    answer = kb.answer(kb.category().id)
    kb.repo.fail_next_vote = Conflict("store said no")
    with pytest.raises(OperationFailed):
        kb.service.vote(answer.id, "v1", 100)


def test_votes_only_on_published_answers(kb: Kb) -> None:
    draft = kb.answer(kb.category().id, publish=False)
    with pytest.raises(InvalidInput):
        kb.service.vote(draft.id, "v1", 100)
    with pytest.raises(InvalidInput):
        kb.service.can_vote(draft.id, "v1")
    assert kb.repo.votes == {}


def test_visitor_key_is_keyed_and_stable() -> None:
    key = visitor_key("secret", "203.0.113.9", "Firefox")
    assert key == visitor_key("secret", "203.0.113.9", "Firefox")
    assert key != visitor_key("other", "203.0.113.9", "Firefox")
    assert key != visitor_key("secret", "203.0.113.9", "Chrome")


@pytest.mark.parametrize("raw,rate", [("Yes", 100), ("no", 0), ("75", 75), (25, 25), (True, 100)])
def test_parse_rate(raw: Any, rate: int) -> None:
    assert parse_rate(raw) == rate


@pytest.mark.parametrize("raw", ["maybe", "101", "-1", None, [1]])
def test_parse_rate_refuses(raw: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_rate(raw)


def test_common_words_do_not_relate_and_rare_words_weigh_more(kb: Kb) -> None:
    category = kb.category()
    toner = kb.answer(category.id, "Toner empty", "Replace the toner cartridge")
    kb.answer(category.id, "Network down", "Restart the switch in the office")
    kb.answer(category.id, "Office chairs", "Order chairs for the office")
    assert kb.service.related({"the", "and", "in"}) == []
    best = kb.service.related({"office", "cartridge"})
    assert best[0].id == toner.id   # "cartridge" is in one answer, "office" in two
