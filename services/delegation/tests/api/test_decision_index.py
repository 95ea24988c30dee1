"""The decision index answers exactly what the SQL path answers: on a seeded random data set, for thousands of
random questions, and after random changes made through the API (each compared right after it: read-your-writes)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from delegation.decisions import service
from delegation.decisions.live import LiveIndex, live_index
from delegation.employees.models import EmployeeGrant
from delegation.groups.models import ClientGroup, ClientGroupMember, GroupAssignment
from delegation.groups.worker import run_pending
from delegation.relationships.expiry import expire_relationships
from delegation.relationships.models import BusinessRelationship, ProxyAssignment
from delegation.roles import Role
from portal_contracts.internal import DecisionRequest
from portal_runtime.clock import business_today, system_clock
from portal_runtime.paging import PageRequest

from .decision_data import ACCOUNTS, DataSet, bn_of, generate, questions
from .factories import Portal, registered


def today_of(portal: Portal) -> date:
    return business_today(system_clock, portal.runtime.settings.business_timezone)


def live(portal: Portal) -> LiveIndex:
    found = live_index(portal.runtime)
    assert found is not None
    return found


async def assert_parity(
    portal: Portal, asked: list[tuple[str, str, str | None]], today: date, context: str = ""
) -> None:
    index = live(portal).usable()
    assert index is not None, "the index is not answering"
    mismatches = []
    async with portal.runtime.sessions() as session:
        for user, business, program_account in asked:
            question = DecisionRequest(user_id=user, business=business, program_account=program_account)
            expected = await service.decide(session, question, today)
            got = index.decide(user, business, program_account, today)
            if got != expected:
                mismatches.append((user, business, program_account, expected, got))
    assert not mismatches, f"{context}: {len(mismatches)} of {len(asked)} differ, e.g. {mismatches[:3]}"


async def test_the_index_answers_what_the_tables_answer(portal: Portal) -> None:
    today = today_of(portal)
    data = await generate(portal.runtime, seed=20261124, today=today)
    await portal.reindex()
    rng = random.Random(1)
    asked = questions(data, rng, 4000)
    await assert_parity(portal, asked, today, "today")
    # expiry by date is evaluated at decision time
    for later in (today + timedelta(days=1), today + timedelta(days=40), today - timedelta(days=5)):
        await assert_parity(portal, asked[:1500], later, f"on {later}")
    allowed = sum(live(portal).usable().decide(u, b, p, today).allow for u, b, p in asked)  # type: ignore[union-attr]
    assert 400 < allowed < 3600  # a data set with both answers, not a trivial one


async def all_contexts(portal: Portal, user: str, today: date, limit: int, indexed: bool) -> list[tuple[Any, ...]]:
    """Every page of the user's contexts, from the index or the tables, as comparable tuples."""
    index = live(portal).usable()
    assert index is not None
    found: list[tuple[Any, ...]] = []
    cursor = None
    async with portal.runtime.sessions() as session:
        while True:
            page = PageRequest(limit, cursor)
            if indexed:
                rows, cursor = await service.indexed_contexts(session, index, user, page, today)
            else:
                rows, cursor = await service.contexts(session, user, page, today)
            assert len(rows) <= limit
            found += [(c.business.bn, c.role, c.programs, c.scopes, c.via_provider, c.visibility) for c in rows]
            if cursor is None:
                return found


async def test_contexts_from_the_index_are_those_from_the_tables(portal: Portal) -> None:
    today = today_of(portal)
    data = await generate(portal.runtime, seed=20261125, today=today)
    await portal.reindex()
    with_clients = 0
    for user in data.users:
        expected = await all_contexts(portal, user, today, limit=500, indexed=False)
        assert await all_contexts(portal, user, today, limit=500, indexed=True) == expected, user
        assert await all_contexts(portal, user, today, limit=3, indexed=True) == expected, user  # paged
        with_clients += any(via is not None for *_, via, _ in expected)
    assert with_clients >= 3  # provider staff acting for clients, not only employers


def bam(portal: Portal, bn: str) -> dict[str, str]:
    return portal.acting(f"bam-{bn}", Role.BAM, bn)


def programs_for(rng: random.Random, bn: str) -> Any:
    return "all" if rng.random() < 0.5 else sorted(rng.sample([f"{bn}{a}" for a in ACCOUNTS], rng.randint(1, 2)))


