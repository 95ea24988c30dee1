"""Running an ASGI app in process with its lifespan (API tests), or under uvicorn on a port (outage tests)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient


@asynccontextmanager
async def running(app: FastAPI, base_url: str = "http://test") -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    async with app.router.lifespan_context(app):
        async with AsyncClient(transport=ASGITransport(app=app), base_url=base_url) as client:
            yield app, client


async def serve_started(server: Any, port: int, sockets: list[Any] | None = None) -> asyncio.Task[None]:
    """Runs a ``uvicorn.Server`` in a task until it has started (on ``sockets`` if given, else its configured port).
    A server that cannot start is a RuntimeError naming the port, not uvicorn's SystemExit reaching the test
    runner (e.g. the port was taken meanwhile)."""
    from portal_runtime.testing.infra import wait_for

    task = asyncio.create_task(server.serve(sockets=sockets))
    await wait_for(lambda: server.started or task.done(), within=30)
    if task.done():
        try:
            task.result()
        except SystemExit as exc:
            raise RuntimeError(f"the app did not start on port {port} (uvicorn exit {exc.code})") from None
        raise RuntimeError(f"the app stopped as it started on port {port}")
    return task


def serve_in_thread(app: Any) -> tuple[Any, threading.Thread, str]:
    """Runs ``app`` under uvicorn in a thread of its own until it has started, for blocking callers (schemathesis):
    the server (set ``should_exit`` to stop it), its thread, and its URL."""
    import uvicorn

    from portal_runtime.testing.infra import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, f"the app did not start on port {port}"
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


class Served:
    """An app under uvicorn on a fixed local port that a test can stop (the port then refuses connections) and
    start again, as a service process going down and coming back."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        from portal_runtime.testing.infra import free_port

        self.app = app
        self.port = port or free_port()
        self._server: Any = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._task = await serve_started(self._server, self.port)

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None

    async def __aenter__(self) -> Served:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()
