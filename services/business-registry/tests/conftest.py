from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from business_registry.config import Settings
from business_registry.main import create_app
from ledger.config import Settings as LedgerSettings
from ledger.main import create_app as create_ledger_app
from portal_runtime.bus import InMemoryBus
from portal_runtime.messaging import EventRecord
from portal_runtime.testing.apps import running

# 10:00 in Toronto on 2026-11-24: proofs may date from 01/2020 to 11/2026.
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

HARP_REGISTRATION: dict[str, Any] = {
    "bn": "123456154",
    "program_reference": "RM0001",
    "legal_name": "Harp & Co.",
    "address": {
        "po_box": None,
        "line1": "250 Front Street West",
        "line2": "Suite 1200",
        "country": "CA",
        "province": "ON",
        "city": "Toronto",
        "postal_code": "M5V 3G5",
    },
    "attestation": True,
    # The onboarding guide's example answers, true of 123456154RM0001 in the sandbox.
    "proofs": [
        {"kind": "statement_balance", "period": "07/2022", "amount": "54000.00"},
        {"kind": "payment", "period": "09/2022", "amount": "3300.00"},
    ],
}


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Registry:
    app: FastAPI
    client: httpx.AsyncClient
    bus: InMemoryBus
    clock: MovableClock

    async def published(self) -> list[EventRecord]:
        await self.app.state.runtime.relay.publish_pending()
        return self.bus.published


@pytest.fixture
def registration() -> Callable[..., dict[str, Any]]:
    """Harp & Co.'s registration as the onboarding guide shows it, with ``address`` and top-level overrides."""

    def make(address: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
        body = copy.deepcopy(HARP_REGISTRATION)
        body["address"].update(address or {})
        body.update(overrides)
        return body

    return make


@pytest.fixture(scope="session")
async def ledger_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    """The real ledger with the sandbox facts, shared: registration only reads it."""
    directory = tmp_path_factory.mktemp("ledger")
    settings = LedgerSettings(
        environment="test",
        sandbox=True,
        database_url=f"sqlite+aiosqlite:///{directory}/ledger.db",
        relay_enabled=False,
        consumers_enabled=False,
    )
    async with running(create_ledger_app(settings, clock=lambda: NOW)) as (app, _):
        yield app


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def registry_settings(tmp_path: Path, context_public_jwk: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "sandbox": True,
            "database_url": f"sqlite+aiosqlite:///{tmp_path}/registry.db",
            "relay_enabled": False,
            "consumers_enabled": False,
            "context_public_key": context_public_jwk,
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
def start_registry(
    registry_settings: Callable[..., Settings], ledger_app: FastAPI, clock: MovableClock
) -> Callable[..., AbstractAsyncContextManager[Registry]]:
    """Starts the registry (settings overrides as keywords) against the real in-process ledger."""

    @asynccontextmanager
    async def start(*, ledger: httpx.AsyncBaseTransport | None = None, **overrides: Any) -> AsyncIterator[Registry]:
        bus = InMemoryBus()
        transport = ledger or httpx.ASGITransport(app=ledger_app)
        app = create_app(registry_settings(**overrides), publisher=bus, clock=clock, ledger_transport=transport)
        async with running(app) as (_, client):
            yield Registry(app, client, bus, clock)

    return start


@pytest.fixture
async def registry(start_registry: Callable[..., AbstractAsyncContextManager[Registry]]) -> AsyncIterator[Registry]:
    async with start_registry() as started:
        yield started
