"""On PostgreSQL with a real Kafka-protocol broker (Tansu): events published by other services become notices,
and e-mails are delivered once each even with several senders competing for them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from notifications.config import Settings
from notifications.mail.models import EmailStatus
from notifications.mail.service import MailSender
from notifications.notices import service as notices
from notifications.notices.service import NoticeDraft
from notifications.notices.templates import NoticeType
from portal_runtime.bus import KafkaPublisher
from portal_runtime.messaging import utcnow
from portal_runtime.settings import ServiceSettings
from portal_runtime.testing.infra import TansuBroker, wait_for

from ..conftest import FAST_MAIL, Service, SmtpServer
from ..factories import access_request_submitted, profile_updated, record

pytestmark = pytest.mark.integration


def stats(svc: Service, subscription: str) -> dict[str, int]:
    [dispatcher] = [d for d in svc.runtime.dispatchers if d.subscription.name == subscription]
    return dispatcher.subscription.stats  # type: ignore[no-any-return]


def settings_on(pg_url: str, tansu: TansuBroker, context_public_jwk: str, smtp: SmtpServer) -> Settings:
    return Settings(
        environment="test",
        database_url=pg_url,
        kafka_bootstrap_servers=tansu.bootstrap,
        consumer_session_timeout_ms=1000,
        consumer_heartbeat_interval_ms=100,
        kafka_topic_partitions=2,
        context_public_key=context_public_jwk,
        smtp_port=smtp.port,
        **FAST_MAIL,
    )


async def test_an_access_request_published_on_kafka_becomes_a_notice_for_each_approver(
    pg_url: str, tansu: TansuBroker, context_public_jwk: str, smtp: SmtpServer, start_service: Any
) -> None:
    settings = settings_on(pg_url, tansu, context_public_jwk, smtp)
    publisher = KafkaPublisher(ServiceSettings(kafka_bootstrap_servers=tansu.bootstrap, kafka_topic_partitions=2))
    try:
        async with start_service(settings) as svc:
            profile = profile_updated("bam-fr", language="fr", email="marie.roy@example.com")
            assert await publisher.publish([record(profile)]) == [None]

            await wait_for(lambda: stats(svc, "recipients")["processed"] == 1, within=30)
            event = record(access_request_submitted(["bam-fr", "pam-en", "bam-fr"]))
            assert event.topic == "portal.delegation.events"
            assert event.partition_key == "100001254"

            assert await publisher.publish([event]) == [None]

            async def notices_of(user: str) -> list[dict[str, Any]]:
                return (await svc.notices(user))["items"]  # type: ignore[no-any-return]

            [french] = await wait_for(lambda: notices_of("bam-fr"), within=30)
            [english] = await wait_for(lambda: notices_of("pam-en"), within=30)
            assert french["subject"] == "Demande d'accès en attente pour votre entreprise"
            assert english["subject"] == "Pending access request for your business"
            assert french["account"] == english["account"] == "100001254"
            # The subscribed approver is e-mailed (on PostgreSQL the sender claims with UPDATE ... RETURNING).
            [mail] = await wait_for(lambda: smtp.to("marie.roy@example.com"), within=15)
            assert mail["Subject"] == "Demande d'accès en attente pour votre entreprise"

            assert await publisher.publish([event]) == [None]  # redelivery: the inbox makes it harmless
            await wait_for(lambda: stats(svc, "notices")["duplicates"] == 1, within=15)
            assert len(await notices_of("bam-fr")) == 1
    finally:
        await publisher.close()


async def test_competing_senders_deliver_each_email_once(
    pg_url: str, make_settings: Callable[..., Settings], start_service: Any, smtp: SmtpServer
) -> None:
    async with start_service(make_settings(database_url=pg_url)) as svc:
        await svc.workers.stop(svc.runtime)  # the service's own sender is kept out of the race
        drafts = [
            NoticeDraft(
                f"user-{i}",
                NoticeType.SECURITY_SIGN_IN_LOCKED,
                "en",
                "Locked",
                "Body.",
                urgent=True,
                fallback_email=f"user-{i}@example.com",
            )
            for i in range(30)
        ]
        async with svc.runtime.uow() as uow:
            await notices.post_notices(uow.session, drafts, {}, source_event_id=str(uuid.uuid4()), now=utcnow())

        settings = make_settings(database_url=pg_url, smtp_port=smtp.port, mail_batch_size=7)
        senders = [MailSender(svc.runtime.sessions, settings, asyncio.Event()) for _ in range(4)]

        async def drain(sender: MailSender) -> None:
            while await sender.deliver_due():
                pass

        await asyncio.gather(*(drain(s) for s in senders))

        assert sorted(m["To"] for r in smtp.received for m in [r.message]) == sorted(
            f"user-{i}@example.com" for i in range(30)
        )
        assert sum(s.sent_total for s in senders) == 30
        emails = await svc.emails()
        assert {e.status for e in emails} == {EmailStatus.SENT}
        assert {e.attempts for e in emails} == {1}
