from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.groups.models import (
    ClientGroup,
    ClientGroupMember,
    GroupAssignment,
    GroupOperation,
    GroupOverride,
    OperationState,
)
from delegation.relationships.models import BusinessRelationship, RelationshipStatus


async def group_of(session: AsyncSession, provider_bn: str, group_id: str, *, lock: bool = False) -> ClientGroup | None:
    query = select(ClientGroup).where(ClientGroup.id == group_id, ClientGroup.provider_bn == provider_bn)
    if lock:
        query = query.with_for_update(of=ClientGroup)
    return await session.scalar(query)


async def group_named(session: AsyncSession, provider_bn: str, name: str) -> ClientGroup | None:
    return await session.scalar(
        select(ClientGroup).where(ClientGroup.provider_bn == provider_bn, ClientGroup.name == name)
    )


async def groups_of(
    session: AsyncSession, provider_bn: str, *, after_seq: int | None, limit: int
) -> Sequence[ClientGroup]:
    query = select(ClientGroup).where(ClientGroup.provider_bn == provider_bn)
    if after_seq is not None:
        query = query.where(ClientGroup.seq > after_seq)
    return (await session.scalars(query.order_by(ClientGroup.seq).limit(limit))).all()


async def member_counts(session: AsyncSession, group_ids: Sequence[str]) -> dict[str, int]:
    if not group_ids:
        return {}
    rows = await session.execute(
        select(ClientGroupMember.group_id, func.count())
        .where(ClientGroupMember.group_id.in_(group_ids))
        .group_by(ClientGroupMember.group_id)
    )
    return {group_id: count for group_id, count in rows}


async def clients_of(session: AsyncSession, group_id: str) -> list[str]:
    query = select(ClientGroupMember.client_bn).where(ClientGroupMember.group_id == group_id)
    return list((await session.scalars(query.order_by(ClientGroupMember.client_bn))).all())


async def members_of(
    session: AsyncSession, group_id: str, *, after_bn: str | None, limit: int
) -> Sequence[ClientGroupMember]:
    """A page of the group's clients by business number (the primary key's order: a page costs one index range)."""
    query = select(ClientGroupMember).where(ClientGroupMember.group_id == group_id)
    if after_bn is not None:
        query = query.where(ClientGroupMember.client_bn > after_bn)
    return (await session.scalars(query.order_by(ClientGroupMember.client_bn).limit(limit))).all()


async def is_member(session: AsyncSession, group_id: str, client_bn: str) -> bool:
    found = await session.scalar(
        select(ClientGroupMember.client_bn).where(
            ClientGroupMember.group_id == group_id, ClientGroupMember.client_bn == client_bn
        )
    )
    return found is not None


async def actively_related(session: AsyncSession, provider_bn: str, client_bns: Sequence[str]) -> set[str]:
    """Which of these clients have an active relationship with the provider."""
    found: set[str] = set()
    for start in range(0, len(client_bns), 1000):  # bounded IN lists
        chunk = client_bns[start : start + 1000]
        rows = await session.scalars(
            select(BusinessRelationship.client_bn).where(
                BusinessRelationship.provider_bn == provider_bn,
                BusinessRelationship.status == RelationshipStatus.ACTIVE,
                BusinessRelationship.client_bn.in_(chunk),
            )
        )
        found.update(rows)
    return found


async def grouped(session: AsyncSession, provider_bn: str, client_bns: Sequence[str]) -> dict[str, str]:
    """Which of these clients are already in one of the provider's groups: client BN -> group id."""
    found: dict[str, str] = {}
    for start in range(0, len(client_bns), 1000):
        chunk = client_bns[start : start + 1000]
        rows = await session.execute(
            select(ClientGroupMember.client_bn, ClientGroupMember.group_id).where(
                ClientGroupMember.provider_bn == provider_bn, ClientGroupMember.client_bn.in_(chunk)
            )
        )
        found.update({bn: group_id for bn, group_id in rows})
    return found


