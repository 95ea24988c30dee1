"""Store-and-forward: an operation its contract marks ``x-portal-store-and-forward`` is authorized as usual and,
while its service is down, accepted into the gateway's durable queue; once the service is back every submission is
delivered once, in acceptance order, and its tracking resource shows the service's answer.

The service here is a small FastAPI app exporting its contract the way services do (``access(...,
store_and_forward=True)``), under uvicorn on a real port; it applies each Idempotency-Key once and counts calls.
The queue tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from joserfc.jwk import OKPKey

from identity.config import Settings as IdentitySettings
from identity.main import create_app as create_identity_app
from portal_gateway.config import Settings
from portal_gateway.main import create_app
from portal_runtime.access import Acting, access
from portal_runtime.bus import InMemoryBus
from portal_runtime.context import ContextVerifier, CurrentContext, generate_signing_key
from portal_runtime.testing.apps import Served
from portal_runtime.testing.infra import PostgresServer, free_port, wait_for

from .conftest import BN, DELEGATION_URL, IDENTITY_URL, AppRouter, Grants, delegation_app, write_contracts

ALICE, BOB, MALLORY = "user-alice", "user-bob", "user-mallory"
SCOPES = ["declarations:write", "declarations:read"]
DECLARATIONS = f"/v1/businesses/{BN}/declarations"


@dataclass
class Declarations:
    """The service's side: effects applied once per Idempotency-Key, in the order they arrived."""

    applied: list[str] = field(default_factory=list)  # idempotency keys, in the order their effect was applied
    calls: Counter[str] = field(default_factory=Counter)  # deliveries per key (redeliveries included)
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)
    hold: asyncio.Event | None = None  # set: requests wait for it (a slow service)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    fail_first: set[str] = field(default_factory=set)  # keys answered 500 once


def declarations_app(context_key: OKPKey, state: Declarations) -> FastAPI:
    app = FastAPI()
    app.state.context_verifier = ContextVerifier(OKPKey.import_key(context_key.as_dict(private=False)))

    @app.post(
        "/v1/businesses/{bn}/declarations",
        status_code=201,
        openapi_extra=access(Acting.BUSINESS, "declarations:write", store_and_forward=True),
    )
    async def declare(
        bn: str, request: Request, context: CurrentContext, idempotency_key: str = Header()
    ) -> JSONResponse:
        state.calls[idempotency_key] += 1
        body = await request.json()
        if state.hold is not None:
            state.held.set()
            await state.hold.wait()
        if idempotency_key in state.fail_first:
            state.fail_first.discard(idempotency_key)
            return JSONResponse({"detail": "busy"}, status_code=500)
        if idempotency_key not in state.answers:  # the first time only: replay returns the first answer
            if body.get("amount", 0) < 0:
                state.answers[idempotency_key] = (422, {"code": "negative_amount"})
            else:
                number = f"{len(state.applied) + 1:014d}"
                state.applied.append(idempotency_key)
                state.subjects[idempotency_key] = context.subject
                state.answers[idempotency_key] = (201, {"transaction_number": number, "amount": body["amount"]})
        status, answer = state.answers[idempotency_key]
        headers = (
            {"Location": f"/v1/businesses/{bn}/declarations/{answer['transaction_number']}"} if status == 201 else {}
        )
        return JSONResponse(answer, status_code=status, headers=headers)

    @app.get("/v1/businesses/{bn}/declarations", openapi_extra=access(Acting.BUSINESS, "declarations:read"))
    async def listing(bn: str, context: CurrentContext) -> list[str]:
        return state.applied

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@dataclass
class Portal:
    client: httpx.AsyncClient
    gateway: FastAPI
    identity: FastAPI
    grants: Grants
    service: Served
    state: Declarations

    def bearer(self, subject: str) -> dict[str, str]:
        token = self.identity.state.keys.issue_access_token(subject, scopes=SCOPES)
        return {"Authorization": f"Bearer {token}"}

    async def declare(self, subject: str, key: str | None, amount: int = 100) -> httpx.Response:
        headers = self.bearer(subject) | ({"Idempotency-Key": key} if key else {})
        return await self.client.post(DECLARATIONS, json={"amount": amount}, headers=headers)

    async def tracking(self, submission_id: str, subject: str) -> httpx.Response:
        return await self.client.get(f"/v1/submissions/{submission_id}", headers=self.bearer(subject))


