"""The revenue agency's business register, as the registry keeps it: fed by CBSA integration, or the sandbox."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from business_registry.config import Settings
from business_registry.identifiers import require_valid_bn
from business_registry.register import repository
from business_registry.register.schemas import RegisterFed
from portal_contracts import sandbox
from portal_contracts.sandbox import RegisterRecord
from portal_runtime.messaging import UnitOfWork
from portal_runtime.service import ServiceRuntime

log = logging.getLogger(__name__)


async def feed(uow: UnitOfWork, records: Sequence[RegisterRecord], now: datetime) -> RegisterFed:
    """Upsert the records by BN. A BN whose check digit is wrong refuses the whole feed (422, naming it)."""
    for index, record in enumerate(records):
        require_valid_bn(record.bn, field=f"{index}.bn")
    async with uow:
        return RegisterFed(records=await repository.upsert_records(uow.session, records, now))


def loads_sandbox(settings: Settings, has_records: bool) -> bool:
    """The sandbox always refreshes its register; a development database gets it only while it is empty."""
    return settings.sandbox or (settings.environment == "development" and not has_records)


async def load_sandbox_register(runtime: ServiceRuntime) -> None:
    """Startup hook: the sandbox's reference businesses in the register table (idempotent upsert)."""
    settings: Settings = runtime.settings  # type: ignore[assignment]
    async with runtime.sessions() as session:
        has_records = await repository.has_records(session)
    if not loads_sandbox(settings, has_records):
        return
    fed = await feed(runtime.uow(), sandbox.register_records(), runtime.app_state.clock())
    log.info("business-registry: %d sandbox register records loaded", fed.records)
