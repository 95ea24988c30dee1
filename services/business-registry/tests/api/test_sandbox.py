"""The sandbox listing lets an integrator register a test business without knowing anything beforehand."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from portal_contracts.sandbox import register_records

AsContext = Callable[..., dict[str, str]]  # the as_context fixture
StartRegistry = Callable[..., AbstractAsyncContextManager[Any]]  # conftest's start_registry (yields a Registry)


async def test_the_listing_gives_a_registration_that_succeeds(registry: Any, as_context: AsContext) -> None:
    listing = await registry.client.get("/v1/sandbox/reference-businesses", params={"limit": 100})
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [i["bn"] for i in items] == sorted(r.bn for r in register_records())

    for item in items:
        answers = item["proof_answers"]
        assert all(answers[kind] is not None for kind in ("statement_balance", "payment", "transaction_total"))
        assert all("$" not in answers[kind]["amount"] for kind in answers)
        response = await registry.client.post(
            "/v1/business-registrations", json=item["registration_request"], headers=as_context(subject="user-1")
        )
        assert response.status_code == 201, (item["bn"], response.text)

    after = await registry.client.get("/v1/sandbox/reference-businesses")
    assert after.json() == {"items": [], "next_cursor": None}  # only unregistered businesses are listed


async def test_the_listing_is_paged(registry: Any) -> None:
    first = (await registry.client.get("/v1/sandbox/reference-businesses", params={"limit": 3})).json()
    second = (
        await registry.client.get(
            "/v1/sandbox/reference-businesses", params={"limit": 3, "cursor": first["next_cursor"]}
        )
    ).json()
    assert len(first["items"]) == 3
    assert first["items"][-1]["bn"] < second["items"][0]["bn"]


async def test_sandbox_routes_exist_only_in_the_sandbox(start_registry: StartRegistry) -> None:
    async with start_registry(sandbox=False) as registry:
        response = await registry.client.get("/v1/sandbox/reference-businesses")
        assert response.status_code == 404
        assert "/v1/sandbox/reference-businesses" not in registry.app.openapi()["paths"]
