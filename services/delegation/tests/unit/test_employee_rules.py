"""The rules of editing and removing employees, without a database (seed 002 §3)."""

from __future__ import annotations

import pytest

from delegation.access_requests.errors import ProgramsNotHeld, RoleNotGrantable
from delegation.employees.errors import LastBusinessAccountManager, ManagerOutranked, OwnAccessChange
from delegation.employees.service import Grant, check_change, check_keeps_a_bam, check_removal
from delegation.errors import BusinessAccountManagerRequired, NotAccountManager
from delegation.programs import ProgramAccess
from delegation.roles import Role

BN = "123456782"
A, B, C = f"{BN}RM0001", f"{BN}RM0002", f"{BN}RM0003"
PROGRAMS = frozenset({A, B, C})


def grant(user: str, role: Role, programs: ProgramAccess | None = None) -> Grant:
    return Grant(user, BN, role, programs or ProgramAccess.everything())


BAM = grant("bam-1", Role.BAM)
OTHER_BAM = grant("bam-2", Role.BAM)
PAM = grant("pam-1", Role.PAM, ProgramAccess.only([A, B]))
EDITOR_A = grant("editor-1", Role.EDITOR, ProgramAccess.only([A]))
EDITOR_C = grant("editor-3", Role.EDITOR, ProgramAccess.only([C]))


class TestChange:
    @pytest.mark.parametrize("manager", [BAM, PAM])
    def test_nobody_changes_their_own_access(self, manager: Grant) -> None:
        with pytest.raises(OwnAccessChange):
            check_change(manager, manager, Role.VIEWER, [A], PROGRAMS)

    def test_an_editor_changes_nobody(self) -> None:
        with pytest.raises(NotAccountManager):
            check_change(EDITOR_A, EDITOR_C, Role.VIEWER, [C], PROGRAMS)

    def test_a_pam_never_changes_a_bam(self) -> None:
        with pytest.raises(ManagerOutranked):
            check_change(PAM, BAM, Role.VIEWER, [A], PROGRAMS)

    def test_a_pam_acts_only_on_employees_within_its_programs(self) -> None:
        with pytest.raises(ProgramsNotHeld) as refused:
            check_change(PAM, EDITOR_C, Role.VIEWER, [A], PROGRAMS)
        assert refused.value.extra["missing_programs"] == [C]

    def test_a_pam_grants_only_its_own_programs_and_never_bam(self) -> None:
        with pytest.raises(ProgramsNotHeld):
            check_change(PAM, EDITOR_A, Role.EDITOR, [A, C], PROGRAMS)
        with pytest.raises(RoleNotGrantable):
            check_change(PAM, EDITOR_A, Role.BAM, "all", PROGRAMS)
        assert check_change(PAM, EDITOR_A, Role.PAM, [A, B], PROGRAMS) == ProgramAccess.only([A, B])

    def test_promotion_to_bam_gives_every_program(self) -> None:
        assert check_change(BAM, EDITOR_A, Role.BAM, [A], PROGRAMS).is_all

    def test_a_bam_changes_another_bam_and_a_demoted_bam_keeps_only_the_new_role(self) -> None:
        assert check_change(BAM, OTHER_BAM, Role.VIEWER, [B], PROGRAMS) == ProgramAccess.only([B])


class TestRemoval:
    def test_only_a_bam_removes(self) -> None:
        with pytest.raises(BusinessAccountManagerRequired):
            check_removal(PAM, EDITOR_A)
        check_removal(BAM, OTHER_BAM)

    def test_nobody_removes_themselves(self) -> None:
        with pytest.raises(OwnAccessChange):
            check_removal(BAM, BAM)


class TestLastBam:
    def test_the_last_bam_stays(self) -> None:
        with pytest.raises(LastBusinessAccountManager):
            check_keeps_a_bam(BN, ["bam-1"], "bam-1")

    def test_a_bam_may_go_when_another_stays(self) -> None:
        check_keeps_a_bam(BN, ["bam-1", "bam-2"], "bam-1")

    def test_a_non_bam_leaving_never_matters(self) -> None:
        check_keeps_a_bam(BN, ["bam-1"], "pam-1")
