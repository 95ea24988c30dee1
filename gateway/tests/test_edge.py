"""The gateway's connections: a request head must come within a time and a size (portal_gateway.edge), on a real
uvicorn server and raw sockets, since that is below anything an HTTP client lets a test send."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from portal_gateway.__main__ import uvicorn_options
from portal_gateway.config import Settings
from portal_gateway.edge import EdgeHttpProtocol, edge_protocol, head_backstop_bytes
from portal_gateway.edge_metrics import EdgeRefusals
from portal_gateway.main import create_app
from portal_runtime.testing.apps import serve_started
from portal_runtime.testing.infra import free_port

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import StackFactory

URL_LIMIT = 1024
HEADER_LIMIT = 2048
BACKSTOP = head_backstop_bytes(URL_LIMIT, HEADER_LIMIT)
TIMEOUT_S = 0.4


class Echo:
    """An app that reads the body (after ``read_after_s``), says how many header bytes (names and values) and body
    bytes it was given, and keeps its calls and the receive events it got."""

    def __init__(self, read_after_s: float = 0.0) -> None:
        self.calls = 0
        self.events: list[str] = []
        self.read_after_s = read_after_s

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.calls += 1
        await asyncio.sleep(self.read_after_s)
        received, more = 0, True
        while more:
            message = await receive()
            self.events.append(message["type"])
            if message["type"] == "http.disconnect":
                break
            received += len(message.get("body", b""))
            more = message.get("more_body", False)
        size = sum(len(name) + len(value) for name, value in scope["headers"])
        body = json.dumps({"header_bytes": size, "path": scope["path"], "body_bytes": received}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def edge_server(
    timeout_s: float = TIMEOUT_S,
    keep_alive_s: float = 5,
    protocol: type[EdgeHttpProtocol] | None = None,
    app: Echo | None = None,
) -> AsyncIterator[tuple[Echo, int]]:
    app = app or Echo()
    port = free_port()
    protocol = protocol or edge_protocol(URL_LIMIT, HEADER_LIMIT, timeout_s, body_timeout_s=timeout_s)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="critical",
        http=protocol,
        timeout_keep_alive=keep_alive_s,  # type: ignore[arg-type]  # typed int; any number of seconds works
    )
    server = uvicorn.Server(config)
    task = await serve_started(server, port)
    try:
        yield app, port
    finally:
        server.should_exit = True
        await task


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length: status, headers (lower-cased names), body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
    headers = dict((name.lower(), value.strip()) for name, value in (line.split(":", 1) for line in lines))
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 5)
    return int(status_line.split()[1]), headers, body


async def closed(reader: asyncio.StreamReader, within: float) -> bool:
    """Whether the server closed the connection within ``within`` seconds (EOF, or a reset)."""
    try:
        return await asyncio.wait_for(reader.read(1), within) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def tiny_headers(total: int) -> bytes:
    """Header lines of the worst shape for the wire (``a:\\r\\n``, empty values) whose names and values make
    ``total`` bytes, as RequestHeadLimits counts them (the ``host`` header included)."""
    host = b"host: x\r\n"  # 5 bytes counted
    return host + b"a:\r\n" * (total - len("hostx"))


async def test_a_connection_that_sends_nothing_is_closed_silently_after_the_head_timeout() -> None:
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert not await closed(reader, TIMEOUT_S / 2)  # still waiting for a request
        assert await closed(reader, TIMEOUT_S * 5)
        writer.close()
    assert app.calls == 0


async def test_half_a_head_gets_a_408_problem_and_the_connection_is_closed() -> None:
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        status, headers, body = await read_response(reader)
        assert await closed(reader, 2)
        writer.close()

    problem = json.loads(body)
    assert (status, headers["content-type"], headers["connection"]) == (408, "application/problem+json", "close")
    assert (problem["status"], problem["code"], problem["timeout_s"]) == (408, "request_timeout", TIMEOUT_S)
    assert problem["request_id"] == headers["x-request-id"] and problem["request_id"]
    assert app.calls == 0


async def test_a_trickled_head_cannot_outlast_the_timeout() -> None:
    """A head sent a byte at a time, each well within the timeout, still has the one timeout for the whole of it."""
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer: list[bytes] = []

        async def trickle() -> None:
            for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
                if writer.is_closing():
                    return
                writer.write(bytes([byte]))
                await asyncio.sleep(TIMEOUT_S / 8)

        sender = asyncio.create_task(trickle())
        answer.append(await asyncio.wait_for(reader.readuntil(b"\r\n"), TIMEOUT_S * 10))
        sender.cancel()
        writer.close()
    assert answer[0].startswith(b"HTTP/1.1 408 ")
    assert app.calls == 0


async def test_a_head_over_the_backstop_is_a_431_problem_and_is_not_read_further() -> None:
    async with edge_server(timeout_s=10) as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (BACKSTOP + 1))
        status, headers, body = await read_response(reader)
        assert await closed(reader, 2)
        writer.close()

    problem = json.loads(body)
    assert (status, headers["connection"]) == (431, "close")
    assert (problem["code"], problem["limit_bytes"]) == ("request_header_fields_too_large", BACKSTOP)
    assert "aaaa" not in body.decode()
    assert app.calls == 0


class FedBytes:
    """Wraps a connection's parser to count the bytes it is fed."""

    total = 0

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    def feed_data(self, data: bytes) -> None:
        FedBytes.total += len(data)
        self.parser.feed_data(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.parser, name)


