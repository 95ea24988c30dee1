"""If-Match on relationships and client groups (RFC 9110 §13.1.1, RFC 6585 §3)."""

from __future__ import annotations

import pytest

from delegation.errors import PreconditionRequired
from delegation.groups.errors import GroupPreconditionFailed
from delegation.preconditions import check_if_match, if_match_allows

ETAG = '"3f2a.2"'


def test_a_star_or_a_list_naming_the_current_tag_matches_strongly() -> None:
    assert if_match_allows(ETAG, ETAG)
    assert if_match_allows(f' "other" , {ETAG}', ETAG)
    assert if_match_allows("*", ETAG)
    assert not if_match_allows('"3f2a.1"', ETAG)
    assert not if_match_allows(f"W/{ETAG}", ETAG)  # a weak tag never matches


@pytest.mark.parametrize("if_match", [None, "", "  "])
def test_without_if_match_the_update_is_refused_with_428_naming_where_to_read_the_etag(if_match: str | None) -> None:
    with pytest.raises(PreconditionRequired) as refused:
        check_if_match(if_match, ETAG, resource="client group", url="/v1/x", failed=GroupPreconditionFailed(ETAG))

    assert (refused.value.status, refused.value.code) == (428, "precondition_required")
    assert "If-Match" in str(refused.value.detail)
    assert str(refused.value.remediation).startswith("GET /v1/x ")


def test_a_stale_tag_raises_the_resources_412() -> None:
    with pytest.raises(GroupPreconditionFailed):
        check_if_match('"3f2a.1"', ETAG, resource="client group", url="/v1/x", failed=GroupPreconditionFailed(ETAG))
    check_if_match(ETAG, ETAG, resource="client group", url="/v1/x", failed=GroupPreconditionFailed(ETAG))
