"""The knowledge base: categories and answers, their publication state, attachments and visitors' votes.

One knowledge base (Zammad's id 1). Editors (`knowledge_base.editor`, or admins) manage it through
Zammad's /api/v1/knowledge_bases; anyone reads its published part through OTRS's /api/public. An
answer is public only while published (Zammad's `published_at` reached, not archived); internal
answers and drafts never appear publicly, nor do categories without published content below them.
Votes: one per visitor and answer, the visitor being a keyed hash of the client's address and user
agent (see `visitor_key`), so a visitor needs no cookie and the stored key reveals neither.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from . import policy
from .errors import Conflict, InvalidInput, NotFound, OperationFailed, PermissionDenied, TooLarge
from .model import KB_EXTRA_FIELDS as EXTRA_FIELDS
from .model import KbAnswer, KbAttachment, KbCategory, KbSnapshot, Principal, VoteSummary
from .ports import BlobStore, Clock, IdAllocator, KnowledgeBaseRepository, NewBlob
from .text import html_to_text, tokens
from .users import iso

KNOWLEDGE_BASE_ID = 1
MAX_TITLE = 250
MAX_NAME = 200
MAX_BODY = 200_000
MAX_KEYWORDS = 50
VISIBILITY_ACTIONS = ("publish", "internal", "archive", "unarchive")
COULD_NOT_VOTE = "The system was unable to save the vote."
MIN_RATE, MAX_RATE = 0, 100
# Words too common to relate two texts (English and German, the demo's languages).
STOP_WORDS = frozenset("""
a an and are as at be but by can do does for from has have how i if in is it my no not of on or our so that the
their then there this to was we what when where which who why will with you your
aber als am an auch auf aus bei bin bis das dass dem den der des die du ein eine einem einen einer es für hat
ich ihr im in ist ja kann mit nach nicht noch nur oder sich sie sind so und von war was wie wir zu zum zur
""".split())


def answer_tokens(answer: KbAnswer) -> set[str]:
    """The words an answer is found and related by: title, keywords, body and the other fields."""
    texts = [answer.title, " ".join(answer.keywords), html_to_text(answer.body)]
    texts += [html_to_text(answer.fields.get(name, "")) for name in EXTRA_FIELDS]
    return tokens(*texts)


def visitor_key(secret: str, address: str, user_agent: str) -> str:
    """Who votes: a keyed hash of the client's address and user agent. Keyed, so the stored value cannot
    be turned back into an address by trying them all; no cookie needed, so clearing cookies does not
    give a second vote (a new address or browser does: the price of voting without an account)."""
    message = f"{address}\n{user_agent}".encode("utf-8", "replace")
    return hmac.new(secret.encode(), b"kb-vote\n" + message, hashlib.sha256).hexdigest()[:40]


def parse_rate(value: Any) -> int:
    """OTRS's vote: "Yes"/"No" (helpful or not: 100 / 0) or a rate 0..100 (the FAQ's 0, 25 ... 100)."""
    if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
        return MAX_RATE if value.strip().lower() == "yes" else MIN_RATE
    if isinstance(value, bool):
        return MAX_RATE if value else MIN_RATE
    try:
        rate = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput("Vote must be Yes, No or a rate from 0 to 100.", field="Vote") from None
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InvalidInput("Vote must be Yes, No or a rate from 0 to 100.", field="Vote")
    return rate


@dataclass
class CategoryInput:
    """A create or a change: None leaves a field as it is (on create: its default)."""
    name: Optional[str] = None
    comment: Optional[str] = None
    parent_id: Optional[int] = None
    parent_given: bool = False        # parent_id None given on purpose: move to the top level
    icon: Optional[str] = None
    position: Optional[int] = None


@dataclass
class AnswerInput:
    category_id: Optional[int] = None
    title: Optional[str] = None
    body: Optional[str] = None
    fields: Optional[dict[str, str]] = None
    keywords: Optional[list[str]] = None
    language: Optional[str] = None
    position: Optional[int] = None


@dataclass
class PublicView:
    """The published part of the knowledge base, computed from one snapshot."""
    categories: dict[int, KbCategory]          # public categories by id
    answers: list[KbAnswer]                    # published answers, by category position then id

    def children(self, parent_id: Optional[int]) -> list[KbCategory]:
        found = [c for c in self.categories.values() if c.parent_id == parent_id]
        return sorted(found, key=lambda c: (c.position, c.id))

    def path(self, category: KbCategory) -> list[KbCategory]:
        """The category's ancestors from the top level down, ending with itself."""
        chain, current, seen = [], category, set()
        while current is not None and current.id not in seen:
            seen.add(current.id)
            chain.append(current)
            current = self.categories.get(current.parent_id) if current.parent_id else None
        return list(reversed(chain))

    def answer(self, answer_id: int) -> Optional[KbAnswer]:
        return next((a for a in self.answers if a.id == answer_id), None)


