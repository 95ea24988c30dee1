"""Authorization decisions: which rights a user has on a business (or one of its program accounts).

The gateway asks for every business request, so a decision is a handful of indexed lookups:

1. the user's own grant by its (user_id, bn) unique index: an employee of the business gets its role;
2. otherwise the paths through a relationship: one join of the user's grants (by user_id) with the
   relationships of the client (by client_bn, provider_bn), then the user's assignments on those relationships
   (by relationship_id, user_id) and its group roles on the client (one join: membership by (provider_bn,
   client_bn), group assignment by (group_id, user_id), override by its key); the proxy role is derived from them
   (:mod:`delegation.relationships.proxy`);
3. only when both are empty, the business by its key (registered or not).

A proxy decision carries ``via_provider`` and ``visibility``. Services filter what they list by the visibility
set: ``provider`` = records submitted by ``via_provider`` for this client; ``client`` = records the client
submitted itself; ``other_businesses`` = records other businesses (other providers) submitted for the client,
**except rulings and ruling requests: a provider never sees another provider's rulings**, whatever the
visibility. An empty visibility (own employees) means no filtering.

Several paths (a user working for two providers of the same client): the scopes and program accounts are the
union of the paths covering the program account asked about (of all paths for a business-wide question); the
role, ``via_provider`` and ``visibility`` are those of the strongest path (highest proxy rank, then the lowest
provider BN), so the decision is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses import repository as businesses
from delegation.businesses.models import Business
from delegation.employees import repository as grants
from delegation.employees.models import EmployeeGrant
from delegation.employees.service import Grant
from delegation.groups import repository as groups
from delegation.programs import ProgramAccess
from delegation.relationships import repository as relationships
from delegation.relationships.models import BusinessRelationship
from delegation.relationships.proxy import (
    ProxyAccess,
    Terms,
    accesses_to_client,
    strongest,
    union,
    with_group_roles,
)
from delegation.roles import PROXY_ROLES, ProxyRole, Role
from portal_contracts.internal import Decision, DecisionRequest, Membership
from portal_runtime.paging import PageRequest

if TYPE_CHECKING:
    from delegation.decisions.index import DecisionIndex


class Reason(StrEnum):
    EMPLOYEE = "employee"  # allowed by an own-business employee grant
    RELATIONSHIP = "relationship"  # allowed through an active business relationship (proxy role)
    EXPIRED_RELATIONSHIP = "expired_relationship"  # a former provider BAM: read what its business submitted
    NOT_ASSOCIATED = "not_associated"
    BUSINESS_NOT_REGISTERED = "business_not_registered"
    PROGRAM_NOT_GRANTED = "program_not_granted"
    PROGRAM_NOT_IN_RELATIONSHIP = "program_not_in_relationship"


def decision_for(grant: Grant, program_account: str | None = None) -> Decision:
    """An employee's rights: the role's scopes on the granted program accounts; own-business roles see
    everything of their business, so visibility stays empty (it filters what a provider sees)."""
    if program_account is not None and not grant.programs.covers(program_account):
        return Decision(allow=False, reason=Reason.PROGRAM_NOT_GRANTED, role=grant.role.value)
    return Decision(
        allow=True,
        reason=Reason.EMPLOYEE,
        role=grant.role.value,
        scopes=grant.definition.sorted_scopes,
        program_accounts=grant.programs.listed(),
    )


def proxy_decision(accesses: Sequence[ProxyAccess], program_account: str | None = None) -> Decision | None:
    """A provider employee's rights on a client from its paths (None when it has none)."""
    if not accesses:
        return None
    active = [a for a in accesses if a.role is not ProxyRole.EXPIRED]
    candidates = active or list(accesses)
    if program_account is not None:
        covering = [a for a in candidates if a.programs.covers(program_account)]
        if not covering:
            best = strongest(candidates)
            in_relationship = any(a.in_relationship.covers(program_account) for a in candidates)
            reason = Reason.PROGRAM_NOT_GRANTED if in_relationship else Reason.PROGRAM_NOT_IN_RELATIONSHIP
            return Decision(allow=False, reason=reason, role=best.role.value, via_provider=best.provider_bn)
        candidates = covering
    best = strongest(candidates)
    scopes = sorted({s for a in candidates for s in PROXY_ROLES[a.role].scopes})
    return Decision(
        allow=True,
        reason=Reason.RELATIONSHIP if active else Reason.EXPIRED_RELATIONSHIP,
        role=best.role.value,
        scopes=scopes,
        program_accounts=union(a.programs for a in candidates).listed(),
        via_provider=best.provider_bn,
        visibility=[v.value for v in best.visibility],
    )


