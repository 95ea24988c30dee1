"""Rate limits at the edge: a token bucket per user, per API client, and per client IP for anonymous requests.

A bucket holds at most ``burst`` tokens and refills at ``per_minute / 60`` tokens a second; a request takes one
token or is refused with a 429 problem. Buckets live in this process by default; with a Redis URL they live in
Redis (one atomic Lua script per check, Redis's own clock), so every gateway replica draws from the same buckets.

If Redis cannot be reached the gateway does not refuse traffic and does not stop limiting: it falls back to its
in-memory buckets (limits then apply per replica) for ``redis_retry_s``, counts the failure in
``gateway_rate_limit_store_errors_total`` and logs it (at most one warning per retry interval), then tries Redis
again.

Responses to a limited request (success or problem) carry ``RateLimit-Limit``, ``RateLimit-Remaining``,
``RateLimit-Reset`` and ``RateLimit-Policy`` (draft-ietf-httpapi-ratelimit-headers-07); a 429 adds ``Retry-After``.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Counter
from redis.exceptions import RedisError
from starlette.requests import Request

from portal_gateway.accesslog import request_facts
from portal_gateway.auth import Principal
from portal_gateway.config import Settings
from portal_runtime.language import number_fr
from portal_runtime.problems import PROBLEM_MEDIA_TYPE, PortalError

log = logging.getLogger(__name__)

Clock = Callable[[], float]

USER, CLIENT, ANONYMOUS = "user", "client", "anonymous"
CLASSES = (USER, CLIENT, ANONYMOUS)
_WHO = {USER: "this user", CLIENT: "this API client", ANONYMOUS: "unauthenticated requests from this address"}
_WHO_FR = {
    USER: "cet utilisateur",
    CLIENT: "ce client d'API",
    ANONYMOUS: "les requêtes non authentifiées de cette adresse",
}


@dataclass(frozen=True, slots=True)
class Limit:
    """A token bucket: ``burst`` requests at once, then ``per_minute`` sustained."""

    name: str
    burst: int
    per_minute: float

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_minute <= 0:
            raise ValueError(f"rate limit {self.name}: burst must be >= 1 and per_minute > 0")

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self.per_minute / 60.0

    @property
    def window_s(self) -> int:
        """Seconds an empty bucket takes to fill: the policy's window (``burst`` requests per window)."""
        return max(1, math.ceil(self.burst / self.rate))


@dataclass(frozen=True, slots=True)
class Outcome:
    limit: Limit
    allowed: bool
    tokens: float  # left in the bucket after this request
    retry_after_s: float  # until one token is back (0 when allowed)

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.tokens))

    @property
    def reset_s(self) -> int:
        """Seconds until the bucket is full again."""
        return max(0, math.ceil((self.limit.burst - self.tokens) / self.limit.rate))

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"ratelimit-limit", str(self.limit.burst).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
            (b"ratelimit-policy", f"{self.limit.burst};w={self.limit.window_s}".encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(max(1, math.ceil(self.retry_after_s))).encode()))
        return headers


def take(tokens: float, updated: float, now: float, limit: Limit, cost: float = 1.0) -> tuple[float, Outcome]:
    """The bucket (``tokens`` at time ``updated``) refilled until ``now``, minus ``cost`` when that many are there.

    Returns the new token count and the outcome. The Lua script in :data:`TAKE_SCRIPT` is the same computation.
    """
    elapsed = max(0.0, now - updated)  # a clock that went back refills nothing, never takes
    tokens = min(float(limit.burst), tokens + elapsed * limit.rate)
    if tokens >= cost:
        tokens -= cost
        return tokens, Outcome(limit, True, tokens, 0.0)
    return tokens, Outcome(limit, False, tokens, (cost - tokens) / limit.rate)


class BucketStore(Protocol):
    async def take(self, key: str, limit: Limit) -> Outcome: ...

    async def aclose(self) -> None: ...


class MemoryBuckets:
    """This process's buckets, least recently used dropped past ``max_keys`` (a dropped bucket counts as full,
    which an idle one soon is anyway)."""

    def __init__(self, max_keys: int = 100_000, clock: Clock = time.monotonic) -> None:
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def __len__(self) -> int:
        return len(self._buckets)

    async def take(self, key: str, limit: Limit) -> Outcome:
        now = self._clock()
        tokens, updated = self._buckets.pop(key, (float(limit.burst), now))
        tokens, outcome = take(tokens, updated, now, limit)
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return outcome

    async def aclose(self) -> None:
        return None


