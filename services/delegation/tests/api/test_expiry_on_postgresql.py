"""The expiry job on PostgreSQL: two runs at once expire each relationship once (rows locked, SKIP LOCKED)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from delegation.relationships.expiry import expire_relationships
from delegation.roles import Role
from portal_contracts.events.delegation import RelationshipExpired

from .factories import BN, SP_BN, Portal, Relationships, in_days

pytestmark = pytest.mark.integration


async def test_concurrent_expiry_runs_expire_each_relationship_once(pg_portal: Portal) -> None:
    rel = Relationships(pg_portal)
    await rel.setup()
    await rel.hire("sp-editor", Role.EDITOR)
    established = await rel.establish(expires_on=in_days(3))
    await rel.assign(established["id"], "sp-editor", "editor")
    today = date.fromisoformat(in_days(3))

    first, second = await asyncio.gather(
        expire_relationships(pg_portal.runtime, today), expire_relationships(pg_portal.runtime, today)
    )

    assert sorted(first + second) == [established["id"]]
    events = await pg_portal.published(RelationshipExpired.event_type)
    assert [(e.partition_key, e.data["provider_bn"], e.data["expires_on"]) for e in events] == [(BN, SP_BN, in_days(3))]
    assert (await pg_portal.decide("sp-bam"))["role"] == "expired"
    assert (await pg_portal.decide("sp-editor"))["reason"] == "not_associated"
    trail = await pg_portal.client.get(f"/v1/businesses/{BN}/audit", headers=pg_portal.acting("bam-1", Role.BAM))
    latest = trail.json()["items"][0]
    assert (latest["action"], latest["actor_user_id"]) == ("relationship_expired", "system:relationship-expiry")


async def test_concurrent_requests_leave_one_pending_and_concurrent_approvals_one_relationship(
    pg_portal: Portal,
) -> None:
    rel = Relationships(pg_portal)
    await rel.setup()
    await pg_portal.employ("bam-2", Role.BAM)

    asked = await asyncio.gather(*(rel.ask() for _ in range(3)))
    request_id = next(r.json()["id"] for r in asked if r.status_code == 201)
    approved = await asyncio.gather(rel.approve(request_id), rel.approve(request_id, user="bam-2"))

    assert sorted(r.status_code for r in asked) == [201, 409, 409]
    assert sorted(r.status_code for r in approved) == [200, 409]
    listed = await pg_portal.client.get(
        f"/v1/businesses/{BN}/relationships", headers=pg_portal.acting("bam-1", Role.BAM)
    )
    assert len(listed.json()["items"]) == 1
