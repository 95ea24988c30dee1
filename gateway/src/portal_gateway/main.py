"""The gateway application: its own health and metrics endpoints, and a catch-all that routes by the table."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_gateway.accesslog import EdgeMiddleware, configure_access_log, request_facts, set_route
from portal_gateway.auth import JwksCache, TokenVerifier
from portal_gateway.authorize import Authorizer
from portal_gateway.bodylimit import limited
from portal_gateway.compression import EdgeCompression
from portal_gateway.config import Settings, context_signing_key
from portal_gateway.cors import EdgeCors
from portal_gateway.decision_cache import (
    CachedDecisions,
    DecisionCache,
    DecisionCacheMetrics,
    FeedSettings,
    InvalidationFeed,
)
from portal_gateway.decisions import DecisionClient, DecisionSource
from portal_gateway.devportal import StaticBody, devportal_router
from portal_gateway.docs import aggregate_openapi
from portal_gateway.edge_metrics import EDGE_REFUSALS_STATE, EdgeRefusals, UpstreamErrors
from portal_gateway.errors import GatewayInternalError, MethodNotAllowed, PayloadTooLarge, UpstreamUnavailable
from portal_gateway.headlimit import RequestHeadLimits
from portal_gateway.health import stack_health
from portal_gateway.outages.feature import OutageFeature
from portal_gateway.pools import UpstreamTransport, upstream
from portal_gateway.proxy import Proxy, UpstreamMetrics
from portal_gateway.ratelimit import MemoryBuckets, RateLimiter, RateLimitMetrics, admission, build_limiter
from portal_gateway.revocation import RevocationGuard, RevocationMetrics, revocation_guard
from portal_gateway.routes import HTTP_METHODS, RouteTable, allow_header
from portal_runtime.context import ContextSigner
from portal_runtime.heap import freeze_startup_objects, unfreeze
from portal_runtime.metrics import Metrics, MetricsMiddleware
from portal_runtime.nul import NulGuard
from portal_runtime.problems import PortalError, install_problem_handlers, portal_error_response
from portal_runtime.relay import Publisher
from portal_runtime.requestid import RequestIdMiddleware, current_request_id
from portal_runtime.telemetry import instrument_app, instrument_client, name_server_span

log = logging.getLogger(__name__)


# Below uvicorn's 5 s keep-alive: the gateway drops an idle connection before the service can close it under it.
KEEPALIVE_EXPIRY_S = 4.0


@dataclass(frozen=True)
class GatewayRuntime:
    """What exists only while the app runs (between lifespan start and stop)."""

    http: httpx.AsyncClient
    authorizer: Authorizer
    proxy: Proxy
    invalidation: InvalidationFeed | None = None
    limiter: RateLimiter | None = None
    upstream_errors: UpstreamErrors | None = None
    revocation: RevocationGuard | None = None


def upstream_transport(settings: Settings) -> UpstreamTransport:
    return UpstreamTransport(
        connections_per_upstream=settings.connections_per_upstream,
        max_connections=settings.max_connections,
        keepalive_expiry_s=KEEPALIVE_EXPIRY_S,
    )


def new_http_client(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The client of every upstream call; the proxy sends on its ``transport`` directly (see proxy.Proxy)."""
    client = httpx.AsyncClient(
        transport=transport or upstream_transport(settings),
        timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
        follow_redirects=False,  # a service's redirect is the caller's to follow
        trust_env=False,  # an HTTP_PROXY in the environment must not capture service-to-service calls
    )
    return instrument_client(client)  # client spans and traceparent, when tracing is on


def _cached(
    settings: Settings, client: DecisionClient, metrics: DecisionCacheMetrics | None
) -> tuple[DecisionSource, InvalidationFeed | None]:
    """Delegation's answers, cached when a TTL is set, with the feed of change events that invalidates them."""
    if settings.decision_cache_ttl_s <= 0 or metrics is None:
        return client, None
    cache = DecisionCache(settings.decision_cache_ttl_s, settings.decision_cache_size)
    feed_settings = FeedSettings(
        settings.kafka_bootstrap_servers,
        settings.decision_events_topic,
        session_timeout_ms=settings.decision_events_session_timeout_ms,
        heartbeat_interval_ms=settings.decision_events_heartbeat_interval_ms,
    )
    feed = InvalidationFeed(feed_settings, cache, metrics)
    return CachedDecisions(client, cache, feed, metrics), feed


