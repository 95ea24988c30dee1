"""The business read model: what delegation knows of registered businesses, from business-registry's events."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.audit import service as audit
from delegation.audit.service import AuditAction
from delegation.businesses import repository
from delegation.businesses.models import Business, ProgramAccount
from delegation.employees import service as employees
from delegation.errors import BusinessNotRegistered
from delegation.programs import ProgramAccess
from delegation.roles import Role
from portal_contracts.events import BusinessRegistered
from portal_runtime.messaging import UnitOfWork, utcnow

log = logging.getLogger(__name__)


async def registered(session: AsyncSession, bn: str) -> Business:
    business = await repository.get(session, bn)
    if business is None:
        raise BusinessNotRegistered(bn)
    return business


async def record_registration(uow: UnitOfWork, event: BusinessRegistered) -> None:
    """Store the business and make its registrant BAM on all program accounts (seed 000 §1.9 option 2)."""
    session = uow.session
    if await repository.get(session, event.bn) is not None:
        # A business registers once; a second registration event under another id is a registry fault.
        log.warning("business %s is already known; registration event ignored", event.bn)
        return
    at = utcnow()
    business = Business(
        bn=event.bn,
        legal_name=event.legal_name,
        operating_name=event.operating_name,
        registered_by=event.registrant_user_id,
        registered_at=at,
        program_accounts=[ProgramAccount(bn15=bn15) for bn15 in sorted(set(event.program_accounts))],
    )
    session.add(business)
    await session.flush()
    grant = await employees.grant_access(
        uow,
        business,
        user_id=event.registrant_user_id,
        role=Role.BAM,
        programs=ProgramAccess.everything(),
        granted_by=event.registrant_user_id,
        at=at,
    )
    audit.record(
        session,
        actor=event.registrant_user_id,
        acting_as=event.bn,
        action=AuditAction.ACCESS_GRANTED_ON_REGISTRATION,
        target=event.registrant_user_id,
        details={"role": grant.role, "programs": grant.access.to_value()},
        at=at,
    )
