"""Business relationships (seed 002 §4-5): a service provider asks to act for a client; the client approves with a
type, program accounts, visibility and an optional expiry, or rejects; the client's BAM edits or ends it; it
expires on its date. Provider managers assign their own staff to the client within the relationship's ceiling.

The rules are the pure functions at the top; the use cases below load, apply them, record the events (keyed by
the client BN, naming the managers of both sides to notify) and the audit trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.access_requests.errors import ProgramsNotHeld, RoleNotGrantable, UnknownProgramAccounts
from delegation.audit import service as audit
from delegation.audit.service import AuditAction
from delegation.businesses import service as businesses
from delegation.employees import repository as grants
from delegation.employees import service as employees
from delegation.employees.service import Grant
from delegation.errors import BusinessAccountManagerRequired
from delegation.groups import repository as groups
from delegation.preconditions import check_if_match
from delegation.programs import ALL, ProgramAccess, ProgramsValue
from delegation.relationships import repository
from delegation.relationships.errors import (
    AssignmentNotFound,
    ExpiryNotInFuture,
    NotProviderEmployee,
    NotProxyManager,
    OwnBusinessRelationship,
    PreconditionFailed,
    ProgramsOutsideRelationship,
    ProgramsRequired,
    ProviderBamImplicit,
    RejectedRequestNotCancelled,
    RelationshipExists,
    RelationshipNotActive,
    RelationshipNotFound,
    RelationshipRequestNotCancellable,
    RelationshipRequestNotFound,
    RelationshipRequestNotPending,
    RelationshipRequestPending,
)
from delegation.relationships.models import (
    BusinessRelationship,
    ProxyAssignment,
    RelationshipRequest,
    RelationshipRequestStatus,
    RelationshipStatus,
    RelationshipType,
)
from delegation.relationships.proxy import intersection
from delegation.roles import ROLES, Role
from portal_contracts.events.delegation import (
    ProxyAssignmentRemoved,
    ProxyAssignmentSet,
    RelationshipChanged,
    RelationshipEnded,
    RelationshipExpired,
    RelationshipRequestApproved,
    RelationshipRequestCancelled,
    RelationshipRequestRejected,
    RelationshipRequestSubmitted,
    RelationshipVisibility,
)
from portal_runtime.messaging import UnitOfWork, utcnow
from portal_runtime.paging import PageRequest

EXPIRY_ACTOR = "system:relationship-expiry"
"""The actor the audit trail names for expiries (no user made them)."""


@dataclass(frozen=True)
class VisibilitySettings:
    client_submitted: bool
    other_businesses_submitted: bool


@dataclass(frozen=True)
class RelationshipChange:
    """A client BAM's edit; None leaves a field as it is (``clear_expiry`` removes the expiry date)."""

    type: RelationshipType | None = None
    programs: ProgramsValue | None = None
    visibility: VisibilitySettings | None = None
    expires_on: date | None = None
    clear_expiry: bool = False


# --- rules ------------------------------------------------------------------------------------------------------


def check_can_request(
    provider_bn: str,
    client_bn: str,
    open_request: RelationshipRequest | None,
    active: BusinessRelationship | None,
) -> None:
    """One open request per provider and client; a rejected one is cancelled before asking again; no second
    relationship while one is active."""
    if provider_bn == client_bn:
        raise OwnBusinessRelationship()
    if active is not None:
        raise RelationshipExists(client_bn)
    if open_request is not None:
        if open_request.status == RelationshipRequestStatus.REJECTED:
            raise RejectedRequestNotCancelled(client_bn, open_request.id)
        raise RelationshipRequestPending(client_bn)


def relationship_programs(
    client_bn: str, type: RelationshipType, requested: ProgramsValue | None, client_programs: frozenset[str]
) -> ProgramAccess:
    """Business management covers every program account, present and future (a list is ignored); program
    management needs a non-empty list of the client's own program accounts."""
    if type is RelationshipType.BUSINESS_MANAGEMENT:
        return ProgramAccess.everything()
    if requested is None or requested == ALL or not requested:
        raise ProgramsRequired()
    unknown = [(index, bn15) for index, bn15 in enumerate(requested) if bn15 not in client_programs]
    if unknown:
        raise UnknownProgramAccounts(client_bn, unknown)
    return ProgramAccess.only(requested)


