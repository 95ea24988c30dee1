"""The append-only trail of access changes: who changed whose access, acting for which business, in which request."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.audit.models import AccessAuditEntry
from delegation.employees import repository as grants
from delegation.errors import BusinessAccountManagerRequired
from delegation.roles import Role
from portal_runtime.messaging import utcnow
from portal_runtime.paging import PageRequest
from portal_runtime.requestid import current_request_id


class AuditAction(StrEnum):
    ACCESS_GRANTED_ON_REGISTRATION = "access_granted_on_registration"
    ACCESS_REQUEST_APPROVED = "access_request_approved"
    ACCESS_REQUEST_REJECTED = "access_request_rejected"
    RELATIONSHIP_REQUESTED = "relationship_requested"
    RELATIONSHIP_REQUEST_CANCELLED = "relationship_request_cancelled"
    RELATIONSHIP_REQUEST_APPROVED = "relationship_request_approved"
    RELATIONSHIP_REQUEST_REJECTED = "relationship_request_rejected"
    RELATIONSHIP_CHANGED = "relationship_changed"
    RELATIONSHIP_ENDED = "relationship_ended"
    RELATIONSHIP_EXPIRED = "relationship_expired"
    PROXY_ASSIGNMENT_SET = "proxy_assignment_set"
    PROXY_ASSIGNMENT_REMOVED = "proxy_assignment_removed"
    EMPLOYEE_ACCESS_CHANGED = "employee_access_changed"
    EMPLOYEE_REMOVED = "employee_removed"
    CLIENT_GROUP_CREATED = "client_group_created"
    CLIENT_GROUP_RENAMED = "client_group_renamed"
    CLIENT_GROUP_CLIENTS_ADDED = "client_group_clients_added"
    CLIENT_GROUP_CLIENT_REMOVED = "client_group_client_removed"
    CLIENT_GROUP_DELETED = "client_group_deleted"
    CLIENT_GROUP_EMPLOYEE_ASSIGNED = "client_group_employee_assigned"
    CLIENT_GROUP_EMPLOYEE_UNASSIGNED = "client_group_employee_unassigned"
    CLIENT_GROUP_OVERRIDE_SET = "client_group_override_set"


def record(
    session: AsyncSession,
    *,
    actor: str,
    acting_as: str,
    action: AuditAction,
    target: str | None,
    details: dict[str, Any],
    at: datetime | None = None,
) -> AccessAuditEntry:
    """Append one entry to the unit of work's transaction; the request id is the current request's (or, for a
    consumed event, the request that caused it)."""
    entry = AccessAuditEntry(
        occurred_at=at or utcnow(),
        actor_user_id=actor,
        acting_as=acting_as,
        action=action.value,
        target_user_id=target,
        details=details,
        request_id=current_request_id.get() or None,
    )
    session.add(entry)
    return entry


async def trail(
    session: AsyncSession, *, reader: str, bn: str, page: PageRequest
) -> tuple[list[AccessAuditEntry], str | None]:
    """The business's trail, newest first; readable by its BAMs only."""
    grant = await grants.grant_of(session, reader, bn)
    if grant is None or grant.role != Role.BAM:
        raise BusinessAccountManagerRequired(bn)
    query = select(AccessAuditEntry).where(AccessAuditEntry.acting_as == bn)
    after = page.after(int)
    if after is not None:
        query = query.where(AccessAuditEntry.id < after)
    rows = (await session.scalars(query.order_by(AccessAuditEntry.id.desc()).limit(page.limit + 1))).all()
    return page.cut(rows, lambda e: e.id)