@dataclass
class World:
    tmp_path: Path
    database_url: str
    identity: FastAPI
    grants: Grants
    service: Served
    state: Declarations
    context_key: OKPKey
    contracts: Path
    delegation: FastAPI

    @asynccontextmanager
    async def gateway(self, **overrides: Any) -> AsyncIterator[Portal]:
        transport = AppRouter({IDENTITY_URL: self.identity, DELEGATION_URL: self.delegation})
        values: dict[str, Any] = {
            "environment": "test",
            "services": {"identity": IDENTITY_URL, "ledger": self.service.url, "delegation": DELEGATION_URL},
            "contracts_dir": self.contracts,
            "context_private_key": json.dumps(self.context_key.as_dict(private=True)),
            "kafka_bootstrap_servers": "127.0.0.1:1",
            "database_url": self.database_url,
            "decision_cache_ttl_s": 0,
            "outage_poll_interval_s": 0.05,
            "outage_close_after_s": 0.2,
            "delivery_poll_interval_s": 0.05,
            "delivery_max_backoff_s": 0.2,
            **overrides,
        }
        gateway = create_app(Settings(**values), transport=transport, publisher=InMemoryBus())
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(gateway.router.lifespan_context(gateway))
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gateway.test")
            )
            stack.push_async_callback(transport.aclose)
            yield Portal(client, gateway, self.identity, self.grants, self.service, self.state)


async def drop_database(postgres: PostgresServer, url: str) -> None:
    connection = await asyncpg.connect(postgres.admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    if request.param == "postgresql":  # a fresh database of its own, dropped after the test (as pg_url does)
        postgres: PostgresServer = request.getfixturevalue("postgres")
        database_url = await postgres.create_database("gateway")
    else:
        database_url = f"sqlite+aiosqlite:///{tmp_path}/gateway.db"
    identity = create_identity_app(
        IdentitySettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/identity.db",
            relay_enabled=False,
            consumers_enabled=False,
            environment="test",
            kafka_bootstrap_servers="127.0.0.1:1",
        )
    )
    context_key = generate_signing_key("saf-test")
    grants = Grants()
    for user in (ALICE, BOB):
        grants.grant(user, BN, SCOPES)
    state = Declarations()
    app = declarations_app(context_key, state)
    delegation = delegation_app(grants)
    contracts = write_contracts(
        tmp_path / "openapi",
        {"identity": identity.openapi(), "ledger": app.openapi(), "delegation": delegation.openapi()},
    )
    service = Served(app, free_port())
    async with identity.router.lifespan_context(identity):
        yield World(tmp_path, database_url, identity, grants, service, state, context_key, contracts, delegation)
    await service.stop()
    if request.param == "postgresql":
        await drop_database(postgres, database_url)


def test_the_contract_marks_the_operation_store_and_forward() -> None:
    document = declarations_app(generate_signing_key(), Declarations()).openapi()
    operation = document["paths"]["/v1/businesses/{bn}/declarations"]
    assert operation["post"]["x-portal-store-and-forward"] is True
    assert "x-portal-store-and-forward" not in operation["get"]
    with pytest.raises(ValueError, match="authenticated"):
        access(Acting.PUBLIC, store_and_forward=True)