def check_expiry(expires_on: date | None, today: date) -> None:
    if expires_on is not None and expires_on <= today:
        raise ExpiryNotInFuture(expires_on.isoformat())


def check_approver(manager: Grant, type: RelationshipType, programs: ProgramAccess) -> None:
    """A client BAM approves any relationship; a client PAM only program management on program accounts it holds."""
    if manager.role is Role.BAM:
        return
    if type is RelationshipType.BUSINESS_MANAGEMENT:
        raise BusinessAccountManagerRequired(manager.bn)
    missing = manager.programs.missing_from(programs)
    if missing:
        raise ProgramsNotHeld(missing)


def delegable(manager: Grant, manager_assignment: ProxyAssignment | None, ceiling: ProgramAccess) -> ProgramAccess:
    """What a provider manager may hand out on a client: a BAM the relationship's whole ceiling; a PAM only if it is
    itself proxy PAM for that client, and only within its own program accounts there."""
    if manager.role is Role.BAM:
        return ceiling
    if manager_assignment is None or manager_assignment.role != Role.PAM:
        raise NotProxyManager(manager.bn)
    own = intersection(ceiling, manager_assignment.access)
    if own is None:
        raise NotProxyManager(manager.bn)
    return own


def assignment_programs(
    manager: Grant,
    within: ProgramAccess,
    role: Role,
    requested: ProgramsValue,
    client_bn: str,
    client_programs: frozenset[str],
) -> ProgramAccess:
    """The program accounts an assignment gives: the client's, within what the manager may delegate."""
    if requested != ALL:
        unknown = [(index, bn15) for index, bn15 in enumerate(requested) if bn15 not in client_programs]
        if unknown:
            raise UnknownProgramAccounts(client_bn, unknown)
    if not ROLES[manager.role].may_grant(role):
        raise RoleNotGrantable(role.value, manager.role.value)
    programs = ProgramAccess.parse(requested)
    missing = within.missing_from(programs)
    if missing:
        raise ProgramsOutsideRelationship(missing)
    return programs


def pruned(assignment: ProxyAssignment, ceiling: ProgramAccess) -> list[str] | None:
    """An assignment's listed program accounts still inside the ceiling (None: nothing to change)."""
    if assignment.all_programs:
        return None
    kept = [bn15 for bn15 in assignment.programs if ceiling.covers(bn15)]
    return None if len(kept) == len(assignment.programs) else kept


# --- helpers ----------------------------------------------------------------------------------------------------


class Parties(TypedDict):
    """Both sides of a relationship event and the managers (BAMs and PAMs) of each to notify."""

    provider_bn: str
    client_bn: str
    provider_user_ids: list[str]
    client_user_ids: list[str]


async def _parties(session: AsyncSession, provider_bn: str, client_bn: str) -> Parties:
    return {
        "provider_bn": provider_bn,
        "client_bn": client_bn,
        "provider_user_ids": await grants.managers_of(session, provider_bn),
        "client_user_ids": await grants.managers_of(session, client_bn),
    }


def _visibility(rel: BusinessRelationship) -> RelationshipVisibility:
    return RelationshipVisibility(
        client_submitted=rel.client_submitted, other_businesses_submitted=rel.other_businesses_submitted
    )


def _terms(rel: BusinessRelationship) -> dict[str, object]:
    return {
        "type": rel.type,
        "programs": rel.access.to_value(),
        "visibility": _visibility(rel).model_dump(),
        "expires_on": rel.expires_on.isoformat() if rel.expires_on else None,
    }


async def _request_of(session: AsyncSession, request_id: str, bn: str, *, side: str) -> RelationshipRequest:
    request = await repository.request_to_change(session, request_id)
    if request is None or getattr(request, f"{side}_bn") != bn:
        raise RelationshipRequestNotFound(request_id, bn)
    return request


def _check_if_match(if_match: str | None, rel: BusinessRelationship, bn: str) -> None:
    check_if_match(
        if_match,
        rel.etag,
        resource="relationship",
        url=f"/v1/businesses/{bn}/relationships/{rel.id}",
        failed=PreconditionFailed(rel.etag),
    )


