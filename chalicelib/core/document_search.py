"""Document search (OTRS's `/api/public/documentsearch`): one query over several kinds of documents,
ranked, filtered, counted per filter value and paged.

The kinds are DocumentSource ports: published knowledge-base answers for everybody, and the caller's own
tickets when a customer is signed in (the core's permission-checked ticket search: own and shared
organization tickets only, never words of internal articles). A document is a hit when it holds every
query word (common words do not count), as Zammad's own search does. The work is bounded: answers come
from the knowledge base's one snapshot read, tickets from the token index (at most `max_items` each), so
cost does not grow with the number of tickets.

Ranking: each query word counts once, more where it occurs more often in the text (logarithmically), and
double in the title; ties go to the newer document. Filters (OTRS's ActiveFilters) combine as AND across
filters and OR within one; each filter's value counts are taken with the other filters applied, so a
reader sees what choosing a value would give.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from html import escape
from typing import Optional, Sequence

from .errors import InvalidInput
from .knowledge_base import STOP_WORDS, KnowledgeBase, answer_tokens
from .model import KB_EXTRA_FIELDS, Principal
from .ports import Document, DocumentSource, Facet
from .text import html_to_text, tokens
from .tickets import TicketService
from .users import SearchRequest

TICKET, FAQ = "Ticket", "FAQ"
TEASER_CONTEXT = 80            # characters of text either side of the first hit
MAX_TF = 20                    # occurrences of one word beyond this add nothing


@dataclass(frozen=True)
class DocumentSearchRequest:
    """A search as the view parsed it. `document_type` None: the first kind with hits."""
    query: str
    document_type: Optional[str] = None
    active_filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    max_items: int = 100
    page: int = 1
    per_page: int = 10


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float
    teaser: str


@dataclass(frozen=True)
class Tally:
    """How many documents one kind (FAQ, Ticket) or one filter value holds."""
    identifier: str
    label: str
    hits: int


@dataclass(frozen=True)
class FilterHits:
    identifier: str
    label: str
    values: tuple[Tally, ...]


@dataclass(frozen=True)
class DocumentSearchResult:
    types: tuple[Tally, ...]             # every kind open to the caller, hits before filters
    current: Optional[Tally]             # the kind shown; hits after the active filters
    filters: tuple[FilterHits, ...]      # the current kind's filters and their values' counts
    page: tuple[Hit, ...]


@dataclass(frozen=True)
class Section:
    """One kind's best hits (the simple search)."""
    identifier: str
    label: str
    hits: tuple[Hit, ...]


def query_words(query: str) -> frozenset[str]:
    """The words a query searches for: its tokens without the common words; 422 when none is left."""
    words = frozenset(tokens(query)) - STOP_WORDS
    if not words:
        raise InvalidInput("SearchQuery needs a word of at least two letters that is not a common word.",
                           field="SearchQuery")
    return words


def score(document: Document, words: frozenset[str]) -> float:
    text = document.text.lower()
    total = 0.0
    for word in words:
        occurrences = min(MAX_TF, len(re.findall(rf"(?<!\w){re.escape(word)}", text)))
        total += (1.0 + math.log1p(occurrences)) * (2.0 if word in document.title_words else 1.0)
    return total


def teaser(text: str, words: frozenset[str]) -> str:
    """HTML: the text around the first query word, escaped, each query word in <em> (OTRS's Teasertext)."""
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                         + r")\w*", re.IGNORECASE)
    text = " ".join(text.split())
    first = pattern.search(text)
    start = max(0, first.start() - TEASER_CONTEXT) if first else 0
    end = min(len(text), (first.end() if first else 0) + TEASER_CONTEXT)
    window = text[start:end]
    parts, last = [], 0
    for match in pattern.finditer(window):
        parts.append(escape(window[last:match.start()], quote=False))
        parts.append(f"<em>{escape(match.group(0), quote=False)}</em>")
        last = match.end()
    parts.append(escape(window[last:], quote=False))
    return ("…" if start > 0 else "") + "".join(parts) + ("…" if end < len(text) else "")


