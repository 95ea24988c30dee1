import asyncio
import json
import time
from urllib.parse import urlparse

import pytest

from portal_runtime.testing.infra import PostgresServer, TansuBroker
from portal_runtime.testing.stack import SERVICES, Portal, running_portal

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


async def test_a_service_problem_reaches_the_caller_in_french_through_the_gateway(portal: Portal) -> None:
    """Accept-Language travels to the service, which writes the problem in French; the gateway passes it on."""
    french = await portal.client.post(
        "/v1/sessions",
        json={"username": "nobody-e2e-fr", "password": "not the password"},
        headers={"Accept-Language": "fr-CA"},
    )
    english = await portal.client.post("/v1/sessions", json={"username": "nobody-e2e-fr", "password": "not it"})

    assert french.status_code == english.status_code == 401
    assert french.json()["code"] == english.json()["code"]
    assert (french.headers["content-language"], english.headers["content-language"]) == ("fr", "en")
    assert french.json()["title"] != english.json()["title"]
    assert any(ch in french.json()["title"] + french.json().get("detail", "") for ch in "éèàêç")


async def test_an_oversized_target_or_header_section_is_refused_over_real_sockets(portal: Portal) -> None:
    """uvicorn lets a 60 KB query or a 1 MB header through to the application; the gateway answers 414 / 431, and
    a head too large even to be read (past the edge protocol's backstop) is a 431 before the application runs."""
    long_target = await portal.client.get("/v1/businesses/lookup", params={"bn": "1" * 20_000})
    large_headers = await portal.client.get("/v1/oauth/jwks", headers={"x-padding": "p" * 100_000})
    huge_headers = await portal.client.get("/v1/oauth/jwks", headers={"x-padding": "p" * 4_000_000})
    after = await portal.client.get("/v1/oauth/jwks")

    assert (long_target.status_code, long_target.json()["code"]) == (414, "uri_too_long")
    assert (large_headers.status_code, large_headers.json()["code"]) == (431, "request_header_fields_too_large")
    assert long_target.headers["content-type"] == large_headers.headers["content-type"] == "application/problem+json"
    assert (huge_headers.status_code, huge_headers.headers["connection"]) == (431, "close")
    assert huge_headers.json()["code"] == "request_header_fields_too_large"
    assert huge_headers.json()["request_id"] == huge_headers.headers["x-request-id"]
    assert after.status_code == 200  # the connection pool and the gateway carry on


async def test_a_stalled_body_is_a_408_and_frees_the_services_connection(
    postgres: PostgresServer, tansu: TansuBroker
) -> None:
    """A client announces a body and stops sending it. The gateway streams bodies to the service as they come, so
    before the body timeout the request held a connection to identity for as long as the client liked; with one
    connection per service, identity was then out of reach for everyone. Now the stalled request gets a 408 and its
    connection to identity is freed for the next caller."""
    async with running_portal(postgres, tansu, request_body_timeout_s=1.0, connections_per_upstream=1) as portal:
        gateway = urlparse(portal.gateway)
        reader, writer = await asyncio.open_connection(gateway.hostname, gateway.port)
        head = b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        writer.write(head + b'{"username": "stalled-e2e", ')
        started = time.monotonic()
        answer = await asyncio.wait_for(reader.read(), 15)  # all of it: the gateway shuts its side after
        waited = time.monotonic() - started
        writer.close()
        after = await portal.client.post("/v1/users", json={"username": "x"}, timeout=5)

    status_line, _, rest = answer.partition(b"\r\n")
    problem = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert status_line.startswith(b"HTTP/1.1 408 ")
    assert (problem["code"], problem["part"]) == ("request_timeout", "body")
    assert 0.9 < waited < 5
    assert (after.status_code, after.json()["code"]) == (422, "validation_failed")  # identity answered it
