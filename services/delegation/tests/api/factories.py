"""Builders for delegation's tests: registered businesses, contexts as the gateway signs them, API calls."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response

from delegation.businesses.events import SUBSCRIPTION
from delegation.decisions.live import live_index
from delegation.roles import Role, scopes_for
from portal_contracts.events import BusinessRegistered
from portal_runtime.bus import InMemoryBus
from portal_runtime.clock import business_today, system_clock
from portal_runtime.messaging import EventRecord, topic_for
from portal_runtime.service import ServiceRuntime
from portal_runtime.settings import ServiceSettings

BN = "123456782"
OTHER_BN = "100000009"
RM1, RM2, RM3 = f"{BN}RM0001", f"{BN}RM0002", f"{BN}RM0003"

_request_ids = itertools.count(1)


def registered(
    bn: str = BN, registrant: str = "bam-1", programs: tuple[str, ...] = ("RM0001", "RM0002", "RM0003")
) -> BusinessRegistered:
    return BusinessRegistered(
        bn=bn,
        legal_name="Importer Company 1755 Inc.",
        operating_name="ImporterCompany1755",
        program_accounts=[f"{bn}{p}" for p in programs],
        registrant_user_id=registrant,
    )


def registration_record(event: BusinessRegistered, request_id: str = "registration-request-1") -> EventRecord:
    """The event as business-registry's outbox would publish it."""
    return EventRecord(
        type=event.event_type,
        source="business-registry",
        data=event.model_dump(mode="json"),
        subject=event.subject(),
        partition_key=event.partition_key(),
        topic=topic_for("business-registry"),
        request_id=request_id,
    )


