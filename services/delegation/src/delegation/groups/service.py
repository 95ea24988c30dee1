"""Client groups (seed 002 §6), provider only: a named set of the provider's clients, its employees assigned with a
group role, per-client overrides, and the asynchronous operations that change them (the processing table).

A write is checked when it is asked for (the caller hears at once of a refusal), recorded as a pending
:class:`GroupOperation` and answered 202; the worker (:mod:`delegation.groups.worker`) executes it in its own
transaction, checking again what may have changed meanwhile, and marks it completed or failed. Executing is
cheap: adding clients inserts one membership row per client, never rows per employee and client (the decision
derives access from membership, assignment and override).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.audit import service as audit
from delegation.audit.service import AuditAction
from delegation.employees import service as employees
from delegation.employees.errors import OwnAccessChange
from delegation.employees.service import Grant
from delegation.errors import BusinessAccountManagerRequired
from delegation.groups import repository
from delegation.groups.errors import (
    ClientGroupNotFound,
    ClientNotInGroup,
    ClientsUnavailable,
    ConfirmationRequired,
    GroupAssignmentNotFound,
    GroupNameTaken,
    GroupPreconditionFailed,
    OperationNotFound,
)
from delegation.groups.models import (
    ClientGroup,
    ClientGroupMember,
    GroupAssignment,
    GroupOperation,
    GroupOverride,
    OperationState,
    OperationType,
)
from delegation.preconditions import check_if_match
from delegation.relationships import repository as relationships
from delegation.relationships.errors import NotProviderEmployee, NotProxyManager, ProviderBamImplicit
from delegation.roles import ASSIGNABLE_ROLES, Role
from portal_contracts.events.delegation import (
    ClientGroupClientRemoved,
    ClientGroupClientsAdded,
    ClientGroupCreated,
    ClientGroupDeleted,
    ClientGroupEmployeeAssigned,
    ClientGroupEmployeeUnassigned,
    ClientGroupOverrideSet,
)
from portal_runtime.messaging import UnitOfWork, utcnow
from portal_runtime.paging import PageRequest
from portal_runtime.requestid import current_request_id

DELETE_CONFIRMATION = "DELETE"
REMOVE_CONFIRMATION = "REMOVE"
NO_ACCESS = "none"
"""An override that removes one client from an employee's group access."""

GROUP_ROLES: frozenset[Role] = frozenset(ASSIGNABLE_ROLES)
"""The roles an employee holds in a group: those a provider manager assigns on a client (``pam``, ``editor``,
``viewer``); the proxy role they give is the same (:data:`delegation.roles.ASSIGNABLE_ROLES`)."""


# --- rules ------------------------------------------------------------------------------------------------------


def unavailable_clients(
    requested: Sequence[str], related: set[str], grouped: dict[str, str], group_id: str | None = None
) -> list[tuple[int, str, str]]:
    """(index, client BN, why) of the clients that cannot join: a client is available when its relationship with
    the provider is active and it is in none of the provider's groups (it may be in other providers' groups)."""
    unavailable = []
    seen: set[str] = set()
    for index, bn in enumerate(requested):
        if bn in seen:
            unavailable.append((index, bn, "duplicate"))
        elif bn not in related:
            unavailable.append((index, bn, "no_active_relationship"))
        elif bn in grouped:
            why = "already_in_group" if grouped[bn] == group_id else "in_another_group"
            unavailable.append((index, bn, why))
        seen.add(bn)
    return unavailable


def check_confirmation(given: str | None, expected: str) -> None:
    """Destructive steps are confirmed by typing a word (the portal asks for SUPPRIMER / CONFIRMER)."""
    if given != expected:
        raise ConfirmationRequired(expected)


def check_group_manager(manager: Grant) -> None:
    """Groups and their staff are managed by the provider's BAMs (who already act for every client)."""
    if manager.role is not Role.BAM:
        raise BusinessAccountManagerRequired(manager.bn)