async def test_fifty_submissions_during_an_outage_are_delivered_once_and_in_order_when_the_service_returns(
    world: World,
) -> None:
    async with world.gateway() as portal:  # the service is not running: its port refuses connections
        accepted = []
        for n in range(50):
            user = ALICE if n % 2 == 0 else BOB
            response = await portal.declare(user, key=f"{user}-{n}", amount=n)
            assert response.status_code == 202, response.text
            assert response.headers["location"] == f"/v1/submissions/{response.json()['id']}"
            assert response.json()["state"] == "queued"
            accepted.append((user, f"{user}-{n}", response.json()["id"]))

        # Plain routes of the service are refused with the outage, not queued.
        listing = await portal.client.get(DECLARATIONS, headers=portal.bearer(ALICE))
        assert (listing.status_code, listing.json()["outage"]["component"]) == (503, "ledger")

        await world.service.start()
        await wait_for(lambda: len(world.state.applied) == 50, within=30)
        await wait_for(lambda: _all_delivered(portal, accepted), within=10)
        metrics = (await portal.client.get("/metrics")).text
        assert "gateway_submissions_delivered_total 50.0" in metrics

    assert world.state.applied == [key for _, key, _ in accepted]  # acceptance order
    assert set(world.state.calls.values()) == {1}  # none lost, none duplicated
    assert all(world.state.subjects[key] == user for user, key, _ in accepted)  # the original principal


async def _all_delivered(portal: Portal, accepted: list[tuple[str, str, str]]) -> bool:
    for user, _, submission_id in accepted:
        if (await portal.tracking(submission_id, user)).json()["state"] != "delivered":
            return False
    return True


async def test_the_tracking_resource_shows_each_state_and_only_to_its_owner(world: World) -> None:
    async with world.gateway() as portal:
        queued = await portal.declare(ALICE, key="k-1", amount=7)
        submission_id = queued.json()["id"]
        seen = (await portal.tracking(submission_id, ALICE)).json()
        assert (seen["state"], seen["service"], seen["method"], seen["path"]) == (
            "queued",
            "ledger",
            "POST",
            DECLARATIONS,
        )
        assert seen["response"] is None

        for stranger in (BOB, MALLORY):
            hidden = await portal.tracking(submission_id, stranger)
            assert (hidden.status_code, hidden.json()["code"]) == (404, "submission_not_found")
        assert (await portal.client.get(f"/v1/submissions/{submission_id}")).status_code == 401

        world.state.hold = asyncio.Event()  # the service answers slowly: the submission is seen in delivery
        await world.service.start()
        await asyncio.wait_for(world.state.held.wait(), 10)
        assert (await portal.tracking(submission_id, ALICE)).json()["state"] == "delivering"
        world.state.hold.set()

        delivered = await wait_for(lambda: _in_state(portal, submission_id, ALICE, "delivered"), within=10)
        assert delivered["response"]["status"] == 201
        assert delivered["response"]["location"] == f"{DECLARATIONS}/00000000000001"
        assert delivered["response"]["body"] == {"transaction_number": "00000000000001", "amount": 7}
        assert delivered["attempts"] == 1 and delivered["finished_at"] is not None


async def _in_state(portal: Portal, submission_id: str, subject: str, state: str) -> dict[str, Any] | None:
    body: dict[str, Any] = (await portal.tracking(submission_id, subject)).json()
    return body if body["state"] == state else None


async def test_a_4xx_is_final_and_a_5xx_is_retried(world: World) -> None:
    async with world.gateway() as portal:
        refused = (await portal.declare(ALICE, key="negative", amount=-1)).json()["id"]
        retried = (await portal.declare(ALICE, key="retried", amount=1)).json()["id"]
        world.state.fail_first.add("retried")
        await world.service.start()

        failed = await wait_for(lambda: _in_state(portal, refused, ALICE, "failed"), within=10)
        assert failed["response"]["status"] == 422 and failed["response"]["body"] == {"code": "negative_amount"}
        delivered = await wait_for(lambda: _in_state(portal, retried, ALICE, "delivered"), within=10)
        assert delivered["attempts"] == 2 and delivered["response"]["status"] == 201
    assert world.state.calls == Counter({"negative": 1, "retried": 2})
    assert world.state.applied == ["retried"]


