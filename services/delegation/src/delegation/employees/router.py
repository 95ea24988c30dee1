from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from delegation.auth import business_operation
from delegation.employees import service
from delegation.employees.schemas import EmployeePage, EmployeeRead, EmployeeUpdate
from portal_contracts.scopes import Scope
from portal_contracts.types import BusinessNumber
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["employees"])

Bn = Annotated[BusinessNumber, Path(description="BN9 of the business.")]
UserId = Annotated[str, Path(min_length=1, max_length=64, description="The employee's user id.")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag you read; 412 if it changed since.")]


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
    bn: Bn,
    context: CurrentContext,
    runtime: Runtime,
    page: Paging,
) -> EmployeePage:
    async with runtime.reads() as session:
        rows, cursor = await service.employees_of(session, reader=context.subject, bn=bn, page=page)
        return EmployeePage(items=[EmployeeRead.of(g) for g in rows], next_cursor=cursor)


@router.get(
    "/v1/businesses/{bn}/employees/{user_id}",
    summary="One employee's access, with its ETag",
    operation_id="get_employee",
    responses=problems(401, 403, 404),
    **business_operation(Scope.EMPLOYEES_READ),
)
async def get_employee(
    bn: Bn, user_id: UserId, context: CurrentContext, runtime: Runtime, response: Response
) -> EmployeeRead:
    row = await service.employee(runtime.engine, reader=context.subject, bn=bn, user_id=user_id)
    response.headers["ETag"] = row.etag
    return EmployeeRead.of(row)


@router.put(
    "/v1/businesses/{bn}/employees/{user_id}",
    summary="Change an employee's role and program accounts (BAM, PAM)",
    description="Hierarchical, BAM > PAM > editor/viewer: nobody changes their own access (`own_access`); a PAM "
    "acts only on employees within its own program accounts (`programs_not_held`), never on a BAM "
    "(`manager_outranked`), and cannot grant `bam` (`role_not_grantable`). Promotion to BAM gives every program "
    "account; a demoted BAM keeps only the new role; the last BAM cannot be demoted (409 `last_bam`). Send "
    "`If-Match` with the ETag you read (412 `precondition_failed` if it changed).",
    operation_id="update_employee",
    responses=problems(401, 403, 404, 409, 412, 422),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def update_employee(
    bn: Bn,
    user_id: UserId,
    body: EmployeeUpdate,
    context: CurrentContext,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch = None,
) -> EmployeeRead:
    async with runtime.uow() as uow:
        row = await service.change_access(
            uow,
            actor=context.subject,
            bn=bn,
            user_id=user_id,
            role=body.role,
            programs=body.programs,
            if_match=if_match,
        )
        response.headers["ETag"] = row.etag
        return EmployeeRead.of(row)


@router.delete(
    "/v1/businesses/{bn}/employees/{user_id}",
    status_code=204,
    summary="Remove an employee (BAM)",
    description="Revokes all access to the business and everything the user had through it as a provider "
    "employee (assignments to clients, client-group roles, a BAM's implicit proxy rights). A later approval "
    "restores nothing. Only a BAM removes (`bam_required`), never itself (`own_access`); the last BAM stays "
    "(409 `last_bam`).",
    operation_id="remove_employee",
    responses=problems(401, 403, 404, 409, 412),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def remove_employee(
    bn: Bn, user_id: UserId, context: CurrentContext, runtime: Runtime, if_match: IfMatch = None
) -> None:
    async with runtime.uow() as uow:
        await service.remove(uow, actor=context.subject, bn=bn, user_id=user_id, if_match=if_match)