def check_group_member(target: Grant | None, user_id: str, provider_bn: str) -> None:
    """Only the provider's PAMs, editors and viewers are assigned to a group: a BAM already acts for every client."""
    if target is None:
        raise NotProviderEmployee(user_id, provider_bn)
    if target.role is Role.BAM:
        raise ProviderBamImplicit(user_id)


def check_override_setter(manager: Grant, own_role_on_client: str | None, client_bn: str) -> None:
    """A provider BAM delegates any client; a provider PAM only a client it is itself proxy PAM for."""
    if manager.role is Role.BAM:
        return
    if own_role_on_client != Role.PAM:
        raise NotProxyManager(client_bn)


# --- helpers ----------------------------------------------------------------------------------------------------


async def _group(session: AsyncSession, provider_bn: str, group_id: str, *, lock: bool = False) -> ClientGroup:
    group = await repository.group_of(session, provider_bn, group_id, lock=lock)
    if group is None:
        raise ClientGroupNotFound(group_id, provider_bn)
    return group


def _check_if_match(if_match: str | None, group: ClientGroup) -> None:
    check_if_match(
        if_match,
        group.etag,
        resource="client group",
        url=f"/v1/businesses/{group.provider_bn}/client-groups/{group.id}",
        failed=GroupPreconditionFailed(group.etag),
    )


async def _check_available(
    session: AsyncSession, provider_bn: str, clients: Sequence[str], group_id: str | None
) -> None:
    unavailable = unavailable_clients(
        clients,
        await repository.actively_related(session, provider_bn, list(dict.fromkeys(clients))),
        await repository.grouped(session, provider_bn, list(dict.fromkeys(clients))),
        group_id,
    )
    if unavailable:
        raise ClientsUnavailable(unavailable)


def _enqueue(
    session: AsyncSession, *, type: OperationType, group: ClientGroup, initiator: str, **payload: Any
) -> GroupOperation:
    operation = GroupOperation(
        id=str(uuid.uuid4()),
        provider_bn=group.provider_bn,
        type=type.value,
        group_id=group.id,
        group_name=group.name,
        initiator=initiator,
        state=OperationState.PENDING.value,
        payload={**payload, "request_id": current_request_id.get() or None},
        created_at=utcnow(),
    )
    session.add(operation)
    return operation


async def _manager(session: AsyncSession, actor: str, provider_bn: str) -> Grant:
    manager = await employees.account_manager(session, actor, provider_bn)
    check_group_manager(manager)
    return manager


# --- requests (checked now, executed by the worker) ---------------------------------------------------------------


async def create(
    uow: UnitOfWork, *, actor: str, provider_bn: str, name: str, clients: Sequence[str]
) -> tuple[ClientGroup, GroupOperation]:
    session = uow.session
    await _manager(session, actor, provider_bn)
    if await repository.group_named(session, provider_bn, name) is not None:
        raise GroupNameTaken(name)
    await _check_available(session, provider_bn, clients, None)
    group = ClientGroup(
        id=str(uuid.uuid4()), provider_bn=provider_bn, name=name, version=1, created_at=utcnow(), created_by=actor
    )
    session.add(group)
    try:
        await session.flush()
    except IntegrityError:
        raise GroupNameTaken(name) from None
    return group, _enqueue(
        session, type=OperationType.CREATE_GROUP, group=group, initiator=actor, clients=list(clients)
    )


async def rename(
    uow: UnitOfWork, *, actor: str, provider_bn: str, group_id: str, name: str, if_match: str | None
) -> tuple[ClientGroup, int]:
    """Renaming changes no access: done at once. The group and its number of clients."""
    session = uow.session
    await _manager(session, actor, provider_bn)
    group = await _group(session, provider_bn, group_id, lock=True)
    _check_if_match(if_match, group)
    if name == group.name:
        return group, (await repository.member_counts(session, [group.id])).get(group.id, 0)
    if await repository.group_named(session, provider_bn, name) is not None:
        raise GroupNameTaken(name)
    before, group.name = group.name, name
    group.version += 1
    try:
        await session.flush()
    except IntegrityError:
        raise GroupNameTaken(name) from None
    audit.record(
        session,
        actor=actor,
        acting_as=provider_bn,
        action=AuditAction.CLIENT_GROUP_RENAMED,
        target=None,
        details={"group_id": group.id, "before": before, "after": name},
    )
    return group, (await repository.member_counts(session, [group.id])).get(group.id, 0)


