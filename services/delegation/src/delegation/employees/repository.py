from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import joinedload

from delegation.employees.models import EmployeeGrant, EmployeeGrantProgram, GrantRecord
from delegation.roles import Role
from portal_runtime.db import DriverQuery

# Built once: composing a statement (columns, IN, the joined load) costs about a tenth of a simple read's CPU.
# Both look grants up on the (user_id, bn) unique index, their program accounts joined in: one round trip.
_GRANT_OF = (
    select(EmployeeGrant)
    .options(joinedload(EmployeeGrant.programs))
    .where(EmployeeGrant.user_id == bindparam("user_id"), EmployeeGrant.bn == bindparam("bn"))
)
# A manager's grant and the employee's, with their program accounts (one row per program account, or one with
# no bn15 for an all-programs grant): on the (user_id, bn) index, on the driver (the hottest employee read).
_GRANTS_OF_TWO_USERS = DriverQuery(
    select(
        EmployeeGrant.id,
        EmployeeGrant.user_id,
        EmployeeGrant.bn,
        EmployeeGrant.role,
        EmployeeGrant.all_programs,
        EmployeeGrant.granted_at,
        EmployeeGrant.version,
        EmployeeGrantProgram.bn15,
    )
    .outerjoin(EmployeeGrantProgram, EmployeeGrantProgram.grant_id == EmployeeGrant.id)
    .where(EmployeeGrant.bn == bindparam("bn"), EmployeeGrant.user_id.in_([bindparam("first"), bindparam("second")]))
    .order_by(EmployeeGrant.id, EmployeeGrantProgram.bn15)
)


async def grant_of(session: AsyncSession, user_id: str, bn: str) -> EmployeeGrant | None:
    """The user's grant on the business, with its program accounts, in one round trip."""
    return (await session.scalars(_GRANT_OF, {"user_id": user_id, "bn": bn})).unique().one_or_none()


async def grants_of_two_users(engine: AsyncEngine, first: str, second: str, bn: str) -> dict[str, GrantRecord]:
    """The grants two users (or one, twice) hold on the business, by user id, with their program accounts: one
    statement (e.g. a manager and the employee it reads)."""
    rows = await _GRANTS_OF_TWO_USERS.rows(engine, first=first, second=second, bn=bn)
    bn15s: dict[int, list[str]] = {}
    firsts: dict[int, Mapping[str, Any]] = {}
    for row in rows:
        firsts.setdefault(row["id"], row)
        programs = bn15s.setdefault(row["id"], [])
        if row["bn15"] is not None:
            programs.append(row["bn15"])
    return {
        row["user_id"]: GrantRecord(
            id=row["id"],
            user_id=row["user_id"],
            bn=row["bn"],
            role=row["role"],
            all_programs=row["all_programs"],
            granted_at=row["granted_at"],
            version=row["version"],
            bn15s=tuple(bn15s[grant_id]),
        )
        for grant_id, row in firsts.items()
    }


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