async def assignment(session: AsyncSession, group_id: str, user_id: str) -> GroupAssignment | None:
    return await session.get(GroupAssignment, (group_id, user_id))


async def assignments_of(session: AsyncSession, group_id: str) -> Sequence[GroupAssignment]:
    query = select(GroupAssignment).where(GroupAssignment.group_id == group_id).order_by(GroupAssignment.user_id)
    return (await session.scalars(query)).all()


async def overrides_of(session: AsyncSession, group_id: str) -> Sequence[GroupOverride]:
    query = (
        select(GroupOverride)
        .where(GroupOverride.group_id == group_id)
        .order_by(GroupOverride.user_id, GroupOverride.client_bn)
    )
    return (await session.scalars(query)).all()


async def group_role_on(
    session: AsyncSession, user_id: str, client_bn: str, provider_bns: Sequence[str]
) -> dict[str, str]:
    """The user's group role on the client through each of these providers (override first; ``none`` when an
    override removed it): one join on the (provider_bn, client_bn) membership index, the (group_id, user_id)
    assignment key and the override key."""
    if not provider_bns:
        return {}
    rows = await session.execute(
        select(ClientGroupMember.provider_bn, GroupAssignment.role, GroupOverride.role)
        .join(GroupAssignment, GroupAssignment.group_id == ClientGroupMember.group_id)
        .outerjoin(
            GroupOverride,
            (GroupOverride.group_id == ClientGroupMember.group_id)
            & (GroupOverride.user_id == GroupAssignment.user_id)
            & (GroupOverride.client_bn == ClientGroupMember.client_bn),
        )
        .where(
            ClientGroupMember.client_bn == client_bn,
            ClientGroupMember.provider_bn.in_(provider_bns),
            GroupAssignment.user_id == user_id,
        )
    )
    return {provider_bn: override or role for provider_bn, role, override in rows}


async def group_roles_of_user(session: AsyncSession, user_id: str) -> dict[tuple[str, str], str]:
    """The same for every client of every group the user is assigned to: (provider BN, client BN) -> role."""
    rows = await session.execute(
        select(ClientGroupMember.provider_bn, ClientGroupMember.client_bn, GroupAssignment.role, GroupOverride.role)
        .join(GroupAssignment, GroupAssignment.group_id == ClientGroupMember.group_id)
        .outerjoin(
            GroupOverride,
            (GroupOverride.group_id == ClientGroupMember.group_id)
            & (GroupOverride.user_id == GroupAssignment.user_id)
            & (GroupOverride.client_bn == ClientGroupMember.client_bn),
        )
        .where(GroupAssignment.user_id == user_id)
    )
    return {(provider_bn, client_bn): override or role for provider_bn, client_bn, role, override in rows}


async def clients_through_groups(session: AsyncSession, user_id: str, provider_bn: str) -> list[str]:
    """The clients the user reaches through the provider's groups."""
    rows = await session.scalars(
        select(ClientGroupMember.client_bn)
        .join(GroupAssignment, GroupAssignment.group_id == ClientGroupMember.group_id)
        .where(GroupAssignment.user_id == user_id, ClientGroupMember.provider_bn == provider_bn)
    )
    return sorted(set(rows))


async def remove_user_from_groups(session: AsyncSession, user_id: str, provider_bn: str) -> None:
    """Every group assignment and override of the user in the provider's groups."""
    group_ids = select(ClientGroup.id).where(ClientGroup.provider_bn == provider_bn).scalar_subquery()
    assigned = select(GroupAssignment.group_id).where(
        GroupAssignment.user_id == user_id, GroupAssignment.group_id.in_(group_ids)
    )
    await _changed(session, assigned)
    await session.execute(
        delete(GroupOverride).where(GroupOverride.user_id == user_id, GroupOverride.group_id.in_(group_ids))
    )
    await session.execute(
        delete(GroupAssignment).where(GroupAssignment.user_id == user_id, GroupAssignment.group_id.in_(group_ids))
    )


