"""OTRS's document search (seed 000 OTRS-80 `POST /api/public/documentsearch`, OTRS-81 `.../simple`):
published knowledge-base answers for everybody, plus the caller's own tickets when a valid customer token
comes along (core/document_search.py). A missing, expired or agent's token is no error on a public
endpoint: the caller is anonymous and finds answers only.

Every documented field is honoured (all typed string in the seed; numbers and JSON values are taken
too): SearchQuery (required), DocumentSearchType (Ticket | FAQ; default the first kind with hits),
ActiveFilters ({"State": ["StateOpen"]}, an object or its JSON text), FilterAggregations and
LoadDocumentSearchTypes (0/1, default 1), LanguageFilter ("en" or "en,de" or a list: answers only),
MaxSearchItems (hits considered per kind, 1..500), Page (from 1) and SearchItemsPerPage (1..100).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ...core.document_search import TICKET, DocumentSearchRequest, DocumentSearchResult, Hit
from ...core.frontend_content import language_of
from . import schema
from .routes import Call, optional_customer, public_route
from .ticket_views import positive_int

DEFAULT_PER_PAGE, MAX_PER_PAGE = 10, 100
DEFAULT_MAX_ITEMS, MAX_ITEMS = 100, 500
MAX_PAGE = 10_000
MAX_QUERY = 500
MAX_LANGUAGES = 10
SIMPLE_PER_SECTION = 10
FLAGS = {"1": True, "0": False, "true": True, "false": False}


# --- parameters --------------------------------------------------------------------------------------

def search_query(body: dict[str, Any]) -> str:
    value = body.get("SearchQuery")
    if not isinstance(value, str) or not value.strip():
        raise schema.invalid("SearchQuery", "SearchQuery is required.")
    if len(value) > MAX_QUERY:
        raise schema.invalid("SearchQuery", f"SearchQuery is longer than {MAX_QUERY} characters.")
    return value


def number(body: dict[str, Any], name: str, default: int, maximum: int) -> int:
    raw = body.get(name)
    return default if raw in (None, "") else positive_int(raw, name, maximum)


def flag(body: dict[str, Any], name: str, default: bool) -> bool:
    raw = body.get(name)
    if raw in (None, ""):
        return default
    value = FLAGS.get(str(raw).strip().lower()) if isinstance(raw, (str, int)) else None
    if value is None:
        raise schema.invalid(name, f"{name} must be 0 or 1.")
    return value


def languages(body: dict[str, Any]) -> frozenset[str]:
    """"en", "en,de" or ["en", "de"]; each a language code (422 on LanguageFilter otherwise)."""
    raw = body.get("LanguageFilter")
    if raw in (None, ""):
        return frozenset()
    parts = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(parts, list) or len(parts) > MAX_LANGUAGES or not all(isinstance(p, str) for p in parts):
        raise schema.invalid("LanguageFilter", f"LanguageFilter must be up to {MAX_LANGUAGES} language codes.")
    return frozenset(language_of(p, "LanguageFilter").lower() for p in parts if p.strip())


def active_filters(body: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """{"State": ["StateOpen", "StateNew"], "Category": "Category3"}: an object, or its JSON text."""
    raw = body.get("ActiveFilters")
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, dict):
        raise schema.invalid("ActiveFilters", 'ActiveFilters must be an object such as {"State": ["StateOpen"]}.')
    parsed = {}
    for name, values in raw.items():
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values) or len(values) > 50:
            raise schema.invalid("ActiveFilters", f"ActiveFilters.{name} must be a list of filter identifiers.")
        parsed[str(name)] = tuple(values)
    return parsed


def document_type(body: dict[str, Any]) -> Optional[str]:
    raw = body.get("DocumentSearchType")
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise schema.invalid("DocumentSearchType", "DocumentSearchType must be a string.")
    return raw.strip()


# --- rendering ----------------------------------------------------------------------------------------

def hit_summary(hit: Hit) -> dict[str, Any]:
    """What both searches show of a hit: the seed's keys, TicketNumber for tickets, Categories for answers."""
    document = hit.document
    shown: dict[str, Any] = {"DocumentSearchType": document.kind, "DocumentID": document.id,
                             "Title": document.title, "Score": f"{hit.score:.6f}"}
    if document.kind == TICKET:
        shown["TicketNumber"] = schema.ticket_number(document.item)
        if document.child_type:
            shown["ChildDocumentSearchType"] = document.child_type
    else:
        shown["Categories"] = list(document.categories)
    return shown


def search_result(result: DocumentSearchResult, load_types: bool, aggregations: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    if load_types:
        answer["DocumentSearchTypes"] = [{"Identifier": t.identifier, "Label": t.label, "Hits": t.hits}
                                         for t in result.types]
    answer["SearchResult"] = [{**hit_summary(hit), "Teasertext": hit.teaser, "IsFromAttachment": 0}
                              for hit in result.page]
    current: Optional[dict[str, Any]] = None
    if result.current is not None:
        current = {"Identifier": result.current.identifier, "Label": result.current.label,
                   "Hits": result.current.hits}
        if aggregations:
            current["Filters"] = [
                {"Identifier": f.identifier, "Label": f.label,
                 "SubFilters": [{"Identifier": v.identifier, "Label": v.label, "Hits": v.hits} for v in f.values]}
                for f in result.filters]
    answer["CurrentDocumentSearchType"] = current
    return answer


# --- views ---------------------------------------------------------------------------------------------

@public_route("/documentsearch", methods=("POST",), auth=False)
def document_search(call: Call) -> Any:
    """OTRS-80: hits of one kind (paged, with teasers), hit counts per kind and per filter value."""
    body = call.body()
    request = DocumentSearchRequest(
        query=search_query(body), document_type=document_type(body), active_filters=active_filters(body),
        languages=languages(body), max_items=number(body, "MaxSearchItems", DEFAULT_MAX_ITEMS, MAX_ITEMS),
        page=number(body, "Page", 1, MAX_PAGE),
        per_page=number(body, "SearchItemsPerPage", DEFAULT_PER_PAGE, MAX_PER_PAGE))
    load_types, aggregations = flag(body, "LoadDocumentSearchTypes", True), flag(body, "FilterAggregations", True)
    result = call.container.document_search.search(optional_customer(call), request)
    return search_result(result, load_types, aggregations)


@public_route("/documentsearch/simple", methods=("POST",), auth=False)
def simple_document_search(call: Call) -> Any:
    """OTRS-81: the best hits of each kind that has any, one section per kind."""
    body = call.body()
    sections = call.container.document_search.simple(optional_customer(call), search_query(body),
                                                     languages(body), SIMPLE_PER_SECTION)
    return {"Result": [{"SectionType": s.identifier, "SectionTitle": s.label,
                        "SectionResult": [hit_summary(hit) for hit in s.hits]} for s in sections]}
