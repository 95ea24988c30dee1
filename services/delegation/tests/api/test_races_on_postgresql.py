"""Concurrent calls on PostgreSQL: the database, not luck, keeps one pending request and one decision."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from delegation.access_requests import repository
from delegation.groups.worker import run_pending
from delegation.roles import Role
from portal_contracts.events import AccessRequestApproved, EmployeeAccessGranted

from .factories import BN, SP_BN, Portal, Relationships, problem

pytestmark = pytest.mark.integration


async def test_concurrent_submissions_leave_one_pending_request(pg_portal: Portal) -> None:
    await pg_portal.register()

    responses = await asyncio.gather(*(pg_portal.request_access("employee-1") for _ in range(4)))

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert {problem(r)["code"] for r in responses if r.status_code == 409} == {"access_request_pending"}


async def test_the_unique_index_refuses_a_second_pending_request_the_check_missed(
    pg_portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    await pg_portal.register()
    assert (await pg_portal.request_access("employee-1")).status_code == 201

    async def missed(*_: object) -> None:  # as when two submissions both check before either inserts
        return None

    monkeypatch.setattr(repository, "pending_of", missed)
    response = await pg_portal.request_access("employee-1")

    assert (response.status_code, problem(response)["code"]) == (409, "access_request_pending")


async def test_two_managers_approving_at_once_grant_once(pg_portal: Portal) -> None:
    await pg_portal.register()
    await pg_portal.employ("bam-2", Role.BAM)
    request_id = (await pg_portal.request_access("employee-1")).json()["id"]

    first, second = await asyncio.gather(
        pg_portal.approve("bam-1", request_id, "editor"), pg_portal.approve("bam-2", request_id, "viewer")
    )

    assert sorted((first.status_code, second.status_code)) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert problem(loser)["code"] == "access_request_not_pending"
    assert len(await pg_portal.published(AccessRequestApproved.event_type)) == 2  # bam-2's and employee-1's
    granted = [e.data["user_id"] for e in await pg_portal.published(EmployeeAccessGranted.event_type)]
    assert granted.count("employee-1") == 1


async def test_two_bams_demoting_each_other_at_once_leave_a_bam(pg_portal: Portal) -> None:
    await pg_portal.register()
    await pg_portal.employ("bam-2", Role.BAM)

    def demote(manager: str, target: str) -> Any:
        return pg_portal.client.put(
            f"/v1/businesses/{BN}/employees/{target}",
            json={"role": "viewer", "programs": "all"},
            headers=pg_portal.acting(manager, Role.BAM),
        )

    first, second = await asyncio.gather(demote("bam-1", "bam-2"), demote("bam-2", "bam-1"))

    assert sorted((first.status_code, second.status_code)) == [200, 403]
    loser = first if first.status_code == 403 else second
    assert problem(loser)["code"] == "not_account_manager"  # it was demoted while it waited
    roles = {(await pg_portal.decide(user))["role"] for user in ("bam-1", "bam-2")}
    assert roles == {"bam", "viewer"}


async def test_client_groups_run_on_postgresql(pg_portal: Portal) -> None:
    rel = Relationships(pg_portal)
    await rel.setup()
    await rel.hire("sp-editor", Role.EDITOR)
    await rel.establish()
    headers = pg_portal.acting("sp-bam", Role.BAM, SP_BN)
    created = await pg_portal.client.post(
        f"/v1/businesses/{SP_BN}/client-groups", json={"name": "Ontario", "clients": [BN]}, headers=headers
    )
    group_id = created.json()["group_id"]
    assigned = await pg_portal.client.put(
        f"/v1/businesses/{SP_BN}/client-groups/{group_id}/employees/sp-editor", json={"role": "editor"}, headers=headers
    )

    assert (created.status_code, assigned.status_code) == (202, 202)
    assert await run_pending(pg_portal.runtime) == 2
    assert (await pg_portal.decide("sp-editor"))["role"] == "proxy_editor"
    table = (await pg_portal.client.get(f"/v1/businesses/{SP_BN}/operations", headers=headers)).json()["items"]
    assert [(o["type"], o["state"]) for o in table] == [("assign_employee", "completed"), ("create_group", "completed")]
