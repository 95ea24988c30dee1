"""The unit of work of a consumed event.

The inbox dispatcher owns the transaction of a consumed event (it records the event id in it), so the events a
handler publishes must go to the outbox through that same session: the effect, the inbox row and the outbox rows
commit together or not at all. This joins the dispatcher's session instead of opening one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal_runtime.messaging import UnitOfWork
from portal_runtime.service import ServiceRuntime


class ConsumerUnitOfWork(UnitOfWork):
    def __init__(self, runtime: ServiceRuntime, session: AsyncSession, request_id: str | None) -> None:
        super().__init__(runtime.sessions, runtime.tables, runtime.spec.name, request_id)
        self.session = session

    async def __aenter__(self) -> ConsumerUnitOfWork:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        # Commit and rollback belong to the dispatcher; only the outbox rows are written here.
        if exc_type is None:
            await self._flush_events()
