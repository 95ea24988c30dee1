from __future__ import annotations

import pytest

from delegation.programs import ProgramAccess

A, B, C = "123456782RM0001", "123456782RM0002", "123456782RM0003"
ALL = ProgramAccess.everything()


def test_all_covers_every_program_account_including_future_ones() -> None:
    assert ALL.covers(A) and ALL.covers("123456782RM9999")
    assert ALL.includes(ProgramAccess.only([A, B])) and ALL.includes(ALL)
    assert ALL.to_value() == "all" and ALL.listed() is None


def test_a_listed_selection_covers_only_its_program_accounts() -> None:
    ab = ProgramAccess.only([B, A, A])
    assert ab.covers(A) and not ab.covers(C)
    assert ab.to_value() == [A, B]
    assert ab.includes(ProgramAccess.only([A])) and not ab.includes(ProgramAccess.only([A, C]))


def test_a_listed_selection_never_includes_all_even_when_it_lists_every_current_account() -> None:
    every_current = ProgramAccess.only([A, B, C])
    assert not every_current.includes(ALL)
    assert every_current.missing_from(ALL) == ["all"]
    assert every_current.missing_from(ProgramAccess.only([A, "123456782RM0009"])) == ["123456782RM0009"]


def test_overlap_is_sharing_one_program_account() -> None:
    assert ProgramAccess.only([A, B]).overlaps(ProgramAccess.only([B, C]))
    assert not ProgramAccess.only([A]).overlaps(ProgramAccess.only([C]))
    assert ALL.overlaps(ProgramAccess.only([C]))


def test_parse_reads_the_api_shape_and_refuses_an_empty_list() -> None:
    assert ProgramAccess.parse("all") == ALL
    assert ProgramAccess.parse([A]) == ProgramAccess.only([A])
    with pytest.raises(ValueError):
        ProgramAccess.parse([])
