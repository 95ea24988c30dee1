"""gzip at the edge: answers are compressed for callers that ask for it (``Accept-Encoding``), whichever service
wrote them, so that broker software pulling long lists and browsers loading the developer portal move a fraction of
the bytes.

What is compressed: an answer to a request whose ``Accept-Encoding`` accepts gzip (RFC 9110 12.5.3: ``gzip`` or
``x-gzip`` with a q above 0, or ``*`` when gzip is not listed), of a text media type worth it (JSON and
``application/*+json`` problems included, CSV, plain text, CSS, JavaScript, YAML), from ``minimum_bytes`` on, in one
piece or as it streams (each chunk is flushed, so a streamed list still arrives as it is produced).

What is sent as it is, and why:
- a request that carries cookies, or an answer that sets one (a browser's sign-in pages): compressing a secret next
  to text the requester chose is what BREACH measures; API calls carry bearer tokens, never cookies;
- an answer with an ``ETag``: the tag names the service's bytes, and ``If-Match`` compares tags strongly, so a
  client that got the gzip bytes could never send an update back; the resources that carry one are small anyway;
- an answer already encoded, a partial one (206), one without a body (HEAD, 204, 304), or marked ``no-transform``;
- a body that gzip would not make smaller.

Every answer eligible by its type and size says ``Vary: Accept-Encoding``, so a shared cache keeps the two forms apart.
Large bodies are compressed on a worker thread (zlib lets go of the GIL), not on the event loop.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip member (header and CRC), not a raw zlib stream
COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/x-ndjson",
        "application/yaml",
        "text/css",
        "text/csv",
        "text/javascript",
        "text/plain",
        "text/yaml",
    }
)
NOT_COMPRESSED_STATUSES = frozenset({204, 206, 304})


def accepts_gzip(values: Iterable[str]) -> bool:
    """Whether the ``Accept-Encoding`` field values accept gzip (RFC 9110 12.5.3); a malformed q refuses."""
    star: bool | None = None
    for value in values:
        for item in value.split(","):
            coding, _, parameters = item.partition(";")
            coding = coding.strip().lower()
            if not coding:
                continue
            quality = 1.0
            for parameter in parameters.split(";"):
                name, _, number = parameter.partition("=")
                if name.strip().lower() == "q":
                    try:
                        quality = float(number.strip())
                    except ValueError:
                        quality = 0.0
            if coding in ("gzip", "x-gzip"):
                return quality > 0
            if coding == "*":
                star = quality > 0
    return bool(star)


def compressible(content_type: str) -> bool:
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type in COMPRESSIBLE or (media_type.startswith("application/") and media_type.endswith("+json"))


def with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers with ``Accept-Encoding`` in ``Vary`` (added to the field there is, or as a field)."""
    for i, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            fields = [part.strip().lower() for part in value.split(b",")]
            if b"*" in fields or b"accept-encoding" in fields:
                return headers
            headers[i] = (name, value + b", Accept-Encoding")
            return headers
    headers.append((b"vary", b"Accept-Encoding"))
    return headers


class EdgeCompression:
    """Pure ASGI. A request that does not ask for gzip (or carries cookies) goes through untouched, at the cost of
    one look at its headers."""

    def __init__(
        self, app: ASGIApp, *, minimum_bytes: int = 1024, level: int = 6, thread_from_bytes: int = 256 * 1024
    ) -> None:
        self.app = app
        self.minimum_bytes = minimum_bytes
        self.level = level
        self.thread_from_bytes = thread_from_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD" or not self._wanted(scope["headers"]):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _Compressing(self, send).send)

    @staticmethod
    def _wanted(headers: list[tuple[bytes, bytes]]) -> bool:
        accept: list[str] = []
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"cookie":
                return False
            if lowered == b"accept-encoding":
                accept.append(value.decode("latin-1"))
        return bool(accept) and accepts_gzip(accept)


class _Compressing:
    """One answer's way out: its start is held until the first body says whether it is worth compressing."""

    def __init__(self, edge: EdgeCompression, send: Send) -> None:
        self.edge = edge
        self.downstream = send
        self.start: Message | None = None  # held, while it is not yet known what to send
        self.state = "deciding"  # then "passing" (sent as it is) or "compressing"
        self.compressor: zlib._Compress | None = None

    async def send(self, message: Message) -> None:
        if self.state == "passing":
            await self.downstream(message)
        elif self.state == "compressing":
            if message["type"] == "http.response.body":
                message = {**message, "body": await self._compress(message.get("body", b""), message)}
            await self.downstream(message)
        elif message["type"] == "http.response.start":
            if self._eligible(message):
                self.start = message
            else:
                await self._pass(message)
        elif message["type"] == "http.response.body" and self.start is not None:
            await self._first_body(self.start, message)
        else:  # trailers, or anything else before a body: nothing left to decide
            await self._pass(message)

    def _eligible(self, start: Message) -> bool:
        if start["status"] < 200 or start["status"] in NOT_COMPRESSED_STATUSES:
            return False
        typed = False
        for name, value in start.get("headers", []):
            lowered = name.lower()
            if lowered in (b"content-encoding", b"etag", b"set-cookie"):
                return False
            if lowered == b"content-type":
                if not compressible(value.decode("latin-1")):
                    return False
                typed = True
            elif lowered == b"cache-control" and b"no-transform" in value.lower():
                return False
            elif lowered == b"content-length" and value.isdigit() and int(value) < self.edge.minimum_bytes:
                return False
        return typed

    async def _pass(self, message: Message) -> None:
        """Sends what was held and ``message`` as they are, and so everything after."""
        self.state = "passing"
        if self.start is not None:
            start, self.start = self.start, None
            await self.downstream(start)
        await self.downstream(message)

    async def _first_body(self, start: Message, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if not more and len(body) < self.edge.minimum_bytes:
            await self._pass(message)
            return
        headers = with_vary(list(start.get("headers", [])))
        compressed = await self._compress(body, message)
        if not more and len(compressed) >= len(body):
            start["headers"] = headers
            await self._pass(message)
            return
        headers = [(name, value) for name, value in headers if name.lower() != b"content-length"]
        headers.append((b"content-encoding", b"gzip"))
        if not more:
            headers.append((b"content-length", str(len(compressed)).encode()))
        self.state, self.start = "compressing", None
        await self.downstream({**start, "headers": headers})
        await self.downstream({**message, "body": compressed})

    async def _compress(self, body: bytes, message: Message) -> bytes:
        if self.compressor is None:
            self.compressor = zlib.compressobj(self.edge.level, zlib.DEFLATED, GZIP_WBITS)
        more = bool(message.get("more_body", False))
        if len(body) >= self.edge.thread_from_bytes:
            return await asyncio.to_thread(self._deflate, self.compressor, body, more)
        return self._deflate(self.compressor, body, more)

    @staticmethod
    def _deflate(compressor: zlib._Compress, body: bytes, more: bool) -> bytes:
        # A chunk of a stream is flushed whole, so what the service has sent reaches the caller without waiting.
        return compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
