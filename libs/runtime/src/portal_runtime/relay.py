"""The outbox relay: publishes committed outbox rows to the bus, in id order, and marks them published.

Delivery is at least once (consumers deduplicate by event id). While the broker is unreachable the relay backs
off and retries; nothing is lost because rows stay unpublished until the broker acknowledged them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal_runtime.messaging import EventRecord, MessagingTables, utcnow

log = logging.getLogger(__name__)
RELAY_LOCK_ID = 7_305_001


class Publisher(Protocol):
    async def publish(self, records: Sequence[EventRecord]) -> list[BaseException | None]:
        """Publish in order; one result per record: None when acknowledged, else the error."""
        ...


def record_from_row(row: Any) -> EventRecord:
    return EventRecord(
        id=row.event_id,
        topic=row.topic,
        partition_key=row.partition_key,
        type=row.type,
        source=row.source,
        subject=row.subject,
        time=row.time,
        data=json.loads(row.data),
        request_id=row.request_id,
    )


class OutboxRelay:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        publisher: Publisher,
        *,
        batch_size: int = 200,
        poll_interval_s: float = 0.2,
        max_backoff_s: float = 5.0,
    ) -> None:
        self._factory = session_factory
        self._outbox = tables.outbox
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._wakeup = asyncio.Event()
        self.published_total = 0
        self.failures_total = 0
        self.last_error: str | None = None

    def notify(self) -> None:
        """Called after a commit that wrote events: publish now instead of at the next poll."""
        self._wakeup.set()

    async def publish_pending(self) -> int:
        """One pass: publish up to a batch of unpublished rows. Returns how many were acknowledged."""
        outbox = self._outbox
        async with self._factory() as session, session.begin():
            bind = session.bind
            if bind is None:
                raise RuntimeError("the relay's session is not bound to an engine or connection")
            if bind.dialect.name == "postgresql":
                # One relay per service database publishes at a time, which keeps the id order.
                locked = (
                    await session.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID})
                ).scalar()
                if not locked:
                    return 0
            rows = (
                await session.execute(
                    select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(self._batch_size)
                )
            ).all()
            if not rows:
                return 0
            results = await self._publisher.publish([record_from_row(r) for r in rows])
            # Mark the acknowledged prefix; from the first failure on, everything is retried in order.
            first_failure = next((i for i, r in enumerate(results) if r is not None), len(rows))
            done_ids = [r.id for r in rows[:first_failure]]
            if done_ids:
                await session.execute(update(outbox).where(outbox.c.id.in_(done_ids)).values(published_at=utcnow()))
            if first_failure < len(rows):
                error = results[first_failure]
                self.last_error = f"{type(error).__name__}: {error}"
                self.failures_total += 1
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id == rows[first_failure].id)
                    .values(attempts=outbox.c.attempts + 1, last_error=self.last_error)
                )
            else:
                self.last_error = None
            self.published_total += len(done_ids)
            return len(done_ids)

    async def pending_count(self) -> int:
        async with self._factory() as session:
            return int(
                (
                    await session.execute(
                        select(func.count()).select_from(self._outbox).where(self._outbox.c.published_at.is_(None))
                    )
                ).scalar_one()
            )

    async def run(self) -> None:
        backoff = self._poll_interval_s
        while True:
            try:
                published = await self.publish_pending()
                failed = self.last_error is not None
            except Exception as exc:  # the database may be down too: keep trying
                log.warning("outbox relay pass failed: %s", exc)
                self.last_error = f"{type(exc).__name__}: {exc}"
                published, failed = 0, True
            if failed:
                backoff = min(backoff * 2, self._max_backoff_s)
                await asyncio.sleep(backoff)
                continue
            backoff = self._poll_interval_s
            if published:
                continue  # maybe more behind this batch
            with contextlib.suppress(TimeoutError):
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that races the wakeup
                async with asyncio.timeout(self._poll_interval_s):
                    await self._wakeup.wait()
            self._wakeup.clear()
