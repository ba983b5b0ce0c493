"""Per-user article flags in the ticket's partition: `TICKET#<ticket id>` / `FLAG#<padded article id>#<user id>`,
doc `{"flags": {name: value}}`.

get/put are one GetItem/PutItem; `for_user` is one Query of the partition's `FLAG#` range (every user's
flags on the ticket: in practice the ticket's customers, a handful of items), kept to the user's items
here; `forget_ticket` is that Query plus BatchWriteItem deletes.
"""
from __future__ import annotations

from .table import ArticleFlagItem, Item, sortable

PREFIX = "FLAG#"
QUERY_PAGE = 500


def _pk(ticket_id: int) -> str:
    return f"TICKET#{ticket_id}"


def _sk(article_id: int, user_id: int) -> str:
    return f"{PREFIX}{sortable(article_id)}#{user_id}"


class ArticleFlagStore:
    def get(self, ticket_id: int, article_id: int, user_id: int) -> dict[str, str]:
        try:
            item = ArticleFlagItem.get(_pk(ticket_id), _sk(article_id, user_id), consistent_read=True)
        except ArticleFlagItem.DoesNotExist:
            return {}
        return dict(item.doc.get("flags", {}))

    def put(self, ticket_id: int, article_id: int, user_id: int, flags: dict[str, str]) -> None:
        ArticleFlagItem(pk=_pk(ticket_id), sk=_sk(article_id, user_id), doc={"flags": dict(flags)}).save()

    def for_user(self, ticket_id: int, user_id: int) -> dict[int, dict[str, str]]:
        found: dict[int, dict[str, str]] = {}
        for item in Item.query(_pk(ticket_id), Item.sk.startswith(PREFIX), consistent_read=True,
                               page_size=QUERY_PAGE):
            _, article_id, flagged_by = item.sk.split("#")
            if int(flagged_by) == user_id:
                found[int(article_id)] = dict(item.doc.get("flags", {}))
        return found

    def forget_ticket(self, ticket_id: int) -> None:
        keys = [(item.pk, item.sk) for item in
                Item.query(_pk(ticket_id), Item.sk.startswith(PREFIX), attributes_to_get=["pk", "sk", "kind"],
                           page_size=QUERY_PAGE)]
        with ArticleFlagItem.batch_write() as batch:
            for pk, sk in keys:
                batch.delete(ArticleFlagItem(pk=pk, sk=sk))
