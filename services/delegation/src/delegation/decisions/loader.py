"""Fills the decision index from delegation's tables, and reloads the rows a committed event names.

Every change that can alter a decision publishes one of delegation's events (in the transaction of the change);
:func:`changes_of` maps each to the rows to read again:

- an employee granted, changed or removed (``EmployeeAccess*``, an approved access request): the user at that
  business: its grant, its assignments to the business's clients, its group assignments and overrides in the
  business's groups (a removal or a promotion to BAM drops them); a grant also reloads the business (a
  registration creates the business and its registrant's grant in one transaction);
- a relationship approved, changed, ended or expired (``Relationship*`` with a relationship id): every relationship
  between the two businesses, their assignments, and the client's membership of the provider's groups with its
  overrides (closing a relationship takes the client out of the provider's group);
- an assignment set or removed (``ProxyAssignment*``): that assignment;
- a client-group event (``ClientGroup*``): the group, its members, assignments and overrides.

Reads use SQLAlchemy core (no ORM identity map): a full load of 100k businesses takes seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses.models import Business
from delegation.decisions.index import DecisionIndex, IndexedAssignment, IndexedRelationship
from delegation.employees.models import EmployeeGrant, EmployeeGrantProgram
from delegation.employees.service import Grant
from delegation.groups.models import ClientGroup, ClientGroupMember, GroupAssignment, GroupOverride
from delegation.programs import ProgramAccess
from delegation.relationships.models import BusinessRelationship, ProxyAssignment, RelationshipStatus, RelationshipType
from delegation.relationships.proxy import Terms
from delegation.roles import Role
from portal_runtime.messaging import EventRecord

EVERYTHING = ProgramAccess.everything()
_ACTIVE = RelationshipStatus.ACTIVE.value


@dataclass(frozen=True)
class Change:
    """Rows to read again: ``kind`` and its keys."""

    kind: str  # "user_at" (user, business) | "business" (bn) | "pair" (provider, client) | "assignment" | "group"
    keys: tuple[str, ...]


USER_AT_EVENTS = {
    "delegation.employee.access_granted.v1": "user_id",
    "delegation.employee.access_changed.v1": "user_id",
    "delegation.employee.access_revoked.v1": "user_id",
    "delegation.access_request.approved.v1": "requester_user_id",
}
ASSIGNMENT_EVENTS = {"delegation.proxy_assignment.set.v1", "delegation.proxy_assignment.removed.v1"}
PAIR_EVENT_PREFIXES = ("delegation.relationship.", "delegation.relationship_request.approved.")
GROUP_EVENT_PREFIX = "delegation.client_group."


def changes_of(records: Iterable[EventRecord]) -> list[Change]:
    """The rows delegation's events say changed (other events: none)."""
    changes: list[Change] = []
    for record in records:
        data, kind = record.data, record.type
        if kind in USER_AT_EVENTS:
            changes.append(Change("user_at", (data[USER_AT_EVENTS[kind]], data["bn"])))
            if kind == "delegation.employee.access_granted.v1":
                changes.append(Change("business", (data["bn"],)))
        elif kind in ASSIGNMENT_EVENTS:
            changes.append(Change("assignment", (data["relationship_id"], data["user_id"])))
        elif kind.startswith(PAIR_EVENT_PREFIXES) and "relationship_id" in data:
            changes.append(Change("pair", (data["provider_bn"], data["client_bn"])))
        elif kind.startswith(GROUP_EVENT_PREFIX):
            changes.append(Change("group", (data["group_id"],)))
    return list(dict.fromkeys(changes))  # each once, in order


def _access(all_programs: bool, programs: Sequence[str] | None) -> ProgramAccess:
    return EVERYTHING if all_programs else ProgramAccess(frozenset(programs or ()))


def _relationship(row: RelationshipRow) -> IndexedRelationship:
    seq, id_, provider_bn, client_bn, type_, all_programs, programs, client_sub, other_sub, expires_on, status = row
    terms = Terms(
        id_,
        provider_bn,
        client_bn,
        RelationshipType(type_),
        _access(all_programs, programs),
        bool(client_sub),
        bool(other_sub),
        status == _ACTIVE,
    )
    return IndexedRelationship(terms, expires_on, seq)


