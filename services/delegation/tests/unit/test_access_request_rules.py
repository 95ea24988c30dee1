"""The rules of deciding access requests, without a database (seed 002 §3)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import TypeAdapter, ValidationError

from delegation.access_requests.errors import (
    AccessRequestNotPending,
    OwnAccessRequest,
    ProgramsNotHeld,
    RoleNotGrantable,
    UnknownProgramAccounts,
)
from delegation.access_requests.schemas import AccessRequestApprove, AccessRequestCreate, Comment
from delegation.access_requests.service import check_decidable, programs_to_grant
from delegation.employees.service import Grant, visible_employees
from delegation.programs import ProgramAccess
from delegation.roles import Role

BN = "123456782"
A, B, C = f"{BN}RM0001", f"{BN}RM0002", f"{BN}RM0003"
BUSINESS_PROGRAMS = frozenset({A, B, C})


def bam(user: str = "bam-1") -> Grant:
    return Grant(user, BN, Role.BAM, ProgramAccess.everything())


def pam(programs: ProgramAccess | None = None, user: str = "pam-1") -> Grant:
    return Grant(user, BN, Role.PAM, programs or ProgramAccess.only([A, B]))


@dataclass
class Request:
    requester_user_id: str = "employee-1"
    status: str = "pending"
    id: str = "3f1c2a9e-0000-4000-8000-000000000001"


class TestHierarchy:
    def test_a_pam_cannot_grant_bam(self) -> None:
        with pytest.raises(RoleNotGrantable) as refused:
            programs_to_grant(pam(), Role.BAM, "all", BUSINESS_PROGRAMS)
        assert (refused.value.status, refused.value.code) == (403, "role_not_grantable")

    @pytest.mark.parametrize("role", [Role.PAM, Role.EDITOR, Role.VIEWER])
    def test_a_pam_grants_lower_or_equal_roles_on_its_programs(self, role: Role) -> None:
        assert programs_to_grant(pam(), role, [A], BUSINESS_PROGRAMS) == ProgramAccess.only([A])

    def test_a_pam_is_limited_to_the_program_accounts_it_holds(self) -> None:
        with pytest.raises(ProgramsNotHeld) as refused:
            programs_to_grant(pam(), Role.EDITOR, [A, C], BUSINESS_PROGRAMS)
        assert refused.value.status == 403
        assert refused.value.extra["missing_programs"] == [C]

    def test_a_pam_holding_listed_programs_cannot_grant_all(self) -> None:
        holds_every_current_one = pam(ProgramAccess.only(BUSINESS_PROGRAMS))
        with pytest.raises(ProgramsNotHeld) as refused:
            programs_to_grant(holds_every_current_one, Role.VIEWER, "all", BUSINESS_PROGRAMS)
        assert refused.value.extra["missing_programs"] == ["all"]

    def test_a_pam_holding_all_programs_can_grant_all(self) -> None:
        assert programs_to_grant(pam(ProgramAccess.everything()), Role.PAM, "all", BUSINESS_PROGRAMS).is_all

    def test_a_bam_grants_any_role_on_any_program(self) -> None:
        assert programs_to_grant(bam(), Role.PAM, [C], BUSINESS_PROGRAMS) == ProgramAccess.only([C])
        assert programs_to_grant(bam(), Role.VIEWER, "all", BUSINESS_PROGRAMS).is_all

    def test_a_new_bam_always_gets_every_program_account(self) -> None:
        assert programs_to_grant(bam(), Role.BAM, [A], BUSINESS_PROGRAMS).is_all

    def test_program_accounts_of_another_business_are_named(self) -> None:
        with pytest.raises(UnknownProgramAccounts) as refused:
            programs_to_grant(bam(), Role.EDITOR, [A, "100000009RM0001", f"{BN}RM0009"], BUSINESS_PROGRAMS)
        error = refused.value
        assert (error.status, error.code) == (422, "unknown_program_accounts")
        assert [(e.field, e.code) for e in error.errors or []] == [
            ("programs.1", "unknown_program_account"),
            ("programs.2", "unknown_program_account"),
        ]


class TestDecidable:
    def test_nobody_decides_their_own_request(self) -> None:
        with pytest.raises(OwnAccessRequest):
            check_decidable(Request(requester_user_id="bam-1"), bam("bam-1"))

    @pytest.mark.parametrize("status", ["approved", "rejected"])
    def test_a_decided_request_cannot_be_decided_again(self, status: str) -> None:
        with pytest.raises(AccessRequestNotPending) as refused:
            check_decidable(Request(status=status), bam())
        assert (refused.value.status, refused.value.code) == (409, "access_request_not_pending")

    def test_a_pending_request_of_someone_else_is_decidable(self) -> None:
        check_decidable(Request(), pam())


class TestComments:
    comment = TypeAdapter(Comment)

    def test_a_comment_is_trimmed(self) -> None:
        assert self.comment.validate_python("  I work in customs.\n") == "I work in customs."

    @pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
    def test_a_blank_comment_is_refused(self, blank: str) -> None:
        with pytest.raises(ValidationError):
            self.comment.validate_python(blank)

    def test_at_most_256_characters_after_trimming(self) -> None:
        assert self.comment.validate_python(" " + "x" * 256 + " ") == "x" * 256
        with pytest.raises(ValidationError):
            self.comment.validate_python("x" * 257)

    def test_the_request_and_the_rejection_need_a_comment(self) -> None:
        with pytest.raises(ValidationError) as missing:
            AccessRequestCreate.model_validate({})
        assert missing.value.errors()[0]["loc"] == ("comment",)

    def test_an_approval_lists_at_least_one_program_account(self) -> None:
        with pytest.raises(ValidationError):
            AccessRequestApprove.model_validate({"role": "editor", "programs": []})
        with pytest.raises(ValidationError):
            AccessRequestApprove.model_validate({"role": "editor", "programs": ["RM0001"]})


class TestVisibleEmployees:
    def test_a_bam_sees_every_employee_a_pam_those_of_its_programs(self) -> None:
        assert visible_employees(bam()).is_all
        assert visible_employees(pam()) == ProgramAccess.only([A, B])
