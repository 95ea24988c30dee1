"""Read-model ordering and e-mail delivery rules (no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiosmtplib
import pytest

from notifications.mail.models import OutboundEmail
from notifications.mail.service import compose, is_permanent, retry_delay
from notifications.recipients.service import language_of, supersedes

from ..factories import profile

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_later_profile_events_win_and_older_ones_arriving_late_do_not() -> None:
    assert supersedes(T0, None)
    assert supersedes(T0 + timedelta(seconds=1), T0)
    assert supersedes(T0, T0)
    assert not supersedes(T0 - timedelta(seconds=1), T0)
    assert supersedes(T0.replace(tzinfo=None), T0 - timedelta(hours=1))  # SQLite hands back naive UTC


def test_notices_default_to_english_until_the_profile_is_known() -> None:
    assert language_of(None) == "en"
    assert language_of(profile("u", language="fr")) == "fr"


def test_retry_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay(n, 2.0, 30.0) for n in range(1, 7)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@x")]), True),
        (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(451, "try later", "a@x")]), False),
        (aiosmtplib.SMTPDataError(554, "content rejected"), True),
        (aiosmtplib.SMTPDataError(452, "mailbox full"), False),
        (aiosmtplib.SMTPConnectError("refused"), False),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False),
        (TimeoutError(), False),
    ],
)
def test_only_a_refusal_of_the_message_itself_is_final(error: BaseException, permanent: bool) -> None:
    assert is_permanent(error) is permanent


def test_the_message_has_a_stable_id_and_asks_for_no_auto_reply() -> None:
    email = OutboundEmail(
        id="0f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f",
        to_address="jean@example.com",
        language="fr",
        subject="Votre connexion a été verrouillée",
        body="Corps de l'avis — accentué.",
    )

    envelope = compose(email, "CARM Client Portal <no-reply@carm-portal.dev>", T0)

    message = envelope.message
    assert envelope.sender == "no-reply@carm-portal.dev"
    assert envelope.recipient == "jean@example.com"
    assert message["Message-ID"] == "<0f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f@carm-portal.dev>"
    assert message["Subject"] == "Votre connexion a été verrouillée"
    assert message["Content-Language"] == "fr"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content().strip() == "Corps de l'avis — accentué."