async def request_deletion(
    uow: UnitOfWork, *, actor: str, provider_bn: str, group_id: str, confirmation: str | None, if_match: str | None
) -> GroupOperation:
    """Deleting the group as the caller read it: a group changed since (renamed, clients or staff changed) is
    refused with 412, so nobody deletes a group whose content it has not seen."""
    session = uow.session
    await _manager(session, actor, provider_bn)
    group = await _group(session, provider_bn, group_id)
    _check_if_match(if_match, group)
    check_confirmation(confirmation, DELETE_CONFIRMATION)
    return _enqueue(session, type=OperationType.DELETE_GROUP, group=group, initiator=actor)


async def request_clients(
    uow: UnitOfWork, *, actor: str, provider_bn: str, group_id: str, clients: Sequence[str]
) -> GroupOperation:
    session = uow.session
    await _manager(session, actor, provider_bn)
    group = await _group(session, provider_bn, group_id)
    await _check_available(session, provider_bn, clients, group.id)
    return _enqueue(session, type=OperationType.ADD_CLIENTS, group=group, initiator=actor, clients=list(clients))


async def request_client_removal(
    uow: UnitOfWork, *, actor: str, provider_bn: str, group_id: str, client_bn: str, confirmation: str | None
) -> GroupOperation:
    session = uow.session
    await _manager(session, actor, provider_bn)
    group = await _group(session, provider_bn, group_id)
    if not await repository.is_member(session, group.id, client_bn):
        raise ClientNotInGroup(client_bn, group.id)
    check_confirmation(confirmation, REMOVE_CONFIRMATION)
    return _enqueue(session, type=OperationType.REMOVE_CLIENT, group=group, initiator=actor, client_bn=client_bn)


async def request_assignment(
    uow: UnitOfWork, *, actor: str, provider_bn: str, group_id: str, user_id: str, role: Role
) -> GroupOperation:
    session = uow.session
    await _manager(session, actor, provider_bn)
    group = await _group(session, provider_bn, group_id)
    check_group_member(await employees.grant_of(session, user_id, provider_bn), user_id, provider_bn)
    return _enqueue(
        session, type=OperationType.ASSIGN_EMPLOYEE, group=group, initiator=actor, user_id=user_id, role=role.value
    )


async def _own_role_on(session: AsyncSession, manager: Grant, client_bn: str) -> str | None:
    """The manager's own proxy role on the client through its business, when assigned (individually or by group)."""
    rel = await relationships.active_between(session, manager.bn, client_bn)
    if rel is None:
        return None
    individual = await relationships.assignment(session, rel.id, manager.user_id)
    if individual is not None and individual.role == Role.PAM:
        return Role.PAM.value
    through_group = await repository.group_role_on(session, manager.user_id, client_bn, [manager.bn])
    return through_group.get(manager.bn)


async def request_override(
    uow: UnitOfWork,
    *,
    actor: str,
    provider_bn: str,
    group_id: str,
    user_id: str,
    client_bn: str,
    role: str,
) -> GroupOperation:
    session = uow.session
    manager = await employees.account_manager(session, actor, provider_bn)
    group = await _group(session, provider_bn, group_id)
    if user_id == actor:
        raise OwnAccessChange()
    check_override_setter(manager, await _own_role_on(session, manager, client_bn), client_bn)
    if await repository.assignment(session, group.id, user_id) is None:
        raise GroupAssignmentNotFound(user_id, group.id)
    if not await repository.is_member(session, group.id, client_bn):
        raise ClientNotInGroup(client_bn, group.id)
    return _enqueue(
        session,
        type=OperationType.SET_OVERRIDE,
        group=group,
        initiator=actor,
        user_id=user_id,
        client_bn=client_bn,
        role=role,
    )


