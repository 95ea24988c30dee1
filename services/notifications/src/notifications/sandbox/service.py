"""What the sandbox mailbox keeps of a received message: one entry per envelope recipient, text decoded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import cast


@dataclass(frozen=True)
class ReceivedMail:
    to: str
    sender: str
    subject: str
    body: str
    message_id: str | None
    received_at: datetime


def mailbox_address(address: str) -> str:
    """Mailboxes are looked up case-insensitively (the domain is; in practice the local part is too)."""
    return address.strip().lower()


def _text_of(message: EmailMessage) -> str:
    """The text part, decoded, with the SMTP line endings (CRLF) turned into plain newlines."""
    return _decoded(message).replace("\r\n", "\n")


def _decoded(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # unknown charset or broken transfer encoding: keep what can be read
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def received_mails(
    envelope_from: str | None, recipients: Sequence[str], content: bytes, received_at: datetime
) -> list[ReceivedMail]:
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(content))  # policy.default: EmailMessage
    sender = str(message.get("From") or envelope_from or "")
    subject = str(message.get("Subject") or "")
    body = _text_of(message)
    message_id = str(message["Message-ID"]) if message.get("Message-ID") else None
    return [
        ReceivedMail(
            to=mailbox_address(rcpt),
            sender=sender,
            subject=subject,
            body=body,
            message_id=message_id,
            received_at=received_at,
        )
        for rcpt in dict.fromkeys(recipients)
    ]