R = BusinessRelationship
# One row of RELATIONSHIP_COLUMNS, in their order.
RelationshipRow = tuple[int, str, str, str, str, bool, list[str], bool, bool, date | None, str]
RELATIONSHIP_COLUMNS = (
    R.seq,
    R.id,
    R.provider_bn,
    R.client_bn,
    R.type,
    R.all_programs,
    R.programs,
    R.client_submitted,
    R.other_businesses_submitted,
    R.expires_on,
    R.status,
)
A = ProxyAssignment
ASSIGNMENT_COLUMNS = (A.relationship_id, A.user_id, A.role, A.all_programs, A.programs)
G = EmployeeGrant
GRANT_COLUMNS = (G.id, G.user_id, G.bn, G.role, G.all_programs)


def _grant(user_id: str, bn: str, role: str, all_programs: bool, listed: Sequence[str]) -> Grant:
    return Grant(user_id, bn, Role(role), _access(all_programs, listed))


async def load(session: AsyncSession) -> DecisionIndex:
    """The whole index, read from the tables."""
    index = DecisionIndex()
    listed: dict[int, list[str]] = {}
    for grant_id, bn15 in await session.execute(select(EmployeeGrantProgram.grant_id, EmployeeGrantProgram.bn15)):
        listed.setdefault(grant_id, []).append(bn15)
    for grant_id, user_id, bn, role, all_programs in await session.execute(select(*GRANT_COLUMNS)):
        index.put_grant(_grant(user_id, bn, role, all_programs, listed.get(grant_id, ())))
    pairs: dict[tuple[str, str], list[IndexedRelationship]] = {}
    for row in await session.execute(select(*RELATIONSHIP_COLUMNS)):
        rel = _relationship(row)
        pairs.setdefault((rel.terms.provider_bn, rel.terms.client_bn), []).append(rel)
    for (provider_bn, client_bn), rels in pairs.items():
        index.set_pair(provider_bn, client_bn, rels)
    for relationship_id, user_id, role, all_programs, programs in await session.execute(select(*ASSIGNMENT_COLUMNS)):
        index.put_assignment(relationship_id, user_id, IndexedAssignment(role, _access(all_programs, programs)))
    for group_id, provider_bn in await session.execute(select(ClientGroup.id, ClientGroup.provider_bn)):
        index.put_group(group_id, provider_bn)
    members = select(ClientGroupMember.group_id, ClientGroupMember.provider_bn, ClientGroupMember.client_bn)
    for group_id, provider_bn, client_bn in await session.execute(members):
        index.add_member(group_id, provider_bn, client_bn)
    for group_id, user_id, role in await session.execute(
        select(GroupAssignment.group_id, GroupAssignment.user_id, GroupAssignment.role)
    ):
        index.put_group_user(group_id, user_id, role)
    for group_id, user_id, client_bn, role in await session.execute(
        select(GroupOverride.group_id, GroupOverride.user_id, GroupOverride.client_bn, GroupOverride.role)
    ):
        index.put_override(group_id, user_id, client_bn, role)
    index.businesses.update(await session.scalars(select(Business.bn)))
    return index


# --- precise reloads ----------------------------------------------------------------------------------------------


async def reload_user_at(session: AsyncSession, index: DecisionIndex, user_id: str, bn: str) -> None:
    index.drop_user_at_provider(user_id, bn)
    row = (await session.execute(select(*GRANT_COLUMNS).where(G.user_id == user_id, G.bn == bn))).first()
    if row is None:
        return
    grant_id, _, _, role, all_programs = row
    listed = await session.scalars(select(EmployeeGrantProgram.bn15).where(EmployeeGrantProgram.grant_id == grant_id))
    index.put_grant(_grant(user_id, bn, role, all_programs, list(listed)))
    assigned = await session.execute(
        select(*ASSIGNMENT_COLUMNS).join(R, R.id == A.relationship_id).where(A.user_id == user_id, R.provider_bn == bn)
    )
    for relationship_id, _, role, all_programs, programs in assigned:
        index.put_assignment(relationship_id, user_id, IndexedAssignment(role, _access(all_programs, programs)))
    in_groups = await session.execute(
        select(GroupAssignment.group_id, GroupAssignment.role)
        .join(ClientGroup, ClientGroup.id == GroupAssignment.group_id)
        .where(GroupAssignment.user_id == user_id, ClientGroup.provider_bn == bn)
    )
    for group_id, role in in_groups:
        index.put_group(group_id, bn)
        index.put_group_user(group_id, user_id, role)
    overrides = await session.execute(
        select(GroupOverride.group_id, GroupOverride.client_bn, GroupOverride.role)
        .join(ClientGroup, ClientGroup.id == GroupOverride.group_id)
        .where(GroupOverride.user_id == user_id, ClientGroup.provider_bn == bn)
    )
    for group_id, client_bn, role in overrides:
        index.put_override(group_id, user_id, client_bn, role)


