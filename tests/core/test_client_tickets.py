"""Pure rules of core/client_tickets.py: topic keys, scores and client email addresses."""
from __future__ import annotations

import pytest

from chalicelib.core.client_tickets import ARTICLE_SCORES, TICKET_SCORES, check_emails, check_score, topic_keys
from chalicelib.core.errors import InvalidInput
from chalicelib.core.model import Group


def test_topic_keys_are_slugs_unique_and_of_active_groups_only() -> None:
    groups = [Group(3, "Billing & Payments"), Group(1, "Users"), Group(4, "billing payments"),
              Group(5, "Поддержка"), Group(6, "Old", active=False)]
    assert [(t.key, t.group.id) for t in topic_keys(groups)] == [
        ("users", 1), ("billing-payments", 3), ("billing-payments-4", 4), ("group-5", 5)]


@pytest.mark.parametrize("score, allowed, ok", [
    (1, TICKET_SCORES, True), (10, TICKET_SCORES, True), (0, TICKET_SCORES, False), (11, TICKET_SCORES, False),
    (1.0, TICKET_SCORES, False), (True, TICKET_SCORES, False), (-1, ARTICLE_SCORES, True),
    (0, ARTICLE_SCORES, False), (2, ARTICLE_SCORES, False),
])
def test_scores(score: object, allowed: object, ok: bool) -> None:
    if ok:
        check_score(score, allowed)  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidInput):
            check_score(score, allowed)  # type: ignore[arg-type]


def test_emails_are_lower_cased_deduplicated_and_checked() -> None:
    assert check_emails([" A@Example.com", "a@example.com", "b@example.org"]) == ("a@example.com", "b@example.org")
    with pytest.raises(InvalidInput) as refused:
        check_emails(["a@example.com", "nope"])
    assert refused.value.field == "client_emails" and "[1]" in refused.value.message
