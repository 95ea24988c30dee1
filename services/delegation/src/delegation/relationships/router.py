from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse

from delegation.auth import business_operation
from delegation.relationships import idempotency, overview, service
from delegation.relationships.models import RelationshipRequestStatus, RelationshipStatus
from delegation.relationships.schemas import (
    AccessOverviewRead,
    AssignmentList,
    AssignmentRead,
    AssignmentWrite,
    RelationshipPage,
    RelationshipRead,
    RelationshipRequestApprove,
    RelationshipRequestCreate,
    RelationshipRequestPage,
    RelationshipRequestRead,
    RelationshipRequestReject,
    RelationshipUpdate,
)
from delegation.roles import Role
from portal_contracts.scopes import Scope
from portal_contracts.types import BusinessNumber
from portal_runtime.clock import Today
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["relationships"])

Bn = Annotated[BusinessNumber, Path(description="BN9 of the business acted for.")]
RequestId = Annotated[UUID, Path(description="Id of the relationship request.")]
RelationshipId = Annotated[UUID, Path(description="Id of the business relationship.")]
UserId = Annotated[str, Path(min_length=1, max_length=64, description="The provider employee's user id.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Replaying the key returns the first response; another body with it is refused (422).",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="Required: the ETag of the relationship as you read it (GET). 412 `precondition_failed` if it "
        "changed since, 428 `precondition_required` without it.",
    ),
]