class Mutations:
    """Random changes through the API; each returns the businesses it touched (to ask about them first)."""

    def __init__(self, portal: Portal, data: DataSet, rng: random.Random, today: date) -> None:
        self.portal, self.data, self.rng, self.today = portal, data, rng, today
        self.hired = 0
        self.kinds: dict[str, int] = {}

    async def rows(self, query: Any) -> list[Any]:
        async with self.portal.runtime.sessions() as session:
            return list((await session.execute(query)).all())

    async def active(self) -> list[Any]:
        return await self.rows(
            select(BusinessRelationship.id, BusinessRelationship.provider_bn, BusinessRelationship.client_bn).where(
                BusinessRelationship.status == "active"
            )
        )

    async def run(self) -> list[str]:
        name = self.rng.choice(
            [
                "change_employee",
                "change_employee",
                "remove_employee",
                "hire",
                "establish",
                "edit",
                "edit",
                "edit",
                "end",
                "assign",
                "assign",
                "unassign",
                "group_add",
                "group_remove",
                "group_assign",
                "group_override",
                "group_unassign",
                "group_create_delete",
                "expire",
                "register",
            ]
        )
        touched: list[str] = await getattr(self, name)()
        self.kinds[name] = self.kinds.get(name, 0) + 1
        await run_pending(self.portal.runtime)
        return touched

    async def change_employee(self) -> list[str]:
        grants = await self.rows(select(EmployeeGrant.user_id, EmployeeGrant.bn))
        user, bn = self.rng.choice([g for g in grants if g[0] != f"bam-{g[1]}"])
        role = self.rng.choice(["bam", "pam", "editor", "viewer"])
        await self.portal.client.put(
            f"/v1/businesses/{bn}/employees/{user}",
            json={"role": role, "programs": programs_for(self.rng, bn)},
            headers=bam(self.portal, bn),
        )
        return [bn]

    async def remove_employee(self) -> list[str]:
        grants = await self.rows(select(EmployeeGrant.user_id, EmployeeGrant.bn))
        user, bn = self.rng.choice([g for g in grants if g[0] != f"bam-{g[1]}"])
        await self.portal.client.delete(f"/v1/businesses/{bn}/employees/{user}", headers=bam(self.portal, bn))
        return [bn]

    async def hire(self) -> list[str]:
        self.hired += 1
        bn = self.rng.choice(self.data.providers)
        user = f"hired-{self.hired}"
        role = self.rng.choice([Role.BAM, Role.PAM, Role.EDITOR, Role.VIEWER])
        await self.portal.employ(user, role, programs_for(self.rng, bn), by=f"bam-{bn}", bn=bn)
        self.data.users.append(user)
        return [bn]

    async def establish(self) -> list[str]:
        active = {(p, c) for _, p, c in await self.active()}
        provider, client = self.rng.choice(
            [(p, c) for p in self.data.providers for c in self.data.clients if (p, c) not in active]
        )
        asked = await self.portal.client.post(
            f"/v1/businesses/{provider}/relationship-requests",
            json={"client_bn": client, "comment": "We clear your goods."},
            headers=bam(self.portal, provider),
        )
        assert asked.status_code == 201, asked.text
        kind = self.rng.choice(["business_management", "program_management"])
        body: dict[str, Any] = {
            "type": kind,
            "visibility": {"client_submitted": self.rng.random() < 0.5, "other_businesses_submitted": True},
        }
        if kind == "program_management":
            body["programs"] = sorted(self.rng.sample([f"{client}{a}" for a in ACCOUNTS], self.rng.randint(1, 3)))
        if self.rng.random() < 0.3:
            body["expires_on"] = (self.today + timedelta(days=self.rng.randint(1, 20))).isoformat()
        approved = await self.portal.client.post(
            f"/v1/businesses/{client}/relationship-requests/{asked.json()['id']}/approve",
            json=body,
            headers=bam(self.portal, client),
        )
        assert approved.status_code == 200, approved.text
        return [provider, client]

    async def edit(self) -> list[str]:
        id_, provider, client = self.rng.choice(await self.active())
        change = self.rng.choice(
            [
                {"visibility": {"client_submitted": True, "other_businesses_submitted": self.rng.random() < 0.5}},
                {"type": "program_management", "programs": [f"{client}{self.rng.choice(ACCOUNTS)}"]},
                {"type": "business_management"},
                {"expires_on": (self.today + timedelta(days=self.rng.randint(1, 60))).isoformat()},
            ]
        )
        edited = await self.portal.client.patch(
            f"/v1/businesses/{client}/relationships/{id_}",
            json=change,
            headers={**bam(self.portal, client), "If-Match": "*"},
        )
        assert edited.status_code in (200, 412, 422), edited.text
        return [provider, client]

    async def end(self) -> list[str]:
        id_, provider, client = self.rng.choice(await self.active())
        ended = await self.portal.client.delete(
            f"/v1/businesses/{client}/relationships/{id_}", headers={**bam(self.portal, client), "If-Match": "*"}
        )
        assert ended.status_code in (200, 204), ended.text
        return [provider, client]

    async def assign(self) -> list[str]:
        id_, provider, client = self.rng.choice(await self.active())
        staff = await self.rows(
            select(EmployeeGrant.user_id).where(EmployeeGrant.bn == provider, EmployeeGrant.role != "bam")
        )
        if not staff:
            return []
        (user,) = self.rng.choice(staff)
        await self.portal.client.put(
            f"/v1/businesses/{provider}/relationships/{id_}/assignments/{user}",
            json={"role": self.rng.choice(["pam", "editor", "viewer"]), "programs": programs_for(self.rng, client)},
            headers=bam(self.portal, provider),
        )
        return [provider, client]

    async def unassign(self) -> list[str]:
        found = await self.rows(
            select(ProxyAssignment.relationship_id, ProxyAssignment.user_id, BusinessRelationship.provider_bn).join(
                BusinessRelationship, BusinessRelationship.id == ProxyAssignment.relationship_id
            )
        )
        if not found:
            return []
        id_, user, provider = self.rng.choice(found)
        await self.portal.client.delete(
            f"/v1/businesses/{provider}/relationships/{id_}/assignments/{user}", headers=bam(self.portal, provider)
        )
        return [provider]

    async def group(self) -> tuple[str, str]:
        groups = await self.rows(select(ClientGroup.id, ClientGroup.provider_bn))
        return self.rng.choice(groups)  # type: ignore[no-any-return]

    async def group_add(self) -> list[str]:
        group_id, provider = await self.group()
        grouped = {
            c
            for (c,) in await self.rows(
                select(ClientGroupMember.client_bn).where(ClientGroupMember.provider_bn == provider)
            )
        }
        free = [c for _, p, c in await self.active() if p == provider and c not in grouped]
        if not free:
            return []
        await self.portal.client.post(
            f"/v1/businesses/{provider}/client-groups/{group_id}/clients",
            json={"clients": self.rng.sample(free, min(2, len(free)))},
            headers=bam(self.portal, provider),
        )
        return [provider]

    async def group_remove(self) -> list[str]:
        members = await self.rows(
            select(ClientGroupMember.group_id, ClientGroupMember.provider_bn, ClientGroupMember.client_bn)
        )
        if not members:
            return []
        group_id, provider, client = self.rng.choice(members)
        await self.portal.client.request(
            "DELETE",
            f"/v1/businesses/{provider}/client-groups/{group_id}/clients/{client}",
            json={"confirmation": "REMOVE"},
            headers=bam(self.portal, provider),
        )
        return [provider, client]

    async def group_assign(self) -> list[str]:
        group_id, provider = await self.group()
        staff = await self.rows(
            select(EmployeeGrant.user_id).where(EmployeeGrant.bn == provider, EmployeeGrant.role != "bam")
        )
        if not staff:
            return []
        (user,) = self.rng.choice(staff)
        await self.portal.client.put(
            f"/v1/businesses/{provider}/client-groups/{group_id}/employees/{user}",
            json={"role": self.rng.choice(["pam", "editor", "viewer"])},
            headers=bam(self.portal, provider),
        )
        return [provider]

    async def group_override(self) -> list[str]:
        assigned = await self.rows(select(GroupAssignment.group_id, GroupAssignment.user_id))
        if not assigned:
            return []
        group_id, user = self.rng.choice(assigned)
        members = await self.rows(
            select(ClientGroupMember.provider_bn, ClientGroupMember.client_bn).where(
                ClientGroupMember.group_id == group_id
            )
        )
        if not members:
            return []
        provider, client = self.rng.choice(members)
        await self.portal.client.put(
            f"/v1/businesses/{provider}/client-groups/{group_id}/employees/{user}/overrides/{client}",
            json={"role": self.rng.choice(["pam", "editor", "viewer", "none"])},
            headers=bam(self.portal, provider),
        )
        return [provider, client]

    async def group_unassign(self) -> list[str]:
        assigned = await self.rows(
            select(GroupAssignment.group_id, GroupAssignment.user_id, ClientGroup.provider_bn).join(
                ClientGroup, ClientGroup.id == GroupAssignment.group_id
            )
        )
        if not assigned:
            return []
        group_id, user, provider = self.rng.choice(assigned)
        await self.portal.client.delete(
            f"/v1/businesses/{provider}/client-groups/{group_id}/employees/{user}", headers=bam(self.portal, provider)
        )
        return [provider]

    async def group_create_delete(self) -> list[str]:
        """Create a group of free clients, then delete one of the provider's groups (maybe that one)."""
        group_id, provider = await self.group()
        grouped = {
            c
            for (c,) in await self.rows(
                select(ClientGroupMember.client_bn).where(ClientGroupMember.provider_bn == provider)
            )
        }
        free = [c for _, p, c in await self.active() if p == provider and c not in grouped]
        created = await self.portal.client.post(
            f"/v1/businesses/{provider}/client-groups",
            json={"name": f"group {self.rng.getrandbits(32)}", "clients": free[:2]},
            headers=bam(self.portal, provider),
        )
        assert created.status_code == 202, created.text
        await run_pending(self.portal.runtime)
        await assert_parity(self.portal, [(u, c, None) for u in self.data.users for c in free[:2]], self.today)
        groups = await self.rows(select(ClientGroup.id).where(ClientGroup.provider_bn == provider))
        (group_id,) = self.rng.choice(groups)
        deleted = await self.portal.client.request(
            "DELETE",
            f"/v1/businesses/{provider}/client-groups/{group_id}",
            json={"confirmation": "DELETE"},
            headers={**bam(self.portal, provider), "If-Match": "*"},
        )
        assert deleted.status_code == 202, deleted.text
        return [provider, *free[:2]]

    async def expire(self) -> list[str]:
        await expire_relationships(self.portal.runtime, self.today)
        return []

    async def register(self) -> list[str]:
        bn = bn_of(900 + self.hired + self.rng.randint(0, 10_000))
        await self.portal.register(registered(bn, registrant=f"bam-{bn}"))
        self.data.clients.append(bn)
        self.data.users.append(f"bam-{bn}")
        return [bn]


