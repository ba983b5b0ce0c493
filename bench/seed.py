"""Fill the store in bulk with the items the storage layer itself writes.

Creating 20,000 tickets through the service is too slow on moto (its TransactWriteItems deep-copies
the whole table for rollback, so every create gets slower as the table grows). The tickets here are
built with the storage layer's own item builders (`_ticket_item`, `_article_items`, the number
pointer, the search index's token and registry items) and written with BatchWriteItem, so the store
cannot be told apart from one filled through the API: tickets in four groups, for 24 customers in
three organizations, each with one article and its search tokens; the counters are advanced past
the seeded ids.

The people (groups, organizations, customers, an agent) are few and go through the normal stores.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from chalicelib.core.model import (ROLE_AGENT, ROLE_CUSTOMER, Article, Group, Organization, Ticket, User)

GROUPS = ("Sales", "Service Desk", "Billing")  # besides provisioning's "Users"
ORGANIZATIONS = ("Acme Corp", "Globex", "Initech")
CUSTOMERS = 24
AGENT = ("bench.agent@example.com", "agent-password")
# Every ticket names an order; each order number is shared by COHORT tickets, so a search for one
# has the same number of hits at every table size.
COHORT = 10
ORDER_BASE = 700000
TITLES = (
    "Printer on floor {floor} is jammed", "Cannot log in to the VPN", "Invoice shows the wrong amount",
    "Laptop battery drains quickly", "Request for a new monitor", "Email bounces from a partner",
    "Shared drive is read-only", "Password reset link expired", "Phone line has static noise",
    "Projector in room {floor}0 flickers", "Refund not received yet", "Delivery arrived damaged",
    "Access to the CRM is missing", "Wi-Fi drops every hour", "Calendar invites are duplicated",
    "License renewal for design tools",
)
BODIES = (
    "It started this morning and shows error E{code}. Please help.",
    "Since the last update the problem comes back every day.",
    "Our team cannot work until this is fixed, it is urgent.",
    "Could you please look into this? Reference code {code}.",
    "I tried restarting twice without success.",
)
COMMON_WORD = "printer"  # in one title of sixteen: hits grow with the table, up to the search cap
BASE_TIME = datetime(2025, 1, 1, tzinfo=timezone.utc)


@dataclass
class Person:
    id: int
    email: str
    password: str

    def credentials(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "password": self.password}


@dataclass
class Seeded:
    """What the operations need to know about the seeded store."""
    size: int
    admin: Person
    agent: Person
    group_ids: list[int]
    customer_ids: list[int]
    ticket_ids: list[int] = field(default_factory=list)
    article_ids: dict[int, int] = field(default_factory=dict)  # ticket id -> first article id
    items_written: int = 0
    seconds: float = 0.0

    @property
    def full_cohorts(self) -> list[str]:
        """Order numbers with exactly COHORT tickets."""
        return [str(ORDER_BASE + k) for k in range(len(self.ticket_ids) // COHORT)]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def people(container: Any, credentials: dict[str, Any]) -> tuple[Person, Person, list[int], list[int]]:
    """Groups, organizations, customers and an agent with full access to every group."""
    from chalicelib.auth.tokens import hash_password

    c = container
    now = iso(datetime.now(timezone.utc))
    group_ids = [g.id for g in c.catalog().groups]
    for name in GROUPS:
        group_id = c.ids.next_id("group")
        c.catalog_store.put_group(Group(group_id, name, created_at=now, updated_at=now))
        group_ids.append(group_id)
    organization_ids = []
    for name in ORGANIZATIONS:
        organization = Organization(id=c.ids.next_id("organization"), name=name, shared=True,
                                    created_at=now, updated_at=now)
        c.organization_store.create(organization)
        organization_ids.append(organization.id)
    customer_ids = []
    for n in range(CUSTOMERS):
        org = organization_ids[n % len(organization_ids)] if n % 4 else None  # a quarter without one
        user = User(id=c.ids.next_id("user"), login=f"customer{n}@example.com", email=f"customer{n}@example.com",
                    firstname=f"Customer{n}", lastname="Example", role_ids=[ROLE_CUSTOMER], organization_id=org,
                    verified=True, created_at=now, updated_at=now)
        c.user_store.create(user)
        customer_ids.append(user.id)
    agent = User(id=c.ids.next_id("user"), login=AGENT[0], email=AGENT[0], firstname="Bench", lastname="Agent",
                 password_hash=hash_password(AGENT[1], c.settings.password_cost), role_ids=[ROLE_AGENT],
                 group_access={str(g): ["full"] for g in group_ids}, verified=True, created_at=now, updated_at=now)
    c.user_store.create(agent)
    admin = credentials["admin"]
    return (Person(admin["id"], admin["email"], admin["password"]), Person(agent.id, AGENT[0], AGENT[1]),
            group_ids, customer_ids)


def _ticket_and_article(seeded: Seeded, customers: dict[int, User], k: int, ticket_id: int, article_id: int,
                        number_prefix: str) -> tuple[Ticket, Article]:
    """The k-th seeded ticket as TicketService.create would have built it (agent, phone call)."""
    customer = customers[seeded.customer_ids[k % len(seeded.customer_ids)]]
    created = iso(BASE_TIME + timedelta(minutes=7 * k))
    order = ORDER_BASE + k // COHORT
    title = TITLES[k % len(TITLES)].format(floor=k % 7 + 1) + f" (order {order})"
    body = BODIES[k % len(BODIES)].format(code=100 + k % 900)
    state_id = (1, 2, 2, 4)[k % 4]  # new, open, open, closed
    ticket = Ticket(
        id=ticket_id, number=f"{number_prefix}{ticket_id:03d}", title=title,
        group_id=seeded.group_ids[k % len(seeded.group_ids)], state_id=state_id, priority_id=2,
        customer_id=customer.id, owner_id=seeded.agent.id if k % 3 else 1, organization_id=customer.organization_id,
        article_ids=[article_id], create_article_type_id=5, create_article_sender_id=2,
        last_contact_at=created, last_contact_customer_at=created, close_at=created if state_id == 4 else None,
        created_by_id=seeded.agent.id, updated_by_id=seeded.agent.id, created_at=created, updated_at=created,
    )
    article = Article(
        id=article_id, ticket_id=ticket_id, type_id=5, sender_id=2, body=body, subject=title,
        from_=customer.fullname, origin_by_id=seeded.agent.id, created_by_id=seeded.agent.id,
        updated_by_id=seeded.agent.id, created_at=created, updated_at=created,
    )
    return ticket, article


def tickets(container: Any, seeded: Seeded, count: int, progress: Optional[Any] = None) -> None:
    """Write `count` more tickets (with article, number pointer and search index) in bulk."""
    from chalicelib.storage.search import TableSearchIndex
    from chalicelib.storage.table import Item, PointerItem, SearchItem, sortable
    from chalicelib.storage.tickets import POINTER_SK, _article_items, _ticket_item

    c = container
    started = time.perf_counter()
    first_ticket = _counter(c, "ticket") + 1
    first_article = _counter(c, "article") + 1
    # Reserve the ids before writing: later creates through the API continue after them.
    c.ids.ensure_at_least("ticket", first_ticket + count - 1)
    c.ids.ensure_at_least("article", first_article + count - 1)
    customers = c.user_store.get_many(seeded.customer_ids)
    prefix = c.settings.ticket_number_prefix
    words = c.tickets._words  # the service's own tokenizer: the index holds what a create would put there
    written = 0
    with Item.batch_write() as batch:
        for k in range(count):
            offset = len(seeded.ticket_ids)
            ticket, article = _ticket_and_article(seeded, customers, offset, first_ticket + k, first_article + k,
                                                  prefix)
            items = [_ticket_item(ticket, 1), *_article_items(article),
                     PointerItem(pk=f"TICKETNUMBER#{ticket.number}", sk=POINTER_SK, doc={"ticket_id": ticket.id})]
            tokens = sorted(words(ticket, [article]))
            items += [SearchItem(pk=f"SEARCH#{token}", sk=sortable(ticket.id)) for token in tokens]
            registry = TableSearchIndex._registry(ticket.id)
            registry.doc = {"tokens": tokens}
            items.append(registry)
            for item in items:
                batch.save(item)
            written += len(items)
            seeded.ticket_ids.append(ticket.id)
            seeded.article_ids[ticket.id] = article.id
            if progress and (k + 1) % 2000 == 0:
                progress(f"  seeded {k + 1:,}/{count:,} tickets, {time.perf_counter() - started:.0f} s")
    seeded.items_written += written
    seeded.size = len(seeded.ticket_ids)
    seeded.seconds += time.perf_counter() - started


def _counter(container: Any, sequence: str) -> int:
    from chalicelib.storage.table import CounterItem

    try:
        item = CounterItem.get("COUNTER", sequence, consistent_read=True)
    except CounterItem.DoesNotExist:
        return 0
    return int(item.value or 0)

