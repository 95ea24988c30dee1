from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.access_requests.models import AccessRequest, AccessRequestStatus


async def pending_of(session: AsyncSession, requester: str, bn: str) -> AccessRequest | None:
    return await session.scalar(
        select(AccessRequest).where(
            AccessRequest.bn == bn,
            AccessRequest.requester_user_id == requester,
            AccessRequest.status == AccessRequestStatus.PENDING,
        )
    )


async def to_decide(session: AsyncSession, bn: str, request_id: str) -> AccessRequest | None:
    """The request, locked until the end of the transaction (PostgreSQL), so two managers cannot both decide it."""
    return await session.scalar(
        select(AccessRequest)
        .where(AccessRequest.id == request_id, AccessRequest.bn == bn)
        .with_for_update(of=AccessRequest)
    )


async def listed(
    session: AsyncSession,
    *,
    bn: str | None = None,
    requester: str | None = None,
    status: AccessRequestStatus | None,
    before_seq: int | None,
    limit: int,
) -> Sequence[AccessRequest]:
    """A business's or a requester's requests, newest first."""
    query = select(AccessRequest)
    if bn is not None:
        query = query.where(AccessRequest.bn == bn)
    if requester is not None:
        query = query.where(AccessRequest.requester_user_id == requester)
    if status is not None:
        query = query.where(AccessRequest.status == status)
    if before_seq is not None:
        query = query.where(AccessRequest.seq < before_seq)
    return (await session.scalars(query.order_by(AccessRequest.seq.desc()).limit(limit))).all()
