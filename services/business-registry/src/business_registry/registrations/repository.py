from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from business_registry.registrations.attempts import COUNTED, Outcome
from business_registry.registrations.models import RegistrationAttempt


async def lock_attempts(session: AsyncSession, bn: str, user_id: str) -> None:
    """Serialise attempt bookkeeping for this business and this user until the transaction ends (PostgreSQL;
    SQLite serialises writers already)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted((f"registration-attempts:bn:{bn}", f"registration-attempts:user:{user_id}")):
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


async def add(session: AsyncSession, bn: str, user_id: str, now: datetime) -> RegistrationAttempt:
    attempt = RegistrationAttempt(bn=bn, user_id=user_id, started_at=now, outcome=Outcome.PENDING.value)
    session.add(attempt)
    await session.flush()
    return attempt


async def counted_since(
    session: AsyncSession, since: datetime, *, bn: str | None = None, user_id: str | None = None
) -> list[tuple[int, datetime]]:
    """(id, started_at) of the attempts that count, for a business or a user, started after ``since``."""
    query = select(RegistrationAttempt.id, RegistrationAttempt.started_at).where(
        RegistrationAttempt.started_at > since, RegistrationAttempt.outcome.in_([o.value for o in COUNTED])
    )
    if bn is not None:
        query = query.where(RegistrationAttempt.bn == bn)
    if user_id is not None:
        query = query.where(RegistrationAttempt.user_id == user_id)
    return [(row.id, row.started_at) for row in await session.execute(query)]


async def settle(session: AsyncSession, attempt_id: int, outcome: Outcome) -> None:
    await session.execute(
        update(RegistrationAttempt).where(RegistrationAttempt.id == attempt_id).values(outcome=outcome.value)
    )
