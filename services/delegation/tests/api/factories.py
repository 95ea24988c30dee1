"""Builders for delegation's tests: registered businesses, contexts as the gateway signs them, API calls."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response

from delegation.businesses.events import SUBSCRIPTION
from delegation.roles import Role, scopes_for
from portal_contracts.events import BusinessRegistered
from portal_runtime.bus import InMemoryBus
from portal_runtime.messaging import EventRecord, topic_for
from portal_runtime.service import ServiceRuntime

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

    async def employ(self, user: str, role: Role, programs: Any = "all", *, by: str = "bam-1") -> None:
        """Request and approve (by the BAM): the user holds ``role`` afterwards."""
        submitted = await self.request_access(user)
        assert submitted.status_code == 201, submitted.text
        approved = await self.approve(by, submitted.json()["id"], role.value, programs)
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