@router.post(
    "/v1/businesses/{bn}/relationship-requests",
    status_code=201,
    response_model=RelationshipRequestRead,
    summary="Ask a client to let your business act for it (service providers)",
    description="A BAM or PAM of the provider sends the client's BN and a meaningful comment. One open request per "
    "client: a pending one (`relationship_request_pending`) or a rejected one not yet cancelled "
    "(`rejected_request_not_cancelled`) blocks a new one, as does an active relationship (`relationship_exists`).",
    operation_id="request_relationship",
    responses=problems(401, 403, 404, 409, 422),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def request_relationship(
    bn: Bn,
    body: RelationshipRequestCreate,
    context: CurrentContext,
    runtime: Runtime,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    operation, principal, raw = "request_relationship", f"{context.subject}@{bn}", body.model_dump(mode="json")
    async with runtime.uow() as uow:
        if idempotency_key is not None:
            first = await idempotency.replay(
                uow.session, operation=operation, principal=principal, key=idempotency_key, body=raw
            )
            if first is not None:
                return JSONResponse(first.body, status_code=first.status_code)
        row = await service.request(
            uow, actor=context.subject, provider_bn=bn, client_bn=body.client_bn, comment=body.comment
        )
        read = RelationshipRequestRead.of(row)
        if idempotency_key is not None:
            idempotency.remember(
                uow.session,
                operation=operation,
                principal=principal,
                key=idempotency_key,
                body=raw,
                status_code=201,
                response=read.model_dump(mode="json"),
            )
        return read


@router.get(
    "/v1/businesses/{bn}/relationship-requests",
    summary="List the relationship requests the business sent or received",
    description="`outgoing`: sent as service provider; `incoming`: received as client; both when omitted. Newest "
    "first; for the business's BAMs and PAMs.",
    operation_id="list_relationship_requests",
    responses=problems(401, 403),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def list_relationship_requests(
    bn: Bn,
    context: CurrentContext,
    runtime: Runtime,
    page: Paging,
    direction: Annotated[Literal["incoming", "outgoing"] | None, Query(description="Received or sent.")] = None,
    status: Annotated[RelationshipRequestStatus | None, Query(description="Only requests in this state.")] = None,
) -> RelationshipRequestPage:
    async with runtime.reads() as session:
        rows, cursor = await service.requests_of(
            session,
            reader=context.subject,
            bn=bn,
            incoming=direction != "outgoing",
            outgoing=direction != "incoming",
            status=status,
            page=page,
        )
        return RelationshipRequestPage(items=[RelationshipRequestRead.of(r) for r in rows], next_cursor=cursor)


@router.delete(
    "/v1/businesses/{bn}/relationship-requests/{id}",
    summary="Cancel a pending or rejected request (service providers)",
    description="A rejected request must be cancelled before the provider asks the same client again.",
    operation_id="cancel_relationship_request",
    responses=problems(401, 403, 404, 409),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def cancel_relationship_request(
    bn: Bn, id: RequestId, context: CurrentContext, runtime: Runtime
) -> RelationshipRequestRead:
    async with runtime.uow() as uow:
        row = await service.cancel(uow, actor=context.subject, provider_bn=bn, request_id=str(id))
        return RelationshipRequestRead.of(row)


@router.post(
    "/v1/businesses/{bn}/relationship-requests/{id}/approve",
    summary="Approve a provider's request: type, program accounts, visibility, expiry (clients)",
    description="A client BAM approves any type; a client PAM only program management on program accounts it holds. "
    "Business management gives the provider's BAMs proxy BAM on every program account (future ones included); "
    "program management gives them proxy PAM on the listed ones. Answers the new relationship.",
    operation_id="approve_relationship_request",
    responses=problems(401, 403, 404, 409, 422),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def approve_relationship_request(
    bn: Bn,
    id: RequestId,
    body: RelationshipRequestApprove,
    context: CurrentContext,
    runtime: Runtime,
    today: Today,
    response: Response,
) -> RelationshipRead:
    async with runtime.uow() as uow:
        _, rel = await service.approve(
            uow,
            actor=context.subject,
            client_bn=bn,
            request_id=str(id),
            type=body.type,
            programs=body.programs,
            visibility=body.visibility.settings(),
            expires_on=body.expires_on,
            today=today,
        )
        response.headers["ETag"] = rel.etag
        return RelationshipRead.of(rel)


@router.post(
    "/v1/businesses/{bn}/relationship-requests/{id}/reject",
    summary="Reject a provider's request with a justification (clients)",
    description="The provider reads the justification and cancels the request before asking again.",
    operation_id="reject_relationship_request",
    responses=problems(401, 403, 404, 409),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def reject_relationship_request(
    bn: Bn, id: RequestId, body: RelationshipRequestReject, context: CurrentContext, runtime: Runtime
) -> RelationshipRequestRead:
    async with runtime.uow() as uow:
        row = await service.reject(uow, actor=context.subject, client_bn=bn, request_id=str(id), comment=body.comment)
        return RelationshipRequestRead.of(row)


@router.get(
    "/v1/businesses/{bn}/relationships",
    summary="List the business's relationships, as provider and as client",
    description="`side=provider`: the clients it acts for; `side=client`: its providers; both when omitted. Newest "
    "first; for the business's BAMs and PAMs.",
    operation_id="list_relationships",
    responses=problems(401, 403),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def list_relationships(
    bn: Bn,
    context: CurrentContext,
    runtime: Runtime,
    page: Paging,
    side: Annotated[Literal["provider", "client"] | None, Query(description="The business's side.")] = None,
    status: Annotated[RelationshipStatus | None, Query(description="Only relationships in this state.")] = None,
) -> RelationshipPage:
    async with runtime.reads() as session:
        rows, cursor = await service.relationships_of(
            session,
            reader=context.subject,
            bn=bn,
            as_provider=side != "client",
            as_client=side != "provider",
            status=status,
            page=page,
        )
        return RelationshipPage(items=[RelationshipRead.of(r) for r in rows], next_cursor=cursor)


@router.get(
    "/v1/businesses/{bn}/relationships/{id}",
    summary="One relationship, with its ETag",
    operation_id="get_relationship",
    responses=problems(401, 403, 404),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def get_relationship(
    bn: Bn, id: RelationshipId, context: CurrentContext, runtime: Runtime, response: Response
) -> RelationshipRead:
    async with runtime.reads() as session:
        rel = await service.relationship(session, reader=context.subject, bn=bn, relationship_id=str(id))
        response.headers["ETag"] = rel.etag
        return RelationshipRead.of(rel)


@router.patch(
    "/v1/businesses/{bn}/relationships/{id}",
    summary="Edit a relationship: type, program accounts, visibility, expiry (client BAM)",
    description="Upgrading to business management makes the provider's BAMs proxy BAMs; downgrading (with the "
    "program list) makes them proxy PAMs; a program account removed leaves every assignment of the provider's "
    "staff. `If-Match` is required: the ETag you read (412 `precondition_failed` if it changed, 428 "
    "`precondition_required` without it).",
    operation_id="update_relationship",
    responses=problems(401, 403, 404, 409, 412, 422, 428),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def update_relationship(
    bn: Bn,
    id: RelationshipId,
    body: RelationshipUpdate,
    context: CurrentContext,
    runtime: Runtime,
    today: Today,
    response: Response,
    if_match: IfMatch = None,
) -> RelationshipRead:
    change = service.RelationshipChange(
        type=body.type,
        programs=body.programs,
        visibility=body.visibility.settings() if body.visibility is not None else None,
        expires_on=body.expires_on,
        clear_expiry="expires_on" in body.model_fields_set and body.expires_on is None,
    )
    async with runtime.uow() as uow:
        rel = await service.change(
            uow,
            actor=context.subject,
            client_bn=bn,
            relationship_id=str(id),
            if_match=if_match,
            change=change,
            today=today,
        )
        response.headers["ETag"] = rel.etag
        return RelationshipRead.of(rel)


@router.delete(
    "/v1/businesses/{bn}/relationships/{id}",
    summary="End a relationship (client BAM)",
    description="Every provider employee loses access to the client at once; the provider's BAMs keep the `expired` "
    "role (read what their business submitted) and the visibility attributes are turned off. Re-establishing "
    "restores none of this configuration. `If-Match` is required: the ETag you read (412 `precondition_failed` if it "
    "changed, 428 `precondition_required` without it).",
    operation_id="end_relationship",
    responses=problems(401, 403, 404, 409, 412, 428),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def end_relationship(
    bn: Bn, id: RelationshipId, context: CurrentContext, runtime: Runtime, response: Response, if_match: IfMatch = None
) -> RelationshipRead:
    async with runtime.uow() as uow:
        rel = await service.end(uow, actor=context.subject, client_bn=bn, relationship_id=str(id), if_match=if_match)
        response.headers["ETag"] = rel.etag
        return RelationshipRead.of(rel)


@router.get(
    "/v1/businesses/{bn}/relationships/{id}/assignments",
    tags=["relationships"],
    summary="The provider's staff assigned to a client (service providers)",
    description="Provider BAMs act for every client implicitly and are not listed.",
    operation_id="list_proxy_assignments",
    responses=problems(401, 403, 404),
    **business_operation(Scope.EMPLOYEES_READ),
)
async def list_proxy_assignments(
    bn: Bn, id: RelationshipId, context: CurrentContext, runtime: Runtime
) -> AssignmentList:
    async with runtime.reads() as session:
        rows = await service.assignments(session, reader=context.subject, provider_bn=bn, relationship_id=str(id))
        return AssignmentList(items=[AssignmentRead.of(a) for a in rows])


@router.put(
    "/v1/businesses/{bn}/relationships/{id}/assignments/{user_id}",
    summary="Assign one of your employees to a client with a proxy role (service providers)",
    description="`pam`, `editor` or `viewer` on program accounts within the relationship. A provider BAM assigns "
    "anyone; a provider PAM only if it is itself proxy PAM for that client, within its own program accounts there.",
    operation_id="assign_to_client",
    responses=problems(401, 403, 404, 409, 422),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def assign_to_client(
    bn: Bn, id: RelationshipId, user_id: UserId, body: AssignmentWrite, context: CurrentContext, runtime: Runtime
) -> AssignmentRead:
    async with runtime.uow() as uow:
        row = await service.assign(
            uow,
            actor=context.subject,
            provider_bn=bn,
            relationship_id=str(id),
            user_id=user_id,
            role=Role(body.role),
            programs=body.programs,
        )
        return AssignmentRead.of(row)


@router.delete(
    "/v1/businesses/{bn}/relationships/{id}/assignments/{user_id}",
    status_code=204,
    summary="Remove an employee's access to a client (service providers)",
    operation_id="unassign_from_client",
    responses=problems(401, 403, 404),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def unassign_from_client(
    bn: Bn, id: RelationshipId, user_id: UserId, context: CurrentContext, runtime: Runtime
) -> None:
    async with runtime.uow() as uow:
        await service.unassign(uow, actor=context.subject, provider_bn=bn, relationship_id=str(id), user_id=user_id)


@router.get(
    "/v1/businesses/{bn}/access-overview",
    summary="Who can see this business and with what rights, from both sides (BAM)",
    description="The business's own employees with their roles and program accounts; each active relationship with "
    "a provider (type, program accounts, visibility, expiry) and the provider's staff acting for it with their "
    "proxy role; and, for a provider, the clients it acts for with the same details. Paged as one sequence: the "
    "employees, then the providers, then the clients; `limit` counts the entries of the three lists together, "
    "and `next_cursor` continues where the page stopped (a provider with thousands of clients reads them page by "
    "page).",
    operation_id="get_access_overview",
    responses=problems(401, 403),
    **business_operation(Scope.EMPLOYEES_READ),
)
async def get_access_overview(
    bn: Bn, context: CurrentContext, runtime: Runtime, today: Today, page: Paging
) -> AccessOverviewRead:
    async with runtime.reads() as session:
        return AccessOverviewRead.of(
            await overview.overview(session, reader=context.subject, bn=bn, today=today, page=page)
        )
