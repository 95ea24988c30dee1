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
        self.refresh_token = ""

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
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
        self.refresh_token = tokens.json()["refresh_token"]
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
    relationship = f"/v1/businesses/{s.client_bn}/relationships/{s.relationship_id}"
    etag = (await s.client_owner.ok("GET", relationship))["etag"]
    await answered_from_cache(portal, s.provider_owner, s.client_profile)
    ended_at = time.monotonic()
    await s.client_owner.ok("DELETE", relationship, headers={"If-Match": etag})
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


async def test_removing_a_client_from_a_group_takes_effect_within_a_second(portal: Portal) -> None:
    s = await scene(portal)
    groups = f"/v1/businesses/{s.provider_bn}/client-groups"
    # The employee acts for the client through a client group only (its direct assignment is removed first).
    await s.provider_owner.ok("DELETE", s.assignment)
    created = await s.provider_owner.call("POST", groups, json={"name": "Fort Erie", "clients": [s.client_bn]})
    assert created.status_code == 202, created.text
    operation, group_id = created.json()["id"], created.json()["group_id"]

    async def completed() -> bool:
        state = (await s.provider_owner.ok("GET", f"/v1/businesses/{s.provider_bn}/operations/{operation}"))["state"]
        assert state != "failed"
        return state == "completed"

    await wait_for(completed, within=10)
    assigned = await s.provider_owner.call(
        "PUT", f"{groups}/{group_id}/employees/{s.employee_id}", json={"role": "pam"}
    )
    assert assigned.status_code == 202, assigned.text  # an operation too: the employee gets access when it completes

    async def allowed() -> bool:
        return (await s.employee.call("GET", s.client_accounts)).status_code == 200

    await wait_for(allowed, within=5)
    await answered_from_cache(portal, s.employee, s.client_accounts)

    # The provider takes the client out of the group: the employee is refused within a second.
    removed_at = time.monotonic()
    removed = await s.provider_owner.call(
        "DELETE", f"{groups}/{group_id}/clients/{s.client_bn}", json={"confirmation": "REMOVE"}
    )
    assert removed.status_code == 202, removed.text
    assert await refused_within(s.employee, s.client_accounts, removed_at) < PROMPT_S


# -- access tokens revoked before they expire (identity's events -> the gateway's denylist) ------------------------


async def unauthorized_within(call: Any, since: float) -> tuple[float, dict[str, Any]]:
    """Seconds from ``since`` until ``call()`` answers 401, and that problem."""
    refused: dict[str, Any] = {}

    async def is_refused() -> bool:
        response = await call()
        assert response.status_code in (200, 401), response.text
        if response.status_code == 401:
            refused.update(response.json())
        return response.status_code == 401

    await wait_for(is_refused, within=5, interval=0.02)
    return time.monotonic() - since, refused


async def revocations_asked_of_identity(portal: Portal) -> float:
    metrics = (await portal.client.get("/metrics")).text
    for line in metrics.splitlines():
        if line.startswith('gateway_revocation_checks_total{outcome="identity"}'):
            return float(line.split()[-1])
    return 0.0


