"""A replica's feed of one topic that knows whether it is current: the base of the caches kept right by events
(the gateway's decision cache, delegation's decision index).

Each replica reads every event (a consumer group of its own), from the end of the topic when it (re)joins: what it
keeps is loaded or emptied separately, so nothing before matters. (A feed that must read back from a past moment
instead, the gateway's token-revocation feed, assigns itself the partitions and seeks: :meth:`CurrentFeed.new_consumer`,
:meth:`CurrentFeed.connected` and :meth:`CurrentFeed.read_up_to`.) *Current* = at a moment less than
``max_staleness_s`` ago, the consumer's position had reached the end of every partition of the topic (an
end-offsets round trip to the broker, then the positions compared), so every event published before that moment
has been applied. ``epoch`` counts the times the feed became current after not being current (start, broker
outage, rebalance): events of such a gap may never be read, which :meth:`CurrentFeed.caught_up` is told of.

Subclasses say what events do (:meth:`apply`) and what a gap, a lost connection or an unreadable event mean.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from portal_runtime.kafka import decode
from portal_runtime.messaging import EventRecord

log = logging.getLogger(__name__)

Clock = Callable[[], float]
RawMessage = tuple[bytes | None, bytes | None, str]  # key, value, topic

POLL_TIMEOUT_MS = 100
# The broker answers a probe only after the fetch long poll before it on the connection: keep that poll short.
FETCH_MAX_WAIT_MS = 50
PROBE_TIMEOUT_S = 1.0
RETRY_BACKOFF_S = 1.0
STOP_TIMEOUT_S = 5.0


def replica_group_id(prefix: str) -> str:
    """A consumer group of this replica alone, so every replica reads every event."""
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class FeedSettings:
    bootstrap_servers: str
    topic: str
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 1_000


class CurrentFeed:
    """Reads the topic of ``settings`` in a background task, reconnecting after a failure."""

    #: Named in the task and in the warning when the feed fails (say what falls back meanwhile).
    name = "event feed"
    fallback = "its readers fall back until it recovers"

    def __init__(
        self, settings: FeedSettings, group_prefix: str, *, max_staleness_s: float, clock: Clock = time.monotonic
    ) -> None:
        self._settings = settings
        self._max_staleness_s = max_staleness_s
        self._clock = clock
        self.group_id = replica_group_id(group_prefix)
        self.epoch = 0
        self._caught_up_at: float | None = None
        self._task: asyncio.Task[None] | None = None

    # --- What subclasses decide ---------------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Before each connection (delegation creates its topic here)."""

    def new_consumer(self) -> AIOKafkaConsumer:
        """The consumer of each connection: by default this replica's own group, starting from the end."""
        s = self._settings
        rebalance_timeout_ms = max(s.session_timeout_ms * 3 // 2, 1500)
        return AIOKafkaConsumer(
            s.topic,
            bootstrap_servers=s.bootstrap_servers,
            client_id=f"{self.group_id}-consumer",
            group_id=self.group_id,
            enable_auto_commit=False,  # a fresh replica starts at the end; nothing to resume
            auto_offset_reset="latest",
            session_timeout_ms=s.session_timeout_ms,
            heartbeat_interval_ms=s.heartbeat_interval_ms,
            rebalance_timeout_ms=rebalance_timeout_ms,
            metadata_max_age_ms=1_000,  # notice the topic soon when it is created after the reader starts
            # A join may take the whole rebalance timeout (Tansu answers one after about half the session timeout),
            # and aiokafka gives it no more than any request: shorter, every join times out and is retried for ever
            # (as Kafka's own client does, the rebalance timeout and 5 s).
            request_timeout_ms=rebalance_timeout_ms + 5_000,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        )

    async def connected(self, consumer: AIOKafkaConsumer) -> None:
        """After each connection, before the first read (a consumer without a group assigns and seeks here)."""

    def read_up_to(self, partition: TopicPartition, next_offset: int) -> None:
        """The events of ``partition`` before ``next_offset`` have been applied."""

    async def apply(self, records: list[EventRecord]) -> None:
        """The events read, in order."""

    def unreadable(self, exc: Exception) -> None:
        """An event that cannot be decoded: what it concerned is unknown."""

    def caught_up(self) -> None:
        """Current again after a gap (``epoch`` was just incremented)."""

    def lost(self) -> None:
        """The connection failed or the feed stopped: not current any more."""

    # --- The feed -----------------------------------------------------------------------------------------------

    def is_current(self) -> bool:
        caught_up_at = self._caught_up_at
        return caught_up_at is not None and self._clock() - caught_up_at < self._max_staleness_s

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # Bounded: a shutdown must not hang on a broker that does not answer.
            await asyncio.wait([task], timeout=2 * STOP_TIMEOUT_S)
        self._caught_up_at = None

    async def receive(self, messages: Iterable[RawMessage]) -> None:
        """Decodes messages as read from the broker and applies the readable ones."""
        records: list[EventRecord] = []
        for key, value, topic in messages:
            try:
                records.append(decode(key, value or b"", topic))
            except Exception as exc:
                log.warning("unreadable event on %s (%s)", topic or self._settings.topic, exc)
                self.unreadable(exc)
        if records:
            await self.apply(records)

    async def _run(self) -> None:
        while True:
            consumer = self.new_consumer()
            try:
                await self.prepare()
                await consumer.start()
                await self.connected(consumer)
                while True:
                    await self._poll(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("%s failed (%s); %s", self.name, exc, self.fallback)
            finally:
                self._caught_up_at = None
                self.lost()
                try:
                    await asyncio.wait_for(consumer.stop(), STOP_TIMEOUT_S)
                except Exception as exc:  # already broken; stopping is best effort
                    log.debug("%s consumer stop failed: %s", self.name, exc)
            await asyncio.sleep(RETRY_BACKOFF_S)

    async def _poll(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)
        await self.receive((m.key, m.value, m.topic) for messages in batches.values() for m in messages)
        for partition, messages in batches.items():
            if messages:
                self.read_up_to(partition, messages[-1].offset + 1)
        await self._probe(consumer)

    async def _probe(self, consumer: AIOKafkaConsumer) -> None:
        """Marks the feed current when the consumer has read up to the broker's end offsets of a moment ago."""
        assigned: list[TopicPartition] = sorted(consumer.assignment())
        if not assigned:
            return
        probed_at = self._clock()
        try:
            ends = await asyncio.wait_for(consumer.end_offsets(assigned), PROBE_TIMEOUT_S)
        except TimeoutError as exc:
            log.debug("end offsets probe timed out: %s", exc)
            return
        for partition in assigned:
            if await consumer.position(partition) < ends[partition]:
                return  # events still to read: the next poll takes them
        gap = not self.is_current()
        if gap:
            self.epoch += 1
        self._caught_up_at = probed_at
        if gap:
            self.caught_up()