# KEYS[1] the bucket; ARGV burst, tokens per second, cost. Returns {allowed, tokens, retry_after_s} (floats as
# strings: Redis would truncate Lua numbers to integers). Redis's clock, so replicas' clocks need not agree.
TAKE_SCRIPT = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, string.format('%.6f', tokens), string.format('%.6f', retry)}
"""


class RateLimitMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.checks = Counter(
            "gateway_rate_limit_checks_total",
            "Rate-limit checks by limit class and outcome (allowed, limited)",
            ["limit_class", "outcome"],
            registry=registry,
        )
        self.store_errors = Counter(
            "gateway_rate_limit_store_errors_total",
            "Checks that could not reach Redis and used this replica's in-memory buckets instead",
            registry=registry,
        )


class RedisBuckets:
    """Buckets shared by every replica; this replica's :class:`MemoryBuckets` while Redis is unreachable."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        fallback: MemoryBuckets,
        metrics: RateLimitMetrics | None = None,
        timeout_s: float = 0.25,
        retry_s: float = 5.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry_on_timeout=False
        )
        self._script = self._redis.register_script(TAKE_SCRIPT)
        self._prefix = prefix
        self._fallback = fallback
        self._metrics = metrics
        self._retry_s = retry_s
        self._clock = clock
        self._down_until = 0.0

    @property
    def degraded(self) -> bool:
        """True while checks use the in-memory fallback."""
        return self._clock() < self._down_until

    async def take(self, key: str, limit: Limit) -> Outcome:
        if not self.degraded:
            try:
                result: Any = await self._script(keys=[self._prefix + key], args=[limit.burst, limit.rate, 1])
                allowed, tokens, retry = int(result[0]), float(result[1]), float(result[2])
                return Outcome(limit, bool(allowed), tokens, retry)
            except (RedisError, OSError) as exc:
                if not self.degraded:  # checks in flight together fail together: one line for all of them
                    log.warning(
                        "rate-limit store (Redis) unreachable: %s: %s; limiting per replica for %.0fs",
                        type(exc).__name__,
                        exc,
                        self._retry_s,
                    )
                self._down_until = self._clock() + self._retry_s
        if self._metrics is not None:
            self._metrics.store_errors.inc()
        return await self._fallback.take(key, limit)

    async def aclose(self) -> None:
        await self._redis.aclose()


class RateLimited(PortalError):
    status, code, title, title_fr = 429, "rate_limited", "Too many requests", "Trop de requêtes"


