"""A real gateway in front of real (small) services, all in process.

- identity: the real service app (SQLite in tmp_path), so tokens and the JWKS are the real ones;
- ledger: a tiny FastAPI app declaring its access the way services do and echoing the context it verified;
- delegation: a tiny decision app answering from a dict of grants the test fills.

Upstream calls go through :class:`AppRouter`: known hosts reach the in-process apps, any other URL (a closed
port, a silent server) goes over the real network, so failure tests exercise real sockets.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from joserfc.jwk import OKPKey
from opentelemetry import context as otel_context
from sqlalchemy import update

from identity.config import Settings as IdentitySettings
from identity.keys.models import SigningKey
from identity.main import create_app as create_identity_app
from portal_gateway.config import Settings
from portal_gateway.decisions import Decision, DecisionRequest
from portal_gateway.main import KEEPALIVE_EXPIRY_S, create_app
from portal_gateway.pools import HttpxUpstream, UpstreamAnswer, UpstreamTransport
from portal_runtime.access import Acting, access
from portal_runtime.context import ContextVerifier, CurrentContext, generate_signing_key
from portal_runtime.messaging import utcnow
from portal_runtime.problems import NotFound, install_problem_handlers

BN = "123456789"
OTHER_BN = "987654321"
BN15 = f"{BN}RM0001"
USER = "user-42"
IDENTITY_URL = "http://identity.test"
LEDGER_URL = "http://ledger.test"
DELEGATION_URL = "http://delegation.test"
DOCUMENTS_MAX_BODY_BYTES = 3000


@dataclass
class Grants:
    """Delegation's answers by (user, business), and every question it was asked."""

    decisions: dict[tuple[str, str], Decision] = field(default_factory=dict)
    asked: list[DecisionRequest] = field(default_factory=list)
    failing_with: int | None = None

    def grant(self, user: str, business: str, scopes: list[str], **fields: Any) -> None:
        fields.setdefault("role", "editor")
        self.decisions[(user, business)] = Decision(allow=True, reason="employee", scopes=scopes, **fields)


def delegation_app(grants: Grants) -> FastAPI:
    app = FastAPI()

    @app.post("/internal/decisions")
    async def decide(question: DecisionRequest) -> Response:
        grants.asked.append(question)
        if grants.failing_with is not None:
            return JSONResponse({"detail": "broken"}, status_code=grants.failing_with)
        decision = grants.decisions.get((question.user_id, question.business))
        decision = decision or Decision(allow=False, reason="You are not associated with this business.")
        return JSONResponse(decision.model_dump())

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _echo(request: Request, context: Any = None) -> dict[str, Any]:
    body = await request.body()
    return {
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "body": body.decode(),
        "headers": [[k, v] for k, v in request.headers.items()],
        "context": context.model_dump() if context is not None else None,
    }


