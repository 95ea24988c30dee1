"""The gateway's connections to the upstream services: httpx as the client API, aiohttp's pool underneath.

Why not httpx's own pool (httpcore): on every request it walks all the connections it holds, asking each whether
it has expired through anyio's typed-attribute machinery (``_assign_requests_to_connections``). Measured on this
machine against a bare uvicorn app, 16 connections, 16 requests in flight (client CPU per request): httpcore
1.0-1.3 ms, httpx over this aiohttp transport 0.28 ms, aiohttp alone 0.08 ms. In the gateway benchmark the
httpcore pool was the largest single cost of a proxied request (bench/gateway_throughput.py). httpx stays the
client API everywhere (tests route it to in-process apps with ``httpx.ASGITransport``); only the network
transport is aiohttp's, whose pool hands out a free connection in constant time. The proxy sends through
:meth:`UpstreamTransport.send`, the same path without httpx's request and response objects (:func:`upstream`).

One aiohttp session for every upstream, with two caps: ``limit_per_host`` (``connections_per_upstream``) so that
a slow or hung service queues for its own connections and cannot take those the others need, and ``limit``
(``max_connections``) overall. Requests beyond ``connections_per_upstream`` wait their turn at a first-come,
first-served gate per upstream (an ``asyncio.Semaphore``), not in aiohttp's pool: there a request arriving as a
connection is given back takes it ahead of those already waiting, so that under 64 concurrent requests to 16
connections some wait many turns (the same barging as in the services' database pool, see
``portal_runtime.db.FairQueuePool``).

The gateway's semantics are kept where aiohttp's defaults differ:

- failures map onto httpx's exceptions by *whether the request may have reached the service*: a refused or
  timed-out connection (or no free connection in time) is ``ConnectError``/``ConnectTimeout`` -- the
  store-and-forward queue retries those, so nothing that was possibly delivered may be classed so; a
  disconnect or an unreadable answer after sending is ``RemoteProtocolError``/``ReadError`` (502), a read
  timeout ``ReadTimeout`` (504);
- no cookie jar (a gateway must never carry one caller's cookies into another caller's request), no
  decompression (bodies pass through with their Content-Encoding), no redirects followed, no headers added
  that httpx did not put on the request, the URL sent exactly as encoded (a ``%2F`` inside an identifier stays
  one path segment), no proxy from the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Protocol, runtime_checkable

import aiohttp
import httpx
from multidict import CIMultiDict
from yarl import URL

from portal_runtime.telemetry import tracing_active

# aiohttp would otherwise add these when a request lacks them; a request is sent with exactly its headers.
NOT_ADDED = frozenset({"Accept", "Accept-Encoding", "User-Agent", "Content-Type"})

# Most specific first: the first class an exception is an instance of decides.
_FAILURES: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    # Not delivered: no connection (refused, unreachable, DNS), or none in time (connect or a free pool slot).
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    # Possibly delivered.
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (TimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientError, httpx.ReadError),
)


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request | None = None) -> Iterator[None]:
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as exc:
        for failure, mapped in _FAILURES:
            if isinstance(exc, failure):
                raise mapped(str(exc) or type(exc).__name__, request=request) from exc
        raise  # unreachable: ClientError and TimeoutError are both in the table


class Answer:
    """An upstream's answer as it arrives: status, headers as received (raw bytes), and the body; closing it gives
    the connection back (or drops it, if unread) and lets the next request to that upstream through its gate."""

    __slots__ = ("_gate", "_response", "headers", "reason", "status")

    def __init__(self, response: aiohttp.ClientResponse, gate: asyncio.Semaphore) -> None:
        self.status: int = response.status
        self.reason: bytes = (response.reason or "").encode("latin-1")
        self.headers: list[tuple[bytes, bytes]] = list(response.raw_headers)
        self._response = response
        self._gate: asyncio.Semaphore | None = gate

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body's bytes as received (never decompressed); a body that breaks off raises an httpx error."""
        with _as_httpx_errors():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()


