"""Outage behaviour of the gateway, wired in one object: its database, the health poller, the outbox relay, the
store-and-forward queue and its delivery worker, the routes, and the checks ``forward`` makes on each request."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.openapi.utils import get_openapi
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from portal_gateway.authorize import Authorizer
from portal_gateway.config import Settings
from portal_gateway.errors import RouteTableError, UpstreamUnavailable
from portal_gateway.health import BROKER, check_broker, check_service
from portal_gateway.outages.db import messaging
from portal_gateway.outages.messages import ComponentOutage
from portal_gateway.outages.queue import SubmissionQueue
from portal_gateway.outages.router import accepted_response, operator_router, public_router
from portal_gateway.outages.tracker import OutageTracker
from portal_gateway.proxy import Proxy
from portal_gateway.routes import Operation, RouteMatch, RouteTable, is_routed, operations_of
from portal_runtime.access import STORE_AND_FORWARD, Acting
from portal_runtime.bus import KafkaPublisher
from portal_runtime.clock import Clock, system_clock
from portal_runtime.context import ContextSigner, InternalContext
from portal_runtime.db import create_engine, create_session_factory
from portal_runtime.language import preferred_language
from portal_runtime.relay import OutboxRelay, Publisher
from portal_runtime.service import migrate_with_retry
from portal_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)
PACKAGE = "portal_gateway"
SUBMISSION_OPERATION = Operation.compile("gateway", "GET", "/v1/submissions/{submission_id}", Acting.SELF, None)


class OutageCollector:
    """Read at scrape time: which components are in an outage window, and what the queue delivered."""

    def __init__(self, feature: OutageFeature) -> None:
        self.feature = feature

    def collect(self) -> Iterator[Metric]:
        feature = self.feature
        down = GaugeMetricFamily(
            "gateway_component_outage", "1 while the component is in an outage window", labels=["component", "kind"]
        )
        delivered = CounterMetricFamily(
            "gateway_submissions_delivered", "Queued submissions delivered by this gateway (store-and-forward)"
        )
        tracker: OutageTracker | None = getattr(feature, "tracker", None)
        if tracker is not None:
            for component in tracker.components:
                outage = tracker.outage_for(component)
                for kind in ("planned", "unplanned"):
                    down.add_metric([component, kind], 1.0 if outage is not None and outage.kind == kind else 0.0)
        queue: SubmissionQueue | None = getattr(feature, "queue", None)
        delivered.add_metric([], queue.delivered_total if queue is not None else 0)
        yield from (down, delivered)


def stored_operations(contracts_dir: Path, services: Mapping[str, str]) -> frozenset[tuple[str, str, str]]:
    """(service, METHOD, template) of every operation whose contract marks it store-and-forward."""
    marked = set()
    for service in services:
        path = contracts_dir / f"{service}.json"
        if not path.exists():
            continue
        for template, item in json.loads(path.read_text()).get("paths", {}).items():
            for method, spec in item.items():
                if spec.get(STORE_AND_FORWARD) is True and is_routed(template, spec, method):
                    marked.add((service, method.upper(), template))
    return frozenset(marked)


class OutageFeature:
    def __init__(
        self,
        settings: Settings,
        routes: RouteTable,
        *,
        clock: Clock = system_clock,
        publisher: Publisher | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._publisher = publisher
        self.components = [*settings.services, BROKER]
        self.store_and_forward = stored_operations(settings.contracts_dir, settings.services)
        self.router = APIRouter()
        self.router.include_router(public_router())
        self.router.include_router(operator_router())
        # The public part of the gateway's own API, for the aggregated OpenAPI document.
        self.document = get_openapi(title="Portal gateway", version="1.0.0", routes=public_router().routes)
        _refuse_collisions(routes, self.document)
        self._engine: AsyncEngine | None = None
        self._kafka: KafkaPublisher | None = None
        self.sessions: async_sessionmaker[AsyncSession]
        self.tracker: OutageTracker
        self.queue: SubmissionQueue
        self.relay: OutboxRelay
        self._authorizer: Authorizer
        self._tasks: list[asyncio.Task[None]] = []
        if registry is not None:
            registry.register(OutageCollector(self))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ lifecycle

    async def start(self, http: httpx.AsyncClient, signer: ContextSigner, authorizer: Authorizer) -> None:
        settings = self.settings
        self._engine = create_engine(settings.database_url, echo=settings.database_echo)
        self.sessions = create_session_factory(self._engine)
        if settings.auto_migrate:
            await migrate_with_retry(PACKAGE, settings.database_url, "gateway")
        # KafkaPublisher reads only the broker settings, which the gateway's settings carry under the same names.
        publisher = self._publisher or KafkaPublisher(cast(ServiceSettings, settings))
        self._kafka = publisher if isinstance(publisher, KafkaPublisher) else None
        self.relay = OutboxRelay(self.sessions, messaging, publisher, poll_interval_s=settings.relay_poll_interval_s)
        self.tracker = OutageTracker(
            self.sessions,
            self.components,
            lambda: self._health(http),
            close_after_s=settings.outage_close_after_s,
            confirmations=settings.outage_confirmations,
            merge_within_s=settings.outage_merge_within_s,
            clock=self.clock,
            on_commit=self.relay.notify,
        )
        await self.tracker.refresh()
        self.queue = SubmissionQueue(
            self.sessions,
            http,
            signer,
            settings.services,
            self.tracker,
            clock=self.clock,
            poll_interval_s=settings.delivery_poll_interval_s,
            max_backoff_s=settings.delivery_max_backoff_s,
            lease_s=settings.delivery_lease_s,
            timeout_s=settings.read_timeout_s,
        )
        self._authorizer = authorizer
        self._tasks = [
            asyncio.create_task(self.relay.run(), name="gateway-relay"),
            asyncio.create_task(self.queue.run(), name="gateway-delivery"),
        ]
        if settings.outage_poll_interval_s > 0:
            self._tasks.append(asyncio.create_task(self._poll_forever(), name="gateway-outage-poller"))

    async def stop(self) -> None:
        for task in self._tasks:
            while not task.done():  # again if a loop swallowed the cancellation (asyncio.wait_for on 3.11)
                task.cancel()
                await asyncio.wait([task], timeout=1.0)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
        self._tasks.clear()
        if self._kafka is not None:
            await self._kafka.close()
        if self._engine is not None:
            await self._engine.dispose()

    async def _health(self, http: httpx.AsyncClient) -> dict[str, Any]:
        settings = self.settings
        names = list(settings.services)
        results = await asyncio.gather(
            *(check_service(http, settings.services[n], settings.health_timeout_s) for n in names),
            check_broker(settings.kafka_bootstrap_servers, settings.health_timeout_s),
        )
        return dict(zip([*names, BROKER], results, strict=True))

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.tracker.poll()
                self.queue.wake()
            except Exception:
                log.exception("outage poll failed; retrying")
            await asyncio.sleep(self.settings.outage_poll_interval_s)

    # ------------------------------------------------------------------ on each forwarded request

    def stores(self, match: RouteMatch) -> bool:
        op = match.operation
        return (op.service, op.method, op.template) in self.store_and_forward

    def refuse_if_down(self, request: Request, match: RouteMatch) -> None:
        """A 503 naming the outage when the route's service is in one (store-and-forward routes are queued)."""
        outage = self.tracker.outage_for(match.operation.service)
        if outage is not None and not self.stores(match):
            raise ComponentOutage(outage, preferred_language(request.headers.get("accept-language")), self.clock())

    async def unreachable(self, exc: UpstreamUnavailable, match: RouteMatch) -> None:
        """The proxy could not connect to the route's service: open its window now."""
        if exc.extra.get("component") == match.operation.service:
            try:
                await self.tracker.report_unreachable(match.operation.service)
            except Exception:  # the caller still gets the 503; the next poll records the window
                log.exception("could not record the outage of %s", match.operation.service)

    async def submit(
        self, request: Request, match: RouteMatch, context: InternalContext | None, request_id: str, proxy: Proxy
    ) -> Response:
        """Forward when the service is up and nothing waits before it; otherwise queue (202)."""
        service = match.operation.service
        assert context is not None  # store-and-forward operations are authenticated (portal_runtime.access)
        if self.tracker.outage_for(service) is None and not await self.queue.has_pending(service):
            await request.body()  # buffered: if the connection fails, the request can still be queued
            try:
                return await proxy.forward(request, match, context, request_id)
            except UpstreamUnavailable as exc:
                if exc.extra.get("component") != service:
                    raise
                await self.tracker.report_unreachable(service)
        return accepted_response(await self.queue.accept(request, match, context))

    async def caller(self, authorization: str | None) -> str:
        """The subject of a valid access token (401 otherwise)."""
        context = await self._authorizer.context_for(RouteMatch(SUBMISSION_OPERATION, {}), authorization)
        assert context is not None
        return context.subject


def _refuse_collisions(routes: RouteTable, document: Mapping[str, Any]) -> None:
    """The gateway's own public routes must not shadow a service's: the route table refuses duplicates."""
    try:
        RouteTable([*routes.operations, *operations_of("gateway", document)])
    except RouteTableError as exc:
        raise RouteTableError(f"a gateway route collides with a service route: {exc}") from exc
