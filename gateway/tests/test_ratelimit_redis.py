"""Rate limits shared through a real Redis (127.0.0.1:6379, started by the ``redis_url`` fixture when down): the Lua
script's bucket, two gateway instances drawing from the same buckets, and what happens when Redis is away."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import TYPE_CHECKING

import httpx
import pytest
import redis.asyncio as aioredis

from portal_gateway.main import create_app
from portal_gateway.ratelimit import USER, Limit, MemoryBuckets, RedisBuckets
from portal_runtime.testing.infra import free_port

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack

TIGHT = {"rate_limit_user_burst": 3, "rate_limit_user_per_minute": 0.6}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_lua_bucket_allows_the_burst_refills_and_expires(redis_url: str, redis_prefix: str) -> None:
    store = RedisBuckets(redis_url, prefix=redis_prefix, fallback=MemoryBuckets())
    limit = Limit(USER, burst=3, per_minute=60)  # one token a second
    try:
        outcomes = [await store.take("user:u1", limit) for _ in range(4)]
        assert [o.allowed for o in outcomes] == [True, True, True, False]
        assert [o.remaining for o in outcomes] == [2, 1, 0, 0]
        assert 0.5 < outcomes[3].retry_after_s <= 1.0  # about a second (less whatever time has passed)
        assert (await store.take("user:u2", limit)).allowed  # another key, another bucket

        raw = aioredis.Redis.from_url(redis_url)
        ttl_ms = await raw.pttl(f"{redis_prefix}user:u1")
        await raw.aclose()
        assert 0 < ttl_ms <= 3000 + 1000  # gone once it would be full again: idle callers cost no memory
        assert not store.degraded
    finally:
        await store.aclose()


async def test_two_gateway_instances_share_the_buckets(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]], redis_url: str, redis_prefix: str
) -> None:
    settings = {**TIGHT, "rate_limit_redis_url": redis_url, "rate_limit_redis_prefix": redis_prefix}
    async with make_stack(**settings) as stack, AsyncExitStack() as exits:
        twin = create_app(stack.settings, transport=stack.transport)
        await exits.enter_async_context(twin.router.lifespan_context(twin))
        other = await exits.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(twin), base_url="http://gateway-2.test")
        )
        stack.grants.grant(stack.user, stack.bn, ["financial:read"])
        headers = stack.bearer(scopes=["financial:read"])
        path = f"/v1/businesses/{stack.bn}/balance"

        answers = [await gateway.get(path, headers=headers) for gateway in (stack.client, other, stack.client, other)]

        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        raw = aioredis.Redis.from_url(redis_url)
        keys = [k async for k in raw.scan_iter(match=f"{redis_prefix}*")]
        await raw.aclose()
        assert keys == [f"{redis_prefix}user:{stack.user}".encode()]


async def test_without_redis_each_gateway_limits_alone_and_says_so(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]], caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    caplog.set_level(logging.WARNING, logger="portal_gateway.ratelimit")
    async with make_stack(**TIGHT, rate_limit_redis_url=unreachable, rate_limit_redis_retry_s=60) as stack:
        stack.grants.grant(stack.user, stack.bn, ["financial:read"])
        headers = stack.bearer(scopes=["financial:read"])
        path = f"/v1/businesses/{stack.bn}/balance"

        statuses = [(await stack.client.get(path, headers=headers)).status_code for _ in range(4)]
        metrics = (await stack.client.get("/metrics")).text

    # Fail open to this replica's buckets: requests are served, and the limit still holds here.
    assert statuses == [200, 200, 200, 429]
    assert "gateway_rate_limit_store_errors_total 4.0" in metrics
    warnings = [r for r in caplog.records if "rate-limit store (Redis) unreachable" in r.getMessage()]
    assert len(warnings) == 1  # then Redis is left alone for rate_limit_redis_retry_s, not retried per request


async def test_redis_is_tried_again_after_the_retry_interval() -> None:
    clock = Clock()
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    store = RedisBuckets(unreachable, prefix="x:", fallback=MemoryBuckets(clock=clock), retry_s=5.0, clock=clock)
    limit = Limit(USER, burst=2, per_minute=60)
    try:
        assert (await store.take("user:u", limit)).allowed
        assert store.degraded
        clock.now += 4.9
        assert store.degraded
        clock.now += 0.2
        assert not store.degraded  # the next check tries Redis again
        assert (await store.take("user:u", limit)).allowed
        assert store.degraded
    finally:
        await store.aclose()


async def test_a_redis_that_hangs_costs_one_timeout_then_the_replica_limits_alone(silent_server: str) -> None:
    hung = silent_server.replace("http://", "redis://") + "/0"
    store = RedisBuckets(hung, prefix="x:", fallback=MemoryBuckets(), timeout_s=0.2, retry_s=60)
    limit = Limit(USER, burst=1, per_minute=60)
    try:
        started = time.monotonic()
        first = await store.take("user:u", limit)
        assert time.monotonic() - started < 1.0  # bounded by the timeout, not by Redis
        assert first.allowed and store.degraded
        started = time.monotonic()
        assert not (await store.take("user:u", limit)).allowed  # the replica's bucket, at once
        assert time.monotonic() - started < 0.05
    finally:
        await store.aclose()
