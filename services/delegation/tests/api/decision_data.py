"""A seeded random delegation data set for the decision index tests: businesses with program accounts, employees
with roles and program accounts (some working for two businesses), relationships of every type, visibility and
expiry (expired by date, ended, expired, re-established), assignments, client groups with assignments and
overrides; and random questions about it. Inserted with SQLAlchemy core, behind the service's back (the tests
reload the index afterwards)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert

from delegation.businesses.models import Business, ProgramAccount
from delegation.employees.models import EmployeeGrant, EmployeeGrantProgram
from delegation.groups.models import ClientGroup, ClientGroupMember, GroupAssignment, GroupOverride
from delegation.relationships.models import BusinessRelationship, ProxyAssignment
from portal_runtime.messaging import utcnow
from portal_runtime.service import ServiceRuntime

ACCOUNTS = ("RM0001", "RM0002", "RM0003")
UNREGISTERED = "999999998"


def bn_of(n: int) -> str:
    return f"{500_000_000 + n:09d}"


@dataclass
class DataSet:
    providers: list[str]
    clients: list[str]
    users: list[str]
    staff: dict[str, list[tuple[str, str]]]  # provider -> (user, role)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)  # provider -> group ids

    @property
    def businesses(self) -> list[str]:
        return self.providers + self.clients

    def accounts(self, bn: str) -> list[str]:
        return [f"{bn}{a}" for a in ACCOUNTS]


def _subset(rng: random.Random, bn: str) -> list[str]:
    return sorted(rng.sample([f"{bn}{a}" for a in ACCOUNTS], rng.randint(1, 2)))


async def generate(runtime: ServiceRuntime, seed: int, today: date, providers: int = 4, clients: int = 30) -> DataSet:
    rng = random.Random(seed)
    now = utcnow()
    data = DataSet(
        providers=[bn_of(p) for p in range(providers)],
        clients=[bn_of(100 + c) for c in range(clients)],
        users=[],
        staff={},
    )
    businesses: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    grants: list[dict[str, Any]] = []
    grant_programs: list[dict[str, Any]] = []
    grant_id = 0

    def grant(user: str, bn: str, role: str) -> None:
        nonlocal grant_id
        grant_id += 1
        listed = [] if role == "bam" or rng.random() < 0.5 else _subset(rng, bn)
        grants.append(
            {
                "id": grant_id,
                "user_id": user,
                "bn": bn,
                "role": role,
                "all_programs": not listed,
                "granted_at": now,
                "granted_by": "seed",
                "version": 1,
            }
        )
        grant_programs.extend({"grant_id": grant_id, "bn15": bn15} for bn15 in listed)

    for bn in data.businesses:
        businesses.append(
            {"bn": bn, "legal_name": f"Business {bn}", "registered_by": f"bam-{bn}", "registered_at": now}
        )
        accounts.extend({"bn15": bn15, "bn": bn} for bn15 in data.accounts(bn))
        grant(f"bam-{bn}", bn, "bam")
        data.users.append(f"bam-{bn}")
    for p, provider in enumerate(data.providers):
        data.staff[provider] = [(f"bam-{provider}", "bam")]
        for s in range(8):
            user, role = f"staff-{p}-{s}", rng.choice(["bam", "pam", "pam", "editor", "viewer"])
            grant(user, provider, role)
            data.staff[provider].append((user, role))
            data.users.append(user)
    # people working for two businesses: another provider, or a client
    for k in range(6):
        provider, other = rng.sample(data.providers, 2)
        user = data.staff[provider][rng.randint(1, 8)][0]
        if all(u != user for u, _ in data.staff[other]):
            role = rng.choice(["bam", "pam", "editor", "viewer"])
            grant(user, other, role)
            data.staff[other].append((user, role))
        grant(user, data.clients[k], rng.choice(["pam", "viewer"]))

    relationships, assignments = [], []
    seq = 0

    def relationship(provider: str, client: str, status: str) -> dict[str, Any]:
        nonlocal seq
        seq += 1
        kind = rng.choice(["business_management", "program_management"])
        listed = [] if kind == "business_management" or rng.random() < 0.3 else _subset(rng, client)
        expiry = rng.choice([None, None, -3, 0, 1, 30])
        row = {
            "seq": seq,
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "provider_bn": provider,
            "client_bn": client,
            "type": kind,
            "all_programs": not listed,
            "programs": listed,
            "client_submitted": rng.random() < 0.5,
            "other_businesses_submitted": rng.random() < 0.5,
            "expires_on": None if expiry is None else today + timedelta(days=expiry),
            "status": status,
            "version": 1,
            "established_at": now,
            "established_by": "seed",
        }
        relationships.append(row)
        return row

    for provider in data.providers:
        for client in rng.sample(data.clients, 18):
            history = rng.choice(
                [["active"], ["active"], ["ended"], ["expired"], ["ended", "active"], ["expired", "ended"]]
            )
            for status in history:
                row = relationship(provider, client, status)
                if status != "active":
                    continue
                for user, role in data.staff[provider]:
                    if role != "bam" and rng.random() < 0.35:
                        listed = [] if rng.random() < 0.5 else _subset(rng, client)
                        assignments.append(
                            {
                                "relationship_id": row["id"],
                                "user_id": user,
                                "role": rng.choice(["pam", "editor", "viewer"]),
                                "all_programs": not listed,
                                "programs": listed,
                                "assigned_at": now,
                                "assigned_by": "seed",
                            }
                        )
    data.relationships = relationships

    groups: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    group_users: list[dict[str, Any]] = []
    overrides: list[dict[str, Any]] = []
    for provider in data.providers:
        related = sorted({r["client_bn"] for r in relationships if r["provider_bn"] == provider})
        rng.shuffle(related)
        staff = [u for u, role in data.staff[provider] if role != "bam"] + [data.staff[provider][0][0]]
        for g in range(2):
            group_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            data.groups.setdefault(provider, []).append(group_id)
            groups.append(
                {
                    "id": group_id,
                    "provider_bn": provider,
                    "name": f"group {g}",
                    "version": 1,
                    "created_at": now,
                    "created_by": "seed",
                }
            )
            in_group = related[g * 6 : g * 6 + 6]
            members.extend(
                {"group_id": group_id, "client_bn": c, "provider_bn": provider, "added_at": now} for c in in_group
            )
            for user in rng.sample(staff, min(3, len(staff))):
                group_users.append(
                    {
                        "group_id": group_id,
                        "user_id": user,
                        "role": rng.choice(["pam", "editor", "viewer"]),
                        "assigned_at": now,
                        "assigned_by": "seed",
                    }
                )
                for client in in_group:
                    if rng.random() < 0.3:
                        overrides.append(
                            {
                                "group_id": group_id,
                                "user_id": user,
                                "client_bn": client,
                                "role": rng.choice(["pam", "editor", "viewer", "none"]),
                                "set_at": now,
                                "set_by": "seed",
                            }
                        )

    async with runtime.sessions() as session, session.begin():
        for table, rows in (
            (Business, businesses),
            (ProgramAccount, accounts),
            (EmployeeGrant, grants),
            (EmployeeGrantProgram, grant_programs),
            (BusinessRelationship, relationships),
            (ProxyAssignment, assignments),
            (ClientGroup, groups),
            (ClientGroupMember, members),
            (GroupAssignment, group_users),
            (GroupOverride, overrides),
        ):
            if rows:
                await session.execute(insert(table), rows)
    return data


def questions(data: DataSet, rng: random.Random, count: int) -> list[tuple[str, str, str | None]]:
    users = [*data.users, "nobody"]
    businesses = [*data.businesses, UNREGISTERED]
    found = []
    for _ in range(count):
        business = rng.choice(businesses)
        program_account: str | None = None
        draw = rng.random()
        if draw < 0.45:
            program_account = f"{business}{rng.choice(ACCOUNTS)}"
        elif draw < 0.5:
            program_account = f"{rng.choice(businesses)}RM0009"
        found.append((rng.choice(users), business, program_account))
    return found
