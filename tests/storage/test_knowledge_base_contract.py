"""Contract of the knowledge base store, run on DynamoDB (moto) and on the fake."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.model import KbAnswer, KbAttachment, KbCategory
from tests.core.fakes import FakeKnowledgeBaseRepository
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Any:
    from chalicelib.storage.knowledge_base import KnowledgeBaseStore
    return _adapter(request, KnowledgeBaseStore, FakeKnowledgeBaseRepository)


def answer(answer_id: int = 1, category_id: int = 1) -> KbAnswer:
    return KbAnswer(id=answer_id, category_id=category_id, title=f"Answer {answer_id}", body="<p>body</p>",
                    fields={"symptom": "it hurts"}, keywords=["printer"], language="de",
                    attachments=[KbAttachment(7, "a.txt", "text/plain", 3, "kb/answers/1/7")],
                    published_at="2024-03-01T09:00:00.000Z", created_at="2024-03-01T09:00:00.000Z")


def test_put_and_read_back(store: Any) -> None:
    category = KbCategory(id=1, name="Hardware", comment="All things", parent_id=None, position=2)
    store.put_category(category, 0)
    stored = answer()
    store.put_answer(stored, 0)
    assert (category.version, stored.version) == (1, 1)
    assert store.category(1) == category and store.answer(1) == stored
    assert store.answer(1).attachments[0].key == "kb/answers/1/7"
    assert store.category(2) is None and store.answer(2) is None


def test_puts_check_the_version(store: Any) -> None:
    stored = answer()
    store.put_answer(stored, 0)
    with pytest.raises(Conflict):
        store.put_answer(answer(), 0)      # exists already
    stored.title = "Renamed"
    store.put_answer(stored, 1)
    with pytest.raises(Conflict):
        store.put_answer(answer(), 1)      # stale
    assert store.answer(1).title == "Renamed" and store.answer(1).version == 2
    category = KbCategory(id=1, name="A")
    store.put_category(category, 0)
    with pytest.raises(Conflict):
        store.put_category(KbCategory(id=1, name="B"), 0)


def test_snapshot_holds_everything_in_id_order(store: Any) -> None:
    assert store.snapshot().categories == [] and store.snapshot().answers == []
    for category_id in (3, 1, 12):
        store.put_category(KbCategory(id=category_id, name=f"C{category_id}"), 0)
    for answer_id in (11, 2):
        store.put_answer(answer(answer_id), 0)
    snapshot = store.snapshot()
    assert [c.id for c in snapshot.categories] == [1, 3, 12]
    assert [a.id for a in snapshot.answers] == [2, 11]


def test_deletes(store: Any) -> None:
    store.put_category(KbCategory(id=1, name="A"), 0)
    store.put_answer(answer(), 0)
    assert store.add_vote(1, "visitor", 100, "2024-03-01T09:00:00.000Z")
    store.delete_answer(1)
    store.delete_category(1)
    assert store.answer(1) is None and store.category(1) is None
    assert not store.has_voted(1, "visitor") and store.vote_summary(1).count == 0


def test_one_vote_per_visitor_and_answer(store: Any) -> None:
    at = "2024-03-01T09:00:00.000Z"
    assert not store.has_voted(1, "v1")
    assert store.add_vote(1, "v1", 100, at) is True
    assert store.add_vote(1, "v1", 0, at) is False          # the second one is not written
    assert store.add_vote(1, "v2", 25, at) is True
    assert store.add_vote(2, "v1", 0, at) is True           # another answer
    assert store.has_voted(1, "v1") and not store.has_voted(1, "v3")
    summary = store.vote_summary(1)
    assert (summary.count, summary.average) == (2, 62.5)
    assert store.vote_summary(3).count == 0 and store.vote_summary(3).average is None


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
def test_calls_are_queries_and_key_reads(store: Any, dynamodb_calls: list[str]) -> None:  # noqa: F811
    store.put_category(KbCategory(id=1, name="A"), 0)
    store.put_answer(answer(), 0)
    dynamodb_calls.clear()
    store.snapshot()
    store.answer(1)
    store.has_voted(1, "v1")
    store.vote_summary(1)
    assert dynamodb_calls == ["Query", "GetItem", "GetItem", "Query"]