async def request_unassignment(
    uow: UnitOfWork, *, actor: str, provider_bn: str, group_id: str, user_id: str
) -> GroupOperation:
    session = uow.session
    await _manager(session, actor, provider_bn)
    group = await _group(session, provider_bn, group_id)
    if await repository.assignment(session, group.id, user_id) is None:
        raise GroupAssignmentNotFound(user_id, group.id)
    return _enqueue(session, type=OperationType.UNASSIGN_EMPLOYEE, group=group, initiator=actor, user_id=user_id)


# --- reads --------------------------------------------------------------------------------------------------------


async def groups_of(
    session: AsyncSession, *, reader: str, provider_bn: str, page: PageRequest
) -> tuple[list[tuple[ClientGroup, int]], str | None]:
    await employees.account_manager(session, reader, provider_bn)
    rows, cursor = page.cut(
        await repository.groups_of(session, provider_bn, after_seq=page.after(int), limit=page.limit + 1),
        lambda g: g.seq,
    )
    counts = await repository.member_counts(session, [g.id for g in rows])
    return [(g, counts.get(g.id, 0)) for g in rows], cursor


async def group(
    session: AsyncSession, *, reader: str, provider_bn: str, group_id: str
) -> tuple[ClientGroup, list[str], Sequence[GroupAssignment], Sequence[GroupOverride]]:
    await employees.account_manager(session, reader, provider_bn)
    found = await _group(session, provider_bn, group_id)
    return (
        found,
        await repository.clients_of(session, found.id),
        await repository.assignments_of(session, found.id),
        await repository.overrides_of(session, found.id),
    )


async def members_of(
    session: AsyncSession, *, reader: str, provider_bn: str, group_id: str, page: PageRequest
) -> tuple[list[ClientGroupMember], str | None]:
    """A page of a group's clients, for a BAM or PAM of the provider (a group may hold thousands)."""
    await employees.account_manager(session, reader, provider_bn)
    found = await _group(session, provider_bn, group_id)
    rows = await repository.members_of(session, found.id, after_bn=page.after(str), limit=page.limit + 1)
    return page.cut(rows, lambda m: m.client_bn)


async def operations_of(
    session: AsyncSession, *, reader: str, provider_bn: str, page: PageRequest
) -> tuple[list[GroupOperation], str | None]:
    await employees.account_manager(session, reader, provider_bn)
    rows = await repository.operations_of(session, provider_bn, before_seq=page.after(int), limit=page.limit + 1)
    return page.cut(rows, lambda o: o.seq)


async def operation(session: AsyncSession, *, reader: str, provider_bn: str, operation_id: str) -> GroupOperation:
    await employees.account_manager(session, reader, provider_bn)
    found = await repository.operation_of(session, provider_bn, operation_id)
    if found is None:
        raise OperationNotFound(operation_id, provider_bn)
    return found


# --- execution (the worker) ---------------------------------------------------------------------------------------


