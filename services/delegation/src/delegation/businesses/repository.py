from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses.models import Business


async def get(session: AsyncSession, bn: str) -> Business | None:
    return await session.get(Business, bn)