def ledger_app(context_key: OKPKey) -> FastAPI:
    """An upstream service: access declared per route, the verified internal context echoed back."""
    app = FastAPI()
    app.state.context_verifier = ContextVerifier(OKPKey.import_key(context_key.as_dict(private=False)))
    app.state.seen = []
    install_problem_handlers(app)

    @app.middleware("http")
    async def record(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        app.state.seen.append(request.url.path)
        return await call_next(request)

    # Literal before parameter: Starlette matches in declaration order, the gateway by specificity.
    @app.get("/v1/businesses/lookup", openapi_extra=access(Acting.PUBLIC))
    async def lookup(request: Request) -> dict[str, Any]:
        return {"route": "lookup", **await _echo(request)}

    @app.get("/v1/businesses/{bn}", openapi_extra=access(Acting.BUSINESS, "business_profile:read"))
    async def business(bn: str, request: Request, context: CurrentContext) -> dict[str, Any]:
        return {"route": "business", **await _echo(request, context)}

    @app.get("/v1/businesses/{bn}/balance", openapi_extra=access(Acting.BUSINESS, "financial:read"))
    async def balance(bn: str, request: Request, context: CurrentContext) -> dict[str, Any]:
        return {"route": "balance", **await _echo(request, context)}

    @app.post("/v1/businesses/{bn}/payments", openapi_extra=access(Acting.BUSINESS, "payments:write"))
    async def pay(bn: str, request: Request, context: CurrentContext) -> Response:
        echoed = {"route": "payments", **await _echo(request, context)}
        headers = {"Location": f"/v1/businesses/{bn}/payments/1", "X-Ledger": "yes", "Keep-Alive": "timeout=5"}
        return JSONResponse(echoed, status_code=201, headers=headers)

    # An upload: a larger body than the gateway's default is declared by the operation itself.
    @app.post(
        "/v1/businesses/{bn}/documents",
        openapi_extra=access(Acting.BUSINESS, "rulings:write", max_body_bytes=DOCUMENTS_MAX_BODY_BYTES),
    )
    async def upload(bn: str, request: Request, context: CurrentContext) -> Response:
        return JSONResponse({"route": "documents", **await _echo(request, context)}, status_code=201)

    @app.get(
        "/v1/businesses/{bn}/program-accounts/{bn15}/transactions",
        openapi_extra=access(Acting.PROGRAM_ACCOUNT, "financial:read"),
    )
    async def transactions(bn: str, bn15: str, request: Request, context: CurrentContext) -> dict[str, Any]:
        return {"route": "transactions", **await _echo(request, context)}

    @app.get("/v1/me/statements", openapi_extra=access(Acting.SELF))
    async def my_statements(request: Request, context: CurrentContext) -> dict[str, Any]:
        return {"route": "me", **await _echo(request, context)}

    @app.get("/v1/me/payment-reminders", openapi_extra=access(Acting.SELF, "payments:read"))
    async def my_reminders(request: Request, context: CurrentContext) -> dict[str, Any]:
        return {"route": "reminders", **await _echo(request, context)}

    @app.get("/v1/tariff/items/{code}", openapi_extra=access(Acting.PUBLIC))
    async def tariff_item(code: str) -> dict[str, str]:
        raise NotFound(f"No tariff item {code}.", code="tariff_item_not_found")

    @app.get("/internal/ledger/proof-check", openapi_extra=access(Acting.PUBLIC))
    async def internal_check() -> dict[str, str]:
        return {"route": "internal"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app


class AppRouter(httpx.AsyncBaseTransport):
    """In-process apps by host; anything else over the real network. Counts requests per host."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self._apps = {httpx.URL(url).host: httpx.ASGITransport(app) for url, app in apps.items()}
        # The gateway's own transport (portal_gateway.pools), as in production.
        self._network = UpstreamTransport(
            connections_per_upstream=16, max_connections=512, keepalive_expiry_s=KEEPALIVE_EXPIRY_S
        )
        self.requests: list[httpx.Request] = []

    def count(self, host_url: str, path: str | None = None) -> int:
        host = httpx.URL(host_url).host
        return sum(1 for r in self.requests if r.url.host == host and (path is None or r.url.path == path))

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
        timeouts: Mapping[str, float | None],
    ) -> UpstreamAnswer:
        """The proxy's way in (portal_gateway.pools.Upstream): a real server is reached as in production, straight
        on the pool; an in-process app through httpx, as any other transport."""
        if httpx.URL(url).host in self._apps:
            return await HttpxUpstream(self).send(method, url, headers, body, timeouts)
        self.requests.append(httpx.Request(method, url, headers=headers))
        return await self._network.send(method, url, headers, body, timeouts)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        transport = self._apps.get(request.url.host)
        if transport is None:
            return await self._network.handle_async_request(request)
        # As in a process of its own, the app sees no trace context but the one the request carries (traceparent).
        token = otel_context.attach(otel_context.Context())
        try:
            return await transport.handle_async_request(request)
        finally:
            otel_context.detach(token)

    async def aclose(self) -> None:
        await self._network.aclose()


@dataclass
class Stack:
    """The running stack as a test sees it, with the identifiers and helpers tests share."""

    bn: ClassVar[str] = BN
    other_bn: ClassVar[str] = OTHER_BN
    bn15: ClassVar[str] = BN15
    user: ClassVar[str] = USER

    client: httpx.AsyncClient
    gateway: FastAPI
    identity: FastAPI
    ledger: FastAPI
    grants: Grants
    transport: AppRouter
    settings: Settings
    context_key: OKPKey

    def token(self, subject: str = USER, scopes: list[str] | None = None, **extra: Any) -> str:
        return self.identity.state.keys.issue_access_token(  # type: ignore[no-any-return]
            subject, scopes=scopes if scopes is not None else [], **extra
        )

    def bearer(self, subject: str = USER, scopes: list[str] | None = None, **extra: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(subject, scopes, **extra)}"}

    async def rotate_identity_key(self) -> str:
        """Retires identity's signing key and makes a new one, as a key rotation does; returns the new kid."""
        runtime = self.identity.state.runtime
        async with runtime.sessions() as session, session.begin():
            await session.execute(update(SigningKey).values(retired_at=utcnow()))
            key = await self.identity.state.keys.ensure_active_key(session)
        return str(key.kid)

    @staticmethod
    def problem(response: httpx.Response) -> dict[str, Any]:
        """The problem body, after checking it is one."""
        assert response.headers["content-type"].startswith("application/problem+json"), response.text
        body: dict[str, Any] = response.json()
        assert body["status"] == response.status_code
        return body

    @staticmethod
    def received_headers(echo: dict[str, Any]) -> dict[str, list[str]]:
        """The headers the upstream received, by name (all values kept)."""
        headers: dict[str, list[str]] = {}
        for name, value in echo["headers"]:
            headers.setdefault(name, []).append(value)
        return headers


# ``make_stack``'s type: ``async with make_stack(**gateway_settings) as stack``.
StackFactory = Callable[..., AbstractAsyncContextManager[Stack]]


def write_contracts(directory: Path, documents: dict[str, dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for service, document in documents.items():
        (directory / f"{service}.json").write_text(json.dumps(document))
    return directory


@asynccontextmanager
async def running_stack(
    tmp_path: Path, identity_kafka: str = "127.0.0.1:1", publisher: Any = None, **overrides: Any
) -> AsyncIterator[Stack]:
    """The whole in-process stack; ``overrides`` are gateway settings (e.g. a service URL to a closed port);
    ``publisher`` receives the gateway's events (else its relay tries the broker)."""
    identity = create_identity_app(
        IdentitySettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/identity.db",
            relay_enabled=False,
            consumers_enabled=False,
            environment="test",
            kafka_bootstrap_servers=identity_kafka,
        )
    )
    context_key = generate_signing_key("gateway-test")
    grants = Grants()
    ledger = ledger_app(context_key)
    delegation = delegation_app(grants)
    contracts = write_contracts(
        tmp_path / "openapi",
        {"identity": identity.openapi(), "ledger": ledger.openapi(), "delegation": delegation.openapi()},
    )
    transport = AppRouter({IDENTITY_URL: identity, LEDGER_URL: ledger, DELEGATION_URL: delegation})
    values: dict[str, Any] = {
        "environment": "test",
        "services": {"identity": IDENTITY_URL, "ledger": LEDGER_URL, "delegation": DELEGATION_URL},
        "contracts_dir": contracts,
        "context_private_key": json.dumps(context_key.as_dict(private=True)),
        "kafka_bootstrap_servers": "127.0.0.1:1",
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
        "outage_poll_interval_s": 0,  # tests that need the health poller turn it on
        **overrides,
    }
    settings = Settings(**values)
    gateway = create_app(settings, transport=transport, publisher=publisher)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(identity.router.lifespan_context(identity))
        await stack.enter_async_context(gateway.router.lifespan_context(gateway))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gateway.test")
        )
        stack.push_async_callback(transport.aclose)
        yield Stack(client, gateway, identity, ledger, grants, transport, settings, context_key)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


@pytest.fixture
def make_stack(tmp_path: Path) -> StackFactory:
    """``async with make_stack(read_timeout_s=0.5, ...) as stack``: the stack with other gateway settings."""
    return functools.partial(running_stack, tmp_path)


ConnectionHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _tcp_server(on_connect: ConnectionHandler) -> AsyncIterator[str]:
    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A real server that accepts connections and reads, but never answers (a hung service)."""
    release = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await release.wait()
        writer.close()

    async with _tcp_server(hang) as url:
        yield url
        release.set()


@pytest.fixture
async def garbage_server() -> AsyncIterator[str]:
    """A real server answering every request with bytes that are not HTTP."""

    async def babble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"this is not HTTP at all\r\n\r\n")
        await writer.drain()
        writer.close()

    async with _tcp_server(babble) as url:
        yield url


@pytest.fixture
async def short_body_server() -> AsyncIterator[str]:
    """A real server whose answer announces 100 bytes of body, sends 10 and closes the connection."""

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"partial"')
        await writer.drain()
        writer.close()

    async with _tcp_server(cut) as url:
        yield url
