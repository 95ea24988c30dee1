"""Proxy roles derived from (provider grant, relationship, assignment), and decisions combining several paths."""

from __future__ import annotations

import pytest

from delegation.decisions.service import proxy_decision
from delegation.employees.service import Grant
from delegation.programs import ProgramAccess
from delegation.relationships.models import RelationshipType as Type
from delegation.relationships.proxy import Terms, Visibility, accesses_to_client, intersection, proxy_access, union
from delegation.roles import PROVIDER_EXCLUSIONS, PROXY_ROLES, ROLES, ProxyRole, Role, proxy_scopes_for
from portal_contracts.scopes import Scope

CLIENT, SP1, SP2 = "123456782", "100000009", "200000008"
RM1, RM2, RM3 = f"{CLIENT}RM0001", f"{CLIENT}RM0002", f"{CLIENT}RM0003"


class Assigned:
    def __init__(self, role: str, programs: list[str] | None = None) -> None:
        self.role = role
        self.access = ProgramAccess.everything() if programs is None else ProgramAccess.only(programs)


def terms(
    type: Type = Type.BUSINESS_MANAGEMENT,
    programs: list[str] | None = None,
    *,
    provider: str = SP1,
    client_submitted: bool = False,
    other: bool = False,
    active: bool = True,
    id: str = "rel-1",
) -> Terms:
    access = ProgramAccess.everything() if programs is None else ProgramAccess.only(programs)
    return Terms(id, provider, CLIENT, type, access, client_submitted, other, active)


def grant(role: Role, provider: str = SP1) -> Grant:
    programs = ProgramAccess.everything() if role is Role.BAM else ProgramAccess.only([f"{provider}RM0001"])
    return Grant("user-1", provider, role, programs)


class TestTable:
    @pytest.mark.parametrize("role", list(ProxyRole))
    def test_every_proxy_role_is_free_of_provider_exclusions(self, role: ProxyRole) -> None:
        assert not PROXY_ROLES[role].scopes & PROVIDER_EXCLUSIONS

    def test_the_ceilings_follow_the_own_business_roles(self) -> None:
        assert PROXY_ROLES[ProxyRole.PROXY_BAM].scopes == ROLES[Role.BAM].scopes - PROVIDER_EXCLUSIONS
        assert PROXY_ROLES[ProxyRole.PROXY_PAM].scopes == PROXY_ROLES[ProxyRole.PROXY_BAM].scopes - {
            Scope.BUSINESS_PROFILE_READ
        }
        assert PROXY_ROLES[ProxyRole.PROXY_EDITOR].scopes == ROLES[Role.EDITOR].scopes
        assert PROXY_ROLES[ProxyRole.PROXY_VIEWER].scopes == ROLES[Role.VIEWER].scopes

    def test_the_expired_role_only_reads(self) -> None:
        assert proxy_scopes_for(ProxyRole.EXPIRED) == [
            "declarations:read",
            "financial:read",
            "payments:read",
            "rulings:read",
        ]


