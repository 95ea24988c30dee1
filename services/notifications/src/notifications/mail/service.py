"""Delivering notice e-mails: outside the transaction that recorded them, with retries, at most once per notice.

The consumer that posts a notice only records an ``outbound_email`` row; :class:`MailSender`, a background task
of the service, claims due rows, talks SMTP with no transaction open, then records the outcome. A slow or absent
SMTP server therefore never holds a consumer's transaction, and a message waits (backing off) until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications.config import Settings
from notifications.mail import repository
from notifications.mail.models import OutboundEmail
from portal_runtime.messaging import utcnow

log = logging.getLogger(__name__)


def retry_delay(attempts: int, base_s: float, max_s: float) -> float:
    """Exponential backoff after the ``attempts``-th failed delivery, capped."""
    return float(min(max_s, base_s * 2 ** max(attempts - 1, 0)))


def is_permanent(error: BaseException) -> bool:
    """Only a refusal of this very message (5xx to a recipient or to its content) is final.

    Connection trouble, timeouts, 4xx answers and server-wide refusals (authentication, sender) are retried:
    they are fixed by waiting or by the operator, and the e-mail must survive until then.
    """
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(r.code >= 500 for r in error.recipients)
    if isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return error.code >= 500
    return False


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipient: str
    message: EmailMessage


def compose(email: OutboundEmail, mail_from: str, now: datetime) -> Envelope:
    """The MIME message; its Message-ID is derived from the row, so a receiving system can spot a duplicate."""
    sender = parseaddr(mail_from)[1]
    domain = sender.partition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{email.id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to notices
    message.set_content(email.body)
    message["Content-Language"] = email.language  # after set_content, which resets the Content-* headers
    return Envelope(sender=sender, recipient=email.to_address, message=message)


def wake_after_commit(session: AsyncSession, bell: asyncio.Event) -> None:
    """Rings the sender once the transaction that recorded an e-mail commits (not before: it would find none)."""
    event.listen(session.sync_session, "after_commit", lambda _session: bell.set(), once=True)


class MailSender:
    """The background task that delivers pending notice e-mails."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        bell: asyncio.Event,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._bell = bell
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.sent_total = 0
        self.failures_total = 0
        self.last_error: str | None = None

    async def deliver_due(self) -> int:
        """One pass: claims a batch of due e-mails and tries each once; returns how many were claimed."""
        settings = self._settings
        now = self._clock()
        async with self._sessions() as session, session.begin():
            batch = await repository.claim_due(
                session,
                now=now,
                lease_until=now + timedelta(seconds=settings.mail_claim_lease_s),
                limit=settings.mail_batch_size,
            )
        for email in batch:
            await self._deliver(email)
        return len(batch)

    async def _deliver(self, email: OutboundEmail) -> None:
        settings = self._settings
        try:
            envelope = compose(email, settings.mail_from, self._clock())
            await aiosmtplib.send(
                envelope.message,
                sender=envelope.sender,
                recipients=[envelope.recipient],
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password.get_secret_value() or None,
                timeout=settings.smtp_timeout_s,
                start_tls=settings.smtp_starttls,
            )
        except Exception as exc:
            await self._record_failure(email, exc)
            return
        await self._record_sent(email)
        self.sent_total += 1

    async def _record_sent(self, email: OutboundEmail, attempts: int = 3) -> None:
        """The server has the message: recording that must not fail on a database blip, or the lease would end
        and the message go out a second time."""
        for attempt in range(1, attempts + 1):
            try:
                async with self._sessions() as session, session.begin():
                    await repository.mark_sent(session, email.id, self._clock())
                return
            except Exception:
                if attempt == attempts:
                    raise
                await asyncio.sleep(0.2 * attempt)

    async def _record_failure(self, email: OutboundEmail, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"[:1000]
        self.failures_total += 1
        self.last_error = reason
        async with self._sessions() as session, session.begin():
            if is_permanent(error) or isinstance(error, ValueError):
                log.error("notice e-mail %s to %s refused for good: %s", email.id, email.to_address, reason)
                await repository.mark_failed(session, email.id, reason)
                return
            delay = retry_delay(email.attempts, self._settings.mail_retry_base_s, self._settings.mail_retry_max_s)
            log.warning("notice e-mail %s not delivered (attempt %d): %s", email.id, email.attempts, reason)
            await repository.retry_later(session, email.id, self._clock() + timedelta(seconds=delay), reason)

    async def run(self) -> None:
        while True:
            try:
                claimed = await self.deliver_due()
            except Exception as exc:  # the database may be briefly unavailable too: keep going
                log.warning("notice e-mail pass failed: %s", exc)
                claimed = 0
            if claimed >= self._settings.mail_batch_size:
                continue  # more may be due behind this batch
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.mail_poll_interval_s):  # not wait_for (3.11 cancellation)
                    await self._bell.wait()
            self._bell.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="notifications-mail-sender")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
