"""Notice e-mails through a real SMTP server: who gets one, exactly once, and none lost while SMTP is down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from notifications.config import Settings
from notifications.mail.models import EmailStatus
from portal_runtime.testing.infra import wait_for

from ..conftest import Service, SmtpServer
from ..factories import (
    REQUESTER,
    access_request_approved,
    access_request_submitted,
    mfa_session_locked,
    profile_updated,
)


async def settle(svc: Service) -> None:
    """Lets the sender run a few more passes, so that an e-mail it should not send would have been sent."""
    await asyncio.sleep(0.3)
    assert svc.workers.sender is not None
    await svc.workers.sender.deliver_due()


async def test_a_subscribed_recipient_gets_one_email_per_notice_as_soon_as_it_is_committed(
    make_settings: Callable[..., Settings], start_service: Any, smtp: SmtpServer
) -> None:
    # The sender would poll only every minute: the commit of the notice wakes it.
    async with start_service(make_settings(smtp_port=smtp.port, mail_poll_interval_s=60)) as svc:
        await svc.deliver(profile_updated("bam-1", language="fr", email="marie.roy@example.com"))
        event = await svc.deliver(access_request_submitted(["bam-1"]))

        [message] = await wait_for(lambda: smtp.to("marie.roy@example.com"), within=5)
        await svc.deliver(access_request_submitted(["bam-1"]), event=event)  # redelivered: no second notice
        await settle(svc)

        assert len(smtp.received) == 1
        assert message["Subject"] == "Demande d'accès en attente pour votre entreprise"
        assert message["From"] == "CARM Client Portal <no-reply@carm-portal.dev>"
        assert message["Content-Language"] == "fr"
        body = message.get_content()
        assert "Vous avez une nouvelle demande d'accès en attente" in body
        assert "Ouvrez une session dans le portail client de la GCRA et sélectionnez Avis" in body
        [email] = await svc.emails()
        assert email.status == EmailStatus.SENT
        assert email.attempts == 1
        assert email.sent_at is not None
        assert message["Message-ID"] == f"<{email.id}@carm-portal.dev>"


async def test_an_unsubscribed_recipient_gets_only_urgent_notices_by_email(
    make_settings: Callable[..., Settings], start_service: Any, smtp: SmtpServer
) -> None:
    async with start_service(make_settings(smtp_port=smtp.port)) as svc:
        await svc.deliver(profile_updated("user-1", notices_by_email=False, email="jane@example.com"))
        await svc.deliver(access_request_submitted(["user-1"]))
        await svc.deliver(mfa_session_locked("user-1", mfa_email="other@example.com"))

        [message] = await wait_for(lambda: smtp.to("jane@example.com"))
        await settle(svc)

        assert len(smtp.received) == 1
        assert message["Subject"] == "Urgent: Your sign-in was locked"
        assert "If it was not you, change your password now" in message.get_content()
        assert len((await svc.notices("user-1"))["items"]) == 2  # both notices are in the inbox
        assert len(await svc.emails()) == 1


async def test_a_locked_sign_in_of_an_unknown_recipient_is_mailed_to_the_mfa_address(
    make_settings: Callable[..., Settings], start_service: Any, smtp: SmtpServer
) -> None:
    async with start_service(make_settings(smtp_port=smtp.port)) as svc:
        await svc.deliver(mfa_session_locked("new-user", mfa_email="mfa@example.com"))
        await svc.deliver(access_request_approved(requester="new-user"))  # no address known: inbox only

        [message] = await wait_for(lambda: smtp.to("mfa@example.com"))
        await settle(svc)

        assert message["Subject"] == "Urgent: Your sign-in was locked"
        assert len(smtp.received) == 1
        assert len((await svc.notices("new-user"))["items"]) == 2


async def test_emails_wait_out_an_smtp_outage_and_are_delivered_once_afterwards(
    make_settings: Callable[..., Settings], start_service: Any, smtp: SmtpServer
) -> None:
    smtp.stop()
    async with start_service(make_settings(smtp_port=smtp.port)) as svc:
        await svc.deliver(profile_updated(REQUESTER, email="jean@example.com"))
        await svc.deliver(access_request_approved())
        await svc.deliver(mfa_session_locked(REQUESTER))

        # The notices are there at once: the consumer did not wait for SMTP.
        assert len((await svc.notices(REQUESTER))["items"]) == 2

        async def retried() -> bool:
            emails = await svc.emails()
            return len(emails) == 2 and all(e.attempts >= 2 and e.last_error for e in emails)

        await wait_for(retried)
        assert {e.status for e in await svc.emails()} == {EmailStatus.PENDING}
        assert svc.workers.sender is not None and svc.workers.sender.failures_total >= 4

        smtp.start()  # the same port answers again

        messages = await wait_for(lambda: len(smtp.to("jean@example.com")) == 2 and smtp.to("jean@example.com"))
        await settle(svc)

        assert sorted(m["Subject"] for m in messages) == [
            "Urgent: Your sign-in was locked",
            "Your access request was approved",
        ]
        assert len(smtp.received) == 2
        assert {e.status for e in await svc.emails()} == {EmailStatus.SENT}


async def test_an_address_the_server_refuses_for_good_is_not_retried(
    make_settings: Callable[..., Settings], start_service: Any, smtp: SmtpServer
) -> None:
    smtp.refuse.add("gone@example.com")
    async with start_service(make_settings(smtp_port=smtp.port)) as svc:
        await svc.deliver(profile_updated("user-1", email="gone@example.com"))
        await svc.deliver(mfa_session_locked("user-1"))

        async def failed() -> Any:
            emails = await svc.emails()
            return emails and emails[0].status == EmailStatus.FAILED and emails[0]

        email = await wait_for(failed)
        await settle(svc)

        assert email.attempts == 1
        assert "550" in (email.last_error or "")
        assert (await svc.emails())[0].attempts == 1
        assert smtp.received == []
