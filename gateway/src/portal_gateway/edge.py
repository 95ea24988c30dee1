"""The gateway's HTTP/1.1 connections: uvicorn's, with bounds on how long and how large a request head may be and on
how long a body may stall.

The gateway is the public edge, and uvicorn (httptools) bounds none of these. Measured with uvicorn 0.54: a
connection that sends nothing, or half a request head, is held open for ever (its keep-alive timeout is armed only
after a response), and a 20 MB header reaches the application, buffered first by the parser. A few clients could hold
every file descriptor, or the memory, of a gateway replica. :class:`EdgeHttpProtocol` adds what a reverse proxy would:

- **A head timeout** (``GATEWAY_REQUEST_HEAD_TIMEOUT_S``, 20 s): from the connection, or from the first byte of the
  next request on a kept-alive one, the head (request line and headers) must be complete within it. A connection that
  sent nothing is closed silently; one that sent part of a head gets a 408 problem ``request_timeout``.
- **A head size bound**: the bytes read before the head is complete are counted, and beyond
  ``max_url_bytes + 4 * max_header_bytes + 1 KiB`` the connection gets a 431 problem
  ``request_header_fields_too_large`` and is closed; nothing more of it is read or buffered. This is a backstop,
  not the limit users meet: any head that :class:`portal_gateway.headlimit.RequestHeadLimits` accepts passes it
  (every header line costs at most 4 bytes more than the name and value that limit counts, ``a:\\r\\n``), so the
  usual 414/431 answers, logged and counted, keep coming from there.
- **A body timeout** (``GATEWAY_REQUEST_BODY_TIMEOUT_S``, 30 s): once a request's head is in, its body may pause
  at most this long between two reads. Measured before: a client that announced a body and stopped sending held its
  connection, and the gateway's connection to the service the body was streamed to, for as long as it liked (no
  answer after 40 s); a few such clients could take a service's whole upstream pool. Now the request gets a 408
  ``request_timeout`` (``part: "body"``) and its app sees the client gone: a proxied body is abandoned and its
  upstream connection freed. Time the gateway itself is not reading (the app or the service behind it is slower
  than the client, so reading is paused) or the client waits for its ``100 Continue`` does not count.

All these answers are written on the socket as the problem documents the application would render
(``application/problem+json``, in English: the head that would say otherwise is not trusted) with an
``X-Request-Id``, and are logged; the connection is then closed after a short linger (so that a client still sending
reads the answer rather than a reset). If an earlier response on the connection is still being sent (pipelining), the
connection is closed without one rather than interleaving. Each is counted in ``gateway_edge_refusals_total``
by reason (:class:`portal_gateway.edge_metrics.EdgeRefusals`, which the app puts in its lifespan state), as is a
silent connection closed. Body sizes are bounded elsewhere (``portal_gateway.bodylimit``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from portal_gateway.edge_metrics import EDGE_REFUSALS_STATE, EdgeRefusalReason, EdgeRefusals
from portal_gateway.errors import HeaderFieldsTooLarge, RequestTimeout
from portal_runtime.problems import PortalError, portal_error_response
from portal_runtime.requestid import current_request_id, new_request_id

logger = logging.getLogger("portal_gateway.edge")


def head_backstop_bytes(max_url_bytes: int, max_header_bytes: int) -> int:
    """The most bytes a request head may take on the wire: every head the ASGI-level limits accept fits in it."""
    return max_url_bytes + 4 * max_header_bytes + 1024


class EdgeHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head timeout, a head size bound and a body timeout (module docstring).

    Configured through class attributes: :func:`edge_protocol` makes a subclass with the gateway's settings, which
    is what uvicorn's ``http=`` takes."""

    max_head_bytes: int = head_backstop_bytes(8 * 1024, 32 * 1024)
    head_timeout_s: float = 20.0
    body_timeout_s: float = 30.0
    linger_s: float = 2.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = True  # between a message's end (or the connection) and its next head's end
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_read_at = 0.0  # when the current body last moved (or was held up by the gateway, not the client)
        self._body_held = False  # whether the gateway held the body up at the timer's last look
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:  # lingering after a refusal: what the client still sends is dropped unread
            return
        if not self._reading_head:
            super().data_received(data)
            return
        # Counted before the parser sees them, judged after: a chunk may end the head and carry a body on (that
        # message's end starts the next head's count at 0). The bound holds to within one read (256 KiB at most).
        self._head_bytes += len(data)
        super().data_received(data)
        if not self._reading_head or self._head_bytes == 0:
            return  # the head is in (or a whole message was): nothing to time
        if self._head_bytes > self.max_head_bytes:
            self._refuse(
                HeaderFieldsTooLarge(self._head_bytes, self.max_head_bytes), "request head too large", "head_too_large"
            )
        elif self._head_timer is None:
            # Part of a head on a kept-alive connection: its clock starts. A head that comes whole in one read,
            # the usual case, never sets a timer.
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._cancel_head_timer()
        super().on_headers_complete()
        if self.cycle is not None and _has_body(self.headers):
            self._body_read_at = self.loop.time()
            self._body_held = False
            self._body_timer = self.loop.call_later(self.body_timeout_s, self._body_timed_out)

    def on_body(self, body: bytes) -> None:
        self._body_read_at = self.loop.time()
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._cancel_body_timer()
        self._reading_head = True
        self._head_bytes = 0

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_timed_out(self) -> None:
        self._body_timer = None
        cycle = self.cycle
        if self.transport.is_closing() or cycle is None or cycle.response_complete:
            return  # answered already: the end of the message is uvicorn's business
        now = self.loop.time()
        held = self.flow.read_paused or cycle.waiting_for_100_continue
        if held or self._body_held:
            # The gateway is not reading (the app, or the service behind it, is slower than the client) or the
            # client waits for its 100 Continue: the client is not the one stalling. Nor was it if that ended since
            # the last look (the 100 Continue may have gone out just now): it gets a whole timeout from here.
            self._body_read_at = now
        self._body_held = held
        idle = now - self._body_read_at
        if idle < self.body_timeout_s:
            self._body_timer = self.loop.call_later(self.body_timeout_s - idle, self._body_timed_out)
            return
        self._refuse(
            RequestTimeout(self.body_timeout_s, body=True), "request body stalled", "body_timeout", current=True
        )

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes == 0:  # nothing asked: nobody to answer
            self._count("idle_connection")
            self.transport.close()
            return
        self._refuse(RequestTimeout(self.head_timeout_s), "request head not complete in time", "head_timeout")

    def _count(self, reason: EdgeRefusalReason) -> None:
        refusals = self.app_state.get(EDGE_REFUSALS_STATE)
        if isinstance(refusals, EdgeRefusals):  # absent when the app served is not the gateway's (tests)
            refusals.refused(reason)

    def _refuse(self, error: PortalError, why: str, reason: EdgeRefusalReason, *, current: bool = False) -> None:
        """Answers ``error`` and closes. ``current``: the request being read is the one refused (its app, which
        may be waiting for the body, is told the client is gone); else a request is refused before it began."""
        self._cancel_head_timer()
        self._cancel_body_timer()
        self._reading_head = False  # nothing more is read from this connection
        if self.transport.is_closing():
            return
        self._count(reason)
        request_id = new_request_id()
        logger.warning(
            "%s: %s %s from %s (request id %s)",
            why,
            error.status,
            error.code,
            self.client[0] if self.client else "?",
            request_id,
        )
        self._refused = True
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started or not current:
                self.transport.close()  # an answer is on its way: no second one in its middle
                return
            # The app sees the client gone (receive() answers http.disconnect: a proxied body is abandoned and its
            # upstream connection freed); whatever it answers now is dropped.
            cycle.disconnected = True
            cycle.message_event.set()
        # A lingering close, as reverse proxies do: closing at once with the client's bytes unread would reset the
        # connection, and the client, still sending, would lose the answer. The write side is shut after the answer;
        # what still comes is dropped for linger_s at most, then the connection is closed.
        self.transport.write(problem_bytes(error, request_id))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(self.linger_s, self.transport.close)


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a request announces a body (chunked, or a non-zero Content-Length)."""
    for name, value in headers:
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
        if name == b"transfer-encoding":
            return True
    return False


def problem_bytes(error: PortalError, request_id: str) -> bytes:
    """A whole HTTP/1.1 response, closing the connection, with the problem document of ``error``."""
    token = current_request_id.set(request_id)
    try:
        response = portal_error_response(error)
    finally:
        current_request_id.reset(token)
    head = [STATUS_LINE[response.status_code]]
    head += [name + b": " + value + b"\r\n" for name, value in response.raw_headers]
    head += [b"x-request-id: " + request_id.encode("ascii") + b"\r\n", b"connection: close\r\n", b"\r\n"]
    return b"".join(head) + bytes(response.body)


def edge_protocol(
    max_url_bytes: int, max_header_bytes: int, head_timeout_s: float, body_timeout_s: float = 30.0
) -> type[EdgeHttpProtocol]:
    """The protocol class for uvicorn's ``http=``, bound to these limits."""
    limits = {
        "max_head_bytes": head_backstop_bytes(max_url_bytes, max_header_bytes),
        "head_timeout_s": head_timeout_s,
        "body_timeout_s": body_timeout_s,
    }
    return type("ConfiguredEdgeHttpProtocol", (EdgeHttpProtocol,), limits)
