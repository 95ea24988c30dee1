"""Rate limits: the bucket maths, then the gateway's answers (headers on 200 and 429, which bucket a request draws
from, the limit coming before the decision and the upstream), the contract and the metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from portal_contracts import OPENAPI_DIR
from portal_gateway.auth import Principal
from portal_gateway.docs import aggregate_openapi
from portal_gateway.ratelimit import ANONYMOUS, CLIENT, USER, Limit, MemoryBuckets, bucket_for, client_address, take

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack

# Refill is negligible during a test (one token every 100 s): what a test sees is the burst.
TIGHT = {
    "rate_limit_user_burst": 3,
    "rate_limit_user_per_minute": 0.6,
    "rate_limit_client_burst": 2,
    "rate_limit_client_per_minute": 0.6,
    "rate_limit_anonymous_burst": 2,
    "rate_limit_anonymous_per_minute": 0.6,
}
CLIENT_ID = "acme-erp"
RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- bucket maths


def test_a_full_bucket_allows_its_burst_then_refuses_with_the_time_to_the_next_token() -> None:
    limit = Limit(USER, burst=5, per_minute=60)  # one token a second
    tokens, now = 5.0, 0.0
    for expected_left in (4, 3, 2, 1, 0):
        tokens, outcome = take(tokens, now, now, limit)
        assert outcome.allowed and outcome.remaining == expected_left
    tokens, refused = take(tokens, now, now, limit)
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(1.0)
    assert refused.reset_s == 5  # seconds until full
    assert dict(refused.headers())[b"retry-after"] == b"1"


def test_the_bucket_refills_at_the_sustained_rate_and_never_beyond_the_burst() -> None:
    limit = Limit(USER, burst=10, per_minute=120)  # two tokens a second
    tokens, outcome = take(0.0, 0.0, 1.25, limit)  # 2.5 tokens back, one taken
    assert outcome.allowed and tokens == pytest.approx(1.5)
    assert outcome.remaining == 1
    tokens, outcome = take(0.2, 0.0, 0.1, limit)  # 0.4 tokens: not enough
    assert not outcome.allowed and outcome.retry_after_s == pytest.approx(0.3)
    tokens, outcome = take(3.0, 0.0, 3600.0, limit)  # an hour idle: full, not 7203 tokens
    assert tokens == pytest.approx(9.0)
    tokens, outcome = take(4.0, 10.0, 5.0, limit)  # a clock that went back neither refills nor takes more
    assert tokens == pytest.approx(3.0)


def test_policy_header_names_the_burst_and_the_seconds_to_refill_it() -> None:
    limit = Limit(USER, burst=120, per_minute=600)
    _, outcome = take(120.0, 0.0, 0.0, limit)
    headers = {k.decode(): v.decode() for k, v in outcome.headers()}
    assert headers == {
        "ratelimit-limit": "120",
        "ratelimit-remaining": "119",
        "ratelimit-reset": "1",
        "ratelimit-policy": "120;w=12",
    }
    with pytest.raises(ValueError):
        Limit(USER, burst=0, per_minute=10)


async def test_memory_buckets_refill_with_the_clock_and_forget_the_least_recently_used() -> None:
    clock = Clock()
    buckets = MemoryBuckets(max_keys=2, clock=clock)
    limit = Limit(USER, burst=1, per_minute=60)
    assert (await buckets.take("a", limit)).allowed
    assert not (await buckets.take("a", limit)).allowed
    clock.now += 1.0
    assert (await buckets.take("a", limit)).allowed
    await buckets.take("b", limit)
    await buckets.take("c", limit)  # "a" is dropped: it is the least recently used
    assert len(buckets) == 2
    assert (await buckets.take("a", limit)).allowed


def test_buckets_are_per_user_per_client_and_per_address() -> None:
    user = Principal("user-1", "user", frozenset(), True, client_id="portal-web")
    client = Principal(f"client:{CLIENT_ID}", "client", frozenset(), False, client_id=CLIENT_ID)
    assert bucket_for(user, "10.0.0.1") == (USER, "user-1")
    assert bucket_for(client, "10.0.0.1") == (CLIENT, CLIENT_ID)
    assert bucket_for(None, "10.0.0.1") == (ANONYMOUS, "10.0.0.1")
    # One IPv6 host usually has a /64; an IPv4-mapped address is its IPv4 address.
    assert client_address("2001:db8:1:2:aaaa::1") == client_address("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_address("::ffff:10.0.0.1") == "10.0.0.1"
    assert client_address(None) == "unknown"


# ---------------------------------------------------------------- through the gateway


@asynccontextmanager
async def client_from(stack: Stack, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(stack.gateway, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


def rate_headers(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers[name] for name in RATE_HEADERS if name in response.headers}


def client_bearer(stack: Stack) -> dict[str, str]:
    extra = {"client_id": CLIENT_ID, "business": stack.bn}
    return stack.bearer(CLIENT_ID, ["financial:read"], extra=extra)


async def test_successful_answers_carry_the_ratelimit_headers(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    async with make_stack(**TIGHT) as stack:
        stack.grants.grant(stack.user, stack.bn, ["financial:read"])
        headers = stack.bearer(scopes=["financial:read"])
        first = await stack.client.get(f"/v1/businesses/{stack.bn}/balance", headers=headers)
        second = await stack.client.get(f"/v1/businesses/{stack.bn}/balance", headers=headers)

    assert first.status_code == second.status_code == 200
    assert rate_headers(first) == {
        "ratelimit-limit": "3",
        "ratelimit-remaining": "2",
        "ratelimit-reset": "100",
        "ratelimit-policy": "3;w=300",
    }
    assert second.headers["ratelimit-remaining"] == "1"
    assert "retry-after" not in first.headers


async def test_past_the_burst_a_429_problem_names_the_limit_before_any_decision_or_upstream_call(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    async with make_stack(**TIGHT) as stack:
        stack.grants.grant(stack.user, stack.bn, ["financial:read"])
        headers = stack.bearer(scopes=["financial:read"])
        for _ in range(3):
            assert (await stack.client.get(f"/v1/businesses/{stack.bn}/balance", headers=headers)).status_code == 200
        asked, forwarded = len(stack.grants.asked), len(stack.ledger.state.seen)

        refused = await stack.client.get(f"/v1/businesses/{stack.bn}/balance", headers=headers)

        assert refused.status_code == 429
        body = stack.problem(refused)
        assert body["code"] == "rate_limited"
        assert body["limit_class"] == "user"
        assert "this user" in body["detail"] and "3 requests at once" in body["detail"]
        assert body["request_id"] == refused.headers["x-request-id"]
        assert refused.headers["retry-after"] == "100"
        assert rate_headers(refused) == {
            "ratelimit-limit": "3",
            "ratelimit-remaining": "0",
            "ratelimit-reset": "300",
            "ratelimit-policy": "3;w=300",
        }
        assert len(stack.grants.asked) == asked  # refused before delegation was asked
        assert len(stack.ledger.state.seen) == forwarded  # and before the upstream


async def test_users_clients_and_addresses_draw_from_separate_buckets(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    async with make_stack(**TIGHT) as stack:
        stack.grants.grant(stack.user, stack.bn, ["financial:read"])
        stack.grants.grant("user-7", stack.bn, ["financial:read"])
        balance = f"/v1/businesses/{stack.bn}/balance"

        async def statuses(client: httpx.AsyncClient, path: str, headers: dict[str, str], n: int) -> list[int]:
            return [(await client.get(path, headers=headers)).status_code for _ in range(n)]

        # One user exhausts their bucket; another user, the API client and anonymous callers are unaffected.
        assert await statuses(stack.client, balance, stack.bearer(scopes=["financial:read"]), 4) == [200] * 3 + [429]
        assert await statuses(stack.client, balance, stack.bearer("user-7", ["financial:read"]), 1) == [200]
        assert await statuses(stack.client, balance, client_bearer(stack), 3) == [200, 200, 429]
        assert await statuses(stack.client, "/v1/businesses/lookup", {}, 3) == [200, 200, 429]
        # The user's bucket follows the user to another address; anonymous buckets are per address.
        async with client_from(stack, "192.0.2.10") as elsewhere:
            assert await statuses(elsewhere, balance, stack.bearer(scopes=["financial:read"]), 1) == [429]
            assert await statuses(elsewhere, "/v1/businesses/lookup", {}, 1) == [200]
        # A public operation ignores a token, so it draws from the address's bucket even with one.
        refused = await stack.client.get("/v1/businesses/lookup", headers=stack.bearer("user-7"))
        assert refused.status_code == 429
        assert stack.problem(refused)["limit_class"] == "anonymous"


async def test_the_gateway_own_endpoints_are_not_limited_and_limits_can_be_off(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    async with make_stack(**TIGHT) as stack:
        for _ in range(5):
            live = await stack.client.get("/livez")
            assert live.status_code == 200
            assert "ratelimit-limit" not in live.headers
    async with make_stack(**{**TIGHT, "rate_limit_enabled": False}) as stack:
        answers = [await stack.client.get("/v1/businesses/lookup") for _ in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        assert "ratelimit-limit" not in answers[0].headers


async def test_limit_checks_are_counted_on_metrics(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    async with make_stack(**TIGHT) as stack:
        for _ in range(3):
            await stack.client.get("/v1/businesses/lookup")
        metrics = (await stack.client.get("/metrics")).text

    assert 'gateway_rate_limit_checks_total{limit_class="anonymous",outcome="allowed"} 2.0' in metrics
    assert 'gateway_rate_limit_checks_total{limit_class="anonymous",outcome="limited"} 1.0' in metrics


def test_every_operation_of_the_public_contract_documents_the_429_and_the_headers() -> None:
    document = aggregate_openapi(OPENAPI_DIR, ["identity", "business-registry", "delegation", "ledger"])
    headers: dict[str, Any] = document["components"]["headers"]
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"} <= set(
        headers
    )
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    assert operations
    for operation in operations:
        too_many = operation["responses"]["429"]
        assert too_many["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert "Retry-After" in too_many["headers"]
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                assert "RateLimit-Remaining" in response["headers"], (operation["operationId"], status)
    assert "Rate limits" in document["info"]["description"]
    # A service's own 429 (identity's throttling of wrong codes) keeps its documentation beside the gateway's.
    challenge = document["paths"]["/v1/me/mfa/challenge"]["post"]["responses"]["429"]
    assert challenge["content"]["application/json"] == {"schema": {"$ref": "#/components/schemas/Problem"}}
    assert "the service's own throttling" in challenge["description"]
    assert "rate_limited" in challenge["description"]
