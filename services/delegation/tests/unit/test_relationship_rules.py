"""The relationship rules without a database: who may ask, approve and delegate, and within which ceiling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from delegation.access_requests.errors import ProgramsNotHeld, RoleNotGrantable, UnknownProgramAccounts
from delegation.employees.service import Grant
from delegation.errors import BusinessAccountManagerRequired
from delegation.programs import ProgramAccess
from delegation.relationships.errors import (
    ExpiryNotInFuture,
    NotProxyManager,
    OwnBusinessRelationship,
    ProgramsOutsideRelationship,
    ProgramsRequired,
    RejectedRequestNotCancelled,
    RelationshipExists,
    RelationshipRequestPending,
)
from delegation.relationships.models import BusinessRelationship, ProxyAssignment, RelationshipRequest
from delegation.relationships.models import RelationshipType as Type
from delegation.relationships.service import (
    assignment_programs,
    check_approver,
    check_can_request,
    check_expiry,
    delegable,
    pruned,
    relationship_programs,
)
from delegation.roles import Role

CLIENT, PROVIDER = "123456782", "100000009"
RM1, RM2, RM3 = f"{CLIENT}RM0001", f"{CLIENT}RM0002", f"{CLIENT}RM0003"
CLIENT_PROGRAMS = frozenset({RM1, RM2, RM3})
TODAY = date(2026, 11, 24)


@dataclass
class Request:
    id: str
    status: str


def open_request(status: str) -> RelationshipRequest:
    return Request("r-1", status)  # type: ignore[return-value]


def assignment(role: str, programs: list[str] | None) -> ProxyAssignment:
    return ProxyAssignment(role=role, all_programs=programs is None, programs=programs or [])


class TestWhoMayAsk:
    def test_a_first_request_is_accepted(self) -> None:
        check_can_request(PROVIDER, CLIENT, None, None)

    def test_a_business_is_not_its_own_client(self) -> None:
        with pytest.raises(OwnBusinessRelationship):
            check_can_request(CLIENT, CLIENT, None, None)

    def test_a_pending_request_blocks_another(self) -> None:
        with pytest.raises(RelationshipRequestPending):
            check_can_request(PROVIDER, CLIENT, open_request("pending"), None)

    def test_a_rejected_request_is_cancelled_first(self) -> None:
        with pytest.raises(RejectedRequestNotCancelled):
            check_can_request(PROVIDER, CLIENT, open_request("rejected"), None)

    def test_an_active_relationship_blocks_a_request(self) -> None:
        with pytest.raises(RelationshipExists):
            check_can_request(PROVIDER, CLIENT, None, BusinessRelationship())


class TestRelationshipPrograms:
    def test_business_management_is_everything_whatever_the_list(self) -> None:
        assert relationship_programs(CLIENT, Type.BUSINESS_MANAGEMENT, [RM1], CLIENT_PROGRAMS).is_all
        assert relationship_programs(CLIENT, Type.BUSINESS_MANAGEMENT, None, CLIENT_PROGRAMS).is_all

    @pytest.mark.parametrize("requested", [None, "all", []])
    def test_program_management_lists_program_accounts(self, requested: object) -> None:
        with pytest.raises(ProgramsRequired):
            relationship_programs(CLIENT, Type.PROGRAM_MANAGEMENT, requested, CLIENT_PROGRAMS)  # type: ignore[arg-type]

    def test_program_management_lists_only_the_clients_program_accounts(self) -> None:
        with pytest.raises(UnknownProgramAccounts):
            relationship_programs(CLIENT, Type.PROGRAM_MANAGEMENT, [RM1, f"{PROVIDER}RM0001"], CLIENT_PROGRAMS)
        assert relationship_programs(CLIENT, Type.PROGRAM_MANAGEMENT, [RM2], CLIENT_PROGRAMS).listed() == [RM2]


class TestExpiry:
    def test_the_expiry_date_is_after_today(self) -> None:
        check_expiry(None, TODAY)
        check_expiry(date(2026, 11, 25), TODAY)
        for day in (TODAY, date(2026, 11, 1)):
            with pytest.raises(ExpiryNotInFuture):
                check_expiry(day, TODAY)


class TestWhoMayApprove:
    def test_a_client_bam_approves_anything(self) -> None:
        bam = Grant("bam-1", CLIENT, Role.BAM, ProgramAccess.everything())
        check_approver(bam, Type.BUSINESS_MANAGEMENT, ProgramAccess.everything())
        check_approver(bam, Type.PROGRAM_MANAGEMENT, ProgramAccess.only([RM3]))

    def test_a_client_pam_approves_program_management_on_its_programs_only(self) -> None:
        pam = Grant("pam-1", CLIENT, Role.PAM, ProgramAccess.only([RM1]))
        check_approver(pam, Type.PROGRAM_MANAGEMENT, ProgramAccess.only([RM1]))
        with pytest.raises(BusinessAccountManagerRequired):
            check_approver(pam, Type.BUSINESS_MANAGEMENT, ProgramAccess.everything())
        with pytest.raises(ProgramsNotHeld):
            check_approver(pam, Type.PROGRAM_MANAGEMENT, ProgramAccess.only([RM1, RM2]))


class TestDelegation:
    def test_a_provider_bam_delegates_the_whole_ceiling(self) -> None:
        bam = Grant("sp-bam", PROVIDER, Role.BAM, ProgramAccess.everything())
        ceiling = ProgramAccess.only([RM1, RM2])
        assert delegable(bam, None, ceiling) == ceiling

    def test_a_provider_pam_delegates_only_as_proxy_pam_and_within_its_programs(self) -> None:
        pam = Grant("sp-pam", PROVIDER, Role.PAM, ProgramAccess.only([f"{PROVIDER}RM0001"]))
        ceiling = ProgramAccess.only([RM1, RM2])
        with pytest.raises(NotProxyManager):
            delegable(pam, None, ceiling)
        with pytest.raises(NotProxyManager):
            delegable(pam, assignment("editor", None), ceiling)
        with pytest.raises(NotProxyManager):
            delegable(pam, assignment("pam", [RM3]), ceiling)
        assert delegable(pam, assignment("pam", [RM2, RM3]), ceiling) == ProgramAccess.only([RM2])
        assert delegable(pam, assignment("pam", None), ceiling) == ceiling

    def test_assignments_stay_within_what_may_be_delegated(self) -> None:
        bam = Grant("sp-bam", PROVIDER, Role.BAM, ProgramAccess.everything())
        within = ProgramAccess.only([RM1, RM2])
        assert assignment_programs(bam, within, Role.EDITOR, [RM1], CLIENT, CLIENT_PROGRAMS).listed() == [RM1]
        with pytest.raises(ProgramsOutsideRelationship):
            assignment_programs(bam, within, Role.EDITOR, [RM3], CLIENT, CLIENT_PROGRAMS)
        with pytest.raises(ProgramsOutsideRelationship):
            assignment_programs(bam, within, Role.EDITOR, "all", CLIENT, CLIENT_PROGRAMS)
        with pytest.raises(UnknownProgramAccounts):
            assignment_programs(bam, within, Role.EDITOR, ["999999999RM0001"], CLIENT, CLIENT_PROGRAMS)
        assert assignment_programs(bam, ProgramAccess.everything(), Role.PAM, "all", CLIENT, CLIENT_PROGRAMS).is_all

    def test_a_provider_pam_assigns_no_role_above_its_own(self) -> None:
        pam = Grant("sp-pam", PROVIDER, Role.PAM, ProgramAccess.only([f"{PROVIDER}RM0001"]))
        with pytest.raises(RoleNotGrantable):
            assignment_programs(pam, ProgramAccess.everything(), Role.BAM, "all", CLIENT, CLIENT_PROGRAMS)
        assert assignment_programs(pam, ProgramAccess.everything(), Role.PAM, [RM1], CLIENT, CLIENT_PROGRAMS)


class TestProgramRemoval:
    def test_a_removed_program_leaves_listed_assignments(self) -> None:
        ceiling = ProgramAccess.only([RM1])
        assert pruned(assignment("editor", [RM1, RM2]), ceiling) == [RM1]
        assert pruned(assignment("viewer", [RM2]), ceiling) == []
        assert pruned(assignment("viewer", [RM1]), ceiling) is None
        assert pruned(assignment("pam", None), ceiling) is None  # "all" of the relationship follows it
