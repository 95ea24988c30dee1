"""Prometheus metrics of the gateway: latency per operation template (not the catch-all route), upstream latency,
failures of the components behind it, and rate-limit checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal_runtime.testing.infra import free_port

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack, StackFactory

SERVICES = {"identity": "http://identity.test", "ledger": "http://ledger.test", "delegation": "http://delegation.test"}


async def test_latency_is_labelled_with_the_operation_template(stack: Stack) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"])
    for bn in (stack.bn, stack.bn):
        response = await stack.client.get(
            f"/v1/businesses/{bn}/balance", headers=stack.bearer(scopes=["financial:read"])
        )
        assert response.status_code == 200
    await stack.client.get("/v1/no/such/route")

    metrics = (await stack.client.get("/metrics")).text

    route = 'route="/v1/businesses/{bn}/balance"'
    assert (
        f'http_request_duration_seconds_count{{component="gateway",method="GET",{route},status="200"}} 2.0' in metrics
    )
    assert 'http_request_duration_seconds_count{component="gateway",method="GET",route="unmatched",status="404"}' in (
        metrics
    )
    assert "{path:path}" not in metrics  # every forwarded request is labelled with its operation
    assert f'gateway_upstream_duration_seconds_count{{method="GET",{route},service="ledger",status="200"}} 2.0' in (
        metrics
    )
    assert 'gateway_rate_limit_checks_total{limit_class="user",outcome="allowed"} 2.0' in metrics


async def test_failures_behind_the_gateway_are_counted_by_component(make_stack: StackFactory) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with make_stack(services=SERVICES | {"ledger": closed}) as stack:
        stack.grants.failing_with = 500
        # Delegation first: once the ledger's connection fails, its outage is known and refused before any decision.
        assert (await stack.client.get(f"/v1/businesses/{stack.bn}", headers=stack.bearer())).status_code == 503
        assert (await stack.client.get("/v1/businesses/lookup")).status_code == 503
        refused = await stack.client.get("/v1/businesses/lookup")
        assert (refused.status_code, refused.json()["outage"]["component"]) == (503, "ledger")
        metrics = (await stack.client.get("/metrics")).text

    assert 'gateway_upstream_errors_total{code="service_unavailable",component="ledger"} 1.0' in metrics
    assert 'gateway_upstream_errors_total{code="service_unavailable",component="delegation"} 1.0' in metrics
