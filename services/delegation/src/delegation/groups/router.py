from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Path, Response

from delegation.auth import business_operation
from delegation.groups import service, worker
from delegation.groups.models import GroupOperation
from delegation.groups.schemas import (
    ClientGroupCreate,
    ClientGroupPage,
    ClientGroupRead,
    ClientGroupSummary,
    ClientGroupUpdate,
    ClientsAdd,
    Confirmation,
    GroupAssignmentWrite,
    GroupClientPage,
    GroupClientRead,
    GroupOverrideWrite,
    OperationPage,
    OperationRead,
)
from delegation.roles import Role
from portal_contracts.scopes import Scope
from portal_contracts.types import BusinessNumber
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["client-groups"])

Bn = Annotated[BusinessNumber, Path(description="BN9 of the service provider.")]
GroupId = Annotated[UUID, Path(description="Id of the client group.")]
OperationId = Annotated[UUID, Path(description="System id of the operation.")]
ClientBn = Annotated[BusinessNumber, Path(description="BN9 of the client.")]
UserId = Annotated[str, Path(min_length=1, max_length=64, description="The provider employee's user id.")]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="Required: the ETag of the client group as you read it (GET). 412 `precondition_failed` if it "
        "changed since, 428 `precondition_required` without it.",
    ),
]
ASYNC = (
    "Asynchronous: answers 202 with the pending operation and `Location` naming it; the processing table "
    "(`GET .../operations`) shows it pending, then completed or failed."
)


def accepted(response: Response, bn: str, operation: GroupOperation) -> OperationRead:
    response.headers["Location"] = f"/v1/businesses/{bn}/operations/{operation.id}"
    return OperationRead.of(operation)


