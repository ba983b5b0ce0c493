"""Agents' email articles go out by mail, as Zammad sends them.

An article of type `email` written by an agent (any dialect: a Zammad reply, an RS4OTRS `Email` article)
is mailed to its To and Cc addresses once the ticket write is committed. The subject carries the ticket
hook Zammad appends (`Subject [Ticket#31001]`) so the customer's answer can find its ticket; an HTML body
goes as its text. Internal articles, customers' and the system's articles are never mailed.

A ticket observer: it runs after the write, and a mail that cannot be sent is logged and leaves the
article as written (the article is the record of what the agent said; the log says it did not leave).
"""
from __future__ import annotations

import logging
from typing import Optional

from .model import Article, Mail, Ticket
from .ports import Mailer, TicketChange
from .text import html_to_text, mail_addresses

log = logging.getLogger(__name__)
TICKET_HOOK = "Ticket#"


def article_mail(ticket: Ticket, article: Article) -> Optional[Mail]:
    """The mail an article sends, or None when it sends none (not an agent's public email, no recipient)."""
    if article.type != "email" or article.sender != "Agent" or article.internal:
        return None
    to, cc = mail_addresses(article.to), mail_addresses(article.cc)
    if not to:
        to, cc = cc, ()
    if not to:
        return None
    subject = (article.subject or ticket.title).strip()
    hook = f"[{TICKET_HOOK}{ticket.number}]"
    if hook not in subject:
        subject = f"{subject} {hook}".strip()
    body = html_to_text(article.body) if article.content_type.lower().startswith("text/html") else article.body
    return Mail(to=to, cc=tuple(a for a in cc if a not in to), subject=subject, body=body,
                reply_to=article.reply_to or None)


class ArticleMailer:
    """The TicketObserver that sends what `article_mail` builds."""

    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer

    def ticket_changed(self, change: TicketChange) -> None:
        if change.article is None or change.after is None:
            return
        mail = article_mail(change.after, change.article)
        if mail is None:
            return
        try:
            self._mailer.send(mail)
        except Exception:
            log.exception("article %s of ticket %s was not mailed", change.article.id, change.after.id)
