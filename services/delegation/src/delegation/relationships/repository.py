from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from delegation.businesses.models import Business
from delegation.employees.models import EmployeeGrant
from delegation.relationships.models import (
    BusinessRelationship,
    IdempotentResponse,
    ProxyAssignment,
    RelationshipRequest,
    RelationshipRequestStatus,
    RelationshipStatus,
)

OPEN = (RelationshipRequestStatus.PENDING.value, RelationshipRequestStatus.REJECTED.value)


async def open_request(session: AsyncSession, provider_bn: str, client_bn: str) -> RelationshipRequest | None:
    """The pending, or rejected and not cancelled, request of the provider to the client."""
    return await session.scalar(
        select(RelationshipRequest).where(
            RelationshipRequest.provider_bn == provider_bn,
            RelationshipRequest.client_bn == client_bn,
            RelationshipRequest.status.in_(OPEN),
        )
    )


async def request_to_change(session: AsyncSession, request_id: str) -> RelationshipRequest | None:
    """Locked until the end of the transaction (PostgreSQL): two managers cannot both decide it."""
    return await session.scalar(
        select(RelationshipRequest).where(RelationshipRequest.id == request_id).with_for_update(of=RelationshipRequest)
    )


async def requests_of(
    session: AsyncSession,
    bn: str,
    *,
    incoming: bool,
    outgoing: bool,
    status: RelationshipRequestStatus | None,
    before_seq: int | None,
    limit: int,
) -> Sequence[RelationshipRequest]:
    sides = []
    if incoming:
        sides.append(RelationshipRequest.client_bn == bn)
    if outgoing:
        sides.append(RelationshipRequest.provider_bn == bn)
    query = select(RelationshipRequest).where(or_(*sides))
    if status is not None:
        query = query.where(RelationshipRequest.status == status)
    if before_seq is not None:
        query = query.where(RelationshipRequest.seq < before_seq)
    return (await session.scalars(query.order_by(RelationshipRequest.seq.desc()).limit(limit))).all()


async def active_between(session: AsyncSession, provider_bn: str, client_bn: str) -> BusinessRelationship | None:
    return await session.scalar(
        select(BusinessRelationship).where(
            BusinessRelationship.client_bn == client_bn,
            BusinessRelationship.provider_bn == provider_bn,
            BusinessRelationship.status == RelationshipStatus.ACTIVE,
        )
    )


async def relationship_to_change(session: AsyncSession, relationship_id: str) -> BusinessRelationship | None:
    return await session.scalar(
        select(BusinessRelationship)
        .where(BusinessRelationship.id == relationship_id)
        .with_for_update(of=BusinessRelationship)
    )


async def relationships_of(
    session: AsyncSession,
    bn: str,
    *,
    as_provider: bool,
    as_client: bool,
    status: RelationshipStatus | None,
    before_seq: int | None,
    limit: int,
) -> Sequence[BusinessRelationship]:
    sides = []
    if as_provider:
        sides.append(BusinessRelationship.provider_bn == bn)
    if as_client:
        sides.append(BusinessRelationship.client_bn == bn)
    query = select(BusinessRelationship).where(or_(*sides))
    if status is not None:
        query = query.where(BusinessRelationship.status == status)
    if before_seq is not None:
        query = query.where(BusinessRelationship.seq < before_seq)
    return (await session.scalars(query.order_by(BusinessRelationship.seq.desc()).limit(limit))).all()


