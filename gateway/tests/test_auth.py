"""Bearer tokens from the real identity service: what the gateway accepts, what it refuses and why."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import httpx
from joserfc import jws, jwt
from joserfc.jwk import OctKey, OKPKey

from portal_gateway.auth import JwksCache
from portal_runtime.testing.infra import free_port

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack

BALANCE = "/v1/businesses/123456789/balance"


def identity_url(stack: Stack) -> str:
    return stack.settings.services["identity"]


def granted(stack: Stack) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"])


async def refused(stack: Stack, headers: dict[str, str]) -> dict[str, Any]:
    """The 401 problem for a request that must not reach the service (nor delegation)."""
    response = await stack.client.get(BALANCE, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert stack.ledger.state.seen == []
    assert stack.grants.asked == []
    return stack.problem(response)


async def test_a_business_route_without_a_token_is_401_with_a_bearer_challenge(stack: Stack) -> None:
    body = await refused(stack, {})

    assert body["code"] == "unauthorized"
    assert "Bearer" in body["detail"]


async def test_asvs_9_2_1_an_expired_token_is_refused_as_expired(stack: Stack) -> None:
    granted(stack)
    long_ago = int(time.time()) - 3600

    body = await refused(stack, stack.bearer(scopes=["financial:read"], extra={"iat": long_ago, "exp": long_ago + 60}))

    assert body["code"] == "invalid_token"
    assert "expired" in body["detail"]


async def test_asvs_9_1_1_a_tampered_token_is_refused_for_its_signature(stack: Stack) -> None:
    granted(stack)
    header, payload, signature = stack.token(scopes=["financial:read"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "financial:read financial:write payments:write"  # the caller grants itself more
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    body = await refused(stack, {"Authorization": f"Bearer {header}.{forged}.{signature}"})

    assert body["code"] == "invalid_token"
    assert "signature" in body["detail"]


async def test_asvs_9_2_3_a_token_for_another_audience_is_refused_naming_the_audience(stack: Stack) -> None:
    granted(stack)

    body = await refused(stack, stack.bearer(scopes=["financial:read"], audience="another-api"))

    assert body["code"] == "invalid_token"
    assert "audience must be portal-api" in body["detail"]


async def test_a_token_from_another_issuer_is_refused(stack: Stack) -> None:
    body = await refused(stack, stack.bearer(scopes=["financial:read"], extra={"iss": "https://elsewhere.example"}))

    assert "not issued by http://127.0.0.1:8000" in body["detail"]


async def test_only_ed25519_signatures_are_accepted(stack: Stack) -> None:
    kid = (await stack.client.get("/v1/oauth/jwks")).json()["keys"][0]["kid"]
    # The classic confusion attack: an HMAC token "signed" with a published key id.
    claims = {"iss": "http://127.0.0.1:8000", "aud": "portal-api", "sub": stack.user, "exp": int(time.time()) + 60}
    hmac_token = jwt.encode({"alg": "HS256", "kid": kid}, claims, OctKey.generate_key(256), algorithms=["HS256"])

    body = await refused(stack, {"Authorization": f"Bearer {hmac_token}"})

    assert "must be signed with Ed25519" in body["detail"]


async def test_a_token_signed_by_a_key_identity_never_published_is_refused(stack: Stack) -> None:
    rogue = OKPKey.generate_key("Ed25519", parameters={"kid": "rogue"})
    claims = {"iss": "http://127.0.0.1:8000", "aud": "portal-api", "sub": stack.user, "exp": int(time.time()) + 60}
    token = jwt.encode({"alg": "Ed25519", "kid": "rogue"}, claims, rogue, algorithms=["Ed25519"])

    body = await refused(stack, {"Authorization": f"Bearer {token}"})

    assert "unknown key" in body["detail"]


async def test_garbage_and_other_schemes_are_refused(stack: Stack) -> None:
    not_a_jwt = await refused(stack, {"Authorization": "Bearer not-a-jwt"})
    basic = await refused(stack, {"Authorization": "Basic dXNlcjpwYXNz"})

    assert "not a signed JWT" in not_a_jwt["detail"]
    assert "must be `Bearer" in basic["detail"]


async def test_a_valid_token_reaches_the_service(stack: Stack) -> None:
    granted(stack)

    response = await stack.client.get(BALANCE, headers=stack.bearer(scopes=["financial:read"]))

    assert response.status_code == 200
    assert response.json()["context"]["subject"] == stack.user


async def test_after_a_key_rotation_the_unknown_kid_refetches_the_jwks(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    async with make_stack(jwks_refetch_interval_s=0) as stack:
        granted(stack)
        old_token = stack.bearer(scopes=["financial:read"])
        assert (await stack.client.get(BALANCE, headers=old_token)).status_code == 200
        fetches = stack.transport.count(identity_url(stack), "/v1/oauth/jwks")

        new_kid = await stack.rotate_identity_key()
        new_token = stack.bearer(scopes=["financial:read"])
        after_rotation = await stack.client.get(BALANCE, headers=new_token)

        assert after_rotation.status_code == 200, after_rotation.text
        assert stack.transport.count(identity_url(stack), "/v1/oauth/jwks") == fetches + 1
        assert jws.extract_compact(new_token["Authorization"][7:].encode()).protected["kid"] == new_kid
        # The retired key stays published until its tokens expire: old tokens keep working, without refetch.
        assert (await stack.client.get(BALANCE, headers=old_token)).status_code == 200
        assert stack.transport.count(identity_url(stack), "/v1/oauth/jwks") == fetches + 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_unknown_kids_refetch_the_jwks_at_most_once_per_interval(stack: Stack) -> None:
    clock = FakeClock()
    http = httpx.AsyncClient(transport=stack.transport)
    cache = JwksCache(identity_url(stack) + "/v1/oauth/jwks", http, refetch_interval_s=10, max_age_s=300, clock=clock)
    known = (await stack.client.get("/v1/oauth/jwks")).json()["keys"][0]["kid"]

    assert await cache.key(known) is not None
    assert cache.fetches == 1
    # A flood of made-up kids right after a fetch: no request reaches identity.
    assert [await cache.key(f"made-up-{i}") for i in range(5)] == [None] * 5
    assert cache.fetches == 1

    clock.now += 10
    new_kid = await stack.rotate_identity_key()
    # Concurrent requests with the new kid share one refetch.
    found = await asyncio.gather(*(cache.key(new_kid) for _ in range(20)))
    assert all(key is not None and key.kid == new_kid for key in found)
    assert cache.fetches == 2

    clock.now += 299
    assert await cache.key(known) is not None  # a known key does not refetch before max age
    assert cache.fetches == 2
    clock.now += 1
    assert await cache.key(known) is not None
    assert cache.fetches == 3  # max age: the set is refreshed even for a known key
    await http.aclose()


async def test_when_identity_cannot_be_reached_for_keys_the_answer_is_503_naming_it(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    async with make_stack(jwks_url=f"http://127.0.0.1:{free_port()}/v1/oauth/jwks") as stack:
        response = await stack.client.get(BALANCE, headers=stack.bearer(scopes=["financial:read"]))

        body = stack.problem(response)
        assert response.status_code == 503
        assert (body["code"], body["component"]) == ("service_unavailable", "identity")
        assert stack.ledger.state.seen == []