def _matches(document: Document, filters: dict[str, tuple[str, ...]], skip: Optional[str] = None) -> bool:
    """AND across filters, OR within one; `skip` leaves one filter out (its own counts)."""
    values = {(f.filter_id, f.value_id) for f in document.facets}
    return all(any((name, value) in values for value in wanted)
               for name, wanted in filters.items() if name != skip and wanted)


class DocumentSearch:
    def __init__(self, sources: Sequence[DocumentSource]) -> None:
        self.sources = list(sources)

    def types(self, principal: Optional[Principal]) -> list[DocumentSource]:
        return [s for s in self.sources if s.available(principal)]

    def _ranked(self, source: DocumentSource, words: frozenset[str], principal: Optional[Principal],
                languages: frozenset[str], limit: int) -> list[Hit]:
        found = sorted(source.find(words, principal, languages, limit)[:limit],
                       key=lambda d: (d.changed_at, d.id), reverse=True)   # ties: the newer first
        scored = sorted(((score(d, words), d) for d in found), key=lambda pair: -pair[0])
        return [Hit(d, s, "") for s, d in scored]

    def search(self, principal: Optional[Principal], request: DocumentSearchRequest) -> DocumentSearchResult:
        words = query_words(request.query)
        sources = self.types(principal)
        by_id = {s.identifier: s for s in sources}
        if request.document_type is not None and request.document_type not in by_id:
            raise InvalidInput(f"DocumentSearchType must be one of: {', '.join(by_id) or 'none'}.",
                               field="DocumentSearchType")
        ranked = {s.identifier: self._ranked(s, words, principal, request.languages, request.max_items)
                  for s in sources}
        types = tuple(Tally(s.identifier, s.label, len(ranked[s.identifier])) for s in sources)
        current_id = request.document_type or next((t.identifier for t in types if t.hits), None) \
            or (types[0].identifier if types else None)
        if current_id is None:
            return DocumentSearchResult(types, None, (), ())
        hits = ranked[current_id]
        current_source = by_id[current_id]
        unknown = sorted(set(request.active_filters) - set(current_source.filters))
        if unknown:
            raise InvalidInput(f"Unknown filter {unknown[0]!r} for {current_id}; known: "
                               f"{', '.join(current_source.filters)}.", field="ActiveFilters")
        filtered = [h for h in hits if _matches(h.document, request.active_filters)]
        start = (request.page - 1) * request.per_page
        shown = []
        for hit in filtered[start:start + request.per_page]:
            document = current_source.expand(hit.document, words, principal)
            shown.append(Hit(document, hit.score, teaser(document.text, words)))
        current = Tally(current_id, current_source.label, len(filtered))
        return DocumentSearchResult(types, current, _aggregate(current_source, hits, request.active_filters),
                                    tuple(shown))

    def simple(self, principal: Optional[Principal], query: str, languages: frozenset[str],
               per_section: int) -> list[Section]:
        """The best `per_section` hits of each kind that has any."""
        words = query_words(query)
        sections = []
        for source in self.types(principal):
            hits = self._ranked(source, words, principal, languages, per_section)
            if hits:
                sections.append(Section(source.identifier, source.label, tuple(hits)))
        return sections


def _aggregate(source: DocumentSource, hits: list[Hit], active: dict[str, tuple[str, ...]]
               ) -> tuple[FilterHits, ...]:
    """Per filter of the kind, how many hits each value has with the other active filters applied."""
    result = []
    for filter_id, filter_label in source.filters.items():
        counts: dict[str, list] = {}
        for hit in hits:
            if not _matches(hit.document, active, skip=filter_id):
                continue
            for facet in hit.document.facets:
                if facet.filter_id == filter_id:
                    entry = counts.setdefault(facet.value_id, [facet.value_label, 0])
                    entry[1] += 1
        values = sorted((Tally(vid, label, n) for vid, (label, n) in counts.items()),
                        key=lambda v: (-v.hits, v.label))
        result.append(FilterHits(filter_id, filter_label, tuple(values)))
    return tuple(result)


