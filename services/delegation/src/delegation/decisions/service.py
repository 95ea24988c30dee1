"""Authorization decisions: which rights a user has on a business (or one of its program accounts).

The gateway asks for every business request, so a decision is a couple of indexed lookups: the grant by its
(user_id, bn) unique index (and its listed program accounts), and only when there is none, the business by its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses import repository as businesses
from delegation.employees import repository as grants
from delegation.employees.models import EmployeeGrant
from delegation.employees.service import Grant
from portal_contracts.internal import Decision, DecisionRequest, Membership
from portal_runtime.paging import PageRequest


class Reason(StrEnum):
    EMPLOYEE = "employee"  # allowed by an own-business employee grant
    NOT_ASSOCIATED = "not_associated"
    BUSINESS_NOT_REGISTERED = "business_not_registered"
    PROGRAM_NOT_GRANTED = "program_not_granted"


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


async def decide(session: AsyncSession, question: DecisionRequest) -> Decision:
    row = await grants.grant_of(session, question.user_id, question.business)
    if row is not None:
        return decision_for(Grant.of(row), question.program_account)
    if await businesses.get(session, question.business) is None:
        return Decision(allow=False, reason=Reason.BUSINESS_NOT_REGISTERED)
    return Decision(allow=False, reason=Reason.NOT_ASSOCIATED)


def membership(row: EmployeeGrant) -> Membership:
    return Membership(
        bn=row.bn, operating_name=row.business.display_name, role=row.role, programs=row.access.to_value()
    )


async def memberships(session: AsyncSession, user_id: str) -> list[Membership]:
    return [membership(row) for row in await grants.grants_of_user(session, user_id)]


async def contexts(
    session: AsyncSession, user_id: str, page: PageRequest
) -> tuple[Sequence[EmployeeGrant], str | None]:
    """The businesses the user can act on, by business number."""
    rows = await grants.grants_of_user(session, user_id, after_bn=page.after(str), limit=page.limit + 1)
    return page.cut(rows, lambda g: g.bn)
