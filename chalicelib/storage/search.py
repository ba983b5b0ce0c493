"""The default search adapter: a token index in the table (`SEARCH#<token>` -> ticket ids).

Good for the everyday word and number searches of a small or mid-sized helpdesk. At scale an
OpenSearch adapter implements the same SearchIndex port (see docs/decisions.md).
"""
from __future__ import annotations

from typing import Iterator

from .table import Item, SearchItem, sortable

PAGE = 200


class TableSearchIndex:
    def add(self, ticket_id: int, tokens: set[str]) -> None:
        with Item.batch_write() as batch:
            for token in tokens:
                batch.save(SearchItem(pk=f"SEARCH#{token}", sk=sortable(ticket_id)))

    def remove(self, ticket_id: int, tokens: set[str]) -> None:
        with Item.batch_write() as batch:
            for token in tokens:
                batch.delete(SearchItem(pk=f"SEARCH#{token}", sk=sortable(ticket_id)))

    def hits(self, token: str) -> Iterator[int]:
        for item in Item.query(f"SEARCH#{token}", scan_index_forward=False, page_size=PAGE):
            yield int(item.sk)