@dataclass
class Portal:
    app: FastAPI
    client: AsyncClient
    bus: InMemoryBus
    sign: Callable[..., dict[str, str]]
    request_ids: list[str] = field(default_factory=list)

    @property
    def runtime(self) -> ServiceRuntime:
        return self.app.state.runtime  # type: ignore[no-any-return]

    async def deliver(self, record: EventRecord) -> None:
        """Through the real inbox, as the Kafka consumer would."""
        dispatcher = next(d for d in self.runtime.dispatchers if d.subscription.name == SUBSCRIPTION)
        await dispatcher.deliver(record)

    async def register(self, event: BusinessRegistered | None = None) -> BusinessRegistered:
        event = event or registered()
        await self.deliver(registration_record(event))
        return event

    async def reindex(self) -> None:
        """Reload the decision index from the tables (after a test wrote rows directly, without events)."""
        live = live_index(self.runtime)
        if live is not None:
            await live.rebuild()

    async def published(self, event_type: str | None = None) -> list[EventRecord]:
        await self.runtime.relay.publish_pending()
        return [r for r in self.bus.published if event_type is None or r.type == event_type]

    # contexts, as the gateway signs them
    def me(self, user: str) -> dict[str, str]:
        return self._headers(subject=user)

    def acting(self, user: str, role: Role, bn: str = BN, scopes: list[str] | None = None) -> dict[str, str]:
        """The context for a business route: role-derived scopes, as the gateway derives them."""
        return self._headers(
            subject=user, business=bn, role=role.value, scopes=scopes if scopes is not None else scopes_for(role)
        )

    def _headers(self, **context: Any) -> dict[str, str]:
        request_id = f"test-request-{next(_request_ids):04d}"
        self.request_ids.append(request_id)
        return {**self.sign(**context), "x-request-id": request_id}

    # API calls
    async def request_access(self, user: str, bn: str = BN, comment: Any = "I am the new customs clerk.") -> Response:
        return await self.client.post(
            f"/v1/businesses/{bn}/access-requests", json={"comment": comment}, headers=self.me(user)
        )

    async def approve(
        self,
        manager: str,
        request_id: str,
        role: str,
        programs: Any = "all",
        *,
        manager_role: Role = Role.BAM,
        bn: str = BN,
    ) -> Response:
        return await self.client.post(
            f"/v1/businesses/{bn}/access-requests/{request_id}/approve",
            json={"role": role, "programs": programs},
            headers=self.acting(manager, manager_role, bn),
        )

    async def reject(self, manager: str, request_id: str, comment: Any, *, manager_role: Role = Role.BAM) -> Response:
        return await self.client.post(
            f"/v1/businesses/{BN}/access-requests/{request_id}/reject",
            json={"comment": comment},
            headers=self.acting(manager, manager_role),
        )

    async def employ(self, user: str, role: Role, programs: Any = "all", *, by: str = "bam-1", bn: str = BN) -> None:
        """Request and approve (by the BAM): the user holds ``role`` afterwards."""
        submitted = await self.request_access(user, bn=bn)
        assert submitted.status_code == 201, submitted.text
        approved = await self.approve(by, submitted.json()["id"], role.value, programs, bn=bn)
        assert approved.status_code == 200, approved.text

    async def decide(self, user: str, bn: str = BN, program_account: str | None = None) -> dict[str, Any]:
        response = await self.client.post(
            "/internal/decisions", json={"user_id": user, "business": bn, "program_account": program_account}
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


def problem(response: Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()  # type: ignore[no-any-return]


# Business relationships: a provider (SP_BN, BAM "sp-bam") and the client BN (BAM "bam-1").
SP_BN = OTHER_BN
SP2_BN = "200000008"
VISIBLE_NONE = {"client_submitted": False, "other_businesses_submitted": False}
VISIBLE_ALL = {"client_submitted": True, "other_businesses_submitted": True}


def numbered_bn(n: int) -> str:
    """A BN9 for the n-th extra business: eight digits and a Luhn check digit."""
    body = f"{50_000_000 + n:08d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def in_days(days: int) -> str:
    """The day ``days`` after the service's business day (its ``business_timezone``, Toronto by default), not the
    machine's: from midnight UTC to midnight in Toronto they differ, and "today" was then tomorrow to the service."""
    today = business_today(system_clock, ServiceSettings.model_fields["business_timezone"].default)
    return (today + timedelta(days=days)).isoformat()


class Relationships:
    """Relationship calls on a :class:`Portal`, as the gateway would forward them."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    async def setup(self, *, second_provider: bool = False) -> None:
        """The client (three program accounts) and the provider (one), each with its registrant BAM."""
        await self.portal.register()
        await self.portal.register(registered(SP_BN, registrant="sp-bam", programs=("RM0001",)))
        if second_provider:
            await self.portal.register(registered(SP2_BN, registrant="sp2-bam", programs=("RM0001",)))

    async def ask(
        self,
        user: str = "sp-bam",
        client_bn: str = BN,
        *,
        provider_bn: str = SP_BN,
        role: Role = Role.BAM,
        comment: Any = "We clear your goods at Fort Erie.",
        key: str | None = None,
    ) -> Response:
        headers = self.portal.acting(user, role, provider_bn)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.portal.client.post(
            f"/v1/businesses/{provider_bn}/relationship-requests",
            json={"client_bn": client_bn, "comment": comment},
            headers=headers,
        )

    async def asked(self, user: str = "sp-bam", *, provider_bn: str = SP_BN) -> str:
        response = await self.ask(user, provider_bn=provider_bn)
        assert response.status_code == 201, response.text
        return response.json()["id"]  # type: ignore[no-any-return]

    async def cancel(self, request_id: str, user: str = "sp-bam", *, provider_bn: str = SP_BN) -> Response:
        return await self.portal.client.delete(
            f"/v1/businesses/{provider_bn}/relationship-requests/{request_id}",
            headers=self.portal.acting(user, Role.BAM, provider_bn),
        )

    async def approve(
        self,
        request_id: str,
        type: str = "business_management",
        programs: Any = None,
        visibility: dict[str, bool] | None = None,
        expires_on: str | None = None,
        *,
        user: str = "bam-1",
        role: Role = Role.BAM,
    ) -> Response:
        body: dict[str, Any] = {"type": type, "visibility": visibility or VISIBLE_NONE}
        if programs is not None:
            body["programs"] = programs
        if expires_on is not None:
            body["expires_on"] = expires_on
        return await self.portal.client.post(
            f"/v1/businesses/{BN}/relationship-requests/{request_id}/approve",
            json=body,
            headers=self.portal.acting(user, role, BN),
        )

    async def reject(self, request_id: str, comment: Any = "We do not know you.", *, user: str = "bam-1") -> Response:
        return await self.portal.client.post(
            f"/v1/businesses/{BN}/relationship-requests/{request_id}/reject",
            json={"comment": comment},
            headers=self.portal.acting(user, Role.BAM, BN),
        )

    async def establish(
        self,
        type: str = "business_management",
        programs: Any = None,
        visibility: dict[str, bool] | None = None,
        expires_on: str | None = None,
        *,
        provider_bn: str = SP_BN,
        provider_bam: str = "sp-bam",
    ) -> dict[str, Any]:
        request_id = await self.asked(provider_bam, provider_bn=provider_bn)
        response = await self.approve(request_id, type, programs, visibility, expires_on)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def get(self, relationship_id: str, *, user: str = "bam-1", bn: str = BN) -> Response:
        return await self.portal.client.get(
            f"/v1/businesses/{bn}/relationships/{relationship_id}", headers=self.portal.acting(user, Role.BAM, bn)
        )

    async def edit(
        self,
        relationship: dict[str, Any],
        *,
        user: str = "bam-1",
        role: Role = Role.BAM,
        etag: str | None = None,
        **changes: Any,
    ) -> Response:
        headers = {**self.portal.acting(user, role, BN), "If-Match": etag or relationship["etag"]}
        return await self.portal.client.patch(
            f"/v1/businesses/{BN}/relationships/{relationship['id']}", json=changes, headers=headers
        )

    async def end(self, relationship_id: str, *, user: str = "bam-1", etag: str | None = None) -> Response:
        """End it as the client BAM read it (its current ETag, unless ``etag`` names another)."""
        if etag is None:
            read = await self.get(relationship_id)
            assert read.status_code == 200, read.text
            etag = read.headers["ETag"]
        return await self.portal.client.delete(
            f"/v1/businesses/{BN}/relationships/{relationship_id}",
            headers={**self.portal.acting(user, Role.BAM, BN), "If-Match": etag},
        )

    async def assign(
        self,
        relationship_id: str,
        user_id: str,
        role: str,
        programs: Any = "all",
        *,
        by: str = "sp-bam",
        by_role: Role = Role.BAM,
        provider_bn: str = SP_BN,
    ) -> Response:
        return await self.portal.client.put(
            f"/v1/businesses/{provider_bn}/relationships/{relationship_id}/assignments/{user_id}",
            json={"role": role, "programs": programs},
            headers=self.portal.acting(by, by_role, provider_bn),
        )

    async def unassign(
        self, relationship_id: str, user_id: str, *, by: str = "sp-bam", by_role: Role = Role.BAM
    ) -> Response:
        return await self.portal.client.delete(
            f"/v1/businesses/{SP_BN}/relationships/{relationship_id}/assignments/{user_id}",
            headers=self.portal.acting(by, by_role, SP_BN),
        )

    async def hire(self, user: str, role: Role, programs: Any = "all", *, bn: str = SP_BN, by: str = "sp-bam") -> None:
        """An employee of the provider."""
        await self.portal.employ(user, role, programs, by=by, bn=bn)
