"""The scheduled expiry of relationships: a background task started with the service, every
``relationship_expiry_interval_s``. :func:`expire_relationships` is the job itself (tests call it with their
"today"); several replicas may run it at once: rows are locked with SKIP LOCKED, so each expires once."""

from __future__ import annotations

import logging
from datetime import date

from delegation.relationships import service
from portal_runtime.clock import business_today, system_clock
from portal_runtime.service import ServiceRuntime

log = logging.getLogger(__name__)

JOB = "relationship-expiry"


def _today(runtime: ServiceRuntime) -> date:
    clock = getattr(runtime.app_state, "clock", None) or system_clock  # a runtime without an app has no clock
    return business_today(clock, runtime.settings.business_timezone)


async def expire_relationships(runtime: ServiceRuntime, today: date) -> list[str]:
    """Expire what is due on ``today`` in one transaction; the ids of the relationships expired."""
    async with runtime.uow() as uow:
        return await service.expire_due(uow, today)


async def _expire_today(runtime: ServiceRuntime) -> None:
    expired = await expire_relationships(runtime, _today(runtime))
    if expired:
        log.info("expired %d business relationships", len(expired))


async def start(runtime: ServiceRuntime) -> None:
    interval_s: float = getattr(runtime.settings, "relationship_expiry_interval_s", 0.0)
    if interval_s > 0:
        runtime.run_every(JOB, interval_s, lambda: _expire_today(runtime))
