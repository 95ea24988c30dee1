"""The whole portal over real HTTP, for cross-service tests: six services and the gateway under uvicorn on free
ports, each service with its own PostgreSQL database, a real Tansu broker, and the notifications SMTP sink
receiving identity's e-mail. Services are imported by name, so this runtime package depends on none of them."""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from portal_runtime.context import generate_signing_key
from portal_runtime.testing.apps import serve_started
from portal_runtime.testing.infra import PostgresServer, TansuBroker, free_port, wait_for

SERVICES = {
    "identity": "identity",
    "business-registry": "business_registry",
    "delegation": "delegation",
    "ledger": "ledger",
    "rulings": "rulings",
    "notifications": "notifications",
}
FAST_EVENTS = {
    "relay_poll_interval_s": 0.05,
    "consumer_session_timeout_ms": 1000,
    "consumer_heartbeat_interval_ms": 100,
    "kafka_topic_partitions": 2,
}


@dataclass
class Portal:
    gateway: str
    client: httpx.AsyncClient
    urls: dict[str, str]
    apps: dict[str, Any] = field(default_factory=dict)
    servers: dict[str, tuple[uvicorn.Server, asyncio.Task[None]]] = field(default_factory=dict)

    async def stop(self, name: str) -> None:
        """Take one component down (its port then refuses connections)."""
        server, task = self.servers.pop(name)
        server.should_exit = True
        await task

    async def mailbox(self, to: str) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/sandbox/mailbox", params={"to": to})
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    def decision_feed_current(self) -> bool:
        """Whether the gateway's decision cache is answering (its invalidation consumer is caught up)."""
        feed = self.apps["gateway"].state.gateway.invalidation
        return feed is not None and bool(feed.is_current())

    def revocation_feed_current(self) -> bool:
        """Whether the gateway's revocation denylist is fed (its consumer of identity's events is caught up)."""
        guard = self.apps["gateway"].state.gateway.revocation
        return guard is not None and bool(guard.feed.is_current())

    async def latest_code(self, to: str, seen: int = 0) -> str:
        """The newest one-time code e-mailed to ``to`` among the messages that arrived after the first ``seen``.

        Other mail can arrive around the code (the security notice that a code was sent, for one), in either order,
        so the newest message is not necessarily the code's: the newest new message holding a code is."""
        return await wait_for(lambda: _new_code(self, to, seen), within=10)


_CODE = re.compile(r"\b(\d{6})\b")


async def _new_code(portal: Portal, to: str, seen: int) -> str | None:
    messages = await portal.mailbox(to)  # newest first
    for message in messages[: max(len(messages) - seen, 0)]:
        if match := _CODE.search(message["body"]):
            return match.group(1)
    return None


def _reserve_port() -> socket.socket:
    """A socket bound to a free local port, held until its server listens on it.

    Choosing a port and binding it later (``free_port``) races with the ephemeral ports of outgoing connections:
    under the full test suite one of them took a chosen port before uvicorn bound it, the stack failed to start, and
    uvicorn's SystemExit leaked into later tests."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _serve(app: Any, sock: socket.socket, **options: Any) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False, **options
        )
    )
    return server, await serve_started(server, port, [sock])


def service_settings(package: str, **values: Any) -> Any:
    config = importlib.import_module(f"{package}.config")
    fields = config.Settings.model_fields
    return config.Settings(**{k: v for k, v in values.items() if k in fields})


@asynccontextmanager
async def running_portal(
    postgres: PostgresServer, tansu: TansuBroker, **gateway_settings: Any
) -> AsyncIterator[Portal]:
    """The stack, up; ``gateway_settings`` override the gateway's (e.g. its decision cache)."""
    key = generate_signing_key("stack-context")
    internal_api_key = secrets.token_urlsafe(32)
    sockets = {name: _reserve_port() for name in [*SERVICES, "gateway"]}
    urls = {name: f"http://127.0.0.1:{sock.getsockname()[1]}" for name, sock in sockets.items()}
    internal_urls = {name: urls[name] for name in SERVICES}
    smtp_port = free_port()
    common = {
        **FAST_EVENTS,
        "environment": "test",
        "sandbox": True,
        "kafka_bootstrap_servers": tansu.bootstrap,
        "context_public_key": json.dumps(key.as_dict(private=False)),
        "internal_urls": internal_urls,
        "internal_api_key": internal_api_key,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_sink_enabled": True,
        "smtp_sink_port": smtp_port,
        "issuer": urls["gateway"],
    }
    servers: dict[str, tuple[uvicorn.Server, asyncio.Task[None]]] = {}
    apps: dict[str, Any] = {}
    try:
        # notifications first: it hosts the SMTP sink identity sends codes to.
        for name in ["notifications", *[s for s in SERVICES if s != "notifications"]]:
            package = SERVICES[name]
            database_url = await postgres.create_database(package)
            settings = service_settings(package, database_url=database_url, **common)
            app = importlib.import_module(f"{package}.main").create_app(settings)
            apps[name] = app
            servers[name] = await _serve(app, sockets[name])
        from portal_gateway.__main__ import uvicorn_options
        from portal_gateway.config import Settings as GatewaySettings
        from portal_gateway.main import create_app as create_gateway

        gateway_settings.setdefault("database_url", await postgres.create_database("gateway"))
        gateway_settings = GatewaySettings(
            environment="test",
            services=internal_urls,
            kafka_bootstrap_servers=tansu.bootstrap,
            context_private_key=json.dumps(key.as_dict(private=True)),
            token_issuer=urls["gateway"],
            internal_api_key=internal_api_key,
            **gateway_settings,
        )
        apps["gateway"] = create_gateway(gateway_settings)
        # Served as `python -m portal_gateway` serves it: the edge protocol (portal_gateway.edge), a shutdown grace.
        served_as = uvicorn_options(gateway_settings)
        servers["gateway"] = await _serve(
            apps["gateway"],
            sockets["gateway"],
            http=served_as["http"],
            timeout_graceful_shutdown=served_as["timeout_graceful_shutdown"],
        )
        async with httpx.AsyncClient(base_url=urls["gateway"], timeout=15) as client:
            yield Portal(gateway=urls["gateway"], client=client, urls=urls, apps=apps, servers=servers)
    finally:
        for server, _ in servers.values():
            server.should_exit = True
        for _, task in servers.values():
            await task
        for sock in sockets.values():
            sock.close()  # those of servers that never started (closing twice is harmless)
        await postgres.drop_all()
