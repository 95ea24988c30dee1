"""The asyncio sockets under the upstream connections (portal_gateway.netio): reads, writes, their timeouts and flow
control, what "readable" means for an idle connection, and TLS."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpcore
import httpx
import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal_gateway.netio import READ_BUFFER_HIGH, AsyncioBackend
from portal_gateway.pools import PerUpstreamTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler, tls: ssl.SSLContext | None = None) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
    return server, server.sockets[0].getsockname()[1]


async def test_reads_what_the_peer_sends_then_eof_and_readable_means_closed_or_unread_bytes() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    server, port = await _serve(handler)
    stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
    try:
        assert stream.get_extra_info("is_readable") is False  # an idle connection the peer keeps open
        release.set()
        assert await stream.read(2, timeout=2) == b"he"
        assert stream.get_extra_info("is_readable") is True  # bytes nobody read yet
        assert await stream.read(100, timeout=2) == b"llo"
        assert await stream.read(100, timeout=2) == b""
        assert stream.get_extra_info("is_readable") is True  # closed by the peer: not to be reused
    finally:
        await stream.aclose()
        server.close()


async def test_a_read_waits_at_most_its_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server, port = await _serve(handler)
    stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
    try:
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(10, timeout=0.05)
    finally:
        await stream.aclose()
        server.close()


async def test_a_write_to_a_peer_that_does_not_read_waits_at_most_its_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    server, port = await _serve(handler)
    stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
    try:
        with pytest.raises(httpcore.WriteTimeout):
            for _ in range(1000):  # the socket buffers fill up, then the transport asks the writer to pause
                await stream.write(b"x" * 1024 * 1024, timeout=0.2)
    finally:
        await stream.aclose()
        server.close()


async def test_a_large_answer_read_slowly_pauses_the_socket_and_arrives_whole() -> None:
    body = bytes(range(256)) * 16 * 1024  # 4 MiB

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(body)
        await writer.drain()
        writer.close()

    server, port = await _serve(handler)
    stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
    received = bytearray()
    try:
        await asyncio.sleep(0.2)  # the peer sends all it can meanwhile
        assert stream._protocol.reading_paused  # type: ignore[attr-defined]
        assert len(stream._protocol.buffer) < 2 * READ_BUFFER_HIGH  # type: ignore[attr-defined]
        while chunk := await stream.read(65536, timeout=2):
            received += chunk
    finally:
        await stream.aclose()
        server.close()
    assert received == body


async def test_a_refused_connection_is_a_connect_error() -> None:
    server, port = await _serve(lambda reader, writer: asyncio.sleep(0))
    server.close()
    await server.wait_closed()

    with pytest.raises(httpcore.ConnectError):
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (file) and its key (file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
async def tls_server(certificate: tuple[Path, Path]) -> AsyncIterator[str]:
    """An HTTPS server answering every request with 200 "secure"."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecure")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server, port = await _serve(answer, context)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.close()


async def test_https_upstreams_are_reached_over_tls_and_their_certificate_is_checked(
    tls_server: str, certificate: tuple[Path, Path]
) -> None:
    limits = httpx.Limits(max_connections=2, keepalive_expiry=4.0)
    trusting = PerUpstreamTransport(limits, ssl_context=ssl.create_default_context(cafile=str(certificate[0])))
    async with httpx.AsyncClient(transport=trusting) as http:
        answers = [await http.get(f"{tls_server}/x") for _ in range(3)]
    assert [(a.status_code, a.text) for a in answers] == [(200, "secure")] * 3

    async with httpx.AsyncClient(transport=PerUpstreamTransport(limits)) as http:
        with pytest.raises(httpx.ConnectError):  # a certificate no trusted authority signed
            await http.get(f"{tls_server}/x")


def test_under_uvloop_as_uvicorn_runs_the_gateway() -> None:
    """uvloop's transports are not asyncio's classes: the same reads, EOF and flow control there."""
    body = bytes(range(256)) * 4 * 1024  # 1 MiB, more than the read buffer holds before pausing

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()

    async def scenario() -> list[bool]:
        server, port = await _serve(answer)
        limits = httpx.Limits(max_connections=2, keepalive_expiry=4.0)
        async with httpx.AsyncClient(transport=PerUpstreamTransport(limits)) as http:
            answers = await asyncio.gather(*(http.get(f"http://127.0.0.1:{port}/") for _ in range(4)))
        server.close()
        return [a.content == body for a in answers]

    assert uvloop.run(scenario()) == [True] * 4
