"""Browser apps of other origins (CORS): preflights answered at the edge without a token or an upstream call,
every answer to an allowed origin readable (problems and rate-limit headers included), refusals as problems,
and nothing at all unless origins are configured."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from portal_gateway.config import Settings

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import StackFactory

APP = "https://broker-portal.example"
BN = "123456789"
BALANCE = f"/v1/businesses/{BN}/balance"
PAYMENTS = f"/v1/businesses/{BN}/payments"


def preflight(method: str, headers: str = "authorization, content-type", origin: str = APP) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


async def test_a_preflight_is_answered_at_the_edge_without_a_token_or_an_upstream_call(
    make_stack: StackFactory,
) -> None:
    async with make_stack(cors_allowed_origins=[APP]) as stack:
        before = len(stack.transport.requests)
        response = await stack.client.options(
            PAYMENTS, headers=preflight("POST", "Authorization, Content-Type, Idempotency-Key")
        )
        sent = len(stack.transport.requests) - before
        metrics = (await stack.client.get("/metrics")).text

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert "POST" in response.headers["access-control-allow-methods"].split(", ")
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "if-match", "x-request-id"} <= allowed
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers  # bearer tokens, never cookies
    assert response.headers["x-request-id"]
    assert sent == 0
    assert 'route="preflight"' in metrics


async def test_answers_to_an_allowed_origin_are_readable_problems_and_rate_limit_headers_included(
    make_stack: StackFactory,
) -> None:
    async with make_stack(cors_allowed_origins=[APP, "http://localhost:5173"]) as stack:
        stack.grants.grant(stack.user, BN, ["financial:read"])
        ok = await stack.client.get(BALANCE, headers=stack.bearer(scopes=["financial:read"]) | {"Origin": APP})
        unauthorized = await stack.client.get(BALANCE, headers={"Origin": APP})
        other = await stack.client.get(BALANCE, headers={"Origin": "https://elsewhere.example"})

    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == APP
    exposed = {h.strip().lower() for h in ok.headers["access-control-expose-headers"].split(",")}
    assert {"ratelimit-remaining", "retry-after", "etag", "location", "x-request-id", "www-authenticate"} <= exposed
    assert "ratelimit-remaining" in ok.headers
    assert "Origin" in ok.headers["vary"]
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == APP  # the app can read why
    assert other.status_code == 401
    assert "access-control-allow-origin" not in other.headers  # the browser keeps it from that origin


async def test_a_refused_preflight_is_a_problem_naming_what_was_refused(make_stack: StackFactory) -> None:
    async with make_stack(cors_allowed_origins=[APP]) as stack:
        origin = await stack.client.options(BALANCE, headers=preflight("GET", origin="https://evil.example"))
        header = await stack.client.options(BALANCE, headers=preflight("GET", "authorization, x-secret-sauce"))
        method = await stack.client.options(BALANCE, headers=preflight("TRACE"))

    body = stack.problem(origin)
    assert (origin.status_code, body["code"]) == (400, "cors_refused")
    assert "https://evil.example" in body["detail"]
    assert "access-control-allow-origin" not in origin.headers
    assert "x-secret-sauce" in stack.problem(header)["detail"]
    assert "authorization" not in stack.problem(header)["detail"]  # only the refused header is named
    assert "TRACE" in stack.problem(method)["detail"]


async def test_any_origin_when_configured_so(make_stack: StackFactory) -> None:
    async with make_stack(cors_allowed_origins=["*"]) as stack:
        response = await stack.client.get("/v1/businesses/lookup", headers={"Origin": "https://any.example"})
    assert response.headers["access-control-allow-origin"] == "*"


async def test_without_configured_origins_no_cors_header_is_sent(make_stack: StackFactory) -> None:
    async with make_stack() as stack:
        response = await stack.client.get("/v1/businesses/lookup", headers={"Origin": APP})
        refused = await stack.client.options(BALANCE, headers=preflight("GET"))
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    assert not [name for name in refused.headers if name.startswith("access-control-")]
    assert refused.status_code >= 400


def test_origins_are_a_json_list_or_comma_separated_and_must_be_bare_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_CORS_ALLOWED_ORIGINS", f"{APP}, http://localhost:5173")
    assert Settings(environment="test").cors_allowed_origins == [APP, "http://localhost:5173"]
    monkeypatch.setenv("GATEWAY_CORS_ALLOWED_ORIGINS", json.dumps([APP]))
    assert Settings(environment="test").cors_allowed_origins == [APP]
    for wrong in (f"{APP}/", f"{APP}/portal", "broker-portal.example", "ftp://x.example"):
        monkeypatch.setenv("GATEWAY_CORS_ALLOWED_ORIGINS", wrong)
        with pytest.raises(ValidationError, match="scheme://host"):
            Settings(environment="test")
