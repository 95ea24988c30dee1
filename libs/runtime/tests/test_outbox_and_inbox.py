"""The transactional outbox and the inbox, on SQLite with the in-process bus."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from portal_runtime.consumer import InboxDispatcher, PoisonMessage, Subscription
from portal_runtime.messaging import EventRecord, UnitOfWork, topic_for
from portal_runtime.relay import OutboxRelay

from .events import OrderPlaced


async def place_order(shop, sessions, bn: str, seq: int, *, fail: bool = False) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sessions, shop.tables, "shop") as uow:
        await uow.session.execute(insert(shop.orders).values(bn=bn))
        uow.publish(OrderPlaced(bn=bn, seq=seq))
        if fail:
            raise RuntimeError("use case failed after recording its event")


async def count(sessions, table) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_committed_events_are_published_in_commit_order(shop, bus) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    for seq in range(5):
        await place_order(schema, sessions, "123456782", seq)
    relay = OutboxRelay(sessions, schema.tables, bus)

    assert await relay.publish_pending() == 5
    assert [r.data["seq"] for r in bus.published] == [0, 1, 2, 3, 4]
    assert {r.partition_key for r in bus.published} == {"123456782"}
    assert {r.topic for r in bus.published} == {topic_for("shop")}
    assert await relay.pending_count() == 0
    assert await relay.publish_pending() == 0  # nothing is published twice


async def test_rolled_back_transaction_publishes_nothing(shop, bus) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    with pytest.raises(RuntimeError):
        await place_order(schema, sessions, "123456782", 1, fail=True)
    relay = OutboxRelay(sessions, schema.tables, bus)

    assert await relay.publish_pending() == 0
    assert bus.published == []
    assert await count(sessions, schema.orders) == 0
    assert await count(sessions, schema.tables.outbox) == 0


class FlakyPublisher:
    """Acknowledges the first ``ok`` records of each call, fails the rest (a broker that drops mid-batch)."""

    def __init__(self, ok: int) -> None:
        self.ok = ok
        self.seen: list[int] = []

    async def publish(self, records):  # type: ignore[no-untyped-def]
        self.seen.extend(r.data["seq"] for r in records)
        return [None if i < self.ok else ConnectionError("broker gone") for i in range(len(records))]


async def test_relay_marks_only_the_acknowledged_prefix(shop) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    for seq in range(4):
        await place_order(schema, sessions, "123456782", seq)
    relay = OutboxRelay(sessions, schema.tables, FlakyPublisher(ok=2))

    assert await relay.publish_pending() == 2
    assert relay.last_error == "ConnectionError: broker gone"
    assert await relay.pending_count() == 2
    retry = FlakyPublisher(ok=10)
    relay_after_recovery = OutboxRelay(sessions, schema.tables, retry)
    assert await relay_after_recovery.publish_pending() == 2
    assert retry.seen == [2, 3]  # resumes in order at the first unacknowledged event


def effect_handler(shop, calls: list[str]):  # type: ignore[no-untyped-def]
    async def handle(uow, record: EventRecord) -> None:  # type: ignore[no-untyped-def]
        calls.append(record.id)
        await uow.session.execute(insert(shop.effects).values(event_id=record.id, bn=record.data["bn"]))

    return handle


async def test_redelivered_event_has_one_effect(shop) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    calls: list[str] = []
    subscription = Subscription("effects", [topic_for("shop")], {OrderPlaced.event_type: effect_handler(schema, calls)})
    dispatcher = InboxDispatcher(sessions, schema.tables, subscription)
    record = EventRecord(type=OrderPlaced.event_type, source="shop", data={"bn": "123456782", "seq": 1})

    await dispatcher.deliver(record)
    await dispatcher.deliver(record)

    assert calls == [record.id]
    assert await count(sessions, schema.effects) == 1
    assert subscription.stats["processed"] == 1
    assert subscription.stats["duplicates"] == 1


async def test_failing_handler_rolls_back_its_effect_and_inbox_row_then_gives_up(shop) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    attempts: list[int] = []

    async def poisoned(uow, record):  # type: ignore[no-untyped-def]
        attempts.append(1)
        await uow.session.execute(insert(schema.effects).values(event_id=record.id, bn="x"))
        raise ValueError("cannot handle this payload")

    subscription = Subscription("effects", [], {OrderPlaced.event_type: poisoned})
    dispatcher = InboxDispatcher(sessions, schema.tables, subscription, max_attempts=3, base_backoff_s=0)
    record = EventRecord(type=OrderPlaced.event_type, source="shop", data={})

    with pytest.raises(PoisonMessage) as raised:
        await dispatcher.deliver(record)

    assert raised.value.attempts == 3
    assert len(attempts) == 3
    assert await count(sessions, schema.effects) == 0
    assert await count(sessions, schema.tables.inbox) == 0  # a fixed handler may still process it later


async def test_unknown_event_types_are_skipped(shop) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    subscription = Subscription("effects", [], {})
    await InboxDispatcher(sessions, schema.tables, subscription).deliver(
        EventRecord(type="someone.else.happened.v1", source="x", data={})
    )
    assert subscription.stats["skipped"] == 1
    assert await count(sessions, schema.tables.inbox) == 0


async def test_in_memory_bus_delivers_to_subscribers_end_to_end(shop, bus) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    calls: list[str] = []
    subscription = Subscription("effects", [topic_for("shop")], {OrderPlaced.event_type: effect_handler(schema, calls)})
    bus.subscribe(topic_for("shop"), InboxDispatcher(sessions, schema.tables, subscription).deliver)
    await place_order(schema, sessions, "123456782", 7)

    await OutboxRelay(sessions, schema.tables, bus).publish_pending()

    assert bus.types() == [OrderPlaced.event_type]
    assert len(calls) == 1


async def test_a_handler_publishes_with_its_effect_and_the_causing_request_id(shop, bus) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    seen_request_ids: list[str] = []

    async def react(uow, record):  # type: ignore[no-untyped-def]
        from portal_runtime.requestid import current_request_id

        seen_request_ids.append(current_request_id.get())
        await uow.session.execute(insert(schema.effects).values(event_id=record.id, bn=record.data["bn"]))
        uow.publish(OrderPlaced(bn=record.data["bn"], seq=record.data["seq"] + 1))

    subscription = Subscription("reactions", [], {OrderPlaced.event_type: react})
    dispatcher = InboxDispatcher(sessions, schema.tables, subscription, source="shop")
    cause = EventRecord(
        type=OrderPlaced.event_type, source="shop", data={"bn": "123456782", "seq": 1}, request_id="req-cause-123"
    )

    await dispatcher.deliver(cause)
    await OutboxRelay(sessions, schema.tables, bus).publish_pending()

    assert seen_request_ids == ["req-cause-123"]
    assert [(r.data["seq"], r.request_id) for r in bus.published] == [(2, "req-cause-123")]
    assert await count(sessions, schema.effects) == 1


class Listener:
    def __init__(self) -> None:
        self.heard: list[object] = []

    def before_commit(self) -> None:
        self.heard.append("before")

    async def after_commit(self, records) -> None:  # type: ignore[no-untyped-def]
        self.heard.append([r.data["seq"] for r in records])


async def test_a_commit_listener_hears_of_commits_that_wrote_events(shop) -> None:  # type: ignore[no-untyped-def]
    schema, sessions = shop
    listener = Listener()
    async with UnitOfWork(sessions, schema.tables, "shop", listener=listener) as uow:
        uow.publish(OrderPlaced(bn="123456782", seq=1))
        uow.publish(OrderPlaced(bn="123456782", seq=2))
    async with UnitOfWork(sessions, schema.tables, "shop", listener=listener):
        pass  # no events: nothing to hear
    with pytest.raises(RuntimeError):
        async with UnitOfWork(sessions, schema.tables, "shop", listener=listener) as uow:
            uow.publish(OrderPlaced(bn="123456782", seq=3))
            raise RuntimeError("rolled back before any commit")
    assert listener.heard == ["before", [1, 2]]
