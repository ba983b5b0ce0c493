"""The mailers: SES (moto) sends plain UTF-8 text from the configured sender, with its client made on the
first mail; the outbox writes readable .eml files whose names sort by time."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.core.model import Mail

SENDER = "helpdesk@example.com"
MAIL = Mail(to=("agent@example.com", "lead@example.com"), subject="Eskalation: Drucker überhitzt",
            body="Ticket #45001 ist überfällig.\nBitte übernehmen.", reply_to="support@example.com")
NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}-[0-9a-f]{32}\.eml$")


# --- SES --------------------------------------------------------------------------------------------

def sent_messages() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


@pytest.fixture()
def ses(aws: None) -> Any:
    import boto3
    client = boto3.client("ses", region_name="us-east-1")
    client.verify_email_identity(EmailAddress=SENDER)
    return client


def test_ses_sends_plain_utf8_text_from_the_sender(ses: Any) -> None:
    from chalicelib.storage.mail import SesMailer
    SesMailer("us-east-1", SENDER).send(MAIL)
    (message,) = sent_messages()
    assert message.source == SENDER
    assert message.destinations["ToAddresses"] == list(MAIL.to)
    assert (message.subject, message.body) == (MAIL.subject, MAIL.body)
    assert ses.get_send_quota()["SentLast24Hours"] == 2   # one per recipient


def test_ses_client_is_made_on_the_first_mail_only(ses: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from chalicelib.storage.mail import SesMailer
    made: list[str] = []
    real_client = boto3.client

    def counting(service: str, *args: Any, **kwargs: Any) -> Any:
        made.append(service)
        return real_client(service, *args, **kwargs)

    monkeypatch.setattr(boto3, "client", counting)
    mailer = SesMailer("us-east-1", SENDER)
    assert made == []
    mailer.send(MAIL)
    mailer.send(Mail(to=("agent@example.com",), subject="again", body="."))
    assert made == ["ses"] and len(sent_messages()) == 2


def test_ses_refusing_the_mail_is_invalid_input(ses: Any) -> None:
    from chalicelib.storage.mail import SesMailer
    with pytest.raises(InvalidInput) as refused:
        SesMailer("us-east-1", "unverified@example.com").send(MAIL)
    assert "MessageRejected" in refused.value.message and refused.value.field == "to"
    assert sent_messages() == []


# --- outbox -----------------------------------------------------------------------------------------

def read(path: Path) -> Any:
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def test_outbox_writes_a_readable_mail_and_creates_the_directory(tmp_path: Path) -> None:
    from chalicelib.storage.mail import OutboxMailer
    when = datetime(2026, 12, 1, 10, 15, 0, 123456, tzinfo=timezone.utc)
    outbox = tmp_path / "nested" / "outbox"
    mailer = OutboxMailer(outbox, SENDER, now=lambda: when)
    mailer.send(MAIL)
    (path,) = outbox.iterdir()
    assert NAME.match(path.name) and path.name.startswith("20261201T101500.123456-")
    message = read(path)
    assert message["From"] == SENDER and message["To"] == "agent@example.com, lead@example.com"
    assert message["Subject"] == MAIL.subject and message["Reply-To"] == MAIL.reply_to
    assert message["Date"].datetime == when.replace(microsecond=0)
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message.get_content().rstrip("\n") == MAIL.body


def test_outbox_names_sort_by_time_and_no_partial_file_is_left(tmp_path: Path) -> None:
    from chalicelib.storage.mail import OutboxMailer
    start = datetime(2026, 12, 1, 23, 59, 59, 999000, tzinfo=timezone.utc)
    moments = iter([start + timedelta(milliseconds=step) for step in (0, 1, 2, 3)])
    mailer = OutboxMailer(tmp_path, SENDER, now=lambda: next(moments))
    written = [mailer.write(Mail(to=("a@example.com",), subject=f"mail {n}", body="")) for n in range(4)]
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [path.name for path in written]
    assert [read(tmp_path / name)["Subject"] for name in names] == [f"mail {n}" for n in range(4)]
    assert all(NAME.match(name) for name in names)   # nothing else (no .partial) in the directory


def test_outbox_without_reply_to_has_no_such_header(tmp_path: Path) -> None:
    from chalicelib.storage.mail import OutboxMailer
    OutboxMailer(tmp_path, SENDER).send(Mail(to=("a@example.com",), subject="s", body="b"))
    (path,) = tmp_path.iterdir()
    assert read(path)["Reply-To"] is None
    assert read(path)["Cc"] is None


def test_copies_go_to_cc_in_ses_and_the_outbox(ses: Any, tmp_path: Path) -> None:
    from chalicelib.storage.mail import OutboxMailer, SesMailer
    copied = Mail(to=("a@example.com",), cc=("b@example.com", "c@example.com"), subject="s", body="b")
    SesMailer("us-east-1", SENDER).send(copied)
    (message,) = sent_messages()
    assert message.destinations["ToAddresses"] == ["a@example.com"]
    assert message.destinations["CcAddresses"] == ["b@example.com", "c@example.com"]
    OutboxMailer(tmp_path, SENDER).send(copied)
    (path,) = tmp_path.iterdir()
    assert read(path)["Cc"] == "b@example.com, c@example.com"
