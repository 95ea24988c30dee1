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