def _runtime(
    settings: Settings,
    http: httpx.AsyncClient,
    transport: httpx.AsyncBaseTransport,
    signer: ContextSigner,
    metrics: Metrics,
    cache_metrics: DecisionCacheMetrics | None = None,
    limiter: RateLimiter | None = None,
    upstream_errors: UpstreamErrors | None = None,
    revocation_metrics: RevocationMetrics | None = None,
) -> GatewayRuntime:
    jwks = JwksCache(
        settings.jwks_url,
        http,
        refetch_interval_s=settings.jwks_refetch_interval_s,
        max_age_s=settings.jwks_max_age_s,
        timeout_s=settings.jwks_timeout_s,
    )
    verifier = TokenVerifier(
        jwks,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        leeway_s=settings.token_leeway_s,
        cache_size=settings.verified_token_cache_size,
    )
    decisions = DecisionClient(
        settings.services["delegation"],
        transport,
        timeout_s=settings.decision_timeout_s,
        internal_api_key=settings.internal_api_key,
    )
    source, invalidation = _cached(settings, decisions, cache_metrics)
    proxy = Proxy(
        settings.services, upstream(transport), signer, UpstreamMetrics(metrics.registry), timeout=http.timeout
    )
    revocation = revocation_guard(
        http=http,
        identity_url=settings.services["identity"],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topic=settings.identity_events_topic,
        lookback_s=settings.revocation_lookback_s,
        fallback_ttl_s=settings.revocation_fallback_ttl_s,
        leeway_s=settings.token_leeway_s,
        internal_api_key=settings.internal_api_key,
        metrics=revocation_metrics or RevocationMetrics(metrics.registry),
    )
    return GatewayRuntime(
        http=http,
        authorizer=Authorizer(verifier, source, revocation),
        proxy=proxy,
        invalidation=invalidation,
        limiter=limiter,
        upstream_errors=upstream_errors,
        revocation=revocation,
    )


async def forward(request: Request) -> Response:
    """Every request that is not the gateway's own: match, authenticate, authorize, forward."""
    routes: RouteTable = request.app.state.routes
    gateway: GatewayRuntime = request.app.state.gateway
    outages: OutageFeature = request.app.state.outages
    try:
        match = routes.match(request.method, request.scope["path"])
    except PortalError:
        set_route(request, "unmatched")  # one metrics label for every unknown path, not one per path
        raise
    request_id = current_request_id.get()
    op = match.operation
    set_route(request, op.template)
    name_server_span(request.method, op.template)
    facts = request_facts(request)
    facts.service, facts.business = op.service, match.business
    request, body = limited(request, op.max_body_bytes or request.app.state.settings.max_request_body_bytes)
    outages.refuse_if_down(request, match)  # the outage is already known: not counted as a new upstream failure
    try:
        admit = admission(gateway.limiter, request)
        context = await gateway.authorizer.context_for(match, request.headers.get("authorization"), admit)
        if outages.stores(match):
            response = await outages.submit(request, match, context, request_id, gateway.proxy)
        else:
            response = await gateway.proxy.forward(request, match, context, request_id)
        if gateway.upstream_errors is not None:
            gateway.upstream_errors.answered(op.service, response.status_code)
        return response
    except PortalError as exc:
        if body.exceeded and not isinstance(exc, PayloadTooLarge):
            # The body passed the limit while the service was reading it: the caller's fault, not the service's.
            raise PayloadTooLarge(body.max_bytes) from exc
        if isinstance(exc, UpstreamUnavailable):
            await outages.unreachable(exc, match)
        if gateway.upstream_errors is not None:
            gateway.upstream_errors.failed(exc)
        raise
    except ClientDisconnect:
        return Response(status_code=499)  # nobody is left to read an answer; 499 keeps it visible in metrics
    except Exception as exc:
        if body.exceeded:
            raise PayloadTooLarge(body.max_bytes) from exc
        # Rendered here rather than by the generic handler, which runs outside the request-id middleware.
        log.exception("unexpected failure forwarding %s %s", request.method, match.operation.template)
        raise GatewayInternalError(
            "An unexpected error occurred in the gateway; quote the request id when reporting it.",
            fr="Une erreur inattendue s'est produite dans la passerelle; citez l'identifiant de la requête en la "
            "signalant.",
        ) from exc


