"""The knowledge base (core.ports.KnowledgeBaseRepository) in the table.

Categories and answers share one partition, `KB` (`CATEGORY#<padded id>`, `ANSWER#<padded id>`), so
every public page is one Query of a few hundred items; writes are conditional on the item's version.
Votes live in the answer's own partition (`KBANSWER#<id>` / `VOTE#<visitor key>`), each written only if
absent, so a visitor's second vote fails in DynamoDB itself, without a read first. Every read is a Query or a GetItem.
"""
from __future__ import annotations

from typing import Any, Optional

from ..core.errors import Conflict
from ..core.model import KbAnswer, KbAttachment, KbCategory, KbSnapshot, VoteSummary
from .codec import from_doc, to_doc
from .errors import conditional
from .table import Item, KbItem, KbVoteItem, sortable

PARTITION = "KB"
CATEGORY, ANSWER = "CATEGORY#", "ANSWER#"
VOTE = "VOTE#"
CHANGED = "The knowledge base entry was changed by someone else at the same time, please retry."


def _votes_partition(answer_id: int) -> str:
    return f"KBANSWER#{answer_id}"


def _answer(doc: dict[str, Any], version: int) -> KbAnswer:
    answer = from_doc(KbAnswer, doc)
    answer.attachments = [from_doc(KbAttachment, a) for a in doc.get("attachments", [])]
    answer.version = version
    return answer


def _category(doc: dict[str, Any], version: int) -> KbCategory:
    category = from_doc(KbCategory, doc)
    category.version = version
    return category


class KnowledgeBaseStore:
    def snapshot(self) -> KbSnapshot:
        categories, answers = [], []
        for item in Item.query(PARTITION, consistent_read=True):
            if not isinstance(item, KbItem):
                continue
            if item.sk.startswith(CATEGORY):
                categories.append(_category(item.doc or {}, int(item.version or 0)))
            elif item.sk.startswith(ANSWER):
                answers.append(_answer(item.doc or {}, int(item.version or 0)))
        return KbSnapshot(categories, answers)

    def _get(self, sort_key: str) -> Optional[KbItem]:
        try:
            return KbItem.get(PARTITION, sort_key, consistent_read=True)
        except KbItem.DoesNotExist:
            return None

    def category(self, category_id: int) -> Optional[KbCategory]:
        item = self._get(CATEGORY + sortable(category_id))
        return _category(item.doc or {}, int(item.version or 0)) if item else None

    def answer(self, answer_id: int) -> Optional[KbAnswer]:
        item = self._get(ANSWER + sortable(answer_id))
        return _answer(item.doc or {}, int(item.version or 0)) if item else None

    def _put(self, sort_key: str, obj: Any, expected_version: int) -> None:
        doc = to_doc(obj)
        doc.pop("version", None)
        item = KbItem(pk=PARTITION, sk=sort_key, doc=doc, version=expected_version + 1)
        condition = Item.pk.does_not_exist() if expected_version == 0 else KbItem.version == expected_version
        with conditional(CHANGED):
            item.save(condition=condition)
        obj.version = expected_version + 1

    def put_category(self, category: KbCategory, expected_version: int) -> None:
        self._put(CATEGORY + sortable(category.id), category, expected_version)

    def put_answer(self, answer: KbAnswer, expected_version: int) -> None:
        self._put(ANSWER + sortable(answer.id), answer, expected_version)

    def delete_category(self, category_id: int) -> None:
        KbItem(pk=PARTITION, sk=CATEGORY + sortable(category_id)).delete()

    def delete_answer(self, answer_id: int) -> None:
        votes = list(Item.query(_votes_partition(answer_id), consistent_read=True))
        with Item.batch_write() as batch:
            for vote in votes:
                batch.delete(vote)
        KbItem(pk=PARTITION, sk=ANSWER + sortable(answer_id)).delete()

    def add_vote(self, answer_id: int, visitor: str, rate: int, at: str) -> bool:
        item = KbVoteItem(pk=_votes_partition(answer_id), sk=VOTE + visitor, doc={"rate": rate, "at": at})
        try:
            with conditional("The visitor voted on this answer before."):
                item.save(condition=Item.pk.does_not_exist())
        except Conflict:
            return False
        return True

    def has_voted(self, answer_id: int, visitor: str) -> bool:
        try:
            KbVoteItem.get(_votes_partition(answer_id), VOTE + visitor, consistent_read=True)
        except KbVoteItem.DoesNotExist:
            return False
        return True

    def vote_summary(self, answer_id: int) -> VoteSummary:
        rates = [int((item.doc or {}).get("rate", 0))
                 for item in Item.query(_votes_partition(answer_id), Item.sk.startswith(VOTE), consistent_read=True)]
        return VoteSummary(len(rates), round(sum(rates) / len(rates), 1) if rates else None)
