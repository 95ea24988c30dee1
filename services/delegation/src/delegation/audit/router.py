from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from delegation.audit import service
from delegation.audit.schemas import AuditEntryRead, AuditPage
from delegation.auth import business_operation
from portal_contracts.scopes import Scope
from portal_contracts.types import BusinessNumber
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["audit"])


@router.get(
    "/v1/businesses/{bn}/audit",
    summary="The trail of access changes of the business",
    description="Every grant, approval and rejection, newest first, with the actor and the request id. "
    "Business account managers (BAM) only.",
    operation_id="list_access_audit",
    responses=problems(401, 403),
    **business_operation(Scope.EMPLOYEES_READ),
)
async def list_access_audit(
    bn: Annotated[BusinessNumber, Path(description="BN9 of the business.")],
    context: CurrentContext,
    runtime: Runtime,
    page: Paging,
) -> AuditPage:
    async with runtime.reads() as session:
        rows, cursor = await service.trail(session, reader=context.subject, bn=bn, page=page)
        return AuditPage(items=[AuditEntryRead.model_validate(e) for e in rows], next_cursor=cursor)
