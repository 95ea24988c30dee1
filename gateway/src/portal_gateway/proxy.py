"""Forwarding a request to the service that owns its route, and streaming the answer back.

One pooled ``httpx.AsyncClient`` serves every upstream. Failures become problems naming the component:
connection refused -> 503, no answer in time -> 504, a broken answer -> 502; never a hang or a stack trace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping

import httpx
from prometheus_client import CollectorRegistry, Histogram
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from portal_gateway.errors import BadGateway, UpstreamTimeout, UpstreamUnavailable
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


def _kept(headers: Iterable[tuple[bytes, bytes]], dropped: frozenset[str]) -> list[tuple[bytes, bytes]]:
    """Headers minus ``dropped`` and minus those the Connection header declares hop-by-hop."""
    pairs = [(name.lower(), value) for name, value in headers]
    listed = {
        token.strip().lower()
        for name, value in pairs
        if name == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    return [(n, v) for n, v in pairs if (key := n.decode("latin-1")) not in dropped and key not in listed]


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


class UpstreamResponse(StreamingResponse):
    """The service's status, headers and body, streamed; the upstream connection is released in every case."""

    def __init__(self, upstream: httpx.Response) -> None:
        # Raw bytes: a compressed body passes through untouched, with its Content-Encoding.
        super().__init__(upstream.aiter_raw(), status_code=upstream.status_code)
        self.raw_headers = _kept(upstream.headers.raw, DROPPED_RESPONSE_HEADERS)
        self._upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except httpx.HTTPError as exc:
            # Headers are already sent: the only honest signal left is to abort the connection.
            log.warning("upstream body failed mid-stream (%s): %s", self._upstream.url, exc)
            raise
        finally:
            await self._upstream.aclose()


class Proxy:
    def __init__(
        self,
        services: Mapping[str, str],
        http: httpx.AsyncClient,
        signer: ContextSigner,
        metrics: UpstreamMetrics | None = None,
    ) -> None:
        self._bases = {name: httpx.URL(url) for name, url in services.items()}
        self._http = http
        self._signer = signer
        self._metrics = metrics

    async def forward(
        self, request: Request, match: RouteMatch, context: InternalContext | None, request_id: str
    ) -> UpstreamResponse:
        op = match.operation
        upstream_request = self._http.build_request(
            request.method,
            self._url(op.service, request.scope),
            headers=self._headers(request, context, request_id),
            content=request.stream() if _has_body(request) else None,
        )
        started, status = time.perf_counter(), "error"
        try:
            upstream = await self._send(op.service, upstream_request)
            status = str(upstream.status_code)
            return UpstreamResponse(upstream)
        except PortalError as exc:
            status = str(exc.status)
            raise
        finally:
            if self._metrics is not None:
                self._metrics.latency.labels(op.service, op.method, op.template, status).observe(
                    time.perf_counter() - started
                )

    async def _send(self, service: str, upstream_request: httpx.Request) -> httpx.Response:
        try:
            return await self._http.send(upstream_request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            log.warning("%s unreachable: %s", service, exc)
            raise UpstreamUnavailable(
                f"The {service} service cannot be reached. Retry shortly.", component=service
            ) from exc
        except httpx.TimeoutException as exc:
            log.warning("%s timed out: %s", service, exc)
            raise UpstreamTimeout(f"The {service} service did not answer in time.", component=service) from exc
        except httpx.HTTPError as exc:
            log.warning("%s answered badly: %s", service, exc)
            raise BadGateway(f"The {service} service returned an invalid response.", component=service) from exc

    def _url(self, service: str, scope: Scope) -> httpx.URL:
        # The raw path keeps the caller's percent-encoding (a %2F inside an identifier stays one segment).
        base = self._bases[service]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        target = base.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
        return base.copy_with(raw_path=target)

    def _headers(self, request: Request, context: InternalContext | None, request_id: str) -> list[tuple[bytes, bytes]]:
        headers = _kept(request.headers.raw, DROPPED_REQUEST_HEADERS)
        headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
        if "accept-encoding" not in request.headers:
            # Else httpx would ask for gzip on the caller's behalf and pass back a body it did not ask for.
            headers.append((b"accept-encoding", b"identity"))
        # Replaced, not appended: the caller's own X-Forwarded-For is unverifiable at the public edge.
        if request.client is not None:
            headers.append((b"x-forwarded-for", request.client.host.encode()))
        headers.append((b"x-forwarded-proto", str(request.scope.get("scheme", "http")).encode()))
        if host := request.headers.get("host"):
            headers.append((b"x-forwarded-host", host.encode("latin-1")))
        if context is not None:
            headers.append((internal_context.HEADER.encode(), self._signer.sign(context).encode()))
        elif (basic := request.headers.get("authorization", "")).lower().startswith("basic "):
            # Public routes only (no context): OAuth client authentication (RFC 6749 §2.3.1) is the service's
            # to check. A bearer token never passes the edge.
            headers.append((b"authorization", basic.encode("latin-1")))
        return headers


def _has_body(request: Request) -> bool:
    # Streaming an absent body would make httpx send `Transfer-Encoding: chunked` on a GET.
    return "content-length" in request.headers or "transfer-encoding" in request.headers
