"""The role table, exactly as ARCHITECTURE.md defines own-business roles."""

from __future__ import annotations

import pytest

from delegation.roles import ROLES, Role, scopes_for
from portal_contracts.scopes import ALL_SCOPES, Function, Scope, scope

READ_WRITE = ("read", "write")


def test_bam_has_read_and_write_of_every_function_on_all_programs() -> None:
    bam = ROLES[Role.BAM]
    assert bam.scopes == ALL_SCOPES == {scope(f, a) for f in Function for a in READ_WRITE}
    assert bam.always_all_programs


def test_pam_has_everything_on_its_programs_but_editing_the_business_profile() -> None:
    pam = ROLES[Role.PAM]
    assert ALL_SCOPES - pam.scopes == {Scope.BUSINESS_PROFILE_WRITE}
    # read the profile, manage employees of its programs, approve relationship requests
    assert {Scope.BUSINESS_PROFILE_READ, Scope.EMPLOYEES_WRITE, Scope.RELATIONSHIPS_WRITE} <= pam.scopes
    assert not pam.always_all_programs


def test_editor_operates_and_viewer_only_views() -> None:
    assert scopes_for(Role.EDITOR) == [
        "declarations:read",
        "declarations:write",
        "financial:read",
        "payments:read",
        "payments:write",
        "rulings:read",
        "rulings:write",
    ]
    assert scopes_for(Role.VIEWER) == ["declarations:read", "financial:read", "payments:read", "rulings:read"]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editors_and_viewers_manage_no_access_and_see_no_employees(role: Role) -> None:
    definition = ROLES[role]
    assert not definition.manages_access
    assert not {Scope.EMPLOYEES_READ, Scope.EMPLOYEES_WRITE, Scope.PAYMENT_SETUP_READ} & definition.scopes
    assert not any(definition.may_grant(r) for r in Role)


def test_hierarchy_bam_grants_every_role_pam_every_role_but_bam() -> None:
    assert all(ROLES[Role.BAM].may_grant(r) for r in Role)
    assert [r for r in Role if ROLES[Role.PAM].may_grant(r)] == [Role.PAM, Role.EDITOR, Role.VIEWER]


def test_every_role_scope_is_a_known_scope() -> None:
    for definition in ROLES.values():
        assert definition.scopes <= ALL_SCOPES
