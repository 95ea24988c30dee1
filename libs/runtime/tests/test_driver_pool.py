"""The driver's pool behind DriverQuery on PostgreSQL keeps the engine pool's rules: callers are served in their
order of arrival, one that gives up waiting loses no connection, none free in time is a 503 ``database_busy``, it
never holds more connections than its size, and it closes with the engine. (A refused connection, a 503
``database_unavailable`` on both pools: test_db_reconnect.)"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from portal_runtime.db import create_engine, driver_pool
from portal_runtime.problems import install_problem_handlers
from portal_runtime.testing.infra import PostgresServer

pytestmark = pytest.mark.integration


async def name_of(engine: AsyncEngine, name: str, sleep_s: float = 0.0) -> str:
    rows = await driver_pool(engine).fetch("SELECT $1::text AS name, pg_sleep($2)", [name, sleep_s])
    return str(rows[0]["name"])


async def test_waiting_callers_are_served_before_a_newcomer(one_connection: AsyncEngine) -> None:
    served: list[str] = []

    async def read(name: str) -> None:
        served.append(await name_of(one_connection, name))

    holder = asyncio.create_task(name_of(one_connection, "holder", 0.3))
    await asyncio.sleep(0.1)
    waiting = [asyncio.create_task(read(name)) for name in ("first", "second", "third")]
    await asyncio.sleep(0.05)  # all three wait for the only connection
    await holder
    # The holder's turn ended as it returned, and no waiter has run since: a newcomer asks now.
    served.append(await name_of(one_connection, "newcomer"))
    await asyncio.gather(*waiting)

    assert served == ["first", "second", "third", "newcomer"]


async def test_no_free_connection_in_time_is_a_503_database_busy_and_the_caller_that_gave_up_loses_nothing(
    pg_url: str,
) -> None:
    engine = create_engine(pg_url, pool_size=1, pool_timeout_s=0.2)
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/read")
    async def read() -> dict[str, str]:
        return {"name": await name_of(engine, "served")}

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test")
    try:
        holder = asyncio.create_task(name_of(engine, "holder", 0.6))
        await asyncio.sleep(0.1)
        busy = await client.get("/read")
        with pytest.raises(PoolTimeout):
            await name_of(engine, "gives up")
        cancelled = asyncio.create_task(name_of(engine, "cancelled"))
        await asyncio.sleep(0.05)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert await holder == "holder"
        served = await client.get("/read")

        assert busy.status_code == 503
        assert busy.json()["code"] == "database_busy"
        assert busy.headers["Retry-After"] == "1"
        assert (served.status_code, served.json()) == (200, {"name": "served"})
        assert (driver_pool(engine).opened(), driver_pool(engine).in_use()) == (1, 0)
    finally:
        await client.aclose()
        await engine.dispose()


async def test_it_never_opens_more_connections_than_its_size(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=3, pool_timeout_s=5.0)
    try:
        names = await asyncio.gather(*(name_of(engine, f"read-{n}", 0.05) for n in range(12)))
        assert names == [f"read-{n}" for n in range(12)]
        assert driver_pool(engine).opened() == 3
    finally:
        await engine.dispose()


async def test_it_closes_its_connections_with_the_engine(pg_url: str, postgres: PostgresServer) -> None:
    engine = create_engine(pg_url)
    await asyncio.gather(*(name_of(engine, "open", 0.05) for _ in range(2)))
    assert driver_pool(engine).opened() == 2

    await engine.dispose()

    assert driver_pool(engine).opened() == 0
    admin = await asyncpg.connect(postgres.admin_dsn)
    try:
        sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
        for _ in range(50):  # a closed connection's backend exits a moment later
            if await admin.fetchval(sessions, pg_url.rsplit("/", 1)[1]) == 0:
                break
            await asyncio.sleep(0.02)
        assert await admin.fetchval(sessions, pg_url.rsplit("/", 1)[1]) == 0
    finally:
        await admin.close()