@router.post(
    "/v1/businesses/{bn}/client-groups",
    status_code=202,
    summary="Create a client group with its first clients (service provider BAM)",
    description="A client is available when its relationship with your business is active and it is in none of "
    "your other groups (422 `clients_unavailable` names the others). " + ASYNC,
    operation_id="create_client_group",
    responses=problems(401, 403, 409, 422),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def create_client_group(
    bn: Bn, body: ClientGroupCreate, context: CurrentContext, runtime: Runtime, response: Response
) -> OperationRead:
    async with runtime.uow() as uow:
        _, operation = await service.create(
            uow, actor=context.subject, provider_bn=bn, name=body.name, clients=body.clients
        )
        result = accepted(response, bn, operation)
    runtime.wake(worker.JOB)  # committed: the worker starts on it now, not at its next round
    return result


@router.get(
    "/v1/businesses/{bn}/client-groups",
    summary="The provider's client groups",
    operation_id="list_client_groups",
    responses=problems(401, 403),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def list_client_groups(bn: Bn, context: CurrentContext, runtime: Runtime, page: Paging) -> ClientGroupPage:
    async with runtime.reads() as session:
        rows, cursor = await service.groups_of(session, reader=context.subject, provider_bn=bn, page=page)
        return ClientGroupPage(items=[ClientGroupSummary.of(g, n) for g, n in rows], next_cursor=cursor)


@router.get(
    "/v1/businesses/{bn}/client-groups/{id}",
    summary="One client group: its clients, its employees with their group roles and overrides",
    operation_id="get_client_group",
    responses=problems(401, 403, 404),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def get_client_group(
    bn: Bn, id: GroupId, context: CurrentContext, runtime: Runtime, response: Response
) -> ClientGroupRead:
    async with runtime.reads() as session:
        found = await service.group(session, reader=context.subject, provider_bn=bn, group_id=str(id))
        response.headers["ETag"] = found[0].etag
        return ClientGroupRead.detail(*found)


@router.patch(
    "/v1/businesses/{bn}/client-groups/{id}",
    summary="Rename a client group (service provider BAM)",
    description="Changes no access, so it is done at once. `If-Match` is required: the ETag you read (412 "
    "`precondition_failed` if it changed, 428 `precondition_required` without it).",
    operation_id="rename_client_group",
    responses=problems(401, 403, 404, 409, 412, 422, 428),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def rename_client_group(
    bn: Bn,
    id: GroupId,
    body: ClientGroupUpdate,
    context: CurrentContext,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch = None,
) -> ClientGroupSummary:
    async with runtime.uow() as uow:
        group, count = await service.rename(
            uow, actor=context.subject, provider_bn=bn, group_id=str(id), name=body.name, if_match=if_match
        )
        response.headers["ETag"] = group.etag
        return ClientGroupSummary.of(group, count)


@router.delete(
    "/v1/businesses/{bn}/client-groups/{id}",
    status_code=202,
    summary="Delete a client group (service provider BAM)",
    description='Irreversible: send `{"confirmation": "DELETE"}` (422 `confirmation_required` otherwise). The '
    "group's employees lose their access to its clients, which become available again. `If-Match` is required: the "
    "ETag of the group as you read it, so you delete the clients and staff you saw (412 `precondition_failed` if it "
    "changed, 428 `precondition_required` without it). " + ASYNC,
    operation_id="delete_client_group",
    responses=problems(401, 403, 404, 412, 422, 428),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def delete_client_group(
    bn: Bn,
    id: GroupId,
    context: CurrentContext,
    runtime: Runtime,
    response: Response,
    body: Annotated[Confirmation | None, Body()] = None,
    if_match: IfMatch = None,
) -> OperationRead:
    async with runtime.uow() as uow:
        operation = await service.request_deletion(
            uow,
            actor=context.subject,
            provider_bn=bn,
            group_id=str(id),
            confirmation=body.confirmation if body else None,
            if_match=if_match,
        )
        result = accepted(response, bn, operation)
    runtime.wake(worker.JOB)  # committed: the worker starts on it now, not at its next round
    return result


@router.get(
    "/v1/businesses/{bn}/client-groups/{id}/clients",
    summary="The group's clients, a page at a time",
    description="By business number. The group itself (`GET .../client-groups/{id}`) lists them all at once; "
    "this list pages them, for groups of thousands of clients.",
    operation_id="list_group_clients",
    responses=problems(401, 403, 404, 422),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def list_group_clients(
    bn: Bn, id: GroupId, context: CurrentContext, runtime: Runtime, page: Paging
) -> GroupClientPage:
    async with runtime.reads() as session:
        rows, cursor = await service.members_of(
            session, reader=context.subject, provider_bn=bn, group_id=str(id), page=page
        )
        return GroupClientPage(items=[GroupClientRead.of(m) for m in rows], next_cursor=cursor)


@router.post(
    "/v1/businesses/{bn}/client-groups/{id}/clients",
    status_code=202,
    summary="Add clients to a group (service provider BAM)",
    description="Only available clients (422 `clients_unavailable` names the others). The group's employees get "
    "access to them by their group role. " + ASYNC,
    operation_id="add_group_clients",
    responses=problems(401, 403, 404, 422),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def add_group_clients(
    bn: Bn, id: GroupId, body: ClientsAdd, context: CurrentContext, runtime: Runtime, response: Response
) -> OperationRead:
    async with runtime.uow() as uow:
        operation = await service.request_clients(
            uow, actor=context.subject, provider_bn=bn, group_id=str(id), clients=body.clients
        )
        result = accepted(response, bn, operation)
    runtime.wake(worker.JOB)  # committed: the worker starts on it now, not at its next round
    return result


@router.delete(
    "/v1/businesses/{bn}/client-groups/{id}/clients/{client_bn}",
    status_code=202,
    summary="Remove a client from a group (service provider BAM)",
    description='Irreversible: send `{"confirmation": "REMOVE"}` (422 `confirmation_required` otherwise). The '
    "group's employees lose their access to the client; the provider's BAMs keep theirs. " + ASYNC,
    operation_id="remove_group_client",
    responses=problems(401, 403, 404, 422),
    **business_operation(Scope.RELATIONSHIPS_WRITE),
)
async def remove_group_client(
    bn: Bn,
    id: GroupId,
    client_bn: ClientBn,
    context: CurrentContext,
    runtime: Runtime,
    response: Response,
    body: Annotated[Confirmation | None, Body()] = None,
) -> OperationRead:
    async with runtime.uow() as uow:
        operation = await service.request_client_removal(
            uow,
            actor=context.subject,
            provider_bn=bn,
            group_id=str(id),
            client_bn=client_bn,
            confirmation=body.confirmation if body else None,
        )
        result = accepted(response, bn, operation)
    runtime.wake(worker.JOB)  # committed: the worker starts on it now, not at its next round
    return result


@router.put(
    "/v1/businesses/{bn}/client-groups/{id}/employees/{user_id}",
    status_code=202,
    summary="Assign an employee to a group with a group role (service provider BAM)",
    description="`pam`, `editor` or `viewer` on every client of the group, capped by each relationship. The "
    "provider's BAMs already act for every client and are not assigned (`provider_bam_implicit`). " + ASYNC,
    operation_id="assign_to_client_group",
    responses=problems(401, 403, 404, 422),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def assign_to_client_group(
    bn: Bn,
    id: GroupId,
    user_id: UserId,
    body: GroupAssignmentWrite,
    context: CurrentContext,
    runtime: Runtime,
    response: Response,
) -> OperationRead:
    async with runtime.uow() as uow:
        operation = await service.request_assignment(
            uow, actor=context.subject, provider_bn=bn, group_id=str(id), user_id=user_id, role=Role(body.role)
        )
        result = accepted(response, bn, operation)
    runtime.wake(worker.JOB)  # committed: the worker starts on it now, not at its next round
    return result


@router.put(
    "/v1/businesses/{bn}/client-groups/{id}/employees/{user_id}/overrides/{client_bn}",
    status_code=202,
    summary="Replace an employee's group role on one client of the group",
    description="A role, or `none` for no access to that client. A provider BAM sets any; a provider PAM only on a "
    "client it is itself proxy PAM for (`not_proxy_manager`). " + ASYNC,
    operation_id="override_group_role",
    responses=problems(401, 403, 404, 422),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def override_group_role(
    bn: Bn,
    id: GroupId,
    user_id: UserId,
    client_bn: ClientBn,
    body: GroupOverrideWrite,
    context: CurrentContext,
    runtime: Runtime,
    response: Response,
) -> OperationRead:
    async with runtime.uow() as uow:
        operation = await service.request_override(
            uow,
            actor=context.subject,
            provider_bn=bn,
            group_id=str(id),
            user_id=user_id,
            client_bn=client_bn,
            role=body.role,
        )
        result = accepted(response, bn, operation)
    runtime.wake(worker.JOB)  # committed: the worker starts on it now, not at its next round
    return result


@router.delete(
    "/v1/businesses/{bn}/client-groups/{id}/employees/{user_id}",
    status_code=202,
    summary="Unassign an employee from a group (service provider BAM)",
    description="The employee loses the access the group gave, overrides included. " + ASYNC,
    operation_id="unassign_from_client_group",
    responses=problems(401, 403, 404),
    **business_operation(Scope.EMPLOYEES_WRITE),
)
async def unassign_from_client_group(
    bn: Bn, id: GroupId, user_id: UserId, context: CurrentContext, runtime: Runtime, response: Response
) -> OperationRead:
    async with runtime.uow() as uow:
        operation = await service.request_unassignment(
            uow, actor=context.subject, provider_bn=bn, group_id=str(id), user_id=user_id
        )
        result = accepted(response, bn, operation)
    runtime.wake(worker.JOB)  # committed: the worker starts on it now, not at its next round
    return result


@router.get(
    "/v1/businesses/{bn}/operations",
    summary="The processing table: group operations, newest first",
    operation_id="list_operations",
    responses=problems(401, 403),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def list_operations(bn: Bn, context: CurrentContext, runtime: Runtime, page: Paging) -> OperationPage:
    async with runtime.reads() as session:
        rows, cursor = await service.operations_of(session, reader=context.subject, provider_bn=bn, page=page)
        return OperationPage(items=[OperationRead.of(o) for o in rows], next_cursor=cursor)


@router.get(
    "/v1/businesses/{bn}/operations/{id}",
    summary="One group operation: pending, failed (with the reason) or completed",
    operation_id="get_operation",
    responses=problems(401, 403, 404),
    **business_operation(Scope.RELATIONSHIPS_READ),
)
async def get_operation(bn: Bn, id: OperationId, context: CurrentContext, runtime: Runtime) -> OperationRead:
    async with runtime.reads() as session:
        return OperationRead.of(
            await service.operation(session, reader=context.subject, provider_bn=bn, operation_id=str(id))
        )
