"""The scheduled expiry of relationships: a background task started with the service, every
``relationship_expiry_interval_s``. :func:`expire_relationships` is the job itself (tests call it with their
"today"); several replicas may run it at once: rows are locked with SKIP LOCKED, so each expires once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from delegation.relationships import service
from portal_runtime.clock import business_today, system_clock
from portal_runtime.service import ServiceRuntime

log = logging.getLogger(__name__)

TASK = "relationship_expiry_task"  # the attribute of the runtime holding the running task


def _today(runtime: ServiceRuntime) -> date:
    clock = getattr(runtime.app_state, "clock", None) or system_clock  # a runtime without an app has no clock
    return business_today(clock, runtime.settings.business_timezone)


async def expire_relationships(runtime: ServiceRuntime, today: date) -> list[str]:
    """Expire what is due on ``today`` in one transaction; the ids of the relationships expired."""
    async with runtime.uow() as uow:
        return await service.expire_due(uow, today)


async def _every(runtime: ServiceRuntime, interval_s: float) -> None:
    while True:
        try:
            expired = await expire_relationships(runtime, _today(runtime))
            if expired:
                log.info("expired %d business relationships", len(expired))
        except Exception:  # the next run retries; one failure must not stop the schedule
            log.exception("relationship expiry failed")
        await asyncio.sleep(interval_s)


async def start(runtime: ServiceRuntime) -> None:
    interval_s: float = getattr(runtime.settings, "relationship_expiry_interval_s", 0.0)
    if interval_s > 0:
        setattr(runtime, TASK, asyncio.create_task(_every(runtime, interval_s), name="relationship-expiry"))


async def stop(runtime: ServiceRuntime) -> None:
    task: asyncio.Task[None] | None = getattr(runtime, TASK, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        setattr(runtime, TASK, None)
