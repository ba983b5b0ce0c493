"""Mailers (core.ports.Mailer): Amazon SES in AWS, an outbox directory of `.eml` files on a laptop.

The outbox is what `make run` prints and a developer reads: one RFC 5322 file per mail, named by the
UTC time it was sent (`20261201T101500.123456-<uuid>.eml`), so `ls` lists them in order and any mail
client (or `cat`) opens them.
"""
from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Callable, Optional

from ..core.errors import InvalidInput
from ..core.model import Mail

# SES's answers about the mail itself (a bad or unverified address), as opposed to an outage or throttling.
REJECTED = ("MessageRejected", "InvalidParameterValue", "MailFromDomainNotVerifiedException")


class SesMailer:
    """SES SendEmail with a plain-text UTF-8 body. The client is made on the first mail, not before:
    most Lambda invocations never send one."""

    def __init__(self, region: str, sender: str) -> None:
        self._region = region
        self._sender = sender
        self._client: Optional[Any] = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3  # heavy; only a run that sends mail pays for it
                    self._client = boto3.client("ses", region_name=self._region)
        return self._client

    def send(self, mail: Mail) -> None:
        """A mail SES refuses (rejected, invalid address) is an InvalidInput; anything else propagates,
        so a scheduled run fails and is retried."""
        from botocore.exceptions import ClientError

        request: dict[str, Any] = {
            "Source": self._sender,
            "Destination": {"ToAddresses": list(mail.to), **({"CcAddresses": list(mail.cc)} if mail.cc else {})},
            "Message": {"Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": mail.body, "Charset": "UTF-8"}}},
        }
        if mail.reply_to:
            request["ReplyToAddresses"] = [mail.reply_to]
        try:
            self.client.send_email(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in REJECTED:
                raise InvalidInput(f"The mail to {', '.join(mail.to)} was rejected: {code}", field="to") from error
            raise


def message(mail: Mail, sender: str, when: datetime) -> EmailMessage:
    """The mail as an RFC 5322 message (UTF-8 text body)."""
    out = EmailMessage()
    out["From"] = sender
    out["To"] = ", ".join(mail.to)
    if mail.cc:
        out["Cc"] = ", ".join(mail.cc)
    out["Subject"] = mail.subject
    out["Date"] = format_datetime(when)
    # An explicit domain: without one make_msgid asks DNS for this host's name.
    out["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    if mail.reply_to:
        out["Reply-To"] = mail.reply_to
    out.set_content(mail.body, charset="utf-8")
    return out


class OutboxMailer:
    """Writes each mail to `directory` as a readable `.eml` file. A file appears whole (written under a
    temporary name, then renamed), so a reader polling the directory never sees half a mail."""

    def __init__(self, directory: str | os.PathLike[str], sender: str,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.directory = Path(directory)
        self._sender = sender
        self._now = now

    def send(self, mail: Mail) -> None:
        self.write(mail)

    def write(self, mail: Mail) -> Path:
        """Store the mail; returns its file."""
        when = self._now().astimezone(timezone.utc)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{when.strftime('%Y%m%dT%H%M%S.%f')}-{uuid.uuid4().hex}.eml"
        target = self.directory / name
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(bytes(message(mail, self._sender, when)))
        partial.replace(target)
        return target
