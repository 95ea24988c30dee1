"""Client-group rules and the decisions group roles give, without a database (seed 002 §6)."""

from __future__ import annotations

import pytest

from delegation.decisions.service import proxy_decision
from delegation.employees.service import Grant
from delegation.errors import BusinessAccountManagerRequired
from delegation.groups.errors import ConfirmationRequired
from delegation.groups.service import (
    GROUP_ROLES,
    check_confirmation,
    check_group_manager,
    check_group_member,
    check_override_setter,
    unavailable_clients,
)
from delegation.programs import ProgramAccess
from delegation.relationships.errors import NotProviderEmployee, NotProxyManager, ProviderBamImplicit
from delegation.relationships.models import RelationshipType as Type
from delegation.relationships.proxy import GroupRole, Terms, accesses_to_client, with_group_roles
from delegation.roles import ProxyRole, Role

CLIENT, SP1, SP2 = "123456782", "100000009", "200000008"
RM1, RM2 = f"{CLIENT}RM0001", f"{CLIENT}RM0002"
A, B, C = "300000007", "400000005", "500000003"


def grant(role: Role, provider: str = SP1, user: str = "user-1") -> Grant:
    return Grant(user, provider, role, ProgramAccess.everything())


def terms(
    type: Type = Type.BUSINESS_MANAGEMENT,
    programs: list[str] | None = None,
    *,
    provider: str = SP1,
    active: bool = True,
) -> Terms:
    access = ProgramAccess.everything() if programs is None else ProgramAccess.only(programs)
    return Terms(f"rel-{provider}", provider, CLIENT, type, access, False, False, active)


class TestAvailability:
    def test_a_client_is_available_with_an_active_relationship_and_no_other_group(self) -> None:
        assert unavailable_clients([A, B], {A, B}, {}) == []

    def test_unavailable_clients_are_named_with_the_reason(self) -> None:
        unavailable = unavailable_clients([A, B, C, A], {A, B}, {B: "group-2", C: "group-1"}, "group-1")
        assert unavailable == [
            (1, B, "in_another_group"),
            (2, C, "no_active_relationship"),
            (3, A, "duplicate"),
        ]

    def test_a_client_already_in_this_group_is_named(self) -> None:
        assert unavailable_clients([A], {A}, {A: "group-1"}, "group-1") == [(0, A, "already_in_group")]


class TestRules:
    def test_destructive_steps_need_the_exact_word(self) -> None:
        check_confirmation("DELETE", "DELETE")
        for given in (None, "", "delete", "REMOVE"):
            with pytest.raises(ConfirmationRequired):
                check_confirmation(given, "DELETE")

    def test_only_a_provider_bam_manages_groups(self) -> None:
        check_group_manager(grant(Role.BAM))
        with pytest.raises(BusinessAccountManagerRequired):
            check_group_manager(grant(Role.PAM))

    def test_only_non_bam_employees_are_assigned(self) -> None:
        check_group_member(grant(Role.VIEWER), "user-1", SP1)
        with pytest.raises(ProviderBamImplicit):
            check_group_member(grant(Role.BAM), "user-1", SP1)
        with pytest.raises(NotProviderEmployee):
            check_group_member(None, "user-1", SP1)

    def test_a_pam_delegates_a_client_only_as_its_proxy_pam(self) -> None:
        check_override_setter(grant(Role.BAM), None, CLIENT)
        check_override_setter(grant(Role.PAM), "pam", CLIENT)
        for own in (None, "editor", "viewer"):
            with pytest.raises(NotProxyManager):
                check_override_setter(grant(Role.PAM), own, CLIENT)

    def test_group_roles_are_the_assignable_roles(self) -> None:
        assert frozenset({Role.PAM, Role.EDITOR, Role.VIEWER}) == GROUP_ROLES


class TestGroupDecisions:
    def test_a_group_role_gives_its_proxy_role_on_the_whole_relationship(self) -> None:
        accesses = accesses_to_client(with_group_roles([(grant(Role.EDITOR), terms(), None)], {SP1: "editor"}))
        decision = proxy_decision(accesses)
        assert decision is not None
        assert (decision.role, decision.program_accounts) == (ProxyRole.PROXY_EDITOR, None)

    def test_program_management_caps_the_group_role(self) -> None:
        paths = [(grant(Role.PAM), terms(Type.PROGRAM_MANAGEMENT, [RM1]), None)]
        decision = proxy_decision(accesses_to_client(with_group_roles(paths, {SP1: "pam"})), RM2)
        assert decision is not None
        assert (decision.allow, decision.reason) == (False, "program_not_in_relationship")

    def test_an_override_of_none_removes_the_client(self) -> None:
        assert GroupRole.of("none") is None
        assert GroupRole.of(None) is None
        assert accesses_to_client(with_group_roles([(grant(Role.VIEWER), terms(), None)], {SP1: "none"})) == []

    def test_the_stronger_of_an_individual_assignment_and_a_group_role_wins(self) -> None:
        individual = GroupRole("viewer")
        paths = [(grant(Role.EDITOR), terms(), individual)]
        decision = proxy_decision(accesses_to_client(with_group_roles(paths, {SP1: "pam"})))
        assert decision is not None and decision.role == ProxyRole.PROXY_PAM

    def test_no_group_role_after_the_relationship_closed(self) -> None:
        paths = [(grant(Role.EDITOR), terms(active=False), None)]
        assert accesses_to_client(with_group_roles(paths, {SP1: "editor"})) == []

    def test_a_group_role_of_one_provider_does_not_reach_through_another(self) -> None:
        paths = [(grant(Role.EDITOR, SP2), terms(provider=SP2), None)]
        assert accesses_to_client(with_group_roles(paths, {SP1: "editor"})) == []
