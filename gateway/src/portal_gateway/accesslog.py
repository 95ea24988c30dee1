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
import queue
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from logging.handlers import QueueHandler, QueueListener
from typing import TYPE_CHECKING, Any, Literal

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_runtime.requestid import current_request_id

if TYPE_CHECKING:
    from portal_gateway.ratelimit import Outcome

ACCESS_LOGGER = "portal_gateway.access"
FACTS = "gateway_facts"
# Read by portal_runtime.metrics: the latency histogram is labelled with the operation, not the catch-all route.
ROUTE_TEMPLATE = "route_template"

AccessLogFormat = Literal["json", "text", "off"]
access_log = logging.getLogger(ACCESS_LOGGER)


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


def configure_access_log(fmt: AccessLogFormat) -> None:
    """Lines go to stdout as they are (the line is the whole record), whatever the root logging configuration.

    Written by a thread of their own through a queue: a slow stdout (a log shipper applying back-pressure) must
    not block the event loop, and a request pays for a queue put, not a write system call."""
    access_log.setLevel(logging.INFO if fmt != "off" else logging.CRITICAL)
    access_log.propagate = False
    if not any(isinstance(h, QueueHandler) for h in access_log.handlers):
        lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        output = logging.StreamHandler(sys.stdout)
        output.setFormatter(logging.Formatter("%(message)s"))
        listener = QueueListener(lines, output)
        listener.start()
        atexit.register(listener.stop)  # drains the queue at exit
        access_log.addHandler(QueueHandler(lines))


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
    """Pure ASGI: request facts in, ``RateLimit-*`` headers out, one access-log line per request."""

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
                if facts.rate_limit is not None:
                    message["headers"] = [*message.get("headers", []), *facts.rate_limit.headers()]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if self.fmt != "off":
                record = _record(scope, facts, status, started, sent)
                access_log.info(json.dumps(record, separators=(",", ":")) if self.fmt == "json" else _text(record))
