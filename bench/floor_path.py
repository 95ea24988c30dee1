"""The floor of the gateway benchmark: the same two hops on the same parts, with nothing of ours on them.

``floor_gateway`` and ``floor_service`` are bare ASGI callables served by the same uvicorn (uvloop, httptools), the
gateway hop calling the service hop with the same aiohttp client pool as the gateway's (``portal_gateway.pools``),
the service hop reading delegation's database with the same SQL as delegation's employee read (its ``DriverQuery``,
compiled for asyncpg) on an asyncpg pool of the same size. What they do per request is what a warm gateway and a
warm service cannot avoid: the gateway looks the bearer token up among those it has verified, takes the context it
signed for it, and proxies; the service looks the context up among those it has verified, runs the read, and
answers its JSON. No FastAPI or Starlette, no middleware, no request id, access log, metrics, rate limit or
problem rendering, no validation or serialisation model.

It answers one question the ratio alone cannot: how much of the two hops' cost is the parts the stack is made of
(Python 3.11, uvicorn, aiohttp, asyncpg, PostgreSQL) and how much is what we put on them. It is not a product path.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

POOL_SIZE = 20  # delegation's (portal_runtime.db.POOL_SIZE)
CONNECTIONS_PER_UPSTREAM = 16  # the gateway's default (portal_gateway.config.Settings)


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _lifespan(startup: Callable[[], Awaitable[None]], shutdown: Callable[[], Awaitable[None]]) -> App:
    async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    return lifespan


class GrantRead:
    """Delegation's employee read (its ``DriverQuery``'s SQL, compiled for asyncpg) on an asyncpg pool of
    delegation's size, without a session reset at release (as delegation's pool: asyncpg's default reset is a
    round trip a query). The grant as its JSON fields, or None."""

    def __init__(self, dsn: str) -> None:
        from sqlalchemy.dialects import postgresql

        from delegation.employees.repository import _GRANTS_OF_TWO_USERS

        compiled = _GRANTS_OF_TWO_USERS.statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[attr-defined]
        self._sql, self._order = compiled.string, list(compiled.positiontup or ())
        self._dsn = dsn
        self._pool: Any = None

    async def open(self) -> None:
        import asyncpg

        async def no_reset(_connection: Any) -> None:
            pass

        self._pool = await asyncpg.create_pool(self._dsn, min_size=POOL_SIZE, max_size=POOL_SIZE, reset=no_reset)

    async def close(self) -> None:
        await self._pool.close()

    async def grant(self, subject: str, bn: str, user_id: str) -> dict[str, Any] | None:
        values = {"bn": bn, "first": subject, "second": user_id}
        async with self._pool.acquire() as connection:
            rows = await connection.fetch(self._sql, *[values[name] for name in self._order])
        grant = next((row for row in rows if row["user_id"] == user_id), None)
        if grant is None:
            return None
        return {
            "user_id": grant["user_id"],
            "bn": grant["bn"],
            "role": grant["role"],
            "all_programs": grant["all_programs"],
            "program_accounts": [row["bn15"] for row in rows if row["id"] == grant["id"] and row["bn15"]],
            "granted_at": grant["granted_at"],
        }


def floor_service(dsn: str, contexts: dict[str, str]) -> App:
    """``GET /v1/businesses/{bn}/employees/{user_id}``: the grant read, for callers whose context token is one
    of ``contexts`` (token -> subject)."""
    read = GrantRead(dsn)
    accepted = {token.encode(): subject for token, subject in contexts.items()}
    lifespan = _lifespan(read.open, read.close)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(scope, receive, send)
            return
        subject = accepted.get(_header(scope, b"x-portal-context") or b"")
        if subject is None:
            await _answer(send, 401, b'{"code":"unauthenticated"}')
            return
        _, _, _, bn, _, user_id = scope["path"].split("/", 5)
        grant = await read.grant(subject, bn, user_id)
        if grant is None:
            await _answer(send, 404, b'{"code":"not_found"}')
            return
        await _answer(send, 200, json.dumps(grant | {"granted_at": grant["granted_at"].isoformat()}).encode())

    return app


def floor_gateway(upstream: str, tokens: dict[str, str]) -> App:
    """Proxies every request to ``upstream`` for callers whose bearer token is one of ``tokens`` (token -> the
    context token signed for it)."""
    import aiohttp

    sessions: list[aiohttp.ClientSession] = []
    contexts = {f"Bearer {token}".encode(): context for token, context in tokens.items()}

    async def startup() -> None:
        connector = aiohttp.TCPConnector(limit_per_host=CONNECTIONS_PER_UPSTREAM)
        sessions.append(aiohttp.ClientSession(connector=connector, auto_decompress=False))

    async def shutdown() -> None:
        await sessions[0].close()

    lifespan = _lifespan(startup, shutdown)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(scope, receive, send)
            return
        context = contexts.get(_header(scope, b"authorization") or b"")
        if context is None:
            await _answer(send, 401, b'{"code":"unauthenticated"}')
            return
        async with sessions[0].get(upstream + scope["path"], headers={"x-portal-context": context}) as response:
            body = await response.read()
            status = response.status
        await _answer(send, status, body)

    return app
