"""The authorization matrix: every business route x every role, checked at the real gateway.

Generated from the two tables that define access: the roles -> scopes tables (``delegation.roles.ROLES`` and
``PROXY_ROLES``) and the committed contracts (each operation's ``x-acting`` and ``x-scope``). The gateway asks
the real delegation service (in process, seeded through its own API) for its decisions; every upstream route is
a tiny echo app answering 200, so a 200 means the gateway let the request through and a 403 that it refused it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from joserfc.jwk import OKPKey

from delegation.businesses.events import SUBSCRIPTION
from delegation.config import Settings as DelegationSettings
from delegation.main import create_app as create_delegation_app
from delegation.roles import PROVIDER_EXCLUSIONS, PROXY_ROLES, ROLES, ProxyRole, Role
from identity.config import Settings as IdentitySettings
from identity.main import create_app as create_identity_app
from portal_contracts import OPENAPI_DIR
from portal_contracts.events import BusinessRegistered
from portal_contracts.scopes import Scope
from portal_gateway.config import JWKS_PATH
from portal_gateway.config import Settings as GatewaySettings
from portal_gateway.decisions import DECISIONS_PATH
from portal_gateway.main import create_app as create_gateway_app
from portal_gateway.revocation import STATUS_PATH
from portal_runtime.bus import InMemoryBus
from portal_runtime.context import ContextSigner, InternalContext
from portal_runtime.messaging import EventRecord, topic_for

CLIENT_BN = "123456782"
PROVIDER_BN = "100000009"
FORMER_PROVIDER_BN = "200000008"
CLIENT_RM1 = f"{CLIENT_BN}RM0001"
SERVICE_URLS = {
    name: f"http://{name}.test"
    for name in ("identity", "business-registry", "delegation", "ledger", "rulings", "notifications")
}
ACTING_ON_BUSINESS = ("business", "program_account")
ALL_SCOPES = sorted(Scope)
PARAMETER = re.compile(r"\{([^}]+)\}")
FILLERS = {"bn": CLIENT_BN, "bn15": CLIENT_RM1}
VISIBLE_ALL = {"client_submitted": True, "other_businesses_submitted": True}


# --- The matrix: routes from the contracts, principals from the role tables --------------------------------


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    template: str
    scope: str

    @property
    def path(self) -> str:
        """The template with the client's BN, its first program account, another business for any other BN
        parameter (a client of a group, say), and ``1`` for the rest (the echo app answers any path)."""
        return PARAMETER.sub(lambda m: FILLERS.get(m[1], PROVIDER_BN if m[1].endswith("_bn") else "1"), self.template)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.template}"


def business_routes() -> list[Route]:
    routes = []
    for document in sorted(OPENAPI_DIR.glob("*.json")):
        for template, operations in json.loads(document.read_text())["paths"].items():
            for method, spec in operations.items():
                if isinstance(spec, dict) and spec.get("x-acting") in ACTING_ON_BUSINESS:
                    routes.append(Route(document.stem, method, template, spec["x-scope"]))
    return routes


@dataclass(frozen=True)
class Principal:
    """A user of the seeded world and the scopes the role tables say it holds on the client business."""

    name: str
    user: str
    scopes: frozenset[str]
    proxy: bool = False


PRINCIPALS = [
    *(Principal(role.value, f"client-{role.value}", frozenset(ROLES[role].scopes)) for role in Role),
    *(
        Principal(role.value, f"provider-{role.value}", frozenset(PROXY_ROLES[role].scopes), proxy=True)
        for role in ProxyRole
    ),
    Principal("unassociated", "stranger", frozenset()),
]
ROUTES = business_routes()


def expected_allow(principal: Principal, route: Route) -> bool:
    allowed = route.scope in principal.scopes
    if principal.proxy and route.scope in PROVIDER_EXCLUSIONS:
        allowed = False  # what a provider never does for a client, whatever its proxy role
    return allowed


def test_the_matrix_covers_every_business_route_and_role() -> None:
    assert len(ROUTES) >= 20
    assert {r.scope for r in ROUTES} <= set(ALL_SCOPES)
    assert {p.name for p in PRINCIPALS} == {*Role, *ProxyRole, "unassociated"}
    assert {r.service for r in ROUTES} >= {"business-registry", "delegation", "identity"}
    assert any("{bn15}" in r.template for r in ROUTES)  # a program-account route too
    # Every route acts on the business its {bn} names (the client here), so the expectations are about the client.
    assert all(r.template.startswith("/v1/businesses/{bn}") for r in ROUTES)


# --- The stack: identity (tokens), delegation (decisions), echo (every route), the gateway -----------------


def echo_app() -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(path: str, request: Request) -> Response:
        return Response(json.dumps({"echo": request.url.path}), media_type="application/json")

    return app


class Upstreams(httpx.AsyncBaseTransport):
    """Decisions to delegation, the JWKS and revocation checks to identity; every other request (the routes) to
    the echo app."""

    def __init__(self, identity: FastAPI, delegation: FastAPI) -> None:
        self._identity = httpx.ASGITransport(identity)
        self._delegation = httpx.ASGITransport(delegation)
        self._echo = httpx.ASGITransport(echo_app())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == DECISIONS_PATH:
            return await self._delegation.handle_async_request(request)
        if request.url.path in (JWKS_PATH, STATUS_PATH):
            return await self._identity.handle_async_request(request)
        return await self._echo.handle_async_request(request)


@dataclass
class World:
    gateway: httpx.AsyncClient
    identity: FastAPI

    def bearer(self, user: str) -> dict[str, str]:
        token = self.identity.state.keys.issue_access_token(user, scopes=ALL_SCOPES)
        return {"Authorization": f"Bearer {token}"}


class Seeder:
    """Delegation's own API, called as the gateway would with a signed context."""

    def __init__(self, delegation: FastAPI, client: httpx.AsyncClient, signer: ContextSigner) -> None:
        self._delegation = delegation
        self._client = client
        self._signer = signer
        self._request_ids = itertools.count(1)

    def _as(self, user: str, business: str | None = None, role: str | None = None) -> dict[str, str]:
        scopes = sorted(ROLES[Role(role)].scopes) if role else []
        context = InternalContext(
            subject=user, business=business, role=role, scopes=scopes, request_id=f"seed-{next(self._request_ids)}"
        )
        return {"x-portal-context": self._signer.sign(context)}

    async def _ok(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> dict[str, Any]:
        response = await self._client.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201, 204), f"{method} {path}: {response.text}"
        return response.json() if response.content else {}  # type: ignore[no-any-return]

    async def register(self, bn: str, registrant: str) -> None:
        event = BusinessRegistered(
            bn=bn,
            legal_name=f"Business {bn} Inc.",
            operating_name=f"Business{bn}",
            program_accounts=[f"{bn}RM0001", f"{bn}RM0002"],
            registrant_user_id=registrant,
        )
        record = EventRecord(
            type=event.event_type,
            source="business-registry",
            data=event.model_dump(mode="json"),
            subject=event.subject(),
            partition_key=event.partition_key(),
            topic=topic_for("business-registry"),
            request_id=f"registration-{bn}",
        )
        runtime = self._delegation.state.runtime
        dispatcher = next(d for d in runtime.dispatchers if d.subscription.name == SUBSCRIPTION)
        await dispatcher.deliver(record)

    async def employ(self, bn: str, bam: str, user: str, role: Role) -> None:
        asked = await self._ok(
            "POST", f"/v1/businesses/{bn}/access-requests", self._as(user), {"comment": "I work here now."}
        )
        await self._ok(
            "POST",
            f"/v1/businesses/{bn}/access-requests/{asked['id']}/approve",
            self._as(bam, bn, Role.BAM),
            {"role": role.value, "programs": "all"},
        )

    async def relationship(self, provider_bn: str, provider_bam: str) -> str:
        """A business management relationship of the provider with the client, approved by the client's BAM."""
        asked = await self._ok(
            "POST",
            f"/v1/businesses/{provider_bn}/relationship-requests",
            self._as(provider_bam, provider_bn, Role.BAM),
            {"client_bn": CLIENT_BN, "comment": "We clear your goods at Fort Erie."},
        )
        approved = await self._ok(
            "POST",
            f"/v1/businesses/{CLIENT_BN}/relationship-requests/{asked['id']}/approve",
            self._as("client-bam", CLIENT_BN, Role.BAM),
            {
                "type": "business_management",
                "visibility": {"client_submitted": True, "other_businesses_submitted": True},
            },
        )
        return str(approved["id"])

    async def assign(self, relationship_id: str, user: str, role: Role) -> None:
        await self._ok(
            "PUT",
            f"/v1/businesses/{PROVIDER_BN}/relationships/{relationship_id}/assignments/{user}",
            self._as("provider-proxy_bam", PROVIDER_BN, Role.BAM),
            {"role": role.value, "programs": "all"},
        )

    async def end(self, relationship_id: str) -> None:
        url = f"/v1/businesses/{CLIENT_BN}/relationships/{relationship_id}"
        read = await self._ok("GET", url, self._as("client-bam", CLIENT_BN, Role.BAM))
        await self._ok("DELETE", url, {**self._as("client-bam", CLIENT_BN, Role.BAM), "If-Match": read["etag"]})

    async def decide(self, user: str) -> dict[str, Any]:
        return await self._ok("POST", DECISIONS_PATH, {}, {"user_id": user, "business": CLIENT_BN})