class CountingProtocol(edge_protocol(URL_LIMIT, HEADER_LIMIT, 10)):  # type: ignore[misc]
    parser: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parser = FedBytes(self.parser)


async def test_a_huge_header_is_refused_without_being_buffered_and_a_client_still_sending_reads_the_answer() -> None:
    """20 MB of header (measured without the bound: uvicorn handed all of it to the app): the parser is fed the
    backstop and one read more at most, the rest is dropped unread, and the client, sending all along, gets the
    431 rather than a reset."""
    FedBytes.total = 0
    async with edge_server(protocol=CountingProtocol) as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        for _ in range(20 * 16):
            writer.write(b"a" * 65536)
            await asyncio.wait_for(writer.drain(), 5)
        status, headers, _body = await read_response(reader)
        assert await closed(reader, CountingProtocol.linger_s + 2)
        writer.close()
    assert (status, headers["connection"]) == (431, "close")
    assert FedBytes.total <= BACKSTOP + 256 * 1024
    assert app.calls == 0


async def test_every_head_the_asgi_limits_accept_passes_the_backstop() -> None:
    """The worst wire shape of a head at the ASGI limits (the longest target, the most empty headers) reaches the
    app, so the answers users meet stay the logged and counted 414/431 of RequestHeadLimits."""
    target = b"/" + b"a" * (URL_LIMIT - 1)
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET " + target + b" HTTP/1.1\r\n" + tiny_headers(HEADER_LIMIT) + b"\r\n")
        status, _headers, body = await read_response(reader)
        writer.close()
    assert status == 200
    assert json.loads(body)["header_bytes"] == HEADER_LIMIT
    assert app.calls == 1


async def test_kept_alive_connections_get_a_fresh_budget_for_each_request() -> None:
    """Each request of a kept-alive connection has its own head budget (time and bytes), counted from its first
    byte: idle time between requests is the keep-alive timeout's business, not the head timeout's."""
    async with edge_server(keep_alive_s=30) as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        big_head = b"GET /%d HTTP/1.1\r\n" + tiny_headers(HEADER_LIMIT) + b"\r\n"
        statuses = []
        for n in range(4):  # together far over the backstop, each under it
            writer.write(big_head % n)
            statuses.append((await read_response(reader))[0])
            await asyncio.sleep(TIMEOUT_S * 0.75)  # together longer than the head timeout
        writer.write(b"GET /late HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # then half a head
        status, _headers, body = await read_response(reader)
        writer.close()
    assert statuses == [200, 200, 200, 200]
    assert (status, json.loads(body)["code"]) == (408, "request_timeout")
    assert app.calls == 4


async def test_a_request_with_a_body_is_served_whole() -> None:
    """The body is not the head: bytes after the head are not counted against it (bodies have their own limit)."""
    body = b"x" * (BACKSTOP * 2)
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        status, _headers, answer = await read_response(reader)
        writer.write(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        after, _headers, _answer = await read_response(reader)
        writer.close()
    assert (status, json.loads(answer)["path"], after) == (200, "/upload", 200)
    assert app.calls == 2


async def test_a_stalled_body_gets_a_408_problem_and_its_app_sees_the_client_gone() -> None:
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b'{"username":')
        status, headers, body = await read_response(reader)
        assert await closed(reader, 2)
        writer.close()
        await asyncio.sleep(0.05)

    problem = json.loads(body)
    assert (status, headers["connection"]) == (408, "close")
    assert (problem["code"], problem["part"], problem["timeout_s"]) == ("request_timeout", "body", TIMEOUT_S)
    assert "Nothing was done" in problem["detail"]
    assert (app.calls, app.events) == (1, ["http.request", "http.disconnect"])


async def test_a_chunked_body_that_stalls_is_timed_out_too() -> None:
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        status, _headers, body = await read_response(reader)
        writer.close()
    assert (status, json.loads(body)["part"]) == (408, "body")
    assert app.events[-1] == "http.disconnect"


async def test_a_slow_body_that_keeps_coming_is_served_however_long_it_takes() -> None:
    """The timeout is on pauses, not on the whole body: ten pieces, each within it, together far longer."""
    async with edge_server() as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        for _ in range(10):  # a piece every quarter timeout: a loaded machine's late wake-ups stay within it
            await asyncio.sleep(TIMEOUT_S / 4)
            writer.write(b"x")
        status, _headers, body = await read_response(reader)
        writer.close()
    assert (status, json.loads(body)["body_bytes"]) == (200, 10)
    assert app.events[-1] == "http.request"  # the whole body, never a disconnect


async def test_time_the_server_is_not_reading_is_not_the_clients_stall() -> None:
    """An app slower than the client (here it reads nothing for five timeouts): uvicorn stops reading past 64 KiB,
    and the client, blocked, is not timed out for it."""
    body = b"x" * (1024 * 1024)
    async with edge_server(app=Echo(read_after_s=TIMEOUT_S * 5)) as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        status, _headers, answer = await read_response(reader)
        writer.close()
    assert (status, json.loads(answer)["body_bytes"]) == (200, len(body))
    assert app.events[-1] == "http.request"  # the whole body, never a disconnect


async def test_a_client_waiting_for_its_100_continue_is_not_stalling() -> None:
    async with edge_server(app=Echo(read_after_s=TIMEOUT_S * 3)) as (app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT_S * 10)
        writer.write(b"hello")
        status, _headers, answer = await read_response(reader)
        writer.close()
    assert interim.startswith(b"HTTP/1.1 100 ")
    assert (status, json.loads(answer)["body_bytes"]) == (200, 5)
    assert app.events[-1] == "http.request"  # the whole body, never a disconnect


async def test_a_stalled_request_holds_a_shutdown_no_longer_than_the_grace() -> None:
    """uvicorn's default shutdown waits for every request in flight, a stalled one included (found when a test stack
    would not stop); the gateway's grace bounds it."""
    app, port = Echo(), free_port()
    protocol = edge_protocol(URL_LIMIT, HEADER_LIMIT, 60, body_timeout_s=60)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="critical",
        http=protocol,
        timeout_graceful_shutdown=0.5,  # type: ignore[arg-type]  # typed int; any number of seconds works
    )
    server = uvicorn.Server(config)
    task = await serve_started(server, port)
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
    await asyncio.sleep(0.2)
    server.should_exit = True
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(task, 10)
    writer.close()
    assert asyncio.get_running_loop().time() - started < 3
    assert app.calls == 1


