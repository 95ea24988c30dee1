"""Prompt revocation end to end (ARCHITECTURE.md: "removal of an employee or client takes effect at the gateway
within a second"), over HTTP through the gateway with its decision cache on, on PostgreSQL and the broker.

A provider's employee, approved as viewer through the access-request flow, is assigned on a client through a
business management relationship and reads the client's program accounts (cached decisions); when the provider
removes the assignment, or removes the employee, the gateway refuses within a second. When the client ends the
relationship, the provider's BAM loses the client's business profile within a second too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from portal_runtime.testing.infra import wait_for
from portal_runtime.testing.stack import Portal

pytestmark = pytest.mark.integration

PROMPT_S = 1.0
PASSWORD = "Harbour7Lights"
VISIBLE_ALL = {"client_submitted": True, "other_businesses_submitted": True}


class Person:
    def __init__(self, portal: Portal, username: str, email: str) -> None:
        self.portal = portal
        self.username = username
        self.email = email
        self.token = ""

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}"}
        return await self.portal.client.request(method, path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.call(method, path, **kwargs)
        assert response.status_code in (200, 201, 204), f"{method} {path}: {response.text}"
        return response.json() if response.content else {}  # type: ignore[no-any-return]

    async def onboard(self, first_name: str) -> Person:
        """Credential, e-mail MFA enrolment, terms, profile: a signed-in user with a token."""
        client = self.portal.client
        created = await client.post(
            "/v1/users",
            json={
                "username": self.username,
                "password": PASSWORD,
                "password_confirmation": PASSWORD,
                "recovery": {
                    "question": "first_pet",
                    "answer": "Biscuit",
                    "memorable_person": "Aunt Rose",
                    "memorable_date": "1990-04-12",
                },
            },
        )
        assert created.status_code == 201, created.text
        started = await client.post("/v1/sessions", json={"username": self.username, "password": PASSWORD})
        assert started.status_code == 201, started.text
        session = started.json()["session_id"]
        enrolled = await client.post(
            f"/v1/sessions/{session}/mfa/email",
            json={"email": self.email, "email_confirmation": self.email, "consent": True},
        )
        assert enrolled.status_code == 200, enrolled.text
        code = await self.portal.latest_code(self.email)
        verified = await client.post(f"/v1/sessions/{session}/mfa/verify", json={"code": code})
        assert verified.status_code == 200, verified.text
        tokens = await client.post(f"/v1/sessions/{session}/terms", json={"accepted": True})
        assert tokens.status_code == 200, tokens.text
        self.token = tokens.json()["access_token"]
        await self.ok(
            "PUT",
            "/v1/me/profile",
            json={
                "first_name": first_name,
                "last_name": "Tremblay",
                "phone": "613-555-0100",
                "email": self.email,
                "email_confirmation": self.email,
                "notices_by_email": True,
                "language": "en",
                "terms_consent": True,
            },
        )
        return self

    async def register(self, reference: dict[str, Any]) -> str:
        """Registers a sandbox reference business; waits until delegation has made this user its BAM."""
        await self.ok("POST", "/v1/business-registrations", json=reference["registration_request"])
        bn: str = reference["bn"]

        async def is_bam() -> bool:
            contexts = (await self.ok("GET", "/v1/me/contexts"))["items"]
            return any(c["bn"] == bn and c["role"] == "bam" for c in contexts)

        await wait_for(is_bam, within=20)
        return bn


async def refused_within(person: Person, path: str, since: float) -> float:
    """Seconds from ``since`` until the gateway refuses ``person`` on ``path`` (403)."""

    async def refused() -> bool:
        response = await person.call("GET", path)
        assert response.status_code in (200, 403), response.text
        return response.status_code == 403

    await wait_for(refused, within=5, interval=0.02)
    return time.monotonic() - since


async def cache_hits(portal: Portal) -> float:
    metrics = (await portal.client.get("/metrics")).text
    for line in metrics.splitlines():
        if line.startswith('gateway_decision_cache_lookups_total{outcome="hit"}'):
            return float(line.split()[-1])
    return 0.0


@dataclass
class Scene:
    """A client and its provider (business management), the provider's employee assigned on the client as PAM."""

    client_owner: Person
    provider_owner: Person
    employee: Person
    employee_id: str
    client_bn: str
    provider_bn: str
    relationship_id: str

    @property
    def assignment(self) -> str:
        return f"/v1/businesses/{self.provider_bn}/relationships/{self.relationship_id}/assignments/{self.employee_id}"

    @property
    def client_accounts(self) -> str:
        return f"/v1/businesses/{self.client_bn}/program-accounts"

    @property
    def client_profile(self) -> str:
        return f"/v1/businesses/{self.client_bn}"


