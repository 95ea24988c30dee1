"""Outbox and inbox tables, the event records they hold, and the unit of work that writes them.

A use case writes its domain rows and its events in one transaction (:class:`UnitOfWork`); the relay publishes
the outbox afterwards. Consumers record the ids of the events they processed (inbox) in the transaction of their
effect, so a redelivered event changes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """Add the ``outbox`` and ``inbox`` tables to a service's metadata (so its migrations create them)."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("partition_key", String(64), nullable=True),
        Column("type", String(200), nullable=False),
        Column("source", String(200), nullable=False),
        Column("subject", String(200), nullable=True),
        Column("time", DateTime(timezone=True), nullable=False),
        Column("data", Text, nullable=False),
        Column("request_id", String(128), nullable=True),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
    )
    Index(
        "ix_outbox_unpublished",
        outbox.c.id,
        postgresql_where=outbox.c.published_at.is_(None),
        sqlite_where=outbox.c.published_at.is_(None),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return MessagingTables(outbox=outbox, inbox=inbox)


@runtime_checkable
class EventPayload(Protocol):
    """What the unit of work needs of an event payload model (see ``portal_contracts.events``)."""

    event_type: ClassVar[str]

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...

    def partition_key(self) -> str | None: ...

    def subject(self) -> str | None: ...


@dataclass(frozen=True)
class EventRecord:
    """One CloudEvent, as written to the outbox and read back by a consumer."""

    type: str
    source: str
    data: Mapping[str, Any]
    subject: str | None = None
    partition_key: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=utcnow)
    topic: str = ""
    request_id: str | None = None


def topic_for(service: str) -> str:
    """Each service publishes its events to one topic, so per-business order holds across event types."""
    return f"portal.{service}.events"


def dead_letter_topic(consumer: str) -> str:
    return f"portal.{consumer}.dead-letter"


class CommitListener(Protocol):
    """Told about each commit of a unit of work that wrote events (see :class:`UnitOfWork`): a service keeping
    state derived from its tables (an in-memory index) stops trusting it from just before the commit until it has
    refreshed it from the events."""

    def before_commit(self) -> None: ...

    async def after_commit(self, records: Sequence[EventRecord]) -> None:
        """The events committed; none when the commit failed."""


class UnitOfWork:
    """One transaction: domain rows plus the outbox rows of the events it records.

    ``async with uow:`` commits on success and rolls back on error (events included). After a commit that wrote
    events, ``on_commit`` is called. A ``listener`` hears of a commit that wrote events just before it, and is
    awaited after it with the events committed (none if the commit failed), before the caller goes on.

    On PostgreSQL it takes a transaction-scoped advisory lock per partition key just before writing the outbox rows,
    so that for a given business the outbox ids are allocated in commit order, which is the order the relay
    publishes.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        source: str,
        request_id: str | None = None,
        on_commit: Callable[[], None] | None = None,
        listener: CommitListener | None = None,
    ) -> None:
        self._factory = session_factory
        self._on_commit = on_commit
        self._listener = listener
        self._written: list[EventRecord] = []
        self._tables = tables
        self._source = source
        self._request_id = request_id
        self._pending: list[EventRecord] = []
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        await self.session.begin()
        self._pending = []
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                wrote_events = await self._flush_events()
                listener = self._listener if wrote_events else None
                if listener is not None:
                    listener.before_commit()
                try:
                    await self.session.commit()
                except BaseException:
                    if listener is not None:
                        await listener.after_commit(())
                    raise
                if wrote_events and self._on_commit is not None:
                    self._on_commit()
                if listener is not None:
                    await listener.after_commit(self._written)
            else:
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(self, payload: EventPayload) -> EventRecord:
        record = EventRecord(
            type=payload.event_type,
            source=self._source,
            data=payload.model_dump(mode="json"),
            subject=payload.subject(),
            partition_key=payload.partition_key(),
            topic=topic_for(self._source),
            request_id=self._request_id,
        )
        self._pending.append(record)
        return record

    async def _flush_events(self) -> bool:
        if not self._pending:
            return False
        await self.session.flush()
        bind = self.session.bind
        if bind is None:
            raise RuntimeError("the unit of work's session is not bound to an engine or connection")
        if bind.dialect.name == "postgresql":
            for key in sorted({r.partition_key or "" for r in self._pending}):
                await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 42))"), {"k": key})
        await self.session.execute(insert(self._tables.outbox), [outbox_row(r) for r in self._pending])
        self._written, self._pending = self._pending, []
        return True


def outbox_row(record: EventRecord) -> dict[str, Any]:
    return {
        "event_id": record.id,
        "topic": record.topic,
        "partition_key": record.partition_key,
        "type": record.type,
        "source": record.source,
        "subject": record.subject,
        "time": record.time,
        "data": json.dumps(record.data, separators=(",", ":"), sort_keys=True),
        "request_id": record.request_id,
    }
