"""Sending e-mail through SMTP (aiosmtplib). Any failure to hand the message over is :class:`MailUnavailable`."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from identity.config import Settings
from identity.errors import MailUnavailable

log = logging.getLogger(__name__)


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail system, or raise :class:`MailUnavailable`."""
        ...


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._host = settings.smtp_host
        self._port = settings.smtp_port
        self._timeout = settings.smtp_timeout_s
        self._starttls = settings.smtp_starttls
        self._username = settings.smtp_username or None
        self._password = settings.smtp_password.get_secret_value() or None

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                timeout=self._timeout,
                start_tls=self._starttls,
                username=self._username,
                password=self._password,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            log.warning("SMTP %s:%s refused or unreachable: %s", self._host, self._port, exc)
            raise MailUnavailable() from exc
