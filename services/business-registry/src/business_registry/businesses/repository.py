from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from business_registry.businesses.models import Business, ProgramAccount


async def get(session: AsyncSession, bn: str) -> Business | None:
    return await session.get(Business, bn)


async def exists(session: AsyncSession, bn: str) -> bool:
    return await session.scalar(select(Business.bn).where(Business.bn == bn)) is not None


async def registered_among(session: AsyncSession, bns: Sequence[str]) -> set[str]:
    return set(await session.scalars(select(Business.bn).where(Business.bn.in_(bns))))


async def add(session: AsyncSession, business: Business, accounts: Sequence[ProgramAccount]) -> None:
    """Insert a business and its accounts; a second registration of the BN fails here (primary key)."""
    session.add(business)
    await session.flush()
    session.add_all(accounts)
    await session.flush()


async def update_if_version(session: AsyncSession, bn: str, version: int, values: dict[str, Any]) -> bool:
    """Apply ``values`` only if the business is still at ``version`` (optimistic concurrency); bumps it."""
    result = await session.execute(
        update(Business)
        .where(Business.bn == bn, Business.version == version)
        .values(**values, version=version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def program_accounts(
    session: AsyncSession, bn: str, *, after: str | None, limit: int, only: Sequence[str] | None = None
) -> list[ProgramAccount]:
    query = select(ProgramAccount).where(ProgramAccount.bn == bn)
    if after is not None:
        query = query.where(ProgramAccount.bn15 > after)
    if only is not None:
        query = query.where(ProgramAccount.bn15.in_(only))
    return list(await session.scalars(query.order_by(ProgramAccount.bn15).limit(limit)))


async def program_account(session: AsyncSession, bn15: str) -> ProgramAccount | None:
    return await session.get(ProgramAccount, bn15)
