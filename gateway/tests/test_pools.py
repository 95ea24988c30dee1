"""One connection pool per upstream: a service that hangs holds only its own connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from portal_gateway.config import Settings
from portal_gateway.main import new_http_client
from portal_gateway.pools import PerUpstreamTransport
from portal_runtime.testing.infra import free_port


@pytest.fixture
async def answering_server() -> AsyncIterator[str]:
    """A real server answering every request with a small 200, keeping the connection open."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_a_hung_service_exhausts_only_its_own_pool(silent_server: str, answering_server: str) -> None:
    settings = Settings(environment="test", connections_per_upstream=2, read_timeout_s=5.0)
    async with new_http_client(settings) as http:
        assert isinstance(http._transport, PerUpstreamTransport)
        hung = [asyncio.create_task(http.get(f"{silent_server}/slow")) for _ in range(2)]
        await asyncio.sleep(0.2)  # both connections of the hung service are taken

        # Its third request waits for one of its two connections...
        with pytest.raises(httpx.PoolTimeout):
            await http.get(f"{silent_server}/slow", timeout=httpx.Timeout(5.0, pool=0.3))
        # ...while another service answers at once, on connections of its own.
        answered = await asyncio.gather(*(http.get(f"{answering_server}/fast", timeout=2.0) for _ in range(5)))
        assert [r.status_code for r in answered] == [200] * 5
        assert http._transport.pool_count() == 2
        for task in hung:
            task.cancel()
        await asyncio.gather(*hung, return_exceptions=True)


def test_the_pool_limit_is_per_upstream_within_the_overall_caps() -> None:
    assert Settings(environment="test").connections_per_upstream == 16
    with pytest.raises(ValueError):
        Settings(environment="test", connections_per_upstream=0)


async def test_every_permit_to_enter_a_pool_comes_back(answering_server: str) -> None:
    settings = Settings(environment="test", connections_per_upstream=2)
    closed = f"http://127.0.0.1:{free_port()}"
    async with new_http_client(settings) as http:
        transport = http._transport
        assert isinstance(transport, PerUpstreamTransport)

        answered = await asyncio.gather(*(http.get(f"{answering_server}/fast", timeout=5.0) for _ in range(20)))
        assert [r.status_code for r in answered] == [200] * 20
        assert transport.admitted(answering_server) == 0

        async with http.stream("GET", f"{answering_server}/streamed") as streamed:
            assert streamed.status_code == 200
            assert transport.admitted(answering_server) == 1  # held until the body is closed
        assert transport.admitted(answering_server) == 0

        for _ in range(3):
            with pytest.raises(httpx.ConnectError):
                await http.get(closed, timeout=2.0)
        assert transport.admitted(closed) == 0


@pytest.fixture
async def counting_server() -> AsyncIterator[tuple[str, list[int]]]:
    """A real server answering 200 with the request count of its connection; closes a connection when the path
    says so. Yields its URL and the requests served per connection, in the order the connections came."""
    per_connection: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(per_connection)
        per_connection.append(0)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                per_connection[index] += 1
                close = b"/close" in head.split(b"\r\n", 1)[0]
                body = str(per_connection[index]).encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
                if close:  # without `Connection: close`: the client learns it only from the socket
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", per_connection
    finally:
        server.close()


async def test_connections_are_reused_and_one_the_service_closed_is_not(
    counting_server: tuple[str, list[int]],
) -> None:
    url, per_connection = counting_server
    settings = Settings(environment="test", connections_per_upstream=2)
    async with new_http_client(settings) as http:
        in_turn = [(await http.get(f"{url}/a")).text for _ in range(5)]
        assert in_turn == ["1", "2", "3", "4", "5"]  # one connection, kept alive

        assert (await http.get(f"{url}/close")).text == "6"
        await asyncio.sleep(0.1)  # the service has closed that connection while it sits idle in the pool
        assert (await http.get(f"{url}/a")).text == "1"  # a new connection, no error

        concurrent = await asyncio.gather(*(http.get(f"{url}/a") for _ in range(10)))
        assert all(r.status_code == 200 for r in concurrent)
    assert len(per_connection) <= 3  # never more than the pool's two at once, plus the one closed


async def test_transport_failures_are_httpx_errors(silent_server: str, garbage_server: str) -> None:
    settings = Settings(environment="test", connections_per_upstream=2)
    async with new_http_client(settings) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(silent_server, timeout=0.2)
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(garbage_server)
        with pytest.raises(httpx.UnsupportedProtocol):
            await http.get("ftp://127.0.0.1/file")
        assert http._transport.admitted(silent_server) == 0
        assert http._transport.admitted(garbage_server) == 0


async def test_an_idle_connection_past_its_keep_alive_is_not_reused(counting_server: tuple[str, list[int]]) -> None:
    url, per_connection = counting_server
    transport = PerUpstreamTransport(httpx.Limits(max_connections=2, keepalive_expiry=0.05))
    async with httpx.AsyncClient(transport=transport) as http:
        assert (await http.get(f"{url}/a")).text == "1"
        assert (await http.get(f"{url}/a")).text == "2"
        await asyncio.sleep(0.1)
        assert (await http.get(f"{url}/a")).text == "1"
    assert per_connection == [2, 1]


async def test_a_cancelled_request_gives_back_its_permit(silent_server: str, answering_server: str) -> None:
    settings = Settings(environment="test", connections_per_upstream=1)
    async with new_http_client(settings) as http:
        transport = http._transport
        assert isinstance(transport, PerUpstreamTransport)
        waiting = asyncio.create_task(http.get(f"{silent_server}/slow"))
        await asyncio.sleep(0.1)
        assert transport.admitted(silent_server) == 1
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        assert transport.admitted(silent_server) == 0

        answered = await http.get(f"{answering_server}/fast", timeout=2.0)
        assert answered.status_code == 200
        # The one permit of the hung service is free again: a new request gets a connection (and times out
        # reading, not waiting for the pool).
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"{silent_server}/slow", timeout=httpx.Timeout(0.2, pool=5.0))


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """A real server answering each request with its body (Content-Length or chunked), keeping the connection."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                fields = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
                if b"content-length" in fields:
                    body = await reader.readexactly(int(fields[b"content-length"]))
                else:  # chunked
                    body = b""
                    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                        body += await reader.readexactly(size)
                        await reader.readexactly(2)
                    await reader.readexactly(2)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_request_bodies_are_sent_sized_or_streamed(echo_server: str) -> None:
    async def parts() -> AsyncIterator[bytes]:
        for n in range(3):
            yield b"part-%d;" % n

    async with new_http_client(Settings(environment="test")) as http:
        sized = await http.post(echo_server, content=b"x" * 100_000)
        streamed = await http.post(echo_server, content=parts())

    assert sized.content == b"x" * 100_000
    assert streamed.content == b"part-0;part-1;part-2;"
