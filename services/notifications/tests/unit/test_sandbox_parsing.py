"""What the sink keeps of a message: decoded text, one entry per recipient (no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from notifications.sandbox.service import received_mails

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def smtp_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def test_quoted_printable_french_text_is_decoded_and_line_endings_are_plain() -> None:
    message = EmailMessage()
    message["From"] = "Portail GCRA <no-reply@carm-portal.dev>"
    message["Subject"] = "Votre code à usage unique"
    message.set_content("Votre code : 482913\nIl expire dans 10 minutes.", cte="quoted-printable")

    [mail] = received_mails("bounce@carm-portal.dev", ["Jean@Example.com"], smtp_bytes(message), AT)

    assert mail.to == "jean@example.com"
    assert mail.sender == "Portail GCRA <no-reply@carm-portal.dev>"
    assert mail.subject == "Votre code à usage unique"
    assert mail.body == "Votre code : 482913\nIl expire dans 10 minutes.\n"
    assert mail.received_at == AT


def test_the_text_part_of_a_multipart_message_is_kept_once_per_recipient() -> None:
    message = EmailMessage()
    message["Subject"] = "Notice"
    message.set_content("Plain text", cte="base64")
    message.add_alternative("<p>HTML</p>", subtype="html")

    mails = received_mails(
        "sender@example.com", ["a@example.com", "b@example.com", "a@example.com"], smtp_bytes(message), AT
    )

    assert [m.to for m in mails] == ["a@example.com", "b@example.com"]
    assert {m.body for m in mails} == {"Plain text\n"}
    assert {m.sender for m in mails} == {"sender@example.com"}  # no From header: the envelope sender


def test_an_unknown_charset_is_read_as_utf8_rather_than_dropped() -> None:
    raw = b"Subject: Odd\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nCode 123456 \xc3\xa9\r\n"

    [mail] = received_mails(None, ["a@example.com"], raw, AT)

    assert mail.body == "Code 123456 é\n"
    assert mail.sender == ""
