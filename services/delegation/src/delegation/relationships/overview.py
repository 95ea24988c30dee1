"""Who can see a business and with what rights, from both sides (for its BAMs): its own employees, the providers
acting for it with their staff and proxy roles, and, for a provider, the clients it acts for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses.models import Business
from delegation.employees import service as employees
from delegation.employees.models import EmployeeGrant
from delegation.employees.service import Grant
from delegation.groups import repository as groups
from delegation.relationships import repository
from delegation.relationships.models import BusinessRelationship, ProxyAssignment
from delegation.relationships.proxy import GroupRole, ProxyAccess, Terms, proxy_access, strongest
from delegation.roles import Role


@dataclass(frozen=True)
class ActingStaff:
    user_id: str
    access: ProxyAccess
    assigned: bool  # False: a provider BAM, whose proxy role comes from the relationship itself


@dataclass(frozen=True)
class RelationshipAccess:
    relationship: BusinessRelationship
    counterpart: Business
    staff: list[ActingStaff] = field(default_factory=list)


@dataclass(frozen=True)
class AccessOverview:
    bn: str
    employees: list[EmployeeGrant]
    providers: list[RelationshipAccess]
    clients: list[RelationshipAccess]


def acting_staff(
    terms: Terms,
    provider_grants: list[EmployeeGrant],
    assignments: dict[str, ProxyAssignment],
    group_roles: Mapping[str, str] | None = None,
) -> list[ActingStaff]:
    """The provider's staff who act for the client: its BAMs implicitly, the others by assignment (individual or
    through a client group, the stronger of the two)."""
    staff = []
    for row in provider_grants:
        grant = Grant.of(row)
        by_group = GroupRole.of((group_roles or {}).get(row.user_id)) if grant.role is not Role.BAM else None
        paths = [proxy_access(grant, terms, assignments.get(row.user_id))]
        if by_group is not None:
            paths.append(proxy_access(grant, terms, by_group))
        found = [a for a in paths if a is not None]
        if found:
            assigned = row.user_id in assignments or by_group is not None
            staff.append(ActingStaff(row.user_id, strongest(found), assigned=assigned))
    return staff


async def overview(session: AsyncSession, *, reader: str, bn: str, today: date) -> AccessOverview:
    await employees.business_account_manager(session, reader, bn)
    as_client = await repository.active_of(session, bn, as_provider=False)
    as_provider = await repository.active_of(session, bn, as_provider=True)
    rels = [*as_client, *as_provider]
    grants_by_bn: dict[str, list[EmployeeGrant]] = defaultdict(list)
    for row in await repository.grants_of(session, sorted({bn} | {r.provider_bn for r in rels})):
        grants_by_bn[row.bn].append(row)
    assigned: dict[str, dict[str, ProxyAssignment]] = defaultdict(dict)
    for a in await repository.assignments_on(session, [r.id for r in rels]):
        assigned[a.relationship_id][a.user_id] = a

    by_group = await groups.group_roles_on(session, [(r.provider_bn, r.client_bn) for r in rels])

    def described(rel: BusinessRelationship, counterpart: Business) -> RelationshipAccess:
        staff = acting_staff(
            Terms.of(rel, today),
            grants_by_bn[rel.provider_bn],
            assigned[rel.id],
            by_group.get((rel.provider_bn, rel.client_bn)),
        )
        return RelationshipAccess(rel, counterpart, staff)

    return AccessOverview(
        bn=bn,
        employees=grants_by_bn[bn],
        providers=[described(r, r.provider) for r in as_client],
        clients=[described(r, r.client) for r in as_provider],
    )
