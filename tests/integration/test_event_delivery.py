"""Events between two real services over PostgreSQL and a real Kafka-protocol broker (Tansu).

business-registry writes ``BusinessRegistered`` events through its transactional outbox; delegation consumes
them with a subscription whose effect is one row per event. These tests prove the delivery guarantees every
feature relies on: exactly once in effect, nothing from rolled-back work, nothing lost while the broker is down,
commit order per business.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text

import business_registry.config
import business_registry.main
import delegation.config
import delegation.main
from portal_contracts.events import BusinessRegistered
from portal_runtime.consumer import Subscription
from portal_runtime.messaging import EventRecord, UnitOfWork, dead_letter_topic, topic_for
from portal_runtime.relay import record_from_row
from portal_runtime.service import ServiceRuntime
from portal_runtime.testing.infra import PostgresServer, TansuBroker, wait_for

pytestmark = pytest.mark.integration

BUSINESSES = ["123456782", "100000009", "888888888"]
FAST = {
    "environment": "test",
    "relay_poll_interval_s": 0.05,
    "consumer_session_timeout_ms": 1000,
    "consumer_heartbeat_interval_ms": 100,
    "kafka_topic_partitions": 3,
    "consumer_max_attempts": 3,
}


def registered(bn: str, seq: int) -> BusinessRegistered:
    return BusinessRegistered(
        bn=bn, legal_name=f"Business {seq}", program_accounts=[f"{bn}RM0001"], registrant_user_id=f"user-{seq}"
    )


async def record_effect(uow: UnitOfWork, record: EventRecord) -> None:
    if record.data["legal_name"] == "poison":
        raise ValueError("this payload cannot be handled")
    await uow.session.execute(
        text("INSERT INTO test_effects (event_id, bn, legal_name) VALUES (:e, :b, :n)"),
        {"e": record.id, "b": record.data["bn"], "n": record.data["legal_name"]},
    )


@dataclasses.dataclass
class Stack:
    registry: ServiceRuntime
    delegation: ServiceRuntime
    broker: TansuBroker

    async def register(self, bn: str, seq: int, *, fail: bool = False) -> None:
        async with self.registry.uow() as uow:
            uow.publish(registered(bn, seq))
            if fail:
                raise RuntimeError("registration failed after recording its event")

    async def effects(self) -> list[tuple[str, str, str]]:
        async with self.delegation.sessions() as session:
            rows = await session.execute(text("SELECT event_id, bn, legal_name FROM test_effects ORDER BY id"))
            return [tuple(r) for r in rows]  # type: ignore[misc]

    @property
    def subscription(self) -> Subscription:
        return self.delegation.dispatchers[0].subscription


@pytest.fixture
async def stack(postgres: PostgresServer, tansu: TansuBroker) -> AsyncIterator[Stack]:
    registry_url = await postgres.create_database("registry")
    delegation_url = await postgres.create_database("delegation")
    common = {**FAST, "kafka_bootstrap_servers": tansu.bootstrap}
    registry = ServiceRuntime(
        business_registry.main.spec(), business_registry.config.Settings(database_url=registry_url, **common)
    )
    consumer_spec = dataclasses.replace(
        delegation.main.spec(),
        subscriptions=lambda _: [
            Subscription(
                "registrations-test", [topic_for("business-registry")], {BusinessRegistered.event_type: record_effect}
            )
        ],
    )
    delegation_runtime = ServiceRuntime(
        consumer_spec, delegation.config.Settings(database_url=delegation_url, **common)
    )
    async with delegation_runtime.engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE test_effects (id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL, "
                "bn TEXT NOT NULL, legal_name TEXT NOT NULL)"
            )
        )
    await registry.start()
    await delegation_runtime.start()
    yield Stack(registry, delegation_runtime, tansu)
    await delegation_runtime.stop()
    await registry.stop()
    await postgres.drop_all()


async def test_committed_event_reaches_the_other_service_exactly_once_in_effect(stack: Stack) -> None:
    await stack.register(BUSINESSES[0], 1)
    effects = await wait_for(stack.effects)
    assert [(bn, name) for _, bn, name in effects] == [(BUSINESSES[0], "Business 1")]

    # The very same event (same id) is sent again, as a relay crash before marking it would: no second effect.
    async with stack.registry.sessions() as session:
        outbox_row = (await session.execute(text("SELECT * FROM outbox"))).one()
    assert outbox_row.event_id == effects[0][0]
    assert stack.registry.kafka is not None
    assert await stack.registry.kafka.publish([record_from_row(outbox_row)]) == [None]
    await wait_for(lambda: stack.subscription.stats["duplicates"] == 1)

    assert len(await stack.effects()) == 1
    assert stack.subscription.stats["processed"] == 1


async def test_rolled_back_transaction_publishes_nothing(stack: Stack) -> None:
    with pytest.raises(RuntimeError):
        await stack.register(BUSINESSES[0], 1, fail=True)
    await stack.register(BUSINESSES[1], 2)  # a marker committed after the rolled-back one

    effects = await wait_for(stack.effects)

    assert [(bn, name) for _, bn, name in effects] == [(BUSINESSES[1], "Business 2")]
    async with stack.registry.sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 1


async def test_broker_outage_loses_nothing_and_keeps_commit_order_per_business(stack: Stack) -> None:
    await stack.register(BUSINESSES[0], 0)
    await wait_for(stack.effects)
    stack.broker.stop()

    committed: dict[str, list[str]] = {bn: [] for bn in BUSINESSES}
    for seq in range(1, 31):
        bn = BUSINESSES[seq % 3]
        await stack.register(bn, seq)
        committed[bn].append(f"Business {seq}")
    await wait_for(lambda: stack.registry.relay.last_error is not None)
    assert await stack.registry.relay.pending_count() == 30

    stack.broker.start()
    effects = await wait_for(lambda: _all_delivered(stack, 31), within=60)

    delivered: dict[str, list[str]] = {bn: [] for bn in BUSINESSES}
    for _, bn, name in effects:
        delivered[bn].append(name)
    delivered[BUSINESSES[0]].remove("Business 0")
    assert delivered == committed
    assert await stack.registry.relay.pending_count() == 0


async def _all_delivered(stack: Stack, expected: int) -> list[tuple[str, str, str]] | None:
    effects = await stack.effects()
    return effects if len(effects) >= expected else None


async def test_poison_event_goes_to_the_dead_letter_topic_after_bounded_retries(stack: Stack) -> None:
    async with stack.registry.uow() as uow:
        uow.publish(
            BusinessRegistered(bn=BUSINESSES[2], legal_name="poison", program_accounts=[], registrant_user_id="u")
        )
    await stack.register(BUSINESSES[2], 5)  # processing goes on behind the poison message

    effects = await wait_for(stack.effects)
    assert [name for _, _, name in effects] == ["Business 5"]
    assert stack.subscription.stats["dead_lettered"] == 1

    group = stack.delegation.runners[0].group_id
    consumer = AIOKafkaConsumer(
        dead_letter_topic(group),
        bootstrap_servers=stack.broker.bootstrap,
        auto_offset_reset="earliest",
        group_id="dlq-reader",
        session_timeout_ms=1000,
        heartbeat_interval_ms=100,
        rebalance_timeout_ms=1500,
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    headers = dict(message.headers)
    assert headers["x-dead-letter-attempts"] == b"3"
    assert b"this payload cannot be handled" in headers["x-dead-letter-reason"]
    assert message.key == BUSINESSES[2].encode()
