"""Decisions for each own-business role on program accounts inside and outside the grant."""

from __future__ import annotations

import pytest

from delegation.decisions.service import decision_for
from delegation.employees.service import Grant
from delegation.programs import ProgramAccess
from delegation.roles import Role, scopes_for

BN = "123456782"
INSIDE, OUTSIDE = f"{BN}RM0001", f"{BN}RM0002"


@pytest.mark.parametrize("role", list(Role))
def test_a_grant_on_listed_programs_allows_inside_and_refuses_outside(role: Role) -> None:
    programs = ProgramAccess.everything() if role is Role.BAM else ProgramAccess.only([INSIDE])
    grant = Grant("user-1", BN, role, programs)

    inside = decision_for(grant, INSIDE)
    outside = decision_for(grant, OUTSIDE)
    business_wide = decision_for(grant)

    assert (inside.allow, inside.role, inside.scopes) == (True, role.value, scopes_for(role))
    assert inside.visibility == [] and inside.via_provider is None
    if role is Role.BAM:
        assert outside.allow and outside.program_accounts is None
    else:
        assert inside.program_accounts == [INSIDE]
        assert (outside.allow, outside.reason, outside.scopes) == (False, "program_not_granted", [])
    assert business_wide.allow and business_wide.scopes == scopes_for(role)


def test_all_programs_is_none_in_the_decision() -> None:
    decision = decision_for(Grant("user-1", BN, Role.VIEWER, ProgramAccess.everything()), OUTSIDE)
    assert (decision.allow, decision.program_accounts) == (True, None)