async def _relationship_of(session: AsyncSession, relationship_id: str, bn: str, *, side: str) -> BusinessRelationship:
    rel = await repository.relationship_to_change(session, relationship_id)
    if rel is None or getattr(rel, f"{side}_bn") != bn:
        raise RelationshipNotFound(relationship_id, bn)
    return rel


# --- requests ---------------------------------------------------------------------------------------------------


async def request(
    uow: UnitOfWork, *, actor: str, provider_bn: str, client_bn: str, comment: str
) -> RelationshipRequest:
    """A provider BAM or PAM asks to act for a registered client."""
    session = uow.session
    await employees.account_manager(session, actor, provider_bn)
    provider = await businesses.registered(session, provider_bn)
    client = await businesses.registered(session, client_bn)
    check_can_request(
        provider_bn,
        client_bn,
        await repository.open_request(session, provider_bn, client_bn),
        await repository.active_between(session, provider_bn, client_bn),
    )
    now = utcnow()
    row = RelationshipRequest(
        id=str(uuid.uuid4()),
        provider_bn=provider_bn,
        client_bn=client_bn,
        requested_by=actor,
        comment=comment,
        status=RelationshipRequestStatus.PENDING.value,
        created_at=now,
        provider=provider,
        client=client,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise RelationshipRequestPending(client_bn) from None  # a concurrent request won
    uow.publish(
        RelationshipRequestSubmitted(
            **await _parties(session, provider_bn, client_bn),
            relationship_request_id=row.id,
            requested_by=actor,
            comment=comment,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=provider_bn,
        action=AuditAction.RELATIONSHIP_REQUESTED,
        target=None,
        details={"relationship_request_id": row.id, "client_bn": client_bn, "comment": comment},
        at=now,
    )
    return row


async def cancel(uow: UnitOfWork, *, actor: str, provider_bn: str, request_id: str) -> RelationshipRequest:
    """The provider withdraws a pending request, or clears a rejected one to ask again."""
    session = uow.session
    await employees.account_manager(session, actor, provider_bn)
    row = await _request_of(session, request_id, provider_bn, side="provider")
    if row.status not in (RelationshipRequestStatus.PENDING, RelationshipRequestStatus.REJECTED):
        raise RelationshipRequestNotCancellable(request_id, row.status)
    now = utcnow()
    row.status, row.cancelled_at = RelationshipRequestStatus.CANCELLED.value, now
    uow.publish(
        RelationshipRequestCancelled(
            **await _parties(session, provider_bn, row.client_bn),
            relationship_request_id=row.id,
            cancelled_by=actor,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=provider_bn,
        action=AuditAction.RELATIONSHIP_REQUEST_CANCELLED,
        target=None,
        details={"relationship_request_id": row.id, "client_bn": row.client_bn},
        at=now,
    )
    return row


async def approve(
    uow: UnitOfWork,
    *,
    actor: str,
    client_bn: str,
    request_id: str,
    type: RelationshipType,
    programs: ProgramsValue | None,
    visibility: VisibilitySettings,
    expires_on: date | None,
    today: date,
) -> tuple[RelationshipRequest, BusinessRelationship]:
    """The client's BAM (or PAM, for program management on its programs) approves: the relationship starts."""
    session = uow.session
    manager = await employees.account_manager(session, actor, client_bn)
    client = await businesses.registered(session, client_bn)
    row = await _request_of(session, request_id, client_bn, side="client")
    if row.status != RelationshipRequestStatus.PENDING:
        raise RelationshipRequestNotPending(request_id, row.status)
    access = relationship_programs(client_bn, type, programs, client.program_account_numbers)
    check_approver(manager, type, access)
    check_expiry(expires_on, today)
    now = utcnow()
    rel = BusinessRelationship(
        id=str(uuid.uuid4()),
        provider_bn=row.provider_bn,
        client_bn=client_bn,
        type=type.value,
        all_programs=access.is_all,
        programs=access.listed() or [],
        client_submitted=visibility.client_submitted,
        other_businesses_submitted=visibility.other_businesses_submitted,
        expires_on=expires_on,
        status=RelationshipStatus.ACTIVE.value,
        version=1,
        established_at=now,
        established_by=actor,
    )
    session.add(rel)
    row.status = RelationshipRequestStatus.APPROVED.value
    row.decided_at, row.decided_by, row.relationship_id = now, actor, rel.id
    try:
        await session.flush()
    except IntegrityError:
        raise RelationshipExists(client_bn) from None
    uow.publish(
        RelationshipRequestApproved(
            **await _parties(session, row.provider_bn, client_bn),
            relationship_request_id=row.id,
            relationship_id=rel.id,
            decided_by=actor,
            type=type.value,
            programs=access.to_value(),
            visibility=_visibility(rel),
            expires_on=expires_on.isoformat() if expires_on else None,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=client_bn,
        action=AuditAction.RELATIONSHIP_REQUEST_APPROVED,
        target=None,
        details={"relationship_request_id": row.id, "relationship_id": rel.id, "provider_bn": row.provider_bn}
        | _terms(rel),
        at=now,
    )
    return row, rel


async def reject(uow: UnitOfWork, *, actor: str, client_bn: str, request_id: str, comment: str) -> RelationshipRequest:
    session = uow.session
    await employees.account_manager(session, actor, client_bn)
    row = await _request_of(session, request_id, client_bn, side="client")
    if row.status != RelationshipRequestStatus.PENDING:
        raise RelationshipRequestNotPending(request_id, row.status)
    now = utcnow()
    row.status = RelationshipRequestStatus.REJECTED.value
    row.decided_at, row.decided_by, row.rejection_comment = now, actor, comment
    uow.publish(
        RelationshipRequestRejected(
            **await _parties(session, row.provider_bn, client_bn),
            relationship_request_id=row.id,
            decided_by=actor,
            comment=comment,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=client_bn,
        action=AuditAction.RELATIONSHIP_REQUEST_REJECTED,
        target=None,
        details={"relationship_request_id": row.id, "provider_bn": row.provider_bn, "comment": comment},
        at=now,
    )
    return row


async def requests_of(
    session: AsyncSession,
    *,
    reader: str,
    bn: str,
    incoming: bool,
    outgoing: bool,
    status: RelationshipRequestStatus | None,
    page: PageRequest,
) -> tuple[list[RelationshipRequest], str | None]:
    """The business's requests, sent (as provider) and received (as client), newest first; BAMs and PAMs only."""
    await employees.account_manager(session, reader, bn)
    rows = await repository.requests_of(
        session,
        bn,
        incoming=incoming,
        outgoing=outgoing,
        status=status,
        before_seq=page.after(int),
        limit=page.limit + 1,
    )
    return page.cut(rows, lambda r: r.seq)


# --- relationships ----------------------------------------------------------------------------------------------


async def relationships_of(
    session: AsyncSession,
    *,
    reader: str,
    bn: str,
    as_provider: bool,
    as_client: bool,
    status: RelationshipStatus | None,
    page: PageRequest,
) -> tuple[list[BusinessRelationship], str | None]:
    await employees.account_manager(session, reader, bn)
    rows = await repository.relationships_of(
        session,
        bn,
        as_provider=as_provider,
        as_client=as_client,
        status=status,
        before_seq=page.after(int),
        limit=page.limit + 1,
    )
    return page.cut(rows, lambda r: r.seq)


async def relationship(session: AsyncSession, *, reader: str, bn: str, relationship_id: str) -> BusinessRelationship:
    await employees.account_manager(session, reader, bn)
    rel = await repository.relationship_by_id(session, relationship_id)
    if rel is None or bn not in (rel.provider_bn, rel.client_bn):
        raise RelationshipNotFound(relationship_id, bn)
    return rel


async def change(
    uow: UnitOfWork,
    *,
    actor: str,
    client_bn: str,
    relationship_id: str,
    if_match: str | None,
    change: RelationshipChange,
    today: date,
) -> BusinessRelationship:
    """Only a client BAM edits: type, program accounts, visibility, expiry. Upgrading to business management makes
    the provider's BAMs proxy BAMs, downgrading proxy PAMs (both derived, nothing to rewrite); a program account
    leaving the relationship leaves every assignment of the provider's staff."""
    session = uow.session
    await employees.business_account_manager(session, actor, client_bn)
    client = await businesses.registered(session, client_bn)
    rel = await _relationship_of(session, relationship_id, client_bn, side="client")
    _check_if_match(if_match, rel, client_bn)
    if not rel.is_active:
        raise RelationshipNotActive(relationship_id, rel.status)
    new_type = change.type or rel.relationship_type
    requested = change.programs
    if requested is None and new_type is RelationshipType.PROGRAM_MANAGEMENT:
        if rel.relationship_type is RelationshipType.BUSINESS_MANAGEMENT:
            raise ProgramsRequired()
        requested = rel.access.to_value()
    access = relationship_programs(client_bn, new_type, requested, client.program_account_numbers)
    expires_on = None if change.clear_expiry else (change.expires_on or rel.expires_on)
    if change.expires_on is not None:
        check_expiry(change.expires_on, today)
    visibility = change.visibility or VisibilitySettings(rel.client_submitted, rel.other_businesses_submitted)
    before = _terms(rel)
    old_access = rel.access
    rel.type, rel.all_programs, rel.programs = new_type.value, access.is_all, access.listed() or []
    rel.client_submitted = visibility.client_submitted
    rel.other_businesses_submitted = visibility.other_businesses_submitted
    rel.expires_on = expires_on
    after = _terms(rel)
    changed = [field for field in after if after[field] != before[field]]
    if not changed:
        return rel
    rel.version += 1
    removed = sorted((old_access.accounts or client.program_account_numbers) - (access.accounts or frozenset()))
    if access.is_all:
        removed = []
    for assignment in await repository.assignments_of(session, rel.id):
        kept = pruned(assignment, access)
        if kept is None:
            continue
        if kept:
            assignment.programs = kept
        else:
            await session.delete(assignment)
    now = utcnow()
    uow.publish(
        RelationshipChanged(
            **await _parties(session, rel.provider_bn, client_bn),
            relationship_id=rel.id,
            changed_by=actor,
            changed=changed,
            type=rel.type,  # type: ignore[arg-type]
            programs=access.to_value(),
            visibility=_visibility(rel),
            expires_on=rel.expires_on.isoformat() if rel.expires_on else None,
            removed_programs=removed,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=client_bn,
        action=AuditAction.RELATIONSHIP_CHANGED,
        target=None,
        details={"relationship_id": rel.id, "provider_bn": rel.provider_bn, "before": before, "after": after},
        at=now,
    )
    return rel


async def _close(session: AsyncSession, rel: BusinessRelationship, status: RelationshipStatus, by: str) -> None:
    """Every provider employee loses access (assignments go; BAMs derive ``expired`` from the closed row) and the
    visibility rules are removed: only what the provider submitted stays visible to it (seed 002 §4.3, §5.2)."""
    rel.status = status.value
    rel.client_submitted = rel.other_businesses_submitted = False
    rel.version += 1  # a new representation: an ETag read before the end no longer matches
    rel.closed_at, rel.closed_by = utcnow(), by
    await repository.remove_assignments(session, rel.id)
    # The client leaves the provider's groups: a new relationship restores no group.
    await groups.remove_client(session, rel.provider_bn, rel.client_bn)


async def end(
    uow: UnitOfWork, *, actor: str, client_bn: str, relationship_id: str, if_match: str | None
) -> BusinessRelationship:
    session = uow.session
    await employees.business_account_manager(session, actor, client_bn)
    rel = await _relationship_of(session, relationship_id, client_bn, side="client")
    _check_if_match(if_match, rel, client_bn)
    if not rel.is_active:
        raise RelationshipNotActive(relationship_id, rel.status)
    await _close(session, rel, RelationshipStatus.ENDED, actor)
    uow.publish(
        RelationshipEnded(
            **await _parties(session, rel.provider_bn, client_bn),
            relationship_id=rel.id,
            ended_by=actor,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=client_bn,
        action=AuditAction.RELATIONSHIP_ENDED,
        target=None,
        details={"relationship_id": rel.id, "provider_bn": rel.provider_bn},
    )
    return rel


async def expire_due(uow: UnitOfWork, today: date) -> list[str]:
    """Expire every active relationship whose expiry date has come (on ``today`` or before); the ids expired."""
    session = uow.session
    expired = []
    for rel in await repository.due_to_expire(session, today):
        await _close(session, rel, RelationshipStatus.EXPIRED, EXPIRY_ACTOR)
        uow.publish(
            RelationshipExpired(
                **await _parties(session, rel.provider_bn, rel.client_bn),
                relationship_id=rel.id,
                expires_on=rel.expires_on.isoformat() if rel.expires_on else today.isoformat(),
            )
        )
        audit.record(
            session,
            actor=EXPIRY_ACTOR,
            acting_as=rel.client_bn,
            action=AuditAction.RELATIONSHIP_EXPIRED,
            target=None,
            details={"relationship_id": rel.id, "provider_bn": rel.provider_bn},
        )
        expired.append(rel.id)
    return expired


# --- assignments of the provider's staff ------------------------------------------------------------------------


async def assign(
    uow: UnitOfWork,
    *,
    actor: str,
    provider_bn: str,
    relationship_id: str,
    user_id: str,
    role: Role,
    programs: ProgramsValue,
) -> ProxyAssignment:
    session = uow.session
    manager = await employees.account_manager(session, actor, provider_bn)
    rel = await _relationship_of(session, relationship_id, provider_bn, side="provider")
    if not rel.is_active:
        raise RelationshipNotActive(relationship_id, rel.status)
    target = await employees.grant_of(session, user_id, provider_bn)
    if target is None:
        raise NotProviderEmployee(user_id, provider_bn)
    if target.role is Role.BAM:
        raise ProviderBamImplicit(user_id)
    if role is Role.BAM:
        raise RoleNotGrantable(role.value, "provider")
    client = await businesses.registered(session, rel.client_bn)
    within = delegable(manager, await repository.assignment(session, rel.id, actor), rel.access)
    access = assignment_programs(manager, within, role, programs, rel.client_bn, client.program_account_numbers)
    now = utcnow()
    row = await repository.assignment(session, rel.id, user_id)
    if row is None:
        row = ProxyAssignment(relationship_id=rel.id, user_id=user_id)
        session.add(row)
    row.role, row.all_programs, row.programs = role.value, access.is_all, access.listed() or []
    row.assigned_at, row.assigned_by = now, actor
    await session.flush()
    uow.publish(
        ProxyAssignmentSet(
            **await _parties(session, provider_bn, rel.client_bn),
            relationship_id=rel.id,
            user_id=user_id,
            role=role.value,  # type: ignore[arg-type]
            programs=access.to_value(),
            assigned_by=actor,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=provider_bn,
        action=AuditAction.PROXY_ASSIGNMENT_SET,
        target=user_id,
        details={
            "relationship_id": rel.id,
            "client_bn": rel.client_bn,
            "role": role.value,
            "programs": access.to_value(),
        },
        at=now,
    )
    return row


async def unassign(uow: UnitOfWork, *, actor: str, provider_bn: str, relationship_id: str, user_id: str) -> None:
    session = uow.session
    manager = await employees.account_manager(session, actor, provider_bn)
    rel = await _relationship_of(session, relationship_id, provider_bn, side="provider")
    row = await repository.assignment(session, rel.id, user_id)
    if row is None:
        raise AssignmentNotFound(user_id, relationship_id)
    within = delegable(manager, await repository.assignment(session, rel.id, actor), rel.access)
    missing = within.missing_from(row.access)
    if missing:
        raise ProgramsOutsideRelationship(missing)
    await session.delete(row)
    uow.publish(
        ProxyAssignmentRemoved(
            **await _parties(session, provider_bn, rel.client_bn),
            relationship_id=rel.id,
            user_id=user_id,
            removed_by=actor,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=provider_bn,
        action=AuditAction.PROXY_ASSIGNMENT_REMOVED,
        target=user_id,
        details={"relationship_id": rel.id, "client_bn": rel.client_bn},
    )


async def assignments(
    session: AsyncSession, *, reader: str, provider_bn: str, relationship_id: str
) -> Sequence[ProxyAssignment]:
    await employees.account_manager(session, reader, provider_bn)
    rel = await repository.relationship_by_id(session, relationship_id)
    if rel is None or rel.provider_bn != provider_bn:
        raise RelationshipNotFound(relationship_id, provider_bn)
    return await repository.assignments_of(session, rel.id)