async def _changed(session: AsyncSession, group_ids: Select[str]) -> None:
    """A new version (ETag) for the groups whose content changes as a side effect of another change."""
    await session.execute(
        update(ClientGroup)
        .where(ClientGroup.id.in_(group_ids.scalar_subquery()))
        .values(version=ClientGroup.version + 1)
        .execution_options(synchronize_session=False)
    )


async def operation_of(session: AsyncSession, provider_bn: str, operation_id: str) -> GroupOperation | None:
    return await session.scalar(
        select(GroupOperation).where(GroupOperation.id == operation_id, GroupOperation.provider_bn == provider_bn)
    )


async def operations_of(
    session: AsyncSession, provider_bn: str, *, before_seq: int | None, limit: int
) -> Sequence[GroupOperation]:
    query = select(GroupOperation).where(GroupOperation.provider_bn == provider_bn)
    if before_seq is not None:
        query = query.where(GroupOperation.seq < before_seq)
    return (await session.scalars(query.order_by(GroupOperation.seq.desc()).limit(limit))).all()


async def next_pending(session: AsyncSession) -> GroupOperation | None:
    """The oldest pending operation, locked; replicas skip each other's (SKIP LOCKED)."""
    return await session.scalar(
        select(GroupOperation)
        .where(GroupOperation.state == OperationState.PENDING)
        .order_by(GroupOperation.seq)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


async def operation_to_finish(session: AsyncSession, operation_id: str) -> GroupOperation | None:
    return await session.scalar(
        select(GroupOperation).where(GroupOperation.id == operation_id).with_for_update(of=GroupOperation)
    )


async def remove_client(session: AsyncSession, provider_bn: str, client_bn: str) -> None:
    """Take the client out of the provider's group (and its overrides there), when their relationship closes."""
    member_of = select(ClientGroupMember.group_id).where(
        ClientGroupMember.provider_bn == provider_bn, ClientGroupMember.client_bn == client_bn
    )
    await _changed(session, member_of)
    group_ids = member_of.scalar_subquery()
    await session.execute(
        delete(GroupOverride).where(GroupOverride.client_bn == client_bn, GroupOverride.group_id.in_(group_ids))
    )
    await session.execute(
        delete(ClientGroupMember).where(
            ClientGroupMember.provider_bn == provider_bn, ClientGroupMember.client_bn == client_bn
        )
    )


async def group_roles_on(
    session: AsyncSession, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, str]]:
    """For these (provider BN, client BN) pairs, the group role of each assigned employee (after overrides)."""
    if not pairs:
        return {}
    wanted = set(pairs)
    providers = sorted({p for p, _ in wanted})
    clients = sorted({c for _, c in wanted})
    found: dict[tuple[str, str], dict[str, str]] = {}
    for start in range(0, len(clients), 1000):
        rows = await session.execute(
            select(
                ClientGroupMember.provider_bn,
                ClientGroupMember.client_bn,
                GroupAssignment.user_id,
                GroupAssignment.role,
                GroupOverride.role,
            )
            .join(GroupAssignment, GroupAssignment.group_id == ClientGroupMember.group_id)
            .outerjoin(
                GroupOverride,
                (GroupOverride.group_id == ClientGroupMember.group_id)
                & (GroupOverride.user_id == GroupAssignment.user_id)
                & (GroupOverride.client_bn == ClientGroupMember.client_bn),
            )
            .where(
                ClientGroupMember.provider_bn.in_(providers),
                ClientGroupMember.client_bn.in_(clients[start : start + 1000]),
            )
        )
        for provider_bn, client_bn, user_id, role, override in rows:
            if (provider_bn, client_bn) in wanted:
                found.setdefault((provider_bn, client_bn), {})[user_id] = override or role
    return found
