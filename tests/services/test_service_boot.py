"""Every service boots, migrates its own database, and reports its health honestly."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from sqlalchemy import inspect

from portal_runtime.testing.apps import running
from portal_runtime.testing.infra import PostgresServer, TansuBroker, free_port

SERVICES = {
    "identity": "identity",
    "business-registry": "business_registry",
    "delegation": "delegation",
    "ledger": "ledger",
    "rulings": "rulings",
    "notifications": "notifications",
}


def build(package: str, **settings: Any):  # type: ignore[no-untyped-def]
    config = importlib.import_module(f"{package}.config")
    main = importlib.import_module(f"{package}.main")
    return main.create_app(config.Settings(environment="test", **settings))


async def get(app, path: str):  # type: ignore[no-untyped-def]
    async with running(app) as (_, client):
        return await client.get(path), app.state.runtime


@pytest.mark.integration
@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_service_is_ready_on_postgresql_and_the_broker(
    service: str, postgres: PostgresServer, tansu: TansuBroker
) -> None:
    url = await postgres.create_database(service.replace("-", "_"))
    app = build(SERVICES[service], database_url=url, kafka_bootstrap_servers=tansu.bootstrap)

    response, runtime = await get(app, "/readyz")

    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"]["status"] == "ok"
    assert checks["outbox"]["pending"] == 0
    async with runtime.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"outbox", "inbox", "alembic_version"} <= tables
    await postgres.drop_all()


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_service_without_broker_is_ready_but_reports_the_broker_down(service: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = build(
        SERVICES[service],
        database_url=f"sqlite+aiosqlite:///{tmp_path}/{service}.db",
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        relay_enabled=False,
        consumers_enabled=False,
    )

    ready, _ = await get(app, "/readyz")
    live, _ = await get(app, "/healthz")

    assert live.status_code == 200
    assert live.json() == {"status": "ok", "component": service}
    assert ready.status_code == 200  # the outbox holds events meanwhile; only the database gates readiness
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["database"]["status"] == "ok"
    assert ready.json()["checks"]["broker"]["status"] == "down"


async def test_metrics_expose_request_latency_and_messaging_counters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = build(
        "identity",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/identity.db",
        relay_enabled=False,
        consumers_enabled=False,
    )
    async with running(app) as (_, client):
        await client.get("/v1/oauth/jwks")
        text = (await client.get("/metrics")).text

    assert (
        'http_request_duration_seconds_count{component="identity",method="GET",route="/v1/oauth/jwks",status="200"} 1.0'
        in text
    )
    assert 'outbox_published_total{component="identity"} 0.0' in text


async def test_internal_apis_need_the_shared_key_when_one_is_configured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = build(
        "delegation",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/d.db",
        relay_enabled=False,
        consumers_enabled=False,
        internal_api_key="k" * 43,
    )
    body = {"user_id": "u1", "business": "123456782"}
    async with running(app) as (_, client):
        missing = await client.post("/internal/decisions", json=body)
        wrong = await client.post("/internal/decisions", json=body, headers={"x-internal-key": "k" * 42})
        right = await client.post("/internal/decisions", json=body, headers={"x-internal-key": "k" * 43})
        public = await client.get("/healthz")

    assert (missing.status_code, missing.json()["code"]) == (401, "internal_key_required")
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert right.json()["allow"] is False
    assert public.status_code == 200


async def test_a_periodic_job_survives_a_failing_round_and_stops_with_the_service(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    app = build(
        "rulings", database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db", relay_enabled=False, consumers_enabled=False
    )
    rounds: list[int] = []

    async def job() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("first round fails")

    async with running(app) as (_, _client):
        runtime = app.state.runtime
        runtime.run_every("sweep", 0.01, job)
        await asyncio.sleep(0.1)
        assert "sweep" in runtime.background_tasks()
    assert len(rounds) >= 3  # kept going after the failure
    assert runtime.background_tasks() == {}
