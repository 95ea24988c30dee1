"""Publishers the relay can use: Kafka (aiokafka) for real, and an in-process bus for unit tests."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaProducer

from portal_runtime import kafka
from portal_runtime.messaging import EventRecord
from portal_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


class KafkaPublisher:
    """Publishes CloudEvents with a lazily (re)started producer, so a service starts before its broker."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._topics_ready: set[str] = set()

    @property
    def producer(self) -> AIOKafkaProducer | None:
        return self._producer

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = kafka.new_producer(self._settings)
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _reset(self) -> None:
        producer, self._producer = self._producer, None
        self._topics_ready.clear()
        if producer is not None:
            try:
                await producer.stop()
            except Exception as exc:  # already broken; stopping is best effort
                log.debug("producer stop failed: %s", exc)

    async def publish(self, records: Sequence[EventRecord]) -> list[BaseException | None]:
        try:
            producer = await self._ensure_producer()
            topics = sorted({r.topic for r in records} - self._topics_ready)
            if topics:
                await kafka.ensure_topics(self._settings, topics)
                self._topics_ready.update(topics)
            futures = []
            for record in records:
                key, value, headers = kafka.encode(record)
                futures.append(await producer.send(record.topic, value=value, key=key, headers=headers))
            results = await asyncio.gather(*futures, return_exceptions=True)
        except Exception as exc:
            await self._reset()
            return [exc] * len(records)
        errors: list[BaseException | None] = [r if isinstance(r, BaseException) else None for r in results]
        if any(errors):
            await self._reset()
        return errors

    async def check(self, timeout_s: float = 2.0) -> None:
        """Raises when the broker cannot be reached (readiness)."""
        producer = await asyncio.wait_for(self._ensure_producer(), timeout_s)
        await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout_s)

    async def close(self) -> None:
        await self._reset()


Delivery = Callable[[EventRecord], Awaitable[None]]


class InMemoryBus:
    """A bus for unit tests: publishing hands each record to the subscribers of its topic, in order.

    Records are kept in ``published`` so tests can assert on what a use case emitted.
    """

    def __init__(self) -> None:
        self.published: list[EventRecord] = []
        self._subscribers: dict[str, list[Delivery]] = defaultdict(list)

    def subscribe(self, topic: str, deliver: Delivery) -> None:
        self._subscribers[topic].append(deliver)

    async def publish(self, records: Sequence[EventRecord]) -> list[BaseException | None]:
        for record in records:
            self.published.append(record)
            for deliver in self._subscribers[record.topic]:
                await deliver(record)
        return [None] * len(records)

    def types(self) -> list[str]:
        return [r.type for r in self.published]
