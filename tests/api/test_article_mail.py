"""An agent's email article is mailed to its recipients, whichever dialect wrote it (core/article_mail.py);
notes, internal articles and customers' articles never are."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.api.rs4otrs.conftest import Rpc, ok
from tests.api.zammad.test_tickets import new_ticket
from tests.core.fakes import FakeMailer

CUSTOMER = "nicole.braun@example.com"


@pytest.fixture()
def mails(api) -> Iterator[FakeMailer]:
    """What the article mailer sends (the Mailer port), captured."""
    from chalicelib import bootstrap
    from chalicelib.core.article_mail import ArticleMailer
    fake = FakeMailer()
    [observer] = [o for o in bootstrap.container().tickets.observers if isinstance(o, ArticleMailer)]
    observer._mailer = fake
    yield fake


def article(api, ticket_id: int, who: str = "agent", **fields):
    body = {"ticket_id": ticket_id, "body": "We replaced the toner.", "type": "email", "internal": False,
            "subject": "Re: printer", "to": CUSTOMER, **fields}
    return api.post("/api/v1/ticket_articles", body, who=who)


def test_an_agents_email_reply_in_zammad_is_mailed(api, mails: FakeMailer) -> None:
    ticket = new_ticket(api).json
    created = article(api, ticket["id"], cc="Boss <boss@example.com>", content_type="text/html",
                      body="<p>We replaced the <b>toner</b>.</p>")
    assert created.status == 201, created
    [mail] = mails.sent
    assert mail.to == (CUSTOMER,) and mail.cc == ("boss@example.com",)
    assert mail.subject == f"Re: printer [Ticket#{ticket['number']}]" and mail.body == "We replaced the toner."


def test_notes_internal_and_customer_articles_are_not_mailed(api, mails: FakeMailer) -> None:
    ticket = new_ticket(api).json
    assert article(api, ticket["id"], type="note").status == 201
    assert article(api, ticket["id"], internal=True).status == 201
    assert article(api, ticket["id"], who="customer", to="").status == 201
    assert mails.sent == []


def test_an_rs4otrs_email_article_goes_to_the_tickets_customer(api, mails: FakeMailer) -> None:
    rpc = Rpc(api)
    ticket = new_ticket(rpc.api).json
    ok(rpc.call("tickets", "createArticle", TicketID=ticket["id"], Subject="Re: Help me!",
                Body="Restarted the gateway.", ArticleType="Email", SenderType="agent"))
    ok(rpc.call("tickets", "createArticle", TicketID=ticket["id"], Subject="Note", Body="Checked the logs.",
                ArticleType="Internal", SenderType="agent"))
    [mail] = mails.sent
    assert mail.to == (CUSTOMER,) and mail.body == "Restarted the gateway."
    assert mail.subject == f"Re: Help me! [Ticket#{ticket['number']}]"
    shown = rpc.api.get(f"/api/v1/ticket_articles/by_ticket/{ticket['id']}", who="agent").json
    assert [a["to"] for a in shown if a["type"] == "email"] == [CUSTOMER]
