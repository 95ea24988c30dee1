"""gzip at the edge: for callers that accept it, text answers worth it are compressed, in one piece or as they
stream; what must keep its bytes (tagged, encoded, cookie-bearing, partial, bodiless) goes as it is."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import zlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Message

from portal_gateway.compression import EdgeCompression, accepts_gzip, with_vary

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack, StackFactory

SERVICES = {"identity": "http://identity.test", "ledger": "http://ledger.test", "delegation": "http://delegation.test"}
ITEMS = {"items": [{"transaction_number": f"{n:014d}", "amount": "1250.00", "status": "posted"} for n in range(200)]}
BIG = json.dumps(ITEMS).encode()
BIG_GZIPPED = gzip.compress(BIG, mtime=0)  # a service's own gzip; fixed mtime, so the same bytes every time
GZIP = {"Accept-Encoding": "gzip"}


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("GZIP;Q=0.5", True),
        ("x-gzip", True),
        ("br, *;q=0.1", True),
        ("*", True),
        ("deflate, br", False),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=0, *", False),  # listed and refused: the * does not bring it back
        ("*;q=0", False),
        ("gzip;q=high", False),  # a malformed weight is not a yes
        ("", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(header: str, accepted: bool) -> None:
    assert accepts_gzip([header]) is accepted


def test_accept_encoding_over_several_fields_counts_them_all() -> None:
    assert accepts_gzip(["deflate", "gzip"]) is True


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], [(b"vary", b"Accept-Encoding")]),
        ([(b"vary", b"Origin")], [(b"vary", b"Origin, Accept-Encoding")]),
        ([(b"Vary", b"origin, accept-encoding")], [(b"Vary", b"origin, accept-encoding")]),
        ([(b"vary", b"*")], [(b"vary", b"*")]),
    ],
)
def test_vary_names_accept_encoding_once(before: list[tuple[bytes, bytes]], after: list[tuple[bytes, bytes]]) -> None:
    assert with_vary(before) == after


# --------------------------------------------------------------------------------------------- the middleware alone


def app(**compression: Any) -> EdgeCompression:
    async def big(request: Request) -> Response:
        return Response(BIG, media_type="application/json")

    async def small(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def medium(request: Request) -> Response:  # would shrink, but is under the default threshold
        return JSONResponse(ITEMS["items"][:8])

    async def tagged(request: Request) -> Response:
        return Response(BIG, media_type="application/json", headers={"ETag": '"7"'})

    async def pdf(request: Request) -> Response:
        return Response(BIG, media_type="application/pdf")

    async def encoded(request: Request) -> Response:
        return Response(BIG_GZIPPED, media_type="application/json", headers={"Content-Encoding": "gzip"})

    async def cookie(request: Request) -> Response:
        response = Response(BIG, media_type="application/json")
        response.set_cookie("session", "secret")
        return response

    async def no_transform(request: Request) -> Response:
        return Response(BIG, media_type="application/json", headers={"Cache-Control": "no-store, no-transform"})

    async def problem(request: Request) -> Response:
        errors = [{"field": f"lines[{n}].hs_code", "reason": "not a tariff item"} for n in range(60)]
        body = json.dumps({"type": "about:blank", "status": 422, "errors": errors}).encode()
        return Response(body, status_code=422, media_type="application/problem+json")

    async def random(request: Request) -> Response:
        return Response(os.urandom(4096), media_type="text/plain")

    async def not_modified(request: Request) -> Response:
        return Response(status_code=304, headers={"Content-Type": "application/json"})

    async def streamed(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            for item in ITEMS["items"]:
                yield json.dumps(item).encode() + b"\n"

        return StreamingResponse(parts(), media_type="application/x-ndjson")

    routes = [
        Route(f"/{endpoint.__name__}", endpoint, methods=["GET", "HEAD"])
        for endpoint in (big, small, medium, tagged, pdf, encoded, cookie, no_transform, problem, random)
    ]
    routes += [Route("/not_modified", not_modified), Route("/streamed", streamed)]
    return EdgeCompression(Starlette(routes=routes), **compression)


async def fetch(path: str, headers: dict[str, str] | None = None, method: str = "GET", **settings: Any) -> Any:
    """The answer, its body as sent (never decoded) and decoded."""
    transport = httpx.ASGITransport(app(**settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as client:
        del client.headers["accept-encoding"]  # httpx's own default: only what the test sends
        async with client.stream(method, path, headers=headers or {}) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
    plain = gzip.decompress(raw) if response.headers.get("content-encoding") == "gzip" else raw
    return response, raw, plain


async def test_a_large_json_answer_is_gzipped_for_a_caller_that_asks() -> None:
    response, raw, plain = await fetch("/big", GZIP)

    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) == len(raw) < len(BIG) / 5
    assert plain == BIG


async def test_a_caller_that_does_not_ask_gets_the_bytes_as_they_are() -> None:
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        response, raw, _ = await fetch("/big", headers)
        assert "content-encoding" not in response.headers, headers
        assert raw == BIG


@pytest.mark.parametrize(
    "path", ["/small", "/medium", "/tagged", "/pdf", "/cookie", "/no_transform", "/not_modified", "/random", "/encoded"]
)
async def test_what_must_keep_its_bytes_or_would_not_shrink_is_sent_as_it_is(path: str) -> None:
    response, raw, _ = await fetch(path, GZIP)

    expected = BIG_GZIPPED if path == "/encoded" else None  # the service's own gzip, passed through
    assert response.headers.get("content-encoding") == ("gzip" if expected else None)
    if expected:
        assert raw == expected
    # Vary only where the answer was a candidate (its type and size) and the caller's choice made a difference.
    assert ("vary" in response.headers) is (path == "/random")


async def test_a_request_with_cookies_is_answered_uncompressed() -> None:
    response, raw, _ = await fetch("/big", GZIP | {"Cookie": "session=abc"})

    assert "content-encoding" not in response.headers
    assert raw == BIG


async def test_a_head_request_keeps_the_length_of_the_uncompressed_get() -> None:
    response, raw, _ = await fetch("/big", GZIP, method="HEAD")

    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(BIG)
    assert raw == b""


async def test_a_large_problem_is_gzipped_with_its_status() -> None:
    response, _, plain = await fetch("/problem", GZIP)

    assert (response.status_code, response.headers["content-encoding"]) == (422, "gzip")
    assert response.headers["content-type"] == "application/problem+json"
    assert len(json.loads(plain)["errors"]) == 60


async def test_a_streamed_answer_is_gzipped_as_it_streams_without_a_length() -> None:
    response, raw, plain = await fetch("/streamed", GZIP)

    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert len(raw) < len(plain)
    assert plain.splitlines() == [json.dumps(item).encode() for item in ITEMS["items"]]


async def test_the_threshold_and_level_are_settings() -> None:
    medium, _, plain = await fetch("/medium", GZIP, minimum_bytes=0, level=1)
    big, _, _ = await fetch("/big", GZIP, minimum_bytes=len(BIG) + 1)

    assert medium.headers["content-encoding"] == "gzip"
    assert json.loads(plain) == ITEMS["items"][:8]
    assert "content-encoding" not in big.headers


async def test_each_streamed_chunk_reaches_the_caller_before_the_service_sends_the_next() -> None:
    """Z_SYNC_FLUSH per chunk: what was compressed so far decodes whole while the service is still working."""
    release = asyncio.Event()
    sent: list[Message] = []

    async def service(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"items": [' + b'{"n": 1}, ' * 20, "more_body": True})
        await release.wait()
        await send({"type": "http.response.body", "body": b'{"n": 2}]}', "more_body": False})

    async def record(message: Message) -> None:
        sent.append(message)

    async def nothing() -> Message:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"gzip")]}
    task = asyncio.create_task(EdgeCompression(service)(scope, nothing, record))
    for _ in range(20):
        await asyncio.sleep(0)
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    so_far = decoder.decompress(b"".join(m.get("body", b"") for m in sent[1:]))
    assert dict(sent[0]["headers"])[b"content-encoding"] == b"gzip"
    assert so_far == b'{"items": [' + b'{"n": 1}, ' * 20
    release.set()
    await task
    assert so_far + decoder.decompress(sent[-1]["body"]) + decoder.flush() == (
        b'{"items": [' + b'{"n": 1}, ' * 20 + b'{"n": 2}]}'
    )
    assert decoder.eof


# ------------------------------------------------------------------------------------------------- in the gateway


async def test_a_proxied_answer_is_gzipped_at_the_edge(stack: Stack) -> None:
    # The test service echoes the request, the query included: a long one makes an answer worth compressing.
    response = await stack.client.get(f"/v1/me/statements?period={'2026-11' * 300}", headers=stack.bearer() | GZIP)

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.num_bytes_downloaded < len(response.content)
    assert response.json()["route"] == "me"


async def test_compression_can_be_turned_off(make_stack: StackFactory) -> None:
    async with make_stack(compression_enabled=False) as stack:
        response = await stack.client.get(f"/v1/me/statements?period={'2026-11' * 300}", headers=stack.bearer() | GZIP)

    assert "content-encoding" not in response.headers
    assert response.num_bytes_downloaded == len(response.content)


async def test_a_stream_from_a_real_service_is_gzipped_on_its_way_through(make_stack: StackFactory) -> None:
    """A service on a real socket answers a chunked JSON body (no length): the gateway streams it, gzipped."""
    body = json.dumps(ITEMS).encode()
    parts = [body[i : i + 1500] for i in range(0, len(body), 1500)]

    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        for part in parts:
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(chunked, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with make_stack(services=SERVICES | {"ledger": url}) as stack:
            response = await stack.client.get("/v1/businesses/lookup", headers=GZIP)
    finally:
        server.close()
        await server.wait_closed()

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert response.content == body
    assert response.num_bytes_downloaded < len(body) / 5


async def test_the_openapi_document_is_served_gzipped_and_revalidated_by_its_etag(stack: Stack) -> None:
    packed = await stack.client.get("/openapi.json", headers=GZIP)
    plain = await stack.client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    again = await stack.client.get("/openapi.json", headers=GZIP | {"If-None-Match": packed.headers["etag"]})
    other_form = await stack.client.get(
        "/openapi.json", headers={"Accept-Encoding": "identity", "If-None-Match": packed.headers["etag"]}
    )

    assert packed.headers["content-encoding"] == "gzip"
    assert packed.json() == plain.json()
    assert packed.num_bytes_downloaded < plain.num_bytes_downloaded / 4
    assert packed.headers["etag"] != plain.headers["etag"]  # two representations, two tags
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert packed.headers["cache-control"] == "no-cache"
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", packed.headers["etag"])
    assert other_form.status_code == 200  # the tag of the gzip form does not name the plain one


async def test_the_docs_assets_are_served_gzipped(stack: Stack) -> None:
    bundle = await stack.client.get("/docs/swagger-ui/swagger-ui-bundle.js", headers=GZIP)
    image = await stack.client.get("/docs/swagger-ui/favicon-32x32.png", headers=GZIP)
    weak = await stack.client.get(
        "/docs/swagger-ui/swagger-ui-bundle.js", headers=GZIP | {"If-None-Match": f"W/{bundle.headers['etag']}"}
    )

    assert bundle.headers["content-encoding"] == "gzip"
    assert bundle.num_bytes_downloaded < len(bundle.content) / 2
    assert bundle.content.startswith(b"/*!")
    assert "content-encoding" not in image.headers  # a PNG is compressed already: gzip would not shrink it
    assert weak.status_code == 304  # If-None-Match compares weakly