class OwnRoutes:
    """The gateway's own routes (``/livez``, ``/docs``, ``/v1/status``, ...; included routers' too): one regular
    expression for all their paths, and the methods they take at a path."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = own_routes(routes)
        self._paths = own_paths(routes)

    def match(self, path: str) -> bool:
        return self._paths.match(path) is not None

    def methods(self, path: str) -> set[str]:
        probe = {"type": "http", "path": path, "method": ""}
        return {m for route in self._routes if route.matches(probe)[0] is not Match.NONE for m in route.methods or ()}


class ServiceRoutes:
    """Requests for the services' operations go straight to :func:`forward`, past FastAPI's routing and exception
    middlewares; the gateway's own routes still go through FastAPI.

    For a proxied request FastAPI only matched a catch-all route after trying each of the gateway's own routes,
    then wrapped it in its request/response and exception layers (the gateway's CPU per proxied read went from
    ~0.74 to ~0.67 ms without them). ``forward`` matches the request against the route table itself, renders its
    own failures (every one a problem), and answers 404/405 for what no service declares. The gateway's own routes
    keep their precedence: a path any of them matches is left to FastAPI, or answered 405 here (as a service's
    path would be) if none of them takes the method. The gateway's own routes refuse a NUL character in what they
    read (:class:`NulGuard`), as the services do; proxied requests are the services' to refuse."""

    def __init__(self, app: ASGIApp, own: OwnRoutes) -> None:
        self.app = NulGuard(app)
        self._own = own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if self._own.match(path):
            methods = self._own.methods(path)
            if scope["method"] in methods:
                await self.app(scope, receive, send)
                return
            allow = allow_header(methods)
            refused = MethodNotAllowed(
                f"{path} does not accept {scope['method']}; it accepts {allow}.",
                fr=f"{path} n'accepte pas {scope['method']}; méthodes acceptées : {allow}.",
                headers={"Allow": allow},
            )
            await portal_error_response(refused)(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await forward(request)
        except PortalError as exc:
            response = portal_error_response(exc)
        await response(scope, receive, send)


class HeadAsGet:
    """HEAD is answered for every GET, the services' and the gateway's own (RFC 9110 9.3.2): as that GET, authorized
    and forwarded as one (the services, FastAPI apps, answer only the methods they declare), sent with the headers
    the GET gets (its ``Content-Length`` and ``Content-Encoding`` included: this sits outside compression) and
    without its body. A path without a GET keeps its 405."""

    def __init__(self, app: ASGIApp, own: OwnRoutes, routes: RouteTable) -> None:
        self.app = app
        self._own = own
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or not self._answered_by_get(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)

    def _answered_by_get(self, path: str) -> bool:
        if self._own.match(path):
            methods = self._own.methods(path)
            return "GET" in methods and "HEAD" not in methods
        return self._routes.head_as_get(path)


def own_routes(routes: Sequence[BaseRoute]) -> list[Route]:
    """The gateway's own routes, included routers' too."""
    found: list[Route] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found += own_routes(included.routes)
        elif isinstance(route, Route):
            found.append(route)
    return found


def own_paths(routes: Sequence[BaseRoute]) -> re.Pattern[str]:
    """One expression matching every path of the gateway's own routes, included routers' too."""
    patterns = [
        re.sub(r"\(\?P<\w+>", "(?:", route.path_regex.pattern) for route in own_routes(routes)
    ]  # groups named once only
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def _own_routes(settings: Settings, metrics: Metrics, outages: OutageFeature) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/livez", summary="Liveness of the gateway process")
    async def livez() -> dict[str, str]:
        return {"status": "ok", "component": "gateway"}

    @router.get("/healthz", summary="Readiness of every service and the broker")
    async def healthz(request: Request) -> JSONResponse:
        gateway: GatewayRuntime = request.app.state.gateway
        healthy, body = await stack_health(
            gateway.http, settings.services, settings.kafka_bootstrap_servers, settings.health_timeout_s
        )
        return JSONResponse(body, status_code=200 if healthy else 503)

    @router.get("/metrics", summary="Prometheus metrics")
    async def prometheus() -> Any:
        return metrics.render()

    document = aggregate_openapi(
        settings.contracts_dir,
        list(settings.services),
        {"gateway": outages.document},
        body_limit=settings.max_request_body_bytes,
    )

    # Serialised once; callers revalidate it with its ETag (the document changes only with a new gateway).
    published = StaticBody(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
        "application/json",
        {"Cache-Control": "no-cache"},
    )

    @router.get("/openapi.json", summary="The whole public API in one OpenAPI document", response_class=Response)
    async def openapi(request: Request) -> Response:
        return published.response(request)

    router.include_router(devportal_router(document["info"]["title"]))
    return router


def create_app(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    publisher: Publisher | None = None,
) -> FastAPI:
    """The gateway; refuses to build when the contracts do not make a safe route table.

    ``transport`` replaces the network for upstream calls (tests route them to in-process apps); ``publisher``
    replaces Kafka for the gateway's outbox.
    """
    settings = settings or Settings()
    routes = RouteTable.from_directory(settings.contracts_dir, settings.services)
    signer = ContextSigner(context_signing_key(settings), settings.context_audience, settings.context_ttl_s)
    metrics = Metrics("gateway")
    # Registered once per app: the lifespan may run more than once (tests), the registry refuses duplicates.
    cache_metrics = DecisionCacheMetrics(metrics.registry) if settings.decision_cache_ttl_s > 0 else None
    rate_limit_metrics = RateLimitMetrics(metrics.registry)
    upstream_errors = UpstreamErrors(metrics.registry)
    edge_refusals = EdgeRefusals(metrics.registry)
    buckets = MemoryBuckets(settings.rate_limit_memory_max_keys)
    revocation_metrics = RevocationMetrics(metrics.registry)
    outages = OutageFeature(settings, routes, publisher=publisher, registry=metrics.registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        upstream = transport or upstream_transport(settings)
        async with new_http_client(settings, upstream) as http:
            limiter = build_limiter(settings, buckets, rate_limit_metrics)
            runtime = _runtime(
                settings, http, upstream, signer, metrics, cache_metrics, limiter, upstream_errors, revocation_metrics
            )
            app.state.gateway = runtime
            if runtime.invalidation is not None:
                runtime.invalidation.start()
            if runtime.revocation is not None:
                runtime.revocation.feed.start()
            await outages.start(http, signer, runtime.authorizer)
            freeze_startup_objects()
            try:
                # The lifespan state: uvicorn hands it to the gateway's connections (portal_gateway.edge).
                yield {EDGE_REFUSALS_STATE: edge_refusals}
            finally:
                unfreeze()
                await outages.stop()
                if runtime.invalidation is not None:
                    await runtime.invalidation.stop()
                if limiter is not None:
                    await limiter.aclose()
                if runtime.revocation is not None:
                    await runtime.revocation.feed.stop()

    app = FastAPI(
        title="Portal gateway",
        lifespan=lifespan,
        # The public contract is the services' documents in contracts/openapi; the gateway adds none.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.routes = routes
    app.state.metrics = metrics
    install_problem_handlers(app)
    app.state.outages = outages
    app.include_router(_own_routes(settings, metrics, outages))
    app.include_router(outages.router)
    own = OwnRoutes(app.router.routes)
    app.add_middleware(ServiceRoutes, own=own)
    if settings.compression_enabled:  # around every answer, the gateway's own and the services' alike
        app.add_middleware(
            EdgeCompression, minimum_bytes=settings.compression_min_bytes, level=settings.compression_level
        )
    app.add_middleware(HeadAsGet, own=own, routes=routes)
    # Inside CORS (a browser can read the refusal), the request id, metrics and access log (it is counted, logged).
    app.add_middleware(
        RequestHeadLimits, max_url_bytes=settings.max_url_bytes, max_header_bytes=settings.max_header_bytes
    )
    if settings.cors_allowed_origins:  # outside the routes, inside the request id, metrics and access log
        methods = sorted(HTTP_METHODS - {"OPTIONS", "TRACE"})
        app.add_middleware(
            EdgeCors,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=methods,
            max_age=settings.cors_max_age_s,
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    configure_access_log(settings.access_log)
    app.add_middleware(EdgeMiddleware, fmt=settings.access_log)
    app.add_middleware(RequestIdMiddleware)
    instrument_app(app, "gateway", settings.otlp_endpoint)
    log.info("gateway routes %d operations of %d services", len(routes), len(settings.services))
    return app
