"""The request id middleware is the services' (and the gateway's) last guard: whatever escapes the handling of a
request is answered with the 500 problem carrying the request id, except a real cancellation of the request and
the exceptions that stop the process, which go on to the server unchanged."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from starlette.types import Message

from portal_runtime.problems import install_problem_handlers
from portal_runtime.requestid import RequestIdMiddleware


def guarded_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    return app


def scope_for(path: str) -> dict[str, Any]:
    """The ASGI scope of ``GET path``, for calls that must run the app in a task of the test's own."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"x-request-id", b"req-cancel01")],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }


async def no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def test_a_stray_cancellation_is_a_500_problem_carrying_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    app = guarded_app()

    @app.get("/stray")
    async def stray() -> None:
        # A task the request awaits, cancelled by something else: gather raises CancelledError in the request's
        # task, which nobody cancelled.
        elsewhere = asyncio.create_task(asyncio.sleep(60))
        elsewhere.cancel()
        await asyncio.gather(elsewhere)

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        with caplog.at_level(logging.ERROR, logger="portal_runtime.requestid"):
            response = await client.get("/stray", headers={"x-request-id": "req-stray123"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-stray123"
    assert (response.json()["code"], response.json()["request_id"]) == ("internal_error", "req-stray123")
    [logged] = [r for r in caplog.records if "req-stray123" in r.getMessage()]
    assert logged.exc_info is not None and logged.exc_info[0] is asyncio.CancelledError


async def test_a_cancellation_of_the_request_goes_on_to_the_server() -> None:
    app = guarded_app()
    reached = asyncio.Event()

    @app.get("/slow")
    async def slow() -> None:
        reached.set()
        await asyncio.sleep(60)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    request = asyncio.create_task(app(scope_for("/slow"), no_body, send))
    await reached.wait()
    request.cancel()  # as the server does at shutdown, or a timeout around the request

    with pytest.raises(asyncio.CancelledError):
        await request
    assert sent == []  # no answer: the server sees the cancellation


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, GeneratorExit])
async def test_exceptions_that_stop_the_process_go_on_to_the_server(stop: type[BaseException]) -> None:
    app = guarded_app()

    @app.get("/stop")
    async def stopping() -> None:
        raise stop()

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(stop):
        await app(scope_for("/stop"), no_body, send)
    assert sent == []
