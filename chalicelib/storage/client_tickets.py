"""Votes and client details (core.ports.ClientTicketRepository) in the ticket's partition:
`TICKET#<id>` / `VOTE#TICKET`, `VOTE#ARTICLE#<padded article id>`, `CLIENT#DETAILS` (ClientTicketItem).

extras = BatchGetItem of two keys per ticket (50 tickets a call); article_votes = one Query of the
`VOTE#ARTICLE#` range; put_* = one PutItem; forget_ticket = one Query of `VOTE#` plus the details key,
deleted with BatchWriteItem.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..core.model import ClientDetails, TicketExtras, Vote
from .codec import from_doc, to_doc
from .table import ClientTicketItem, Item, sortable

TICKET_VOTE_SK = "VOTE#TICKET"
ARTICLE_VOTE_PREFIX = "VOTE#ARTICLE#"
DETAILS_SK = "CLIENT#DETAILS"
BATCH_GET_LIMIT = 100


def _pk(ticket_id: int) -> str:
    return f"TICKET#{ticket_id}"


def _vote_sk(article_id: Optional[int]) -> str:
    return TICKET_VOTE_SK if article_id is None else ARTICLE_VOTE_PREFIX + sortable(article_id)


def _details(doc: dict) -> ClientDetails:
    details = from_doc(ClientDetails, doc)
    return ClientDetails(details.aliased_name, tuple(details.emails), details.updated_at)


class ClientTicketStore:
    def extras(self, ticket_ids: Iterable[int]) -> dict[int, TicketExtras]:
        ids = sorted(set(ticket_ids))
        votes: dict[int, Vote] = {}
        details: dict[int, ClientDetails] = {}
        keys = [(_pk(tid), sk) for tid in ids for sk in (TICKET_VOTE_SK, DETAILS_SK)]
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            for item in Item.batch_get(keys[start:start + BATCH_GET_LIMIT], consistent_read=True):
                ticket_id = int(item.pk.split("#", 1)[1])
                if item.sk == TICKET_VOTE_SK:
                    votes[ticket_id] = from_doc(Vote, item.doc)
                else:
                    details[ticket_id] = _details(item.doc)
        return {tid: TicketExtras(votes.get(tid), details.get(tid, ClientDetails())) for tid in ids}

    def article_votes(self, ticket_id: int) -> dict[int, Vote]:
        return {int(item.sk[len(ARTICLE_VOTE_PREFIX):]): from_doc(Vote, item.doc)
                for item in ClientTicketItem.query(_pk(ticket_id), ClientTicketItem.sk.startswith(ARTICLE_VOTE_PREFIX),
                                                   consistent_read=True)}

    def put_vote(self, ticket_id: int, article_id: Optional[int], vote: Vote) -> None:
        ClientTicketItem(pk=_pk(ticket_id), sk=_vote_sk(article_id), doc=to_doc(vote)).save()

    def put_details(self, ticket_id: int, details: ClientDetails) -> None:
        doc = to_doc(details)
        doc["emails"] = list(details.emails)
        ClientTicketItem(pk=_pk(ticket_id), sk=DETAILS_SK, doc=doc).save()

    def forget_ticket(self, ticket_id: int) -> None:
        pk = _pk(ticket_id)
        keys = [item.sk for item in ClientTicketItem.query(pk, ClientTicketItem.sk.startswith("VOTE#"),
                                                            attributes_to_get=["pk", "sk", "kind"])]
        with ClientTicketItem.batch_write() as batch:
            for sk in keys + [DETAILS_SK]:
                batch.delete(ClientTicketItem(pk=pk, sk=sk))