def client_address(host: str | None) -> str:
    """The anonymous bucket of an address: an IPv4 address, or an IPv6 /64 (one host's usual allocation)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def bucket_for(principal: Principal | None, host: str | None) -> tuple[str, str]:
    """(limit class, identity): API clients by client id, users by subject, anyone else by address."""
    if principal is None:
        return ANONYMOUS, client_address(host)
    if principal.subject_type == "client" and principal.client_id:
        return CLIENT, principal.client_id
    return USER, principal.subject


class RateLimiter:
    def __init__(self, limits: dict[str, Limit], store: BucketStore, metrics: RateLimitMetrics | None = None) -> None:
        self._limits = limits
        self._store = store
        self._metrics = metrics

    @property
    def store(self) -> BucketStore:
        return self._store

    async def check(self, limit_class: str, identity: str) -> Outcome:
        """The outcome of one request of ``identity``; raises the 429 problem when its bucket is empty."""
        limit = self._limits[limit_class]
        outcome = await self._store.take(f"{limit_class}:{identity}", limit)
        if self._metrics is not None:
            self._metrics.checks.labels(limit_class, "allowed" if outcome.allowed else "limited").inc()
        return outcome

    async def aclose(self) -> None:
        await self._store.aclose()


def rate_limited(outcome: Outcome) -> RateLimited:
    limit = outcome.limit
    retry = max(1, math.ceil(outcome.retry_after_s))
    return RateLimited(
        f"Rate limit for {_WHO[limit.name]} exceeded: {limit.burst} requests at once, then "
        f"{limit.per_minute:g} a minute. Retry in {retry} s.",
        fr=f"Limite de requêtes dépassée pour {_WHO_FR[limit.name]} : {limit.burst} requêtes à la fois, puis "
        f"{number_fr(limit.per_minute)} par minute. Réessayez dans {retry} s.",
        remediation="Wait for the Retry-After delay; spread requests out (see the RateLimit-* headers).",
        remediation_fr="Attendez le délai indiqué par Retry-After; espacez les requêtes (voir les en-têtes "
        "RateLimit-*).",
        limit_class=limit.name,
    )


def build_limiter(settings: Settings, memory: MemoryBuckets, metrics: RateLimitMetrics) -> RateLimiter | None:
    """The configured limiter (None when disabled); its Redis connections belong to the running event loop."""
    if not settings.rate_limit_enabled:
        return None
    limits = {
        USER: Limit(USER, settings.rate_limit_user_burst, settings.rate_limit_user_per_minute),
        CLIENT: Limit(CLIENT, settings.rate_limit_client_burst, settings.rate_limit_client_per_minute),
        ANONYMOUS: Limit(ANONYMOUS, settings.rate_limit_anonymous_burst, settings.rate_limit_anonymous_per_minute),
    }
    store: BucketStore = memory
    if settings.rate_limit_redis_url:
        store = RedisBuckets(
            settings.rate_limit_redis_url,
            prefix=settings.rate_limit_redis_prefix,
            fallback=memory,
            metrics=metrics,
            timeout_s=settings.rate_limit_redis_timeout_s,
            retry_s=settings.rate_limit_redis_retry_s,
        )
    return RateLimiter(limits, store, metrics)


def admission(limiter: RateLimiter | None, request: Request) -> Callable[[Principal | None], Awaitable[None]]:
    """What the authorizer calls with the verified caller before asking for a decision: records who called, and
    takes a token from the caller's bucket (raising the 429 problem when there is none)."""
    facts = request_facts(request)

    async def admit(principal: Principal | None) -> None:
        if principal is not None:
            facts.sub, facts.client_id = principal.subject, principal.client_id
        if limiter is None:
            return
        limit_class, identity = bucket_for(principal, request.client.host if request.client else None)
        outcome = await limiter.check(limit_class, identity)
        facts.rate_limit = outcome
        if not outcome.allowed:
            raise rate_limited(outcome)

    return admit


# ---------------------------------------------------------------- the public contract (aggregated OpenAPI)

RATE_LIMIT_DESCRIPTION = """
**Rate limits.** Each user, each API client, and each client address for unauthenticated requests has a token
bucket: a burst of requests is allowed at once, then a sustained rate. Responses carry `RateLimit-Limit` (the
burst), `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the bucket is full) and `RateLimit-Policy`
(`<burst>;w=<seconds to refill it>`). Past the limit the answer is a 429 problem (`rate_limited`, with
`limit_class` naming the limit) and `Retry-After` gives the seconds to wait.
"""

_INT = {"type": "integer", "minimum": 0}
RATE_LIMIT_HEADERS: dict[str, Any] = {
    "RateLimit-Limit": {"description": "Requests the caller's bucket allows at once (its burst)", "schema": _INT},
    "RateLimit-Remaining": {"description": "Requests left in the bucket", "schema": _INT},
    "RateLimit-Reset": {"description": "Seconds until the bucket is full again", "schema": _INT},
    "RateLimit-Policy": {
        "description": "`<burst>;w=<seconds>`: the burst, and the seconds an empty bucket takes to refill",
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 1}},
}
GATEWAY_429_ALSO = "the caller's rate limit at the gateway is exhausted (`rate_limited`)"
GATEWAY_429 = f"Too many requests: {GATEWAY_429_ALSO}"
_ON_SUCCESS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")


def _header_refs(names: tuple[str, ...]) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def document_rate_limits(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer 429; its successful answers carry the RateLimit-* headers."""
    document["components"].setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
    document["info"]["description"] = document["info"].get("description", "") + RATE_LIMIT_DESCRIPTION
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if str(status).startswith("2"):
                    response.setdefault("headers", {}).update(_header_refs(_ON_SUCCESS))
            own = responses.get("429")  # a service's own throttling (e.g. too many wrong codes) stays documented
            description = GATEWAY_429
            if own is not None and own.get("description"):
                description = f"{own['description']} (the service's own throttling), or {GATEWAY_429_ALSO}"
            responses["429"] = {
                **(own or {}),
                "description": description,
                "headers": {**_header_refs((*_ON_SUCCESS, "Retry-After")), **(own or {}).get("headers", {})},
                "content": {**(own or {}).get("content", {}), PROBLEM_MEDIA_TYPE: problem},
            }
    return document
