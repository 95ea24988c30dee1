"""Kafka producer/consumer construction and the CloudEvents 1.0 (structured JSON) encoding on the wire."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent

from portal_runtime.messaging import EventRecord
from portal_runtime.settings import ServiceSettings

EVENT_ID_HEADER = "ce_id"
REQUEST_ID_HEADER = "x-request-id"


def encode(record: EventRecord) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    """CloudEvent in structured mode; key = business number (partition key); event id also as a header."""
    attributes: dict[str, Any] = {
        "id": record.id,
        "source": f"/portal/{record.source}",
        "type": record.type,
        "time": record.time,
        "datacontenttype": "application/json",
    }
    if record.subject:
        attributes["subject"] = record.subject
    if record.request_id:
        attributes["requestid"] = record.request_id
    message = ce_kafka.to_structured_event(CloudEvent(attributes, dict(record.data)))
    key = record.partition_key.encode() if record.partition_key else None
    headers = [(name, value) for name, value in message.headers.items()]
    headers.append((EVENT_ID_HEADER, record.id.encode()))
    return key, message.value, headers


def decode(key: bytes | None, value: bytes, topic: str = "") -> EventRecord:
    event = ce_kafka.from_structured_event(ce_kafka.KafkaMessage(headers={}, key=None, value=value))
    attrs = event.get_attributes()
    data = event.get_data()
    if isinstance(data, (bytes, str)):
        data = json.loads(data)
    time = attrs.get("time")
    source = str(attrs["source"]).removeprefix("/portal/")
    return EventRecord(
        id=str(attrs["id"]),
        type=str(attrs["type"]),
        source=source,
        subject=attrs.get("subject"),
        data=data or {},
        partition_key=key.decode() if key else None,
        time=time if isinstance(time, datetime) else datetime.fromisoformat(str(time)),
        topic=topic,
        request_id=attrs.get("requestid"),
    )


def new_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-relay",
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
        linger_ms=5,
    )


def new_consumer(settings: ServiceSettings, group_id: str, topics: list[str]) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{group_id}-consumer",
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=settings.consumer_heartbeat_interval_ms,
        rebalance_timeout_ms=max(settings.consumer_session_timeout_ms * 3 // 2, 1500),
        metadata_max_age_ms=5_000,
    )


async def ensure_topics(settings: ServiceSettings, topics: list[str]) -> None:
    """Create topics with the configured partition count; an existing topic is fine."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-admin",
        request_timeout_ms=5_000,
    )
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(t, settings.kafka_topic_partitions, 1) for t in missing])
            except KafkaError:
                pass  # created meanwhile by another service (TopicAlreadyExists), or auto-created on produce
    finally:
        await admin.close()
