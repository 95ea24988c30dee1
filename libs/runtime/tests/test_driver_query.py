"""DriverQuery: a hot read on the driver's connection gives the rows SQLAlchemy would, on both databases, sends no
transaction commands, gives its connection back, and fails as the pooled engine does (503 to retry, never a 500,
a cancellation stays one)."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Boolean, DateTime, Enum, Integer, String, bindparam, func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_runtime.db import DatabaseUnavailable, DriverQuery, create_engine, driver_pool
from portal_runtime.testing.infra import PostgresServer

WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class Colour(enum.Enum):
    RED = "red"


class Base(DeclarativeBase):
    pass


class Grant(Base):
    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    bn: Mapped[str] = mapped_column(String(9))
    all_programs: Mapped[bool] = mapped_column(Boolean)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    colour: Mapped[Colour] = mapped_column(Enum(Colour), default=Colour.RED)


GRANTS_OF_TWO = DriverQuery(
    select(Grant.id, Grant.user_id, Grant.all_programs, Grant.granted_at)
    .where(Grant.bn == bindparam("bn"), Grant.user_id.in_([bindparam("first"), bindparam("second")]))
    .order_by(Grant.id)
)
EXPECTED = [
    {"id": 1, "user_id": "bam-1", "all_programs": True, "granted_at": WHEN},
    {"id": 2, "user_id": "viewer-1", "all_programs": False, "granted_at": WHEN},
]


async def engine_with_grants(url: str) -> AsyncEngine:
    engine = create_engine(url, ping_idle_after_s=3600)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(
            insert(Grant),
            [
                {"id": 1, "user_id": "bam-1", "bn": "123456782", "all_programs": True, "granted_at": WHEN},
                {"id": 2, "user_id": "viewer-1", "bn": "123456782", "all_programs": False, "granted_at": WHEN},
                {"id": 3, "user_id": "bam-1", "bn": "987654321", "all_programs": True, "granted_at": WHEN},
            ],
        )
    return engine


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await engine_with_grants(pg_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sqlite_engine(tmp_path: Any) -> AsyncIterator[AsyncEngine]:
    engine = await engine_with_grants(f"sqlite+aiosqlite:///{tmp_path}/grants.db")
    yield engine
    await engine.dispose()


def as_dicts(rows: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


async def test_on_sqlite_the_rows_are_sqlalchemys(sqlite_engine: AsyncEngine) -> None:
    params = {"bn": "123456782", "first": "bam-1", "second": "viewer-1"}
    rows = await GRANTS_OF_TWO.rows(sqlite_engine, **params)

    async with sqlite_engine.connect() as conn:
        assert as_dicts(rows) == as_dicts((await conn.execute(GRANTS_OF_TWO.statement, params)).mappings())
    # SQLite stores no zone: SQLAlchemy gives the UTC time back naive, as it does to a session.
    assert as_dicts(rows) == [row | {"granted_at": WHEN.replace(tzinfo=None)} for row in EXPECTED]


@pytest.mark.integration
async def test_on_postgresql_the_same_rows_come_from_the_driver_without_a_transaction(
    pg_engine: AsyncEngine, sent: list[str]
) -> None:
    rows = await GRANTS_OF_TWO.rows(pg_engine, bn="123456782", first="bam-1", second="viewer-1")
    same_user_twice = await GRANTS_OF_TWO.rows(pg_engine, bn="987654321", first="bam-1", second="bam-1")

    assert as_dicts(rows) == EXPECTED
    assert as_dicts(same_user_twice) == [EXPECTED[0] | {"id": 3}]
    assert sent == []  # no BEGIN, no ROLLBACK: one round trip a read


@pytest.mark.integration
async def test_each_read_gives_its_connection_back(pg_url: str) -> None:
    engine = await engine_with_grants(pg_url)
    small = create_engine(pg_url, pool_size=2, pool_timeout_s=1.0)
    try:
        # Forty reads through a pool of two, twenty at a time: none waits out the pool timeout.
        for _ in range(2):
            results = await asyncio.gather(
                *(GRANTS_OF_TWO.rows(small, bn="123456782", first="bam-1", second="viewer-1") for _ in range(20))
            )
            assert all(as_dicts(rows) == EXPECTED for rows in results)
        assert driver_pool(small).in_use() == 0
        assert driver_pool(small).opened() <= 2
    finally:
        await small.dispose()
        await engine.dispose()


@pytest.mark.integration
async def test_a_connection_dropped_during_a_read_is_unavailable_then_replaced(
    pg_engine: AsyncEngine, postgres: PostgresServer, pg_url: str
) -> None:
    slow = DriverQuery(select(func.pg_sleep(5).label("slept"), literal_column("1").label("one")))
    running = asyncio.create_task(slow.rows(pg_engine))
    await asyncio.sleep(0.3)
    assert await postgres.terminate_sessions(pg_url) >= 1

    with pytest.raises(DatabaseUnavailable) as raised:
        await running

    assert raised.value.status == 503
    assert as_dicts(await GRANTS_OF_TWO.rows(pg_engine, bn="123456782", first="bam-1", second="viewer-1")) == EXPECTED


@pytest.mark.integration
async def test_a_connection_dropped_while_idle_is_reopened_before_use(
    pg_engine: AsyncEngine, postgres: PostgresServer, pg_url: str
) -> None:
    await GRANTS_OF_TWO.rows(pg_engine, bn="123456782", first="bam-1", second="viewer-1")
    assert driver_pool(pg_engine).opened() == 1
    await postgres.terminate_sessions(pg_url)  # a restart while the service is quiet

    assert as_dicts(await GRANTS_OF_TWO.rows(pg_engine, bn="123456782", first="bam-1", second="viewer-1")) == EXPECTED


@pytest.mark.integration
async def test_a_cancelled_read_stays_a_cancellation_and_its_connection_is_not_reused(pg_engine: AsyncEngine) -> None:
    slow = DriverQuery(select(func.pg_sleep(5).label("slept"), literal_column("1").label("one")))
    running = asyncio.create_task(slow.rows(pg_engine))
    await asyncio.sleep(0.3)
    running.cancel()

    with pytest.raises(asyncio.CancelledError):
        await running
    assert as_dicts(await GRANTS_OF_TWO.rows(pg_engine, bn="123456782", first="bam-1", second="viewer-1")) == EXPECTED
    assert driver_pool(pg_engine).in_use() == 0


@pytest.mark.integration
@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        (select(Grant.colour), "column 'colour'"),  # an Enum: SQLAlchemy converts the string
        (select(Grant.id).where(Grant.id.in_(bindparam("ids", expanding=True))), "name each IN value"),
    ],
)
async def test_a_statement_that_needs_sqlalchemys_conversions_is_refused(
    pg_engine: AsyncEngine, statement: Any, refused: str
) -> None:
    with pytest.raises(TypeError, match=refused):
        await DriverQuery(statement).rows(pg_engine, ids=[1])
