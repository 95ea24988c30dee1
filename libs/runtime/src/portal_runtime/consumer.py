"""Consumers: an inbox makes redelivery harmless; a poison message goes to a dead-letter topic after bounded retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal_runtime import kafka
from portal_runtime.messaging import CommitListener, EventRecord, MessagingTables, UnitOfWork, dead_letter_topic
from portal_runtime.requestid import current_request_id
from portal_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, EventRecord], Awaitable[None]]
"""Handles one event inside the transaction that records it in the inbox: effects go through ``uow.session``,
events the handler publishes (``uow.publish``) commit with them, in the outbox."""


@dataclass
class Subscription:
    """What one consumer group of a service handles: event type -> handler, over the topics they come on."""

    name: str
    topics: list[str]
    handlers: Mapping[str, Handler]
    stats: dict[str, int] = field(
        default_factory=lambda: {"processed": 0, "duplicates": 0, "skipped": 0, "dead_lettered": 0}
    )


class PoisonMessage(Exception):
    def __init__(self, record: EventRecord | None, error: BaseException, attempts: int) -> None:
        super().__init__(str(error))
        self.record = record
        self.error = error
        self.attempts = attempts


class InboxDispatcher:
    """Runs a handler and records the event id in the same transaction; a known id is skipped."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        subscription: Subscription,
        *,
        source: str = "service",
        max_attempts: int = 5,
        base_backoff_s: float = 0.05,
        on_commit: Callable[[], None] | None = None,
        listener: CommitListener | None = None,
    ) -> None:
        self._factory = session_factory
        self._listener = listener
        self._tables = tables
        self._inbox = tables.inbox
        self._source = source
        self._on_commit = on_commit
        self.subscription = subscription
        self._max_attempts = max_attempts
        self._base_backoff_s = base_backoff_s

    async def _handle_once(self, record: EventRecord, handler: Handler) -> bool:
        inbox = self._inbox
        consumer = self.subscription.name
        # The request that caused the event follows it: audit rows and the events published here quote it.
        token = current_request_id.set(record.request_id or "")
        try:
            uow = UnitOfWork(
                self._factory,
                self._tables,
                self._source,
                record.request_id,
                on_commit=self._on_commit,
                listener=self._listener,
            )
            async with uow:
                seen = (
                    await uow.session.execute(
                        select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id == record.id)
                    )
                ).first()
                if seen:
                    return False
                await uow.session.execute(
                    insert(inbox).values(consumer=consumer, event_id=record.id, event_type=record.type)
                )
                await handler(uow, record)
            return True
        finally:
            current_request_id.reset(token)

    async def deliver(self, record: EventRecord) -> None:
        """Process one event; raises :class:`PoisonMessage` once the retries are spent."""
        handler = self.subscription.handlers.get(record.type)
        stats = self.subscription.stats
        if handler is None:
            stats["skipped"] += 1
            return
        for attempt in range(1, self._max_attempts + 1):
            try:
                processed = await self._handle_once(record, handler)
            except IntegrityError:
                # Another instance recorded the same event id concurrently: the next pass sees it as done.
                if attempt == self._max_attempts:
                    raise PoisonMessage(record, RuntimeError("inbox conflict"), attempt) from None
            except Exception as exc:
                log.warning(
                    "%s: %s %s failed (attempt %d): %s", self.subscription.name, record.type, record.id, attempt, exc
                )
                if attempt == self._max_attempts:
                    raise PoisonMessage(record, exc, attempt) from exc
            else:
                stats["processed" if processed else "duplicates"] += 1
                return
            await asyncio.sleep(min(self._base_backoff_s * 2 ** (attempt - 1), 2.0))


class KafkaConsumerRunner:
    """Consumes a subscription's topics in a consumer group, committing offsets after each batch."""

    def __init__(self, settings: ServiceSettings, dispatcher: InboxDispatcher) -> None:
        self._settings = settings
        self._dispatcher = dispatcher
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        self.connected = False

    @property
    def group_id(self) -> str:
        return f"{self._settings.service_name}.{self._dispatcher.subscription.name}"

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected = False
                log.warning("consumer %s: %s; retrying in %.1fs", self.group_id, exc, backoff)
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            else:
                backoff = 0.5
            finally:
                await self._close()

    async def _consume(self) -> None:
        subscription = self._dispatcher.subscription
        await kafka.ensure_topics(self._settings, subscription.topics)
        self._consumer = kafka.new_consumer(self._settings, self.group_id, subscription.topics)
        await self._consumer.start()
        self.connected = True
        while True:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=500)
            for messages in batches.values():
                for message in messages:
                    await self._process(message)
            if batches:
                await self._consumer.commit()

    async def _process(self, message: ConsumerRecord) -> None:
        try:
            record = kafka.decode(message.key, message.value, message.topic)
        except Exception as exc:
            await self._dead_letter(message, PoisonMessage(None, exc, 1))
            return
        try:
            await self._dispatcher.deliver(record)
        except PoisonMessage as poison:
            await self._dead_letter(message, poison)

    async def _dead_letter(self, message: ConsumerRecord, poison: PoisonMessage) -> None:
        if self._dlq_producer is None:
            self._dlq_producer = kafka.new_producer(self._settings)
            await self._dlq_producer.start()
        headers = [
            *list(message.headers or ()),
            ("x-dead-letter-reason", f"{type(poison.error).__name__}: {poison.error}"[:1000].encode()),
            ("x-dead-letter-attempts", str(poison.attempts).encode()),
            ("x-original-topic", message.topic.encode()),
            ("x-original-offset", str(message.offset).encode()),
            ("x-trace", json.dumps(traceback.format_exception(poison.error)[-3:]).encode()[:2000]),
        ]
        topic = dead_letter_topic(self.group_id)
        await kafka.ensure_topics(self._settings, [topic])
        await self._dlq_producer.send_and_wait(topic, value=message.value, key=message.key, headers=headers)
        self._dispatcher.subscription.stats["dead_lettered"] += 1
        log.error(
            "%s: event at %s/%d dead-lettered to %s: %s",
            self.group_id,
            message.topic,
            message.offset,
            topic,
            poison.error,
        )

    async def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        producer, self._dlq_producer = self._dlq_producer, None
        for client in (consumer, producer):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.stop()
