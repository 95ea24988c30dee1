from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from delegation.config import Settings
from delegation.main import create_app
from portal_runtime.bus import InMemoryBus
from portal_runtime.clock import Clock
from portal_runtime.testing.apps import running

from .factories import Portal


@asynccontextmanager
async def portal_on(
    database_url: str,
    context_public_jwk: str,
    as_context: Callable[..., dict[str, str]],
    clock: Clock | None = None,
    **overrides: Any,
) -> AsyncIterator[Portal]:
    bus = InMemoryBus()
    settings = Settings(
        environment="test",
        database_url=database_url,
        relay_enabled=False,
        consumers_enabled=False,
        context_public_key=context_public_jwk,
        **{"group_operation_interval_s": 0.0, **overrides},  # tests run group operations themselves, unless asked
    )
    async with running(create_app(settings, publisher=bus, clock=clock)) as (app, client):
        yield Portal(app, client, bus, as_context)


@pytest.fixture
async def portal(
    tmp_path: Path, context_public_jwk: str, as_context: Callable[..., dict[str, str]]
) -> AsyncIterator[Portal]:
    """The delegation service on a fresh SQLite database, its events on an in-process bus."""
    async with portal_on(f"sqlite+aiosqlite:///{tmp_path}/delegation.db", context_public_jwk, as_context) as portal:
        yield portal


@pytest.fixture
async def pg_portal(
    pg_url: str, context_public_jwk: str, as_context: Callable[..., dict[str, str]]
) -> AsyncIterator[Portal]:
    """The same on a fresh PostgreSQL database (for what only a real server shows: locks, concurrency)."""
    async with portal_on(pg_url, context_public_jwk, as_context) as portal:
        yield portal
