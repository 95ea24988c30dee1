"""Who can see a business and with what rights, from both sides (for its BAMs): its own employees, the providers
acting for it with their staff and proxy roles, and, for a provider, the clients it acts for.

The overview is keyset-paged in the database (a provider with 20,000 clients gets pages, never one huge body):
one sequence of entries, the employees in grant order, then the providers, then the clients, both in relationship
order; ``limit`` counts entries of the three lists together and the cursor names the section and the last key.
Only the page's relationships are resolved (their providers' staff, assignments and group roles).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses.models import Business
from delegation.employees import repository as employee_grants
from delegation.employees import service as employees
from delegation.employees.models import EmployeeGrant
from delegation.employees.service import Grant
from delegation.groups import repository as groups
from delegation.relationships import repository
from delegation.relationships.models import BusinessRelationship, ProxyAssignment
from delegation.relationships.proxy import GroupRole, ProxyAccess, Terms, proxy_access, strongest
from delegation.roles import Role
from portal_runtime.paging import InvalidCursor, PageRequest, encode_cursor


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
    next_cursor: str | None = None


def acting_staff(
    terms: Terms,
    provider_grants: list[EmployeeGrant],
    assignments: dict[str, ProxyAssignment],
    group_roles: Mapping[str, str] | None = None,
) -> list[ActingStaff]:
    """The provider's staff who act for the client: its BAMs implicitly, the others by assignment (individual or
    through a client group, the stronger of the two)."""
    staff = []
    roles = group_roles or {}
    for row in provider_grants:
        if row.role != Role.BAM and row.user_id not in assignments and row.user_id not in roles:
            continue  # staff act for a client only through an assignment or a group role
        grant = Grant.of(row)
        by_group = GroupRole.of(roles.get(row.user_id)) if grant.role is not Role.BAM else None
        paths = [proxy_access(grant, terms, assignments.get(row.user_id))]
        if by_group is not None:
            paths.append(proxy_access(grant, terms, by_group))
        found = [a for a in paths if a is not None]
        if found:
            assigned = row.user_id in assignments or by_group is not None
            staff.append(ActingStaff(row.user_id, strongest(found), assigned=assigned))
    return staff


SECTIONS = ("employees", "providers", "clients")
"""The overview's sections, in paging order; a cursor is ``<section>:<last key>``."""


def position(page: PageRequest) -> tuple[int, int]:
    """The section a page starts in and the key it starts after (0: from the section's start)."""
    after = page.after(str)
    if after is None:
        return 0, 0
    section, _, key = after.partition(":")
    if section not in SECTIONS or not key.isdigit():
        raise InvalidCursor()
    return SECTIONS.index(section), int(key)


async def _rows(session: AsyncSession, bn: str, section: int, after: int, limit: int) -> Sequence[Any]:
    if section == 0:
        return await employee_grants.grants_of_business(session, bn, after_id=after or None, limit=limit)
    return await repository.active_page(session, bn, as_provider=section == 2, after_seq=after, limit=limit)


def _key(row: EmployeeGrant | BusinessRelationship) -> int:
    return row.id if isinstance(row, EmployeeGrant) else row.seq


async def overview(
    session: AsyncSession, *, reader: str, bn: str, today: date, page: PageRequest | None = None
) -> AccessOverview:
    await employees.business_account_manager(session, reader, bn)
    page = page or PageRequest()
    start, after = position(page)
    found: list[list[Any]] = [[], [], []]
    room, last, cursor = page.limit, f"{SECTIONS[start]}:{after}", None
    for section in range(start, len(SECTIONS)):
        from_key = after if section == start else 0
        if room == 0:  # the page is full: a next page only if something is left
            if await _rows(session, bn, section, from_key, 1):
                cursor = encode_cursor(last)
                break
            continue
        rows = await _rows(session, bn, section, from_key, room + 1)
        found[section] = list(rows[:room])
        if found[section]:
            last = f"{SECTIONS[section]}:{_key(found[section][-1])}"
        if len(rows) > room:
            cursor = encode_cursor(last)
            break
        room -= len(found[section])
    own, as_client, as_provider = found
    rels: list[BusinessRelationship] = [*as_client, *as_provider]

    grants_by_bn: dict[str, list[EmployeeGrant]] = defaultdict(list)
    for row in await repository.grants_of(session, sorted({r.provider_bn for r in rels})):
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
        employees=own,
        providers=[described(r, r.provider) for r in as_client],
        clients=[described(r, r.client) for r in as_provider],
        next_cursor=cursor,
    )