async def due_to_expire(session: AsyncSession, today: date) -> Sequence[BusinessRelationship]:
    """Active relationships whose expiry date has come, locked (concurrent job runs skip each other's rows)."""
    return (
        await session.scalars(
            select(BusinessRelationship)
            .where(BusinessRelationship.status == RelationshipStatus.ACTIVE, BusinessRelationship.expires_on <= today)
            .order_by(BusinessRelationship.seq)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def paths_to_client(
    session: AsyncSession, user_id: str, client_bn: str
) -> Sequence[tuple[EmployeeGrant, BusinessRelationship]]:
    """Every (provider grant of the user, relationship of that provider with the client): one join on the
    (user_id, bn) grant index and the (client_bn, provider_bn) relationship index."""
    rows = await session.execute(
        select(EmployeeGrant, BusinessRelationship)
        .join(BusinessRelationship, BusinessRelationship.provider_bn == EmployeeGrant.bn)
        .where(EmployeeGrant.user_id == user_id, BusinessRelationship.client_bn == client_bn)
        .order_by(BusinessRelationship.provider_bn, BusinessRelationship.seq)
    )
    return [(grant, rel) for grant, rel in rows]


async def paths_of_user(session: AsyncSession, user_id: str) -> Sequence[tuple[EmployeeGrant, BusinessRelationship]]:
    """The same for every client of every provider the user works for (the caller's contexts)."""
    rows = await session.execute(
        select(EmployeeGrant, BusinessRelationship)
        .join(BusinessRelationship, BusinessRelationship.provider_bn == EmployeeGrant.bn)
        .where(EmployeeGrant.user_id == user_id)
        .order_by(BusinessRelationship.client_bn, BusinessRelationship.provider_bn, BusinessRelationship.seq)
    )
    return [(grant, rel) for grant, rel in rows]


async def assignments_of_user(
    session: AsyncSession, user_id: str, relationship_ids: Sequence[str]
) -> dict[str, ProxyAssignment]:
    if not relationship_ids:
        return {}
    rows = await session.scalars(
        select(ProxyAssignment).where(
            ProxyAssignment.user_id == user_id, ProxyAssignment.relationship_id.in_(relationship_ids)
        )
    )
    return {a.relationship_id: a for a in rows}


async def assignment(session: AsyncSession, relationship_id: str, user_id: str) -> ProxyAssignment | None:
    return await session.scalar(
        select(ProxyAssignment).where(
            ProxyAssignment.relationship_id == relationship_id, ProxyAssignment.user_id == user_id
        )
    )


async def assignments_of(session: AsyncSession, relationship_id: str) -> Sequence[ProxyAssignment]:
    return (
        await session.scalars(
            select(ProxyAssignment)
            .where(ProxyAssignment.relationship_id == relationship_id)
            .order_by(ProxyAssignment.id)
        )
    ).all()


async def remove_assignments(session: AsyncSession, relationship_id: str) -> None:
    await session.execute(delete(ProxyAssignment).where(ProxyAssignment.relationship_id == relationship_id))


async def idempotent_response(
    session: AsyncSession, operation: str, principal: str, key: str
) -> IdempotentResponse | None:
    return await session.get(IdempotentResponse, (operation, principal, key))


async def businesses_by_bn(session: AsyncSession, bns: Sequence[str]) -> dict[str, Business]:
    rows = await session.scalars(select(Business).where(Business.bn.in_(bns)))
    return {b.bn: b for b in rows}


async def relationship_by_id(session: AsyncSession, relationship_id: str) -> BusinessRelationship | None:
    return await session.scalar(select(BusinessRelationship).where(BusinessRelationship.id == relationship_id))


async def active_page(
    session: AsyncSession, bn: str, *, as_provider: bool, after_seq: int, limit: int
) -> Sequence[BusinessRelationship]:
    """The business's active relationships on one side, with the other side's business: one keyset page, in
    relationship order after ``after_seq``, at most ``limit``."""
    side = BusinessRelationship.provider_bn if as_provider else BusinessRelationship.client_bn
    other = BusinessRelationship.client if as_provider else BusinessRelationship.provider
    query = (
        select(BusinessRelationship)
        .options(joinedload(other))
        .where(side == bn, BusinessRelationship.status == RelationshipStatus.ACTIVE)
        .where(BusinessRelationship.seq > after_seq)
        .order_by(BusinessRelationship.seq)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def grants_of(session: AsyncSession, bns: Sequence[str]) -> Sequence[EmployeeGrant]:
    if not bns:
        return []
    query = select(EmployeeGrant).where(EmployeeGrant.bn.in_(bns)).order_by(EmployeeGrant.bn, EmployeeGrant.id)
    return (await session.scalars(query)).all()


async def assignments_on(session: AsyncSession, relationship_ids: Sequence[str]) -> Sequence[ProxyAssignment]:
    if not relationship_ids:
        return []
    query = (
        select(ProxyAssignment)
        .where(ProxyAssignment.relationship_id.in_(relationship_ids))
        .order_by(ProxyAssignment.id)
    )
    return (await session.scalars(query)).all()
