"""What the seed 002 scenarios share: the cast (an importer, two customs brokers and their staff), and reading the
consequences of a step through the public API: decisions, acting contexts, the access overview, the audit trail
and the events that notify people."""

from __future__ import annotations

from datetime import date
from typing import Any

from httpx import Response

from delegation.groups.worker import run_pending
from delegation.relationships.expiry import expire_relationships
from delegation.roles import Role
from portal_runtime.messaging import EventRecord

from ..api.factories import BN, SP2_BN, SP_BN, Portal, Relationships, problem, registered

__all__ = ["BN", "SP2_BN", "SP_BN", "Portal", "Relationships", "World", "problem"]

GROUPS = f"/v1/businesses/{SP_BN}/client-groups"
IMPORTER_BAM = "bam-1"
BROKER_BAM = "sp-bam"


class World:
    """The importer BN (BAM ``bam-1``, program accounts RM0001-RM0003) and the broker SP_BN (BAM ``sp-bam``),
    both registered; helpers that act as the gateway would and read what followed."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.rel = Relationships(portal)

    async def start(self) -> World:
        await self.rel.setup()
        return self

    async def second_broker(self) -> None:
        """Another customs broker, SP2_BN (BAM ``sp2-bam``), registers."""
        await self.portal.register(registered(SP2_BN, registrant="sp2-bam", programs=("RM0001",)))

    # --- reading the consequences ----------------------------------------------------------------------------

    async def decide(self, user: str, bn: str = BN, program_account: str | None = None) -> dict[str, Any]:
        """The gateway's question: what may ``user`` do on ``bn`` (or one of its program accounts)?"""
        return await self.portal.decide(user, bn, program_account)

    async def contexts(self, user: str) -> dict[str, dict[str, Any]]:
        """``GET /v1/me/contexts`` by business number (every page)."""
        found: dict[str, dict[str, Any]] = {}
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            response = await self.portal.client.get("/v1/me/contexts", params=params, headers=self.portal.me(user))
            assert response.status_code == 200, response.text
            found |= {c["bn"]: c for c in response.json()["items"]}
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return found

    async def overview(self, bn: str = BN, bam: str = IMPORTER_BAM) -> dict[str, Any]:
        """``GET /v1/businesses/{bn}/access-overview``, every page merged."""
        merged: dict[str, Any] = {"employees": [], "providers": [], "clients": []}
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            response = await self.portal.client.get(
                f"/v1/businesses/{bn}/access-overview", params=params, headers=self.portal.acting(bam, Role.BAM, bn)
            )
            assert response.status_code == 200, response.text
            for key in merged:
                merged[key].extend(response.json()[key])
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return merged

    async def trail(self, bn: str = BN, bam: str = IMPORTER_BAM) -> list[dict[str, Any]]:
        """The business's audit trail, newest first."""
        response = await self.portal.client.get(
            f"/v1/businesses/{bn}/audit", params={"limit": 100}, headers=self.portal.acting(bam, Role.BAM, bn)
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def last_event(self, event_type: str, **matching: Any) -> EventRecord:
        """The last event of this type delegation published whose data has these values (the notifications
        service turns these events into notices for the users they name)."""
        published = [
            e for e in await self.portal.published(event_type) if all(e.data.get(k) == v for k, v in matching.items())
        ]
        assert published, f"no {event_type} {matching} published"
        return published[-1]

    # --- steps -------------------------------------------------------------------------------------------------

    async def employ(
        self, user: str, role: Role, programs: Any = "all", *, bn: str = BN, by: str = IMPORTER_BAM
    ) -> None:
        await self.portal.employ(user, role, programs, by=by, bn=bn)

    async def hire(self, user: str, role: Role, programs: Any = "all") -> None:
        """An employee of the broker."""
        await self.rel.hire(user, role, programs)

    # --- client groups of the broker (seed 002 §6) -------------------------------------------------------------

    def as_broker(self, user: str = BROKER_BAM, role: Role = Role.BAM) -> dict[str, str]:
        return self.portal.acting(user, role, SP_BN)

    async def group(self, name: str, clients: list[str]) -> str:
        """The broker's BAM creates a group; the worker runs the operation. The group id."""
        response = await self.portal.client.post(
            GROUPS, json={"name": name, "clients": clients}, headers=self.as_broker()
        )
        assert response.status_code == 202, response.text
        await self.groups_run()
        return response.json()["group_id"]  # type: ignore[no-any-return]

    async def group_member(self, group_id: str, user: str, role: str) -> None:
        """The broker's BAM assigns an employee to the group with a group role; the worker runs it."""
        response = await self.portal.client.put(
            f"{GROUPS}/{group_id}/employees/{user}", json={"role": role}, headers=self.as_broker()
        )
        assert response.status_code == 202, response.text
        await self.groups_run()

    async def group_detail(self, group_id: str) -> Response:
        return await self.portal.client.get(f"{GROUPS}/{group_id}", headers=self.as_broker())

    async def groups_run(self) -> int:
        """The group worker executes what is pending (the processing table's operations)."""
        return await run_pending(self.portal.runtime)

    async def expiry_job(self, on: str) -> list[str]:
        """The scheduled expiry job runs on the given day (YYYY-MM-DD)."""
        return await expire_relationships(self.portal.runtime, date.fromisoformat(on))
