"""PostgreSQL going away under a pooled engine: a dropped connection is a 503 to retry, never a 500, and the pool
recovers by itself (no ping at every checkout)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from portal_runtime.db import DatabaseUnavailable, create_engine, driver_pool
from portal_runtime.problems import install_problem_handlers
from portal_runtime.testing.infra import PostgresServer, free_port

pytestmark = pytest.mark.integration


async def select_one(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT 1"))).scalar_one())


@pytest.fixture
async def busy_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine whose connections never count as idle (no ping at checkout), as under load."""
    engine = create_engine(pg_url, ping_idle_after_s=3600)
    yield engine
    await engine.dispose()


async def test_a_dropped_connection_is_unavailable_once_then_the_pool_reconnects(
    busy_engine: AsyncEngine, postgres: PostgresServer, pg_url: str
) -> None:
    await asyncio.gather(select_one(busy_engine), select_one(busy_engine))  # two pooled connections
    assert await postgres.terminate_sessions(pg_url) == 2

    with pytest.raises(DatabaseUnavailable) as raised:
        await select_one(busy_engine)

    assert raised.value.status == 503
    assert raised.value.headers == {"Retry-After": "1"}
    # The failure invalidated the pool: the other dead connection is replaced too, not handed out.
    assert await asyncio.gather(select_one(busy_engine), select_one(busy_engine)) == [1, 1]


async def test_a_connection_dropped_during_a_statement_is_unavailable(
    busy_engine: AsyncEngine, postgres: PostgresServer, pg_url: str
) -> None:
    async def slow() -> None:
        async with busy_engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(5)"))

    running = asyncio.create_task(slow())
    await asyncio.sleep(0.3)
    assert await postgres.terminate_sessions(pg_url) == 1

    with pytest.raises(DatabaseUnavailable):
        await running
    assert await select_one(busy_engine) == 1


async def test_a_cancelled_statement_stays_a_cancellation(busy_engine: AsyncEngine) -> None:
    async def slow() -> None:
        async with busy_engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(5)"))

    running = asyncio.create_task(slow())
    await asyncio.sleep(0.3)
    running.cancel()

    with pytest.raises(asyncio.CancelledError):
        await running
    assert await select_one(busy_engine) == 1


async def test_an_idle_connection_is_pinged_and_replaced_before_use(pg_url: str, postgres: PostgresServer) -> None:
    engine = create_engine(pg_url, ping_idle_after_s=0.0)
    try:
        assert await select_one(engine) == 1
        assert await postgres.terminate_sessions(pg_url) == 1

        assert await select_one(engine) == 1  # a restart while the service was quiet costs the caller nothing
    finally:
        await engine.dispose()


async def driver_select_one(engine: AsyncEngine) -> int:
    """``SELECT 1`` on the engine's driver pool (portal_runtime.db.DriverPool, what DriverQuery reads on)."""
    return int((await driver_pool(engine).fetch("SELECT 1 AS one", []))[0]["one"])


@pytest.mark.parametrize("read", [select_one, driver_select_one], ids=["engine_pool", "driver_pool"])
async def test_a_refused_connection_is_unavailable(read: Callable[[AsyncEngine], Awaitable[int]]) -> None:
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing")
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            await read(engine)
        assert isinstance(raised.value.__cause__, OSError)
        assert driver_pool(engine).in_use() == 0
    finally:
        await engine.dispose()


async def test_no_free_connection_in_time_is_a_503_database_busy(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1, pool_timeout_s=0.2)
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/read")
    async def read() -> dict[str, int]:
        return {"one": await select_one(engine)}

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test")
    try:
        async with engine.connect() as held:  # the pool's only connection, in use
            await held.execute(text("SELECT 1"))
            busy = await client.get("/read")
        served = await client.get("/read")  # given back: the next request is served

        assert busy.status_code == 503
        assert busy.json()["code"] == "database_busy"
        assert busy.headers["Retry-After"] == "1"
        assert (served.status_code, served.json()) == (200, {"one": 1})
    finally:
        await client.aclose()
        await engine.dispose()
