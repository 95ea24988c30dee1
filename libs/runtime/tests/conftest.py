from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from portal_runtime.bus import InMemoryBus
from portal_runtime.db import create_engine, create_session_factory, new_metadata
from portal_runtime.messaging import MessagingTables, messaging_tables


class Shop:
    """A minimal service schema for the runtime's own tests: one domain table plus outbox and inbox."""

    def __init__(self) -> None:
        self.metadata: MetaData = new_metadata()
        self.orders = Table(
            "orders", self.metadata, Column("id", Integer, primary_key=True), Column("bn", String(9), nullable=False)
        )
        self.effects = Table(
            "effects",
            self.metadata,
            Column("id", Integer, primary_key=True),
            Column("event_id", String(64), nullable=False),
            Column("bn", String(9)),
        )
        self.tables: MessagingTables = messaging_tables(self.metadata)


@pytest.fixture
async def shop(tmp_path) -> AsyncIterator[tuple[Shop, object]]:  # type: ignore[no-untyped-def]
    schema = Shop()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/shop.db")
    async with engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    yield schema, create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def bus() -> InMemoryBus:
    return InMemoryBus()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The commands asyncpg sends outside prepared statements: BEGIN, COMMIT, ROLLBACK, SET."""
    commands: list[str] = []
    execute = asyncpg.Connection.execute

    async def spy(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        commands.append(query.split()[0].rstrip(";").upper())
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "execute", spy)
    return commands


@pytest.fixture
async def one_connection(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """A PostgreSQL engine whose pools (the engine's and the driver's) hold one connection each."""
    engine = create_engine(pg_url, pool_size=1, pool_timeout_s=5.0)
    yield engine
    await engine.dispose()
