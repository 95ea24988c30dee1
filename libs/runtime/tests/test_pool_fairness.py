"""The pool serves callers waiting for a connection in their order of arrival: a caller that comes as a connection
is given back does not take it ahead of those already waiting (SQLAlchemy's asyncio queue lets it), and a caller
that gives up waiting (pool timeout, cancellation) loses no connection."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from portal_runtime.db import create_engine

pytestmark = pytest.mark.integration


async def test_waiting_callers_are_served_before_a_newcomer(one_connection: AsyncEngine) -> None:
    served: list[str] = []

    async def read(name: str) -> None:
        async with one_connection.connect() as conn:
            served.append(name)
            await conn.execute(text("SELECT 1"))

    held = await one_connection.connect()
    await held.execute(text("SELECT 1"))
    waiting = [asyncio.create_task(read(name)) for name in ("first", "second", "third")]
    await asyncio.sleep(0.1)  # all three wait for the only connection

    await held.close()  # given back; before "first" runs again, a newcomer asks
    async with one_connection.connect() as conn:
        served.append("newcomer")
        await conn.execute(text("SELECT 1"))
    await asyncio.gather(*waiting)

    assert served == ["first", "second", "third", "newcomer"]


async def test_a_caller_that_gives_up_waiting_loses_no_connection(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1, pool_timeout_s=0.2)
    try:
        held = await engine.connect()
        await held.execute(text("SELECT 1"))
        with pytest.raises(PoolTimeout):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        async def wait_for_a_connection() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        cancelled = asyncio.create_task(wait_for_a_connection())
        await asyncio.sleep(0.05)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await held.close()

        async with engine.connect() as conn:  # the only connection is still there for the next caller
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        assert engine.sync_engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
