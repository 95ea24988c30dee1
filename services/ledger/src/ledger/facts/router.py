from typing import Annotated

from fastapi import APIRouter, Body

from ledger.facts import service
from ledger.facts.schemas import LedgerFactsFed
from portal_contracts.sandbox import ProgramAccountFacts
from portal_runtime.access import Acting, access
from portal_runtime.clock import CurrentClock
from portal_runtime.service import Runtime

router = APIRouter(tags=["internal"])

MAX_ACCOUNTS_PER_FEED = 1000


@router.post(
    "/internal/ledger-facts",
    summary="Feed ledger facts (statements, payments, accepted transactions) of program accounts",
    operation_id="feed_ledger_facts",
    openapi_extra=access(Acting.INTERNAL),
)
async def feed_ledger_facts(
    facts: Annotated[list[ProgramAccountFacts], Body(max_length=MAX_ACCOUNTS_PER_FEED)],
    runtime: Runtime,
    clock: CurrentClock,
) -> LedgerFactsFed:
    return await service.feed(runtime.uow(), facts, clock())
