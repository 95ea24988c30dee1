"""One small connection pool per upstream service instead of one large pool shared by all, and requests queued in
front of each pool rather than inside it.

httpcore's pool does bookkeeping on every request that is quadratic in what it holds
(``_assign_requests_to_connections``: for each queued request, a scan of every connection): with 64 requests in
flight to one service, one shared pool of up to 512 connections cost the gateway 10-16 ms of CPU per request
(py-spy: ~37% of its CPU); with 16 connections per upstream (the default), ~5 ms and 2.5 times the throughput
(bench/gateway_throughput.py). A pool per upstream keeps each small without letting a slow or hung service hold
the connections every other service needs: its requests queue for its own connections only.

The queue itself is still costly inside httpcore: with 64 requests in flight on 16 connections, 48 wait in the
pool and each request started or finished rescans all 48 against all 16 connections. So each pool admits only as
many requests as it has connections (an :class:`asyncio.Semaphore`, FIFO, O(1) per request); the others wait in
front of it, for at most the request's pool timeout (then :class:`httpx.PoolTimeout`, as httpcore would raise). A
permit is held until the response is closed, when httpcore hands the connection back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx


@dataclass(slots=True)
class _Upstream:
    pool: httpx.AsyncHTTPTransport
    permits: asyncio.Semaphore | None  # None: the pool has no connection limit
    admitted: int = 0  # requests holding a permit

    def release(self) -> None:
        self.admitted -= 1
        if self.permits is not None:
            self.permits.release()


class _PermitReleasingStream(httpx.AsyncByteStream):
    """The response body; closing it returns the connection to the pool, then the permit."""

    def __init__(self, stream: httpx.AsyncByteStream, upstream: _Upstream) -> None:
        self._stream = stream
        self._upstream: _Upstream | None = upstream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            upstream, self._upstream = self._upstream, None
            if upstream is not None:
                upstream.release()


class PerUpstreamTransport(httpx.AsyncBaseTransport):
    """Routes each request to the pool of its origin (scheme, host, port), created on first use."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._upstreams: dict[tuple[bytes, bytes, int | None], _Upstream] = {}

    def pool_count(self) -> int:
        return len(self._upstreams)

    def admitted(self, url: str) -> int:
        """Requests to the origin of ``url`` that hold a permit (sent, or answered with a body still open)."""
        upstream = self._upstreams.get(_origin(httpx.URL(url)))
        return upstream.admitted if upstream is not None else 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = _origin(request.url)
        upstream = self._upstreams.get(origin)
        if upstream is None:
            upstream = self._upstreams[origin] = self._new_upstream()
        if upstream.permits is not None:
            await _acquire(upstream.permits, request)
        upstream.admitted += 1
        try:
            response = await upstream.pool.handle_async_request(request)
        except BaseException:
            upstream.release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _PermitReleasingStream(response.stream, upstream)
        return response

    def _new_upstream(self) -> _Upstream:
        size = self._limits.max_connections
        return _Upstream(httpx.AsyncHTTPTransport(limits=self._limits), asyncio.Semaphore(size) if size else None)

    async def aclose(self) -> None:
        upstreams, self._upstreams = list(self._upstreams.values()), {}
        for upstream in upstreams:
            await upstream.pool.aclose()


def _origin(url: httpx.URL) -> tuple[bytes, bytes, int | None]:
    return url.raw_scheme, url.raw_host, url.port


async def _acquire(permits: asyncio.Semaphore, request: httpx.Request) -> None:
    """A permit, waiting at most the request's pool timeout (no wait, and no timer, when one is free)."""
    if not permits.locked():
        await permits.acquire()  # returns at once
        return
    timeout = request.extensions.get("timeout", {}).get("pool")
    try:
        async with asyncio.timeout(timeout):
            await permits.acquire()
    except TimeoutError:
        raise httpx.PoolTimeout("No connection to the upstream became free in time.", request=request) from None
