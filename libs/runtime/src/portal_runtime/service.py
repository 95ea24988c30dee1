"""Wiring shared by every service: engine, unit of work, relay, consumers, health, metrics, problems.

A service describes itself with a :class:`ServiceSpec`; :func:`build_service_app` turns it into a FastAPI app
whose lifespan migrates the database (when ``auto_migrate``), starts the outbox relay and the consumers, and
stops them cleanly. Nothing here is created at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import asyncpg
import httpx
import sqlalchemy.exc
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from portal_runtime import kafka, migrations
from portal_runtime.bus import KafkaPublisher
from portal_runtime.consumer import InboxDispatcher, KafkaConsumerRunner, Subscription
from portal_runtime.context import ContextVerifier, load_key
from portal_runtime.db import DatabaseUnavailable, create_engine, create_read_session_factory, create_session_factory
from portal_runtime.heap import freeze_startup_objects, unfreeze
from portal_runtime.internal import InternalKeyMiddleware, new_internal_client
from portal_runtime.messaging import CommitListener, EventRecord, MessagingTables, UnitOfWork, topic_for
from portal_runtime.metrics import ContextTokensCollector, MessagingCollector, Metrics, MetricsMiddleware
from portal_runtime.nul import NulGuard
from portal_runtime.problems import PROBLEM_RESPONSES, install_problem_handlers
from portal_runtime.relay import OutboxRelay, Publisher
from portal_runtime.requestid import RequestIdMiddleware, current_request_id
from portal_runtime.routing import include_indexed
from portal_runtime.settings import ServiceSettings
from portal_runtime.telemetry import instrument_app

log = logging.getLogger(__name__)
# Connection refused, or a PostgreSQL that is still starting up / recovering.
DATABASE_NOT_UP = (
    OSError,
    DatabaseUnavailable,
    asyncpg.exceptions.CannotConnectNowError,
    sqlalchemy.exc.InterfaceError,
)

StartupHook = Callable[["ServiceRuntime"], Awaitable[None]]


async def migrate_with_retry(package: str, database_url: str, name: str, attempts: int = 30) -> None:
    """Apply ``package``'s migrations, waiting for a database that is not up yet (components start in any order)."""
    for attempt in range(1, attempts + 1):
        try:
            await migrations.upgrade(package, database_url)
            return
        except DATABASE_NOT_UP as exc:
            if attempt == attempts:
                raise
            log.warning("%s: database not reachable (%s); retrying", name, exc)
            await asyncio.sleep(min(0.5 * attempt, 5))


@dataclass
class ServiceSpec:
    """What makes one service: its name, schema, routes, subscriptions and startup hooks."""

    name: str
    package: str
    title: str
    description: str
    metadata: MetaData
    tables: MessagingTables
    routers: Sequence[APIRouter]
    version: str = "0.1.0"
    subscriptions: Callable[[ServiceRuntime], Sequence[Subscription]] = lambda _: ()
    on_startup: Sequence[StartupHook] = ()
    on_shutdown: Sequence[StartupHook] = ()
    openapi_tags: list[dict[str, Any]] = field(default_factory=list)


