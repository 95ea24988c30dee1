"""Employees' access requests (seed 002 §3, seed 000 §1.9 option 1).

An unassociated user asks for access to their employer with a comment; a BAM or PAM of the business approves it,
choosing a role and the program accounts, or rejects it with a justification the requester reads. The rules are
the pure functions at the top; the use cases below load, apply them and record the events and the audit trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.access_requests import repository
from delegation.access_requests.errors import (
    AccessRequestNotFound,
    AccessRequestNotPending,
    AccessRequestPending,
    OwnAccessRequest,
)
from delegation.access_requests.models import AccessRequest, AccessRequestStatus
from delegation.audit import service as audit
from delegation.audit.service import AuditAction
from delegation.businesses import service as businesses
from delegation.employees import repository as grants
from delegation.employees import service as employees
from delegation.employees.errors import AlreadyAssociated
from delegation.employees.service import Grant, programs_to_grant
from delegation.programs import ProgramsValue
from delegation.roles import Role
from portal_contracts.events import AccessRequestApproved, AccessRequestRejected, AccessRequestSubmitted
from portal_runtime.messaging import UnitOfWork, utcnow
from portal_runtime.paging import PageRequest


class Decidable(Protocol):
    """What the rules need to know of a request."""

    @property
    def id(self) -> str: ...

    @property
    def requester_user_id(self) -> str: ...

    @property
    def status(self) -> str: ...


def check_decidable(request: Decidable, manager: Grant) -> None:
    """Users never decide their own access; a decided request stays decided."""
    if request.requester_user_id == manager.user_id:
        raise OwnAccessRequest()
    if request.status != AccessRequestStatus.PENDING:
        raise AccessRequestNotPending(request.id, request.status)


async def submit(uow: UnitOfWork, *, requester: str, bn: str, comment: str) -> AccessRequest:
    session = uow.session
    business = await businesses.registered(session, bn)
    if await grants.grant_of(session, requester, bn) is not None:
        raise AlreadyAssociated(requester, bn)
    if await repository.pending_of(session, requester, bn) is not None:
        raise AccessRequestPending(bn)
    request = AccessRequest(
        id=str(uuid.uuid4()),
        bn=bn,
        requester_user_id=requester,
        comment=comment,
        status=AccessRequestStatus.PENDING.value,
        created_at=utcnow(),
        business=business,
    )
    session.add(request)
    try:
        await session.flush()
    except IntegrityError:
        raise AccessRequestPending(bn) from None  # a concurrent submission won
    uow.publish(
        AccessRequestSubmitted(
            access_request_id=request.id,
            bn=bn,
            operating_name=business.display_name,
            requester_user_id=requester,
            comment=comment,
            approver_user_ids=await grants.managers_of(session, bn),
        )
    )
    return request


async def _to_decide(session: AsyncSession, *, decider: str, bn: str, request_id: str) -> tuple[AccessRequest, Grant]:
    manager = await employees.account_manager(session, decider, bn)
    request = await repository.to_decide(session, bn, request_id)
    if request is None:
        raise AccessRequestNotFound(request_id, bn)
    check_decidable(request, manager)
    return request, manager


async def approve(
    uow: UnitOfWork, *, approver: str, bn: str, request_id: str, role: Role, programs: ProgramsValue
) -> AccessRequest:
    session = uow.session
    business = await businesses.registered(session, bn)
    request, manager = await _to_decide(session, decider=approver, bn=bn, request_id=request_id)
    granted = programs_to_grant(manager, role, programs, business.program_account_numbers)
    now = utcnow()
    request.status = AccessRequestStatus.APPROVED.value
    request.decided_at, request.decided_by = now, approver
    request.granted_role, request.granted_programs = role.value, granted.to_value()
    uow.publish(
        AccessRequestApproved(
            access_request_id=request.id,
            bn=bn,
            operating_name=business.display_name,
            requester_user_id=request.requester_user_id,
            decided_by=approver,
            role=role.value,
            programs=granted.to_value(),
        )
    )
    await employees.grant_access(
        uow, business, user_id=request.requester_user_id, role=role, programs=granted, granted_by=approver, at=now
    )
    audit.record(
        session,
        actor=approver,
        acting_as=bn,
        action=AuditAction.ACCESS_REQUEST_APPROVED,
        target=request.requester_user_id,
        details={"access_request_id": request.id, "role": role.value, "programs": granted.to_value()},
        at=now,
    )
    return request


async def reject(uow: UnitOfWork, *, rejecter: str, bn: str, request_id: str, comment: str) -> AccessRequest:
    session = uow.session
    business = await businesses.registered(session, bn)
    request, _ = await _to_decide(session, decider=rejecter, bn=bn, request_id=request_id)
    now = utcnow()
    request.status = AccessRequestStatus.REJECTED.value
    request.decided_at, request.decided_by = now, rejecter
    request.rejection_comment = comment
    uow.publish(
        AccessRequestRejected(
            access_request_id=request.id,
            bn=bn,
            operating_name=business.display_name,
            requester_user_id=request.requester_user_id,
            decided_by=rejecter,
            comment=comment,
        )
    )
    audit.record(
        session,
        actor=rejecter,
        acting_as=bn,
        action=AuditAction.ACCESS_REQUEST_REJECTED,
        target=request.requester_user_id,
        details={"access_request_id": request.id, "comment": comment},
        at=now,
    )
    return request


async def of_business(
    session: AsyncSession, *, reader: str, bn: str, status: AccessRequestStatus | None, page: PageRequest
) -> tuple[Sequence[AccessRequest], str | None]:
    """The business's requests, newest first, for its BAMs and PAMs."""
    await employees.account_manager(session, reader, bn)
    rows = await repository.listed(session, bn=bn, status=status, before_seq=page.after(int), limit=page.limit + 1)
    return page.cut(rows, lambda r: r.seq)


async def of_requester(
    session: AsyncSession, *, requester: str, status: AccessRequestStatus | None, page: PageRequest
) -> tuple[Sequence[AccessRequest], str | None]:
    rows = await repository.listed(
        session, requester=requester, status=status, before_seq=page.after(int), limit=page.limit + 1
    )
    return page.cut(rows, lambda r: r.seq)