async def seed(seeder: Seeder) -> None:
    """The client with one employee per own role; a provider whose staff hold each proxy role on the client
    (its BAM proxy_bam through the business management relationship, the others by assignment); a former
    provider whose BAM is left with the expired role."""
    await seeder.register(CLIENT_BN, "client-bam")
    for role in (Role.PAM, Role.EDITOR, Role.VIEWER):
        await seeder.employ(CLIENT_BN, "client-bam", f"client-{role.value}", role)
    await seeder.register(PROVIDER_BN, "provider-proxy_bam")
    for role in (Role.PAM, Role.EDITOR, Role.VIEWER):
        await seeder.employ(PROVIDER_BN, "provider-proxy_bam", f"provider-proxy_{role.value}", role)
    relationship = await seeder.relationship(PROVIDER_BN, "provider-proxy_bam")
    for role in (Role.PAM, Role.EDITOR, Role.VIEWER):
        await seeder.assign(relationship, f"provider-proxy_{role.value}", role)
    await seeder.register(FORMER_PROVIDER_BN, "provider-expired")
    await seeder.end(await seeder.relationship(FORMER_PROVIDER_BN, "provider-expired"))
    for principal in PRINCIPALS:
        decision = await seeder.decide(principal.user)
        expected_role = None if principal.name == "unassociated" else principal.name
        assert decision["role"] == expected_role, (principal, decision)


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory, context_key: OKPKey) -> AsyncIterator[World]:
    tmp: Path = tmp_path_factory.mktemp("authz")
    identity = create_identity_app(
        IdentitySettings(
            database_url=f"sqlite+aiosqlite:///{tmp}/identity.db",
            relay_enabled=False,
            consumers_enabled=False,
            environment="test",
            kafka_bootstrap_servers="127.0.0.1:1",
        )
    )
    delegation = create_delegation_app(
        DelegationSettings(
            environment="test",
            database_url=f"sqlite+aiosqlite:///{tmp}/delegation.db",
            relay_enabled=False,
            consumers_enabled=False,
            context_public_key=json.dumps(context_key.as_dict(private=False)),
        ),
        publisher=InMemoryBus(),
    )
    gateway = create_gateway_app(
        GatewaySettings(
            environment="test",
            services=SERVICE_URLS,
            context_private_key=json.dumps(context_key.as_dict(private=True)),
            kafka_bootstrap_servers="127.0.0.1:1",
            database_url=f"sqlite+aiosqlite:///{tmp}/gateway.db",
            decision_cache_ttl_s=0,  # every request is decided by delegation
        ),
        transport=Upstreams(identity, delegation),
    )
    async with (
        identity.router.lifespan_context(identity),
        delegation.router.lifespan_context(delegation),
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=httpx.ASGITransport(delegation), base_url="http://delegation.test") as seeding,
        httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gateway.test") as client,
    ):
        await seed(Seeder(delegation, seeding, ContextSigner(context_key)))
        yield World(client, identity)


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.name)
@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_the_gateway_allows_exactly_what_the_role_gives(world: World, principal: Principal, route: Route) -> None:
    response = await world.gateway.request(route.method, route.path, headers=world.bearer(principal.user))
    if expected_allow(principal, route):
        assert response.status_code == 200, f"{principal.name} refused {route}: {response.text}"
        assert response.json() == {"echo": route.path}
    else:
        assert response.status_code == 403, f"{principal.name} not refused {route}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
