from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query

from delegation.access_requests import service
from delegation.access_requests.models import AccessRequestStatus
from delegation.access_requests.schemas import (
    AccessRequestApprove,
    AccessRequestCreate,
    AccessRequestPage,
    AccessRequestRead,
    AccessRequestReject,
    AccessRequestReview,
    MyAccessRequestPage,
)
from delegation.auth import business_operation, self_operation
from portal_contracts.scopes import Scope
from portal_contracts.types import BusinessNumber
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["access-requests"])

Bn = Annotated[BusinessNumber, Path(description="BN9 of the business.")]
RequestId = Annotated[UUID, Path(description="Id of the access request.")]
StatusFilter = Annotated[AccessRequestStatus | None, Query(description="Only requests in this state.")]


@router.post(
    "/v1/businesses/{bn}/access-requests",
    status_code=201,
    summary="Ask for access to your employer's business",
    description="The caller is not associated with the business yet (seed 000 §1.9, option 1). Its BAMs and PAMs "
    "are notified and one of them approves, choosing a role and program accounts, or rejects.",
    operation_id="submit_access_request",
    responses=problems(401, 403, 404, 409),
    **self_operation(),
)
async def submit_access_request(
    bn: Bn, body: AccessRequestCreate, context: CurrentContext, runtime: Runtime
) -> AccessRequestRead:
    async with runtime.uow() as uow:
        request = await service.submit(uow, requester=context.subject, bn=bn, comment=body.comment)
        return AccessRequestRead.of(request)


@router.get(
    "/v1/businesses/{bn}/access-requests",
    summary="List the business's access requests",
    description="For the business's BAMs and PAMs; newest first.",
    operation_id="list_access_requests",
    responses=problems(401, 403),
    **business_operation(Scope.EMPLOYEES_READ),
)
async def list_access_requests(
    bn: Bn, context: CurrentContext, runtime: Runtime, page: Paging, status: StatusFilter = None
) -> AccessRequestPage:
    async with runtime.reads() as session:
        rows, cursor = await service.of_business(session, reader=context.subject, bn=bn, status=status, page=page)
        return AccessRequestPage(items=[AccessRequestReview.of(r) for r in rows], next_cursor=cursor)


@router.post(
    "/v1/businesses/{bn}/access-requests/{id}/approve",
    summary="Approve an access request with a role and program accounts",
    description="A BAM grants any role; a PAM grants `pam`, `editor` or `viewer` on program accounts it holds. "
    "Nobody decides their own request.",
    operation_id="approve_access_request",
    responses=problems(401, 403, 404, 409),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def approve_access_request(
    bn: Bn, id: RequestId, body: AccessRequestApprove, context: CurrentContext, runtime: Runtime
) -> AccessRequestReview:
    async with runtime.uow() as uow:
        request = await service.approve(
            uow, approver=context.subject, bn=bn, request_id=str(id), role=body.role, programs=body.programs
        )
        return AccessRequestReview.of(request)


@router.post(
    "/v1/businesses/{bn}/access-requests/{id}/reject",
    summary="Reject an access request with a justification",
    description="The requester reads the justification (GET /v1/me/access-requests).",
    operation_id="reject_access_request",
    responses=problems(401, 403, 404, 409),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def reject_access_request(
    bn: Bn, id: RequestId, body: AccessRequestReject, context: CurrentContext, runtime: Runtime
) -> AccessRequestReview:
    async with runtime.uow() as uow:
        request = await service.reject(uow, rejecter=context.subject, bn=bn, request_id=str(id), comment=body.comment)
        return AccessRequestReview.of(request)


@router.get(
    "/v1/me/access-requests",
    summary="Your access requests and their decisions",
    description="Newest first; a rejected request carries the account manager's justification.",
    operation_id="list_my_access_requests",
    responses=problems(401, 403),
    **self_operation(),
)
async def list_my_access_requests(
    context: CurrentContext, runtime: Runtime, page: Paging, status: StatusFilter = None
) -> MyAccessRequestPage:
    async with runtime.reads() as session:
        rows, cursor = await service.of_requester(session, requester=context.subject, status=status, page=page)
        return MyAccessRequestPage(items=[AccessRequestRead.of(r) for r in rows], next_cursor=cursor)
