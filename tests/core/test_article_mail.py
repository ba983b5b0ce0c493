"""Agents' email articles leave by mail (core/article_mail.py); nothing else does."""
from __future__ import annotations

from typing import Any

from chalicelib.core.article_mail import ArticleMailer, article_mail
from chalicelib.core.model import Article, Mail, Principal, Ticket, User
from chalicelib.core.ports import TicketChange
from tests.core.fakes import FakeMailer

EMAIL, NOTE, AGENT, CUSTOMER = 1, 10, 1, 2
TICKET = Ticket(id=7, number="31001", title="Printer on fire", group_id=1, state_id=2, priority_id=2, customer_id=4)


def reply(**changes: Any) -> Article:
    fields: dict[str, Any] = dict(id=9, ticket_id=7, type_id=EMAIL, sender_id=AGENT, body="We are on it.",
                                  subject="Re: Printer on fire", to="Nicole Braun <nicole.braun@example.com>")
    fields.update(changes)
    return Article(**fields)


def test_an_agents_email_goes_to_its_recipients_with_the_ticket_hook() -> None:
    mail = article_mail(TICKET, reply(cc="boss@example.com, nicole.braun@example.com"))
    assert mail == Mail(to=("nicole.braun@example.com",), cc=("boss@example.com",),
                        subject="Re: Printer on fire [Ticket#31001]", body="We are on it.")


def test_the_hook_is_not_added_twice_and_the_title_stands_in_for_no_subject() -> None:
    assert article_mail(TICKET, reply(subject="Re: x [Ticket#31001]")).subject == "Re: x [Ticket#31001]"
    assert article_mail(TICKET, reply(subject="")).subject == "Printer on fire [Ticket#31001]"


def test_html_goes_as_text_and_cc_alone_is_enough() -> None:
    mail = article_mail(TICKET, reply(to="", cc="a@example.com", content_type="text/html",
                                      body="<p>Line one</p><p>Line <b>two</b></p>"))
    assert mail is not None and mail.to == ("a@example.com",) and mail.cc == ()
    assert "Line one" in mail.body and "Line two" in mail.body and "<" not in mail.body


def test_no_mail_for_notes_internal_customer_articles_or_no_clean_recipient() -> None:
    assert article_mail(TICKET, reply(type_id=NOTE)) is None
    assert article_mail(TICKET, reply(internal=True)) is None
    assert article_mail(TICKET, reply(sender_id=CUSTOMER)) is None
    assert article_mail(TICKET, reply(to="")) is None
    assert article_mail(TICKET, reply(to='"x" <not an address>, <a@b>')) is None


def test_recipients_are_parsed_addresses_never_raw_header_text() -> None:
    mail = article_mail(TICKET, reply(to='"Nicole" <nicole.braun@example.com>\r\nBcc: other@example.com'))
    assert mail is not None and all("\n" not in a and " " not in a for a in mail.to + mail.cc)


class BrokenMailer:
    def send(self, mail: Mail) -> None:
        raise RuntimeError("SES is down")


def change(article: Article) -> TicketChange:
    actor = Principal(User(id=3, login="agent@example.com", firstname="Agent", lastname="Smith"), frozenset())
    return TicketChange(kind="updated", actor=actor, at="2026-12-02T00:00:00Z", before=TICKET, after=TICKET,
                        article=article)


def test_the_observer_sends_once_per_article_and_a_failure_stays_in_the_log(caplog) -> None:
    mailer = FakeMailer()
    ArticleMailer(mailer).ticket_changed(change(reply()))
    ArticleMailer(mailer).ticket_changed(change(reply(type_id=NOTE)))
    assert [m.to for m in mailer.sent] == [("nicole.braun@example.com",)]
    ArticleMailer(BrokenMailer()).ticket_changed(change(reply()))  # raises nothing: the article stands
    assert "was not mailed" in caplog.text