class ServiceRuntime:
    """The live resources of one service process."""

    def __init__(
        self,
        spec: ServiceSpec,
        settings: ServiceSettings,
        publisher: Publisher | None = None,
        internal_transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.engine: AsyncEngine = create_engine(settings.database_url, echo=settings.database_echo)
        self.sessions: async_sessionmaker[AsyncSession] = create_session_factory(self.engine)
        # For pure reads (GET routes): no BEGIN/COMMIT round trips; see create_read_session_factory.
        self.reads: async_sessionmaker[AsyncSession] = create_read_session_factory(self.engine)
        self.tables = spec.tables
        self.commit_listeners: list[CommitListener] = []  # told of each commit that writes events
        self.kafka: KafkaPublisher | None = None
        if publisher is None:
            self.kafka = KafkaPublisher(settings)
            publisher = self.kafka
        self.publisher = publisher
        self.relay = OutboxRelay(
            self.sessions,
            self.tables,
            publisher,
            batch_size=settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_interval_s,
        )
        self.dispatchers = [
            InboxDispatcher(
                self.sessions,
                self.tables,
                s,
                source=spec.name,
                max_attempts=settings.consumer_max_attempts,
                on_commit=self.relay.notify,
                listener=self,
            )
            for s in spec.subscriptions(self)
        ]
        self.runners = [KafkaConsumerRunner(settings, d) for d in self.dispatchers]
        self.metrics = Metrics(spec.name)
        self.metrics.registry.register(
            MessagingCollector(spec.name, self.relay, lambda: [d.subscription for d in self.dispatchers])
        )
        self.context_verifier = (
            ContextVerifier(load_key(settings.context_public_key), settings.context_audience)
            if settings.context_public_key
            else None
        )
        if self.context_verifier is not None:
            self.metrics.registry.register(ContextTokensCollector(spec.name, self.context_verifier))
        self._tasks: list[asyncio.Task[None]] = []
        self.app_state: Any = None  # the FastAPI app's state, for startup hooks
        # What a service keeps for as long as the runtime runs (delegation's decision index): unlike app_state it
        # also exists for a runtime started without an app (consumers, jobs, integration tests).
        self.extensions: dict[str, Any] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._internal_transports = internal_transports or {}
        self._internal_clients: dict[str, httpx.AsyncClient] = {}

    def internal_client(self, service: str, timeout_s: float = 5.0) -> httpx.AsyncClient:
        """The pooled client for ``service``'s internal API (closed when the service stops)."""
        client = self._internal_clients.get(service)
        if client is None:
            client = new_internal_client(
                self.settings.internal_url(service),
                self.settings.internal_api_key,
                timeout_s=timeout_s,
                transport=self._internal_transports.get(service),
            )
            self._internal_clients[service] = client
        return client

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.tables,
            self.spec.name,
            current_request_id.get() or None,
            on_commit=self.relay.notify,
            listener=self,
        )

    def before_commit(self) -> None:
        """(:class:`CommitListener`) Relayed to ``commit_listeners``."""
        for listener in self.commit_listeners:
            listener.before_commit()

    async def after_commit(self, records: Sequence[EventRecord]) -> None:
        for listener in self.commit_listeners:
            await listener.after_commit(records)

    async def start(self) -> None:
        if self.settings.auto_migrate:
            await self._migrate_with_retry()
        for hook in self.spec.on_startup:
            await hook(self)
        if self.settings.relay_enabled:
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.spec.name}-relay"))
            if self.kafka is not None:
                self._tasks.append(asyncio.create_task(self._create_own_topic(), name=f"{self.spec.name}-topic"))
        if self.settings.consumers_enabled:
            for runner in self.runners:
                self._tasks.append(asyncio.create_task(runner.run(), name=runner.group_id))
        freeze_startup_objects()

    async def _create_own_topic(self) -> None:
        """The topic this service publishes to exists from its start, not from its first event: the replicas that
        read it (the gateway's token-revocation feed reads identity's) can only be current on a topic that
        exists, and until then fall back to asking per request. Retried until the broker answers."""
        topic = topic_for(self.spec.name)
        attempt = 0
        while True:
            try:
                await kafka.ensure_topics(self.settings, [topic])
                return
            except Exception as exc:
                attempt += 1
                log.info("%s: topic %s not created yet (%s); retrying", self.spec.name, topic, exc)
                await asyncio.sleep(min(0.5 * attempt, 5))

    def run_every(self, name: str, interval_s: float, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` every ``interval_s`` in the background until the service stops; a failing round is logged
        and the next one retries (for startup hooks: schedules, workers, sweeps)."""

        wakeup = self._wakeups.setdefault(name, asyncio.Event())

        async def rounds() -> None:
            while True:
                try:
                    await job()
                except Exception:
                    log.exception("%s: background job %s failed; retrying in %.1fs", self.spec.name, name, interval_s)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interval_s):
                        await wakeup.wait()
                wakeup.clear()

        self._tasks.append(asyncio.create_task(rounds(), name=name))

    def wake(self, name: str) -> None:
        """Run the ``run_every`` job ``name`` now rather than at its next interval (e.g. after committing work for
        it); a job of another replica still finds the work at its next round."""
        wakeup = self._wakeups.get(name)
        if wakeup is not None:
            wakeup.set()

    def background_tasks(self) -> dict[str, asyncio.Task[None]]:
        """The running background tasks by name (relay, consumers, ``run_every`` jobs)."""
        return {task.get_name(): task for task in self._tasks if not task.done()}

    async def _migrate_with_retry(self) -> None:
        await migrate_with_retry(self.spec.package, self.settings.database_url, self.spec.name)

    async def stop(self) -> None:
        unfreeze()
        for hook in self.spec.on_shutdown:
            with contextlib.suppress(Exception):
                await hook(self)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.kafka is not None:
            await self.kafka.close()
        for client in self._internal_clients.values():
            await client.aclose()
        self._internal_clients.clear()
        await self.engine.dispose()

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """(ready, checks): ready means the database answers; checks also report the broker and the outbox."""
        checks: dict[str, Any] = {}
        try:
            async with self.sessions() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), 2.0)
            checks["database"] = {"status": "ok"}
        except Exception as exc:
            checks["database"] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"}
        if self.kafka is not None:
            try:
                await self.kafka.check()
                checks["broker"] = {"status": "ok"}
            except Exception as exc:
                checks["broker"] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        with contextlib.suppress(Exception):
            checks["outbox"] = {"pending": await self.relay.pending_count(), "last_error": self.relay.last_error}
        checks["consumers"] = {d.subscription.name: dict(d.subscription.stats) for d in self.dispatchers}
        # Only the database gates readiness: while the broker is away the outbox keeps every event, so a
        # Kafka blip must not take every pod out of rotation. The broker's state is reported all the same.
        ready = checks["database"]["status"] == "ok"
        return ready, checks


async def get_runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]


def _ops_router(component: str) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness", operation_id=f"{component}_healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "component": component}

    @router.get(
        "/readyz",
        summary="Readiness: database and broker",
        operation_id=f"{component}_readyz",
        responses={503: {"description": "Not ready"}},
    )
    async def readyz(runtime: Runtime) -> JSONResponse:
        ready, checks = await runtime.readiness()
        degraded = any(c.get("status") == "down" for c in checks.values())
        status = "unavailable" if not ready else "degraded" if degraded else "ok"
        body = {"status": status, "component": component, "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics", summary="Prometheus metrics", operation_id=f"{component}_metrics", include_in_schema=False)
    async def metrics(runtime: Runtime) -> Any:
        return runtime.metrics.render()

    return router


def build_service_app(
    spec: ServiceSpec,
    settings: ServiceSettings,
    *,
    publisher: Publisher | None = None,
    internal_transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """``internal_transports`` replaces the network for calls to other services (tests use in-process apps)."""
    runtime = ServiceRuntime(spec, settings, publisher, internal_transports)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        openapi_tags=spec.openapi_tags or None,
        docs_url="/docs" if settings.environment != "production" else None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    runtime.app_state = app.state
    app.state.context_verifier = runtime.context_verifier
    install_problem_handlers(app)
    include_indexed(app, [_ops_router(spec.name), *spec.routers])
    app.add_middleware(NulGuard)
    app.add_middleware(InternalKeyMiddleware, key=settings.internal_api_key)
    app.add_middleware(MetricsMiddleware, metrics=runtime.metrics)
    app.add_middleware(RequestIdMiddleware)
    instrument_app(app, spec.name, settings.otlp_endpoint)
    return app
