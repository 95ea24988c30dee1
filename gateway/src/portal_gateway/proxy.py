"""Forwarding a request to the service that owns its route, and passing the answer back (streamed when large).

One pooled transport serves every upstream (see :mod:`portal_gateway.pools`). Failures become problems naming the
component: connection refused -> 503, no answer in time -> 504, a broken answer -> 502; never a hang or a stack
trace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping

import httpx
from prometheus_client import CollectorRegistry, Histogram
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from portal_gateway.errors import BadGateway, UpstreamTimeout, UpstreamUnavailable
from portal_gateway.pools import Upstream, UpstreamAnswer
from portal_gateway.routes import RouteMatch
from portal_runtime import context as internal_context
from portal_runtime.context import ContextSigner, InternalContext
from portal_runtime.metrics import LATENCY_BUCKETS
from portal_runtime.problems import PortalError
from portal_runtime.requestid import HEADER as REQUEST_ID_HEADER

log = logging.getLogger(__name__)

# RFC 9110 section 7.6.1: meaningful for one connection only.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer"}
    | {"transfer-encoding", "upgrade"}
)
# Credentials stay at the edge; the context and forwarding headers are the gateway's to set, never the caller's.
DROPPED_REQUEST_HEADERS = HOP_BY_HOP | {
    "host",
    "authorization",
    "cookie",
    internal_context.HEADER,
    REQUEST_ID_HEADER,
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
}
# The gateway's server writes its own Date and Server; passing the service's would duplicate them.
DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {"date", "server"}
# Bodies of at most this many bytes (by their Content-Length) are read whole and sent in one message; larger or
# unsized ones stream (see Proxy._response).
BUFFERED_BODY_MAX_BYTES = 256 * 1024

_DROPPED_REQUEST = frozenset(name.encode() for name in DROPPED_REQUEST_HEADERS)
_DROPPED_RESPONSE = frozenset(name.encode() for name in DROPPED_RESPONSE_HEADERS)
REQUEST_ID_HEADER_BYTES = REQUEST_ID_HEADER.encode()
CONTEXT_HEADER_BYTES = internal_context.HEADER.encode()


def _kept(headers: Iterable[tuple[bytes, bytes]], dropped: frozenset[bytes]) -> list[tuple[bytes, bytes]]:
    """Headers (names lowercased) minus ``dropped`` and minus those the Connection header declares hop-by-hop."""
    pairs = [(name.lower(), value) for name, value in headers]
    kept = [(name, value) for name, value in pairs if name not in dropped]
    if len(kept) == len(pairs):  # no Connection header either: it is always dropped
        return kept
    listed = {
        token.strip().lower().encode("latin-1")
        for name, value in pairs
        if name == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    return [(name, value) for name, value in kept if name not in listed]


class UpstreamMetrics:
    """Latency per operation template: the app-level metric only sees the gateway's catch-all route."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.latency = Histogram(
            "gateway_upstream_duration_seconds",
            "Time until the upstream's response headers (or the failure), per operation",
            ["service", "method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # The labelled child per label values: prometheus_client's labels() validates and locks on every call.
        self._children: dict[tuple[str, str, str, str], Histogram] = {}

    def observe(self, service: str, method: str, route: str, status: str, seconds: float) -> None:
        key = (service, method, route, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.latency.labels(*key)
        child.observe(seconds)


class UpstreamResponse(StreamingResponse):
    """The service's status, headers and body, streamed; the upstream connection is released in every case."""

    def __init__(self, service: str, upstream: UpstreamAnswer, headers: list[tuple[bytes, bytes]]) -> None:
        # Raw bytes: a compressed body passes through untouched, with its Content-Encoding.
        super().__init__(upstream.chunks(), status_code=upstream.status)
        self.raw_headers = headers
        self._service = service
        self._upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except httpx.HTTPError as exc:
            # Headers are already sent: the only honest signal left is to abort the connection.
            # The service, not the path: a path can carry personal data (see portal_gateway.accesslog).
            log.warning("%s: the answer's body failed mid-stream: %s", self._service, exc)
            raise
        finally:
            await self._upstream.aclose()


class BufferedUpstreamResponse(Response):
    """The service's status, headers and whole body (raw bytes, as received), sent in one message."""

    def __init__(self, status_code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        # Not Response.__init__: the service's headers are the response's, Content-Length included.
        self.status_code = status_code
        self.raw_headers = headers
        self.body = body
        self.background = None


class Proxy:
    """Sends each request on the upstream pool itself (:mod:`portal_gateway.pools`), not through httpx's
    ``AsyncClient.send``: a reverse proxy needs none of the client's request-level features, and one of them is
    wrong here (its cookie jar would keep a service's ``Set-Cookie`` and send it on other callers' requests). Nor
    through httpx's request and response objects, where the pool allows it (``pools.upstream``): building them,
    the URL parsed twice and the headers copied into each, cost the gateway about as much CPU as the pooled send
    (~0.13 ms of ~1.1 ms a proxied read, measured with py-spy on this machine). The base URLs are parsed once,
    header filtering compares bytes, and small answers skip streaming.
    """

    def __init__(
        self,
        services: Mapping[str, str],
        upstream: Upstream,
        signer: ContextSigner,
        metrics: UpstreamMetrics | None = None,
        *,
        timeout: httpx.Timeout,
    ) -> None:
        self._prefixes = {name: _prefix(url) for name, url in services.items()}
        self._upstream = upstream
        self._timeout = timeout.as_dict()
        self._signer = signer
        self._metrics = metrics

    async def forward(
        self, request: Request, match: RouteMatch, context: InternalContext | None, request_id: str
    ) -> Response:
        op = match.operation
        started, status = time.perf_counter(), "error"
        try:
            upstream = await self._send(
                op.service,
                request.method,
                self._url(op.service, request.scope),
                self._headers(request, context, request_id),
                request.stream() if _has_body(request) else None,
            )
            status = str(upstream.status)
        except PortalError as exc:
            status = str(exc.status)
            raise
        finally:
            if self._metrics is not None:
                self._metrics.observe(op.service, op.method, op.template, status, time.perf_counter() - started)
        return await self._response(op.service, upstream)

    async def _send(
        self,
        service: str,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: AsyncIterator[bytes] | None,
    ) -> UpstreamAnswer:
        try:
            return await self._upstream.send(method, url, headers, body, self._timeout)
        except httpx.HTTPError as exc:
            raise _failure(service, exc) from exc

    async def _response(self, service: str, upstream: UpstreamAnswer) -> Response:
        """Small answers are read whole: one ASGI message instead of a stream (for which starlette runs a task
        listening for the caller's disconnect), and a body that breaks off is still a 502. Others stream."""
        headers = _kept(upstream.headers, _DROPPED_RESPONSE)
        length = next((value for name, value in headers if name == b"content-length"), None)
        if length is None or not length.isdigit() or int(length) > BUFFERED_BODY_MAX_BYTES:
            return UpstreamResponse(service, upstream, headers)
        try:
            body = b"".join([chunk async for chunk in upstream.chunks()])
        except httpx.HTTPError as exc:
            raise _failure(service, exc) from exc
        finally:
            await upstream.aclose()
        return BufferedUpstreamResponse(upstream.status, headers, body)

    def _url(self, service: str, scope: Scope) -> str:
        # The raw path keeps the caller's percent-encoding (a %2F inside an identifier stays one segment).
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        target = raw_path + b"?" + query if query else raw_path
        return self._prefixes[service] + target.decode("ascii")

    def _headers(self, request: Request, context: InternalContext | None, request_id: str) -> list[tuple[bytes, bytes]]:
        headers = _kept(request.headers.raw, _DROPPED_REQUEST)
        headers.append((REQUEST_ID_HEADER_BYTES, request_id.encode()))
        if not any(name == b"accept-encoding" for name, _ in headers):
            # Else httpx would ask for gzip on the caller's behalf and pass back a body it did not ask for.
            headers.append((b"accept-encoding", b"identity"))
        # Replaced, not appended: the caller's own X-Forwarded-For is unverifiable at the public edge.
        client = request.scope.get("client")
        if client:
            headers.append((b"x-forwarded-for", client[0].encode()))
        headers.append((b"x-forwarded-proto", str(request.scope.get("scheme", "http")).encode()))
        if host := request.headers.get("host"):
            headers.append((b"x-forwarded-host", host.encode("latin-1")))
        if context is not None:
            headers.append((CONTEXT_HEADER_BYTES, self._signer.sign(context).encode()))
        elif (basic := request.headers.get("authorization", "")).lower().startswith("basic "):
            # Public routes only (no context): OAuth client authentication (RFC 6749 §2.3.1) is the service's
            # to check. A bearer token never passes the edge.
            headers.append((b"authorization", basic.encode("latin-1")))
        return headers


def _prefix(base_url: str) -> str:
    """The service's base URL, normalised once and without a trailing slash: each request appends its path."""
    return str(httpx.URL(base_url)).rstrip("/")


def _failure(service: str, exc: httpx.HTTPError) -> PortalError:
    """A transport failure as the problem naming the service: 503 unreachable, 504 too slow, 502 broken answer."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        log.warning("%s unreachable: %s", service, exc)
        return UpstreamUnavailable(
            f"The {service} service cannot be reached. Retry shortly.",
            fr=f"Le service {service} est injoignable. Réessayez sous peu.",
            component=service,
        )
    if isinstance(exc, httpx.TimeoutException):
        log.warning("%s timed out: %s", service, exc)
        return UpstreamTimeout(
            f"The {service} service did not answer in time.",
            fr=f"Le service {service} n'a pas répondu à temps.",
            component=service,
        )
    log.warning("%s answered badly: %s", service, exc)
    return BadGateway(
        f"The {service} service returned an invalid response.",
        fr=f"Le service {service} a renvoyé une réponse non valide.",
        component=service,
    )


def _has_body(request: Request) -> bool:
    # Streaming an absent body would make httpx send `Transfer-Encoding: chunked` on a GET.
    return "content-length" in request.headers or "transfer-encoding" in request.headers
