"""Files added to an existing article (core.otrs_tickets.ArticleAttachments): the article item in its
ticket's partition (`TICKET#<id>` / `ARTICLE#<padded id>`) rewritten with the longer attachment list,
conditional on the item's `version` (articles are written without one: absent counts as 0)."""
from __future__ import annotations

from typing import Optional

from ..core.model import Article
from .codec import from_doc, to_doc
from .errors import conditional
from .table import ArticleItem, Item, sortable


def _key(ticket_id: int, article_id: int) -> tuple[str, str]:
    return f"TICKET#{ticket_id}", "ARTICLE#" + sortable(article_id)


class ArticleAttachmentStore:
    def article_version(self, ticket_id: int, article_id: int) -> Optional[tuple[Article, int]]:
        try:
            item = ArticleItem.get(*_key(ticket_id, article_id), consistent_read=True)
        except ArticleItem.DoesNotExist:
            return None
        return from_doc(Article, item.doc), int(item.version or 0)

    def save_attachments(self, article: Article, expected_version: int) -> None:
        pk, sk = _key(article.ticket_id, article.id)
        item = ArticleItem(pk=pk, sk=sk, doc=to_doc(article), version=expected_version + 1)
        condition = Item.pk.exists() & (Item.version == expected_version if expected_version
                                        else Item.version.does_not_exist())
        with conditional("The article was changed by someone else at the same time."):
            item.save(condition=condition)
