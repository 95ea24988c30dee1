"""The expiry job runs on its own, every ``relationship_expiry_interval_s``, from the service's startup hook."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from delegation.relationships.expiry import JOB
from delegation.roles import Role

from .conftest import portal_on
from .factories import BN, SP_BN, Relationships, in_days


async def test_the_scheduled_job_expires_a_relationship_once_its_date_has_come(
    tmp_path: Path, context_public_jwk: str, as_context: Callable[..., dict[str, str]]
) -> None:
    now = [datetime.now(UTC)]
    async with portal_on(
        f"sqlite+aiosqlite:///{tmp_path}/delegation.db",
        context_public_jwk,
        as_context,
        clock=lambda: now[0],
        relationship_expiry_interval_s=0.05,
    ) as portal:
        rel = Relationships(portal)
        await rel.setup()
        established = await rel.establish(expires_on=in_days(2))
        assert JOB in portal.runtime.background_tasks()

        await asyncio.sleep(0.2)
        still_active = (await rel.get(established["id"])).json()["status"]
        now[0] += timedelta(days=3)
        for _ in range(50):
            if (await rel.get(established["id"])).json()["status"] == "expired":
                break
            await asyncio.sleep(0.05)

        assert still_active == "active"
        assert (await rel.get(established["id"])).json()["status"] == "expired"
    assert JOB not in portal.runtime.background_tasks()  # stopped with the service


async def test_a_group_operation_starts_when_it_is_committed_not_at_the_workers_next_round(
    tmp_path: Path, context_public_jwk: str, as_context: Callable[..., dict[str, str]]
) -> None:
    async with portal_on(
        f"sqlite+aiosqlite:///{tmp_path}/delegation.db",
        context_public_jwk,
        as_context,
        group_operation_interval_s=60.0,  # the worker's round: far longer than this test may take
    ) as portal:
        rel = Relationships(portal)
        await rel.setup()
        await rel.establish()
        await asyncio.sleep(0.1)  # the worker's first round ran on an empty queue and now sleeps for a minute
        created = await portal.client.post(
            f"/v1/businesses/{SP_BN}/client-groups",
            json={"name": "Ontario importers", "clients": [BN]},
            headers=portal.acting("sp-bam", Role.BAM, SP_BN),
        )
        assert created.status_code == 202, created.text
        operation = f"/v1/businesses/{SP_BN}/operations/{created.json()['id']}"
        for _ in range(40):
            state = (await portal.client.get(operation, headers=portal.acting("sp-bam", Role.BAM, SP_BN))).json()
            if state["state"] != "pending":
                break
            await asyncio.sleep(0.05)

        assert state["state"] == "completed", state
