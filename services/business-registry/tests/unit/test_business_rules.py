import pytest

from business_registry.businesses.auth import covers, require_acting_on, require_covers
from business_registry.businesses.service import etag, if_match_allows
from business_registry.errors import BusinessNotActedOn, ProgramAccountNotAllowed
from portal_contracts.scopes import Scope
from portal_runtime.context import InternalContext
from portal_runtime.paging import PageRequest, encode_cursor
from portal_runtime.problems import Forbidden


def context(**fields: object) -> InternalContext:
    return InternalContext.model_validate({"subject": "user-1"} | fields)


def test_if_match_compares_entity_tags_strongly() -> None:
    assert etag(3) == '"3"'
    assert if_match_allows('"3"', 3)
    assert if_match_allows('"2", "3"', 3)
    assert if_match_allows("*", 3)
    assert not if_match_allows('"2"', 3)
    assert not if_match_allows('W/"3"', 3)


def test_the_context_must_act_on_the_path_business_with_the_scope() -> None:
    acting = context(business="123456154", scopes=["business_profile:read"])
    require_acting_on(acting, "123456154", Scope.BUSINESS_PROFILE_READ)
    with pytest.raises(BusinessNotActedOn):
        require_acting_on(acting, "100001254", Scope.BUSINESS_PROFILE_READ)
    with pytest.raises(Forbidden):
        require_acting_on(acting, "123456154", Scope.BUSINESS_PROFILE_WRITE)


def test_program_accounts_are_covered_by_all_or_by_the_list() -> None:
    assert covers(context(program_accounts=None), "123456154RM0002")
    assert covers(context(program_accounts=["123456154RM0002"]), "123456154RM0002")
    with pytest.raises(ProgramAccountNotAllowed):
        require_covers(context(program_accounts=["123456154RM0001"]), "123456154RM0002")


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    assert PageRequest(cursor=encode_cursor("123456154RM0001")).after(str) == "123456154RM0001"
    items, cursor = PageRequest(limit=2).cut(["a", "b", "c"], lambda x: x)
    assert items == ["a", "b"] and PageRequest(cursor=cursor).after(str) == "b"
    assert PageRequest(limit=2).cut(["a", "b"], lambda x: x) == (["a", "b"], None)
