from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from delegation.auth import business_operation
from delegation.employees import service
from delegation.employees.schemas import EmployeePage, EmployeeRead
from portal_contracts.scopes import Scope
from portal_contracts.types import BusinessNumber
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["employees"])


@router.get(
    "/v1/businesses/{bn}/employees",
    summary="List the business's employees and their access",
    description="A BAM sees every employee; a PAM those with access to one of its program accounts. "
    "In the order access was granted.",
    operation_id="list_employees",
    responses=problems(401, 403),
    **business_operation(Scope.EMPLOYEES_READ),
)
async def list_employees(
    bn: Annotated[BusinessNumber, Path(description="BN9 of the business.")],
    context: CurrentContext,
    runtime: Runtime,
    page: Paging,
) -> EmployeePage:
    async with runtime.sessions() as session:
        rows, cursor = await service.employees_of(session, reader=context.subject, bn=bn, page=page)
        return EmployeePage(items=[EmployeeRead.of(g) for g in rows], next_cursor=cursor)