async def execute(uow: UnitOfWork, operation: GroupOperation) -> None:
    """Apply one pending operation; raises a :class:`DelegationError` when it can no longer be done."""
    session = uow.session
    payload = operation.payload
    kind = OperationType(operation.type)
    group = await _group(session, operation.provider_bn, operation.group_id, lock=True)
    users = [a.user_id for a in await repository.assignments_of(session, group.id)]
    common = {
        "provider_bn": group.provider_bn,
        "group_id": group.id,
        "group_name": group.name,
        "operation_id": operation.id,
        "initiator": operation.initiator,
    }
    details: dict[str, Any] = {"group_id": group.id, "group_name": group.name, "operation_id": operation.id}
    target: str | None = None
    if kind in (OperationType.CREATE_GROUP, OperationType.ADD_CLIENTS):
        clients: list[str] = payload["clients"]
        await _check_available(session, group.provider_bn, clients, group.id)
        now = utcnow()
        if clients:
            await session.execute(
                insert(ClientGroupMember),
                [
                    {"group_id": group.id, "client_bn": bn, "provider_bn": group.provider_bn, "added_at": now}
                    for bn in clients
                ],
            )
        event_type = ClientGroupCreated if kind is OperationType.CREATE_GROUP else ClientGroupClientsAdded
        uow.publish(event_type(**common, client_bns=sorted(clients), user_ids=users))
        action = (
            AuditAction.CLIENT_GROUP_CREATED
            if kind is OperationType.CREATE_GROUP
            else AuditAction.CLIENT_GROUP_CLIENTS_ADDED
        )
        details["client_count"] = len(clients)
    elif kind is OperationType.REMOVE_CLIENT:
        client_bn = payload["client_bn"]
        if not await repository.is_member(session, group.id, client_bn):
            raise ClientNotInGroup(client_bn, group.id)
        await session.execute(
            delete(GroupOverride).where(GroupOverride.group_id == group.id, GroupOverride.client_bn == client_bn)
        )
        await session.execute(
            delete(ClientGroupMember).where(
                ClientGroupMember.group_id == group.id, ClientGroupMember.client_bn == client_bn
            )
        )
        uow.publish(ClientGroupClientRemoved(**common, client_bns=[client_bn], user_ids=users))
        action, details["client_bn"] = AuditAction.CLIENT_GROUP_CLIENT_REMOVED, client_bn
    elif kind is OperationType.DELETE_GROUP:
        clients = await repository.clients_of(session, group.id)
        for table in (GroupOverride, GroupAssignment, ClientGroupMember):
            await session.execute(delete(table).where(table.group_id == group.id))
        await session.delete(group)
        uow.publish(ClientGroupDeleted(**common, client_bns=clients, user_ids=users))
        action, details["client_count"] = AuditAction.CLIENT_GROUP_DELETED, len(clients)
    elif kind is OperationType.ASSIGN_EMPLOYEE:
        target, role = payload["user_id"], payload["role"]
        check_group_member(await employees.grant_of(session, target, group.provider_bn), target, group.provider_bn)
        row = await repository.assignment(session, group.id, target)
        if row is None:
            row = GroupAssignment(group_id=group.id, user_id=target)
            session.add(row)
        row.role, row.assigned_at, row.assigned_by = role, utcnow(), operation.initiator
        clients = await repository.clients_of(session, group.id)
        uow.publish(ClientGroupEmployeeAssigned(**common, client_bns=clients, user_ids=[target], role=role))
        action, details["role"] = AuditAction.CLIENT_GROUP_EMPLOYEE_ASSIGNED, role
    elif kind is OperationType.SET_OVERRIDE:
        target, client_bn, role = payload["user_id"], payload["client_bn"], payload["role"]
        if await repository.assignment(session, group.id, target) is None:
            raise GroupAssignmentNotFound(target, group.id)
        if not await repository.is_member(session, group.id, client_bn):
            raise ClientNotInGroup(client_bn, group.id)
        override = await session.get(GroupOverride, (group.id, target, client_bn))
        if override is None:
            override = GroupOverride(group_id=group.id, user_id=target, client_bn=client_bn)
            session.add(override)
        override.role, override.set_at, override.set_by = role, utcnow(), operation.initiator
        uow.publish(ClientGroupOverrideSet(**common, client_bns=[client_bn], user_ids=[target], role=role))
        action = AuditAction.CLIENT_GROUP_OVERRIDE_SET
        details |= {"client_bn": client_bn, "role": role}
    else:
        target = payload["user_id"]
        row = await repository.assignment(session, group.id, target)
        if row is None:
            raise GroupAssignmentNotFound(target, group.id)
        await session.execute(
            delete(GroupOverride).where(GroupOverride.group_id == group.id, GroupOverride.user_id == target)
        )
        await session.delete(row)
        clients = await repository.clients_of(session, group.id)
        uow.publish(ClientGroupEmployeeUnassigned(**common, client_bns=clients, user_ids=[target]))
        action = AuditAction.CLIENT_GROUP_EMPLOYEE_UNASSIGNED
    if kind is not OperationType.DELETE_GROUP:
        group.version += 1  # its clients, staff or overrides changed: the group's detail (and ETag) with them
    audit.record(
        session, actor=operation.initiator, acting_as=group.provider_bn, action=action, target=target, details=details
    )
