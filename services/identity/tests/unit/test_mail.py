"""The one-time code e-mail (seed 000 §1.6) and what happens when SMTP is away."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from identity.config import Settings
from identity.errors import MailUnavailable
from identity.mail.messages import one_time_code_message
from identity.mail.service import SmtpMailer
from portal_runtime.testing.infra import free_port

from ..harness import code_in


def message(language: str | None) -> tuple[str, str]:
    built = one_time_code_message(
        code="372011",
        to="tcp@tcp.ca",
        sender="no-reply@carm-portal.dev",
        validity_s=600,
        language=language,  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 11, 24, 12, tzinfo=UTC),
    )
    assert built["From"] == "no-reply@carm-portal.dev"
    assert built["To"] == "tcp@tcp.ca"
    assert built["Auto-Submitted"] == "auto-generated"
    assert code_in(built) == "372011"
    body = built.get_body(preferencelist=("plain",))
    assert body is not None
    return built["Subject"], body.get_content()


def test_without_a_known_language_the_code_e_mail_is_bilingual() -> None:
    subject, body = message(None)
    assert subject == "Your one-time code / Votre code à usage unique"
    assert "valid for 10 minutes" in body and "valide pendant 10 minutes" in body
    assert "your password may have been compromised" in body
    assert "votre mot de passe a peut-être été compromis" in body
    assert "Only the most recent code" in body and "Seul le code le plus récent" in body
    assert body.index("Your one-time code") < body.index("Votre code")


def test_an_english_speaking_user_gets_english_only() -> None:
    subject, body = message("en")
    assert subject == "Your one-time code"
    assert "372011" in body and "10 minutes" in body and "compromised" in body
    assert "Votre" not in body


def test_a_french_speaking_user_gets_french_only() -> None:
    subject, body = message("fr")
    assert subject == "Votre code à usage unique"
    assert "372011" in body and "10 minutes" in body and "compromis" in body
    assert "Your" not in body


async def test_an_unreachable_mail_server_is_mail_unavailable() -> None:
    mailer = SmtpMailer(Settings(environment="test", smtp_port=free_port(), smtp_timeout_s=2))
    built = one_time_code_message(
        code="000000", to="tcp@tcp.ca", sender="a@b.ca", validity_s=600, language="en", clock=lambda: datetime.now(UTC)
    )
    with pytest.raises(MailUnavailable) as raised:
        await mailer.send(built)
    assert raised.value.status == 503
    assert raised.value.code == "mail_unavailable"