async def proxy_accesses(session: AsyncSession, user_id: str, client_bn: str, today: date) -> list[ProxyAccess]:
    paths = await relationships.paths_to_client(session, user_id, client_bn)
    if not paths:
        return []
    assigned = await relationships.assignments_of_user(session, user_id, [rel.id for _, rel in paths])
    staff_of = sorted({rel.provider_bn for g, rel in paths if g.role != Role.BAM and rel.is_active})
    group_roles = await groups.group_role_on(session, user_id, client_bn, staff_of)
    return accesses_to_client(
        with_group_roles(((Grant.of(g), Terms.of(rel, today), assigned.get(rel.id)) for g, rel in paths), group_roles)
    )


async def decide(session: AsyncSession, question: DecisionRequest, today: date) -> Decision:
    row = await grants.grant_of(session, question.user_id, question.business)
    if row is not None:
        return decision_for(Grant.of(row), question.program_account)
    decision = proxy_decision(
        await proxy_accesses(session, question.user_id, question.business, today), question.program_account
    )
    if decision is not None:
        return decision
    if await businesses.get(session, question.business) is None:
        return Decision(allow=False, reason=Reason.BUSINESS_NOT_REGISTERED)
    return Decision(allow=False, reason=Reason.NOT_ASSOCIATED)


def membership(row: EmployeeGrant) -> Membership:
    return Membership(
        bn=row.bn, operating_name=row.business.display_name, role=row.role, programs=row.access.to_value()
    )


async def memberships(session: AsyncSession, user_id: str) -> list[Membership]:
    return [membership(row) for row in await grants.grants_of_user(session, user_id)]


@dataclass(frozen=True)
class ActingContext:
    """A business the user can act on: as its employee, or for a client through a provider."""

    business: Business
    role: Role | ProxyRole
    programs: ProgramAccess
    scopes: list[str]
    via_provider: str | None = None
    visibility: tuple[str, ...] = ()

    @classmethod
    def employee(cls, row: EmployeeGrant) -> ActingContext:
        return cls(row.business, row.role_name, row.access, Grant.of(row).definition.sorted_scopes)

    @classmethod
    def proxy(cls, business: Business, decision: Decision) -> ActingContext:
        assert decision.role is not None
        return cls(
            business,
            ProxyRole(decision.role),
            ProgramAccess.everything()
            if decision.program_accounts is None
            else ProgramAccess.only(decision.program_accounts),
            decision.scopes,
            decision.via_provider,
            tuple(decision.visibility),
        )


async def contexts(
    session: AsyncSession, user_id: str, page: PageRequest, today: date
) -> tuple[list[ActingContext], str | None]:
    """The businesses the user can act on, by business number: its employers, then the clients of those employers
    it acts for (a client that also employs the user appears once, as employer)."""
    own = await grants.grants_of_user(session, user_id)
    found = {row.bn: ActingContext.employee(row) for row in own}
    by_client: dict[str, list[tuple[EmployeeGrant, BusinessRelationship]]] = {}
    for grant_row, rel in await relationships.paths_of_user(session, user_id):
        if rel.client_bn not in found:
            by_client.setdefault(rel.client_bn, []).append((grant_row, rel))
    if by_client:
        ids = [rel.id for paths in by_client.values() for _, rel in paths]
        assigned = await relationships.assignments_of_user(session, user_id, ids)
        group_roles = await groups.group_roles_of_user(session, user_id)
        names = await relationships.businesses_by_bn(session, list(by_client))
        for client_bn, paths in by_client.items():
            roles = {p: r for (p, c), r in group_roles.items() if c == client_bn}
            accesses = accesses_to_client(
                with_group_roles(((Grant.of(g), Terms.of(r, today), assigned.get(r.id)) for g, r in paths), roles)
            )
            decision = proxy_decision(accesses)
            if decision is None or decision.role is None:
                continue
            found[client_bn] = ActingContext.proxy(names[client_bn], decision)
    after = page.after(str)
    ordered = [found[bn] for bn in sorted(found) if after is None or bn > after]
    return page.cut(ordered[: page.limit + 1], lambda c: c.business.bn)


async def indexed_contexts(
    session: AsyncSession, index: DecisionIndex, user_id: str, page: PageRequest, today: date
) -> tuple[list[ActingContext], str | None]:
    """:func:`contexts` with the clients' rights from the decision index: a page costs the decisions of that page
    (and one sort of the candidates), not every path of a provider with tens of thousands of clients."""
    own = {row.bn: ActingContext.employee(row) for row in await grants.grants_of_user(session, user_id)}
    after = page.after(str)
    candidates = own.keys() | index.clients_of(user_id)
    chosen: list[ActingContext | tuple[str, Decision]] = []
    for bn in sorted(bn for bn in candidates if after is None or bn > after):
        if bn in own:
            chosen.append(own[bn])
        else:
            decision = index.decide(user_id, bn, None, today)
            if decision.role is None:
                continue
            chosen.append((bn, decision))
        if len(chosen) > page.limit:
            break
    names = await relationships.businesses_by_bn(session, [c[0] for c in chosen if isinstance(c, tuple)])
    found = [c if isinstance(c, ActingContext) else ActingContext.proxy(names[c[0]], c[1]) for c in chosen]
    return page.cut(found, lambda c: c.business.bn)