async def client_token(portal: Portal, client_id: str, secret: str) -> str:
    response = await portal.client.post(
        "/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_revoked_api_client_tokens_are_refused_at_the_gateway_within_a_second(portal: Portal) -> None:
    """A revocation reaches the resource server, not only the token endpoint (ASVS 5.0 V7.4.1: self-contained
    tokens need "a list of terminated tokens" or "disallowing tokens produced before a date and time")."""
    references = (await portal.client.get("/v1/sandbox/reference-businesses")).json()["items"]
    owner = await Person(portal, "OscarOwner44", "oscar@owner.example").onboard("Oscar")
    bn = await owner.register(references[0])
    made = await owner.ok(
        "POST", f"/v1/businesses/{bn}/api-clients", json={"name": "Broker desk", "scopes": ["business_profile:read"]}
    )
    client_id, secret = made["client_id"], made["client_secret"]
    await wait_for(portal.revocation_feed_current, within=20)
    asked_before = await revocations_asked_of_identity(portal)

    async def read(token: str) -> httpx.Response:
        return await portal.client.get(f"/v1/businesses/{bn}", headers={"authorization": f"Bearer {token}"})

    # RFC 7009: the client revokes one of its access tokens; another one keeps working.
    revoked, kept = await client_token(portal, client_id, secret), await client_token(portal, client_id, secret)
    assert (await read(revoked)).status_code == 200
    since = time.monotonic()
    answer = await portal.client.post("/v1/oauth/revoke", data={"token": revoked}, auth=(client_id, secret))
    assert answer.status_code == 200, answer.text
    elapsed, problem = await unauthorized_within(lambda: read(revoked), since)
    assert elapsed < PROMPT_S
    assert problem["code"] == "token_revoked"
    assert (await read(kept)).status_code == 200

    # The secret is rotated (no grace period): tokens of the old secret go, one of the new secret works at once.
    since = time.monotonic()
    rotated = await owner.ok("POST", f"/v1/businesses/{bn}/api-clients/{client_id}/secret")
    elapsed, problem = await unauthorized_within(lambda: read(kept), since)
    assert elapsed < PROMPT_S
    assert problem["code"] == "token_revoked"
    fresh = await client_token(portal, client_id, rotated["client_secret"])
    assert (await read(fresh)).status_code == 200

    # The account manager revokes the client: its token is refused within a second.
    since = time.monotonic()
    assert (await owner.call("DELETE", f"/v1/businesses/{bn}/api-clients/{client_id}")).status_code == 204
    elapsed, problem = await unauthorized_within(lambda: read(fresh), since)
    assert elapsed < PROMPT_S
    assert problem["code"] == "token_revoked"
    # All of it through the denylist: the feed stayed current, identity was never asked per token.
    assert await revocations_asked_of_identity(portal) == asked_before


async def test_a_deactivated_or_revoked_user_is_refused_at_the_gateway_within_a_second(portal: Portal) -> None:
    from identity.lifecycle.service import sweep_inactive_accounts
    from identity.users.models import User

    dormant = await Person(portal, "DoraDormant5", "dora@dormant.example").onboard("Dora")
    leaving = await Person(portal, "LeoLeaving66", "leo@leaving.example").onboard("Leo")
    dormant_id = (await dormant.ok("GET", "/v1/me"))["id"]
    await wait_for(portal.revocation_feed_current, within=20)

    # 181 days without a sign-in (written in identity's database), then the inactivity sweep deactivates.
    identity = portal.apps["identity"]
    runtime = identity.state.runtime
    async with runtime.uow() as uow:
        user = await uow.session.get(User, dormant_id)
        assert user is not None
        long_ago = user.created_at.replace(year=user.created_at.year - 1)
        user.created_at = user.last_login_at = long_ago
    since = time.monotonic()
    report = await sweep_inactive_accounts(runtime, identity.state.mailer, identity.state.clock, runtime.settings)
    assert report.deactivated == [dormant_id]
    elapsed, problem = await unauthorized_within(lambda: dormant.call("GET", "/v1/me"), since)
    assert elapsed < PROMPT_S
    assert problem["code"] == "token_revoked"

    # The user revokes their own credential: the token they did it with is refused within a second.
    since = time.monotonic()
    assert (await leaving.call("DELETE", "/v1/me")).status_code == 204
    elapsed, problem = await unauthorized_within(lambda: leaving.call("GET", "/v1/me"), since)
    assert elapsed < PROMPT_S
    assert problem["code"] == "token_revoked"


async def test_asvs_10_4_5_a_replayed_refresh_token_ends_the_login_at_the_gateway_within_a_second(
    portal: Portal,
) -> None:
    """Reuse detection revokes the refresh-token family, and the access tokens of that login stop working too
    (ASVS 5.0 V7.4.1: self-contained tokens of a terminated session are refused)."""
    user = await Person(portal, "RitaReplay77", "rita@replay.example").onboard("Rita")
    other_login = user.token
    await wait_for(portal.revocation_feed_current, within=20)

    async def refresh(token: str) -> httpx.Response:
        return await portal.client.post("/v1/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token})

    rotated = await refresh(user.refresh_token)
    assert rotated.status_code == 200, rotated.text
    user.token = rotated.json()["access_token"]
    assert (await user.call("GET", "/v1/me")).status_code == 200

    since = time.monotonic()
    replayed = await refresh(user.refresh_token)  # the spent one again: stolen, or a race
    assert replayed.status_code == 400 and replayed.json()["code"] == "invalid_grant"
    elapsed, problem = await unauthorized_within(lambda: user.call("GET", "/v1/me"), since)
    assert elapsed < PROMPT_S
    assert problem["code"] == "token_revoked"
    user.token = other_login  # the first access token of that login goes too
    assert (await user.call("GET", "/v1/me")).status_code == 401
    assert (await refresh(rotated.json()["refresh_token"])).status_code == 400
