from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from ledger.config import Settings
from ledger.main import create_app
from portal_runtime.testing.apps import running

# 10:00 in Toronto on 2026-11-24: the proof window runs from 2020-01-01 to that day.
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)


@pytest.fixture
def ledger_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "environment": "test",
            "sandbox": True,
            "database_url": f"sqlite+aiosqlite:///{tmp_path}/ledger.db",
            "relay_enabled": False,
            "consumers_enabled": False,
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
async def ledger(ledger_settings: Callable[..., Settings]) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    async with running(create_app(ledger_settings(), clock=lambda: NOW)) as (app, client):
        yield app, client


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def now() -> datetime:
    return NOW
