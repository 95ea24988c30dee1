"""One small connection pool per upstream service instead of one large pool shared by all.

httpcore's pool does bookkeeping on every request that is quadratic in the connections it holds
(``_assign_requests_to_connections``): with 64 requests in flight to one service, one shared pool of up to 512
connections cost the gateway 10-16 ms of CPU per request (py-spy: ~37% of its CPU); with 16 connections per
upstream (the default), ~5 ms and 2.5 times the throughput (bench/gateway_throughput.py). A pool per upstream
keeps each small without letting a slow or hung service hold the connections every other service needs: its
requests queue for its own connections only.
"""

from __future__ import annotations

import httpx


class PerUpstreamTransport(httpx.AsyncBaseTransport):
    """Routes each request to the pool of its origin (scheme, host, port), created on first use."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    def pool_count(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = httpx.AsyncHTTPTransport(limits=self._limits)
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()
