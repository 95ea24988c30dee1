from typing import Annotated

from fastapi import APIRouter, Body

from business_registry.register import service
from business_registry.register.schemas import RegisterFed
from portal_contracts.sandbox import RegisterRecord
from portal_runtime.access import Acting, access
from portal_runtime.clock import CurrentClock
from portal_runtime.service import Runtime

# Service-to-service API (CBSA integration feeds the register); never routed by the gateway.
router = APIRouter(tags=["internal"])

MAX_RECORDS_PER_FEED = 1000


@router.post(
    "/internal/register-feed",
    summary="Feed business-register records (upsert by BN)",
    operation_id="feed_register_records",
    openapi_extra=access(Acting.INTERNAL),
)
async def feed_register_records(
    records: Annotated[list[RegisterRecord], Body(max_length=MAX_RECORDS_PER_FEED)],
    runtime: Runtime,
    clock: CurrentClock,
) -> RegisterFed:
    return await service.feed(runtime.uow(), records, clock())