def identifier(prefix: str, name: str) -> str:
    """OTRS's filter value identifiers: `StateClosedSuccessful` for state "closed successful"."""
    return prefix + "".join(part[:1].upper() + part[1:] for part in re.findall(r"[^\W_]+", name))


# --- the sources ------------------------------------------------------------------------------------

class KnowledgeBaseSource:
    """Published answers (core/knowledge_base.py's public view: drafts, internal and archived answers
    never appear), for everybody."""
    identifier, label = FAQ, "Knowledge Base Articles"
    filters = {"Category": "Category", "Language": "Language"}

    def __init__(self, knowledge_base: KnowledgeBase) -> None:
        self.knowledge_base = knowledge_base

    def available(self, principal: Optional[Principal]) -> bool:
        return True

    def find(self, words: frozenset[str], principal: Optional[Principal], languages: frozenset[str],
             limit: int) -> list[Document]:
        view = self.knowledge_base.public_view()
        found = []
        for answer in view.answers:
            if languages and answer.language.lower() not in languages:
                continue
            answer_words = answer_tokens(answer)
            if not words <= answer_words:
                continue
            category = view.categories[answer.category_id]
            path = tuple(c.name for c in view.path(category))
            texts = [html_to_text(answer.body)] + [html_to_text(answer.fields.get(n, "")) for n in KB_EXTRA_FIELDS]
            found.append(Document(
                FAQ, answer.id, answer.title, " ".join([answer.title, *texts]), frozenset(answer_words),
                frozenset(tokens(answer.title, " ".join(answer.keywords))),
                facets=(Facet("Category", "Category", identifier("Category", str(category.id)), category.name),
                        Facet("Language", "Language", identifier("Language", answer.language), answer.language)),
                categories=path, changed_at=answer.updated_at, item=answer))
            if len(found) >= limit:
                break
        return found

    def expand(self, document: Document, words: frozenset[str], principal: Optional[Principal]) -> Document:
        return document   # an answer's text is all there already


class TicketSource:
    """The signed-in customer's tickets through the core's ticket search (permission-checked; a customer's
    search never matches words of internal articles). Anonymous callers and agents get none."""
    identifier, label = TICKET, "Tickets"
    filters = {"State": "State", "Priority": "Priority"}

    def __init__(self, tickets: TicketService) -> None:
        self.tickets = tickets

    def available(self, principal: Optional[Principal]) -> bool:
        return principal is not None and principal.is_customer

    def find(self, words: frozenset[str], principal: Optional[Principal], languages: frozenset[str],
             limit: int) -> list[Document]:
        if principal is None or not self.available(principal):
            return []
        result = self.tickets.search(principal, SearchRequest(query=" ".join(sorted(words)), limit=limit,
                                                              sort_by="updated_at", order_by="desc"))
        catalog = self.tickets.catalog()
        found = []
        for ticket in result.tickets:
            facets = []
            state, priority = catalog.state_by_id(ticket.state_id), catalog.priority_by_id(ticket.priority_id)
            if state is not None:
                facets.append(Facet("State", "State", identifier("State", state.name), state.name))
            if priority is not None:
                facets.append(Facet("Priority", "Priority", identifier("Priority", priority.name), priority.name))
            title_words = frozenset(tokens(ticket.title, ticket.number))
            found.append(Document(TICKET, ticket.id, ticket.title, ticket.title, words | title_words, title_words,
                                  facets=tuple(facets), changed_at=ticket.updated_at, item=ticket))
        return found

    def expand(self, document: Document, words: frozenset[str], principal: Optional[Principal]) -> Document:
        """Unless the title holds a query word: the first article the caller may read that does (the
        core's article visibility: a customer never gets an internal one)."""
        if principal is None or document.title_words & words:
            return document
        _, articles = self.tickets.articles(principal, document.id)
        for article in articles:
            body = html_to_text(article.body) if "html" in article.content_type else article.body
            text = f"{article.subject} {body}"
            if tokens(text) & words:
                return replace(document, text=text, child_type="ArticleMIME")
        return document
