"""Loading ledger facts: the CBSA feed, and the sandbox data set at startup."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from ledger.config import Settings
from ledger.facts import repository
from ledger.facts.schemas import LedgerFactsFed
from portal_contracts import sandbox
from portal_contracts.sandbox import ProgramAccountFacts
from portal_runtime.clock import business_today
from portal_runtime.messaging import UnitOfWork
from portal_runtime.service import ServiceRuntime

log = logging.getLogger(__name__)


async def feed(uow: UnitOfWork, facts: Sequence[ProgramAccountFacts], now: datetime) -> LedgerFactsFed:
    """Upsert every fact by its natural key: a statement by (account, period), a payment by (account, reference),
    a transaction by its number. Feeding the same facts twice changes nothing."""
    async with uow:
        return await repository.upsert_facts(uow.session, facts, now)


def loads_sandbox(settings: Settings, has_facts: bool) -> bool:
    """The sandbox always refreshes its data set; a development database gets it only while it is empty."""
    return settings.sandbox or (settings.environment == "development" and not has_facts)


async def load_sandbox_facts(runtime: ServiceRuntime) -> None:
    """Startup hook: the sandbox data set up to today (new months appear as days pass; old ones never change)."""
    settings: Settings = runtime.settings  # type: ignore[assignment]
    async with runtime.sessions() as session:
        has_facts = await repository.has_facts(session)
    if not loads_sandbox(settings, has_facts):
        return
    now = runtime.app_state.clock()
    facts = sandbox.ledger_facts(business_today(runtime.app_state.clock, settings.business_timezone))
    fed = await feed(runtime.uow(), facts, now)
    log.info("ledger: sandbox facts loaded (%s)", fed.model_dump())
