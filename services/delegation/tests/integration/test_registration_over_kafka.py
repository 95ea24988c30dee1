"""On PostgreSQL and a real Kafka-protocol broker: a registration published by business-registry makes the
registrant BAM, and delegation's own event about it reaches the broker."""

from __future__ import annotations

import json

import pytest
from aiokafka import AIOKafkaConsumer

from delegation.config import Settings
from delegation.main import create_app
from portal_contracts.events import BusinessRegistered, EmployeeAccessGranted
from portal_runtime.bus import KafkaPublisher
from portal_runtime.messaging import EventRecord, topic_for
from portal_runtime.settings import ServiceSettings
from portal_runtime.testing.apps import running
from portal_runtime.testing.infra import TansuBroker, wait_for

pytestmark = pytest.mark.integration

BN = "123456782"
FAST = {
    "environment": "test",
    "consumer_session_timeout_ms": 1000,
    "consumer_heartbeat_interval_ms": 100,
    "relay_poll_interval_s": 0.05,
    "kafka_topic_partitions": 3,
}


def registration(registrant: str) -> EventRecord:
    """What business-registry's relay publishes when a user registers a business."""
    event = BusinessRegistered(
        bn=BN, legal_name="Importer Company Inc.", program_accounts=[f"{BN}RM0001"], registrant_user_id=registrant
    )
    return EventRecord(
        type=event.event_type,
        source="business-registry",
        data=event.model_dump(mode="json"),
        subject=BN,
        partition_key=BN,
        topic=topic_for("business-registry"),
    )


async def delegation_events(broker: TansuBroker) -> list[dict[str, object]]:
    consumer = AIOKafkaConsumer(
        topic_for("delegation"), bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=1000)
        return [json.loads(m.value) for messages in batches.values() for m in messages]
    finally:
        await consumer.stop()


async def test_a_registration_on_kafka_makes_the_registrant_bam(pg_url: str, tansu: TansuBroker) -> None:
    settings = Settings(database_url=pg_url, kafka_bootstrap_servers=tansu.bootstrap, **FAST)
    registry = KafkaPublisher(
        ServiceSettings(service_name="business-registry", kafka_bootstrap_servers=tansu.bootstrap, **FAST)
    )

    async with running(create_app(settings)) as (_, client):

        async def decision() -> dict[str, object] | None:
            response = await client.post(
                "/internal/decisions", json={"user_id": "founder", "business": BN, "scope": "employees:write"}
            )
            body: dict[str, object] = response.json()
            return body if body["allow"] else None

        try:
            assert await registry.publish([registration("founder")]) == [None]
            allowed = await wait_for(decision, within=20)
        finally:
            await registry.close()

        assert allowed["role"] == "bam" and "employees:write" in allowed["scopes"]  # type: ignore[operator]
        assert allowed["program_accounts"] is None
        published = await wait_for(lambda: delegation_events(tansu), within=10)
        assert [(e["type"], e["data"]) for e in published] == [
            (EmployeeAccessGranted.event_type, {"bn": BN, "user_id": "founder", "role": "bam", "programs": "all"})
        ]
