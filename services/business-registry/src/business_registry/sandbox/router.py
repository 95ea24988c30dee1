from fastapi import APIRouter

from business_registry.ledger_client import CurrentLedger
from business_registry.sandbox import service
from business_registry.sandbox.schemas import ReferenceBusinessPage
from portal_runtime.access import Acting, access
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

# Mounted only when SANDBOX=1.
router = APIRouter(tags=["sandbox"])


@router.get(
    "/v1/sandbox/reference-businesses",
    summary="Test businesses of the sandbox register, with the answers that register them",
    operation_id="list_reference_businesses",
    responses=problems(400, 503),
    openapi_extra=access(Acting.PUBLIC),
)
async def list_reference_businesses(runtime: Runtime, ledger: CurrentLedger, page: Paging) -> ReferenceBusinessPage:
    async with runtime.reads() as session:
        return await service.reference_businesses(session, ledger, page)