async def reload_business(session: AsyncSession, index: DecisionIndex, bn: str) -> None:
    if await session.scalar(select(Business.bn).where(Business.bn == bn)) is None:
        index.businesses.discard(bn)
    else:
        index.businesses.add(bn)


async def reload_pair(session: AsyncSession, index: DecisionIndex, provider_bn: str, client_bn: str) -> None:
    rows = await session.execute(
        select(*RELATIONSHIP_COLUMNS).where(R.provider_bn == provider_bn, R.client_bn == client_bn)
    )
    rels = [_relationship(row) for row in rows]
    index.set_pair(provider_bn, client_bn, rels)
    if rels:
        ids = [r.terms.id for r in rels]
        assigned = await session.execute(select(*ASSIGNMENT_COLUMNS).where(A.relationship_id.in_(ids)))
        for relationship_id, user_id, role, all_programs, programs in assigned:
            index.put_assignment(relationship_id, user_id, IndexedAssignment(role, _access(all_programs, programs)))
    index.drop_member(provider_bn, client_bn)
    group_id = await session.scalar(
        select(ClientGroupMember.group_id).where(
            ClientGroupMember.provider_bn == provider_bn, ClientGroupMember.client_bn == client_bn
        )
    )
    if group_id is not None:
        index.add_member(group_id, provider_bn, client_bn)
        overrides = await session.execute(
            select(GroupOverride.user_id, GroupOverride.role).where(
                GroupOverride.group_id == group_id, GroupOverride.client_bn == client_bn
            )
        )
        for user_id, role in overrides:
            index.put_override(group_id, user_id, client_bn, role)


async def reload_assignment(session: AsyncSession, index: DecisionIndex, relationship_id: str, user_id: str) -> None:
    row = (
        await session.execute(
            select(*ASSIGNMENT_COLUMNS).where(A.relationship_id == relationship_id, A.user_id == user_id)
        )
    ).first()
    index.put_assignment(
        relationship_id, user_id, None if row is None else IndexedAssignment(row[2], _access(row[3], row[4]))
    )


async def reload_group(session: AsyncSession, index: DecisionIndex, group_id: str) -> None:
    index.drop_group(group_id)
    provider_bn = await session.scalar(select(ClientGroup.provider_bn).where(ClientGroup.id == group_id))
    if provider_bn is None:
        return  # deleted
    index.put_group(group_id, provider_bn)
    members = await session.scalars(select(ClientGroupMember.client_bn).where(ClientGroupMember.group_id == group_id))
    for client_bn in members:
        index.drop_member(provider_bn, client_bn)  # from the group the index had it in, if another
        index.add_member(group_id, provider_bn, client_bn)
    users = await session.execute(
        select(GroupAssignment.user_id, GroupAssignment.role).where(GroupAssignment.group_id == group_id)
    )
    for user_id, role in users:
        index.put_group_user(group_id, user_id, role)
    overrides = await session.execute(
        select(GroupOverride.user_id, GroupOverride.client_bn, GroupOverride.role).where(
            GroupOverride.group_id == group_id
        )
    )
    for user_id, client_bn, role in overrides:
        index.put_override(group_id, user_id, client_bn, role)


async def apply(session: AsyncSession, index: DecisionIndex, changes: Iterable[Change]) -> None:
    """Read again the rows of these changes, in order."""
    for change in changes:
        if change.kind == "user_at":
            await reload_user_at(session, index, *change.keys)
        elif change.kind == "business":
            await reload_business(session, index, *change.keys)
        elif change.kind == "pair":
            await reload_pair(session, index, *change.keys)
        elif change.kind == "assignment":
            await reload_assignment(session, index, *change.keys)
        elif change.kind == "group":
            await reload_group(session, index, *change.keys)
