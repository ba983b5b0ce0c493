"""The default search adapter: a token index in the table (`SEARCH#<token>` -> ticket ids).

Each ticket also has a registry item (`SEARCHREG#<id>`) listing the tokens it was indexed under,
so re-indexing and deletion remove exactly what was added. Good for the everyday word and number
searches of a small or mid-sized helpdesk; at scale an OpenSearch adapter implements the same
SearchIndex port (see docs/decisions.md).
"""
from __future__ import annotations

from typing import Iterator

from .table import Item, SearchItem, sortable

PAGE = 200
MAX_TOKENS_PER_TICKET = 4000  # keeps the registry item far below DynamoDB's 400 KB


class TableSearchIndex:
    @staticmethod
    def _registry(ticket_id: int) -> SearchItem:
        return SearchItem(pk=f"SEARCHREG#{ticket_id}", sk="#TOKENS")

    def _registered(self, ticket_id: int) -> set[str]:
        try:
            item = SearchItem.get(f"SEARCHREG#{ticket_id}", "#TOKENS", consistent_read=True)
        except SearchItem.DoesNotExist:
            return set()
        return set(item.doc.get("tokens", []))

    def _write(self, ticket_id: int, current: set[str], add: set[str], drop: set[str]) -> None:
        room = MAX_TOKENS_PER_TICKET - len(current - drop)
        add = set(sorted(add)[:max(room, 0)])
        registry = self._registry(ticket_id)
        with Item.batch_write() as batch:
            for token in add:
                batch.save(SearchItem(pk=f"SEARCH#{token}", sk=sortable(ticket_id)))
            for token in drop:
                batch.delete(SearchItem(pk=f"SEARCH#{token}", sk=sortable(ticket_id)))
            remaining = (current - drop) | add
            if remaining:
                registry.doc = {"tokens": sorted(remaining)}
                batch.save(registry)
            else:
                batch.delete(registry)

    def add(self, ticket_id: int, tokens: set[str]) -> None:
        current = self._registered(ticket_id)
        if tokens - current:
            self._write(ticket_id, current, tokens - current, set())

    def replace(self, ticket_id: int, tokens: set[str]) -> None:
        current = self._registered(ticket_id)
        if tokens != current:
            self._write(ticket_id, current, tokens - current, current - tokens)

    def forget(self, ticket_id: int) -> None:
        current = self._registered(ticket_id)
        self._write(ticket_id, current, set(), current)

    def hits(self, token: str) -> Iterator[int]:
        for item in Item.query(f"SEARCH#{token}", scan_index_forward=False, page_size=PAGE):
            yield int(item.sk)
