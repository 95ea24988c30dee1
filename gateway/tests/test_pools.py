"""The transport to the upstream services (aiohttp's pool under httpx), against real sockets: per-upstream caps,
failures classed by whether the request may have been delivered, and requests and answers passed through as
they are."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from portal_gateway.config import Settings
from portal_gateway.main import new_http_client
from portal_gateway.pools import HttpxUpstream, UpstreamTransport, upstream

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server, url = await _serve(handler)
        servers.append(server)
        return url

    yield start
    for server in servers:
        server.close()


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """The request head and its body (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    if b"content-length:" in lower:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        return head, await reader.readexactly(length)
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return head, body
            body += chunk[:-2]
    return head, b""


@pytest.fixture
async def answering_server(serve: Callable[[Handler], Awaitable[str]]) -> str:
    """Answers every request with a small 200, keeping the connection open."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await _read_request(reader)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return await serve(answer)


async def test_a_hung_service_exhausts_only_its_own_connections(silent_server: str, answering_server: str) -> None:
    settings = Settings(environment="test", connections_per_upstream=2, read_timeout_s=5.0)
    async with new_http_client(settings) as http:
        assert isinstance(http._transport, UpstreamTransport)
        hung = [asyncio.create_task(http.get(f"{silent_server}/slow")) for _ in range(2)]
        await asyncio.sleep(0.2)  # both connections of the hung service are taken

        # Its third request waits for one of its two connections, and is not delivered...
        with pytest.raises(httpx.ConnectTimeout):
            await http.get(f"{silent_server}/slow", timeout=httpx.Timeout(5.0, pool=0.3, connect=0.1))
        # ...while another service answers at once, on connections of its own.
        answered = await asyncio.gather(*(http.get(f"{answering_server}/fast", timeout=2.0) for _ in range(5)))
        assert [r.status_code for r in answered] == [200] * 5
        for task in hung:
            task.cancel()
        await asyncio.gather(*hung, return_exceptions=True)


async def test_requests_beyond_the_connections_are_served_in_order_of_arrival(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    seen: list[str] = []
    release_first = asyncio.Event()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, _ = await _read_request(reader)
                path = head.split(b" ")[1].decode()
                seen.append(path)
                if path == "/first":
                    await release_first.wait()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    url = await serve(answer)
    async with new_http_client(Settings(environment="test", connections_per_upstream=1)) as http:
        first = asyncio.create_task(http.get(f"{url}/first"))
        await asyncio.sleep(0.1)  # the only connection is taken
        waiting = []
        for name in ("second", "third", "fourth"):
            waiting.append(asyncio.create_task(http.get(f"{url}/{name}")))
            await asyncio.sleep(0.01)
        release_first.set()
        answered = await asyncio.gather(first, *waiting)
        newcomer = await http.get(f"{url}/fifth")

        assert [r.status_code for r in [*answered, newcomer]] == [200] * 5
        assert seen == ["/first", "/second", "/third", "/fourth", "/fifth"]
        # Every answer closed gave its turn back: the gate is open again for one request.
        assert [gate._value for gate in http._transport._gates.values()] == [1]  # type: ignore[attr-defined]


async def test_connections_are_reused(serve: Callable[[Handler], Awaitable[str]]) -> None:
    connections = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                await _read_request(reader)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    url = await serve(answer)
    async with new_http_client(Settings(environment="test")) as http:
        for _ in range(20):
            assert (await http.get(f"{url}/again")).text == "ok"
    assert connections == 1


async def test_a_refused_connection_is_a_connect_error() -> None:
    server, url = await _serve(lambda reader, writer: asyncio.sleep(0))
    server.close()
    await server.wait_closed()
    async with new_http_client(Settings(environment="test")) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{url}/gone")


async def test_no_answer_in_time_is_a_read_timeout(silent_server: str) -> None:
    async with new_http_client(Settings(environment="test")) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"{silent_server}/slow", timeout=httpx.Timeout(0.3))


async def test_a_service_hanging_up_after_the_request_is_not_a_connect_error(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    # The request may have been acted on: classing it as "not delivered" would let the store-and-forward queue
    # send it twice.
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.close()

    url = await serve(hang_up)
    async with new_http_client(Settings(environment="test")) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(f"{url}/declarations", json={"n": 1})


async def test_a_truncated_body_fails_while_streaming(serve: Callable[[Handler], Awaitable[str]]) -> None:
    async def truncate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
        await writer.drain()
        writer.close()

    url = await serve(truncate)
    async with new_http_client(Settings(environment="test")) as http:
        async with http.stream("GET", f"{url}/big") as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                await response.aread()


async def test_requests_and_answers_pass_through_as_they_are(serve: Callable[[Handler], Awaitable[str]]) -> None:
    seen: list[tuple[bytes, bytes]] = []
    compressed = gzip.compress(b'{"a": 1}')

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                seen.append(await _read_request(reader))
                writer.write(
                    b"HTTP/1.1 201 Created\r\nset-cookie: a=1\r\nset-cookie: b=2\r\ncontent-encoding: gzip\r\n"
                    + f"content-length: {len(compressed)}\r\n\r\n".encode()
                    + compressed
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    url = await serve(record)

    async def streamed() -> AsyncIterator[bytes]:
        yield b"first,"
        yield b"second"

    async with new_http_client(Settings(environment="test")) as http:
        first = await http.post(
            f"{url}/v1/items/a%2Fb?x=1%202", content=b"payload", headers={"accept-encoding": "identity"}
        )
        second = await http.post(f"{url}/v1/stream", content=streamed())

    head, body = seen[0]
    assert head.startswith(b"POST /v1/items/a%2Fb?x=1%202 HTTP/1.1\r\n")  # the path as the caller encoded it
    assert body == b"payload"
    assert b"accept-encoding: identity" in head.lower()
    assert b"cookie" not in seen[1][0].lower()  # the first answer's cookies are not sent back
    assert seen[1][1] == b"first,second"  # a streamed body arrives whole (chunked)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert first.headers["content-encoding"] == "gzip"
    assert first.content == b'{"a": 1}'  # httpx decodes; the proxy reads aiter_raw, untouched:
    assert gzip.decompress(compressed) == b'{"a": 1}'


async def test_the_raw_body_is_not_decompressed(serve: Callable[[Handler], Awaitable[str]]) -> None:
    compressed = gzip.compress(b"hello")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\n"
            + f"content-length: {len(compressed)}\r\n\r\n".encode()
            + compressed
        )
        await writer.drain()

    url = await serve(answer)
    async with new_http_client(Settings(environment="test")) as http:
        async with http.stream("GET", f"{url}/z") as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert raw == compressed


def test_the_connection_caps_are_settings() -> None:
    assert Settings(environment="test").connections_per_upstream == 16
    with pytest.raises(ValueError):
        Settings(environment="test", connections_per_upstream=0)
    with pytest.raises(ValueError):
        Settings(environment="test", max_connections=0)


def test_the_proxy_sends_straight_on_the_pool_and_through_httpx_on_any_other_transport() -> None:
    pool = UpstreamTransport(connections_per_upstream=1, max_connections=1, keepalive_expiry_s=1.0)
    assert upstream(pool) is pool
    other = httpx.MockTransport(lambda request: httpx.Response(204))
    assert isinstance(upstream(other), HttpxUpstream)


async def test_the_pools_own_send_passes_the_request_and_the_answer_as_they_are(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _read_request(reader))
        writer.write(b"HTTP/1.1 202 Accepted\r\nX-Upstream: a\r\nx-upstream: b\r\ncontent-length: 4\r\n\r\ndone")
        await writer.drain()

    url = await serve(record)
    pool = UpstreamTransport(connections_per_upstream=1, max_connections=1, keepalive_expiry_s=1.0)
    try:
        answer = await pool.send(
            "PUT", f"{url}/v1/a%2Fb?q=1", [(b"X-Caller", b"c"), (b"content-length", b"4")], b"body", {"read": 5.0}
        )
        body = b"".join([chunk async for chunk in answer.chunks()])
        await answer.aclose()
    finally:
        await pool.aclose()
    head, sent = seen[0]
    assert head.startswith(b"PUT /v1/a%2Fb?q=1 HTTP/1.1\r\n")
    assert b"X-Caller: c\r\n" in head and sent == b"body"
    assert b"user-agent" not in head.lower()  # nothing added that the proxy did not put on the request
    assert (answer.status, body) == (202, b"done")
    assert [(n.lower(), v) for n, v in answer.headers if n.lower() == b"x-upstream"] == [
        (b"x-upstream", b"a"),
        (b"x-upstream", b"b"),
    ]