class _ResponseBody(httpx.AsyncByteStream):
    """An :class:`Answer`'s body as httpx streams it."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._answer.chunks():
            yield chunk

    async def aclose(self) -> None:
        await self._answer.aclose()


async def _request_body(stream: httpx.AsyncByteStream) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk


class UpstreamTransport(httpx.AsyncBaseTransport):
    """An httpx transport sending over aiohttp's connection pool (created on first use, in the running loop).

    :meth:`send` is the same without httpx's objects, for the proxy's hot path: the request as the proxy already
    holds it (method, URL, raw headers) and an :class:`Answer`; httpx's request, URL and response objects cost
    about as much CPU as the pooled send (see :class:`portal_gateway.proxy.Proxy`).
    """

    def __init__(self, connections_per_upstream: int, max_connections: int, keepalive_expiry_s: float) -> None:
        self._per_upstream = connections_per_upstream
        self._max_connections = max_connections
        self._keepalive_expiry_s = keepalive_expiry_s
        self._session: aiohttp.ClientSession | None = None
        self._gates: dict[str, asyncio.Semaphore] = {}

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=self._per_upstream,
            keepalive_timeout=self._keepalive_expiry_s,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=NOT_ADDED,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body: bytes | AsyncIterator[bytes] | None
        headers = request.headers.raw
        try:
            body = request.content or None
        except httpx.RequestNotRead:  # a streamed body: aiohttp frames it (Content-Length if given, else chunked)
            body = _request_body(request.stream)  # type: ignore[arg-type]
            headers = [(name, value) for name, value in headers if name.lower() != b"transfer-encoding"]
        answer = await self.send(
            request.method, str(request.url), headers, body, request.extensions.get("timeout", {}), request=request
        )
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_ResponseBody(answer),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
        )

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
        timeouts: Mapping[str, float | None],
        *,
        request: httpx.Request | None = None,
    ) -> Answer:
        """Sends ``method url`` (already percent-encoded, sent as it is) with exactly ``headers``; waits for a
        connection in order of arrival. ``timeouts`` are httpx's (``pool``, ``connect``, ``read``, ``write``).
        Failures raise httpx's exceptions, classed by whether the request may have been delivered."""
        session = self._session
        if session is None:
            session = self._session = self._open()
        # "connect" covers waiting for a free connection as well as opening one: httpx's pool timeout.
        connect_s = _sum(timeouts.get("pool"), timeouts.get("connect"))
        gate = await self._enter(url, connect_s, request)
        try:
            with _as_httpx_errors(request):
                response = await session.request(
                    method,
                    URL(url, encoded=True),
                    headers=CIMultiDict((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers),
                    data=body,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(
                        total=None,
                        connect=connect_s,
                        sock_connect=timeouts.get("connect"),
                        sock_read=timeouts.get("read"),
                    ),
                )
        except BaseException:
            gate.release()
            raise
        return Answer(response, gate)

    async def _enter(self, url: str, within_s: float | None, request: httpx.Request | None) -> asyncio.Semaphore:
        """This upstream's gate, passed in order of arrival; not passed in time is a connect timeout (the request
        was not sent)."""
        origin = _origin(url)
        gate = self._gates.get(origin)
        if gate is None:
            gate = self._gates[origin] = asyncio.Semaphore(self._per_upstream)
        try:
            async with asyncio.timeout(within_s):
                await gate.acquire()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("no free connection to the upstream in time", request=request) from exc
        return gate

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
            # aiohttp's advice: give the closed transports a loop turn to finish before the loop may end.
            await asyncio.sleep(0)


@runtime_checkable
class Upstream(Protocol):
    """What the proxy sends on: :class:`UpstreamTransport` itself (or any transport with this ``send``), else
    :class:`HttpxUpstream` over the httpx transport (and always when tracing is on)."""

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
        timeouts: Mapping[str, float | None],
    ) -> UpstreamAnswer: ...


class UpstreamAnswer(Protocol):
    status: int
    headers: list[tuple[bytes, bytes]]

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class _HttpxAnswer:
    __slots__ = ("_response", "headers", "status")

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers.raw
        self._response = response

    def chunks(self) -> AsyncIterator[bytes]:
        return self._response.aiter_raw()

    async def aclose(self) -> None:
        await self._response.aclose()


class HttpxUpstream:
    """:class:`Upstream` over any httpx transport, through httpx's request and response objects."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
        timeouts: Mapping[str, float | None],
    ) -> UpstreamAnswer:
        request = httpx.Request(method, url, headers=headers, content=body, extensions={"timeout": timeouts})
        response = await self._transport.handle_async_request(request)
        response.request = request
        return _HttpxAnswer(response)


def upstream(transport: httpx.AsyncBaseTransport) -> Upstream:
    """The proxy's way to send on ``transport``: straight on the pool, unless something else was given or the
    transport is traced (OpenTelemetry's httpx instrumentation wraps ``handle_async_request``: its client span and
    ``traceparent`` must not be bypassed)."""
    if isinstance(transport, Upstream) and not tracing_active():
        return transport
    return HttpxUpstream(transport)


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL: the key of its upstream's gate."""
    end = url.find("/", url.find("//") + 2)
    return url if end < 0 else url[:end]


def _sum(*parts: float | None) -> float | None:
    present = [p for p in parts if p is not None]
    return sum(present) if present else None
