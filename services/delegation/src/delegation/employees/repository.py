from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from delegation.employees.models import EmployeeGrant, EmployeeGrantProgram
from delegation.roles import Role

# Built once: composing a statement (columns, IN, the joined load) costs about a tenth of a simple read's CPU.
# Both look grants up on the (user_id, bn) unique index, their program accounts joined in: one round trip.
_GRANT_OF = (
    select(EmployeeGrant)
    .options(joinedload(EmployeeGrant.programs))
    .where(EmployeeGrant.user_id == bindparam("user_id"), EmployeeGrant.bn == bindparam("bn"))
)
_GRANTS_OF_USERS = (
    select(EmployeeGrant)
    .options(joinedload(EmployeeGrant.programs))
    .where(EmployeeGrant.user_id.in_(bindparam("user_ids", expanding=True)), EmployeeGrant.bn == bindparam("bn"))
)


async def grant_of(session: AsyncSession, user_id: str, bn: str) -> EmployeeGrant | None:
    """The user's grant on the business, with its program accounts, in one round trip."""
    return (await session.scalars(_GRANT_OF, {"user_id": user_id, "bn": bn})).unique().one_or_none()


async def grants_of_users(session: AsyncSession, user_ids: Collection[str], bn: str) -> dict[str, EmployeeGrant]:
    """The grants these users hold on the business, by user id, with their program accounts: one statement,
    whatever the number of users (e.g. a manager and the employee it reads)."""
    rows = await session.scalars(_GRANTS_OF_USERS, {"user_ids": sorted(user_ids), "bn": bn})
    return {row.user_id: row for row in rows.unique()}


async def grants_of_user(
    session: AsyncSession, user_id: str, *, after_bn: str | None = None, limit: int | None = None
) -> Sequence[EmployeeGrant]:
    """The user's grants by business number, each with its business (for the names)."""
    query = select(EmployeeGrant).options(joinedload(EmployeeGrant.business)).where(EmployeeGrant.user_id == user_id)
    if after_bn is not None:
        query = query.where(EmployeeGrant.bn > after_bn)
    query = query.order_by(EmployeeGrant.bn)
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


async def grants_of_business(
    session: AsyncSession,
    bn: str,
    *,
    within: frozenset[str] | None = None,
    after_id: int | None = None,
    limit: int,
) -> Sequence[EmployeeGrant]:
    """The business's grants in grant order; with ``within``, only those covering one of these program accounts
    (all-programs grants cover every one)."""
    query = select(EmployeeGrant).where(EmployeeGrant.bn == bn)
    if within is not None:
        query = query.where(
            or_(
                EmployeeGrant.all_programs,
                exists().where(
                    EmployeeGrantProgram.grant_id == EmployeeGrant.id, EmployeeGrantProgram.bn15.in_(within)
                ),
            )
        )
    if after_id is not None:
        query = query.where(EmployeeGrant.id > after_id)
    return (await session.scalars(query.order_by(EmployeeGrant.id).limit(limit))).all()


async def managers_of(session: AsyncSession, bn: str) -> list[str]:
    """The users who can decide access requests: the business's BAMs and PAMs."""
    query = select(EmployeeGrant.user_id).where(EmployeeGrant.bn == bn, EmployeeGrant.role.in_([Role.BAM, Role.PAM]))
    return sorted((await session.scalars(query)).all())


async def grant_to_change(session: AsyncSession, user_id: str, bn: str) -> EmployeeGrant | None:
    """Locked until the end of the transaction (PostgreSQL): two managers cannot both change it."""
    return await session.scalar(
        select(EmployeeGrant)
        .where(EmployeeGrant.user_id == user_id, EmployeeGrant.bn == bn)
        .with_for_update(of=EmployeeGrant)
    )


async def lock_bams(session: AsyncSession, bn: str) -> list[str]:
    """The business's BAMs, their rows locked: two BAMs demoting or removing each other at once cannot both pass
    the last-BAM check."""
    query = (
        select(EmployeeGrant.user_id)
        .where(EmployeeGrant.bn == bn, EmployeeGrant.role == Role.BAM)
        .order_by(EmployeeGrant.id)
        .with_for_update()
    )
    return list((await session.scalars(query)).all())
