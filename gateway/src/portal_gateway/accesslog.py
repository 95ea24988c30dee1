"""One access-log line per request, and the facts about the request the gateway gathers while handling it.

:class:`EdgeMiddleware` puts a :class:`RequestFacts` in the ASGI scope; the forwarding route fills it in (route
template, service, caller, business, rate-limit outcome). When the response starts the middleware adds the
``RateLimit-*`` headers of that outcome; when it ends it writes the line on the ``portal_gateway.access`` logger.

The line holds the route *template*, never the raw path or the query string (they can carry personal data), and
never a header value: no token, no cookie, no secret.
"""

from __future__ import annotations

import atexit
import json
import logging
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TextIO

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_runtime.requestid import current_request_id

if TYPE_CHECKING:
    from portal_gateway.ratelimit import Outcome

ACCESS_LOGGER = "portal_gateway.access"
FACTS = "gateway_facts"
# Read by portal_runtime.metrics: the latency histogram is labelled with the operation, not the catch-all route.
ROUTE_TEMPLATE = "route_template"

# How often the writer thread takes the lines logged meanwhile and writes them in one go.
FLUSH_INTERVAL_S = 0.05
# At exit, how long the last lines may take to write (a stdout that never drains must not hang the exit).
STOP_TIMEOUT_S = 5.0
MAX_PENDING_LINES = 100_000  # ~30 MB of lines waiting for a stdout that does not drain; older ones then go

AccessLogFormat = Literal["json", "text", "off"]
access_log = logging.getLogger(ACCESS_LOGGER)
log = logging.getLogger(__name__)
# Set on every answer that does not set its own: API answers carry personal and financial data that no cache on
# the way (nor the browser's) may keep, and no browser may guess a content type other than the one declared.
DEFAULT_RESPONSE_HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))
# Built once: json.dumps with options builds an encoder per call.
_JSON = json.JSONEncoder(separators=(",", ":"))


@dataclass(slots=True)
class RequestFacts:
    sub: str | None = None
    client_id: str | None = None
    business: str | None = None
    service: str | None = None
    rate_limit: Outcome | None = None


def request_facts(request: Request) -> RequestFacts:
    """The facts of this request (a fresh, unattached object when the middleware is not installed)."""
    facts = request.scope.get("state", {}).get(FACTS)
    return facts if isinstance(facts, RequestFacts) else RequestFacts()


def set_route(request: Request, template: str) -> None:
    request.scope.setdefault("state", {})[ROUTE_TEMPLATE] = template


class LineWriter:
    """Writes lines to a stream from a thread of its own, in chunks: a slow stream (a log shipper applying
    back-pressure) never blocks the event loop, and a request pays for a ``deque.append``.

    The writer thread wakes every ``interval_s``, takes every line appended meanwhile and writes them with one
    ``write`` and one ``flush``. Nothing signals it per line: a queue handing each line over woke the thread (a
    condition variable, a GIL handover) once per request, which cost the gateway ~10% of its CPU under load.
    Appending and taking lines are both thread-safe on a deque, so lines may come from any thread. ``stop``
    (registered at exit) writes whatever is left before returning: no line is lost at a graceful stop.

    While the stream does not drain, at most ``max_pending`` lines wait: beyond that the oldest are dropped (memory
    stays bounded whatever the log shipper does), counted in ``dropped``, and the count is reported on stderr once
    the stream takes lines again.
    """

    def __init__(
        self, stream: TextIO, interval_s: float = FLUSH_INTERVAL_S, max_pending: int = MAX_PENDING_LINES
    ) -> None:
        self._stream = stream
        self._interval_s = interval_s
        self._lines: deque[str] = deque(maxlen=max_pending)
        self.dropped = 0
        self._reported = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-log-writer", daemon=True)
        self._thread.start()

    def write(self, line: str) -> None:
        lines = self._lines
        if len(lines) == lines.maxlen:
            self.dropped += 1  # approximate under concurrent writers; the deque itself stays bounded
        lines.append(line)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Writes the lines still pending, then ends the thread (waiting ``timeout_s`` at most)."""
        self._stopping.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            self._write_pending()
        self._write_pending()

    def _write_pending(self) -> None:
        lines = self._lines
        chunk = [lines.popleft() for _ in range(len(lines))]  # only this thread takes: len() lines are there
        if not chunk:
            return
        try:
            self._stream.write("\n".join(chunk) + "\n")
            self._stream.flush()
        except (OSError, ValueError) as exc:  # a closed or broken stdout: the lines cannot be written anywhere
            log.error("%d access-log lines could not be written: %s", len(chunk), exc)
        if self.dropped > self._reported:
            log.warning("%d access-log lines were dropped: stdout did not drain", self.dropped - self._reported)
            self._reported = self.dropped


class LineHandler(logging.Handler):
    """Hands each record's message (the whole line) to a :class:`LineWriter`."""

    def __init__(self, writer: LineWriter) -> None:
        super().__init__()
        self.writer = writer

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: the writer's deque is thread-safe, and this runs once per request.
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.writer.write(record.getMessage())


def configure_access_log(fmt: AccessLogFormat) -> None:
    """Lines go to stdout as they are (the line is the whole record), whatever the root logging configuration,
    written by a :class:`LineWriter` (one per process; its last lines are written at exit)."""
    access_log.setLevel(logging.INFO if fmt != "off" else logging.CRITICAL)
    access_log.propagate = False
    if not any(isinstance(h, LineHandler) for h in access_log.handlers):
        writer = LineWriter(sys.stdout)
        atexit.register(writer.stop)
        access_log.addHandler(LineHandler(writer))


def _route(scope: Scope) -> str:
    template = scope.get("state", {}).get(ROUTE_TEMPLATE)
    if template:
        return str(template)
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path and "{path:path}" not in path else "unmatched"


def _record(scope: Scope, facts: RequestFacts, status: int, started: float, sent: int) -> dict[str, Any]:
    outcome = facts.rate_limit
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "request_id": current_request_id.get(),
        "method": scope["method"],
        "route": _route(scope),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "sub": facts.sub,
        "client_id": facts.client_id,
        "business": facts.business,
        "service": facts.service,
        "response_bytes": sent,
        "rate_limit": None if outcome is None else ("allowed" if outcome.allowed else "limited"),
        "rate_limit_class": None if outcome is None else outcome.limit.name,
        "rate_limit_remaining": None if outcome is None else outcome.remaining,
    }


def _text(record: dict[str, Any]) -> str:
    head = f"{record['timestamp']} {record['method']} {record['route']} {record['status']} {record['duration_ms']}ms"
    rest = " ".join(f"{k}={v}" for k, v in record.items() if k not in {"timestamp", "method", "route", "status"})
    return f"{head} {rest}"


class EdgeMiddleware:
    """Pure ASGI: request facts in, ``RateLimit-*`` and the default headers out (``Cache-Control: no-store`` and
    ``X-Content-Type-Options: nosniff`` unless the answer sets its own), one access-log line per request."""

    def __init__(self, app: ASGIApp, fmt: AccessLogFormat = "json") -> None:
        self.app = app
        self.fmt = fmt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        facts = RequestFacts()
        scope.setdefault("state", {})[FACTS] = facts
        started = time.perf_counter()
        status, sent = 500, 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in DEFAULT_RESPONSE_HEADERS if name not in names]
                if facts.rate_limit is not None:
                    headers += facts.rate_limit.headers()
                message["headers"] = headers
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if self.fmt != "off":
                record = _record(scope, facts, status, started, sent)
                access_log.info(_JSON.encode(record) if self.fmt == "json" else _text(record))
