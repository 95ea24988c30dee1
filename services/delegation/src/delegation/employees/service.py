"""Employee grants: a user's role and program accounts on their employer's business.

The pure core (:class:`Grant`, :func:`visible_employees`) holds the rules; the async functions load and store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses.models import Business
from delegation.employees import repository
from delegation.employees.errors import AlreadyAssociated
from delegation.employees.models import EmployeeGrant, EmployeeGrantProgram
from delegation.errors import BusinessAccountManagerRequired, NotAccountManager
from delegation.programs import ProgramAccess
from delegation.roles import ROLES, Role, RoleDefinition
from portal_contracts.events import EmployeeAccessGranted
from portal_runtime.messaging import UnitOfWork, utcnow
from portal_runtime.paging import PageRequest


@dataclass(frozen=True)
class Grant:
    user_id: str
    bn: str
    role: Role
    programs: ProgramAccess

    @classmethod
    def of(cls, row: EmployeeGrant) -> Grant:
        return cls(row.user_id, row.bn, row.role_name, row.access)

    @property
    def definition(self) -> RoleDefinition:
        return ROLES[self.role]

    @property
    def manages_access(self) -> bool:
        return self.definition.manages_access


def visible_employees(reader: Grant) -> ProgramAccess:
    """Whose grants a manager sees: a BAM every employee, a PAM those on one of its program accounts."""
    return ProgramAccess.everything() if reader.role is Role.BAM else reader.programs


async def grant_of(session: AsyncSession, user_id: str, bn: str) -> Grant | None:
    row = await repository.grant_of(session, user_id, bn)
    return Grant.of(row) if row is not None else None


async def account_manager(session: AsyncSession, user_id: str, bn: str) -> Grant:
    """The caller's grant when it is BAM or PAM of the business (from delegation's own grants, not the context)."""
    grant = await grant_of(session, user_id, bn)
    if grant is None or not grant.manages_access:
        raise NotAccountManager(bn)
    return grant


async def business_account_manager(session: AsyncSession, user_id: str, bn: str) -> Grant:
    grant = await grant_of(session, user_id, bn)
    if grant is None or grant.role is not Role.BAM:
        raise BusinessAccountManagerRequired(bn)
    return grant


async def grant_access(
    uow: UnitOfWork,
    business: Business,
    *,
    user_id: str,
    role: Role,
    programs: ProgramAccess,
    granted_by: str,
    at: datetime | None = None,
) -> EmployeeGrant:
    """Associate a user with the business; a BAM always holds every program account."""
    session = uow.session
    if await repository.grant_of(session, user_id, business.bn) is not None:
        raise AlreadyAssociated(user_id, business.bn)
    if ROLES[role].always_all_programs:
        programs = ProgramAccess.everything()
    row = EmployeeGrant(
        user_id=user_id,
        bn=business.bn,
        role=role.value,
        all_programs=programs.is_all,
        granted_at=at or utcnow(),
        granted_by=granted_by,
        programs=[EmployeeGrantProgram(bn15=bn15) for bn15 in programs.listed() or ()],
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent approval associated the same user first.
        raise AlreadyAssociated(user_id, business.bn) from None
    uow.publish(EmployeeAccessGranted(bn=business.bn, user_id=user_id, role=role.value, programs=programs.to_value()))
    return row


async def employees_of(
    session: AsyncSession, *, reader: str, bn: str, page: PageRequest
) -> tuple[list[EmployeeGrant], str | None]:
    """The business's employees as a BAM or PAM may see them, in grant order."""
    manager = await account_manager(session, reader, bn)
    visible = visible_employees(manager)
    rows = await repository.grants_of_business(
        session, bn, within=visible.accounts, after_id=page.after(int), limit=page.limit + 1
    )
    return page.cut(rows, lambda g: g.id)