async def scene(portal: Portal) -> Scene:
    references = (await portal.client.get("/v1/sandbox/reference-businesses")).json()["items"]
    assert len(references) >= 2
    client_owner = await Person(portal, "ClaireClient1", "claire@client.example").onboard("Claire")
    provider_owner = await Person(portal, "PaulProvider2", "paul@provider.example").onboard("Paul")
    employee = await Person(portal, "VeraViewer03", "vera@provider.example").onboard("Vera")
    client_bn = await client_owner.register(references[0])
    provider_bn = await provider_owner.register(references[1])
    employee_id = (await employee.ok("GET", "/v1/me"))["id"]

    # The employee asks the provider for access and is approved as viewer.
    asked = await employee.ok(
        "POST", f"/v1/businesses/{provider_bn}/access-requests", json={"comment": "I file the client declarations."}
    )
    await provider_owner.ok(
        "POST",
        f"/v1/businesses/{provider_bn}/access-requests/{asked['id']}/approve",
        json={"role": "viewer", "programs": "all"},
    )
    # The provider manages the client's business; its BAM assigns the employee on the client as PAM.
    requested = await provider_owner.ok(
        "POST",
        f"/v1/businesses/{provider_bn}/relationship-requests",
        json={"client_bn": client_bn, "comment": "We clear your goods at Fort Erie."},
    )
    relationship = await client_owner.ok(
        "POST",
        f"/v1/businesses/{client_bn}/relationship-requests/{requested['id']}/approve",
        json={"type": "business_management", "visibility": VISIBLE_ALL},
    )
    made = Scene(client_owner, provider_owner, employee, employee_id, client_bn, provider_bn, relationship["id"])
    await provider_owner.ok("PUT", made.assignment, json={"role": "pam", "programs": "all"})

    await wait_for(portal.decision_feed_current, within=20)
    hits_before = await cache_hits(portal)
    for _ in range(3):
        assert (await employee.call("GET", made.client_accounts)).status_code == 200
        assert (await provider_owner.call("GET", made.client_profile)).status_code == 200
    assert await cache_hits(portal) > hits_before  # decisions are cached: a stale one could be served
    return made


async def answered_from_cache(portal: Portal, person: Person, path: str) -> None:
    """Waits until ``person``'s request on ``path`` is allowed from the cache (so a revocation has one to drop)."""

    async def cached() -> bool:
        hits = await cache_hits(portal)
        assert (await person.call("GET", path)).status_code == 200
        return await cache_hits(portal) > hits

    await wait_for(cached, within=5)


async def test_removing_an_assignment_or_a_relationship_takes_effect_within_a_second(portal: Portal) -> None:
    s = await scene(portal)

    # The provider removes the employee from the client: refused within a second.
    await answered_from_cache(portal, s.employee, s.client_accounts)
    removed_at = time.monotonic()
    await s.provider_owner.ok("DELETE", s.assignment)
    assert await refused_within(s.employee, s.client_accounts, removed_at) < PROMPT_S

    # The client ends the relationship: its former provider's BAM loses the business profile within a second.
    await answered_from_cache(portal, s.provider_owner, s.client_profile)
    ended_at = time.monotonic()
    await s.client_owner.ok("DELETE", f"/v1/businesses/{s.client_bn}/relationships/{s.relationship_id}")
    assert await refused_within(s.provider_owner, s.client_profile, ended_at) < PROMPT_S


async def test_removing_an_employee_takes_effect_on_the_clients_within_a_second(portal: Portal) -> None:
    s = await scene(portal)

    # The provider's BAM removes the employee: what it did for the client is refused within a second.
    await answered_from_cache(portal, s.employee, s.client_accounts)
    removed_at = time.monotonic()
    await s.provider_owner.ok("DELETE", f"/v1/businesses/{s.provider_bn}/employees/{s.employee_id}")
    assert await refused_within(s.employee, s.client_accounts, removed_at) < PROMPT_S
    contexts = (await s.employee.ok("GET", "/v1/me/contexts"))["items"]
    assert contexts == []