async def test_the_index_follows_every_change_made_through_the_api(portal: Portal) -> None:
    today = today_of(portal)
    data = await generate(portal.runtime, seed=7, today=today, providers=3, clients=20)
    await portal.reindex()
    rng = random.Random(11)
    mutations = Mutations(portal, data, rng, today)
    for step in range(100):
        touched = await mutations.run()
        # right after the change (no waiting, no reload): about the businesses it touched, then anything
        users = [*data.users, "nobody"]
        focused = [(rng.choice(users), b, None) for b in touched for _ in range(20)]
        await assert_parity(portal, focused + questions(data, rng, 40), today, f"step {step} ({mutations.kinds})")
    assert live(portal).usable() is not None
    await assert_parity(portal, questions(data, random.Random(3), 3000), today, "after the changes")
    await assert_parity(portal, questions(data, random.Random(4), 1000), today + timedelta(days=30), "later")
    assert len(mutations.kinds) >= 15, mutations.kinds
    # the changes went through (not only refusals): every kind of access event was published
    published = {record.type.split(".", 1)[1] for record in await portal.published()}
    assert published >= {
        "employee.access_granted.v1",
        "employee.access_changed.v1",
        "employee.access_revoked.v1",
        "relationship_request.approved.v1",
        "relationship.changed.v1",
        "relationship.ended.v1",
        "relationship.expired.v1",
        "proxy_assignment.set.v1",
        "proxy_assignment.removed.v1",
        "client_group.created.v1",
        "client_group.deleted.v1",
        "client_group.clients_added.v1",
        "client_group.client_removed.v1",
        "client_group.employee_assigned.v1",
        "client_group.employee_unassigned.v1",
        "client_group.override_set.v1",
    }, published
