"""Employee grants: a user's role and program accounts on their employer's business (seed 002 §3).

The pure core (:class:`Grant`, :func:`visible_employees`, :func:`programs_to_grant`, :func:`check_change`,
:func:`check_removal`, :func:`check_keeps_a_bam`) holds the rules; the async functions load and store.

Editing and removal are hierarchical, BAM > PAM > editor/viewer: nobody changes their own access; a PAM acts only
on employees within its own program accounts and never on a BAM; only a BAM removes. Every business keeps a BAM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from delegation.access_requests.errors import ProgramsNotHeld, RoleNotGrantable, UnknownProgramAccounts
from delegation.audit import service as audit
from delegation.businesses import service as businesses
from delegation.businesses.models import Business
from delegation.employees import repository
from delegation.employees.errors import (
    AlreadyAssociated,
    EmployeeNotFound,
    EmployeePreconditionFailed,
    LastBusinessAccountManager,
    ManagerOutranked,
    OwnAccessChange,
)
from delegation.employees.models import EmployeeGrant, EmployeeGrantProgram, GrantRecord
from delegation.errors import BusinessAccountManagerRequired, NotAccountManager
from delegation.groups import repository as groups
from delegation.programs import ALL, ProgramAccess, ProgramsValue
from delegation.relationships.models import BusinessRelationship, ProxyAssignment
from delegation.roles import ROLES, Role, RoleDefinition
from portal_contracts.events import EmployeeAccessGranted
from portal_contracts.events.delegation import EmployeeAccessChanged, EmployeeAccessRevoked
from portal_runtime.messaging import UnitOfWork, utcnow
from portal_runtime.paging import PageRequest


@dataclass(frozen=True)
class Grant:
    user_id: str
    bn: str
    role: Role
    programs: ProgramAccess

    @classmethod
    def of(cls, row: EmployeeGrant | GrantRecord) -> Grant:
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


def programs_to_grant(
    manager: Grant, role: Role, requested: ProgramsValue, business_programs: frozenset[str]
) -> ProgramAccess:
    """The program accounts an approval grants, under the hierarchy BAM > PAM > editor/viewer.

    Listed program accounts must be the business's. A PAM grants neither ``bam`` nor program accounts it does
    not hold itself (``all`` only if it holds all). A BAM always gets every program account.
    """
    if requested != ALL:
        unknown = [(index, bn15) for index, bn15 in enumerate(requested) if bn15 not in business_programs]
        if unknown:
            raise UnknownProgramAccounts(manager.bn, unknown)
    if not manager.definition.may_grant(role):
        raise RoleNotGrantable(role.value, manager.role.value)
    if ROLES[role].always_all_programs:
        return ProgramAccess.everything()
    programs = ProgramAccess.parse(requested)
    missing = manager.programs.missing_from(programs)
    if missing:
        raise ProgramsNotHeld(missing)
    return programs


def check_change(
    manager: Grant, target: Grant, role: Role, requested: ProgramsValue, business_programs: frozenset[str]
) -> ProgramAccess:
    """The program accounts an edit gives, under the hierarchy: nobody edits themselves; a PAM never touches a BAM
    nor an employee holding program accounts it does not hold itself; then the rules of granting."""
    if manager.user_id == target.user_id:
        raise OwnAccessChange()
    if not manager.manages_access:
        raise NotAccountManager(manager.bn)
    if manager.role is not Role.BAM:
        if target.role is Role.BAM:
            raise ManagerOutranked(target.user_id)
        missing = manager.programs.missing_from(target.programs)
        if missing:
            raise ProgramsNotHeld(missing)
    return programs_to_grant(manager, role, requested, business_programs)


def check_removal(manager: Grant, target: Grant) -> None:
    """Only a BAM removes an employee, never itself."""
    if manager.user_id == target.user_id:
        raise OwnAccessChange()
    if manager.role is not Role.BAM:
        raise BusinessAccountManagerRequired(manager.bn)


def check_keeps_a_bam(bn: str, bams: list[str], leaving: str) -> None:
    """A BAM demoted or removed must leave another BAM behind."""
    if leaving in bams and not [user for user in bams if user != leaving]:
        raise LastBusinessAccountManager(bn)


async def grant_of(session: AsyncSession, user_id: str, bn: str) -> Grant | None:
    row = await repository.grant_of(session, user_id, bn)
    return Grant.of(row) if row is not None else None


async def account_manager(session: AsyncSession, user_id: str, bn: str) -> Grant:
    """The caller's grant when it is BAM or PAM of the business (from delegation's own grants, not the context)."""
    return _as_account_manager(await repository.grant_of(session, user_id, bn), bn)


def _as_account_manager(row: EmployeeGrant | GrantRecord | None, bn: str) -> Grant:
    if row is None or not (grant := Grant.of(row)).manages_access:
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


async def employee(engine: AsyncEngine, *, reader: str, bn: str, user_id: str) -> GrantRecord:
    """One employee's access, for a manager who may see it: the manager's grant and the employee's read together
    (one round trip)."""
    grants = await repository.grants_of_two_users(engine, reader, user_id, bn)
    manager = _as_account_manager(grants.get(reader), bn)
    row = grants.get(user_id)
    if row is None or not visible_employees(manager).overlaps(row.access):
        raise EmployeeNotFound(user_id, bn)
    return row


async def _grant_to_change(session: AsyncSession, user_id: str, bn: str, if_match: str | None) -> EmployeeGrant:
    row = await repository.grant_to_change(session, user_id, bn)
    if row is None:
        raise EmployeeNotFound(user_id, bn)
    if if_match is not None and if_match.strip() not in (row.etag, "*"):
        raise EmployeePreconditionFailed(row.etag)
    return row


def _set_programs(row: EmployeeGrant, access: ProgramAccess) -> None:
    """Replace the listed program accounts in place (kept rows stay: same primary keys)."""
    wanted = set(access.listed() or ())
    for kept in list(row.programs):
        if kept.bn15 not in wanted:
            row.programs.remove(kept)
    held = {p.bn15 for p in row.programs}
    row.programs.extend(EmployeeGrantProgram(bn15=bn15) for bn15 in sorted(wanted - held))
    row.all_programs = access.is_all


async def _drop_provider_assignments(session: AsyncSession, user_id: str, provider_bn: str) -> list[str]:
    """Remove the user's assignments to the provider's clients, individual and through groups; the clients they
    reached."""
    relationships = select(BusinessRelationship.id).where(BusinessRelationship.provider_bn == provider_bn)
    assigned = await session.scalars(
        select(BusinessRelationship.client_bn)
        .join(ProxyAssignment, ProxyAssignment.relationship_id == BusinessRelationship.id)
        .where(ProxyAssignment.user_id == user_id, BusinessRelationship.provider_bn == provider_bn)
    )
    clients = set(assigned) | set(await groups.clients_through_groups(session, user_id, provider_bn))
    await session.execute(
        delete(ProxyAssignment).where(
            ProxyAssignment.user_id == user_id, ProxyAssignment.relationship_id.in_(relationships.scalar_subquery())
        )
    )
    await groups.remove_user_from_groups(session, user_id, provider_bn)
    return sorted(clients)


async def change_access(
    uow: UnitOfWork,
    *,
    actor: str,
    bn: str,
    user_id: str,
    role: Role,
    programs: ProgramsValue,
    if_match: str | None,
) -> EmployeeGrant:
    """A BAM or PAM edits an employee's role and program accounts. Promotion to BAM gives every program account
    (and drops the user's assignments to the business's clients: a BAM acts for every client implicitly, and a
    later demotion must leave only the new role); a demoted BAM keeps only the new role."""
    session = uow.session
    # The BAMs' rows first, always in the same order: concurrent changes queue up instead of deadlocking, and the
    # manager's own grant is read after the wait.
    bams = await repository.lock_bams(session, bn)
    manager = await account_manager(session, actor, bn)
    business = await businesses.registered(session, bn)
    row = await _grant_to_change(session, user_id, bn, if_match)
    before = Grant.of(row)
    access = check_change(manager, before, role, programs, business.program_account_numbers)
    if role is not Role.BAM:
        check_keeps_a_bam(bn, bams, user_id)
    if (before.role, before.programs) == (role, access):
        return row
    if role is Role.BAM:
        await _drop_provider_assignments(session, user_id, bn)
    row.role = role.value
    _set_programs(row, access)
    row.version += 1
    await session.flush()
    uow.publish(
        EmployeeAccessChanged(
            bn=bn,
            user_id=user_id,
            role=role.value,  # type: ignore[arg-type]
            programs=access.to_value(),
            previous_role=before.role.value,  # type: ignore[arg-type]
            previous_programs=before.programs.to_value(),
            changed_by=actor,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=bn,
        action=audit.AuditAction.EMPLOYEE_ACCESS_CHANGED,
        target=user_id,
        details={
            "before": {"role": before.role.value, "programs": before.programs.to_value()},
            "after": {"role": role.value, "programs": access.to_value()},
        },
    )
    return row


async def remove(uow: UnitOfWork, *, actor: str, bn: str, user_id: str, if_match: str | None = None) -> None:
    """A BAM removes an employee: the grant, and everything the user had through the business as a provider
    employee (assignments to clients, group assignments; the implicit proxy rights of a BAM derive from the grant).
    Nothing is kept: a later approval starts from scratch."""
    session = uow.session
    bams = await repository.lock_bams(session, bn)  # first, as in change_access
    manager = await business_account_manager(session, actor, bn)
    row = await _grant_to_change(session, user_id, bn, if_match)
    target = Grant.of(row)
    check_removal(manager, target)
    check_keeps_a_bam(bn, bams, user_id)
    if target.role is Role.BAM:
        # A BAM reached every client of the business's relationships (the ended ones as ``expired``).
        rows = await session.scalars(
            select(BusinessRelationship.client_bn).where(BusinessRelationship.provider_bn == bn)
        )
        clients = sorted(set(rows) | set(await _drop_provider_assignments(session, user_id, bn)))
    else:
        clients = await _drop_provider_assignments(session, user_id, bn)
    await session.delete(row)
    await session.flush()
    uow.publish(
        EmployeeAccessRevoked(
            bn=bn,
            user_id=user_id,
            previous_role=target.role.value,  # type: ignore[arg-type]
            client_bns=clients,
            revoked_by=actor,
        )
    )
    audit.record(
        session,
        actor=actor,
        acting_as=bn,
        action=audit.AuditAction.EMPLOYEE_REMOVED,
        target=user_id,
        details={"role": target.role.value, "programs": target.programs.to_value(), "client_bns": clients},
    )
