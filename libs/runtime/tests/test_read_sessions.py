"""Read sessions: no BEGIN/COMMIT on PostgreSQL, the pool's connections stay transactional for the others, and a
write through one is refused rather than committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Integer, String, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_runtime.db import (
    ReadOnlySessionError,
    create_engine,
    create_read_session_factory,
    create_session_factory,
)


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(String(50))


async def engine_with_notes(url: str) -> AsyncEngine:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(Note), [{"id": 1, "body": "first"}])
    return engine


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await engine_with_notes(pg_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sqlite_engine(tmp_path: Any) -> AsyncIterator[AsyncEngine]:
    engine = await engine_with_notes(f"sqlite+aiosqlite:///{tmp_path}/notes.db")
    yield engine
    await engine.dispose()


@pytest.mark.integration
async def test_a_read_session_sends_no_begin_nor_rollback(pg_engine: AsyncEngine, sent: list[str]) -> None:
    async with create_read_session_factory(pg_engine)() as session:
        assert (await session.scalars(select(Note.body))).all() == ["first"]
        assert (await session.scalars(select(Note.id))).all() == [1]
    assert sent == []

    async with create_session_factory(pg_engine)() as session:  # what the transactional session costs
        await session.scalars(select(Note.body))
    assert sent == ["BEGIN", "ROLLBACK"]


@pytest.mark.integration
async def test_the_pooled_connection_is_transactional_again_after_a_read(pg_engine: AsyncEngine) -> None:
    async with create_read_session_factory(pg_engine)() as session:
        await session.scalars(select(Note.body))
    async with create_session_factory(pg_engine)() as session:
        await session.execute(update(Note).values(body="changed"))
        await session.rollback()

    async with create_read_session_factory(pg_engine)() as session:
        assert (await session.scalars(select(Note.body))).all() == ["first"]


@pytest.mark.integration
async def test_a_read_session_on_postgresql_refuses_to_write(pg_engine: AsyncEngine) -> None:
    async with create_read_session_factory(pg_engine)() as session:
        with pytest.raises(ReadOnlySessionError):
            await session.execute(update(Note).values(body="changed"))
        note = await session.get(Note, 1)
        assert note is not None
        note.body = "changed"
        with pytest.raises(ReadOnlySessionError):
            await session.scalars(select(Note.id))  # the autoflush before the query

    async with create_read_session_factory(pg_engine)() as session:
        assert (await session.scalars(select(Note.body))).all() == ["first"]


async def test_a_read_session_on_sqlite_reads_and_refuses_to_write(sqlite_engine: AsyncEngine) -> None:
    async with create_read_session_factory(sqlite_engine)() as session:
        assert (await session.scalars(select(Note.body))).all() == ["first"]
        with pytest.raises(ReadOnlySessionError):
            await session.execute(insert(Note).values(id=2, body="second"))
        session.add(Note(id=3, body="third"))
        with pytest.raises(ReadOnlySessionError):
            await session.flush()

    async with create_read_session_factory(sqlite_engine)() as session:
        assert (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one() == 1
