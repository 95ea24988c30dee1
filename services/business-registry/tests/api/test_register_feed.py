"""The revenue agency's business register: loaded from the sandbox at startup, fed by CBSA integration."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import func, select

from business_registry.register.models import RegisterRecordRow

AsContext = Callable[..., dict[str, str]]  # the as_context fixture
StartRegistry = Callable[..., AbstractAsyncContextManager[Any]]  # conftest's start_registry (yields a Registry)

NEW_BUSINESS: dict[str, Any] = {
    "bn": "246813570",
    "legal_name": "Beaver Logistics Inc.",
    "operating_name": "Beaver Logistics",
    "address": {"line1": "10 Dock Road", "country": "CA", "province": "NB", "city": "Saint John"},
    "program_accounts": ["246813570RM0001"],
}


async def register_size(registry: Any) -> int:
    async with registry.app.state.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(RegisterRecordRow)) or 0)


async def test_the_feed_upserts_by_bn(registry: Any, as_context: AsContext) -> None:
    before = await register_size(registry)
    assert (await registry.client.post("/internal/register-feed", json=[NEW_BUSINESS])).json() == {"records": 1}
    renamed = NEW_BUSINESS | {"operating_name": "Beaver Freight"}
    assert (await registry.client.post("/internal/register-feed", json=[renamed])).status_code == 200

    assert await register_size(registry) == before + 1
    lookup = await registry.client.get("/v1/businesses/lookup", params={"bn": "246813570"}, headers=as_context())
    assert lookup.json()["operating_name"] == "Beaver Freight"


async def test_the_feed_refuses_numbers_failing_the_check_digit_and_foreign_accounts(registry: Any) -> None:
    before = await register_size(registry)
    bad_check_digit = NEW_BUSINESS | {"bn": "246813573", "program_accounts": ["246813573RM0001"]}
    response = await registry.client.post("/internal/register-feed", json=[NEW_BUSINESS, bad_check_digit])
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_business_number"
    assert response.json()["errors"][0]["field"] == "1.bn"

    foreign = NEW_BUSINESS | {"program_accounts": ["123456154RM0001"]}
    assert (await registry.client.post("/internal/register-feed", json=[foreign])).status_code == 422
    assert await register_size(registry) == before


async def test_the_sandbox_register_is_loaded_once_however_often_it_starts(start_registry: StartRegistry) -> None:
    for _ in range(2):
        async with start_registry() as registry:
            assert await register_size(registry) == 8


async def test_development_loads_the_sandbox_register_only_while_empty(start_registry: StartRegistry) -> None:
    async with start_registry(environment="development", sandbox=False) as registry:
        assert await register_size(registry) == 8
        changed = {
            "bn": "123456154",
            "legal_name": "Harp Holdings Ltd.",
            "address": {"line1": "1 King Street", "country": "CA", "city": "Toronto"},
            "program_accounts": ["123456154RM0001"],
        }
        assert (await registry.client.post("/internal/register-feed", json=[changed])).status_code == 200
    async with start_registry(environment="development", sandbox=False) as registry:
        async with registry.app.state.runtime.sessions() as session:
            row = await session.get(RegisterRecordRow, "123456154")
            assert row is not None and row.legal_name == "Harp Holdings Ltd."


async def test_tests_without_sandbox_start_with_an_empty_register(start_registry: StartRegistry) -> None:
    async with start_registry(sandbox=False) as registry:
        assert await register_size(registry) == 0
