import json
from datetime import UTC, datetime

from portal_runtime import kafka
from portal_runtime.messaging import EventRecord


def test_cloudevent_round_trip_keeps_every_attribute() -> None:
    record = EventRecord(
        type="registry.business.registered.v1",
        source="business-registry",
        data={"bn": "123456782", "amount": "10.00"},
        subject="123456782",
        partition_key="123456782",
        time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        topic="portal.business-registry.events",
        request_id="req-12345678",
    )

    key, value, headers = kafka.encode(record)
    decoded = kafka.decode(key, value, record.topic)

    assert key == b"123456782"
    assert dict(headers)["ce_id"] == record.id.encode()
    assert dict(headers)["content-type"] == b"application/cloudevents+json"
    envelope = json.loads(value)
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "/portal/business-registry"
    assert envelope["type"] == record.type
    assert decoded == record