class TestDerivation:
    def test_provider_bams_are_proxy_bam_under_business_management(self) -> None:
        access = proxy_access(grant(Role.BAM), terms(), None)
        assert access is not None and (access.role, access.programs.is_all) == (ProxyRole.PROXY_BAM, True)

    def test_provider_bams_are_proxy_pam_on_the_listed_programs_under_program_management(self) -> None:
        access = proxy_access(grant(Role.BAM), terms(Type.PROGRAM_MANAGEMENT, [RM1]), None)
        assert access is not None and (access.role, access.programs.listed()) == (ProxyRole.PROXY_PAM, [RM1])

    @pytest.mark.parametrize("role", [Role.PAM, Role.EDITOR, Role.VIEWER])
    def test_other_staff_need_an_assignment(self, role: Role) -> None:
        assert proxy_access(grant(role), terms(), None) is None
        access = proxy_access(grant(role), terms(), Assigned(role.value, [RM2]))
        assert access is not None and (access.role.value, access.programs.listed()) == (f"proxy_{role}", [RM2])

    def test_an_assignment_is_capped_by_the_relationship(self) -> None:
        capped = proxy_access(grant(Role.EDITOR), terms(Type.PROGRAM_MANAGEMENT, [RM1]), Assigned("editor"))
        outside = proxy_access(grant(Role.EDITOR), terms(Type.PROGRAM_MANAGEMENT, [RM1]), Assigned("editor", [RM2]))
        assert capped is not None and capped.programs.listed() == [RM1]
        assert outside is None

    @pytest.mark.parametrize(
        ("client_submitted", "other", "visible"),
        [
            (False, False, ["provider"]),
            (True, False, ["provider", "client"]),
            (False, True, ["provider", "other_businesses"]),
            (True, True, ["provider", "client", "other_businesses"]),
        ],
    )
    def test_visibility_follows_the_clients_settings(
        self, client_submitted: bool, other: bool, visible: list[str]
    ) -> None:
        access = proxy_access(grant(Role.BAM), terms(client_submitted=client_submitted, other=other), None)
        assert access is not None and [v.value for v in access.visibility] == visible

    def test_an_ended_relationship_leaves_bams_the_expired_role_seeing_their_own_submissions(self) -> None:
        ended = terms(client_submitted=True, other=True, active=False)
        access = proxy_access(grant(Role.BAM), ended, None)
        assert access is not None and (access.role, access.visibility) == (ProxyRole.EXPIRED, (Visibility.PROVIDER,))
        assert proxy_access(grant(Role.EDITOR), ended, Assigned("editor")) is None

    def test_an_active_relationship_hides_the_providers_older_ended_ones(self) -> None:
        paths = [
            (grant(Role.BAM), terms(active=False, id="old"), None),
            (grant(Role.BAM), terms(Type.PROGRAM_MANAGEMENT, [RM1], id="new"), None),
        ]
        assert [(a.role, a.relationship_id) for a in accesses_to_client(paths)] == [(ProxyRole.PROXY_PAM, "new")]


class TestDecisions:
    def test_no_path_no_decision(self) -> None:
        assert proxy_decision([]) is None

    def test_a_program_outside_the_relationship_and_outside_the_assignment_are_told_apart(self) -> None:
        accesses = accesses_to_client(
            [(grant(Role.EDITOR), terms(Type.PROGRAM_MANAGEMENT, [RM1, RM2]), Assigned("editor", [RM1]))]
        )
        not_granted = proxy_decision(accesses, RM2)
        not_in_relationship = proxy_decision(accesses, RM3)
        assert not_granted is not None and not_granted.reason == "program_not_granted"
        assert not_in_relationship is not None and not_in_relationship.reason == "program_not_in_relationship"

    def test_several_providers_union_scopes_and_the_strongest_lowest_bn_gives_the_role(self) -> None:
        accesses = accesses_to_client(
            [
                (grant(Role.VIEWER, SP1), terms(provider=SP1, id="a"), Assigned("viewer")),
                (grant(Role.EDITOR, SP2), terms(provider=SP2, other=True, id="b"), Assigned("editor", [RM2])),
            ]
        )
        on_rm2 = proxy_decision(accesses, RM2)
        on_rm1 = proxy_decision(accesses, RM1)
        assert on_rm2 is not None and (on_rm2.role, on_rm2.via_provider) == ("proxy_editor", SP2)
        assert on_rm2.visibility == ["provider", "other_businesses"]
        assert on_rm1 is not None and (on_rm1.role, on_rm1.via_provider, on_rm1.scopes) == (
            "proxy_viewer",
            SP1,
            proxy_scopes_for(ProxyRole.PROXY_VIEWER),
        )
        tie = accesses_to_client(
            [
                (grant(Role.BAM, SP2), terms(provider=SP2, id="b"), None),
                (grant(Role.BAM, SP1), terms(provider=SP1, id="a"), None),
            ]
        )
        decision = proxy_decision(tie)
        assert decision is not None and decision.via_provider == SP1

    def test_program_helpers(self) -> None:
        everything, some = ProgramAccess.everything(), ProgramAccess.only([RM1, RM2])
        assert intersection(everything, some) == some == intersection(some, everything)
        assert intersection(some, ProgramAccess.only([RM3])) is None
        assert union([some, ProgramAccess.only([RM3])]).listed() == [RM1, RM2, RM3]
        assert union([some, everything]).is_all
