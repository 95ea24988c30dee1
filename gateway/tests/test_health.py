"""The gateway's own endpoints: stack health (services + broker), liveness, metrics."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from portal_runtime.testing.infra import TansuBroker, free_port

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack, StackFactory

SERVICES = {
    "identity": "http://identity.test",
    "ledger": "http://ledger.test",
    "delegation": "http://delegation.test",
}


async def test_healthz_is_ok_when_every_service_and_the_broker_are(
    make_stack: StackFactory, tansu: TansuBroker
) -> None:
    async with make_stack(identity_kafka=tansu.bootstrap, kafka_bootstrap_servers=tansu.bootstrap) as stack:
        response = await stack.client.get("/healthz")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"identity", "ledger", "delegation", "broker"}
    assert all(c["status"] == "ok" for c in body["components"].values())
    assert body["components"]["broker"]["brokers"] >= 1


async def test_healthz_reports_a_down_service_and_broker_as_degraded(make_stack: StackFactory) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with make_stack(
        services=SERVICES | {"ledger": closed}, kafka_bootstrap_servers=f"127.0.0.1:{free_port()}"
    ) as stack:
        started = time.monotonic()
        response = await stack.client.get("/healthz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    components = body["components"]
    assert (components["ledger"]["status"], components["ledger"]["error"]) == ("down", "ConnectError")
    assert components["broker"]["status"] == "down"
    assert components["delegation"]["status"] == "ok"
    # identity is up and ready, but its own broker is unreachable: reported, not hidden.
    assert (components["identity"]["status"], components["identity"]["down"]) == ("degraded", ["broker"])
    assert elapsed < 2.5


async def test_a_hung_service_costs_healthz_at_most_its_timeout(make_stack: StackFactory, silent_server: str) -> None:
    async with make_stack(services=SERVICES | {"ledger": silent_server}, health_timeout_s=0.3) as stack:
        started = time.monotonic()
        response = await stack.client.get("/healthz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["components"]["ledger"]["status"] == "down"
    assert elapsed < 1.5  # checked concurrently: one timeout, not one per component


async def test_livez_answers_without_asking_anyone(stack: Stack) -> None:
    before = len(stack.transport.requests)

    response = await stack.client.get("/livez")

    assert response.json() == {"status": "ok", "component": "gateway"}
    assert len(stack.transport.requests) == before


async def test_metrics_label_upstream_latency_by_operation_template(stack: Stack) -> None:
    await stack.client.get("/v1/businesses/lookup")
    await stack.client.get("/v1/tariff/items/0101")

    text = (await stack.client.get("/metrics")).text

    lookup = 'method="GET",route="/v1/businesses/lookup",service="ledger",status="200"'
    assert f"gateway_upstream_duration_seconds_count{{{lookup}}} 1.0" in text
    assert 'route="/v1/tariff/items/{code}",service="ledger",status="404"' in text
    assert 'http_request_duration_seconds_count{component="gateway"' in text
