import pytest

from portal_runtime.testing.stack import SERVICES, Portal

pytestmark = pytest.mark.integration


async def test_gateway_reports_every_service_and_the_broker_healthy(portal: Portal) -> None:
    response = await portal.client.get("/healthz")

    assert response.status_code == 200, response.text
    components = response.json()["components"]
    assert set(components) == {*SERVICES, "broker"}
    assert all(c["status"] == "ok" for c in components.values()), components


async def test_a_stopped_service_is_a_503_problem_naming_it_not_a_hang(portal: Portal) -> None:
    assert (await portal.client.get("/v1/oauth/jwks")).status_code == 200
    await portal.stop("identity")

    response = await portal.client.get("/v1/oauth/jwks", headers={"x-request-id": "req-e2e-outage"})
    health = await portal.client.get("/healthz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["code"], problem["component"], problem["request_id"]) == (
        "service_unavailable",
        "identity",
        "req-e2e-outage",
    )
    assert "Traceback" not in response.text
    assert health.status_code == 503
    assert health.json()["components"]["identity"]["status"] == "down"
    assert health.json()["components"]["ledger"]["status"] == "ok"