def test_the_gateway_is_served_with_the_edge_protocol_and_its_settings() -> None:
    settings = Settings(
        max_url_bytes=4096,
        max_header_bytes=16384,
        request_head_timeout_s=7.5,
        request_body_timeout_s=12.5,
        shutdown_grace_s=9.0,
    )
    options = uvicorn_options(settings)
    protocol = options["http"]
    assert options["timeout_graceful_shutdown"] == 9.0
    assert issubclass(protocol, EdgeHttpProtocol)
    assert (protocol.max_head_bytes, protocol.head_timeout_s, protocol.body_timeout_s) == (
        4096 + 4 * 16384 + 1024,
        7.5,
        12.5,
    )


async def test_the_gateways_refusals_at_its_edge_are_counted_by_reason(make_stack: StackFactory) -> None:
    """The real gateway app under uvicorn as ``python -m portal_gateway`` serves it: what its connections refuse
    before the app has a request never reaches the access log or the latency histograms, so it has its own counter
    (the app hands it to the connections in its lifespan state)."""
    async with make_stack() as stack:
        settings = stack.settings.model_copy(
            update={"max_url_bytes": URL_LIMIT, "max_header_bytes": HEADER_LIMIT}
            | {"request_head_timeout_s": TIMEOUT_S, "request_body_timeout_s": TIMEOUT_S}
        )
        port = free_port()
        options = uvicorn_options(settings) | {"host": "127.0.0.1", "port": port, "log_level": "critical"}
        server = uvicorn.Server(uvicorn.Config(create_app(settings, transport=stack.transport), **options))
        task = await serve_started(server, port)
        try:
            refused = {"before": await edge_refusals(port)}
            # idle_connection: nothing sent.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert await closed(reader, TIMEOUT_S * 5)
            writer.close()
            # head_timeout, twice: half a head.
            for _ in range(2):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                assert (await read_response(reader))[0] == 408
                writer.close()
            # head_too_large.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (BACKSTOP + 1))
            assert (await read_response(reader))[0] == 431
            writer.close()
            # body_timeout: a sign-up (proxied to identity, its body streamed) whose body stops coming.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            head = b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            writer.write(head + b'Content-Length: 100\r\n\r\n{"username":')
            status, _headers, body = await read_response(reader)
            assert (status, json.loads(body)["part"]) == (408, "body")
            writer.close()
            refused["after"] = await edge_refusals(port)
        finally:
            server.should_exit = True
            await task

    assert refused["before"] == dict.fromkeys(EdgeRefusals.REASONS, 0.0)  # every series there from the start
    assert refused["after"] == {"idle_connection": 1.0, "head_timeout": 2.0, "head_too_large": 1.0} | {
        "body_timeout": 1.0
    }


async def edge_refusals(port: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        text = (await client.get("/metrics")).text
    return {
        reason: float(value)
        for reason, value in re.findall(r'^gateway_edge_refusals_total\{reason="(\w+)"\} (\S+)$', text, re.M)
    }