async def test_queueing_needs_an_idempotency_key_and_a_replay_returns_the_same_submission(world: World) -> None:
    async with world.gateway() as portal:
        missing = await portal.declare(ALICE, key=None)
        assert (missing.status_code, missing.json()["code"]) == (400, "idempotency_key_required")

        first = await portal.declare(ALICE, key="same", amount=5)
        replay = await portal.declare(ALICE, key="same", amount=5)
        assert replay.status_code == 202 and replay.json()["id"] == first.json()["id"]
        other_body = await portal.declare(ALICE, key="same", amount=6)
        assert (other_body.status_code, other_body.json()["code"]) == (422, "idempotency_key_reused")
        # Keys are per caller: Bob's "same" is his own submission.
        assert (await portal.declare(BOB, key="same", amount=5)).json()["id"] != first.json()["id"]


async def test_without_delegation_nothing_is_queued(world: World) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    services = {"identity": IDENTITY_URL, "ledger": world.service.url, "delegation": closed}
    async with world.gateway(services=services) as portal:
        response = await portal.declare(ALICE, key="k")
        assert (response.status_code, response.json()["component"]) == (503, "delegation")
        mallory = await portal.declare(MALLORY, key="m")
        assert mallory.status_code == 503  # not accepted for anyone: rights cannot be decided


async def test_an_unauthorized_caller_is_refused_before_queueing(world: World) -> None:
    async with world.gateway() as portal:
        response = await portal.declare(MALLORY, key="k")
        assert (response.status_code, response.json()["code"]) == (403, "not_associated")
        assert (await portal.client.post(DECLARATIONS, json={"amount": 1})).status_code == 401


async def test_a_gateway_crash_mid_queue_still_delivers_everything_once(world: World) -> None:
    keys = [f"crash-{n}" for n in range(12)]
    async with world.gateway(delivery_lease_s=0.5) as portal:
        accepted = []
        for key in keys:
            response = await portal.declare(ALICE, key=key)
            assert response.status_code == 202
            accepted.append((ALICE, key, response.json()["id"]))
        world.state.hold = asyncio.Event()
        await world.service.start()
        await asyncio.wait_for(world.state.held.wait(), 10)  # the first delivery is in flight...
    # ... when the gateway stops: its delivery is cut off while the service still applies it.
    hold, world.state.hold = world.state.hold, None
    hold.set()
    await wait_for(lambda: world.state.applied == keys[:1], within=5)

    async with world.gateway(delivery_lease_s=0.5) as portal:
        await wait_for(lambda: len(world.state.applied) == len(keys), within=20)
        await wait_for(lambda: _all_delivered(portal, accepted), within=10)

    assert world.state.applied == keys  # in order, each applied once
    assert world.state.calls[keys[0]] == 2  # the interrupted one was delivered again and deduplicated
    assert all(world.state.calls[key] == 1 for key in keys[1:])


async def test_the_aggregated_openapi_documents_the_queued_answer(world: World) -> None:
    async with world.gateway() as portal:
        document = (await portal.client.get("/openapi.json")).json()
    operation = document["paths"]["/v1/businesses/{bn}/declarations"]["post"]
    assert operation["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("SubmissionRead")
    assert "400" in operation["responses"]
    assert "202" not in document["paths"]["/v1/businesses/{bn}/declarations"]["get"]["responses"]


async def test_a_body_over_the_limit_is_refused_and_not_queued(world: World) -> None:
    async with world.gateway(max_request_body_bytes=64) as portal:  # the service is down: submissions queue

        async def streamed() -> AsyncIterator[bytes]:  # chunked: no length declared, counted as it arrives
            for _ in range(10):
                yield b'{"pad": "' + b"x" * 20 + b'"}'

        headers = portal.bearer(ALICE) | {"Idempotency-Key": "big"}
        response = await portal.client.post(DECLARATIONS, content=streamed(), headers=headers)
        small = await portal.declare(ALICE, key="small")

    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")
    assert small.status_code == 202  # the queue itself works: only the large body was refused
    assert small.json()["id"] and portal.state.calls == {}
