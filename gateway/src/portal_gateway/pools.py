"""The gateway's upstream transport: one small pool of HTTP/1.1 connections per upstream service, whose cost per
request does not grow with its size.

**One pool per upstream** keeps each pool small without letting a slow or hung service hold the connections every
other service needs: its requests queue for its own connections only.

**Not httpcore's pool.** ``httpcore.AsyncConnectionPool`` serves every origin from one list, so on each request
started or finished it rescans every connection (expiry, with a readability poll of each idle socket) and, for each
queued request, every connection again; its keep-alive check is even quadratic in the connections it holds
(``_assign_requests_to_connections``). py-spy put it at ~37% of the gateway's CPU with one pool of 512
connections; with 16 per upstream the gateway still spent ~2.8 ms of CPU per proxied request, 3.5 ms with 32
and 1.9 ms with 8 (bench/gateway_throughput.py). A pool that knows its one origin needs none of that: requests
wait for a permit (an :class:`asyncio.Semaphore`, FIFO, at most the request's pool timeout, then
:class:`httpx.PoolTimeout`), then take the most recently used idle connection, checking only that one for expiry.
The connections themselves are httpcore's (``AsyncHTTPConnection``: connecting, TLS, HTTP/1.1), on sockets of
:mod:`portal_gateway.netio`; their errors are mapped to httpx's as httpx's own transport does. A permit and its
connection are handed back when the response is closed.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from portal_gateway.netio import AsyncioBackend

# httpcore's errors as httpx's (httpx._transports.default maps them the same way); the most specific one wins.
_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
}

Origin = tuple[bytes, bytes, int | None]


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        mapped = next((_ERRORS[cls] for cls in type(exc).__mro__ if cls in _ERRORS), None)
        if mapped is None:
            raise
        raise mapped(str(exc)) from exc


class _OriginPool:
    """The connections to one origin: at most ``limits.max_connections`` (None: no limit) in use at once."""

    def __init__(
        self, origin: httpcore.Origin, limits: httpx.Limits, ssl_context: ssl.SSLContext, backend: AsyncioBackend
    ) -> None:
        self._origin = origin
        self._ssl_context = ssl_context
        self._backend = backend
        self._keepalive_expiry = limits.keepalive_expiry
        self._max_idle = limits.max_keepalive_connections
        size = limits.max_connections
        self._permits = asyncio.Semaphore(size) if size else None
        self._idle: deque[httpcore.AsyncHTTPConnection] = deque()  # the most recently used on the right
        self.admitted = 0  # requests holding a permit: sent, or answered with a body not closed yet
        self._closed = False

    async def send(self, request: httpcore.Request) -> httpx.Response:
        if self._permits is not None:
            await _acquire(self._permits, request)
        self.admitted += 1
        connection = None
        try:
            connection = await self._idle_connection()
            if connection is None:
                connection = httpcore.AsyncHTTPConnection(
                    self._origin,
                    ssl_context=self._ssl_context,
                    keepalive_expiry=self._keepalive_expiry,
                    network_backend=self._backend,
                )
            response = await connection.handle_async_request(request)
        except BaseException:
            await self.check_in(connection)
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response, self, connection),
            extensions=response.extensions,
        )

    async def _idle_connection(self) -> httpcore.AsyncHTTPConnection | None:
        """The most recently used idle connection still good to use (the service may have closed the others)."""
        while self._idle:
            connection = self._idle.pop()
            if connection.is_idle() and not connection.is_closed() and not connection.has_expired():
                return connection
            await connection.aclose()
        return None

    async def check_in(self, connection: httpcore.AsyncHTTPConnection | None) -> None:
        """Back to the idle connections if reusable, else closed; then the permit goes back."""
        try:
            if connection is not None:
                reusable = connection.is_idle() and not connection.is_closed()  # a failed connect is "idle" too
                if reusable and not self._closed and (self._max_idle is None or len(self._idle) < self._max_idle):
                    self._idle.append(connection)
                else:
                    await connection.aclose()
            # The least recently used idle connection may have outlived its keep-alive: closed here rather than
            # left open until a burst needs it.
            if self._idle and self._idle[0].has_expired():
                await self._idle.popleft().aclose()
        finally:
            self.admitted -= 1
            if self._permits is not None:
                self._permits.release()

    async def aclose(self) -> None:
        """Closes the idle connections now, those in use when their responses are closed."""
        self._closed = True
        idle, self._idle = self._idle, deque()
        for connection in idle:
            await connection.aclose()


class _Body(httpx.AsyncByteStream):
    """A response's body; closing it hands its connection and permit back to the pool (once)."""

    def __init__(
        self, response: httpcore.Response, pool: _OriginPool, connection: httpcore.AsyncHTTPConnection
    ) -> None:
        self._response = response
        self._pool: _OriginPool | None = pool
        self._connection = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        stream = self._response.stream
        assert isinstance(stream, AsyncIterable)
        with _httpx_errors():
            async for chunk in stream:
                yield chunk

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            with _httpx_errors():
                await self._response.aclose()
        finally:
            await pool.check_in(self._connection)


class PerUpstreamTransport(httpx.AsyncBaseTransport):
    """Routes each request to the pool of its origin (scheme, host, port), created on first use."""

    def __init__(self, limits: httpx.Limits, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._limits = limits
        self._ssl_context = ssl_context or httpx.create_ssl_context()
        self._backend = AsyncioBackend()
        self._pools: dict[Origin, _OriginPool] = {}

    def pool_count(self) -> int:
        return len(self._pools)

    def admitted(self, url: str) -> int:
        """Requests to the origin of ``url`` that hold a permit (sent, or answered with a body still open)."""
        pool = self._pools.get(_origin(httpx.URL(url)))
        return pool.admitted if pool is not None else 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        origin = _origin(url)
        pool = self._pools.get(origin)
        if pool is None:
            if url.raw_scheme not in (b"http", b"https"):
                raise httpx.UnsupportedProtocol(f"The URL scheme of {url} is not http or https.")
            pool = self._pools[origin] = _OriginPool(
                httpcore.Origin(url.raw_scheme, url.raw_host, url.port or (443 if url.raw_scheme == b"https" else 80)),
                self._limits,
                self._ssl_context,
                self._backend,
            )
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            return await pool.send(core_request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


def _origin(url: httpx.URL) -> Origin:
    return url.raw_scheme, url.raw_host, url.port


async def _acquire(permits: asyncio.Semaphore, request: httpcore.Request) -> None:
    """A permit, waiting at most the request's pool timeout (no wait, and no timer, when one is free)."""
    if not permits.locked():
        await permits.acquire()  # returns at once
        return
    timeout = request.extensions.get("timeout", {}).get("pool")
    try:
        async with asyncio.timeout(timeout):
            await permits.acquire()
    except TimeoutError:
        raise httpcore.PoolTimeout("No connection to the upstream became free in time.") from None
