"""Lookup, profile and program accounts of registered businesses, as the gateway's context allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

AsContext = Callable[..., dict[str, str]]  # the as_context fixture

HARP = "123456154"
ALL_SCOPES = ["business_profile:read", "business_profile:write", "program_accounts:read"]


@pytest.fixture
async def harp(registry: Any, registration: Callable[..., dict[str, Any]], as_context: AsContext) -> Any:
    """The registry with Harp & Co. registered by user-1."""
    response = await registry.client.post(
        "/v1/business-registrations", json=registration(), headers=as_context(subject="user-1")
    )
    assert response.status_code == 201, response.text
    return registry


def acting(
    as_context: AsContext, scopes: list[str] = ALL_SCOPES, business: str = HARP, **fields: Any
) -> dict[str, str]:
    return as_context(subject="user-1", business=business, scopes=scopes, **fields)


async def test_lookup_shows_the_operating_name_and_whether_access_can_be_requested(
    registry: Any, as_context: AsContext
) -> None:
    response = await registry.client.get("/v1/businesses/lookup", params={"bn": "100001254"}, headers=as_context())
    assert response.status_code == 200
    assert response.json() == {"bn": "100001254", "operating_name": "ImporterCompany1755", "registered": False}


async def test_lookup_of_a_registered_business(harp: Any, as_context: AsContext) -> None:
    response = await harp.client.get("/v1/businesses/lookup", params={"bn": HARP}, headers=as_context(subject="u-9"))
    assert response.json() == {"bn": HARP, "operating_name": "Harp & Co.", "registered": True}


@pytest.mark.parametrize(
    ("bn", "status", "code"),
    [("123456789", 422, "invalid_business_number"), ("111111118", 404, "business_not_found"), ("12345", 422, None)],
)
async def test_lookup_refuses_bad_and_unknown_numbers(
    registry: Any, as_context: AsContext, bn: str, status: int, code: str | None
) -> None:
    response = await registry.client.get("/v1/businesses/lookup", params={"bn": bn}, headers=as_context())
    assert response.status_code == status
    assert response.json()["code"] == (code or "validation_failed")


async def test_lookup_needs_a_signed_in_user(registry: Any) -> None:
    assert (await registry.client.get("/v1/businesses/lookup", params={"bn": HARP})).status_code == 401


async def test_profile_with_its_etag(harp: Any, as_context: AsContext) -> None:
    response = await harp.client.get(f"/v1/businesses/{HARP}", headers=acting(as_context))
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    business = response.json()
    assert business["legal_name"] == "Harp and Company Ltd."
    assert business["mailing_preferences"] == {"language": "en", "mailing_address": None}


async def test_the_context_must_act_on_the_business_of_the_path_with_the_scope(
    harp: Any, as_context: AsContext
) -> None:
    other = await harp.client.get(f"/v1/businesses/{HARP}", headers=acting(as_context, business="100001254"))
    assert other.status_code == 403
    assert other.json()["code"] == "business_not_in_context"

    no_scope = await harp.client.get(f"/v1/businesses/{HARP}", headers=acting(as_context, scopes=["financial:read"]))
    assert no_scope.status_code == 403
    assert no_scope.json()["code"] == "missing_scope"


async def test_unregistered_business_is_not_found(registry: Any, as_context: AsContext) -> None:
    response = await registry.client.get("/v1/businesses/100001254", headers=acting(as_context, business="100001254"))
    assert response.status_code == 404
    assert response.json()["code"] == "business_not_found"


async def test_patch_changes_the_operating_name_and_mailing_preferences_with_if_match(
    harp: Any, as_context: AsContext
) -> None:
    url = f"/v1/businesses/{HARP}"
    changes = {
        "operating_name": "Harp Imports",
        "mailing_preferences": {
            "language": "fr",
            "mailing_address": {"line1": "C.P. 1000", "country": "CA", "city": "Toronto", "postal_code": "M5W 1E6"},
        },
    }
    headers = acting(as_context)

    missing = await harp.client.patch(url, json=changes, headers=headers)
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"

    changed = await harp.client.patch(url, json=changes, headers=headers | {"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["operating_name"] == "Harp Imports"
    assert changed.json()["mailing_preferences"]["language"] == "fr"
    assert changed.json()["mailing_preferences"]["mailing_address"]["postal_code"] == "M5W 1E6"

    stale = await harp.client.patch(url, json={"operating_name": "Lost update"}, headers=headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"

    read = await harp.client.get(url, headers=headers)
    assert read.json()["operating_name"] == "Harp Imports"
    assert read.json()["legal_name"] == "Harp and Company Ltd."


async def test_patch_refuses_the_register_matched_legal_data(harp: Any, as_context: AsContext) -> None:
    response = await harp.client.patch(
        f"/v1/businesses/{HARP}", json={"legal_name": "Other Ltd."}, headers=acting(as_context) | {"If-Match": "*"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "legal_name"


async def test_patch_needs_the_write_scope(harp: Any, as_context: AsContext) -> None:
    response = await harp.client.patch(
        f"/v1/businesses/{HARP}",
        json={"operating_name": "X"},
        headers=acting(as_context, scopes=["business_profile:read"]) | {"If-Match": '"1"'},
    )
    assert response.status_code == 403


async def test_program_accounts_are_listed_as_far_as_the_access_covers_them(harp: Any, as_context: AsContext) -> None:
    url = f"/v1/businesses/{HARP}/program-accounts"
    everything = await harp.client.get(url, headers=acting(as_context))
    assert [a["bn15"] for a in everything.json()["items"]] == ["123456154RM0001", "123456154RM0002"]
    assert everything.json()["items"][0]["reference"] == "RM0001"

    pam = acting(as_context, program_accounts=["123456154RM0002"])
    assert [a["bn15"] for a in (await harp.client.get(url, headers=pam)).json()["items"]] == ["123456154RM0002"]


async def test_program_accounts_are_paged(harp: Any, as_context: AsContext) -> None:
    url = f"/v1/businesses/{HARP}/program-accounts"
    first = (await harp.client.get(url, params={"limit": 1}, headers=acting(as_context))).json()
    assert [a["bn15"] for a in first["items"]] == ["123456154RM0001"]
    second = (
        await harp.client.get(url, params={"limit": 1, "cursor": first["next_cursor"]}, headers=acting(as_context))
    ).json()
    assert [a["bn15"] for a in second["items"]] == ["123456154RM0002"]
    assert second["next_cursor"] is None

    bad = await harp.client.get(url, params={"cursor": "not-ours"}, headers=acting(as_context))
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


async def test_one_program_account(harp: Any, as_context: AsContext) -> None:
    url = f"/v1/businesses/{HARP}/program-accounts"
    response = await harp.client.get(f"{url}/123456154RM0002", headers=acting(as_context))
    assert response.status_code == 200
    assert response.json()["bn15"] == "123456154RM0002"

    not_covered = acting(as_context, program_accounts=["123456154RM0001"])
    forbidden: httpx.Response = await harp.client.get(f"{url}/123456154RM0002", headers=not_covered)
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "program_account_not_allowed"

    assert (await harp.client.get(f"{url}/123456154RM0007", headers=acting(as_context))).status_code == 404
    assert (await harp.client.get(f"{url}/100001254RM0001", headers=acting(as_context))).status_code == 404