def _text(value: Optional[str], what: str, limit: int, required: bool = False) -> Optional[str]:
    if value is None:
        if required:
            raise InvalidInput(f"{what} is required.", field=what)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a string.", field=what)
    value = value.strip() if what in ("title", "name") else value
    if required and not value:
        raise InvalidInput(f"{what} is required.", field=what)
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters.", field=what)
    return value


class KnowledgeBase:
    def __init__(self, repository: KnowledgeBaseRepository, blobs: BlobStore, ids: IdAllocator, clock: Clock,
                 max_attachment_bytes: int) -> None:
        self.repository = repository
        self.blobs = blobs
        self.ids = ids
        self.clock = clock
        self.max_attachment_bytes = max_attachment_bytes

    # --- editors -------------------------------------------------------------------------------

    def _editor(self, principal: Optional[Principal]) -> None:
        policy.require(policy.can_edit_knowledge_base(principal))

    def overview(self, principal: Optional[Principal]) -> KbSnapshot:
        self._editor(principal)
        return self.repository.snapshot()

    def category(self, principal: Optional[Principal], category_id: int) -> KbCategory:
        self._editor(principal)
        return self._category(category_id)

    def _category(self, category_id: int) -> KbCategory:
        found = self.repository.category(category_id)
        if found is None:
            raise NotFound("KnowledgeBase::Category", category_id)
        return found

    def answer(self, principal: Optional[Principal], answer_id: int) -> KbAnswer:
        self._editor(principal)
        return self._answer(answer_id)

    def _answer(self, answer_id: int) -> KbAnswer:
        found = self.repository.answer(answer_id)
        if found is None:
            raise NotFound("KnowledgeBase::Answer", answer_id)
        return found

    def create_category(self, principal: Optional[Principal], data: CategoryInput) -> KbCategory:
        self._editor(principal)
        now = iso(self.clock)
        name = _text(data.name, "name", MAX_NAME, required=True)
        category = KbCategory(id=0, name=name or "", created_at=now, updated_at=now,
                              created_by_id=principal.id, updated_by_id=principal.id)
        self._apply_category(category, data)
        category.id = self.ids.next_id("kb_category")
        self.repository.put_category(category, 0)
        return category

    def update_category(self, principal: Optional[Principal], category_id: int, data: CategoryInput) -> KbCategory:
        self._editor(principal)
        category = self._category(category_id)
        expected = category.version
        if data.name is not None:
            category.name = _text(data.name, "name", MAX_NAME, required=True) or ""
        self._apply_category(category, data)
        category.updated_at, category.updated_by_id = iso(self.clock), principal.id
        self.repository.put_category(category, expected)
        return category

    def _apply_category(self, category: KbCategory, data: CategoryInput) -> None:
        if data.comment is not None:
            category.comment = _text(data.comment, "comment", MAX_BODY) or ""
        if data.icon is not None:
            category.icon = _text(data.icon, "category_icon", 40) or category.icon
        if data.position is not None:
            category.position = data.position
        if data.parent_given:
            if data.parent_id is not None:
                self._check_parent(category.id, data.parent_id)
            category.parent_id = data.parent_id

    def _check_parent(self, category_id: int, parent_id: int) -> None:
        """The parent exists and is not the category itself or below it (no cycles)."""
        categories = {c.id: c for c in self.repository.snapshot().categories}
        current: Optional[int] = parent_id
        if parent_id not in categories:
            raise InvalidInput(f"No category with id {parent_id}.", field="parent_id")
        while current is not None:
            if current == category_id:
                raise InvalidInput("A category cannot be moved below itself.", field="parent_id")
            current = categories[current].parent_id if current in categories else None

    def delete_category(self, principal: Optional[Principal], category_id: int) -> None:
        """Only an empty category goes (Zammad keeps answers from being orphaned the same way)."""
        self._editor(principal)
        self._category(category_id)
        snapshot = self.repository.snapshot()
        if any(c.parent_id == category_id for c in snapshot.categories) or \
                any(a.category_id == category_id for a in snapshot.answers):
            raise InvalidInput("The category still holds categories or answers; move or delete them first.",
                               field="category_id")
        self.repository.delete_category(category_id)

    def create_answer(self, principal: Optional[Principal], data: AnswerInput) -> KbAnswer:
        self._editor(principal)
        if data.category_id is None:
            raise InvalidInput("category_id is required.", field="category_id")
        now = iso(self.clock)
        title = _text(data.title, "title", MAX_TITLE, required=True)
        answer = KbAnswer(id=0, category_id=data.category_id, title=title or "", created_at=now, updated_at=now,
                          created_by_id=principal.id, updated_by_id=principal.id)
        self._apply_answer(answer, data)
        answer.id = self.ids.next_id("kb_answer")
        self.repository.put_answer(answer, 0)
        return answer

    def update_answer(self, principal: Optional[Principal], answer_id: int, data: AnswerInput) -> KbAnswer:
        self._editor(principal)
        answer = self._answer(answer_id)
        expected = answer.version
        if data.title is not None:
            answer.title = _text(data.title, "title", MAX_TITLE, required=True) or ""
        self._apply_answer(answer, data)
        answer.updated_at, answer.updated_by_id = iso(self.clock), principal.id
        self.repository.put_answer(answer, expected)
        return answer

    def _apply_answer(self, answer: KbAnswer, data: AnswerInput) -> None:
        if data.category_id is not None:
            if self.repository.category(data.category_id) is None:
                raise InvalidInput(f"No category with id {data.category_id}.", field="category_id")
            answer.category_id = data.category_id
        if data.body is not None:
            answer.body = _text(data.body, "body", MAX_BODY) or ""
        if data.fields is not None:
            unknown = sorted(set(data.fields) - set(EXTRA_FIELDS))
            if unknown:
                raise InvalidInput(f"Unknown answer fields {unknown}; known: {list(EXTRA_FIELDS)}.", field="fields")
            answer.fields = {name: _text(value, name, MAX_BODY) or "" for name, value in data.fields.items()
                             if value}
        if data.keywords is not None:
            if len(data.keywords) > MAX_KEYWORDS or not all(isinstance(k, str) for k in data.keywords):
                raise InvalidInput(f"keywords: at most {MAX_KEYWORDS} strings.", field="keywords")
            answer.keywords = [k.strip() for k in data.keywords if k.strip()]
        if data.language is not None:
            answer.language = _text(data.language, "language", 10, required=True) or answer.language
        if data.position is not None:
            answer.position = data.position

    def delete_answer(self, principal: Optional[Principal], answer_id: int) -> None:
        self._editor(principal)
        answer = self._answer(answer_id)
        self.repository.delete_answer(answer_id)
        if answer.attachments:
            self.blobs.delete([a.key for a in answer.attachments])

    def change_visibility(self, principal: Optional[Principal], answer_id: int, action: str) -> KbAnswer:
        """Zammad's publication actions: publish (public now), internal (staff only now), archive, unarchive."""
        self._editor(principal)
        if action not in VISIBILITY_ACTIONS:
            raise InvalidInput(f"Unknown action {action!r}.", field="action")
        answer = self._answer(answer_id)
        expected, now, by = answer.version, iso(self.clock), principal.id
        if action == "publish":
            answer.published_at, answer.published_by_id = now, by
            answer.archived_at = answer.archived_by_id = None
        elif action == "internal":
            answer.internal_at, answer.internal_by_id = now, by
            answer.published_at = answer.published_by_id = None
            answer.archived_at = answer.archived_by_id = None
        elif action == "archive":
            answer.archived_at, answer.archived_by_id = now, by
        else:
            answer.archived_at = answer.archived_by_id = None
        answer.updated_at, answer.updated_by_id = now, by
        self.repository.put_answer(answer, expected)
        return answer

    def add_attachment(self, principal: Optional[Principal], answer_id: int, filename: str, content_type: str,
                       data: bytes) -> KbAnswer:
        self._editor(principal)
        answer = self._answer(answer_id)
        if not filename or len(filename) > 255 or "/" in filename or "\\" in filename:
            raise InvalidInput("A file name (without a path) is required.", field="file")
        if len(data) > self.max_attachment_bytes:
            raise TooLarge(f"The file exceeds {self.max_attachment_bytes} bytes.", field="file")
        attachment_id = self.ids.next_id("kb_attachment")
        key = f"kb/answers/{answer.id}/{attachment_id}"
        self.blobs.put(NewBlob(key, data, content_type or "application/octet-stream", filename))
        expected = answer.version
        answer.attachments.append(KbAttachment(attachment_id, filename, content_type or "application/octet-stream",
                                               len(data), key))
        answer.updated_at, answer.updated_by_id = iso(self.clock), principal.id
        try:
            self.repository.put_answer(answer, expected)
        except Conflict:
            self.blobs.delete([key])   # nothing points at the bytes: do not keep them
            raise
        return answer

    def remove_attachment(self, principal: Optional[Principal], answer_id: int, attachment_id: int) -> KbAnswer:
        self._editor(principal)
        answer = self._answer(answer_id)
        attachment = next((a for a in answer.attachments if a.id == attachment_id), None)
        if attachment is None:
            raise NotFound("Store", attachment_id)
        expected = answer.version
        answer.attachments = [a for a in answer.attachments if a.id != attachment_id]
        answer.updated_at, answer.updated_by_id = iso(self.clock), principal.id
        self.repository.put_answer(answer, expected)
        self.blobs.delete([attachment.key])
        return answer

    def attachment(self, principal: Optional[Principal], answer_id: int, attachment_id: int) -> tuple[KbAttachment, bytes]:
        """An editor's read of any answer's file, whatever the answer's state."""
        self._editor(principal)
        found = next((a for a in self._answer(answer_id).attachments if a.id == attachment_id), None)
        if found is None:
            raise NotFound("Store", attachment_id)
        return found, self.blobs.get(found.key)

    def votes(self, principal: Optional[Principal], answer_id: int) -> VoteSummary:
        self._editor(principal)
        return self.repository.vote_summary(answer_id)

    # --- the public ----------------------------------------------------------------------------

    def public_view(self) -> PublicView:
        """Published answers and the categories holding one (directly or below): nothing else is public."""
        snapshot = self.repository.snapshot()
        now = iso(self.clock)
        by_id = {c.id: c for c in snapshot.categories}
        answers = [a for a in snapshot.answers if a.visibility(now) == "published" and a.category_id in by_id]
        visible: dict[int, KbCategory] = {}
        for answer in answers:
            current: Optional[int] = answer.category_id
            while current is not None and current in by_id and current not in visible:
                visible[current] = by_id[current]
                current = by_id[current].parent_id
        order = {c.id: (c.position, c.id) for c in snapshot.categories}
        answers.sort(key=lambda a: (order[a.category_id], a.position, a.id))
        return PublicView(visible, answers)

    def public_answer(self, answer_id: int) -> KbAnswer:
        """A published answer; anything else (draft, internal, archived, missing) is the same refusal."""
        answer = self.public_view().answer(answer_id)
        if answer is None:
            raise InvalidInput("No such published article.", field="ArticleID")
        return answer

    def public_attachment(self, answer_id: int, attachment_id: int, with_bytes: bool = True
                          ) -> tuple[KbAttachment, bytes]:
        """OTRS-86..89: no access to the answer -> PermissionDenied; no such attachment -> NotFound."""
        answer = self.public_view().answer(answer_id)
        if answer is None:
            raise PermissionDenied("No access to the knowledge-base article.")
        attachment = next((a for a in answer.attachments if a.id == attachment_id), None)
        if attachment is None:
            error = NotFound("Attachment", attachment_id)
            error.details["otrs_message"] = "Attachment not found."
            raise error
        return attachment, (self.blobs.get(attachment.key) if with_bytes else b"")

    def related(self, words: set[str], languages: Iterable[str] = (), limit: int = 10,
                exclude_id: Optional[int] = None) -> list[KbAnswer]:
        """Published answers sharing the most telling words with `words`, best first (ties: newest first).
        Common words do not count; each shared word weighs more the fewer answers hold it."""
        wanted = {language.strip().lower() for language in languages if language.strip()}
        words = words - STOP_WORDS
        candidates = [(answer, answer_tokens(answer)) for answer in self.public_view().answers]
        holders: dict[str, int] = {}
        for _, answer_words in candidates:
            for word in answer_words & words:
                holders[word] = holders.get(word, 0) + 1
        scored = []
        for answer, answer_words in candidates:
            if answer.id == exclude_id or (wanted and answer.language.lower() not in wanted):
                continue
            score = sum(math.log(1 + len(candidates) / holders[word]) for word in answer_words & words)
            if score > 0:
                scored.append((-score, -answer.id, answer))
        return [answer for _, _, answer in sorted(scored, key=lambda s: (s[0], s[1]))[:limit]]

    def related_to_answer(self, answer_id: int, limit: int = 10) -> list[KbAnswer]:
        answer = self.public_answer(answer_id)
        return self.related(answer_tokens(answer), limit=limit, exclude_id=answer.id)

    def can_vote(self, answer_id: int, visitor: str) -> bool:
        """Voting buttons show for a published answer the visitor has not voted on yet."""
        self.public_answer(answer_id)
        return not self.repository.has_voted(answer_id, visitor)

    def vote(self, answer_id: int, visitor: str, rate: int) -> None:
        """One vote per visitor and answer; a second one (or a failed write) is OTRS's CouldNotVote."""
        self.public_answer(answer_id)
        try:
            recorded = self.repository.add_vote(answer_id, visitor, rate, iso(self.clock))
        except Conflict:
            recorded = False
        if not recorded:
            raise OperationFailed("CouldNotVote", COULD_NOT_VOTE)


def page(items: list[Any], page_number: int, per_page: int) -> list[Any]:
    start = (page_number - 1) * per_page
    return items[start:start + per_page]

